// @vitest-environment happy-dom
// The frame previews: one button per frame, the current one marked, a click picks its
// frame, hidden with one frame; drawing on a recording 2-D context.
import { afterEach, describe, expect, it, vi } from "vitest";
import { FramePreviews } from "../src/grand_tour/previews.js";
import { THEME_VARIABLES } from "../src/lib/theme.js";

const THEME = /** @type {any} */ (Object.fromEntries(Object.entries(THEME_VARIABLES).map(([k, [, v]]) => [k, v])));
const COLORS = ["#ff0000", "#00ff00", "#0000ff"];

/** T frames of n points in d = 3, labels cycling over 3 classes. */
function data(frames, n = 30, names = undefined) {
  const d = 3;
  const points = Float32Array.from({ length: frames * n * d }, (_, k) => Math.sin(k * 0.7) * (1 + (k % 5)));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { points, frames, n, d, labels, names };
}

const PROJECTION = Float64Array.from([1, 0, 0, 1, 0, 0]);

/** @type {FramePreviews[]} */
const made = [];
function previews(options = {}) {
  const onPick = vi.fn();
  const colorOf = vi.fn((k) => COLORS[k % COLORS.length]);
  const p = new FramePreviews({ onPick, colorOf, ...options });
  document.body.appendChild(p.el);
  made.push(p);
  return { p, onPick, colorOf };
}

/** A 2-D context that records fillRect calls with their fillStyle. */
function recordingContext() {
  const rects = [];
  const ctx = {
    fillStyle: "",
    globalAlpha: 1,
    setTransform() {},
    clearRect() {},
    fillRect(x, y, w, h) {
      rects.push({ style: ctx.fillStyle, x, y, w, h });
    },
  };
  return { ctx, rects };
}

afterEach(() => {
  for (const p of made.splice(0)) p.destroy();
  vi.restoreAllMocks();
});

