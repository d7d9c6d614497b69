// The Grand Tour's rotation, pure math (no DOM, no WebGL), mirroring nbviz.tour's conventions.
//
// A d-dim point x is shown at x·P, P a d×2 matrix with orthonormal columns. P is the first
// two columns of M = B·R(t): B a d×d orthonormal "base" (identity at start, replaced after
// every drag), R(t) the product over plane pairs (i<j, i ascending then j ascending) of the
// Givens rotations G(i, j, θ_ij·t), accumulated left to right. One angular velocity θ_ij per
// plane, drawn from U(0.5π, 1.5π) by a seeded PRNG, so a seed gives the same tour everywhere.
//
// Dragging axis i uses the article's rule, as nbviz.tour.drag_axis_matrix does: add the
// screen delta to row i of the full matrix B·R(t), Gram–Schmidt the rows (row i first),
// and make the result the new base with t = 0; Python's `projection` re-bases through
// completeBasis. Reference values from the Python side are checked in js/test/tour.test.js.
//
// Matrices are row-major Float64Arrays: M[r * d + c]. A projection P is a Float64Array of
// length 2d laid out as d rows of (x, y), which is also the layout of a GLSL `vec2[d]`.

/** The largest dimension the view (and this module's uniform layout) supports. */
export const MAX_DIM = 128;

/** Norms below this count as zero (Gram–Schmidt skips or refuses such vectors). */
const EPS = 1e-9;

/**
 * mulberry32: a tiny seeded PRNG with uniform floats in [0, 1).
 * @param {number} seed  any integer (taken modulo 2^32)
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The plane pairs (i, j), i < j, in tour order: i ascending, then j ascending.
 * @param {number} d
 * @returns {Array<[number, number]>}
 */
export function planePairs(d) {
  const pairs = [];
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) pairs.push([i, j]);
  return pairs;
}

/**
 * One angular velocity per plane pair, θ ~ U(0.5π, 1.5π), in {@link planePairs} order.
 * @param {number} d
 * @param {number} seed
 * @returns {Float64Array}
 */
export function angularVelocities(d, seed) {
  const rand = mulberry32(seed);
  const n = (d * (d - 1)) / 2;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = Math.PI * (0.5 + rand());
  return out;
}

/** The d×d identity, row-major. */
export function identity(d) {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}

/**
 * Right-multiply the d×d matrix `m` in place by the Givens rotation G(i, j, a)
 * (identity except G[i][i] = cos a, G[i][j] = −sin a, G[j][i] = sin a, G[j][j] = cos a).
 * Only columns i and j change, so this is O(d).
 */
export function applyGivensRight(m, d, i, j, a) {
  const c = Math.cos(a);
  const s = Math.sin(a);
  for (let r = 0; r < d; r++) {
    const mi = m[r * d + i];
    const mj = m[r * d + j];
    m[r * d + i] = c * mi + s * mj;
    m[r * d + j] = -s * mi + c * mj;
  }
}

/**
 * M = B·R(t), written into `out` (allocated when not given). O(d³).
 * @param {Float64Array} base  B, d×d
 * @param {Float64Array} angles  θ per plane pair
 * @param {number} d
 * @param {number} t
 * @param {Float64Array} [out]
 */
export function tourBasis(base, angles, d, t, out = new Float64Array(d * d)) {
  out.set(base);
  let k = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) applyGivensRight(out, d, i, j, angles[k++] * t);
  }
  return out;
}

/**
 * The projection P = first two columns of B·R(t), in O(d²): R(t)·[e0 e1] is built by
 * applying the Givens rotations from the left to a d×2 matrix, last pair first (each
 * touches two rows, O(1)), then multiplied by B. Equal to firstTwoColumns(tourBasis(...)).
 * @returns {Float64Array}  d rows of (x, y)
 */
export function tourProjection(base, angles, d, t, out = new Float64Array(2 * d), work = new Float64Array(2 * d)) {
  work.fill(0);
  work[0] = 1; // row 0, column 0
  work[3] = 1; // row 1, column 1
  let k = angles.length;
  for (let i = d - 2; i >= 0; i--) {
    for (let j = d - 1; j > i; j--) {
      const a = angles[--k] * t;
      const c = Math.cos(a);
      const s = Math.sin(a);
      for (let col = 0; col < 2; col++) {
        const xi = work[2 * i + col];
        const xj = work[2 * j + col];
        work[2 * i + col] = c * xi - s * xj;
        work[2 * j + col] = s * xi + c * xj;
      }
    }
  }
  for (let r = 0; r < d; r++) {
    let x = 0,
      y = 0;
    for (let q = 0; q < d; q++) {
      const b = base[r * d + q];
      x += b * work[2 * q];
      y += b * work[2 * q + 1];
    }
    out[2 * r] = x;
    out[2 * r + 1] = y;
  }
  return out;
}

/**
 * The first two columns of the d×d matrix `m` as a projection (d rows of x, y).
 * @returns {Float64Array}
 */
