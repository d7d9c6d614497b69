// @vitest-environment happy-dom
// The view in a DOM without WebGL: it says so (not a blank box), builds its controls and
// legend from the model as text, and cleans up every listener.
import { afterEach, describe, expect, it } from "vitest";
import { createHoverCard } from "../src/grand_tour/hovercard.js";
import widget from "../src/grand_tour/index.js";
import { encoded } from "./fake_model.js";
import { hidePage, mountView, stubIntersections, unmountAll, wait } from "./mount.js";

function state() {
  const pts = Float32Array.from({ length: 2 * 6 * 3 }, (_, k) => Math.sin(k));
  return {
    points: encoded(pts, [2, 6, 3], "float32"),
    labels: encoded(Int32Array.from([0, 1, 2, 0, 1, 2]), [6], "int32"),
    class_names: ["cat", "dog", "<b>emu</b>"],
    dim_names: ["a", "b", "c"],
    thumbnails: null,
    projection: [
      [1, 0],
      [0, 1],
      [0, 0],
    ],
    playing: false,
    speed: 1,
    frame: 0,
    frame_names: ["epoch 0", "epoch 1"],
    selection: [],
    hidden_classes: [],
    point_size: 3,
    height: 300,
    seed: 0,
    job_state: "idle",
    job_progress: -1,
    job_message: "",
    job_error: "",
  };
}

afterEach(unmountAll);

describe("GrandTour view without WebGL2", () => {
  it("shows a message, its data attributes, controls and a text-only legend", () => {
    const { model, el, root, cleanup } = mountView(widget, state());
    expect(root).not.toBeNull();
    expect(root.querySelector("canvas.nbviz-grand-tour-canvas")).not.toBeNull();
    expect(root.dataset.webgl).toBe("none");
    const msg = root.querySelector(".nbviz-grand-tour-error");
    expect(msg.hidden).toBe(false);
    expect(msg.textContent).toMatch(/WebGL2/);
    expect([root.dataset.n, root.dataset.d, root.dataset.frames]).toEqual(["6", "3", "2"]);
    const buttons = [...root.querySelectorAll(".nbviz-grand-tour-legend button")];
    expect(buttons.map((b) => b.textContent)).toEqual(["cat", "dog", "<b>emu</b>"]);
    expect(root.querySelector(".nbviz-grand-tour-legend b")).toBeNull();
    expect(root.querySelector(".nbviz-grand-tour-frame-label").textContent).toBe("epoch 0");

    // Legend click hides a class in the model; the frame slider writes `frame`.
    buttons[1].click();
    expect(model.get("hidden_classes")).toEqual([1]);
    const slider = root.querySelector(".nbviz-grand-tour-frame-slider");
    slider.value = "1";
    slider.dispatchEvent(new Event("input"));
    expect(model.get("frame")).toBe(1);
    expect(root.dataset.frame).toBe("1.000");
    root.querySelector(".nbviz-grand-tour-play").click();
    expect(model.get("playing")).toBe(true);

    // Python's frame reaches the view.
    model.set("frame", 0.5);
    expect(root.dataset.frame).toBe("0.500");

    const before = model.listenerCount();
    expect(before).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(el.querySelector(".nbviz-grand-tour")).toBeNull();
  });
});

describe("GrandTour view selection keys", () => {
  it("Escape clears the selection", () => {
    const { model, root, cleanup } = mountView(widget, { ...state(), selection: [1, 3] });
    expect(root.dataset.selected).toBe("2");
    root
      .querySelector(".nbviz-grand-tour-stage")
      .dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(model.get("selection")).toEqual([]);
    expect(root.dataset.selected).toBe("0");
    cleanup();
  });
});

