// Every layer at once: small multiples of the histograms of the chosen kind (weights,
// gradients or activations), one row of cells per run, one cell per histogram tag, as
// TensorBoard draws them:
//   - distributions: the 9 basis points of each step's histogram as four nested
//     percentile bands and the median line, against the step (every cell on one step
//     axis); the step slider's step marked by a guide;
//   - histograms: one ridge line per step, offset by step (oldest at the top), the
//     slider's step highlighted.
// Alerts about a cell's tag or layer put a badge (their messages in its title) in the
// cell's head and a mark at their step. A click on a cell picks the step under the
// pointer: the view writes `clicked` = {run, tag, step} (Python answers with
// `selected`) and `step`.
import { drawAxes, drawGuide } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { niceTicks } from "../lib/ticks.js";
import {
  alertsFor,
  bandLayout,
  densityMax,
  distinct,
  formatStep,
  formatValue,
  indexAtOrBefore,
  linearScale,
  nearestIndex,
  padRange,
  ridgeBaselines,
  shortTag,
} from "./math.js";
import { markAlert } from "./scalar_charts.js";

const PREFIX = "nbviz-training-dashboard";
/** The bands' opacities, outermost first (TensorBoard's look: darker towards the median). */
const BAND_ALPHA = [0.16, 0.26, 0.38, 0.52];

/** @typedef {import("./math.js").HistSeries} HistSeries */
/**
 * What a cell drew last, for picking and the test hooks.
 * @typedef {{mode: string, box: {left: number, right: number, top: number, bottom: number},
 *   xs: number[], baselines: number[], median: number[], highlighted: number}} Geometry
 */
/**
 * @typedef {{key: string, run: string, tag: string, layer: string, panel: CanvasPanel,
 *   badge: HTMLSpanElement, geom: Geometry|null}} Cell
 */

export class LayerGrid {
  /** @param {import("./index.js").TrainingDashboardView} view */
  constructor(view) {
    this.view = view;
    /** @type {Map<string, Cell>} */
    this.cells = new Map();
    /** @type {Map<string, HTMLDivElement>} */
    this.rows = new Map();
    this.title = textSpan("");
    this.hint = textSpan("", `${PREFIX}-hint`);
    this.heading = h("div", `${PREFIX}-heading`, {}, [this.title, this.hint]);
    this.empty = textSpan("", `${PREFIX}-note`);
    this.body = h("div", `${PREFIX}-runs`);
    this.el = h("section", `${PREFIX}-section`, { "aria-label": "layers" }, [this.heading, this.empty, this.body]);
  }

  /** One row per run and one cell per series of `data`, in order (keeping those that stay). */
  sync() {
    const d = this.view.data;
    const keys = d.histSeries.map((s) => `${s.run}\u0000${s.tag}`);
    for (const [key, cell] of this.cells) {
      if (!keys.includes(key)) {
        cell.panel.el.remove();
        cell.panel.destroy();
        this.cells.delete(key);
      }
    }
    for (const s of d.histSeries) {
      const key = `${s.run}\u0000${s.tag}`;
      if (!this.cells.has(key)) this.cells.set(key, this.make(key, s));
    }
    const runs = distinct(d.histSeries, "run");
    for (const [run, row] of this.rows) {
      if (!runs.includes(run)) {
        row.remove();
        this.rows.delete(run);
      }
    }
    const rows = runs.map((run) => {
      let row = this.rows.get(run);
      if (!row) {
        const swatch = h("span", `${PREFIX}-swatch`);
        const grid = h("div", `${PREFIX}-cells`);
        row = h("div", `${PREFIX}-run`, { "data-run": run }, [
          h("div", `${PREFIX}-run-name`, {}, [swatch, textSpan(run)]),
          grid,
        ]);
        this.rows.set(run, row);
      }
      /** @type {HTMLElement} */ (row.querySelector(`.${PREFIX}-swatch`)).style.background = categoricalColor(
        d.runs.indexOf(run),
      );
      const grid = row.lastElementChild;
      const cells = d.histSeries
        .filter((s) => s.run === run)
        .map((s) => this.cells.get(`${s.run}\u0000${s.tag}`).panel.el);
      if (cells.some((el, i) => grid.children[i] !== el) || grid.children.length !== cells.length) {
        grid.replaceChildren(...cells);
      }
      return row;
    });
    if (rows.some((r, i) => this.body.children[i] !== r) || this.body.children.length !== rows.length) {
      this.body.replaceChildren(...rows);
    }
    const kind = String(this.view.model.get("kind") ?? "weight");
    const mode = String(this.view.model.get("mode") ?? "distributions");
    const what = { weight: "Weights", grad: "Gradients", activation: "Activations" }[kind] ?? kind;
    this.title.textContent = `${what} · ${mode}`;
    this.hint.textContent =
      mode === "histograms"
        ? "x: value · one line per step, oldest at the top · click a step to select it"
        : "x: step · bands: min–max, 7–93%, 16–84%, 31–69% of values, line: median · click a step to select it";
    this.empty.hidden = d.histSeries.length > 0;
    this.empty.textContent = `No ${kind} histograms recorded yet.`;
    this.view.root.dataset.cells = String(this.cells.size);
    this.syncHeight();
  }

