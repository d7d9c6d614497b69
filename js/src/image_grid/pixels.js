// Turning the (N, H, W, C) uint8 stack from Python into RGBA pixels for putImageData.
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

/**
 * Write image `index` of `src` (uint8, (N, H, W, C) row-major) as opaque RGBA into
 * `dst` (an RGBA buffer `dstWidth` pixels wide) at pixel (dx, dy). Gray (C = 1) is
 * copied to R, G and B.
 * @param {Uint8Array} src
 * @param {{height: number, width: number, channels: number}} shape
 * @param {number} index
 * @param {Uint8ClampedArray|Uint8Array} dst
 * @param {number} dstWidth
 * @param {number} [dx]
 * @param {number} [dy]
 */
export function writeImageRGBA(src, shape, index, dst, dstWidth, dx = 0, dy = 0) {
  const { height, width, channels } = shape;
  let s = index * height * width * channels;
  for (let y = 0; y < height; y++) {
    let d = ((dy + y) * dstWidth + dx) * 4;
    if (channels === 1) {
      for (let x = 0; x < width; x++, d += 4) {
        const v = src[s++];
        dst[d] = v;
        dst[d + 1] = v;
        dst[d + 2] = v;
        dst[d + 3] = 255;
      }
    } else {
      for (let x = 0; x < width; x++, d += 4) {
        dst[d] = src[s++];
        dst[d + 1] = src[s++];
        dst[d + 2] = src[s++];
        dst[d + 3] = 255;
      }
    }
  }
}

/**
 * One image as its own RGBA buffer (`height * width * 4` bytes).
 * @returns {Uint8ClampedArray}
 */
export function imageToRGBA(src, shape, index) {
  const out = new Uint8ClampedArray(shape.height * shape.width * 4);
  writeImageRGBA(src, shape, index, out, shape.width);
  return out;
}

/**
 * The RGBA pixels of atlas `k` of `layout` (see layout.atlasLayout): every image it
 * holds, written at its slot. Unused slots stay transparent.
 * @returns {Uint8ClampedArray}
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
