import { describe, expect, it } from "vitest";
import * as layout from "../src/image_grid/layout.js";

// 10 images, cell 20 + inset 4 on each side = pitch 28, 4 columns: rows of 4, 4, 2.
const grid = layout.gridLayout({ n: 10, cellSize: 20, columns: 4 });

describe("gridLayout", () => {
  it("derives pitch, rows and content size", () => {
    expect(grid).toMatchObject({ n: 10, columns: 4, rows: 3, cellSize: 20, inset: layout.CELL_INSET, pitch: 28 });
    expect(grid.width).toBe(4 * 28);
    expect(grid.height).toBe(3 * 28);
  });

  it("fits columns to the width when columns is 0", () => {
    const g = layout.gridLayout({ n: 100, cellSize: 20, availableWidth: 300 });
    expect(g.columns).toBe(10); // floor(300 / 28)
    expect(g.rows).toBe(10);
  });

  it("has no rows for no images", () => {
    const g = layout.gridLayout({ n: 0, cellSize: 20, availableWidth: 300 });
    expect(g.rows).toBe(0);
    expect(g.height).toBe(0);
  });

  it("clamps absurd cell sizes", () => {
    expect(layout.gridLayout({ n: 1, cellSize: 1 }).cellSize).toBe(4);
    expect(layout.gridLayout({ n: 1, cellSize: 5000 }).cellSize).toBe(512);
    expect(layout.gridLayout({ n: 1, cellSize: NaN }).cellSize).toBe(28);
  });
});

describe("columnsFor", () => {
  it("uses the requested count when positive", () => {
    expect(layout.columnsFor(10, 28, 7)).toBe(7);
  });
  it("fits as many as the width allows, at least one", () => {
    expect(layout.columnsFor(56, 28)).toBe(2);
    expect(layout.columnsFor(55.9, 28)).toBe(1);
    expect(layout.columnsFor(0, 28)).toBe(1);
    expect(layout.columnsFor(-10, 28)).toBe(1);
  });
});

describe("defaultCellSize", () => {
  it("is twice the image size, clamped to 28..96", () => {
    expect(layout.defaultCellSize(8, 8)).toBe(28);
    expect(layout.defaultCellSize(28, 28)).toBe(56);
    expect(layout.defaultCellSize(32, 20)).toBe(64);
    expect(layout.defaultCellSize(224, 224)).toBe(96);
  });
});

describe("cellOrigin and indexAt", () => {
  it("places cells row by row", () => {
    expect(layout.cellOrigin(0, grid)).toEqual({ x: 0, y: 0 });
    expect(layout.cellOrigin(5, grid)).toEqual({ x: 28, y: 28 });
    expect(layout.cellOrigin(9, grid)).toEqual({ x: 28, y: 56 });
  });

  it("inverts cellOrigin for every image and every point of its cell", () => {
    for (let i = 0; i < grid.n; i++) {
      const { x, y } = layout.cellOrigin(i, grid);
      expect(layout.indexAt(x, y, grid)).toBe(i);
      expect(layout.indexAt(x + 27.9, y + 27.9, grid)).toBe(i);
      expect(layout.indexAt(x + 14, y + 14, grid)).toBe(i);
    }
  });

  it("is -1 over empty space", () => {
    expect(layout.indexAt(-1, 5, grid)).toBe(-1);
    expect(layout.indexAt(5, -0.5, grid)).toBe(-1);
    expect(layout.indexAt(4 * 28, 5, grid)).toBe(-1); // right of the last column
    expect(layout.indexAt(5, 3 * 28, grid)).toBe(-1); // below the last row
    expect(layout.indexAt(2 * 28 + 1, 2 * 28 + 1, grid)).toBe(-1); // slot 10 of a 10-image grid
    expect(layout.indexAt(NaN, 0, grid)).toBe(-1);
  });
});

describe("imageRect", () => {
  it("insets a square image by the ring", () => {
    expect(layout.imageRect(5, grid, 8, 8)).toEqual({ x: 28 + 4, y: 28 + 4, width: 20, height: 20 });
  });
  it("keeps the aspect ratio of a wide image, centred", () => {
    const r = layout.imageRect(0, grid, 40, 20);
    expect(r.width).toBe(20);
    expect(r.height).toBe(10);
    expect(r.x).toBe(4);
    expect(r.y).toBe(4 + 5);
  });
});

