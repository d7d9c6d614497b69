// The ranked cell list: a button per cell, best first, with its name, a bar of its score
// (red for a positive score, blue for a negative one, as long as |score| over the
// largest) and the score to two decimals. The chosen cell's button is marked; a click
// on one picks that cell.
import { h, textSpan } from "../lib/dom.js";
import { formatScore, parseCells } from "./math.js";

/**
 * @typedef {Object} CellRow
 * @property {{index: number, name: string, score: number, layer: number}} cell
 * @property {HTMLButtonElement} el
 */

/** The cells ranked by the chosen track or the brushed span; a click picks one. */
export class CellList {
  /**
   * @param {import("../lib/view.js").View} view  the cell viewer it is a panel of
   * @param {{onPick: (index: number) => void}} options  called with the clicked cell's index
   */
  constructor(view, { onPick }) {
    this.view = view;
    this.rankNote = textSpan("", "nbviz-cell-viewer-rank-note");
    this.head = h("div", "nbviz-panel-head nbviz-cell-viewer-head", {}, [
      textSpan("cells", "nbviz-panel-title nbviz-cell-viewer-cells-title"),
      this.rankNote,
    ]);
    this.list = h("div", "nbviz-cell-viewer-list", { role: "group", "aria-label": "cells, best first" });
    this.empty = h("div", "nbviz-cell-viewer-list-empty");
    this.el = h("div", "nbviz-panel nbviz-cell-viewer-panel nbviz-cell-viewer-cells", {}, [
      this.head,
      this.list,
      this.empty,
    ]);
    /** @type {CellRow[]} */
    this.rows = [];
    view.on("cells", () => this.build());
    view.on("cell", () => this.mark());
    view.on("rank_by", () => this.readRank());
    view.on("height", () => this.readHeight());
    view.listen(this.list, "click", (e) => {
      const row = this.rowOf(e.target);
      if (row) onPick(row.cell.index);
    });
    // pressing a row keeps the keyboard focus where it was (no cell switch in JupyterLab)
    view.listen(this.list, "mousedown", (e) => {
      if (this.rowOf(e.target)) e.preventDefault();
    });
    this.build();
    this.readRank();
    this.readHeight();
  }

  /** One button per cell of `cells`, in its order. */
  build() {
    const cells = parseCells(this.view.model.get("cells"));
    let top = 0;
    for (const c of cells) if (Number.isFinite(c.score)) top = Math.max(top, Math.abs(c.score));
    this.rows = cells.map((cell) => ({ cell, el: cellButton(cell, top) }));
    this.list.replaceChildren(...this.rows.map((r) => r.el));
    this.empty.textContent = cells.length ? "" : "No cells ranked yet.";
    this.empty.hidden = cells.length > 0;
    this.mark();
  }

  /** Mark the chosen cell's button. */
  mark() {
    const chosen = Number(this.view.model.get("cell"));
    for (const { cell, el } of this.rows) {
      const on = cell.index === chosen;
      el.classList.toggle("is-chosen", on);
      el.setAttribute("aria-pressed", String(on));
    }
  }

  readRank() {
    const by = this.view.model.get("rank_by");
    this.rankNote.textContent = by === "selection" ? "by the brushed span" : by ? `by ${by}` : "";
  }

  readHeight() {
    const hgt = Number(this.view.model.get("height"));
    this.list.style.maxHeight = `${Number.isFinite(hgt) && hgt > 0 ? Math.round(hgt) : 360}px`;
  }

  /**
   * The row whose button holds `target`, or undefined.
   * @param {EventTarget|null} target
   */
  rowOf(target) {
    const el = target instanceof Element ? target.closest(".nbviz-cell-viewer-cell") : null;
    return el ? this.rows.find((r) => r.el === el) : undefined;
  }

  /**
   * Client px of the centre of cell `index`'s row (the list scrolled to show it), or null
   * when the list has no such cell.
   * @param {number} index
   */
  rowCentre(index) {
    const row = this.rows.find((r) => r.cell.index === index);
    if (!row) return null;
    const list = this.list;
    const top = row.el.offsetTop;
    if (top < list.scrollTop || top + row.el.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - (list.clientHeight - row.el.offsetHeight) / 2);
    }
    const b = row.el.getBoundingClientRect();
    return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
  }
}

/**
 * A cell's button: name, score bar, score (all text, never markup).
 * @param {{index: number, name: string, score: number}} cell
 * @param {number} top  the largest |score| of the list
 */
function cellButton(cell, top) {
  const fill = h("span", cell.score < 0 ? "is-negative" : "");
  const share = top > 0 && Number.isFinite(cell.score) ? Math.abs(cell.score) / top : 0;
  fill.style.width = `${Math.round(100 * share)}%`;
  const el = h("button", "nbviz-cell-viewer-cell", { type: "button", "data-index": String(cell.index) }, [
    textSpan(cell.name, "nbviz-cell-viewer-cell-name"),
    h("span", "nbviz-cell-viewer-bar", {}, [fill]),
    textSpan(formatScore(cell.score), "nbviz-cell-viewer-score"),
  ]);
  el.title = `${cell.name}: score ${formatScore(cell.score)}`;
  return el;
}
