// TrainingDashboard: TensorBoard's scalars, distributions and histograms of one or more
// training runs (nbviz.monitor.Recorder), streamed while they train.
//
// Two parts, each its own module: the scalar charts, one per tag, every run overlaid,
// smoothed over faint raw values (scalar_charts.js), and the layers' histograms of the
// chosen kind as small multiples, one row per run, as distribution bands or ridge lines
// (layer_grid.js). This module holds the data and the controls: the runs' legend, the
// smoothing slider, the log-scale toggle, the kind picker, the mode toggle, the step
// slider (the histograms' highlighted step; at its right end: the latest) and the alerts.
//
// Model (nbviz/widgets/training_dashboard.py): runs [str]; scalar_series [{run, tag,
// offset, length}] into scalar_steps, scalar_values {float32 [N]}; hist_series [{run, tag,
// kind, layer, offset, count, bins, lo, hi}] into hist_steps {float32 [T]}, hist_density
// {float32 [T, bins]} (each step's share of values per bin from lo to hi) and bands
// {float32 [T, 9]} (the values at TensorBoard's 9 basis points); alerts [{run, kind, tag,
// layer, step, message}]; error (str); smoothing (0..0.99), log_scale (bool), kind
// ("weight" | "grad" | "activation"), mode ("distributions" | "histograms"), step (int,
// -1 the latest), height (px of each chart). The view writes smoothing, log_scale, kind,
// mode, step and clicked ({run, tag, step}, a click on a layer's cell).
import { button, h, rangeInput, setOptions, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { mount, View } from "../lib/view.js";
import { LayerGrid } from "./layer_grid.js";
import { asStrings, cleanAlerts, histSeries, scalarSeries, sliderKey, unionSteps } from "./math.js";
import { ScalarCharts } from "./scalar_charts.js";
import "./style.css";

const PREFIX = "nbviz-training-dashboard";
const KINDS = ["weight", "grad", "activation"];
const MODES = ["distributions", "histograms"];
const EMPTY = new Float32Array(0);

/**
 * @typedef {{runs: string[], scalarSeries: import("./math.js").ScalarSeries[],
 *   scalarSteps: Float32Array, scalarValues: Float32Array,
 *   histSeries: import("./math.js").HistSeries[], histSteps: Float32Array,
 *   density: Float32Array, bands: Float32Array, bins: number,
 *   alerts: import("./math.js").Alert[], sliderSteps: number[]}} DashboardData
 */

/** One rendering of a TrainingDashboard model into `el`. */
export class TrainingDashboardView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "TrainingDashboard", className: PREFIX, parts: ["scalars", "layers"] });
    /** @type {DashboardData} */
    this.data = {
      runs: [],
      scalarSeries: [],
      scalarSteps: EMPTY,
      scalarValues: EMPTY,
      histSeries: [],
      histSteps: EMPTY,
      density: EMPTY,
      bands: EMPTY,
      bins: 0,
      alerts: [],
      sliderSteps: [],
    };
    this.scalars = this.addPanel("scalars", new ScalarCharts(this));
    this.layers = this.addPanel("layers", new LayerGrid(this));
    this.buildControls();
    this.errorEl = textSpan("", `${PREFIX}-error`);
    this.root.append(this.controls, this.errorEl, this.scalars.el, this.layers.el);

    this.on("runs", () => {
      this.readRuns();
      this.scalars.sync();
      this.layers.sync();
      this.schedule();
    });
    this.on("scalar_series scalar_steps scalar_values", () => {
      this.readScalars();
      this.scalars.sync();
      this.schedule("scalars");
    });
    this.on("hist_series hist_steps hist_density bands", () => {
      this.readHists();
      this.layers.sync();
      this.syncStep();
      this.schedule("layers");
    });
    this.on("alerts", () => {
      this.readAlerts();
      this.schedule();
    });
    this.on("smoothing", () => {
      this.syncSmoothing();
      this.schedule("scalars");
    });
    this.on("log_scale", () => {
      this.syncToggles();
      this.schedule("scalars");
    });
    this.on("kind mode", () => {
      this.syncToggles();
      this.layers.sync();
      this.schedule("layers");
    });
    this.on("step", () => {
      this.syncStep();
      this.schedule("layers");
    });
    this.on("height", () => {
      this.scalars.syncHeight();
      this.layers.syncHeight();
      this.schedule();
    });
    this.on("error", () => this.syncError());
    this.expose({
      /** Client px of `run`'s layer cell of histogram `tag` at `step`, or null. */
      cellPoint: (run, tag, step) => this.layers.cellPoint(run, tag, step),
      /** The layer cells shown: [{run, tag}]. */
      cells: () => [...this.layers.cells.values()].map((c) => ({ run: c.run, tag: c.tag })),
      /** Raw scalar points drawn in the last frame. */
      scalarPoints: () => this.scalars.pointsDrawn,
      /** Client px of the last point of `run`'s scalar `tag`, or null. */
      lastScalarPoint: (run, tag) => this.scalars.lastPoint(run, tag),
      /** The step slider's steps. */
      sliderSteps: () => this.data.sliderSteps.slice(),
    });

    this.readRuns();
    this.readScalars();
    this.readHists();
    this.readAlerts();
    this.scalars.sync();
    this.layers.sync();
    this.syncSmoothing();
    this.syncToggles();
    this.syncStep();
    this.syncError();
    this.schedule();
  }

  /** Each small chart's height, px. */
  get chartHeight() {
    const v = Number(this.model.get("height"));
    return Number.isFinite(v) ? Math.max(60, v) : 150;
  }

  // --- data ------------------------------------------------------------------------------
  readRuns() {
    this.data.runs = asStrings(this.model.get("runs"));
    this.root.dataset.runs = String(this.data.runs.length);
    this.legend.replaceChildren(
      ...this.data.runs.map((name, i) => {
        const swatch = h("span", `${PREFIX}-swatch`);
        swatch.style.background = categoricalColor(i);
        return h("span", `${PREFIX}-legend-item`, { "data-run": name }, [swatch, textSpan(name)]);
      }),
    );
  }

  readScalars() {
    const steps = this.decode("scalar_steps", "float32", (s) => s.length === 1);
    const values = this.decode("scalar_values", "float32", (s) => s.length === 1);
    const ok = steps && values && steps.shape[0] === values.shape[0];
    const d = this.data;
    d.scalarSteps = ok ? /** @type {Float32Array} */ (steps.data) : EMPTY;
    d.scalarValues = ok ? /** @type {Float32Array} */ (values.data) : EMPTY;
    d.scalarSeries = scalarSeries(this.model.get("scalar_series"), d.scalarSteps.length);
  }

  readHists() {
    const steps = this.decode("hist_steps", "float32", (s) => s.length === 1);
    const density = this.decode("hist_density", "float32", (s) => s.length === 2);
    const bands = this.decode("bands", "float32", (s) => s.length === 2 && s[1] === 9);
    const n = steps?.shape[0] ?? 0;
    const ok = steps && density && bands && density.shape[0] === n && bands.shape[0] === n;
    const d = this.data;
    d.histSteps = ok ? /** @type {Float32Array} */ (steps.data) : EMPTY;
    d.density = ok ? /** @type {Float32Array} */ (density.data) : EMPTY;
    d.bands = ok ? /** @type {Float32Array} */ (bands.data) : EMPTY;
    d.bins = ok ? density.shape[1] : 0;
    d.histSeries = histSeries(this.model.get("hist_series"), d.histSteps.length);
    d.sliderSteps = unionSteps(d.histSteps, d.histSeries);
    this.root.dataset.histSteps = String(d.histSteps.length);
  }

  readAlerts() {
    const alerts = cleanAlerts(this.model.get("alerts"));
    this.data.alerts = alerts;
    this.root.dataset.alerts = String(alerts.length);
    this.alertsEl.hidden = alerts.length === 0;
    this.alertsEl.textContent = `⚠ ${alerts.length} alert${alerts.length === 1 ? "" : "s"}`;
    this.alertsEl.title = alerts.map((a) => `${a.run} · step ${a.step} · ${a.tag}: ${a.message}`).join("\n");
    const count = (/** @type {string} */ kind) => alerts.filter((a) => a.tag.startsWith(`${kind}/`)).length;
    setOptions(
      this.kindSelect,
      KINDS.map((k) => [k, count(k) ? `${k} (⚠ ${count(k)})` : k]),
    );
    this.kindSelect.value = String(this.model.get("kind") ?? "weight");
  }

  // --- controls --------------------------------------------------------------------------
  buildControls() {
    this.legend = h("div", `${PREFIX}-legend`, { "aria-label": "runs" });
    this.smoothing = rangeInput(`${PREFIX}-smoothing`, { min: 0, max: 0.99, step: 0.01, label: "smoothing" });
    this.smoothingValue = textSpan("", `${PREFIX}-value`);
    const smoothing = h("label", "", {}, [textSpan("smoothing"), this.smoothing, this.smoothingValue]);
    this.listen(this.smoothing, "input", () => this.write("smoothing", Number(this.smoothing.value)));
    this.logButton = button(`nbviz-toggle ${PREFIX}-log`, "log y", { "aria-pressed": "false" });
    this.listen(this.logButton, "click", () => this.write("log_scale", this.model.get("log_scale") !== true));
    this.kindSelect = h("select", `nbviz-select ${PREFIX}-kind`, { "aria-label": "histograms of" });
    this.listen(this.kindSelect, "change", () => this.write("kind", this.kindSelect.value));
    const kind = h("label", "", {}, [textSpan("histograms of"), this.kindSelect]);
    this.modeButtons = MODES.map((mode) => {
      const b = button("nbviz-toggle", mode, { "data-mode": mode, "aria-pressed": "false" });
      this.listen(b, "click", () => this.write("mode", mode));
      return b;
    });
    const modes = h("div", `${PREFIX}-toggle`, { role: "group", "aria-label": "mode" }, this.modeButtons);
    this.stepSlider = rangeInput(`${PREFIX}-step`, { min: 0, max: 0, step: 1, label: "step" });
    this.stepValue = textSpan("", `${PREFIX}-value`);
    const step = h("label", "", {}, [textSpan("step"), this.stepSlider, this.stepValue]);
    this.listen(this.stepSlider, "input", () => this.stepTo(Number(this.stepSlider.value)));
    // The slider's own keys, handled here: JupyterLab's notebook shortcuts use them too.
    this.listen(this.stepSlider, "keydown", (/** @type {KeyboardEvent} */ e) => {
      const n = this.data.sliderSteps.length;
      const i = Number(this.stepSlider.value);
      const next = sliderKey(e.key, i, n);
      if (next === null) return;
      e.preventDefault();
      e.stopPropagation();
      this.stepSlider.value = String(next);
      this.stepTo(next);
    });
    this.alertsEl = textSpan("", `${PREFIX}-alerts`);
    this.alertsEl.hidden = true;
    this.controls = h("div", `nbviz-controls ${PREFIX}-controls`, {}, [
      this.legend,
      smoothing,
      this.logButton,
      kind,
      modes,
      step,
      this.alertsEl,
    ]);
  }

  /**
   * Show the slider's position `i` (the last: the latest step, -1) and write `step`.
   * @param {number} i
   */
  stepTo(i) {
    const steps = this.data.sliderSteps;
    if (!steps.length) return;
    this.write("step", i >= steps.length - 1 ? -1 : steps[Math.max(0, i)]);
  }

  syncSmoothing() {
    const v = Number(this.model.get("smoothing"));
    const w = Number.isFinite(v) ? v : 0.6;
    if (Number(this.smoothing.value) !== w) this.smoothing.value = String(w);
    this.smoothingValue.textContent = w.toFixed(2);
  }

  syncToggles() {
    this.logButton.setAttribute("aria-pressed", String(this.model.get("log_scale") === true));
    const mode = String(this.model.get("mode") ?? "distributions");
    for (const b of this.modeButtons) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    const kind = String(this.model.get("kind") ?? "weight");
    if (this.kindSelect.value !== kind) this.kindSelect.value = kind;
    this.root.dataset.mode = mode;
    this.root.dataset.kind = kind;
  }

  syncStep() {
    const steps = this.data.sliderSteps;
    const step = Number(this.model.get("step"));
    const latest = !(step >= 0);
    let i = steps.length - 1;
    if (!latest) {
      i = 0;
      while (i + 1 < steps.length && steps[i + 1] <= step) i++;
    }
    this.stepSlider.max = String(Math.max(0, steps.length - 1));
    this.stepSlider.value = String(Math.max(0, i));
    this.stepSlider.disabled = steps.length < 2;
    const shown = steps.length ? steps[Math.max(0, i)] : null;
    this.stepValue.textContent = shown === null ? "–" : latest ? `latest (${shown})` : String(shown);
    this.root.dataset.step = String(Number.isFinite(step) ? step : -1);
  }

  syncError() {
    const text = String(this.model.get("error") ?? "");
    this.errorEl.hidden = !text;
    this.errorEl.textContent = text;
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(TrainingDashboardView, model, el);
}

export default { render };
