import { describe, expect, it } from "vitest";
import { atlasLayout, atlasSlot } from "../src/image_grid/layout.js";
import { atlasRGBA, imageToRGBA, stackShape, writeImageRGBA } from "../src/image_grid/pixels.js";

describe("stackShape", () => {
  it("reads (N, H, W, C)", () => {
    expect(stackShape([5, 8, 6, 3])).toEqual({ n: 5, height: 8, width: 6, channels: 3 });
  });
  it("rejects other shapes", () => {
    expect(() => stackShape([5, 8, 6])).toThrow(/\(N, H, W, C\)/);
    expect(() => stackShape([5, 8, 6, 4])).toThrow(/C 1 or 3/);
  });
});

describe("imageToRGBA", () => {
  it("spreads gray to R, G, B with opaque alpha", () => {
    // Two 2x2 gray images; take the second.
    const src = Uint8Array.from([0, 0, 0, 0, 10, 20, 30, 255]);
    const out = imageToRGBA(src, stackShape([2, 2, 2, 1]), 1);
    expect(out).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(out)).toEqual([10, 10, 10, 255, 20, 20, 20, 255, 30, 30, 30, 255, 255, 255, 255, 255]);
  });

  it("copies RGB and adds opaque alpha", () => {
    // One 1x2 RGB image.
    const src = Uint8Array.from([1, 2, 3, 250, 251, 252]);
    const out = imageToRGBA(src, stackShape([1, 1, 2, 3]), 0);
    expect(Array.from(out)).toEqual([1, 2, 3, 255, 250, 251, 252, 255]);
  });

  it("keeps rows in order for non-square images", () => {
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 3 rows x 2 columns, gray
    const out = imageToRGBA(src, stackShape([1, 3, 2, 1]), 0);
    expect(Array.from(out.filter((_, k) => k % 4 === 0))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("writeImageRGBA", () => {
  it("writes at an offset inside a wider buffer without touching the rest", () => {
    const src = Uint8Array.from([7, 8, 9, 10]); // one 2x2 gray image
    const dst = new Uint8ClampedArray(4 * 3 * 4); // 4 wide, 3 tall
    writeImageRGBA(src, stackShape([1, 2, 2, 1]), 0, dst, 4, 1, 1);
    const at = (x, y) => dst[(y * 4 + x) * 4];
    expect([at(1, 1), at(2, 1), at(1, 2), at(2, 2)]).toEqual([7, 8, 9, 10]);
    expect(at(0, 0) + at(3, 2) + at(0, 1) + at(3, 1)).toBe(0);
    expect(dst[(1 * 4 + 1) * 4 + 3]).toBe(255);
    expect(dst[3]).toBe(0);
  });
});

describe("atlasRGBA", () => {
  it("puts every image at its atlas slot", () => {
    const n = 7;
    const shape = stackShape([n, 2, 3, 3]);
    const src = new Uint8Array(n * 2 * 3 * 3);
    for (let i = 0; i < n; i++) src.fill(i * 30 + 1, i * 18, (i + 1) * 18);
    const layout = atlasLayout(n, 3, 2, 7); // 2 columns x 3 rows = 6 per atlas
    expect(layout.atlases).toHaveLength(2);
    for (let k = 0; k < 2; k++) {
      const px = atlasRGBA(src, shape, layout, k);
      const { width, height, first, count } = layout.atlases[k];
      expect(px.length).toBe(width * height * 4);
      for (let i = first; i < first + count; i++) {
        const s = atlasSlot(i, layout);
        for (let y = 0; y < 2; y++) {
          for (let x = 0; x < 3; x++) {
            const d = ((s.y + y) * width + s.x + x) * 4;
            expect([px[d], px[d + 1], px[d + 2], px[d + 3]]).toEqual([i * 30 + 1, i * 30 + 1, i * 30 + 1, 255]);
          }
        }
      }
    }
  });
});
