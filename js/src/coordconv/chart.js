// The score chart of the CoordConv view: each run's score (IoU or accuracy) against the
// training step, on held-out positions (solid) and training positions (dashed), one
// colour per run; hover a point for its value.
import { drawAxes, drawAxisTitles } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { linearScale } from "../lib/scales.js";
import { niceTicks } from "../lib/ticks.js";
import { series, stepDomain } from "./math.js";

const PICK_RADIUS = 8;

/** @typedef {{name: string, side: "train"|"held out", step: number, value: number, x: number, y: number}} Point */

export class ScoreChart extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view */
  constructor(view) {
    super(view, {
      prefix: "nbviz-coordconv",
      part: "chart",
      title: "Score over training steps",
      canvasClass: "nbviz-coordconv-chart",
      tooltip: true,
    });
    this.legend = h("div", "nbviz-coordconv-legend");
    this.head.appendChild(this.legend);
    /** @type {string[]} */
    this.names = [];
    /** @type {Point[]} */
    this.points = [];
    /** @type {Record<string, {train: number, test: number}>} */
    this.drawn = {};
    this.follow("names steps train_scores test_scores", () => this.read());
    this.follow("total_steps metric", () => {});
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.tooltip?.hide(),
    });
  }

  read() {
    const m = this.view.model;
    const names = Array.isArray(m.get("names")) ? m.get("names").map(String) : [];
    if (names.join("\n") !== this.names.join("\n")) {
      this.names = names;
      this.buildLegend();
    }
    const steps = this.view.decode("steps", "int32", (s) => s.length === 1);
    this.steps = steps ? steps.data : new Int32Array(0);
    const evals = this.steps.length;
    const ok = (/** @type {number[]} */ s) => s.length === 2 && s[0] === names.length && s[1] === evals;
    this.train = this.view.decode("train_scores", "float32", ok)?.data ?? null;
    this.test = this.view.decode("test_scores", "float32", ok)?.data ?? null;
  }

  buildLegend() {
    const item = (/** @type {string} */ shape, /** @type {string} */ color, /** @type {string} */ label) => {
      const swatch = h("span", "nbviz-coordconv-swatch", { "data-shape": shape });
      if (color) swatch.style.setProperty("--swatch", color);
      return h("span", "", {}, [swatch, textSpan(label)]);
    };
    this.legend.replaceChildren(
      ...this.names.map((n, i) => item("line", categoricalColor(i), n)),
      item("line", "", "held out"),
      item("dash", "", "train"),
    );
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    this.points = [];
    this.drawn = {};
    const evals = this.steps.length;
    this.setEmpty(evals ? "" : "Training… the first scores come after the first evaluation.");
    const ctx = this.begin(theme);
    if (ctx) this.paint(ctx, theme);
    const count = (/** @type {"train"|"test"} */ k) => Object.values(this.drawn).reduce((a, d) => a + d[k], 0);
    this.view.root.dataset.pointsDrawn = String(count("train") + count("test"));
  }

  /**
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   */
  paint(ctx, theme) {
    const box = { left: 50, right: this.w - 12, top: 10, bottom: this.h - 36 };
    if (box.right - box.left < 40 || box.bottom - box.top < 40) return;
    const m = this.view.model;
    const xd = stepDomain(this.steps, Number(m.get("total_steps")));
    const x = linearScale(xd, [box.left, box.right]);
    const y = linearScale([0, 1], [box.bottom, box.top]);
    drawAxes(
      ctx,
      theme,
      box,
      { ticks: niceTicks(xd[0], xd[1], 6), map: x.map, label: (t) => String(t) },
      { ticks: niceTicks(0, 1, 5), map: y.map, label: (t) => String(Number(t.toFixed(2))) },
    );
    drawAxisTitles(
      ctx,
      theme,
      box,
      { x: "training step", y: String(m.get("metric") || "score") },
      { xAt: this.h - 2, yAt: 11 },
    );

    const evals = this.steps.length;
    this.names.forEach((name, i) => {
      const color = categoricalColor(i);
      const counts = { train: 0, test: 0 };
      for (const [key, side, dash] of /** @type {const} */ ([
        ["train", "train", [5, 4]],
        ["test", "held out", []],
      ])) {
        const pts = series(this.steps, key === "train" ? this.train : this.test, evals, i);
        ctx.save();
        ctx.setLineDash(dash);
        ctx.strokeStyle = color;
        ctx.lineWidth = key === "test" ? 2.25 : 1.5;
        ctx.globalAlpha = key === "test" ? 1 : 0.75;
        ctx.beginPath();
        for (const [k, p] of pts.entries()) {
          const px = x.map(p.step);
          const py = y.map(p.value);
          if (k) ctx.lineTo(px, py);
          else ctx.moveTo(px, py);
          this.points.push({ name, side, step: p.step, value: p.value, x: px, y: py });
        }
        ctx.stroke();
        ctx.restore();
        if (key === "test") {
          ctx.fillStyle = color;
          for (const p of pts) {
            ctx.beginPath();
            ctx.arc(x.map(p.step), y.map(p.value), 2.5, 0, 2 * Math.PI);
            ctx.fill();
          }
        }
        counts[key] = pts.length;
      }
      this.drawn[name] = counts;
    });
  }

  /**
   * Client px of run `name`'s last point on `side` ("train" or "held out"), or null.
   * @param {string} name
   * @param {"train"|"held out"} side
   */
  lastPoint(name, side) {
    const pts = this.points.filter((p) => p.name === name && p.side === side);
    const p = pts[pts.length - 1];
    return p ? { ...this.clientPoint(p.x, p.y), step: p.step, value: p.value } : null;
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    let best = null;
    let bestD = PICK_RADIUS * PICK_RADIUS;
    for (const p of this.points) {
      const d = (p.x - pt.x) ** 2 + (p.y - pt.y) ** 2;
      if (d <= bestD) {
        best = p;
        bestD = d;
      }
    }
    if (best) {
      const metric = String(this.view.model.get("metric") || "score");
      this.tooltip?.show(
        `${best.name}, ${best.side}, step ${best.step}: ${metric} ${best.value.toFixed(3)}`,
        pt.x,
        pt.y,
      );
    } else {
      this.tooltip?.hide();
    }
  }
}
