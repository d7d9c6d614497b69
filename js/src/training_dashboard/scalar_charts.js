// The scalar charts: one small chart per scalar tag (loss, accuracy, learning rate ...),
// every run overlaid in its colour, TensorBoard-style: the raw values as a faint line, the
// smoothed ones (smoothing's debiased moving average) on top; a linear or log y axis.
// Alerts about a scalar (a NaN loss) put a badge in the chart's head and a mark at their
// step. Hovering a chart shows each run's value at the nearest step.
import { drawAxes } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { niceTicks } from "../lib/ticks.js";
import {
  distinct,
  formatStep,
  formatValue,
  linearScale,
  logScale,
  logTicks,
  nearestIndex,
  padRange,
  smooth,
  valueRange,
} from "./math.js";

const PREFIX = "nbviz-training-dashboard";

/** @typedef {import("./math.js").ScalarSeries} ScalarSeries */
/** @typedef {import("./math.js").Alert} Alert */
/**
 * What the charts draw (index.js keeps it).
 * @typedef {{runs: string[], scalarSeries: ScalarSeries[], scalarSteps: Float32Array,
 *   scalarValues: Float32Array, alerts: Alert[]}} ScalarData
 */

export class ScalarCharts {
  /**
   * @param {import("./index.js").TrainingDashboardView} view
   */
  constructor(view) {
    this.view = view;
    /** @type {Map<string, {panel: CanvasPanel, badge: HTMLSpanElement, x: ((v: number) => number)|null}>} */
    this.charts = new Map();
    this.grid = h("div", `${PREFIX}-scalars`);
    this.empty = textSpan("No scalars recorded yet.", `${PREFIX}-note`);
    const heading = h("div", `${PREFIX}-heading`, {}, [
      textSpan("Scalars"),
      textSpan("x: step · faint: raw, bold: smoothed", `${PREFIX}-hint`),
    ]);
    this.el = h("section", `${PREFIX}-section`, { "aria-label": "scalars" }, [heading, this.empty, this.grid]);
    /** Raw points drawn over every chart in the last draw. */
    this.pointsDrawn = 0;
  }

  /** Make one chart per tag of `data`, in order (keeping the charts that stay). */
  sync() {
    const d = this.view.data;
    const tags = distinct(d.scalarSeries, "tag");
    for (const [tag, c] of this.charts) {
      if (!tags.includes(tag)) {
        c.panel.el.remove();
        c.panel.destroy();
        this.charts.delete(tag);
      }
    }
    for (const tag of tags) if (!this.charts.has(tag)) this.charts.set(tag, this.make(tag));
    const order = tags.map((t) => this.charts.get(t).panel.el);
    if (order.some((el, i) => this.grid.children[i] !== el)) this.grid.replaceChildren(...order);
    this.empty.hidden = tags.length > 0;
    this.syncHeight();
  }

  /** @param {string} tag */
  make(tag) {
    const panel = new CanvasPanel(this.view, {
      prefix: PREFIX,
      part: "scalars",
      title: tag,
      canvasClass: `${PREFIX}-scalar`,
      tooltip: true,
    });
    panel.el.dataset.tag = tag;
    const badge = textSpan("", `${PREFIX}-badge`);
    badge.hidden = true;
    panel.head.appendChild(badge);
    const chart = { panel, badge, x: null };
    panel.onStage({
      pointermove: (e) => this.hover(tag, panel, e),
      pointerleave: () => panel.tooltip?.hide(),
    });
    return chart;
  }

  syncHeight() {
    const px = `${this.view.chartHeight}px`;
    for (const c of this.charts.values()) if (c.panel.stage.style.height !== px) c.panel.stage.style.height = px;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    let drawn = 0;
    for (const [tag, c] of this.charts) drawn += this.drawChart(tag, c, theme);
    this.pointsDrawn = drawn;
    this.view.root.dataset.scalarPoints = String(drawn);
  }

