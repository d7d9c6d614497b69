// The pixel-flipping chart: for each method, the mean class score as the share of pixels
// it ranks highest that were removed grows from 0 to 1; the faster a curve falls, the
// better its heatmap found the evidence the model uses. The legend gives each curve's area
// (lower: more faithful).
import { drawAxes } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { linearScale } from "../lib/scales.js";
import { niceTicks } from "../lib/ticks.js";
import { formatValue } from "./math.js";

export class FlipChart extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the attribution view it is a panel of */
  constructor(view) {
    super(view, {
      prefix: "nbviz-attribution",
      part: "flip",
      title: "pixel flipping: class score as the top-ranked pixels are removed",
      canvasClass: "nbviz-attribution-flip",
    });
    this.legend = h("div", "nbviz-attribution-legend");
    this.el.append(this.legend);
    this.stage.style.height = "200px";
    this.drawnCurves = 0;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.fractions = null;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.scores = null;
    this.follow("flip_fractions flip_scores", () => {
      this.fractions = view.decode("flip_fractions", "float32", (s) => s.length === 1);
      this.scores = view.decode("flip_scores", "float32", (s) => s.length === 2);
    });
    view.on("flip_auc methods", () => this.redraw());
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const f = this.fractions;
    const s = this.scores;
    const ok = f && s && s.shape[1] === f.shape[0] && f.shape[0] > 1;
    this.setEmpty(ok ? "" : "No curves yet.");
    const ctx = this.begin(theme);
    this.drawnCurves = 0;
    if (!ctx || !ok || !f || !s) {
      this.legend.replaceChildren();
      return;
    }
    const [m, L] = s.shape;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s.data) {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!(hi > lo)) hi = lo + 1;
    const box = { left: 48, right: this.w - 10, top: 8, bottom: this.h - 22 };
    if (box.right <= box.left || box.bottom <= box.top) return;
    const x = linearScale([0, 1], [box.left, box.right]);
    const y = linearScale([lo, hi], [box.bottom, box.top]);
    drawAxes(
      ctx,
      theme,
      box,
      { ticks: niceTicks(0, 1, 5), map: x.map, label: (t) => `${Math.round(100 * t)}%` },
      { ticks: niceTicks(lo, hi, 4), map: y.map, label: formatValue },
    );
    ctx.lineWidth = 2;
    for (let i = 0; i < m; i++) {
      ctx.strokeStyle = categoricalColor(i);
      ctx.beginPath();
      for (let k = 0; k < L; k++) {
        const px = x.map(f.data[k]);
        const py = y.map(s.data[i * L + k]);
        if (k === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();
      this.drawnCurves++;
    }
    const methods = this.view.model.get("methods");
    const auc = this.view.model.get("flip_auc");
    this.legend.replaceChildren(
      ...Array.from({ length: m }, (_, i) => {
        const swatch = h("span", "nbviz-attribution-swatch");
        swatch.style.background = categoricalColor(i);
        const name = Array.isArray(methods) ? String(methods[i] ?? i).replaceAll("_", " ") : String(i);
        const area = Array.isArray(auc) ? ` (area ${formatValue(auc[i])})` : "";
        return h("span", "nbviz-attribution-key", {}, [swatch, textSpan(`${name}${area}`)]);
      }),
    );
    this.view.root.dataset.curves = String(this.drawnCurves);
  }
}
