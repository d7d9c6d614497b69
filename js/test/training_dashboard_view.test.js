// @vitest-environment happy-dom
// The training dashboard in a DOM without canvas pixels: structure, text-only labels,
// the controls' writes, and (with a stand-in 2-D context and sized panels) the test
// hooks, clicks on a layer's cell and tooltips. Drawing itself is checked in a browser.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../src/training_dashboard/index.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, slide, viewFixture } from "./mount.js";

const BINS = 4;

/** Two runs ("a", "<b>b</b>"); loss over 5 steps each; two weight series per run of 3 steps. */
function state() {
  const steps = Float32Array.of(1, 2, 3, 4, 5, 1, 2, 3, 4, 5);
  const values = Float32Array.of(2, 1.5, 1.2, 1, 0.9, 2, 3, 2.5, 4, 6);
  const runs = ["a", "<b>b</b>"];
  const tags = ["weight/fc1.weight", "weight/fc1.bias"];
  const histSeries = [];
  let offset = 0;
  for (const run of runs) {
    for (const tag of tags) {
      histSeries.push({ run, tag, kind: "weight", layer: "fc1", offset, count: 3, bins: BINS, lo: -1, hi: 1 });
      offset += 3;
    }
  }
  const histSteps = Float32Array.from({ length: 12 }, (_, i) => [1, 25, 50][i % 3]);
  const density = Float32Array.from({ length: 12 * BINS }, (_, i) => ((i % BINS) + 1) / 10);
  const bands = Float32Array.from({ length: 12 * 9 }, (_, i) => (i % 9) / 4 - 1);
  return {
    runs,
    scalar_series: [
      { run: "a", tag: "loss", offset: 0, length: 5 },
      { run: "<b>b</b>", tag: "loss", offset: 5, length: 5 },
    ],
    scalar_steps: encoded(steps, [10], "float32"),
    scalar_values: encoded(values, [10], "float32"),
    hist_series: histSeries,
    hist_steps: encoded(histSteps, [12], "float32"),
    hist_density: encoded(density, [12, BINS], "float32"),
    bands: encoded(bands, [12, 9], "float32"),
    alerts: [
      { run: "<b>b</b>", kind: "exploding", tag: "grad/fc1.weight", layer: "fc1", step: 25, message: "<i>boom</i>" },
    ],
    error: "",
    smoothing: 0.6,
    log_scale: false,
    kind: "weight",
    mode: "distributions",
    step: -1,
    height: 120,
    clicked: {},
  };
}

