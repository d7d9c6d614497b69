import { describe, expect, it, vi } from "vitest";
import { packPoints, texelOf, textureLayout } from "../src/grand_tour/data_texture.js";
import { classBytes, parseColor } from "../src/grand_tour/gl.js";
import { thumbnailRGBA } from "../src/grand_tour/hovercard.js";
import { mergeSorted, nearestPoint, pointInPolygon, pointsInLasso, projectAll } from "../src/grand_tour/picking.js";
import { createFrameStats } from "../src/grand_tour/stats.js";
import { clipScale, deltaToProjection, toScreen, viewTransform } from "../src/grand_tour/viewport.js";
import { throttle } from "../src/lib/throttle.js";

describe("data texture", () => {
  it("puts each point's d values in ceil(d/4) texels, zero-padded", () => {
    const frames = 2,
      n = 3,
      d = 5;
    const pts = Float32Array.from({ length: frames * n * d }, (_, k) => k + 1);
    const layout = textureLayout(frames, n, d, 4);
    expect(layout.chunks).toBe(2);
    expect(layout.texels).toBe(12);
    expect([layout.width, layout.height]).toEqual([4, 3]);
    const tex = packPoints(pts, frames, n, d, layout);
    for (let f = 0; f < frames; f++) {
      for (let p = 0; p < n; p++) {
        for (let k = 0; k < 8; k++) {
          const [x, y] = texelOf(f, p, Math.floor(k / 4), n, layout);
          const v = tex[(y * layout.width + x) * 4 + (k % 4)];
          expect(v).toBe(k < d ? pts[(f * n + p) * d + k] : 0);
        }
      }
    }
  });
  it("copies straight through when d is a multiple of 4", () => {
    const pts = Float32Array.from({ length: 2 * 8 }, (_, k) => k);
    const layout = textureLayout(1, 2, 8, 1024);
    expect(Array.from(packPoints(pts, 1, 2, 8, layout)).slice(0, 16)).toEqual(Array.from(pts));
  });
  it("says clearly when the data does not fit", () => {
    expect(() => textureLayout(10, 100000, 128, 4096)).toThrow(/texture/);
  });
});

describe("viewport", () => {
  it("maps the unit circle into the canvas, y up", () => {
    const v = viewTransform(400, 200);
    expect(toScreen(v, 0, 0)).toEqual([200, 100]);
    const [x, y] = toScreen(v, 1, 1);
    expect(x - 200).toBeCloseTo(v.scale);
    expect(100 - y).toBeCloseTo(v.scale);
    expect(v.scale).toBeLessThan(100);
    expect(deltaToProjection(v, v.scale, -v.scale)).toEqual([1, 1]);
    expect(clipScale(v)).toEqual([(2 * v.scale) / 400, (2 * v.scale) / 200]);
  });
});

describe("picking and lasso", () => {
  const v = { cx: 0, cy: 0, scale: 1 };
  // two frames, three points in 3-D
  const pts = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 3, 0, 0, 0, 3, 0, 0, 0, 3]);
  const shape = { frames: 2, n: 3, d: 3 };
  const proj = [1, 0, 0, 1, 0, 0];
  it("projects every point at a fractional frame", () => {
    const plain = (a) => Array.from(a, (x) => x + 0); // -0 → 0
    expect(plain(projectAll(pts, shape, 0, proj, v))).toEqual([1, 0, 0, -1, 0, 0]);
    expect(plain(projectAll(pts, shape, 0.5, proj, v))).toEqual([2, 0, 0, -2, 0, 0]);
    expect(plain(projectAll(pts, shape, 7, proj, v))).toEqual([3, 0, 0, -3, 0, 0]);
  });
  it("finds the nearest visible point within a radius", () => {
    const xy = Float32Array.from([0, 0, 10, 0, 11, 0]);
    expect(nearestPoint(xy, 10.8, 0, 3)).toBe(2);
    expect(nearestPoint(xy, 10.8, 0, 3, (i) => i !== 2)).toBe(1);
    expect(nearestPoint(xy, 50, 50, 3)).toBe(-1);
  });
  it("tests points against a polygon (even–odd) and collects sorted indices", () => {
    const tri = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    expect(pointInPolygon(2, 2, tri)).toBe(true);
    expect(pointInPolygon(8, 8, tri)).toBe(false);
    const square = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ];
    const xy = Float32Array.from([5, 5, 15, 5, 1, 9, -1, 5]);
    expect(pointsInLasso(xy, square)).toEqual([0, 2]);
    expect(pointsInLasso(xy, square, (i) => i !== 0)).toEqual([2]);
    expect(
      pointsInLasso(xy, [
        [0, 0],
        [1, 1],
      ]),
    ).toEqual([]);
    expect(mergeSorted([5, 1], [3, 5])).toEqual([1, 3, 5]);
  });
});

describe("colours, thumbnails, stats, throttle", () => {
  it("parses colours and builds the class texture with hidden classes transparent", () => {
    expect(parseColor("#4e79a7")).toEqual([0x4e, 0x79, 0xa7]);
    expect(parseColor("#fff")).toEqual([255, 255, 255]);
    expect(parseColor("rgba(0, 0, 0, 0.87)")).toEqual([0, 0, 0]);
    expect(parseColor("nonsense")).toEqual([0, 0, 0]);
    const b = classBytes(2, new Set([1]), (k) => (k ? "#010203" : "#ffffff"));
    expect(Array.from(b)).toEqual([255, 255, 255, 255, 1, 2, 3, 0]);
  });
  it("expands grey and RGB thumbnails to RGBA", () => {
    const grey = Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(Array.from(thumbnailRGBA(grey, [2, 2, 2, 1], 1))).toEqual([
      40, 40, 40, 255, 50, 50, 50, 255, 60, 60, 60, 255, 70, 70, 70, 255,
    ]);
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(thumbnailRGBA(rgb, [2, 1, 1, 3], 1))).toEqual([4, 5, 6, 255]);
  });
  it("keeps the newest frame times in a ring", () => {
    const s = createFrameStats(3);
    for (const t of [1, 2, 3, 4]) s.push(t);
    expect(s.count).toBe(4);
    expect(s.values()).toEqual([2, 3, 4]);
    expect(s.mean()).toBe(3);
  });
  it("throttle calls at most once per interval, latest arguments, and flushes", () => {
    vi.useFakeTimers();
    let now = 0;
    const calls = [];
    const th = throttle(
      (x) => calls.push(x),
      30,
      () => now,
    );
    th.call(1);
    th.call(2);
    th.call(3);
    expect(calls).toEqual([1]);
    now = 30;
    vi.advanceTimersByTime(30);
    expect(calls).toEqual([1, 3]);
    th.call(4);
    th.flush();
    expect(calls).toEqual([1, 3, 4]);
    th.call(5);
    th.cancel();
    vi.advanceTimersByTime(100);
    expect(calls).toEqual([1, 3, 4]);
    vi.useRealTimers();
  });
});
