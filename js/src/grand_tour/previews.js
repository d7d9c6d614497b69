// A strip of frame previews under the tour: one small button per frame (epoch, layer,
// attack step) showing a sample of that frame's points under the current projection,
// each fitted to its own robust extent, coloured by class, named under it. The frame on
// show is marked; a click (or Enter / Space: they are buttons) asks to go to that frame.
// Drawn on 2-D canvases, O(T·m·d) per draw: the caller throttles.
import { devicePixelRatioNow, fitCanvas } from "../lib/canvas.js";
import { h, listen, textSpan } from "../lib/dom.js";
import { DEFAULT_SAMPLE, projectSample, robustBox, sampleIndices } from "./quality.js";
import "./previews.css";

/** Points drawn per draw, all previews together: many frames get fewer points each. */
const POINT_BUDGET = 40000;
/** The fewest points a preview draws (when the budget would give it fewer). */
const MIN_POINTS = 100;
/** Empty border around the robust box, as a fraction of the preview's side. */
const MARGIN = 0.08;

/**
 * What the previews show.
 * @typedef {Object} PreviewData
 * @property {Float32Array} points  [T, n, d] row-major
 * @property {number} frames  T
 * @property {number} n
 * @property {number} d
 * @property {ArrayLike<number>|null} [labels]  per point, < 0 = unlabelled
 * @property {ArrayLike<unknown>|null} [names]  per frame
 */

/**
 * @typedef {Object} PreviewsHost
 * @property {(frame: number) => void} onPick  a preview was clicked: go to frame `frame`
 * @property {(k: number) => string} colorOf  CSS colour of class k
 * @property {(target: EventTarget, type: string, fn: (e: any) => void) => any} [listen]
 *   adds a DOM listener (a View's, removed on its destroy); one returning a remover (as
 *   lib/dom.js's, the default) is also undone by {@link FramePreviews.destroy}
 * @property {number} [size]  preview side, CSS px (72)
 * @property {number} [sampleSize]  points per preview at most (600)
 * @property {number} [seed]  of the sample
 */

export class FramePreviews {
  /** @param {PreviewsHost} host */
  constructor({ onPick, colorOf, listen: add = listen, size = 72, sampleSize = DEFAULT_SAMPLE, seed = 0 }) {
    this.onPick = onPick;
    this.colorOf = colorOf;
    this.size = size;
    this.sampleSize = sampleSize;
    this.seed = seed;
    /** @type {PreviewData|null} */
    this.data = null;
    /** @type {HTMLButtonElement[]} */
    this.buttons = [];
    /** @type {HTMLCanvasElement[]} */
    this.canvases = [];
    /** @type {Int32Array} point indices, grouped by label */
    this.sample = new Int32Array(0);
    /** @type {Array<{label: number, start: number, end: number}>} runs of one label in `sample` */
    this.groups = [];
    /** @type {Float32Array|undefined} */
    this.xy = undefined;
    this.current = -1;
    /** @type {string} what the canvases show now, to skip a redraw of the same */
    this.drawnKey = "";
    this.el = h("div", "nbviz-grand-tour-previews", { role: "group", "aria-label": "frames" });
    this.el.hidden = true;
    /** @type {Array<() => void>} */
    this.disposers = [];
    const own = (/** @type {any} */ undo) => {
      if (typeof undo === "function") this.disposers.push(undo);
    };
    own(add(this.el, "click", (/** @type {MouseEvent} */ e) => this.clicked(e)));
    own(add(this.el, "keydown", (/** @type {KeyboardEvent} */ e) => this.keyed(e)));
  }

  /**
   * New data: one preview per frame, a new sample (null: none, the strip hidden).
   * @param {PreviewData|null} data
   */
  setData(data) {
    if (!data) data = { points: new Float32Array(0), frames: 0, n: 0, d: 2 };
    this.data = data;
    const { frames, n, labels } = data;
    const names = data.names ?? [];
    const m = Math.max(MIN_POINTS, Math.floor(POINT_BUDGET / Math.max(1, frames)));
    const sample = Array.from(sampleIndices(n, Math.min(this.sampleSize, m), this.seed));
    const labelOf = (/** @type {number} */ i) => (labels ? labels[i] : 0);
    sample.sort((a, b) => labelOf(a) - labelOf(b) || a - b); // one fillStyle per class
    this.sample = Int32Array.from(sample);
    this.groups = [];
    for (let s = 0; s < sample.length; s++) {
      const label = labelOf(sample[s]);
      const last = this.groups[this.groups.length - 1];
      if (last && last.label === label) last.end = s + 1;
      else this.groups.push({ label, start: s, end: s + 1 });
    }
    this.buttons = [];
    this.canvases = [];
    for (let t = 0; t < frames; t++) {
      const name = names[t] !== undefined && names[t] !== null ? String(names[t]) : `frame ${t}`;
      const canvas = h("canvas", "nbviz-grand-tour-preview-canvas");
      const label = textSpan(name, "nbviz-grand-tour-preview-name");
      label.style.maxWidth = `${this.size}px`;
      const b = h("button", "nbviz-grand-tour-preview", { type: "button", "data-frame": String(t), title: name }, [
        canvas,
        label,
      ]);
      this.buttons.push(b);
      this.canvases.push(canvas);
    }
    this.el.replaceChildren(...this.buttons);
    this.el.hidden = frames <= 1;
    this.current = -1;
    this.drawnKey = "";
  }

