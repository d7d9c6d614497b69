// The gate saturation panel (Karpathy, Johnson & Fei-Fei 2015, fig. 3): one scatter per
// layer, a dot per unit and gate at (fraction of steps the gate is left-saturated, below
// 0.1; fraction right-saturated, above 0.9), coloured by gate, with the gates named in
// the panel's head.
import { drawAxes } from "../lib/axes.js";
import { sizeOf } from "../lib/canvas.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { linearScale } from "../lib/scales.js";
import { scatterLayout } from "./math.js";

/** Panel width used before the stage is laid out (happy-dom, hidden output). */
const FALLBACK_WIDTH = 640;
const TICKS = [0, 0.5, 1];

/** The saturation scatters, one per layer, side by side. */
export class SaturationPlot extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the cell viewer it is a panel of */
  constructor(view) {
    super(view, {
      prefix: "nbviz-cell-viewer",
      part: "saturation",
      title: "gate saturation",
      canvasClass: "nbviz-cell-viewer-saturation",
    });
    this.legend = h("div", "nbviz-cell-viewer-legend");
    this.head.appendChild(this.legend);
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.data = null;
    /** @type {string[]} */
    this.gates = [];
    /** how many scatters the last draw drew */
    this.drawnPlots = 0;
    this.follow("saturation gate_names", () => this.read());
  }

  read() {
    this.data = this.view.decode("saturation", "float32", (s) => s.length === 4 && s[3] === 2);
    const names = this.view.model.get("gate_names");
    this.gates = Array.isArray(names) ? names.map(String) : [];
    const G = this.data ? this.data.shape[1] : this.gates.length;
    const items = [];
    for (let g = 0; g < G; g++) {
      const swatch = h("span", "nbviz-cell-viewer-swatch");
      swatch.style.background = categoricalColor(g);
      items.push(h("span", "nbviz-cell-viewer-gate", {}, [swatch, textSpan(this.gateName(g))]));
    }
    this.legend.replaceChildren(...items);
  }

  /** @param {number} g */
  gateName(g) {
    return this.gates[g] ?? `gate ${g}`;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const sat = this.data;
    const [L, G, U] = sat ? sat.shape : [0, 0, 0];
    const some = L > 0 && G > 0 && U > 0;
    const width = sizeOf(this.stage).w || FALLBACK_WIDTH;
    const layout = scatterLayout(some ? L : 0, width);
    const height = Math.max(layout.height, 48);
    if (this.stage.style.height !== `${height}px`) this.stage.style.height = `${height}px`;
    this.setEmpty(some ? "" : "No gate statistics.");
    const ctx = this.begin(theme, width, height);
    this.drawnPlots = 0;
    if (!ctx || !sat || !some) return;
    const d = sat.data;
    const label = (/** @type {number} */ t) => String(t);
    for (let l = 0; l < L; l++) {
      const box = layout.box(l);
      const x = linearScale([0, 1], [box.left, box.right]);
      const y = linearScale([0, 1], [box.bottom, box.top]);
      ctx.font = `11px ${theme.font}`;
      drawAxes(ctx, theme, box, { ticks: TICKS, map: x.map, label }, { ticks: TICKS, map: y.map, label });
      this.drawLabels(ctx, theme, box, `layer ${l}`);
      for (let g = 0; g < G; g++) {
        ctx.fillStyle = categoricalColor(g);
        ctx.globalAlpha = 0.6;
        for (let u = 0; u < U; u++) {
          const i = ((l * G + g) * U + u) * 2;
          ctx.fillRect(x.map(d[i]) - 1.5, y.map(d[i + 1]) - 1.5, 3, 3);
        }
      }
      ctx.globalAlpha = 1;
      this.drawnPlots++;
    }
  }

  /**
   * A scatter's title over its box and its axes' names.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   * @param {import("../lib/axes.js").Box} box
   * @param {string} title
   */
  drawLabels(ctx, theme, box, title) {
    ctx.fillStyle = theme.text;
    ctx.font = `600 11px ${theme.font}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(title, box.left, box.top - 6);
    ctx.font = `11px ${theme.font}`;
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText("left-saturated (< 0.1)", (box.left + box.right) / 2, box.bottom + 18);
    ctx.save();
    ctx.translate(box.left - 28, (box.top + box.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText("right-saturated (> 0.9)", 0, 0);
    ctx.restore();
  }
}
