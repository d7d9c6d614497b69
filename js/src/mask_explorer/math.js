// Pure math of the mask explorer: scales, ticks, dot picking and mosaic tile lookup.
// No DOM here, so every function is tested directly in js/test/mask_explorer_math.test.js.

/** Density ticks of the accuracy plot (fractions of weights left), dense first. */
export const DENSITY_TICKS = Object.freeze([1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]);

export { linearScale, logScale } from "../lib/scales.js";

/**
 * A list trait as strings ([] when it is not a list).
 * @param {unknown} v
 * @returns {string[]}
 */
export const asStrings = (v) => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/**
 * The records that can be drawn (finite round and density in (0, 1]), sorted by round.
 * @param {unknown} records  the `records` trait
 * @returns {{round: number, density: number, accuracy: Record<string, number>}[]}
 */
export function cleanRecords(records) {
  if (!Array.isArray(records)) return [];
  const out = [];
  for (const r of records) {
    if (!r || typeof r !== "object") continue;
    const round = Number(r.round);
    const density = Number(r.density);
    if (!Number.isFinite(round) || !(density > 0) || density > 1.000001) continue;
    const accuracy = r.accuracy && typeof r.accuracy === "object" ? r.accuracy : {};
    out.push({ round, density: Math.min(density, 1), accuracy });
  }
  return out.sort((a, b) => a.round - b.round);
}

/**
 * The density axis [hi, lo] (reversed: dense on the left), padded a little in log space.
 * @example densityDomain([{density: 1}, {density: 0.1}]) // ≈ [1.096, 0.0912]
 */
export function densityDomain(records) {
  let lo = 1;
  let hi = 0;
  for (const r of records) {
    lo = Math.min(lo, r.density);
    hi = Math.max(hi, r.density);
  }
  if (!(hi > 0)) return [1, 0.1];
  hi = Math.max(hi, lo);
  // At least a decade wide, and a 4% pad on each end of the log span.
  if (hi / lo < 10) lo = hi / 10;
  const pad = (hi / lo) ** 0.04;
  return [Math.min(1, hi) * pad, lo / pad];
}

/**
 * The DENSITY_TICKS inside the domain (either order).
 * @example densityTicks([1.02, 0.04]) // [1, 0.5, 0.2, 0.1, 0.05]
 */
export function densityTicks(domain) {
  const lo = Math.min(domain[0], domain[1]) * (1 - 1e-9);
  const hi = Math.max(domain[0], domain[1]) * (1 + 1e-9);
  return DENSITY_TICKS.filter((t) => t >= lo && t <= hi);
}

/**
 * The accuracy axis [lo, hi] (0..1) covering every accuracy and the dense reference,
 * padded and snapped to whole percent steps.
 * @example accuracyDomain([{accuracy: {a: 0.9}}, {accuracy: {a: 0.95}}], ["a"], -1) // [0.89, 0.96]
 */
export function accuracyDomain(records, variants, dense = -1) {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (v) => {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  };
  for (const r of records) for (const v of variants) see(Number(r.accuracy[v]));
  if (Number(dense) >= 0) see(Number(dense));
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = Math.max(0.01, (hi - lo) * 0.08);
  lo = Math.max(0, Math.floor((lo - pad) * 100 + 1e-6) / 100);
  hi = Math.min(1, Math.ceil((hi + pad) * 100 - 1e-6) / 100);
  if (hi <= lo) hi = Math.min(1, lo + 0.01);
  return [lo, hi];
}

/**
 * A fraction as a percentage with sensible precision: 100%, 51.2%, 1.35%, 0.12%.
 * @example formatPercent(0.512) // "51.2%"
 */
export function formatPercent(v) {
  if (!Number.isFinite(v)) return "–";
  const p = v * 100;
  if (p === 100 || p === 0) return `${p}%`;
  const digits = Math.abs(p) >= 10 ? 1 : 2;
  return `${p.toFixed(digits)}%`;
}

/**
 * A density tick's label: 100%, 50%, 5%, 2%, 1%, 0.5%.
 * @example densityTickLabel(0.05) // "5%"
 */
export function densityTickLabel(t) {
  return `${Number((t * 100).toPrecision(3))}%`;
}

/**
 * The dots of the accuracy plot: one per record and variant with a finite accuracy.
 * @returns {{x: number, y: number, round: number, variant: string, variantIndex: number,
 *   density: number, accuracy: number}[]}
 */
export function plotDots(records, variants, xMap, yMap) {
  const dots = [];
  variants.forEach((variant, variantIndex) => {
    for (const r of records) {
      const acc = Number(r.accuracy[variant]);
      if (!Number.isFinite(acc)) continue;
      dots.push({
        x: xMap(r.density),
        y: yMap(acc),
        round: r.round,
        variant,
        variantIndex,
        density: r.density,
        accuracy: acc,
      });
    }
  });
  return dots;
}

/**
 * The dot nearest (x, y) within `radius`, or null.
 * @example nearestDot([{x: 0, y: 0}, {x: 10, y: 0}], 8, 1, 5) // {x: 10, y: 0}
 */
export function nearestDot(dots, x, y, radius) {
  let best = null;
  let bestD = radius * radius;
  for (const d of dots) {
    const dd = (d.x - x) ** 2 + (d.y - y) ** 2;
    if (dd <= bestD) {
      bestD = dd;
      best = d;
    }
  }
  return best;
}

