// LayerExplorer: Yosinski et al.'s Deep Visualization Toolbox (arXiv:1506.06579) in a
// notebook. The input on the left (pick a data image, draw, or open a picture), every
// layer's activations on it in the middle, live as the input changes, and the chosen
// unit on the right: its feature map over the input, its guided backprop and
// deconvolution pictures and its top images over the data.
//
// Panels, each its own module: input_panel.js, layer_panel.js, unit_panel.js; math.js
// holds their pure parts. This module holds the controls (normalisation, checkpoint) and
// the writes to Python.
//
// Model (nbviz/widgets/layer_explorer.py): input_shape [C, H, W], thumbnails {uint8 [n,
// H, W, C]}, thumbnail_captions [str], layers [{name, kind, shape, offset, size, labels}],
// activations {float32 [total]}, predicted (str), input_note (str), unit_map {float32 [h,
// w]}, unit_value (float), unit_pictures {float32 [2, H, W, C] in [-1, 1]},
// unit_picture_names [str], unit_error (str), top_images {uint8 [k, H, W, C]}, top_boxes
// {int32 [k, 4]}, top_values {float32 [k]}, top_captions [str], top_for ("layer:unit"),
// top_note (str), checkpoint_labels [str], image_scale (int), the job_* traits. The view
// writes input_image {uint8 [H, W, C]} with input_source ("drawing" | "file") and index
// -1 in one message, index (a thumbnail picked), normalize ("layer" | "unit"), layer and
// unit together, checkpoint, and sends OPEN_CHAINS. root.__nbvizStats.inputToDraw holds
// the ms from each input write to the end of the draw of the activations answering it.
import { h, rangeInput, textSpan } from "../lib/dom.js";
import { mount, View } from "../lib/view.js";
import { InputPanel } from "./input_panel.js";
import { LayerPanel } from "./layer_panel.js";
import "./style.css";
import { UnitPanel } from "./unit_panel.js";

/** The input is written at most this often (ms) while the user draws. */
const INPUT_INTERVAL = 30;
/** The checkpoint is written at most this often (ms) while its slider moves. */
const CHECKPOINT_INTERVAL = 50;
/** How many input→draw times root.__nbvizStats keeps. */
const STATS_KEPT = 50;
/** A write not answered within this many ms is not waited for any more. */
const ANSWER_WAIT = 10000;

