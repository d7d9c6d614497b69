// A titled canvas panel: a header, a positioned stage holding a canvas sized to the
// device pixel ratio, an empty-state note and (optionally) a tooltip. The chart panels of
// the LDAM viewer and the mask explorer are each one of these plus their own drawing.
import { devicePixelRatioNow, fitCanvas, sizeOf } from "./canvas.js";
import { h, textSpan } from "./dom.js";
import "./panel.css";
import { createTooltip } from "./tooltip.js";

/**
 * A titled canvas panel of a view, redrawn as the view's part `part` (also when its stage
 * changes size). Its elements have the classes `nbviz-panel`, `-head`, `-title`, `-stage`
 * and `-empty` (lib/panel.css), and the same with the view's `prefix` for its own CSS.
 */
export class CanvasPanel {
  /**
   * @param {import("./view.js").View} view
   * @param {{prefix: string, part: string, title: string, canvasClass: string, tooltip?: boolean}} options
   *   `prefix`: the view's class prefix, e.g. "nbviz-mask-explorer"
   */
  constructor(view, { prefix, part, title, canvasClass, tooltip = false }) {
    const cls = (/** @type {string} */ name) => `nbviz-panel-${name} ${prefix}-${name}`;
    this.view = view;
    this.part = part;
    this.head = h("div", cls("head"), {}, [textSpan(title, cls("title"))]);
    this.canvas = h("canvas", canvasClass);
    this.empty = h("div", cls("empty"));
    this.stage = h("div", cls("stage"), {}, [this.canvas, this.empty]);
    this.el = h("div", `nbviz-panel ${prefix}-panel`, {}, [this.head, this.stage]);
    /** @type {CanvasRenderingContext2D|null} */
    this.ctx = this.canvas.getContext ? this.canvas.getContext("2d") : null;
    this.tooltip = tooltip ? createTooltip(this.stage) : null;
    this.w = 0;
    this.h = 0;
    this.dpr = 1;
    view.watchSize(this.stage, part);
  }

  /**
   * Listen to events on the stage (until the view is destroyed).
   * @param {Record<string, (event: any) => void>} handlers  by event type
   */
  onStage(handlers) {
    for (const [type, fn] of Object.entries(handlers)) this.view.listen(this.stage, type, fn);
  }

  /** Draw this panel in the view's next frame. */
  redraw() {
    this.view.schedule(this.part);
  }

  /**
   * Run `read` now, and again (then redraw) whenever one of the traits `names` changes.
   * @param {string} names  space-separated
   * @param {() => void} read
   */
  follow(names, read) {
    read();
    this.view.on(names, () => {
      read();
      this.redraw();
    });
  }

  /**
   * Show `text` as the empty-state note, or hide the note when `text` is "".
   * @param {string} text
   */
  setEmpty(text) {
    this.empty.hidden = !text;
    this.empty.textContent = text;
  }

  /**
   * Size the canvas to w×h CSS px (default: the stage's size) and clear it to the
   * theme's background. The 2-D context, reset to CSS px, or null when the canvas has no
   * area or no context.
   * @param {import("./theme.js").Theme} theme
   * @param {number} [w]
   * @param {number} [hgt]
   * @returns {CanvasRenderingContext2D|null}
   */
  begin(theme, w, hgt) {
    const size = w === undefined || hgt === undefined ? sizeOf(this.stage) : { w, h: hgt };
    this.dpr = devicePixelRatioNow();
    fitCanvas(this.canvas, size.w, size.h, this.dpr);
    this.w = size.w;
    this.h = size.h;
    const ctx = this.ctx;
    if (!ctx || !(size.w > 0 && size.h > 0)) return null;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = "source-over";
    ctx.setLineDash([]);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, size.w, size.h);
    ctx.font = `11px ${theme.font}`;
    return ctx;
  }

  /**
   * A pointer event's position in the canvas's CSS px.
   * @param {{clientX: number, clientY: number}} e
   */
  localPoint(e) {
    const box = this.canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }

  /**
   * Client (viewport) px of canvas point (x, y), for the test hooks.
   * @param {number} x
   * @param {number} y
   */
  clientPoint(x, y) {
    const box = this.canvas.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  }

  destroy() {
    this.tooltip?.destroy();
  }
}
