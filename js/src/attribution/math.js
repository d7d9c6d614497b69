// Pure helpers of the attribution view: the diverging colour map, the grid's layout and
// hit test, and the captions it writes.

import { gridLayout } from "../lib/labelled_grid.js";

export { gridLayout };

/** Blue for evidence against the class, red for evidence for it (ColorBrewer RdBu ends). */
const NEGATIVE = [33, 102, 172];
const POSITIVE = [178, 24, 43];

/**
 * The colour of a heatmap value in [-1, 1]: white at 0, deeper blue towards -1, deeper red
 * towards +1 (values outside are clamped; NaN is white).
 * @example divergingColor(0) // [255, 255, 255]
 * @example divergingColor(1) // [178, 24, 43]
 * @param {number} v
 */
export function divergingColor(v) {
  const t = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(t);
  return end.map((c) => Math.round(255 + (c - 255) * a));
}

/**
 * Fill `rgba` (h·w·4) with heatmap `k` of a [maps, h, w] float array.
 * @param {Uint8ClampedArray} rgba
 * @param {Float32Array} data
 * @param {number} k
 * @param {number} h
 * @param {number} w
 */
export function fillHeatmap(rgba, data, k, h, w) {
  const off = k * h * w;
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = divergingColor(data[off + i]);
    rgba[4 * i] = r;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = b;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/**
 * The (row, col) of the cell under (x, y), and the image pixel there; null off the cells.
 * @example cellAt(gridLayout(1, 1, 2, 2, 10), 96 + 15, 18 + 5) // {row: 0, col: 0, px: 1, py: 0}
 * @param {ReturnType<typeof gridLayout>|null} layout
 * @param {number} x
 * @param {number} y
 */
export function cellAt(layout, x, y) {
  if (!layout) return null;
  const col = Math.floor((x - layout.labelW) / (layout.cw + layout.gap));
  const row = Math.floor((y - layout.headerH) / (layout.ch + layout.gap));
  if (row < 0 || row >= layout.rows || col < 0 || col >= layout.cols) return null;
  const c = layout.cell(row, col);
  if (x >= c.x + c.w || y >= c.y + c.h) return null;
  return { row, col, px: Math.floor((x - c.x) / layout.scale), py: Math.floor((y - c.y) / layout.scale) };
}

/**
 * LRP's conservation as words: the range over the images of relevance / explained output.
 * @example conservationText(Float32Array.of(0.98, 1.01)) // "LRP hands out 98%–101% of the explained score"
 * @param {ArrayLike<number>|null} values
 */
export function conservationText(values) {
  const v = values ? Array.from(values).filter(Number.isFinite) : [];
  if (!v.length) return "";
  const pct = (/** @type {number} */ x) => `${Math.round(100 * x)}%`;
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const range = pct(lo) === pct(hi) ? pct(lo) : `${pct(lo)}–${pct(hi)}`;
  return `LRP hands out ${range} of the explained score`;
}

/**
 * A number for a tooltip: 4 significant digits, exponent form when tiny or huge.
 * @example formatValue(0.000123) // "1.23e-4"
 * @param {unknown} v
 */
export function formatValue(v) {
  const x = Number(v);
  if (v === null || v === undefined || !Number.isFinite(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}
