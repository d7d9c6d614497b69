// MaskExplorer: the lottery-ticket view (Frankle et al., arXiv:1905.01067) of an iterative
// magnitude-pruning run, filled live by a background job.
//
// Four canvas panels, redrawn together on the next animation frame after any change:
// (1) accuracy vs weights remaining (log x, one line per variant, the dense net dashed;
// click a dot to select its round), (2) the selected round/layer's mask as a mosaic of
// tiles, (3) initial vs final weight of a subsample, kept and pruned, (4) a heatmap of
// mask overlaps (Jaccard) across rounds or pruning criteria.
//
// Model (nbviz/widgets/mask_explorer.py): records [{round, density, accuracy: {variant:
// acc}}], variants [str], dense_accuracy (float, -1 unknown), round (int, -1 none), layer
// (str), layers [str], mask_image {uint8 [H, W]} or null (0 pruned, 255 kept), mask_tiles
// [tile_h, tile_w, rows, cols, gap] or [], mask_caption (str), weights {float32 [m, 2]} or
// null, kept {uint8 [m]} or null, overlap {float32 [k, k]} or null, overlap_labels [str],
// overlap_mode ("rounds" | "criteria"), height (px of each panel), plus the job_* traits
// of the status strip. The view writes round, layer and overlap_mode.
import { beginPanel, cancelFrame, makePanel, nextFrame, sizeCanvas } from "../lib/canvas.js";
import { decodeTrait, writeTrait } from "../lib/codec.js";
import { h, listen } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { createStatus } from "../lib/status.js";
import { injectStyle } from "../lib/style.js";
import { onThemeChange, readTheme } from "../lib/theme.js";
import { niceTicks } from "../lib/ticks.js";
import { createTooltip } from "../lib/tooltip.js";
import {
  accuracyDomain,
  cleanRecords,
  densityDomain,
  densityTickLabel,
  densityTicks,
  fitRect,
  formatPercent,
  heatmapCellAt,
  heatmapCells,
  linearScale,
  logScale,
  nearestDot,
  parseTiles,
  plotDots,
  symmetricLimit,
  tileAt,
  tileKeptFraction,
  tileOrigin,
} from "./math.js";

const CSS = `
.nbviz-mask-explorer { display: flex; flex-direction: column; gap: 4px; max-width: 100%;
  font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: var(--jp-ui-font-color1, #212121); }
.nbviz-mask-explorer-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; }
.nbviz-mask-explorer-controls label { display: flex; align-items: center; gap: 4px; color: var(--jp-ui-font-color2, #666); }
.nbviz-mask-explorer-controls select, .nbviz-mask-explorer-controls button { font: inherit; border-radius: 2px;
  color: var(--jp-ui-font-color1, #212121); background: var(--jp-layout-color2, #eee);
  border: 1px solid var(--jp-border-color1, #bdbdbd); }
.nbviz-mask-explorer-controls button { padding: 1px 8px; cursor: pointer; }
.nbviz-mask-explorer-toggle { display: flex; align-items: center; gap: 0; }
.nbviz-mask-explorer-toggle > span { margin-right: 4px; color: var(--jp-ui-font-color2, #666); }
.nbviz-mask-explorer-toggle button + button { border-left: none; }
.nbviz-mask-explorer-toggle button[aria-pressed=true] { color: var(--jp-ui-inverse-font-color1, #fff);
  background: var(--jp-brand-color1, #1976d2); border-color: var(--jp-brand-color1, #1976d2); }
.nbviz-mask-explorer-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
.nbviz-mask-explorer-panel { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.nbviz-mask-explorer-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; min-height: 18px; }
.nbviz-mask-explorer-title { font-weight: 600; }
.nbviz-mask-explorer-caption { color: var(--jp-ui-font-color2, #666); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nbviz-mask-explorer-legend { display: flex; flex-wrap: wrap; gap: 2px 10px; color: var(--jp-ui-font-color2, #666); }
.nbviz-mask-explorer-legend > span { display: inline-flex; align-items: center; gap: 4px; }
.nbviz-mask-explorer-swatch { width: 14px; height: 3px; display: inline-block; border-radius: 1px; }
.nbviz-mask-explorer-swatch[data-shape=dot] { width: 8px; height: 8px; border-radius: 50%; }
.nbviz-mask-explorer-swatch[data-shape=dash] { height: 0; border-top: 2px dashed var(--jp-ui-font-color2, #666); }
.nbviz-mask-explorer-stage { position: relative; overflow: hidden; outline: none;
  background: var(--jp-layout-color0, #fff); border: 1px solid var(--jp-border-color2, #e0e0e0); }
.nbviz-mask-explorer-stage:focus-visible { border-color: var(--jp-brand-color1, #1976d2); }
.nbviz-mask-explorer-stage canvas { position: absolute; inset: 0; display: block; }
.nbviz-mask-explorer-mask { image-rendering: pixelated; }
.nbviz-mask-explorer-empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 8px; text-align: center; pointer-events: none; color: var(--jp-ui-font-color2, #666); }
.nbviz-mask-explorer-empty[hidden] { display: none; }
`;

