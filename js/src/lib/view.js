// The skeleton every nbviz view is built on. A view subclasses View and keeps only its
// own drawing and interaction; the skeleton owns what every view needs:
//
//   - model binding:  this.on("a b c", fn) calls fn(name) when trait a, b or c changes;
//                     this.onMessage(TYPE, fn) for custom messages (lib/messages.js);
//                     this.listen(target, type, fn) for DOM events; all undone by
//                     destroy(), as is whatever is passed to this.own(...)
//   - decoding:       this.decode(name, dtype, check): a typed array, or null when the
//                     trait is absent or unusable (the reason on the console)
//   - write-back:     this.write(name, value): set and save_changes, only when changed;
//                     this.writeAll({a, b}): several traits in one save_changes;
//                     this.writer(name, ms): the same, at most once per ms
//   - frames:         this.schedule("grid", "charts") → one this.draw(dirty, dt) per
//                     animation frame (frame_loop.js); none while the view is off screen
//                     or its tab hidden (visibility.js), and no jump in time on return
//   - panels:         this.addPanel("grid", panel): the default draw(dirty) draws each
//                     panel whose part is dirty, then sets data-ready (panel.js)
//   - sizes:          this.watchSize(el, ...parts) redraws parts when el changes size
//   - theme:          this.theme (JupyterLab's colours), re-read on a theme change, which
//                     calls this.themeChanged() (default: redraw everything)
//   - status strip:   this.statusStrip() (job progress, Stop, errors)
//   - test hooks:     root.__nbvizTest: framesRequested(), onScreen(), plus this.expose({...})
//   - destroy():      cancel the frame, run every disposer (last first), remove the root
//
//   class MyView extends View {
//     constructor(model, el) {
//       super(model, el, { name: "MyView", className: "nbviz-my-view", parts: ["plot"] });
//       this.root.append(this.statusStrip(), ...);
//       this.on("data", () => this.schedule("plot"));
//       this.schedule();
//     }
//     draw(dirty, dt) { ... }
//   }
//   function render({ model, el }) {
//     return mount(MyView, model, el);
//   }
//   export default { render };
import { watchSizes } from "./canvas.js";
import { decodeTrait, writeTrait } from "./codec.js";
import { h, listen } from "./dom.js";
import { createFrameLoop } from "./frame_loop.js";
import { createStatus } from "./status.js";
import { onThemeChange, readTheme } from "./theme.js";
import { throttle } from "./throttle.js";
import "./view.css";
import { watchVisibility } from "./visibility.js";

/** @typedef {import("./model.js").Model} Model */
/** @typedef {(() => void) | {destroy: () => void}} Disposable */

export class View {
  /**
   * @param {Model} model
   * @param {HTMLElement} el  where anywidget renders the view
   * @param {{name: string, className: string, parts?: string[]}} options  `name` prefixes
   *   console messages; `className` is the root's; `parts` are the names schedule() takes
   */
  constructor(model, el, { name, className, parts = [] }) {
    this.model = model;
    this.name = name;
    /** @type {Array<() => void>} */
    this.disposers = [];
    /** @type {HTMLDivElement & {__nbvizTest?: Record<string, Function>, __nbvizStats?: unknown}} */
    this.root = h("div", `nbviz-view ${className}`);
    el.appendChild(this.root);
    /** @type {import("./theme.js").Theme|null} */
    this.currentTheme = null;
    /** @type {Map<string, {draw: (theme: import("./theme.js").Theme) => void}>} */
    this.panels = new Map();
    this.frames = createFrameLoop({ parts, draw: (dirty, dt) => this.draw(dirty, dt) });
    this.own(() => this.frames.stop());
    this.own(watchVisibility(this.root, (onScreen) => this.frames.setOnScreen(onScreen)));
    this.own(
      onThemeChange(() => {
        this.currentTheme = null;
        this.themeChanged();
      }),
    );
    const frames = this.frames;
    this.root.__nbvizTest = {
      /** Animation frames the view has requested so far. */
      framesRequested: () => frames.framesRequested,
      /** Whether the view counts itself as on screen (so draws). */
      onScreen: () => frames.onScreen,
    };
  }

  // --- binding ----------------------------------------------------------------------
  /**
   * Call `fn(name)` when any of the traits `names` (space-separated) changes.
   * @param {string} names
   * @param {(name: string) => void} fn
   */
  on(names, fn) {
    for (const name of names.split(/\s+/)) if (name) this.onEvent(`change:${name}`, () => fn(name));
  }

  /**
   * Call `fn(content, buffers)` for each custom message from Python of type `type`.
   * @param {string} type  one of lib/messages.js
   * @param {(content: any, buffers: DataView[]) => void} fn
   */
  onMessage(type, fn) {
    this.onEvent("msg:custom", (content, buffers) => {
      if (content && content.type === type) fn(content, buffers);
    });
  }

  /**
   * Call `fn` for each model event `event` (anywidget's names: "change:x", "msg:custom").
   * @param {string} event
   * @param {(...args: any[]) => void} fn
   */
  onEvent(event, fn) {
    this.model.on(event, fn);
    this.own(() => this.model.off(event, fn));
  }