describe("FramePreviews", () => {
  it("makes one named button per frame and marks the current one", () => {
    const { p } = previews();
    p.setData(data(4, 30, ["epoch 0", "epoch 1", "a very long name of the third frame"]));
    const buttons = p.el.querySelectorAll("button");
    expect(buttons.length).toBe(4);
    expect(p.el.hidden).toBe(false);
    expect([...buttons].map((b) => b.textContent)).toEqual([
      "epoch 0",
      "epoch 1",
      "a very long name of the third frame",
      "frame 3",
    ]);
    expect(buttons[2].getAttribute("title")).toBe("a very long name of the third frame");
    expect(buttons[0].getAttribute("type")).toBe("button");
    expect(buttons[0].querySelectorAll("canvas").length).toBe(1);

    p.draw(PROJECTION, 2.4, THEME); // no 2-D context in happy-dom: draws nothing, throws nothing
    const current = () => [...p.el.querySelectorAll("[aria-current]")].map((b) => b.getAttribute("data-frame"));
    expect(current()).toEqual(["2"]);
    expect(buttons[2].getAttribute("aria-current")).toBe("true");
    p.draw(PROJECTION, 2.6, THEME);
    expect(current()).toEqual(["3"]);
    p.draw(PROJECTION, 99, THEME);
    expect(current()).toEqual(["3"]);
    p.draw(PROJECTION, -5, THEME);
    expect(current()).toEqual(["0"]);
  });

  it("clicking preview #2 (or anything inside it) picks frame 2", () => {
    const { p, onPick } = previews();
    p.setData(data(5));
    const buttons = p.el.querySelectorAll("button");
    buttons[2].click();
    expect(onPick).toHaveBeenCalledWith(2);
    buttons[4].querySelector("canvas").dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(onPick).toHaveBeenLastCalledWith(4);
    p.el.dispatchEvent(new MouseEvent("click", { bubbles: true })); // between buttons
    expect(onPick).toHaveBeenCalledTimes(2);
  });

  it("is hidden with a single frame", () => {
    const { p } = previews();
    p.setData(data(1));
    expect(p.el.hidden).toBe(true);
    p.draw(PROJECTION, 0, THEME);
    expect(p.el.querySelectorAll("[aria-current]").length).toBe(0);
    p.setData(data(3));
    expect(p.el.hidden).toBe(false);
    p.setData(data(1));
    expect(p.el.hidden).toBe(true);
    expect(new FramePreviews({ onPick: () => {}, colorOf: () => "#000" }).el.hidden).toBe(true); // before data
  });

  it("keeps keys the notebook uses to itself and moves focus with the arrows", () => {
    const { p } = previews();
    p.setData(data(3));
    const outside = vi.fn();
    document.body.addEventListener("keydown", outside);
    const buttons = p.el.querySelectorAll("button");
    buttons[0].focus();
    for (const key of ["Enter", " ", "ArrowRight"]) {
      buttons[0].dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
    }
    expect(outside).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(buttons[1]);
    buttons[1].dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true }));
    expect(outside).toHaveBeenCalledTimes(1);
    document.body.removeEventListener("keydown", outside);
  });

  it("draws each frame's sample in class colours, skipping hidden classes, and redraws only on change", () => {
    const contexts = [];
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => {
      const c = recordingContext();
      contexts.push(c);
      return /** @type {any} */ (c.ctx);
    });
    const { p, colorOf } = previews();
    const n = 30;
    p.setData(data(3, n));
    p.draw(PROJECTION, 0, THEME);
    expect(contexts.length).toBe(3);
    const dots = (c) => c.rects.filter((r) => r.style !== THEME.background);
    for (const c of contexts) {
      expect(c.rects[0].style).toBe(THEME.background);
      // the robust box with its margin keeps most points on the canvas
      expect(dots(c).length).toBeGreaterThan(n * 0.9);
      expect(dots(c).length).toBeLessThanOrEqual(n);
      expect(new Set(dots(c).map((r) => r.style))).toEqual(new Set(COLORS));
      for (const r of dots(c)) expect(r.x >= -3 && r.x <= 72 && r.y >= -3 && r.y <= 72).toBe(true);
    }
    expect(colorOf).toHaveBeenCalled();

    p.draw(PROJECTION, 1, THEME); // same view: only the mark moves
    expect(contexts.length).toBe(3);
    p.draw(PROJECTION, 1, THEME, new Set([1]));
    expect(contexts.length).toBe(6);
    for (const c of contexts.slice(3)) expect(dots(c).some((r) => r.style === COLORS[1])).toBe(false);
    p.invalidate();
    p.draw(PROJECTION, 1, THEME, new Set([1]));
    expect(contexts.length).toBe(9);
    p.draw(Float64Array.from([0, 1, 1, 0, 0, 0]), 1, THEME, new Set([1]));
    expect(contexts.length).toBe(12);
  });

  it("samples at most `sampleSize` points per preview", () => {
    const contexts = [];
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => {
      const c = recordingContext();
      contexts.push(c);
      return /** @type {any} */ (c.ctx);
    });
    const { p } = previews({ sampleSize: 150 });
    p.setData(data(2, 5000));
    p.draw(PROJECTION, 0);
    for (const c of contexts) expect(c.rects.length).toBeLessThanOrEqual(150);
    expect(contexts[0].rects.length).toBeGreaterThan(100);
  });

  it("destroy removes the strip and its listeners", () => {
    const { p, onPick } = previews();
    p.setData(data(3));
    const b = p.el.querySelector("button");
    p.destroy();
    expect(p.el.isConnected).toBe(false);
    b.click();
    expect(onPick).not.toHaveBeenCalled();
  });

  it("adds its listeners through the host's `listen`", () => {
    const added = [];
    const { p } = previews({ listen: (target, type) => added.push([target, type]) });
    expect(added).toEqual([
      [p.el, "click"],
      [p.el, "keydown"],
    ]);
  });
});