  /**
   * @param {string} tag
   * @param {{panel: CanvasPanel, badge: HTMLSpanElement, x: ((v: number) => number)|null}} c
   * @param {import("../lib/theme.js").Theme} theme
   * @returns {number} the raw points drawn
   */
  drawChart(tag, c, theme) {
    const d = this.view.data;
    const p = c.panel;
    const list = d.scalarSeries.filter((s) => s.tag === tag);
    const alerts = d.alerts.filter((a) => a.tag === tag);
    c.badge.hidden = alerts.length === 0;
    c.badge.textContent = alerts.length ? `⚠ ${alerts.length}` : "";
    c.badge.title = alerts.map((a) => `${a.run} · step ${a.step}: ${a.message}`).join("\n");
    const log = this.view.model.get("log_scale") === true;
    const steps = d.scalarSteps;
    const values = d.scalarValues;
    c.x = null;
    const ctx = p.begin(theme);
    const yr = valueRange(values, list, log);
    p.setEmpty(yr ? "" : log ? "No positive values for a log scale." : "No values yet.");
    if (!ctx || !yr) return 0;
    const box = { left: 46, right: p.w - 14, top: 8, bottom: p.h - 18 };
    if (box.right - box.left < 10 || box.bottom - box.top < 10) return 0;
    let x0 = Infinity;
    let x1 = -Infinity;
    for (const s of list) {
      if (!s.length) continue;
      x0 = Math.min(x0, steps[s.offset]);
      x1 = Math.max(x1, steps[s.offset + s.length - 1]);
    }
    if (x1 <= x0) x1 = x0 + 1;
    const x = linearScale([x0, x1], [box.left, box.right]);
    const yd = padRange(yr, 0.06, log);
    const y = (log ? logScale : linearScale)(yd, [box.bottom, box.top]);
    c.x = x.map;
    drawAxes(
      ctx,
      theme,
      box,
      { ticks: niceTicks(x0, x1, Math.max(2, Math.floor((box.right - box.left) / 70))), map: x.map, label: formatStep },
      {
        ticks: log
          ? logTicks(yd[0], yd[1], Math.max(2, Math.floor((box.bottom - box.top) / 18)))
          : niceTicks(yd[0], yd[1], Math.max(2, Math.floor((box.bottom - box.top) / 30))),
        map: y.map,
        label: formatValue,
      },
    );
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    ctx.clip();
    ctx.lineJoin = "round";
    const weight = Number(this.view.model.get("smoothing"));
    let drawn = 0;
    for (const s of list) {
      const color = categoricalColor(d.runs.indexOf(s.run));
      const raw = values.subarray(s.offset, s.offset + s.length);
      const xs = steps.subarray(s.offset, s.offset + s.length);
      line(ctx, xs, raw, x.map, y.map, log, color, 1, 0.28);
      line(ctx, xs, smooth(raw, weight), x.map, y.map, log, color, 1.8, 1);
      drawn += s.length;
    }
    ctx.restore();
    for (const a of alerts) markAlert(ctx, theme, x.map(a.step), box.top, categoricalColor(d.runs.indexOf(a.run)));
    return drawn;
  }

  /**
   * @param {string} tag
   * @param {CanvasPanel} panel
   * @param {PointerEvent} e
   */
  hover(tag, panel, e) {
    const c = this.charts.get(tag);
    const d = this.view.data;
    if (!c?.x || !panel.tooltip) return;
    const pt = panel.localPoint(e);
    const weight = Number(this.view.model.get("smoothing"));
    const parts = [];
    let at = NaN;
    for (const s of d.scalarSeries) {
      if (s.tag !== tag || !s.length) continue;
      const xs = d.scalarSteps.subarray(s.offset, s.offset + s.length);
      const px = Array.from(xs, (v) => c.x(v));
      const i = nearestIndex(px, pt.x);
      const raw = d.scalarValues.subarray(s.offset, s.offset + s.length);
      at = xs[i];
      parts.push(`${s.run}: ${formatValue(smooth(raw, weight)[i])} (raw ${formatValue(raw[i])})`);
    }
    const alerts = d.alerts.filter((a) => a.tag === tag);
    const near = alerts.filter((a) => Math.abs(c.x(a.step) - pt.x) < 6).map((a) => `⚠ ${a.message}`);
    if (!parts.length) return panel.tooltip.hide();
    panel.tooltip.show([`step ${formatStep(at)}`, ...parts, ...near].join(" · "), pt.x, pt.y);
  }

  /** Client px of the last point of `run`'s `tag` series, or null (for tests). */
  lastPoint(run, tag) {
    const c = this.charts.get(tag);
    const d = this.view.data;
    const s = d.scalarSeries.find((q) => q.run === run && q.tag === tag);
    if (!c?.x || !s?.length) return null;
    const box = c.panel.canvas.getBoundingClientRect();
    return { x: box.left + c.x(d.scalarSteps[s.offset + s.length - 1]), y: box.top + c.panel.h / 2 };
  }
}

/**
 * Stroke `ys` against `xs` (skipping non-finite values, and those ≤ 0 on a log axis).
 * @param {CanvasRenderingContext2D} ctx
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 * @param {(v: number) => number} fx
 * @param {(v: number) => number} fy
 * @param {boolean} log
 * @param {string} color
 * @param {number} width
 * @param {number} alpha
 */
function line(ctx, xs, ys, fx, fy, log, color, width, alpha) {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.globalAlpha = alpha;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (!Number.isFinite(v) || (log && !(v > 0))) {
      pen = false;
      continue;
    }
    const px = fx(xs[i]);
    const py = fy(v);
    if (pen) ctx.lineTo(px, py);
    else {
      ctx.moveTo(px, py);
      if (xs.length === 1) ctx.lineTo(px + 0.5, py);
    }
    pen = true;
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

/**
 * An alert's mark: a red triangle at the top of the box at `px`, ringed in the run's colour.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import("../lib/theme.js").Theme} theme
 * @param {number} px
 * @param {number} top
 * @param {string} runColor
 */
export function markAlert(ctx, theme, px, top, runColor) {
  ctx.fillStyle = theme.error;
  ctx.strokeStyle = runColor;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px - 5, top);
  ctx.lineTo(px + 5, top);
  ctx.lineTo(px, top + 8);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}
