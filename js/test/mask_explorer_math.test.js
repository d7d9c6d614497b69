// The mask explorer's pure math: scales, ticks, dot picking and mosaic tiles.
import { describe, expect, it } from "vitest";
import { linearScale, logScale } from "../src/lib/scales.js";
import {
  accuracyDomain,
  cleanRecords,
  DENSITY_TICKS,
  densityDomain,
  densityTickLabel,
  densityTicks,
  fitRect,
  formatPercent,
  heatmapCellAt,
  heatmapCells,
  nearestDot,
  parseTiles,
  plotDots,
  symmetricLimit,
  tileAt,
  tileKeptFraction,
  tileOrigin,
} from "../src/mask_explorer/math.js";

describe("records and domains", () => {
  it("cleanRecords drops unusable rows and sorts by round", () => {
    const out = cleanRecords([
      { round: 2, density: 0.64, accuracy: { a: 0.9 } },
      { round: 0, density: 1, accuracy: { a: 0.95 } },
      { round: 1, density: 0, accuracy: {} },
      { round: 3, density: 1.5 },
      null,
      { round: "x", density: 0.5 },
      { round: 1, density: 0.8 },
    ]);
    expect(out.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(out[1].accuracy).toEqual({});
    expect(cleanRecords(undefined)).toEqual([]);
  });

  it("densityDomain is reversed, padded, at least a decade", () => {
    const [hi, lo] = densityDomain([{ density: 1 }, { density: 0.02 }]);
    expect(hi).toBeGreaterThan(1);
    expect(lo).toBeLessThan(0.02);
    const [h2, l2] = densityDomain([{ density: 1 }]);
    expect(h2 / l2).toBeGreaterThanOrEqual(10);
    expect(densityDomain([])).toEqual([1, 0.1]);
  });

  it("densityTicks keeps only the standard ticks in range", () => {
    expect(DENSITY_TICKS).toEqual([1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]);
    expect(densityTicks([1.02, 0.04])).toEqual([1, 0.5, 0.2, 0.1, 0.05]);
    expect(densityTicks([0.3, 0.9])).toEqual([0.5]);
    expect(densityTicks([1, 0.01])).toEqual([1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]);
  });

  it("accuracyDomain covers every variant and the dense line, within 0..1", () => {
    const recs = [{ accuracy: { a: 0.9, b: 0.5 } }, { accuracy: { a: 0.95 } }];
    const [lo, hi] = accuracyDomain(recs, ["a", "b"], 0.97);
    expect(lo).toBeLessThanOrEqual(0.5);
    expect(hi).toBeGreaterThanOrEqual(0.97);
    expect(hi).toBeLessThanOrEqual(1);
    expect(accuracyDomain(recs, ["a"], -1)).toEqual([0.89, 0.96]);
    expect(accuracyDomain([], ["a"], -1)).toEqual([0, 1]);
    expect(accuracyDomain([{ accuracy: { a: 1 } }], ["a"], -1)[1]).toBe(1);
  });

  it("densityTickLabel", () => {
    expect(DENSITY_TICKS.map(densityTickLabel)).toEqual(["100%", "50%", "20%", "10%", "5%", "2%", "1%"]);
    expect(densityTickLabel(0.005)).toBe("0.5%");
  });

  it("formatPercent", () => {
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.512)).toBe("51.2%");
    expect(formatPercent(0.0135)).toBe("1.35%");
    expect(formatPercent(NaN)).toBe("–");
  });
});

describe("dots", () => {
  const recs = cleanRecords([
    { round: 0, density: 1, accuracy: { rewind: 0.9, reinit: 0.9 } },
    { round: 1, density: 0.1, accuracy: { rewind: 0.92 } },
  ]);
  const x = logScale([1, 0.01], [0, 100]);
  const y = linearScale([0, 1], [100, 0]);

  it("plotDots: one per record and variant with a finite accuracy", () => {
    const dots = plotDots(recs, ["rewind", "reinit"], x.map, y.map);
    expect(dots.map((d) => [d.variant, d.round])).toEqual([
      ["rewind", 0],
      ["rewind", 1],
      ["reinit", 0],
    ]);
    expect(dots[1].x).toBeCloseTo(50);
    expect(dots[1].y).toBeCloseTo(8);
    expect(dots[2].variantIndex).toBe(1);
  });

  it("nearestDot picks the closest within the radius", () => {
    const dots = [
      { x: 0, y: 0, id: "a" },
      { x: 10, y: 0, id: "b" },
    ];
    expect(nearestDot(dots, 8, 1, 5).id).toBe("b");
    expect(nearestDot(dots, 4, 0, 5).id).toBe("a");
    expect(nearestDot(dots, 5, 20, 5)).toBeNull();
    expect(nearestDot([], 0, 0, 5)).toBeNull();
  });
});

