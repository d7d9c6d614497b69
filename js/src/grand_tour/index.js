// GrandTour: a WebGL2 scatter of d-dim points seen through a rotating d×2 projection.
//
// The points [T, n, d] go up once, into a float texture; the vertex shader fetches each
// point's values for the current (fractional) frame and projects them, so every animation
// frame uploads only the projection and a few uniforms (CPU cost O(d³), not O(n)).
// A 2-D overlay canvas draws the axis handles (drag one to steer the view), their names,
// the lasso and the hover ring. Picking and lasso tests run on the CPU, on pointer events.
//
// Model (nbviz/widgets/grand_tour.py): points {float32 [T, n, d]}, labels {int32 [n]} or
// null, class_names, class_colors, dim_names, thumbnails {uint8 [n, h, w, c]} or null,
// predictions {int32 [T, n]} or null, projection [[x, y] × d], zoom, kind ("tour", or
// "scatter": a fixed projection, no tour controls and no axis handles), playing, speed,
// frame, frame_labels, selection, hidden_classes, point_size, height, seed, plus the
// job_* traits of the status strip.
import { cancelFrame, nextFrame } from "../lib/canvas.js";
import { decodeOptionalArray } from "../lib/codec.js";
import { h, listen } from "../lib/dom.js";
import { TABLEAU10, categoricalColor } from "../lib/palette.js";
import { createStatus } from "../lib/status.js";
import { injectStyle } from "../lib/style.js";
import { onThemeChange, readTheme } from "../lib/theme.js";
import { MAX_DIM, createTour } from "../lib/tour.js";
import { packPoints, textureLayout } from "./data_texture.js";
import { byteRowTexture, classBytes, createProgram, floatTexture, parseColor, uniformLocations } from "./gl.js";
import { createHoverCard } from "./hovercard.js";
import { mergeSorted, nearestPoint, pointsInLasso, projectAll } from "./picking.js";
import { FRAGMENT_SHADER, MAX_CHUNKS, VERTEX_SHADER } from "./shaders.js";
import { createFrameStats } from "./stats.js";
import { throttle } from "../lib/throttle.js";
import { deltaToProjection, toScreen, viewTransform } from "./viewport.js";

const CSS = `
.nbviz-grand-tour { display: flex; flex-direction: column; gap: 4px; max-width: 100%;
  font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: var(--jp-ui-font-color1, #212121); }
.nbviz-grand-tour-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.nbviz-grand-tour-controls button { font: inherit; padding: 1px 8px; cursor: pointer; border-radius: 2px; min-width: 64px;
  color: var(--jp-ui-font-color1, #212121); background: var(--jp-layout-color2, #eee);
  border: 1px solid var(--jp-border-color1, #bdbdbd); }
.nbviz-grand-tour-controls label { display: flex; align-items: center; gap: 4px; color: var(--jp-ui-font-color2, #666); }
.nbviz-grand-tour-controls input[type=range] { width: 120px; }
.nbviz-grand-tour-frame-slider { width: 200px !important; }
.nbviz-grand-tour-frame-label { min-width: 80px; color: var(--jp-ui-font-color1, #212121); }
.nbviz-grand-tour-stage { position: relative; outline: none; overflow: hidden; user-select: none; -webkit-user-select: none;
  background: var(--jp-layout-color0, #fff); border: 1px solid var(--jp-border-color2, #e0e0e0); }
.nbviz-grand-tour-stage:focus-visible { border-color: var(--jp-brand-color1, #1976d2); }
.nbviz-grand-tour-canvas, .nbviz-grand-tour-overlay { position: absolute; inset: 0; display: block; }
.nbviz-grand-tour-overlay { touch-action: none; }
.nbviz-grand-tour-error { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 16px; text-align: center; color: var(--jp-error-color1, #d32f2f); }
.nbviz-grand-tour-error[hidden] { display: none; }
.nbviz-grand-tour-legend { display: flex; flex-wrap: wrap; gap: 4px; }
.nbviz-grand-tour-legend button { font: inherit; display: flex; align-items: center; gap: 4px; cursor: pointer;
  padding: 1px 6px; border-radius: 2px; background: transparent; color: var(--jp-ui-font-color1, #212121);
  border: 1px solid var(--jp-border-color2, #e0e0e0); }
.nbviz-grand-tour-legend button[aria-pressed=false] { opacity: 0.4; text-decoration: line-through; }
.nbviz-grand-tour-swatch { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
.nbviz-grand-tour-note { color: var(--jp-warn-color1, #f57c00); }
.nbviz-grand-tour-footer { display: flex; gap: 12px; color: var(--jp-ui-font-color2, #666); }
.nbviz-grand-tour-card { position: absolute; z-index: 10; pointer-events: none; padding: 4px; border-radius: 3px;
  display: flex; flex-direction: column; align-items: center; gap: 2px;
  color: var(--jp-ui-inverse-font-color1, #fff); background: var(--jp-inverse-layout-color1, rgba(33,33,33,0.92)); }
.nbviz-grand-tour-card[hidden] { display: none; }
.nbviz-grand-tour-thumb { image-rendering: pixelated; }
.nbviz-grand-tour-card-text { text-align: center; white-space: nowrap; }
.nbviz-grand-tour-thumb[hidden] { display: none; }
`;

