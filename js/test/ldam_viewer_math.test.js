// The LDAM viewer's pure helpers: grouping and grid layout, the sample atlas, trace
// ranges / NaN breaks / means, ticks and labels.
import { describe, expect, it } from "vitest";
import * as math from "../src/ldam_viewer/math.js";

describe("groups and the grid layout", () => {
  it("groupChains orders groups by id and chains by index, naming them from group_names", () => {
    expect(math.groupChains(5, Int32Array.of(1, 0, 1, 2, 0), ["a", "b"])).toEqual([
      { group: 0, name: "a", chains: [1, 4] },
      { group: 1, name: "b", chains: [0, 2] },
      { group: 2, name: "group 2", chains: [3] },
    ]);
  });

  it("groupChains puts every chain in group 0 without (usable) groups", () => {
    expect(math.groupChains(3, null, ["fc1 unit 3"])).toEqual([{ group: 0, name: "fc1 unit 3", chains: [0, 1, 2] }]);
    expect(math.groupChains(2, Int32Array.of(4), undefined)).toEqual([{ group: 0, name: "", chains: [0, 1] }]);
    expect(math.groupChains(0, null, [])).toEqual([]);
  });

  it("chainBlocks splits each group by prior side by side, keeping the group's hue", () => {
    const groups = Int32Array.of(1, 0, 1, 0, 1, 0);
    const priors = Int32Array.of(0, 0, 1, 1, 1, 1);
    const reached = Float32Array.of(50.5, 91.2, NaN, 99.9); // [prior, group]
    const opts = { priors, priorNames: ["none", "generator"], reached, sideBySide: true };
    expect(math.chainBlocks(6, groups, ["Bag", "Shirt"], opts)).toEqual([
      { group: 0, hue: 0, name: "Bag · none · p50", chains: [1] },
      { group: 1, hue: 0, name: "Bag · generator", chains: [3, 5] },
      { group: 2, hue: 1, name: "Shirt · none · p91", chains: [0] },
      { group: 3, hue: 1, name: "Shirt · generator · p99", chains: [2, 4] },
    ]);
    // one prior on show: one block per group, its percentile from that prior's row
    const shown = { ...opts, priors: Int32Array.of(1, 1, 1, 1, 1, 1), sideBySide: false };
    expect(math.chainBlocks(6, groups, ["Bag", "Shirt"], shown).map((b) => b.name)).toEqual(["Bag", "Shirt · p99"]);
    // missing or mis-sized priors and percentiles: plain groups
    expect(math.chainBlocks(2, Int32Array.of(0, 0), ["a"], { priors: Int32Array.of(0), sideBySide: true })).toEqual([
      { group: 0, hue: 0, name: "a", chains: [0, 1] },
    ]);
    expect(math.chainBlocks(1, null, ["a"], { reached: Float32Array.of(1, 2, 3) })[0].name).toBe("a");
  });

  it("gridLayout stacks one block per group, header first, wrapping chains at the width", () => {
    const blocks = math.groupChains(5, Int32Array.of(0, 0, 0, 1, 1), ["a", "b"]);
    // perRow = floor((200 - 8 + 6) / 66) = 3
    const L = math.gridLayout(blocks, { width: 200, cellW: 60, cellH: 40, gap: 6, pad: 4, headerH: 20, blockGap: 10 });
    expect(L.perRow).toBe(3);
    expect(L.headers).toEqual([
      { name: "a", group: 0, hue: 0, x: 4, y: 4 },
      { name: "b", group: 1, hue: 1, x: 4, y: 4 + 20 + 40 + 10 },
    ]);
    expect(L.cells.map((c) => [c.x, c.y, c.group])).toEqual([
      [4, 24, 0],
      [70, 24, 0],
      [136, 24, 0],
      [4, 94, 1],
      [70, 94, 1],
    ]);
    expect(L.height).toBe(94 + 40 + 4);
    expect(L.width).toBe(136 + 60 + 4);
  });

  it("gridLayout wraps, keeps at least one per row and skips headers of unnamed groups", () => {
    const L = math.gridLayout(math.groupChains(3, null, []), { width: 10, cellW: 30, cellH: 30, gap: 2, pad: 0 });
    expect(L.perRow).toBe(1);
    expect(L.headers).toEqual([]);
    expect(L.cells.map((c) => c.y)).toEqual([0, 32, 64]);
    expect(math.gridLayout([], { width: 100, cellW: 10, cellH: 10 }).height).toBe(0);
  });

  it("chainAt finds the chain under a point", () => {
    const L = math.gridLayout(math.groupChains(4, Int32Array.of(1, 0, 1, 0), ["x", "y"]), {
      width: 500,
      cellW: 20,
      cellH: 20,
      gap: 4,
      pad: 4,
      headerH: 10,
    });
    for (let i = 0; i < 4; i++) {
      const c = L.cells[i];
      expect(math.chainAt(L, c.x + 10, c.y + 10)).toBe(i);
    }
    expect(math.chainAt(L, 0, 0)).toBe(-1);
    expect(math.chainAt(L, L.cells[1].x + 21, L.cells[1].y + 5)).toBe(-1); // in the gap
    expect(math.chainAt(null, 5, 5)).toBe(-1);
  });
});

