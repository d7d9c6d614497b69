// LdamViewer: Langevin Dynamics Activation Maximization chains (arXiv:1812.04604), live.
//
// Python runs MCMC chains that maximize a neuron under a discriminator prior weighted by
// λ (`tradeoff`: 0 = accuracy only, larger = more interpretable) and streams the chains'
// images up to ~30 times a second. The view shows: the job status strip; ▶ Run, the prior
// picker and its "side by side" toggle (with more than one prior), the λ slider and the
// sampler's temperature / acceptance; the chains as an image grid, one row
// block per group (neuron) (chain_grid.js); a history scrubber with a "live" button; two
// trace charts (trace_charts.js); the top-k real images (top_images.js).
//
// Model (nbviz/widgets/ldam_viewer.py): samples {uint8 [n, H, W, C]} or null, sample_step
// (int), chain_groups {int32 [n]} or null, group_names [str], tradeoff, tradeoff_max
// (floats), priors [str], prior (str), side_by_side (bool), chain_priors {int32 [n]} or
// null, reached {float32 [priors, groups]} or null, temperature (float), acceptance (float 0..1, -1 unknown), traces {float32
// [2, n, L]} or null, trace_steps {int32 [L]} or null, history_len, history_index (ints,
// -1 = live), top_images {uint8 [k, H, W, C]} or null, top_captions [str] (one per top
// image, shown on hover), running (bool), image_scale (px per image pixel), height (px of
// each chart), plus the job_* traits of the status strip. The view writes tradeoff and
// history_index (throttled), prior and side_by_side, and sends the RUN message.
//
// Drawing is batched to one animation frame, per part: a new `samples` redraws only the
// grid; off screen, nothing is drawn until the view is back in sight.
import { button, h, rangeInput, textSpan } from "../lib/dom.js";
import { RUN } from "../lib/messages.js";
import { categoricalColor } from "../lib/palette.js";
import { mount, View } from "../lib/view.js";
import { ChainGrid } from "./chain_grid.js";
import { formatValue, numberOr, sliderStep, stepCaption } from "./math.js";
import "./style.css";
import { TopImages } from "./top_images.js";
import { TraceCharts } from "./trace_charts.js";

/** Writes to the model at most this often (ms): ≤ 30 per second. */
const SYNC_INTERVAL = 1000 / 30;

