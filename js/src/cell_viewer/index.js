// CellViewer: inside a character-level LSTM or GRU. Karpathy's text colouring (each
// character's background the chosen cell's value there), LSTMVis's brushing (brush a span
// of the text and the cells are ranked by how they switch on inside it and off outside),
// and Karpathy, Johnson & Fei-Fei's gate saturation plots.
//
// Panels, each its own module: text_panel.js (the virtualised coloured text with its heat
// strips, brush and tooltip), cell_list.js (the ranked cells), saturation_plot.js;
// math.js holds their pure parts. This module holds the controls and the writes to Python.
//
// Model (nbviz/widgets/cell_viewer.py): text (str), values {float32 [T] in [-1, 1]}, strip
// {float32 [K, T]}, strip_names [str], cells [{index, name, score, layer}] best first,
// cell (int), cell_name (str), tracks [str], rank_by (a track or "selection"), quantity
// and quantities [str], selection ([start, end) or []), hover_names [str] and hover_values
// {float32 [L, T]}, saturation {float32 [L, G, U, 2]}, gate_names [str], status_text
// (str), height (int), the job_* traits. The view writes cell (a list row or a strip row
// clicked), rank_by, quantity, and selection with rank_by = "selection" in one message (a
// click without a drag writes selection [] alone). root.__nbvizStats.recolourMs holds,
// for each values change, the ms from its arrival to the end of the text's recolouring.
import { h, setOptions, textSpan } from "../lib/dom.js";
import { mount, View } from "../lib/view.js";
import { CellList } from "./cell_list.js";
import { normaliseSelection, parseCells, sameSpan } from "./math.js";
import { SaturationPlot } from "./saturation_plot.js";
import "./style.css";
import { TextPanel } from "./text_panel.js";

/** How many recolouring times root.__nbvizStats keeps. */
const STATS_KEPT = 50;
/** How the quantity select names the states it knows. */
const QUANTITY_NAMES = /** @type {Record<string, string>} */ ({ cell: "cell state c", hidden: "hidden state h" });

/** One rendering of a CellViewer model into `el`. */
class CellViewerView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "CellViewer", className: "nbviz-cell-viewer", parts: ["text", "saturation"] });
    // recolouredAt: performance.now() at the end of the last recolouring (the benchmark
    // times a click in the list to it)
    this.stats = { recolourMs: /** @type {number[]} */ ([]), recolouredAt: 0 };
    this.root.__nbvizStats = this.stats;
    this.text = this.addPanel(
      "text",
      new TextPanel(this, { onBrush: (span) => this.brushed(span), onPickStrip: (k) => this.pickStrip(k) }),
    );
    this.list = new CellList(this, { onPick: (index) => this.write("cell", index) });
    this.saturation = this.addPanel("saturation", new SaturationPlot(this));
    this.buildControls();
    const body = h("div", "nbviz-cell-viewer-body", {}, [this.text.el, this.list.el]);
    this.root.append(this.statusStrip(), this.controls, body, this.saturation.el);

    this.on("values", () => this.valuesChanged());
    this.on("tracks rank_by", () => this.syncRank());
    this.on("quantities quantity", () => this.syncQuantity());
    this.on("status_text", () => this.syncStatus());
    this.expose({
      /** Client px of the centre of character `offset` (scrolled into view), or null. */
      charPosition: (offset) => this.text.charPosition(Number(offset)),
      /** Client px of the centre of cell `index`'s row in the list, or null. */
      cellRow: (index) => this.list.rowCentre(Number(index)),
      /** The rendered lines' text, joined by "\n". */
      shownText: () => this.text.shownText(),
      /** Character `offset`'s background colour, or null when it is not rendered. */
      colourAt: (offset) => this.text.colourAt(Number(offset)),
      /** Rendered text lines, list rows, saturation scatters drawn. */
      drawn: () => ({
        lines: this.text.rendered.size,
        cells: this.list.rows.length,
        scatters: this.saturation.drawnPlots,
      }),
      /** Client px of strip row `k` under character `offset` (scrolled into view), or null. */
      stripPosition: (offset, k) => this.text.stripPosition(Number(offset), Number(k)),
    });
    this.syncRank();
    this.syncQuantity();
    this.syncStatus();
    this.schedule();
  }

  buildControls() {
    this.rankSelect = h("select", "nbviz-select nbviz-cell-viewer-rank", { "aria-label": "rank cells by" });
    this.quantitySelect = h("select", "nbviz-select nbviz-cell-viewer-quantity", { "aria-label": "state shown" });
    this.statusEl = h("span", "nbviz-cell-viewer-status", { "aria-live": "polite" });
    this.listen(this.rankSelect, "change", () => this.write("rank_by", this.rankSelect.value));
    this.listen(this.quantitySelect, "change", () => this.write("quantity", this.quantitySelect.value));
    this.controls = h("div", "nbviz-controls nbviz-cell-viewer-controls", {}, [
      h("label", "", { title: "rank the cells by how well they follow a track, or by the brushed span" }, [
        textSpan("rank cells by"),
        this.rankSelect,
      ]),
      h("label", "", { title: "the state that colours the text" }, [textSpan("colour by"), this.quantitySelect]),
      this.statusEl,
    ]);
  }

  syncRank() {
    const tracks = this.model.get("tracks");
    /** @type {[string, string][]} */
    const options = (Array.isArray(tracks) ? tracks.map(String) : []).map((t) => [t, t]);
    options.push(["selection", "the brushed span"]);
    const by = String(this.model.get("rank_by") ?? "");
    if (by && !options.some(([v]) => v === by)) options.unshift([by, by]);
    setOptions(this.rankSelect, options);
    if (this.rankSelect.value !== by) this.rankSelect.value = by;
  }

  syncQuantity() {
    const given = this.model.get("quantities");
    const names = Array.isArray(given) && given.length ? given.map(String) : ["cell", "hidden"];
    setOptions(
      this.quantitySelect,
      names.map((q) => /** @type {[string, string]} */ ([q, QUANTITY_NAMES[q] ?? q])),
    );
    const q = String(this.model.get("quantity") ?? "");
    if (this.quantitySelect.value !== q) this.quantitySelect.value = q;
  }

  syncStatus() {
    const s = this.model.get("status_text");
    this.statusEl.textContent = typeof s === "string" ? s : "";
  }

  /** New values: recolour the rendered text now, and time it. */
  valuesChanged() {
    const t0 = performance.now();
    this.text.readValues();
    this.text.recolour();
    const end = performance.now();
    this.stats.recolouredAt = end;
    const times = this.stats.recolourMs;
    times.push(end - t0);
    if (times.length > STATS_KEPT) times.splice(0, times.length - STATS_KEPT);
  }

  /**
   * A brush ended: a span is written with rank_by = "selection" in one message; a click
   * ([]) clears the selection, rank_by as it was.
   * @param {number[]} span
   */
  brushed(span) {
    // a span already selected (as a list that is a new object) is not written again
    const same = sameSpan(normaliseSelection(this.model.get("selection"), Infinity), span);
    /** @type {Record<string, unknown>} */
    const values = same ? {} : { selection: span };
    if (span.length) values.rank_by = "selection";
    this.writeAll(values);
  }

  /**
   * Strip row `k` was clicked: choose its cell, the k-th of the ranked list.
   * @param {number} k
   */
  pickStrip(k) {
    const cell = parseCells(this.model.get("cells"))[k];
    if (cell) this.write("cell", cell.index);
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(CellViewerView, model, el);
}

export default { render };