/** One rendering of a LayerExplorer model into `el`. */
class LayerExplorerView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "LayerExplorer", className: "nbviz-layer-explorer", parts: ["input", "layers", "unit"] });
    /** @type {number[]} performance.now() of each input_image write not yet answered by activations */
    this.unanswered = [];
    /** @type {number[]} the writes the activations to be drawn next answer */
    this.answered = [];
    // layersDrawnAt: performance.now() at the end of the last draw of the layers (the
    // benchmark times a thumbnail click to it); activationsAt: when the last activations
    // arrived (the time between the two is the view's own)
    this.stats = { inputToDraw: /** @type {number[]} */ ([]), layersDrawnAt: 0, activationsAt: 0 };
    this.root.__nbvizStats = this.stats;

    this.input = this.addPanel(
      "input",
      new InputPanel(this, { onChange: (source, now) => this.inputChanged(source, now) }),
    );
    this.layers = this.addPanel("layers", new LayerPanel(this, { onPick: (layer, unit) => this.pick(layer, unit) }));
    this.unit = this.addPanel(
      "unit",
      new UnitPanel(this, {
        input: () => this.input,
        labelOf: (layer, unit) => this.layers.layers.find((l) => l.name === layer)?.labels[unit] ?? "",
      }),
    );
    this.sendInput = this.writer("input_image", INPUT_INTERVAL, {
      write: (/** @type {"drawing"|"file"} */ source) => this.writeInput(source),
    });
    this.sendCheckpoint = this.writer("checkpoint", CHECKPOINT_INTERVAL);
    this.buildControls();
    const body = h("div", "nbviz-layer-explorer-body", {}, [this.input.el, this.layers.el, this.unit.el]);
    this.root.append(this.statusStrip(), this.controls, body);

    this.on("activations", () => this.activationsChanged());
    this.on("normalize", () => this.syncNormalize());
    this.on("checkpoint checkpoint_labels", () => this.syncCheckpoint());
    this.expose({
      /** Client px of the centre of input pixel (x, y) on the drawing canvas. */
      canvasPoint: (x, y) => this.input.canvasPoint(x, y),
      /** Client px of the centre of a unit's tile or bar, or null when it is not drawn. */
      tileCentre: (layer, unit) => this.layers.tileCentre(layer, unit),
      /** The sum of the R, G, B bytes drawn for a unit's tile or bar, or null. */
      tileInk: (layer, unit) => this.layers.tileInk(layer, unit),
      /** The layers drawn, and how many top crops and unit pictures the unit panel drew. */
      drawn: () => ({
        layers: [...this.layers.drawnLayers],
        topShown: this.unit.topCells.length,
        pictures: this.unit.pictures,
      }),
    });
    this.syncNormalize();
    this.syncCheckpoint();
    this.schedule();
  }

  buildControls() {
    this.normalizeSelect = h("select", "nbviz-select nbviz-layer-explorer-normalize", { "aria-label": "normalise" });
    for (const [value, text] of [
      ["layer", "per layer"],
      ["unit", "per unit"],
    ]) {
      const option = h("option", "", { value });
      option.textContent = text;
      this.normalizeSelect.append(option);
    }
    this.listen(this.normalizeSelect, "change", () => this.write("normalize", this.normalizeSelect.value));
    this.checkpointInput = rangeInput("nbviz-layer-explorer-checkpoint", {
      min: 0,
      max: 0,
      step: 1,
      label: "training snapshot",
    });
    this.checkpointText = h("span", "nbviz-layer-explorer-checkpoint-label", { "aria-live": "polite" });
    this.checkpointLabel = h(
      "label",
      "nbviz-layer-explorer-checkpoints",
      { title: "the weights of a training snapshot" },
      [textSpan("weights"), this.checkpointInput, this.checkpointText],
    );
    this.listen(this.checkpointInput, "input", () => {
      const k = Number(this.checkpointInput.value);
      this.checkpointText.textContent = this.checkpointName(k);
      this.sendCheckpoint.call(k);
    });
    this.listen(this.checkpointInput, "change", () => this.sendCheckpoint.flush());
    this.controls = h("div", "nbviz-controls nbviz-layer-explorer-controls", {}, [
      h("label", "", { title: "one colour scale per layer, or one per tile" }, [
        textSpan("scale"),
        this.normalizeSelect,
      ]),
      this.checkpointLabel,
    ]);
  }

  /** @param {number} k */
  checkpointName(k) {
    const labels = this.model.get("checkpoint_labels");
    return Array.isArray(labels) && k >= 0 && k < labels.length ? String(labels[k]) : "";
  }

  syncNormalize() {
    const mode = this.model.get("normalize") === "unit" ? "unit" : "layer";
    if (this.normalizeSelect.value !== mode) this.normalizeSelect.value = mode;
    this.root.dataset.normalize = mode;
  }

  syncCheckpoint() {
    const labels = this.model.get("checkpoint_labels");
    const n = Array.isArray(labels) ? labels.length : 0;
    this.checkpointLabel.hidden = n === 0;
    this.checkpointInput.max = String(Math.max(0, n - 1));
    const k = Number(this.model.get("checkpoint")) || 0;
    if (this.checkpointInput.value !== String(k)) this.checkpointInput.value = String(k);
    this.checkpointText.textContent = this.checkpointName(k);
  }

  /**
   * Choose a unit: layer and unit go to Python in one message.
   * @param {string} layer
   * @param {number} unit
   */
  pick(layer, unit) {
    this.writeAll({ layer, unit });
  }

  /**
   * The user changed the input: write it now, or throttled while a stroke goes on.
   * @param {"drawing"|"file"} source
   * @param {boolean} now
   */
  inputChanged(source, now) {
    this.sendInput.call(source);
    if (now) this.sendInput.flush();
    if (this.chosenMap()) this.schedule("unit");
  }

  /** Whether the unit panel shows a feature map over the input (so redraws with it). */
  chosenMap() {
    const map = this.model.get("unit_map");
    return Boolean(map && Array.isArray(map.shape) && map.shape[0] > 0);
  }

  /**
   * Write the input, where it came from and index -1 (no thumbnail) in one message.
   * @param {"drawing"|"file"} source
   */
  writeInput(source) {
    if (!this.input.unsent) return; // a stroke's end with nothing new since the last write
    const now = performance.now();
    while (this.unanswered.length && now - this.unanswered[0] > ANSWER_WAIT) this.unanswered.shift();
    this.unanswered.push(now);
    this.writeAll({ input_image: this.input.encode(), input_source: source, index: -1 });
  }

  activationsChanged() {
    // ipywidgets keeps one update in flight and folds the writes made meanwhile into one,
    // the last: these activations answer the oldest open write, and the next ones the
    // newest of the rest.
    this.stats.activationsAt = performance.now();
    const t = this.unanswered.shift();
    if (t !== undefined) this.answered.push(t);
    this.unanswered.splice(0, this.unanswered.length - 1);
    this.schedule("layers");
  }

  /**
   * The default draw, then the time from each answered input write to now.
   * @param {Set<string>} dirty
   * @param {number} dt
   */
  draw(dirty, dt) {
    super.draw(dirty, dt);
    if (!dirty.has("layers")) return;
    const end = performance.now();
    this.stats.layersDrawnAt = end;
    if (!this.answered.length) return;
    const times = this.stats.inputToDraw;
    for (const t of this.answered.splice(0)) times.push(end - t);
    if (times.length > STATS_KEPT) times.splice(0, times.length - STATS_KEPT);
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(LayerExplorerView, model, el);
}

export default { render };
