// Pure math of the layer explorer: the drawing buffer's brush, blur, invert and
// conversions; the layers' scales, colours, tile layout, hit test and class names' places;
// the unit panel's pixels and captions. No DOM here, so js/test/layer_explorer.test.js
// checks each against hand-computed values.
import { divergingColor, formatValue } from "../attribution/math.js";

export { formatValue };

// --- the drawing buffer: float [H, W, C] in [0, 1], row-major ---------------------------

/** Brush radii in input pixels for a 28-pixel input (scaled with the input's size). */
export const BRUSH_RADII = Object.freeze({ small: 0.9, medium: 1.5, large: 2.5 });

/**
 * The brush radius of `size` ("small", "medium", "large") for an H×W input.
 * @example brushRadius("large", 56, 56) // 5
 * @param {string} size
 * @param {number} H
 * @param {number} W
 */
export function brushRadius(size, H, W) {
  const r = Object.hasOwn(BRUSH_RADII, size) ? BRUSH_RADII[size] : BRUSH_RADII.medium;
  return r * Math.max(1, Math.min(H, W) / 28);
}

/**
 * Stamp white ink with a soft round brush centred at (cx, cy), in input pixels (pixel
 * (x, y) covers [x, x+1) × [y, y+1)). A pixel whose centre lies d from the brush centre
 * gets ink a = clamp((radius + soft/2 - d) / soft, 0, 1), soft = max(1, radius/2): full
 * inside, fading over `soft` pixels at the rim. Every channel becomes max(v, a), so
 * overlapping stamps along a stroke never build up darker rims.
 * @example stampBrush(buf, 3, 3, 1, 1.5, 1.5, 0.9) // the middle pixel 1, its 4 neighbours 0.4
 * @param {Float32Array} buf
 * @param {number} W
 * @param {number} H
 * @param {number} C
 * @param {number} cx
 * @param {number} cy
 * @param {number} radius
 */
export function stampBrush(buf, W, H, C, cx, cy, radius) {
  const soft = Math.max(1, radius / 2);
  const reach = radius + soft / 2;
  const x0 = Math.max(0, Math.floor(cx - reach - 0.5));
  const x1 = Math.min(W - 1, Math.ceil(cx + reach - 0.5));
  const y0 = Math.max(0, Math.floor(cy - reach - 0.5));
  const y1 = Math.min(H - 1, Math.ceil(cy + reach - 0.5));
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const a = Math.min(1, (reach - Math.sqrt(dx * dx + dy * dy)) / soft);
      if (!(a > 0)) continue;
      const i = (y * W + x) * C;
      for (let k = 0; k < C; k++) if (buf[i + k] < a) buf[i + k] = a;
    }
  }
}

/**
 * Ink a stroke from `from` to `to`, both ends included: brush stamps every half pixel or
 * closer.
 * @param {Float32Array} buf
 * @param {number} W
 * @param {number} H
 * @param {number} C
 * @param {{x: number, y: number}} from
 * @param {{x: number, y: number}} to
 * @param {number} radius
 */
export function strokeSegment(buf, W, H, C, from, to, radius) {
  const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / 0.5));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    stampBrush(buf, W, H, C, from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t, radius);
  }
}

/**
 * Invert in place: v ← 1 - v.
 * @param {Float32Array} buf
 */
export function invert(buf) {
  for (let i = 0; i < buf.length; i++) buf[i] = 1 - buf[i];
  return buf;
}

/**
 * One 3×3 binomial blur ([1 2 1]/4 across, then down; edges repeat), per channel, in
 * place; `tmp` is scratch of the same length.
 * @example blur(Float32Array.of(0,0,0, 0,1,0, 0,0,0), 3, 3, 1, tmp) // centre 0.25, sides 0.125, corners 0.0625
 * @param {Float32Array} buf
 * @param {number} W
 * @param {number} H
 * @param {number} C
 * @param {Float32Array} tmp
 */