/** Tour time per second at speed 1 (each plane turns θ·rate rad/s, θ ∈ [0.5π, 1.5π]). */
const TOUR_RATE = 0.08;
/** Frames per second of the frame play-through. */
const FRAME_RATE = 1.0;
/** CSS px within which a press grabs an axis knob / hover finds a point. */
const KNOB_RADIUS = 9;
const HOVER_RADIUS = 10;
/** With more dims than this, only the longest axes get a name drawn. */
const MAX_AXIS_LABELS = 16;
/** Writes of projection / frame to Python: at most this often (ms). */
const SYNC_INTERVAL = 34;
/** The longest the view stops drawing while announced points are on their way (ms). */
const HOLD_MS = 3000;
/** Range of the zoom the mouse wheel sets (the Python trait allows 0.1..100). */
const ZOOM_MIN = 0.25;
const ZOOM_MAX = 40;


/** The projection trait (list of [x, y] rows) as a Float64Array(2d), or null if unusable. */
function readProjection(value, d) {
  if (!Array.isArray(value) || value.length !== d) return null;
  const out = new Float64Array(2 * d);
  for (let r = 0; r < d; r++) {
    const row = value[r];
    if (!Array.isArray(row) || row.length !== 2) return null;
    out[2 * r] = Number(row[0]);
    out[2 * r + 1] = Number(row[1]);
    if (!Number.isFinite(out[2 * r]) || !Number.isFinite(out[2 * r + 1])) return null;
  }
  return out;
}

const projectionRows = (p, d) => Array.from({ length: d }, (_, r) => [p[2 * r], p[2 * r + 1]]);