  /**
   * @param {string} key
   * @param {HistSeries} s
   * @returns {Cell}
   */
  make(key, s) {
    const panel = new CanvasPanel(this.view, {
      prefix: PREFIX,
      part: "layers",
      title: shortTag(s.tag),
      canvasClass: `${PREFIX}-cell`,
      tooltip: true,
    });
    panel.el.dataset.run = s.run;
    panel.el.dataset.tag = s.tag;
    panel.el.title = s.tag;
    const badge = textSpan("", `${PREFIX}-badge`);
    badge.hidden = true;
    panel.head.appendChild(badge);
    panel.stage.setAttribute("aria-label", `${s.run} ${s.tag}: click a step to select it`);
    /** @type {Cell} */
    const cell = { key, run: s.run, tag: s.tag, layer: s.layer, panel, badge, geom: null };
    panel.onStage({
      pointermove: (e) => this.hover(cell, e),
      pointerleave: () => panel.tooltip?.hide(),
      click: (e) => this.click(cell, e),
    });
    return cell;
  }

  syncHeight() {
    const px = `${this.view.chartHeight}px`;
    for (const c of this.cells.values()) if (c.panel.stage.style.height !== px) c.panel.stage.style.height = px;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const d = this.view.data;
    // One step axis for every cell of the distributions.
    let s0 = Infinity;
    let s1 = -Infinity;
    for (const s of d.histSeries) {
      if (!s.count) continue;
      s0 = Math.min(s0, d.histSteps[s.offset]);
      s1 = Math.max(s1, d.histSteps[s.offset + s.count - 1]);
    }
    if (!(s1 > s0)) s1 = s0 + 1;
    const mode = this.view.model.get("mode") === "histograms" ? "histograms" : "distributions";
    const step = Number(this.view.model.get("step"));
    let highlighted = NaN;
    for (const s of d.histSeries) {
      const cell = this.cells.get(`${s.run}\u0000${s.tag}`);
      if (!cell) continue;
      const geom = this.drawCell(cell, s, mode, step, [s0, s1], theme);
      if (geom && geom.highlighted >= 0)
        highlighted = Math.max(Number.isNaN(highlighted) ? -Infinity : highlighted, geom.highlighted);
    }
    this.view.root.dataset.highlighted = Number.isNaN(highlighted) ? "" : String(highlighted);
  }

  /**
   * @param {Cell} cell
   * @param {HistSeries} s
   * @param {string} mode
   * @param {number} step  the slider's step (-1: latest)
   * @param {[number, number]} stepRange
   * @param {import("../lib/theme.js").Theme} theme
   * @returns {Geometry|null}
   */
  drawCell(cell, s, mode, step, stepRange, theme) {
    const d = this.view.data;
    const p = cell.panel;
    const alerts = alertsFor(d.alerts, s.run, s.tag, s.layer);
    cell.badge.hidden = alerts.length === 0;
    cell.badge.textContent = alerts.length ? `⚠ ${alerts.length}` : "";
    cell.badge.title = alerts.map((a) => `step ${a.step}: ${a.message}`).join("\n");
    p.el.dataset.alerts = String(alerts.length);
    cell.geom = null;
    const ctx = p.begin(theme);
    p.setEmpty(s.count ? "" : "No steps yet.");
    if (!ctx || !s.count) return null;
    const color = categoricalColor(d.runs.indexOf(s.run));
    const at = indexAtOrBefore(d.histSteps, s.offset, s.count, step);
    const highlighted = d.histSteps[s.offset + at];
    const geom =
      mode === "histograms"
        ? this.drawRidges(ctx, p, s, at, color, theme)
        : this.drawBands(ctx, p, s, at, color, stepRange, theme);
    if (!geom) return null;
    geom.highlighted = highlighted;
    cell.geom = geom;
    for (const a of alerts) {
      if (mode === "histograms") {
        const i = indexAtOrBefore(d.histSteps, s.offset, s.count, a.step);
        const y = geom.baselines[i];
        ctx.fillStyle = theme.error;
        ctx.beginPath();
        ctx.moveTo(geom.box.right + 1, y);
        ctx.lineTo(geom.box.right + 9, y - 5);
        ctx.lineTo(geom.box.right + 9, y + 5);
        ctx.closePath();
        ctx.fill();
      } else {
        const px = linearScale(stepRange, [geom.box.left, geom.box.right]).map(a.step);
        ctx.save();
        ctx.setLineDash([3, 3]);
        ctx.strokeStyle = theme.error;
        ctx.globalAlpha = 0.8;
        ctx.beginPath();
        ctx.moveTo(Math.round(px) + 0.5, geom.box.top);
        ctx.lineTo(Math.round(px) + 0.5, geom.box.bottom);
        ctx.stroke();
        ctx.restore();
        markAlert(ctx, theme, px, geom.box.top, color);
      }
    }
    return geom;
  }