export function firstTwoColumns(m, d, out = new Float64Array(2 * d)) {
  for (let r = 0; r < d; r++) {
    out[2 * r] = m[r * d];
    out[2 * r + 1] = m[r * d + 1];
  }
  return out;
}

/**
 * Gram–Schmidt on the two columns of a projection: normalize column 0, remove its
 * component from column 1, normalize column 1. Returns null when a column is (near) zero
 * or the two are (near) parallel, so that callers can keep their previous projection.
 * @param {ArrayLike<number>} p  d rows of (x, y)
 * @param {number} d
 * @returns {Float64Array|null}
 */
export function orthonormalize(p, d) {
  let n0 = 0;
  for (let r = 0; r < d; r++) n0 += p[2 * r] * p[2 * r];
  n0 = Math.sqrt(n0);
  if (!(n0 > EPS) || !Number.isFinite(n0)) return null;
  const out = new Float64Array(2 * d);
  let dot = 0;
  for (let r = 0; r < d; r++) {
    out[2 * r] = p[2 * r] / n0;
    dot += out[2 * r] * p[2 * r + 1];
  }
  let n1 = 0;
  for (let r = 0; r < d; r++) {
    const v = p[2 * r + 1] - dot * out[2 * r];
    out[2 * r + 1] = v;
    n1 += v * v;
  }
  n1 = Math.sqrt(n1);
  // Relative test: a column 1 that was almost all along column 0 leaves only rounding noise.
  let p1 = 0;
  for (let r = 0; r < d; r++) p1 += p[2 * r + 1] * p[2 * r + 1];
  if (!(n1 > EPS) || !(n1 > 1e-6 * Math.sqrt(p1)) || !Number.isFinite(n1)) return null;
  for (let r = 0; r < d; r++) out[2 * r + 1] /= n1;
  return out;
}

/**
 * The projection after dragging axis handle `i` by (dx, dy) projection units, on the
 * projection alone: add the delta to row i, then {@link orthonormalize}. Falls back to `p`
 * (copied) when the result would be degenerate, so the answer is never NaN. The view
 * uses {@link dragAxisMatrix}, which keeps the handle closer to the cursor.
 */
export function dragProjection(p, d, i, dx, dy) {
  if (!(i >= 0 && i < d) || !Number.isFinite(dx) || !Number.isFinite(dy)) return Float64Array.from(p);
  const q = Float64Array.from(p);
  q[2 * i] += dx;
  q[2 * i + 1] += dy;
  return orthonormalize(q, d) ?? Float64Array.from(p);
}

/**
 * The article's axis drag on the full d×d tour matrix M (as nbviz.tour.drag_axis_matrix):
 * add (dx, dy) to M[i][0], M[i][1], then Gram–Schmidt on the rows of M, row i first and
 * the others ascending. A dragged row that collapses to zero keeps its old value; a row
 * that becomes dependent is replaced by the next standard basis vector that is not, so
 * the result is always orthogonal (never NaN). O(d³). Returns a new matrix.
 * @param {Float64Array} m  row-major d×d, orthogonal
 */
export function dragAxisMatrix(m, d, i, dx, dy) {
  const out = new Float64Array(d * d);
  if (!(i >= 0 && i < d) || !Number.isFinite(dx) || !Number.isFinite(dy)) {
    out.set(m);
    return out;
  }
  const moved = Float64Array.from(m);
  moved[i * d] += dx;
  moved[i * d + 1] += dy;
  if (!Number.isFinite(moved[i * d]) || !Number.isFinite(moved[i * d + 1])) {
    const big = Math.max(Math.abs(dx), Math.abs(dy));
    for (let c = 0; c < d; c++) moved[i * d + c] = 0;
    moved[i * d] = dx / big;
    moved[i * d + 1] = dy / big;
  }
  const order = [i];
  for (let k = 0; k < d; k++) if (k !== i) order.push(k);
  const done = [];
  let fallback = 0;
  const row = new Float64Array(d);
  for (const k of order) {
    for (let c = 0; c < d; c++) row[c] = moved[k * d + c];
    let big = 0;
    for (let c = 0; c < d; c++) big = Math.max(big, Math.abs(row[c]));
    if (big > 1e150) for (let c = 0; c < d; c++) row[c] /= big;
    else if (k === i && Math.hypot(...row) < 1e-8) for (let c = 0; c < d; c++) row[c] = m[i * d + c];
    let norm = 0;
    for (;;) {
      for (let pass = 0; pass < 2; pass++) {
        for (const u of done) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += u[c] * row[c];
          for (let c = 0; c < d; c++) row[c] -= dot * u[c];
        }
      }
      norm = 0;
      for (let c = 0; c < d; c++) norm += row[c] * row[c];
      norm = Math.sqrt(norm);
      if (norm > 1e-8 || fallback >= d) break;
      row.fill(0);
      row[fallback++] = 1;
    }
    const u = new Float64Array(d);
    for (let c = 0; c < d; c++) u[c] = row[c] / norm;
    done.push(u);
    out.set(u, k * d);
  }
  return out;
}