/**
 * The mosaic description `[tile_h, tile_w, rows, cols, gap]` as an object, or null when it
 * is absent, malformed or does not fit the image `[H, W]`.
 * @example parseTiles([28, 28, 2, 3, 1], 57, 86) // {th: 28, tw: 28, rows: 2, cols: 3, gap: 1}
 */
export function parseTiles(value, imageH, imageW) {
  if (!Array.isArray(value) || value.length < 5) return null;
  const [th, tw, rows, cols, gap] = value.map(Number);
  if (![th, tw, rows, cols, gap].every((v) => Number.isInteger(v))) return null;
  if (th < 1 || tw < 1 || rows < 1 || cols < 1 || gap < 0) return null;
  if (rows * th + (rows - 1) * gap > imageH || cols * tw + (cols - 1) * gap > imageW) return null;
  return { th, tw, rows, cols, gap };
}

/**
 * The tile under image pixel (px, py) (fractional ok), row-major k = r·cols + c, or -1 on
 * a gap or outside the mosaic.
 * @example tileAt({th: 2, tw: 2, rows: 2, cols: 2, gap: 1}, 3.5, 0.5) // 1
 */
export function tileAt(tiles, px, py) {
  if (!tiles || !(px >= 0) || !(py >= 0)) return -1;
  const pitchX = tiles.tw + tiles.gap;
  const pitchY = tiles.th + tiles.gap;
  const c = Math.floor(px / pitchX);
  const r = Math.floor(py / pitchY);
  if (c >= tiles.cols || r >= tiles.rows) return -1;
  if (px - c * pitchX >= tiles.tw || py - r * pitchY >= tiles.th) return -1;
  return r * tiles.cols + c;
}

/**
 * Top-left image pixel of tile k, or null if k is not a tile.
 * @example tileOrigin({th: 2, tw: 2, rows: 2, cols: 2, gap: 1}, 3) // {x: 3, y: 3}
 */
export function tileOrigin(tiles, k) {
  if (!tiles || !Number.isInteger(k) || k < 0 || k >= tiles.rows * tiles.cols) return null;
  const r = Math.floor(k / tiles.cols);
  const c = k % tiles.cols;
  return { x: c * (tiles.tw + tiles.gap), y: r * (tiles.th + tiles.gap) };
}

/**
 * The fraction of tile k's pixels that are kept (> 0) in a row-major image of width W.
 * @example tileKeptFraction(Uint8Array.of(255, 0, 0, 0), 2, {th: 1, tw: 2, rows: 2, cols: 1, gap: 0}, 0) // 0.5
 */
export function tileKeptFraction(data, width, tiles, k) {
  const o = tileOrigin(tiles, k);
  if (!o) return NaN;
  let kept = 0;
  for (let y = o.y; y < o.y + tiles.th; y++) {
    const row = y * width;
    for (let x = o.x; x < o.x + tiles.tw; x++) if (data[row + x] > 0) kept++;
  }
  return kept / (tiles.th * tiles.tw);
}

/**
 * Where an image of srcW×srcH goes in a dstW×dstH box: scaled to fit and centred, with a
 * whole-number scale when enlarging allows one within 25% of the best fit (even pixels).
 * @example fitRect(10, 10, 100, 50) // {x: 25, y: 0, width: 50, height: 50, scale: 5}
 */
export function fitRect(srcW, srcH, dstW, dstH) {
  if (!(srcW > 0 && srcH > 0 && dstW > 0 && dstH > 0)) return { x: 0, y: 0, width: 0, height: 0, scale: 0 };
  let scale = Math.min(dstW / srcW, dstH / srcH);
  // Whole pixels per image pixel when that costs at most a quarter of the size.
  if (scale >= 1 && Math.floor(scale) >= 0.75 * scale) scale = Math.floor(scale);
  const width = srcW * scale;
  const height = srcH * scale;
  return { x: Math.floor((dstW - width) / 2), y: Math.floor((dstH - height) / 2), width, height, scale };
}

/**
 * A symmetric axis limit L (the axis runs -L..L) covering every value, 5% padded; 1 when
 * there is nothing finite and nonzero.
 * @example symmetricLimit(Float32Array.of(-0.2, 0.1)) // 0.21
 */
export function symmetricLimit(values) {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m > 0 ? m * 1.05 : 1;
}

/**
 * Cell geometry of a k×k heatmap in a plot box.
 * @example heatmapCells(4, {x: 0, y: 0, width: 100, height: 80}) // {x: 10, y: 0, size: 20, k: 4}
 */
export function heatmapCells(k, box) {
  if (!(k > 0)) return { x: box.x, y: box.y, size: 0, k: 0 };
  const size = Math.max(0, Math.min(box.width, box.height) / k);
  return { x: box.x + (box.width - size * k) / 2, y: box.y, size, k };
}

/**
 * The heatmap cell [row, col] under (x, y), or null.
 * @example heatmapCellAt({x: 0, y: 0, size: 10, k: 3}, 15, 25) // [2, 1]
 */
export function heatmapCellAt(cells, x, y) {
  if (!cells || !(cells.size > 0)) return null;
  const col = Math.floor((x - cells.x) / cells.size);
  const row = Math.floor((y - cells.y) / cells.size);
  if (row < 0 || col < 0 || row >= cells.k || col >= cells.k) return null;
  return [row, col];
}
