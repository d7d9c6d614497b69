import { describe, expect, it } from "vitest";
import {
  axisPlane,
  classAxisPlanes,
  createGuidedPath,
  geodesicStep,
  littleTourPlanes,
  planeDistance,
  svd2,
  symmetricEigen,
} from "../src/grand_tour/guided.js";
import { sampleIndices } from "../src/grand_tour/quality.js";
import { mulberry32, orthonormalityError, orthonormalize } from "../src/lib/tour.js";

/** A standard normal from a uniform PRNG (Box–Muller). */
function gaussian(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A random projection (orthonormal columns). */
function randomPlane(d, rand) {
  for (;;) {
    const p = orthonormalize(
      Float64Array.from({ length: 2 * d }, () => rand() - 0.5),
      d,
    );
    if (p) return p;
  }
}

/** max |A·Aᵀ − B·Bᵀ| over the entries: 0 when the two projections span one plane. */
function projectorGap(a, b, d) {
  let worst = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const pa = a[2 * i] * a[2 * j] + a[2 * i + 1] * a[2 * j + 1];
      const pb = b[2 * i] * b[2 * j] + b[2 * i + 1] * b[2 * j + 1];
      worst = Math.max(worst, Math.abs(pa - pb));
    }
  }
  return worst;
}

/** max |a − b| over the entries. */
const maxDiff = (a, b) => a.reduce((m, x, k) => Math.max(m, Math.abs(x - b[k])), 0);

describe("symmetricEigen", () => {
  it("solves A·v = λ·v with orthonormal vectors, largest λ first", () => {
    const rand = mulberry32(8);
    for (const d of [1, 2, 5, 40, 128]) {
      const a = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          a[i * d + j] = rand() - 0.5;
          a[j * d + i] = a[i * d + j];
        }
      }
      const { values, vectors } = symmetricEigen(a, d);
      for (let k = 1; k < d; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
      let residual = 0;
      let ortho = 0;
      for (let c = 0; c < d; c++) {
        for (let i = 0; i < d; i++) {
          let av = 0;
          for (let k = 0; k < d; k++) av += a[i * d + k] * vectors[k * d + c];
          residual = Math.max(residual, Math.abs(av - values[c] * vectors[i * d + c]));
        }
        for (let c2 = 0; c2 < d; c2++) {
          let dot = 0;
          for (let r = 0; r < d; r++) dot += vectors[r * d + c] * vectors[r * d + c2];
          ortho = Math.max(ortho, Math.abs(dot - (c === c2 ? 1 : 0)));
        }
      }
      expect(residual).toBeLessThan(1e-10);
      expect(ortho).toBeLessThan(1e-10);
    }
  });
  it("handles diagonal, repeated and zero matrices", () => {
    const { values, vectors } = symmetricEigen([1, 0, 0, 0, 3, 0, 0, 0, 2], 3);
    expect(Array.from(values)).toEqual([3, 2, 1]);
    expect(Array.from(vectors)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    const id = symmetricEigen([2, 0, 0, 2], 2);
    expect(Array.from(id.values)).toEqual([2, 2]);
    const zero = symmetricEigen(new Float64Array(16), 4);
    expect(Array.from(zero.values)).toEqual([0, 0, 0, 0]);
  });
});

describe("svd2", () => {
  it("reconstructs the matrix, with s1 ≥ s2 ≥ 0 and orthogonal U, V", () => {
    const rand = mulberry32(1);
    for (let k = 0; k < 500; k++) {
      const m = [0, 0, 0, 0].map(() => (rand() - 0.5) * (k % 3 === 0 ? 1e-9 : 2));
      if (k % 7 === 0) m[3] = m[0]; // some symmetric and degenerate ones
      if (k % 11 === 0) m[1] = m[2] = 0;
      const { u, s, v } = svd2(m[0], m[1], m[2], m[3]);
      expect(s[0]).toBeGreaterThanOrEqual(s[1]);
      expect(s[1]).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 2; j++) {
          const usv = u[2 * i] * s[0] * v[2 * j] + u[2 * i + 1] * s[1] * v[2 * j + 1];
          expect(usv).toBeCloseTo(m[2 * i + j], 14);
          expect(u[i] * u[j] + u[2 + i] * u[2 + j]).toBeCloseTo(i === j ? 1 : 0, 14);
          expect(v[i] * v[j] + v[2 + i] * v[2 + j]).toBeCloseTo(i === j ? 1 : 0, 14);
        }
      }
    }
  });
});