/** CSS px within which hover / click finds a plot dot. */
const PICK_RADIUS = 12;
/** Smallest heatmap cell (CSS px) that gets its value written in it. */
const MIN_VALUE_CELL = 30;
const KEPT_COLOR = categoricalColor(0);
const PRUNED_COLOR = categoricalColor(1);

/** A titled canvas panel of this view, with its tooltip. */
function panel(title, canvasClass) {
  const p = makePanel("nbviz-mask-explorer", title, canvasClass);
  p.tooltip = createTooltip(p.stage);
  return p;
}

/** Pointer position in a panel's CSS px. */
function localPoint(p, e) {
  const box = p.canvas.getBoundingClientRect();
  return { x: e.clientX - box.left, y: e.clientY - box.top };
}

/** `text` cut with an ellipsis to fit `maxWidth` px. */
function fitText(ctx, text, maxWidth) {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > maxWidth) s = s.slice(0, -1);
  return `${s}…`;
}

const asStrings = (v) => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** One rendering of a MaskExplorer model into `el`. */
class MaskExplorerView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.disposers = [];
    this.frame = null;
    this.theme = null;
    this.records = [];
    this.variants = [];
    this.mask = null; // {data, shape}
    this.tiles = null;
    this.maskTint = null; // canvas: the mask in the theme's text colour, transparent where pruned
    this.weights = null;
    this.kept = null;
    this.overlap = null;
    this.dots = [];
    this.hoverDot = null;
    this.hoverTile = -1;
    this.plotLayout = null;
    this.maskRect = null;
    this.heatCells = null;

    injectStyle("nbviz-mask-explorer-style", CSS);
    this.buildDom();
    this.status = createStatus(model);
    this.root.insertBefore(this.status.el, this.controls);
    this.bindModel();
    this.bindDom();
    this.exposeTestHooks();

    this.readRecords();
    this.readMask();
    this.readWeights();
    this.readOverlap();
    this.syncLayers();
    this.syncRound();
    this.syncOverlapMode();
    this.syncHeight();
    this.buildPlotLegend();
    this.schedule();
  }

  buildDom() {
    this.layerSelect = h("select", "nbviz-mask-explorer-layer", { "aria-label": "layer" });
    const layerLabel = h("label", "", {}, [document.createTextNode("layer"), this.layerSelect]);
    this.roundEl = h("span", "nbviz-mask-explorer-round", { "aria-live": "polite" });
    const toggleLabel = h("span");
    toggleLabel.textContent = "overlap across";
    this.modeButtons = ["rounds", "criteria"].map((mode) => {
      const b = h("button", "", { type: "button", "data-mode": mode, "aria-pressed": "false" });
      b.textContent = mode;
      return b;
    });
    this.toggle = h("div", "nbviz-mask-explorer-toggle", { role: "group", "aria-label": "overlap mode" }, [toggleLabel, ...this.modeButtons]);
    this.controls = h("div", "nbviz-mask-explorer-controls", {}, [layerLabel, this.roundEl, this.toggle]);

    this.plot = panel("Accuracy vs weights remaining", "nbviz-mask-explorer-plot");
    this.plotLegend = h("div", "nbviz-mask-explorer-legend");
    this.plot.head.appendChild(this.plotLegend);
    this.plot.stage.setAttribute("tabindex", "0");
    this.plot.stage.setAttribute("aria-label", "accuracy plot: click a dot or use the arrow keys to select a round");

    this.maskPanel = panel("Mask", "nbviz-mask-explorer-mask");
    this.captionEl = h("span", "nbviz-mask-explorer-caption");
    this.maskPanel.head.appendChild(this.captionEl);

    this.weightsPanel = panel("Initial vs final weight", "nbviz-mask-explorer-weights");
    this.weightsLegend = h("div", "nbviz-mask-explorer-legend");
    this.weightsPanel.head.appendChild(this.weightsLegend);

    this.overlapPanel = panel("Mask overlap (Jaccard)", "nbviz-mask-explorer-overlap");

    this.panels = [this.plot, this.maskPanel, this.weightsPanel, this.overlapPanel];
    this.grid = h("div", "nbviz-mask-explorer-grid", {}, this.panels.map((p) => p.el));
    this.root = h("div", "nbviz-mask-explorer", {}, [this.controls, this.grid]);
    this.el.appendChild(this.root);
  }

  bindModel() {
    const on = (event, fn) => {
      const cb = fn.bind(this);
      this.model.on(event, cb);
      this.disposers.push(() => this.model.off(event, cb));
    };
    on("change:records", () => {
      this.readRecords();
      this.syncRound();
      this.schedule();
    });
    on("change:variants", () => {
      this.readRecords();
      this.buildPlotLegend();
      this.schedule();
    });
    on("change:dense_accuracy", () => {
      this.buildPlotLegend();
      this.schedule();
    });
    on("change:round", () => {
      this.syncRound();
      this.schedule();
    });
    on("change:layer", () => this.syncLayers());
    on("change:layers", () => this.syncLayers());
    on("change:mask_image", () => {
      this.readMask();
      this.schedule();
    });
    on("change:mask_tiles", () => {
      this.readMask();
      this.schedule();
    });
    on("change:mask_caption", () => this.syncCaption());
    on("change:weights", () => {
      this.readWeights();
      this.schedule();
    });
    on("change:kept", () => {
      this.readWeights();
      this.schedule();
    });
    on("change:overlap", () => {
      this.readOverlap();
      this.schedule();
    });
    on("change:overlap_labels", () => this.schedule());
    on("change:overlap_mode", () => this.syncOverlapMode());
    on("change:height", () => {
      this.syncHeight();
      this.schedule();
    });
  }

  bindDom() {
    const plot = this.plot.stage;
    this.disposers.push(
      listen(this.layerSelect, "change", () => this.writeModel("layer", this.layerSelect.value)),
      ...this.modeButtons.map((b) => listen(b, "click", () => this.writeModel("overlap_mode", b.dataset.mode))),
      listen(plot, "pointermove", (e) => this.onPlotMove(e)),
      listen(plot, "pointerleave", () => this.onPlotLeave()),
      listen(plot, "click", (e) => this.onPlotClick(e)),
      listen(plot, "keydown", (e) => this.onPlotKey(e)),
      listen(this.maskPanel.stage, "pointermove", (e) => this.onMaskMove(e)),
      listen(this.maskPanel.stage, "pointerleave", () => this.onMaskLeave()),
      listen(this.overlapPanel.stage, "pointermove", (e) => this.onOverlapMove(e)),
      listen(this.overlapPanel.stage, "pointerleave", () => this.overlapPanel.tooltip.hide()),
      onThemeChange(() => {
        this.theme = null;
        this.maskTint = null;
        this.schedule();
      }),
    );
    if (typeof ResizeObserver === "function") {
      const ro = new ResizeObserver(() => this.schedule());
      for (const p of this.panels) ro.observe(p.stage);
      this.disposers.push(() => ro.disconnect());
    } else if (typeof window !== "undefined") {
      this.disposers.push(listen(window, "resize", () => this.schedule()));
    }
  }

  writeModel(name, value) {
    writeTrait(this.model, name, value);
  }

  // --- model → view state ----------------------------------------------------------
  readRecords() {
    this.records = cleanRecords(this.model.get("records"));
    this.variants = asStrings(this.model.get("variants"));
    this.root.dataset.records = String(this.records.length);
  }

  decode(name, dtype, check) {
    return decodeTrait(this.model, name, dtype, check, "MaskExplorer");
  }


  readMask() {
    this.mask = this.decode("mask_image", "uint8", (s) => s.length === 2);
    this.tiles = this.mask ? parseTiles(this.model.get("mask_tiles"), this.mask.shape[0], this.mask.shape[1]) : null;
    this.maskTint = null;
    this.hoverTile = -1;
    this.maskPanel.tooltip.hide();
    this.syncCaption();
  }

  readWeights() {
    this.weights = this.decode("weights", "float32", (s) => s.length === 2 && s[1] === 2);
    const kept = this.decode("kept", "uint8", (s) => s.length === 1);
    this.kept = kept && this.weights && kept.shape[0] === this.weights.shape[0] ? kept.data : null;
    this.buildWeightsLegend();
  }

  readOverlap() {
    this.overlap = this.decode("overlap", "float32", (s) => s.length === 2 && s[0] === s[1]);
  }

  syncLayers() {
    const layers = asStrings(this.model.get("layers"));
    const layer = String(this.model.get("layer") ?? "");
    const current = [...this.layerSelect.options].map((o) => o.value);
    if (current.length !== layers.length || current.some((v, i) => v !== layers[i])) {
      this.layerSelect.replaceChildren(
        ...layers.map((name) => {
          const o = h("option", "", { value: name });
          o.textContent = name;
          return o;
        }),
      );
    }
    this.layerSelect.value = layer;
    this.layerSelect.disabled = layers.length === 0;
    this.root.dataset.layer = layer;
  }

  get selectedRound() {
    const r = Number(this.model.get("round"));
    return Number.isInteger(r) ? r : -1;
  }

  syncRound() {
    const round = this.selectedRound;
    this.root.dataset.round = String(round);
    const rec = this.records.find((r) => r.round === round);
    if (round < 0) this.roundEl.textContent = "round: none (click a dot)";
    else if (rec) this.roundEl.textContent = `round ${round} · ${formatPercent(rec.density)} left`;
    else this.roundEl.textContent = `round ${round}`;
  }

  syncCaption() {
    const caption = String(this.model.get("mask_caption") ?? "");
    this.captionEl.textContent = caption;
    this.captionEl.title = caption;
  }

  syncOverlapMode() {
    const mode = this.model.get("overlap_mode");
    for (const b of this.modeButtons) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    this.root.dataset.overlapMode = String(mode ?? "");
  }

  syncHeight() {
    const height = Math.max(120, Number(this.model.get("height")) || 260);
    for (const p of this.panels) p.stage.style.height = `${height}px`;
  }

  buildPlotLegend() {
    const items = this.variants.map((name, i) => {
      const swatch = h("span", "nbviz-mask-explorer-swatch");
      swatch.style.background = categoricalColor(i);
      const label = h("span");
      label.textContent = name;
      return h("span", "", { "data-variant": name }, [swatch, label]);
    });
    if (Number(this.model.get("dense_accuracy")) >= 0) {
      const label = h("span");
      label.textContent = "dense";
      items.push(h("span", "", { "data-variant": "" }, [h("span", "nbviz-mask-explorer-swatch", { "data-shape": "dash" }), label]));
    }
    this.plotLegend.replaceChildren(...items);
  }

  buildWeightsLegend() {
    const items = [];
    if (this.weights) {
      const m = this.weights.shape[0];
      let nKept = 0;
      if (this.kept) for (let i = 0; i < m; i++) nKept += this.kept[i] ? 1 : 0;
      const entries = this.kept ? [["kept", KEPT_COLOR, nKept], ["pruned", PRUNED_COLOR, m - nKept]] : [["weights", KEPT_COLOR, m]];
      for (const [name, color, n] of entries) {
        const swatch = h("span", "nbviz-mask-explorer-swatch", { "data-shape": "dot" });
        swatch.style.background = color;
        const label = h("span");
        label.textContent = `${name} (${n.toLocaleString()})`;
        items.push(h("span", "", {}, [swatch, label]));
      }
    }
    this.weightsLegend.replaceChildren(...items);
  }

  // --- drawing -----------------------------------------------------------------------
  schedule() {
    if (this.frame === null) {
      this.frame = nextFrame(() => {
        this.frame = null;
        this.draw();
      });
    }
  }

  draw() {
    if (!this.theme) this.theme = readTheme(this.root);
    this.drawPlot();
    this.drawMask();
    this.drawWeights();
    this.drawOverlap();
    this.root.dataset.ready = "true";
  }

  drawPlot() {
    const p = this.plot;
    const theme = this.theme;
    const records = this.records;
    const variants = this.variants;
    const dense = Number(this.model.get("dense_accuracy"));
    const hasData = records.length > 0 && variants.length > 0;
    p.empty.hidden = hasData;
    p.empty.textContent = hasData ? "" : "No finished rounds yet.";
    this.dots = [];
    this.plotLayout = null;
    let drawn = 0;
    if (sizeCanvas(p, p.stage.clientWidth, p.stage.clientHeight)) {
      const box = { left: 44, right: p.w - 12, top: 10, bottom: p.h - 24 };
      const xd = densityDomain(records);
      const yd = accuracyDomain(records, variants, dense);
      const x = logScale(xd, [box.left, box.right]);
      const y = linearScale(yd, [box.bottom, box.top]);
      this.plotLayout = { box, x, y };
      this.dots = hasData ? plotDots(records, variants, x.map, y.map) : [];
      const ctx = beginPanel(p, theme);
      if (ctx) drawn = this.paintPlot(ctx, box, x, y, xd, yd, dense);
    }
    this.root.dataset.pointsDrawn = String(drawn);
  }

  paintPlot(ctx, box, x, y, xd, yd, dense) {
    const theme = this.theme;
    // Grid and ticks.
    ctx.lineWidth = 1;
    ctx.strokeStyle = theme.border;
    ctx.fillStyle = theme.textMuted;
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    const xt = densityTicks(xd);
    const yt = niceTicks(yd[0] * 100, yd[1] * 100, 5);
    for (const t of xt) {
      const px = Math.round(x.map(t)) + 0.5;
      ctx.moveTo(px, box.top);
      ctx.lineTo(px, box.bottom);
    }
    for (const t of yt) {
      const py = Math.round(y.map(t / 100)) + 0.5;
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.right, py);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xt) ctx.fillText(densityTickLabel(t), x.map(t), box.bottom + 5);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yt) ctx.fillText(`${Number(t.toFixed(2))}%`, box.left - 5, y.map(t / 100));
    ctx.strokeStyle = theme.border;
    ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.right - box.left, box.bottom - box.top);

    // Dense reference.
    if (dense >= 0) {
      const py = y.map(dense);
      ctx.save();
      ctx.setLineDash([5, 4]);
      ctx.strokeStyle = theme.textMuted;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.right, py);
      ctx.stroke();
      ctx.restore();
      ctx.fillStyle = theme.textMuted;
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      ctx.fillText(`dense ${formatPercent(dense)}`, box.right - 3, py - 2);
    }

    // Selected round: a vertical guide at its density.
    const round = this.selectedRound;
    const rec = this.records.find((r) => r.round === round);
    if (rec) {
      ctx.strokeStyle = theme.accent;
      ctx.globalAlpha = 0.5;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(x.map(rec.density)) + 0.5, box.top);
      ctx.lineTo(Math.round(x.map(rec.density)) + 0.5, box.bottom);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }

    // One line + dots per variant.
    let drawn = 0;
    this.variants.forEach((variant, i) => {
      const dots = this.dots.filter((d) => d.variantIndex === i);
      const color = categoricalColor(i);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      dots.forEach((d, j) => (j ? ctx.lineTo(d.x, d.y) : ctx.moveTo(d.x, d.y)));
      ctx.stroke();
      for (const d of dots) {
        ctx.beginPath();
        ctx.arc(d.x, d.y, d.round === round ? 5 : 3, 0, 2 * Math.PI);
        ctx.fill();
        if (d.round === round) {
          ctx.strokeStyle = theme.text;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
        drawn++;
      }
    });
    if (this.hoverDot) {
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(this.hoverDot.x, this.hoverDot.y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
    return drawn;
  }

  /** The mask in the theme's text colour (alpha = pixel value), built once per mask/theme. */
  tintedMask() {
    if (this.maskTint || !this.mask || typeof ImageData !== "function") return this.maskTint;
    const [H, W] = this.mask.shape;
    if (!(H > 0 && W > 0)) return null;
    const c = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(W, H) : Object.assign(document.createElement("canvas"), { width: W, height: H });
    const ctx = c.getContext && c.getContext("2d");
    if (!ctx) return null;
    const rgba = new Uint8ClampedArray(W * H * 4);
    const src = this.mask.data;
    for (let i = 0; i < src.length; i++) rgba[4 * i + 3] = src[i];
    ctx.putImageData(new ImageData(rgba, W, H), 0, 0);
    ctx.globalCompositeOperation = "source-in";
    ctx.fillStyle = this.theme.text;
    ctx.fillRect(0, 0, W, H);
    this.maskTint = c;
    return c;
  }

  drawMask() {
    const p = this.maskPanel;
    const mask = this.mask;
    p.empty.hidden = Boolean(mask);
    p.empty.textContent = mask ? "" : "Select a round in the accuracy plot to see its mask.";
    this.maskRect = null;
    if (!sizeCanvas(p, p.stage.clientWidth, p.stage.clientHeight)) return;
    const ctx = beginPanel(p, this.theme);
    if (!mask) return;
    const [H, W] = mask.shape;
    const r = fitRect(W, H, p.w - 8, p.h - 8);
    r.x += 4;
    r.y += 4;
    this.maskRect = r;
    if (!ctx) return;
    const tint = this.tintedMask();
    ctx.strokeStyle = this.theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(r.x - 0.5, r.y - 0.5, r.width + 1, r.height + 1);
    if (tint) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tint, r.x, r.y, r.width, r.height);
    }
    const o = this.hoverTile >= 0 ? tileOrigin(this.tiles, this.hoverTile) : null;
    if (o) {
      ctx.strokeStyle = this.theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(r.x + o.x * r.scale - 1, r.y + o.y * r.scale - 1, this.tiles.tw * r.scale + 2, this.tiles.th * r.scale + 2);
    }
  }

  drawWeights() {
    const p = this.weightsPanel;
    const wts = this.weights;
    const hasData = Boolean(wts && wts.shape[0] > 0);
    p.empty.hidden = hasData;
    p.empty.textContent = hasData ? "" : "No weights for this round and layer.";
    if (!sizeCanvas(p, p.stage.clientWidth, p.stage.clientHeight)) return;
    const ctx = beginPanel(p, this.theme);
    if (!ctx || !hasData) return;
    const theme = this.theme;
    const box = { left: 40, right: p.w - 10, top: 10, bottom: p.h - 22 };
    const L = symmetricLimit(wts.data);
    const x = linearScale([-L, L], [box.left, box.right]);
    const y = linearScale([-L, L], [box.bottom, box.top]);

    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.right - box.left, box.bottom - box.top);
    // Axes through 0 and the y = x diagonal (weights that did not move).
    ctx.beginPath();
    ctx.moveTo(Math.round(x.map(0)) + 0.5, box.top);
    ctx.lineTo(Math.round(x.map(0)) + 0.5, box.bottom);
    ctx.moveTo(box.left, Math.round(y.map(0)) + 0.5);
    ctx.lineTo(box.right, Math.round(y.map(0)) + 0.5);
    ctx.stroke();
    ctx.save();
    ctx.setLineDash([3, 3]);
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    ctx.moveTo(x.map(-L), y.map(-L));
    ctx.lineTo(x.map(L), y.map(L));
    ctx.stroke();
    ctx.restore();

    ctx.fillStyle = theme.textMuted;
    const ticks = niceTicks(-L, L, 4);
    const fmt = (t) => String(Number(t.toPrecision(3)));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of ticks) ctx.fillText(fmt(t), x.map(t), box.bottom + 4);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of ticks) ctx.fillText(fmt(t), box.left - 4, y.map(t));
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText("final ↑  initial →", box.left + 4, box.top + 3);

    // Pruned first, kept on top.
    const m = wts.shape[0];
    const d = wts.data;
    const kept = this.kept;
    const passes = kept ? [[0, PRUNED_COLOR, 0.55], [1, KEPT_COLOR, 0.75]] : [[-1, KEPT_COLOR, 0.75]];
    for (const [want, color, alpha] of passes) {
      ctx.fillStyle = color;
      ctx.globalAlpha = alpha;
      for (let i = 0; i < m; i++) {
        if (want >= 0 && (kept[i] ? 1 : 0) !== want) continue;
        ctx.fillRect(x.map(d[2 * i]) - 1.25, y.map(d[2 * i + 1]) - 1.25, 2.5, 2.5);
      }
    }
    ctx.globalAlpha = 1;
  }

  drawOverlap() {
    const p = this.overlapPanel;
    const ov = this.overlap;
    const k = ov ? ov.shape[0] : 0;
    p.empty.hidden = k > 0;
    p.empty.textContent = k > 0 ? "" : "No overlaps yet (they need two masks).";
    this.heatCells = null;
    if (!sizeCanvas(p, p.stage.clientWidth, p.stage.clientHeight)) return;
    const ctx = beginPanel(p, this.theme);
    if (!(k > 0)) return;
    const theme = this.theme;
    const labels = asStrings(this.model.get("overlap_labels"));
    const label = (i) => labels[i] ?? String(i);
    let labelW = 24;
    if (ctx) for (let i = 0; i < k; i++) labelW = Math.max(labelW, ctx.measureText(label(i)).width + 8);
    labelW = Math.min(labelW, p.w * 0.3);
    const cells = heatmapCells(k, { x: labelW, y: 6, width: p.w - labelW - 6, height: p.h - 6 - 18 });
    this.heatCells = cells;
    if (!ctx) return;
    const s = cells.size;
    const showValues = s >= MIN_VALUE_CELL;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) {
        const v = ov.data[r * k + c];
        const cx = cells.x + c * s;
        const cy = cells.y + r * s;
        if (Number.isFinite(v)) {
          ctx.globalAlpha = Math.min(1, Math.max(0, v));
          ctx.fillStyle = theme.accent;
          ctx.fillRect(cx, cy, s, s);
          ctx.globalAlpha = 1;
        }
        if (showValues) {
          ctx.fillStyle = v > 0.55 ? "#ffffff" : theme.text;
          ctx.fillText(Number.isFinite(v) ? v.toFixed(2) : "–", cx + s / 2, cy + s / 2);
        }
      }
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(cells.x + 0.5, cells.y + 0.5, s * k, s * k);
    // Labels: rows on the left, columns below when they fit.
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "right";
    if (s >= 9) for (let i = 0; i < k; i++) ctx.fillText(fitText(ctx, label(i), labelW - 6), cells.x - 4, cells.y + (i + 0.5) * s);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    if (s >= 18) for (let i = 0; i < k; i++) ctx.fillText(fitText(ctx, label(i), s - 2), cells.x + (i + 0.5) * s, cells.y + k * s + 3);
  }

  // --- interaction -------------------------------------------------------------------
  onPlotMove(e) {
    const pt = localPoint(this.plot, e);
    const dot = nearestDot(this.dots, pt.x, pt.y, PICK_RADIUS);
    if (dot !== this.hoverDot) {
      this.hoverDot = dot;
      this.plot.stage.style.cursor = dot ? "pointer" : "";
      this.schedule();
    }
    if (dot) {
      const text = `round ${dot.round} · ${formatPercent(dot.density)} left · ${dot.variant}: ${formatPercent(dot.accuracy)}`;
      this.plot.tooltip.show(text, pt.x, pt.y);
    } else {
      this.plot.tooltip.hide();
    }
  }

  onPlotLeave() {
    this.plot.tooltip.hide();
    if (this.hoverDot) {
      this.hoverDot = null;
      this.schedule();
    }
  }

  onPlotClick(e) {
    const pt = localPoint(this.plot, e);
    const dot = nearestDot(this.dots, pt.x, pt.y, PICK_RADIUS);
    if (dot) this.writeModel("round", dot.round);
  }

  onPlotKey(e) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const rounds = this.records.map((r) => r.round);
    if (!rounds.length) return;
    e.preventDefault();
    e.stopPropagation();
    const at = rounds.indexOf(this.selectedRound);
    const next = at < 0 ? (e.key === "ArrowRight" ? 0 : rounds.length - 1) : Math.min(rounds.length - 1, Math.max(0, at + (e.key === "ArrowRight" ? 1 : -1)));
    this.writeModel("round", rounds[next]);
  }

  /** Image pixel under a pointer on the mask panel, or null. */
  maskPixel(e) {
    const r = this.maskRect;
    if (!r || !this.mask || !(r.scale > 0)) return null;
    const pt = localPoint(this.maskPanel, e);
    const px = (pt.x - r.x) / r.scale;
    const py = (pt.y - r.y) / r.scale;
    const [H, W] = this.mask.shape;
    if (px < 0 || py < 0 || px >= W || py >= H) return { pt, px: -1, py: -1 };
    return { pt, px, py };
  }

  onMaskMove(e) {
    const hit = this.maskPixel(e);
    const tip = this.maskPanel.tooltip;
    let k = -1;
    if (hit && hit.px >= 0) {
      const [, W] = this.mask.shape;
      if (this.tiles) {
        k = tileAt(this.tiles, hit.px, hit.py);
        if (k >= 0) tip.show(`unit ${k}: ${formatPercent(tileKeptFraction(this.mask.data, W, this.tiles, k))} kept`, hit.pt.x, hit.pt.y);
        else tip.hide();
      } else {
        const row = Math.floor(hit.py);
        const col = Math.floor(hit.px);
        tip.show(`[${row}, ${col}] ${this.mask.data[row * W + col] > 0 ? "kept" : "pruned"}`, hit.pt.x, hit.pt.y);
      }
    } else {
      tip.hide();
    }
    if (k !== this.hoverTile) {
      this.hoverTile = k;
      this.schedule();
    }
  }

  onMaskLeave() {
    this.maskPanel.tooltip.hide();
    if (this.hoverTile !== -1) {
      this.hoverTile = -1;
      this.schedule();
    }
  }

  onOverlapMove(e) {
    const tip = this.overlapPanel.tooltip;
    const pt = localPoint(this.overlapPanel, e);
    const cell = this.overlap ? heatmapCellAt(this.heatCells, pt.x, pt.y) : null;
    if (!cell) {
      tip.hide();
      return;
    }
    const [r, c] = cell;
    const k = this.overlap.shape[0];
    const labels = asStrings(this.model.get("overlap_labels"));
    const v = this.overlap.data[r * k + c];
    tip.show(`${labels[r] ?? r} × ${labels[c] ?? c}: ${Number.isFinite(v) ? v.toFixed(3) : "–"}`, pt.x, pt.y);
  }

  // --- tests -------------------------------------------------------------------------
  exposeTestHooks() {
    const view = this;
    const client = (p, x, y) => {
      const box = p.canvas.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    };
    this.root.__nbvizTest = {
      /** Client px of the dot of `round` for `variant` (default: the first variant), or null. */
      roundDot(round, variant) {
        const name = variant ?? view.variants[0];
        const d = view.dots.find((dot) => dot.round === round && dot.variant === name);
        return d ? client(view.plot, d.x, d.y) : null;
      },
      /** Client px of the centre of mosaic tile k, or null. */
      tilePosition(k) {
        const r = view.maskRect;
        const o = tileOrigin(view.tiles, k);
        if (!r || !o) return null;
        return client(view.maskPanel, r.x + (o.x + view.tiles.tw / 2) * r.scale, r.y + (o.y + view.tiles.th / 2) * r.scale);
      },
    };
  }

  destroy() {
    if (this.frame !== null) cancelFrame(this.frame);
    this.frame = null;
    for (const dispose of this.disposers.splice(0)) dispose();
    this.status.destroy();
    for (const p of this.panels) p.tooltip.destroy();
    this.maskTint = null;
    delete this.root.__nbvizTest;
    this.root.remove();
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: any, el: HTMLElement}} ctx
 * @returns {() => void}
 */
export function render({ model, el }) {
  const view = new MaskExplorerView(model, el);
  return () => view.destroy();
}

export default { render };
