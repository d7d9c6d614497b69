// @vitest-environment happy-dom
// The cell viewer: its math against hand-computed values, and the view in a DOM without
// layout (a brush writes selection and rank_by together; a list click writes cell; text
// from Python stays text; only the rows in view of a long text are rendered, and a new
// `values` recolours them alone).
import { describe, expect, it } from "vitest";
import widget from "../src/cell_viewer/index.js";
import * as math from "../src/cell_viewer/math.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, frame, pointer, viewFixture } from "./mount.js";

describe("cell viewer math", () => {
  it("breaks the text into rows after a space, at the width, and after each newline", () => {
    const rows = (/** @type {string} */ text, /** @type {number} */ cols) => {
      const { starts, count } = math.breakRows([...text], cols);
      expect(starts.length).toBe(count + 1);
      return Array.from(starts);
    };
    expect(rows("ab cd\nef", 4)).toEqual([0, 3, 6, 8]); // "ab ", "cd⏎", "ef"
    expect(rows("the cat sat on", 8)).toEqual([0, 8, 14]); // "the cat ", "sat on"
    expect(rows("abcdefghij", 4)).toEqual([0, 4, 8, 10]); // no space: cut at the width
    expect(rows("abcd\nef", 4)).toEqual([0, 5, 7]); // the newline may go one past
    expect(rows("a\n\nb\n", 4)).toEqual([0, 2, 3, 5]); // an empty line is its newline
    expect(rows("", 4)).toEqual([0]);
    expect(math.breakRows([..."a😀b"], 2).starts).toEqual(Int32Array.of(0, 2, 3)); // code points
  });

  it("finds an offset's row, the rows to render, and the scroll that shows a row", () => {
    const starts = Int32Array.of(0, 3, 6, 8);
    expect([0, 2, 3, 7].map((o) => math.rowOf(starts, 3, o))).toEqual([0, 0, 1, 2]);
    expect([8, -1, 1.5].map((o) => math.rowOf(starts, 3, o))).toEqual([-1, -1, -1]);
    expect(math.rowOf(Int32Array.of(0), 0, 0)).toBe(-1);
    expect(math.visibleRows(100, 200, 20, 1000, 5)).toEqual({ first: 0, end: 20 });
    expect(math.visibleRows(1000, 100, 20, 60, 2)).toEqual({ first: 48, end: 57 });
    expect(math.visibleRows(0, 100, 20, 0, 2)).toEqual({ first: 0, end: 0 });
    expect(math.scrollFor(50, 0, 100, 20, 100)).toBe(960); // centred
    expect(math.scrollFor(2, 0, 100, 20, 100)).toBe(0); // already in view
    expect(math.scrollFor(99, 0, 100, 20, 100)).toBe(1900); // clamped to the end
  });

  it("lays a row out over its strips and finds the strip row under a point", () => {
    expect(math.rowMetrics(0)).toEqual({ lineH: 18, rowPx: 3, stripTop: 18, stripH: 0, pitch: 18 });
    expect(math.rowMetrics(2)).toEqual({ lineH: 18, rowPx: 3, stripTop: 18, stripH: 6, pitch: 28 });
    expect(math.rowMetrics(10)).toMatchObject({ rowPx: 2, stripH: 20, pitch: 42 });
    const m = math.rowMetrics(2);
    expect(math.stripAt(m, 28 + 21)).toEqual({ row: 1, k: 1 });
    expect(math.stripAt(m, 28 + 5)).toEqual({ row: 1, k: -1 }); // the text line
    expect(math.stripAt(m, 28 + 24)).toEqual({ row: 1, k: -1 }); // the gap under the strips
    expect(math.columnsFor(640, 8)).toBe(79);
    expect(math.columnsFor(100, 8)).toBe(16);
    expect(math.columnsFor(10000, 8)).toBe(200);
  });

  it("colours values on the diverging map, lighter for the text", () => {
    expect([0, 1, -1, 5, Number.NaN, undefined, 0.5].map((v) => math.colourIndex(v))).toEqual([
      127, 254, 0, 254, 127, 127, 191,
    ]);
    const full = math.colourTable();
    expect([full[0], full[127], full[254]]).toEqual(["rgb(33, 102, 172)", "rgb(255, 255, 255)", "rgb(178, 24, 43)"]);
    const text = math.colourTable(math.TEXT_TINT);
    expect([text[0], text[254]]).toEqual(["rgb(89, 140, 193)", "rgb(197, 82, 96)"]);
    // a row's strips: K = 2 over a text of 3, the row [1, 3)
    const rgba = new Uint8ClampedArray(2 * 2 * 4);
    math.fillStrip(rgba, Float32Array.of(1, 0, -1, 0, 1, 0), 2, 3, 1, 2, math.rgbTable());
    expect(Array.from(rgba)).toEqual([
      ...[255, 255, 255, 255, 33, 102, 172, 255],
      ...[178, 24, 43, 255, 255, 255, 255, 255],
    ]);
  });

  it("normalises selections and brushes", () => {
    expect(math.normaliseSelection([40, 12], 30)).toEqual([12, 30]);
    expect(math.normaliseSelection([1, 5], 10)).toEqual([1, 5]);
    expect(math.normaliseSelection([-5, 2], 10)).toEqual([0, 2]);
    expect(math.normaliseSelection([3, 3], 10)).toEqual([]);
    expect(math.normaliseSelection([1, "a"], 10)).toEqual([]);
    expect(math.normaliseSelection([], 10)).toEqual([]);
    expect(math.normaliseSelection(null, 10)).toEqual([]);
    expect(math.brushSpan(9, 4)).toEqual([4, 10]);
    expect(math.brushSpan(4, 4)).toEqual([4, 5]);
    expect(math.sameSpan([1, 2], [1, 2])).toBe(true);
    expect(math.sameSpan([], [1, 2])).toBe(false);
  });

  it("words the tooltip, the scores and the cells", () => {
    expect([" ", "\n", "\t", "x"].map(math.charLabel)).toEqual(["␠", "⏎", "⇥", "x"]);
    expect([0.456, 1, -0.001, null, "x"].map(math.formatScore)).toEqual(["0.46", "1.00", "0.00", "–", "–"]);
    expect(math.hoverLines(" ", 1, ["L0", "L1"], Float32Array.of(0, 0.5, 0, -1), 2)).toEqual([
      "␠ · offset 1",
      "L0: 0.50",
      "L1: -1.00",
    ]);
    expect(math.hoverLines("a", 0, ["L0"], null, 2)).toEqual(["a · offset 0"]);
    const cells = math.parseCells([{ index: 3, name: "<b>", score: 0.5, layer: 1 }, { name: "x" }, null, { index: 2 }]);
    expect(cells).toEqual([
      { index: 3, name: "<b>", score: 0.5, layer: 1 },
      { index: 2, name: "2", score: Number.NaN, layer: -1 },
    ]);
  });

  it("lays the saturation scatters out side by side, wrapping", () => {
    const two = math.scatterLayout(2, 500);
    expect(two).toMatchObject({ cols: 2, rows: 1, cellW: 200, cellH: 206, height: 206 });
    expect(two.box(1)).toEqual({ left: 248, right: 400, top: 20, bottom: 172 });
    const narrow = math.scatterLayout(3, 300);
    expect(narrow).toMatchObject({ cols: 1, rows: 3, cellW: 150, cellH: 156, height: 484 });
    expect(narrow.box(2)).toEqual({ left: 40, right: 142, top: 348, bottom: 450 });
    expect(math.scatterLayout(0, 300).height).toBe(0);
  });
});

