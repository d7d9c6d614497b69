// @vitest-environment happy-dom
// The LDAM viewer in a DOM without canvas pixels: structure, text-only names, model
// wiring (λ slider, scrubber, live, run), and (with a stand-in 2-D context and a sized
// grid) the grid layout by group, hover tooltips and the test hooks. Drawing itself is
// checked in a real browser.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget from "../src/ldam_viewer/index.js";
import { FakeModel, encoded } from "./fake_model.js";

const N = 4;
const HW = 3;
const L = 5;

function samples(seed = 0, n = N, c = 1) {
  const a = new Uint8Array(n * HW * HW * c);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37 + seed) & 255;
  return encoded(a, [n, HW, HW, c], "uint8");
}

/** Row 0: activation = chain + step/10; row 1: log D = -chain; chain 3 stops at the last step. */
function traces() {
  const t = new Float32Array(2 * N * L);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < L; j++) {
      t[i * L + j] = i + j / 10;
      t[N * L + i * L + j] = -i - 0.5;
    }
  }
  t[3 * L + L - 1] = NaN;
  t[N * L + 3 * L + L - 1] = NaN;
  return encoded(t, [2, N, L], "float32");
}

function state() {
  return {
    samples: samples(),
    sample_step: 120,
    chain_groups: encoded(Int32Array.of(1, 0, 1, 0), [N], "int32"),
    group_names: ["fc1 unit 3", "<b>fc2</b> unit 7"],
    tradeoff: 2,
    tradeoff_max: 8,
    temperature: 0.01,
    acceptance: 0.574,
    traces: traces(),
    trace_steps: encoded(Int32Array.of(80, 90, 100, 110, 120), [L], "int32"),
    history_len: 10,
    history_index: -1,
    top_images: samples(5, 3, 3),
    running: false,
    image_scale: 4,
    height: 160,
    job_state: "idle",
    job_progress: -1,
    job_message: "",
    job_error: "",
  };
}

const frame = () => new Promise((r) => setTimeout(r, 40));
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** A 2-D context that accepts every call and property; measureText gives 6 px a char. */
function fakeContext() {
  const target = { measureText: (t) => ({ width: String(t).length * 6 }) };
  return new Proxy(target, {
    get: (t, k) => (k in t ? t[k] : () => {}),
    set: (t, k, v) => {
      t[k] = v;
      return true;
    },
  });
}

/** Give every stage a size (happy-dom does no layout) and a page box at 0,0. */
function sizeStages(root, w = 400, hgt = 160) {
  for (const stage of root.querySelectorAll(".nbviz-ldam-viewer-stage")) {
    Object.defineProperty(stage, "clientWidth", { configurable: true, get: () => w });
    Object.defineProperty(stage, "clientHeight", { configurable: true, get: () => hgt });
    stage.getBoundingClientRect = () => ({ left: 0, top: 0, right: w, bottom: hgt, width: w, height: hgt, x: 0, y: 0 });
  }
}

const pointer = (type, x, y) => new MouseEvent(type, { clientX: x, clientY: y, bubbles: true });

function slide(input, value, events = ["input"]) {
  input.value = String(value);
  for (const e of events) input.dispatchEvent(new Event(e, { bubbles: true }));
}

