// MaskExplorer: the lottery-ticket view (Frankle et al., arXiv:1905.01067) of an iterative
// magnitude-pruning run, filled live by a background job.
//
// Four canvas panels, each its own module, redrawn in the next animation frame after a
// change of theirs: (1) accuracy vs weights remaining (accuracy_plot.js; click a dot to
// select its round), (2) the selected round/layer's mask as a mosaic of tiles
// (mask_mosaic.js), (3) initial vs final weight of a subsample, kept and pruned
// (weight_scatter.js), (4) a heatmap of mask overlaps across rounds or pruning criteria
// (overlap_heatmap.js). This module holds the controls (layer, round, overlap mode).
//
// Model (nbviz/widgets/mask_explorer.py): records [{round, density, accuracy: {variant:
// acc}}], variants [str], dense_accuracy (float, -1 unknown), round (int, -1 none), layer
// (str), layers [str], mask_image {uint8 [H, W]} or null (0 pruned, 255 kept), mask_tiles
// [tile_h, tile_w, rows, cols, gap] or [], mask_caption (str), weights {float32 [m, 2]} or
// null, kept {uint8 [m]} or null, overlap {float32 [k, k]} or null, overlap_labels [str],
// overlap_mode ("rounds" | "criteria"), height (px of each panel), plus the job_* traits
// of the status strip. The view writes round, layer and overlap_mode.
import { button, h, textSpan } from "../lib/dom.js";
import { mount, View } from "../lib/view.js";
import { AccuracyPlot } from "./accuracy_plot.js";
import { MaskMosaic } from "./mask_mosaic.js";
import { asStrings, formatPercent } from "./math.js";
import { OverlapHeatmap } from "./overlap_heatmap.js";
import "./style.css";
import { WeightScatter } from "./weight_scatter.js";

/** One rendering of a MaskExplorer model into `el`. */
class MaskExplorerView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, {
      name: "MaskExplorer",
      className: "nbviz-mask-explorer",
      parts: ["plot", "mask", "weights", "overlap"],
    });
    this.plot = this.addPanel("plot", new AccuracyPlot(this));
    this.mosaic = this.addPanel("mask", new MaskMosaic(this));
    const weights = this.addPanel("weights", new WeightScatter(this));
    const overlap = this.addPanel("overlap", new OverlapHeatmap(this));
    const panels = [this.plot, this.mosaic, weights, overlap];
    this.stages = panels.map((p) => p.stage);
    this.buildControls();
    const grid = h(
      "div",
      "nbviz-panel-grid nbviz-mask-explorer-grid",
      {},
      panels.map((p) => p.el),
    );
    this.root.append(this.statusStrip(), this.controls, grid);

    this.on("records round", () => this.syncRound());
    this.on("layer layers", () => this.syncLayers());
    this.on("overlap_mode", () => this.syncOverlapMode());
    this.on("height", () => {
      this.syncHeight();
      this.schedule();
    });
    this.expose({
      /** Client px of the dot of `round` for `variant` (default: the first variant), or null. */
      roundDot: (round, variant) => this.plot.dotPosition(round, variant),
      /** Client px of the centre of mosaic tile k, or null. */
      tilePosition: (k) => this.mosaic.tilePosition(k),
    });

    this.syncLayers();
    this.syncRound();
    this.syncOverlapMode();
    this.syncHeight();
    this.schedule();
  }

  buildControls() {
    this.layerSelect = h("select", "nbviz-select nbviz-mask-explorer-layer", { "aria-label": "layer" });
    const layerLabel = h("label", "", {}, [document.createTextNode("layer"), this.layerSelect]);
    this.roundEl = h("span", "nbviz-mask-explorer-round", { "aria-live": "polite" });
    this.modeButtons = ["rounds", "criteria"].map((mode) => {
      const b = button("nbviz-toggle", mode, { "data-mode": mode, "aria-pressed": "false" });
      this.listen(b, "click", () => this.write("overlap_mode", mode));
      return b;
    });
    const toggle = h("div", "nbviz-mask-explorer-toggle", { role: "group", "aria-label": "overlap mode" }, [
      textSpan("overlap across"),
      ...this.modeButtons,
    ]);
    this.controls = h("div", "nbviz-controls nbviz-mask-explorer-controls", {}, [layerLabel, this.roundEl, toggle]);
    this.listen(this.layerSelect, "change", () => this.write("layer", this.layerSelect.value));
  }

  syncLayers() {
    const layers = asStrings(this.model.get("layers"));
    const layer = String(this.model.get("layer") ?? "");
    const current = [...this.layerSelect.options].map((o) => o.value);
    if (current.length !== layers.length || current.some((v, i) => v !== layers[i])) {
      this.layerSelect.replaceChildren(
        ...layers.map((name) => {
          const o = h("option", "", { value: name });
          o.textContent = name;
          return o;
        }),
      );
    }
    this.layerSelect.value = layer;
    this.layerSelect.disabled = layers.length === 0;
    this.root.dataset.layer = layer;
  }

  syncRound() {
    const round = this.plot.round;
    this.root.dataset.round = String(round);
    const rec = this.plot.records.find((r) => r.round === round);
    if (round < 0) this.roundEl.textContent = "round: none (click a dot)";
    else if (rec) this.roundEl.textContent = `round ${round} · ${formatPercent(rec.density)} left`;
    else this.roundEl.textContent = `round ${round}`;
  }

  syncOverlapMode() {
    const mode = this.model.get("overlap_mode");
    for (const b of this.modeButtons) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    this.root.dataset.overlapMode = String(mode ?? "");
  }

  syncHeight() {
    const height = Math.max(120, Number(this.model.get("height")) || 260);
    for (const stage of this.stages) stage.style.height = `${height}px`;
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(MaskExplorerView, model, el);
}

export default { render };