  /**
   * The distribution bands of series `s` against the step.
   * @param {CanvasRenderingContext2D} ctx
   * @param {CanvasPanel} p
   * @param {HistSeries} s
   * @param {number} at  the highlighted step's index in `s`
   * @param {string} color
   * @param {[number, number]} stepRange
   * @param {import("../lib/theme.js").Theme} theme
   * @returns {Geometry|null}
   */
  drawBands(ctx, p, s, at, color, stepRange, theme) {
    const d = this.view.data;
    const box = { left: 44, right: p.w - 14, top: 8, bottom: p.h - 18 };
    if (box.right - box.left < 10 || box.bottom - box.top < 10) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = s.offset; i < s.offset + s.count; i++) {
      lo = Math.min(lo, d.bands[i * 9]);
      hi = Math.max(hi, d.bands[i * 9 + 8]);
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
    const yd = padRange([lo, hi], 0.06);
    const x = linearScale(stepRange, [box.left, box.right]);
    const y = linearScale(yd, [box.bottom, box.top]);
    drawAxes(
      ctx,
      theme,
      box,
      {
        ticks: niceTicks(stepRange[0], stepRange[1], Math.max(2, Math.floor((box.right - box.left) / 70))),
        map: x.map,
        label: formatStep,
      },
      {
        ticks: niceTicks(yd[0], yd[1], Math.max(2, Math.floor((box.bottom - box.top) / 32))),
        map: y.map,
        label: formatValue,
      },
    );
    const xs = Array.from(d.histSteps.subarray(s.offset, s.offset + s.count), (v) => x.map(v));
    const layout = bandLayout(xs, d.bands, s.offset, s.count, y.map);
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    ctx.clip();
    ctx.fillStyle = color;
    layout.bands.forEach((poly, j) => {
      ctx.globalAlpha = BAND_ALPHA[j];
      ctx.beginPath();
      for (const [k, [px, py]] of poly.entries()) {
        if (k) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
      }
      ctx.closePath();
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const [k, [px, py]] of layout.median.entries()) {
      if (k) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
    }
    if (s.count === 1) ctx.lineTo(layout.median[0][0] + 1, layout.median[0][1]);
    ctx.stroke();
    ctx.restore();
    drawGuide(ctx, theme, box, xs[at], 0.8);
    ctx.fillStyle = theme.accent;
    ctx.beginPath();
    ctx.arc(xs[at], layout.median[at][1], 3, 0, 2 * Math.PI);
    ctx.fill();
    return { mode: "distributions", box, xs, baselines: [], median: layout.median.map((pt) => pt[1]), highlighted: -1 };
  }

  /**
   * The ridge lines of series `s`, the oldest at the top, step `at` highlighted.
   * @param {CanvasRenderingContext2D} ctx
   * @param {CanvasPanel} p
   * @param {HistSeries} s
   * @param {number} at
   * @param {string} color
   * @param {import("../lib/theme.js").Theme} theme
   * @returns {Geometry|null}
   */
  drawRidges(ctx, p, s, at, color, theme) {
    const d = this.view.data;
    const bins = d.bins;
    const box = { left: 8, right: p.w - 40, top: 4, bottom: p.h - 18 };
    if (box.right - box.left < 10 || box.bottom - box.top < 10 || bins < 1) return null;
    const x = linearScale([s.lo, s.hi], [box.left, box.right]);
    const ridge = Math.max(12, (box.bottom - box.top) * 0.4);
    const baselines = ridgeBaselines(s.count, box.top, box.bottom, ridge);
    const peak = densityMax(d.density, s.offset, s.count, bins) || 1;
    // the value axis below, a few step labels on the right
    const xt = niceTicks(s.lo, s.hi, Math.max(2, Math.floor((box.right - box.left) / 70)));
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xt) ctx.fillText(formatValue(t), x.map(t), box.bottom + 4);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const labelled = new Set([0, s.count - 1, at]);
    for (const i of labelled) {
      if (i !== at && Math.abs(baselines[i] - baselines[at]) < 12) continue;
      ctx.fillStyle = i === at ? theme.text : theme.textMuted;
      ctx.fillText(formatStep(d.histSteps[s.offset + i]), box.right + 11, baselines[i]);
    }
    const binW = (box.right - box.left) / bins;
    const path = (/** @type {number} */ i) => {
      const base = baselines[i];
      const row = (s.offset + i) * bins;
      ctx.beginPath();
      ctx.moveTo(box.left, base);
      for (let b = 0; b < bins; b++)
        ctx.lineTo(box.left + (b + 0.5) * binW, base - (d.density[row + b] / peak) * ridge);
      ctx.lineTo(box.right, base);
    };
    for (let i = 0; i < s.count; i++) {
      const t = s.count > 1 ? i / (s.count - 1) : 1;
      path(i);
      ctx.globalAlpha = 1;
      ctx.fillStyle = theme.background;
      ctx.fill();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.globalAlpha = 0.25 + 0.55 * t;
      ctx.stroke();
    }
    // the highlighted step on top
    path(at);
    ctx.globalAlpha = 0.3;
    ctx.fillStyle = color;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.text;
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(box.left, box.bottom + 0.5);
    ctx.lineTo(box.right, box.bottom + 0.5);
    ctx.stroke();
    const xs = baselines.map(() => (box.left + box.right) / 2);
    return { mode: "histograms", box, xs, baselines, median: baselines, highlighted: -1 };
  }