/** One rendering of an LdamViewer model into `el`. */
class LdamViewerView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, {
      name: "LdamViewer",
      className: "nbviz-ldam-viewer",
      parts: ["grid", "charts", "top", "history"],
    });
    this.sliding = false;
    this.scrubbing = false;
    const grid = new ChainGrid(this, {
      describe: (i) => charts.describe(i),
      onHover: () => this.schedule("grid", "charts"),
    });
    const charts = new TraceCharts(this, {
      colorOf: (i, n) => categoricalColor(grid.groupOf(i, n)),
      hovered: () => grid.hover,
      historyIndex: () => this.historyIndex,
    });
    this.grid = this.addPanel("grid", grid);
    this.charts = this.addPanel("charts", charts);
    this.top = this.addPanel("top", new TopImages(this));
    this.buildControls();
    this.buildScrubber();
    this.root.append(this.statusStrip(), this.controls, this.grid.el, this.scrubRow, this.charts.el, this.top.el);
    this.sendTradeoff = this.writer("tradeoff", SYNC_INTERVAL);
    this.sendHistory = this.writer("history_index", SYNC_INTERVAL);

    // The step caption and scrubber follow in the drawing frame: while chains run they
    // change with every picture, and DOM changes outside a frame cost a frame of their own.
    this.on("sample_step history_len", () => {
      if (this.historyIndex >= 0) this.schedule("history", "charts");
      else this.schedule("history");
    });
    this.on("history_index", () => {
      this.syncHistory();
      this.schedule("charts");
    });
    this.on("chain_groups group_names", () => this.schedule("grid", "charts", "top"));
    this.on("image_scale", () => this.schedule("grid", "top"));
    this.on("tradeoff tradeoff_max", () => this.syncTradeoff());
    this.on("temperature acceptance", () => this.syncSampler());
    this.on("running", () => this.syncRunning());
    this.on("priors prior side_by_side", () => this.syncPriors());
    this.expose({
      /** Grid draws so far, and those that showed a new sampler step. */
      counts: () => ({ framesDrawn: this.grid.framesDrawn, picturesDrawn: this.grid.picturesDrawn }),
      /** Client px of the centre of top real image i, or null. */
      topImagePosition: (i) => this.top.imageCentre(i),
      /** Client px of the centre of chain i's image, or null. */
      chainPosition: (i) => this.grid.imageCentre(i),
    });

    this.syncTradeoff();
    this.syncSampler();
    this.syncHistory();
    this.syncRunning();
    this.syncPriors();
    this.schedule();
  }

  buildControls() {
    this.runButton = button("nbviz-ldam-viewer-run", "▶ Run", { title: "start the chains" });
    this.listen(this.runButton, "click", () => {
      if (!this.model.get("running")) this.model.send({ type: RUN });
    });

    const input = rangeInput("nbviz-ldam-viewer-tradeoff", {
      min: 0,
      max: 10,
      step: 0.05,
      label: "λ: discriminator prior weight (0 = accuracy, max = interpretability)",
    });
    this.tradeoffInput = input;
    this.tradeoffValue = h("span", "nbviz-ldam-viewer-value", { "aria-live": "polite" });
    const slider = h("label", "nbviz-ldam-viewer-slider", { title: "λ: weight of the discriminator prior" }, [
      textSpan("λ"),
      textSpan("accuracy"),
      input,
      textSpan("interpretability"),
      this.tradeoffValue,
    ]);
    this.samplerEl = h("span", "nbviz-ldam-viewer-sampler");
    this.controls = h("div", "nbviz-controls nbviz-ldam-viewer-controls", {}, [
      this.runButton,
      this.buildPriorPicker(),
      slider,
      this.samplerEl,
    ]);
    const endSlide = () => {
      this.sendTradeoff.flush();
      this.sliding = false;
    };
    this.listen(input, "pointerdown", () => {
      this.sliding = true;
    });
    this.listen(input, "input", () => {
      const v = Number(input.value);
      this.tradeoffValue.textContent = formatValue(v);
      this.sendTradeoff.call(v);
    });
    this.listen(input, "change", endSlide);
    this.listen(input, "pointerup", endSlide);
  }

  /** The prior picker and the side-by-side toggle, hidden with a single prior. */
  buildPriorPicker() {
    this.priorSelect = h("select", "nbviz-select nbviz-ldam-viewer-prior", {
      "aria-label": "prior: the sampler shown and steered",
    });
    this.sideButton = button("nbviz-toggle nbviz-ldam-viewer-side", "side by side", {
      "aria-pressed": "false",
      title: "every prior's chains, per group, running in turn",
    });
    this.listen(this.priorSelect, "change", () => this.write("prior", this.priorSelect.value));
    this.listen(this.sideButton, "click", () => this.write("side_by_side", !this.model.get("side_by_side")));
    this.priorPicker = h("label", "nbviz-ldam-viewer-priors", { title: "the prior of the chains on show" }, [
      textSpan("prior"),
      this.priorSelect,
      this.sideButton,
    ]);
    return this.priorPicker;
  }

  syncPriors() {
    const names = Array.isArray(this.model.get("priors")) ? this.model.get("priors").map(String) : [];
    const current = [...this.priorSelect.options].map((o) => o.value);
    if (current.join("\n") !== names.join("\n")) {
      this.priorSelect.replaceChildren(
        ...names.map((name) => {
          const option = h("option", "", { value: name });
          option.textContent = name;
          return option;
        }),
      );
    }
    const prior = String(this.model.get("prior") ?? "");
    if (this.priorSelect.value !== prior) this.priorSelect.value = prior;
    this.priorPicker.hidden = names.length < 2;
    const side = Boolean(this.model.get("side_by_side"));
    this.sideButton.setAttribute("aria-pressed", String(side));
    this.root.dataset.prior = prior;
    this.root.dataset.sideBySide = String(side);
  }

  buildScrubber() {
    const scrubber = rangeInput("nbviz-ldam-viewer-scrubber", { min: 0, max: 0, step: 1, label: "history frame" });
    this.scrubber = scrubber;
    this.liveButton = button("nbviz-toggle nbviz-ldam-viewer-live", "live", { "aria-pressed": "true" });
    this.stepEl = h("span", "nbviz-ldam-viewer-step", { "aria-live": "polite" });
    this.scrubRow = h("div", "nbviz-controls nbviz-ldam-viewer-scrub", {}, [
      textSpan("history"),
      scrubber,
      this.liveButton,
      this.stepEl,
    ]);
    this.listen(scrubber, "pointerdown", () => {
      this.scrubbing = true;
    });
    this.listen(scrubber, "pointerup", () => {
      this.scrubbing = false;
    });
    this.listen(scrubber, "input", () => this.sendHistory.call(Math.round(Number(scrubber.value))));
    this.listen(scrubber, "change", () => {
      this.sendHistory.flush();
      this.scrubbing = false;
    });
    this.listen(this.liveButton, "click", () => {
      this.sendHistory.cancel();
      this.write("history_index", -1);
    });
  }

  get tradeoffMax() {
    const m = numberOr(this.model.get("tradeoff_max"), 10);
    return m > 0 ? m : 10;
  }

  syncTradeoff() {
    const max = this.tradeoffMax;
    const v = numberOr(this.model.get("tradeoff"), 0);
    this.tradeoffInput.max = String(max);
    this.tradeoffInput.step = String(sliderStep(max));
    if (!this.sliding) {
      this.tradeoffInput.value = String(Math.min(max, Math.max(0, v)));
      this.tradeoffValue.textContent = formatValue(v);
    }
    this.root.dataset.tradeoff = String(v);
  }

  syncSampler() {
    const parts = [];
    const t = this.model.get("temperature");
    if (t !== null && t !== undefined && Number.isFinite(Number(t))) parts.push(`temperature ${formatValue(t)}`);
    const a = numberOr(this.model.get("acceptance"), -1);
    if (a >= 0) parts.push(`acceptance ${(a * 100).toFixed(1)}%`);
    this.samplerEl.textContent = parts.join(" · ");
  }

  /** The history frame on show, or -1 when live. */
  get historyIndex() {
    const k = numberOr(this.model.get("history_index"), -1);
    return Number.isInteger(k) && k >= 0 ? k : -1;
  }

  syncHistory() {
    const len = Math.max(0, Math.trunc(numberOr(this.model.get("history_len"), 0)));
    const k = this.historyIndex;
    const scrubber = this.scrubber;
    // Each write below restyles its element even when the value is the same: write changes only.
    const max = String(Math.max(0, len - 1));
    if (scrubber.max !== max) scrubber.max = max;
    if (scrubber.disabled !== len <= 0) scrubber.disabled = len <= 0;
    const value = String(k >= 0 ? Math.min(k, Math.max(0, len - 1)) : Math.max(0, len - 1));
    if (!this.scrubbing && scrubber.value !== value) scrubber.value = value;
    const live = String(k < 0);
    if (this.liveButton.getAttribute("aria-pressed") !== live) this.liveButton.setAttribute("aria-pressed", live);
    const caption = stepCaption(this.model.get("sample_step"), k, len);
    if (this.stepEl.textContent !== caption) this.stepEl.textContent = caption;
    if (this.root.dataset.historyIndex !== String(k)) this.root.dataset.historyIndex = String(k);
  }

  syncRunning() {
    const running = Boolean(this.model.get("running"));
    this.runButton.disabled = running;
    this.root.dataset.running = String(running);
  }

  /**
   * @param {Set<string>} dirty
   * @param {number} dt
   */
  draw(dirty, dt) {
    if (dirty.has("history")) this.syncHistory();
    super.draw(dirty, dt);
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(LdamViewerView, model, el);
}

export default { render };
