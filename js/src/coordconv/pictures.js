// The pictures of the CoordConv view: for a few held-out positions (columns), the true
// image on top and each run's latest prediction under it (the sigmoid per pixel when
// rendering squares; the softmax over the canvas, scaled to a peak of 1, when lighting
// one pixel). Hover a picture for its position and run.
import { makeCanvas } from "../lib/canvas.js";
import { gridLayout } from "../lib/labelled_grid.js";
import { CanvasPanel } from "../lib/panel.js";
import { imageToRGBA } from "../lib/pixels.js";

const HEADER_H = 16;
const GAP = 4;

export class PicturePanel extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view */
  constructor(view) {
    super(view, {
      prefix: "nbviz-coordconv",
      part: "pictures",
      title: "Held-out positions: true and predicted",
      canvasClass: "nbviz-coordconv-pictures",
      tooltip: true,
    });
    /** @type {ReturnType<typeof gridLayout>|null} */
    this.layout = null;
    /** @type {string[]} */
    this.rowsDrawn = [];
    this.follow("names positions truth predictions height", () => this.read());
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.tooltip?.hide(),
    });
  }

  read() {
    const m = this.view.model;
    this.names = Array.isArray(m.get("names")) ? m.get("names").map(String) : [];
    this.positions = Array.isArray(m.get("positions")) ? m.get("positions") : [];
    const k = this.positions.length;
    this.truth = this.view.decode("truth", "uint8", (s) => s.length === 3 && s[0] === k);
    const [, H, W] = this.truth ? this.truth.shape : [0, 0, 0];
    this.predictions = this.view.decode(
      "predictions",
      "uint8",
      (s) => s.length === 4 && s[0] === this.names.length && s[1] === k && s[2] === H && s[3] === W,
    );
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    this.rowsDrawn = [];
    const k = this.truth ? this.truth.shape[0] : 0;
    const [, H, W] = this.truth ? this.truth.shape : [0, 1, 1];
    const rows = 1 + this.names.length;
    const height = Math.max(120, Number(this.view.model.get("height")) || 240);
    // the largest scale at which every row fits the chart's height (at least 1 px a pixel)
    const scale = Math.max(1, Math.min(3, (height - HEADER_H) / rows / H - GAP / H));
    const longest = Math.max(4, ...this.names.map((n) => n.length));
    this.layout = k
      ? gridLayout(rows - 1, k, H, W, scale, { labelW: Math.ceil(14 + 6.5 * longest), headerH: HEADER_H, gap: GAP })
      : null;
    this.setEmpty(k ? "" : "The held-out pictures come with the first evaluation.");
    const width = this.layout ? Math.ceil(this.layout.width) : 200;
    // The stage takes the grid's width, so that the row wraps the panel under the chart
    // when both do not fit side by side (rather than cutting the pictures off).
    if (this.stage.style.width !== `${width}px`) this.stage.style.width = `${width}px`;
    const ctx = this.begin(theme, width, height);
    this.view.root.dataset.picturesDrawn = "0";
    if (!ctx || !this.layout || !this.truth) return;
    const L = this.layout;
    const scratch = makeCanvas(W, H);
    const sctx = scratch ? /** @type {CanvasRenderingContext2D} */ (scratch.getContext("2d")) : null;
    ctx.imageSmoothingEnabled = false;
    const shape = { height: H, width: W, channels: 1 };
    let drawn = 0;
    const blit = (
      /** @type {ArrayLike<number>} */ src,
      /** @type {number} */ index,
      /** @type {number} */ row,
      /** @type {number} */ col,
    ) => {
      const cell = L.cell(row, col);
      if (sctx && typeof ImageData === "function") {
        sctx.putImageData(new ImageData(imageToRGBA(src, shape, index), W, H), 0, 0);
        ctx.drawImage(/** @type {CanvasImageSource} */ (scratch), cell.x, cell.y, cell.w, cell.h);
      }
      ctx.strokeStyle = theme.border;
      ctx.strokeRect(cell.x - 0.5, cell.y - 0.5, cell.w + 1, cell.h + 1);
      drawn++;
    };
    const label = (/** @type {string} */ text, /** @type {number} */ row) => {
      ctx.fillStyle = theme.text;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(text, L.labelW - 6, L.cell(row, 0).y + L.ch / 2);
      this.rowsDrawn.push(text);
    };
    for (let j = 0; j < k; j++) blit(this.truth.data, j, 0, j);
    label("true", 0);
    if (this.predictions) {
      this.names.forEach((name, i) => {
        for (let j = 0; j < k; j++) blit(this.predictions.data, i * k + j, i + 1, j);
        label(name, i + 1);
      });
    }
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (let j = 0; j < k; j++) {
      const [r, c] = this.positions[j];
      const cell = L.cell(0, j);
      ctx.fillText(`(${r}, ${c})`, cell.x + cell.w / 2, L.headerH - 3);
    }
    this.view.root.dataset.picturesDrawn = String(drawn);
  }

  /**
   * Client px of the centre of the picture at (`row`, `col`), row 0 the true images.
   * @param {number} row
   * @param {number} col
   */
  cellCenter(row, col) {
    if (!this.layout) return null;
    const c = this.layout.cell(row, col);
    return this.clientPoint(c.x + c.w / 2, c.y + c.h / 2);
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const L = this.layout;
    const pt = this.localPoint(e);
    if (!L) return;
    const col = Math.floor((pt.x - L.labelW) / (L.cw + L.gap));
    const row = Math.floor((pt.y - L.headerH) / (L.ch + L.gap));
    const inCell = col >= 0 && col < L.cols && row >= 0 && row < L.rows;
    const cell = inCell ? L.cell(row, col) : null;
    if (!cell || pt.x > cell.x + cell.w || pt.y > cell.y + cell.h) {
      this.tooltip?.hide();
      return;
    }
    const [r, c] = this.positions[col];
    const who = row === 0 ? "true image" : `${this.names[row - 1]}'s prediction`;
    this.tooltip?.show(`square at (row ${r}, column ${c}), held out: ${who}`, pt.x, pt.y);
  }
}
