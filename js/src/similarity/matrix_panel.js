// The matrix panel: the layer × layer similarity at the checkpoint shown, on viridis with
// its colour bar, layer names on the rows (left) and columns (below), values written in
// cells large enough. Hovering a cell names its pair and value; a click picks the pair
// (writes `pair`, whose tour Python builds); the picked cell is outlined.
import { fitText } from "../lib/canvas.js";
import { textSpan } from "../lib/dom.js";
import { CanvasPanel } from "../lib/panel.js";
import {
  anyFinite,
  asStrings,
  cellAt,
  cellCenter,
  css,
  formatValue,
  lightText,
  matrixAt,
  matrixLayout,
  viridis,
} from "./math.js";

/** Smallest cell (CSS px) that gets its value written in it. */
const MIN_VALUE_CELL = 34;
/** Width of the colour bar with its tick labels (CSS px). */
const LEGEND_W = 58;

/** @typedef {ReturnType<typeof matrixLayout>} Layout */

export class MatrixPanel extends CanvasPanel {
  /** @param {import("./index.js").SimilarityViewView} view */
  constructor(view) {
    super(view, {
      prefix: "nbviz-similarity",
      part: "matrix",
      title: "Layer × layer similarity",
      canvasClass: "nbviz-similarity-matrix",
      tooltip: true,
    });
    this.owner = view;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.matrices = null;
    /** @type {Layout|null} */
    this.layout = null;
    /** @type {[number, number]|null} */
    this.hover = null;
    this.draws = 0;
    this.subtitle = textSpan("", "nbviz-similarity-subtitle");
    this.head.appendChild(this.subtitle);
    this.stage.setAttribute("aria-label", "similarity matrix: hover a cell for its value, click it to tour the pair");
    this.follow("matrices", () => this.read());
    view.on("layers other_layers other_network method pair", () => this.redraw());
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.onLeave(),
      click: (e) => this.onClick(e),
    });
  }

  read() {
    this.matrices = this.view.decode("matrices", "float32", (s) => s.length === 3);
  }

  get rows() {
    return asStrings(this.view.model.get("layers"));
  }

  get cols() {
    return asStrings(this.view.model.get("other_layers"));
  }

  /** The selected pair [row, column], or null. */
  get pair() {
    const p = this.view.model.get("pair");
    return Array.isArray(p) && p.length === 2 ? /** @type {[number, number]} */ (p.map(Number)) : null;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const c = this.owner.shown;
    const m = matrixAt(this.matrices, c);
    const rows = this.rows;
    const cols = this.cols;
    const fits = m && m.rows === rows.length && m.cols === cols.length;
    const method = String(this.view.model.get("method") ?? "");
    const label = this.owner.checkpointName(c);
    const two = Boolean(this.view.model.get("other_network"));
    this.subtitle.textContent = `${method}${label ? ` · ${label}` : ""}${two ? " · rows: model, columns: other network" : ""}`;
    const ready = Boolean(fits && anyFinite(m.values));
    this.setEmpty(!fits ? "No similarities yet." : ready ? "" : `Computing ${label || "this checkpoint"}…`);
    this.layout = null;
    const ctx = this.begin(theme);
    this.draws++;
    this.view.root.dataset.matrixDraws = String(this.draws);
    if (!ctx || !ready) return;

    // Room for the row names (left), the column names (below) and the colour bar (right).
    let rowW = 0;
    for (const r of rows) rowW = Math.max(rowW, ctx.measureText(r).width);
    let colW = 0;
    for (const s of cols) colW = Math.max(colW, ctx.measureText(s).width);
    const left = Math.min(Math.ceil(rowW) + 10, this.w * 0.3);
    const avail = { width: this.w - left - LEGEND_W - 8, height: this.h - 8 };
    const guess = Math.min(avail.width / cols.length, avail.height / rows.length);
    const slanted = colW + 4 > guess;
    const bottom = Math.min(slanted ? colW * 0.71 + 12 : 18, this.h * 0.4);
    const layout = matrixLayout(rows.length, cols.length, {
      x: left,
      y: 6,
      width: avail.width,
      height: this.h - 6 - bottom,
    });
    this.layout = layout;
    const s = layout.cell;
    if (!(s > 0)) return;

    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const showValues = s >= MIN_VALUE_CELL;
    for (let i = 0; i < layout.rows; i++) {
      for (let j = 0; j < layout.cols; j++) {
        const v = m.values[i * layout.cols + j];
        const x = layout.x + j * s;
        const y = layout.y + i * s;
        const rgb = viridis(v);
        ctx.fillStyle = rgb ? css(rgb) : theme.panel;
        ctx.fillRect(x, y, s, s);
        if (showValues) {
          ctx.fillStyle = lightText(v) ? "#ffffff" : "#1b1b1b";
          const text = s >= 44 || !Number.isFinite(v) ? formatValue(v) : v.toFixed(2);
          ctx.fillText(text, x + s / 2, y + s / 2);
        }
      }
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(layout.x + 0.5, layout.y + 0.5, s * layout.cols - 1, s * layout.rows - 1);
    this.outline(ctx, this.hover, theme.text, 1);
    this.outline(ctx, this.pair, "#e15759", 3);

    // Row names, right-aligned against the matrix; column names below, slanted if long.
    ctx.fillStyle = theme.text;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i < layout.rows; i++) {
      ctx.fillText(fitText(ctx, rows[i], left - 8), layout.x - 5, layout.y + (i + 0.5) * s);
    }
    const top = layout.y + layout.rows * s + 4;
    for (let j = 0; j < layout.cols; j++) {
      const x = layout.x + (j + 0.5) * s;
      if (slanted) {
        ctx.save();
        ctx.translate(x + 3, top);
        ctx.rotate(-Math.PI / 4);
        ctx.textAlign = "right";
        ctx.textBaseline = "middle";
        ctx.fillText(fitText(ctx, cols[j], (bottom - 8) / 0.71), 0, 0);
        ctx.restore();
      } else {
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        ctx.fillText(cols[j], x, top);
      }
    }
    this.colourBar(ctx, theme, layout.x + layout.cols * s + 14, layout.y, Math.min(layout.rows * s, 220), method);
  }

  /**
   * Outline cell `cell` ([row, column]) in `colour`, `width` px.
   * @param {CanvasRenderingContext2D} ctx
   * @param {[number, number]|null} cell
   * @param {string} colour
   * @param {number} width
   */
  outline(ctx, cell, colour, width) {
    const L = this.layout;
    if (!cell || !L || cell[0] >= L.rows || cell[1] >= L.cols) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    const inset = width / 2;
    ctx.strokeRect(L.x + cell[1] * L.cell + inset, L.y + cell[0] * L.cell + inset, L.cell - width, L.cell - width);
  }

  /**
   * The colour bar: viridis from 0 (bottom) to 1 (top), ticks at 0, 0.5 and 1.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   * @param {number} x
   * @param {number} y
   * @param {number} height
   * @param {string} method
   */
  colourBar(ctx, theme, x, y, height, method) {
    if (!(height > 24) || x + LEGEND_W > this.w + 8) return;
    const w = 10;
    const steps = 48;
    for (let k = 0; k < steps; k++) {
      const rgb = viridis(1 - (k + 0.5) / steps);
      ctx.fillStyle = css(rgb ?? [0, 0, 0]);
      ctx.fillRect(x, y + (k * height) / steps, w, height / steps + 0.5);
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, height - 1);
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const t of [0, 0.5, 1]) ctx.fillText(String(t), x + w + 4, y + (1 - t) * height);
    ctx.save();
    ctx.translate(x + w + 30, y + height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(fitText(ctx, method, height), 0, 0);
    ctx.restore();
  }

  /**
   * Client px of the centre of cell (i, j), or null when it is not drawn.
   * @param {number} i
   * @param {number} j
   */
  cellPosition(i, j) {
    const p = cellCenter(this.layout, i, j);
    return p ? this.clientPoint(p.x, p.y) : null;
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const cell = cellAt(this.layout, pt.x, pt.y);
    const same = cell && this.hover && cell[0] === this.hover[0] && cell[1] === this.hover[1];
    if (!same && (cell || this.hover)) {
      this.hover = cell;
      this.stage.style.cursor = cell ? "pointer" : "";
      this.redraw();
    }
    const m = matrixAt(this.matrices, this.owner.shown);
    if (!cell || !m) {
      this.tooltip?.hide();
      return;
    }
    const [i, j] = cell;
    const v = m.values[i * m.cols + j];
    const text = `${this.rows[i]} × ${this.cols[j]}: ${formatValue(v)}`;
    this.tooltip?.show(text, pt.x, pt.y);
    this.view.root.dataset.hover = text;
  }

  onLeave() {
    this.tooltip?.hide();
    if (this.hover) {
      this.hover = null;
      this.stage.style.cursor = "";
      this.redraw();
    }
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const pt = this.localPoint(e);
    const cell = cellAt(this.layout, pt.x, pt.y);
    if (cell) this.owner.pick(cell[0], cell[1]);
  }
}
