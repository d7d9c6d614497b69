// ImageGrid: a virtualized canvas grid of up to 10,000 small images.
//
// The images are drawn once into a few atlas canvases; the visible canvas is only as
// large as the viewport and, on every scroll, blits just the cells in view. It sits
// `position: sticky` at the top-left of the scroll container, above a spacer that gives
// the scrollbars the full grid's extent, so pointer events land on the canvas itself.
//
// Model (see nbviz/widgets/image_grid.py): images {uint8 (N, H, W, C)}, labels {int32 (N,)}
// or null, class_names [str], cell_size, columns, height, show_labels, selection [int],
// plus the job_* traits of the status strip. Custom message SCROLL_TO {index}.
import { devicePixelRatioNow, fitCanvas, makeCanvas } from "../lib/canvas.js";
import { decodeOptionalArray } from "../lib/codec.js";
import { h } from "../lib/dom.js";
import { SCROLL_TO } from "../lib/messages.js";
import { categoricalColor } from "../lib/palette.js";
import { createTooltip } from "../lib/tooltip.js";
import { mount, View } from "../lib/view.js";
import {
  atlasLayout,
  atlasSlot,
  autoScrollSpeed,
  cellOrigin,
  cellsInRect,
  defaultCellSize,
  gridLayout,
  imageRect,
  indexAt,
  scrollOffsetFor,
  visibleRange,
} from "./layout.js";
import { atlasRGBA, stackShape } from "./pixels.js";
import { brushSelection, clickSelection, normalizeSelection, sameSelection } from "./selection.js";
import "./style.css";

/** Pointer travel, in CSS px, after which a press becomes a brush instead of a click. */
const DRAG_THRESHOLD = 4;
/** Opacity of unselected images while a selection exists. */
const DIM_ALPHA = 0.3;

/**
 * The images as atlas canvases. Returns null when the browser gives no 2-D context
 * (e.g. a DOM without canvas support): the view then lays out but does not draw.
 */
function buildAtlases(images) {
  const shape = stackShape(images.shape);
  const layout = atlasLayout(shape.n, shape.width, shape.height);
  const canvases = [];
  for (let k = 0; k < layout.atlases.length; k++) {
    const { width, height } = layout.atlases[k];
    const canvas = makeCanvas(width, height);
    const ctx = canvas?.getContext?.("2d");
    if (!ctx || typeof ImageData !== "function") return null;
    ctx.putImageData(new ImageData(atlasRGBA(images.data, shape, layout, k), width, height), 0, 0);
    canvases.push(canvas);
  }
  return { layout, canvases, shape };
}

function releaseAtlases(atlases) {
  for (const c of atlases?.canvases ?? []) {
    c.width = 0; // frees the backing store now rather than at garbage collection
    c.height = 0;
  }
}

