// Pure helpers of the cell viewer: the text broken into rows, offsets ↔ rows, the rows in
// view, the colour of a value, the brushed span, the heat strips' pixels and the
// saturation scatters' layout.
//
// Offsets count code points, as Python's str does (the text is split with Array.from),
// so a character outside the BMP is one offset here as it is in `values`.
import { divergingColor } from "../attribution/math.js";

/** Colour levels on each side of 0: values are quantised to 1/LEVELS steps. */
const LEVELS = 127;

/**
 * How far along the colour map the text's backgrounds go at |v| = 1: the map's ends are
 * too dark for dark text, three quarters of the way keeps a contrast above 4.5:1.
 */
export const TEXT_TINT = 0.75;

/**
 * The index into a colour table ({@link colourTable}, {@link rgbTable}) of a value in
 * [-1, 1]: 0 at -1, LEVELS at 0, 2·LEVELS at +1 (clamped; NaN is 0's).
 * @example colourIndex(0) // 127
 * @example colourIndex(-1) // 0
 * @param {number} v
 */
export function colourIndex(v) {
  const i = Math.round(Math.max(-1, Math.min(1, v)) * LEVELS) + LEVELS;
  return i >= 0 ? i : LEVELS; // NaN (and undefined) fail the test
}

/**
 * The 2·LEVELS + 1 colours of {@link colourIndex}'s levels as RGB bytes: divergingColor
 * (blue below 0, white at 0, red above) taken `tint` of the way to its ends.
 * @param {number} [tint]
 */
export function rgbTable(tint = 1) {
  const out = new Uint8Array((2 * LEVELS + 1) * 3);
  for (let i = 0; i <= 2 * LEVELS; i++) out.set(divergingColor(((i - LEVELS) / LEVELS) * tint), 3 * i);
  return out;
}

/**
 * {@link rgbTable}'s colours as CSS strings, "rgb(r, g, b)" (the form a browser reads
 * back from style.backgroundColor).
 * @example colourTable()[254] // "rgb(178, 24, 43)"
 * @param {number} [tint]
 */
export function colourTable(tint = 1) {
  const rgb = rgbTable(tint);
  const out = [];
  for (let i = 0; i < rgb.length; i += 3) out.push(`rgb(${rgb[i]}, ${rgb[i + 1]}, ${rgb[i + 2]})`);
  return out;
}

/**
 * Break the text into rows of at most `cols` characters: each line (its newline
 * included, which may go one past `cols`) is cut after its last space that fits, or at
 * `cols` when it has none. Row r holds offsets [starts[r], starts[r + 1]).
 * @example breakRows([..."ab cd\nef"], 4).starts // Int32Array [0, 3, 6, 8]: "ab ", "cd⏎", "ef"
 * @param {ArrayLike<string>} chars  one code point each
 * @param {number} cols
 * @returns {{starts: Int32Array, count: number}}
 */
export function breakRows(chars, cols) {
  const n = chars.length;
  const width = Math.max(1, Math.floor(cols) || 1);
  const starts = [0];
  let start = 0;
  let lastSpace = -1;
  for (let i = 0; i < n; i++) {
    const c = chars[i];
    if (c === "\n") {
      start = i + 1;
      starts.push(start);
      lastSpace = -1;
      continue;
    }
    if (i - start >= width) {
      start = lastSpace >= start ? lastSpace + 1 : i;
      starts.push(start);
      lastSpace = -1;
    }
    if (c === " ") lastSpace = i;
  }
  if (starts[starts.length - 1] !== n) starts.push(n);
  return { starts: Int32Array.from(starts), count: starts.length - 1 };
}

/**
 * The row holding offset `offset`, or -1 when it is outside the text.
 * @example rowOf(Int32Array.of(0, 3, 6, 8), 3, 5) // 1
 * @param {Int32Array} starts  from {@link breakRows}
 * @param {number} count
 * @param {number} offset
 */