export function blur(buf, W, H, C, tmp) {
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const l = (row + Math.max(0, x - 1)) * C;
      const m = (row + x) * C;
      const r = (row + Math.min(W - 1, x + 1)) * C;
      for (let k = 0; k < C; k++) tmp[m + k] = 0.25 * buf[l + k] + 0.5 * buf[m + k] + 0.25 * buf[r + k];
    }
  }
  for (let y = 0; y < H; y++) {
    const up = Math.max(0, y - 1) * W;
    const down = Math.min(H - 1, y + 1) * W;
    for (let x = 0; x < W; x++) {
      const m = (y * W + x) * C;
      const u = (up + x) * C;
      const d = (down + x) * C;
      for (let k = 0; k < C; k++) buf[m + k] = 0.25 * tmp[u + k] + 0.5 * tmp[m + k] + 0.25 * tmp[d + k];
    }
  }
  return buf;
}

/**
 * RGBA bytes (a canvas's getImageData) as C channels in [0, 1]: luminance 0.299 R +
 * 0.587 G + 0.114 B when C is not 3, copied to each channel; R, G, B when C is 3.
 * @example rgbaToChannels(Uint8Array.of(255, 0, 0, 255), 1, 1, 1) // Float32Array [0.299]
 * @param {ArrayLike<number>} rgba
 * @param {number} W
 * @param {number} H
 * @param {number} C
 * @param {Float32Array} [out]
 */
export function rgbaToChannels(rgba, W, H, C, out = new Float32Array(W * H * C)) {
  for (let p = 0; p < W * H; p++) {
    const r = rgba[4 * p] / 255;
    const g = rgba[4 * p + 1] / 255;
    const b = rgba[4 * p + 2] / 255;
    if (C === 3) {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    } else {
      const grey = 0.299 * r + 0.587 * g + 0.114 * b;
      for (let k = 0; k < C; k++) out[p * C + k] = grey;
    }
  }
  return out;
}

/**
 * The drawing buffer as bytes: round(255 v), v clamped to [0, 1].
 * @param {Float32Array} buf
 * @param {Uint8Array} [out]
 */
export function toBytes(buf, out = new Uint8Array(buf.length)) {
  for (let i = 0; i < buf.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, buf[i])));
  return out;
}

/**
 * Bytes as the drawing buffer: v = byte / 255.
 * @param {ArrayLike<number>} bytes
 * @param {Float32Array} [out]
 */
