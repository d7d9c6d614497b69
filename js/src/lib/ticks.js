// Axis ticks the chart views share.

/** The next smaller step in the 1-2-5 sequence: 5 → 2 → 1 → 0.5 … */
function smallerStep(step) {
  const mag = 10 ** Math.floor(Math.log10(step) + 1e-9);
  const m = Math.round(step / mag);
  return m === 5 ? 2 * mag : m === 2 ? mag : 0.5 * mag;
}

function ticksWith(lo, hi, step) {
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const out = [];
  for (let i = first; i <= last; i++) out.push(Number((i * step).toPrecision(12)) || 0);
  return out;
}

/**
 * "Nice" ticks (1, 2, 5 × 10^k steps) covering [lo, hi], about `count` of them and never
 * fewer than two for a non-empty range (a narrow range gets a finer step rather than a
 * lone tick that gives no scale).
 * @example niceTicks(0, 1, 5) // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * @example niceTicks(-0.35, 0.45, 3) // [-0.2, 0, 0.2, 0.4]
 */
export function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return [lo].filter(Number.isFinite);
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999) ?? 10 * mag;
  let out = ticksWith(lo, hi, step);
  for (let k = 0; k < 4 && out.length < 2; k++) {
    step = smallerStep(step);
    out = ticksWith(lo, hi, step);
  }
  return out;
}
