// A small tooltip that follows the pointer inside a positioned container. Text only
// (textContent), so labels from Python can never inject markup.
import "./tooltip.css";

/**
 * @param {HTMLElement} container  the tooltip is placed in its coordinates (it should be
 *   `position: relative` or otherwise positioned)
 * @returns {{el: HTMLDivElement, show: (text: string, x: number, y: number) => void,
 *   hide: () => void, destroy: () => void}}
 */
export function createTooltip(container) {
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