describe("image stacks and the atlas", () => {
  it("imageDims accepts [n, H, W, C] with C 1/3/4 and [n, H, W]", () => {
    expect(math.imageDims([8, 28, 28, 1])).toEqual({ n: 8, h: 28, w: 28, c: 1 });
    expect(math.imageDims([2, 4, 5, 3])).toEqual({ n: 2, h: 4, w: 5, c: 3 });
    expect(math.imageDims([2, 4, 5])).toEqual({ n: 2, h: 4, w: 5, c: 1 });
    expect(math.imageDims([2, 4, 5, 2])).toBeNull();
    expect(math.imageDims([4, 5])).toBeNull();
    expect(math.imageDims(undefined)).toBeNull();
  });

  it("atlasShape is near square", () => {
    expect(math.atlasShape(5, 28, 20)).toEqual({ cols: 3, rows: 2, width: 84, height: 40 });
    expect(math.atlasShape(1, 3, 3)).toEqual({ cols: 1, rows: 1, width: 3, height: 3 });
    expect(math.atlasShape(16, 2, 2).cols).toBe(4);
  });

  it("fillAtlas copies grey and RGB images to their tiles", () => {
    const grey = { n: 3, h: 1, w: 2, c: 1 };
    const a = math.atlasShape(3, 2, 1); // 2 cols × 2 rows of 2×1 → 4×2
    const rgba = math.fillAtlas(
      new Uint8ClampedArray(a.width * a.height * 4),
      Uint8Array.of(1, 2, 3, 4, 5, 6),
      grey,
      a,
    );
    const px = (x, y) => Array.from(rgba.slice((y * a.width + x) * 4, (y * a.width + x) * 4 + 4));
    expect(px(0, 0)).toEqual([1, 1, 1, 255]);
    expect(px(1, 0)).toEqual([2, 2, 2, 255]);
    expect(px(2, 0)).toEqual([3, 3, 3, 255]);
    expect(px(1, 1)).toEqual([6, 6, 6, 255]);
    expect(px(3, 1)).toEqual([0, 0, 0, 0]); // unused tile
    expect(math.atlasOrigin(2, grey, a)).toEqual({ x: 0, y: 1 });

    const rgb = { n: 2, h: 1, w: 1, c: 3 };
    const b = math.atlasShape(2, 1, 1);
    const out = math.fillAtlas(
      new Uint8ClampedArray(b.width * b.height * 4),
      Uint8Array.of(10, 20, 30, 40, 50, 60),
      rgb,
      b,
    );
    expect(Array.from(out)).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
  });
});

describe("traces", () => {
  // 2 rows × 2 chains × 3 steps; chain 1 stops (NaN) at step 2.
  const data = Float32Array.of(1, 2, 3, 5, 6, NaN, -1, -2, -3, -4, -5, NaN);

  it("traceRange covers the finite values of a row with 5% padding", () => {
    const [lo, hi] = math.traceRange(data, 2, 3, 0);
    expect(lo).toBeCloseTo(1 - 0.25);
    expect(hi).toBeCloseTo(6 + 0.25);
    expect(math.traceRange(data, 2, 3, 1)[0]).toBeCloseTo(-5 - 0.2);
    expect(math.traceRange(Float32Array.of(NaN, NaN), 1, 2, 0)).toEqual([0, 1]);
    const flat = math.traceRange(Float32Array.of(2, 2), 1, 2, 0);
    expect(flat[0]).toBeLessThan(2);
    expect(flat[1]).toBeGreaterThan(2);
  });

  it("finiteRuns breaks lines at NaN", () => {
    expect(math.finiteRuns(Float32Array.of(1, 2, NaN, 3, 4, 5), 0, 6)).toEqual([
      [0, 2],
      [3, 6],
    ]);
    expect(math.finiteRuns(data, 3, 3)).toEqual([[0, 2]]);
    expect(math.finiteRuns(Float32Array.of(NaN, NaN), 0, 2)).toEqual([]);
    expect(math.finiteRuns(Float32Array.of(NaN, 1, NaN), 0, 3)).toEqual([[1, 2]]);
  });

  it("traceMean averages the finite chains per step", () => {
    expect(Array.from(math.traceMean(data, 2, 3, 0))).toEqual([3, 4, 3]);
    expect(Array.from(math.traceMean(data, 2, 3, 1))).toEqual([-2.5, -3.5, -3]);
    expect(Number.isNaN(math.traceMean(Float32Array.of(NaN), 1, 1, 0)[0])).toBe(true);
  });

  it("stepRange spans the steps; a single step gets a unit range", () => {
    expect(math.stepRange(Int32Array.of(10, 20, 30))).toEqual([10, 30]);
    expect(math.stepRange(Int32Array.of(7))).toEqual([6.5, 7.5]);
    expect(math.stepRange(null)).toEqual([0, 1]);
  });
});

describe("ticks, scales and labels", () => {
  it("formatValue, stepCaption and sliderStep", () => {
    expect(math.formatValue(3.14159)).toBe("3.142");
    expect(math.formatValue(-12.5)).toBe("-12.5");
    expect(math.formatValue(0)).toBe("0");
    expect(math.formatValue(NaN)).toBe("–");
    expect(math.formatValue(null)).toBe("–");
    expect(math.formatValue(1.5e-5)).toBe("1.50e-5");
    expect(math.stepCaption(120, -1, 10)).toBe("step 120 (live)");
    expect(math.stepCaption(40, 3, 10)).toBe("step 40 (history 3/10)");
    expect(math.stepCaption(undefined, -1, 0)).toBe("step – (live)");
    expect(math.sliderStep(10)).toBe(0.05);
    expect(math.sliderStep(1)).toBe(0.005);
    expect(math.sliderStep(0)).toBe(0.01);
  });

  it("topImageGroups splits top images by group, or gives up", () => {
    expect(Array.from(math.topImageGroups(6, 3))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(math.topImageGroups(7, 3)).toBeNull();
    expect(math.topImageGroups(6, 0)).toBeNull();
  });
});
