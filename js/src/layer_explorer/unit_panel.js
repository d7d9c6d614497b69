// The unit panel: the chosen unit's feature map as a heat overlay on the input (conv
// units), its guided backprop and deconvolution pictures, and its top images over the
// data as a 3×3 grid of receptive-field crops, each with its value and class; the "LDAM
// chains" button asks Python to open the unit's LDAM chains.
import { fitText, makeCanvas, sizeOf } from "../lib/canvas.js";
import { button, h, textSpan } from "../lib/dom.js";
import { OPEN_CHAINS } from "../lib/messages.js";
import { CanvasPanel } from "../lib/panel.js";
import { writeImageRGBA } from "../lib/pixels.js";
import { channelsToRGBA, cropRect, fillOverlay, fillPicture, fitInto, formatValue, topLabel } from "./math.js";

const PAD = 6;
const GAP = 8;
const LABEL_H = 16;
/** Panel width used before the stage is laid out (happy-dom, hidden output). */
const FALLBACK_WIDTH = 300;
/** The top images are shown as a grid this many cells across (and at most this many down). */
const TOP_COLS = 3;

/**
 * @typedef {Object} Scratch  an offscreen canvas and the ImageData put into it
 * @property {OffscreenCanvas|HTMLCanvasElement} canvas
 * @property {CanvasRenderingContext2D} ctx
 * @property {ImageData} image
 */

/** @typedef {{x: number, y: number, w: number, h: number, i: number}} TopCell */

/** The unit panel: the chosen unit's map, pictures and top images, and its chains button. */
export class UnitPanel extends CanvasPanel {
  /**
   * @param {import("../lib/view.js").View} view  the layer explorer it is a panel of
   * @param {{input: () => {buf: Float32Array, H: number, W: number, C: number},
   *   labelOf: (layer: string, unit: number) => string}} options  the input now; a unit's
   *   class name ("" for none)
   */
  constructor(view, { input, labelOf }) {
    super(view, {
      prefix: "nbviz-layer-explorer",
      part: "unit",
      title: "unit",
      canvasClass: "nbviz-layer-explorer-unit",
      tooltip: true,
    });
    this.input = input;
    this.labelOf = labelOf;
    this.titleEl = /** @type {HTMLElement} */ (this.head.firstElementChild);
    this.valueEl = textSpan("", "nbviz-layer-explorer-value");
    this.chainsButton = button("nbviz-layer-explorer-chains", "LDAM chains", {
      title: "open this unit's LDAM chains (activation maximization under a prior)",
    });
    this.head.append(this.valueEl, this.chainsButton);
    view.listen(this.chainsButton, "click", () => {
      if (this.chosen) view.model.send({ type: OPEN_CHAINS });
    });
    this.errorEl = h("div", "nbviz-layer-explorer-error", { role: "status" });
    this.topNoteEl = h("div", "nbviz-layer-explorer-note");
    this.el.append(this.errorEl, this.topNoteEl);
    /** @type {Map<string, Scratch>} */
    this.scratches = new Map();
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.top = null;
    this.topFilled = false;
    /** @type {TopCell[]} */
    this.topCells = [];
    this.pictures = 0;

    this.follow("layer unit unit_value layers", () => this.syncHead());
    this.follow("top_images", () => {
      this.top = view.decode("top_images", "uint8", (s) => s.length === 4 && s[3] >= 1 && s[3] <= 4);
      this.topFilled = false;
    });
    view.on(
      "unit_map unit_pictures unit_picture_names unit_error top_boxes top_values top_captions top_for top_note",
      () => this.redraw(),
    );
    this.onStage({ pointermove: (e) => this.onMove(e), pointerleave: () => this.tooltip?.hide() });
  }

  /** The chosen unit as "layer:unit", or "" when none is. */
  get chosen() {
    const layer = String(this.view.model.get("layer") ?? "");
    const unit = Number(this.view.model.get("unit"));
    return layer && Number.isInteger(unit) && unit >= 0 ? `${layer}:${unit}` : "";
  }

  syncHead() {
    const model = this.view.model;
    const layer = String(model.get("layer") ?? "");
    const unit = Number(model.get("unit"));
    const chosen = this.chosen;
    const label = chosen ? this.labelOf(layer, unit) : "";
    this.titleEl.textContent = chosen ? `${layer} · unit ${unit}${label ? ` (${label})` : ""}` : "unit";
    const value = Number(model.get("unit_value"));
    this.valueEl.textContent = chosen && Number.isFinite(value) ? `value ${formatValue(value)}` : "";
    this.chainsButton.disabled = !chosen;
  }

