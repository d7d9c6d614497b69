// The intrinsic-dimension chart's pure helpers: the log d axis and its ticks, means over
// the seeds that finished, the accuracy domain, the marks of each run, and the caption.

/**
 * The model's `dims` as positive integers, increasing, repeats dropped.
 * @example cleanDims([16, 4, 4, -1, "x"]) // [4, 16]
 * @param {unknown} dims
 * @returns {number[]}
 */
export function cleanDims(dims) {
  if (!Array.isArray(dims)) return [];
  const ok = dims.map(Number).filter((d) => Number.isFinite(d) && d > 0);
  return [...new Set(ok)].sort((a, b) => a - b);
}

/**
 * The log axis's domain around `dims`: a margin of a fifth of a decade each side (a
 * decade around a single d; [1, 10] with none).
 * @example dimDomain([10, 1000]) // [10 / 10 ** 0.2, 1000 * 10 ** 0.2]
 * @param {number[]} dims
 * @returns {[number, number]}
 */
export function dimDomain(dims) {
  if (!dims.length) return [1, 10];
  const lo = dims[0];
  const hi = dims[dims.length - 1];
  if (lo === hi) return [lo / Math.SQRT2 / 2.2, hi * Math.SQRT2 * 2.2];
  const pad = 10 ** 0.2;
  return [lo / pad, hi * pad];
}

/**
 * Tick values of the log d axis: the dims themselves, thinned (keeping the first and the
 * last) so that neighbouring ticks are at least `minGap` px apart under `map`.
 * @example dimTicks([1, 2, 4, 1000], (d) => 100 * Math.log10(d), 40) // [1, 4, 1000]
 * @param {number[]} dims  increasing
 * @param {(d: number) => number} map  d → px
 * @param {number} [minGap]
 * @returns {number[]}
 */
export function dimTicks(dims, map, minGap = 36) {
  const out = [];
  for (const d of dims) {
    if (out.length && Math.abs(map(d) - map(out[out.length - 1])) < minGap) continue;
    out.push(d);
  }
  const last = dims[dims.length - 1];
  if (dims.length > 1 && out[out.length - 1] !== last) {
    if (out.length > 1 && Math.abs(map(last) - map(out[out.length - 1])) < minGap) out.pop();
    out.push(last);
  }
  return out;
}

/**
 * A d as a tick label: in full up to 99,999 (the dims are often powers of two), then
 * short: 131k, 1.2M.
 * @example formatD(2048) // "2,048"
 * @param {number} d
 */
export function formatD(d) {
  if (d >= 1e6) return `${Number((d / 1e6).toPrecision(3))}M`;
  if (d >= 1e5) return `${Number((d / 1e3).toPrecision(3))}k`;
  return formatCount(d);
}

/**
 * A count with thousands separators: 2,410.
 * @param {number} n
 */
export function formatCount(n) {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The mean of the finite values of `values` (NaN when none is).
 * @example meanFinite([0.5, NaN, 0.7]) // 0.6
 * @param {ArrayLike<number>} values
 */
export function meanFinite(values) {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : Number.NaN;
}

/**
 * Per d, the mean accuracy over the seeds whose run finished (NaN where none has), from
 * the row-major [dims, seeds] table `acc`.
 * @example meanOverSeeds(Float32Array.of(0.2, NaN, NaN, NaN), 2, 2) // [0.2, NaN]
 * @param {ArrayLike<number>} acc
 * @param {number} nd
 * @param {number} ns
 * @returns {number[]}
 */
export function meanOverSeeds(acc, nd, ns) {
  const out = [];
  for (let i = 0; i < nd; i++) {
    const row = [];
    for (let j = 0; j < ns; j++) row.push(acc[i * ns + j]);
    out.push(meanFinite(row));
  }
  return out;
}

/**
 * The accuracy axis's domain: the finite accuracies, the dense baseline and its level,
 * padded; within [0, 1]; [0, 1] when nothing is known.
 * @param {ArrayLike<number>} acc
 * @param {number[]} extra  dense mean, target (NaN ignored)
 * @returns {[number, number]}
 */
export function accuracyDomain(acc, extra = []) {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const see = (/** @type {number} */ v) => {
    if (!Number.isFinite(v)) return;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  };
  for (let i = 0; i < acc.length; i++) see(acc[i]);
  for (const v of extra) see(v);
  if (!(hi >= lo)) return [0, 1];
  const pad = Math.max(0.02, 0.06 * (hi - lo));
  return [Math.max(0, lo - pad), Math.min(1, hi + pad)];
}

/**
 * @typedef {{i: number, j: number, d: number, seed: number, state: "done"|"failed"|"pending",
 *   accuracy: number, error: string}} Run
 */

/**
 * One mark per (d, seed): done (finite accuracy), failed (in `failures`) or pending.
 * @param {number[]} dims
 * @param {number[]} seeds
 * @param {ArrayLike<number>|null} acc  row-major [dims, seeds]
 * @param {unknown} failures  [{d, seed, error}]
 * @returns {Run[]}
 */
export function runMarks(dims, seeds, acc, failures) {
  /** @type {Map<string, string>} */
  const failed = new Map();
  if (Array.isArray(failures)) {
    for (const f of failures) {
      if (f && typeof f === "object") failed.set(`${Number(f.d)}/${Number(f.seed)}`, String(f.error ?? ""));
    }
  }
  const out = [];
  for (let i = 0; i < dims.length; i++) {
    for (let j = 0; j < seeds.length; j++) {
      const v = acc && acc.length === dims.length * seeds.length ? acc[i * seeds.length + j] : Number.NaN;
      const key = `${dims[i]}/${seeds[j]}`;
      /** @type {Run["state"]} */
      const state = Number.isFinite(v) ? "done" : failed.has(key) ? "failed" : "pending";
      out.push({ i, j, d: dims[i], seed: seeds[j], state, accuracy: v, error: failed.get(key) ?? "" });
    }
  }
  return out;
}

/**
 * The caption under the chart: "d_int90 = 256, D = 2,410, compression 9.4×", or what is
 * still missing.
 * @example caption(256, 2410, 0.9) // "d_int90 = 256, D = 2,410, compression 9.4×"
 * @param {number} d90  -1 none
 * @param {number} D
 * @param {number} level
 * @param {boolean} [running]
 */
export function caption(d90, D, level, running = false) {
  const name = `d_int${Math.round(100 * level)}`;
  if (d90 > 0) {
    const c = D / d90;
    const comp = c >= 100 ? formatCount(c) : String(Number(c.toFixed(1)));
    return `${name} = ${formatCount(d90)}, D = ${formatCount(D)}, compression ${comp}×`;
  }
  return `${name}: ${running ? "not reached yet" : "not reached"}, D = ${formatCount(D)}`;
}

/**
 * The element of `items` with (x, y) nearest (px, py) within `radius`, or null.
 * @template {{x: number, y: number}} T
 * @param {T[]} items
 * @param {number} px
 * @param {number} py
 * @param {number} radius
 * @returns {T|null}
 */
export function nearest(items, px, py, radius) {
  let best = null;
  let bestD = radius * radius;
  for (const it of items) {
    const dd = (it.x - px) ** 2 + (it.y - py) ** 2;
    if (dd <= bestD) {
      bestD = dd;
      best = it;
    }
  }
  return best;
}
