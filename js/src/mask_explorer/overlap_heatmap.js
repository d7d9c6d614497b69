// The overlap panel: a heatmap of mask overlaps (Jaccard) across rounds or pruning
// criteria, values written in cells large enough, names on the rows (and columns when
// they fit); hovering a cell names the pair and its overlap.
import { fitText } from "../lib/canvas.js";
import { CanvasPanel } from "../lib/panel.js";
import { asStrings, heatmapCellAt, heatmapCells } from "./math.js";
import { PANEL } from "./panel.js";

/** Smallest heatmap cell (CSS px) that gets its value written in it. */
const MIN_VALUE_CELL = 30;

export class OverlapHeatmap extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the mask explorer it is a panel of */
  constructor(view) {
    super(view, {
      ...PANEL,
      part: "overlap",
      title: "Mask overlap (Jaccard)",
      canvasClass: "nbviz-mask-explorer-overlap",
    });
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.overlap = null;
    /** @type {ReturnType<typeof heatmapCells>|null} */
    this.cells = null;
    this.follow("overlap", () => this.read());
    view.on("overlap_labels", () => this.redraw());
    this.onStage({ pointermove: (e) => this.onMove(e), pointerleave: () => this.tooltip?.hide() });
  }

  read() {
    this.overlap = this.view.decode("overlap", "float32", (s) => s.length === 2 && s[0] === s[1]);
  }

  get labels() {
    return asStrings(this.view.model.get("overlap_labels"));
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const ov = this.overlap;
    const k = ov ? ov.shape[0] : 0;
    this.setEmpty(k > 0 ? "" : "No overlaps yet (they need two masks).");
    this.cells = null;
    const ctx = this.begin(theme);
    if (!ov || !(k > 0) || !(this.w > 0 && this.h > 0)) return;
    const labels = this.labels;
    const label = (/** @type {number} */ i) => labels[i] ?? String(i);
    let labelW = 24;
    if (ctx) for (let i = 0; i < k; i++) labelW = Math.max(labelW, ctx.measureText(label(i)).width + 8);
    labelW = Math.min(labelW, this.w * 0.3);
    const cells = heatmapCells(k, { x: labelW, y: 6, width: this.w - labelW - 6, height: this.h - 6 - 18 });
    this.cells = cells;
    if (!ctx) return;
    const s = cells.size;
    const showValues = s >= MIN_VALUE_CELL;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) {
        const v = ov.data[r * k + c];
        const cx = cells.x + c * s;
        const cy = cells.y + r * s;
        if (Number.isFinite(v)) {
          ctx.globalAlpha = Math.min(1, Math.max(0, v));
          ctx.fillStyle = theme.accent;
          ctx.fillRect(cx, cy, s, s);
          ctx.globalAlpha = 1;
        }
        if (showValues) {
          ctx.fillStyle = v > 0.55 ? "#ffffff" : theme.text;
          ctx.fillText(Number.isFinite(v) ? v.toFixed(2) : "–", cx + s / 2, cy + s / 2);
        }
      }
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(cells.x + 0.5, cells.y + 0.5, s * k, s * k);
    // Labels: rows on the left, columns below when they fit.
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "right";
    if (s >= 9)
      for (let i = 0; i < k; i++)
        ctx.fillText(fitText(ctx, label(i), labelW - 6), cells.x - 4, cells.y + (i + 0.5) * s);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    if (s >= 18)
      for (let i = 0; i < k; i++)
        ctx.fillText(fitText(ctx, label(i), s - 2), cells.x + (i + 0.5) * s, cells.y + k * s + 3);
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const tip = this.tooltip;
    const pt = this.localPoint(e);
    const ov = this.overlap;
    const cell = ov && this.cells ? heatmapCellAt(this.cells, pt.x, pt.y) : null;
    if (!ov || !cell) {
      tip?.hide();
      return;
    }
    const [r, c] = cell;
    const k = ov.shape[0];
    const labels = this.labels;
    const v = ov.data[r * k + c];
    tip?.show(`${labels[r] ?? r} × ${labels[c] ?? c}: ${Number.isFinite(v) ? v.toFixed(3) : "–"}`, pt.x, pt.y);
  }
}
