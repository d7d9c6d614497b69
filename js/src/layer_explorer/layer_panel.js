// The layers panel: one row per layer, input side first, each under its name and shape.
// A conv layer is a tile per channel (its map), a dense layer a bar per unit. Each row is
// filled into its own RGBA buffer, put into an offscreen canvas with one putImageData and
// drawn scaled with one drawImage, so a redraw on every activations change stays cheap;
// the buffers live as long as the layout. The output layer's bars carry their class names,
// the predicted class's in bold. Hover names the unit and its value; a click picks it.
import { fitText, makeCanvas, sizeOf } from "../lib/canvas.js";
import { CanvasPanel } from "../lib/panel.js";
import {
  fillBars,
  fillScales,
  fillTiles,
  formatValue,
  inkOf,
  largestUnit,
  layerCaption,
  layersLayout,
  namePlace,
  parseLayers,
  unitAt,
  unitRect,
} from "./math.js";

/** Panel width used before the stage is laid out (happy-dom, hidden output). */
const FALLBACK_WIDTH = 480;

/**
 * @typedef {Object} RowBuffer  one layer row's pixels and where they are put
 * @property {string} key  the layout it was made for
 * @property {Uint8ClampedArray<ArrayBuffer>} rgba
 * @property {ImageData|null} image  over `rgba`
 * @property {OffscreenCanvas|HTMLCanvasElement|null} canvas
 * @property {CanvasRenderingContext2D|null} ctx
 * @property {Float32Array} scales  one per unit
 * @property {number} maxAbs
 */

