// @vitest-environment happy-dom
// The similarity view in a DOM without canvas pixels: structure, text-only names, the
// slider and clicks writing back, and (with a stand-in 2-D context and sized panels) cell
// picking, tooltips and the test hooks. Drawing itself is checked in a real browser.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../src/similarity/index.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, slide, viewFixture } from "./mount.js";

/** Three checkpoints of a 2×3 matrix; the middle one not computed yet. */
function state() {
  const m = Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, ...new Array(6).fill(NaN), 1, 0.9, 0.8, 0.7, 0.6, 0.5);
  return {
    layers: ["fc1", "<b>fc2</b>"],
    other_layers: ["a", "b", "c"],
    other_network: true,
    checkpoint_labels: ["epoch 0", "epoch 1", "epoch 2"],
    matrices: encoded(m, [3, 2, 3], "float32"),
    to_final: encoded(Float32Array.of(0.5, 0.2, NaN, NaN, 1, 1), [3, 2], "float32"),
    method: "linear_cka",
    checkpoint: 2,
    pair: [],
    tour_note: "Click a cell to tour its two layers.",
    height: 240,
  };
}

describe("SimilarityView view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-similarity-stage", size: [300, 240] });

  it("builds its panels, slider, legend and note, names as text only", async () => {
    const root = t.render();
    expect(root.querySelector("canvas.nbviz-similarity-matrix")).not.toBeNull();
    expect(root.querySelector("canvas.nbviz-similarity-lines")).not.toBeNull();
    const slider = root.querySelector(".nbviz-similarity-checkpoint");
    expect(slider.max).toBe("2");
    expect(slider.value).toBe("2");
    expect(root.querySelector(".nbviz-similarity-checkpoint-label").textContent).toBe("epoch 2 (3 of 3)");
    const legend = root.querySelector(".nbviz-similarity-legend");
    expect([...legend.children].map((c) => c.textContent)).toEqual(["fc1", "<b>fc2</b>"]);
    expect(legend.querySelector("b")).toBeNull();
    expect(root.querySelector(".nbviz-similarity-note").textContent).toBe("Click a cell to tour its two layers.");
    expect(root.dataset).toMatchObject({ checkpoint: "2", computed: "2" });
    expect(root.getAttribute("data-pair")).toBe("");
    expect(root.querySelector(".nbviz-similarity-computed").textContent).toBe("2 of 3 checkpoints computed");
    await frame();
    expect(root.dataset.ready).toBe("true");
  });

  it("the slider shows a checkpoint at once and writes it; Python's value moves it back", async () => {
    const root = t.render();
    const slider = root.querySelector(".nbviz-similarity-checkpoint");
    slide(slider, 0, ["input", "change"]);
    expect(root.__nbvizTest.shownCheckpoint()).toBe(0);
    expect(root.querySelector(".nbviz-similarity-checkpoint-label").textContent).toBe("epoch 0 (1 of 3)");
    expect(t.model.get("checkpoint")).toBe(0);
    expect(t.model.saved).toBe(1);
    const key = (/** @type {string} */ k) => {
      const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true });
      slider.dispatchEvent(e);
      return e;
    };
    const right = key("ArrowRight");
    expect(right.defaultPrevented).toBe(true);
    expect(t.model.get("checkpoint")).toBe(1);
    key("End");
    expect(t.model.get("checkpoint")).toBe(2);
    expect(key("a").defaultPrevented).toBe(false);
    t.model.set("checkpoint", 1);
    expect(slider.value).toBe("1");
    expect(root.dataset.checkpoint).toBe("1");
    t.model.set("tour_note", "Tour below: fc1 × a");
    expect(root.querySelector(".nbviz-similarity-note").textContent).toBe("Tour below: fc1 × a");
    t.model.set("pair", [1, 2]);
    expect(root.dataset.pair).toBe("1,2");
  });

  it("two views of one model are independent", async () => {
    await t.expectIndependentViews("checkpoint", 0, (root) => expect(root.dataset.checkpoint).toBe("0"));
  });

  describe("with a 2-D context and sized panels", () => {
    beforeEach(fakeCanvasContexts);

    it("hovering a cell shows its pair and value; a click writes pair", async () => {
      const root = await t.renderDrawn();
      const hook = root.__nbvizTest;
      const draws = hook.matrixDraws();
      expect(draws).toBeGreaterThan(0);
      const p = hook.cellPosition(1, 2);
      expect(p).not.toBeNull();
      const stage = root.querySelector(".nbviz-similarity-matrix").parentElement;
      stage.dispatchEvent(pointer("pointermove", p.x, p.y));
      const tip = stage.querySelector(".nbviz-tooltip");
      expect(tip.hidden).toBe(false);
      expect(tip.textContent).toBe("<b>fc2</b> × c: 0.500"); // checkpoint 2's row 1, column 2
      expect(tip.querySelector("b")).toBeNull();
      stage.dispatchEvent(pointer("click", p.x, p.y));
      expect(t.model.get("pair")).toEqual([1, 2]);
      stage.dispatchEvent(pointer("pointerleave", 0, 0));
      expect(tip.hidden).toBe(true);
      expect(hook.cellPosition(2, 0)).toBeNull();

      // Another checkpoint redraws the matrix; a pending one says so.
      slide(root.querySelector(".nbviz-similarity-checkpoint"), 1);
      await frame();
      expect(hook.matrixDraws()).toBeGreaterThan(draws);
      const empty = stage.querySelector(".nbviz-similarity-empty");
      expect(empty.hidden).toBe(false);
      expect(empty.textContent).toBe("Computing epoch 1…");
      expect(hook.cellPosition(0, 0)).toBeNull();
    });

    it("the lines draw a dot per computed value; a click picks the nearest checkpoint", async () => {
      const root = await t.renderDrawn();
      expect(root.dataset.dotsDrawn).toBe("4"); // checkpoint 1 is not computed
      const hook = root.__nbvizTest;
      const p = hook.linePoint(0, 1);
      const stage = root.querySelector(".nbviz-similarity-lines").parentElement;
      stage.dispatchEvent(pointer("pointermove", p.x, p.y));
      expect(stage.querySelector(".nbviz-tooltip").textContent).toBe("<b>fc2</b> · epoch 0: 0.200 to its final state");
      stage.dispatchEvent(pointer("click", p.x, p.y));
      expect(hook.shownCheckpoint()).toBe(0);
      await frame();
      expect(t.model.get("checkpoint")).toBe(0);
    });
  });
});
