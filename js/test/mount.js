// Mounting views in happy-dom for tests: render a view module on a FakeModel into an
// element of the document, clean every mounted view up after each test, and stand in for
// what happy-dom lacks (layout sizes, a 2-D canvas context).
import { afterEach, beforeEach, expect, vi } from "vitest";
import { FakeModel } from "./fake_model.js";

/**
 * @typedef {Object} Mounted
 * @property {FakeModel} model
 * @property {HTMLElement} el  the element anywidget would render into
 * @property {HTMLElement & {__nbvizTest?: any}} root  the view's root element
 * @property {() => void} cleanup  the view's cleanup (safe to call twice)
 */

/** @type {Mounted[]} */
const mounted = [];

/**
 * Render `widget` (a view module's default export) for `model` (or a state object, made
 * into a FakeModel) into a new element of the document.
 * @param {{render: (ctx: {model: any, el: HTMLElement}) => () => void}} widget
 * @param {FakeModel|Record<string, unknown>} model
 * @returns {Mounted}
 */
export function mountView(widget, model) {
  const m = model instanceof FakeModel ? model : new FakeModel(model);
  const el = document.createElement("div");
  document.body.appendChild(el);
  const undo = widget.render({ model: m, el });
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    undo();
  };
  const view = { model: m, el, root: /** @type {HTMLElement} */ (el.firstElementChild), cleanup };
  mounted.push(view);
  return view;
}

/** The job traits of the status strip, with no job running. */
export const IDLE_JOB = Object.freeze({ job_state: "idle", job_progress: -1, job_message: "", job_error: "" });

/**
 * The set-up of a view's test file: `fixture.model`, a FakeModel of `state()` (with no job
 * running) made fresh before each test (a test may replace it), `fixture.render()` to
 * mount a view of it (its root), `fixture.layOut(root, w?, h?)` to give the view's
 * `stages` a layout size (default `size`; returns the first stage), `renderDrawn()` for
 * both and a frame, and every view mounted in a test cleaned up after it.
 * @param {{render: (ctx: {model: any, el: HTMLElement}) => () => void}} widget
 * @param {() => Record<string, unknown>} state
 * @param {{stages: string, size: [number, number]}} layout  a selector, and a size in px
 */
export function viewFixture(widget, state, { stages, size }) {
  const fresh = () => new FakeModel({ ...IDLE_JOB, ...state() });
  const fixture = {
    model: fresh(),
    render: () => mountView(widget, fixture.model).root,
    layOut: (/** @type {Element} */ root, w = size[0], hgt = size[1]) => {
      layOut(root, stages, w, hgt);
      return /** @type {HTMLElement} */ (root.querySelector(stages));
    },
    /**
     * {@link expectIndependentViews} of the model, setting `trait` to `value`.
     * @param {string} trait
     * @param {unknown} value
     * @param {(root: HTMLElement) => void} shows
     */
    expectIndependentViews: (trait, value, shows) =>
      expectIndependentViews(widget, fixture.model, (model) => model.set(trait, value), shows),
    /** Mount a view, lay it out and wait for its first drawing; its root. */
    renderDrawn: async () => {
      const root = fixture.render();
      fixture.layOut(root);
      await frame();
      return root;
    },
  };
  beforeEach(() => {
    fixture.model = fresh();
  });
  afterEach(unmountAll);
  return fixture;
}

/**
 * Two views of one model are independent: each has listeners of its own; cleaning the
 * first up removes its root and its listeners and leaves the second live (`change(model)`
 * reaches it: `shows(root)`); no frame scheduled before a cleanup throws.
 * @param {{render: (ctx: {model: any, el: HTMLElement}) => () => void}} widget
 * @param {FakeModel} model
 * @param {(model: FakeModel) => void} change
 * @param {(root: HTMLElement) => void} shows
 */
