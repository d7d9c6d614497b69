import { describe, expect, it } from "vitest";
import { niceTicks } from "../src/lib/ticks.js";

describe("niceTicks", () => {
  it("uses 1-2-5 steps", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3.7, 12.2, 4)).toEqual([0, 5, 10]);
    expect(niceTicks(100, 1000, 3)).toEqual([500, 1000]);
    expect(niceTicks(89, 96, 5)).toEqual([90, 92, 94, 96]);
  });

  it("gives a narrow range at least two ticks", () => {
    // step 0.5 for 3 ticks would leave only 0 inside
    expect(niceTicks(-0.35, 0.45, 3)).toEqual([-0.2, 0, 0.2, 0.4]);
    expect(niceTicks(-0.9, -0.6, 2)).toEqual([-0.8, -0.6]);
    for (const [lo, hi] of [
      [0.01, 0.09],
      [-123.4, -122.1],
      [7.05, 7.95],
      [1e-6, 9e-6],
    ]) {
      expect(niceTicks(lo, hi, 3).length).toBeGreaterThanOrEqual(2);
    }
  });

  it("handles empty and bad ranges", () => {
    expect(niceTicks(1, 1)).toEqual([1]);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });
});
