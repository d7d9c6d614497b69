// CoordConvView: convolution and CoordConv trained side by side (Liu et al.,
// arXiv:1807.03247), filled live by a background job.
//
// Two canvas panels side by side: the runs' scores over steps (chart.js) and, for a few
// held-out positions, the true image above each run's prediction (pictures.js); a caption
// with the latest held-out scores under them, and the job's status strip above.
//
// Model (nbviz/widgets/coordconv_view.py): names [str], task, metric ("IoU" or
// "accuracy"), split, total_steps (int), steps {int32 [evals]}, train_scores and
// test_scores {float32 [models, evals]}, positions [[row, column]], truth {uint8 [K, H,
// W]}, predictions {uint8 [models, K, H, W]}, final {name: {train, test}}, height (px),
// plus the job_* traits of the status strip. The view writes nothing.
import { h } from "../lib/dom.js";
import { mount, View } from "../lib/view.js";
import { ScoreChart } from "./chart.js";
import { caption } from "./math.js";
import { PicturePanel } from "./pictures.js";
import "./style.css";

/** One rendering of a CoordConvView model into `el`. */
class CoordConvView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "CoordConvView", className: "nbviz-coordconv", parts: ["chart", "pictures"] });
    this.chart = this.addPanel("chart", new ScoreChart(this));
    this.pictures = this.addPanel("pictures", new PicturePanel(this));
    this.caption = h("div", "nbviz-coordconv-caption", { "aria-live": "polite" });
    const row = h("div", "nbviz-coordconv-row", {}, [this.chart.el, this.pictures.el]);
    this.root.append(this.statusStrip(), row, this.caption);
    this.on("height", () => {
      this.syncHeight();
      this.schedule();
    });
    this.on("names metric steps test_scores final", () => this.writeCaption());
    this.expose({
      /** Score points drawn per run: {name: {train, test}}. */
      pointsDrawn: () => this.chart.drawn,
      /** Client px, step and value of run `name`'s last point on `side`, or null. */
      lastPoint: (/** @type {string} */ name, /** @type {"train"|"held out"} */ side) =>
        this.chart.lastPoint(name, side),
      /** Pictures drawn in the last frame (true and predicted). */
      picturesDrawn: () => Number(this.root.dataset.picturesDrawn || 0),
      /** The picture rows' labels drawn ("true", then the runs). */
      pictureRows: () => [...this.pictures.rowsDrawn],
      /** Client px of the centre of picture (row, col); row 0 the true images. */
      cellCenter: (/** @type {number} */ row, /** @type {number} */ col) => this.pictures.cellCenter(row, col),
      /** The caption's text. */
      caption: () => this.caption.textContent,
    });
    this.syncHeight();
    this.writeCaption();
    this.schedule();
  }

  syncHeight() {
    const height = Math.max(120, Number(this.model.get("height")) || 240);
    this.chart.stage.style.height = `${height}px`;
    this.pictures.stage.style.height = `${height}px`;
  }

  writeCaption() {
    const names = this.chart.names;
    const steps = this.chart.steps;
    const evals = steps.length;
    const test = this.chart.test;
    const latest = names.map((_, i) => (test && evals ? test[i * evals + evals - 1] : Number.NaN));
    const final = this.model.get("final") || {};
    const text = caption(
      names,
      String(this.model.get("metric") || "score"),
      latest,
      final,
      evals ? steps[evals - 1] : 0,
    );
    this.caption.textContent = text;
    this.root.dataset.caption = text;
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(CoordConvView, model, el);
}

export default { render };
