// GrandTour: a WebGL2 scatter of d-dim points seen through a rotating d×2 projection.
//
// The points [T, n, d] go up once, into a float texture; the vertex shader fetches each
// point's values for the current (fractional) frame and projects them, so every animation
// frame uploads only the projection and a few uniforms (CPU cost O(d³), not O(n)):
// points_layer.js. Each frame's projected cloud is fitted to the canvas, the fit gliding
// as the tour turns and the frames change (fit.js); the wheel zoom multiplies it. A 2-D
// overlay canvas draws the axis handles, their names, the lasso and the hover ring
// (overlay.js), and is redrawn alone when only it changed (hover, lasso); the pointer's
// press / drag / lasso / hover / wheel states are pointer.js. Picking and lasso tests run
// on the CPU, on pointer events. Nothing is drawn while nothing changes, nor while the
// view is out of sight (lib/view.js); the tour resumes from the same projection.
//
// Model (nbviz/widgets/grand_tour.py): points {float32 [T, n, d]}, labels {int32 [n]} or
// null, class_names, class_colors, dim_names, thumbnails {uint8 [n, h, w, c]} or null,
// predictions {int32 [T, n]} or null, projection [[x, y] × d], zoom, kind ("tour", or
// "scatter": a fixed projection, no tour controls and no axis handles), playing, speed,
// frame, frame_names, frame_dim_names, frame_dim_notes, frame_notes, selection,
// hidden_classes, point_size, height, seed, plus the job_* traits of the status strip.
// Custom messages POINTS_INCOMING, POINTS_PULL and POINTS_CHUNK: large points arrive in
// pieces (stream.js); the view draws those that have arrived, says how far along it is,
// and holds the tour still until all are on the GPU.
import { devicePixelRatioNow, fitCanvas, sizeOf } from "../lib/canvas.js";
import { decodeOptionalArray } from "../lib/codec.js";
import { h } from "../lib/dom.js";
import { POINTS_CHUNK, POINTS_INCOMING, POINTS_PULL } from "../lib/messages.js";
import "../lib/panel.css";
import { categoricalColor } from "../lib/palette.js";
import { createTour, MAX_DIM } from "../lib/tour.js";
import { mount, View } from "../lib/view.js";
import { TourControls } from "./controls.js";
import { createDetail, SETTLE_MS } from "./detail.js";
import { createGlide, extentFloor, FIT_SAMPLE, fitBox, frameSpreads } from "./fit.js";
import { classAxisPlanes, createGuidedPath, littleTourPlanes } from "./guided.js";
import { createHoverCard } from "./hovercard.js";
import { renderLegend } from "./legend.js";
import { drawOverlay, HANDLE_HIDE, knobPositions } from "./overlay.js";
import { mergeSorted, nearestPoint, pointsInLasso, projectAll } from "./picking.js";
import { TourPointer } from "./pointer.js";
import { PointsLayer } from "./points_layer.js";
import { FramePreviews } from "./previews.js";
import { knnChance, knnHitRate, projectSample, robustBox, sampleIndices } from "./quality.js";
import { createFrameStats } from "./stats.js";
import { acceptChunk, assemblyFor, isStreamHeader } from "./stream.js";
import "./style.css";
import { deltaToProjection, toScreen, viewTransform } from "./viewport.js";

/** Tour time per second at speed 1 (each plane turns θ·rate rad/s, θ ∈ [0.5π, 1.5π]). */
const TOUR_RATE = 0.08;
/** Frames per second of the frame play-through. */
const FRAME_RATE = 1.0;
/** The longest step in time one animation frame takes (s): a stalled tab does not jump. */
const MAX_DT = 0.1;
/** CSS px within which hover finds a point. */
const HOVER_RADIUS = 10;
/** The previews and the quality figure follow a moving view at most this often (ms). */
const SIDE_INTERVAL = 250;
/** Moving frames further apart than this (ms) say nothing about the drawing cost. */
const OBSERVE_GAP_MS = 500;
/** Neighbours the quality figure counts. */
const QUALITY_K = 5;
/** Keyframes of each kind on the guided path. */
const GUIDED_VIEWS = 4;
/** Writes of projection / frame to Python: at most this often (ms). */
const SYNC_INTERVAL = 34;
/** The longest the view stops drawing while announced points are on their way (ms). */
const HOLD_MS = 3000;
/** Range of the zoom (relative to the fit) the mouse wheel sets (the trait allows 0.1..100). */
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 40;

/**
 * The projection trait (list of [x, y] rows) as a Float64Array(2d), or null if unusable.
 * @param {unknown} value
 * @param {number} d
 */
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

/**
 * @param {ArrayLike<number>} p
 * @param {number} d
 */
const projectionRows = (p, d) => Array.from({ length: d }, (_, r) => [p[2 * r], p[2 * r + 1]]);

