// Categorical colours for labels: Tableau 10 (Maureen Stone's 2016 set, chosen to stay
// distinguishable for the common colour-vision deficiencies and in light and dark themes).

/** The ten colours, in order. */
export const TABLEAU10 = Object.freeze([
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
]);

/**
 * The colour of category `k` (any integer; cycles after ten, negatives wrap too).
 * @param {number} k
 * @param {readonly string[]} [palette]
 */
export function categoricalColor(k, palette = TABLEAU10) {
  const n = palette.length;
  return palette[((Math.trunc(k) % n) + n) % n];
}
