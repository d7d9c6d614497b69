// Guided traversal (pure math): keyframe planes worth seeing, and a path through them.
//
// Keyframes are projections (Float64Array(2d), d rows of (x, y), orthonormal columns):
// the PCA "little tour" of the current frame (planes of pairs of principal axes) and, for
// class-axis data such as softmax outputs, planes of pairs of class axes. The path moves
// between keyframes along Grassmann geodesics (the shortest turn from one 2-plane to the
// other, with no spin within the plane), eased in and out, and holds at each keyframe.
import { frameSample } from "./quality.js";

/** Variances at or below this fraction of the largest count as zero (no plane on them). */
const FLAT = 1e-12;

/**
 * Eigenvalues and eigenvectors of a symmetric d×d matrix (row-major): Householder
 * reduction to tridiagonal form, then the implicit QL iteration (EISPACK's tred2 and
 * tql2, as in the public-domain JAMA). O(d³) with small constants: at d = 128 in Node 20
 * it took 20–35 ms (about 100 ms on a first, unoptimized call) where cyclic Jacobi took 1.8 s. Sorted by eigenvalue,
 * largest first; each eigenvector's largest-magnitude entry is made positive, so the
 * result does not depend on rounding-level sign flips.
 * @param {ArrayLike<number>} matrix  symmetric, row-major d×d
 * @param {number} d
 * @returns {{values: Float64Array, vectors: Float64Array}}  vectors: row-major d×d, column c = eigenvector c
 */
export function symmetricEigen(matrix, d) {
  const V = Float64Array.from(matrix);
  const w = new Float64Array(d);
  const e = new Float64Array(d);
  tridiagonalize(V, w, e, d);
  tridiagonalQL(V, w, e, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => w[j] - w[i] || i - j);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, dst) => {
    values[dst] = w[src];
    let big = 0;
    for (let r = 0; r < d; r++) if (Math.abs(V[r * d + src]) > Math.abs(big)) big = V[r * d + src];
    const sign = big < 0 ? -1 : 1;
    for (let r = 0; r < d; r++) vectors[r * d + dst] = sign * V[r * d + src];
  });
  return values.every(Number.isFinite)
    ? { values, vectors }
    : { values: new Float64Array(d), vectors: identityMatrix(d) };
}

/** @param {number} d */
function identityMatrix(d) {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}

/**
 * tred2: reduce the symmetric V (in place) to tridiagonal form; V becomes the orthogonal
 * transform, w the diagonal, e the subdiagonal (e[0] = 0).
 * @param {Float64Array} V  row-major d×d
 * @param {Float64Array} w
 * @param {Float64Array} e
 * @param {number} n
 */