/** One rendering of a GrandTour model into `el`. */
class GrandTourView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "GrandTour", className: "nbviz-grand-tour", parts: ["points", "overlay"] });
    this.root.dataset.tCreated = String(Date.now()); // wall clock, for the benchmarks' timelines
    /** @type {{points: Float32Array, frames: number, n: number, d: number}|null} */
    this.data = null;
    /** @type {Int32Array|null} */
    this.labels = null;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.thumbs = null;
    /** @type {Int32Array|null} */
    this.predictions = null;
    this.holdUntil = 0; // performance.now() until which drawing waits for announced points
    /** @type {import("./stream.js").Assembly|null} the points still arriving in pieces */
    this.stream = null;
    this.awaitingFirstDraw = false;
    /** @type {ReturnType<typeof createTour>|null} */
    this.tour = null;
    this.frame = 0;
    this.framesPlaying = false;
    /** @type {Set<number>} */
    this.selected = new Set();
    /** @type {Set<number>} */
    this.hidden = new Set();
    this.dpr = 1;
    this.size = { w: 0, h: 0 };
    /** @type {Float32Array|null} every point's CSS px at the current view, for picking */
    this.xyCache = null;
    /** @type {unknown} */
    this.lastSentProjection = null;
    /** @type {number|null} */
    this.lastSentFrame = null;
    /** @type {number|null} */
    this.lastSentZoom = null;
    this.stats = createFrameStats(240);
    // Level of detail (detail.js): while the view moves, a large cloud is drawn as a
    // random subset sized to the measured cost; once still, in full.
    this.detail = createDetail();
    this.lastNudge = -Infinity; // performance.now() of the last drag or wheel step
    this.lastMovingAt = -Infinity; // … of the last frame drawn while moving
    this.drawnMoving = 0; // points that frame drew
    this.partial = false; // the points on screen are a subset: draw all once still
    this.settleTimer = 0;
    this.disposers.push(() => clearTimeout(this.settleTimer));
    /** @type {Int32Array} the points the fit projects */
    this.sample = new Int32Array(0);
    /** @type {Float32Array} their 2-D positions now */
    this.sampleXY = new Float32Array(0);
    /** @type {Float64Array} per frame, how far its points spread (fit.js) */
    this.spreads = new Float64Array(0);
    this.floor = 1e-9;
    this.glide = createGlide();
    this.snapFit = true;
    /** @type {import("./overlay.js").LabelBox[]} the axis names drawn last */
    this.labelBoxes = [];
    /** @type {ReturnType<typeof createGuidedPath>|null} the guided traversal under way */
    this.guided = null;
    this.guidedFrame = -1;
    /** @type {Float64Array[]} its keyframes */
    this.guidedPlanes = [];
    /** @type {Int32Array} the points the quality figure scores */
    this.qualitySample = new Int32Array(0);
    this.sideDrawnAt = -Infinity;
    this.sideDirty = false;

    this.buildDom();
    this.points = new PointsLayer(this.canvas);
    this.own(this.points);
    this.pointer = new TourPointer(this.pointerHost());
    this.sendProjection = this.writer("projection", SYNC_INTERVAL, {
      flushOnDestroy: false,
      write: (rows) => this.writeModel("projection", rows),
    });
    this.sendFrame = this.writer("frame", SYNC_INTERVAL, {
      flushOnDestroy: false,
      write: (f) => this.writeModel("frame", f),
    });
    this.sendZoom = this.writer("zoom", SYNC_INTERVAL, {
      flushOnDestroy: false,
      write: (z) => this.writeModel("zoom", z),
    });
    this.bindModel();
    this.bindControls();
    this.initGL();
    this.syncHeight();
    this.readAll();
    this.exposeTestHooks();
  }

  // --- DOM --------------------------------------------------------------------------
  buildDom() {
    this.controls = new TourControls({
      togglePlaying: () => this.togglePlaying(),
      setSpeed: (speed) => this.writeModel("speed", speed),
      toggleFramePlay: () => this.toggleFramePlay(),
      scrub: (frame) => {
        this.framesPlaying = false;
        this.setFrame(frame, true);
      },
      stepTo: (frame) => {
        this.framesPlaying = false;
        this.setFrame(frame, true);
        this.sendFrame.flush();
      },
      resetZoom: () => this.resetZoom(),
      setTraversal: (traversal) => {
        this.writeModel("traversal", traversal);
        this.readTraversal();
      },
      listen: this.listen.bind(this),
    });

    this.canvas = h("canvas", "nbviz-grand-tour-canvas");
    this.overlay = h("canvas", "nbviz-grand-tour-overlay");
    this.message = h("div", "nbviz-grand-tour-error", { role: "alert" });
    this.message.hidden = true;
    this.oneplace = h("div", "nbviz-grand-tour-oneplace", { role: "status" });
    this.oneplace.textContent = "all points at one place in this frame";
    this.oneplace.hidden = true;
    this.progress = h("div", "nbviz-grand-tour-progress", { role: "status" });
    this.progress.hidden = true;
    this.stage = h(
      "div",
      "nbviz-panel-stage nbviz-grand-tour-stage",
      { tabindex: "0", "aria-label": "grand tour scatter plot" },
      [this.canvas, this.overlay, this.oneplace, this.progress, this.message],
    );
    this.card = createHoverCard(this.stage);
    this.own(this.card);
    this.legend = h("div", "nbviz-grand-tour-legend");
    this.info = h("span", "nbviz-grand-tour-info");
    this.frameNote = h("div", "nbviz-grand-tour-frame-note");
    this.previews = new FramePreviews({
      onPick: (f) => {
        this.framesPlaying = false;
        this.setFrame(f, true);
        this.sendFrame.flush();
      },
      colorOf: (k) => this.colorOf(k),
      listen: this.listen.bind(this),
    });
    this.own(this.previews);
    this.qualityEl = h("span", "nbviz-grand-tour-quality", {
      title:
        "How well the classes separate in this view: the average share of each sampled point's " +
        `${QUALITY_K} nearest neighbours on screen that share its class (chance: what a random view of ` +
        "these classes would give)",
    });
    this.selectedEl = h("span", "nbviz-grand-tour-selected");
    this.footer = h("div", "nbviz-grand-tour-footer", {}, [this.qualityEl, this.info, this.selectedEl]);
    this.root.append(
      this.statusStrip(),
      this.controls.el,
      this.stage,
      this.frameNote,
      this.previews.el,
      this.legend,
      this.footer,
    );
  }

  /** @param {string} text */
  showMessage(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
    if (text) this.root.dataset.error = text;
    else delete this.root.dataset.error;
  }

  bindModel() {
    this.on("points", () => {
      this.root.dataset.pointsReceivedAt = String(Date.now()); // for the benchmarks
      this.holdUntil = 0;
      this.readAll();
    });
    // Python is about to send large points: draw nothing until they arrive (at most
    // HOLD_MS), so that a software-rendered tour leaves the CPU to their delivery.
    this.onMessage(POINTS_INCOMING, () => {
      this.holdUntil = performance.now() + HOLD_MS;
    });
    this.onMessage(POINTS_CHUNK, (content, buffers) => this.takeChunk(content, buffers));
    this.on("labels", () => {
      this.readLabels();
      this.setPreviewData();
      this.uploadLabels();
      this.buildLegend();
      this.schedule();
    });
    this.on("class_names", () => this.buildLegend());
    this.on("class_colors", () => {
      this.previews.invalidate();
      this.uploadClasses();
      this.buildLegend();
      this.schedule();
    });
    this.on("predictions", () => this.readPredictions());
    this.on("zoom", () => {
      this.syncZoomControl();
      if (Number(this.model.get("zoom")) === this.lastSentZoom) return;
      this.xyCache = null;
      this.schedule();
    });
    this.on("thumbnails", () => this.readThumbnails());
    this.on("dim_names frame_dim_names point_size", () => this.schedule());
    this.on("frame_notes", () => this.syncFrameControls());
    this.on("projection", () => this.readModelProjection());
    // Python set the projection the model already holds: go there (the tour has moved on).
    this.on("_projection_set", () => this.readModelProjection(true));
    this.on("playing speed kind frame_names", () => this.syncControls());
    this.on("traversal", () => this.readTraversal());
    this.on("frame", () => this.readModelFrame());
    this.on("selection", () => this.readSelection());
    this.on("hidden_classes", () => this.readHidden());
    this.on("height", () => this.syncHeight());
    this.on("seed", () => {
      if (this.tour) this.tour.reseed(Number(this.model.get("seed")) || 0);
    });
  }

  bindControls() {
    this.listen(this.canvas, "webglcontextlost", (e) => {
      e.preventDefault();
      this.points.lost();
      this.showMessage("The WebGL context was lost; it is restored when the browser allows.");
    });
    this.listen(this.canvas, "webglcontextrestored", () => {
      this.showMessage("");
      this.initGL();
      this.uploadAll();
    });
    this.watchSize(this.stage);
  }

  /** What the pointer state machine (pointer.js) works on. */
  pointerHost() {
    return {
      overlay: this.overlay,
      stage: this.stage,
      ready: () => Boolean(this.tour && this.data && !this.stream),
      knobs: () => this.knobPositions(),
      grabbable: () => this.grabbableKnobs(),
      pointAt: (/** @type {number} */ x, /** @type {number} */ y) =>
        nearestPoint(this.screenPositions(), x, y, HOVER_RADIUS, (k) => this.isShown(k)),
      steer: (/** @type {number} */ axis, /** @type {number} */ dx, /** @type {number} */ dy) =>
        this.steer(axis, dx, dy),
      endSteer: () => this.sendProjection.flush(),
      select: (
        /** @type {Array<[number, number]>} */ path,
        /** @type {boolean} */ additive,
        /** @type {boolean} */ moved,
      ) => this.selectLasso(path, additive, moved),
      clearSelection: () => {
        this.writeModel("selection", []);
        this.readSelection();
      },
      zoomBy: (/** @type {number} */ deltaY) => this.zoomBy(deltaY),
      hoverChanged: (/** @type {boolean} */ redraw) => {
        if (redraw) this.schedule("overlay");
        this.showCard();
      },
      schedule: () => this.schedule("overlay"),
      listen: this.listen.bind(this),
    };
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

  /**
   * Write a trait (always: the view tracks what it last wrote, to tell its own echo from
   * Python's changes).
   * @param {string} name
   * @param {any} value
   */
  writeModel(name, value) {
    if (name === "projection") this.lastSentProjection = value;
    if (name === "frame") this.lastSentFrame = value;
    if (name === "zoom") this.lastSentZoom = value;
    this.model.set(name, value);
    this.model.save_changes();
  }

  // --- WebGL ------------------------------------------------------------------------
  initGL() {
    const error = this.points.init();
    this.root.dataset.webgl = this.points.gl ? "2" : "none";
    if (error) this.showMessage(error);
  }

  uploadAll() {
    this.uploadPoints();
    this.uploadLabels();
    this.uploadSelection();
    this.uploadClasses();
    this.schedule();
  }

  uploadPoints() {
    if (!this.data || !this.points.g) return;
    this.awaitingFirstDraw = true;
    this.root.dataset.tUploadStart = String(Date.now()); // the upload's cost, for the benchmarks
    const error = this.points.uploadPoints(this.data, this.stream ? this.stream.received : undefined);
    this.root.dataset.tUploadEnd = String(Date.now());
    if (error) this.showMessage(error);
  }

  uploadLabels() {
    if (this.data) this.points.uploadLabels(this.labels ?? new Int32Array(this.data.n));
  }

  uploadSelection() {
    if (this.data) this.points.uploadSelection(this.selected, this.data.n);
  }

  uploadClasses() {
    this.points.uploadClasses(this.classCount(), this.hidden, (k) => this.colorOf(k));
  }

  // --- model → state ----------------------------------------------------------------
  /**
   * An optional array trait decoded, or null (with the reason on the console when it
   * cannot be decoded; shapes are checked by the caller, which may ignore a mismatch).
   * @param {string} name
   */
  optionalArray(name) {
    try {
      return decodeOptionalArray(this.model.get(name));
    } catch (err) {
      console.error(err);
      return null;
    }
  }

  readAll() {
    this.showMessage(this.points.gl ? "" : this.root.dataset.error || "");
    this.data = null;
    this.xyCache = null;
    this.stream = null;
    try {
      const value = this.model.get("points");
      const pts = isStreamHeader(value) ? this.streamed(value) : decodeOptionalArray(value);
      if (pts) {
        if (pts.dtype !== "float32" || pts.shape.length !== 3) {
          throw new Error(`GrandTour: points must be float32 [T, n, d], got ${pts.dtype} [${pts.shape}]`);
        }
        const [frames, n, d] = pts.shape;
        if (d < 2 || d > MAX_DIM) throw new Error(`GrandTour: d must be 2..${MAX_DIM}, got ${d}`);
        this.data = { points: /** @type {Float32Array} */ (pts.data), frames, n, d };
      }
    } catch (err) {
      console.error(err);
      this.showMessage(String(err.message || err));
    }
    this.readSpreads();
    this.guided = null;
    const d = this.data ? this.data.d : 0;
    if (d && (!this.tour || this.tour.d !== d)) this.tour = createTour(d, Number(this.model.get("seed")) || 0);
    if (!d) this.tour = null;
    this.readLabels();
    this.setPreviewData();
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

  /**
   * Streamed points: the model's assembly of them (asking Python for them if no view
   * has), as a decoded array whose data fills as pieces arrive.
   * @param {{dtype: string, shape: number[], stream: number}} header
   */
  streamed(header) {
    const a = assemblyFor(this.model, header, (token) => this.model.send({ type: POINTS_PULL, token }));
    this.stream = a.complete ? null : a;
    this.showProgress();
    return { dtype: "float32", shape: a.shape, data: a.data };
  }

  /** How many points of frame `f` have arrived (all, unless streaming). */
  pointsIn(f) {
    if (!this.data) return 0;
    const { n, d } = this.data;
    if (!this.stream) return n;
    return Math.max(0, Math.min(n, Math.floor(this.stream.received / d) - f * n));
  }

  /**
   * A piece of streamed points arrived: upload it, refit to what has arrived, and when
   * it was the last, finish as for points sent whole.
   * @param {any} content
   * @param {DataView[]} buffers
   */
  takeChunk(content, buffers) {
    const piece = acceptChunk(this.model, content, buffers);
    if (!piece || !this.data || !this.stream || piece.assembly !== this.stream) return;
    const error = this.points.uploadRange(this.data, piece.offset, piece.length, piece.assembly.complete);
    if (error) this.showMessage(error);
    if (piece.assembly.complete) {
      this.stream = null;
      this.root.dataset.pointsCompleteAt = String(Date.now());
      this.readSpreads();
      this.setPreviewData();
    } else {
      this.readSpreads();
    }
    this.showProgress();
    // The first piece is drawn at once (the first visible frame), the rest when all are
    // here: under software WebGL a draw of half a million points takes about a second,
    // and the GPU process finishes it before it takes the next piece (measured: ten
    // pieces of a million points took 14 s drawn each, against about 2 s).
    if (!this.stream || piece.offset === 0) this.schedule();
  }

  /** The note of how many streamed points have arrived (hidden when none stream). */
  showProgress() {
    const a = this.stream;
    this.progress.hidden = !a;
    this.root.dataset.streaming = String(Boolean(a));
    if (!a) return;
    const [frames, n] = a.shape;
    const done = a.data.length ? a.received / a.data.length : 1;
    const points = `${n.toLocaleString()} points`;
    const total = frames > 1 ? `${frames} frames of ${points}` : points;
    this.progress.textContent = `receiving ${total}: ${Math.round(100 * done)}% (the tour waits for all of them)`;
  }

  /** The fit's sample of the new points (of those arrived, while streaming), and each
   * frame's spread. */
  readSpreads() {
    if (!this.data) {
      this.sample = new Int32Array(0);
      this.spreads = new Float64Array(0);
      return;
    }
    const { points, frames, n, d } = this.data;
    this.sample = sampleIndices(this.stream ? Math.max(1, this.pointsIn(0)) : n, FIT_SAMPLE);
    this.qualitySample = sampleIndices(n);
    this.sampleXY = new Float32Array(2 * this.sample.length);
    this.spreads = frameSpreads(points, { frames, n, d }, this.sample);
    this.floor = extentFloor(this.spreads);
    this.snapFit = true;
  }

  /** The previews' points, labels and frame names. */
  setPreviewData() {
    if (!this.data || this.isScatter || this.stream) {
      this.previews.setData(null);
      return;
    }
    const { points, frames, n, d } = this.data;
    this.previews.setData({ points, frames, n, d, labels: this.labels, names: this.model.get("frame_names") ?? [] });
    this.sideDirty = true;
    this.schedule("overlay");
  }

  /** "grand" or "guided" from the model: a new guided path starts from the current view. */
  readTraversal() {
    this.guided = null;
    this.syncControls();
  }

  get traversal() {
    return this.model.get("traversal") === "guided" ? "guided" : "grand";
  }

  /**
   * The guided path's keyframes at frame `f`: the PCA "little tour" of the frame's points,
   * then (class-axis tours) the planes of the most confused pairs of classes.
   * @param {number} f
   */
  guidedKeyframes(f) {
    if (!this.data || !this.tour) return [];
    const { points, frames, n, d } = this.data;
    const shape = { frames, n, d };
    const little = littleTourPlanes(points, shape, f, this.sample, GUIDED_VIEWS);
    const dimNames = Array.from({ length: d }, (_, i) => this.dimName(i));
    const classes = classAxisPlanes(
      dimNames,
      this.model.get("class_names") ?? [],
      { points, shape, frame: f, labels: this.labels, sample: this.sample },
      GUIDED_VIEWS,
    );
    return [...little, ...classes];
  }

  /**
   * Move the tour along the guided path by `dt` (tour seconds); builds the path when there
   * is none or the frame on show changed.
   * @param {number} dt
   */
  advanceGuided(dt) {
    if (!this.tour) return;
    const f = Math.round(this.frame);
    if (!this.guided || this.guidedFrame !== f) {
      this.guidedPlanes = this.guidedKeyframes(f);
      this.guided = createGuidedPath(this.guidedPlanes);
      this.guidedFrame = f;
    }
    this.guided.advance(dt);
    this.tour.setProjection(this.guided.projection(this.tour.projection()));
    this.root.dataset.guidedIndex = String(this.guided.index);
  }

  /**
   * Redraw the previews and the quality figure: now when `force` or the view is still,
   * else at most every SIDE_INTERVAL ms.
   * @param {boolean} force
   */
  drawSide(force) {
    if (!this.sideDirty || !this.tour || !this.data || this.stream) return;
    const now = performance.now();
    if (!force && now - this.sideDrawnAt < SIDE_INTERVAL) return;
    this.sideDrawnAt = now;
    this.sideDirty = false;
    const projection = this.tour.projection();
    this.previews.draw(projection, this.frame, this.theme, this.hidden);
    if (!this.labels) {
      this.qualityEl.textContent = "";
      return;
    }
    const { points, frames, n, d } = this.data;
    const xy = projectSample(points, { frames, n, d }, this.frame, projection, this.qualitySample);
    const score = knnHitRate(xy, this.labels, this.qualitySample, QUALITY_K);
    if (!Number.isFinite(score)) {
      this.qualityEl.textContent = "";
      return;
    }
    const chance = knnChance(xy, this.labels, this.qualitySample);
    this.qualityEl.textContent = `classes apart in this view: ${Math.round(100 * score)}% of ${QUALITY_K} nearest neighbours share the class (chance ${Math.round(100 * chance)}%)`;
    this.root.dataset.quality = score.toFixed(4);
  }

  readLabels() {
    const labels = this.optionalArray("labels");
    // Labels of another length belong to other points (mid-update): ignore them.
    this.labels =
      labels && this.data && labels.data.length === this.data.n ? /** @type {Int32Array} */ (labels.data) : null;
  }

  readThumbnails() {
    const t = this.optionalArray("thumbnails");
    this.thumbs = t && t.dtype === "uint8" && t.shape.length === 4 ? t : null;
  }

  readPredictions() {
    const p = this.optionalArray("predictions");
    const fits =
      p && this.data && p.shape.length === 2 && p.shape[0] === this.data.frames && p.shape[1] === this.data.n;
    this.predictions = fits ? /** @type {Int32Array} */ (p.data) : null;
  }

  readSelection(upload = true) {
    const n = this.data ? this.data.n : 0;
    const sel = (this.model.get("selection") ?? []).filter(
      (/** @type {number} */ i) => Number.isInteger(i) && i >= 0 && i < n,
    );
    this.selected = new Set(sel);
    this.selectedEl.textContent = sel.length
      ? `${sel.length.toLocaleString()} selected (Esc or a click on empty space clears)`
      : "";
    this.root.dataset.selected = String(sel.length);
    if (upload) {
      this.uploadSelection();
      this.schedule();
    }
  }

  readHidden(upload = true) {
    this.hidden = new Set(
      (this.model.get("hidden_classes") ?? []).filter((/** @type {number} */ k) => Number.isInteger(k)),
    );
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

  /**
   * Show frame `f` (fractional: the points interpolate); `write` sends it to Python.
   * @param {number} f
   * @param {boolean} write
   */
  setFrame(f, write) {
    const frames = this.data ? this.data.frames : 1;
    this.frame = Math.min(Math.max(Number.isFinite(f) ? f : 0, 0), Math.max(0, frames - 1));
    this.xyCache = null;
    if (write) this.sendFrame.call(Math.round(this.frame * 1000) / 1000);
    if (this.pointer.hover >= 0) this.showCard(); // its prediction is per frame
    this.syncFrameControls();
    this.schedule();
  }

  classCount() {
    const names = this.model.get("class_names") ?? [];
    let max = names.length;
    if (this.labels)
      for (let i = 0; i < this.labels.length; i++) if (this.labels[i] + 1 > max) max = this.labels[i] + 1;
    return Math.max(1, max);
  }

  /**
   * CSS colour of class k: the model's class_colors[k], else the palette's.
   * @param {number} k
   */
  colorOf(k) {
    const colors = this.model.get("class_colors") ?? [];
    return k >= 0 && k < colors.length && /^#[0-9a-f]{6}$/i.test(colors[k]) ? colors[k] : categoricalColor(k);
  }

  /** @param {number} k */
  className(k) {
    const names = this.model.get("class_names") ?? [];
    return k >= 0 && k < names.length ? String(names[k]) : String(k);
  }

  /**
   * The name of dim i at the frame on show: its per-frame name, else its name, else x<i>.
   * @param {number} i
   */
  dimName(i) {
    const perFrame = (this.model.get("frame_dim_names") ?? [])[Math.round(this.frame)];
    if (Array.isArray(perFrame) && perFrame[i] !== undefined) return String(perFrame[i]);
    const names = this.model.get("dim_names") ?? [];
    return names[i] !== undefined ? String(names[i]) : `x${i}`;
  }

  /**
   * What the hover on dim i's handle says at the frame on show.
   * @param {number} i
   */
  dimNote(i) {
    const perFrame = (this.model.get("frame_dim_notes") ?? [])[Math.round(this.frame)];
    return Array.isArray(perFrame) && perFrame[i] !== undefined ? String(perFrame[i]) : "";
  }

  /** "scatter": a plain 2-D scatter of the projection (t-SNE, ...); no tour, no handles. */
  get isScatter() {
    return this.model.get("kind") === "scatter";
  }

  syncHeight() {
    const height = Math.max(120, Number(this.model.get("height")) || 500);
    this.stage.style.height = `${height}px`;
    this.schedule();
  }

  syncControls() {
    this.root.dataset.kind = this.isScatter ? "scatter" : "tour";
    this.controls.sync({
      playing: Boolean(this.model.get("playing")),
      speed: Number(this.model.get("speed")) || 0,
      scatter: this.isScatter,
      frames: this.data ? this.data.frames : 1,
      traversal: this.traversal,
    });
    this.syncFrameControls();
    this.frames.resetClock();
    this.schedule();
  }

  syncFrameControls() {
    const names = this.model.get("frame_names") ?? [];
    const k = Math.round(this.frame);
    const name = names[k] !== undefined ? String(names[k]) : `frame ${k}`;
    this.controls.syncFrame({ frame: this.frame, name, playing: this.framesPlaying });
    this.root.dataset.frame = this.frame.toFixed(3);
    const notes = this.model.get("frame_notes") ?? [];
    this.frameNote.textContent = notes[k] !== undefined ? String(notes[k]) : "";
    this.frameNote.hidden = !this.frameNote.textContent;
    // A frame whose points all sit at one place would look blank: say so.
    const onePlace =
      !this.stream && this.spreads.length > k && this.spreads[k] <= this.floor && Math.abs(this.frame - k) < 0.05;
    this.oneplace.hidden = !onePlace;
    this.root.dataset.onePlace = String(onePlace);
  }

  /** The zoom button shows whether the view is the fit. */
  syncZoomControl() {
    this.controls.syncZoom(Number(this.model.get("zoom")) || 1);
  }

  /** Back to the fitted view: zoom 1. */
  resetZoom() {
    this.model.set("zoom", 1);
    this.sendZoom.call(1);
    this.sendZoom.flush();
    this.xyCache = null;
    this.syncZoomControl();
    this.schedule();
  }

  toggleFramePlay() {
    this.framesPlaying = !this.framesPlaying;
    const frames = this.data ? this.data.frames : 1;
    if (this.framesPlaying && this.frame >= frames - 1) this.frame = 0;
    if (!this.framesPlaying) this.sendFrame.flush();
    this.frames.resetClock();
    this.syncFrameControls();
    this.schedule();
  }

  buildLegend() {
    if (!this.labels) {
      this.legend.replaceChildren();
      return;
    }
    const count = this.classCount();
    renderLegend(this.legend, {
      count,
      nameOf: (k) => this.className(k),
      colorOf: (k) => this.colorOf(k),
      hidden: this.hidden,
      ownColors: (this.model.get("class_colors") ?? []).length >= count,
      onToggle: (k) => this.toggleClass(k),
    });
  }

  /** @param {number} k */
  toggleClass(k) {
    const next = new Set(this.hidden);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    this.writeModel(
      "hidden_classes",
      [...next].sort((a, b) => a - b),
    );
    this.readHidden();
  }

  themeChanged() {
    this.buildLegend();
    this.schedule();
  }

  // --- frames -----------------------------------------------------------------------
  /**
   * One animation frame: move the tour, the frame play-through and the fit on by `dt`
   * seconds, then draw what changed: the points and the overlay, or (hover, lasso) the
   * overlay alone. While anything moves, the next frame is asked for.
   * @param {Set<string>} dirty
   * @param {number} dt
   */
  draw(dirty, dt) {
    const t0 = performance.now();
    const step = Math.min(MAX_DT, dt);
    const playing = Boolean(this.model.get("playing")) && !this.pointer.steering && !this.stream;
    let animate = false;
    let moved = dirty.has("points");
    if (this.tour && playing && !this.isScatter) {
      const speed = Number(this.model.get("speed")) || 0;
      if (this.traversal === "guided") this.advanceGuided(step * speed);
      else this.tour.advance(step * TOUR_RATE * speed);
      animate = moved = true;
    }
    if (this.framesPlaying && this.data) {
      let f = this.frame + step * FRAME_RATE;
      if (f >= this.data.frames - 1) {
        f = this.data.frames - 1;
        this.framesPlaying = false;
      }
      this.setFrame(f, true);
      if (!this.framesPlaying) this.sendFrame.flush();
      animate = moved = true;
    }
    if (this.holdUntil && t0 < this.holdUntil) {
      this.frames.schedule("points"); // points announced and not yet here: keep time, skip the drawing
      return;
    }
    this.holdUntil = 0;
    if (!this.resize()) {
      moved = true; // the first frame with an area draws everything
    } else if (this.fit(moved, step)) {
      animate = moved = true;
    }
    if (moved) {
      this.xyCache = null;
      this.sideDirty = true;
    }
    const moving = animate || t0 - this.lastNudge < SETTLE_MS;
    if (moved && moving && this.drawnMoving > 0 && t0 - this.lastMovingAt < OBSERVE_GAP_MS) {
      this.detail.observe(this.drawnMoving, t0 - this.lastMovingAt);
    }
    const drawn = this.drawFrame(moved, moving);
    this.drawnMoving = moving ? drawn : 0;
    if (moving && drawn) this.lastMovingAt = t0;
    if (this.partial && !animate) this.settleSoon();
    this.stats.push(performance.now() - t0);
    this.drawSide(!animate);
    if (animate) this.schedule("points");
  }

  /** Once nothing has moved for SETTLE_MS, draw every point (the last frame drew a subset). */
  settleSoon() {
    clearTimeout(this.settleTimer);
    this.settleTimer = window.setTimeout(() => {
      this.settleTimer = 0;
      if (this.partial) this.schedule("points");
    }, SETTLE_MS + 20);
  }

  /**
   * Aim the fit at the current frame and projection (when they changed) and glide towards
   * it; whether the view is still moving.
   * @param {boolean} changed
   * @param {number} dt
   */
  fit(changed, dt) {
    if (!this.tour || !this.data || !this.sample.length) return false;
    if (changed || this.snapFit) {
      const { points, frames, n, d } = this.data;
      projectSample(points, { frames, n, d }, this.frame, this.tour.projection(), this.sample, this.sampleXY);
      this.glide.aim(fitBox(robustBox(this.sampleXY), this.size.w, this.size.h, this.floor));
    }
    let moving = false;
    if (this.snapFit) {
      this.snapFit = false;
      this.glide.snap();
    } else {
      moving = this.glide.step(dt);
    }
    this.root.dataset.fitting = String(moving); // for the tests: the fit still glides
    return moving;
  }

  /** Size both canvases to the stage; false while the stage has no area. */
  resize() {
    const { w, h: hh } = sizeOf(this.stage);
    const dpr = devicePixelRatioNow();
    if (w !== this.size.w || hh !== this.size.h || dpr !== this.dpr) {
      for (const c of [this.canvas, this.overlay]) fitCanvas(c, w, hh, dpr, 1);
      this.size = { w, h: hh };
      this.dpr = dpr;
      this.xyCache = null;
      this.snapFit = true;
    }
    return w > 0 && hh > 0;
  }

  /** Projection units → CSS px for the axis knobs (the unit circle fills the canvas). */
  get view() {
    return viewTransform(this.size.w, this.size.h);
  }

  /** Projection units → CSS px for the points: the fit, magnified by `zoom`. */
  get pointView() {
    const v = this.view;
    const z = Number(this.model.get("zoom"));
    const fitted = this.glide.view ?? { x0: 0, y0: 0, scale: v.scale };
    const zoom = Number.isFinite(z) && z > 0 ? z : 1;
    return { ...v, x0: fitted.x0, y0: fitted.y0, scale: fitted.scale * zoom };
  }

  /**
   * Draw the points (when `points`) and the overlay; returns how many points were drawn.
   * @param {boolean} points  redraw the points too (else only the overlay changed)
   * @param {boolean} moving  the view moves: a large cloud may be drawn as a subset
   */
  drawFrame(points = true, moving = false) {
    if (!this.resize() || !this.tour || !this.data) return 0;
    const theme = this.theme;
    const { frames, n, d } = this.data;
    // Streaming: the points of the later of the two frames shown that have arrived.
    const drawnCount = this.pointsIn(Math.min(Math.floor(this.frame) + 1, frames - 1));
    const subset = drawnCount === n ? this.detail.count(n, moving) : drawnCount;
    if (points) {
      this.partial = subset < drawnCount;
      this.root.dataset.drawn = String(subset); // for the tests and the benchmark
      this.points.draw({
        projection: this.tour.projection(),
        frame: this.frame,
        shape: { frames, n, d },
        view: this.pointView,
        size: Math.max(1, Number(this.model.get("point_size")) || 3) * this.dpr,
        hasSelection: this.selected.size > 0,
        ring: theme.text,
        count: drawnCount,
        subset,
      });
    }
    const hover = this.pointer.press ? -1 : this.pointer.hover;
    this.labelBoxes = drawOverlay(this.overlay, {
      theme,
      view: this.view,
      dpr: this.dpr,
      knobs: this.knobPositions(),
      dimName: (i) => this.dimName(i),
      active: this.pointer.activeKnob,
      ring: hover >= 0 ? this.projectPoint(hover) : null,
      ringRadius: Math.max(4, Number(this.model.get("point_size")) || 3) + 2,
      lasso: this.pointer.lasso,
    });
    if (points && this.awaitingFirstDraw && this.points.hasPoints && drawnCount > 0) {
      // Wall-clock time (same clock as Python's time.time()) of the first frame issued
      // with newly arrived points: the benchmarks measure assignment-to-first-frame with it.
      this.awaitingFirstDraw = false;
      this.root.dataset.pointsDrawnAt = String(Date.now());
      this.root.dataset.pointsDrawnN = String(n);
      this.root.dataset.pointsDrawnCount = String(drawnCount);
    }
    this.root.dataset.zoom = (Number(this.model.get("zoom")) || 1).toFixed(4);
    this.root.dataset.ready = "true";
    return points ? subset : 0;
  }

  /**
   * The knobs the pointer can grab: as {@link knobPositions}, with NaN for handles too
   * short to be drawn.
   */
  grabbableKnobs() {
    const knobs = this.knobPositions();
    const v = this.view;
    for (let i = 0; i < knobs.length / 2; i++) {
      if (Math.hypot(knobs[2 * i] - v.cx, knobs[2 * i + 1] - v.cy) < HANDLE_HIDE * v.scale) {
        knobs[2 * i] = knobs[2 * i + 1] = NaN;
      }
    }
    return knobs;
  }

  /** Screen positions (CSS px) of the axis knobs (none for a plain scatter). */
  knobPositions() {
    if (!this.tour || this.isScatter) return new Float64Array(0);
    return knobPositions(this.tour.projection(), this.tour.d, this.view);
  }

  /**
   * CSS px (stage coordinates) of point i at the current frame and projection. O(d).
   * @param {number} i
   * @returns {[number, number]}
   */
  projectPoint(i) {
    if (!this.data || !this.tour) return [NaN, NaN];
    const { points, frames, n, d } = this.data;
    const p = this.tour.projection();
    const f0 = Math.floor(this.frame);
    const f1 = Math.min(f0 + 1, frames - 1);
    const a = this.frame - f0;
    let x = 0;
    let y = 0;
    for (let k = 0; k < d; k++) {
      const val = points[(f0 * n + i) * d + k] * (1 - a) + points[(f1 * n + i) * d + k] * a;
      x += val * p[2 * k];
      y += val * p[2 * k + 1];
    }
    const [sx, sy] = toScreen(this.pointView, x, y);
    return [sx, sy];
  }

  /** All points' CSS px at the current view; O(n·d), only on pointer events. */
  screenPositions() {
    if (!this.xyCache && this.data && this.tour) {
      const { frames, n, d } = this.data;
      this.xyCache = projectAll(this.data.points, { frames, n, d }, this.frame, this.tour.projection(), this.pointView);
    }
    return this.xyCache ?? new Float32Array(0);
  }

  /**
   * Whether point i's class is shown.
   * @param {number} i
   */
  isShown(i) {
    return !this.labels || !this.hidden.has(this.labels[i]);
  }

  // --- interaction ------------------------------------------------------------------
  /**
   * Drag axis `axis` by (dx, dy) CSS px: the tour re-bases there.
   * @param {number} axis
   * @param {number} dx
   * @param {number} dy
   */
  steer(axis, dx, dy) {
    if (!this.tour) return;
    const [px, py] = deltaToProjection(this.view, dx, dy);
    const p = this.tour.drag(axis, px, py);
    this.xyCache = null;
    this.lastNudge = performance.now();
    this.sendProjection.call(projectionRows(p, this.tour.d));
    this.schedule();
  }

  /**
   * A lasso ended: select the shown points inside `path` (added to the selection when
   * `additive`); a click (`moved` false) clears it, or keeps it when additive.
   * @param {Array<[number, number]>} path
   * @param {boolean} additive
   * @param {boolean} moved
   */
  selectLasso(path, additive, moved) {
    let next;
    if (!moved) {
      next = additive ? [...this.selected].sort((a, b) => a - b) : [];
    } else {
      const inside = pointsInLasso(this.screenPositions(), path, (k) => this.isShown(k));
      next = additive ? mergeSorted([...this.selected], inside) : inside;
    }
    this.writeModel("selection", next);
    this.readSelection();
  }

  /** @param {number} deltaY  the wheel's */
  zoomBy(deltaY) {
    const z = Number(this.model.get("zoom")) || 1;
    const next = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z * Math.exp(-deltaY * 0.0015)));
    if (next === z) return;
    this.lastNudge = performance.now();
    this.model.set("zoom", next); // shown now; written to Python at most every SYNC_INTERVAL
    this.sendZoom.call(next);
    this.xyCache = null;
    this.root.dataset.zoom = next.toFixed(4);
    this.syncZoomControl();
    this.schedule();
  }

  /**
   * The hover card's lines for point i: index and label, then the prediction at this frame.
   * @param {number} i
   */
  cardLines(i) {
    const lines = [this.labels ? `#${i} · ${this.className(this.labels[i])}` : `#${i}`];
    if (this.predictions && this.data) {
      const k = Math.round(this.frame);
      const pred = this.predictions[k * this.data.n + i];
      if (pred >= 0) {
        const at = this.data.frames > 1 ? ` at ${(this.model.get("frame_names") ?? [])[k] ?? `frame ${k}`}` : "";
        lines.push(`predicted${at}: ${this.className(pred)}`);
      }
    }
    return lines;
  }

  showCard() {
    const { hover, position, press, hoverKnob } = this.pointer;
    if (hoverKnob >= 0 && position && !press) {
      const note = this.dimNote(hoverKnob);
      this.card.show(
        -2 - hoverKnob,
        note ? [this.dimName(hoverKnob), note] : [this.dimName(hoverKnob)],
        null,
        position[0],
        position[1],
      );
    } else if (hover >= 0 && position && !press) {
      this.card.show(hover, this.cardLines(hover), this.thumbs, position[0], position[1]);
    } else {
      this.card.hide();
    }
  }

  // --- tests and benchmarks ---------------------------------------------------------
  exposeTestHooks() {
    /** @param {[number, number]|Float64Array} xy */
    const client = (xy) => {
      const box = this.overlay.getBoundingClientRect();
      return { x: box.left + xy[0], y: box.top + xy[1] };
    };
    this.expose({
      /** Client (viewport) px of axis knob i. */
      knobPosition: (i) => {
        const k = this.knobPositions();
        return client([k[2 * i], k[2 * i + 1]]);
      },
      /** Client px of point i now. */
      projectPoint: (i) => client(this.projectPoint(i)),
      /** The current projection, d rows of [x, y]. */
      projection: () => (this.tour ? projectionRows(this.tour.projection(), this.tour.d) : []),
      /** The tour's time since its last re-base (a drag or a projection from Python). */
      tourTime: () => (this.tour ? this.tour.t : 0),
      /** The guided path's keyframes (each d rows of [x, y]) and the one it heads to. */
      guided: () => ({
        index: this.guided ? this.guided.index : -1,
        phase: this.guided ? this.guided.phase : "",
        keyframes: this.guidedPlanes.map((p) => projectionRows(p, p.length / 2)),
      }),
      /** The axis names drawn last: text and box (client px). */
      axisLabels: () => {
        const box = this.overlay.getBoundingClientRect();
        return this.labelBoxes.map((b) => ({
          i: b.i,
          text: b.text,
          x0: box.left + b.x0,
          y0: box.top + b.y0,
          x1: box.left + b.x1,
          y1: box.top + b.y1,
        }));
      },
      /** The 1st–99th percentile box of every point's position now, and the canvas (CSS px). */
      cloudBox: () => {
        const xy = projectAll(
          this.data?.points ?? new Float32Array(0),
          this.data ?? { frames: 1, n: 0, d: 2 },
          this.frame,
          this.tour?.projection() ?? new Float64Array(4),
          this.pointView,
        );
        return { ...(robustBox(xy) ?? { x0: 0, x1: 0, y0: 0, y1: 0 }), w: this.size.w, h: this.size.h };
      },
    });
    this.root.__nbvizStats = this.stats;
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(GrandTourView, model, el);
}

export default { render };
