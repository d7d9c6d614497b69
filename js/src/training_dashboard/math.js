// Pure math of the training dashboard: TensorBoard's smoothing, the series tables,
// domains and ticks, the distribution bands' and ridge lines' layout, step lookup.
// No DOM here: every function is tested directly in js/test/training_dashboard_math.test.js.

export { linearScale, logScale } from "../lib/scales.js";

/**
 * A list trait as strings ([] when it is not a list).
 * @param {unknown} v
 * @returns {string[]}
 */
export const asStrings = (v) => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/**
 * TensorBoard's scalar smoothing: an exponential moving average of the finite values,
 * debiased (divided by 1 − w^k after k of them) so the start is not pulled to 0. A
 * non-finite value stays as it is and leaves the average alone; a constant series is
 * returned as is.
 * @example smooth([1, 2, 3], 0.6) // [1, 1.625, 2.3265…]
 * @param {ArrayLike<number>} values
 * @param {number} weight  0 (no smoothing) .. <1
 * @returns {Float64Array}
 */
export function smooth(values, weight) {
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i];
  const w = Math.min(Math.max(Number(weight) || 0, 0), 0.999);
  let constant = true;
  for (let i = 1; i < n && constant; i++) if (values[i] !== values[0]) constant = false;
  if (n === 0 || constant) return out;
  let last = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    last = last * w + (1 - w) * v;
    k++;
    out[i] = last / (1 - w ** k);
  }
  return out;
}

/**
 * @typedef {{run: string, tag: string, offset: number, length: number}} ScalarSeries
 * @typedef {{run: string, tag: string, kind: string, layer: string, offset: number,
 *   count: number, lo: number, hi: number}} HistSeries
 * @typedef {{run: string, kind: string, tag: string, layer: string, step: number, message: string}} Alert
 */

/**
 * The scalar series that fit in `total` values (offset and length integers in range).
 * @param {unknown} table  the `scalar_series` trait
 * @param {number} total  the length of `scalar_steps` and `scalar_values`
 * @returns {ScalarSeries[]}
 */
export function scalarSeries(table, total) {
  if (!Array.isArray(table)) return [];
  const out = [];
  for (const s of table) {
    if (!s || typeof s !== "object") continue;
    const offset = Number(s.offset);
    const length = Number(s.length);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) continue;
    if (offset + length > total) continue;
    out.push({ run: String(s.run), tag: String(s.tag), offset, length });
  }
  return out;
}

/**
 * The histogram series that fit in `total` steps, with a usable value range.
 * @param {unknown} table  the `hist_series` trait
 * @param {number} total  the number of rows of `hist_steps`, `hist_density` and `bands`
 * @returns {HistSeries[]}
 */
export function histSeries(table, total) {
  if (!Array.isArray(table)) return [];
  const out = [];
  for (const s of table) {
    if (!s || typeof s !== "object") continue;
    const offset = Number(s.offset);
    const count = Number(s.count);
    const lo = Number(s.lo);
    const hi = Number(s.hi);
    if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0) continue;
    if (offset + count > total || !Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) continue;
    const tag = String(s.tag);
    out.push({ run: String(s.run), tag, kind: String(s.kind), layer: String(s.layer ?? ""), offset, count, lo, hi });
  }
  return out;
}

/**
 * The alerts that can be shown (a finite step), as plain records.
 * @param {unknown} list  the `alerts` trait
 * @returns {Alert[]}
 */
export function cleanAlerts(list) {
  if (!Array.isArray(list)) return [];
  const out = [];
  for (const a of list) {
    if (!a || typeof a !== "object" || !Number.isFinite(Number(a.step))) continue;
    out.push({
      run: String(a.run ?? ""),
      kind: String(a.kind ?? ""),
      tag: String(a.tag ?? ""),
      layer: String(a.layer ?? ""),
      step: Number(a.step),
      message: String(a.message ?? ""),
    });
  }
  return out;
}