function tridiagonalize(V, w, e, n) {
  for (let j = 0; j < n; j++) w[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(w[k]);
    if (scale === 0) {
      e[i] = w[i - 1];
      for (let j = 0; j < i; j++) {
        w[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        w[k] /= scale;
        h += w[k] * w[k];
      }
      let f = w[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      w[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = w[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * w[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * w[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * w[j];
      for (let j = 0; j < i; j++) {
        f = w[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * w[k];
        w[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    w[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = w[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) w[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * w[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    w[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * tql2: eigenvalues (into w) and eigenvectors (columns of V) of the tridiagonal matrix
 * from {@link tridiagonalize}, by the QL iteration with implicit shifts.
 * @param {Float64Array} V
 * @param {Float64Array} w
 * @param {Float64Array} e
 * @param {number} n
 */
function tridiagonalQL(V, w, e, n) {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(w[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; iter < 60 && Math.abs(e[l]) > eps * tst1; iter++) {
        let g = w[l];
        let p = (w[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        w[l] = e[l] / (p + r);
        w[l + 1] = e[l] * (p + r);
        const dl1 = w[l + 1];
        let h = g - w[l];
        for (let i = l + 2; i < n; i++) w[i] -= h;
        f += h;
        p = w[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * w[i] - s * g;
          w[i + 1] = h + s * (c * g + s * w[i]);
          for (let k = 0; k < n; k++) {
            h = V[k * n + i + 1];
            V[k * n + i + 1] = s * V[k * n + i] + c * h;
            V[k * n + i] = c * V[k * n + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        w[l] = c * p;
      }
    }
    w[l] += f;
    e[l] = 0;
  }
}

/**
 * The covariance (d×d, row-major) of m rows of d values.
 * @param {Float64Array} rows  row-major m×d
 * @param {number} m
 * @param {number} d
 */
function covariance(rows, m, d) {
  const mean = new Float64Array(d);
  for (let s = 0; s < m; s++) for (let k = 0; k < d; k++) mean[k] += rows[s * d + k];
  for (let k = 0; k < d; k++) mean[k] /= m;
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let s = 0; s < m; s++) {
    for (let k = 0; k < d; k++) x[k] = rows[s * d + k] - mean[k];
    for (let i = 0; i < d; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = i; j < d; j++) cov[i * d + j] += xi * x[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      cov[i * d + j] /= Math.max(1, m - 1);
      cov[j * d + i] = cov[i * d + j];
    }
  }
  return cov;
}

/**
 * The projection onto the plane of columns `i` and `j` of a row-major d×d matrix.
 * @param {Float64Array} vectors
 * @param {number} d
 * @param {number} i  becomes x
 * @param {number} j  becomes y
 */
function columnPlane(vectors, d, i, j) {
  const p = new Float64Array(2 * d);
  for (let r = 0; r < d; r++) {
    p[2 * r] = vectors[r * d + i];
    p[2 * r + 1] = vectors[r * d + j];
  }
  return p;
}

/**
 * The PCA "little tour" of frame `frame`: principal axes of the sampled points there
 * (covariance eigenvectors, largest variance first), and the planes of their pairs in
 * the order (pc1, pc2), (pc1, pc3), (pc2, pc3), (pc1, pc4), (pc2, pc4), (pc3, pc4), …,
 * the first axis of each pair as x. Axes of zero variance make no plane.
 * @param {Float32Array} points  [T, n, d] row-major
 * @param {{frames: number, n: number, d: number}} shape
 * @param {number} frame  fractional (the frames mix as the view's do)
 * @param {ArrayLike<number>} sample  point indices (quality.js's sampleIndices)
 * @param {number} [count]  planes wanted at most
 * @returns {Float64Array[]}  projections; [] with fewer than two points or no variance
 */
export function littleTourPlanes(points, shape, frame, sample, count = 6) {
  const { d } = shape;
  const m = sample.length;
  if (m < 2 || d < 2) return [];
  const { values, vectors } = symmetricEigen(covariance(frameSample(points, shape, frame, sample), m, d), d);
  if (!(values[0] > 0)) return [];
  let axes = 0;
  while (axes < d && values[axes] > FLAT * values[0]) axes++;
  const planes = [];
  for (let j = 1; j < axes && planes.length < count; j++) {
    for (let i = 0; i < j && planes.length < count; i++) planes.push(columnPlane(vectors, d, i, j));
  }
  return planes;
}

/**
 * The projection whose x is axis `a` and y axis `b`: the plane (e_a, e_b).
 * @param {number} d
 * @param {number} a
 * @param {number} b
 */
export function axisPlane(d, a, b) {
  const p = new Float64Array(2 * d);
  p[2 * a] = 1;
  p[2 * b + 1] = 1;
  return p;
}

/**
 * The sampled data a confusion ranking of class axes needs.
 * @typedef {Object} ClassAxisData
 * @property {Float32Array} points  [T, n, d]
 * @property {{frames: number, n: number, d: number}} shape
 * @property {number} frame
 * @property {ArrayLike<number>|null} labels  per point, < 0 = unlabelled
 * @property {ArrayLike<number>} sample  point indices
 */

/**
 * How much each pair of classes is confused at a frame, from class-axis values: with each
 * point's values centred on their mean (so logits, whose offset is arbitrary, rank as
 * probabilities do), M[a][b] is the mean value on axis b of the points labelled a, and
 * the pair's confusion is M[a][b] + M[b][a] (a class without sampled points adds 0).
 * @param {ClassAxisData} data
 * @returns {Float64Array|null}  d×d, symmetric; null without labels
 */
function classConfusion({ points, shape, frame, labels, sample }) {
  const { d } = shape;
  if (!labels) return null;
  const rows = frameSample(points, shape, frame, sample);
  const sums = new Float64Array(d * d);
  const counts = new Float64Array(d);
  for (let s = 0; s < sample.length; s++) {
    const label = labels[sample[s]];
    if (!(label >= 0 && label < d)) continue;
    let mean = 0;
    for (let k = 0; k < d; k++) mean += rows[s * d + k];
    mean /= d;
    for (let k = 0; k < d; k++) sums[label * d + k] += rows[s * d + k] - mean;
    counts[label]++;
  }
  const conf = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      const ab = counts[a] ? sums[a * d + b] / counts[a] : 0;
      const ba = counts[b] ? sums[b * d + a] / counts[b] : 0;
      conf[a * d + b] = a === b ? 0 : ab + ba;
    }
  }
  return conf;
}

/**
 * Class-axis views, for data whose dims are the classes (dim i named as class i, e.g. a
 * softmax or logit tour): planes (e_a, e_b) of pairs of class axes. With `data` (and
 * labels), the most confused pairs first (see classConfusion; the lower class index as
 * x); else the consecutive pairs (e0, e1), (e1, e2), …. Names match when equal as
 * trimmed strings.
 * @param {ArrayLike<unknown>|null|undefined} dimNames
 * @param {ArrayLike<unknown>|null|undefined} classNames
 * @param {ClassAxisData} [data]
 * @param {number} [count]  planes wanted at most
 * @returns {Float64Array[]}  [] unless every dim is named as its class (and d ≥ 2)
 */
export function classAxisPlanes(dimNames, classNames, data, count = 6) {
  if (!dimNames || !classNames || dimNames.length < 2 || dimNames.length !== classNames.length) return [];
  const d = dimNames.length;
  for (let i = 0; i < d; i++) if (String(dimNames[i]).trim() !== String(classNames[i]).trim()) return [];
  const conf = data && data.shape.d === d ? classConfusion(data) : null;
  /** @type {Array<[number, number]>} */
  let pairs = [];
  if (conf) {
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) pairs.push([a, b]);
    // Stable sort: equal confusion keeps the index order.
    pairs.sort((p, q) => conf[q[0] * d + q[1]] - conf[p[0] * d + p[1]]);
  } else {
    pairs = Array.from({ length: d - 1 }, (_, i) => /** @type {[number, number]} */ ([i, i + 1]));
  }
  return pairs.slice(0, Math.max(0, count)).map(([a, b]) => axisPlane(d, a, b));
}

/**
 * SVD of a 2×2 matrix [[a, b], [c, e]] = U·diag(s1, s2)·Vᵀ, s1 ≥ s2 ≥ 0, U and V
 * orthogonal (closed form; see Blinn, "Consider the lowly 2×2 matrix").
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @param {number} e
 * @returns {{u: [number, number, number, number], s: [number, number], v: [number, number, number, number]}}  u, v row-major
 */
export function svd2(a, b, c, e) {
  const E = (a + e) / 2;
  const F = (a - e) / 2;
  const G = (c + b) / 2;
  const H = (c - b) / 2;
  const Q = Math.hypot(E, H);
  const R = Math.hypot(F, G);
  const a1 = Math.atan2(G, F);
  const a2 = Math.atan2(H, E);
  const phi = (a2 + a1) / 2; // U = rot(phi)
  const theta = (a2 - a1) / 2; // Vᵀ = rot(theta), so V = rot(−theta)
  const s1 = Q + R;
  let s2 = Q - R;
  let flip = 1;
  if (s2 < 0) {
    s2 = -s2;
    flip = -1; // negate V's second column
  }
  const cu = Math.cos(phi);
  const su = Math.sin(phi);
  const cv = Math.cos(theta);
  const sv = Math.sin(theta);
  return { u: [cu, -su, su, cu], s: [s1, s2], v: [cv, flip * sv, -sv, flip * cv] };
}

/**
 * The distance between the planes of two projections (orthonormal columns):
 * ‖A·Aᵀ − B·Bᵀ‖_F / √2 = √(sin²θ1 + sin²θ2), θ the principal angles. 0 = same plane,
 * √2 = orthogonal planes. Computed as the part of B outside the plane of A, which stays
 * accurate near 0 (√(2 − ‖AᵀB‖²) would lose half the digits). O(d).
 * @param {ArrayLike<number>} a  d rows of (x, y)
 * @param {ArrayLike<number>} b
 * @param {number} d
 */
export function planeDistance(a, b, d) {
  let m00 = 0,
    m01 = 0,
    m10 = 0,
    m11 = 0;
  for (let r = 0; r < d; r++) {
    m00 += a[2 * r] * b[2 * r];
    m01 += a[2 * r] * b[2 * r + 1];
    m10 += a[2 * r + 1] * b[2 * r];
    m11 += a[2 * r + 1] * b[2 * r + 1];
  }
  let sum = 0;
  for (let r = 0; r < d; r++) {
    const rx = b[2 * r] - a[2 * r] * m00 - a[2 * r + 1] * m10;
    const ry = b[2 * r + 1] - a[2 * r] * m01 - a[2 * r + 1] * m11;
    sum += rx * rx + ry * ry;
  }
  return Math.sqrt(sum);
}

/**
 * The projection a fraction `s` of the way along the geodesic from the plane of `from` to
 * the plane of `to` (both with orthonormal columns). With FᵀT = U·Σ·Vᵀ (Σ = cos of the
 * principal angles θ1, θ2), principal vectors F·U and T·V: each F·U column turns towards
 * its T·V partner by s·θ, in the plane they span; the result is then multiplied by Uᵀ,
 * so that s = 0 gives `from` itself. The frame never spins within the moving plane
 * (Pᵀ·dP/ds = 0), and the columns stay orthonormal for every s.
 *
 * What "ends at `to`" means: at s = 1 the result is to·(V·Uᵀ), which spans exactly the
 * plane of `to` (equal projectors, up to rounding) but may be turned or mirrored within
 * it relative to `to` (the least in-plane motion; the orientation of a keyframe plane —
 * a PCA axis's sign, say — carries no meaning). s is clamped to [0, 1]; s ≤ 0 returns a
 * copy of `from`. O(d).
 * @param {ArrayLike<number>} from  d rows of (x, y)
 * @param {ArrayLike<number>} to  d rows of (x, y)
 * @param {number} d
 * @param {number} s
 * @returns {Float64Array}
 */
export function geodesicStep(from, to, d, s) {
  const t = Math.min(Math.max(Number.isFinite(s) ? s : 0, 0), 1);
  if (t === 0) return Float64Array.from(from);
  let m00 = 0,
    m01 = 0,
    m10 = 0,
    m11 = 0;
  for (let r = 0; r < d; r++) {
    m00 += from[2 * r] * to[2 * r];
    m01 += from[2 * r] * to[2 * r + 1];
    m10 += from[2 * r + 1] * to[2 * r];
    m11 += from[2 * r + 1] * to[2 * r + 1];
  }
  const { u, v } = svd2(m00, m01, m10, m11);
  // Principal vectors: a_i = from·u_i, b_i = to·v_i (u_i, v_i the columns of U, V).
  const a = [new Float64Array(d), new Float64Array(d)];
  const b = [new Float64Array(d), new Float64Array(d)];
  for (let r = 0; r < d; r++) {
    for (let i = 0; i < 2; i++) {
      a[i][r] = from[2 * r] * u[i] + from[2 * r + 1] * u[2 + i];
      b[i][r] = to[2 * r] * v[i] + to[2 * r + 1] * v[2 + i];
    }
  }
  // Each b_i = cos θ_i·a_i + sin θ_i·q_i, q_i a unit vector orthogonal to the plane of `from`.
  // θ from atan2(|residual|, cos) stays accurate for small angles, where acos does not.
  const y = [new Float64Array(d), new Float64Array(d)];
  for (let i = 0; i < 2; i++) {
    const q = Float64Array.from(b[i]);
    for (let pass = 0; pass < 2; pass++) {
      for (const ak of a) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += ak[r] * q[r];
        for (let r = 0; r < d; r++) q[r] -= dot * ak[r];
      }
    }
    let cos = 0;
    for (let r = 0; r < d; r++) cos += a[i][r] * b[i][r];
    const sin = Math.hypot(...q);
    const angle = sin > 1e-15 ? Math.atan2(sin, cos) : 0;
    const c = Math.cos(t * angle);
    const sn = angle ? Math.sin(t * angle) / sin : 0;
    for (let r = 0; r < d; r++) y[i][r] = c * a[i][r] + sn * q[r];
  }
  const out = new Float64Array(2 * d);
  for (let r = 0; r < d; r++) {
    // (y0 y1)·Uᵀ: column c is Σ_i y_i·U[c][i].
    out[2 * r] = y[0][r] * u[0] + y[1][r] * u[1];
    out[2 * r + 1] = y[0][r] * u[2] + y[1][r] * u[3];
  }
  return out;
}

/** Ease in and out (smoothstep): a leg starts and stops at rest. */
const ease = (/** @type {number} */ s) => s * s * (3 - 2 * s);

/**
 * A guided path through keyframe planes, driven by the view once per animation frame:
 *
 *   const path = createGuidedPath(littleTourPlanes(...), { secondsPerLeg: 3 });
 *   // per animation frame, with the tour's current projection:
 *   path.advance(dt);
 *   tour.setProjection(path.projection(tour.projection()));
 *
 * Each leg starts from the view as it is when the leg begins (the first from wherever
 * the user was), moves along {@link geodesicStep} with eased timing for `secondsPerLeg`,
 * then holds at the keyframe for `holdSeconds`; after the last keyframe it loops to the
 * first, or (loop false) stops there with `done` true. A leg whose start is already on
 * its keyframe's plane goes straight to the hold. One `advance` crosses at most one
 * boundary (leg end, hold end) and drops the rest of its dt, so that every leg's start is
 * seen by `projection`: call it once per `advance`.
 *
 * @param {ArrayLike<number>[]} planes  keyframes, each d rows of (x, y), orthonormal
 * @param {{secondsPerLeg?: number, holdSeconds?: number, loop?: boolean}} [options]
 */
export function createGuidedPath(planes, { secondsPerLeg = 3, holdSeconds = 1.5, loop = true } = {}) {
  const keys = planes.map((p) => Float64Array.from(p));
  const d = keys.length ? keys[0].length / 2 : 0;
  if (keys.some((p) => p.length !== 2 * d)) throw new Error("guided path: keyframes of different dimensions");
  const legTime = Math.max(0, Number(secondsPerLeg) || 0);
  const holdTime = Math.max(0, Number(holdSeconds) || 0);
  let index = 0;
  /** @type {"moving"|"holding"|"done"} */
  let phase = keys.length ? "moving" : "done";
  let clock = 0; // seconds into the current leg or hold
  /** @type {Float64Array|null} the current leg's start, taken at its first projection() */
  let start = null;

  const path = {
    /** Keyframes on the path. */
    count: keys.length,
    /** The keyframe the view heads to or holds at. */
    get index() {
      return index;
    },
    /** "moving" (a leg), "holding" (at a keyframe) or "done" (the end of a path without loop). */
    get phase() {
      return phase;
    },
    get done() {
      return phase === "done";
    },
    /** Fraction of the current leg covered, before easing (1 while holding or done). */
    get progress() {
      if (phase !== "moving") return 1;
      return legTime > 0 ? Math.min(1, clock / legTime) : 1;
    },
    /**
     * Move on by `dt` seconds (scale it for a speed).
     * @param {number} dt
     */
    advance(dt) {
      if (!(dt > 0) || phase === "done") return;
      clock += dt;
      if (phase === "moving" && start && clock >= legTime) {
        phase = "holding";
        clock = 0;
      } else if (phase === "holding" && clock >= holdTime) {
        if (index + 1 >= keys.length && !loop) {
          phase = "done";
        } else {
          index = (index + 1) % keys.length;
          phase = "moving";
          start = null;
        }
        clock = 0;
      }
    },
    /**
     * The projection to show now; `current` (the view's projection now) starts a leg that
     * has not started yet, and is returned as it is when there are no keyframes.
     * @param {ArrayLike<number>} current  d rows of (x, y)
     * @returns {Float64Array}
     */
    projection(current) {
      if (!keys.length) return Float64Array.from(current);
      const target = keys[index];
      if (phase === "moving" && !start) {
        start = Float64Array.from(current);
        clock = 0;
        if (planeDistance(start, target, d) < 1e-9) phase = "holding";
      }
      // Holding or done: where the leg ended (the keyframe's plane, oriented as reached).
      return geodesicStep(start, target, d, phase === "moving" ? ease(path.progress) : 1);
    },
    /**
     * Head for keyframe `k` from wherever the view is (the next projection() starts the leg).
     * @param {number} k
     */
    goTo(k) {
      if (!keys.length) return;
      index = ((Math.trunc(k) % keys.length) + keys.length) % keys.length;
      phase = "moving";
      clock = 0;
      start = null;
    },
  };
  return path;
}
