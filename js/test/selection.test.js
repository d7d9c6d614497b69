import { describe, expect, it } from "vitest";
import { brushSelection, clickSelection, normalizeSelection, sameSelection } from "../src/image_grid/selection.js";

describe("normalizeSelection", () => {
  it("sorts, deduplicates and drops what is out of range or not an integer", () => {
    expect(normalizeSelection([5, 1, 5, -1, 10, 2.5, "3", 0], 10)).toEqual([0, 1, 5]);
    expect(normalizeSelection(null, 10)).toEqual([]);
    expect(normalizeSelection(new Set([3, 2]), 4)).toEqual([2, 3]);
  });
});

describe("clickSelection", () => {
  it("a plain click selects only that image", () => {
    expect(clickSelection([1, 2, 3], 7, false, 10)).toEqual([7]);
  });
  it("a modified click toggles that image", () => {
    expect(clickSelection([1, 3], 2, true, 10)).toEqual([1, 2, 3]);
    expect(clickSelection([1, 2, 3], 2, true, 10)).toEqual([1, 3]);
  });
  it("a plain click on empty space clears; a modified one keeps the selection", () => {
    expect(clickSelection([1, 2], -1, false, 10)).toEqual([]);
    expect(clickSelection([1, 2], -1, true, 10)).toEqual([1, 2]);
  });
});

describe("brushSelection", () => {
  it("replaces, or with additive unites", () => {
    expect(brushSelection([1, 9], [3, 4], false, 10)).toEqual([3, 4]);
    expect(brushSelection([1, 4, 9], [3, 4], true, 10)).toEqual([1, 3, 4, 9]);
  });
});

describe("sameSelection", () => {
  it("compares element by element", () => {
    expect(sameSelection([1, 2], [1, 2])).toBe(true);
    expect(sameSelection([1, 2], [1, 3])).toBe(false);
    expect(sameSelection([1], [1, 2])).toBe(false);
  });
});
