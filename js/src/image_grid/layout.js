// Pure geometry of the image grid: no DOM, so every rule here is unit-tested.
//
// Content coordinates are CSS pixels from the top-left of the whole (virtual) grid.
// Cell i sits at column i % columns, row floor(i / columns), and occupies a square of
// `pitch` = cellSize + 2 * inset pixels; the image is drawn inside, inset on every side,
// and the ring around it holds the label colour and the selection outline.

/** Pixels between a cell's edge and its image (room for label ring + selection outline). */
export const CELL_INSET = 4;

/** The largest side, in pixels, of one atlas canvas (browsers cap canvas sizes). */
export const ATLAS_MAX_SIDE = 4096;

/** Bounds of the `cell_size` trait, and of the default (twice the image size). */
export const CELL_SIZE_MIN = 4;
export const CELL_SIZE_MAX = 512;
export const DEFAULT_CELL_MIN = 28;
export const DEFAULT_CELL_MAX = 96;

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

/**
 * The default cell size for images of `height` x `width`: twice the larger side,
 * clamped to 28..96 (the same rule as the Python widget).
 */
export function defaultCellSize(height, width) {
  return clamp(2 * Math.max(height, width), DEFAULT_CELL_MIN, DEFAULT_CELL_MAX);
}

/**
 * @typedef {Object} Grid
 * @property {number} n         number of images
 * @property {number} columns   cells per row (>= 1)
 * @property {number} rows      number of rows
 * @property {number} cellSize  display size of an image's square, CSS px
 * @property {number} inset     ring between the cell edge and the image
 * @property {number} pitch     cellSize + 2 * inset: distance between cell origins
 * @property {number} width     content width, columns * pitch
 * @property {number} height    content height, rows * pitch
 */

/**
 * Number of columns: `requested` when positive, else as many cells as fit in
 * `availableWidth` (at least one).
 */
export function columnsFor(availableWidth, pitch, requested = 0) {
  if (requested > 0) return Math.floor(requested);
  return Math.max(1, Math.floor(Math.max(0, availableWidth) / pitch));
}

/**
 * The grid for `n` images in a viewport `availableWidth` wide.
 * @param {{n: number, cellSize: number, columns?: number, availableWidth?: number, inset?: number}} opts
 * @returns {Grid}
 */
export function gridLayout({ n, cellSize, columns = 0, availableWidth = 0, inset = CELL_INSET }) {
  const size = clamp(Math.round(cellSize) || DEFAULT_CELL_MIN, CELL_SIZE_MIN, CELL_SIZE_MAX);
  const pitch = size + 2 * inset;
  const cols = columnsFor(availableWidth, pitch, columns);
  const rows = n > 0 ? Math.ceil(n / cols) : 0;
  return { n, columns: cols, rows, cellSize: size, inset, pitch, width: cols * pitch, height: rows * pitch };
}

/** Top-left corner of cell `i`, content px. */
export function cellOrigin(i, grid) {
  return { x: (i % grid.columns) * grid.pitch, y: Math.floor(i / grid.columns) * grid.pitch };
}

/**
 * Where image `i` (imageWidth x imageHeight pixels) is drawn: centred in its cell's
 * inner square, aspect ratio kept. Content px.
 */
export function imageRect(i, grid, imageWidth, imageHeight) {
  const { x, y } = cellOrigin(i, grid);
  const scale = grid.cellSize / Math.max(imageWidth, imageHeight, 1);
  const w = imageWidth * scale;
  const h = imageHeight * scale;
  return {
    x: x + grid.inset + (grid.cellSize - w) / 2,
    y: y + grid.inset + (grid.cellSize - h) / 2,
    width: w,
    height: h,
  };
}

/** The image index under content point (x, y), or -1 over empty space. */
export function indexAt(x, y, grid) {
  if (!(x >= 0 && y >= 0)) return -1;
  const col = Math.floor(x / grid.pitch);
  const row = Math.floor(y / grid.pitch);
  if (col >= grid.columns || row >= grid.rows) return -1;
  const i = row * grid.columns + col;
  return i < grid.n ? i : -1;
}

/**
 * Indices of every cell a rectangle touches (corners in any order, content px),
 * ascending. Cells are half-open squares [origin, origin + pitch).
 * @param {{x0: number, y0: number, x1: number, y1: number}} rect
 * @param {Grid} grid
 * @returns {number[]}
 */
