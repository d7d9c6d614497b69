// @vitest-environment happy-dom
// The view in a DOM without WebGL: it says so (not a blank box), builds its controls and
// legend from the model as text, and cleans up every listener.
import { describe, expect, it } from "vitest";
import { createHoverCard } from "../src/grand_tour/hovercard.js";
import widget from "../src/grand_tour/index.js";
import { FakeModel, encoded } from "./fake_model.js";

function state() {
  const pts = Float32Array.from({ length: 2 * 6 * 3 }, (_, k) => Math.sin(k));
  return {
    points: encoded(pts, [2, 6, 3], "float32"),
    labels: encoded(Int32Array.from([0, 1, 2, 0, 1, 2]), [6], "int32"),
    class_names: ["cat", "dog", "<b>emu</b>"],
    dim_names: ["a", "b", "c"],
    thumbnails: null,
    projection: [[1, 0], [0, 1], [0, 0]],
    playing: false,
    speed: 1,
    frame: 0,
    frame_labels: ["epoch 0", "epoch 1"],
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

describe("GrandTour view without WebGL2", () => {
  it("shows a message, its data attributes, controls and a text-only legend", () => {
    const model = new FakeModel(state());
    const el = document.createElement("div");
    document.body.appendChild(el);
    const cleanup = widget.render({ model, el });
    const root = el.querySelector(".nbviz-grand-tour");
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
    const model = new FakeModel({ ...state(), selection: [1, 3] });
    const el = document.createElement("div");
    document.body.appendChild(el);
    const cleanup = widget.render({ model, el });
    const root = el.querySelector(".nbviz-grand-tour");
    expect(root.dataset.selected).toBe("2");
    root.querySelector(".nbviz-grand-tour-stage").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(model.get("selection")).toEqual([]);
    expect(root.dataset.selected).toBe("0");
    cleanup();
  });
});

describe("GrandTour class colours", () => {
  it("the legend follows class_colors, falls back to the palette, and updates", () => {
    const model = new FakeModel({ ...state(), class_colors: ["#112233", "not a colour"] });
    const el = document.createElement("div");
    document.body.appendChild(el);
    const cleanup = widget.render({ model, el });
    const swatches = () =>
      [...el.querySelectorAll(".nbviz-grand-tour-swatch")].map((s) => s.style.background);
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
    const model = new FakeModel({ ...state(), kind: "scatter" });
    const el = document.createElement("div");
    document.body.appendChild(el);
    const cleanup = widget.render({ model, el });
    const root = el.querySelector(".nbviz-grand-tour");
    expect(root.dataset.kind).toBe("scatter");
    expect(root.querySelector(".nbviz-grand-tour-play").style.display).toBe("none");
    model.set("kind", "tour");
    expect(root.dataset.kind).toBe("tour");
    expect(root.querySelector(".nbviz-grand-tour-play").style.display).toBe("");
    cleanup();
  });
});