  /**
   * An offscreen canvas of w×h pixels with an ImageData to put, kept per `name`.
   * @param {string} name
   * @param {number} w
   * @param {number} hgt
   * @returns {Scratch|null}
   */
  scratch(name, w, hgt) {
    const old = this.scratches.get(name);
    if (old && old.image.width === w && old.image.height === hgt) return old;
    if (typeof ImageData !== "function" || !(w > 0 && hgt > 0)) return null;
    const canvas = makeCanvas(w, hgt);
    const ctx = canvas?.getContext ? /** @type {CanvasRenderingContext2D|null} */ (canvas.getContext("2d")) : null;
    if (!canvas || !ctx) return null;
    const s = { canvas, ctx, image: new ImageData(w, hgt) };
    this.scratches.set(name, s);
    return s;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const model = this.view.model;
    const chosen = this.chosen;
    this.pictures = 0;
    this.topCells = [];
    this.setEmpty(chosen ? "" : "Click a unit in a layer to see it.");
    const error = chosen ? String(model.get("unit_error") ?? "") : "";
    this.errorEl.textContent = error;
    this.errorEl.hidden = !error;
    const width = sizeOf(this.stage).w || FALLBACK_WIDTH;
    const cell = Math.max(48, Math.min(128, Math.floor((width - 2 * PAD - (TOP_COLS - 1) * GAP) / TOP_COLS)));
    if (!chosen) {
      this.topNoteEl.hidden = true;
      this.size(60);
      this.begin(theme, width, 60);
      return;
    }
    const map = this.view.decode("unit_map", "float32", (s) => s.length === 2);
    const hasMap = Boolean(map && map.shape[0] > 0 && map.shape[1] > 0);
    const pics = error ? null : this.view.decode("unit_pictures", "float32", (s) => s.length === 4);
    const nPics = pics ? Math.min(2, pics.shape[0]) : 0;
    const figures = (hasMap ? 1 : 0) + nPics;
    const top = this.topToShow();
    const topRows = top ? Math.ceil(Math.min(top.n, TOP_COLS * TOP_COLS) / TOP_COLS) : 0;
    const figuresH = figures ? cell + LABEL_H + GAP : 0;
    const topY = PAD + figuresH;
    const height = Math.max(40, topY + (topRows ? LABEL_H + topRows * (cell + LABEL_H + GAP) : 0));
    this.size(height);
    const ctx = this.begin(theme, width, height);
    if (!ctx) return;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "center";
    let x = PAD;
    const label = (/** @type {string} */ text, /** @type {number} */ cx, /** @type {number} */ y) => {
      ctx.fillStyle = theme.textMuted;
      ctx.fillText(fitText(ctx, text, cell + GAP - 2), cx, y);
    };
    if (hasMap && map) {
      this.drawMap(ctx, map, x, PAD, cell);
      label("feature map", x + cell / 2, PAD + cell + LABEL_H - 4);
      x += cell + GAP;
    }
    if (pics && nPics) {
      const names = model.get("unit_picture_names");
      for (let k = 0; k < nPics; k++) {
        if (this.drawPicture(ctx, pics, k, x, PAD, cell)) this.pictures++;
        label(
          Array.isArray(names) && k < names.length ? String(names[k]) : `picture ${k}`,
          x + cell / 2,
          PAD + cell + LABEL_H - 4,
        );
        x += cell + GAP;
      }
    }
    if (top) {
      ctx.textAlign = "left";
      ctx.fillStyle = theme.text;
      ctx.fillText("top images over the data", PAD, topY + LABEL_H - 4);
      this.drawTop(ctx, theme, top, topY + LABEL_H, cell);
    }
  }

  /**
   * Size the stage to `height` CSS px.
   * @param {number} height
   */
  size(height) {
    if (this.stage.style.height !== `${height}px`) this.stage.style.height = `${height}px`;
  }

  /**
   * The top images when they belong to the chosen unit (else the note says why not).
   * @returns {{n: number, H: number, W: number, C: number}|null}
   */
  topToShow() {
    const model = this.view.model;
    const note = String(model.get("top_note") ?? "");
    const ready = String(model.get("top_for") ?? "") === this.chosen;
    const top = this.top;
    const n = top ? top.shape[0] : 0;
    let text = note;
    if (!text && !ready) text = "Finding the top images…";
    else if (!text && n === 0) text = "No top images.";
    this.topNoteEl.textContent = text;
    this.topNoteEl.hidden = !text;
    if (text || !top) return null;
    const [, H, W, C] = top.shape;
    return H > 0 && W > 0 ? { n, H, W, C } : null;
  }