export function fromBytes(bytes, out = new Float32Array(bytes.length)) {
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/**
 * The drawing buffer as RGBA pixels: R, G, B when C is 3 or more, else grey copied to
 * each; with `grey`, the luminance 0.299 R + 0.587 G + 0.114 B of a colour input.
 * @param {Float32Array} buf
 * @param {number} C
 * @param {Uint8ClampedArray} rgba  4 bytes per pixel
 * @param {boolean} [grey]
 */
export function channelsToRGBA(buf, C, rgba, grey = false) {
  const n = rgba.length >> 2;
  const colour = C >= 3;
  for (let p = 0; p < n; p++) {
    const s = p * C;
    let r = 255 * buf[s];
    let g = colour ? 255 * buf[s + 1] : r;
    let b = colour ? 255 * buf[s + 2] : r;
    if (grey && colour) {
      r = 0.299 * r + 0.587 * g + 0.114 * b;
      g = r;
      b = r;
    }
    rgba[4 * p] = r;
    rgba[4 * p + 1] = g;
    rgba[4 * p + 2] = b;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/**
 * The centred part of a srcW×srcH picture with the aspect of dstW×dstH (what is drawn
 * into the input when a picture is opened: cropped, then resized, never stretched).
 * @example coverCrop(200, 100, 28, 28) // {sx: 50, sy: 0, sw: 100, sh: 100}
 * @param {number} srcW
 * @param {number} srcH
 * @param {number} dstW
 * @param {number} dstH
 */
export function coverCrop(srcW, srcH, dstW, dstH) {
  const wide = srcW * dstH > dstW * srcH;
  const sw = wide ? (srcH * dstW) / dstH : srcW;
  const sh = wide ? srcH : (srcW * dstH) / dstW;
  return { sx: (srcW - sw) / 2, sy: (srcH - sh) / 2, sw, sh };
}

// --- layers ------------------------------------------------------------------------------

/**
 * @typedef {Object} Layer
 * @property {string} name
 * @property {"conv"|"dense"} kind
 * @property {number[]} shape
 * @property {number} offset  where it starts in `activations`
 * @property {number} size  how many values it has there
 * @property {string[]} labels  one per unit for the output layer, else []
 * @property {number} units  its channels (conv) or units (dense)
 * @property {number} h  a channel map's height (1 for dense)
 * @property {number} w  a channel map's width (1 for dense)
 */

/**
 * The `layers` trait as checked {@link Layer}s: a conv layer needs shape [C, h, w] with
 * C·h·w = size; a dense one has `size` units. Entries that do not fit are left out.
 * @param {unknown} value
 * @returns {Layer[]}
 */
export function parseLayers(value) {
  if (!Array.isArray(value)) return [];
  const out = [];
  for (const raw of value) {
    if (!raw || typeof raw !== "object") continue;
    const shape = Array.isArray(raw.shape) ? raw.shape.map(Number) : [];
    const offset = Number(raw.offset);
    const size = Number(raw.size);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(size) || size <= 0) continue;
    const labels = Array.isArray(raw.labels) ? raw.labels.map(String) : [];
    const base = { name: String(raw.name ?? ""), shape, offset, size, labels };
    if (raw.kind === "conv") {
      const [c, h, w] = shape;
      if (shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s > 0) || c * h * w !== size) continue;
      out.push({ ...base, kind: /** @type {const} */ ("conv"), units: c, h, w });
    } else {
      out.push({ ...base, kind: /** @type {const} */ ("dense"), units: size, h: 1, w: 1 });
    }
  }
  return out;
}

/**
 * A layer's shape as a caption: "conv1 · 16×14×14".
 * @param {Layer} layer
 */
export function layerCaption(layer) {
  return `${layer.name} · ${layer.shape.join("×")}`;
}

/**
 * Scan one layer's activations: each unit's scale into `scales` (its own largest |a|
 * with `mode` "unit" on a conv layer; the layer's largest |a| otherwise: a dense unit is
 * one number, so "per unit" would draw every bar at full height), and whether any value
 * is negative (then the layer is drawn on the diverging map, else in grey).
 * @example fillScales(Float32Array.of(1, -2, 3, 4), conv, "unit", s) // s [2, 4], {maxAbs: 4, signed: true}
 * @param {ArrayLike<number>} act  every layer's activations
 * @param {Layer} layer
 * @param {"layer"|"unit"} mode
 * @param {Float32Array} scales  one per unit
 * @returns {{maxAbs: number, signed: boolean}}
 */
export function fillScales(act, layer, mode, scales) {
  const per = layer.h * layer.w;
  let maxAbs = 0;
  let signed = false;
  for (let c = 0; c < layer.units; c++) {
    let m = 0;
    const start = layer.offset + c * per;
    for (let i = start; i < start + per; i++) {
      const v = act[i];
      if (v < 0) {
        signed = true;
        if (-v > m) m = -v;
      } else if (v > m) m = v;
    }
    scales[c] = m;
    if (m > maxAbs) maxAbs = m;
  }
  if (mode !== "unit" || layer.kind !== "conv") scales.fill(maxAbs, 0, layer.units);
  return { maxAbs, signed };
}

/** The diverging map of the attribution view as RGB bytes, 255 steps: -1, ..., 0, ..., 1. */
const DIVERGING = (() => {
  const lut = new Uint8Array(255 * 3);
  for (let i = 0; i < 255; i++) lut.set(divergingColor(i / 127 - 1), 3 * i);
  return lut;
})();

/**
 * The colour of activation `v` on a layer drawn at `scale`: grey from black (0) to white
 * (scale) for a non-negative layer; the diverging map (white at 0, red at +scale, blue at
 * -scale) for a signed one. A zero scale draws everything as 0.
 * @example valueColor(2, 4, false) // [128, 128, 128]
 * @example valueColor(-4, 4, true) // [33, 102, 172]
 * @param {number} v
 * @param {number} scale
 * @param {boolean} signed
 * @returns {[number, number, number]}
 */
export function valueColor(v, scale, signed) {
  const t = scale > 0 ? v / scale : 0;
  if (!signed) {
    const g = Math.round(255 * Math.min(1, Math.max(0, t)));
    return [g, g, g];
  }
  const i = divergingIndex(t);
  return [DIVERGING[3 * i], DIVERGING[3 * i + 1], DIVERGING[3 * i + 2]];
}

/** @param {number} t  a value in [-1, 1] (clamped; NaN is 0) */
function divergingIndex(t) {
  const c = t > 1 ? 1 : t < -1 ? -1 : Number.isNaN(t) ? 0 : t;
  return Math.round((c + 1) * 127);
}

// --- layout ------------------------------------------------------------------------------

/** Tiles of maps this small are enlarged to about this many CSS px... */
const TILE_TARGET = 32;
/** ...and larger maps are shrunk to at most this many. */
const TILE_MAX = 64;
/** A layer of few channels gets tiles up to this many CSS px while they fit its rows. */
const TILE_BIG = 96;
/** A dense layer's bars are 2 to this many CSS px wide... */
const BAR_MAX = 12;
/** ...but a named one's (the output layer: a class name under each bar) up to this many... */
const NAMED_BAR_MAX = 80;
/** ...and no narrower than this (its names ellipsised), wrapped into strips when needed... */
const NAMED_BAR_MIN = 24;
/** ...of at most this many: a layer of more classes gets plain bars (named on hover). */
const NAMED_STRIPS_MAX = 4;

/**
 * The screen px per map pixel of a conv layer's tiles: small maps enlarged by a whole
 * factor (1..8) to about 32 px, maps over 64 px shrunk to 64, none wider than `avail`.
 * @example tileZoom(7, 7, 500) // 4
 * @param {number} h
 * @param {number} w
 * @param {number} avail  CSS px across
 */
export function tileZoom(h, w, avail) {
  const m = Math.max(h, w);
  let z = m > TILE_MAX ? TILE_MAX / m : Math.max(1, Math.min(8, Math.floor(TILE_TARGET / m)));
  if (w * z > avail && avail > 0) z = avail / w;
  return z;
}

/**
 * @typedef {Object} ConvRow  a conv layer's tiles: `cols` × `rows` maps of tw×th pixels,
 *   `gap` map pixels apart, in a buffer of nativeW×nativeH pixels drawn `z` times larger
 * @property {"conv"} kind
 * @property {number} z
 * @property {number} cols
 * @property {number} rows
 * @property {number} tw
 * @property {number} th
 * @property {number} gap
 */

/**
 * @typedef {Object} DenseRow  a dense layer's bars: `perStrip` bars of barW×barH CSS px a
 *   strip, each over a name line nameH px tall (0 without names), `strips` strips
 *   `stripGap` apart, in a buffer drawn at 1 px per CSS px
 * @property {"dense"} kind
 * @property {number} z  1
 * @property {number} barW
 * @property {number} barH
 * @property {number} nameH
 * @property {number} perStrip
 * @property {number} strips
 * @property {number} stripGap
 */

/**
 * @typedef {(ConvRow|DenseRow) & {layer: number, units: number, x: number, labelY: number,
 *   top: number, nativeW: number, nativeH: number, drawW: number, drawH: number}} Row
 *   one layer's row: its label's baseline at labelY, its buffer drawn at (x, top) as
 *   drawW×drawH CSS px
 */

/**
 * The bars of a dense layer of `units` units in `avail` CSS px. A named layer (the output
 * layer, a class name under each bar) gets bars as wide as fit, up to 80 px (56 px and
 * more carry most class names whole), never under 24 px (then wrapped into strips); when
 * that takes more than 4 strips, or without names, bars of 2 to 12 px, no names.
 * @example barLayout(10, 584, true) // {barW: 58, perStrip: 10, strips: 1, named: true}
 * @example barLayout(10, 84, true) // {barW: 24, perStrip: 3, strips: 4, named: true}
 * @param {number} units
 * @param {number} avail  CSS px across
 * @param {boolean} named  whether the layer has class names
 */
export function barLayout(units, avail, named) {
  const room = Math.floor(avail);
  if (named) {
    const barW = Math.max(1, Math.min(NAMED_BAR_MAX, room, Math.max(NAMED_BAR_MIN, Math.floor(room / units))));
    const perStrip = Math.max(1, Math.min(units, Math.floor(room / barW)));
    const strips = Math.ceil(units / perStrip);
    if (strips <= NAMED_STRIPS_MAX) return { barW, perStrip, strips, named: true };
  }
  const barW = Math.max(2, Math.min(BAR_MAX, Math.floor(room / units)));
  const perStrip = Math.max(1, Math.min(units, Math.floor(room / barW)));
  return { barW, perStrip, strips: Math.ceil(units / perStrip), named: false };
}

/**
 * Where each layer's row goes in a panel `width` CSS px wide: a label line, then the
 * layer's tiles (conv: one per channel at {@link tileZoom}, larger, up to 96 px, while
 * that takes no more rows; wrapped to the width) or bars (dense: one per unit, in strips
 * when they do not fit across; {@link barLayout}), a named layer's bars each over a line
 * `nameH` px tall for its class name.
 * @example layersLayout([{kind: "conv", units: 4, h: 2, w: 2, ...}], 100).rows[0] // z 8, 3 cols, 2 rows, 64×40 px
 * @param {Layer[]} layers
 * @param {number} width
 * @param {{pad?: number, labelH?: number, rowGap?: number, barH?: number, nameH?: number}} [options]
 */
export function layersLayout(layers, width, { pad = 8, labelH = 16, rowGap = 10, barH = 40, nameH = 14 } = {}) {
  const avail = Math.max(16, width - 2 * pad);
  let y = pad;
  /** @type {Row[]} */
  const rows = [];
  layers.forEach((layer, index) => {
    const top = y + labelH;
    const common = { layer: index, units: layer.units, x: pad, labelY: y + labelH - 4, top };
    /** @type {Row} */
    let row;
    if (layer.kind === "conv") {
      const grid = (/** @type {number} */ zoom) => {
        const gap = Math.max(1, Math.round(3 / zoom));
        const cols = Math.max(1, Math.min(layer.units, Math.floor((avail / zoom + gap) / (layer.w + gap))));
        return { z: zoom, gap, cols, rows: Math.ceil(layer.units / cols) };
      };
      let g = grid(tileZoom(layer.h, layer.w, avail));
      // a layer of few channels: larger tiles while they take no more rows
      for (
        let z = Math.floor(g.z) + 1;
        Number.isInteger(g.z) && z <= 8 && Math.max(layer.h, layer.w) * z <= TILE_BIG;
        z++
      ) {
        const bigger = grid(z);
        if (bigger.rows > g.rows || layer.w * z > avail) break;
        g = bigger;
      }
      const { z, gap, cols, rows: rowsN } = g;
      const nativeW = cols * (layer.w + gap) - gap;
      const nativeH = rowsN * (layer.h + gap) - gap;
      row = {
        ...common,
        kind: "conv",
        z,
        cols,
        rows: rowsN,
        tw: layer.w,
        th: layer.h,
        gap,
        nativeW,
        nativeH,
        drawW: nativeW * z,
        drawH: nativeH * z,
      };
    } else {
      const { barW, perStrip, strips, named } = barLayout(layer.units, avail, layer.labels.length > 0);
      const stripGap = 4;
      const lineH = named ? nameH : 0;
      const nativeW = perStrip * barW;
      const nativeH = strips * (barH + lineH + stripGap) - stripGap;
      row = {
        ...common,
        kind: "dense",
        z: 1,
        barW,
        barH,
        nameH: lineH,
        perStrip,
        strips,
        stripGap,
        nativeW,
        nativeH,
        drawW: nativeW,
        drawH: nativeH,
      };
    }
    rows.push(row);
    y = top + row.drawH + rowGap;
  });
  return { rows, width, height: Math.ceil(y - rowGap + pad) };
}

/**
 * The CSS px from one strip of a dense row's bars to the next: bars, name line, gap.
 * @param {DenseRow} row
 */
function stripPitch(row) {
  return row.barH + row.nameH + row.stripGap;
}

/**
 * Unit `unit`'s tile (conv) or bar slot (dense, without its name line) in a row, in CSS
 * px; null when absent.
 * @param {Row|undefined} row
 * @param {number} unit
 */
export function unitRect(row, unit) {
  if (!row || !Number.isInteger(unit) || unit < 0 || unit >= row.units) return null;
  if (row.kind === "conv") {
    const col = unit % row.cols;
    const r = Math.floor(unit / row.cols);
    return {
      x: row.x + col * (row.tw + row.gap) * row.z,
      y: row.top + r * (row.th + row.gap) * row.z,
      w: row.tw * row.z,
      h: row.th * row.z,
    };
  }
  const col = unit % row.perStrip;
  const strip = Math.floor(unit / row.perStrip);
  return { x: row.x + col * row.barW, y: row.top + strip * stripPitch(row), w: row.barW, h: row.barH };
}

/**
 * Where unit `unit`'s class name goes under its bar in a named dense row: centred at x,
 * its baseline at y, at most w CSS px wide; null without names or for no such unit.
 * @example namePlace(row, 2) // row at x 8, top 24, 58-px bars 40 px tall: {x: 153, y: 75, w: 56}
 * @param {Row|undefined} row
 * @param {number} unit
 */
export function namePlace(row, unit) {
  if (row?.kind !== "dense" || !(row.nameH > 0)) return null;
  const r = unitRect(row, unit);
  return r ? { x: r.x + r.w / 2, y: r.y + r.h + row.nameH - 3, w: Math.max(1, r.w - 2) } : null;
}

/**
 * The unit under CSS px (x, y), and for a conv tile the map pixel (row, col) there; null
 * off the tiles and bars (a bar's class name counts as its bar).
 * @param {{rows: Row[]}|null} layout
 * @param {number} x
 * @param {number} y
 * @returns {{layer: number, unit: number, row: number, col: number}|null}
 */
export function unitAt(layout, x, y) {
  if (!layout) return null;
  for (const row of layout.rows) {
    if (y < row.top || y >= row.top + row.drawH || x < row.x || x >= row.x + row.drawW) continue;
    const nx = (x - row.x) / row.z;
    const ny = (y - row.top) / row.z;
    if (row.kind === "conv") {
      const col = Math.floor(nx / (row.tw + row.gap));
      const r = Math.floor(ny / (row.th + row.gap));
      const px = Math.floor(nx - col * (row.tw + row.gap));
      const py = Math.floor(ny - r * (row.th + row.gap));
      const unit = r * row.cols + col;
      if (px >= row.tw || py >= row.th || col >= row.cols || unit >= row.units) return null;
      return { layer: row.layer, unit, row: py, col: px };
    }
    // a bar and the class name under it
    const pitch = stripPitch(row);
    const strip = Math.floor(ny / pitch);
    if (ny - strip * pitch >= row.barH + row.nameH) return null;
    const unit = strip * row.perStrip + Math.floor(nx / row.barW);
    return unit < row.units ? { layer: row.layer, unit, row: 0, col: 0 } : null;
  }
  return null;
}

// --- pixels of a layer's row -------------------------------------------------------------

/**
 * Fill a conv row's RGBA buffer (row.nativeW × row.nativeH) with its tiles: channel c's
 * map at its grid place, coloured by {@link valueColor} at `scales[c]`. Gap pixels are
 * left as they are (transparent in a fresh buffer).
 * @param {Uint8ClampedArray} rgba
 * @param {ArrayLike<number>} act
 * @param {Layer} layer
 * @param {ConvRow & {nativeW: number}} row
 * @param {Float32Array} scales
 * @param {boolean} signed
 */
export function fillTiles(rgba, act, layer, row, scales, signed) {
  const { h, w } = layer;
  const stride = row.nativeW;
  for (let c = 0; c < layer.units; c++) {
    const s = scales[c];
    const k = s > 0 ? 1 / s : 0;
    const ox = (c % row.cols) * (w + row.gap);
    const oy = Math.floor(c / row.cols) * (h + row.gap);
    let src = layer.offset + c * h * w;
    for (let y = 0; y < h; y++) {
      let d = ((oy + y) * stride + ox) * 4;
      for (let x = 0; x < w; x++, d += 4, src++) {
        const t = act[src] * k;
        if (signed) {
          const i = 3 * divergingIndex(t);
          rgba[d] = DIVERGING[i];
          rgba[d + 1] = DIVERGING[i + 1];
          rgba[d + 2] = DIVERGING[i + 2];
        } else {
          const g = 255 * t; // the clamped array rounds and clamps
          rgba[d] = g;
          rgba[d + 1] = g;
          rgba[d + 2] = g;
        }
        rgba[d + 3] = 255;
      }
    }
  }
  return rgba;
}

/** Bar colours: grey for a non-negative layer; red up and blue down for a signed one. */
const BAR_GREY = [120, 120, 120];
const BAR_UP = [178, 24, 43];
const BAR_DOWN = [33, 102, 172];

/**
 * Fill a dense row's RGBA buffer (cleared first) with its bars: unit i's height ∝
 * |value| / scale, up from the bottom (non-negative layer) or from the middle, negative
 * bars down in blue (signed layer); a faint base line under each strip's bars; a named
 * row's name lines left clear. Bars 16 px and wider keep an eighth of their slot free,
 * centred; narrower ones 1 px on the right (none under 3 px).
 * @param {Uint8ClampedArray} rgba
 * @param {ArrayLike<number>} act
 * @param {Layer} layer
 * @param {DenseRow & {nativeW: number}} row
 * @param {number} scale
 * @param {boolean} signed
 */
export function fillBars(rgba, act, layer, row, scale, signed) {
  rgba.fill(0);
  const { barW, barH, perStrip } = row;
  const pitch = stripPitch(row);
  const stride = row.nativeW;
  const k = scale > 0 ? 1 / scale : 0;
  // the zero line's row: bars grow up from it (through it) and, signed, down from below it
  const room = signed ? Math.floor(barH / 2) : barH;
  const base = room - 1;
  const width = barW >= 16 ? barW - Math.round(barW / 8) : barW >= 3 ? barW - 1 : barW;
  const inset = Math.floor((barW - width) / 2);
  const put = (/** @type {number} */ x, /** @type {number} */ y, /** @type {number[]} */ rgb, a = 255) => {
    const d = (y * stride + x) * 4;
    rgba[d] = rgb[0];
    rgba[d + 1] = rgb[1];
    rgba[d + 2] = rgb[2];
    rgba[d + 3] = a;
  };
  for (let i = 0; i < layer.units; i++) {
    const x0 = (i % perStrip) * barW;
    const y0 = Math.floor(i / perStrip) * pitch;
    const t = Math.max(-1, Math.min(1, act[layer.offset + i] * k || 0));
    const len = Math.round(Math.abs(t) * room);
    const up = t >= 0;
    const rgb = !signed ? BAR_GREY : up ? BAR_UP : BAR_DOWN;
    for (let x = x0; x < x0 + barW; x++) put(x, y0 + base, BAR_GREY, 90);
    for (let j = 0; j < len; j++) {
      const y = up ? y0 + base - j : y0 + base + 1 + j;
      if (y < y0 || y >= y0 + barH) break;
      for (let x = x0 + inset; x < x0 + inset + width; x++) put(x, y, rgb);
    }
  }
  return rgba;
}

/**
 * The unit of a layer with the largest value (the predicted class of the output layer);
 * -1 when it has none (all NaN, or past the end of `act`).
 * @example largestUnit(Float32Array.of(9, 1, 3, 2), {offset: 1, units: 3}) // 1
 * @param {ArrayLike<number>} act
 * @param {{offset: number, units: number}} layer
 */
export function largestUnit(act, layer) {
  let best = -1;
  let max = -Infinity;
  for (let u = 0; u < layer.units && layer.offset + u < act.length; u++) {
    const v = act[layer.offset + u];
    if (v > max) {
      max = v;
      best = u;
    }
  }
  return best;
}

/**
 * Sum of the R, G and B bytes of an RGBA buffer `stride` pixels wide over a rectangle of
 * it (what a test hook reads back to see a tile change).
 * @param {ArrayLike<number>} rgba
 * @param {number} stride
 * @param {{x: number, y: number, w: number, h: number}} rect  whole pixels
 */
export function inkOf(rgba, stride, rect) {
  let sum = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const d = (y * stride + x) * 4;
      sum += rgba[d] + rgba[d + 1] + rgba[d + 2];
    }
  }
  return sum;
}

