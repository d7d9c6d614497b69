// How good the current view is (pure): on a fixed, seeded sample of the points, project
// them at the current (fractional) frame and score how well the classes separate in the
// 2-D view, as the mean k-nearest-neighbour label agreement. Also the robust extent of a
// set of 2-D positions, which the frame previews and the view's fit-to-view share.
import { mulberry32 } from "../lib/tour.js";

/** Points sampled by default: enough for a stable score, few enough for O(m²) per update. */
export const DEFAULT_SAMPLE = 600;

/**
 * `min(n, m)` distinct point indices, drawn with a seeded PRNG (Floyd's algorithm: O(m)
 * time and memory, whatever n), sorted ascending. The same (n, m, seed) always gives the
 * same sample.
 * @param {number} n  number of points
 * @param {number} [m]  sample size
 * @param {number} [seed]
 * @returns {Int32Array}
 */
export function sampleIndices(n, m = DEFAULT_SAMPLE, seed = 0) {
  const total = Math.max(0, Math.floor(n) || 0);
  const size = Math.min(total, Math.max(0, Math.floor(m) || 0));
  if (size === total) return Int32Array.from({ length: total }, (_, i) => i);
  const rand = mulberry32(seed);
  const picked = new Set();
  for (let j = total - size; j < total; j++) {
    const t = Math.floor(rand() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  return Int32Array.from(picked).sort();
}

/**
 * Point `p`'s coordinate `k` at fractional frame `frame`: frames f0 = ⌊frame⌋ and f0 + 1
 * mixed linearly, as the vertex shader does; `frame` is clamped to [0, frames − 1].
 * @param {{frames: number, n: number, d: number}} shape
 * @param {number} frame
 */
function frameMix(shape, frame) {
  const { frames, n, d } = shape;
  const f = Math.min(Math.max(Number.isFinite(frame) ? frame : 0, 0), Math.max(0, frames - 1));
  const f0 = Math.floor(f);
  const f1 = Math.min(f0 + 1, frames - 1);
  return { o0: f0 * n * d, o1: f1 * n * d, a: f - f0 };
}

/**
 * The sampled points' d-dim values at fractional frame `frame`, row-major m×d.
 * @param {Float32Array} points  [T, n, d] row-major
 * @param {{frames: number, n: number, d: number}} shape
 * @param {number} frame
 * @param {ArrayLike<number>} sample  point indices
 * @returns {Float64Array}
 */
export function frameSample(points, shape, frame, sample) {
  const { d } = shape;
  const { o0, o1, a } = frameMix(shape, frame);
  const out = new Float64Array(sample.length * d);
  for (let s = 0; s < sample.length; s++) {
    const b = sample[s] * d;
    for (let k = 0; k < d; k++) {
      const v0 = points[o0 + b + k];
      out[s * d + k] = a > 0 ? v0 * (1 - a) + points[o1 + b + k] * a : v0;
    }
  }
  return out;
}

/**
 * The sampled points' 2-D positions (projection units, y up) at fractional frame `frame`
 * under `projection`, 2 per sampled point in the order of `sample`. O(m·d).
 * @param {Float32Array} points  [T, n, d] row-major
 * @param {{frames: number, n: number, d: number}} shape
 * @param {number} frame
 * @param {ArrayLike<number>} projection  d rows of (x, y)
 * @param {ArrayLike<number>} sample  point indices
 * @param {Float32Array} [out]  reused when it has length 2m
 * @returns {Float32Array}
 */
export function projectSample(points, shape, frame, projection, sample, out) {
  const { d } = shape;
  const m = sample.length;
  out = out && out.length === 2 * m ? out : new Float32Array(2 * m);
  const { o0, o1, a } = frameMix(shape, frame);
  for (let s = 0; s < m; s++) {
    const b = sample[s] * d;
    let x = 0;
    let y = 0;
    for (let k = 0; k < d; k++) {
      const v0 = points[o0 + b + k];
      const v = a > 0 ? v0 * (1 - a) + points[o1 + b + k] * a : v0;
      x += v * projection[2 * k];
      y += v * projection[2 * k + 1];
    }
    out[2 * s] = x;
    out[2 * s + 1] = y;
  }
  return out;
}

/**
 * The sampled points that count for a score: label ≥ 0 and a finite position. Null when
 * fewer than two such points or fewer than two classes among them.
 * @param {ArrayLike<number>} xy
 * @param {ArrayLike<number>|null|undefined} labels  per point (all n), < 0 = unlabelled
 * @param {ArrayLike<number>} sample
 */
function scoredPoints(xy, labels, sample) {
  if (!labels) return null;
  const keep = [];
  const classes = new Set();
  for (let s = 0; s < sample.length; s++) {
    const label = labels[sample[s]];
    if (!(label >= 0) || !Number.isFinite(xy[2 * s]) || !Number.isFinite(xy[2 * s + 1])) continue;
    keep.push(s);
    classes.add(label);
  }
  return keep.length >= 2 && classes.size >= 2 ? keep : null;
}

/**
 * How well the classes separate in a 2-D view: the k-NN hit rate, defined as the mean,
 * over the sampled labelled points, of the fraction of each point's k nearest other
 * sampled points (Euclidean, in 2-D) that share its label. 1 = every neighbourhood is
 * pure; random arrangement scores about {@link knnChance} (≈ 1/classes when balanced).
 * The mean of fractions (rather than a majority vote per point) moves smoothly as the
 * view turns. Points with a label < 0 or a non-finite position take no part. Distance
 * ties go to the lower sample position. O(m²·k): at m = 600 it took 3–4 ms in Node 20
 * (12 ms on a first call), so update it a few times a second, not every frame.
 * @param {ArrayLike<number>} xy  2 per sampled point, in the order of `sample`
 * @param {ArrayLike<number>|null|undefined} labels  per point (all n)
 * @param {ArrayLike<number>} sample  point indices
 * @param {number} [k]  neighbours (at most the number of scored points − 1)
 * @returns {number}  in [0, 1]; NaN without labels or with fewer than two classes
 */
export function knnHitRate(xy, labels, sample, k = 5) {
  const keep = scoredPoints(xy, labels, sample);
  if (!keep) return NaN;
  const m = keep.length;
  const kk = Math.max(1, Math.min(Math.floor(k) || 1, m - 1));
  const px = new Float64Array(m);
  const py = new Float64Array(m);
  const lab = new Int32Array(m);
  for (let q = 0; q < m; q++) {
    px[q] = xy[2 * keep[q]];
    py[q] = xy[2 * keep[q] + 1];
    lab[q] = labels[sample[keep[q]]];
  }
  // The k best so far, kept sorted by distance (insertion: k is small).
  const bestD = new Float64Array(kk);
  const bestL = new Int32Array(kk);
  let total = 0;
  for (let i = 0; i < m; i++) {
    bestD.fill(Infinity);
    const xi = px[i];
    const yi = py[i];
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      const dx = px[j] - xi;
      const dy = py[j] - yi;
      const dd = dx * dx + dy * dy;
      if (dd >= bestD[kk - 1]) continue;
      let slot = kk - 1;
      while (slot > 0 && bestD[slot - 1] > dd) {
        bestD[slot] = bestD[slot - 1];
        bestL[slot] = bestL[slot - 1];
        slot--;
      }
      bestD[slot] = dd;
      bestL[slot] = lab[j];
    }
    let hits = 0;
    for (let q = 0; q < kk; q++) if (bestL[q] === lab[i]) hits++;
    total += hits / kk;
  }
  return total / m;
}

/**
 * What {@link knnHitRate} expects when labels are unrelated to position: the chance that
 * another scored point shares a point's label, Σ_c n_c(n_c − 1) / (m(m − 1)). Shown next
 * to the score, it says how far above chance a view is.
 * @param {ArrayLike<number>} xy
 * @param {ArrayLike<number>|null|undefined} labels
 * @param {ArrayLike<number>} sample
 * @returns {number}  NaN where knnHitRate is NaN
 */
export function knnChance(xy, labels, sample) {
  const keep = scoredPoints(xy, labels, sample);
  if (!keep) return NaN;
  /** @type {Map<number, number>} */
  const counts = new Map();
  for (const s of keep) {
    const label = labels[sample[s]];
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const m = keep.length;
  let same = 0;
  for (const c of counts.values()) same += c * (c - 1);
  return same / (m * (m - 1));
}

/**
 * The `q`-quantile of sorted finite values (linear between order statistics).
 * @param {Float32Array|Float64Array} sorted
 * @param {number} q
 */
export function quantile(sorted, q) {
  const pos = Math.min(Math.max(q, 0), 1) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The robust extent of 2-D positions: per axis, the `lo` and `hi` quantiles of the finite
 * values (linear interpolation between order statistics, as numpy's default), so a few
 * outliers do not shrink the rest to a dot. O(m log m).
 * @param {ArrayLike<number>} xy  2 per position
 * @param {number} [lo]
 * @param {number} [hi]
 * @returns {{x0: number, x1: number, y0: number, y1: number}|null}  null when no position is finite
 */
export function robustBox(xy, lo = 0.01, hi = 0.99) {
  const m = Math.floor(xy.length / 2);
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  let count = 0;
  for (let s = 0; s < m; s++) {
    const x = xy[2 * s];
    const y = xy[2 * s + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    xs[count] = x;
    ys[count] = y;
    count++;
  }
  if (count === 0) return null;
  const sx = xs.subarray(0, count).sort();
  const sy = ys.subarray(0, count).sort();
  return { x0: quantile(sx, lo), x1: quantile(sx, hi), y0: quantile(sy, lo), y1: quantile(sy, hi) };
}