/**
 * Complete a projection's two orthonormal columns to a d×d orthonormal basis: P's columns
 * first, then Gram–Schmidt of the standard basis vectors e_0, e_1, … (skipping those that
 * are nearly in the span so far). Row-major d×d.
 * @param {ArrayLike<number>} p  d rows of (x, y), columns orthonormal
 * @param {number} d
 * @returns {Float64Array}
 */
export function completeBasis(p, d) {
  const cols = [];
  const col = (c) => {
    const v = new Float64Array(d);
    for (let r = 0; r < d; r++) v[r] = p[2 * r + c];
    return v;
  };
  cols.push(col(0), col(1));
  const reduce = (v) => {
    // Twice, for numerical orthogonality ("twice is enough").
    for (let pass = 0; pass < 2; pass++) {
      for (const u of cols) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += u[r] * v[r];
        for (let r = 0; r < d; r++) v[r] -= dot * u[r];
      }
    }
    let n = 0;
    for (let r = 0; r < d; r++) n += v[r] * v[r];
    return Math.sqrt(n);
  };
  // Any threshold below 1/sqrt(d) leaves enough candidates; a high one keeps conditioning good.
  for (const threshold of [0.5 / Math.sqrt(d), 1e-6]) {
    for (let k = 0; k < d && cols.length < d; k++) {
      const v = new Float64Array(d);
      v[k] = 1;
      const n = reduce(v);
      if (n > threshold) {
        for (let r = 0; r < d; r++) v[r] /= n;
        cols.push(v);
      }
    }
  }
  const m = new Float64Array(d * d);
  for (let c = 0; c < d; c++) for (let r = 0; r < d; r++) m[r * d + c] = cols[c][r];
  return m;
}

/**
 * The largest |PᵀP − I| entry: 0 for an exactly orthonormal projection.
 * @param {ArrayLike<number>} p
 * @param {number} d
 */
export function orthonormalityError(p, d) {
  let a = 0,
    b = 0,
    c = 0;
  for (let r = 0; r < d; r++) {
    a += p[2 * r] * p[2 * r];
    b += p[2 * r] * p[2 * r + 1];
    c += p[2 * r + 1] * p[2 * r + 1];
  }
  return Math.max(Math.abs(a - 1), Math.abs(b), Math.abs(c - 1));
}

/**
 * A running tour: its angles, base and time. Per-frame cost O(d²) (a drag's re-base is
 * O(d³)), independent of the number of points.
 *
 *   const tour = createTour(10, 0);
 *   tour.advance(0.016);          // move on
 *   tour.projection();            // Float64Array(2d): the current P
 *   tour.drag(3, 0.1, 0);         // steer axis 3; re-bases, t restarts at 0
 *
 * @param {number} d  dimension (2..MAX_DIM)
 * @param {number} seed
 */
export function createTour(d, seed) {
  if (!(Number.isInteger(d) && d >= 2 && d <= MAX_DIM)) throw new Error(`tour: d must be 2..${MAX_DIM}, got ${d}`);
  let angles = angularVelocities(d, seed);
  /** @type {Float64Array} */
  let base = identity(d);
  let t = 0;
  const work = new Float64Array(2 * d);
  /** @type {Float64Array} */
  let current = firstTwoColumns(base, d);
  let stale = false;

  const tour = {
    d,
    get t() {
      return t;
    },
    /** Move the tour on by `dt` (tour time units). */
    advance(dt) {
      if (Number.isFinite(dt) && dt !== 0) {
        t += dt;
        stale = true;
      }
    },
    /** The current projection P = first two columns of B·R(t) (do not mutate). */
    projection() {
      if (stale) {
        current = tourProjection(base, angles, d, t, new Float64Array(2 * d), work);
        stale = false;
      }
      return current;
    },
    /** Continue the tour from projection `p` (its columns orthonormalized): B ← complete(p), t ← 0. */
    setProjection(p) {
      const q = orthonormalize(p, d);
      if (!q) return false;
      base = completeBasis(q, d);
      t = 0;
      current = q;
      stale = false;
      return true;
    },
    /**
     * Drag axis `i` by (dx, dy) projection units ({@link dragAxisMatrix} on B·R(t)); the
     * result becomes the base and t restarts at 0, so the tour continues from there.
     */
    drag(i, dx, dy) {
      base = dragAxisMatrix(tourBasis(base, angles, d, t), d, i, dx, dy);
      t = 0;
      current = firstTwoColumns(base, d);
      stale = false;
      return current;
    },
    /** New angular velocities for `seed`; keeps the current view. */
    reseed(newSeed) {
      const p = tour.projection();
      angles = angularVelocities(d, newSeed);
      tour.setProjection(p);
    },
  };
  return tour;
}