describe("LdamViewer view", () => {
  let el;
  let model;
  const cleanups = [];

  beforeEach(() => {
    el = document.createElement("div");
    document.body.appendChild(el);
    model = new FakeModel(state());
  });

  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    el.remove();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  function render(target = el) {
    const cleanup = widget.render({ model, el: target });
    cleanups.push(cleanup);
    return target.querySelector(".nbviz-ldam-viewer");
  }

  it("builds its controls, canvases and data attributes; names stay text", async () => {
    const root = render();
    for (const cls of ["grid", "activation", "logd", "top"]) {
      expect(root.querySelector(`canvas.nbviz-ldam-viewer-${cls}`)).not.toBeNull();
    }
    const slider = root.querySelector("input.nbviz-ldam-viewer-tradeoff");
    expect(slider.max).toBe("8");
    expect(slider.value).toBe("2");
    expect(slider.closest("label").textContent).toMatch(/accuracy.*interpretability/);
    expect(root.querySelector(".nbviz-ldam-viewer-value").textContent).toBe("2");
    expect(root.querySelector(".nbviz-ldam-viewer-sampler").textContent).toBe("temperature 0.01 · acceptance 57.4%");
    expect(root.querySelector(".nbviz-ldam-viewer-step").textContent).toBe("step 120 (live)");
    expect(root.querySelector(".nbviz-ldam-viewer-live").getAttribute("aria-pressed")).toBe("true");
    const scrubber = root.querySelector("input.nbviz-ldam-viewer-scrubber");
    expect(scrubber.max).toBe("9");
    expect(scrubber.value).toBe("9");
    expect(root.querySelector(".nbviz-ldam-viewer-run").disabled).toBe(false);
    expect(root.dataset).toMatchObject({ chains: "4", tradeoff: "2" });
    expect(root.querySelector(".nbviz-status").hidden).toBe(true);
    expect(root.querySelector(".nbviz-ldam-viewer-top").closest(".nbviz-ldam-viewer-panel").hidden).toBe(false);
    await frame();
    expect(root.dataset.ready).toBe("true");
    expect(root.dataset.step).toBe("120");
    const chains = root.querySelector(".nbviz-ldam-viewer-chains");
    const headers = [...chains.querySelectorAll(".nbviz-ldam-viewer-header")];
    expect(headers.map((e) => e.textContent)).toEqual(["fc1 unit 3", "<b>fc2</b> unit 7"]);
    expect(root.querySelector(".nbviz-ldam-viewer-header b")).toBeNull();
  });

  it("the λ slider writes tradeoff at most ~30/s and always the last value", async () => {
    const root = render();
    const slider = root.querySelector("input.nbviz-ldam-viewer-tradeoff");
    slide(slider, 3);
    expect(model.get("tradeoff")).toBe(3);
    expect(model.saved).toBe(1);
    slide(slider, 4);
    slide(slider, 5);
    expect(model.get("tradeoff")).toBe(3); // throttled
    expect(root.querySelector(".nbviz-ldam-viewer-value").textContent).toBe("5");
    await wait(60);
    expect(model.get("tradeoff")).toBe(5);
    expect(model.saved).toBe(2);
    expect(root.dataset.tradeoff).toBe("5");
    await wait(40);
    slide(slider, 6);
    slide(slider, 7, ["input", "change"]); // release: flushed now
    expect(model.get("tradeoff")).toBe(7);
    model.set("tradeoff_max", 20);
    expect(slider.max).toBe("20");
    model.set("tradeoff", 12);
    expect(slider.value).toBe("12");
    expect(root.dataset.tradeoff).toBe("12");
  });

  it("the scrubber writes history_index, live writes -1, and the caption follows", async () => {
    const root = render();
    const scrubber = root.querySelector("input.nbviz-ldam-viewer-scrubber");
    slide(scrubber, 4);
    expect(model.get("history_index")).toBe(4);
    slide(scrubber, 5);
    slide(scrubber, 6); // pending in the throttle…
    root.querySelector(".nbviz-ldam-viewer-live").click(); // …and dropped by live
    expect(model.get("history_index")).toBe(-1);
    await wait(60);
    expect(model.get("history_index")).toBe(-1);
    slide(scrubber, 2, ["input", "change"]);
    expect(model.get("history_index")).toBe(2);
    model.set("sample_step", 40);
    await frame(); // the caption follows in the next drawing frame
    expect(root.querySelector(".nbviz-ldam-viewer-step").textContent).toBe("step 40 (history 2/10)");
    expect(root.querySelector(".nbviz-ldam-viewer-live").getAttribute("aria-pressed")).toBe("false");
    expect(root.dataset.historyIndex).toBe("2");
    model.set("history_len", 0);
    await frame();
    expect(scrubber.disabled).toBe(true);
  });

  it("▶ Run sends {type: 'run'} when not running; Stop comes from the status strip", () => {
    const root = render();
    const run = root.querySelector(".nbviz-ldam-viewer-run");
    run.click();
    expect(model.sent).toEqual([{ type: "run" }]);
    model.set("running", true);
    model.set("job_state", "running");
    expect(run.disabled).toBe(true);
    run.click();
    expect(model.sent).toEqual([{ type: "run" }]);
    expect(root.querySelector(".nbviz-status").hidden).toBe(false);
    root.querySelector(".nbviz-status-stop").click();
    expect(model.sent).toContainEqual({ type: "stop" });
    model.set("running", false);
    expect(run.disabled).toBe(false);
  });

  it("handles missing, null and bad traits", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    model = new FakeModel({ samples: { dtype: "uint8", shape: [2, 3, 3, 1], buffer: new ArrayBuffer(5) }, acceptance: -1 });
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => fakeContext());
    const root = render();
    sizeStages(root);
    expect(logged).toHaveBeenCalled();
    await frame();
    expect(root.dataset.ready).toBe("true");
    expect(root.dataset.chains).toBe("0");
    expect(root.querySelector("input.nbviz-ldam-viewer-tradeoff").max).toBe("10");
    expect(root.querySelector(".nbviz-ldam-viewer-sampler").textContent).toBe("");
    expect(root.querySelector(".nbviz-ldam-viewer-step").textContent).toBe("step – (live)");
    expect(root.querySelector(".nbviz-ldam-viewer-top").closest(".nbviz-ldam-viewer-panel").hidden).toBe(true);
    const empties = [...root.querySelectorAll(".nbviz-ldam-viewer-empty")].filter((e) => !e.hidden);
    expect(empties.length).toBe(3); // grid and both charts
    expect(root.__nbvizTest.chainPosition(0)).toBeNull();
    model.set("samples", samples(0, 2));
    await frame();
    expect(root.dataset.chains).toBe("2");
    expect(root.__nbvizTest.chainPosition(1)).not.toBeNull();
  });

  describe("with a 2-D context and sized stages", () => {
    beforeEach(() => {
      vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => fakeContext());
    });

    it("lays chains out by group and shows a tooltip from the last trace column", async () => {
      const root = render();
      sizeStages(root);
      await frame();
      expect(root.dataset.framesDrawn).toBe("1");
      const hook = root.__nbvizTest;
      const p = [0, 1, 2, 3].map((i) => hook.chainPosition(i));
      // Group 0 (chains 1, 3) is the first block, group 1 (chains 0, 2) below it.
      expect(p[1].y).toBe(p[3].y);
      expect(p[0].y).toBe(p[2].y);
      expect(p[0].y).toBeGreaterThan(p[1].y);
      expect(p[3].x).toBeGreaterThan(p[1].x);
      expect(p[0].x).toBe(p[1].x);

      const stage = root.querySelector(".nbviz-ldam-viewer-grid").parentElement;
      stage.dispatchEvent(pointer("pointermove", p[2].x, p[2].y));
      const tip = stage.querySelector(".nbviz-tooltip");
      expect(tip.hidden).toBe(false);
      expect(tip.textContent).toBe("chain 2 · <b>fc2</b> unit 7 · activation 2.4 · log D -2.5");
      expect(tip.querySelector("b")).toBeNull();
      stage.dispatchEvent(pointer("pointermove", p[3].x, p[3].y));
      expect(tip.textContent).toBe("chain 3 · fc1 unit 3 · activation – · log D –"); // stopped: NaN
      stage.dispatchEvent(pointer("pointerleave", 0, 0));
      expect(tip.hidden).toBe(true);
    });

    it("shows the top real images in the chains' groups, names as text", async () => {
      const root = render();
      model.set("top_images", samples(5, 4, 1)); // 2 per group, groups in order
      sizeStages(root);
      await frame();
      const top = root.querySelector(".nbviz-ldam-viewer-top").parentElement;
      const headers = [...top.querySelectorAll(".nbviz-ldam-viewer-header")];
      expect(headers.map((e) => e.textContent)).toEqual(["fc1 unit 3", "<b>fc2</b> unit 7"]);
      expect(top.querySelector("b")).toBeNull();
      // hovering a top image names its group and its caption from Python, as text
      model.set("top_captions", ["#5 · activation 9", "#7 · activation 8", "<i>#2</i>", "#9 · activation 3"]);
      const p2 = root.__nbvizTest.topImagePosition(2);
      top.dispatchEvent(pointer("pointermove", p2.x, p2.y));
      const tip = top.querySelector(".nbviz-tooltip");
      expect(tip.hidden).toBe(false);
      expect(tip.textContent).toBe("<b>fc2</b> unit 7 · <i>#2</i>");
      expect(tip.querySelector("i")).toBeNull();
      top.dispatchEvent(pointer("pointerleave", 0, 0));
      expect(tip.hidden).toBe(true);
      model.set("top_images", samples(5, 3, 1)); // not a multiple of the groups: one block
      await frame();
      expect(top.querySelectorAll(".nbviz-ldam-viewer-header").length).toBe(0);
    });

    it("redraws the grid once per frame however many samples arrive", async () => {
      const root = render();
      sizeStages(root);
      await frame();
      expect(root.dataset.framesDrawn).toBe("1");
      for (let k = 1; k <= 5; k++) {
        model.set("samples", samples(k));
        model.set("sample_step", 120 + k);
      }
      await frame();
      expect(root.dataset.framesDrawn).toBe("2");
      expect(root.dataset.step).toBe("125");
      model.set("traces", traces()); // charts only
      await frame();
      expect(root.dataset.framesDrawn).toBe("2");
      model.set("image_scale", 5); // the same step drawn again: a frame, not a new picture
      await frame();
      expect(root.__nbvizTest.counts()).toEqual({ framesDrawn: 3, picturesDrawn: 2 });
    });
  });

  it("cleanup removes every listener; two views of one model are independent", async () => {
    const el2 = document.createElement("div");
    document.body.appendChild(el2);
    render(el);
    const b = render(el2);
    const perView = model.listenerCount() / 2;
    expect(perView).toBeGreaterThan(0);
    cleanups.shift()();
    expect(el.children.length).toBe(0);
    expect(model.listenerCount()).toBe(perView);
    model.set("tradeoff", 1.5);
    expect(b.dataset.tradeoff).toBe("1.5");
    cleanups.shift()();
    expect(model.listenerCount()).toBe(0);
    expect(el2.children.length).toBe(0);
    el2.remove();
    await frame(); // a frame scheduled before cleanup must not throw
  });
});