// --- the view ---------------------------------------------------------------------------

const TEXT = "ab <b>c</b>\nde f"; // 16 characters: rows "ab <b>c</b>⏎" and "de f"
const T = TEXT.length;

/** @param {(i: number) => number} f */
const perChar = (f, n = T) =>
  encoded(
    Float32Array.from({ length: n }, (_, i) => f(i)),
    [n],
    "float32",
  );

function state() {
  return {
    text: TEXT,
    values: perChar((i) => (i % 3) - 1),
    strip: encoded(
      Float32Array.from({ length: 2 * T }, (_, i) => (i % 2 ? 1 : -1)),
      [2, T],
      "float32",
    ),
    strip_names: ["L0 · <i>3</i>", "L1 · 37"],
    cells: [
      { index: 3, name: "L0 · <i>3</i>", score: 0.912, layer: 0 },
      { index: 37, name: "L1 · 37", score: -0.45, layer: 1 },
    ],
    cell: 3,
    cell_name: "layer 0 · cell <b>3</b> · c",
    tracks: ["in_string", "<b>depth</b>"],
    rank_by: "in_string",
    quantity: "cell",
    quantities: ["cell", "hidden"],
    selection: [],
    hover_names: ["L0 · 3", "L1 · <b>37</b>"],
    hover_values: encoded(
      Float32Array.from({ length: 2 * T }, (_, i) => (i < T ? 0.25 : -0.5)),
      [2, T],
      "float32",
    ),
    saturation: encoded(new Float32Array(2 * 3 * 4 * 2).fill(0.5), [2, 3, 4, 2], "float32"),
    gate_names: ["input", "forget", "<b>output</b>"],
    status_text: "step 1,200 · validation <b>1.92</b> bits/char",
    height: 360,
  };
}