  /**
   * The input in grey at cell size, the map over it upsampled smoothly.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/codec.js").DecodedArray} map
   * @param {number} x
   * @param {number} y
   * @param {number} cell
   */
  drawMap(ctx, map, x, y, cell) {
    const { buf, H, W, C } = this.input();
    const fit = fitInto(W || map.shape[1], H || map.shape[0], cell);
    const base = H > 0 ? this.scratch("input", W, H) : null;
    if (base) {
      channelsToRGBA(buf, C, base.image.data, true);
      base.ctx.putImageData(base.image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(/** @type {CanvasImageSource} */ (base.canvas), x + fit.x, y + fit.y, fit.w, fit.h);
    }
    const [mh, mw] = map.shape;
    const over = this.scratch("map", mw, mh);
    if (!over) return;
    fillOverlay(map.data, over.image.data);
    over.ctx.putImageData(over.image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 0.85;
    ctx.drawImage(/** @type {CanvasImageSource} */ (over.canvas), x + fit.x, y + fit.y, fit.w, fit.h);
    ctx.globalAlpha = 1;
  }

  /**
   * Unit picture k (float [n, H, W, C] in [-1, 1]) around mid-grey; whether it was drawn.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/codec.js").DecodedArray} pics
   * @param {number} k
   * @param {number} x
   * @param {number} y
   * @param {number} cell
   */
  drawPicture(ctx, pics, k, x, y, cell) {
    const [, H, W, C] = pics.shape;
    const s = this.scratch(`picture${k}`, W, H);
    if (!s) return false;
    fillPicture(pics.data, k, H * W, C, s.image.data);
    s.ctx.putImageData(s.image, 0, 0);
    const fit = fitInto(W, H, cell);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(/** @type {CanvasImageSource} */ (s.canvas), x + fit.x, y + fit.y, fit.w, fit.h);
    return true;
  }

  /**
   * The top images' receptive-field crops, 3 across, each with its value and the class of
   * its caption under it ("4.821 · Sneaker"), ellipsised to the cell.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   * @param {{n: number, H: number, W: number, C: number}} top
   * @param {number} y0
   * @param {number} cell
   */
  drawTop(ctx, theme, top, y0, cell) {
    const { n, H, W, C } = top;
    const atlas = this.scratch("top", W, H * n);
    if (!atlas || !this.top) return;
    if (!this.topFilled) {
      for (let i = 0; i < n; i++)
        writeImageRGBA(this.top.data, { height: H, width: W, channels: C }, i, atlas.image.data, W, 0, i * H);
      atlas.ctx.putImageData(atlas.image, 0, 0);
      this.topFilled = true;
    }
    // boxes and values of other top images (a moment out of step) are not used
    const boxesNow = this.view.decode("top_boxes", "int32", (s) => s.length === 2 && s[1] === 4);
    const boxes = boxesNow && boxesNow.shape[0] === n ? boxesNow : null;
    const valuesNow = this.view.decode("top_values", "float32", (s) => s.length === 1);
    const values = valuesNow && valuesNow.shape[0] === n ? valuesNow : null;
    const captionsNow = this.view.model.get("top_captions");
    const captions = Array.isArray(captionsNow) && captionsNow.length === n ? captionsNow.map(String) : null;
    ctx.imageSmoothingEnabled = false;
    ctx.textAlign = "center";
    for (let i = 0; i < Math.min(n, TOP_COLS * TOP_COLS); i++) {
      const x = PAD + (i % TOP_COLS) * (cell + GAP);
      const y = y0 + Math.floor(i / TOP_COLS) * (cell + LABEL_H + GAP);
      const crop = boxes ? cropRect(boxes.data.subarray(4 * i, 4 * i + 4), H, W) : { x: 0, y: 0, w: W, h: H };
      const fit = fitInto(crop.w, crop.h, cell);
      ctx.drawImage(
        /** @type {CanvasImageSource} */ (atlas.canvas),
        crop.x,
        i * H + crop.y,
        crop.w,
        crop.h,
        x + fit.x,
        y + fit.y,
        fit.w,
        fit.h,
      );
      ctx.strokeStyle = theme.border;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + fit.x - 0.5, y + fit.y - 0.5, fit.w + 1, fit.h + 1);
      const text = topLabel(values ? values.data[i] : null, captions ? captions[i] : "");
      if (text) {
        ctx.fillStyle = theme.textMuted;
        ctx.fillText(fitText(ctx, text, cell), x + cell / 2, y + cell + LABEL_H - 4);
      }
      this.topCells.push({ x, y, w: cell, h: cell, i });
    }
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const c = this.topCells.find((t) => pt.x >= t.x && pt.x < t.x + t.w && pt.y >= t.y && pt.y < t.y + t.h);
    if (!c) {
      this.tooltip?.hide();
      return;
    }
    const captions = this.view.model.get("top_captions");
    const values = this.view.decode("top_values", "float32", (s) => s.length === 1);
    const caption = Array.isArray(captions) && c.i < captions.length ? String(captions[c.i]) : `top image ${c.i}`;
    const value = values && c.i < values.data.length ? ` · value ${formatValue(values.data[c.i])}` : "";
    this.tooltip?.show(`${caption}${value}`, pt.x, pt.y);
  }
}
