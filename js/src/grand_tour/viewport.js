// Where projection coordinates land on the canvas (pure). The axis handles live in the
// unit circle (each handle's projected unit vector), which the view fits into the canvas
// with a margin; the points use the same mapping with the fit's scale and centre
// (fit.js): projection point (x0, y0) lands at the canvas's middle.

/** Fraction of half the canvas's smaller side that the unit circle takes. */
export const FIT = 0.88;

/**
 * The mapping for a canvas of w×h CSS px: centre and px per projection unit.
 * @returns {{cx: number, cy: number, scale: number, w: number, h: number}}
 */
export function viewTransform(w, h) {
  return { cx: w / 2, cy: h / 2, scale: (FIT * Math.min(w, h)) / 2, w, h };
}

/**
 * CSS px of projection point (x, y) (y up in projection, down on screen).
 * @param {{cx: number, cy: number, scale: number, x0?: number, y0?: number}} v
 * @param {number} x
 * @param {number} y
 * @returns {[number, number]}
 */
export function toScreen(v, x, y) {
  return [v.cx + (x - (v.x0 ?? 0)) * v.scale, v.cy - (y - (v.y0 ?? 0)) * v.scale];
}

/** Projection units of a CSS px delta (dx, dy). */
export function deltaToProjection(v, dx, dy) {
  return [dx / v.scale, -dy / v.scale];
}

/** The shader's clip-space scale (x, y) for the same mapping. */
export function clipScale(v) {
  return [(2 * v.scale) / Math.max(1, v.w), (2 * v.scale) / Math.max(1, v.h)];
}
