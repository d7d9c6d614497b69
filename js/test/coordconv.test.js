// @vitest-environment happy-dom
// The CoordConv view: its pure helpers, and the view in a DOM without canvas pixels
// (structure, caption, points and pictures counted through the test hooks, tooltips).
// Drawing itself is checked in a real browser.
import { describe, expect, it } from "vitest";
import widget from "../src/coordconv/index.js";
import { caption, series, stepDomain } from "../src/coordconv/math.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, viewFixture } from "./mount.js";

const N = Number.NaN;

describe("coordconv math", () => {
  it("series keeps one run's finite scores with their steps", () => {
    const steps = Int32Array.of(50, 100, 150);
    const scores = Float32Array.of(0.1, 0.2, 0.3, 0.5, N, 0.9);
    expect(series(steps, scores, 3, 0)).toEqual([
      { step: 50, value: expect.closeTo(0.1, 6) },
      { step: 100, value: expect.closeTo(0.2, 6) },
      { step: 150, value: expect.closeTo(0.3, 6) },
    ]);
    expect(series(steps, scores, 3, 1).map((p) => p.step)).toEqual([50, 150]);
    expect(series(steps, null, 3, 0)).toEqual([]);
  });

  it("stepDomain spans the planned steps, or further when training ran past them", () => {
    expect(stepDomain(Int32Array.of(50), 600)).toEqual([0, 600]);
    expect(stepDomain(Int32Array.of(50, 700), 600)).toEqual([0, 700]);
    expect(stepDomain(new Int32Array(0), 0)).toEqual([0, 1]);
  });

  it("caption gives the latest held-out scores, then every position's at the end", () => {
    expect(caption(["conv", "coordconv"], "IoU", [N, N], {}, 0)).toBe("held-out IoU: not evaluated yet");
    expect(caption(["conv", "coordconv"], "IoU", [0.2, 0.95], {}, 100)).toBe(
      "held-out IoU at step 100: conv 0.200 · coordconv 0.950",
    );
    const final = { conv: { train: 0.8, test: 0.25 }, coordconv: { train: 1, test: 1 } };
    expect(caption(["conv", "coordconv"], "IoU", [0.2, 0.95], final, 600)).toBe(
      "held-out IoU, every position: conv 0.250 (train 0.800) · coordconv 1.000 (train 1.000)",
    );
  });
});

const K = 3;
const S = 8;

function state() {
  const truth = new Uint8Array(K * S * S);
  truth[3 * S + 3] = 255;
  return {
    names: ["conv", "coordconv"],
    task: "rendering",
    metric: "IoU",
    split: "quadrant",
    total_steps: 600,
    steps: encoded(Int32Array.of(50, 100), [2], "int32"),
    train_scores: encoded(Float32Array.of(0.3, 0.6, 0.5, 0.9), [2, 2], "float32"),
    test_scores: encoded(Float32Array.of(0.1, 0.15, 0.4, 0.85), [2, 2], "float32"),
    positions: [
      [40, 40],
      [45, 50],
      [58, 33],
    ],
    truth: encoded(truth, [K, S, S], "uint8"),
    predictions: encoded(new Uint8Array(2 * K * S * S), [2, K, S, S], "uint8"),
    final: {},
    height: 240,
    running: true,
  };
}

