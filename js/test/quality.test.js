import { describe, expect, it } from "vitest";
import { projectAll } from "../src/grand_tour/picking.js";
import {
  frameSample,
  knnChance,
  knnHitRate,
  projectSample,
  robustBox,
  sampleIndices,
} from "../src/grand_tour/quality.js";
import { mulberry32 } from "../src/lib/tour.js";

/** A standard normal from a uniform PRNG (Box–Muller). */
function gaussian(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * `classes` Gaussian clusters (σ = 1 in every dim) in d dims, centred 8 apart on a circle
 * in dims 0 and 1 only: (e0, e1) separates them, (e2, e3) does not.
 */
function clusters(n, d, classes, seed) {
  const rand = mulberry32(seed);
  const points = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let k = 0; k < d; k++) points[i * d + k] = gaussian(rand);
    points[i * d] += 8 * Math.cos((2 * Math.PI * c) / classes);
    points[i * d + 1] += 8 * Math.sin((2 * Math.PI * c) / classes);
  }
  return { points, labels };
}

/** The projection onto axes a (x) and b (y). */
function axes(d, a, b) {
  const p = new Float64Array(2 * d);
  p[2 * a] = 1;
  p[2 * b + 1] = 1;
  return p;
}

describe("sampleIndices", () => {
  it("draws min(n, m) distinct sorted indices in range, the same for a seed", () => {
    for (const [n, m] of [
      [10000, 600],
      [1000, 999],
      [601, 600],
      [50, 600],
      [0, 600],
    ]) {
      const s = sampleIndices(n, m, 7);
      expect(s).toBeInstanceOf(Int32Array);
      expect(s.length).toBe(Math.min(n, m));
      expect(new Set(s).size).toBe(s.length);
      for (let k = 1; k < s.length; k++) expect(s[k]).toBeGreaterThan(s[k - 1]);
      if (s.length) expect(s[0] >= 0 && s[s.length - 1] < n).toBe(true);
      expect(Array.from(sampleIndices(n, m, 7))).toEqual(Array.from(s));
    }
    expect(Array.from(sampleIndices(10000, 600, 1))).not.toEqual(Array.from(sampleIndices(10000, 600, 2)));
    expect(Array.from(sampleIndices(5, 600))).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices(10000).length).toBe(600);
  });
  it("spreads over the whole range", () => {
    const s = sampleIndices(100000, 600, 3);
    const low = s.filter((i) => i < 50000).length;
    expect(low).toBeGreaterThan(240);
    expect(low).toBeLessThan(360);
  });
});

describe("projectSample", () => {
  const frames = 3,
    n = 40,
    d = 5;
  const rand = mulberry32(5);
  const points = Float32Array.from({ length: frames * n * d }, () => rand() - 0.5);
  const proj = Float64Array.from({ length: 2 * d }, () => rand() - 0.5);
  const shape = { frames, n, d };
  const sample = sampleIndices(n, 15, 1);
  it("agrees with the view's projection of all points, at whole and fractional frames", () => {
    for (const f of [0, 1, 1.25, 2, 2.7, -1]) {
      const xy = projectSample(points, shape, f, proj, sample);
      const all = projectAll(points, shape, f, proj, { cx: 0, cy: 0, scale: 1 });
      sample.forEach((i, s) => {
        expect(xy[2 * s]).toBeCloseTo(all[2 * i], 5);
        expect(xy[2 * s + 1]).toBeCloseTo(-all[2 * i + 1], 5); // projectAll's y is screen-down
      });
    }
  });
  it("mixes the two frames linearly and reuses `out`", () => {
    const a = projectSample(points, shape, 0, proj, sample);
    const b = projectSample(points, shape, 1, proj, sample);
    const out = new Float32Array(2 * sample.length);
    const mid = projectSample(points, shape, 0.5, proj, sample, out);
    expect(mid).toBe(out);
    for (let k = 0; k < mid.length; k++) expect(mid[k]).toBeCloseTo((a[k] + b[k]) / 2, 5);
    const rows = frameSample(points, shape, 0.5, sample);
    expect(rows.length).toBe(sample.length * d);
    let x0 = 0;
    for (let k = 0; k < d; k++) x0 += rows[k] * proj[2 * k];
    expect(x0).toBeCloseTo(mid[0], 5);
  });
});

