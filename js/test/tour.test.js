import { describe, expect, it } from "vitest";
import {
  angularVelocities,
  completeBasis,
  createTour,
  dragAxisMatrix,
  dragProjection,
  firstTwoColumns,
  identity,
  mulberry32,
  orthonormalityError,
  orthonormalize,
  planePairs,
  tourBasis,
  tourProjection,
} from "../src/lib/tour.js";

/** max |MᵀM − I| of a row-major d×d matrix. */
function basisError(m, d) {
  let worst = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let r = 0; r < d; r++) s += m[r * d + a] * m[r * d + b];
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe("PRNG and angles", () => {
  it("mulberry32 is deterministic and in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let k = 0; k < 1000; k++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });
  it("one angle per plane pair, in [0.5π, 1.5π), seeded", () => {
    const d = 7;
    const th = angularVelocities(d, 3);
    expect(th.length).toBe(planePairs(d).length);
    expect(planePairs(4)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    for (const t of th) expect(t >= 0.5 * Math.PI && t < 1.5 * Math.PI).toBe(true);
    expect(angularVelocities(d, 3)).toEqual(th);
    expect(angularVelocities(d, 4)).not.toEqual(th);
  });
});

describe("tour rotation", () => {
  it("matches the explicit product of Givens matrices, left to right", () => {
    const d = 4;
    const th = angularVelocities(d, 9);
    const t = 0.37;
    const mul = (A, B) => {
      const C = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) C[i * d + j] += A[i * d + k] * B[k * d + j];
      return C;
    };
    let R = identity(d);
    let k = 0;
    for (const [i, j] of planePairs(d)) {
      const G = identity(d);
      const a = th[k++] * t;
      G[i * d + i] = Math.cos(a);
      G[i * d + j] = -Math.sin(a);
      G[j * d + i] = Math.sin(a);
      G[j * d + j] = Math.cos(a);
      R = mul(R, G);
    }
    const M = tourBasis(identity(d), th, d, t);
    for (let q = 0; q < d * d; q++) expect(M[q]).toBeCloseTo(R[q], 12);
  });
  it("the O(d²) projection equals the first two columns of the full O(d³) basis", () => {
    for (const d of [2, 3, 7, 33]) {
      const th = angularVelocities(d, d);
      const tour = createTour(d, d);
      tour.advance(0.8);
      const B = completeBasis(dragProjection(tour.projection(), d, 1, 0.3, -0.2), d);
      const full = firstTwoColumns(tourBasis(B, th, d, 1.7), d);
      const fast = tourProjection(B, th, d, 1.7);
      for (let k = 0; k < 2 * d; k++) expect(fast[k]).toBeCloseTo(full[k], 12);
    }
  });
  it("stays orthonormal over time, for small and the largest d", () => {
    for (const d of [2, 3, 10, 128]) {
      const tour = createTour(d, 1);
      for (let s = 0; s < 5; s++) {
        tour.advance(0.731);
        expect(orthonormalityError(tour.projection(), d)).toBeLessThan(1e-9);
      }
      expect(basisError(tourBasis(identity(d), angularVelocities(d, 1), d, 3.1), d)).toBeLessThan(1e-9);
    }
  });
  it("starts at the first two standard axes and is deterministic under a seed", () => {
    const a = createTour(6, 5);
    expect(Array.from(a.projection())).toEqual(Array.from(firstTwoColumns(identity(6), 6)));
    const b = createTour(6, 5);
    const c = createTour(6, 6);
    a.advance(1.3);
    b.advance(1.3);
    c.advance(1.3);
    expect(Array.from(a.projection())).toEqual(Array.from(b.projection()));
    expect(Array.from(a.projection())).not.toEqual(Array.from(c.projection()));
  });
  it("rejects d outside 2..128", () => {
    expect(() => createTour(1, 0)).toThrow(/2\.\.128/);
    expect(() => createTour(129, 0)).toThrow();
  });
});

describe("drag and re-base", () => {
  it("orthonormalize refuses zero and parallel columns", () => {
    expect(orthonormalize([0, 1, 0, 0], 2)).toBeNull();
    expect(orthonormalize([1, 2, 1, 2, 0, 0], 3)).toBeNull();
    expect(orthonormalize([1, 0, 0, 1], 2)).not.toBeNull();
  });
  it("dragging moves the axis and keeps P orthonormal", () => {
    const tour = createTour(5, 0);
    const p = tour.drag(3, 0.4, -0.2);
    expect(orthonormalityError(p, 5)).toBeLessThan(1e-12);
    expect(Math.hypot(p[6], p[7])).toBeGreaterThan(0.2);
  });
  it("never produces NaN, whatever the drag (fuzz)", () => {
    const rand = mulberry32(123);
    for (const d of [2, 3, 8, 40]) {
      const tour = createTour(d, 7);
      for (let k = 0; k < 400; k++) {
        const scale = [1e-12, 1e-3, 0.5, 10, 1e9][k % 5];
        const dx = (rand() - 0.5) * scale;
        const dy = k % 17 === 0 ? dx : (rand() - 0.5) * scale;
        const p = tour.drag(Math.floor(rand() * d), dx, dy);
        expect(p.every(Number.isFinite)).toBe(true);
        expect(orthonormalityError(p, d)).toBeLessThan(1e-9);
        if (k % 7 === 0) tour.advance(rand());
      }
      const before = Float64Array.from(tour.projection());
      expect(Array.from(dragProjection(before, d, 0, NaN, 1))).toEqual(Array.from(before));
      expect(Array.from(dragProjection(before, d, -1, 1, 1))).toEqual(Array.from(before));
    }
  });
  it("a drag that would collapse P falls back to the previous P", () => {
    // d = 2, P = I: dragging row 0 by (−1, 0) zeroes column 0.
    const p = Float64Array.from([1, 0, 0, 1]);
    expect(Array.from(dragProjection(p, 2, 0, -1, 0))).toEqual([1, 0, 0, 1]);
  });
  it("completeBasis is orthonormal and keeps P's columns first", () => {
    for (const d of [2, 3, 9, 128]) {
      const tour = createTour(d, 2);
      tour.advance(2.2);
      tour.drag(0, 0.3, 0.1);
      const p = tour.projection();
      const B = completeBasis(p, d);
      expect(basisError(B, d)).toBeLessThan(1e-9);
      const q = firstTwoColumns(B, d);
      for (let k = 0; k < 2 * d; k++) expect(q[k]).toBeCloseTo(p[k], 12);
    }
  });
  it("re-basing is continuous: P is unchanged at t = 0 and moves on smoothly", () => {
    const d = 6;
    const tour = createTour(d, 4);
    tour.advance(0.9);
    const p = Float64Array.from(tour.drag(2, 0.25, 0.1));
    expect(tour.t).toBe(0);
    expect(Array.from(tour.projection())).toEqual(Array.from(p));
    tour.advance(1e-4);
    const q = tour.projection();
    let step = 0;
    for (let k = 0; k < 2 * d; k++) step = Math.max(step, Math.abs(q[k] - p[k]));
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(1e-2);
  });
  it("setProjection (from Python) takes the given view", () => {
    const d = 4;
    const tour = createTour(d, 0);
    const want = [0, 0, 0, 0, 1, 0, 0, 1];
    expect(tour.setProjection(want)).toBe(true);
    expect(Array.from(tour.projection())).toEqual(want);
    expect(tour.setProjection(new Array(8).fill(0))).toBe(false);
  });
});

// Reference values from the Python side (nbviz.tour), so both sides agree on a seed:
//   v = angular_velocities(5, seed=7, generator="mulberry32"); projection(0.3, v)
//   drag_axis_matrix(tour_matrix(0.3, v), 2, [0.2, -0.1])
describe("agreement with nbviz.tour", () => {
  const V = [
    1.6075678933125253, 1.7654439336204466, 4.639842169170235, 3.7668597733093785, 3.2089649516650054,
    2.8447802828488893, 3.0355093399825446, 2.3245435282827374, 3.309119979203915, 3.863600042838482,
  ];
  const P = [
    [0.05802267367638621, -0.6997472172090623],
    [0.030374868666680998, -0.10634850567083333],
    [0.038340886543139364, -0.008406247481222116],
    [0.41980304641542443, -0.6208206803425772],
    [0.9044369051140829, 0.3369789981764709],
  ];
  const DRAG = [
    [0.039924930278581086, -0.693625489480061, 0.6499851859466296, 0.2737910346114919, 0.14088082801463936],
    [0.02669705835173995, -0.10555365085390829, -0.503817744268075, 0.841502959355821, 0.1618213330275061],
    [0.23073461790735159, -0.10494663527578282, -0.19111020655990674, -0.30740978574384925, 0.8970640180171039],
    [0.3916499138928541, -0.6202666593790378, -0.4764282164008138, -0.30268124980265065, -0.37852322497507807],
    [0.8894184324964727, 0.3346603982278417, 0.24531608625673737, 0.17548368416633617, -0.07721893685221384],
  ];
  it("same angular velocities (mulberry32) and projection", () => {
    const v = angularVelocities(5, 7);
    for (let k = 0; k < V.length; k++) expect(v[k]).toBeCloseTo(V[k], 14);
    const tour = createTour(5, 7);
    tour.advance(0.3);
    const p = tour.projection();
    for (let r = 0; r < 5; r++) {
      expect(p[2 * r]).toBeCloseTo(P[r][0], 12);
      expect(p[2 * r + 1]).toBeCloseTo(P[r][1], 12);
    }
  });
  it("same axis drag (the article's row Gram–Schmidt on the full matrix)", () => {
    const m = tourBasis(identity(5), angularVelocities(5, 7), 5, 0.3);
    const out = dragAxisMatrix(m, 5, 2, 0.2, -0.1);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(out[r * 5 + c]).toBeCloseTo(DRAG[r][c], 12);
    const tour = createTour(5, 7);
    tour.advance(0.3);
    const p = tour.drag(2, 0.2, -0.1);
    expect(p[4]).toBeCloseTo(DRAG[2][0], 12);
    expect(p[5]).toBeCloseTo(DRAG[2][1], 12);
    // drag_axis_matrix(eye(3), 2, [0, 1])
    const e = dragAxisMatrix(identity(3), 3, 2, 0, 1);
    expect(Array.from(e, (x) => Math.round(x * 1e9) / 1e9 + 0)).toEqual([
      1, 0, 0, 0, 0.707106781, -0.707106781, 0, 0.707106781, 0.707106781,
    ]);
  });
  it("the row drag never gives NaN and stays orthogonal (fuzz)", () => {
    const rand = mulberry32(99);
    for (const d of [2, 3, 9]) {
      let m = identity(d);
      for (let k = 0; k < 300; k++) {
        const scale = [0, 1e-12, 0.3, 5, 1e200][k % 5];
        const dx = (rand() - 0.5) * scale;
        const dy = (rand() - 0.5) * scale;
        const i = Math.floor(rand() * d);
        // drag the handle exactly onto the origin now and then
        m = k % 11 === 0 ? dragAxisMatrix(m, d, i, -m[i * d], -m[i * d + 1]) : dragAxisMatrix(m, d, i, dx, dy);
        expect(m.every(Number.isFinite)).toBe(true);
        expect(basisError(m, d)).toBeLessThan(1e-9);
      }
    }
  });
});
