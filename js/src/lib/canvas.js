// Canvas pieces the views share: animation frames (with a timer fallback for DOMs without
// them), the device pixel ratio, offscreen atlas canvases, and titled canvas panels
// sized to the device pixel ratio and cleared to the theme background.
import { h } from "./dom.js";

/** requestAnimationFrame, or a 16 ms timer that passes the time like it does. */
export const nextFrame =
  typeof requestAnimationFrame === "function"
    ? (cb) => requestAnimationFrame(cb)
    : (cb) => setTimeout(() => cb(performance.now()), 16);

/** Cancels what {@link nextFrame} scheduled. */
export const cancelFrame =
  typeof cancelAnimationFrame === "function" ? (id) => cancelAnimationFrame(id) : (id) => clearTimeout(id);

/** The device pixel ratio now (1 without a window). */
export const devicePixelRatioNow = () => (typeof window !== "undefined" && window.devicePixelRatio) || 1;

/** A canvas off the DOM (an OffscreenCanvas where there is one), or null without a document. */
export function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  if (typeof document === "undefined") return null;
  return Object.assign(document.createElement("canvas"), { width, height });
}

/**
 * A titled panel: a header, a positioned stage holding a canvas, and an empty-state note.
 * Class names are `<prefix>-title`, `-head`, `-stage`, `-empty` and `-panel`.
 */
export function makePanel(prefix, title, canvasClass) {
  const titleEl = h("span", `${prefix}-title`);
  titleEl.textContent = title;
  const head = h("div", `${prefix}-head`, {}, [titleEl]);
  const canvas = h("canvas", canvasClass);
  const empty = h("div", `${prefix}-empty`);
  const stage = h("div", `${prefix}-stage`, {}, [canvas, empty]);
  const el = h("div", `${prefix}-panel`, {}, [head, stage]);
  const ctx = canvas.getContext ? canvas.getContext("2d") : null;
  return { el, head, stage, canvas, ctx, empty, w: 0, h: 0, dpr: 1 };
}

/** Size a panel's canvas to w×h CSS px at the device pixel ratio; false when it has no area. */
export function sizeCanvas(p, w, hgt) {
  const dpr = devicePixelRatioNow();
  const pw = Math.max(0, Math.round(w * dpr));
  const ph = Math.max(0, Math.round(hgt * dpr));
  if (p.canvas.width !== pw || p.canvas.height !== ph) {
    p.canvas.width = pw;
    p.canvas.height = ph;
  }
  p.canvas.style.width = `${w}px`;
  p.canvas.style.height = `${hgt}px`;
  p.w = w;
  p.h = hgt;
  p.dpr = dpr;
  return w > 0 && hgt > 0;
}

/** A panel's 2-D context reset for drawing in CSS px on the theme background, or null. */
export function beginPanel(p, theme) {
  const ctx = p.ctx;
  if (!ctx) return null;
  ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
  ctx.globalAlpha = 1;
  ctx.globalCompositeOperation = "source-over";
  ctx.setLineDash([]);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, p.w, p.h);
  ctx.font = `11px ${theme.font}`;
  return ctx;
}

const sizes = new WeakMap();

/**
 * An element's content-box size in CSS px, {w, h}: the last one a {@link watchSizes}
 * observer reported, else read from the layout (which forces a synchronous layout when
 * styles changed since the last frame: views that redraw many times a second watch
 * their stages so that drawing never reads the layout).
 */
export function sizeOf(el) {
  const known = sizes.get(el);
  if (known) return known;
  return { w: el.clientWidth, h: el.clientHeight };
}

/**
 * Watch elements' sizes with one ResizeObserver; `onChange(el)` runs when an element's
 * width or height changes. Returns a disposer. Without ResizeObserver it does nothing
 * ({@link sizeOf} then reads the layout).
 */
export function watchSizes(elements, onChange) {
  if (typeof ResizeObserver !== "function") return () => {};
  const ro = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = entry.contentRect;
      const prev = sizes.get(entry.target);
      const next = { w: Math.round(box.width * 100) / 100, h: Math.round(box.height * 100) / 100 };
      sizes.set(entry.target, next);
      if (!prev || prev.w !== next.w || prev.h !== next.h) onChange(entry.target);
    }
  });
  for (const el of elements) ro.observe(el);
  return () => {
    ro.disconnect();
    for (const el of elements) sizes.delete(el);
  };
}