  /**
   * Add a DOM event listener, removed on destroy.
   * @param {EventTarget} target
   * @param {string} type
   * @param {(event: any) => void} fn
   * @param {AddEventListenerOptions|boolean} [options]
   */
  listen(target, type, fn, options) {
    this.own(listen(target, type, fn, options));
  }

  /**
   * Undo each of `things` on destroy (functions are called, objects destroyed), last
   * added first.
   * @param {...Disposable} things
   */
  own(...things) {
    for (const t of things) this.disposers.push(typeof t === "function" ? t : () => t.destroy());
  }

  // --- model values -----------------------------------------------------------------
  /**
   * The array trait `name` decoded, or null when absent, not of `dtype`, or when
   * `check(shape)` fails (those two with the reason on the console).
   * @param {string} name
   * @param {"float32"|"uint8"|"int32"} dtype
   * @param {(shape: number[]) => boolean} [check]
   */
  decode(name, dtype, check = () => true) {
    return decodeTrait(this.model, name, dtype, check, this.name);
  }

  /**
   * Set trait `name` and sync it to Python, unless it already holds `value`.
   * @param {string} name
   * @param {unknown} value
   */
  write(name, value) {
    writeTrait(this.model, name, value);
  }

  /**
   * Set several traits and sync those that changed in one save_changes (one message, so
   * Python's observers see them together).
   * @param {Record<string, unknown>} values
   */
  writeAll(values) {
    let changed = false;
    for (const [name, value] of Object.entries(values)) {
      if (this.model.get(name) === value) continue;
      this.model.set(name, value);
      changed = true;
    }
    if (changed) this.model.save_changes();
  }

  /**
   * A rate-limited {@link write} of trait `name`: at most one per `interval` ms, the last
   * value wins; a pending value is written on destroy (or dropped, with `flushOnDestroy`
   * false).
   * @param {string} name
   * @param {number} interval
   * @param {{flushOnDestroy?: boolean, write?: (value: any) => void}} [options]
   */
  writer(name, interval, { flushOnDestroy = true, write = (v) => this.write(name, v) } = {}) {
    const t = throttle(write, interval);
    this.own(() => (flushOnDestroy ? t.flush() : t.cancel()));
    return t;
  }

  /** The job status strip (state, progress, Stop, errors), owned by this view. */
  statusStrip() {
    const status = createStatus(this.model);
    this.own(status);
    return status.el;
  }

  // --- frames -----------------------------------------------------------------------
  /**
   * Mark `parts` dirty (all of them when none is named) and draw them in the next
   * animation frame, or when the view is next on screen.
   * @param {...string} parts
   */
  schedule(...parts) {
    this.frames.schedule(...parts);
  }

  /**
   * Draw the dirty parts; called once per animation frame. A draw that schedules again
   * (an animation) gets `dt`, the seconds since this frame, in the next; else dt is 0.
   * By default: draw each panel whose part is dirty ({@link addPanel}), then mark the
   * root `data-ready`.
   * @param {Set<string>} dirty
   * @param {number} _dt
   */
  draw(dirty, _dt) {
    for (const [part, panel] of this.panels) if (dirty.has(part)) panel.draw(this.theme);
    this.root.dataset.ready = "true";
  }

  /**
   * Make `panel` the drawing of part `part` (see {@link draw}); destroyed with the view
   * when it has a destroy().
   * @template {{draw: (theme: import("./theme.js").Theme) => void, destroy?: () => void}} P
   * @param {string} part
   * @param {P} panel
   * @returns {P}
   */
  addPanel(part, panel) {
    this.panels.set(part, panel);
    if (panel.destroy) this.own(() => panel.destroy?.());
    return panel;
  }

  /**
   * Redraw `parts` (all when none) when `el` changes size; read its size with sizeOf.
   * @param {Element} el
   * @param {...string} parts
   */
  watchSize(el, ...parts) {
    if (typeof ResizeObserver === "function") this.own(watchSizes([el], () => this.schedule(...parts)));
    else if (typeof window !== "undefined") this.listen(window, "resize", () => this.schedule(...parts));
  }

  /** JupyterLab's theme colours as seen from the root (read once per theme). */
  get theme() {
    if (!this.currentTheme) this.currentTheme = readTheme(this.root);
    return this.currentTheme;
  }

  /** Called after JupyterLab switched theme; redraws everything unless overridden. */
  themeChanged() {
    this.schedule();
  }

  // --- tests and teardown -----------------------------------------------------------
  /**
   * Add functions to `root.__nbvizTest`, which the browser tests and benchmarks call.
   * @param {Record<string, Function>} hooks
   */
  expose(hooks) {
    Object.assign(/** @type {Record<string, Function>} */ (this.root.__nbvizTest), hooks);
  }

  /** Undo everything: no frame is drawn after this, no listener is left. */
  destroy() {
    for (const dispose of this.disposers.splice(0).reverse()) dispose();
    delete this.root.__nbvizTest;
    this.root.remove();
  }
}

/**
 * Render a view of `model` into `el` (anywidget's `render`): returns its cleanup.
 * @param {new (model: Model, el: HTMLElement) => View} ViewClass
 * @param {Model} model
 * @param {HTMLElement} el
 * @returns {() => void}
 */
export function mount(ViewClass, model, el) {
  const view = new ViewClass(model, el);
  return () => view.destroy();
}