describe("mosaic tiles", () => {
  const t = { th: 2, tw: 2, rows: 2, cols: 3, gap: 1 };

  it("parseTiles validates against the image size", () => {
    expect(parseTiles([2, 2, 2, 3, 1], 5, 8)).toEqual(t);
    expect(parseTiles([2, 2, 2, 3, 1], 4, 8)).toBeNull();
    expect(parseTiles([], 5, 8)).toBeNull();
    expect(parseTiles(null, 5, 8)).toBeNull();
    expect(parseTiles([2, 2, 0, 3, 1], 5, 8)).toBeNull();
    expect(parseTiles([2.5, 2, 2, 3, 1], 5, 8)).toBeNull();
  });

  it("tileAt finds the tile, -1 on gaps and outside", () => {
    expect(tileAt(t, 0.5, 0.5)).toBe(0);
    expect(tileAt(t, 3.5, 0.5)).toBe(1);
    expect(tileAt(t, 2.5, 0.5)).toBe(-1); // gap column
    expect(tileAt(t, 0.5, 2.5)).toBe(-1); // gap row
    expect(tileAt(t, 6.9, 4.9)).toBe(5);
    expect(tileAt(t, 9, 0)).toBe(-1);
    expect(tileAt(t, -1, 0)).toBe(-1);
    expect(tileAt(null, 0, 0)).toBe(-1);
  });

  it("tileOrigin inverts tileAt", () => {
    for (let k = 0; k < 6; k++) {
      const o = tileOrigin(t, k);
      expect(tileAt(t, o.x + 1, o.y + 1)).toBe(k);
    }
    expect(tileOrigin(t, 6)).toBeNull();
    expect(tileOrigin(t, -1)).toBeNull();
  });

  it("tileKeptFraction counts kept pixels in one tile only", () => {
    // 5×8 image, tile 1 (x 3..4, y 0..1) has 3 kept pixels; everything else kept in tile 0.
    const W = 8;
    const img = new Uint8Array(5 * W);
    for (const [x, y] of [
      [3, 0],
      [4, 0],
      [3, 1],
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 0],
    ])
      img[y * W + x] = 255;
    expect(tileKeptFraction(img, W, t, 1)).toBe(0.75);
    expect(tileKeptFraction(img, W, t, 0)).toBe(1);
    expect(tileKeptFraction(img, W, t, 5)).toBe(0);
    expect(tileKeptFraction(img, W, t, 9)).toBeNaN();
  });
});

describe("layout helpers", () => {
  it("fitRect: integer scale when enlarging, centred", () => {
    expect(fitRect(10, 10, 100, 50)).toEqual({ x: 25, y: 0, width: 50, height: 50, scale: 5 });
    const r = fitRect(200, 100, 100, 100);
    expect(r.scale).toBe(0.5);
    expect(r.height).toBe(50);
    expect(fitRect(0, 10, 100, 100).scale).toBe(0);
    expect(fitRect(100, 50, 187, 500).scale).toBeCloseTo(1.87); // flooring would lose 47%
    expect(fitRect(10, 10, 45, 45).scale).toBe(4);
  });

  it("symmetricLimit", () => {
    expect(symmetricLimit(Float32Array.of(-0.2, 0.1))).toBeCloseTo(0.21);
    expect(symmetricLimit([0, NaN])).toBe(1);
  });

  it("heatmapCells and heatmapCellAt", () => {
    const cells = heatmapCells(4, { x: 0, y: 0, width: 100, height: 80 });
    expect(cells).toEqual({ x: 10, y: 0, size: 20, k: 4 });
    expect(heatmapCellAt(cells, 15, 25)).toEqual([1, 0]);
    expect(heatmapCellAt(cells, 5, 5)).toBeNull();
    expect(heatmapCellAt(cells, 89, 79)).toEqual([3, 3]);
    expect(heatmapCellAt(null, 0, 0)).toBeNull();
  });
});
