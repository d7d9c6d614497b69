// Pure helpers of the CoordConv view: each run's score series, the chart's x domain and
// the caption.

/**
 * Run `m`'s scores as [{step, value}] points, NaN and missing values dropped.
 * @example series(Int32Array.of(50, 100), Float32Array.of(0.1, 0.5, 0.2, NaN), 2, 1) // [{step: 50, value: 0.2}]
 * @param {ArrayLike<number>} steps  [evals]
 * @param {ArrayLike<number>|null} scores  [models, evals], row-major
 * @param {number} evals
 * @param {number} m
 * @returns {{step: number, value: number}[]}
 */
export function series(steps, scores, evals, m) {
  const out = [];
  if (!scores) return out;
  for (let j = 0; j < evals && j < steps.length; j++) {
    const value = scores[m * evals + j];
    if (Number.isFinite(value)) out.push({ step: steps[j], value });
  }
  return out;
}

/**
 * The chart's step axis: 0 to the planned steps (or the last step evaluated, if later).
 * @example stepDomain(Int32Array.of(50, 100), 600) // [0, 600]
 * @param {ArrayLike<number>} steps
 * @param {number} total
 * @returns {[number, number]}
 */
export function stepDomain(steps, total) {
  const last = steps.length ? steps[steps.length - 1] : 0;
  return [0, Math.max(1, Number(total) || 0, last)];
}

/**
 * The caption under the charts: each run's latest held-out score (or, once training
 * ended, its score on every held-out position).
 * @example caption(["conv", "coordconv"], "IoU", [0.2, 0.95], {}, 100) // "held-out IoU at step 100: conv 0.200 · coordconv 0.950"
 * @param {string[]} names
 * @param {string} metric
 * @param {number[]} latest  per run, NaN before the first evaluation
 * @param {Record<string, {train: number, test: number}>} final
 * @param {number} step  the last step evaluated (0: none yet)
 */
export function caption(names, metric, latest, final, step) {
  const fmt = (/** @type {number} */ v) => (Number.isFinite(v) ? v.toFixed(3) : "–");
  if (final && names.length && names.every((n) => final[n])) {
    const parts = names.map((n) => `${n} ${fmt(final[n].test)} (train ${fmt(final[n].train)})`);
    return `held-out ${metric}, every position: ${parts.join(" · ")}`;
  }
  if (!step) return `held-out ${metric}: not evaluated yet`;
  return `held-out ${metric} at step ${step}: ${names.map((n, i) => `${n} ${fmt(latest[i])}`).join(" · ")}`;
}
