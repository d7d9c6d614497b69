// Level of detail while the view moves. Without a GPU (software WebGL) a point costs about
// a microsecond to draw, so a tour of a million points would move at under one frame a
// second. While the view moves, the layer draws a fixed random subset of the points, as
// many as fit in FRAME_BUDGET_MS by the cost measured on the frames just drawn, and never
// fewer than MIN_MOVING_POINTS; the moment it stops, it draws them all. On a GPU the
// measured cost is small and the subset is every point.

/** A moving frame should take at most this long (ms). */
export const FRAME_BUDGET_MS = 50;
/** While moving, never draw fewer points than this (nor more than there are). */
export const MIN_MOVING_POINTS = 100_000;
/** The view counts as still this long (ms) after the last drag or wheel step. */
export const SETTLE_MS = 150;

/**
 * Points to draw per moving frame, learned from how long the moving frames took.
 * @param {{budgetMs?: number, floor?: number}} [options]
 */
export function createDetail({ budgetMs = FRAME_BUDGET_MS, floor = MIN_MOVING_POINTS } = {}) {
  let msPerPoint = 0; // smoothed frame interval per drawn point; 0 until measured
  return {
    /**
     * How many of `n` points to draw: all when still, else as many as fit the budget.
     * @param {number} n
     * @param {boolean} moving
     */
    count(n, moving) {
      if (!moving || n <= floor) return n;
      if (msPerPoint <= 0) return floor; // first moving frame: start small, grow if cheap
      return Math.max(floor, Math.min(n, Math.floor(budgetMs / msPerPoint)));
    },
    /**
     * A moving frame of `drawn` points was followed by the next after `ms`.
     * @param {number} drawn
     * @param {number} ms
     */
    observe(drawn, ms) {
      if (!(drawn > 0) || !(ms > 0)) return;
      const c = ms / drawn;
      msPerPoint = msPerPoint > 0 ? 0.6 * msPerPoint + 0.4 * c : c;
    },
    /** The measured cost (ms per point), 0 before any moving frame. */
    get msPerPoint() {
      return msPerPoint;
    },
  };
}

/**
 * A random permutation of 0..n-1 (seeded, so the subset is the same on every redraw and
 * every run): its first k entries are a uniform sample of k points, classes in proportion.
 * @param {number} n
 * @param {number} [seed]
 */
export function shuffledIndices(n, seed = 0x9e3779b9) {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}
