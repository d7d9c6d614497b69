// A panel of an image stack laid out in blocks, one per chain group, each under its
// group's name: the chain grid and the top real images are both one. The images go
// into an offscreen RGBA atlas with one putImageData, then one scaled drawImage each.
import { makeCanvas, sizeOf } from "../lib/canvas.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { atlasOrigin, atlasShape, chainAt, fillAtlas, gridLayout, imageDims } from "./math.js";

const GRID_GAP = 6;
const GRID_PAD = 6;
const HEADER_H = 20;
/** Panel width used before the stage is laid out (happy-dom, hidden output). */
const FALLBACK_WIDTH = 640;

/** @typedef {{n: number, h: number, w: number, c: number}} ImageDims */
/** @typedef {ReturnType<typeof gridLayout>} BlockLayout */
/** @typedef {ReturnType<typeof import("./math.js").groupChains>} Blocks */

/** An offscreen RGBA atlas of an image stack, refilled with one putImageData per update. */
class Atlas {
  constructor() {
    /** @type {OffscreenCanvas|HTMLCanvasElement|null} */
    this.canvas = null;
    /** @type {CanvasRenderingContext2D|null} */
    this.ctx = null;
    /** @type {ImageData|null} */
    this.image = null;
    /** @type {ReturnType<typeof atlasShape>|null} */
    this.shape = null;
    /** @type {ImageDims|null} */
    this.dims = null;
  }

  /**
   * Fill the atlas from a decoded uint8 stack; its dims, or null when it is empty.
   * @param {import("../lib/codec.js").DecodedArray|null} arr
   */
  update(arr) {
    const dims = arr ? imageDims(arr.shape) : null;
    this.dims = arr && dims && dims.n > 0 && dims.h > 0 && dims.w > 0 ? dims : null;
    if (!arr || !this.dims) return null;
    const shape = atlasShape(this.dims.n, this.dims.w, this.dims.h);
    this.shape = shape;
    if (typeof ImageData !== "function") return this.dims;
    if (!this.image || this.image.width !== shape.width || this.image.height !== shape.height) {
      this.image = new ImageData(shape.width, shape.height);
      this.canvas = makeCanvas(shape.width, shape.height);
      this.ctx = this.canvas?.getContext
        ? /** @type {CanvasRenderingContext2D|null} */ (this.canvas.getContext("2d"))
        : null;
    }
    if (!this.ctx) return this.dims;
    fillAtlas(this.image.data, arr.data, this.dims, shape);
    this.ctx.putImageData(this.image, 0, 0);
    return this.dims;
  }

  ready() {
    return Boolean(this.ctx && this.dims);
  }
}

export class ImageBlocksPanel extends CanvasPanel {
  /**
   * @param {import("../lib/view.js").View} view  the LDAM viewer it is a panel of
   * @param {{part: string, title: string, canvasClass: string}} options
   */
  constructor(view, options) {
    super(view, { prefix: "nbviz-ldam-viewer", tooltip: true, ...options });
    this.atlas = new Atlas();
    this.headers = h("div", "nbviz-ldam-viewer-headers");
    this.headerKey = "";
    this.stage.appendChild(this.headers);
    /** @type {BlockLayout|null} */
    this.layout = null;
    /** @type {Blocks} */
    this.blocks = [];
  }

  /** Pixels per image pixel (the `image_scale` trait, 1..32). */
  get imageScale() {
    const s = Math.round(Number(this.view.model.get("image_scale")) || 3);
    return Math.max(1, Math.min(32, s));
  }

  /**
   * Lay `blocks` of images of `dims` out across the stage's width and size the stage to
   * fit; keeps the layout for hit tests.
   * @param {Blocks} blocks
   * @param {ImageDims|null} dims
   */
  layOut(blocks, dims) {
    this.blocks = blocks;
    if (!dims) {
      this.layout = null;
    } else {
      const scale = this.imageScale;
      const width = sizeOf(this.stage).w || FALLBACK_WIDTH;
      const cell = { cellW: dims.w * scale, cellH: dims.h * scale };
      this.layout = gridLayout(blocks, { width, ...cell, gap: GRID_GAP, pad: GRID_PAD, headerH: HEADER_H });
    }
    this.syncHeaders();
    return this.layout;
  }

  /** The group names above the blocks (DOM text, so names are never HTML). */
  syncHeaders() {
    const headers = this.layout ? this.layout.headers : [];
    const key = JSON.stringify(headers.map((hd) => [hd.name, hd.group, hd.hue, hd.x, hd.y]));
    if (key === this.headerKey) return;
    this.headerKey = key;
    this.headers.replaceChildren(
      ...headers.map((hd) => {
        const swatch = h("span", "nbviz-ldam-viewer-swatch");
        swatch.style.background = categoricalColor(hd.hue);
        const el = h("div", "nbviz-ldam-viewer-header", { "data-group": String(hd.hue) }, [swatch, textSpan(hd.name)]);
        el.title = hd.name;
        el.style.left = `${hd.x}px`;
        el.style.top = `${hd.y + 1}px`;
        return el;
      }),
    );
  }

  /**
   * Size the stage to the layout's height and clear the canvas: the context, or null.
   * @param {import("../lib/theme.js").Theme} theme
   * @param {number} emptyHeight  the stage's height without a layout
   */
  beginBlocks(theme, emptyHeight) {
    const height = this.layout ? Math.ceil(this.layout.height) : emptyHeight;
    if (this.stage.style.height !== `${height}px`) this.stage.style.height = `${height}px`;
    return this.begin(theme, sizeOf(this.stage).w, height);
  }

  /**
   * Draw every image of the atlas in its cell, framed; ring cell `hover`.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   * @param {number} hover
   */
  paintCells(ctx, theme, hover) {
    const layout = this.layout;
    const atlas = this.atlas;
    if (!layout) return;
    const ready = atlas.ready();
    ctx.imageSmoothingEnabled = false;
    ctx.lineWidth = 1;
    for (let i = 0; i < layout.cells.length; i++) {
      const c = layout.cells[i];
      if (!c) continue;
      if (ready && atlas.canvas && atlas.dims && atlas.shape) {
        const o = atlasOrigin(i, atlas.dims, atlas.shape);
        ctx.drawImage(atlas.canvas, o.x, o.y, atlas.dims.w, atlas.dims.h, c.x, c.y, c.w, c.h);
      }
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = theme.border;
      ctx.strokeRect(c.x - 0.5, c.y - 0.5, c.w + 1, c.h + 1);
      ctx.globalAlpha = 1;
    }
    const hc = hover >= 0 ? layout.cells[hover] : null;
    if (hc) {
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(hc.x - 2, hc.y - 2, hc.w + 4, hc.h + 4);
    }
  }

  /**
   * The image under a pointer event (-1 for none), and the pointer in stage px.
   * @param {{clientX: number, clientY: number}} e
   */
  imageAt(e) {
    const pt = this.localPoint(e);
    return { i: chainAt(this.layout, pt.x, pt.y), pt };
  }

  /**
   * The block (group and name) image `i` is in, or undefined.
   * @param {number} i
   */
  blockOf(i) {
    const cell = this.layout?.cells[i];
    return cell ? this.blocks.find((b) => b.group === cell.group) : undefined;
  }

  /**
   * Client px of the centre of image i, or null.
   * @param {number} i
   */
  imageCentre(i) {
    const c = this.layout?.cells[i];
    return c ? this.clientPoint(c.x + c.w / 2, c.y + c.h / 2) : null;
  }
}
