// @vitest-environment happy-dom
// The mask explorer in a DOM without canvas pixels: structure, text-only labels, t.model
// wiring, and (with a stand-in 2-D context and sized panels) picking, tooltips and the
// test hooks. Drawing itself is checked in a real browser.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { STOP } from "../src/lib/messages.js";
import widget from "../src/mask_explorer/index.js";
import { encoded, FakeModel } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, viewFixture } from "./mount.js";

const TILE = 4;
const GAP = 1;

/** A 2×3 mosaic of 4×4 tiles with 1 px gaps: tile k keeps its first k+1 pixels. */
function mosaic() {
  const H = 2 * TILE + GAP;
  const W = 3 * TILE + 2 * GAP;
  const img = new Uint8Array(H * W);
  for (let k = 0; k < 6; k++) {
    const ox = (k % 3) * (TILE + GAP);
    const oy = Math.floor(k / 3) * (TILE + GAP);
    for (let i = 0; i <= k; i++) img[(oy + Math.floor(i / TILE)) * W + ox + (i % TILE)] = 255;
  }
  return encoded(img, [H, W], "uint8");
}

function state() {
  return {
    records: [
      { round: 0, density: 1, accuracy: { rewind: 0.97, "<b>reinit</b>": 0.97 } },
      { round: 1, density: 0.8, accuracy: { rewind: 0.975, "<b>reinit</b>": 0.968 } },
      { round: 2, density: 0.64, accuracy: { rewind: 0.976, "<b>reinit</b>": 0.96 } },
    ],
    variants: ["rewind", "<b>reinit</b>"],
    dense_accuracy: 0.97,
    round: -1,
    layer: "fc1",
    layers: ["fc1", "<i>fc2</i>"],
    mask_image: mosaic(),
    mask_tiles: [TILE, TILE, 2, 3, GAP],
    mask_caption: "fc1 · round 2 · <b>64%</b> kept",
    weights: encoded(Float32Array.of(0.1, 0.2, -0.05, 0.01, 0.3, -0.4), [3, 2], "float32"),
    kept: encoded(Uint8Array.of(1, 0, 1), [3], "uint8"),
    overlap: encoded(Float32Array.of(1, 0.5, 0.5, 1), [2, 2], "float32"),
    overlap_labels: ["round 1", "round 2"],
    overlap_mode: "rounds",
    height: 240,
  };
}

