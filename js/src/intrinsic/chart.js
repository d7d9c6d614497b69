// The intrinsic-dimension chart: test accuracy against the subspace's dimension d (log
// axis, ticks at the dims). Each seed's finished runs are faint dots, their mean over
// seeds a line with markers; the dense baseline is a horizontal line and its level (90%)
// a dashed one; d_int90 is a vertical line with its bootstrap band shaded. Runs not
// finished yet are grey ticks above the d axis; failed runs red crosses there, the error
// in the tooltip on hover.
import { drawAxes, drawAxisTitles, drawReferenceLine } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { linearScale, logScale } from "../lib/scales.js";
import { niceTicks } from "../lib/ticks.js";
import {
  accuracyDomain,
  caption,
  cleanDims,
  dimDomain,
  dimTicks,
  formatCount,
  formatD,
  meanFinite,
  meanOverSeeds,
  nearest,
  runMarks,
} from "./math.js";

const PICK_RADIUS = 10;
const RUN_COLOR = categoricalColor(0);
const D90_COLOR = categoricalColor(1);

/** @typedef {import("./math.js").Run & {x: number, y: number}} Mark */

export class IntrinsicChart extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view */
  constructor(view) {
    super(view, {
      prefix: "nbviz-intrinsic",
      part: "chart",
      title: "Test accuracy vs subspace dimension d",
      canvasClass: "nbviz-intrinsic-chart",
      tooltip: true,
    });
    this.legend = h("div", "nbviz-intrinsic-legend");
    this.head.appendChild(this.legend);
    this.caption = h("div", "nbviz-intrinsic-caption", { "aria-live": "polite" });
    this.el.appendChild(this.caption);
    /** @type {number[]} */
    this.dims = [];
    /** @type {number[]} */
    this.seeds = [];
    /** @type {import("./math.js").Run[]} */
    this.runs = [];
    /** @type {Mark[]} */
    this.marks = [];
    /** @type {{d: number, x: number, y: number, accuracy: number}[]} */
    this.means = [];
    /** @type {{d: number, x: number}|null} */
    this.d90Line = null;
    this.dotsDrawn = 0;
    this.buildLegend();
    this.follow("dims seeds accuracy failures", () => this.read());
    this.follow("dense_accuracy level d_int90 band D running job_state", () => this.writeCaption());
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.tooltip?.hide(),
    });
  }

  read() {
    const m = this.view.model;
    this.dims = cleanDims(m.get("dims"));
    this.seeds = Array.isArray(m.get("seeds")) ? m.get("seeds").map(Number) : [];
    const nd = this.dims.length;
    const ns = this.seeds.length;
    const acc = this.view.decode("accuracy", "float32", (s) => s.length === 2 && s[0] === nd && s[1] === ns);
    this.acc = acc ? acc.data : null;
    this.runs = runMarks(this.dims, this.seeds, this.acc, m.get("failures"));
    const count = (/** @type {string} */ state) => String(this.runs.filter((r) => r.state === state).length);
    Object.assign(this.view.root.dataset, {
      runsDone: count("done"),
      runsPending: count("pending"),
      runsFailed: count("failed"),
    });
  }

  /** The dense baseline's mean over seeds (NaN before it is known). */
  get dense() {
    const a = this.view.decode("dense_accuracy", "float32", (s) => s.length === 1);
    return a ? meanFinite(a.data) : Number.NaN;
  }

  get level() {
    const l = Number(this.view.model.get("level"));
    return l > 0 && l <= 1 ? l : 0.9;
  }

  get d90() {
    const d = Number(this.view.model.get("d_int90"));
    return Number.isFinite(d) && d > 0 ? d : -1;
  }

  writeCaption() {
    const m = this.view.model;
    const text = caption(this.d90, Number(m.get("D")) || 0, this.level, Boolean(m.get("running")));
    this.caption.textContent = text;
    this.view.root.dataset.caption = text;
    this.view.root.dataset.dInt90 = String(this.d90);
  }

  buildLegend() {
    const item = (/** @type {string} */ shape, /** @type {string} */ color, /** @type {string} */ label) => {
      const swatch = h("span", "nbviz-intrinsic-swatch", { "data-shape": shape });
      if (color) swatch.style.setProperty("--swatch", color);
      return h("span", "", {}, [swatch, textSpan(label)]);
    };
    this.legend.replaceChildren(
      item("dot", RUN_COLOR, "run (per seed)"),
      item("line", RUN_COLOR, "mean over seeds"),
      item("line", "", "dense"),
      item("dash", "", `${Math.round(100 * this.level)}% of dense`),
      item("band", D90_COLOR, "d_int90 and band"),
      item("tick", "", "pending"),
      item("cross", "", "failed"),
    );
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    this.marks = [];
    this.means = [];
    this.d90Line = null;
    this.dotsDrawn = 0;
    const hasDims = this.dims.length > 0;
    this.setEmpty(hasDims ? "" : "No subspace dimensions to show.");
    const ctx = this.begin(theme);
    if (ctx && hasDims) this.paint(ctx, theme);
    this.view.root.dataset.dotsDrawn = String(this.dotsDrawn);
  }

  /**
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   */
  paint(ctx, theme) {
    const box = { left: 58, right: this.w - 14, top: 12, bottom: this.h - 40 };
    if (box.right - box.left < 40 || box.bottom - box.top < 40) return;
    const dense = this.dense;
    const target = this.level * dense;
    const nd = this.dims.length;
    const ns = this.seeds.length;
    const acc = this.acc ?? new Float32Array(nd * ns).fill(Number.NaN);
    const xd = dimDomain(this.dims);
    const yd = accuracyDomain(acc, [dense, target]);
    const x = logScale(xd, [box.left, box.right]);
    const y = linearScale(yd, [box.bottom, box.top]);
    const xTicks = dimTicks(this.dims, x.map);
    drawAxes(
      ctx,
      theme,
      box,
      { ticks: xTicks, map: x.map, label: formatD },
      {
        ticks: niceTicks(yd[0] * 100, yd[1] * 100, 5),
        map: (t) => y.map(t / 100),
        label: (t) => `${Number(t.toFixed(1))}%`,
      },
    );
    drawAxisTitles(
      ctx,
      theme,
      box,
      { x: "subspace dimension d (log scale)", y: "test accuracy" },
      { xAt: this.h - 4, yAt: 12 },
    );

    // d_int90 and its band
    const d90 = this.d90;
    if (d90 > 0) {
      const band = this.view.model.get("band");
      const px = x.map(d90);
      if (Array.isArray(band) && band.length === 2 && band[1] > band[0]) {
        const x0 = Math.max(box.left, x.map(Number(band[0])));
        const x1 = Math.min(box.right, x.map(Number(band[1])));
        ctx.fillStyle = D90_COLOR;
        ctx.globalAlpha = 0.15;
        ctx.fillRect(x0, box.top, x1 - x0, box.bottom - box.top);
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = D90_COLOR;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(Math.round(px) + 0.5, box.top);
      ctx.lineTo(Math.round(px) + 0.5, box.bottom);
      ctx.stroke();
      ctx.fillStyle = D90_COLOR;
      ctx.textAlign = px > box.right - 90 ? "right" : "left";
      ctx.textBaseline = "top";
      ctx.fillText(
        `d_int${Math.round(100 * this.level)} = ${formatCount(d90)}`,
        px + (px > box.right - 90 ? -4 : 4),
        box.top + 3,
      );
      this.d90Line = { d: d90, x: px };
    }

    // dense baseline and its level
    if (Number.isFinite(dense)) {
      drawReferenceLine(ctx, theme, box, y.map(dense), { label: `dense ${(100 * dense).toFixed(1)}%` });
      drawReferenceLine(ctx, theme, box, y.map(target), {
        label: `${Math.round(100 * this.level)}% of dense: ${(100 * target).toFixed(1)}%`,
        dash: [5, 4],
      });
    }

    // each seed's runs: faint dots; pending ticks and failed crosses above the d axis
    const ticksAt = new Map();
    for (const run of this.runs) {
      const px = x.map(run.d);
      if (run.state === "done") {
        const py = y.map(run.accuracy);
        ctx.globalAlpha = 0.4;
        ctx.fillStyle = RUN_COLOR;
        ctx.beginPath();
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.fill();
        ctx.globalAlpha = 1;
        this.dotsDrawn++;
        this.marks.push({ ...run, x: px, y: py });
        continue;
      }
      const k = ticksAt.get(run.d) ?? 0;
      ticksAt.set(run.d, k + 1);
      const py = box.bottom - 6 - 9 * k;
      if (run.state === "failed") {
        ctx.strokeStyle = theme.error;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(px - 4, py - 4);
        ctx.lineTo(px + 4, py + 4);
        ctx.moveTo(px + 4, py - 4);
        ctx.lineTo(px - 4, py + 4);
        ctx.stroke();
      } else {
        ctx.strokeStyle = theme.textMuted;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(px, py - 4);
        ctx.lineTo(px, py + 4);
        ctx.stroke();
      }
      this.marks.push({ ...run, x: px, y: py });
    }

    // the mean over seeds: a line through the finished d's, with markers
    const means = meanOverSeeds(acc, nd, ns);
    this.means = this.dims
      .map((d, i) => ({ d, accuracy: means[i], x: x.map(d), y: y.map(means[i]) }))
      .filter((p) => Number.isFinite(p.accuracy));
    ctx.strokeStyle = RUN_COLOR;
    ctx.fillStyle = RUN_COLOR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (const [k, p] of this.means.entries()) {
      if (k) ctx.lineTo(p.x, p.y);
      else ctx.moveTo(p.x, p.y);
    }
    ctx.stroke();
    for (const p of this.means) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = theme.background;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }

  /**
   * Client px of the mean point of `d`, or null when none of its runs has finished.
   * @param {number} d
   */
  meanPoint(d) {
    const p = this.means.find((m) => m.d === d);
    return p ? this.clientPoint(p.x, p.y) : null;
  }

  /**
   * Client px of the mark of run (d, seed) and its state, or null.
   * @param {number} d
   * @param {number} seed
   */
  runPoint(d, seed) {
    const m = this.marks.find((r) => r.d === d && r.seed === seed);
    return m ? { ...this.clientPoint(m.x, m.y), state: m.state } : null;
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const mark = nearest(this.marks, pt.x, pt.y, PICK_RADIUS);
    const mean = nearest(this.means, pt.x, pt.y, PICK_RADIUS);
    if (mark) {
      const what = `d = ${formatCount(mark.d)}, seed ${mark.seed}`;
      const text =
        mark.state === "done"
          ? `${what}: ${(100 * mark.accuracy).toFixed(1)}%`
          : mark.state === "failed"
            ? `${what} failed: ${mark.error}`
            : `${what}: not finished yet`;
      this.tooltip?.show(text, pt.x, pt.y);
    } else if (mean) {
      this.tooltip?.show(`d = ${formatCount(mean.d)}: mean ${(100 * mean.accuracy).toFixed(1)}%`, pt.x, pt.y);
    } else {
      this.tooltip?.hide();
    }
  }
}
