// The hover card: a point's index and label (and more lines of text, e.g. the model's
// prediction at the current frame), and its thumbnail drawn into a small canvas.
// Text via textContent only.
import { h } from "../lib/dom.js";
import { imageToRGBA } from "../lib/pixels.js";

/**
 * RGBA bytes of thumbnail `i` from a uint8 stack [n, h, w, c] (c = 1, 3 or 4).
 * @param {ArrayLike<number>} data
 * @param {number[]} shape
 * @param {number} i
 */
export function thumbnailRGBA(data, shape, i) {
  return imageToRGBA(data, { height: shape[1], width: shape[2], channels: shape[3] }, i);
}

/**
 * @param {HTMLElement} container  positioned parent
 */
export function createHoverCard(container) {
  const canvas = h("canvas", "nbviz-grand-tour-thumb");
  const text = h("div", "nbviz-grand-tour-card-text");
  const el = h("div", "nbviz-grand-tour-card", { role: "tooltip" }, [canvas, text]);
  el.hidden = true;
  container.appendChild(el);
  let shown = -1;
  let shownText = "";

  /**
   * Show point `i` at (x, y) container px with `lines` of text (one string or several);
   * `thumbs` is a decoded uint8 stack or null.
   */
  function show(i, lines, thumbs, x, y) {
    const all = Array.isArray(lines) ? lines : [String(lines)];
    const joined = all.join("\n");
    if (joined !== shownText) {
      shownText = joined;
      text.replaceChildren(
        ...all.map((line) => {
          const row = h("div");
          row.textContent = line;
          return row;
        }),
      );
    }
    if (shown !== i) {
      shown = i;
      const ctx = thumbs && canvas.getContext ? canvas.getContext("2d") : null;
      if (ctx && typeof ImageData === "function" && i < thumbs.shape[0]) {
        const [, hh, ww] = thumbs.shape;
        canvas.width = ww;
        canvas.height = hh;
        ctx.putImageData(new ImageData(thumbnailRGBA(thumbs.data, thumbs.shape, i), ww, hh), 0, 0);
        const s = 72 / Math.max(hh, ww);
        canvas.style.width = `${Math.round(ww * s)}px`;
        canvas.style.height = `${Math.round(hh * s)}px`;
        canvas.hidden = false;
      } else {
        canvas.hidden = true;
      }
    }
    el.hidden = false;
    const w = el.offsetWidth;
    const hgt = el.offsetHeight;
    let left = x + 14;
    let top = y + 14;
    if (left + w > container.clientWidth) left = x - 14 - w;
    if (top + hgt > container.clientHeight) top = y - 14 - hgt;
    el.style.left = `${Math.max(0, left)}px`;
    el.style.top = `${Math.max(0, top)}px`;
  }

  function hide() {
    el.hidden = true;
    shown = -1;
    shownText = "";
  }

  return { el, show, hide, destroy: () => el.remove() };
}