describe("knnHitRate", () => {
  const n = 3000,
    d = 6,
    classes = 3;
  const { points, labels } = clusters(n, d, classes, 11);
  const shape = { frames: 1, n, d };
  const sample = sampleIndices(n, 600, 0);
  it("is near 1 under a separating projection", () => {
    const xy = projectSample(points, shape, 0, axes(d, 0, 1), sample);
    expect(knnHitRate(xy, labels, sample)).toBeGreaterThan(0.97);
  });
  it("is near chance (≈ 1/classes) under a projection orthogonal to the separation", () => {
    const xy = projectSample(points, shape, 0, axes(d, 2, 3), sample);
    const score = knnHitRate(xy, labels, sample);
    const chance = knnChance(xy, labels, sample);
    expect(chance).toBeCloseTo(1 / classes, 2);
    expect(Math.abs(score - chance)).toBeLessThan(0.06);
  });
  it("is deterministic for a seed and ranks views in between", () => {
    // Turned 80° from the separating plane towards (e2, e3): the clusters overlap in part.
    const [c, s] = [Math.cos((80 * Math.PI) / 180), Math.sin((80 * Math.PI) / 180)];
    const mixed = Float64Array.from([c, 0, 0, c, s, 0, 0, s, 0, 0, 0, 0]);
    const s1 = sampleIndices(n, 600, 4);
    const a = knnHitRate(projectSample(points, shape, 0, mixed, s1), labels, s1);
    const b = knnHitRate(projectSample(points, shape, 0, mixed, sampleIndices(n, 600, 4)), labels, s1);
    expect(a).toBe(b);
    const good = knnHitRate(projectSample(points, shape, 0, axes(d, 0, 1), s1), labels, s1);
    const bad = knnHitRate(projectSample(points, shape, 0, axes(d, 2, 3), s1), labels, s1);
    expect(a).toBeLessThan(good);
    expect(a).toBeGreaterThan(bad);
  });
  it("is NaN without labels, with one class, or with fewer than two points", () => {
    const xy = projectSample(points, shape, 0, axes(d, 0, 1), sample);
    expect(knnHitRate(xy, null, sample)).toBeNaN();
    expect(knnHitRate(xy, new Int32Array(n), sample)).toBeNaN();
    expect(knnHitRate(xy, new Int32Array(n).fill(-1), sample)).toBeNaN();
    expect(knnHitRate(xy.subarray(0, 2), labels, sample.subarray(0, 1))).toBeNaN();
    expect(knnChance(xy, null, sample)).toBeNaN();
  });
  it("counts only labelled, finite points, and clamps k", () => {
    // Two pairs far apart (a NaN point and an unlabelled one take no part): each point's
    // nearest neighbour shares its label; k = 50 is clamped to the 3 others.
    const xy = Float32Array.from([0, 0, 0.1, 0, 100, 0, 100.1, 0, Number.NaN, 0, 50, 50]);
    const lab = Int32Array.from([0, 0, 1, 1, 0, -1]);
    const sample = Int32Array.from([0, 1, 2, 3, 4, 5]);
    expect(knnHitRate(xy, lab, sample, 1)).toBe(1);
    expect(knnHitRate(xy, lab, sample, 50)).toBeCloseTo(1 / 3, 12);
    expect(knnChance(xy, lab, sample)).toBeCloseTo(4 / 12, 12);
  });
  it("follows the frames: a training run that separates the classes scores higher at its end", () => {
    const frames = 2;
    const pts = new Float32Array(frames * n * d);
    const rand = mulberry32(2);
    for (let k = 0; k < n * d; k++) pts[k] = gaussian(rand); // frame 0: no structure
    pts.set(points, n * d); // frame 1: clusters
    const sh = { frames, n, d };
    const p = axes(d, 0, 1);
    const at = (f) => knnHitRate(projectSample(pts, sh, f, p, sample), labels, sample);
    expect(at(0)).toBeLessThan(0.45);
    expect(at(1)).toBeGreaterThan(0.97);
    expect(at(0.1)).toBeGreaterThan(at(0) + 0.1);
    expect(at(0.1)).toBeLessThan(at(1) - 0.1);
  });
});

describe("robustBox", () => {
  it("gives the 1st and 99th percentiles per axis, ignoring outliers and non-finite values", () => {
    const xy = [];
    for (let k = 0; k <= 100; k++) xy.push(k, -2 * k);
    xy.push(1e9, -1e9, Number.NaN, 5, 3, Number.POSITIVE_INFINITY);
    const box = robustBox(Float32Array.from(xy));
    expect(box.x0).toBeCloseTo(1.01, 6);
    expect(box.x1).toBeCloseTo(99.99, 6);
    expect(box.y0).toBeCloseTo(-199.98, 6);
    expect(box.y1).toBeCloseTo(-2.02, 6);
  });
  it("takes other quantiles, and a single point or none", () => {
    const xy = Float64Array.from([0, 0, 10, 20, 20, 40]);
    expect(robustBox(xy, 0, 1)).toEqual({ x0: 0, x1: 20, y0: 0, y1: 40 });
    expect(robustBox(xy, 0.5, 0.5)).toEqual({ x0: 10, x1: 10, y0: 20, y1: 20 });
    expect(robustBox([3, 4])).toEqual({ x0: 3, x1: 3, y0: 4, y1: 4 });
    expect(robustBox([])).toBeNull();
    expect(robustBox([Number.NaN, 1])).toBeNull();
  });
});
