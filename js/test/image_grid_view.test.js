// @vitest-environment happy-dom
// The view in a DOM without canvas pixels: its structure, data attributes, model wiring,
// interactions and cleanup. Drawing itself is checked in a real browser.
import { describe, expect, it, vi } from "vitest";
import widget from "../src/image_grid/index.js";
import { STOP } from "../src/lib/messages.js";
import { encoded } from "./fake_model.js";
import { pointer, viewFixture } from "./mount.js";

const N = 30;
const H = 8;
const W = 8;

function stateFor(n = N) {
  const pixels = new Uint8Array(n * H * W);
  for (let i = 0; i < pixels.length; i++) pixels[i] = i % 251;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return {
    images: encoded(pixels, [n, H, W, 1], "uint8"),
    labels: encoded(labels, [n], "int32"),
    class_names: ["cat", "dog", "<b>emu</b>"],
    cell_size: 20,
    columns: 5,
    height: 400,
    show_labels: true,
    selection: [],
  };
}

describe("ImageGrid view", () => {
  const t = viewFixture(widget, stateFor, { stages: ".nbviz-image-grid-scroller", size: [300, 200] });

  it("builds the root, canvas and data attributes tests use to find images", () => {
    const root = t.render();
    expect(root).not.toBeNull();
    expect(root.querySelector("canvas.nbviz-image-grid-canvas")).not.toBeNull();
    expect(root.dataset).toMatchObject({
      n: "30",
      columns: "5",
      rows: "6",
      cellSize: "20",
      cellPitch: "28",
      cellInset: "4",
      imageHeight: "8",
      imageWidth: "8",
      selected: "0",
    });
    expect(root.querySelector(".nbviz-image-grid-spacer").style.height).toBe(`${6 * 28}px`);
    expect(root.querySelector(".nbviz-status").hidden).toBe(true);
  });

  it("follows trait changes: images, layout and selection", () => {
    const root = t.render();
    t.model.set("images", stateFor(7).images);
    t.model.set("labels", stateFor(7).labels);
    expect(root.dataset.n).toBe("7");
    expect(root.dataset.rows).toBe("2");
    t.model.set("columns", 7);
    expect(root.dataset.columns).toBe("7");
    t.model.set("cell_size", 40);
    expect(root.dataset.cellPitch).toBe("48");
    t.model.set("selection", [1, 3]);
    expect(root.dataset.selected).toBe("2");
    expect(root.querySelector(".nbviz-image-grid-selected").textContent).toMatch(/^2 selected/);
  });

  it("fits the columns to the width when columns is 0", () => {
    t.model.set("columns", 0);
    const root = t.render();
    t.layOut(root, 300);
    t.model.set("height", 300); // any layout trait re-measures the width
    expect(root.dataset.columns).toBe(String(Math.floor(300 / 28)));
  });

  it("selects on click, toggles with shift, clears on empty space and Escape", async () => {
    const root = t.render();
    const sc = t.layOut(root);
    // Image 7: column 2, row 1 of 5 columns, pitch 28.
    sc.dispatchEvent(pointer("pointerdown", 2 * 28 + 10, 28 + 10));
    sc.dispatchEvent(pointer("pointerup", 2 * 28 + 10, 28 + 10));
    expect(t.model.get("selection")).toEqual([7]);
    expect(t.model.saved).toBe(1);

    sc.dispatchEvent(pointer("pointerdown", 10, 10, { shiftKey: true }));
    sc.dispatchEvent(pointer("pointerup", 10, 10, { shiftKey: true }));
    expect(t.model.get("selection")).toEqual([0, 7]);
    sc.dispatchEvent(pointer("pointerdown", 2 * 28 + 10, 28 + 10, { metaKey: true }));
    sc.dispatchEvent(pointer("pointerup", 2 * 28 + 10, 28 + 10, { metaKey: true }));
    expect(t.model.get("selection")).toEqual([0]);

    sc.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(t.model.get("selection")).toEqual([]);

    t.model.set("selection", [4]);
    sc.dispatchEvent(pointer("pointerdown", 6 * 28, 10)); // right of the 5th column
    sc.dispatchEvent(pointer("pointerup", 6 * 28, 10));
    expect(t.model.get("selection")).toEqual([]);
  });

  it("selects every cell a drag rectangle touches; shift adds", () => {
    const root = t.render();
    const sc = t.layOut(root);
    sc.dispatchEvent(pointer("pointerdown", 30, 5));
    sc.dispatchEvent(pointer("pointermove", 45, 20));
    sc.dispatchEvent(pointer("pointermove", 60, 40));
    sc.dispatchEvent(pointer("pointerup", 60, 40));
    expect(t.model.get("selection")).toEqual([1, 2, 6, 7]);

    sc.dispatchEvent(pointer("pointerdown", 5, 4 * 28 + 5, { shiftKey: true }));
    sc.dispatchEvent(pointer("pointermove", 20, 4 * 28 + 20, { shiftKey: true }));
    sc.dispatchEvent(pointer("pointerup", 20, 4 * 28 + 20, { shiftKey: true }));
    expect(t.model.get("selection")).toEqual([1, 2, 6, 7, 20]);
  });

  it("shows the index and class name on hover, as text", () => {
    const root = t.render();
    const sc = t.layOut(root);
    sc.dispatchEvent(pointer("pointermove", 2 * 28 + 5, 5)); // image 2, label 2
    const tip = root.querySelector(".nbviz-tooltip");
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("#2 · <b>emu</b>");
    expect(tip.querySelector("b")).toBeNull();
    sc.dispatchEvent(pointer("pointermove", 290, 190)); // empty space
    expect(tip.hidden).toBe(true);
  });

  it("shows the job status when a job runs, and Stop sends a stop message", () => {
    const root = t.render();
    t.model.set("job_state", "running");
    const status = root.querySelector(".nbviz-status");
    expect(status.hidden).toBe(false);
    root.querySelector(".nbviz-status-stop").click();
    expect(t.model.sent).toContainEqual({ type: STOP });
  });

  it("renders the same model twice; cleaning one up leaves the other live", () =>
    t.expectIndependentViews("selection", [2, 4, 6], (b) => expect(b.dataset.selected).toBe("3")));

  it("reports undecodable images instead of throwing", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    t.model.set("images", { dtype: "uint8", shape: [2, 8, 8, 1], buffer: new ArrayBuffer(5) });
    const root = t.render();
    expect(root.dataset.n).toBe("0");
    expect(root.dataset.error).toMatch(/needs 128 bytes/);
    expect(root.querySelector(".nbviz-image-grid-count").textContent).toMatch(/needs 128 bytes/);
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });
});
