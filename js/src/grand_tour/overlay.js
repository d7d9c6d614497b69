// The tour's 2-D overlay, over the WebGL points: one axis knob per dimension (a line from
// the centre to where that dimension's unit vector projects), faded out when short so that
// dims the view barely shows do not clump at the centre; the longest axes named, names
// never overlapping; the lasso while one is drawn, and a ring around the hovered point.
import { toScreen } from "./viewport.js";

/** With more dims than this, only the longest axes get a name drawn. */
const MAX_AXIS_LABELS = 16;

/** @typedef {{cx: number, cy: number, scale: number, w: number, h: number}} ViewTransform */

/**
 * Screen positions (CSS px) of the axis knobs, d rows of (x, y).
 * @param {ArrayLike<number>} projection  d rows of (x, y)
 * @param {number} d
 * @param {ViewTransform} view
 */
export function knobPositions(projection, d, view) {
  const out = new Float64Array(2 * d);
  for (let i = 0; i < d; i++) {
    const [x, y] = toScreen(view, projection[2 * i], projection[2 * i + 1]);
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

/**
 * The knob nearest (x, y) within `radius` px, or -1.
 * @param {Float64Array} knobs  from {@link knobPositions}
 * @param {number} x
 * @param {number} y
 * @param {number} radius
 */
export function knobAt(knobs, x, y, radius) {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < knobs.length / 2; i++) {
    const dd = (knobs[2 * i] - x) ** 2 + (knobs[2 * i + 1] - y) ** 2; // NaN (hidden): never
    if (dd <= bestD) {
      bestD = dd;
      best = i;
    }
  }
  return best;
}

/**
 * What the overlay shows in one frame.
 * @typedef {Object} OverlayFrame
 * @property {import("../lib/theme.js").Theme} theme
 * @property {ViewTransform} view
 * @property {number} dpr
 * @property {Float64Array} knobs  knob positions (empty for a plain scatter)
 * @property {(i: number) => string} dimName
 * @property {number} active  the knob grabbed or hovered, -1 for none
 * @property {[number, number]|null} ring  the hovered point's position, or null
 * @property {number} ringRadius
 * @property {Array<[number, number]>|null} lasso  the lasso's path while drawn
 */

/**
 * Draw the overlay into `canvas` (sized like the points canvas); returns the axis names'
 * boxes (CSS px), for the tests.
 * @param {HTMLCanvasElement} canvas
 * @param {OverlayFrame} f
 */
export function drawOverlay(canvas, f) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return [];
  const { theme, view: v } = f;
  ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  ctx.clearRect(0, 0, v.w, v.h);
  const labels = drawAxes(ctx, f);
  if (f.ring) {
    ctx.strokeStyle = theme.text;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(f.ring[0], f.ring[1], f.ringRadius, 0, 2 * Math.PI);
    ctx.stroke();
  }
  const path = f.lasso;
  if (path && path.length > 1) {
    ctx.beginPath();
    ctx.moveTo(path[0][0], path[0][1]);
    for (const [x, y] of path) ctx.lineTo(x, y);
    ctx.closePath();
    ctx.globalAlpha = 0.12;
    ctx.fillStyle = theme.accent;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = 1;
    ctx.stroke();
  }
  return labels;
}

/** Handles shorter than this (projection units, of 1) are not drawn and cannot be grabbed. */
export const HANDLE_HIDE = 0.1;
/** Handles at least this long are drawn at full strength; between the two they fade. */
export const HANDLE_FULL = 0.25;
/** Handles fainter than this get no name. */
const LABEL_MIN_ALPHA = 0.6;

/**
 * How strongly a handle of projected length `length` is drawn: 0 (hidden) … 1.
 * @param {number} length
 */
export function handleAlpha(length) {
  const t = Math.min(1, Math.max(0, (length - HANDLE_HIDE) / (HANDLE_FULL - HANDLE_HIDE)));
  return t * t * (3 - 2 * t);
}

/** @typedef {{i: number, text: string, x0: number, y0: number, x1: number, y1: number}} LabelBox */

