// The text panel: the text in monospace rows, each character's background the chosen
// cell's value there (Karpathy's colouring), the top cells' heat strips under each row, a
// brush over the text (LSTMVis's) and a tooltip naming the character under the pointer
// with every layer's value.
//
// Virtualised: the content is as tall as all the rows, but only the rows in view and
// ROW_MARGIN more on each side are in the DOM, each placed absolutely at its row's top.
// A row is a line of one <span> per character (text set with textContent; a newline is
// an empty span that CSS gives one character's width) and, with strips, a canvas of one
// pixel per character and strip row, scaled up. A new `values` recolours the rendered
// rows' spans and nothing else; scrolling adds and removes whole rows.
import { sizeOf } from "../lib/canvas.js";
import { h, textSpan } from "../lib/dom.js";
import { createTooltip } from "../lib/tooltip.js";
import {
  breakRows,
  brushSpan,
  charLabel,
  colourIndex,
  colourTable,
  columnsFor,
  fillStrip,
  formatScore,
  hoverLines,
  normaliseSelection,
  rgbTable,
  rowMetrics,
  rowOf,
  scrollFor,
  stripAt,
  TEXT_TINT,
  visibleRows,
} from "./math.js";

/** Rows kept in the DOM above and below those in view. */
const ROW_MARGIN = 12;
/** Px from the content's left edge to a row's first character. */
const PAD_X = 6;
/** Px of a text line; style.css gives .nbviz-cell-viewer-line the same height. */
const LINE_H = 18;
/** Characters the probe measuring the font's advance holds. */
const PROBE_CHARS = 32;
/** A character's advance, and the scroller's width, where there is no layout (tests). */
const FALLBACK_CHAR_W = 7.8;
const FALLBACK_WIDTH = 640;
/** The class of a selected character's span. */
const SELECTED = "is-selected";

/** Backgrounds of the characters (light enough for dark text) and the strips' colours. */
const TEXT_COLOURS = colourTable(TEXT_TINT);
const STRIP_RGB = rgbTable(1);

/**
 * @typedef {Object} RowView  a rendered row
 * @property {HTMLDivElement} el
 * @property {HTMLDivElement} line  its characters' spans, in order
 * @property {HTMLCanvasElement|null} strip
 * @property {number} start  the offset of its first character
 * @property {number} end  one past its last
 */

/** The coloured, virtualised text with its heat strips, brush and tooltip. */
export class TextPanel {
  /**
   * @param {import("../lib/view.js").View} view  the cell viewer it is a panel of
   * @param {{onBrush: (span: number[]) => void, onPickStrip: (k: number) => void}} options
   *   onBrush: a brush ended, over [start, end) or, a click without a drag, [];
   *   onPickStrip: strip row k was clicked
   */
  constructor(view, { onBrush, onPickStrip }) {
    this.view = view;
    this.onBrush = onBrush;
    this.onPickStrip = onPickStrip;
    this.title = textSpan("", "nbviz-panel-title nbviz-cell-viewer-title");
    this.brushed = textSpan("", "nbviz-cell-viewer-brushed");
    this.head = h("div", "nbviz-panel-head nbviz-cell-viewer-head", {}, [this.title, colourKey(), this.brushed]);
    this.content = h("div", "nbviz-cell-viewer-content");
    this.scroller = h(
      "div",
      "nbviz-cell-viewer-scroller nbviz-cell-viewer-mono",
      { tabindex: "0", "aria-label": "the text, coloured by the chosen cell" },
      [this.content],
    );
    this.probe = textSpan("0".repeat(PROBE_CHARS), "nbviz-cell-viewer-probe nbviz-cell-viewer-mono");
    this.probe.setAttribute("aria-hidden", "true");
    this.empty = h("div", "nbviz-panel-empty nbviz-cell-viewer-text-empty");
    this.stage = h("div", "nbviz-panel-stage nbviz-cell-viewer-text-stage", {}, [
      this.scroller,
      this.probe,
      this.empty,
    ]);
    this.el = h("div", "nbviz-panel nbviz-cell-viewer-panel nbviz-cell-viewer-text", {}, [this.head, this.stage]);
    this.tooltip = createTooltip(this.stage);

    /** @type {string[]} the text's code points (Python's characters) */
    this.chars = [];
    /** @type {{starts: Int32Array, count: number}} the rows' first offsets (and the end) */
    this.rows = { starts: Int32Array.of(0), count: 0 };
    this.metrics = rowMetrics(0, LINE_H);
    this.charW = FALLBACK_CHAR_W;
    /** what the rows were broken for: text version, columns, strip rows */
    this.layoutKey = "";
    this.textVersion = 0;
    this.width = -1;
    /** @type {Float32Array|null} */
    this.values = null;
    /** @type {{data: Float32Array, K: number, n: number}|null} */
    this.strip = null;
    /** @type {string[]} */
    this.stripNames = [];
    /** whether the strips changed since the rendered rows drew theirs */
    this.stripsChanged = false;
    /** @type {{data: Float32Array, names: string[], n: number}|null} */
    this.hover = null;
    /** @type {number[]} the span shown: the model's, or the brush's while one goes on */
    this.selection = [];
    /** @type {{anchor: number, focus: number, moved: boolean}|null} */
    this.press = null;
    /** @type {Map<number, RowView>} by row index */
    this.rendered = new Map();
    /** @type {WeakMap<Element, RowView>} by line element */
    this.rowOfLine = new WeakMap();

    this.bind();
    this.readText();
    this.readValues();
    this.readStrip();
    this.readHover();
    this.readSelection();
    this.readTitle();
    this.readHeight();
  }

