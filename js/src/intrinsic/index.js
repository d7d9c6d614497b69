// IntrinsicDimensionView: the intrinsic-dimension sweep (Li et al., arXiv:1804.08838) as
// its runs finish, filled live by a background job.
//
// One canvas panel (chart.js): test accuracy against the subspace's dimension d, with
// the dense baseline, its level, d_int90 and its band, pending and failed runs; a caption
// "d_int90 = …, D = …, compression …×" under it, and the job's status strip above.
//
// Model (nbviz/widgets/intrinsic_view.py): dims [int], seeds [int], accuracy {float32
// [dims, seeds]} (NaN not yet / failed), dense_accuracy {float32 [seeds]}, D (int), level
// (float), d_int90 (int, -1 none), band ([lo, hi] or []), failures [{d, seed, error}],
// height (px of the chart), plus the job_* traits of the status strip. The view writes
// nothing.
import { mount, View } from "../lib/view.js";
import { IntrinsicChart } from "./chart.js";
import "./style.css";

/** One rendering of an IntrinsicDimensionView model into `el`. */
class IntrinsicView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "IntrinsicDimensionView", className: "nbviz-intrinsic", parts: ["chart"] });
    this.chart = this.addPanel("chart", new IntrinsicChart(this));
    this.root.append(this.statusStrip(), this.chart.el);
    this.on("height", () => {
      this.syncHeight();
      this.schedule();
    });
    this.expose({
      /** Faint per-run dots drawn in the last frame. */
      dotsDrawn: () => this.chart.dotsDrawn,
      /** Client px of d's mean point, or null while none of its runs has finished. */
      meanPoint: (/** @type {number} */ d) => this.chart.meanPoint(d),
      /** Client px and state ("done", "pending", "failed") of run (d, seed), or null. */
      runPoint: (/** @type {number} */ d, /** @type {number} */ seed) => this.chart.runPoint(d, seed),
      /** The d_int90 line drawn ({d, x} in canvas px), or null. */
      dIntLine: () => this.chart.d90Line,
      /** The caption's text. */
      caption: () => this.chart.caption.textContent,
    });
    this.syncHeight();
    this.schedule();
  }

  syncHeight() {
    const height = Math.max(120, Number(this.model.get("height")) || 320);
    this.chart.stage.style.height = `${height}px`;
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(IntrinsicView, model, el);
}

export default { render };
