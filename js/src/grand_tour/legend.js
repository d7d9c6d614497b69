// The class legend under the tour: one toggle button per class (its colour and name, as
// text), and a note when colours repeat.
import { h, textSpan } from "../lib/dom.js";
import { TABLEAU10 } from "../lib/palette.js";

/** Buttons shown at most; the note says how many classes there are. */
const MAX_SHOWN = 100;

/**
 * Fill `el` with the legend of `count` classes.
 * @param {HTMLElement} el
 * @param {Object} classes
 * @param {number} classes.count
 * @param {(k: number) => string} classes.nameOf
 * @param {(k: number) => string} classes.colorOf
 * @param {Set<number>} classes.hidden
 * @param {boolean} classes.ownColors  every class has a colour of its own (none repeats)
 * @param {(k: number) => void} classes.onToggle  a class's button was clicked
 */
export function renderLegend(el, { count, nameOf, colorOf, hidden, ownColors, onToggle }) {
  const shown = Math.min(count, MAX_SHOWN);
  const buttons = [];
  for (let k = 0; k < shown; k++) {
    const swatch = h("span", "nbviz-grand-tour-swatch");
    swatch.style.background = colorOf(k);
    const b = h("button", "", { type: "button", "aria-pressed": String(!hidden.has(k)), "data-class": String(k) }, [
      swatch,
      textSpan(nameOf(k)),
    ]);
    b.title = "click to hide or show this class";
    b.addEventListener("click", () => onToggle(k));
    buttons.push(b);
  }
  el.replaceChildren(...buttons);
  if (count > TABLEAU10.length && !ownColors) {
    const more = count > shown ? ` (legend shows ${shown})` : "";
    el.appendChild(
      textSpan(`${count} classes: colours repeat after ${TABLEAU10.length}${more}`, "nbviz-grand-tour-note"),
    );
  }
}