describe("cellsInRect", () => {
  it("selects every cell a rectangle touches, in order, for corners in any order", () => {
    const expected = [1, 2, 5, 6];
    expect(layout.cellsInRect({ x0: 30, y0: 5, x1: 60, y1: 30 }, grid)).toEqual(expected);
    expect(layout.cellsInRect({ x0: 60, y0: 30, x1: 30, y1: 5 }, grid)).toEqual(expected);
    expect(layout.cellsInRect({ x0: 60, y0: 5, x1: 30, y1: 30 }, grid)).toEqual(expected);
  });

  it("touching one pixel of a cell is enough; its right edge belongs to the next cell", () => {
    expect(layout.cellsInRect({ x0: 27, y0: 0, x1: 28, y1: 0 }, grid)).toEqual([0, 1]);
    expect(layout.cellsInRect({ x0: 27, y0: 0, x1: 27.9, y1: 0 }, grid)).toEqual([0]);
  });

  it("selects a single cell for a point", () => {
    expect(layout.cellsInRect({ x0: 90, y0: 40, x1: 90, y1: 40 }, grid)).toEqual([7]);
  });

  it("clamps rectangles that reach past the grid and skips missing cells", () => {
    expect(layout.cellsInRect({ x0: -50, y0: -50, x1: 1000, y1: 1000 }, grid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(layout.cellsInRect({ x0: 60, y0: 60, x1: 1000, y1: 1000 }, grid)).toEqual([]);
    expect(layout.cellsInRect({ x0: 0, y0: 60, x1: 1000, y1: 1000 }, grid)).toEqual([8, 9]);
  });

  it("is empty for rectangles entirely outside the grid", () => {
    expect(layout.cellsInRect({ x0: 200, y0: 0, x1: 300, y1: 50 }, grid)).toEqual([]);
    expect(layout.cellsInRect({ x0: -20, y0: -20, x1: -1, y1: -1 }, grid)).toEqual([]);
    expect(layout.cellsInRect({ x0: 0, y0: 0, x1: 10, y1: 10 }, layout.gridLayout({ n: 0, cellSize: 20 }))).toEqual([]);
  });

  it("matches a brute-force check on a random grid", () => {
    const g = layout.gridLayout({ n: 47, cellSize: 13, columns: 6, inset: 2 });
    let seed = 1;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647) * 160 - 20;
    };
    for (let t = 0; t < 200; t++) {
      const rect = { x0: rnd(), y0: rnd(), x1: rnd(), y1: rnd() };
      const [l, r] = [Math.min(rect.x0, rect.x1), Math.max(rect.x0, rect.x1)];
      const [tp, b] = [Math.min(rect.y0, rect.y1), Math.max(rect.y0, rect.y1)];
      const brute = [];
      for (let i = 0; i < g.n; i++) {
        const o = layout.cellOrigin(i, g);
        if (l < o.x + g.pitch && r >= o.x && tp < o.y + g.pitch && b >= o.y) brute.push(i);
      }
      expect(layout.cellsInRect(rect, g)).toEqual(brute);
    }
  });
});

describe("visibleRange", () => {
  it("covers partially visible rows at both ends", () => {
    expect(layout.visibleRange(0, 100, 28, 50)).toEqual({ first: 0, end: 4 }); // 100/28 = 3.57
    expect(layout.visibleRange(30, 100, 28, 50)).toEqual({ first: 1, end: 5 });
    expect(layout.visibleRange(56, 56, 28, 50)).toEqual({ first: 2, end: 4 });
  });
  it("is clamped to the rows that exist", () => {
    expect(layout.visibleRange(1300, 100, 28, 50)).toEqual({ first: 46, end: 50 });
    expect(layout.visibleRange(99999, 100, 28, 50)).toEqual({ first: 50, end: 50 });
    expect(layout.visibleRange(-40, 100, 28, 50)).toEqual({ first: 0, end: 4 });
    expect(layout.visibleRange(0, 100, 28, 0)).toEqual({ first: 0, end: 0 });
    expect(layout.visibleRange(0, 0, 28, 10)).toEqual({ first: 0, end: 0 });
  });
  it("draws a bounded number of rows however many images there are", () => {
    const rows = Math.ceil(10000 / 11);
    for (const scroll of [0, 5000, 31234.5, rows * 72 - 400]) {
      const { first, end } = layout.visibleRange(scroll, 400, 72, rows);
      expect(end - first).toBeLessThanOrEqual(Math.ceil(400 / 72) + 1);
    }
  });
});

