// The mask panel: the selected round and layer's mask (0 pruned, 255 kept) drawn in the
// theme's text colour, as one image or a mosaic of tiles (one per unit); hovering names
// the pixel, or the unit and the fraction of it kept.

import { makeCanvas } from "../lib/canvas.js";
import { h } from "../lib/dom.js";
import { CanvasPanel } from "../lib/panel.js";
import { fitRect, formatPercent, parseTiles, tileAt, tileKeptFraction, tileOrigin } from "./math.js";
import { PANEL } from "./panel.js";

export class MaskMosaic extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the mask explorer it is a panel of */
  constructor(view) {
    super(view, { ...PANEL, part: "mask", title: "Mask", canvasClass: "nbviz-mask-explorer-mask" });
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.mask = null;
    /** @type {ReturnType<typeof parseTiles>} */
    this.tiles = null;
    /** @type {{canvas: OffscreenCanvas|HTMLCanvasElement, color: string}|null} */
    this.tint = null; // the mask in the theme's text colour, transparent where pruned
    /** @type {{x: number, y: number, width: number, height: number, scale: number}|null} */
    this.rect = null;
    this.hoverTile = -1;
    this.captionEl = h("span", "nbviz-mask-explorer-caption");
    this.head.appendChild(this.captionEl);

    this.follow("mask_image mask_tiles", () => this.read());
    view.on("mask_caption", () => this.syncCaption());
    this.onStage({ pointermove: (e) => this.onMove(e), pointerleave: () => this.onLeave() });
  }

  read() {
    this.mask = this.view.decode("mask_image", "uint8", (s) => s.length === 2);
    const mask = this.mask;
    this.tiles = mask ? parseTiles(this.view.model.get("mask_tiles"), mask.shape[0], mask.shape[1]) : null;
    this.tint = null;
    this.hoverTile = -1;
    this.tooltip?.hide();
    this.syncCaption();
  }

  syncCaption() {
    const caption = String(this.view.model.get("mask_caption") ?? "");
    this.captionEl.textContent = caption;
    this.captionEl.title = caption;
  }

  /**
   * The mask in `color` (alpha = pixel value), built once per mask and colour.
   * @param {string} color
   */
  tinted(color) {
    if (this.tint && this.tint.color === color) return this.tint.canvas;
    this.tint = null;
    const mask = this.mask;
    if (!mask || typeof ImageData !== "function") return null;
    const [H, W] = mask.shape;
    const canvas = H > 0 && W > 0 ? makeCanvas(W, H) : null;
    const ctx = canvas?.getContext ? /** @type {CanvasRenderingContext2D|null} */ (canvas.getContext("2d")) : null;
    if (!canvas || !ctx) return null;
    const rgba = new Uint8ClampedArray(W * H * 4);
    const src = mask.data;
    for (let i = 0; i < src.length; i++) rgba[4 * i + 3] = src[i];
    ctx.putImageData(new ImageData(rgba, W, H), 0, 0);
    ctx.globalCompositeOperation = "source-in";
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, W, H);
    this.tint = { canvas, color };
    return canvas;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const mask = this.mask;
    this.setEmpty(mask ? "" : "Select a round in the accuracy plot to see its mask.");
    this.rect = null;
    const ctx = this.begin(theme);
    if (!mask || !(this.w > 0 && this.h > 0)) return;
    const [H, W] = mask.shape;
    const r = fitRect(W, H, this.w - 8, this.h - 8);
    r.x += 4;
    r.y += 4;
    this.rect = r;
    if (!ctx) return;
    const tint = this.tinted(theme.text);
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(r.x - 0.5, r.y - 0.5, r.width + 1, r.height + 1);
    if (tint) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tint, r.x, r.y, r.width, r.height);
    }
    const o = this.hoverTile >= 0 ? tileOrigin(this.tiles, this.hoverTile) : null;
    if (o && this.tiles) {
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(
        r.x + o.x * r.scale - 1,
        r.y + o.y * r.scale - 1,
        this.tiles.tw * r.scale + 2,
        this.tiles.th * r.scale + 2,
      );
    }
  }

  /**
   * Client px of the centre of mosaic tile k, or null.
   * @param {number} k
   */
  tilePosition(k) {
    const r = this.rect;
    const o = tileOrigin(this.tiles, k);
    if (!r || !o || !this.tiles) return null;
    return this.clientPoint(r.x + (o.x + this.tiles.tw / 2) * r.scale, r.y + (o.y + this.tiles.th / 2) * r.scale);
  }

  /**
   * The mask pixel under a pointer (px, py: -1 when outside the mask), or null.
   * @param {PointerEvent} e
   */
  pixelAt(e) {
    const r = this.rect;
    if (!r || !this.mask || !(r.scale > 0)) return null;
    const pt = this.localPoint(e);
    const px = (pt.x - r.x) / r.scale;
    const py = (pt.y - r.y) / r.scale;
    const [H, W] = this.mask.shape;
    if (px < 0 || py < 0 || px >= W || py >= H) return { pt, px: -1, py: -1 };
    return { pt, px, py };
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const hit = this.pixelAt(e);
    const tip = this.tooltip;
    const mask = this.mask;
    let k = -1;
    if (hit && hit.px >= 0 && mask && tip) {
      const W = mask.shape[1];
      if (this.tiles) {
        k = tileAt(this.tiles, hit.px, hit.py);
        if (k >= 0)
          tip.show(
            `unit ${k}: ${formatPercent(tileKeptFraction(mask.data, W, this.tiles, k))} kept`,
            hit.pt.x,
            hit.pt.y,
          );
        else tip.hide();
      } else {
        const row = Math.floor(hit.py);
        const col = Math.floor(hit.px);
        tip.show(`[${row}, ${col}] ${mask.data[row * W + col] > 0 ? "kept" : "pruned"}`, hit.pt.x, hit.pt.y);
      }
    } else {
      tip?.hide();
    }
    if (k !== this.hoverTile) {
      this.hoverTile = k;
      this.redraw();
    }
  }

  onLeave() {
    this.tooltip?.hide();
    if (this.hoverTile !== -1) {
      this.hoverTile = -1;
      this.redraw();
    }
  }
}