  /**
   * The step of `cell` under pointer point `pt` (canvas px), or null.
   * @param {Cell} cell
   * @param {{x: number, y: number}} pt
   */
  stepAt(cell, pt) {
    const g = cell.geom;
    const s = this.series(cell);
    if (!g || !s) return null;
    const i = g.mode === "histograms" ? nearestIndex(g.baselines, pt.y + 4) : nearestIndex(g.xs, pt.x);
    return i < 0 ? null : { index: i, step: this.view.data.histSteps[s.offset + i] };
  }

  /** @param {Cell} cell */
  series(cell) {
    return this.view.data.histSeries.find((s) => s.run === cell.run && s.tag === cell.tag) ?? null;
  }

  /**
   * @param {Cell} cell
   * @param {PointerEvent} e
   */
  hover(cell, e) {
    const p = cell.panel;
    const pt = p.localPoint(e);
    const hit = this.stepAt(cell, pt);
    const s = this.series(cell);
    if (!hit || !s || !p.tooltip) return p.tooltip?.hide();
    const d = this.view.data;
    const row = (s.offset + hit.index) * 9;
    const parts = [
      `step ${hit.step}`,
      `median ${formatValue(d.bands[row + 4])}`,
      `68%: ${formatValue(d.bands[row + 2])} … ${formatValue(d.bands[row + 6])}`,
    ];
    for (const a of alertsFor(d.alerts, s.run, s.tag, s.layer)) {
      if (indexAtOrBefore(d.histSteps, s.offset, s.count, a.step) === hit.index) parts.push(`⚠ ${a.message}`);
    }
    p.stage.style.cursor = "pointer";
    p.tooltip.show(parts.join(" · "), pt.x, pt.y);
  }

  /**
   * @param {Cell} cell
   * @param {MouseEvent} e
   */
  click(cell, e) {
    const hit = this.stepAt(cell, cell.panel.localPoint(e));
    if (!hit) return;
    this.view.writeAll({ clicked: { run: cell.run, tag: cell.tag, step: hit.step }, step: hit.step });
  }

  /**
   * Client px of `run`'s cell of `tag` at `step` (the step's median in the
   * distributions, its ridge's baseline in the histograms), or null.
   * @param {string} run
   * @param {string} tag
   * @param {number} step
   */
  cellPoint(run, tag, step) {
    const cell = this.cells.get(`${run}\u0000${tag}`);
    const s = cell && this.series(cell);
    if (!cell?.geom || !s) return null;
    const d = this.view.data;
    const i = indexAtOrBefore(d.histSteps, s.offset, s.count, step);
    if (i < 0) return null;
    const g = cell.geom;
    const y = g.mode === "histograms" ? g.baselines[i] - 2 : g.median[i];
    return cell.panel.clientPoint(g.xs[i], y);
  }
}
