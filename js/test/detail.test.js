import { describe, expect, it } from "vitest";
import { createDetail, FRAME_BUDGET_MS, MIN_MOVING_POINTS, shuffledIndices } from "../src/grand_tour/detail.js";

describe("createDetail", () => {
  it("draws every point when still, or when there are few", () => {
    const d = createDetail();
    expect(d.count(1_000_000, false)).toBe(1_000_000);
    expect(d.count(50_000, true)).toBe(50_000);
  });

  it("starts a large moving cloud at the floor, before any cost is known", () => {
    const d = createDetail();
    expect(d.count(1_000_000, true)).toBe(MIN_MOVING_POINTS);
  });

  it("sizes the subset to the budget by the measured cost", () => {
    const d = createDetail();
    // software WebGL: 1.5 µs a point → the budget holds 33k, below the floor
    d.observe(100_000, 150);
    expect(d.count(1_000_000, true)).toBe(MIN_MOVING_POINTS);
    // a GPU: 100k points in one 60 Hz frame → the subset grows to every point
    const gpu = createDetail();
    let drawn = gpu.count(1_000_000, true);
    const sizes = [drawn];
    for (let i = 0; i < 6; i++) {
      gpu.observe(drawn, 16.7);
      drawn = gpu.count(1_000_000, true);
      sizes.push(drawn);
    }
    expect(sizes[1]).toBeGreaterThan(sizes[0]);
    expect(sizes.at(-1)).toBe(1_000_000);
  });

  it("settles between the two when a frame costs a share of the budget", () => {
    const d = createDetail();
    for (let i = 0; i < 20; i++) d.observe(400_000, 2 * FRAME_BUDGET_MS); // 0.25 µs a point
    expect(d.count(1_000_000, true)).toBe(200_000);
  });

  it("ignores frames it cannot learn from", () => {
    const d = createDetail();
    d.observe(0, 10);
    d.observe(1000, 0);
    d.observe(1000, Number.NaN);
    expect(d.msPerPoint).toBe(0);
  });
});

describe("shuffledIndices", () => {
  it("is a permutation, the same every time", () => {
    const a = shuffledIndices(10_000);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(10_000).keys()]);
    expect(shuffledIndices(10_000)).toEqual(a);
    expect(shuffledIndices(10_000, 7)).not.toEqual(a);
  });

  it("makes any prefix a fair sample: classes stored in blocks come out in proportion", () => {
    const n = 100_000;
    const idx = shuffledIndices(n);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) counts[Math.floor(idx[i] / (n / 10))]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});
