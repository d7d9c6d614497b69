// The similarity view's pure math: the colour scale, cell geometry, checkpoint slices and
// the line chart's checkpoint axis.
import { describe, expect, it } from "vitest";
import {
  anyFinite,
  cellAt,
  cellCenter,
  commonPrefix,
  computedCount,
  css,
  depthColor,
  formatValue,
  lightText,
  lineDomain,
  matrixAt,
  matrixLayout,
  nearestCheckpoint,
  tickIndices,
  VIRIDIS,
  viridis,
} from "../src/similarity/math.js";

describe("colours", () => {
  it("viridis runs through its stops, clamps, and has no colour for NaN", () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(0.5)).toEqual(VIRIDIS[4]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(Number.NaN)).toBeNull();
    // halfway between the first two stops
    expect(viridis(1 / 16)).toEqual([70, 21, 102]);
    // brighter (by the sum of channels) as t grows
    const sums = [0, 0.25, 0.5, 0.75, 1].map((t) => viridis(t).reduce((a, b) => a + b, 0));
    expect([...sums].sort((a, b) => a - b)).toEqual(sums);
  });

  it("layers by depth, as the Python figure colours them: first darkest, last at 0.85", () => {
    expect(depthColor(0, 4)).toBe(css(viridis(0)));
    expect(depthColor(3, 4)).toBe(css(viridis(0.85)));
    expect(depthColor(0, 1)).toBe("rgb(68, 1, 84)");
    expect(lightText(0.1)).toBe(true);
    expect(lightText(0.9)).toBe(false);
    expect(lightText(Number.NaN)).toBe(false);
  });
});

describe("the matrices trait", () => {
  const m = { data: Float32Array.of(1, 0.5, 0.5, 1, NaN, NaN, NaN, NaN), shape: [2, 2, 2] };

  it("matrixAt slices one checkpoint without copying", () => {
    const first = matrixAt(m, 0);
    expect(first.rows).toBe(2);
    expect(first.cols).toBe(2);
    expect([...first.values]).toEqual([1, 0.5, 0.5, 1]);
    expect(first.values.buffer).toBe(m.data.buffer);
    expect(matrixAt(m, 2)).toBeNull();
    expect(matrixAt(m, -1)).toBeNull();
    expect(matrixAt(m, 0.5)).toBeNull();
    expect(matrixAt(null, 0)).toBeNull();
    expect(matrixAt({ data: new Float32Array(4), shape: [2, 2] }, 0)).toBeNull();
  });

  it("counts the checkpoints computed (a pending one is all NaN)", () => {
    expect(anyFinite(matrixAt(m, 0).values)).toBe(true);
    expect(anyFinite(matrixAt(m, 1).values)).toBe(false);
    expect(computedCount(m)).toBe(1);
    expect(computedCount(null)).toBe(0);
    expect(formatValue(0.98765)).toBe("0.988");
    expect(formatValue(Number.NaN)).toBe("–");
  });
});

describe("cell geometry", () => {
  it("fits square whole-pixel cells and finds them back", () => {
    const L = matrixLayout(3, 5, { x: 40, y: 6, width: 200, height: 100 });
    expect(L).toEqual({ x: 40, y: 6, cell: 33, rows: 3, cols: 5 });
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 5; j++) {
        const c = cellCenter(L, i, j);
        expect(cellAt(L, c.x, c.y)).toEqual([i, j]);
      }
    }
    expect(cellAt(L, 39, 10)).toBeNull();
    expect(cellAt(L, 40 + 5 * 33, 10)).toBeNull();
    expect(cellAt(L, 50, 6 + 3 * 33)).toBeNull();
    expect(cellCenter(L, 3, 0)).toBeNull();
    expect(cellAt(null, 0, 0)).toBeNull();
    expect(matrixLayout(0, 4, { x: 0, y: 0, width: 10, height: 10 }).cell).toBe(0);
  });
});

describe("the checkpoint axis", () => {
  it("says a shared first word once", () => {
    expect(commonPrefix(["epoch 0", "epoch 5", "epoch 10"])).toBe("epoch ");
    expect(commonPrefix(["checkpoint 0", "checkpoint 1"])).toBe("checkpoint ");
    expect(commonPrefix(["epoch 1", "epoch 10"])).toBe("epoch ");
    expect(commonPrefix(["a", "b"])).toBe("");
    expect(commonPrefix(["model"])).toBe("");
  });

  it("thins tick labels so they never overlap, keeping the first and the last", () => {
    expect(tickIndices(10, 100, 20)).toEqual([0, 3, 6, 9]);
    expect(tickIndices(5, 400, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(tickIndices(1, 100, 10)).toEqual([0]);
    expect(tickIndices(0, 100, 10)).toEqual([]);
    for (const [n, w, lw] of [
      [31, 300, 14],
      [7, 90, 30],
      [100, 500, 12],
    ]) {
      const ticks = tickIndices(n, w, lw);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)).toBe(n - 1);
      const gaps = ticks.slice(1).map((t, k) => ((t - ticks[k]) * w) / (n - 1));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(lw + 6 - 1e-9);
    }
  });

  it("picks the nearest checkpoint and a y axis that holds every value", () => {
    expect(nearestCheckpoint(40, 5, 0, 100)).toBe(2);
    expect(nearestCheckpoint(-50, 5, 0, 100)).toBe(0);
    expect(nearestCheckpoint(500, 5, 0, 100)).toBe(4);
    expect(nearestCheckpoint(30, 1, 0, 100)).toBe(0);
    expect(lineDomain(Float32Array.of(0.4, 0.9, NaN))).toEqual([0, 1]);
    expect(lineDomain(Float32Array.of(0.4, -0.12))).toEqual([-0.2, 1]);
    expect(lineDomain(Float32Array.of(1.04))).toEqual([0, 1.1]);
  });
});
