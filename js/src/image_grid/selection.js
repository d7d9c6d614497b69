// Selection rules of the grid, as pure functions over sorted index arrays.

/**
 * A clean selection: integers in [0, n), deduplicated, ascending.
 * @param {Iterable<number>} indices
 * @param {number} n
 * @returns {number[]}
 */
export function normalizeSelection(indices, n) {
  const out = new Set();
  for (const i of indices ?? []) {
    if (Number.isInteger(i) && i >= 0 && i < n) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The selection after a click on image `index` (-1 for empty space).
 * A plain click selects just that image; with `toggle` (shift, ctrl or meta held) it
 * flips that image's membership; a plain click on empty space clears.
 * @param {number[]} current
 * @param {number} index
 * @param {boolean} toggle
 * @param {number} n
 */
export function clickSelection(current, index, toggle, n) {
  if (index < 0) return toggle ? normalizeSelection(current, n) : [];
  if (!toggle) return [index];
  const set = new Set(current);
  if (set.has(index)) set.delete(index);
  else set.add(index);
  return normalizeSelection(set, n);
}

/**
 * The selection after brushing over `touched`: those images, or with `additive` the
 * union with the current selection.
 */
export function brushSelection(current, touched, additive, n) {
  return normalizeSelection(additive ? [...current, ...touched] : touched, n);
}

/** True when two sorted selections hold the same indices. */
export function sameSelection(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
