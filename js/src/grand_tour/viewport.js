// Where projection coordinates land on the canvas (pure). The Python side scales the data
// so that its (robust) largest norm is 1; every projection of such a point lies inside the
// unit circle, which the view fits into the canvas with a margin.

/** Fraction of half the canvas's smaller side that the unit circle takes. */
export const FIT = 0.88;

/**
 * The mapping for a canvas of w×h CSS px: centre and px per projection unit.
 * @returns {{cx: number, cy: number, scale: number, w: number, h: number}}
 */
export function viewTransform(w, h) {
  return { cx: w / 2, cy: h / 2, scale: (FIT * Math.min(w, h)) / 2, w, h };
}

/** CSS px of projection point (x, y) (y up in projection, down on screen). */
export function toScreen(v, x, y) {
  return [v.cx + x * v.scale, v.cy - y * v.scale];
}

/** Projection units of a CSS px delta (dx, dy). */
export function deltaToProjection(v, dx, dy) {
  return [dx / v.scale, -dy / v.scale];
}

/** The shader's clip-space scale (x, y) for the same mapping. */
export function clipScale(v) {
  return [(2 * v.scale) / Math.max(1, v.w), (2 * v.scale) / Math.max(1, v.h)];
}