describe("GrandTour class colours", () => {
  it("the legend follows class_colors, falls back to the palette, and updates", () => {
    const { model, el, cleanup } = mountView(widget, { ...state(), class_colors: ["#112233", "not a colour"] });
    const swatches = () => [...el.querySelectorAll(".nbviz-grand-tour-swatch")].map((s) => s.style.background);
    const [a, b, c] = swatches();
    expect(a).toMatch(/#112233|rgb\(17, 34, 51\)/);
    expect(b).not.toBe("not a colour"); // invalid entries fall back to the palette
    expect(b).not.toBe("");
    expect(c).not.toBe("");
    model.set("class_colors", ["#ffffff", "#000000", "#ff0000"]);
    expect(swatches()[2]).toMatch(/#ff0000|rgb\(255, 0, 0\)/);
    cleanup();
  });
});

describe("GrandTour hover card", () => {
  it("renders its lines as text and updates them in place", () => {
    const stage = document.createElement("div");
    document.body.appendChild(stage);
    const card = createHoverCard(stage);
    card.show(3, ["#3 · <i>cat</i>", "predicted at step 1: dog"], null, 10, 10);
    const rows = () => [...card.el.querySelectorAll(".nbviz-grand-tour-card-text > div")].map((r) => r.textContent);
    expect(rows()).toEqual(["#3 · <i>cat</i>", "predicted at step 1: dog"]);
    expect(card.el.querySelector("i")).toBeNull();
    expect(card.el.hidden).toBe(false);
    card.show(3, ["#3 · <i>cat</i>", "predicted at step 2: emu"], null, 10, 10);
    expect(rows()[1]).toBe("predicted at step 2: emu");
    card.hide();
    expect(card.el.hidden).toBe(true);
    card.destroy();
  });
});

describe("GrandTour scatter kind", () => {
  it("hides the tour controls and switches back", () => {
    const { model, root, cleanup } = mountView(widget, { ...state(), kind: "scatter" });
    expect(root.dataset.kind).toBe("scatter");
    expect(root.querySelector(".nbviz-grand-tour-play").style.display).toBe("none");
    model.set("kind", "tour");
    expect(root.dataset.kind).toBe("tour");
    expect(root.querySelector(".nbviz-grand-tour-play").style.display).toBe("");
    cleanup();
  });
});

describe("GrandTour frame slider keys", () => {
  it("arrow keys, Page Up/Down, Home and End go by whole frames; dragging stays fractional", () => {
    const frames = 5;
    const pts = Float32Array.from({ length: frames * 6 * 3 }, (_, k) => Math.cos(k));
    const { model, root } = mountView(widget, {
      ...state(),
      points: encoded(pts, [frames, 6, 3], "float32"),
      frame_names: ["a", "b", "c", "d", "e"],
    });
    const slider = root.querySelector(".nbviz-grand-tour-frame-slider");
    const key = (k) => {
      const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true });
      slider.dispatchEvent(e);
      return e;
    };
    expect(slider.step).toBe("0.01"); // a drag scrubs between frames
    expect(key("ArrowRight").defaultPrevented).toBe(true);
    expect(model.get("frame")).toBe(1);
    expect(root.dataset.frame).toBe("1.000");
    expect(root.querySelector(".nbviz-grand-tour-frame-label").textContent).toBe("b");
    key("ArrowUp");
    key("PageUp");
    expect(model.get("frame")).toBe(3);
    slider.value = "1.37";
    slider.dispatchEvent(new Event("input"));
    expect(root.dataset.frame).toBe("1.370");
    key("ArrowLeft");
    expect(root.dataset.frame).toBe("1.000");
    key("PageDown");
    expect(model.get("frame")).toBe(0);
    key("End");
    expect(model.get("frame")).toBe(4);
    key("ArrowRight"); // at the end already
    expect(model.get("frame")).toBe(4);
    key("Home");
    expect(model.get("frame")).toBe(0);
    expect(key("Tab").defaultPrevented).toBe(false);
  });
});

describe("GrandTour out of sight", () => {
  const frames = (root) => root.__nbvizTest.framesRequested();

  it("a playing tour requests no frames off screen and resumes from the same projection", async () => {
    const io = stubIntersections();
    const { root } = mountView(widget, { ...state(), playing: true, speed: 4 });
    const hooks = root.__nbvizTest;
    const start = hooks.projection();
    await wait(120);
    expect(frames(root)).toBeGreaterThan(2); // playing: a frame after each frame

    io.set(root, false);
    expect(hooks.onScreen()).toBe(false);
    const away = frames(root);
    const held = hooks.projection();
    expect(held).not.toEqual(start); // it had moved
    await wait(200);
    expect(frames(root)).toBe(away);
    expect(hooks.projection()).toEqual(held);

    io.set(root, true);
    await wait(120);
    expect(frames(root)).toBeGreaterThan(away + 2);
    expect(hooks.projection()).not.toEqual(held);
  });

  it("a hidden page stops the tour too", async () => {
    const page = hidePage();
    const { root } = mountView(widget, { ...state(), playing: true });
    await wait(60);
    page.hide();
    const away = frames(root);
    await wait(120);
    expect(frames(root)).toBe(away);
    page.show();
    await wait(60);
    expect(frames(root)).toBeGreaterThan(away);
  });

  it("a paused tour asks for no frames at all", async () => {
    const { root } = mountView(widget, state());
    await wait(60);
    const idle = frames(root);
    await wait(120);
    expect(frames(root)).toBe(idle);
  });
});
