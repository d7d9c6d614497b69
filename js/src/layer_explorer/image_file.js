// A picture file (opened or dropped) as the model's input: decoded by the browser, its
// centre cropped to the input's aspect and resized to W×H in an offscreen canvas, then
// read back as C channels in [0, 1].
import { makeCanvas } from "../lib/canvas.js";
import { coverCrop, rgbaToChannels } from "./math.js";

/**
 * Decode `file` with createImageBitmap, or an <img> on an object URL where there is none.
 * @param {Blob} file
 * @returns {Promise<{source: CanvasImageSource, width: number, height: number, close: () => void}>}
 */
async function decode(file) {
  if (typeof createImageBitmap === "function") {
    const bitmap = await createImageBitmap(file);
    return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => {} };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * The picture in `file` as a float [H, W, C] buffer in [0, 1] (grey by luminance when C
 * is 1, RGB when it is 3). Rejects when the browser cannot decode it.
 * @param {Blob} file
 * @param {number} W
 * @param {number} H
 * @param {number} C
 * @returns {Promise<Float32Array>}
 */
export async function readImageFile(file, W, H, C) {
  const picture = await decode(file);
  try {
    const canvas = makeCanvas(W, H);
    const ctx = canvas?.getContext ? /** @type {CanvasRenderingContext2D|null} */ (canvas.getContext("2d")) : null;
    if (!ctx || !(picture.width > 0 && picture.height > 0)) throw new Error("this browser cannot read the picture");
    const crop = coverCrop(picture.width, picture.height, W, H);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(picture.source, crop.sx, crop.sy, crop.sw, crop.sh, 0, 0, W, H);
    return rgbaToChannels(ctx.getImageData(0, 0, W, H).data, W, H, C);
  } finally {
    picture.close();
  }
}