/**
 * The rendered characters' spans, in offset order (rows are added top to bottom).
 * @param {HTMLElement} root
 * @returns {HTMLElement[]}
 */
const spans = (root) => [...root.querySelectorAll(".nbviz-cell-viewer-line > span")];

/** A text of `lines` lines of 59 characters and a newline each. */
function longText(lines = 400) {
  return Array.from({ length: lines }, (_, k) => `line ${String(k).padStart(4, "0")} ${"x".repeat(49)}`).join("\n");
}

describe("CellViewer view", () => {
  const t = viewFixture(widget, state, {
    stages: ".nbviz-cell-viewer-scroller, .nbviz-cell-viewer-stage",
    size: [600, 360],
  });

  it("shows the text, names and tracks from Python as text", async () => {
    const root = await t.renderDrawn();
    expect(root.__nbvizTest.shownText()).toBe(TEXT);
    expect(
      spans(root)
        .map((s) => s.textContent)
        .join(""),
    ).toBe("ab <b>c</b>de f"); // the newline: an empty span
    expect(spans(root)[11].className).toBe("is-newline");
    expect(root.querySelector(".nbviz-cell-viewer-title").textContent).toBe("layer 0 · cell <b>3</b> · c");
    const names = [...root.querySelectorAll(".nbviz-cell-viewer-cell-name")].map((e) => e.textContent);
    expect(names).toEqual(["L0 · <i>3</i>", "L1 · 37"]);
    expect([...root.querySelectorAll(".nbviz-cell-viewer-score")].map((e) => e.textContent)).toEqual(["0.91", "-0.45"]);
    const rank = root.querySelector("select.nbviz-cell-viewer-rank");
    expect([...rank.options].map((o) => o.textContent)).toEqual(["in_string", "<b>depth</b>", "the brushed span"]);
    expect(rank.value).toBe("in_string");
    const gates = [...root.querySelectorAll(".nbviz-cell-viewer-gate")].map((e) => e.textContent);
    expect(gates).toEqual(["input", "forget", "<b>output</b>"]);
    expect(root.querySelector(".nbviz-cell-viewer-status").textContent).toBe(
      "step 1,200 · validation <b>1.92</b> bits/char",
    );
    expect(root.querySelector(".nbviz-cell-viewer-rank-note").textContent).toBe("by in_string");
    expect(root.querySelector("b, i")).toBeNull();
    expect(root.dataset.ready).toBe("true");
    expect(root.__nbvizTest.drawn()).toMatchObject({ lines: 2, cells: 2 });
  });

  it("counts characters as Python does (code points)", async () => {
    t.model.set("text", "a😀b");
    t.model.set(
      "values",
      perChar(() => 1, 3),
    );
    const root = await t.renderDrawn();
    expect(spans(root).map((s) => s.textContent)).toEqual(["a", "😀", "b"]);
    expect(root.__nbvizTest.colourAt(2)).toBe(math.colourTable(math.TEXT_TINT)[254]);
  });

  it("colours each character by its value and recolours on new values", async () => {
    const root = await t.renderDrawn();
    const hooks = root.__nbvizTest;
    const table = math.colourTable(math.TEXT_TINT);
    expect([0, 1, 2].map((o) => hooks.colourAt(o))).toEqual([table[0], table[127], table[254]]);
    expect(hooks.colourAt(T)).toBeNull();
    expect(root.__nbvizStats.recolourMs).toEqual([]);
    t.model.set(
      "values",
      perChar(() => 1),
    );
    expect(hooks.colourAt(0)).toBe("rgb(197, 82, 96)"); // at once, no frame needed
    expect(root.__nbvizStats.recolourMs.length).toBe(1);
    expect(root.__nbvizStats.recolourMs[0]).toBeGreaterThanOrEqual(0);
    t.model.set(
      "values",
      perChar(() => 0, T + 1),
    ); // another text's values: uncoloured
    expect(hooks.colourAt(0)).toBe("");
  });

  it("brushes a span: selection and rank_by go in one message; a click clears it", async () => {
    const root = await t.renderDrawn();
    const s = spans(root);
    const saved = t.model.saved;
    s[1].dispatchEvent(pointer("pointerdown", 0, 0));
    s[3].dispatchEvent(pointer("pointermove", 0, 0, { buttons: 1 }));
    expect(s.filter((e) => e.classList.contains("is-selected")).length).toBe(3); // the brush, shown as it goes
    s[4].dispatchEvent(pointer("pointermove", 0, 0, { buttons: 1 }));
    expect(t.model.saved).toBe(saved);
    s[4].dispatchEvent(pointer("pointerup", 0, 0));
    expect(t.model.get("selection")).toEqual([1, 5]);
    expect(t.model.get("rank_by")).toBe("selection");
    expect(t.model.saved).toBe(saved + 1);
    expect(s.map((e) => e.classList.contains("is-selected"))).toEqual(s.map((_, i) => i >= 1 && i < 5));
    expect(root.querySelector(".nbviz-cell-viewer-brushed").textContent).toBe("brushed 1–5 (4 characters)");
    expect(root.querySelector("select.nbviz-cell-viewer-rank").value).toBe("selection");
    // backwards, from "e" to "<" of the first row
    s[13].dispatchEvent(pointer("pointerdown", 0, 0));
    s[3].dispatchEvent(pointer("pointermove", 0, 0, { buttons: 1 }));
    s[3].dispatchEvent(pointer("pointerup", 0, 0));
    expect(t.model.get("selection")).toEqual([3, 14]);
    expect(t.model.saved).toBe(saved + 2);
    // a click without a drag clears it, and only it
    s[6].dispatchEvent(pointer("pointerdown", 0, 0));
    s[6].dispatchEvent(pointer("pointerup", 0, 0));
    expect(t.model.get("selection")).toEqual([]);
    expect(t.model.get("rank_by")).toBe("selection");
    expect(t.model.saved).toBe(saved + 3);
    expect(s.some((e) => e.classList.contains("is-selected"))).toBe(false);
    s[6].dispatchEvent(pointer("pointerdown", 0, 0));
    s[6].dispatchEvent(pointer("pointerup", 0, 0));
    expect(t.model.saved).toBe(saved + 3); // nothing to clear
    // a button released outside the window: the next move without it ends the brush
    s[0].dispatchEvent(pointer("pointerdown", 0, 0));
    s[2].dispatchEvent(pointer("pointermove", 0, 0, { buttons: 1 }));
    s[9].dispatchEvent(pointer("pointermove", 0, 0, { buttons: 0 }));
    expect(t.model.get("selection")).toEqual([0, 3]);
  });

  it("shows a selection set from Python, and Escape clears it", async () => {
    const root = await t.renderDrawn();
    t.model.set("selection", [12, 14]);
    const s = spans(root);
    expect(s.map((e, i) => [i, e.classList.contains("is-selected")]).filter(([, on]) => on)).toEqual([
      [12, true],
      [13, true],
    ]);
    const scroller = root.querySelector(".nbviz-cell-viewer-scroller");
    scroller.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(t.model.get("selection")).toEqual([]);
    expect(s.some((e) => e.classList.contains("is-selected"))).toBe(false);
  });

  it("names the character under the pointer and every layer's value", async () => {
    const root = await t.renderDrawn();
    const s = spans(root);
    const tip = root.querySelector(".nbviz-cell-viewer-text-stage .nbviz-tooltip");
    s[2].dispatchEvent(pointer("pointermove", 10, 10));
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("␠ · offset 2\nL0 · 3: 0.25\nL1 · <b>37</b>: -0.50");
    expect(tip.querySelector("b")).toBeNull();
    s[11].dispatchEvent(pointer("pointermove", 10, 10));
    expect(tip.textContent.split("\n")[0]).toBe("⏎ · offset 11");
    root.querySelector(".nbviz-cell-viewer-scroller").dispatchEvent(pointer("pointerleave", 0, 0));
    expect(tip.hidden).toBe(true);
  });

  it("draws a strip per top cell under each row; a click on a strip row picks its cell", async () => {
    const root = await t.renderDrawn();
    const hooks = root.__nbvizTest;
    const strips = root.querySelectorAll("canvas.nbviz-cell-viewer-strip");
    expect(strips.length).toBe(2); // one per row
    expect(strips[0].width).toBe(12); // a pixel per character
    expect(strips[0].height).toBe(2); // and per strip row
    const p = hooks.stripPosition(1, 1);
    const tip = root.querySelector(".nbviz-cell-viewer-text-stage .nbviz-tooltip");
    strips[0].dispatchEvent(pointer("pointermove", p.x, p.y));
    expect(tip.textContent).toBe("L1 · 37: 1.00\nb · offset 1");
    strips[0].dispatchEvent(new MouseEvent("click", { clientX: p.x, clientY: p.y, bubbles: true }));
    expect(t.model.get("cell")).toBe(37);
    const q = hooks.stripPosition(13, 0);
    strips[1].dispatchEvent(new MouseEvent("click", { clientX: q.x, clientY: q.y, bubbles: true }));
    expect(t.model.get("cell")).toBe(3);
    expect(hooks.stripPosition(1, 2)).toBeNull();
    t.model.set("strip", null); // no strips: plain rows
    await frame();
    expect(root.querySelectorAll("canvas.nbviz-cell-viewer-strip").length).toBe(0);
  });

  it("writes cell from the list and marks the chosen row", async () => {
    const root = await t.renderDrawn();
    const rows = [...root.querySelectorAll(".nbviz-cell-viewer-cell")];
    expect(rows.map((r) => r.classList.contains("is-chosen"))).toEqual([true, false]);
    const press = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
    rows[1].dispatchEvent(press);
    expect(press.defaultPrevented).toBe(true);
    rows[1].querySelector(".nbviz-cell-viewer-score").click();
    expect(t.model.get("cell")).toBe(37);
    expect(rows.map((r) => r.getAttribute("aria-pressed"))).toEqual(["false", "true"]);
    expect(root.__nbvizTest.cellRow(37)).not.toBeNull();
    expect(root.__nbvizTest.cellRow(5)).toBeNull();
    t.model.set("cells", []);
    expect(root.__nbvizTest.drawn().cells).toBe(0);
    expect(root.querySelector(".nbviz-cell-viewer-list-empty").hidden).toBe(false);
  });

  it("writes rank_by and quantity from their selects", () => {
    const root = t.render();
    const rank = root.querySelector("select.nbviz-cell-viewer-rank");
    rank.value = "<b>depth</b>";
    rank.dispatchEvent(new Event("change"));
    expect(t.model.get("rank_by")).toBe("<b>depth</b>");
    const quantity = root.querySelector("select.nbviz-cell-viewer-quantity");
    expect([...quantity.options].map((o) => o.textContent)).toEqual(["cell state c", "hidden state h"]);
    quantity.value = "hidden";
    quantity.dispatchEvent(new Event("change"));
    expect(t.model.get("quantity")).toBe("hidden");
    t.model.set("quantity", "cell");
    expect(quantity.value).toBe("cell");
  });

  it("renders only the rows in view of a long text, and recolours only those", async () => {
    const text = longText(400); // 23,999 characters, a row per line
    t.model.set("text", text);
    t.model.set(
      "values",
      perChar(() => 0, text.length),
    );
    const root = await t.renderDrawn();
    const hooks = root.__nbvizTest;
    // no strips (they are the short text's): 18-px rows, 20 in a 360-px view, 12 more below
    expect(hooks.drawn().lines).toBe(32);
    expect(root.querySelectorAll(".nbviz-cell-viewer-row").length).toBe(32);
    expect(spans(root).length).toBe(32 * 60);
    expect(hooks.shownText().split("\n")[0]).toBe(`line 0000 ${"x".repeat(49)}`);
    const scroller = root.querySelector(".nbviz-cell-viewer-scroller");
    expect(scroller.querySelector(".nbviz-cell-viewer-content").style.height).toBe(`${400 * 18}px`);
    scroller.scrollTop = 200 * 18;
    scroller.dispatchEvent(new Event("scroll"));
    await frame();
    const shown = hooks.shownText().split("\n");
    expect(shown.length).toBe(44); // rows 188 to 231
    expect(shown[0].startsWith("line 0188")).toBe(true);
    expect(hooks.colourAt(0)).toBeNull();
    // a new values: the rendered characters change colour, no other row is made
    t.model.set(
      "values",
      perChar(() => 1, text.length),
    );
    const o = 200 * 60;
    expect(hooks.colourAt(o)).toBe("rgb(197, 82, 96)");
    expect(root.querySelectorAll(".nbviz-cell-viewer-row").length).toBe(44);
    // charPosition scrolls a character into view
    const last = text.length - 1;
    expect(hooks.charPosition(last)).not.toBeNull();
    expect(hooks.shownText().endsWith(`line 0399 ${"x".repeat(49)}`)).toBe(true);
    expect(hooks.colourAt(last)).toBe("rgb(197, 82, 96)");
    expect(hooks.charPosition(text.length)).toBeNull();
  });

  it("draws a saturation scatter per layer", async () => {
    fakeCanvasContexts();
    const root = await t.renderDrawn();
    expect(root.__nbvizTest.drawn().scatters).toBe(2);
    t.model.set("saturation", null);
    await frame();
    expect(root.__nbvizTest.drawn().scatters).toBe(0);
    expect(root.querySelector(".nbviz-cell-viewer-empty").textContent).toBe("No gate statistics.");
  });

  it("keeps two views of one model independent", async () => {
    await t.expectIndependentViews("status_text", "step 2", (root) => {
      expect(root.querySelector(".nbviz-cell-viewer-status").textContent).toBe("step 2");
    });
  });
});
