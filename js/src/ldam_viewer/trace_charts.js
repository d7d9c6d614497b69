// The trace charts: the objective's activation and log D (the discriminator) of every
// chain against the sampler's step, thin lines coloured by group, the mean bold, the
// hovered chain on top and, while scrubbing history, a guide at the step on show.
import { drawAxes, drawGuide } from "../lib/axes.js";
import { h } from "../lib/dom.js";
import { CanvasPanel } from "../lib/panel.js";
import { niceTicks } from "../lib/ticks.js";
import { finiteRuns, formatValue, linearScale, numberOr, stepRange, traceMean, traceRange } from "./math.js";

/** Chart height when `height` is missing. */
const DEFAULT_HEIGHT = 180;

/** @typedef {{data: Float32Array, n: number, L: number}} Traces */

export class TraceCharts {
  /**
   * @param {import("../lib/view.js").View} view  the LDAM viewer it is a panel of
   * @param {{colorOf: (chain: number, n: number) => string, hovered: () => number,
   *   historyIndex: () => number}} hooks  a chain's colour, the hovered chain (-1: none),
   *   the history frame on show (-1: live)
   */
  constructor(view, hooks) {
    this.view = view;
    this.hooks = hooks;
    const chart = (/** @type {string} */ title, /** @type {string} */ canvasClass) =>
      new CanvasPanel(view, { prefix: "nbviz-ldam-viewer", part: "charts", title, canvasClass });
    this.activation = chart("objective activation", "nbviz-ldam-viewer-activation");
    this.logd = chart("log D (discriminator)", "nbviz-ldam-viewer-logd");
    this.el = h("div", "nbviz-panel-grid nbviz-ldam-viewer-charts", {}, [this.activation.el, this.logd.el]);
    /** @type {Traces|null} */
    this.traces = null;
    /** @type {Int32Array|null} */
    this.steps = null;
    view.on("traces trace_steps", () => {
      this.read();
      view.schedule("charts");
    });
    view.on("height", () => {
      this.syncHeight();
      view.schedule("charts");
    });
    this.read();
    this.syncHeight();
  }

  read() {
    const t = this.view.decode("traces", "float32", (s) => s.length === 3 && s[0] === 2);
    this.traces =
      t && t.shape[1] > 0 && t.shape[2] > 0
        ? { data: /** @type {Float32Array} */ (t.data), n: t.shape[1], L: t.shape[2] }
        : null;
    const steps = this.view.decode("trace_steps", "int32", (s) => s.length === 1);
    this.steps =
      steps && this.traces && steps.shape[0] === this.traces.L ? /** @type {Int32Array} */ (steps.data) : null;
  }

  syncHeight() {
    const height = Math.max(80, numberOr(this.view.model.get("height"), DEFAULT_HEIGHT));
    for (const p of [this.activation, this.logd]) p.stage.style.height = `${height}px`;
  }

  /**
   * The last column of chain i: {activation, logD} (NaN when unknown).
   * @param {number} i
   */
  last(i) {
    const tr = this.traces;
    if (!tr || i >= tr.n) return { activation: NaN, logD: NaN };
    const j = tr.L - 1;
    return { activation: tr.data[i * tr.L + j], logD: tr.data[tr.n * tr.L + i * tr.L + j] };
  }

  /**
   * "activation a · log D d" of chain i's last step.
   * @param {number} i
   */
  describe(i) {
    const t = this.last(i);
    return `activation ${formatValue(t.activation)} · log D ${formatValue(t.logD)}`;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    this.drawChart(this.activation, 0, theme);
    this.drawChart(this.logd, 1, theme);
  }

  /**
   * @param {CanvasPanel} p
   * @param {number} row  0: activation, 1: log D
   * @param {import("../lib/theme.js").Theme} theme
   */
  drawChart(p, row, theme) {
    const tr = this.traces;
    // A sampler without a discriminator sends log D as NaN: say so instead of empty axes.
    const none = tr !== null && row === 1 && !hasFinite(tr.data, tr.n * tr.L, 2 * tr.n * tr.L);
    p.setEmpty(!tr ? "No traces yet." : none ? "No discriminator prior: no log D." : "");
    const ctx = p.begin(theme);
    if (!ctx || !tr || none) return;
    const { data, n, L } = tr;
    const steps = this.steps;
    const stepAt = (/** @type {number} */ j) => (steps ? steps[j] : j);
    const xd = stepRange(steps ?? Array.from({ length: L }, (_, j) => j));
    const yd = traceRange(data, n, L, row);
    const box = { left: 48, right: p.w - 10, top: 8, bottom: p.h - 20 };
    if (box.right <= box.left || box.bottom <= box.top) return;
    const x = linearScale(xd, [box.left, box.right]);
    const y = linearScale(yd, [box.bottom, box.top]);
    drawAxes(
      ctx,
      theme,
      box,
      {
        ticks: niceTicks(xd[0], xd[1], Math.max(2, Math.floor((box.right - box.left) / 80))),
        map: x.map,
        label: formatValue,
      },
      {
        ticks: niceTicks(yd[0], yd[1], Math.max(2, Math.floor((box.bottom - box.top) / 40))),
        map: y.map,
        label: formatValue,
      },
    );

    const step = Number(this.view.model.get("sample_step"));
    if (this.hooks.historyIndex() >= 0 && Number.isFinite(step) && step >= xd[0] && step <= xd[1]) {
      drawGuide(ctx, theme, box, x.map(step), 0.7);
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    ctx.clip();
    ctx.lineJoin = "round";
    /**
     * @param {ArrayLike<number>} values
     * @param {number} start
     * @param {number} width
     * @param {string} color
     * @param {number} alpha
     */
    const line = (values, start, width, color, alpha) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.globalAlpha = alpha;
      ctx.beginPath();
      for (const [a, b] of finiteRuns(values, start, L)) {
        ctx.moveTo(x.map(stepAt(a)), y.map(values[start + a]));
        if (b - a === 1) ctx.lineTo(x.map(stepAt(a)) + 0.01, y.map(values[start + a]));
        for (let j = a + 1; j < b; j++) ctx.lineTo(x.map(stepAt(j)), y.map(values[start + j]));
      }
      ctx.stroke();
    };
    const base = row * n * L;
    const thin = n > 16 ? 0.35 : 0.55;
    const hover = this.hooks.hovered();
    for (let i = 0; i < n; i++) if (i !== hover) line(data, base + i * L, 1, this.hooks.colorOf(i, n), thin);
    line(traceMean(data, n, L, row), 0, 2.5, theme.text, 0.9);
    if (hover >= 0 && hover < n) line(data, base + hover * L, 2, this.hooks.colorOf(hover, n), 1);
    ctx.restore();
    ctx.globalAlpha = 1;
  }
}

/**
 * Whether `data[start:end]` holds a finite number.
 * @param {Float32Array} data
 * @param {number} start
 * @param {number} end
 */
function hasFinite(data, start, end) {
  for (let i = start; i < end; i++) if (Number.isFinite(data[i])) return true;
  return false;
}