describe("geodesicStep", () => {
  it("stays orthonormal, starts at `from` and ends on the plane of `to`", () => {
    const rand = mulberry32(21);
    for (const d of [2, 3, 7, 50, 128]) {
      for (let trial = 0; trial < 20; trial++) {
        const from = randomPlane(d, rand);
        const to = randomPlane(d, rand);
        expect(Array.from(geodesicStep(from, to, d, 0))).toEqual(Array.from(from));
        for (let s = 0.05; s < 1; s += 0.05) {
          expect(orthonormalityError(geodesicStep(from, to, d, s), d)).toBeLessThan(1e-9);
        }
        const end = geodesicStep(from, to, d, 1);
        expect(orthonormalityError(end, d)).toBeLessThan(1e-9);
        expect(projectorGap(end, to, d)).toBeLessThan(1e-9);
        expect(planeDistance(end, to, d)).toBeLessThan(1e-9);
        expect(Array.from(geodesicStep(from, to, d, 7))).toEqual(Array.from(end)); // clamped
      }
    }
  });
  it("is continuous in s: small steps move the view a little, evenly", () => {
    const rand = mulberry32(4);
    const d = 12;
    const from = randomPlane(d, rand);
    const to = randomPlane(d, rand);
    const h = 1e-3;
    let prev = geodesicStep(from, to, d, 0);
    let biggest = 0;
    let smallest = Infinity;
    for (let s = h; s <= 1 + 1e-12; s += h) {
      const next = geodesicStep(from, to, d, s);
      const step = maxDiff(next, prev);
      biggest = Math.max(biggest, step);
      smallest = Math.min(smallest, step);
      prev = next;
    }
    expect(biggest).toBeLessThan(5 * h); // principal angles ≤ π/2, so ≤ (π/2)·√2·h per entry
    expect(smallest).toBeGreaterThan(0);
    expect(biggest / smallest).toBeLessThan(2); // constant speed along the geodesic
  });
  it("turns from (e0, e1) to (e2, e3) through their mean at s = ½", () => {
    const d = 4;
    const mid = geodesicStep(axisPlane(d, 0, 1), axisPlane(d, 2, 3), d, 0.5);
    const h = Math.SQRT1_2;
    const want = [h, 0, 0, h, h, 0, 0, h];
    for (let k = 0; k < 2 * d; k++) expect(mid[k]).toBeCloseTo(want[k], 12);
  });
  it("does not spin within a plane: the same plane, turned, stays put", () => {
    const d = 5;
    const from = axisPlane(d, 1, 3);
    const c = Math.cos(1);
    const s = Math.sin(1);
    const turned = new Float64Array(2 * d);
    turned.set([c, s], 2);
    turned.set([-s, c], 6);
    for (const t of [0.3, 1]) expect(maxDiff(geodesicStep(from, turned, d, t), from)).toBeLessThan(1e-12);
    // and shares a common axis when the planes share one: e0 stays as the view turns e1 → e2
    const p = geodesicStep(axisPlane(d, 0, 1), axisPlane(d, 0, 2), d, 0.5);
    expect(p[0]).toBeCloseTo(1, 12);
    expect(p[3]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(p[5]).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe("planeDistance", () => {
  it("is 0 on one plane, √2 for orthogonal planes, accurate near 0", () => {
    const d = 6;
    expect(planeDistance(axisPlane(d, 0, 1), axisPlane(d, 1, 0), d)).toBe(0);
    expect(planeDistance(axisPlane(d, 0, 1), axisPlane(d, 2, 3), d)).toBeCloseTo(Math.SQRT2, 14);
    const a = 1e-10;
    const tilted = axisPlane(d, 0, 1);
    tilted[0] = Math.cos(a);
    tilted[4] = Math.sin(a);
    expect(planeDistance(axisPlane(d, 0, 1), tilted, d)).toBeCloseTo(a, 20);
  });
});

describe("littleTourPlanes", () => {
  /** n points of an anisotropic Gaussian with standard deviations `sd` along a rotated basis. */
  function anisotropic(n, sd, frames, seed) {
    const d = sd.length;
    const rand = mulberry32(seed);
    // A random orthonormal basis Q (Gram–Schmidt on random columns): the data's axes.
    const q = [];
    while (q.length < d) {
      const v = Float64Array.from({ length: d }, () => gaussian(rand));
      for (const u of q) {
        const dot = u.reduce((s, x, k) => s + x * v[k], 0);
        for (let k = 0; k < d; k++) v[k] -= dot * u[k];
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    const points = new Float32Array(frames * n * d);
    for (let f = 0; f < frames; f++) {
      for (let i = 0; i < n; i++) {
        const row = (f * n + i) * d;
        for (let k = 0; k < d; k++) points[row + k] = 3 * f; // later frames shifted: PCA centres
        for (let a = 0; a < d; a++) {
          const z = gaussian(rand) * sd[a];
          for (let k = 0; k < d; k++) points[row + k] += z * q[a][k];
        }
      }
    }
    /** The projection onto data axes a (x) and b (y). */
    const plane = (a, b) => {
      const p = new Float64Array(2 * d);
      for (let k = 0; k < d; k++) {
        p[2 * k] = q[a][k];
        p[2 * k + 1] = q[b][k];
      }
      return p;
    };
    return { points, shape: { frames, n, d }, plane };
  }

  it("recovers the top axes of an anisotropic Gaussian, in little-tour order", () => {
    // Largest variance along data axes 2, then 0, then 4.
    const { points, shape, plane } = anisotropic(5000, [4, 1, 8, 0.5, 2.5, 0.3], 1, 3);
    const sample = sampleIndices(shape.n, 600, 0);
    const planes = littleTourPlanes(points, shape, 0, sample, 4);
    expect(planes.length).toBe(4);
    for (const p of planes) expect(orthonormalityError(p, shape.d)).toBeLessThan(1e-9);
    const want = [plane(2, 0), plane(2, 4), plane(0, 4), plane(2, 1)]; // (pc1,pc2) (pc1,pc3) (pc2,pc3) (pc1,pc4)
    want.forEach((w, k) => {
      expect(planeDistance(planes[k], w, shape.d)).toBeLessThan(0.12);
    });
  });
  it("works at any frame and up to d = 128, and skips axes without variance", () => {
    const sd = Array.from({ length: 128 }, (_, k) => (k < 3 ? 10 - 3 * k : 0.1));
    const { points, shape, plane } = anisotropic(800, sd, 2, 5);
    const sample = sampleIndices(shape.n, 600, 1);
    const planes = littleTourPlanes(points, shape, 1, sample, 3);
    expect(planeDistance(planes[0], plane(0, 1), shape.d)).toBeLessThan(0.15);
    expect(planeDistance(planes[2], plane(1, 2), shape.d)).toBeLessThan(0.15);
    // only two directions vary: one plane
    const flat = new Float32Array(50 * 4);
    for (let i = 0; i < 50; i++) {
      flat[i * 4] = i;
      flat[i * 4 + 2] = (i * 7) % 5;
    }
    const one = littleTourPlanes(flat, { frames: 1, n: 50, d: 4 }, 0, sampleIndices(50), 6);
    expect(one.length).toBe(1);
    expect(planeDistance(one[0], axisPlane(4, 0, 2), 4)).toBeLessThan(1e-9);
    expect(littleTourPlanes(new Float32Array(40), { frames: 1, n: 10, d: 4 }, 0, sampleIndices(10))).toEqual([]);
    expect(littleTourPlanes(flat, { frames: 1, n: 50, d: 4 }, 0, Int32Array.of(3))).toEqual([]);
  });
});

describe("classAxisPlanes", () => {
  const names = ["cat", "dog", "emu", "fox"];
  it("is empty unless every dim is named as its class", () => {
    expect(classAxisPlanes(["x0", "x1", "x2", "x3"], names)).toEqual([]);
    expect(classAxisPlanes(names.slice(0, 3), names)).toEqual([]);
    expect(classAxisPlanes([], [])).toEqual([]);
    expect(classAxisPlanes(null, names)).toEqual([]);
  });
  it("without data: the consecutive pairs of class axes", () => {
    const planes = classAxisPlanes([" cat", "dog", "emu", "fox "], names);
    expect(planes.map((p) => Array.from(p))).toEqual([
      Array.from(axisPlane(4, 0, 1)),
      Array.from(axisPlane(4, 1, 2)),
      Array.from(axisPlane(4, 2, 3)),
    ]);
    expect(classAxisPlanes(names, names, undefined, 2).length).toBe(2);
  });
  it("with softmax outputs: the most confused pair first", () => {
    // Dogs often look like foxes (and foxes like dogs); cats and emus are clear.
    const n = 400,
      d = 4;
    const labels = Int32Array.from({ length: n }, (_, i) => i % d);
    const points = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      const row = [0.04, 0.04, 0.04, 0.04];
      row[c] = 0.88;
      if (c === 1) [row[1], row[3]] = [0.6, 0.32];
      if (c === 3) [row[3], row[1]] = [0.7, 0.22];
      if (c === 0) [row[0], row[2]] = [0.8, 0.12];
      points.set(row, i * d);
    }
    const data = { points, shape: { frames: 1, n, d }, frame: 0, labels, sample: sampleIndices(n) };
    const planes = classAxisPlanes(names, names, data, 2);
    expect(Array.from(planes[0])).toEqual(Array.from(axisPlane(d, 1, 3)));
    expect(Array.from(planes[1])).toEqual(Array.from(axisPlane(d, 0, 2)));
    // logits rank the same: a per-point offset does not matter
    const logits = points.map((p, k) => Math.log(p) + (Math.floor(k / d) % 5));
    const fromLogits = classAxisPlanes(names, names, { ...data, points: logits }, 2);
    expect(fromLogits.map((p) => Array.from(p))).toEqual(planes.map((p) => Array.from(p)));
  });
});

describe("createGuidedPath", () => {
  const d = 6;
  const rand = mulberry32(17);
  const planes = [randomPlane(d, rand), randomPlane(d, rand), randomPlane(d, rand)];

  it("starts from the current view, reaches each keyframe, holds, and loops", () => {
    const path = createGuidedPath(planes, { secondsPerLeg: 1, holdSeconds: 0.5 });
    const current = randomPlane(d, rand);
    let p = path.projection(current);
    expect(Array.from(p)).toEqual(Array.from(current));
    expect([path.index, path.phase]).toEqual([0, "moving"]);
    const dt = 1 / 60;
    let worstStep = 0;
    let worstOrtho = 0;
    const arrivals = [];
    for (let frame = 0; frame < 60 * 6; frame++) {
      const before = path.phase;
      path.advance(dt);
      const next = path.projection(p);
      worstStep = Math.max(worstStep, maxDiff(next, p));
      worstOrtho = Math.max(worstOrtho, orthonormalityError(next, d));
      if (before === "moving" && path.phase === "holding") {
        arrivals.push(path.index);
        expect(planeDistance(next, planes[path.index], d)).toBeLessThan(1e-9);
      }
      p = next;
    }
    expect(arrivals).toEqual([0, 1, 2, 0]); // at 1, 2.5, 4 and 5.5 s: it loops after the third
    expect(worstOrtho).toBeLessThan(1e-9);
    expect(worstStep).toBeLessThan(0.1); // eased legs of 1 s: no jumps
  });
  it("holds still at a keyframe and stops at the end without loop", () => {
    const path = createGuidedPath(planes.slice(0, 2), { secondsPerLeg: 0.5, holdSeconds: 0.5, loop: false });
    let p = path.projection(randomPlane(d, rand));
    const run = (seconds) => {
      for (let k = 0; k < Math.round(seconds * 100); k++) {
        path.advance(0.01);
        p = path.projection(p);
      }
    };
    run(0.6);
    expect(path.phase).toBe("holding");
    const held = Float64Array.from(p);
    run(0.2);
    expect(Array.from(p)).toEqual(Array.from(held));
    run(5);
    expect(path.done).toBe(true);
    expect(path.index).toBe(1);
    expect(planeDistance(p, planes[1], d)).toBeLessThan(1e-9);
    path.advance(1);
    expect(Array.from(path.projection(p))).toEqual(Array.from(p));
  });
  it("goTo heads for a keyframe from wherever the view is; a leg already there holds at once", () => {
    const path = createGuidedPath(planes, { secondsPerLeg: 1, holdSeconds: 1 });
    path.goTo(-1);
    expect(path.index).toBe(2);
    const start = randomPlane(d, rand);
    expect(Array.from(path.projection(start))).toEqual(Array.from(start));
    path.advance(0.5);
    const half = path.projection(start);
    expect(planeDistance(half, start, d)).toBeGreaterThan(0.01);
    expect(planeDistance(half, planes[2], d)).toBeGreaterThan(0.01);
    path.goTo(1);
    path.projection(planes[1]);
    expect(path.phase).toBe("holding");
  });
  it("without keyframes it is done and leaves the view alone", () => {
    const path = createGuidedPath([]);
    const p = randomPlane(d, rand);
    path.advance(1);
    expect(path.done).toBe(true);
    expect(Array.from(path.projection(p))).toEqual(Array.from(p));
    expect(() => createGuidedPath([axisPlane(3, 0, 1), axisPlane(4, 0, 1)])).toThrow(/dimensions/);
  });
});
