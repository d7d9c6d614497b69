// Chart frames for the 2-D canvas panels: the box, grid lines at the ticks, tick labels,
// and a vertical guide at one value (the selected round, the step on show).

/** @typedef {{left: number, right: number, top: number, bottom: number}} Box */

/**
 * One axis: tick values, where each lands in CSS px, and how each is written.
 * @typedef {{ticks: number[], map: (v: number) => number, label: (v: number) => string}} Axis
 */

/**
 * Draw the box, grid lines at the ticks (unless `grid` is false) and the tick labels
 * (x below the box, y left of it).
 * @param {CanvasRenderingContext2D} ctx
 * @param {import("./theme.js").Theme} theme
 * @param {Box} box
 * @param {Axis} x
 * @param {Axis} y
 * @param {{grid?: boolean}} [options]
 */
export function drawAxes(ctx, theme, box, x, y, { grid = true } = {}) {
  ctx.lineWidth = 1;
  ctx.strokeStyle = theme.border;
  if (grid) {
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    for (const t of x.ticks) {
      const px = Math.round(x.map(t)) + 0.5;
      ctx.moveTo(px, box.top);
      ctx.lineTo(px, box.bottom);
    }
    for (const t of y.ticks) {
      const py = Math.round(y.map(t)) + 0.5;
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.right, py);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.right - box.left, box.bottom - box.top);
  ctx.fillStyle = theme.textMuted;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of x.ticks) ctx.fillText(x.label(t), x.map(t), box.bottom + 4);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of y.ticks) ctx.fillText(y.label(t), box.left - 4, y.map(t));
}

/**
 * A vertical line in the accent colour at x = `px`, across the box.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import("./theme.js").Theme} theme
 * @param {Box} box
 * @param {number} px
 * @param {number} [alpha]
 */
export function drawGuide(ctx, theme, box, px, alpha = 0.6) {
  const x = Math.round(px) + 0.5;
  ctx.strokeStyle = theme.accent;
  ctx.lineWidth = 1;
  ctx.globalAlpha = alpha;
  ctx.beginPath();
  ctx.moveTo(x, box.top);
  ctx.lineTo(x, box.bottom);
  ctx.stroke();
  ctx.globalAlpha = 1;
}

/**
 * Axis titles: `x` centred under the box with its bottom at `xAt` (CSS px from the top),
 * `y` turned a quarter left, centred on the box's height at `yAt` px from the left.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import("./theme.js").Theme} theme
 * @param {Box} box
 * @param {{x: string, y: string}} titles
 * @param {{xAt: number, yAt: number}} at
 */
export function drawAxisTitles(ctx, theme, box, titles, { xAt, yAt }) {
  ctx.fillStyle = theme.textMuted;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(titles.x, (box.left + box.right) / 2, xAt);
  ctx.save();
  ctx.translate(yAt, (box.top + box.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(titles.y, 0, 0);
  ctx.restore();
}

/**
 * A horizontal reference line across the box at y = `py` (a baseline, a target level),
 * in the muted text colour, dashed by `dash`, with `label` just above it at the box's
 * left or right end.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import("./theme.js").Theme} theme
 * @param {Box} box
 * @param {number} py
 * @param {{label: string, dash?: number[], align?: "left"|"right"}} options
 */
export function drawReferenceLine(ctx, theme, box, py, { label, dash = [], align = "left" }) {
  ctx.save();
  ctx.setLineDash(dash);
  ctx.strokeStyle = theme.textMuted;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(box.left, py);
  ctx.lineTo(box.right, py);
  ctx.stroke();
  ctx.restore();
  ctx.fillStyle = theme.textMuted;
  ctx.textAlign = align;
  ctx.textBaseline = "bottom";
  ctx.fillText(label, align === "left" ? box.left + 6 : box.right - 3, py - 2);
}