/**
 * The alerts of `run` about histogram `tag` or its `layer`, or (with `layer` "") about
 * the scalar `tag`.
 * @param {Alert[]} alerts
 * @param {string} run
 * @param {string} tag
 * @param {string} [layer]
 */
export function alertsFor(alerts, run, tag, layer = "") {
  return alerts.filter((a) => a.run === run && (a.tag === tag || (layer !== "" && a.layer === layer)));
}

/**
 * The distinct values of `list[i][key]`, in the order they first appear.
 * @template T
 * @param {T[]} list
 * @param {keyof T} key
 * @returns {string[]}
 */
export function distinct(list, key) {
  return [...new Set(list.map((x) => String(x[key])))];
}

/**
 * [lo, hi] of the finite values of `values[offset:offset+length]` over `series` (only
 * those > 0 when `positive`), or null when there is none.
 * @param {ArrayLike<number>} values
 * @param {{offset: number, length: number}[]} series
 * @param {boolean} [positive]
 * @returns {[number, number]|null}
 */
export function valueRange(values, series, positive = false) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (let i = s.offset; i < s.offset + s.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v) || (positive && !(v > 0))) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * `range` widened by `pad` of its span on each side (a point becomes a small span; on a
 * log axis the padding is in log space).
 * @example padRange([0, 10], 0.05) // [-0.5, 10.5]
 * @param {[number, number]} range
 * @param {number} [pad]
 * @param {boolean} [log]
 * @returns {[number, number]}
 */