  /** Forget what the canvases show (class colours changed, say): the next draw redraws. */
  invalidate() {
    this.drawnKey = "";
  }

  /**
   * Draw every preview under `projection` and mark frame `currentFrame` (rounded).
   * Redraws the canvases only when the projection, theme or hidden classes changed.
   * @param {ArrayLike<number>} projection  d rows of (x, y)
   * @param {number} currentFrame  fractional
   * @param {import("../lib/theme.js").Theme} [theme]  its background fills the previews
   * @param {Set<number>} [hidden]  classes not drawn
   */
  draw(projection, currentFrame, theme, hidden) {
    const data = this.data;
    if (!data || data.frames <= 1) return;
    this.mark(Math.min(Math.max(Math.round(Number(currentFrame) || 0), 0), data.frames - 1));
    const dpr = devicePixelRatioNow();
    const key = [
      Array.from(projection).join(),
      dpr,
      theme ? theme.background : "",
      hidden ? [...hidden].join() : "",
    ].join("|");
    if (key === this.drawnKey) return;
    this.drawnKey = key;
    for (let t = 0; t < data.frames; t++) this.drawOne(t, projection, dpr, theme, hidden);
  }

  /**
   * @param {number} t
   * @param {ArrayLike<number>} projection
   * @param {number} dpr
   * @param {import("../lib/theme.js").Theme|undefined} theme
   * @param {Set<number>|undefined} hidden
   */
  drawOne(t, projection, dpr, theme, hidden) {
    const canvas = this.canvases[t];
    fitCanvas(canvas, this.size, this.size, dpr, 1);
    /** @type {CanvasRenderingContext2D|null} */
    let ctx = null;
    try {
      ctx = canvas.getContext("2d");
    } catch {
      ctx = null; // a DOM without 2-D canvases (tests)
    }
    if (!ctx) return;
    const { points, frames, n, d } = this.data;
    const w = canvas.width;
    const hgt = canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    if (theme) {
      ctx.fillStyle = theme.background;
      ctx.fillRect(0, 0, w, hgt);
    }
    this.xy = projectSample(points, { frames, n, d }, t, projection, this.sample, this.xy);
    const xy = this.xy;
    const box = robustBox(xy);
    if (!box) return;
    // One scale for both axes (as the view): the projection's shape is not distorted.
    const inner = Math.min(w, hgt) * (1 - 2 * MARGIN);
    const span = Math.max(box.x1 - box.x0, box.y1 - box.y0);
    const scale = span > 0 ? inner / span : 1;
    const cx = (box.x0 + box.x1) / 2;
    const cy = (box.y0 + box.y1) / 2;
    const dot = Math.max(1, Math.round(2 * dpr));
    const half = dot / 2;
    ctx.globalAlpha = 0.75;
    for (const { label, start, end } of this.groups) {
      if (hidden?.has(label)) continue;
      ctx.fillStyle = label >= 0 ? this.colorOf(label) : theme ? theme.textMuted : "#888888";
      for (let s = start; s < end; s++) {
        const x = w / 2 + (xy[2 * s] - cx) * scale;
        const y = hgt / 2 - (xy[2 * s + 1] - cy) * scale;
        if (x >= -dot && x <= w + dot && y >= -dot && y <= hgt + dot) ctx.fillRect(x - half, y - half, dot, dot);
      }
    }
    ctx.globalAlpha = 1;
  }

  /**
   * Mark preview `t` as the current one, and scroll the strip to it when it moved.
   * @param {number} t
   */
  mark(t) {
    if (t === this.current) return;
    const before = this.buttons[this.current];
    if (before) {
      before.removeAttribute("aria-current");
      before.classList.remove("is-current");
    }
    this.current = t;
    const b = this.buttons[t];
    if (!b) return;
    b.setAttribute("aria-current", "true");
    b.classList.add("is-current");
    // By hand, not scrollIntoView: that may scroll the notebook too.
    const strip = this.el;
    const view = strip.clientWidth;
    if (!(view > 0)) return;
    const left = b.offsetLeft;
    const right = left + b.offsetWidth;
    if (left < strip.scrollLeft) strip.scrollLeft = left;
    else if (right > strip.scrollLeft + view) strip.scrollLeft = right - view;
  }

  /** @param {MouseEvent} e */
  clicked(e) {
    const b = this.buttonOf(e.target);
    if (b) this.onPick(Number(b.dataset.frame));
  }

  /**
   * Enter and Space click the focused button (natively); the arrows move along the strip.
   * Handled keys stop here: JupyterLab's notebook shortcuts use them too.
   * @param {KeyboardEvent} e
   */
  keyed(e) {
    const b = this.buttonOf(e.target);
    if (!b) return;
    if (e.key === "Enter" || e.key === " ") {
      e.stopPropagation();
      return;
    }
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    e.stopPropagation();
    this.buttons[Number(b.dataset.frame) + step]?.focus();
  }

  /**
   * The preview button `target` is in, or null.
   * @param {EventTarget|null} target
   * @returns {HTMLButtonElement|null}
   */
  buttonOf(target) {
    const el = /** @type {Element|null} */ (target);
    const b = el && typeof el.closest === "function" ? el.closest("button[data-frame]") : null;
    return b && this.el.contains(b) ? /** @type {HTMLButtonElement} */ (b) : null;
  }

  /** Remove the strip and the listeners this class added itself. */
  destroy() {
    for (const undo of this.disposers.splice(0)) undo();
    this.el.remove();
    this.buttons = [];
    this.canvases = [];
    this.data = null;
  }
}
