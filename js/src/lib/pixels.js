// uint8 images from Python (grey, RGB or RGBA, row-major) as RGBA pixels for putImageData.

/**
 * Write image `index` of the stack `src` ([N, H, W, C] uint8, C 1, 3 or 4) into `dst`, an
 * RGBA buffer `dstWidth` pixels wide, at pixel (dx, dy). Grey is copied to R, G and B;
 * alpha is 255 unless the image has its own (C = 4).
 * @param {ArrayLike<number>} src
 * @param {{height: number, width: number, channels: number}} shape
 * @param {number} index
 * @param {Uint8ClampedArray|Uint8Array} dst
 * @param {number} dstWidth
 * @param {number} [dx]
 * @param {number} [dy]
 */
export function writeImageRGBA(src, shape, index, dst, dstWidth, dx = 0, dy = 0) {
  const { height, width, channels: c } = shape;
  let s = index * height * width * c;
  for (let y = 0; y < height; y++) {
    let d = ((dy + y) * dstWidth + dx) * 4;
    for (let x = 0; x < width; x++, d += 4, s += c) {
      const grey = c < 3;
      dst[d] = src[s];
      dst[d + 1] = src[grey ? s : s + 1];
      dst[d + 2] = src[grey ? s : s + 2];
      dst[d + 3] = c === 4 ? src[s + 3] : 255;
    }
  }
}

/**
 * One image of a stack as its own RGBA buffer (`height * width * 4` bytes).
 * @param {ArrayLike<number>} src
 * @param {{height: number, width: number, channels: number}} shape
 * @param {number} index
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function imageToRGBA(src, shape, index) {
  const out = new Uint8ClampedArray(shape.height * shape.width * 4);
  writeImageRGBA(src, shape, index, out, shape.width);
  return out;
}