describe("MaskExplorer view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-mask-explorer-stage", size: [300, 240] });

  it("builds its panels, data attributes and text-only legend, select and caption", async () => {
    const root = t.render();
    expect(root).not.toBeNull();
    for (const cls of ["plot", "mask", "weights", "overlap"]) {
      expect(root.querySelector(`canvas.nbviz-mask-explorer-${cls}`)).not.toBeNull();
    }
    expect(root.dataset).toMatchObject({ records: "3", round: "-1", layer: "fc1" });
    const legend = [...root.querySelectorAll(".nbviz-mask-explorer-legend")][0];
    expect([...legend.children].map((c) => c.textContent)).toEqual(["rewind", "<b>reinit</b>", "dense"]);
    expect(legend.querySelector("b")).toBeNull();
    const options = [...root.querySelectorAll(".nbviz-mask-explorer-layer option")];
    expect(options.map((o) => o.textContent)).toEqual(["fc1", "<i>fc2</i>"]);
    expect(root.querySelector(".nbviz-mask-explorer-layer i")).toBeNull();
    const caption = root.querySelector(".nbviz-mask-explorer-caption");
    expect(caption.textContent).toBe("fc1 · round 2 · <b>64%</b> kept");
    expect(caption.querySelector("b")).toBeNull();
    expect(
      root.querySelector(".nbviz-mask-explorer-weights").closest(".nbviz-mask-explorer-panel").textContent,
    ).toMatch(/kept \(2\).*pruned \(1\)/);
    expect(root.querySelector(".nbviz-status").hidden).toBe(true);
    await frame();
    expect(root.dataset.ready).toBe("true");
    expect(root.dataset.pointsDrawn).toBe("0"); // no canvas context in happy-dom
  });

  it("the layer select writes layer; the toggle writes overlap_mode", () => {
    const root = t.render();
    const select = root.querySelector(".nbviz-mask-explorer-layer");
    select.value = "<i>fc2</i>";
    select.dispatchEvent(new Event("change"));
    expect(t.model.get("layer")).toBe("<i>fc2</i>");
    expect(t.model.saved).toBe(1);
    expect(root.dataset.layer).toBe("<i>fc2</i>");

    const buttons = [...root.querySelectorAll(".nbviz-mask-explorer-toggle button")];
    expect(buttons.map((b) => b.getAttribute("aria-pressed"))).toEqual(["true", "false"]);
    buttons[1].click();
    expect(t.model.get("overlap_mode")).toBe("criteria");
    expect(t.model.saved).toBe(2);
    expect(buttons.map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "true"]);
    buttons[1].click(); // already selected: no write
    expect(t.model.saved).toBe(2);
  });

  it("follows records, round, layers and the job status live", () => {
    const root = t.render();
    t.model.set("records", [...state().records, { round: 3, density: 0.512, accuracy: { rewind: 0.97 } }]);
    expect(root.dataset.records).toBe("4");
    t.model.set("round", 3);
    expect(root.dataset.round).toBe("3");
    expect(root.querySelector(".nbviz-mask-explorer-round").textContent).toBe("round 3 · 51.2% left");
    t.model.set("layers", ["conv1", "conv2"]);
    t.model.set("layer", "conv2");
    expect(root.querySelector(".nbviz-mask-explorer-layer").value).toBe("conv2");
    expect(root.dataset.layer).toBe("conv2");
    t.model.set("job_state", "running");
    expect(root.querySelector(".nbviz-status").hidden).toBe(false);
    root.querySelector(".nbviz-status-stop").click();
    expect(t.model.sent).toContainEqual({ type: STOP });
  });

  it("handles missing and empty traits", async () => {
    t.model = new FakeModel({
      records: [],
      variants: [],
      dense_accuracy: -1,
      round: -1,
      mask_image: null,
      mask_tiles: [],
      weights: null,
      kept: null,
      overlap: null,
    });
    const root = t.render();
    t.layOut(root);
    fakeCanvasContexts();
    await frame();
    expect(root.dataset.ready).toBe("true");
    expect(root.dataset.records).toBe("0");
    const empties = [...root.querySelectorAll(".nbviz-mask-explorer-empty")].filter((e) => !e.hidden);
    expect(empties.length).toBe(4);
    expect(root.__nbvizTest.roundDot(0)).toBeNull();
    expect(root.__nbvizTest.tilePosition(0)).toBeNull();
  });

  it("reports an undecodable mask instead of throwing", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    t.model.set("mask_image", { dtype: "uint8", shape: [3, 3], buffer: new ArrayBuffer(2) });
    const root = t.render();
    expect(
      root.querySelector(".nbviz-mask-explorer-mask").parentElement.querySelector(".nbviz-mask-explorer-empty").hidden,
    ).toBe(false);
    expect(logged).toHaveBeenCalled();
  });

  describe("with a 2-D context and sized panels", () => {
    beforeEach(fakeCanvasContexts);

    it("draws every dot, selects a round on click and shows a tooltip on hover", async () => {
      const root = await t.renderDrawn();
      expect(root.dataset.ready).toBe("true");
      expect(root.dataset.pointsDrawn).toBe("6");

      const hook = root.__nbvizTest;
      const p = hook.roundDot(2, "<b>reinit</b>");
      expect(p).not.toBeNull();
      const plot = root.querySelector(".nbviz-mask-explorer-plot").parentElement;
      plot.dispatchEvent(pointer("pointermove", p.x + 2, p.y + 1));
      const tip = plot.querySelector(".nbviz-tooltip");
      expect(tip.hidden).toBe(false);
      expect(tip.textContent).toBe("round 2 · 64.0% left · <b>reinit</b>: 96.0%");
      expect(tip.querySelector("b")).toBeNull();

      plot.dispatchEvent(pointer("click", p.x, p.y));
      expect(t.model.get("round")).toBe(2);
      expect(t.model.saved).toBe(1);
      expect(root.dataset.round).toBe("2");

      plot.dispatchEvent(pointer("click", 2, 2)); // far from every dot
      expect(t.model.get("round")).toBe(2);
      plot.dispatchEvent(pointer("pointerleave", 0, 0));
      expect(tip.hidden).toBe(true);

      plot.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
      expect(t.model.get("round")).toBe(1);
    });

    it("shows 'unit k: x% kept' over mosaic tiles and the value over heatmap cells", async () => {
      const root = await t.renderDrawn();
      const hook = root.__nbvizTest;
      const stage = root.querySelector(".nbviz-mask-explorer-mask").parentElement;
      const tip = stage.querySelector(".nbviz-tooltip");
      const t4 = hook.tilePosition(4);
      stage.dispatchEvent(pointer("pointermove", t4.x, t4.y));
      expect(tip.textContent).toBe("unit 4: 31.3% kept"); // 5 of 16 pixels
      const t0 = hook.tilePosition(0);
      stage.dispatchEvent(pointer("pointermove", t0.x, t0.y));
      expect(tip.textContent).toBe("unit 0: 6.25% kept");
      expect(hook.tilePosition(6)).toBeNull();

      const heat = root.querySelector(".nbviz-mask-explorer-overlap").parentElement;
      // Labels take 7 chars × 6 px + 8 = 50 px; the 2×2 grid is 216 px square, centred.
      const cell = 216 / 2;
      const x0 = 50 + (300 - 50 - 6 - 216) / 2;
      heat.dispatchEvent(pointer("pointermove", x0 + cell * 1.5, 6 + cell * 0.5));
      expect(heat.querySelector(".nbviz-tooltip").textContent).toBe("round 1 × round 2: 0.500");
    });
  });

  it("cleanup removes every listener; two views of one model are independent", () =>
    t.expectIndependentViews("round", 1, (b) => expect(b.dataset.round).toBe("1")));
});
