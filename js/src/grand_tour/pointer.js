// The tour's pointer state machine, on the overlay canvas:
//
//   idle ──press on a knob──▶ steering an axis ──move: drag the axis──▶ … ──release──▶ idle
//   idle ──press elsewhere──▶ drawing a lasso ──move: extend the path──▶ … ──release:
//        select the points inside (a click without a drag clears; shift/ctrl/⌘ adds)──▶ idle
//   idle ──move──▶ hover: the knob under the pointer (cursor "grab"), else the nearest
//        point (its card and ring)
//   wheel ──▶ zoom the points (ctrl+wheel stays the browser's zoom); Escape ──▶ cancel
//        the press and clear the selection
import { knobAt } from "./overlay.js";

/** CSS px within which a press grabs an axis knob. */
const KNOB_RADIUS = 9;
/** Pointer travel (CSS px) below which a lasso press counts as a click. */
const CLICK_SLOP = 4;

/**
 * What the pointer needs from the tour view.
 * @typedef {Object} TourHost
 * @property {HTMLCanvasElement} overlay  receives the pointer events
 * @property {HTMLElement} stage  takes focus on a press (for Escape)
 * @property {() => boolean} ready  points and a tour are there
 * @property {() => Float64Array} knobs  knob positions in CSS px (empty: no knobs)
 * @property {() => Float64Array} grabbable  the same, NaN for knobs too short to grab
 * @property {(x: number, y: number) => number} pointAt  the visible point near (x, y), or -1
 * @property {(axis: number, dx: number, dy: number) => void} steer  drag an axis by CSS px
 * @property {() => void} endSteer  the drag is over
 * @property {(path: Array<[number, number]>, additive: boolean, moved: boolean) => void} select
 * @property {() => void} clearSelection
 * @property {(deltaY: number) => void} zoomBy
 * @property {(redraw: boolean) => void} hoverChanged  show or hide the point's card (and
 *   redraw the ring when `redraw`)
 * @property {(...parts: string[]) => void} schedule
 * @property {(target: EventTarget, type: string, fn: (e: any) => void, options?: any) => void} listen
 */

/** @typedef {{mode: "axis", axis: number, offsetX: number, offsetY: number} | {mode: "lasso", path: Array<[number, number]>, additive: boolean}} Press */

export class TourPointer {
  /** @param {TourHost} host */
  constructor(host) {
    this.host = host;
    /** @type {Press|null} */
    this.press = null;
    this.hover = -1; // the hovered point
    this.hoverKnob = -1;
    /** @type {[number, number]|null} the last pointer position over the plot (CSS px) */
    this.position = null;
    const o = host.overlay;
    host.listen(o, "pointerdown", (e) => this.down(e));
    host.listen(o, "pointermove", (e) => this.move(e));
    host.listen(o, "pointerup", (e) => this.up(e));
    host.listen(o, "pointercancel", () => this.cancel());
    host.listen(o, "pointerleave", () => this.leave());
    host.listen(o, "wheel", (e) => this.wheel(e), { passive: false });
    host.listen(host.stage, "keydown", (e) => {
      if (e.key !== "Escape") return;
      e.stopPropagation(); // JupyterLab would otherwise leave the cell's edit mode
      this.cancel();
      host.clearSelection();
    });
  }

  /** Whether an axis is being dragged (the tour holds still meanwhile). */
  get steering() {
    return this.press?.mode === "axis";
  }

  /** The knob to highlight: the one dragged, else the one hovered (-1: none). */
  get activeKnob() {
    return this.press?.mode === "axis" ? this.press.axis : this.hoverKnob;
  }

  /** The lasso's path while one is drawn, else null. */
  get lasso() {
    return this.press?.mode === "lasso" ? this.press.path : null;
  }

  /**
   * @param {{clientX: number, clientY: number}} e
   * @returns {[number, number]}
   */
  local(e) {
    const box = this.host.overlay.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }

  /** @param {PointerEvent} e */
  down(e) {
    const host = this.host;
    if (e.button !== 0 || !host.ready()) return;
    e.preventDefault(); // no text selection; focus (for Escape) is given by hand
    host.stage.focus({ preventScroll: true });
    const [x, y] = this.local(e);
    const knobs = host.knobs();
    const axis = knobAt(host.grabbable(), x, y, KNOB_RADIUS);
    this.press =
      axis >= 0
        ? { mode: "axis", axis, offsetX: knobs[2 * axis] - x, offsetY: knobs[2 * axis + 1] - y }
        : { mode: "lasso", path: [[x, y]], additive: e.shiftKey || e.ctrlKey || e.metaKey };
    this.hover = -1;
    host.hoverChanged(false);
    try {
      host.overlay.setPointerCapture(e.pointerId);
    } catch {
      /* synthetic pointers cannot be captured */
    }
    host.schedule();
  }

  /** @param {PointerEvent} e */
  move(e) {
    const host = this.host;
    const [x, y] = this.local(e);
    const press = this.press;
    if (press?.mode === "axis") {
      // Aim the knob at the pointer (keeping where it was grabbed): the article's row rule
      // moves it only part of the way, so each move event closes the gap further.
      const knobs = host.knobs();
      host.steer(press.axis, x + press.offsetX - knobs[2 * press.axis], y + press.offsetY - knobs[2 * press.axis + 1]);
      return;
    }
    if (press?.mode === "lasso") {
      const last = press.path[press.path.length - 1];
      if (Math.hypot(x - last[0], y - last[1]) >= 2) press.path.push([x, y]);
      host.schedule();
      return;
    }
    const knob = knobAt(host.grabbable(), x, y, KNOB_RADIUS);
    if (knob !== this.hoverKnob) {
      this.hoverKnob = knob;
      host.overlay.style.cursor = knob >= 0 ? "grab" : "crosshair";
      host.schedule();
    }
    if (!host.ready()) return;
    const hover = knob >= 0 ? -1 : host.pointAt(x, y);
    const changed = hover !== this.hover;
    this.hover = hover;
    this.position = [x, y];
    host.hoverChanged(changed);
  }

  /** @param {PointerEvent} e */
  up(e) {
    const press = this.press;
    if (!press) return;
    this.press = null;
    if (press.mode === "axis") {
      this.host.endSteer();
    } else {
      const path = press.path;
      path.push(this.local(e));
      const [x0, y0] = path[0];
      const moved = path.some(([px, py]) => Math.hypot(px - x0, py - y0) > CLICK_SLOP);
      this.host.select(path, press.additive, moved);
    }
    this.host.schedule();
  }

  cancel() {
    if (this.press?.mode === "axis") this.host.endSteer();
    this.press = null;
    this.host.schedule();
  }

  leave() {
    if (this.press) return;
    this.hover = -1;
    this.hoverKnob = -1;
    this.host.hoverChanged(true);
  }

  /** @param {WheelEvent} e */
  wheel(e) {
    if (!this.host.ready() || e.ctrlKey) return; // ctrl+wheel stays the browser's zoom
    e.preventDefault();
    this.host.zoomBy(e.deltaY);
  }
}
