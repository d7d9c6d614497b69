// Scales from data values to CSS px for the chart panels (pure).

/**
 * @typedef {{map: (v: number) => number, invert: (p: number) => number}} Scale
 */

/**
 * A linear scale from `domain` to `range`.
 * @example linearScale([0, 1], [100, 0]).map(0.25) // 75
 * @param {[number, number]|number[]} domain
 * @param {[number, number]|number[]} range
 * @returns {Scale}
 */
export function linearScale(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return {
    map: (v) => r0 + ((v - d0) / span) * (r1 - r0),
    invert: (p) => d0 + ((p - r0) / (r1 - r0 || 1)) * span,
  };
}

/**
 * A log scale from `domain` [d0, d1] (both > 0; d0 > d1 gives a reversed axis) to `range`.
 * @example logScale([1, 0.01], [0, 100]).map(0.1) // 50
 * @param {[number, number]|number[]} domain
 * @param {[number, number]|number[]} range
 * @returns {Scale}
 */
export function logScale(domain, range) {
  const l0 = Math.log(domain[0]);
  const l1 = Math.log(domain[1]);
  const [r0, r1] = range;
  const span = l1 - l0 || 1;
  return {
    map: (v) => r0 + ((Math.log(v) - l0) / span) * (r1 - r0),
    invert: (p) => Math.exp(l0 + ((p - r0) / (r1 - r0 || 1)) * span),
  };
}