export function padRange([lo, hi], pad = 0.05, log = false) {
  if (log) {
    const [a, b] = padRange([Math.log10(lo), Math.log10(hi)], pad);
    return [10 ** a, 10 ** b];
  }
  if (hi === lo) {
    const d = Math.abs(lo) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

/**
 * Ticks of a log axis over [lo, hi] (both > 0): the powers of ten inside, with 2× and 5×
 * (then more) added while there are fewer than three, but never more than `max`.
 * @example logTicks(0.002, 3) // [0.01, 0.1, 1]
 * @param {number} lo
 * @param {number} hi
 * @param {number} [max]
 */
export function logTicks(lo, hi, max = 8) {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const inside = (/** @type {number} */ v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  /** @type {number[]} */
  let out = [];
  for (const mults of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
    const next = [];
    for (let k = k0; k <= k1; k++) {
      for (const m of mults) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (inside(v)) next.push(v);
      }
    }
    if (next.length > max && out.length >= 2) break;
    out = next;
    if (out.length >= 3) break;
  }
  if (out.length > max) {
    const every = Math.ceil(out.length / max);
    out = out.filter((_, i) => i % every === 0);
  }
  return out;
}

/**
 * The distribution bands' polygons (TensorBoard's distribution dashboard): the 9 basis
 * points of each step make four nested bands, between rows 0 and 8, 1 and 7, 2 and 6,
 * 3 and 5 (outermost first), and the median line (row 4). Each polygon runs along the
 * upper edge, then back along the lower one.
 * @param {ArrayLike<number>} xs  the x (px) of each step
 * @param {ArrayLike<number>} bands  [count × 9] values, row-major
 * @param {number} offset  the first row
 * @param {number} count
 * @param {(v: number) => number} y  value → px
 * @returns {{bands: number[][][], median: number[][]}}  polygons and the line, as [x, y] px
 */
export function bandLayout(xs, bands, offset, count, y) {
  /** @type {number[][][]} */
  const polys = [];
  for (let j = 0; j < 4; j++) {
    const poly = [];
    for (let i = 0; i < count; i++) poly.push([xs[i], y(bands[(offset + i) * 9 + 8 - j])]);
    for (let i = count - 1; i >= 0; i--) poly.push([xs[i], y(bands[(offset + i) * 9 + j])]);
    polys.push(poly);
  }
  const median = [];
  for (let i = 0; i < count; i++) median.push([xs[i], y(bands[(offset + i) * 9 + 4])]);
  return { bands: polys, median };
}

/**
 * Where the ridge line of each of `count` steps sits (TensorBoard's offset histograms):
 * the oldest at the top, the newest at the bottom, each baseline `ridge` px below the
 * top of its ridge.
 * @example ridgeBaselines(3, 0, 100, 40) // [40, 70, 100]
 * @param {number} count
 * @param {number} top
 * @param {number} bottom
 * @param {number} ridge  the tallest ridge's height, px
 * @returns {number[]}
 */
export function ridgeBaselines(count, top, bottom, ridge) {
  if (count <= 0) return [];
  if (count === 1) return [bottom];
  const gap = (bottom - top - ridge) / (count - 1);
  return Array.from({ length: count }, (_, i) => top + ridge + i * gap);
}

/**
 * The largest value of `density[offset*bins : (offset+count)*bins]` (0 when none).
 * @param {ArrayLike<number>} density
 * @param {number} offset
 * @param {number} count
 * @param {number} bins
 */
export function densityMax(density, offset, count, bins) {
  let m = 0;
  for (let i = offset * bins; i < (offset + count) * bins; i++) if (density[i] > m) m = density[i];
  return m;
}

/**
 * The index of the last of `steps[offset:offset+count]` (increasing) at or before
 * `step` (relative to `offset`); -1 (or any negative `step`) gives the last. When every
 * step is after `step`: 0.
 * @param {ArrayLike<number>} steps
 * @param {number} offset
 * @param {number} count
 * @param {number} step
 */
export function indexAtOrBefore(steps, offset, count, step) {
  if (count <= 0) return -1;
  if (!(step >= 0)) return count - 1;
  let lo = 0;
  let hi = count - 1;
  if (steps[offset] > step) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[offset + mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The index of the value of `values` (any order) nearest to `v`; -1 when empty.
 * @param {ArrayLike<number>} values
 * @param {number} v
 */
export function nearestIndex(values, v) {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < values.length; i++) {
    const d = Math.abs(values[i] - v);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/**
 * The sorted distinct steps of every series (the step slider's positions).
 * @param {ArrayLike<number>} steps
 * @param {{offset: number, count: number}[]} series
 * @returns {number[]}
 */
export function unionSteps(steps, series) {
  const all = new Set();
  for (const s of series) for (let i = s.offset; i < s.offset + s.count; i++) all.add(steps[i]);
  return [...all].sort((a, b) => a - b);
}

/**
 * A value as the axes and tooltips write it (4 significant digits, exponent when tiny
 * or huge).
 * @example formatValue(0.000123) // "1.23e-4"
 * @param {number} v
 */
export function formatValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split("e");
    return `${Number(m)}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(4)));
}

/**
 * A step count as the axes write it: 1200 → "1.2k".
 * @example formatStep(25000) // "25k"
 * @param {number} v
 */
export function formatStep(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Math.round(v));
}

/**
 * The name of a histogram tag without its kind: "weight/fc1.weight" → "fc1.weight".
 * @param {string} tag
 */
export function shortTag(tag) {
  const i = tag.indexOf("/");
  return i >= 0 && ["weight", "grad", "activation"].includes(tag.slice(0, i)) ? tag.slice(i + 1) : tag;
}

/**
 * The slider position a key moves position `i` of `n` to (←/↓ one back, →/↑ one on,
 * PageUp/PageDown ten, Home/End the ends), or null for another key or no positions.
 * @example sliderKey("ArrowRight", 3, 10) // 4
 * @param {string} key
 * @param {number} i
 * @param {number} n
 * @returns {number|null}
 */
export function sliderKey(key, i, n) {
  if (n <= 0) return null;
  const moves = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 };
  if (key === "Home") return 0;
  if (key === "End") return n - 1;
  if (!(key in moves)) return null;
  return Math.min(n - 1, Math.max(0, i + moves[key]));
}