// --- the unit panel ----------------------------------------------------------------------

/**
 * A feature map as a heat overlay: red (blue for negative values) with opacity ∝
 * |value| / max |value|.
 * @example fillOverlay(Float32Array.of(0, 2, 4), rgba) // alphas 0, 128, 255, all red
 * @param {ArrayLike<number>} map  h·w values
 * @param {Uint8ClampedArray} rgba  h·w·4 bytes
 */
export function fillOverlay(map, rgba) {
  let m = 0;
  for (let i = 0; i < map.length; i++) if (Math.abs(map[i]) > m) m = Math.abs(map[i]);
  const k = m > 0 ? 1 / m : 0;
  for (let i = 0; i < map.length; i++) {
    const t = map[i] * k || 0;
    const rgb = t < 0 ? BAR_DOWN : BAR_UP;
    rgba[4 * i] = rgb[0];
    rgba[4 * i + 1] = rgb[1];
    rgba[4 * i + 2] = rgb[2];
    rgba[4 * i + 3] = 255 * Math.min(1, Math.abs(t));
  }
  return rgba;
}

/**
 * Picture `k` of a float [n, H, W, C] stack in [-1, 1] as RGBA around mid-grey: byte =
 * 128 + 127 v (grey unless C ≥ 3).
 * @example fillPicture(Float32Array.of(-1, 0, 1), 0, 3, 1, rgba) // R bytes 1, 128, 255
 * @param {ArrayLike<number>} data
 * @param {number} k
 * @param {number} pixels  H·W
 * @param {number} C
 * @param {Uint8ClampedArray} rgba
 */