describe("scrollOffsetFor", () => {
  it("centres a row, clamped to the scrollable range", () => {
    expect(layout.scrollOffsetFor(10, 100, 20, 1000)).toBe(10 * 20 - 40);
    expect(layout.scrollOffsetFor(0, 100, 20, 1000)).toBe(0);
    expect(layout.scrollOffsetFor(49, 100, 20, 1000)).toBe(900);
    expect(layout.scrollOffsetFor(3, 100, 20, 50)).toBe(0);
  });
});

describe("atlasLayout and atlasSlot", () => {
  it("packs 10,000 28x28 images into one atlas under the size cap", () => {
    const a = layout.atlasLayout(10000, 28, 28);
    expect(a.columns).toBe(Math.floor(layout.ATLAS_MAX_SIDE / 28)); // 146
    expect(a.atlases).toHaveLength(1);
    expect(a.atlases[0].width).toBe(146 * 28);
    expect(a.atlases[0].height).toBe(Math.ceil(10000 / 146) * 28);
    expect(a.atlases[0].width).toBeLessThanOrEqual(layout.ATLAS_MAX_SIDE);
    expect(a.atlases[0].height).toBeLessThanOrEqual(layout.ATLAS_MAX_SIDE);
  });

  it("splits into several atlases when one is full, the last sized to fit", () => {
    const a = layout.atlasLayout(10000, 64, 64); // 64 x 64 = 4096 per atlas
    expect(a.perAtlas).toBe(4096);
    expect(a.atlases.map((x) => x.count)).toEqual([4096, 4096, 1808]);
    expect(a.atlases.map((x) => x.first)).toEqual([0, 4096, 8192]);
    expect(a.atlases[2]).toMatchObject({ width: 4096, height: Math.ceil(1808 / 64) * 64 });
    for (const x of a.atlases) {
      expect(x.width).toBeLessThanOrEqual(layout.ATLAS_MAX_SIDE);
      expect(x.height).toBeLessThanOrEqual(layout.ATLAS_MAX_SIDE);
    }
  });

  it("sizes a small atlas to its images", () => {
    expect(layout.atlasLayout(3, 8, 10).atlases).toEqual([{ first: 0, count: 3, width: 24, height: 10 }]);
  });

  it("gives an image larger than the cap an atlas of its own", () => {
    const a = layout.atlasLayout(2, 5000, 100, 4096);
    expect(a.perAtlas).toBe(40);
    expect(a.atlases[0]).toMatchObject({ width: 5000, count: 2 });
  });

  it("gives every image its own non-overlapping slot inside its atlas", () => {
    const a = layout.atlasLayout(500, 30, 20, 200); // 6 x 10 per atlas
    const seen = new Set();
    for (let i = 0; i < 500; i++) {
      const s = layout.atlasSlot(i, a);
      const atlas = a.atlases[s.atlas];
      expect(i - atlas.first).toBeGreaterThanOrEqual(0);
      expect(i - atlas.first).toBeLessThan(atlas.count);
      expect(s.x + 30).toBeLessThanOrEqual(atlas.width);
      expect(s.y + 20).toBeLessThanOrEqual(atlas.height);
      const key = `${s.atlas}:${s.x}:${s.y}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(layout.atlasSlot(61, a)).toEqual({ atlas: 1, x: 30, y: 0 });
  });

  it("has no atlases for no images", () => {
    expect(layout.atlasLayout(0, 8, 8).atlases).toEqual([]);
  });
});

describe("autoScrollSpeed", () => {
  it("is zero in the middle and grows towards and past either edge", () => {
    expect(layout.autoScrollSpeed(150, 300)).toBe(0);
    expect(layout.autoScrollSpeed(268, 300)).toBe(0);
    expect(layout.autoScrollSpeed(284, 300)).toBe(12);
    expect(layout.autoScrollSpeed(300, 300)).toBe(24);
    expect(layout.autoScrollSpeed(900, 300)).toBe(24); // the pointer is captured: beyond counts
    expect(layout.autoScrollSpeed(16, 300)).toBe(-12);
    expect(layout.autoScrollSpeed(-50, 300)).toBe(-24);
  });

  it("keeps a middle in small viewports and stops without one", () => {
    expect(layout.autoScrollSpeed(50, 100)).toBe(0); // the zones shrink to a quarter each
    expect(layout.autoScrollSpeed(99, 100)).toBeGreaterThan(0);
    expect(layout.autoScrollSpeed(10, 0)).toBe(0);
  });
});
