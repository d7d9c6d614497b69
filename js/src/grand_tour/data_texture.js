// Packing of the points [T, n, d] into one RGBA32F texture (pure; the upload is in gl.js).
//
// Point p of frame f keeps its d values in `chunks` = ceil(d / 4) consecutive texels,
// starting at texel index (f * n + p) * chunks; unused lanes of the last texel are 0.
// Texel index k sits at (k % width, floor(k / width)). The vertex shader repeats this math.

/**
 * The texture layout for T frames of n points in d dims.
 * @param {number} frames
 * @param {number} n
 * @param {number} d
 * @param {number} maxSize  gl.MAX_TEXTURE_SIZE
 * @returns {{chunks: number, texels: number, width: number, height: number}}
 */
export function textureLayout(frames, n, d, maxSize) {
  const chunks = Math.ceil(d / 4);
  const texels = frames * n * chunks;
  const width = Math.max(1, Math.min(maxSize, texels));
  const height = Math.max(1, Math.ceil(texels / width));
  if (height > maxSize) {
    throw new Error(
      `GrandTour: ${frames} frames × ${n} points × ${d} dims need ${texels.toLocaleString()} texels, ` +
        `more than this GPU's ${maxSize}×${maxSize} texture; pass fewer points, frames or dims`,
    );
  }
  return { chunks, texels, width, height };
}

/** Texel coordinates (x, y) of chunk `c` of point `p` in frame `f`. */
export function texelOf(f, p, c, n, layout) {
  const k = (f * n + p) * layout.chunks + c;
  return [k % layout.width, Math.floor(k / layout.width)];
}

/**
 * The texture's contents: a Float32Array of width·height·4 floats.
 * @param {Float32Array} points  [T, n, d] row-major
 * @param {number} frames
 * @param {number} n
 * @param {number} d
 * @param {{chunks: number, width: number, height: number}} layout
 */
export function packPoints(points, frames, n, d, layout) {
  const out = new Float32Array(layout.width * layout.height * 4);
  const stride = layout.chunks * 4;
  if (stride === d) {
    out.set(points.subarray(0, frames * n * d));
    return out;
  }
  const rows = frames * n;
  for (let r = 0; r < rows; r++) out.set(points.subarray(r * d, r * d + d), r * stride);
  return out;
}
