// LdamViewer: Langevin Dynamics Activation Maximization chains (arXiv:1812.04604), live.
//
// Python runs MCMC chains that maximize a neuron under a discriminator prior weighted by
// λ (`tradeoff`: 0 = accuracy only, larger = more interpretable) and streams the chains'
// images up to ~30 times a second. The view shows: the job status strip; ▶ Run, the λ
// slider and the sampler's temperature / acceptance; the chains as an image grid, one row
// block per group (neuron); a history scrubber with a "live" button; two trace charts
// (objective activation and log D per chain, bold mean); the top-k real images.
//
// Model (nbviz/widgets/ldam_viewer.py): samples {uint8 [n, H, W, C]} or null, sample_step
// (int), chain_groups {int32 [n]} or null, group_names [str], tradeoff, tradeoff_max
// (floats), temperature (float), acceptance (float 0..1, -1 unknown), traces {float32
// [2, n, L]} or null, trace_steps {int32 [L]} or null, history_len, history_index (ints,
// -1 = live), top_images {uint8 [k, H, W, C]} or null, top_captions [str] (one per top
// image, shown on hover), running (bool), image_scale (px per
// image pixel), height (px of each chart), plus the job_* traits of the status strip.
// The view writes tradeoff and history_index (throttled) and sends {type: "run"}.
//
// Drawing is batched to one animation frame; a new `samples` redraws only the grid, with
// one putImageData into an offscreen atlas and one scaled drawImage per chain.
import { beginPanel, cancelFrame, makeCanvas, makePanel, nextFrame, sizeCanvas, sizeOf, watchSizes } from "../lib/canvas.js";
import { decodeTrait, writeTrait } from "../lib/codec.js";
import { h, listen } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { createStatus } from "../lib/status.js";
import { injectStyle } from "../lib/style.js";
import { onThemeChange, readTheme } from "../lib/theme.js";
import { niceTicks } from "../lib/ticks.js";
import { createTooltip } from "../lib/tooltip.js";
import { throttle } from "../lib/throttle.js";
import {
  atlasOrigin,
  atlasShape,
  chainAt,
  fillAtlas,
  finiteRuns,
  formatValue,
  gridLayout,
  groupChains,
  imageDims,
  linearScale,
  sliderStep,
  stepCaption,
  stepRange,
  traceMean,
  topImageGroups,
  traceRange,
} from "./math.js";

const CSS = `
.nbviz-ldam-viewer { display: flex; flex-direction: column; gap: 6px; max-width: 100%;
  font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: var(--jp-ui-font-color1, #212121); }
.nbviz-ldam-viewer-controls, .nbviz-ldam-viewer-scrub { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; }
.nbviz-ldam-viewer button { font: inherit; padding: 1px 10px; cursor: pointer; border-radius: 2px;
  color: var(--jp-ui-font-color1, #212121); background: var(--jp-layout-color2, #eee);
  border: 1px solid var(--jp-border-color1, #bdbdbd); }
.nbviz-ldam-viewer button:disabled { cursor: default; opacity: 0.5; }
.nbviz-ldam-viewer-live[aria-pressed=true] { color: var(--jp-ui-inverse-font-color1, #fff);
  background: var(--jp-brand-color1, #1976d2); border-color: var(--jp-brand-color1, #1976d2); }
.nbviz-ldam-viewer-slider { display: flex; align-items: center; gap: 6px; color: var(--jp-ui-font-color2, #666); }
.nbviz-ldam-viewer-slider input { width: 180px; accent-color: var(--jp-brand-color1, #1976d2); }
.nbviz-ldam-viewer-value { min-width: 64px; color: var(--jp-ui-font-color1, #212121); font-variant-numeric: tabular-nums; }
.nbviz-ldam-viewer-sampler, .nbviz-ldam-viewer-step { color: var(--jp-ui-font-color2, #666); font-variant-numeric: tabular-nums; }
.nbviz-ldam-viewer-stage { position: relative; overflow: hidden; min-height: 24px;
  background: var(--jp-layout-color0, #fff); border: 1px solid var(--jp-border-color2, #e0e0e0); }
.nbviz-ldam-viewer-stage canvas { position: absolute; left: 0; top: 0; display: block; }
.nbviz-ldam-viewer-grid, .nbviz-ldam-viewer-top { image-rendering: pixelated; }
.nbviz-ldam-viewer-header { position: absolute; display: flex; align-items: center; gap: 5px; height: 16px;
  max-width: calc(100% - 8px); overflow: hidden; white-space: nowrap; text-overflow: ellipsis; pointer-events: none;
  font-weight: 600; }
.nbviz-ldam-viewer-swatch { flex: 0 0 auto; width: 10px; height: 10px; border-radius: 2px; }
.nbviz-ldam-viewer-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
.nbviz-ldam-viewer-panel { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.nbviz-ldam-viewer-panel[hidden] { display: none; }
.nbviz-ldam-viewer-title { font-weight: 600; }
.nbviz-ldam-viewer-empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 8px; text-align: center; pointer-events: none; color: var(--jp-ui-font-color2, #666); }
.nbviz-ldam-viewer-empty[hidden] { display: none; }
.nbviz-ldam-viewer .nbviz-tooltip { max-width: 480px; }
`;

