// SimilarityView: the layer × layer similarity of a network (or of two) over its training
// checkpoints (SVCCA, Raghu et al. arXiv:1706.05806; CKA, Kornblith et al. 2019), filled
// checkpoint by checkpoint by a background job.
//
// Two canvas panels, each its own module: (1) the matrix at the checkpoint shown
// (matrix_panel.js: hover a cell for its value, click it to tour the pair, which writes
// `pair`), (2) each layer's similarity to its final state over the checkpoints
// (to_final_chart.js: one line per layer by depth; click to pick a checkpoint). This
// module holds the checkpoint slider (labelled with the checkpoint's name) and the note
// on the clicked pair's tour, which Python shows below the view.
//
// Model (nbviz/widgets/similarity_view.py): layers [str] (rows), other_layers [str]
// (columns), other_network (bool), checkpoint_labels [str], matrices {float32 [C, rows,
// cols]} (NaN where not computed yet), to_final {float32 [C, rows]}, method (str),
// checkpoint (int), pair ([row, column] or []), tour_note (str), height (px), plus the
// job_* traits of the status strip. The view writes checkpoint and pair.
import { frameForKey } from "../grand_tour/frame_keys.js";
import { h, rangeInput, textSpan } from "../lib/dom.js";
import { mount, View } from "../lib/view.js";
import { asStrings, computedCount } from "./math.js";
import { MatrixPanel } from "./matrix_panel.js";
import "./style.css";
import { ToFinalChart } from "./to_final_chart.js";

/** Writes of the slider's checkpoint at most this often (ms): ≤ 30 per second. */
const SYNC_INTERVAL = 1000 / 30;

/** One rendering of a SimilarityView model into `el`. */
export class SimilarityViewView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "SimilarityView", className: "nbviz-similarity", parts: ["matrix", "lines"] });
    /** The checkpoint drawn: the slider's, ahead of Python's while it is dragged. */
    this.shown = this.modelCheckpoint();
    this.sendCheckpoint = this.writer("checkpoint", SYNC_INTERVAL);
    this.matrix = this.addPanel("matrix", new MatrixPanel(this));
    this.lines = this.addPanel("lines", new ToFinalChart(this));
    this.stages = [this.matrix.stage, this.lines.stage];
    this.buildControls();
    this.note = h("div", "nbviz-similarity-note", { "aria-live": "polite" });
    const grid = h("div", "nbviz-panel-grid nbviz-similarity-grid", {}, [this.matrix.el, this.lines.el]);
    this.root.append(this.statusStrip(), this.controls, grid, this.note);

    this.on("checkpoint", () => {
      this.shown = this.modelCheckpoint();
      this.syncSlider();
      this.schedule();
    });
    this.on("checkpoint_labels", () => {
      this.syncSlider();
      this.schedule();
    });
    this.on("matrices", () => this.syncComputed());
    this.on("pair", () => this.syncPair());
    this.on("tour_note", () => this.syncNote());
    this.on("height", () => {
      this.syncHeight();
      this.schedule();
    });
    this.expose({
      /** Client px of the centre of matrix cell (row i, column j), or null. */
      cellPosition: (i, j) => this.matrix.cellPosition(i, j),
      /** How many times the matrix panel has drawn. */
      matrixDraws: () => this.matrix.draws,
      /** The checkpoint drawn. */
      shownCheckpoint: () => this.shown,
      /** Client px of layer j's dot at checkpoint c in the line chart, or null. */
      linePoint: (c, j) => this.lines.dotPosition(c, j),
    });

    this.syncSlider();
    this.syncComputed();
    this.syncPair();
    this.syncNote();
    this.syncHeight();
    this.schedule();
  }

  buildControls() {
    this.slider = rangeInput("nbviz-similarity-checkpoint", { min: 0, max: 0, step: 1, label: "checkpoint" });
    this.sliderText = h("span", "nbviz-similarity-checkpoint-label", { "aria-live": "polite" });
    this.sliderLabel = h("label", "nbviz-similarity-checkpoints", { title: "the training checkpoint shown" }, [
      textSpan("checkpoint"),
      this.slider,
      this.sliderText,
    ]);
    this.computedEl = h("span", "nbviz-similarity-computed");
    this.controls = h("div", "nbviz-controls nbviz-similarity-controls", {}, [this.sliderLabel, this.computedEl]);
    this.listen(this.slider, "input", () => this.setCheckpoint(Number(this.slider.value)));
    this.listen(this.slider, "change", () => this.sendCheckpoint.flush());
    this.listen(this.slider, "keydown", (/** @type {KeyboardEvent} */ e) => {
      const n = asStrings(this.model.get("checkpoint_labels")).length;
      const next = frameForKey(e.key, this.shown, n);
      if (next === null) return;
      e.preventDefault();
      e.stopPropagation(); // JupyterLab's notebook shortcuts use the same keys
      this.setCheckpoint(next);
      this.sendCheckpoint.flush();
    });
  }

  modelCheckpoint() {
    const k = Number(this.model.get("checkpoint"));
    return Number.isInteger(k) && k >= 0 ? k : 0;
  }

  /** @param {number} k */
  checkpointName(k) {
    const labels = asStrings(this.model.get("checkpoint_labels"));
    return k >= 0 && k < labels.length ? labels[k] : "";
  }

  /**
   * Show checkpoint k now and tell Python (throttled while the slider moves).
   * @param {number} k
   */
  setCheckpoint(k) {
    const n = asStrings(this.model.get("checkpoint_labels")).length;
    const c = Math.max(0, Math.min(Math.max(0, n - 1), Math.round(k)));
    if (c !== this.shown) {
      this.shown = c;
      this.syncSlider();
      this.schedule();
    }
    this.sendCheckpoint.call(c);
  }

  /**
   * Pick the pair (row i, column j): Python builds its tour.
   * @param {number} i
   * @param {number} j
   */
  pick(i, j) {
    this.sendCheckpoint.flush(); // the tour is of the checkpoint on show
    this.write("pair", [i, j]);
  }

  syncSlider() {
    const n = asStrings(this.model.get("checkpoint_labels")).length;
    this.slider.max = String(Math.max(0, n - 1));
    this.slider.disabled = n < 2;
    if (this.slider.value !== String(this.shown)) this.slider.value = String(this.shown);
    const name = this.checkpointName(this.shown);
    this.sliderText.textContent = n > 1 ? `${name} (${this.shown + 1} of ${n})` : name;
    this.root.dataset.checkpoint = String(this.shown);
  }

  syncComputed() {
    const matrices = this.decode("matrices", "float32", (s) => s.length === 3);
    const n = matrices ? matrices.shape[0] : 0;
    const done = computedCount(matrices);
    this.root.dataset.computed = String(done);
    this.computedEl.textContent = n && done < n ? `${done} of ${n} checkpoints computed` : "";
  }

  syncPair() {
    const p = this.model.get("pair");
    this.root.dataset.pair = Array.isArray(p) && p.length === 2 ? p.join(",") : "";
  }

  syncNote() {
    this.note.textContent = String(this.model.get("tour_note") ?? "");
  }

  syncHeight() {
    const height = Math.max(120, Number(this.model.get("height")) || 300);
    for (const stage of this.stages) stage.style.height = `${height}px`;
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(SimilarityViewView, model, el);
}

export default { render };
