// A labelled grid of images: row 0 one kind of image, then one row per method or model;
// a label column on the left and a header line above the columns. The attribution
// heatmaps and the CoordConv view's pictures are laid out with it.

/**
 * Where the grid's cells go (CSS px): row 0 the images, then one row per method (or
 * model); a label column on the left, a header line (`headerH` px) above the columns.
 * @example gridLayout(2, 3, 28, 28, 2).cell(1, 2) // {x: 96 + 2 * 62, y: 18 + 62, w: 56, h: 56}
 * @param {number} nMethods  rows after row 0
 * @param {number} nImages
 * @param {number} h  image height, px
 * @param {number} w  image width, px
 * @param {number} scale  screen px per image pixel
 */
export function gridLayout(nMethods, nImages, h, w, scale, { labelW = 96, headerH = 18, gap = 6 } = {}) {
  const cw = w * scale;
  const ch = h * scale;
  const rows = nMethods + 1;
  return {
    labelW,
    headerH,
    cw,
    ch,
    gap,
    rows,
    cols: nImages,
    scale,
    width: labelW + nImages * (cw + gap),
    height: headerH + rows * (ch + gap),
    /** @param {number} row @param {number} col */
    cell(row, col) {
      return { x: labelW + col * (cw + gap), y: headerH + row * (ch + gap), w: cw, h: ch };
    },
  };
}
