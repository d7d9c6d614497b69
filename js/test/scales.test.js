import { describe, expect, it } from "vitest";
import { linearScale, logScale } from "../src/lib/scales.js";

describe("scales", () => {
  it("logScale maps decades evenly, reversed axes too, and inverts", () => {
    const s = logScale([1, 0.01], [0, 100]);
    expect(s.map(1)).toBeCloseTo(0);
    expect(s.map(0.1)).toBeCloseTo(50);
    expect(s.map(0.01)).toBeCloseTo(100);
    expect(s.invert(50)).toBeCloseTo(0.1);
    expect(s.invert(s.map(0.37))).toBeCloseTo(0.37);
    const f = logScale([0.01, 1], [0, 100]);
    expect(f.map(0.1)).toBeCloseTo(50);
  });

  it("linearScale maps and inverts, and survives an empty domain", () => {
    const s = linearScale([0, 1], [100, 0]);
    expect(s.map(0.25)).toBe(75);
    expect(s.invert(75)).toBe(0.25);
    expect(Number.isFinite(linearScale([3, 3], [0, 10]).map(3))).toBe(true);
  });
});