export function cellsInRect(rect, grid) {
  const left = Math.min(rect.x0, rect.x1);
  const right = Math.max(rect.x0, rect.x1);
  const top = Math.min(rect.y0, rect.y1);
  const bottom = Math.max(rect.y0, rect.y1);
  if (grid.n === 0 || right < 0 || bottom < 0 || left >= grid.width || top >= grid.height) return [];
  const c0 = clamp(Math.floor(left / grid.pitch), 0, grid.columns - 1);
  const c1 = clamp(Math.floor(right / grid.pitch), 0, grid.columns - 1);
  const r0 = clamp(Math.floor(top / grid.pitch), 0, grid.rows - 1);
  const r1 = clamp(Math.floor(bottom / grid.pitch), 0, grid.rows - 1);
  const out = [];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const i = r * grid.columns + c;
      if (i < grid.n) out.push(i);
    }
  }
  return out;
}

/**
 * The rows (or columns) a viewport shows: `[first, end)`, for a scroll offset, viewport
 * extent and pitch along one axis, clamped to `count`.
 */
export function visibleRange(scroll, extent, pitch, count) {
  if (count <= 0 || extent <= 0) return { first: 0, end: 0 };
  const first = clamp(Math.floor(Math.max(0, scroll) / pitch), 0, count);
  const end = clamp(Math.ceil((Math.max(0, scroll) + extent) / pitch), first, count);
  return { first, end };
}

/**
 * The scroll offset that brings row `row` to the middle of a viewport `extent` tall.
 */
export function scrollOffsetFor(row, extent, pitch, contentExtent) {
  const target = row * pitch - (extent - pitch) / 2;
  return clamp(target, 0, Math.max(0, contentExtent - extent));
}

/**
 * @typedef {Object} AtlasLayout
 * @property {number} columns   images per atlas row
 * @property {number} rows      image rows in a full atlas
 * @property {number} perAtlas  images a full atlas holds
 * @property {{first: number, count: number, width: number, height: number}[]} atlases
 * @property {number} imageWidth
 * @property {number} imageHeight
 */

/**
 * Pack `n` images of `imageWidth` x `imageHeight` into as few atlases as fit under
 * `maxSide` pixels a side; atlases are only as large as their images need. An image
 * larger than `maxSide` gets an atlas of its own size.
 * @returns {AtlasLayout}
 */
export function atlasLayout(n, imageWidth, imageHeight, maxSide = ATLAS_MAX_SIDE) {
  const columns = Math.max(1, Math.floor(maxSide / imageWidth));
  const rows = Math.max(1, Math.floor(maxSide / imageHeight));
  const perAtlas = columns * rows;
  const atlases = [];
  for (let first = 0; first < n; first += perAtlas) {
    const count = Math.min(perAtlas, n - first);
    const cols = Math.min(columns, count);
    atlases.push({
      first,
      count,
      width: cols * imageWidth,
      height: Math.ceil(count / cols) * imageHeight,
    });
  }
  return { columns, rows, perAtlas, atlases, imageWidth, imageHeight };
}

/** Where image `i` lives: atlas number and the pixel offset of its top-left corner. */
export function atlasSlot(i, layout) {
  const atlas = Math.floor(i / layout.perAtlas);
  const k = i - atlas * layout.perAtlas;
  return {
    atlas,
    x: (k % layout.columns) * layout.imageWidth,
    y: Math.floor(k / layout.columns) * layout.imageHeight,
  };
}

/**
 * Auto-scroll speed (px per frame) for a brush whose pointer is at `v` in a viewport of
 * `size` px: 0 in the middle, growing over the last `edge` px and beyond (the pointer is
 * captured, so it can be outside), up to `max`; negative towards the start.
 * @example autoScrollSpeed(150, 300) // 0
 * @example autoScrollSpeed(300, 300) // 24 (at the far edge, and beyond)
 */
export function autoScrollSpeed(v, size, edge = 32, max = 24) {
  if (!(size > 0)) return 0;
  const zone = Math.min(edge, size / 4);
  if (v < zone) return -Math.round(max * clamp((zone - v) / zone, 0, 1));
  if (v > size - zone) return Math.round(max * clamp((v - (size - zone)) / zone, 0, 1));
  return 0;
}
