// Turning the (N, H, W, C) uint8 stack from Python into RGBA pixels for putImageData.
import { imageToRGBA, writeImageRGBA } from "../lib/pixels.js";
import { atlasSlot } from "./layout.js";

/**
 * The shape of an image stack as `{n, height, width, channels}`; throws on anything that
 * is not (N, H, W, C) with C in {1, 3}.
 * @param {number[]} shape
 */
export function stackShape(shape) {
  if (!Array.isArray(shape) || shape.length !== 4 || ![1, 3].includes(shape[3])) {
    throw new Error(`ImageGrid: images must have shape (N, H, W, C) with C 1 or 3, got [${shape}]`);
  }
  const [n, height, width, channels] = shape;
  return { n, height, width, channels };
}

export { imageToRGBA, writeImageRGBA };

/**
 * The RGBA pixels of atlas `k` of `layout` (see layout.atlasLayout): every image it
 * holds, written at its slot. Unused slots stay transparent.
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function atlasRGBA(src, shape, layout, k) {
  const atlas = layout.atlases[k];
  const out = new Uint8ClampedArray(atlas.width * atlas.height * 4);
  for (let i = atlas.first; i < atlas.first + atlas.count; i++) {
    const slot = atlasSlot(i, layout);
    writeImageRGBA(src, shape, i, out, atlas.width, slot.x, slot.y);
  }
  return out;
}