export function fillPicture(data, k, pixels, C, rgba) {
  let s = k * pixels * C;
  for (let p = 0; p < pixels; p++, s += C) {
    const r = 128 + 127 * data[s];
    rgba[4 * p] = r;
    rgba[4 * p + 1] = C >= 3 ? 128 + 127 * data[s + 1] : r;
    rgba[4 * p + 2] = C >= 3 ? 128 + 127 * data[s + 2] : r;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/**
 * The words under a top-image crop: its value (null: none), and the class part of its
 * caption, what follows the first " · ", when there is one.
 * @example topLabel(4.821, "#123 · Sneaker") // "4.821 · Sneaker"
 * @example topLabel(4.821, "#123") // "4.821"
 * @param {number|null} value
 * @param {string} caption  e.g. "#123 · Sneaker"
 */
export function topLabel(value, caption) {
  const at = caption.indexOf(" · ");
  const name = at >= 0 ? caption.slice(at + 3).trim() : "";
  const parts = value === null ? [] : [formatValue(value)];
  if (name) parts.push(name);
  return parts.join(" · ");
}

/**
 * A w×h picture fitted into a cell×cell square, centred, aspect kept.
 * @example fitInto(4, 2, 40) // {x: 0, y: 10, w: 40, h: 20}
 * @param {number} w
 * @param {number} h
 * @param {number} cell
 */
export function fitInto(w, h, cell) {
  const s = cell / Math.max(w, h, 1e-9);
  return { x: (cell - w * s) / 2, y: (cell - h * s) / 2, w: w * s, h: h * s };
}

/**
 * A receptive-field box (top, left, bottom, right; bottom and right exclusive) clamped to
 * an H×W image, as a source rectangle; the whole image when it is empty.
 * @example cropRect([-2, 3, 10, 9], 8, 8) // {x: 3, y: 0, w: 5, h: 8}
 * @param {ArrayLike<number>} box
 * @param {number} H
 * @param {number} W
 */
export function cropRect(box, H, W) {
  const top = Math.max(0, Math.min(H, box[0]));
  const left = Math.max(0, Math.min(W, box[1]));
  const bottom = Math.max(top, Math.min(H, box[2]));
  const right = Math.max(left, Math.min(W, box[3]));
  if (bottom - top < 1 || right - left < 1) return { x: 0, y: 0, w: W, h: H };
  return { x: left, y: top, w: right - left, h: bottom - top };
}
