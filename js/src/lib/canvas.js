// Canvas pieces the views share: animation frames (with a timer fallback for DOMs without
// them), the device pixel ratio, canvases sized to it, offscreen canvases, and element
// sizes from a ResizeObserver (so drawing never forces a layout).

/** requestAnimationFrame, or a 16 ms timer that passes the time like it does. */
export const nextFrame =
  typeof requestAnimationFrame === "function"
    ? (/** @type {(now: number) => void} */ cb) => requestAnimationFrame(cb)
    : (/** @type {(now: number) => void} */ cb) => setTimeout(() => cb(performance.now()), 16);

/** Cancels what {@link nextFrame} scheduled. */
export const cancelFrame =
  typeof cancelAnimationFrame === "function"
    ? (/** @type {any} */ id) => cancelAnimationFrame(id)
    : (/** @type {any} */ id) => clearTimeout(id);

/** The device pixel ratio now (1 without a window). */
export const devicePixelRatioNow = () => (typeof window !== "undefined" && window.devicePixelRatio) || 1;

/**
 * A canvas off the DOM (an OffscreenCanvas where there is one), or null without a document.
 * @param {number} width
 * @param {number} height
 * @returns {OffscreenCanvas|HTMLCanvasElement|null}
 */
export function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  if (typeof document === "undefined") return null;
  return Object.assign(document.createElement("canvas"), { width, height });
}

/**
 * Size `canvas` to w×h CSS px with a backing store at `dpr` (at least `min` device px a
 * side). Writes only what changed: each write restyles the canvas.
 * @param {HTMLCanvasElement} canvas
 * @param {number} w
 * @param {number} hgt
 * @param {number} [dpr]
 * @param {number} [min]
 * @returns {boolean} whether the backing store changed size (and so was cleared)
 */
export function fitCanvas(canvas, w, hgt, dpr = devicePixelRatioNow(), min = 0) {
  const pw = Math.max(min, Math.round(w * dpr));
  const ph = Math.max(min, Math.round(hgt * dpr));
  const changed = canvas.width !== pw || canvas.height !== ph;
  if (changed) {
    canvas.width = pw;
    canvas.height = ph;
  }
  const cssW = `${w}px`;
  const cssH = `${hgt}px`;
  if (canvas.style.width !== cssW) canvas.style.width = cssW;
  if (canvas.style.height !== cssH) canvas.style.height = cssH;
  return changed;
}

/** @type {WeakMap<Element, {w: number, h: number}>} */
const sizes = new WeakMap();

/**
 * An element's content-box size in CSS px, {w, h}: the last one a {@link watchSizes}
 * observer reported, else read from the layout (which forces a synchronous layout when
 * styles changed since the last frame: views that redraw many times a second watch
 * their stages so that drawing never reads the layout).
 * @param {HTMLElement} el
 * @returns {{w: number, h: number}}
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
 * @param {Iterable<Element>} elements
 * @param {(el: Element) => void} onChange
 * @returns {() => void}
 */
export function watchSizes(elements, onChange) {
  if (typeof ResizeObserver !== "function") return () => {};
  const watched = [...elements];
  const ro = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = entry.contentRect;
      const prev = sizes.get(entry.target);
      const next = { w: Math.round(box.width * 100) / 100, h: Math.round(box.height * 100) / 100 };
      sizes.set(entry.target, next);
      if (!prev || prev.w !== next.w || prev.h !== next.h) onChange(entry.target);
    }
  });
  for (const el of watched) ro.observe(el);
  return () => {
    ro.disconnect();
    for (const el of watched) sizes.delete(el);
  };
}

/**
 * `text` cut with an ellipsis to fit `maxWidth` px as `ctx` measures it.
 * @example fitText(ctx, "Sneaker", 30) // "Snea…" at 6 px a character
 * @param {{measureText: (text: string) => {width: number}}} ctx  a 2-D context
 * @param {string} text
 * @param {number} maxWidth
 */
export function fitText(ctx, text, maxWidth) {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > maxWidth) s = s.slice(0, -1);
  return `${s}…`;
}
