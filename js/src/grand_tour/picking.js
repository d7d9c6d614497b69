// CPU-side geometry on the current view (pure): project every point once per pointer
// event (O(n·d), never per animation frame), find the nearest, test a lasso.

/**
 * Screen positions (CSS px) of every point at fractional frame `frame`.
 * @param {Float32Array} points  [T, n, d]
 * @param {{frames: number, n: number, d: number}} shape
 * @param {number} frame
 * @param {ArrayLike<number>} proj  d rows of (x, y)
 * @param {{cx: number, cy: number, scale: number, x0?: number, y0?: number}} view
 *   (x0, y0): the projection point at (cx, cy)
 * @param {Float32Array} [out]  2n
 * @returns {Float32Array}
 */
export function projectAll(points, shape, frame, proj, view, out) {
  const { frames, n, d } = shape;
  out = out && out.length === 2 * n ? out : new Float32Array(2 * n);
  const f = Math.min(Math.max(frame, 0), frames - 1);
  const f0 = Math.floor(f);
  const f1 = Math.min(f0 + 1, frames - 1);
  const a = f - f0;
  const o0 = f0 * n * d;
  const o1 = f1 * n * d;
  const x0 = view.x0 ?? 0;
  const y0 = view.y0 ?? 0;
  for (let p = 0; p < n; p++) {
    let x = 0,
      y = 0;
    const b = p * d;
    for (let k = 0; k < d; k++) {
      const v = points[o0 + b + k] * (1 - a) + points[o1 + b + k] * a;
      x += v * proj[2 * k];
      y += v * proj[2 * k + 1];
    }
    out[2 * p] = view.cx + (x - x0) * view.scale;
    out[2 * p + 1] = view.cy - (y - y0) * view.scale;
  }
  return out;
}

/**
 * Index of the visible point nearest (x, y) within `radius` px, or -1.
 * @param {Float32Array} xy  from projectAll
 * @param {(i: number) => boolean} visible
 */
export function nearestPoint(xy, x, y, radius, visible = () => true) {
  let best = -1;
  let bestD = radius * radius;
  const n = xy.length / 2;
  for (let i = 0; i < n; i++) {
    const dx = xy[2 * i] - x;
    const dy = xy[2 * i + 1] - y;
    const dd = dx * dx + dy * dy;
    if (dd <= bestD && visible(i)) {
      bestD = dd;
      best = i;
    }
  }
  return best;
}

/**
 * Whether (x, y) is inside the polygon (even–odd rule; the last vertex joins the first).
 * @param {Array<[number, number]>} poly
 */
export function pointInPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Sorted indices of the visible points inside the lasso `poly`.
 * @param {Float32Array} xy
 * @param {Array<[number, number]>} poly
 * @param {(i: number) => boolean} visible
 * @returns {number[]}
 */
export function pointsInLasso(xy, poly, visible = () => true) {
  if (poly.length < 3) return [];
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const [x, y] of poly) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const out = [];
  const n = xy.length / 2;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    if (visible(i) && pointInPolygon(x, y, poly)) out.push(i);
  }
  return out;
}

/**
 * The union of two sorted index lists (for shift + lasso), sorted.
 */
export function mergeSorted(a, b) {
  return Array.from(new Set([...a, ...b])).sort((x, y) => x - y);
}
