// The weights panel: each sampled weight's initial (x) against final (y) value, pruned
// ones under kept ones, with the axes through 0 and the diagonal of weights that did not
// move.
import { drawAxes } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { niceTicks } from "../lib/ticks.js";
import { linearScale, symmetricLimit } from "./math.js";
import { PANEL } from "./panel.js";

const KEPT_COLOR = categoricalColor(0);
const PRUNED_COLOR = categoricalColor(1);

export class WeightScatter extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the mask explorer it is a panel of */
  constructor(view) {
    super(view, {
      ...PANEL,
      tooltip: false,
      part: "weights",
      title: "Initial vs final weight",
      canvasClass: "nbviz-mask-explorer-weights",
    });
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.weights = null;
    /** @type {Uint8Array|null} */
    this.kept = null;
    this.legend = h("div", "nbviz-mask-explorer-legend");
    this.head.appendChild(this.legend);
    this.follow("weights kept", () => this.read());
  }

  read() {
    this.weights = this.view.decode("weights", "float32", (s) => s.length === 2 && s[1] === 2);
    const kept = this.view.decode("kept", "uint8", (s) => s.length === 1);
    this.kept =
      kept && this.weights && kept.shape[0] === this.weights.shape[0] ? /** @type {Uint8Array} */ (kept.data) : null;
    this.buildLegend();
  }

  buildLegend() {
    const items = [];
    if (this.weights) {
      const m = this.weights.shape[0];
      let nKept = 0;
      if (this.kept) for (let i = 0; i < m; i++) nKept += this.kept[i] ? 1 : 0;
      const entries = this.kept
        ? [
            ["kept", KEPT_COLOR, nKept],
            ["pruned", PRUNED_COLOR, m - nKept],
          ]
        : [["weights", KEPT_COLOR, m]];
      for (const [name, color, n] of entries) {
        const swatch = h("span", "nbviz-mask-explorer-swatch", { "data-shape": "dot" });
        swatch.style.background = String(color);
        items.push(h("span", "", {}, [swatch, textSpan(`${name} (${n.toLocaleString()})`)]));
      }
    }
    this.legend.replaceChildren(...items);
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const wts = this.weights;
    const hasData = Boolean(wts && wts.shape[0] > 0);
    this.setEmpty(hasData ? "" : "No weights for this round and layer.");
    const ctx = this.begin(theme);
    if (!ctx || !wts || !hasData) return;
    const box = { left: 40, right: this.w - 10, top: 10, bottom: this.h - 22 };
    const L = symmetricLimit(wts.data);
    const x = linearScale([-L, L], [box.left, box.right]);
    const y = linearScale([-L, L], [box.bottom, box.top]);
    const ticks = niceTicks(-L, L, 4);
    const label = (/** @type {number} */ t) => String(Number(t.toPrecision(3)));
    drawAxes(ctx, theme, box, { ticks, map: x.map, label }, { ticks, map: y.map, label }, { grid: false });
    // Axes through 0, and the y = x diagonal (weights that did not move).
    ctx.beginPath();
    ctx.moveTo(Math.round(x.map(0)) + 0.5, box.top);
    ctx.lineTo(Math.round(x.map(0)) + 0.5, box.bottom);
    ctx.moveTo(box.left, Math.round(y.map(0)) + 0.5);
    ctx.lineTo(box.right, Math.round(y.map(0)) + 0.5);
    ctx.stroke();
    ctx.save();
    ctx.setLineDash([3, 3]);
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    ctx.moveTo(x.map(-L), y.map(-L));
    ctx.lineTo(x.map(L), y.map(L));
    ctx.stroke();
    ctx.restore();
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText("final ↑  initial →", box.left + 4, box.top + 3);

    // Pruned first, kept on top.
    const m = wts.shape[0];
    const d = wts.data;
    const kept = this.kept;
    /** @type {Array<{want: number, color: string, alpha: number}>} want: kept[i], or -1 for all */
    const passes = kept
      ? [
          { want: 0, color: PRUNED_COLOR, alpha: 0.55 },
          { want: 1, color: KEPT_COLOR, alpha: 0.75 },
        ]
      : [{ want: -1, color: KEPT_COLOR, alpha: 0.75 }];
    for (const { want, color, alpha } of passes) {
      ctx.fillStyle = color;
      ctx.globalAlpha = alpha;
      for (let i = 0; i < m; i++) {
        if (kept && want >= 0 && (kept[i] ? 1 : 0) !== want) continue;
        ctx.fillRect(x.map(d[2 * i]) - 1.25, y.map(d[2 * i + 1]) - 1.25, 2.5, 2.5);
      }
    }
    ctx.globalAlpha = 1;
  }
}