/** Writes to the model at most this often (ms): ≤ 30 per second. */
const SYNC_INTERVAL = 1000 / 30;
/** Chart height when `height` is missing. */
const DEFAULT_HEIGHT = 180;
const GRID_GAP = 6;
const GRID_PAD = 6;
const HEADER_H = 20;
/** Grid width used before the stage is laid out (happy-dom, hidden output). */
const FALLBACK_WIDTH = 640;

/**
 * An offscreen RGBA atlas of an image stack, refilled with one putImageData per update.
 * `update(decoded)` returns the dims or null; `canvas`, `shape` describe the atlas.
 */
function createAtlas() {
  const atlas = { canvas: null, ctx: null, image: null, shape: null, dims: null };
  atlas.update = (arr) => {
    const dims = arr ? imageDims(arr.shape) : null;
    atlas.dims = dims && dims.n > 0 && dims.h > 0 && dims.w > 0 ? dims : null;
    if (!atlas.dims) return null;
    const shape = atlasShape(dims.n, dims.w, dims.h);
    atlas.shape = shape;
    if (typeof ImageData !== "function") return atlas.dims;
    if (!atlas.image || atlas.image.width !== shape.width || atlas.image.height !== shape.height) {
      atlas.image = new ImageData(shape.width, shape.height);
      atlas.canvas = makeCanvas(shape.width, shape.height);
      atlas.ctx = atlas.canvas && atlas.canvas.getContext ? atlas.canvas.getContext("2d") : null;
    }
    if (!atlas.ctx) return atlas.dims;
    fillAtlas(atlas.image.data, arr.data, dims, shape);
    atlas.ctx.putImageData(atlas.image, 0, 0);
    return atlas.dims;
  };
  atlas.ready = () => Boolean(atlas.ctx && atlas.dims);
  return atlas;
}

const num = (v, fallback) => {
  const x = Number(v);
  return v === null || v === undefined || !Number.isFinite(x) ? fallback : x;
};

