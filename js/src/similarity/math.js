// Pure math of the similarity view: the colour scale, the matrix's cell geometry, one
// checkpoint's slice of the matrices, and the line chart's checkpoint axis. No DOM here,
// so every function is tested directly in js/test/similarity_math.test.js.

export { linearScale } from "../lib/scales.js";

/** Matplotlib's viridis at nine evenly spaced stops (0, 1/8, ..., 1), as RGB bytes. */
export const VIRIDIS = Object.freeze([
  [68, 1, 84],
  [72, 40, 120],
  [62, 73, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [253, 231, 37],
]);

/**
 * Viridis at t (clamped to [0, 1]; NaN gives null) as RGB bytes, linear between its stops.
 * @example viridis(0) // [68, 1, 84]
 * @example viridis(1) // [253, 231, 37]
 * @param {number} t
 * @returns {[number, number, number]|null}
 */
export function viridis(t) {
  if (!Number.isFinite(t)) return null;
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - k;
  const a = VIRIDIS[k];
  const b = VIRIDIS[k + 1];
  const mix = (/** @type {number} */ i) => Math.round(a[i] + f * (b[i] - a[i]));
  return [mix(0), mix(1), mix(2)];
}

/**
 * An RGB triple as a CSS colour.
 * @example css([68, 1, 84]) // "rgb(68, 1, 84)"
 * @param {number[]} rgb
 */
export const css = (rgb) => `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;

/**
 * The colour of layer j of n by depth, as the Python figure draws it: viridis from 0
 * (the first, lowest layer: darkest) to 0.85 (the last).
 * @example depthColor(0, 3) // "rgb(68, 1, 84)"
 * @param {number} j
 * @param {number} n
 */
export function depthColor(j, n) {
  return css(viridis((0.85 * j) / Math.max(1, n - 1)) ?? [128, 128, 128]);
}

/**
 * Whether text on a cell of value v is best white (the dark, low end of viridis).
 * @example lightText(0.2) // true
 * @param {number} v
 */
export const lightText = (v) => Number.isFinite(v) && v < 0.62;

/**
 * A list trait as strings ([] when it is not a list).
 * @param {unknown} v
 * @returns {string[]}
 */
export const asStrings = (v) => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/**
 * Checkpoint c's matrix of the `matrices` trait ([C, rows, cols] float32), as a view
 * into its data (no copy), or null when absent or c is out of range.
 * @example matrixAt({data: Float32Array.of(1, 2, 3, 4), shape: [2, 1, 2]}, 1).values // Float32Array [3, 4]
 * @param {{data: ArrayLike<number> & {subarray?: Function}, shape: number[]}|null} matrices
 * @param {number} c
 * @returns {{rows: number, cols: number, values: Float32Array}|null}
 */
export function matrixAt(matrices, c) {
  if (matrices?.shape.length !== 3) return null;
  const [n, rows, cols] = matrices.shape;
  if (!Number.isInteger(c) || c < 0 || c >= n) return null;
  const size = rows * cols;
  const data = /** @type {Float32Array} */ (matrices.data);
  return { rows, cols, values: data.subarray(c * size, (c + 1) * size) };
}

/**
 * Whether any value is finite (a checkpoint not yet computed is all NaN).
 * @example anyFinite(Float32Array.of(NaN, 0.5)) // true
 * @param {ArrayLike<number>} values
 */
export function anyFinite(values) {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) return true;
  return false;
}

/**
 * How many checkpoints of `matrices` ([C, rows, cols]) hold values.
 * @example computedCount({data: Float32Array.of(NaN, 1), shape: [2, 1, 1]}) // 1
 * @param {{data: ArrayLike<number>, shape: number[]}|null} matrices
 */
export function computedCount(matrices) {
  if (matrices?.shape.length !== 3) return 0;
  let done = 0;
  for (let c = 0; c < matrices.shape[0]; c++) {
    const m = matrixAt(/** @type {any} */ (matrices), c);
    if (m && anyFinite(m.values)) done++;
  }
  return done;
}

/**
 * A value as the tooltip and cells write it: three decimals, "–" when not computed.
 * @example formatValue(0.98765) // "0.988"
 * @param {number} v
 */
export const formatValue = (v) => (Number.isFinite(v) ? v.toFixed(3) : "–");

/**
 * Square cells of a rows×cols matrix in a box: the largest whole-pixel size that fits,
 * at the box's top left.
 * @example matrixLayout(2, 4, {x: 10, y: 5, width: 100, height: 100}) // {x: 10, y: 5, cell: 25, rows: 2, cols: 4}
 * @param {number} rows
 * @param {number} cols
 * @param {{x: number, y: number, width: number, height: number}} box
 */
export function matrixLayout(rows, cols, box) {
  if (!(rows > 0 && cols > 0)) return { x: box.x, y: box.y, cell: 0, rows: 0, cols: 0 };
  const cell = Math.max(0, Math.floor(Math.min(box.width / cols, box.height / rows)));
  return { x: box.x, y: box.y, cell, rows, cols };
}

/**
 * The cell [row, column] under (x, y), or null.
 * @example cellAt({x: 0, y: 0, cell: 10, rows: 2, cols: 3}, 25, 5) // [0, 2]
 * @param {{x: number, y: number, cell: number, rows: number, cols: number}|null} layout
 * @param {number} x
 * @param {number} y
 * @returns {[number, number]|null}
 */
export function cellAt(layout, x, y) {
  if (!layout || !(layout.cell > 0)) return null;
  const j = Math.floor((x - layout.x) / layout.cell);
  const i = Math.floor((y - layout.y) / layout.cell);
  if (i < 0 || j < 0 || i >= layout.rows || j >= layout.cols) return null;
  return [i, j];
}

/**
 * The centre of cell (i, j), or null outside the matrix.
 * @example cellCenter({x: 0, y: 0, cell: 10, rows: 2, cols: 3}, 1, 2) // {x: 25, y: 15}
 * @param {{x: number, y: number, cell: number, rows: number, cols: number}|null} layout
 * @param {number} i
 * @param {number} j
 */
export function cellCenter(layout, i, j) {
  if (!layout || !(layout.cell > 0) || i < 0 || j < 0 || i >= layout.rows || j >= layout.cols) return null;
  return { x: layout.x + (j + 0.5) * layout.cell, y: layout.y + (i + 0.5) * layout.cell };
}

/**
 * The words all labels start with ("epoch 0", "epoch 1" → "epoch "), cut at a space, so
 * the axis can say it once and the ticks show the rest.
 * @example commonPrefix(["epoch 0", "epoch 12"]) // "epoch "
 * @example commonPrefix(["model"]) // ""
 * @param {string[]} labels
 */
export function commonPrefix(labels) {
  if (labels.length < 2) return "";
  let p = labels[0];
  for (const s of labels) while (p && !s.startsWith(p)) p = p.slice(0, -1);
  const cut = p.lastIndexOf(" ");
  return cut < 0 ? "" : p.slice(0, cut + 1);
}

/**
 * Which of n checkpoints get a tick label when each label is `labelWidth` px wide and
 * the axis `width` px long: every k-th, k the smallest step that keeps them apart, the
 * last always included.
 * @example tickIndices(10, 100, 20) // [0, 3, 6, 9]
 * @param {number} n
 * @param {number} width
 * @param {number} labelWidth
 */
export function tickIndices(n, width, labelWidth) {
  if (!(n > 0)) return [];
  if (n === 1) return [0];
  const spacing = width / (n - 1);
  const step = Math.max(1, Math.ceil((labelWidth + 6) / Math.max(spacing, 1e-9)));
  const out = [];
  for (let c = 0; c < n; c += step) out.push(c);
  if (out[out.length - 1] !== n - 1) {
    if (n - 1 - out[out.length - 1] < step) out.pop();
    out.push(n - 1);
  }
  return out;
}

/**
 * The checkpoint nearest x on an axis from `left` (checkpoint 0) to `right` (n − 1).
 * @example nearestCheckpoint(40, 5, 0, 100) // 2
 * @param {number} x
 * @param {number} n
 * @param {number} left
 * @param {number} right
 */
export function nearestCheckpoint(x, n, left, right) {
  if (!(n > 1)) return 0;
  const c = Math.round(((x - left) / (right - left || 1)) * (n - 1));
  return Math.min(n - 1, Math.max(0, c));
}

/**
 * The y axis of the lines: [lo, 1], lo 0 unless a value lies below (then rounded down to
 * a tenth).
 * @example lineDomain(Float32Array.of(0.4, -0.12, NaN)) // [-0.2, 1]
 * @param {ArrayLike<number>} values
 * @returns {[number, number]}
 */
export function lineDomain(values) {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo < 0 ? Math.floor(lo * 10 - 1e-9) / 10 : 0, hi > 1 ? Math.ceil(hi * 10) / 10 : 1];
}
