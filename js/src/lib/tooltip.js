// A small tooltip that follows the pointer inside a positioned container. Text only
// (textContent), so labels from Python can never inject markup.
import { injectStyle } from "./style.js";

const CSS = `
.nbviz-tooltip {
  position: absolute; z-index: 10; pointer-events: none; max-width: 240px;
  padding: 2px 6px; border-radius: 3px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  font: 12px var(--jp-ui-font-family, system-ui, sans-serif);
  color: var(--jp-ui-inverse-font-color1, #fff);
  background: var(--jp-inverse-layout-color1, rgba(33, 33, 33, 0.92));
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.3);
}
.nbviz-tooltip[hidden] { display: none; }
`;

/**
 * @param {HTMLElement} container  the tooltip is placed in its coordinates (it should be
 *   `position: relative` or otherwise positioned)
 * @returns {{el: HTMLDivElement, show: (text: string, x: number, y: number) => void,
 *   hide: () => void, destroy: () => void}}
 */
export function createTooltip(container) {
  injectStyle("nbviz-tooltip-style", CSS);
  const el = document.createElement("div");
  el.className = "nbviz-tooltip";
  el.setAttribute("role", "tooltip");
  el.hidden = true;
  container.appendChild(el);

  /** Show `text` near (x, y), container pixels, kept inside the container. */
  function show(text, x, y) {
    if (el.textContent !== text) el.textContent = text;
    el.hidden = false;
    const offset = 12;
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    const maxX = container.clientWidth - w - 2;
    const maxY = container.clientHeight - h - 2;
    let left = x + offset;
    let top = y + offset;
    if (left > maxX) left = x - offset - w;
    if (top > maxY) top = y - offset - h;
    el.style.left = `${Math.max(0, left)}px`;
    el.style.top = `${Math.max(0, top)}px`;
  }

  function hide() {
    el.hidden = true;
  }

  function destroy() {
    el.remove();
  }

  return { el, show, hide, destroy };
}