export function rowOf(starts, count, offset) {
  if (!Number.isInteger(offset) || count < 1 || offset < 0 || offset >= starts[count]) return -1;
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The rows [first, end) to have in the DOM for a scroll position: those in view and
 * `margin` more on each side.
 * @example visibleRows(100, 200, 20, 1000, 5) // {first: 0, end: 20}
 * @param {number} scrollTop
 * @param {number} viewHeight
 * @param {number} pitch  px from one row to the next
 * @param {number} count
 * @param {number} margin  rows
 */
export function visibleRows(scrollTop, viewHeight, pitch, count, margin) {
  if (!(pitch > 0) || count < 1) return { first: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.max(0, Math.floor(top / pitch) - margin);
  const end = Math.min(count, Math.ceil((top + Math.max(0, viewHeight)) / pitch) + margin);
  return { first: Math.min(first, end), end };
}

/**
 * The scrollTop that brings row `row` into a view `viewHeight` px tall: unchanged when
 * the row is already in view, else the row centred (clamped to the content).
 * @example scrollFor(50, 0, 100, 20, 100) // 960
 * @param {number} row
 * @param {number} scrollTop
 * @param {number} viewHeight
 * @param {number} pitch
 * @param {number} count
 */
export function scrollFor(row, scrollTop, viewHeight, pitch, count) {
  const top = row * pitch;
  if (top >= scrollTop && top + pitch <= scrollTop + viewHeight) return scrollTop;
  const max = Math.max(0, count * pitch - viewHeight);
  return Math.max(0, Math.min(max, Math.round(top - (viewHeight - pitch) / 2)));
}

/**
 * The vertical layout of a row: its text line, then the heat strip of `stripRows` rows
 * (3 px each, 2 px from 6 on) and a gap before the next row.
 * @example rowMetrics(2) // {lineH: 18, rowPx: 3, stripTop: 18, stripH: 6, pitch: 28}
 * @param {number} stripRows
 * @param {number} [lineH]
 */
export function rowMetrics(stripRows, lineH = 18) {
  const rowPx = stripRows > 5 ? 2 : 3;
  const stripH = stripRows * rowPx;
  return { lineH, rowPx, stripTop: lineH, stripH, pitch: lineH + stripH + (stripRows > 0 ? 4 : 0) };
}

/**
 * The row and strip row under content px y; k is -1 on the text line and the gap.
 * @example stripAt(rowMetrics(2), 28 + 21) // {row: 1, k: 1}
 * @param {ReturnType<typeof rowMetrics>} m
 * @param {number} y
 */
export function stripAt(m, y) {
  const row = Math.floor(y / m.pitch);
  const inRow = y - row * m.pitch - m.stripTop;
  const k = inRow >= 0 && inRow < m.stripH ? Math.floor(inRow / m.rowPx) : -1;
  return { row, k };
}

/**
 * How many characters fit across `width` px at `charW` px each, one kept free for a
 * line's newline mark (at least `min`, at most `max`).
 * @example columnsFor(640, 8) // 79
 * @param {number} width
 * @param {number} charW
 */
export function columnsFor(width, charW, { min = 16, max = 200 } = {}) {
  const fit = charW > 0 ? Math.floor(width / charW) - 1 : max;
  return Math.max(min, Math.min(max, fit));
}

/**
 * Python's `selection` as [start, end) within a text of `n` characters, or [] when it
 * is absent, malformed or empty (a reversed pair is put in order).
 * @example normaliseSelection([40, 12], 30) // [12, 30]
 * @param {unknown} sel
 * @param {number} n
 * @returns {number[]}
 */
export function normaliseSelection(sel, n) {
  if (!Array.isArray(sel) || sel.length !== 2) return [];
  const a = Math.round(Number(sel[0]));
  const b = Math.round(Number(sel[1]));
  if (!Number.isFinite(a) || !Number.isFinite(b)) return [];
  const start = Math.max(0, Math.min(a, b));
  const end = Math.min(n, Math.max(a, b));
  return end > start ? [start, end] : [];
}

/**
 * The span a brush from the character at `anchor` to the one at `focus` covers, both
 * included, as [start, end).
 * @example brushSpan(9, 4) // [4, 10]
 * @param {number} anchor
 * @param {number} focus
 */
export function brushSpan(anchor, focus) {
  return [Math.min(anchor, focus), Math.max(anchor, focus) + 1];
}

/**
 * Whether two selections are the same span.
 * @param {number[]} a
 * @param {number[]} b
 */
export function sameSpan(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Fill `rgba` (len × K pixels) with the heat strips of one row: pixel (x, k) is strip
 * k's value at offset start + x, coloured by `rgb` ({@link rgbTable}).
 * @param {Uint8ClampedArray} rgba
 * @param {ArrayLike<number>} strip  [K, n] row-major
 * @param {number} K
 * @param {number} n  the text's length
 * @param {number} start
 * @param {number} len
 * @param {Uint8Array} rgb
 */
export function fillStrip(rgba, strip, K, n, start, len, rgb) {
  for (let k = 0; k < K; k++) {
    let d = 4 * k * len;
    for (let x = 0; x < len; x++, d += 4) {
      const c = 3 * colourIndex(strip[k * n + start + x]);
      rgba[d] = rgb[c];
      rgba[d + 1] = rgb[c + 1];
      rgba[d + 2] = rgb[c + 2];
      rgba[d + 3] = 255;
    }
  }
  return rgba;
}

/**
 * A character as a tooltip shows it: space, newline, tab and carriage return as visible
 * marks.
 * @example charLabel(" ") // "␠"
 * @param {string} c
 */
export function charLabel(c) {
  return c === " " ? "␠" : c === "\n" ? "⏎" : c === "\t" ? "⇥" : c === "\r" ? "␍" : c;
}

/**
 * A value with two decimals and its sign ("–" when not a number).
 * @example formatScore(0.456) // "0.46"
 * @param {unknown} v
 */
export function formatScore(v) {
  const x = Number(v);
  if (v === null || v === undefined || v === "" || !Number.isFinite(x)) return "–";
  const s = x.toFixed(2);
  return s === "-0.00" ? "0.00" : s;
}

/**
 * The hover tooltip's lines: the character and its offset, then "name: value" per layer.
 * @example hoverLines(" ", 1, ["L0", "L1"], Float32Array.of(0, 0.5, 0, -1), 2) // ["␠ · offset 1", "L0: 0.50", "L1: -1.00"]
 * @param {string} c
 * @param {number} offset
 * @param {string[]} names  one per layer
 * @param {ArrayLike<number>|null} values  [L, n] row-major, or null
 * @param {number} n  the text's length
 */
export function hoverLines(c, offset, names, values, n) {
  const lines = [`${charLabel(c)} · offset ${offset}`];
  if (values && values.length >= names.length * n) {
    names.forEach((name, l) => {
      lines.push(`${name}: ${formatScore(values[l * n + offset])}`);
    });
  }
  return lines;
}

/**
 * The cells of Python's `cells` that are well formed, as {index, name, score, layer}.
 * @param {unknown} cells
 * @returns {{index: number, name: string, score: number, layer: number}[]}
 */
export function parseCells(cells) {
  if (!Array.isArray(cells)) return [];
  const out = [];
  for (const c of cells) {
    if (!c || typeof c !== "object" || !Number.isInteger(c.index)) continue;
    out.push({
      index: c.index,
      name: String(c.name ?? c.index),
      score: Number(c.score),
      layer: Number.isInteger(c.layer) ? c.layer : -1,
    });
  }
  return out;
}

/**
 * Where the saturation scatters go in a panel `width` px wide: `n` plots side by side
 * (wrapping), each a square data box in a frame with room for its title, tick labels
 * and axis names.
 * @example scatterLayout(2, 500).box(1) // {left: 248, right: 400, top: 20, bottom: 172}
 * @param {number} n
 * @param {number} width
 */
export function scatterLayout(
  n,
  width,
  { cell = 200, min = 150, gap = 8, left = 40, right = 8, top = 20, bottom = 34 } = {},
) {
  const cellW = Math.max(min, Math.min(cell, Math.floor((width - gap * Math.max(0, n - 1)) / Math.max(1, n))));
  const cols = Math.max(1, Math.min(n, Math.floor((width + gap) / (cellW + gap))));
  const side = cellW - left - right;
  const cellH = top + side + bottom;
  const rows = Math.ceil(n / cols);
  return {
    cols,
    rows,
    cellW,
    cellH,
    height: rows > 0 ? rows * cellH + (rows - 1) * gap : 0,
    /** @param {number} k */
    box(k) {
      const x = (k % cols) * (cellW + gap);
      const y = Math.floor(k / cols) * (cellH + gap);
      return { left: x + left, right: x + left + side, top: y + top, bottom: y + top + side };
    },
  };
}
