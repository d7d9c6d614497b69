// @vitest-environment happy-dom
// The attribution view: its colour map and layout math, and the view in a DOM without
// canvas pixels (controls write target and composite; names are text; the grid draws a
// row per method; LRP's conservation reads as words).
import { describe, expect, it } from "vitest";
import widget from "../src/attribution/index.js";
import * as math from "../src/attribution/math.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, viewFixture } from "./mount.js";

describe("attribution math", () => {
  it("maps values to a diverging colour centred at white", () => {
    expect(math.divergingColor(0)).toEqual([255, 255, 255]);
    expect(math.divergingColor(1)).toEqual([178, 24, 43]);
    expect(math.divergingColor(-1)).toEqual([33, 102, 172]);
    expect(math.divergingColor(-5)).toEqual([33, 102, 172]);
    expect(math.divergingColor(Number.NaN)).toEqual([255, 255, 255]);
    const half = math.divergingColor(0.5);
    expect(half[0]).toBeGreaterThan(half[2]); // reddish
  });

  it("lays the grid out and finds the cell and pixel under the pointer", () => {
    const L = math.gridLayout(2, 3, 28, 28, 2);
    expect(L.cell(1, 2)).toEqual({ x: 96 + 2 * 62, y: 18 + 62, w: 56, h: 56 });
    expect(L.rows).toBe(3);
    expect(math.cellAt(L, 96 + 2 * 62 + 5, 18 + 62 + 11)).toEqual({ row: 1, col: 2, px: 2, py: 5 });
    expect(math.cellAt(L, 10, 10)).toBeNull();
    expect(math.cellAt(L, 96 + 57, 18 + 5)).toBeNull(); // in the gap
  });

  it("says how much relevance LRP handed out", () => {
    expect(math.conservationText(Float32Array.of(0.98, 1.01))).toBe("LRP hands out 98%–101% of the explained score");
    expect(math.conservationText(Float32Array.of(1, 1))).toBe("LRP hands out 100% of the explained score");
    expect(math.conservationText(null)).toBe("");
  });
});

const N = 2;
const M = 2;
const HW = 4;

function state() {
  const heat = new Float32Array(M * N * HW * HW).map((_, i) => ((i % 7) - 3) / 3);
  return {
    images: encoded(new Uint8Array(N * HW * HW).fill(128), [N, HW, HW, 1], "uint8"),
    captions: ["true <b>Bag</b> · predicted Bag", "true Coat · predicted Shirt"],
    methods: ["saliency", "lrp"],
    heatmaps: encoded(heat, [M, N, HW, HW], "float32"),
    heat_scale: encoded(Float32Array.of(2, 2, 4, 4), [M, N], "float32"),
    target: "predicted",
    has_labels: true,
    class_names: ["Coat", "<i>Bag</i>", "Shirt"],
    targets: encoded(Int32Array.of(1, 2), [N], "int32"),
    composite: "epsilon",
    composites: ["epsilon", "epsilon-plus"],
    rules: { first: "", conv: "epsilon", dense: "epsilon" },
    rule_names: ["epsilon", "gamma", "box"],
    flip_fractions: encoded(Float32Array.of(0, 0.5, 1), [3], "float32"),
    flip_scores: encoded(Float32Array.of(5, 2, 0, 5, 3, 1), [M, 3], "float32"),
    flip_auc: [2.25, 3],
    conservation: encoded(Float32Array.of(0.99, 1.0), [N], "float32"),
    image_scale: 8,
  };
}

describe("AttributionView view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-attribution-stage", size: [600, 200] });

  it("offers the classes as text and writes target and composite", () => {
    const root = t.render();
    const target = root.querySelector("select.nbviz-attribution-target");
    expect([...target.options].map((o) => o.textContent)).toEqual([
      "predicted class",
      "true class",
      "Coat",
      "<i>Bag</i>",
      "Shirt",
    ]);
    expect(target.querySelector("i")).toBeNull();
    target.value = "2";
    target.dispatchEvent(new Event("change"));
    expect(t.model.get("target")).toBe("2");
    const composite = root.querySelector("select.nbviz-attribution-composite");
    composite.value = "epsilon-plus";
    composite.dispatchEvent(new Event("change"));
    expect(t.model.get("composite")).toBe("epsilon-plus");
    expect(root.querySelector(".nbviz-attribution-conservation").textContent).toBe(
      "LRP hands out 99%–100% of the explained score",
    );
    const first = root.querySelector("select.nbviz-attribution-rule-first");
    expect([...first.options].map((o) => o.textContent)).toEqual(["as its type", "epsilon", "gamma", "box"]);
    first.value = "box";
    first.dispatchEvent(new Event("change"));
    expect(t.model.get("rules")).toEqual({ first: "box", conv: "epsilon", dense: "epsilon" });
    t.model.set("rules", { first: "", conv: "gamma", dense: "epsilon" }); // from a composite
    expect(root.querySelector("select.nbviz-attribution-rule-conv").value).toBe("gamma");
    expect(first.value).toBe("");
    t.model.set("methods", ["saliency"]); // no LRP: no rules to pick
    expect(root.querySelector(".nbviz-attribution-lrp").hidden).toBe(true);
    t.model.set("has_labels", false);
    expect([...target.options].map((o) => o.value)).toEqual(["predicted", "0", "1", "2"]);
  });

  describe("with a 2-D context", () => {
    it("draws a row per method, a curve per method, and names what is hovered", async () => {
      fakeCanvasContexts();
      const root = await t.renderDrawn();
      expect(root.__nbvizTest.drawn()).toEqual({ rows: ["saliency", "lrp"], curves: 2 });
      const keys = [...root.querySelectorAll(".nbviz-attribution-key")].map((e) => e.textContent);
      expect(keys).toEqual(["saliency (area 2.25)", "lrp (area 3)"]);
      const p = root.__nbvizTest.cellPosition(2, 0); // LRP's map of image 0
      const stage = root.querySelector(".nbviz-attribution-grid").parentElement;
      stage.dispatchEvent(pointer("pointermove", p.x, p.y));
      const tip = stage.querySelector(".nbviz-tooltip");
      expect(tip.textContent).toMatch(/^lrp · image 0 · true <b>Bag<\/b> · predicted Bag · value /);
      expect(tip.querySelector("b")).toBeNull();
      t.model.set("heatmaps", null);
      await frame();
      expect(root.__nbvizTest.drawn().rows).toEqual([]);
    });
  });
});