/** The layers panel: a row of tiles or bars per layer; a click picks a unit. */
export class LayerPanel extends CanvasPanel {
  /**
   * @param {import("../lib/view.js").View} view  the layer explorer it is a panel of
   * @param {{onPick: (layer: string, unit: number) => void}} options  called on a click on a unit
   */
  constructor(view, { onPick }) {
    super(view, {
      prefix: "nbviz-layer-explorer",
      part: "layers",
      title: "layers",
      canvasClass: "nbviz-layer-explorer-layers",
      tooltip: true,
    });
    this.onPick = onPick;
    /** @type {import("./math.js").Layer[]} */
    this.layers = [];
    /** @type {Float32Array|null} */
    this.act = null;
    /** @type {ReturnType<typeof layersLayout>|null} */
    this.layout = null;
    /** @type {RowBuffer[]} */
    this.buffers = [];
    /** @type {string[]} */
    this.drawnLayers = [];
    /** @type {Map<string, string>} class names as fitted under their bars, by font, width and name */
    this.fittedNames = new Map();
    this.follow("layers", () => {
      this.layers = parseLayers(view.model.get("layers"));
      this.layout = null;
    });
    this.follow("activations", () => {
      const a = view.decode("activations", "float32", (s) => s.length === 1);
      this.act = a ? /** @type {Float32Array} */ (a.data) : null;
    });
    view.on("normalize layer unit", () => this.redraw());
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.tooltip?.hide(),
      click: (e) => this.onClick(e),
    });
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const width = sizeOf(this.stage).w || FALLBACK_WIDTH;
    if (!this.layout || this.layout.width !== width) {
      this.layout = layersLayout(this.layers, width);
      this.fittedNames.clear();
    }
    const L = this.layout;
    const height = Math.max(L.height, 48);
    if (this.stage.style.height !== `${height}px`) this.stage.style.height = `${height}px`;
    const act = this.act;
    this.setEmpty(!this.layers.length ? "No layers." : act ? "" : "Computing the activations…");
    const ctx = this.begin(theme, width, height);
    this.drawnLayers = [];
    if (!ctx || !act) return;
    const mode = this.view.model.get("normalize") === "unit" ? "unit" : "layer";
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    for (const row of L.rows) {
      const layer = this.layers[row.layer];
      if (layer.offset + layer.size > act.length) continue;
      const buf = this.bufferOf(row);
      const { maxAbs, signed } = fillScales(act, layer, mode, buf.scales);
      buf.maxAbs = maxAbs;
      if (row.kind === "conv") fillTiles(buf.rgba, act, layer, row, buf.scales, signed);
      else fillBars(buf.rgba, act, layer, row, maxAbs, signed);
      if (buf.ctx && buf.image && buf.canvas) {
        buf.ctx.putImageData(buf.image, 0, 0);
        ctx.imageSmoothingEnabled = row.z < 1;
        ctx.drawImage(/** @type {CanvasImageSource} */ (buf.canvas), row.x, row.top, row.drawW, row.drawH);
      }
      if (row.kind === "conv") this.frameTiles(ctx, theme, row);
      else if (row.nameH > 0) this.drawNames(ctx, theme, row, layer, act);
      ctx.fillStyle = theme.text;
      ctx.fillText(layerCaption(layer), row.x, row.labelY);
      ctx.fillStyle = theme.textMuted;
      const scale = mode === "unit" && row.kind === "conv" ? "each tile its own scale" : `|a| ≤ ${formatValue(maxAbs)}`;
      ctx.fillText(scale, row.x + ctx.measureText(layerCaption(layer)).width + 10, row.labelY);
      this.drawnLayers.push(layer.name);
    }
    this.outlineChosen(ctx, theme);
  }

  /**
   * A hairline around each tile of a conv row (one path), so that tiles near zero, white
   * on the diverging map, still show where they are.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   * @param {import("./math.js").Row} row
   */
  frameTiles(ctx, theme, row) {
    ctx.beginPath();
    for (let u = 0; u < row.units; u++) {
      const r = unitRect(row, u);
      if (r) ctx.rect(r.x - 0.5, r.y - 0.5, r.w + 1, r.h + 1);
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  /**
   * The class names under a named dense row's bars, each ellipsised to its bar: the
   * predicted class's (the largest value) bold in the text colour, the others muted.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   * @param {import("./math.js").Row} row
   * @param {import("./math.js").Layer} layer
   * @param {Float32Array} act
   */
  drawNames(ctx, theme, row, layer, act) {
    const best = largestUnit(act, layer);
    ctx.textAlign = "center";
    for (let u = 0; u < row.units; u++) {
      const at = namePlace(row, u);
      const name = layer.labels[u] ?? "";
      if (!at || !name) continue;
      ctx.font = `${u === best ? "bold " : ""}11px ${theme.font}`;
      ctx.fillStyle = u === best ? theme.text : theme.textMuted;
      ctx.fillText(this.fitName(ctx, name, at.w), at.x, at.y);
    }
    ctx.font = `11px ${theme.font}`;
    ctx.textAlign = "left";
  }

  /**
   * `name` ellipsised to `width` px in the context's font, measured once per layout.
   * @param {CanvasRenderingContext2D} ctx
   * @param {string} name
   * @param {number} width
   */
  fitName(ctx, name, width) {
    const key = `${ctx.font}\n${width}\n${name}`;
    let fitted = this.fittedNames.get(key);
    if (fitted === undefined) {
      fitted = fitText(ctx, name, width);
      this.fittedNames.set(key, fitted);
    }
    return fitted;
  }

  /**
   * The RGBA buffer of a row, made again only when its layout changed.
   * @param {import("./math.js").Row} row
   */
  bufferOf(row) {
    const key = `${row.kind}:${row.nativeW}x${row.nativeH}:${row.units}`;
    const old = this.buffers[row.layer];
    if (old && old.key === key) return old;
    const rgba = new Uint8ClampedArray(row.nativeW * row.nativeH * 4);
    const canvas = makeCanvas(row.nativeW, row.nativeH);
    const ctx = canvas?.getContext ? /** @type {CanvasRenderingContext2D|null} */ (canvas.getContext("2d")) : null;
    const image = ctx && typeof ImageData === "function" ? new ImageData(rgba, row.nativeW, row.nativeH) : null;
    /** @type {RowBuffer} */
    const buf = { key, rgba, image, canvas, ctx, scales: new Float32Array(row.units), maxAbs: 0 };
    this.buffers[row.layer] = buf;
    return buf;
  }

  /**
   * The chosen unit's tile outlined in the accent colour.
   * @param {CanvasRenderingContext2D} ctx
   * @param {import("../lib/theme.js").Theme} theme
   */
  outlineChosen(ctx, theme) {
    const r = this.rectOf(String(this.view.model.get("layer") ?? ""), Number(this.view.model.get("unit")));
    if (!r) return;
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = 2;
    ctx.strokeRect(r.x - 1.5, r.y - 1.5, r.w + 3, r.h + 3);
  }

  /**
   * A unit's tile or bar in CSS px, or null when it is not drawn.
   * @param {string} name  the layer's name
   * @param {number} unit
   */
  rectOf(name, unit) {
    const i = this.layers.findIndex((l) => l.name === name);
    return i < 0 || !this.layout ? null : unitRect(this.layout.rows[i], unit);
  }

  /**
   * Client px of a unit's tile or bar centre, or null when it is not drawn.
   * @param {string} name
   * @param {number} unit
   */
  tileCentre(name, unit) {
    const r = this.drawnLayers.includes(name) ? this.rectOf(name, unit) : null;
    return r ? this.clientPoint(r.x + r.w / 2, r.y + r.h / 2) : null;
  }

  /**
   * The sum of the R, G, B bytes drawn for a unit: read back from the canvas where it can
   * be, else from the row's buffer; null when the unit is not drawn.
   * @param {string} name
   * @param {number} unit
   */
  tileInk(name, unit) {
    const r = this.drawnLayers.includes(name) ? this.rectOf(name, unit) : null;
    if (!r || !this.layout) return null;
    const ctx = this.ctx;
    const d = this.dpr;
    const read = ctx?.getImageData
      ? ctx.getImageData(Math.round(r.x * d), Math.round(r.y * d), Math.round(r.w * d), Math.round(r.h * d))
      : null;
    if (read?.data) return inkOf(read.data, read.width, { x: 0, y: 0, w: read.width, h: read.height });
    const i = this.layers.findIndex((l) => l.name === name);
    const row = this.layout.rows[i];
    const buf = this.buffers[i];
    if (!buf) return null;
    const native = { x: (r.x - row.x) / row.z, y: (r.y - row.top) / row.z, w: r.w / row.z, h: r.h / row.z };
    const round = (/** @type {number} */ v) => Math.round(v);
    return inkOf(buf.rgba, row.nativeW, {
      x: round(native.x),
      y: round(native.y),
      w: round(native.w),
      h: round(native.h),
    });
  }

  /**
   * The tooltip's words for a unit: layer · unit c · max v (conv: and the value at the
   * pointer; dense: the class name when the layer has labels).
   * @param {{layer: number, unit: number, row: number, col: number}} hit
   */
  describe(hit) {
    const layer = this.layers[hit.layer];
    const act = this.act;
    if (!act || layer.offset + layer.size > act.length) return `${layer.name} · unit ${hit.unit}`;
    if (layer.kind === "conv") {
      const per = layer.h * layer.w;
      const start = layer.offset + hit.unit * per;
      let max = -Infinity;
      for (let i = start; i < start + per; i++) if (act[i] > max) max = act[i];
      const here = act[start + hit.row * layer.w + hit.col];
      return `${layer.name} · unit ${hit.unit} · max ${formatValue(max)} · (${hit.row}, ${hit.col}) ${formatValue(here)}`;
    }
    const label = layer.labels[hit.unit];
    const value = formatValue(act[layer.offset + hit.unit]);
    return `${layer.name} · unit ${hit.unit}${label ? ` · ${label}` : ""} · ${value}`;
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const hit = unitAt(this.layout, pt.x, pt.y);
    this.stage.style.cursor = hit ? "pointer" : "";
    if (hit) this.tooltip?.show(this.describe(hit), pt.x, pt.y);
    else this.tooltip?.hide();
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const pt = this.localPoint(e);
    const hit = unitAt(this.layout, pt.x, pt.y);
    if (hit) this.onPick(this.layers[hit.layer].name, hit.unit);
  }
}
