// @vitest-environment happy-dom
// The LDAM viewer in a DOM without canvas pixels: structure, text-only names, t.model
// wiring (λ slider, scrubber, live, run), and (with a stand-in 2-D context and a sized
// grid) the grid layout by group, hover tooltips and the test hooks. Drawing itself is
// checked in a real browser.
import { beforeEach, describe, expect, it, vi } from "vitest";
import widget from "../src/ldam_viewer/index.js";
import { RUN, STOP } from "../src/lib/messages.js";
import { encoded, FakeModel } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, slide, stubIntersections, viewFixture, wait } from "./mount.js";

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
  };
}

describe("LdamViewer view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-ldam-viewer-stage", size: [400, 160] });

  it("builds its controls, canvases and data attributes; names stay text", async () => {
    const root = t.render();
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
    const root = t.render();
    const slider = root.querySelector("input.nbviz-ldam-viewer-tradeoff");
    slide(slider, 3);
    expect(t.model.get("tradeoff")).toBe(3);
    expect(t.model.saved).toBe(1);
    slide(slider, 4);
    slide(slider, 5);
    expect(t.model.get("tradeoff")).toBe(3); // throttled
    expect(root.querySelector(".nbviz-ldam-viewer-value").textContent).toBe("5");
    await wait(60);
    expect(t.model.get("tradeoff")).toBe(5);
    expect(t.model.saved).toBe(2);
    expect(root.dataset.tradeoff).toBe("5");
    await wait(40);
    slide(slider, 6);
    slide(slider, 7, ["input", "change"]); // release: flushed now
    expect(t.model.get("tradeoff")).toBe(7);
    t.model.set("tradeoff_max", 20);
    expect(slider.max).toBe("20");
    t.model.set("tradeoff", 12);
    expect(slider.value).toBe("12");
    expect(root.dataset.tradeoff).toBe("12");
  });

  it("the scrubber writes history_index, live writes -1, and the caption follows", async () => {
    const root = t.render();
    const scrubber = root.querySelector("input.nbviz-ldam-viewer-scrubber");
    slide(scrubber, 4);
    expect(t.model.get("history_index")).toBe(4);
    slide(scrubber, 5);
    slide(scrubber, 6); // pending in the throttle…
    root.querySelector(".nbviz-ldam-viewer-live").click(); // …and dropped by live
    expect(t.model.get("history_index")).toBe(-1);
    await wait(60);
    expect(t.model.get("history_index")).toBe(-1);
    slide(scrubber, 2, ["input", "change"]);
    expect(t.model.get("history_index")).toBe(2);
    t.model.set("sample_step", 40);
    await frame(); // the caption follows in the next drawing frame
    expect(root.querySelector(".nbviz-ldam-viewer-step").textContent).toBe("step 40 (history 2/10)");
    expect(root.querySelector(".nbviz-ldam-viewer-live").getAttribute("aria-pressed")).toBe("false");
    expect(root.dataset.historyIndex).toBe("2");
    t.model.set("history_len", 0);
    await frame();
    expect(scrubber.disabled).toBe(true);
  });

  it("▶ Run sends {type: 'run'} when not running; Stop comes from the status strip", () => {
    const root = t.render();
    const run = root.querySelector(".nbviz-ldam-viewer-run");
    run.click();
    expect(t.model.sent).toEqual([{ type: RUN }]);
    t.model.set("running", true);
    t.model.set("job_state", "running");
    expect(run.disabled).toBe(true);
    run.click();
    expect(t.model.sent).toEqual([{ type: RUN }]);
    expect(root.querySelector(".nbviz-status").hidden).toBe(false);
    root.querySelector(".nbviz-status-stop").click();
    expect(t.model.sent).toContainEqual({ type: STOP });
    t.model.set("running", false);
    expect(run.disabled).toBe(false);
  });

  it("handles missing, null and bad traits", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    t.model = new FakeModel({
      samples: { dtype: "uint8", shape: [2, 3, 3, 1], buffer: new ArrayBuffer(5) },
      acceptance: -1,
    });
    fakeCanvasContexts();
    const root = t.render();
    t.layOut(root);
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
    t.model.set("samples", samples(0, 2));
    await frame();
    expect(root.dataset.chains).toBe("2");
    expect(root.__nbvizTest.chainPosition(1)).not.toBeNull();
  });

  describe("with a 2-D context and sized stages", () => {
    beforeEach(fakeCanvasContexts);

    it("lays chains out by group and shows a tooltip from the last trace column", async () => {
      const root = await t.renderDrawn();
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

    it("picks a prior and shows priors side by side, each group's blocks in its colour", async () => {
      const root = await t.renderDrawn();
      const picker = root.querySelector(".nbviz-ldam-viewer-priors");
      expect(picker.hidden).toBe(true); // one prior: nothing to pick
      t.model.set("priors", ["none", "<i>generator</i>"]);
      t.model.set("prior", "none");
      expect(picker.hidden).toBe(false);
      const select = root.querySelector("select.nbviz-ldam-viewer-prior");
      expect([...select.options].map((o) => o.textContent)).toEqual(["none", "<i>generator</i>"]);
      expect(select.querySelector("i")).toBeNull();
      select.value = "<i>generator</i>";
      select.dispatchEvent(new Event("change"));
      expect(t.model.get("prior")).toBe("<i>generator</i>");
      expect(root.dataset.prior).toBe("<i>generator</i>");
      const side = root.querySelector(".nbviz-ldam-viewer-side");
      side.click();
      expect(t.model.get("side_by_side")).toBe(true);
      expect(side.getAttribute("aria-pressed")).toBe("true");
      // Python sends the chains of both priors: 4 each
      t.model.set("samples", samples(1, 8, 1));
      t.model.set("chain_groups", encoded(Int32Array.of(1, 0, 1, 0, 1, 0, 1, 0), [8], "int32"));
      t.model.set("chain_priors", encoded(Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1), [8], "int32"));
      t.model.set("reached", encoded(Float32Array.of(40, 60, 97.5, 99), [2, 2], "float32"));
      await frame();
      const chains = root.querySelector(".nbviz-ldam-viewer-chains");
      const headers = [...chains.querySelectorAll(".nbviz-ldam-viewer-header")];
      expect(headers.map((e) => e.textContent)).toEqual([
        "fc1 unit 3 · none · p40",
        "fc1 unit 3 · <i>generator</i> · p97",
        "<b>fc2</b> unit 7 · none · p60",
        "<b>fc2</b> unit 7 · <i>generator</i> · p99",
      ]);
      expect(headers.map((e) => e.dataset.group)).toEqual(["0", "0", "1", "1"]);
      const p = root.__nbvizTest.chainPosition(7); // fc1 unit 3 under the generator
      const stage = chains.querySelector(".nbviz-ldam-viewer-stage");
      stage.dispatchEvent(pointer("pointermove", p.x, p.y));
      expect(stage.querySelector(".nbviz-tooltip").textContent).toMatch(
        /^chain 7 · fc1 unit 3 · <i>generator<\/i> · p97/,
      );
      side.click();
      expect(t.model.get("side_by_side")).toBe(false);
    });

    it("says there is no log D under no discriminator instead of drawing empty axes", async () => {
      const root = await t.renderDrawn();
      const note = () =>
        root.querySelector(".nbviz-ldam-viewer-logd").parentElement.querySelector(".nbviz-ldam-viewer-empty");
      expect(note().hidden).toBe(true);
      const tr = new Float32Array(2 * N * L).fill(1);
      tr.fill(Number.NaN, N * L); // log D: all NaN
      t.model.set("traces", encoded(tr, [2, N, L], "float32"));
      await frame();
      expect(note().hidden).toBe(false);
      expect(note().textContent).toBe("No discriminator prior: no log D.");
    });

    it("shows the top real images in the chains' groups, names as text", async () => {
      const root = t.render();
      t.model.set("top_images", samples(5, 4, 1)); // 2 per group, groups in order
      t.layOut(root);
      await frame();
      const top = root.querySelector(".nbviz-ldam-viewer-top").parentElement;
      const headers = [...top.querySelectorAll(".nbviz-ldam-viewer-header")];
      expect(headers.map((e) => e.textContent)).toEqual(["fc1 unit 3", "<b>fc2</b> unit 7"]);
      expect(top.querySelector("b")).toBeNull();
      // hovering a top image names its group and its caption from Python, as text
      t.model.set("top_captions", ["#5 · activation 9", "#7 · activation 8", "<i>#2</i>", "#9 · activation 3"]);
      const p2 = root.__nbvizTest.topImagePosition(2);
      top.dispatchEvent(pointer("pointermove", p2.x, p2.y));
      const tip = top.querySelector(".nbviz-tooltip");
      expect(tip.hidden).toBe(false);
      expect(tip.textContent).toBe("<b>fc2</b> unit 7 · <i>#2</i>");
      expect(tip.querySelector("i")).toBeNull();
      top.dispatchEvent(pointer("pointerleave", 0, 0));
      expect(tip.hidden).toBe(true);
      t.model.set("top_images", samples(5, 3, 1)); // not a multiple of the groups: one block
      await frame();
      expect(top.querySelectorAll(".nbviz-ldam-viewer-header").length).toBe(0);
    });

    it("redraws the grid once per frame however many samples arrive", async () => {
      const root = await t.renderDrawn();
      expect(root.dataset.framesDrawn).toBe("1");
      for (let k = 1; k <= 5; k++) {
        t.model.set("samples", samples(k));
        t.model.set("sample_step", 120 + k);
      }
      await frame();
      expect(root.dataset.framesDrawn).toBe("2");
      expect(root.dataset.step).toBe("125");
      t.model.set("traces", traces()); // charts only
      await frame();
      expect(root.dataset.framesDrawn).toBe("2");
      t.model.set("image_scale", 5); // the same step drawn again: a frame, not a new picture
      await frame();
      expect(root.__nbvizTest.counts()).toEqual({ framesDrawn: 3, picturesDrawn: 2 });
    });
  });

  it("draws nothing while out of sight, then the newest samples once", async () => {
    const io = stubIntersections();
    fakeCanvasContexts();
    const root = await t.renderDrawn();
    expect(root.__nbvizTest.counts().framesDrawn).toBe(1);
    io.set(root, false);
    const requested = root.__nbvizTest.framesRequested();
    for (let k = 1; k <= 5; k++) {
      t.model.set("samples", samples(k)); // chains stream on while the view is scrolled away
      t.model.set("sample_step", 120 + k);
      await wait(20);
    }
    expect(root.__nbvizTest.framesRequested()).toBe(requested);
    expect(root.__nbvizTest.counts().framesDrawn).toBe(1);
    io.set(root, true);
    await frame();
    expect(root.__nbvizTest.framesRequested()).toBe(requested + 1);
    expect(root.__nbvizTest.counts()).toEqual({ framesDrawn: 2, picturesDrawn: 2 });
    expect(root.dataset.step).toBe("125");
    expect(root.querySelector(".nbviz-ldam-viewer-step").textContent).toBe("step 125 (live)");
  });

  it("cleanup removes every listener; two views of one model are independent", () =>
    t.expectIndependentViews("tradeoff", 1.5, (b) => expect(b.dataset.tradeoff).toBe("1.5")));
});