  bind() {
    const view = this.view;
    view.on("text", () => {
      this.readText();
      this.readSelection();
      view.schedule("text");
    });
    view.on("strip strip_names", () => {
      this.readStrip();
      this.stripsChanged = true;
      view.schedule("text");
    });
    view.on("hover_names hover_values", () => this.readHover());
    view.on("selection", () => this.readSelection());
    view.on("cell_name", () => this.readTitle());
    view.on("height", () => {
      this.readHeight();
      view.schedule("text");
    });
    view.watchSize(this.scroller, "text");
    view.own(this.tooltip);
    view.listen(
      this.scroller,
      "scroll",
      () => {
        this.tooltip.hide();
        view.schedule("text");
      },
      { passive: true },
    );
    view.listen(this.content, "pointerdown", (e) => this.onDown(e));
    view.listen(this.scroller, "pointermove", (e) => this.onMove(e));
    view.listen(this.scroller, "pointerleave", () => this.tooltip.hide());
    view.listen(window, "pointerup", () => this.onUp());
    view.listen(window, "pointercancel", () => this.cancelBrush());
    view.listen(this.content, "click", (e) => this.onClick(e));
    view.listen(this.scroller, "keydown", (e) => this.onKey(e));
  }

  // --- model → panel ------------------------------------------------------------------
  readText() {
    const text = this.view.model.get("text");
    this.chars = Array.from(typeof text === "string" ? text : "");
    this.textVersion++;
  }

  /** Read `values` (call {@link recolour} to show it). */
  readValues() {
    const a = this.view.decode("values", "float32", (s) => s.length === 1);
    this.values = a ? /** @type {Float32Array} */ (a.data) : null;
  }

  readStrip() {
    const a = this.view.decode("strip", "float32", (s) => s.length === 2);
    this.strip =
      a && a.shape[0] > 0 ? { data: /** @type {Float32Array} */ (a.data), K: a.shape[0], n: a.shape[1] } : null;
    const names = this.view.model.get("strip_names");
    this.stripNames = Array.isArray(names) ? names.map(String) : [];
  }

  readHover() {
    const a = this.view.decode("hover_values", "float32", (s) => s.length === 2);
    const names = this.view.model.get("hover_names");
    const list = Array.isArray(names) ? names.map(String) : [];
    this.hover =
      a && a.shape[0] === list.length
        ? { data: /** @type {Float32Array} */ (a.data), names: list, n: a.shape[1] }
        : null;
  }

  readSelection() {
    if (this.press) return; // the brush's span shows until it ends
    this.showSelection(normaliseSelection(this.view.model.get("selection"), this.chars.length));
  }

  readTitle() {
    const name = this.view.model.get("cell_name");
    this.title.textContent = typeof name === "string" && name ? name : "no cell chosen";
  }

  readHeight() {
    this.scroller.style.height = `${this.viewHeightWanted()}px`;
  }

  /** The scroll area's height the model asks for, px. */
  viewHeightWanted() {
    const hgt = Number(this.view.model.get("height"));
    return Number.isFinite(hgt) && hgt > 0 ? Math.round(hgt) : 360;
  }

  /** `values` when it is one per character of the text shown, else null. */
  usableValues() {
    return this.values && this.values.length === this.chars.length ? this.values : null;
  }

