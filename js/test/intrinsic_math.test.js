// The intrinsic-dimension chart's pure helpers: the log d axis, means over the seeds that
// finished, the marks of each run and the caption.
import { describe, expect, it } from "vitest";
import {
  accuracyDomain,
  caption,
  cleanDims,
  dimDomain,
  dimTicks,
  formatD,
  meanFinite,
  meanOverSeeds,
  nearest,
  runMarks,
} from "../src/intrinsic/math.js";
import { logScale } from "../src/lib/scales.js";

describe("the log d axis", () => {
  it("cleans dims: positive, sorted, unique", () => {
    expect(cleanDims([16, 4, 4, -1, "x", 0])).toEqual([4, 16]);
    expect(cleanDims(undefined)).toEqual([]);
  });

  it("pads the domain by a fifth of a decade; a lone d gets room", () => {
    const [lo, hi] = dimDomain([10, 1000]);
    expect(Math.log10(lo)).toBeCloseTo(0.8);
    expect(Math.log10(hi)).toBeCloseTo(3.2);
    const [a, b] = dimDomain([64]);
    expect(a < 64 && b > 64).toBe(true);
    expect(dimDomain([])).toEqual([1, 10]);
  });

  it("ticks at the dims, thinned when too close, keeping the last", () => {
    const map = (d) => 100 * Math.log10(d);
    expect(dimTicks([1, 2, 4, 1000], map, 40)).toEqual([1, 4, 1000]);
    expect(dimTicks([4, 16, 64, 256, 1024, 2048], map, 20)).toEqual([4, 16, 64, 256, 1024, 2048]);
    expect(dimTicks([4, 16, 64, 256, 1024, 2048], map, 40)).toEqual([4, 16, 64, 256, 2048]);
    const x = logScale(dimDomain([4, 2048]), [0, 600]);
    const ticks = dimTicks([4, 16, 64, 256, 1024, 2048], x.map);
    for (let k = 1; k < ticks.length; k++) expect(x.map(ticks[k]) - x.map(ticks[k - 1])).toBeGreaterThanOrEqual(36);
    expect(dimTicks([], x.map)).toEqual([]);
  });

  it("writes d short", () => {
    expect([4, 512, 2048, 16384, 131072, 1_200_000].map(formatD)).toEqual([
      "4",
      "512",
      "2,048",
      "16,384",
      "131k",
      "1.2M",
    ]);
  });
});

describe("means over finished seeds", () => {
  it("ignores NaN; NaN where nothing finished", () => {
    expect(meanFinite([0.5, Number.NaN, 0.7])).toBeCloseTo(0.6);
    expect(meanFinite([Number.NaN])).toBeNaN();
    const acc = Float32Array.of(0.2, Number.NaN, Number.NaN, Number.NaN, 0.8, 0.6);
    const m = meanOverSeeds(acc, 3, 2);
    expect(m[0]).toBeCloseTo(0.2);
    expect(m[1]).toBeNaN();
    expect(m[2]).toBeCloseTo(0.7);
  });

  it("the accuracy domain covers runs and the dense lines, within [0, 1]", () => {
    const [lo, hi] = accuracyDomain(Float32Array.of(0.3, Number.NaN, 0.9), [0.97, 0.873]);
    expect(lo).toBeLessThan(0.3);
    expect(hi).toBeGreaterThan(0.97);
    expect(hi).toBeLessThanOrEqual(1);
    expect(accuracyDomain(Float32Array.of(Number.NaN), [Number.NaN])).toEqual([0, 1]);
  });
});

describe("run marks and caption", () => {
  it("marks each (d, seed) done, failed or pending", () => {
    const acc = Float32Array.of(0.5, Number.NaN, Number.NaN, Number.NaN);
    const runs = runMarks([4, 32], [0, 1], acc, [{ d: 32, seed: 1, error: "RuntimeError: worker lost" }]);
    expect(runs.map((r) => r.state)).toEqual(["done", "pending", "pending", "failed"]);
    expect(runs[3].error).toContain("worker lost");
    expect(runMarks([4], [0], null, null).map((r) => r.state)).toEqual(["pending"]);
  });

  it("captions d_int90, D and the compression", () => {
    expect(caption(256, 2410, 0.9)).toBe("d_int90 = 256, D = 2,410, compression 9.4×");
    expect(caption(16, 199210, 0.9)).toBe("d_int90 = 16, D = 199,210, compression 12,451×");
    expect(caption(-1, 2410, 0.9, true)).toBe("d_int90: not reached yet, D = 2,410");
  });

  it("finds the nearest mark within a radius", () => {
    const items = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
    ];
    expect(nearest(items, 8, 1, 5)).toBe(items[1]);
    expect(nearest(items, 50, 50, 5)).toBeNull();
  });
});
