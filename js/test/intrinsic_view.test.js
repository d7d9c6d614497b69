// @vitest-environment happy-dom
// The intrinsic-dimension view in a DOM without canvas pixels: structure, caption, run
// states, and (with a stand-in 2-D context and a sized stage) the test hooks and the
// tooltip of a failed run. Drawing itself is checked in a real browser.
import { describe, expect, it } from "vitest";
import widget from "../src/intrinsic/index.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, viewFixture } from "./mount.js";

const N = Number.NaN;

function state() {
  return {
    dims: [4, 32, 256],
    seeds: [0, 1],
    // d=4 done for both seeds, d=32 seed 0 done and seed 1 failed, d=256 pending
    accuracy: encoded(Float32Array.of(0.2, 0.3, 0.8, N, N, N), [3, 2], "float32"),
    dense_accuracy: encoded(Float32Array.of(0.95, 0.97), [2], "float32"),
    D: 2410,
    level: 0.9,
    d_int90: 32,
    band: [32, 256],
    failures: [{ d: 32, seed: 1, error: "RuntimeError: <b>worker lost</b>" }],
    height: 300,
    running: true,
  };
}

describe("IntrinsicDimensionView view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-intrinsic-stage", size: [500, 300] });

  it("counts runs by state and captions d_int90, D and the compression", () => {
    const root = t.render();
    expect(root.dataset).toMatchObject({ runsDone: "3", runsFailed: "1", runsPending: "2", dInt90: "32" });
    const caption = root.querySelector(".nbviz-intrinsic-caption");
    expect(caption.textContent).toBe("d_int90 = 32, D = 2,410, compression 75.3×");
    t.model.set("d_int90", -1);
    expect(caption.textContent).toBe("d_int90: not reached yet, D = 2,410");
    expect(root.querySelector(".nbviz-intrinsic-stage").style.height).toBe("300px");
  });

  it("draws dots, the mean and the d_int90 line; a failed run's error in its tooltip", async () => {
    fakeCanvasContexts();
    const root = await t.renderDrawn();
    expect(root.dataset.ready).toBe("true");
    const hook = root.__nbvizTest;
    expect(hook.dotsDrawn()).toBe(3);
    expect(root.dataset.dotsDrawn).toBe("3");
    expect(hook.meanPoint(4)).not.toBeNull();
    expect(hook.meanPoint(256)).toBeNull();
    expect(hook.dIntLine().d).toBe(32);
    expect(hook.runPoint(256, 0).state).toBe("pending");
    const cross = hook.runPoint(32, 1);
    expect(cross.state).toBe("failed");
    const stage = root.querySelector(".nbviz-intrinsic-stage");
    stage.dispatchEvent(pointer("pointermove", cross.x, cross.y));
    const tip = stage.querySelector(".nbviz-tooltip");
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("d = 32, seed 1 failed: RuntimeError: <b>worker lost</b>");
    expect(tip.querySelector("b")).toBeNull();

    // a run finishes: one more dot
    t.model.set("accuracy", encoded(Float32Array.of(0.2, 0.3, 0.8, N, 0.9, N), [3, 2], "float32"));
    await frame();
    expect(hook.dotsDrawn()).toBe(4);
    expect(root.dataset.runsPending).toBe("1");
  });

  it("handles missing and mis-shaped arrays", async () => {
    fakeCanvasContexts();
    t.model.set("accuracy", null);
    t.model.set("dense_accuracy", null);
    const root = await t.renderDrawn();
    expect(root.dataset.runsPending).toBe("5");
    expect(root.__nbvizTest.dotsDrawn()).toBe(0);
  });
});