/**
 * Place axis names without overlap: candidates in priority order, each kept only when its
 * box overlaps none kept before (the lower-priority name is the one dropped) and lies
 * inside the w×h canvas.
 * @param {Array<{i: number, text: string, x: number, y: number, ux: number, uy: number}>} candidates
 *   anchor (x, y) at the knob and the axis direction (ux, uy)
 * @param {(text: string) => number} widthOf  text width in px
 * @param {number} w
 * @param {number} h
 * @param {number} [height]  text height in px
 * @returns {LabelBox[]}
 */
export function placeLabels(candidates, widthOf, w, h, height = 12) {
  /** @type {LabelBox[]} */
  const placed = [];
  for (const c of candidates) {
    const tw = widthOf(c.text);
    const ax = c.x + 8 * c.ux;
    const ay = c.y + 9 * c.uy;
    const x0 = c.ux < -0.3 ? ax - tw : c.ux > 0.3 ? ax : ax - tw / 2;
    const box = { i: c.i, text: c.text, x0, y0: ay - height / 2, x1: x0 + tw, y1: ay + height / 2 };
    if (box.x0 < 0 || box.y0 < 0 || box.x1 > w || box.y1 > h) continue;
    const pad = 2;
    const hit = placed.some(
      (b) => box.x0 < b.x1 + pad && b.x0 < box.x1 + pad && box.y0 < b.y1 + pad && b.y0 < box.y1 + pad,
    );
    if (!hit) placed.push(box);
    if (placed.length >= MAX_AXIS_LABELS) break;
  }
  return placed;
}

/**
 * The axis lines and knobs (faded by length, none when very short) and the names that fit
 * (the active axis first, then the longest). Returns the names' boxes.
 * @param {CanvasRenderingContext2D} ctx
 * @param {OverlayFrame} f
 * @returns {LabelBox[]}
 */
function drawAxes(ctx, f) {
  const { theme, view: v, knobs } = f;
  const d = knobs.length / 2;
  const lengths = Array.from({ length: d }, (_, i) => Math.hypot(knobs[2 * i] - v.cx, knobs[2 * i + 1] - v.cy));
  const alphas = lengths.map((px) => handleAlpha(px / v.scale));
  for (let i = 0; i < d; i++) {
    const hot = i === f.active;
    if (!(alphas[i] > 0) && !hot) continue;
    ctx.globalAlpha = hot ? 1 : 0.6 * alphas[i];
    ctx.strokeStyle = hot ? theme.accent : theme.textMuted;
    ctx.lineWidth = hot ? 2 : 1;
    ctx.beginPath();
    ctx.moveTo(v.cx, v.cy);
    ctx.lineTo(knobs[2 * i], knobs[2 * i + 1]);
    ctx.stroke();
    ctx.fillStyle = hot ? theme.accent : theme.textMuted;
    ctx.beginPath();
    ctx.arc(knobs[2 * i], knobs[2 * i + 1], hot ? 5 : 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.font = `11px ${theme.font}`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const order = [...lengths.keys()]
    .filter((i) => i === f.active || alphas[i] >= LABEL_MIN_ALPHA)
    .sort((a, b) => (b === f.active ? 1 : 0) - (a === f.active ? 1 : 0) || lengths[b] - lengths[a]);
  const candidates = order.map((i) => {
    const len = lengths[i];
    return {
      i,
      text: f.dimName(i),
      x: knobs[2 * i],
      y: knobs[2 * i + 1],
      ux: len > 1e-6 ? (knobs[2 * i] - v.cx) / len : 1,
      uy: len > 1e-6 ? (knobs[2 * i + 1] - v.cy) / len : 0,
    };
  });
  const boxes = placeLabels(candidates, (t) => ctx.measureText(t).width, v.w, v.h);
  for (const b of boxes) {
    ctx.globalAlpha = b.i === f.active ? 1 : Math.max(0.75, alphas[b.i]);
    ctx.fillStyle = theme.text;
    ctx.fillText(b.text, b.x0, (b.y0 + b.y1) / 2);
  }
  ctx.globalAlpha = 1;
  return boxes;
}