/** One rendering of an ImageGrid model into `el`; all state lives here, per view. */
class ImageGridView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "ImageGrid", className: "nbviz-image-grid", parts: ["grid"] });
    this.images = null; // decoded {data, shape}
    this.labels = null; // Int32Array or null
    this.atlases = null;
    this.grid = gridLayout({ n: 0, cellSize: 28 });
    this.selection = [];
    this.selected = new Set();
    this.hover = -1;
    this.press = null; // {x, y, clientX, clientY, additive, pointerId, brushing}
    this.brush = null; // {x0, y0, x1, y1} content px
    this.scrollSpeed = { x: 0, y: 0 }; // the brush's auto-scroll, while its pointer is at an edge
    this.dpr = 0;
    this.error = "";

    this.buildDom();
    this.bindModel();
    this.bindDom();
    this.own(() => releaseAtlases(this.atlases));

    this.readModel("images");
  }

  buildDom() {
    this.canvas = h("canvas", "nbviz-image-grid-canvas");
    this.ctx = this.canvas.getContext ? this.canvas.getContext("2d") : null;
    this.spacer = h("div", "nbviz-image-grid-spacer");
    this.scroller = h("div", "nbviz-image-grid-scroller", {
      tabindex: "0",
      role: "listbox",
      "aria-multiselectable": "true",
      "aria-label": "image grid",
    });
    this.scroller.append(this.canvas, this.spacer);
    this.viewport = h("div", "nbviz-image-grid-viewport", {}, [this.scroller]);
    this.tooltip = createTooltip(this.viewport);
    this.own(this.tooltip);
    this.countEl = h("span", "nbviz-image-grid-count");
    this.selectedEl = h("span", "nbviz-image-grid-selected");
    this.footer = h("div", "nbviz-image-grid-footer", {}, [this.countEl, this.selectedEl]);
    this.root.append(this.statusStrip(), this.viewport, this.footer);
  }

  bindModel() {
    this.on("images labels selection", (name) => this.readModel(name));
    this.on("cell_size columns height", () => this.relayout());
    this.on("class_names show_labels", () => this.schedule());
    this.onMessage(SCROLL_TO, (msg) => this.scrollTo(msg.index));
  }

  bindDom() {
    const s = this.scroller;
    this.listen(s, "scroll", () => this.onScroll(), { passive: true });
    this.listen(s, "pointerdown", (e) => this.onPointerDown(e));
    this.listen(s, "pointermove", (e) => this.onPointerMove(e));
    this.listen(s, "pointerup", (e) => this.onPointerUp(e));
    this.listen(s, "pointercancel", () => this.cancelBrush());
    this.listen(s, "pointerleave", () => this.onPointerLeave());
    this.listen(s, "keydown", (e) => this.onKeyDown(e));
    // Re-layout in the next frame, not inside the observer: relayout resizes the viewport,
    // and doing that synchronously would trip "ResizeObserver loop" errors.
    this.watchSize(s, "layout");
  }

  // --- model → view state ----------------------------------------------------------
  /**
   * Read what trait `name` changed. New images make labels and selection of another
   * length stale, so they re-read those and re-lay the grid out; the rest only redraws.
   * @param {string} name
   */
  readModel(name) {
    const all = name === "images";
    if (all) this.readImages();
    if (all || name === "labels") this.readLabels();
    if (all || name === "selection") {
      this.readSelection();
      this.updateSelectedText();
    }
    if (all) this.relayout();
    else this.schedule();
  }

  readImages() {
    releaseAtlases(this.atlases);
    this.atlases = null;
    this.images = null;
    this.error = "";
    try {
      const images = decodeOptionalArray(this.model.get("images"));
      if (images) {
        stackShape(images.shape);
        if (images.dtype !== "uint8") throw new Error(`ImageGrid: images must be uint8, got ${images.dtype}`);
        this.images = images;
        this.atlases = buildAtlases(images);
      }
    } catch (err) {
      this.error = String(err?.message ? err.message : err);
      console.error(err);
    }
  }

  readLabels() {
    this.labels = null;
    const n = this.n;
    try {
      const labels = decodeOptionalArray(this.model.get("labels"));
      // Labels of another length belong to another image set (mid-update); ignore them.
      if (labels && labels.data.length === n) this.labels = labels.data;
    } catch (err) {
      console.error(err);
    }
  }

  readSelection() {
    this.selection = normalizeSelection(this.model.get("selection") ?? [], this.n);
    this.selected = new Set(this.selection);
  }

  get n() {
    return this.images ? this.images.shape[0] : 0;
  }

  labelName(i) {
    if (!this.labels) return "";
    const k = this.labels[i];
    const names = this.model.get("class_names") ?? [];
    return k >= 0 && k < names.length ? String(names[k]) : String(k);
  }

  // --- layout and drawing ---------------------------------------------------------
  /** Lay the grid out again (sizes, data attributes) and redraw. */
  relayout() {
    this.layoutGrid();
    this.schedule();
  }

  layoutGrid() {
    const shape = this.images ? stackShape(this.images.shape) : { height: 14, width: 14 };
    const requested = Number(this.model.get("cell_size")) || 0;
    const cellSize = requested > 0 ? requested : defaultCellSize(shape.height, shape.width);
    this.grid = gridLayout({
      n: this.n,
      cellSize,
      columns: Math.max(0, Number(this.model.get("columns")) || 0),
      availableWidth: this.scroller.clientWidth || this.root.clientWidth,
    });
    const g = this.grid;
    const maxHeight = Math.max(g.pitch, Number(this.model.get("height")) || 400);
    this.viewport.style.height = `${Math.min(maxHeight, Math.max(g.height, g.pitch))}px`;
    // A fixed column count sizes the viewport to the grid (plus the scrollbar gutter).
    const gutter = Math.max(0, this.scroller.offsetWidth - this.scroller.clientWidth);
    this.viewport.style.width = this.model.get("columns") > 0 ? `${g.width + gutter}px` : "";
    this.spacer.style.width = `${g.width}px`;
    this.spacer.style.height = `${g.height}px`;

    const d = this.root.dataset;
    d.n = String(g.n);
    d.columns = String(g.columns);
    d.rows = String(g.rows);
    d.cellSize = String(g.cellSize);
    d.cellPitch = String(g.pitch);
    d.cellInset = String(g.inset);
    d.imageHeight = String(shape.height);
    d.imageWidth = String(shape.width);
    if (this.error) d.error = this.error;
    else delete d.error;

    this.countEl.textContent = this.error || `${g.n.toLocaleString()} images`;
    this.updateSelectedText();
  }

  updateSelectedText() {
    const k = this.selection.length;
    this.selectedEl.textContent = k ? `${k.toLocaleString()} selected (Esc clears)` : "";
    this.root.dataset.selected = String(k);
  }

  /** Match the canvas to the viewport at the device pixel ratio; returns false if unsized. */
  sizeCanvas() {
    const w = this.scroller.clientWidth;
    const hgt = this.scroller.clientHeight;
    const dpr = devicePixelRatioNow();
    if (fitCanvas(this.canvas, w, hgt, dpr) || this.dpr !== dpr) {
      // The spacer starts under the canvas, so the scroll extent is the grid's alone.
      this.spacer.style.marginTop = `${-hgt}px`;
      this.dpr = dpr;
    }
    return w > 0 && hgt > 0;
  }

  /** @param {Set<string>} dirty */
  draw(dirty) {
    if (dirty.has("layout")) this.layoutGrid();
    if (dirty.has("autoScroll")) this.autoScroll();
    this.updateSelectedText();
    const ctx = this.ctx;
    if (!ctx || !this.sizeCanvas()) return;
    const theme = this.theme;
    const g = this.grid;
    const vw = this.scroller.clientWidth;
    const vh = this.scroller.clientHeight;
    const sx = this.scroller.scrollLeft;
    const sy = this.scroller.scrollTop;

    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, vw, vh);
    ctx.imageSmoothingEnabled = false;

    const rows = visibleRange(sy, vh, g.pitch, g.rows);
    const cols = visibleRange(sx, vw, g.pitch, g.columns);
    const showLabels = Boolean(this.model.get("show_labels")) && this.labels !== null;
    const dim = this.selected.size > 0;
    const atl = this.atlases;

    for (let r = rows.first; r < rows.end; r++) {
      for (let c = cols.first; c < cols.end; c++) {
        const i = r * g.columns + c;
        if (i >= g.n) break;
        const rect = imageRect(i, g, atl ? atl.shape.width : 1, atl ? atl.shape.height : 1);
        const x = rect.x - sx;
        const y = rect.y - sy;
        const selected = this.selected.has(i);
        ctx.globalAlpha = dim && !selected ? DIM_ALPHA : 1;
        if (showLabels) {
          ctx.fillStyle = categoricalColor(this.labels[i]);
          ctx.fillRect(x - 2, y - 2, rect.width + 4, rect.height + 4);
        }
        if (atl) {
          const slot = atlasSlot(i, atl.layout);
          const { imageWidth: iw, imageHeight: ih } = atl.layout;
          ctx.drawImage(atl.canvases[slot.atlas], slot.x, slot.y, iw, ih, x, y, rect.width, rect.height);
        }
        if (selected) {
          const o = cellOrigin(i, g);
          ctx.globalAlpha = 1;
          ctx.strokeStyle = theme.text;
          ctx.lineWidth = 2;
          ctx.strokeRect(o.x - sx + 1, o.y - sy + 1, g.pitch - 2, g.pitch - 2);
        }
      }
    }
    ctx.globalAlpha = 1;

    if (this.hover >= 0 && this.hover < g.n && !this.brush) {
      const o = cellOrigin(this.hover, g);
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(o.x - sx + 1, o.y - sy + 1, g.pitch - 2, g.pitch - 2);
    }
    if (this.brush) {
      const b = this.brush;
      const x = Math.min(b.x0, b.x1) - sx;
      const y = Math.min(b.y0, b.y1) - sy;
      const w = Math.abs(b.x1 - b.x0);
      const hh = Math.abs(b.y1 - b.y0);
      ctx.fillStyle = theme.accent;
      ctx.globalAlpha = 0.15;
      ctx.fillRect(x, y, w, hh);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, w, hh);
    }
    this.root.dataset.ready = "true";
  }

  // --- interaction ----------------------------------------------------------------
  /** Content coordinates of a pointer event, and whether it is inside the scroll area. */
  contentPoint(e) {
    const box = this.scroller.getBoundingClientRect();
    const vx = e.clientX - box.left;
    const vy = e.clientY - box.top;
    return {
      x: vx + this.scroller.scrollLeft,
      y: vy + this.scroller.scrollTop,
      vx,
      vy,
      inside: vx >= 0 && vy >= 0 && vx < this.scroller.clientWidth && vy < this.scroller.clientHeight,
    };
  }

  onPointerDown(e) {
    if (e.button !== 0) return;
    const p = this.contentPoint(e);
    if (!p.inside) return; // on a scrollbar
    e.preventDefault(); // no text selection while brushing; focus is given by hand
    this.scroller.focus({ preventScroll: true });
    this.press = {
      x: p.x,
      y: p.y,
      clientX: e.clientX,
      clientY: e.clientY,
      additive: e.shiftKey || e.ctrlKey || e.metaKey,
      pointerId: e.pointerId,
      brushing: false,
    };
    if (this.scroller.setPointerCapture && e.pointerId !== undefined) {
      try {
        this.scroller.setPointerCapture(e.pointerId);
      } catch {
        /* a synthetic pointer cannot be captured; the drag still works inside */
      }
    }
  }

  onPointerMove(e) {
    const p = this.contentPoint(e);
    if (this.press) {
      this.press.clientX = e.clientX;
      this.press.clientY = e.clientY;
      if (!this.press.brushing && Math.hypot(p.x - this.press.x, p.y - this.press.y) >= DRAG_THRESHOLD) {
        this.press.brushing = true;
        this.tooltip.hide();
        this.hover = -1;
      }
      if (this.press.brushing) {
        this.brush = { x0: this.press.x, y0: this.press.y, x1: p.x, y1: p.y };
        this.schedule();
        this.updateAutoScroll(p);
      }
      return;
    }
    const i = p.inside ? indexAt(p.x, p.y, this.grid) : -1;
    if (i !== this.hover) {
      this.hover = i;
      this.scroller.style.cursor = i >= 0 ? "pointer" : "";
      this.schedule();
    }
    if (i >= 0) {
      const name = this.labelName(i);
      this.tooltip.show(name ? `#${i} · ${name}` : `#${i}`, p.vx, p.vy);
    } else {
      this.tooltip.hide();
    }
  }

  onPointerUp(e) {
    const press = this.press;
    if (!press) return;
    this.press = null;
    this.stopAutoScroll();
    const n = this.n;
    let next;
    if (press.brushing) {
      const p = this.contentPoint(e);
      const touched = cellsInRect({ x0: press.x, y0: press.y, x1: p.x, y1: p.y }, this.grid);
      next = brushSelection(this.selection, touched, press.additive, n);
      this.brush = null;
    } else {
      next = clickSelection(this.selection, indexAt(press.x, press.y, this.grid), press.additive, n);
    }
    this.commitSelection(next);
    this.schedule();
  }

  /**
   * While a brush's pointer is near (or past) an edge of the scroll area, scroll towards
   * it every frame; onScroll extends the brush to the content now under the pointer.
   */
  updateAutoScroll(p) {
    const s = this.scroller;
    this.scrollSpeed = { x: autoScrollSpeed(p.vx, s.clientWidth), y: autoScrollSpeed(p.vy, s.clientHeight) };
    if (this.scrollSpeed.x !== 0 || this.scrollSpeed.y !== 0) this.schedule("autoScroll");
  }

  /** One frame's step of the brush's auto-scroll; asks for the next until an end. */
  autoScroll() {
    const s = this.scroller;
    const { x, y } = this.scrollSpeed;
    if (!this.press?.brushing || (x === 0 && y === 0)) return;
    const before = [s.scrollLeft, s.scrollTop];
    s.scrollLeft += x;
    s.scrollTop += y;
    if (s.scrollLeft !== before[0] || s.scrollTop !== before[1]) this.schedule("autoScroll");
  }

  stopAutoScroll() {
    this.scrollSpeed = { x: 0, y: 0 };
  }

  onScroll() {
    if (this.press?.brushing) {
      // The content moved under a still pointer: extend the brush to where it now points.
      const p = this.contentPoint({ clientX: this.press.clientX, clientY: this.press.clientY });
      this.brush = { x0: this.press.x, y0: this.press.y, x1: p.x, y1: p.y };
    }
    this.tooltip.hide();
    this.schedule();
  }

  onPointerLeave() {
    if (this.hover !== -1) {
      this.hover = -1;
      this.schedule();
    }
    this.tooltip.hide();
  }

  cancelBrush() {
    this.press = null;
    this.stopAutoScroll();
    if (this.brush) {
      this.brush = null;
      this.schedule();
    }
  }

  onKeyDown(e) {
    if (e.key !== "Escape") return;
    e.stopPropagation(); // JupyterLab would otherwise leave the cell's edit mode
    this.cancelBrush();
    this.commitSelection([]);
  }

  commitSelection(next) {
    if (sameSelection(next, this.selection)) return;
    this.selection = next;
    this.selected = new Set(next);
    this.write("selection", next);
    this.updateSelectedText();
    this.schedule();
  }

  /** Python's SCROLL_TO: bring image `index` into view. */
  scrollTo(index) {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= this.n) return;
    const g = this.grid;
    const o = cellOrigin(i, g);
    this.scroller.scrollTop = scrollOffsetFor(o.y / g.pitch, this.scroller.clientHeight, g.pitch, g.height);
    this.scroller.scrollLeft = scrollOffsetFor(o.x / g.pitch, this.scroller.clientWidth, g.pitch, g.width);
    this.schedule();
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(ImageGridView, model, el);
}

export default { render };