describe("TrainingDashboard view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-panel-stage", size: [240, 120] });

  it("builds a chart per scalar tag, a cell per run and tag, a text-only legend and alerts", async () => {
    const root = t.render();
    expect(root.dataset).toMatchObject({ runs: "2", cells: "4", alerts: "1", mode: "distributions", kind: "weight" });
    expect(root.querySelectorAll("canvas.nbviz-training-dashboard-scalar").length).toBe(1);
    expect(root.querySelectorAll("canvas.nbviz-training-dashboard-cell").length).toBe(4);
    const legend = root.querySelector(".nbviz-training-dashboard-legend");
    expect([...legend.children].map((c) => c.textContent)).toEqual(["a", "<b>b</b>"]);
    expect(root.querySelector("b")).toBeNull();
    const rows = [...root.querySelectorAll(".nbviz-training-dashboard-run")];
    expect(rows.map((r) => r.querySelector(".nbviz-training-dashboard-run-name").textContent)).toEqual([
      "a",
      "<b>b</b>",
    ]);
    expect(root.querySelector(".nbviz-training-dashboard-alerts").textContent).toBe("⚠ 1 alert");
    const options = [...root.querySelectorAll(".nbviz-training-dashboard-kind option")].map((o) => o.textContent);
    expect(options).toEqual(["weight", "grad (⚠ 1)", "activation"]);
    await frame();
    expect(root.dataset.ready).toBe("true");
  });

  it("the controls write smoothing, log_scale, kind, mode and step", () => {
    const root = t.render();
    slide(root.querySelector(".nbviz-training-dashboard-smoothing"), 0.9);
    expect(t.model.get("smoothing")).toBe(0.9);
    expect(root.querySelector(".nbviz-training-dashboard-value").textContent).toBe("0.90");
    root.querySelector(".nbviz-training-dashboard-log").click();
    expect(t.model.get("log_scale")).toBe(true);
    const kind = root.querySelector(".nbviz-training-dashboard-kind");
    kind.value = "grad";
    kind.dispatchEvent(new Event("change"));
    expect(t.model.get("kind")).toBe("grad");
    root.querySelector('[data-mode="histograms"]').click();
    expect(t.model.get("mode")).toBe("histograms");
    expect(root.dataset.mode).toBe("histograms");
    const slider = root.querySelector(".nbviz-training-dashboard-step");
    expect(slider.max).toBe("2");
    expect(slider.value).toBe("2"); // -1: the latest
    slide(slider, 1);
    expect(t.model.get("step")).toBe(25);
    expect(root.dataset.step).toBe("25");
    slide(slider, 2);
    expect(t.model.get("step")).toBe(-1); // the right end follows the latest
    const key = new KeyboardEvent("keydown", { key: "Home", bubbles: true, cancelable: true });
    slider.dispatchEvent(key);
    expect(key.defaultPrevented).toBe(true); // not JupyterLab's shortcut
    expect(t.model.get("step")).toBe(1);
    slider.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(t.model.get("step")).toBe(25);
  });

  it("follows new data and settings from Python", () => {
    const root = t.render();
    t.model.set("runs", ["a"]);
    t.model.set("hist_series", state().hist_series.slice(0, 2));
    expect(root.dataset.cells).toBe("2");
    t.model.set("error", "a: KeyError");
    expect(root.querySelector(".nbviz-training-dashboard-error").hidden).toBe(false);
    t.model.set("alerts", []);
    expect(root.querySelector(".nbviz-training-dashboard-alerts").hidden).toBe(true);
    t.model.set("scalar_series", []);
    expect(root.querySelector(".nbviz-training-dashboard-scalars").children.length).toBe(0);
  });

  it("two views of one model are independent", () =>
    t.expectIndependentViews("runs", ["z"], (root) => expect(root.dataset.runs).toBe("1")));

  describe("with a 2-D context and sized panels", () => {
    beforeEach(fakeCanvasContexts);

    it("draws the scalars and cells, and a click on a cell writes clicked and step", async () => {
      const root = await t.renderDrawn();
      expect(root.dataset.scalarPoints).toBe("10");
      expect(root.dataset.highlighted).toBe("50");
      const hook = root.__nbvizTest;
      expect(hook.cells()).toContainEqual({ run: "<b>b</b>", tag: "weight/fc1.bias" });
      const p = hook.cellPoint("<b>b</b>", "weight/fc1.bias", 25);
      expect(p).not.toBeNull();
      const stage = root.querySelector('[data-run="<b>b</b>"][data-tag="weight/fc1.bias"] .nbviz-panel-stage');
      stage.dispatchEvent(pointer("pointermove", p.x, p.y));
      const tip = stage.querySelector(".nbviz-tooltip");
      expect(tip.hidden).toBe(false);
      expect(tip.textContent).toMatch(/^step 25 · median 0 · 68%: -0.5 … 0.5 · ⚠ <i>boom<\/i>$/);
      stage.dispatchEvent(pointer("click", p.x, p.y));
      expect(t.model.get("clicked")).toEqual({ run: "<b>b</b>", tag: "weight/fc1.bias", step: 25 });
      expect(t.model.get("step")).toBe(25);
      expect(t.model.saved).toBe(1);
      await frame();
      expect(root.dataset.highlighted).toBe("25");
      expect(root.querySelector('[data-run="<b>b</b>"][data-tag="weight/fc1.weight"]').dataset.alerts).toBe("1");
    });

    it("picks the ridge under the pointer in the histograms", async () => {
      t.model.set("mode", "histograms");
      const root = await t.renderDrawn();
      const hook = root.__nbvizTest;
      const first = hook.cellPoint("a", "weight/fc1.weight", 1);
      const last = hook.cellPoint("a", "weight/fc1.weight", 50);
      expect(first.y).toBeLessThan(last.y); // the oldest at the top
      const stage = root.querySelector('[data-run="a"][data-tag="weight/fc1.weight"] .nbviz-panel-stage');
      stage.dispatchEvent(pointer("click", first.x, first.y));
      expect(t.model.get("clicked")).toEqual({ run: "a", tag: "weight/fc1.weight", step: 1 });
      await frame();
      expect(root.dataset.highlighted).toBe("1");
    });

    it("hovering a scalar chart shows each run's smoothed and raw value", async () => {
      const root = await t.renderDrawn();
      const p = root.__nbvizTest.lastScalarPoint("a", "loss");
      const stage = root.querySelector(".nbviz-training-dashboard-scalar").parentElement;
      stage.dispatchEvent(pointer("pointermove", p.x, p.y));
      const text = stage.querySelector(".nbviz-tooltip").textContent;
      expect(text).toMatch(/^step 5 · a: [\d.]+ \(raw 0.9\) · <b>b<\/b>: [\d.]+ \(raw 6\)$/);
    });
  });
});