/** One rendering of a GrandTour model into `el`. */
class GrandTourView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.disposers = [];
    this.raf = null;
    this.lastTime = null;
    this.gl = null;
    this.glObjects = null;
    this.data = null; // {points: Float32Array, frames, n, d}
    this.labels = null;
    this.thumbs = null;
    this.predictions = null;
    this.holdUntil = 0; // performance.now() until which drawing waits for announced points
    this.pointer = null; // last pointer position over the plot (stage px), for the hover card
    this.tour = null;
    this.frame = 0;
    this.framesPlaying = false;
    this.selected = new Set();
    this.hidden = new Set();
    this.hover = -1;
    this.press = null; // {mode: "axis"|"lasso", axis, x, y, path, additive}
    this.hoverKnob = -1;
    this.theme = null;
    this.dpr = 1;
    this.size = { w: 0, h: 0 };
    this.xyCache = null;
    this.lastSentProjection = null;
    this.lastSentFrame = null;
    this.stats = createFrameStats(240);

    injectStyle("nbviz-grand-tour-style", CSS);
    this.buildDom();
    this.status = createStatus(model);
    this.root.insertBefore(this.status.el, this.controls);
    this.sendProjection = throttle((rows) => this.writeModel("projection", rows), SYNC_INTERVAL);
    this.sendFrame = throttle((f) => this.writeModel("frame", f), SYNC_INTERVAL);
    this.sendZoom = throttle((z) => this.writeModel("zoom", z), SYNC_INTERVAL);
    this.bindModel();
    this.bindDom();
    this.initGL();
    this.readAll();
    this.exposeTestHooks();
  }

  // --- DOM --------------------------------------------------------------------------
  buildDom() {
    this.playButton = h("button", "nbviz-grand-tour-play", { type: "button", "aria-label": "play or pause the tour" });
    this.speedInput = h("input", "nbviz-grand-tour-speed", { type: "range", min: "0", max: "4", step: "0.05", "aria-label": "tour speed" });
    this.framePlayButton = h("button", "nbviz-grand-tour-frame-play", { type: "button", "aria-label": "play through the frames" });
    this.frameInput = h("input", "nbviz-grand-tour-frame-slider", { type: "range", min: "0", max: "0", step: "0.01", "aria-label": "frame" });
    this.frameLabel = h("span", "nbviz-grand-tour-frame-label");
    const speedLabel = h("label", "", {}, [document.createTextNode("speed"), this.speedInput]);
    this.frameGroup = h("label", "nbviz-grand-tour-frame-group", {}, [this.framePlayButton, this.frameInput, this.frameLabel]);
    this.controls = h("div", "nbviz-grand-tour-controls", {}, [this.playButton, speedLabel, this.frameGroup]);

    this.canvas = h("canvas", "nbviz-grand-tour-canvas");
    this.overlay = h("canvas", "nbviz-grand-tour-overlay");
    this.message = h("div", "nbviz-grand-tour-error", { role: "alert" });
    this.message.hidden = true;
    this.stage = h("div", "nbviz-grand-tour-stage", { tabindex: "0", "aria-label": "grand tour scatter plot" }, [
      this.canvas, this.overlay, this.message,
    ]);
    this.card = createHoverCard(this.stage);
    this.legend = h("div", "nbviz-grand-tour-legend");
    this.info = h("span", "nbviz-grand-tour-info");
    this.selectedEl = h("span", "nbviz-grand-tour-selected");
    this.footer = h("div", "nbviz-grand-tour-footer", {}, [this.info, this.selectedEl]);
    this.root = h("div", "nbviz-grand-tour", {}, [this.controls, this.stage, this.legend, this.footer]);
    this.el.appendChild(this.root);
  }

  showMessage(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
    if (text) this.root.dataset.error = text;
    else delete this.root.dataset.error;
  }

  bindModel() {
    const on = (event, fn) => {
      const cb = fn.bind(this);
      this.model.on(event, cb);
      this.disposers.push(() => this.model.off(event, cb));
    };
    on("change:points", () => {
      this.root.dataset.pointsReceivedAt = String(Date.now()); // for the benchmarks
      this.holdUntil = 0;
      this.readAll();
    });
    on("msg:custom", (msg) => {
      // Python is about to send large points: draw nothing until they arrive (at most
      // HOLD_MS), so that a software-rendered tour leaves the CPU to their delivery.
      if (msg && msg.type === "points_incoming") this.holdUntil = performance.now() + HOLD_MS;
    });
    on("change:labels", () => {
      this.readLabels();
      this.uploadLabels();
      this.buildLegend();
      this.schedule();
    });
    on("change:class_names", () => this.buildLegend());
    on("change:class_colors", () => {
      this.uploadClasses();
      this.buildLegend();
      this.schedule();
    });
    on("change:predictions", () => this.readPredictions());
    on("change:zoom", () => {
      if (Number(this.model.get("zoom")) === this.lastSentZoom) return;
      this.xyCache = null;
      this.schedule();
    });
    on("change:thumbnails", () => this.readThumbnails());
    on("change:dim_names", () => this.schedule());
    on("change:projection", () => this.readModelProjection());
    // Python set the projection the model already holds: go there (the tour has moved on).
    on("change:_projection_set", () => this.readModelProjection(true));
    on("change:playing", () => this.syncControls());
    on("change:speed", () => this.syncControls());
    on("change:kind", () => this.syncControls());
    on("change:frame", () => this.readModelFrame());
    on("change:frame_labels", () => this.syncControls());
    on("change:selection", () => this.readSelection());
    on("change:hidden_classes", () => this.readHidden());
    on("change:point_size", () => this.schedule());
    on("change:height", () => this.resize());
    on("change:seed", () => {
      if (this.tour) this.tour.reseed(Number(this.model.get("seed")) || 0);
    });
  }

  bindDom() {
    const o = this.overlay;
    this.disposers.push(
      listen(this.playButton, "click", () => this.togglePlaying()),
      listen(this.speedInput, "input", () => this.writeModel("speed", Number(this.speedInput.value))),
      listen(this.framePlayButton, "click", () => this.toggleFramePlay()),
      listen(this.frameInput, "input", () => {
        this.framesPlaying = false;
        this.setFrame(Number(this.frameInput.value), true);
      }),
      listen(o, "pointerdown", (e) => this.onPointerDown(e)),
      listen(o, "pointermove", (e) => this.onPointerMove(e)),
      listen(o, "pointerup", (e) => this.onPointerUp(e)),
      listen(o, "pointercancel", () => this.cancelPress()),
      listen(o, "pointerleave", () => this.onPointerLeave()),
      listen(o, "wheel", (e) => this.onWheel(e), { passive: false }),
      listen(this.stage, "keydown", (e) => {
        if (e.key !== "Escape") return;
        e.stopPropagation(); // JupyterLab would otherwise leave the cell's edit mode
        this.cancelPress();
        this.writeModel("selection", []);
        this.readSelection();
      }),
      listen(this.canvas, "webglcontextlost", (e) => {
        e.preventDefault();
        this.glObjects = null;
        this.showMessage("The WebGL context was lost; it is restored when the browser allows.");
      }),
      listen(this.canvas, "webglcontextrestored", () => {
        this.showMessage("");
        this.initGL();
        this.uploadAll();
      }),
      onThemeChange(() => {
        this.theme = null;
        this.buildLegend();
        this.schedule();
      }),
    );
    if (typeof ResizeObserver === "function") {
      const ro = new ResizeObserver(() => this.schedule());
      ro.observe(this.stage);
      this.disposers.push(() => ro.disconnect());
    }
  }

  /**
   * The ▶/❚❚ button. Pausing here also writes the view the user now sees to Python's
   * `projection`. (A pause set from Python writes nothing: Python may set a projection
   * right after, and a write from here could overtake it.)
   */
  togglePlaying() {
    const playing = !this.model.get("playing");
    this.writeModel("playing", playing);
    if (!playing && this.tour) {
      this.sendProjection.cancel();
      this.writeModel("projection", projectionRows(this.tour.projection(), this.tour.d));
    }
  }

  writeModel(name, value) {
    if (name === "projection") this.lastSentProjection = value;
    if (name === "frame") this.lastSentFrame = value;
    if (name === "zoom") this.lastSentZoom = value;
    this.model.set(name, value);
    this.model.save_changes();
  }

  // --- WebGL ------------------------------------------------------------------------
  initGL() {
    // No MSAA: the points are already smoothed in the fragment shader, and multisampling
    // cost 2-4x the frame time under software WebGL (measured at 100k points).
    const gl = this.canvas.getContext ? this.canvas.getContext("webgl2", { antialias: false, premultipliedAlpha: true }) : null;
    this.gl = gl;
    this.root.dataset.webgl = gl ? "2" : "none";
    if (!gl) {
      this.showMessage(
        "GrandTour needs WebGL2, which this browser does not provide (or has disabled). " +
          "Try another browser, enable hardware acceleration, or use widget.figure() for a static view.",
      );
      return;
    }
    try {
      const prog = createProgram(gl, VERTEX_SHADER, FRAGMENT_SHADER);
      const u = uniformLocations(gl, prog, [
        "u_data", "u_classes", "u_n", "u_chunks", "u_width", "u_f0", "u_f1", "u_mix", "u_classCount",
        "u_proj", "u_scale", "u_size", "u_hasSelection", "u_ring",
      ]);
      const vao = gl.createVertexArray();
      const labelBuffer = gl.createBuffer();
      const selectedBuffer = gl.createBuffer();
      gl.bindVertexArray(vao);
      const aLabel = gl.getAttribLocation(prog, "a_label");
      const aSelected = gl.getAttribLocation(prog, "a_selected");
      gl.bindBuffer(gl.ARRAY_BUFFER, labelBuffer);
      gl.enableVertexAttribArray(aLabel);
      gl.vertexAttribIPointer(aLabel, 1, gl.INT, 0, 0);
      gl.bindBuffer(gl.ARRAY_BUFFER, selectedBuffer);
      gl.enableVertexAttribArray(aSelected);
      gl.vertexAttribPointer(aSelected, 1, gl.UNSIGNED_BYTE, true, 0, 0);
      gl.bindVertexArray(null);
      this.glObjects = {
        prog, u, vao, labelBuffer, selectedBuffer, dataTex: null, classTex: null, layout: null,
        projUniform: new Float32Array(4 * MAX_CHUNKS * 2),
        maxTexture: gl.getParameter(gl.MAX_TEXTURE_SIZE),
      };
    } catch (err) {
      console.error(err);
      this.glObjects = null;
      this.showMessage(String(err.message || err));
    }
  }

  uploadAll() {
    this.uploadPoints();
    this.uploadLabels();
    this.uploadSelection();
    this.uploadClasses();
    this.schedule();
  }

  uploadPoints() {
    const g = this.glObjects;
    const gl = this.gl;
    if (!g || !this.data) return;
    if (g.dataTex) gl.deleteTexture(g.dataTex);
    g.dataTex = null;
    const { points, frames, n, d } = this.data;
    this.awaitingFirstDraw = true;
    try {
      g.layout = textureLayout(frames, n, d, g.maxTexture);
      g.dataTex = floatTexture(gl, 0, g.layout.width, g.layout.height, packPoints(points, frames, n, d, g.layout));
    } catch (err) {
      console.error(err);
      this.showMessage(String(err.message || err));
    }
  }

  uploadLabels() {
    const g = this.glObjects;
    if (!g || !this.data) return;
    const gl = this.gl;
    const labels = this.labels ?? new Int32Array(this.data.n);
    gl.bindBuffer(gl.ARRAY_BUFFER, g.labelBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, labels, gl.STATIC_DRAW);
  }

  uploadSelection() {
    const g = this.glObjects;
    if (!g || !this.data) return;
    const gl = this.gl;
    const flags = new Uint8Array(this.data.n);
    for (const i of this.selected) flags[i] = 255;
    gl.bindBuffer(gl.ARRAY_BUFFER, g.selectedBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, flags, gl.DYNAMIC_DRAW);
  }

  uploadClasses() {
    const g = this.glObjects;
    if (!g) return;
    const count = Math.min(this.classCount(), g.maxTexture);
    g.classCount = Math.max(1, count);
    g.classTex = byteRowTexture(this.gl, 1, classBytes(count, this.hidden, (k) => this.colorOf(k)), g.classTex);
  }

  // --- model → state ----------------------------------------------------------------
  readAll() {
    this.showMessage(this.gl ? "" : this.root.dataset.error || "");
    this.data = null;
    this.xyCache = null;
    try {
      const pts = decodeOptionalArray(this.model.get("points"));
      if (pts) {
        if (pts.dtype !== "float32" || pts.shape.length !== 3) {
          throw new Error(`GrandTour: points must be float32 [T, n, d], got ${pts.dtype} [${pts.shape}]`);
        }
        const [frames, n, d] = pts.shape;
        if (d < 2 || d > MAX_DIM) throw new Error(`GrandTour: d must be 2..${MAX_DIM}, got ${d}`);
        this.data = { points: pts.data, frames, n, d };
      }
    } catch (err) {
      console.error(err);
      this.showMessage(String(err.message || err));
    }
    const d = this.data ? this.data.d : 0;
    if (d && (!this.tour || this.tour.d !== d)) this.tour = createTour(d, Number(this.model.get("seed")) || 0);
    if (!d) this.tour = null;
    this.readLabels();
    this.readThumbnails();
    this.readPredictions();
    this.readSelection(false);
    this.readHidden(false);
    this.readModelProjection();
    this.readModelFrame();
    const ds = this.root.dataset;
    ds.n = String(this.data ? this.data.n : 0);
    ds.d = String(d);
    ds.frames = String(this.data ? this.data.frames : 0);
    this.syncControls();
    this.buildLegend();
    this.uploadAll();
  }

  readLabels() {
    this.labels = null;
    try {
      const labels = decodeOptionalArray(this.model.get("labels"));
      if (labels && this.data && labels.data.length === this.data.n) this.labels = labels.data;
    } catch (err) {
      console.error(err);
    }
  }

  readThumbnails() {
    this.thumbs = null;
    try {
      const t = decodeOptionalArray(this.model.get("thumbnails"));
      if (t && t.dtype === "uint8" && t.shape.length === 4) this.thumbs = t;
    } catch (err) {
      console.error(err);
    }
  }

  readPredictions() {
    this.predictions = null;
    try {
      const p = decodeOptionalArray(this.model.get("predictions"));
      if (p && this.data && p.shape.length === 2 && p.shape[0] === this.data.frames && p.shape[1] === this.data.n) {
        this.predictions = p.data;
      }
    } catch (err) {
      console.error(err);
    }
  }

  readSelection(upload = true) {
    const n = this.data ? this.data.n : 0;
    const sel = (this.model.get("selection") ?? []).filter((i) => Number.isInteger(i) && i >= 0 && i < n);
    this.selected = new Set(sel);
    this.selectedEl.textContent = sel.length ? `${sel.length.toLocaleString()} selected (Esc or a click on empty space clears)` : "";
    this.root.dataset.selected = String(sel.length);
    if (upload) {
      this.uploadSelection();
      this.schedule();
    }
  }

  readHidden(upload = true) {
    this.hidden = new Set((this.model.get("hidden_classes") ?? []).filter((k) => Number.isInteger(k)));
    if (upload) {
      this.uploadClasses();
      this.buildLegend();
      this.schedule();
    }
  }

  readModelProjection(force = false) {
    if (!this.tour) return;
    const value = this.model.get("projection");
    if (value === this.lastSentProjection && !force) return; // our own write, echoed locally
    this.sendProjection.cancel(); // Python's projection wins over a pending write of ours
    const p = readProjection(value, this.tour.d);
    if (p) this.tour.setProjection(p);
    this.schedule();
  }

  readModelFrame() {
    const value = Number(this.model.get("frame")) || 0;
    if (value === this.lastSentFrame) return;
    this.setFrame(value, false);
  }

  setFrame(f, write) {
    const frames = this.data ? this.data.frames : 1;
    this.frame = Math.min(Math.max(Number.isFinite(f) ? f : 0, 0), Math.max(0, frames - 1));
    this.xyCache = null;
    if (write) this.sendFrame.call(Math.round(this.frame * 1000) / 1000);
    if (this.hover >= 0) this.showCard(); // its prediction is per frame
    this.syncFrameControls();
    this.schedule();
  }

  classCount() {
    const names = this.model.get("class_names") ?? [];
    let max = names.length;
    if (this.labels) for (let i = 0; i < this.labels.length; i++) if (this.labels[i] + 1 > max) max = this.labels[i] + 1;
    return Math.max(1, max);
  }

  /** CSS colour of class k: the model's class_colors[k], else the palette's. */
  colorOf(k) {
    const colors = this.model.get("class_colors") ?? [];
    return k >= 0 && k < colors.length && /^#[0-9a-f]{6}$/i.test(colors[k]) ? colors[k] : categoricalColor(k);
  }

  /** Projection units → canvas for the points: the view's mapping times `zoom`. */
  get pointView() {
    const v = this.view;
    const z = Number(this.model.get("zoom"));
    return { ...v, scale: v.scale * (Number.isFinite(z) && z > 0 ? z : 1) };
  }

  className(k) {
    const names = this.model.get("class_names") ?? [];
    return k >= 0 && k < names.length ? String(names[k]) : String(k);
  }

  /** "scatter": a plain 2-D scatter of the projection (t-SNE, ...); no tour, no handles. */
  get isScatter() {
    return this.model.get("kind") === "scatter";
  }

  syncControls() {
    const playing = Boolean(this.model.get("playing"));
    for (const el of [this.playButton, this.speedInput.parentElement]) el.style.display = this.isScatter ? "none" : "";
    this.root.dataset.kind = this.isScatter ? "scatter" : "tour";
    this.playButton.textContent = playing ? "❚❚ tour" : "▶ tour";
    this.playButton.setAttribute("aria-pressed", String(playing));
    this.speedInput.value = String(Number(this.model.get("speed")) || 0);
    const frames = this.data ? this.data.frames : 1;
    this.frameGroup.hidden = frames <= 1;
    this.frameGroup.style.display = frames <= 1 ? "none" : "";
    this.frameInput.max = String(Math.max(0, frames - 1));
    this.syncFrameControls();
    this.lastTime = null;
    this.schedule();
  }

  syncFrameControls() {
    this.framePlayButton.textContent = this.framesPlaying ? "❚❚" : "▶";
    this.frameInput.value = String(this.frame);
    const labels = this.model.get("frame_labels") ?? [];
    const k = Math.round(this.frame);
    this.frameLabel.textContent = labels[k] !== undefined ? String(labels[k]) : `frame ${k}`;
    this.root.dataset.frame = this.frame.toFixed(3);
  }

  toggleFramePlay() {
    this.framesPlaying = !this.framesPlaying;
    const frames = this.data ? this.data.frames : 1;
    if (this.framesPlaying && this.frame >= frames - 1) this.frame = 0;
    if (!this.framesPlaying) this.sendFrame.flush();
    this.lastTime = null;
    this.syncFrameControls();
    this.schedule();
  }

  buildLegend() {
    this.legend.replaceChildren();
    if (!this.labels) return;
    const count = this.classCount();
    const shown = Math.min(count, 100);
    for (let k = 0; k < shown; k++) {
      const swatch = h("span", "nbviz-grand-tour-swatch");
      swatch.style.background = this.colorOf(k);
      const name = h("span");
      name.textContent = this.className(k);
      const b = h("button", "", { type: "button", "aria-pressed": String(!this.hidden.has(k)), "data-class": String(k) }, [swatch, name]);
      b.title = "click to hide or show this class";
      b.addEventListener("click", () => this.toggleClass(k));
      this.legend.appendChild(b);
    }
    if (count > TABLEAU10.length && (this.model.get("class_colors") ?? []).length < count) {
      const note = h("span", "nbviz-grand-tour-note");
      note.textContent = `${count} classes: colours repeat after ${TABLEAU10.length}` + (count > shown ? ` (legend shows ${shown})` : "");
      this.legend.appendChild(note);
    }
  }

  toggleClass(k) {
    const next = new Set(this.hidden);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    this.writeModel("hidden_classes", [...next].sort((a, b) => a - b));
    this.readHidden();
  }

  // --- frame loop -------------------------------------------------------------------
  schedule() {
    if (this.raf === null) this.raf = nextFrame((now) => this.tick(now));
  }

  tick(now) {
    this.raf = null;
    const t0 = performance.now();
    const dt = this.lastTime === null ? 0 : Math.min(0.1, (now - this.lastTime) / 1000);
    this.lastTime = now;
    const playing = Boolean(this.model.get("playing")) && !(this.press && this.press.mode === "axis");
    let animate = false;
    if (this.tour && playing && !this.isScatter) {
      this.tour.advance(dt * TOUR_RATE * (Number(this.model.get("speed")) || 0));
      this.xyCache = null;
      animate = true;
    }
    if (this.framesPlaying && this.data) {
      let f = this.frame + dt * FRAME_RATE;
      if (f >= this.data.frames - 1) {
        f = this.data.frames - 1;
        this.framesPlaying = false;
      }
      this.setFrame(f, true);
      if (!this.framesPlaying) this.sendFrame.flush();
      animate = true;
    }
    if (this.holdUntil && now < this.holdUntil) {
      this.schedule(); // points announced and not yet here: keep time, skip the drawing
      return;
    }
    this.holdUntil = 0;
    this.draw();
    this.stats.push(performance.now() - t0);
    if (animate) this.schedule();
    else this.lastTime = null;
  }

  resize() {
    const height = Math.max(120, Number(this.model.get("height")) || 500);
    this.stage.style.height = `${height}px`;
    const w = this.stage.clientWidth;
    const hh = this.stage.clientHeight;
    const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
    if (w !== this.size.w || hh !== this.size.h || dpr !== this.dpr) {
      for (const c of [this.canvas, this.overlay]) {
        c.width = Math.max(1, Math.round(w * dpr));
        c.height = Math.max(1, Math.round(hh * dpr));
        c.style.width = `${w}px`;
        c.style.height = `${hh}px`;
      }
      this.size = { w, h: hh };
      this.dpr = dpr;
      this.xyCache = null;
    }
    return w > 0 && hh > 0;
  }

  get view() {
    return viewTransform(this.size.w, this.size.h);
  }

  draw() {
    if (!this.resize() || !this.tour || !this.data) return;
    if (!this.theme) this.theme = readTheme(this.root);
    this.drawPoints();
    this.drawOverlay();
    if (this.awaitingFirstDraw && this.glObjects?.dataTex) {
      // Wall-clock time (same clock as Python's time.time()) of the first frame issued
      // with newly arrived points: the benchmarks measure assignment-to-first-frame with it.
      this.awaitingFirstDraw = false;
      this.root.dataset.pointsDrawnAt = String(Date.now());
      this.root.dataset.pointsDrawnN = String(this.data.n);
    }
    this.root.dataset.zoom = (Number(this.model.get("zoom")) || 1).toFixed(4);
    this.root.dataset.ready = "true";
  }

  drawPoints() {
    const g = this.glObjects;
    const gl = this.gl;
    if (!g || !g.dataTex || gl.isContextLost()) return;
    const { frames, n, d } = this.data;
    const v = this.pointView;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(g.prog);
    const p = this.tour.projection();
    g.projUniform.fill(0);
    for (let k = 0; k < 2 * d; k++) g.projUniform[k] = p[k];
    const f0 = Math.floor(this.frame);
    const u = g.u;
    gl.uniform2fv(u.u_proj, g.projUniform);
    gl.uniform1i(u.u_f0, f0);
    gl.uniform1i(u.u_f1, Math.min(f0 + 1, frames - 1));
    gl.uniform1f(u.u_mix, this.frame - f0);
    gl.uniform1i(u.u_n, n);
    gl.uniform1i(u.u_chunks, g.layout.chunks);
    gl.uniform1i(u.u_width, g.layout.width);
    gl.uniform1i(u.u_classCount, g.classCount || 1);
    gl.uniform2f(u.u_scale, (2 * v.scale) / v.w, (2 * v.scale) / v.h);
    gl.uniform1f(u.u_size, Math.max(1, Number(this.model.get("point_size")) || 3) * this.dpr);
    gl.uniform1f(u.u_hasSelection, this.selected.size ? 1 : 0);
    const ring = parseColor(this.theme.text);
    gl.uniform3f(u.u_ring, ring[0] / 255, ring[1] / 255, ring[2] / 255);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, g.dataTex);
    gl.uniform1i(u.u_data, 0);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, g.classTex);
    gl.uniform1i(u.u_classes, 1);
    gl.bindVertexArray(g.vao);
    gl.drawArrays(gl.POINTS, 0, n);
    gl.bindVertexArray(null);
  }

  /** Screen positions (CSS px) of the axis knobs, d rows of (x, y). */
  knobPositions() {
    const p = this.tour.projection();
    const v = this.view;
    const out = new Float64Array(2 * this.tour.d);
    for (let i = 0; i < this.tour.d; i++) {
      const [x, y] = toScreen(v, p[2 * i], p[2 * i + 1]);
      out[2 * i] = x;
      out[2 * i + 1] = y;
    }
    return out;
  }

  dimName(i) {
    const names = this.model.get("dim_names") ?? [];
    return names[i] !== undefined ? String(names[i]) : `x${i}`;
  }

  drawOverlay() {
    const ctx = this.overlay.getContext("2d");
    if (!ctx) return;
    const { w, h: hh } = this.size;
    const theme = this.theme;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, w, hh);
    const v = this.view;
    const d = this.isScatter ? 0 : this.tour.d; // a scatter draws no axis handles
    const knobs = this.isScatter ? new Float64Array(0) : this.knobPositions();
    const lengths = Array.from({ length: d }, (_, i) => Math.hypot(knobs[2 * i] - v.cx, knobs[2 * i + 1] - v.cy));
    const labelled = new Set(
      [...lengths.keys()].sort((a, b) => lengths[b] - lengths[a]).slice(0, MAX_AXIS_LABELS),
    );
    const active = this.press && this.press.mode === "axis" ? this.press.axis : this.hoverKnob;
    ctx.font = `11px ${theme.font}`;
    ctx.textBaseline = "middle";
    for (let i = 0; i < d; i++) {
      const x = knobs[2 * i];
      const y = knobs[2 * i + 1];
      const hot = i === active;
      ctx.globalAlpha = hot ? 1 : 0.55;
      ctx.strokeStyle = hot ? theme.accent : theme.textMuted;
      ctx.lineWidth = hot ? 2 : 1;
      ctx.beginPath();
      ctx.moveTo(v.cx, v.cy);
      ctx.lineTo(x, y);
      ctx.stroke();
      ctx.fillStyle = hot ? theme.accent : theme.textMuted;
      ctx.beginPath();
      ctx.arc(x, y, hot ? 5 : 3.5, 0, 2 * Math.PI);
      ctx.fill();
      if ((labelled.has(i) && lengths[i] > 18) || hot) {
        const ux = lengths[i] > 1e-6 ? (x - v.cx) / lengths[i] : 1;
        ctx.fillStyle = theme.text;
        ctx.textAlign = ux < -0.3 ? "right" : ux > 0.3 ? "left" : "center";
        const uy = lengths[i] > 1e-6 ? (y - v.cy) / lengths[i] : 0;
        ctx.fillText(this.dimName(i), x + 8 * ux, y + 9 * uy);
      }
    }
    ctx.globalAlpha = 1;
    if (this.hover >= 0 && !this.press) {
      const [x, y] = this.projectPoint(this.hover);
      ctx.strokeStyle = theme.text;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(x, y, Math.max(4, Number(this.model.get("point_size")) || 3) + 2, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.press && this.press.mode === "lasso" && this.press.path.length > 1) {
      const path = this.press.path;
      ctx.beginPath();
      ctx.moveTo(path[0][0], path[0][1]);
      for (const [x, y] of path) ctx.lineTo(x, y);
      ctx.closePath();
      ctx.globalAlpha = 0.12;
      ctx.fillStyle = theme.accent;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }

  /** CSS px (stage coordinates) of point i at the current frame and projection. O(d). */
  projectPoint(i) {
    const { points, frames, n, d } = this.data;
    const p = this.tour.projection();
    const f0 = Math.floor(this.frame);
    const f1 = Math.min(f0 + 1, frames - 1);
    const a = this.frame - f0;
    let x = 0, y = 0;
    for (let k = 0; k < d; k++) {
      const val = points[(f0 * n + i) * d + k] * (1 - a) + points[(f1 * n + i) * d + k] * a;
      x += val * p[2 * k];
      y += val * p[2 * k + 1];
    }
    return toScreen(this.pointView, x, y);
  }

  /** All points' CSS px at the current view; O(n·d), only on pointer events. */
  screenPositions() {
    if (!this.xyCache) {
      const { frames, n, d } = this.data;
      this.xyCache = projectAll(this.data.points, { frames, n, d }, this.frame, this.tour.projection(), this.pointView);
    }
    return this.xyCache;
  }

  isVisible(i) {
    return !this.labels || !this.hidden.has(this.labels[i]);
  }

  // --- interaction ------------------------------------------------------------------
  localPoint(e) {
    const box = this.overlay.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }

  knobAt(x, y) {
    if (!this.tour || this.isScatter) return -1;
    const knobs = this.knobPositions();
    let best = -1;
    let bestD = KNOB_RADIUS * KNOB_RADIUS;
    for (let i = 0; i < this.tour.d; i++) {
      const dd = (knobs[2 * i] - x) ** 2 + (knobs[2 * i + 1] - y) ** 2;
      if (dd <= bestD) {
        bestD = dd;
        best = i;
      }
    }
    return best;
  }

  /** Where knob `axis` sits relative to the pointer (x, y) when grabbed. */
  grabOffset(axis, x, y) {
    const knobs = this.knobPositions();
    return { offsetX: knobs[2 * axis] - x, offsetY: knobs[2 * axis + 1] - y };
  }

  onPointerDown(e) {
    if (e.button !== 0 || !this.tour || !this.data) return;
    e.preventDefault(); // no text selection; focus (for Escape) is given by hand
    this.stage.focus({ preventScroll: true });
    const [x, y] = this.localPoint(e);
    const axis = this.knobAt(x, y);
    this.press = axis >= 0
      ? { mode: "axis", axis, x, y, ...this.grabOffset(axis, x, y) }
      : { mode: "lasso", x, y, path: [[x, y]], additive: e.shiftKey || e.ctrlKey || e.metaKey };
    this.card.hide();
    this.hover = -1;
    try {
      this.overlay.setPointerCapture(e.pointerId);
    } catch {
      /* synthetic pointers cannot be captured */
    }
    this.schedule();
  }

  onPointerMove(e) {
    const [x, y] = this.localPoint(e);
    const press = this.press;
    if (press && press.mode === "axis") {
      // Aim the knob at the pointer (keeping where it was grabbed): the article's row rule
      // moves it only part of the way, so each move event closes the gap further.
      const knobs = this.knobPositions();
      const [dx, dy] = deltaToProjection(
        this.view,
        x + press.offsetX - knobs[2 * press.axis],
        y + press.offsetY - knobs[2 * press.axis + 1],
      );
      const p = this.tour.drag(press.axis, dx, dy);
      this.xyCache = null;
      this.sendProjection.call(projectionRows(p, this.tour.d));
      this.schedule();
      return;
    }
    if (press && press.mode === "lasso") {
      const last = press.path[press.path.length - 1];
      if (Math.hypot(x - last[0], y - last[1]) >= 2) press.path.push([x, y]);
      this.schedule();
      return;
    }
    const knob = this.knobAt(x, y);
    if (knob !== this.hoverKnob) {
      this.hoverKnob = knob;
      this.overlay.style.cursor = knob >= 0 ? "grab" : "crosshair";
      this.schedule();
    }
    if (!this.data || !this.tour) return;
    const i = knob >= 0 ? -1 : nearestPoint(this.screenPositions(), x, y, HOVER_RADIUS, (k) => this.isVisible(k));
    if (i !== this.hover) {
      this.hover = i;
      this.schedule();
    }
    this.pointer = [x, y];
    this.showCard();
  }

  /** The hover card's lines for point i: index and label, then the prediction at this frame. */
  cardLines(i) {
    const lines = [this.labels ? `#${i} · ${this.className(this.labels[i])}` : `#${i}`];
    if (this.predictions && this.data) {
      const k = Math.round(this.frame);
      const pred = this.predictions[k * this.data.n + i];
      if (pred >= 0) {
        const at = this.data.frames > 1 ? ` at ${(this.model.get("frame_labels") ?? [])[k] ?? `frame ${k}`}` : "";
        lines.push(`predicted${at}: ${this.className(pred)}`);
      }
    }
    return lines;
  }

  showCard() {
    if (this.hover >= 0 && this.pointer && !this.press) {
      this.card.show(this.hover, this.cardLines(this.hover), this.thumbs, this.pointer[0], this.pointer[1]);
    } else {
      this.card.hide();
    }
  }

  onWheel(e) {
    if (!this.data || e.ctrlKey) return; // ctrl+wheel stays the browser's zoom
    e.preventDefault();
    const z = Number(this.model.get("zoom")) || 1;
    const next = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z * Math.exp(-e.deltaY * 0.0015)));
    if (next === z) return;
    this.model.set("zoom", next); // shown now; written to Python at most every SYNC_INTERVAL
    this.sendZoom.call(next);
    this.xyCache = null;
    this.root.dataset.zoom = next.toFixed(4);
    this.schedule();
  }

  onPointerUp(e) {
    const press = this.press;
    if (!press) return;
    this.press = null;
    if (press.mode === "axis") {
      this.sendProjection.flush();
    } else {
      const [x, y] = this.localPoint(e);
      press.path.push([x, y]);
      let next;
      const moved = press.path.some(([px, py]) => Math.hypot(px - press.path[0][0], py - press.path[0][1]) > 4);
      if (!moved) {
        next = press.additive ? [...this.selected].sort((a, b) => a - b) : [];
      } else {
        const inside = pointsInLasso(this.screenPositions(), press.path, (k) => this.isVisible(k));
        next = press.additive ? mergeSorted([...this.selected], inside) : inside;
      }
      this.writeModel("selection", next);
      this.readSelection();
    }
    this.schedule();
  }

  cancelPress() {
    if (this.press && this.press.mode === "axis") this.sendProjection.flush();
    this.press = null;
    this.schedule();
  }

  onPointerLeave() {
    if (this.press) return;
    this.hover = -1;
    this.hoverKnob = -1;
    this.card.hide();
    this.schedule();
  }

  // --- tests and benchmarks ---------------------------------------------------------
  exposeTestHooks() {
    const view = this;
    const client = (xy) => {
      const box = view.overlay.getBoundingClientRect();
      return { x: box.left + xy[0], y: box.top + xy[1] };
    };
    this.root.__nbvizTest = {
      /** Client (viewport) px of axis knob i. */
      knobPosition: (i) => {
        const k = view.knobPositions();
        return client([k[2 * i], k[2 * i + 1]]);
      },
      /** Client px of point i now. */
      projectPoint: (i) => client(view.projectPoint(i)),
      /** The current projection, d rows of [x, y]. */
      projection: () => projectionRows(view.tour.projection(), view.tour.d),
    };
    this.root.__nbvizStats = this.stats;
  }

  destroy() {
    if (this.raf !== null) cancelFrame(this.raf);
    this.raf = null;
    this.sendProjection.cancel();
    this.sendFrame.cancel();
    this.sendZoom.cancel();
    for (const dispose of this.disposers.splice(0)) dispose();
    this.status.destroy();
    this.card.destroy();
    const gl = this.gl;
    const g = this.glObjects;
    if (gl && g && !gl.isContextLost()) {
      gl.deleteTexture(g.dataTex);
      gl.deleteTexture(g.classTex);
      gl.deleteBuffer(g.labelBuffer);
      gl.deleteBuffer(g.selectedBuffer);
      gl.deleteVertexArray(g.vao);
      gl.deleteProgram(g.prog);
      // Browsers cap live WebGL contexts; give this one back now, not at garbage collection.
      gl.getExtension("WEBGL_lose_context")?.loseContext();
    }
    this.glObjects = null;
    this.gl = null;
    this.root.remove();
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: any, el: HTMLElement}} ctx
 * @returns {() => void}
 */
export function render({ model, el }) {
  const view = new GrandTourView(model, el);
  return () => view.destroy();
}

export default { render };
