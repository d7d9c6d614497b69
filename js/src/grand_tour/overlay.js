// The tour's 2-D overlay, over the WebGL points: one axis knob per dimension (a line from
// the centre to where that dimension's unit vector projects) with the longest axes
// named, the lasso while one is drawn, and a ring around the hovered point.
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
    const dd = (knobs[2 * i] - x) ** 2 + (knobs[2 * i + 1] - y) ** 2;
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
 * Draw the overlay into `canvas` (sized like the points canvas).
 * @param {HTMLCanvasElement} canvas
 * @param {OverlayFrame} f
 */
export function drawOverlay(canvas, f) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { theme, view: v } = f;
  ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  ctx.clearRect(0, 0, v.w, v.h);
  drawAxes(ctx, f);
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
}

/**
 * The axis lines and knobs, and the names of the longest axes (and of the active one).
 * @param {CanvasRenderingContext2D} ctx
 * @param {OverlayFrame} f
 */
function drawAxes(ctx, f) {
  const { theme, view: v, knobs } = f;
  const d = knobs.length / 2;
  const lengths = Array.from({ length: d }, (_, i) => Math.hypot(knobs[2 * i] - v.cx, knobs[2 * i + 1] - v.cy));
  const labelled = new Set([...lengths.keys()].sort((a, b) => lengths[b] - lengths[a]).slice(0, MAX_AXIS_LABELS));
  ctx.font = `11px ${theme.font}`;
  ctx.textBaseline = "middle";
  for (let i = 0; i < d; i++) {
    const x = knobs[2 * i];
    const y = knobs[2 * i + 1];
    const hot = i === f.active;
    ctx.globalAlpha = hot ? 1 : 0.55;
    ctx.strokeStyle = hot ? theme.accent : theme.textMuted;
    ctx.lineWidth = hot ? 2 : 1;
    ctx.beginPath();
    ctx.moveTo(v.cx, v.cy);
    ctx.lineTo(x, y);
    ctx.stroke();
    ctx.fillStyle = hot ? theme.accent : theme.textMuted;
    ctx.beginPath();
    ctx.arc(x, y, hot ? 5 : 3.5, 0, 2 * Math.PI);
    ctx.fill();
    if ((labelled.has(i) && lengths[i] > 18) || hot) {
      const ux = lengths[i] > 1e-6 ? (x - v.cx) / lengths[i] : 1;
      const uy = lengths[i] > 1e-6 ? (y - v.cy) / lengths[i] : 0;
      ctx.fillStyle = theme.text;
      ctx.textAlign = ux < -0.3 ? "right" : ux > 0.3 ? "left" : "center";
      ctx.fillText(f.dimName(i), x + 8 * ux, y + 9 * uy);
    }
  }
  ctx.globalAlpha = 1;
}