  /** The strips when they are one value per character of the text shown, else null. */
  usableStrip() {
    return this.strip && this.strip.n === this.chars.length ? this.strip : null;
  }

  // --- drawing ------------------------------------------------------------------------
  /** The view's draw of part "text": {@link update}. */
  draw() {
    this.update();
  }

  /**
   * Break the text into rows again when the text, the width or the strip count changed
   * (else redraw the rendered rows' strips), then add and drop rows for the scroll
   * position.
   */
  update() {
    const width = sizeOf(this.scroller).w || FALLBACK_WIDTH;
    if (width !== this.width) {
      this.width = width;
      const measured = this.probe.getBoundingClientRect().width / PROBE_CHARS;
      this.charW = measured > 0 ? measured : FALLBACK_CHAR_W;
    }
    const strip = this.usableStrip();
    const K = strip ? strip.K : 0;
    const cols = columnsFor(width - 2 * PAD_X, this.charW);
    const key = `${this.textVersion}:${cols}:${K}`;
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.metrics = rowMetrics(K, LINE_H);
      this.rows = breakRows(this.chars, cols);
      this.content.style.height = `${this.rows.count * this.metrics.pitch}px`;
      this.clearRows();
      this.empty.hidden = this.chars.length > 0;
      this.empty.textContent = this.chars.length ? "" : "No text.";
    } else if (this.stripsChanged) {
      for (const row of this.rendered.values()) this.drawStrip(row);
    }
    this.stripsChanged = false;
    this.sync();
  }

  /** Make the DOM hold exactly the rows in view and the margin around them. */
  sync() {
    const m = this.metrics;
    const viewH = sizeOf(this.scroller).h || this.viewHeightWanted();
    const { first, end } = visibleRows(this.scroller.scrollTop, viewH, m.pitch, this.rows.count, ROW_MARGIN);
    for (const [r, row] of this.rendered) {
      if (r >= first && r < end) continue;
      row.el.remove();
      this.rendered.delete(r);
    }
    /** @type {DocumentFragment|null} */
    let added = null;
    for (let r = first; r < end; r++) {
      if (this.rendered.has(r)) continue;
      const row = this.makeRow(r);
      this.rendered.set(r, row);
      added ??= document.createDocumentFragment();
      added.appendChild(row.el);
    }
    if (added) this.content.appendChild(added);
  }

  clearRows() {
    for (const row of this.rendered.values()) row.el.remove();
    this.rendered.clear();
  }

  /**
   * Row r's elements, coloured, with the selection marked and its strips drawn.
   * @param {number} r
   * @returns {RowView}
   */
  makeRow(r) {
    const start = this.rows.starts[r];
    const end = this.rows.starts[r + 1];
    const el = h("div", "nbviz-cell-viewer-row");
    el.style.top = `${r * this.metrics.pitch}px`;
    el.style.left = `${PAD_X}px`;
    const line = h("div", "nbviz-cell-viewer-line");
    const values = this.usableValues();
    const [a, b] = this.selection.length ? this.selection : [0, 0];
    for (let i = start; i < end; i++) {
      const span = document.createElement("span");
      const c = this.chars[i];
      if (c === "\n") span.className = "is-newline";
      else span.textContent = c;
      if (values) span.style.backgroundColor = TEXT_COLOURS[colourIndex(values[i])];
      if (i >= a && i < b) span.classList.add(SELECTED);
      line.appendChild(span);
    }
    el.appendChild(line);
    /** @type {RowView} */
    const row = { el, line, strip: null, start, end };
    this.rowOfLine.set(line, row);
    if (this.usableStrip()) {
      row.strip = h("canvas", "nbviz-cell-viewer-strip");
      el.appendChild(row.strip);
      this.drawStrip(row);
    }
    return row;
  }

  /**
   * Draw a row's heat strips: one pixel per character and strip, scaled to the characters.
   * @param {RowView} row
   */
  drawStrip(row) {
    const strip = this.usableStrip();
    const canvas = row.strip;
    if (!strip || !canvas) return;
    const len = row.end - row.start;
    if (canvas.width !== len) canvas.width = len;
    if (canvas.height !== strip.K) canvas.height = strip.K;
    canvas.style.width = `${len * this.charW}px`;
    canvas.style.height = `${this.metrics.stripH}px`;
    const ctx = canvas.getContext ? canvas.getContext("2d") : null;
    if (!ctx || typeof ImageData !== "function") return;
    const rgba = new Uint8ClampedArray(len * strip.K * 4);
    fillStrip(rgba, strip.data, strip.K, strip.n, row.start, len, STRIP_RGB);
    ctx.putImageData(new ImageData(rgba, len, strip.K), 0, 0);
  }

  /** Colour the rendered characters by `values` (none: uncoloured); no other row is touched. */
  recolour() {
    const values = this.usableValues();
    for (const row of this.rendered.values()) {
      const spans = row.line.children;
      for (let i = 0; i < spans.length; i++) {
        const colour = values ? TEXT_COLOURS[colourIndex(values[row.start + i])] : "";
        /** @type {HTMLElement} */ (spans[i]).style.backgroundColor = colour;
      }
    }
  }

  /**
   * Show `span` ([start, end) or []) as the selection: outline the rendered characters in
   * it and name it in the head.
   * @param {number[]} span
   */
  showSelection(span) {
    const old = this.selection.length ? this.selection : [0, 0];
    this.selection = span;
    const [a, b] = span.length ? span : [0, 0];
    for (const row of this.rendered.values()) {
      // only the rows the old or the new span reaches into change
      if (!(a < row.end && b > row.start) && !(old[0] < row.end && old[1] > row.start)) continue;
      const spans = row.line.children;
      for (let i = 0; i < spans.length; i++) {
        const o = row.start + i;
        spans[i].classList.toggle(SELECTED, o >= a && o < b);
      }
    }
    this.brushed.textContent = span.length ? `brushed ${a}–${b} (${b - a} characters)` : "";
  }

  // --- interaction --------------------------------------------------------------------
  /**
   * The offset of the character whose span `target` is, or -1.
   * @param {EventTarget|null} target
   */
  offsetOf(target) {
    const span = target instanceof Element ? target : null;
    const line = span?.parentElement;
    const row = line ? this.rowOfLine.get(line) : undefined;
    if (!row || !line) return -1;
    return row.start + Array.prototype.indexOf.call(line.children, span);
  }

  /**
   * The strip row and character under a pointer, from the rows' geometry; null off the
   * strips.
   * @param {{clientX: number, clientY: number}} e
   */
  stripHit(e) {
    const strip = this.usableStrip();
    if (!strip) return null;
    const box = this.scroller.getBoundingClientRect();
    const y = e.clientY - box.top + this.scroller.scrollTop;
    const x = e.clientX - box.left + this.scroller.scrollLeft - PAD_X;
    const { row, k } = stripAt(this.metrics, y);
    if (row < 0 || row >= this.rows.count || k < 0 || k >= strip.K) return null;
    const col = Math.floor(x / this.charW);
    const offset = this.rows.starts[row] + col;
    return { k, offset: col >= 0 && offset < this.rows.starts[row + 1] ? offset : -1 };
  }

  /** @param {PointerEvent} e */
  onDown(e) {
    if (e.button !== 0) return;
    const o = this.offsetOf(e.target);
    if (o < 0) return;
    e.preventDefault(); // no native text selection; focus is given by hand
    this.scroller.focus({ preventScroll: true });
    this.press = { anchor: o, focus: o, moved: false };
    this.tooltip.hide();
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const o = this.offsetOf(e.target);
    const press = this.press;
    if (press && e.buttons === 0) {
      this.onUp(); // released where no pointerup reached the page (outside the window)
      return;
    }
    if (press) {
      if (o >= 0 && o !== press.focus) {
        press.focus = o;
        press.moved = true;
        this.showSelection(brushSpan(press.anchor, o));
      }
      return;
    }
    const text = o >= 0 ? this.describe(o) : this.describeStrip(e);
    if (!text) {
      this.tooltip.hide();
      return;
    }
    const box = this.stage.getBoundingClientRect();
    this.tooltip.show(text, e.clientX - box.left, e.clientY - box.top);
  }

  onUp() {
    const press = this.press;
    if (!press) return;
    this.press = null;
    this.onBrush(press.moved ? brushSpan(press.anchor, press.focus) : []);
    this.readSelection(); // the model's span again, whether or not the brush changed it
  }

  cancelBrush() {
    if (!this.press) return;
    this.press = null;
    this.readSelection();
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    if (!(e.target instanceof Element) || !e.target.classList.contains("nbviz-cell-viewer-strip")) return;
    const hit = this.stripHit(e);
    if (hit) this.onPickStrip(hit.k);
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (e.key !== "Escape") return;
    e.stopPropagation(); // JupyterLab would otherwise leave the cell's edit mode
    if (this.press) this.cancelBrush();
    else this.onBrush([]);
  }

  /**
   * The tooltip of character `o`: itself, its offset, each layer's value.
   * @param {number} o
   */
  describe(o) {
    const hv = this.hover && this.hover.n === this.chars.length ? this.hover : null;
    return hoverLines(this.chars[o], o, hv ? hv.names : [], hv ? hv.data : null, this.chars.length).join("\n");
  }

  /**
   * The tooltip of the strip row under the pointer: its cell, the character, the value.
   * @param {{clientX: number, clientY: number}} e
   */
  describeStrip(e) {
    const hit = this.stripHit(e);
    const strip = this.usableStrip();
    if (!hit || !strip || hit.offset < 0) return "";
    const name = this.stripNames[hit.k] ?? `strip ${hit.k}`;
    const value = formatScore(strip.data[hit.k * strip.n + hit.offset]);
    return `${name}: ${value}\n${charLabel(this.chars[hit.offset])} · offset ${hit.offset}`;
  }

  // --- test hooks ---------------------------------------------------------------------
  /**
   * The rendered span of character `offset`, or null.
   * @param {number} offset
   * @returns {HTMLElement|null}
   */
  spanAt(offset) {
    const r = rowOf(this.rows.starts, this.rows.count, offset);
    const row = r >= 0 ? this.rendered.get(r) : undefined;
    return row ? /** @type {HTMLElement|null} */ (row.line.children[offset - row.start] ?? null) : null;
  }

  /**
   * Scroll character `offset`'s row into view (rendering it now) and return its row.
   * @param {number} offset
   */
  reveal(offset) {
    this.update();
    const r = rowOf(this.rows.starts, this.rows.count, offset);
    if (r < 0) return -1;
    const viewH = sizeOf(this.scroller).h || this.viewHeightWanted();
    const top = scrollFor(r, this.scroller.scrollTop, viewH, this.metrics.pitch, this.rows.count);
    if (top !== this.scroller.scrollTop) this.scroller.scrollTop = top;
    this.sync();
    return r;
  }

  /**
   * Client px of the centre of character `offset`, scrolled into view first; null when
   * the text has no such character.
   * @param {number} offset
   */
  charPosition(offset) {
    const r = this.reveal(offset);
    if (r < 0) return null;
    const span = this.spanAt(offset);
    const b = span?.getBoundingClientRect();
    if (b && b.width > 0) return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    return this.rowPoint(r, offset, this.metrics.lineH / 2);
  }

  /**
   * Client px of the middle of strip row `k` under character `offset` (scrolled into
   * view), or null.
   * @param {number} offset
   * @param {number} k
   */
  stripPosition(offset, k) {
    const strip = this.usableStrip();
    const r = this.reveal(offset);
    if (r < 0 || !strip || !(k >= 0 && k < strip.K)) return null;
    const m = this.metrics;
    return this.rowPoint(r, offset, m.stripTop + (k + 0.5) * m.rowPx);
  }

  /**
   * Client px of character `offset`'s horizontal centre in row r, `dy` px below the row's top.
   * @param {number} r
   * @param {number} offset
   * @param {number} dy
   */
  rowPoint(r, offset, dy) {
    const box = this.scroller.getBoundingClientRect();
    const col = offset - this.rows.starts[r];
    return {
      x: box.left - this.scroller.scrollLeft + PAD_X + (col + 0.5) * this.charW,
      y: box.top - this.scroller.scrollTop + r * this.metrics.pitch + dy,
    };
  }

  /** The text of the rendered rows, top to bottom, joined by "\n". */
  shownText() {
    return [...this.rendered.keys()]
      .sort((a, b) => a - b)
      .map((r) => this.rendered.get(r)?.line.textContent ?? "")
      .join("\n");
  }

  /**
   * The background colour of character `offset` ("" uncoloured), or null when it is not
   * rendered.
   * @param {number} offset
   */
  colourAt(offset) {
    const span = this.spanAt(offset);
    return span ? span.style.backgroundColor : null;
  }
}

/** The colour map's key: −1, the ramp the text's backgrounds take, +1. */
function colourKey() {
  const ramp = h("span", "nbviz-cell-viewer-ramp");
  const stops = [-1, -0.5, 0, 0.5, 1].map((v) => TEXT_COLOURS[colourIndex(v)]);
  ramp.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
  return h("span", "nbviz-cell-viewer-key", { title: "the chosen cell's value: −1 blue, 0 white, +1 red" }, [
    textSpan("−1"),
    ramp,
    textSpan("+1"),
  ]);
}
