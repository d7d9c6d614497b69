// The grid panel: the images in the first row, then one row of heatmaps per method, each
// on the diverging scale of math.js (its largest magnitude at full colour). Row labels
// name the methods, column heads the class explained; hovering a cell names the method,
// the image and the value under the pointer.
import { fitText, makeCanvas } from "../lib/canvas.js";
import { CanvasPanel } from "../lib/panel.js";
import { imageToRGBA } from "../lib/pixels.js";
import { cellAt, fillHeatmap, formatValue, gridLayout } from "./math.js";

export class HeatGrid extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the attribution view it is a panel of */
  constructor(view) {
    super(view, {
      prefix: "nbviz-attribution",
      part: "grid",
      title: "attributions",
      canvasClass: "nbviz-attribution-grid",
      tooltip: true,
    });
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.images = null;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.heat = null;
    /** @type {ReturnType<typeof gridLayout>|null} */
    this.layout = null;
    this.drawnRows = [];
    this.follow("images", () => {
      this.images = view.decode("images", "uint8", (s) => s.length === 4);
    });
    this.follow("heatmaps", () => {
      this.heat = view.decode("heatmaps", "float32", (s) => s.length === 4);
    });
    view.on("methods targets class_names image_scale heat_scale captions", () => this.redraw());
    this.onStage({ pointermove: (e) => this.onMove(e), pointerleave: () => this.tooltip?.hide() });
  }

  get methods() {
    const m = this.view.model.get("methods");
    return Array.isArray(m) ? m.map(String) : [];
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const img = this.images;
    const [n, H, W, C] = img ? img.shape : [0, 0, 0, 1];
    const heat = this.heat && this.heat.shape[1] === n && this.heat.shape[2] === H ? this.heat : null;
    const methods = this.methods;
    const rows = heat ? Math.min(methods.length, heat.shape[0]) : 0;
    const scale = Math.max(1, Math.min(32, Math.round(Number(this.view.model.get("image_scale")) || 4)));
    // room for the longest row label (11 px font: about 6.5 px a character)
    const longest = Math.max(5, ...methods.map((m) => m.length));
    this.layout = n > 0 ? gridLayout(rows, n, H, W, scale, { labelW: Math.ceil(16 + 6.5 * longest) }) : null;
    const height = this.layout ? Math.ceil(this.layout.height) : 48;
    if (this.stage.style.height !== `${height}px`) this.stage.style.height = `${height}px`;
    this.setEmpty(n > 0 ? (heat ? "" : "Computing the heatmaps…") : "No images.");
    const ctx = this.begin(theme, Math.max(this.layout ? this.layout.width : 0, 200), height);
    this.drawnRows = [];
    if (!ctx || !this.layout || !img) return;
    const L = this.layout;
    const scratch = makeCanvas(W, H);
    const sctx = scratch ? /** @type {CanvasRenderingContext2D} */ (scratch.getContext("2d")) : null;
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = theme.text;
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    const blit = (/** @type {Uint8ClampedArray} */ rgba, /** @type {number} */ row, /** @type {number} */ col) => {
      const cell = L.cell(row, col);
      if (sctx && typeof ImageData === "function") {
        sctx.putImageData(new ImageData(/** @type {Uint8ClampedArray<ArrayBuffer>} */ (rgba), W, H), 0, 0);
        ctx.drawImage(/** @type {CanvasImageSource} */ (scratch), cell.x, cell.y, cell.w, cell.h);
      }
      ctx.strokeStyle = theme.border;
      ctx.strokeRect(cell.x - 0.5, cell.y - 0.5, cell.w + 1, cell.h + 1);
    };
    const shape = { height: H, width: W, channels: C };
    for (let j = 0; j < n; j++) blit(imageToRGBA(img.data, shape, j), 0, j);
    ctx.fillText("image", L.labelW - 8, L.cell(0, 0).y + L.ch / 2);
    const rgba = new Uint8ClampedArray(H * W * 4);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < n; j++)
        blit(fillHeatmap(rgba, /** @type {Float32Array} */ (heat?.data), i * n + j, H, W), i + 1, j);
      ctx.fillStyle = theme.text;
      ctx.fillText(methods[i].replaceAll("_", " "), L.labelW - 8, L.cell(i + 1, 0).y + L.ch / 2);
      this.drawnRows.push(methods[i]);
    }
    const targets = this.view.decode("targets", "int32", (s) => s.length === 1 && s[0] === n);
    const names = this.view.model.get("class_names");
    if (targets && Array.isArray(names)) {
      ctx.textAlign = "center";
      ctx.fillStyle = theme.textMuted;
      for (let j = 0; j < n; j++) {
        const name = names[targets.data[j]] ?? String(targets.data[j]);
        const c = L.cell(0, j);
        ctx.fillText(fitText(ctx, String(name), L.cw + L.gap - 2), c.x + c.w / 2, L.headerH / 2);
      }
    }
    this.view.root.dataset.rows = String(rows);
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const hit = cellAt(this.layout, pt.x, pt.y);
    if (!hit) {
      this.tooltip?.hide();
      return;
    }
    const captions = this.view.model.get("captions");
    const caption = Array.isArray(captions) && hit.col < captions.length ? String(captions[hit.col]) : "";
    let text = `image ${hit.col}${caption ? ` · ${caption}` : ""}`;
    const heat = this.heat;
    if (hit.row > 0 && heat) {
      const [, n, H, W] = heat.shape;
      const i = hit.row - 1;
      const scale = this.view.decode("heat_scale", "float32", (s) => s.length === 2);
      const k = i * n + hit.col;
      const v = heat.data[k * H * W + Math.min(H - 1, hit.py) * W + Math.min(W - 1, hit.px)];
      const mag = scale ? scale.data[k] : 1;
      text = `${this.methods[i]} · ${text} · value ${formatValue(v * mag)}`;
    }
    this.tooltip?.show(text, pt.x, pt.y);
  }

  /**
   * Client px of the centre of cell (row, col), or null.
   * @param {number} row
   * @param {number} col
   */
  cellCentre(row, col) {
    if (!this.layout || row < 0 || row >= this.layout.rows || col < 0 || col >= this.layout.cols) return null;
    const c = this.layout.cell(row, col);
    return this.clientPoint(c.x + c.w / 2, c.y + c.h / 2);
  }
}