/** One rendering of an LdamViewer model into `el`. */
class LdamViewerView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.disposers = [];
    this.frame = null;
    this.dirty = { grid: true, charts: true, top: true, history: true };
    this.theme = null;
    this.samples = null;
    this.samplesDims = null;
    this.groups = null;
    this.blocks = [];
    this.layout = null;
    this.traces = null; // {data, n, L}
    this.traceSteps = null;
    this.top = null;
    this.hoverChain = -1;
    this.framesDrawn = 0;
    this.picturesDrawn = 0; // grid draws that showed a new step
    this.lastDrawnStep = null;
    this.sliding = false;
    this.scrubbing = false;
    this.atlasStale = true;
    this.gridAtlas = createAtlas();
    this.topAtlas = createAtlas();

    injectStyle("nbviz-ldam-viewer-style", CSS);
    this.buildDom();
    this.status = createStatus(model);
    this.root.insertBefore(this.status.el, this.controls);
    this.sendTradeoff = throttle((v) => this.writeModel("tradeoff", v), SYNC_INTERVAL);
    this.sendHistory = throttle((k) => this.writeModel("history_index", k), SYNC_INTERVAL);
    this.bindModel();
    this.bindDom();
    this.exposeTestHooks();

    this.readSamples();
    this.readGroups();
    this.readTraces();
    this.readTop();
    this.syncTradeoff();
    this.syncSampler();
    this.syncHistory();
    this.syncRunning();
    this.syncHeight();
    this.schedule();
  }

  buildDom() {
    this.runButton = h("button", "nbviz-ldam-viewer-run", { type: "button", title: "start the chains" });
    this.runButton.textContent = "▶ Run";

    this.tradeoffInput = h("input", "nbviz-ldam-viewer-tradeoff", {
      type: "range",
      min: "0",
      max: "10",
      step: "0.05",
      "aria-label": "λ: discriminator prior weight (0 = accuracy, max = interpretability)",
    });
    const lo = h("span");
    lo.textContent = "accuracy";
    const hi = h("span");
    hi.textContent = "interpretability";
    this.tradeoffValue = h("span", "nbviz-ldam-viewer-value", { "aria-live": "polite" });
    const lambda = h("span");
    lambda.textContent = "λ";
    this.slider = h("label", "nbviz-ldam-viewer-slider", { title: "λ: weight of the discriminator prior" }, [
      lambda,
      lo,
      this.tradeoffInput,
      hi,
      this.tradeoffValue,
    ]);
    this.samplerEl = h("span", "nbviz-ldam-viewer-sampler");
    this.controls = h("div", "nbviz-ldam-viewer-controls", {}, [this.runButton, this.slider, this.samplerEl]);

    this.grid = makePanel("nbviz-ldam-viewer", "chains", "nbviz-ldam-viewer-grid");
    this.grid.el.classList.add("nbviz-ldam-viewer-chains");

    this.scrubber = h("input", "nbviz-ldam-viewer-scrubber", { type: "range", min: "0", max: "0", step: "1", "aria-label": "history frame" });
    this.liveButton = h("button", "nbviz-ldam-viewer-live", { type: "button", "aria-pressed": "true" });
    this.liveButton.textContent = "live";
    this.stepEl = h("span", "nbviz-ldam-viewer-step", { "aria-live": "polite" });
    const histLabel = h("span");
    histLabel.textContent = "history";
    this.scrubRow = h("div", "nbviz-ldam-viewer-scrub", {}, [histLabel, this.scrubber, this.liveButton, this.stepEl]);

    this.activation = makePanel("nbviz-ldam-viewer", "objective activation", "nbviz-ldam-viewer-activation");
    this.logd = makePanel("nbviz-ldam-viewer", "log D (discriminator)", "nbviz-ldam-viewer-logd");
    this.charts = h("div", "nbviz-ldam-viewer-charts", {}, [this.activation.el, this.logd.el]);

    this.topPanel = makePanel("nbviz-ldam-viewer", "top real images", "nbviz-ldam-viewer-top");
    this.topPanel.empty.hidden = true;
    for (const p of [this.grid, this.topPanel]) {
      p.headers = h("div", "nbviz-ldam-viewer-headers");
      p.headerKey = "";
      p.stage.appendChild(p.headers);
    }
    this.tooltip = createTooltip(this.grid.stage);
    this.topTooltip = createTooltip(this.topPanel.stage);
    this.topLayout = null;
    this.topBlocks = [];

    this.panels = [this.grid, this.activation, this.logd, this.topPanel];
    this.root = h("div", "nbviz-ldam-viewer", {}, [this.controls, this.grid.el, this.scrubRow, this.charts, this.topPanel.el]);
    this.el.appendChild(this.root);
  }

  bindModel() {
    const on = (names, fn) => {
      const cb = fn.bind(this);
      for (const name of names.split(" ")) {
        this.model.on(`change:${name}`, cb);
        this.disposers.push(() => this.model.off(`change:${name}`, cb));
      }
    };
    on("samples", () => {
      this.readSamples();
      this.schedule("grid");
    });
    // The step caption and scrubber follow in the drawing frame: while chains run they
    // change with every picture, and DOM changes outside a frame cost a frame of their own.
    on("sample_step history_len", () => {
      if (this.historyIndex >= 0) this.schedule("history", "charts");
      else this.schedule("history");
    });
    on("history_index", () => {
      this.syncHistory();
      this.schedule("charts");
    });
    on("chain_groups group_names", () => {
      this.readGroups();
      this.schedule("grid", "charts", "top");
    });
    on("image_scale", () => this.schedule("grid", "top"));
    on("traces trace_steps", () => {
      this.readTraces();
      this.schedule("charts");
    });
    on("top_images", () => {
      this.readTop();
      this.schedule("top");
    });
    on("tradeoff tradeoff_max", () => this.syncTradeoff());
    on("temperature acceptance", () => this.syncSampler());
    on("running", () => this.syncRunning());
    on("height", () => {
      this.syncHeight();
      this.schedule("charts");
    });
  }

  bindDom() {
    const input = this.tradeoffInput;
    const endSlide = () => {
      this.sendTradeoff.flush();
      this.sliding = false;
    };
    this.disposers.push(
      listen(this.runButton, "click", () => this.onRun()),
      listen(input, "pointerdown", () => (this.sliding = true)),
      listen(input, "input", () => {
        const v = Number(input.value);
        this.tradeoffValue.textContent = formatValue(v);
        this.sendTradeoff.call(v);
      }),
      listen(input, "change", endSlide),
      listen(input, "pointerup", endSlide),
      listen(this.scrubber, "pointerdown", () => (this.scrubbing = true)),
      listen(this.scrubber, "pointerup", () => (this.scrubbing = false)),
      listen(this.scrubber, "input", () => {
        const k = Math.round(Number(this.scrubber.value));
        this.sendHistory.call(k);
      }),
      listen(this.scrubber, "change", () => {
        this.sendHistory.flush();
        this.scrubbing = false;
      }),
      listen(this.liveButton, "click", () => {
        this.sendHistory.cancel();
        this.writeModel("history_index", -1);
      }),
      listen(this.grid.stage, "pointermove", (e) => this.onGridMove(e)),
      listen(this.grid.stage, "pointerleave", () => this.onGridLeave()),
      listen(this.topPanel.stage, "pointermove", (e) => this.onTopMove(e)),
      listen(this.topPanel.stage, "pointerleave", () => this.topTooltip.hide()),
      onThemeChange(() => {
        this.theme = null;
        this.schedule("grid", "charts", "top");
      }),
    );
    // Stage sizes come from a ResizeObserver, so a redraw (up to 30 a second while chains
    // run) never forces a synchronous layout of the notebook.
    const parts = new Map([
      [this.grid.stage, "grid"],
      [this.activation.stage, "charts"],
      [this.logd.stage, "charts"],
      [this.topPanel.stage, "top"],
    ]);
    this.disposers.push(watchSizes(parts.keys(), (el) => this.schedule(parts.get(el))));
    if (typeof ResizeObserver !== "function" && typeof window !== "undefined") {
      this.disposers.push(listen(window, "resize", () => this.schedule("grid", "charts", "top")));
    }
  }

  writeModel(name, value) {
    writeTrait(this.model, name, value);
  }

  onRun() {
    if (this.model.get("running")) return;
    this.model.send({ type: "run" });
  }

  // --- model → view state ----------------------------------------------------------
  decode(name, dtype, check) {
    return decodeTrait(this.model, name, dtype, check, "LdamViewer");
  }


  readSamples() {
    this.atlasStale = true;
    const prevN = this.samplesDims ? this.samplesDims.n : -1;
    this.samples = this.decode("samples", "uint8", (s) => imageDims(s) !== null);
    this.samplesDims = this.samples ? imageDims(this.samples.shape) : null;
    const n = this.samplesDims ? this.samplesDims.n : 0;
    this.root.dataset.chains = String(n);
    if (n !== prevN) this.readGroups();
  }

  readGroups() {
    const g = this.decode("chain_groups", "int32", (s) => s.length === 1);
    this.groups = g ? g.data : null;
    const n = this.samplesDims ? this.samplesDims.n : 0;
    this.blocks = groupChains(n, this.groups, this.model.get("group_names"));
  }

  readTraces() {
    const t = this.decode("traces", "float32", (s) => s.length === 3 && s[0] === 2);
    this.traces = t && t.shape[1] > 0 && t.shape[2] > 0 ? { data: t.data, n: t.shape[1], L: t.shape[2] } : null;
    const steps = this.decode("trace_steps", "int32", (s) => s.length === 1);
    this.traceSteps = steps && this.traces && steps.shape[0] === this.traces.L ? steps.data : null;
  }

  readTop() {
    this.top = this.decode("top_images", "uint8", (s) => imageDims(s) !== null);
    const dims = this.top ? imageDims(this.top.shape) : null;
    this.topPanel.el.hidden = !(dims && dims.n > 0);
  }

  get tradeoffMax() {
    const m = num(this.model.get("tradeoff_max"), 10);
    return m > 0 ? m : 10;
  }

  syncTradeoff() {
    const max = this.tradeoffMax;
    const v = num(this.model.get("tradeoff"), 0);
    this.tradeoffInput.max = String(max);
    this.tradeoffInput.step = String(sliderStep(max));
    if (!this.sliding) {
      this.tradeoffInput.value = String(Math.min(max, Math.max(0, v)));
      this.tradeoffValue.textContent = formatValue(v);
    }
    this.root.dataset.tradeoff = String(v);
  }

  syncSampler() {
    const parts = [];
    const t = this.model.get("temperature");
    if (t !== null && t !== undefined && Number.isFinite(Number(t))) parts.push(`temperature ${formatValue(t)}`);
    const a = num(this.model.get("acceptance"), -1);
    if (a >= 0) parts.push(`acceptance ${(a * 100).toFixed(1)}%`);
    this.samplerEl.textContent = parts.join(" · ");
  }

  get historyIndex() {
    const k = num(this.model.get("history_index"), -1);
    return Number.isInteger(k) && k >= 0 ? k : -1;
  }

  syncHistory() {
    const len = Math.max(0, Math.trunc(num(this.model.get("history_len"), 0)));
    const k = this.historyIndex;
    // Each write below restyles its element even when the value is the same: write changes only.
    const set = (obj, key, value) => {
      if (obj[key] !== value) obj[key] = value;
    };
    set(this.scrubber, "max", String(Math.max(0, len - 1)));
    set(this.scrubber, "disabled", len <= 0);
    if (!this.scrubbing) set(this.scrubber, "value", String(k >= 0 ? Math.min(k, Math.max(0, len - 1)) : Math.max(0, len - 1)));
    if (this.liveButton.getAttribute("aria-pressed") !== String(k < 0)) this.liveButton.setAttribute("aria-pressed", String(k < 0));
    set(this.stepEl, "textContent", stepCaption(this.model.get("sample_step"), k, len));
    set(this.root.dataset, "historyIndex", String(k));
  }

  syncRunning() {
    const running = Boolean(this.model.get("running"));
    this.runButton.disabled = running;
    this.root.dataset.running = String(running);
  }

  syncHeight() {
    const height = Math.max(80, num(this.model.get("height"), DEFAULT_HEIGHT));
    for (const p of [this.activation, this.logd]) p.stage.style.height = `${height}px`;
  }

  get imageScale() {
    const s = Math.round(num(this.model.get("image_scale"), 3));
    return Math.max(1, Math.min(32, s));
  }

  // --- drawing -----------------------------------------------------------------------
  /** Mark parts dirty (all when none named) and draw them on the next animation frame. */
  schedule(...parts) {
    for (const p of parts.length ? parts : ["grid", "charts", "top", "history"]) this.dirty[p] = true;
    if (this.frame === null) {
      this.frame = nextFrame(() => {
        this.frame = null;
        this.draw();
      });
    }
  }

  draw() {
    if (!this.theme) this.theme = readTheme(this.root);
    const dirty = this.dirty;
    this.dirty = { grid: false, charts: false, top: false, history: false };
    if (dirty.history) this.syncHistory();
    if (dirty.grid) this.drawGrid();
    if (dirty.charts) {
      this.drawChart(this.activation, 0);
      this.drawChart(this.logd, 1);
    }
    if (dirty.top) this.drawTop();
    this.root.dataset.ready = "true";
  }

  /** The grid's layout for the current samples, groups, scale and width. */
  computeLayout(blocks, dims, stage) {
    const scale = this.imageScale;
    const width = sizeOf(stage).w || FALLBACK_WIDTH;
    return gridLayout(blocks, { width, cellW: dims.w * scale, cellH: dims.h * scale, gap: GRID_GAP, pad: GRID_PAD, headerH: HEADER_H });
  }

  /** The group names above a panel's blocks (DOM text, so names are never HTML). */
  syncHeaders(p, layout) {
    const headers = layout ? layout.headers : [];
    const key = JSON.stringify(headers.map((hd) => [hd.name, hd.group, hd.x, hd.y]));
    if (key === p.headerKey) return;
    p.headerKey = key;
    p.headers.replaceChildren(
      ...headers.map((hd) => {
        const swatch = h("span", "nbviz-ldam-viewer-swatch");
        swatch.style.background = categoricalColor(hd.group);
        const label = h("span");
        label.textContent = hd.name;
        const el = h("div", "nbviz-ldam-viewer-header", { "data-group": String(hd.group) }, [swatch, label]);
        el.title = hd.name;
        el.style.left = `${hd.x}px`;
        el.style.top = `${hd.y + 1}px`;
        return el;
      }),
    );
  }

  drawGrid() {
    const p = this.grid;
    const dims = this.samplesDims;
    const has = Boolean(dims && dims.n > 0 && dims.h > 0 && dims.w > 0);
    p.empty.hidden = has;
    p.empty.textContent = has ? "" : "No samples yet: press ▶ Run.";
    this.layout = has ? this.computeLayout(this.blocks, dims, p.stage) : null;
    this.syncHeaders(p, this.layout);
    const height = this.layout ? Math.ceil(this.layout.height) : 48;
    if (p.stage.style.height !== `${height}px`) p.stage.style.height = `${height}px`;
    this.root.dataset.step = String(this.model.get("sample_step") ?? "");
    if (!sizeCanvas(p, sizeOf(p.stage).w, height)) return;
    const ctx = beginPanel(p, this.theme);
    if (!ctx || !has) return;
    if (this.atlasStale) {
      this.gridAtlas.update(this.samples);
      this.atlasStale = false;
    }
    this.paintCells(ctx, this.gridAtlas, this.layout, this.hoverChain);
    this.framesDrawn++;
    const step = this.model.get("sample_step");
    if (step !== this.lastDrawnStep) {
      this.lastDrawnStep = step;
      this.picturesDrawn++;
    }
    this.root.dataset.framesDrawn = String(this.framesDrawn);
  }

  paintCells(ctx, atlas, layout, hover) {
    const theme = this.theme;
    const ready = atlas.ready();
    ctx.imageSmoothingEnabled = false;
    ctx.lineWidth = 1;
    for (let i = 0; i < layout.cells.length; i++) {
      const c = layout.cells[i];
      if (!c) continue;
      if (ready) {
        const o = atlasOrigin(i, atlas.dims, atlas.shape);
        ctx.drawImage(atlas.canvas, o.x, o.y, atlas.dims.w, atlas.dims.h, c.x, c.y, c.w, c.h);
      }
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = theme.border;
      ctx.strokeRect(c.x - 0.5, c.y - 0.5, c.w + 1, c.h + 1);
      ctx.globalAlpha = 1;
    }
    const hc = hover >= 0 ? layout.cells[hover] : null;
    if (hc) {
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(hc.x - 2, hc.y - 2, hc.w + 4, hc.h + 4);
    }
  }

  drawTop() {
    const p = this.topPanel;
    const top = this.top;
    const dims = top ? imageDims(top.shape) : null;
    if (!dims || !(dims.n > 0 && dims.h > 0 && dims.w > 0)) return;
    // k images per chain group, in group order: the same blocks and names as the chains.
    const names = this.model.get("group_names");
    const nGroups = Array.isArray(names) ? names.length : 0;
    const groups = topImageGroups(dims.n, nGroups);
    const blocks = groupChains(dims.n, groups, groups ? names : []);
    const layout = this.computeLayout(blocks, dims, p.stage);
    this.topLayout = layout;
    this.topBlocks = blocks;
    this.syncHeaders(p, layout);
    const height = Math.ceil(layout.height);
    p.stage.style.height = `${height}px`;
    if (!sizeCanvas(p, sizeOf(p.stage).w, height)) return;
    const ctx = beginPanel(p, this.theme);
    if (!ctx) return;
    this.topAtlas.update(top);
    this.paintCells(ctx, this.topAtlas, layout, -1);
  }

  chainColor(i) {
    const g = this.groups && this.traces && this.groups.length === this.traces.n ? this.groups[i] : 0;
    return categoricalColor(g);
  }

  drawChart(p, row) {
    const tr = this.traces;
    p.empty.hidden = Boolean(tr);
    p.empty.textContent = tr ? "" : "No traces yet.";
    const size = sizeOf(p.stage);
    if (!sizeCanvas(p, size.w, size.h)) return;
    const ctx = beginPanel(p, this.theme);
    if (!ctx || !tr) return;
    const theme = this.theme;
    const { data, n, L } = tr;
    const steps = this.traceSteps;
    const stepAt = (j) => (steps ? steps[j] : j);
    const xd = stepRange(steps ?? Array.from({ length: L }, (_, j) => j));
    const yd = traceRange(data, n, L, row);
    const box = { left: 48, right: p.w - 10, top: 8, bottom: p.h - 20 };
    if (box.right <= box.left || box.bottom <= box.top) return;
    const x = linearScale(xd, [box.left, box.right]);
    const y = linearScale(yd, [box.bottom, box.top]);

    // Grid, ticks and frame.
    const xt = niceTicks(xd[0], xd[1], Math.max(2, Math.floor((box.right - box.left) / 80)));
    const yt = niceTicks(yd[0], yd[1], Math.max(2, Math.floor((box.bottom - box.top) / 40)));
    ctx.lineWidth = 1;
    ctx.strokeStyle = theme.border;
    ctx.globalAlpha = 0.45;
    ctx.beginPath();
    for (const t of xt) {
      const px = Math.round(x.map(t)) + 0.5;
      ctx.moveTo(px, box.top);
      ctx.lineTo(px, box.bottom);
    }
    for (const t of yt) {
      const py = Math.round(y.map(t)) + 0.5;
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.right, py);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.right - box.left, box.bottom - box.top);
    ctx.fillStyle = theme.textMuted;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xt) ctx.fillText(formatValue(t), x.map(t), box.bottom + 4);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yt) ctx.fillText(formatValue(t), box.left - 4, y.map(t));

    // The step on show when scrubbing history.
    const step = Number(this.model.get("sample_step"));
    if (this.historyIndex >= 0 && Number.isFinite(step) && step >= xd[0] && step <= xd[1]) {
      ctx.strokeStyle = theme.accent;
      ctx.globalAlpha = 0.7;
      ctx.beginPath();
      ctx.moveTo(Math.round(x.map(step)) + 0.5, box.top);
      ctx.lineTo(Math.round(x.map(step)) + 0.5, box.bottom);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    ctx.clip();
    ctx.lineJoin = "round";
    const line = (values, start, width, color, alpha) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.globalAlpha = alpha;
      ctx.beginPath();
      for (const [a, b] of finiteRuns(values, start, L)) {
        ctx.moveTo(x.map(stepAt(a)), y.map(values[start + a]));
        if (b - a === 1) ctx.lineTo(x.map(stepAt(a)) + 0.01, y.map(values[start + a]));
        for (let j = a + 1; j < b; j++) ctx.lineTo(x.map(stepAt(j)), y.map(values[start + j]));
      }
      ctx.stroke();
    };
    const base = row * n * L;
    const thin = n > 16 ? 0.35 : 0.55;
    for (let i = 0; i < n; i++) if (i !== this.hoverChain) line(data, base + i * L, 1, this.chainColor(i), thin);
    line(traceMean(data, n, L, row), 0, 2.5, theme.text, 0.9);
    if (this.hoverChain >= 0 && this.hoverChain < n) line(data, base + this.hoverChain * L, 2, this.chainColor(this.hoverChain), 1);
    ctx.restore();
    ctx.globalAlpha = 1;
  }

  // --- interaction -------------------------------------------------------------------
  localPoint(e, stage = this.grid.stage) {
    const box = stage.getBoundingClientRect();
    return { x: e.clientX - box.left - (stage.clientLeft || 0), y: e.clientY - box.top - (stage.clientTop || 0) };
  }

  /** Hovering a top real image: its group, then its caption (index in the data, activation). */
  onTopMove(e) {
    const pt = this.localPoint(e, this.topPanel.stage);
    const i = chainAt(this.topLayout, pt.x, pt.y);
    if (i < 0) {
      this.topTooltip.hide();
      return;
    }
    const cell = this.topLayout.cells[i];
    const block = this.topBlocks.find((b) => b.group === cell.group);
    const captions = this.model.get("top_captions");
    const caption = Array.isArray(captions) && i < captions.length ? String(captions[i]) : `image ${i}`;
    this.topTooltip.show(block && block.name ? `${block.name} · ${caption}` : caption, pt.x, pt.y);
  }

  /** The last trace column of chain i: {activation, logD} (NaN when unknown). */
  lastTrace(i) {
    const tr = this.traces;
    if (!tr || i >= tr.n) return { activation: NaN, logD: NaN };
    const j = tr.L - 1;
    return { activation: tr.data[i * tr.L + j], logD: tr.data[tr.n * tr.L + i * tr.L + j] };
  }

  chainLabel(i) {
    const cell = this.layout && this.layout.cells[i];
    const block = cell ? this.blocks.find((b) => b.group === cell.group) : null;
    const name = block ? block.name || `group ${block.group}` : "";
    const t = this.lastTrace(i);
    return `chain ${i} · ${name} · activation ${formatValue(t.activation)} · log D ${formatValue(t.logD)}`;
  }

  onGridMove(e) {
    const pt = this.localPoint(e);
    const i = chainAt(this.layout, pt.x, pt.y);
    if (i >= 0) this.tooltip.show(this.chainLabel(i), pt.x, pt.y);
    else this.tooltip.hide();
    if (i !== this.hoverChain) {
      this.hoverChain = i;
      this.schedule("grid", "charts");
    }
  }

  onGridLeave() {
    this.tooltip.hide();
    if (this.hoverChain !== -1) {
      this.hoverChain = -1;
      this.schedule("grid", "charts");
    }
  }

  // --- tests -------------------------------------------------------------------------
  exposeTestHooks() {
    const view = this;
    this.root.__nbvizTest = {
      /** Grid draws so far, and those that showed a new sampler step. */
      counts() {
        return { framesDrawn: view.framesDrawn, picturesDrawn: view.picturesDrawn };
      },
      /** Client px of the centre of top real image i, or null. */
      topImagePosition(i) {
        const c = view.topLayout && view.topLayout.cells[i];
        if (!c) return null;
        const stage = view.topPanel.stage;
        const box = stage.getBoundingClientRect();
        return { x: box.left + (stage.clientLeft || 0) + c.x + c.w / 2, y: box.top + (stage.clientTop || 0) + c.y + c.h / 2 };
      },
      /** Client px of the centre of chain i's image, or null. */
      chainPosition(i) {
        const c = view.layout && view.layout.cells[i];
        if (!c) return null;
        const box = view.grid.stage.getBoundingClientRect();
        return {
          x: box.left + (view.grid.stage.clientLeft || 0) + c.x + c.w / 2,
          y: box.top + (view.grid.stage.clientTop || 0) + c.y + c.h / 2,
        };
      },
    };
  }

  destroy() {
    if (this.frame !== null) cancelFrame(this.frame);
    this.frame = null;
    // A slider move still waiting for its slot is written now (the last value wins).
    this.sendTradeoff.flush();
    this.sendHistory.flush();
    for (const dispose of this.disposers.splice(0)) dispose();
    this.status.destroy();
    this.tooltip.destroy();
    this.topTooltip.destroy();
    this.gridAtlas = null;
    this.topAtlas = null;
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
  const view = new LdamViewerView(model, el);
  return () => view.destroy();
}

export default { render };