export async function expectIndependentViews(widget, model, change, shows) {
  const first = mountView(widget, model);
  const second = mountView(widget, model);
  expect(first.root).not.toBe(second.root);
  const perView = model.listenerCount() / 2;
  expect(perView).toBeGreaterThan(0);
  first.cleanup();
  expect(first.el.children.length).toBe(0);
  expect(model.listenerCount()).toBe(perView);
  change(model);
  shows(second.root);
  second.cleanup();
  expect(model.listenerCount()).toBe(0);
  expect(second.el.children.length).toBe(0);
  await frame(); // a frame scheduled before cleanup must not throw
}

/** Clean up every mounted view, remove their elements, restore mocks (use in afterEach). */
export function unmountAll() {
  for (const view of mounted.splice(0)) {
    view.cleanup();
    view.el.remove();
  }
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
}

/** Wait long enough for the next animation frame (happy-dom's are 16 ms timers). */
export const frame = () => wait(40);

/** @param {number} ms */
export const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A pointer event at client (x, y).
 * @param {string} type
 * @param {number} x
 * @param {number} y
 * @param {PointerEventInit} [init]
 */
export function pointer(type, x, y, init = {}) {
  return new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true, pointerId: 1, ...init });
}

/**
 * Set a range input's value and fire `events` on it, as a user's drag does.
 * @param {HTMLInputElement} input
 * @param {number|string} value
 * @param {string[]} [events]
 */
export function slide(input, value, events = ["input"]) {
  input.value = String(value);
  for (const e of events) input.dispatchEvent(new Event(e, { bubbles: true }));
}

/**
 * Give the elements matching `selector` under `root` a w×h layout size (happy-dom does no
 * layout), and them and their canvases a page box at (0, 0).
 * @param {Element} root
 * @param {string} selector
 * @param {number} w
 * @param {number} hgt
 */
export function layOut(root, selector, w, hgt) {
  const box = () => ({ left: 0, top: 0, right: w, bottom: hgt, width: w, height: hgt, x: 0, y: 0, toJSON() {} });
  for (const el of root.querySelectorAll(selector)) {
    Object.defineProperty(el, "clientWidth", { configurable: true, get: () => w });
    Object.defineProperty(el, "clientHeight", { configurable: true, get: () => hgt });
    el.getBoundingClientRect = box;
    for (const c of el.querySelectorAll("canvas")) c.getBoundingClientRect = box;
  }
}

/** A 2-D context that accepts every call and property; measureText gives 6 px a char. */
export function fakeContext() {
  const target = { measureText: (/** @type {unknown} */ t) => ({ width: String(t).length * 6 }) };
  return new Proxy(target, {
    get: (t, k) => (k in t ? t[k] : () => {}),
    set: (t, k, v) => {
      t[k] = v;
      return true;
    },
  });
}

/** Make every canvas's getContext return a {@link fakeContext} (undone by unmountAll). */
export function fakeCanvasContexts() {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => /** @type {any} */ (fakeContext()));
}

/**
 * Replace IntersectionObserver (happy-dom's never reports) with one the test drives:
 * `set(el, visible)` tells every observer of `el`. Undone by vi.unstubAllGlobals().
 */
export function stubIntersections() {
  /** @type {Set<{callback: Function, targets: Set<Element>}>} */
  const observers = new Set();
  class FakeIntersectionObserver {
    /** @param {Function} callback */
    constructor(callback) {
      this.callback = callback;
      this.targets = new Set();
      observers.add(this);
    }
    /** @param {Element} el */
    observe(el) {
      this.targets.add(el);
    }
    /** @param {Element} el */
    unobserve(el) {
      this.targets.delete(el);
    }
    disconnect() {
      observers.delete(this);
    }
    takeRecords() {
      return [];
    }
  }
  vi.stubGlobal("IntersectionObserver", FakeIntersectionObserver);
  return {
    /**
     * @param {Element} el
     * @param {boolean} visible
     */
    set(el, visible) {
      for (const o of [...observers]) {
        if (o.targets.has(el)) o.callback([{ target: el, isIntersecting: visible }], o);
      }
    },
  };
}

/** Switch `document.visibilityState` as a background tab does, with its event. */
export function hidePage() {
  /** @param {"hidden"|"visible"} state */
  const become = (state) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
    document.dispatchEvent(new Event("visibilitychange"));
  };
  return { hide: () => become("hidden"), show: () => become("visible") };
}
