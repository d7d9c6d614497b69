import { describe, expect, it } from "vitest";
import { createGlide, extentFloor, FILL, fitBox, frameSpreads } from "../src/grand_tour/fit.js";
import { handleAlpha, placeLabels } from "../src/grand_tour/overlay.js";
import { projectAll } from "../src/grand_tour/picking.js";
import { sampleIndices } from "../src/grand_tour/quality.js";
import { MAX_ATTRIBUTE_DIM, pointSource, vertexShader } from "../src/grand_tour/shaders.js";
import { toScreen } from "../src/grand_tour/viewport.js";

/** Frames of n points in d dims: frame f scaled by scales[f], offset by 3 on axis 0. */
function scaledFrames(scales, n, d) {
  const out = new Float32Array(scales.length * n * d);
  let seed = 1;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  scales.forEach((s, f) => {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) out[(f * n + i) * d + k] = s * rand() + (k === 0 ? 3 : 0);
    }
  });
  return out;
}

describe("fit to the view", () => {
  it("measures each frame's spread, and flags a frame whose points coincide", () => {
    const n = 500,
      d = 4;
    const points = scaledFrames([0, 0.01, 1], n, d);
    const spreads = frameSpreads(points, { frames: 3, n, d }, sampleIndices(n, 400));
    expect(spreads[0]).toBeLessThan(1e-9);
    expect(spreads[1] / spreads[2]).toBeCloseTo(0.01, 3);
    const floor = extentFloor(spreads);
    expect(spreads[0] <= floor).toBe(true); // one place
    expect(spreads[1] > floor).toBe(true); // small, but fitted (100×)
  });

  it("centres the robust box and fills the shorter side", () => {
    const view = fitBox({ x0: 2, x1: 4, y0: -1, y1: 0 }, 800, 400, 1e-9);
    expect(view.x0).toBe(3);
    expect(view.y0).toBe(-0.5);
    // half-extents 1 (x) and 0.5 (y): x limits (400 / 1 = 400 px per unit < 200 / 0.5)
    expect(view.scale).toBeCloseTo(FILL * Math.min(400 / 1, 200 / 0.5), 9);
    const [sx, sy] = toScreen({ cx: 400, cy: 200, ...view }, 4, 0);
    expect(sx).toBeCloseTo(400 + FILL * 400, 6); // the box's right edge, inside the margin
    expect(sy).toBeCloseTo(200 - 0.5 * view.scale, 6);
  });

  it("does not blow a degenerate box up beyond the floor", () => {
    const view = fitBox({ x0: 1, x1: 1, y0: 2, y1: 2 }, 100, 100, 0.01);
    expect(view.scale).toBeCloseTo((FILL * 50) / 0.01, 6);
    expect(fitBox(null, 100, 100, 1).scale).toBeCloseTo(FILL * 50, 9);
  });

  it("picking and the shader's mapping agree on the fitted centre", () => {
    const pts = Float32Array.from([3, 1, 5, 2]);
    const view = { cx: 50, cy: 40, scale: 10, x0: 3, y0: 1 };
    const xy = projectAll(pts, { frames: 1, n: 2, d: 2 }, 0, [1, 0, 0, 1], view);
    expect(Array.from(xy)).toEqual([50, 40, 70, 30]);
  });

  it("glides to a new fit smoothly, in log scale, and stops when there", () => {
    const glide = createGlide();
    glide.aim({ x0: 0, y0: 0, scale: 100 });
    expect(glide.step(0.016)).toBe(false); // the first aim is where it starts
    glide.aim({ x0: 1, y0: 0, scale: 10000 });
    const scales = [];
    let moving = true;
    let steps = 0;
    while (moving && steps < 1000) {
      moving = glide.step(1 / 60);
      scales.push(glide.view.scale);
      steps++;
    }
    expect(moving).toBe(false);
    expect(glide.view).toEqual({ x0: 1, y0: 0, scale: 10000 });
    expect(steps).toBeLessThan(120); // about 2 s at 60 fps for a 100× zoom
    // Monotone, and no step zooms by more than a quarter.
    for (let i = 1; i < scales.length; i++) {
      expect(scales[i]).toBeGreaterThanOrEqual(scales[i - 1]);
      expect(scales[i] / scales[i - 1]).toBeLessThan(1.25);
    }
    expect(glide.step(0)).toBe(false);
  });
});

describe("axis handles", () => {
  it("fade out when short and are full strength when long", () => {
    expect(handleAlpha(0)).toBe(0);
    expect(handleAlpha(0.1)).toBe(0);
    expect(handleAlpha(0.25)).toBe(1);
    expect(handleAlpha(1)).toBe(1);
    let last = 0;
    for (let l = 0.1; l <= 0.25; l += 0.01) {
      expect(handleAlpha(l)).toBeGreaterThanOrEqual(last);
      last = handleAlpha(l);
    }
  });

  it("place names without overlap, dropping the lower-priority one", () => {
    const cands = [
      { i: 0, text: "fc1·pc1", x: 100, y: 100, ux: 1, uy: 0 },
      { i: 1, text: "fc1·pc2", x: 104, y: 103, ux: 1, uy: 0 }, // on top of the first
      { i: 2, text: "fc1·pc3", x: 100, y: 160, ux: 1, uy: 0 },
      { i: 3, text: "fc1·pc4", x: 5, y: 100, ux: -1, uy: 0 }, // would leave the canvas
    ];
    const boxes = placeLabels(cands, (t) => 6 * t.length, 300, 300);
    expect(boxes.map((b) => b.i)).toEqual([0, 2]);
    for (const a of boxes) {
      for (const b of boxes) {
        if (a === b) continue;
        expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1).toBe(false);
      }
    }
  });
});

describe("point sources", () => {
  it("read narrow tours from vertex attributes and wide ones from a texture", () => {
    expect(pointSource(10)).toEqual({ mode: "attributes", chunks: 3 });
    expect(pointSource(MAX_ATTRIBUTE_DIM)).toEqual({ mode: "attributes", chunks: 7 });
    expect(pointSource(64)).toEqual({ mode: "texture", chunks: 16 });
    const src = vertexShader("attributes", 3);
    expect(src.match(/in vec4 a_f[01]_\d;/g)).toHaveLength(6);
    expect(src).toContain("u_proj[11]");
    expect(vertexShader("texture", 16)).toContain("c < 16");
  });
});