describe("CoordConvView view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-coordconv-stage", size: [420, 240] });

  it("has both panels, a legend per run and the latest held-out scores in its caption", () => {
    const root = t.render();
    expect(root.querySelectorAll(".nbviz-coordconv-stage")).toHaveLength(2);
    const legend = root.querySelector(".nbviz-coordconv-legend").textContent;
    expect(legend).toBe("convcoordconvheld outtrain");
    expect(root.dataset.caption).toBe("held-out IoU at step 100: conv 0.150 · coordconv 0.850");
    t.model.set("final", { conv: { train: 0.8, test: 0.2 }, coordconv: { train: 1, test: 1 } });
    expect(root.querySelector(".nbviz-coordconv-caption").textContent).toBe(
      "held-out IoU, every position: conv 0.200 (train 0.800) · coordconv 1.000 (train 1.000)",
    );
    expect(root.querySelector(".nbviz-coordconv-stage").style.height).toBe("240px");
  });

  it("draws both runs' points and every picture; hover names what is under the pointer", async () => {
    fakeCanvasContexts();
    const root = await t.renderDrawn();
    const hook = root.__nbvizTest;
    expect(hook.pointsDrawn()).toEqual({ conv: { train: 2, test: 2 }, coordconv: { train: 2, test: 2 } });
    expect(root.dataset.pointsDrawn).toBe("8");
    expect(hook.pictureRows()).toEqual(["true", "conv", "coordconv"]);
    expect(hook.picturesDrawn()).toBe(3 * K);

    const last = hook.lastPoint("coordconv", "held out");
    expect(last).toMatchObject({ step: 100, value: expect.closeTo(0.85, 5) });
    const chart = root.querySelectorAll(".nbviz-coordconv-stage")[0];
    chart.dispatchEvent(pointer("pointermove", last.x, last.y));
    expect(chart.querySelector(".nbviz-tooltip").textContent).toBe("coordconv, held out, step 100: IoU 0.850");

    const pics = root.querySelectorAll(".nbviz-coordconv-stage")[1];
    const c = hook.cellCenter(1, 2);
    pics.dispatchEvent(pointer("pointermove", c.x, c.y));
    expect(pics.querySelector(".nbviz-tooltip").textContent).toBe(
      "square at (row 58, column 33), held out: conv's prediction",
    );

    // one more evaluation: one more point per run and side
    t.model.set("steps", encoded(Int32Array.of(50, 100, 150), [3], "int32"));
    t.model.set("train_scores", encoded(Float32Array.of(0.3, 0.6, 0.7, 0.5, 0.9, 1), [2, 3], "float32"));
    t.model.set("test_scores", encoded(Float32Array.of(0.1, 0.15, 0.2, 0.4, 0.85, 1), [2, 3], "float32"));
    await frame();
    expect(root.dataset.pointsDrawn).toBe("12");
    expect(hook.caption()).toBe("held-out IoU at step 150: conv 0.200 · coordconv 1.000");
  });

  it("before the first evaluation: empty notes, no points, no pictures", async () => {
    fakeCanvasContexts();
    t.model.set("steps", encoded(new Int32Array(0), [0], "int32"));
    t.model.set("train_scores", encoded(new Float32Array(0), [2, 0], "float32"));
    t.model.set("test_scores", encoded(new Float32Array(0), [2, 0], "float32"));
    t.model.set("positions", []);
    t.model.set("truth", encoded(new Uint8Array(0), [0, 64, 64], "uint8"));
    t.model.set("predictions", encoded(new Uint8Array(0), [2, 0, 64, 64], "uint8"));
    const root = await t.renderDrawn();
    expect(root.dataset.pointsDrawn).toBe("0");
    expect(root.__nbvizTest.picturesDrawn()).toBe(0);
    const notes = [...root.querySelectorAll(".nbviz-panel-empty")].filter((e) => !e.hidden).map((e) => e.textContent);
    expect(notes).toEqual([
      "Training… the first scores come after the first evaluation.",
      "The held-out pictures come with the first evaluation.",
    ]);
    expect(root.dataset.caption).toBe("held-out IoU: not evaluated yet");
  });

  it("ignores mis-shaped arrays", async () => {
    fakeCanvasContexts();
    t.model.set("test_scores", encoded(Float32Array.of(1, 2, 3), [3, 1], "float32"));
    t.model.set("predictions", encoded(new Uint8Array(K * S * S), [1, K, S, S], "uint8"));
    const root = await t.renderDrawn();
    expect(root.__nbvizTest.pointsDrawn().conv).toEqual({ train: 2, test: 0 });
    expect(root.__nbvizTest.pictureRows()).toEqual(["true"]);
  });
});
