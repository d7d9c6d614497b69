// @vitest-environment happy-dom
// The layer explorer: its pure math (brush, blur, invert, conversions, scales, colours,
// layout and hit test, the unit panel's pixels) against hand-computed values, and the view
// in a DOM without canvas pixels: a stroke writes input_image and input_source, a tile
// click writes layer and unit in one message, a thumbnail click writes index, the button
// sends OPEN_CHAINS, Python's texts stay text.
import { describe, expect, it, vi } from "vitest";
import widget from "../src/layer_explorer/index.js";
import * as math from "../src/layer_explorer/math.js";
import { fitText } from "../src/lib/canvas.js";
import { decodeArray } from "../src/lib/codec.js";
import { OPEN_CHAINS } from "../src/lib/messages.js";
import { encoded } from "./fake_model.js";
import { fakeCanvasContexts, fakeContext, frame, pointer, slide, viewFixture } from "./mount.js";

const near = (/** @type {ArrayLike<number>} */ a) => Array.from(a, (v) => Math.round(v * 1e4) / 1e4);

describe("layer explorer math: the drawing buffer", () => {
  it("sizes the brush to the input", () => {
    expect(math.brushRadius("small", 28, 28)).toBe(0.9);
    expect(math.brushRadius("large", 56, 56)).toBe(5);
    expect(math.brushRadius("nonsense", 28, 28)).toBe(1.5);
  });

  it("stamps a soft round brush, keeping the larger ink", () => {
    const buf = new Float32Array(9);
    math.stampBrush(buf, 3, 3, 1, 1.5, 1.5, 0.9);
    // centre d=0: 1; sides d=1: (1.4 - 1) / 1; corners d=√2: nothing
    expect(near(buf)).toEqual([0, 0.4, 0, 0.4, 1, 0.4, 0, 0.4, 0]);
    const rgb = new Float32Array(27);
    rgb[3 * 1 + 0] = 0.7; // the top side's red is already lighter than the brush's 0.4
    math.stampBrush(rgb, 3, 3, 3, 1.5, 1.5, 0.9);
    expect(near(rgb.subarray(3, 6))).toEqual([0.7, 0.4, 0.4]);
    expect(near(rgb.subarray(12, 15))).toEqual([1, 1, 1]);
  });

  it("inks a stroke along a segment", () => {
    const buf = new Float32Array(15);
    math.strokeSegment(buf, 5, 3, 1, { x: 0.5, y: 1.5 }, { x: 4.5, y: 1.5 }, 0.9);
    expect(near(buf)).toEqual([0.4, 0.4, 0.4, 0.4, 0.4, 1, 1, 1, 1, 1, 0.4, 0.4, 0.4, 0.4, 0.4]);
  });

  it("inverts, blurs with a binomial kernel and repeats edges", () => {
    expect(near(math.invert(Float32Array.of(0, 0.25, 1)))).toEqual([1, 0.75, 0]);
    const dot = Float32Array.of(0, 0, 0, 0, 1, 0, 0, 0, 0);
    math.blur(dot, 3, 3, 1, new Float32Array(9));
    expect(near(dot)).toEqual([0.0625, 0.125, 0.0625, 0.125, 0.25, 0.125, 0.0625, 0.125, 0.0625]);
    const edge = Float32Array.of(1, 0, 0);
    math.blur(edge, 3, 1, 1, new Float32Array(3));
    expect(near(edge)).toEqual([0.75, 0.25, 0]);
    const twoChannels = Float32Array.of(1, 0, 0, 1); // 2 pixels × C=2, channels apart
    math.blur(twoChannels, 2, 1, 2, new Float32Array(4));
    expect(near(twoChannels)).toEqual([0.75, 0.25, 0.25, 0.75]);
  });

  it("converts RGBA to channels, bytes and back, and the buffer to RGBA", () => {
    const rgba = Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255);
    expect(near(math.rgbaToChannels(rgba, 2, 1, 1))).toEqual([0.299, 0.587]);
    expect(near(math.rgbaToChannels(rgba, 2, 1, 3))).toEqual([1, 0, 0, 0, 1, 0]);
    expect(Array.from(math.toBytes(Float32Array.of(-0.1, 0.5, 1.2, 0.2)))).toEqual([0, 128, 255, 51]);
    expect(near(math.fromBytes(Uint8Array.of(0, 51, 255)))).toEqual([0, 0.2, 1]);
    const out = new Uint8ClampedArray(8);
    expect(Array.from(math.channelsToRGBA(Float32Array.of(0, 1), 1, out))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    math.channelsToRGBA(Float32Array.of(1, 0, 0, 0, 0, 1), 3, out);
    expect(Array.from(out)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
    math.channelsToRGBA(Float32Array.of(1, 0, 0, 0, 0, 1), 3, out, true);
    expect(Array.from(out)).toEqual([76, 76, 76, 255, 29, 29, 29, 255]);
  });

  it("crops a picture's centre to the input's aspect", () => {
    expect(math.coverCrop(200, 100, 28, 28)).toEqual({ sx: 50, sy: 0, sw: 100, sh: 100 });
    expect(math.coverCrop(100, 300, 20, 10)).toEqual({ sx: 0, sy: 125, sw: 100, sh: 50 });
  });
});

/** Layers of the tests: conv [2, 1, 2] at 0, dense [3] at 4. */
const LAYERS = [
  { name: "c", kind: "conv", shape: [2, 1, 2], offset: 0, size: 4, labels: [] },
  { name: "d", kind: "dense", shape: [3], offset: 4, size: 3, labels: ["x", "y", "z"] },
];

describe("layer explorer math: layers", () => {
  it("parses layers and leaves out those that do not fit", () => {
    const bad = [
      { name: "shape", kind: "conv", shape: [2, 2], offset: 0, size: 4 },
      { name: "size", kind: "conv", shape: [2, 2, 2], offset: 0, size: 4 },
      { name: "offset", kind: "dense", shape: [3], offset: -1, size: 3 },
      null,
    ];
    const layers = math.parseLayers([...LAYERS, ...bad]);
    expect(layers.map((l) => [l.name, l.kind, l.units, l.h, l.w])).toEqual([
      ["c", "conv", 2, 1, 2],
      ["d", "dense", 3, 1, 1],
    ]);
    expect(layers[1].labels).toEqual(["x", "y", "z"]);
    expect(math.layerCaption(layers[0])).toBe("c · 2×1×2");
    expect(math.parseLayers("nope")).toEqual([]);
  });

  it("scales per layer or per unit (dense layers always per layer)", () => {
    const [conv, dense] = math.parseLayers(LAYERS);
    const act = Float32Array.of(1, -2, 3, 4, 0.5, -1, 2);
    const s = new Float32Array(2);
    expect(math.fillScales(act, conv, "unit", s)).toEqual({ maxAbs: 4, signed: true });
    expect(Array.from(s)).toEqual([2, 4]);
    math.fillScales(act, conv, "layer", s);
    expect(Array.from(s)).toEqual([4, 4]);
    const d = new Float32Array(3);
    expect(math.fillScales(act, dense, "unit", d)).toEqual({ maxAbs: 2, signed: true });
    expect(Array.from(d)).toEqual([2, 2, 2]);
    expect(math.fillScales(Float32Array.of(0, 1, 2, 3), conv, "layer", s).signed).toBe(false);
  });

  it("colours values grey for a non-negative layer and diverging for a signed one", () => {
    expect(math.valueColor(2, 4, false)).toEqual([128, 128, 128]);
    expect(math.valueColor(9, 4, false)).toEqual([255, 255, 255]);
    expect(math.valueColor(-1, 4, false)).toEqual([0, 0, 0]);
    expect(math.valueColor(3, 0, false)).toEqual([0, 0, 0]);
    expect(math.valueColor(-4, 4, true)).toEqual([33, 102, 172]);
    expect(math.valueColor(8, 4, true)).toEqual([178, 24, 43]);
    expect(math.valueColor(Number.NaN, 4, true)).toEqual([255, 255, 255]);
  });

  it("picks tile zooms: small maps enlarged, large ones shrunk, none wider than the panel", () => {
    expect(math.tileZoom(7, 7, 500)).toBe(4);
    expect(math.tileZoom(28, 28, 500)).toBe(1);
    expect(math.tileZoom(1, 1, 500)).toBe(8);
    expect(math.tileZoom(128, 128, 500)).toBe(0.5);
    expect(math.tileZoom(28, 28, 14)).toBe(0.5);
  });

  it("lays rows out, finds tiles and bars, and hit-tests them", () => {
    const layers = math.parseLayers([
      { name: "c", kind: "conv", shape: [4, 2, 2], offset: 0, size: 16 },
      { name: "d", kind: "dense", shape: [10], offset: 16, size: 10 },
    ]);
    const L = math.layersLayout(layers, 100);
    const [conv, dense] = L.rows;
    // avail 84; zoom 8 (2-px maps), gap 1 map px; 3 columns of 3 map px fit in 84 / 8 + 1
    expect(conv).toMatchObject({ kind: "conv", z: 8, gap: 1, cols: 3, rows: 2, x: 8, labelY: 20, top: 24 });
    expect(conv).toMatchObject({ nativeW: 8, nativeH: 5, drawW: 64, drawH: 40 });
    // bars 8 px wide, all 10 in one strip, under the conv row (24 + 40 + 10 gap + 16 label)
    expect(dense).toMatchObject({ kind: "dense", barW: 8, nameH: 0, perStrip: 10, strips: 1, top: 90, drawW: 80 });
    expect(dense.drawH).toBe(40);
    expect(L.height).toBe(138);
    expect(math.unitRect(conv, 1)).toEqual({ x: 32, y: 24, w: 16, h: 16 });
    expect(math.unitRect(conv, 3)).toEqual({ x: 8, y: 48, w: 16, h: 16 });
    expect(math.unitRect(dense, 3)).toEqual({ x: 32, y: 90, w: 8, h: 40 });
    expect(math.unitRect(conv, 1.5)).toBeNull();
    expect(math.unitRect(conv, 4)).toBeNull();
    expect(math.unitAt(L, 32 + 5, 24 + 9)).toEqual({ layer: 0, unit: 1, row: 1, col: 0 });
    expect(math.unitAt(L, 26, 30)).toBeNull(); // the gap after tile 0
    expect(math.unitAt(L, 32 + 1, 48 + 1)).toBeNull(); // where a 5th tile would be
    expect(math.unitAt(L, 32 + 1, 90 + 39)).toEqual({ layer: 1, unit: 3, row: 0, col: 0 });
    expect(math.unitAt(L, 5, 30)).toBeNull();
    expect(math.unitAt(null, 30, 30)).toBeNull();
    // 100 bars do not fit across: 2 px each, 42 a strip, 3 strips
    const wide = math.layersLayout(
      math.parseLayers([{ name: "w", kind: "dense", shape: [100], offset: 0, size: 100 }]),
      100,
    );
    expect(wide.rows[0]).toMatchObject({ barW: 2, perStrip: 42, strips: 3, nativeH: 3 * 44 - 4 });
    expect(math.unitRect(wide.rows[0], 43)).toEqual({ x: 10, y: 24 + 44, w: 2, h: 40 });
    // few channels: tiles grow (28 px maps to 3×) while they stay in one row
    const few = math.layersLayout(
      math.parseLayers([{ name: "f", kind: "conv", shape: [4, 28, 28], offset: 0, size: 3136 }]),
      600,
    );
    expect(few.rows[0]).toMatchObject({ z: 3, gap: 1, cols: 4, rows: 1, drawW: (4 * 29 - 1) * 3 });
    // many channels: as they are
    const many = math.layersLayout(
      math.parseLayers([{ name: "m", kind: "conv", shape: [64, 28, 28], offset: 0, size: 50176 }]),
      600,
    );
    expect(many.rows[0]).toMatchObject({ z: 1, gap: 3, cols: 18, rows: 4 });
  });

  it("gives named bars room for their names: up to 80 px, shrunk to 24, wrapped, else plain", () => {
    expect(math.barLayout(10, 584, true)).toEqual({ barW: 58, perStrip: 10, strips: 1, named: true });
    expect(math.barLayout(3, 584, true)).toEqual({ barW: 80, perStrip: 3, strips: 1, named: true });
    expect(math.barLayout(10, 300.5, true)).toEqual({ barW: 30, perStrip: 10, strips: 1, named: true });
    // under 24 px a bar: 24-px bars in strips, up to 4 of them
    expect(math.barLayout(10, 84, true)).toEqual({ barW: 24, perStrip: 3, strips: 4, named: true });
    expect(math.barLayout(2, 16, true)).toEqual({ barW: 16, perStrip: 1, strips: 2, named: true });
    // 5 strips would be needed: plain bars, as without names
    expect(math.barLayout(13, 84, true)).toEqual({ barW: 6, perStrip: 13, strips: 1, named: false });
    expect(math.barLayout(10, 84, false)).toEqual({ barW: 8, perStrip: 10, strips: 1, named: false });
  });

  it("lays a named layer's bars out over a name line each, places the names, hit-tests both", () => {
    const labels = Array.from({ length: 10 }, (_, i) => `class ${i}`);
    const layers = math.parseLayers([{ name: "out", kind: "dense", shape: [10], offset: 0, size: 10, labels }]);
    // 600 px: avail 584, 58-px bars in one strip, 40 + 14 px tall
    const one = math.layersLayout(layers, 600);
    const row = one.rows[0];
    expect(row).toMatchObject({ barW: 58, barH: 40, nameH: 14, perStrip: 10, strips: 1, top: 24 });
    expect(row).toMatchObject({ nativeW: 580, nativeH: 54, drawW: 580, drawH: 54 });
    expect(one.height).toBe(86); // 24 + 54 + 8
    expect(math.unitRect(row, 2)).toEqual({ x: 124, y: 24, w: 58, h: 40 });
    expect(math.namePlace(row, 2)).toEqual({ x: 153, y: 75, w: 56 });
    expect(math.namePlace(row, 10)).toBeNull();
    expect(math.unitAt(one, 153, 24 + 20)).toEqual({ layer: 0, unit: 2, row: 0, col: 0 }); // the bar
    expect(math.unitAt(one, 153, 75 - 4)).toEqual({ layer: 0, unit: 2, row: 0, col: 0 }); // its name
    expect(math.unitAt(one, 124 + 58, 75)).toEqual({ layer: 0, unit: 3, row: 0, col: 0 });
    expect(math.unitAt(one, 153, 24 + 54)).toBeNull(); // below the names
    expect(math.unitAt(one, 8 + 580, 30)).toBeNull(); // right of the last bar
    // 100 px: avail 84, 24-px bars, 3 a strip, 4 strips 40 + 14 + 4 px apart
    const narrow = math.layersLayout(layers, 100);
    const strips = narrow.rows[0];
    expect(strips).toMatchObject({ barW: 24, nameH: 14, perStrip: 3, strips: 4, nativeW: 72, nativeH: 4 * 58 - 4 });
    expect(math.unitRect(strips, 4)).toEqual({ x: 32, y: 82, w: 24, h: 40 });
    expect(math.namePlace(strips, 4)).toEqual({ x: 44, y: 133, w: 22 });
    expect(math.unitAt(narrow, 44, 82 + 39)).toMatchObject({ unit: 4 });
    expect(math.unitAt(narrow, 44, 82 + 53)).toMatchObject({ unit: 4 }); // the name line's last px
    expect(math.unitAt(narrow, 44, 82 + 54)).toBeNull(); // the gap between strips
    expect(math.unitAt(narrow, 44, 24 + 50)).toMatchObject({ unit: 1 });
    expect(math.unitAt(narrow, 32 + 1, 24 + 3 * 58 + 5)).toBeNull(); // where an 11th bar would be
    // no names, no name line
    const plain = math.layersLayout(math.parseLayers([{ ...LAYERS[1], labels: [] }]), 600).rows[0];
    expect(plain).toMatchObject({ barW: 12, nameH: 0, drawH: 40 });
    expect(math.namePlace(plain, 0)).toBeNull();
    const conv = math.layersLayout(math.parseLayers(LAYERS), 600).rows[0];
    expect(math.namePlace(conv, 0)).toBeNull();
  });

  it("finds the largest unit, fits names, words the top crops' captions", () => {
    expect(math.largestUnit(Float32Array.of(9, 1, 3, 2), { offset: 1, units: 3 })).toBe(1);
    expect(math.largestUnit(Float32Array.of(2, 2), { offset: 0, units: 2 })).toBe(0);
    expect(math.largestUnit(Float32Array.of(-3, Number.NaN, -1), { offset: 0, units: 3 })).toBe(2);
    expect(math.largestUnit(Float32Array.of(Number.NaN), { offset: 0, units: 1 })).toBe(-1);
    expect(math.largestUnit(Float32Array.of(1), { offset: 1, units: 2 })).toBe(-1);
    const ctx = fakeContext(); // 6 px a character
    expect(fitText(ctx, "Sneaker", 42)).toBe("Sneaker");
    expect(fitText(ctx, "Sneaker", 30)).toBe("Snea…");
    expect(fitText(ctx, "Sneaker", 3)).toBe("S…");
    expect(math.topLabel(4.821, "#123 · Sneaker")).toBe("4.821 · Sneaker");
    expect(math.topLabel(4.821, "#123")).toBe("4.821");
    expect(math.topLabel(2, "#1 · T-shirt · top")).toBe("2 · T-shirt · top");
    expect(math.topLabel(3, "#1 · ")).toBe("3");
    expect(math.topLabel(null, "#1 · Bag")).toBe("Bag");
    expect(math.topLabel(null, "")).toBe("");
  });

  it("fills a conv row's tiles, leaving the gaps transparent", () => {
    const [conv] = math.parseLayers(LAYERS);
    const row = /** @type {any} */ ({ kind: "conv", cols: 2, gap: 1, nativeW: 5 });
    const rgba = new Uint8ClampedArray(5 * 4);
    math.fillTiles(rgba, Float32Array.of(0, 2, 4, 4), conv, row, Float32Array.of(2, 4), false);
    const px = (/** @type {number} */ i) => Array.from(rgba.subarray(4 * i, 4 * i + 4));
    expect([px(0), px(1), px(2), px(3), px(4)]).toEqual([
      [0, 0, 0, 255],
      [255, 255, 255, 255],
      [0, 0, 0, 0],
      [255, 255, 255, 255],
      [255, 255, 255, 255],
    ]);
    math.fillTiles(rgba, Float32Array.of(-2, 0, 4, 4), conv, row, Float32Array.of(4, 4), true);
    expect(px(1)).toEqual([255, 255, 255, 255]);
    expect(px(0)).toEqual([...math.valueColor(-2, 4, true), 255]);
    expect(px(3)).toEqual([178, 24, 43, 255]);
    expect(math.inkOf(rgba, 5, { x: 3, y: 0, w: 2, h: 1 })).toBe(2 * (178 + 24 + 43));
  });

  it("fills a dense row's bars up from the bottom, or both ways from the middle", () => {
    const [, dense] = math.parseLayers(LAYERS);
    const row = /** @type {any} */ ({
      kind: "dense",
      barW: 3,
      barH: 4,
      nameH: 0,
      perStrip: 3,
      strips: 1,
      stripGap: 4,
      nativeW: 9,
    });
    const rgba = new Uint8ClampedArray(9 * 4 * 4);
    const alpha = (/** @type {number} */ x, /** @type {number} */ y) => rgba[(y * 9 + x) * 4 + 3];
    const column = (/** @type {number} */ x) => [0, 1, 2, 3].map((y) => alpha(x, y));
    math.fillBars(rgba, Float32Array.of(0, 0, 0, 0, 2, 4, 0), dense, row, 4, false);
    expect(column(0)).toEqual([0, 0, 255, 255]); // 2 of 4: half the height
    expect(column(3)).toEqual([255, 255, 255, 255]);
    expect(column(2)).toEqual([0, 0, 0, 90]); // the gap between bars: the base line only
    expect(column(6)).toEqual([0, 0, 0, 90]); // 0: nothing but the base line
    math.fillBars(rgba, Float32Array.of(0, 0, 0, 0, -4, 2, 0), dense, row, 4, true);
    expect(column(0)).toEqual([0, 90, 255, 255]); // down from the zero line (row 1)
    expect(Array.from(rgba.subarray((2 * 9 + 0) * 4, (2 * 9 + 0) * 4 + 3))).toEqual([33, 102, 172]);
    expect(column(3)).toEqual([0, 255, 0, 0]); // 2 of 4 up: one of the two rows above
    expect(Array.from(rgba.subarray((1 * 9 + 3) * 4, (1 * 9 + 3) * 4 + 3))).toEqual([178, 24, 43]);
  });

  it("fills wide named bars centred in their slots, clear of the name lines", () => {
    const [named] = math.parseLayers([
      { name: "n", kind: "dense", shape: [2], offset: 0, size: 2, labels: ["a", "b"] },
    ]);
    // 16-px slots: 14-px bars 1 px in; strips 4 (bars) + 3 (names) + 1 (gap) px apart
    const row = /** @type {any} */ ({
      kind: "dense",
      barW: 16,
      barH: 4,
      nameH: 3,
      perStrip: 1,
      stripGap: 1,
      nativeW: 16,
    });
    const rgba = new Uint8ClampedArray(16 * 15 * 4);
    math.fillBars(rgba, Float32Array.of(4, 2), named, row, 4, false);
    const column = (/** @type {number} */ x) => Array.from({ length: 15 }, (_, y) => rgba[(y * 16 + x) * 4 + 3]);
    expect(column(1)).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0]);
    expect(column(14)).toEqual(column(1));
    expect(column(0)).toEqual([0, 0, 0, 90, 0, 0, 0, 0, 0, 0, 0, 90, 0, 0, 0]); // the base lines only
    expect(column(15)).toEqual(column(0));
  });
});

describe("layer explorer math: the unit panel", () => {
  it("makes the overlay, pictures around grey, fits and crops", () => {
    const rgba = new Uint8ClampedArray(12);
    math.fillOverlay(Float32Array.of(0, 2, -4), rgba);
    expect(Array.from(rgba)).toEqual([178, 24, 43, 0, 178, 24, 43, 128, 33, 102, 172, 255]);
    math.fillPicture(Float32Array.of(9, 9, 9, -1, 0, 1), 1, 3, 1, rgba);
    expect([rgba[0], rgba[4], rgba[8], rgba[9], rgba[11]]).toEqual([1, 128, 255, 255, 255]);
    expect(math.fitInto(4, 2, 40)).toEqual({ x: 0, y: 10, w: 40, h: 20 });
    expect(math.cropRect([-2, 3, 10, 9], 8, 8)).toEqual({ x: 3, y: 0, w: 5, h: 8 });
    expect(math.cropRect([4, 4, 4, 6], 8, 8)).toEqual({ x: 0, y: 0, w: 8, h: 8 });
  });
});

// --- the view ---------------------------------------------------------------------------

const HW = 4;
const VIEW_LAYERS = [
  { name: "conv1", kind: "conv", shape: [2, 2, 2], offset: 0, size: 8, labels: [] },
  { name: "fc <i>", kind: "dense", shape: [3], offset: 8, size: 3, labels: ["Coat", "<b>Bag</b>", "Shirt"] },
];

/** @param {number} [shift] */
function activations(shift = 0) {
  return encoded(
    Float32Array.from({ length: 11 }, (_, i) => ((i + shift) % 5) - 1),
    [11],
    "float32",
  );
}

function state() {
  const thumbs = new Uint8Array(2 * HW * HW);
  thumbs.fill(255, HW * HW); // image 1 is white
  return {
    input_shape: [1, HW, HW],
    input_image: encoded(new Uint8Array(HW * HW), [HW, HW, 1], "uint8"),
    input_source: "data",
    index: 0,
    thumbnails: encoded(thumbs, [2, HW, HW, 1], "uint8"),
    thumbnail_captions: ["<b>Bag</b>", "Coat"],
    layers: VIEW_LAYERS,
    activations: activations(),
    predicted: "predicted <b>Bag</b> (93%)",
    input_note: "Drawn in grey, copied to the model's 3 channels.",
    normalize: "layer",
    layer: "",
    unit: -1,
    unit_map: encoded(new Float32Array(0), [0, 0], "float32"),
    unit_value: 0,
    unit_pictures: encoded(new Float32Array(0), [0, HW, HW, 1], "float32"),
    unit_picture_names: ["guided backprop", "deconvolution"],
    unit_error: "",
    top_images: encoded(new Uint8Array(0), [0, HW, HW, 1], "uint8"),
    top_boxes: encoded(new Int32Array(0), [0, 4], "int32"),
    top_values: encoded(new Float32Array(0), [0], "float32"),
    top_captions: [],
    top_for: "",
    top_note: "",
    checkpoint_labels: ["epoch 0", "epoch <b>1</b>"],
    checkpoint: 0,
    image_scale: 8,
  };
}

/** A chosen conv unit with its map, pictures and top images (for top_for = `topFor`). */
function chosenUnit(topFor = "conv1:1") {
  return {
    layer: "conv1",
    unit: 1,
    unit_value: 2.5,
    unit_map: encoded(Float32Array.of(0, 1, 2, 3), [2, 2], "float32"),
    unit_pictures: encoded(new Float32Array(2 * HW * HW).fill(0.5), [2, HW, HW, 1], "float32"),
    top_images: encoded(new Uint8Array(3 * HW * HW).fill(200), [3, HW, HW, 1], "uint8"),
    top_boxes: encoded(Int32Array.of(0, 0, 2, 2, 1, 1, 3, 3, 0, 0, 4, 4), [3, 4], "int32"),
    top_values: encoded(Float32Array.of(3, 2, 1), [3], "float32"),
    top_captions: ["#7 · <b>Bag</b>", "#2 · Coat", "#9 · Shirt"],
    top_for: topFor,
  };
}

/**
 * Give every canvas a {@link fakeContext} that records its fillText calls: the text, where,
 * and the font and colour then, by the canvas's class.
 */
function recordTexts() {
  /** @type {Map<string, {text: string, x: number, y: number, font: string, fillStyle: string}[]>} */
  const texts = new Map();
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function () {
    const ctx = /** @type {any} */ (fakeContext());
    const list = texts.get(this.className) ?? [];
    texts.set(this.className, list);
    ctx.fillText = (/** @type {string} */ text, /** @type {number} */ x, /** @type {number} */ y) => {
      list.push({ text, x, y, font: ctx.font, fillStyle: ctx.fillStyle });
    };
    return ctx;
  });
  /** The texts drawn on the canvas of class `cls`, since `clear`. */
  return {
    on: (/** @type {string} */ cls) => texts.get(cls) ?? [],
    clear: () => {
      for (const list of texts.values()) list.length = 0;
    },
  };
}

/** The input_image the view wrote last, as bytes. */
const written = (/** @type {any} */ model) => Array.from(decodeArray(model.get("input_image")).data);

describe("LayerExplorer view", () => {
  const t = viewFixture(widget, state, { stages: ".nbviz-layer-explorer-stage", size: [600, 400] });

  it("builds its controls; Python's texts stay text", async () => {
    const root = await t.renderDrawn();
    for (const cls of ["input", "layers", "unit"]) {
      expect(root.querySelector(`canvas.nbviz-layer-explorer-${cls}`)).not.toBeNull();
    }
    const thumbs = root.querySelectorAll(".nbviz-layer-explorer-thumb");
    expect(thumbs.length).toBe(2);
    expect(thumbs[0].getAttribute("title")).toBe("<b>Bag</b>"); // the caption, as text
    expect(thumbs[0].classList.contains("is-picked")).toBe(true);
    expect(root.querySelector(".nbviz-layer-explorer-predicted").textContent).toBe("predicted <b>Bag</b> (93%)");
    expect(root.querySelector(".nbviz-layer-explorer-note").textContent).toMatch(/^Drawn in grey/);
    expect(root.querySelector(".nbviz-layer-explorer-checkpoint-label").textContent).toBe("epoch 0");
    expect(root.querySelector("b, i")).toBeNull();
    expect(root.querySelector(".nbviz-layer-explorer-chains").disabled).toBe(true);
    expect(root.querySelector(".nbviz-layer-explorer-unit").closest(".nbviz-panel").textContent).toMatch(
      /Click a unit in a layer to see it\./,
    );
  });

  it("writes normalize and the checkpoint; hides the slider without snapshots", () => {
    const root = t.render();
    const select = root.querySelector("select.nbviz-layer-explorer-normalize");
    select.value = "unit";
    select.dispatchEvent(new Event("change"));
    expect(t.model.get("normalize")).toBe("unit");
    expect(root.dataset.normalize).toBe("unit");
    const slider = root.querySelector("input.nbviz-layer-explorer-checkpoint");
    expect(slider.max).toBe("1");
    slide(slider, 1, ["input", "change"]);
    expect(t.model.get("checkpoint")).toBe(1);
    expect(root.querySelector(".nbviz-layer-explorer-checkpoint-label").textContent).toBe("epoch <b>1</b>");
    t.model.set("checkpoint_labels", []);
    expect(root.querySelector(".nbviz-layer-explorer-checkpoints").hidden).toBe(true);
  });

  it("draws a stroke and writes input_image, input_source and index in one message", async () => {
    const root = await t.renderDrawn();
    const hooks = root.__nbvizTest;
    const canvas = root.querySelector("canvas.nbviz-layer-explorer-input");
    const brush = root.querySelector("select.nbviz-layer-explorer-brush");
    brush.value = "small"; // radius 0.9: full ink on the stroke's row, 0.4 beside it
    const saved = t.model.saved;
    const a = hooks.canvasPoint(0, 1);
    const b = hooks.canvasPoint(3, 1);
    canvas.dispatchEvent(pointer("pointerdown", a.x, a.y));
    expect(t.model.saved).toBe(saved + 1); // the first stamp goes at once
    expect(t.model.get("input_source")).toBe("drawing");
    expect(t.model.get("index")).toBe(-1);
    canvas.dispatchEvent(pointer("pointermove", b.x, b.y));
    expect(t.model.saved).toBe(saved + 1); // throttled
    canvas.dispatchEvent(pointer("pointerup", b.x, b.y));
    expect(t.model.saved).toBe(saved + 2); // the last one at pointerup
    const bytes = written(t.model);
    expect(decodeArray(t.model.get("input_image")).shape).toEqual([HW, HW, 1]);
    expect(bytes.slice(HW, 2 * HW)).toEqual([255, 255, 255, 255]); // row 1 inked end to end
    expect(bytes[0]).toBe(102); // the soft rim above: 0.4
    expect(bytes.slice(3 * HW)).toEqual([0, 0, 0, 0]);
    // moving without a button down draws nothing
    canvas.dispatchEvent(pointer("pointermove", a.x, a.y + 100));
    await frame();
    expect(t.model.saved).toBe(saved + 2);
  });

  it("times each input write to the draw of the activations answering it", async () => {
    const root = await t.renderDrawn();
    const canvas = root.querySelector("canvas.nbviz-layer-explorer-input");
    const p = root.__nbvizTest.canvasPoint(1, 1);
    canvas.dispatchEvent(pointer("pointerdown", p.x, p.y));
    canvas.dispatchEvent(pointer("pointerup", p.x, p.y));
    expect(root.__nbvizStats.inputToDraw).toEqual([]);
    t.model.set("activations", activations(1)); // Python's answer
    await frame();
    const times = root.__nbvizStats.inputToDraw;
    expect(times.length).toBe(1);
    expect(times[0]).toBeGreaterThan(0);
    t.model.set("activations", activations(2)); // not an answer to a write: not timed
    await frame();
    expect(root.__nbvizStats.inputToDraw.length).toBe(1);
    // three writes while one is in flight: ipywidgets sends the first, then folds the
    // other two into the last, so two answers come back
    for (const name of ["invert", "blur", "clear"]) root.querySelector(`.nbviz-layer-explorer-${name}`).click();
    for (const shift of [3, 4, 0]) {
      t.model.set("activations", activations(shift));
      await frame();
    }
    expect(root.__nbvizStats.inputToDraw.length).toBe(3);
  });

  it("shows what Python sets, and clears, inverts and blurs it", () => {
    const root = t.render();
    const click = (/** @type {string} */ name) => root.querySelector(`.nbviz-layer-explorer-${name}`).click();
    t.model.set("input_image", encoded(new Uint8Array(HW * HW).fill(255), [HW, HW, 1], "uint8"));
    click("invert");
    expect(written(t.model)).toEqual(new Array(HW * HW).fill(0));
    expect(t.model.get("input_source")).toBe("drawing");
    t.model.set(
      "input_image",
      encoded(
        Uint8Array.from({ length: HW * HW }, (_, i) => (i === 5 ? 255 : 0)),
        [HW, HW, 1],
        "uint8",
      ),
    );
    click("blur");
    const blurred = written(t.model);
    expect(blurred[5]).toBe(64); // 255 / 4
    expect(blurred[0]).toBe(16); // a corner next to it: 255 / 16
    click("clear");
    expect(written(t.model)).toEqual(new Array(HW * HW).fill(0));
    // an image of another shape is not shown (until input_shape says so)
    t.model.set("input_image", encoded(new Uint8Array(9).fill(255), [3, 3, 1], "uint8"));
    click("invert");
    expect(written(t.model)).toEqual(new Array(HW * HW).fill(255));
    t.model.set("input_shape", [1, 3, 3]);
    t.model.set("input_image", encoded(new Uint8Array(9).fill(255), [3, 3, 1], "uint8"));
    click("invert");
    expect(decodeArray(t.model.get("input_image")).shape).toEqual([3, 3, 1]);
    expect(written(t.model)).toEqual(new Array(9).fill(0));
  });

  it("writes index when a thumbnail is clicked and outlines the picked one", () => {
    const root = t.render();
    const thumbs = root.querySelectorAll(".nbviz-layer-explorer-thumb");
    // pressing one keeps the keyboard focus where it was (no cell switch in JupyterLab)
    const press = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
    thumbs[1].dispatchEvent(press);
    expect(press.defaultPrevented).toBe(true);
    thumbs[1].click();
    expect(t.model.get("index")).toBe(1);
    expect(thumbs[1].classList.contains("is-picked")).toBe(true);
    expect(thumbs[0].classList.contains("is-picked")).toBe(false);
    // it is shown at once: inverting it now writes black
    root.querySelector(".nbviz-layer-explorer-invert").click();
    expect(written(t.model)).toEqual(new Array(HW * HW).fill(0));
    t.model.set("thumbnails", encoded(new Uint8Array(0), [0, HW, HW, 1], "uint8"));
    expect(root.querySelector(".nbviz-layer-explorer-thumbs").hidden).toBe(true);
  });

  describe("with a 2-D context", () => {
    it("draws a row per layer; a click on a tile or bar writes layer and unit together", async () => {
      fakeCanvasContexts();
      const root = await t.renderDrawn();
      const hooks = root.__nbvizTest;
      expect(hooks.drawn()).toEqual({ layers: ["conv1", "fc <i>"], topShown: 0, pictures: 0 });
      expect(root.dataset.ready).toBe("true");
      const stage = root.querySelector("canvas.nbviz-layer-explorer-layers").parentElement;
      const p = hooks.tileCentre("conv1", 1);
      const saved = t.model.saved;
      stage.dispatchEvent(new MouseEvent("click", { clientX: p.x, clientY: p.y, bubbles: true }));
      expect(t.model.get("layer")).toBe("conv1");
      expect(t.model.get("unit")).toBe(1);
      expect(t.model.saved).toBe(saved + 1);
      const q = hooks.tileCentre("fc <i>", 1);
      stage.dispatchEvent(pointer("pointermove", q.x, q.y));
      const tip = stage.querySelector(".nbviz-tooltip");
      expect(tip.textContent).toBe("fc <i> · unit 1 · <b>Bag</b> · 3");
      expect(tip.querySelector("b")).toBeNull();
      stage.dispatchEvent(new MouseEvent("click", { clientX: q.x, clientY: q.y, bubbles: true }));
      expect([t.model.get("layer"), t.model.get("unit")]).toEqual(["fc <i>", 1]);
      expect(t.model.saved).toBe(saved + 2);
      stage.dispatchEvent(pointer("pointermove", p.x - 1, p.y - 1));
      expect(tip.textContent).toBe("conv1 · unit 1 · max 3 · (0, 0) 3");
      expect(hooks.tileCentre("conv1", 2)).toBeNull();
      expect(hooks.tileCentre("nope", 0)).toBeNull();
    });

    it("names the output layer's bars, the predicted class in bold; a click on a name picks it", async () => {
      const texts = recordTexts();
      const root = await t.renderDrawn();
      const hooks = root.__nbvizTest;
      const NAMES = ["Coat", "<b>Bag</b>", "Shirt"];
      const drawn = texts.on("nbviz-layer-explorer-layers");
      const names = drawn.filter((d) => NAMES.includes(d.text));
      expect(names.map((d) => d.text)).toEqual(NAMES);
      // 600-px panel: 80-px bars; each name centred under its bar, its baseline 11 px under it
      const centres = [0, 1, 2].map((u) => hooks.tileCentre("fc <i>", u));
      expect(names.map((d) => d.x)).toEqual(centres.map((c) => c.x));
      expect(centres[1].x - centres[0].x).toBe(80);
      expect(names.map((d) => d.y)).toEqual(centres.map((c) => c.y + 20 + 11));
      // values 2, 3, -1: "Bag" predicted, bold in the caption's colour; the others muted
      const caption = drawn.find((d) => d.text === "conv1 · 2×2×2");
      const scale = drawn.find((d) => d.text.startsWith("|a|"));
      expect(names.map((d) => /bold/.test(d.font))).toEqual([false, true, false]);
      expect(names.map((d) => d.fillStyle)).toEqual([scale.fillStyle, caption.fillStyle, scale.fillStyle]);
      expect(caption.fillStyle).not.toBe(scale.fillStyle);
      expect(/bold/.test(caption.font)).toBe(false);
      // the name belongs to its bar: hover names it, a click picks it
      const stage = root.querySelector("canvas.nbviz-layer-explorer-layers").parentElement;
      stage.dispatchEvent(pointer("pointermove", names[0].x, names[0].y - 4));
      expect(stage.querySelector(".nbviz-tooltip").textContent).toBe("fc <i> · unit 0 · Coat · 2");
      stage.dispatchEvent(new MouseEvent("click", { clientX: names[0].x, clientY: names[0].y - 4, bubbles: true }));
      expect([t.model.get("layer"), t.model.get("unit")]).toEqual(["fc <i>", 0]);
      // new activations (3, -1, 0): "Coat" now in bold
      texts.clear();
      t.model.set("activations", activations(1));
      await frame();
      const again = texts.on("nbviz-layer-explorer-layers").filter((d) => NAMES.includes(d.text));
      expect(again.map((d) => /bold/.test(d.font))).toEqual([true, false, false]);
    });

    it("words each top crop with its value and class, ellipsised to the cell", async () => {
      const texts = recordTexts();
      vi.stubGlobal("OffscreenCanvas", undefined);
      const unit = chosenUnit();
      unit.top_captions = ["#7 · <b>Bag</b>", "#2 · Ankle boot with a very long name", "#9"];
      for (const [k, v] of Object.entries(unit)) t.model.set(k, v);
      const root = await t.renderDrawn();
      expect(root.__nbvizTest.drawn().topShown).toBe(3);
      const words = texts.on("nbviz-layer-explorer-unit").map((d) => d.text);
      expect(words).toContain("3 · <b>Bag</b>");
      expect(words).toContain("1");
      // 600-px panel: 128-px cells, 21 characters of 6 px
      const cut = words.find((w) => w.startsWith("2 · Ankle"));
      expect(cut).toBe("2 · Ankle boot with …");
      expect(cut.length * 6).toBeLessThanOrEqual(128);
      // captions of other top images (a moment out of step): the values alone
      texts.clear();
      t.model.set("top_captions", ["#1 · Coat"]);
      await frame();
      expect(texts.on("nbviz-layer-explorer-unit").map((d) => d.text)).toEqual(expect.arrayContaining(["3", "2", "1"]));
    });

    it("redraws the tiles when the activations change", async () => {
      fakeCanvasContexts();
      const root = await t.renderDrawn();
      const hooks = root.__nbvizTest;
      const before = hooks.tileInk("conv1", 0);
      expect(before).toBeGreaterThan(0);
      t.model.set("activations", activations(2));
      await frame();
      expect(hooks.tileInk("conv1", 0)).not.toBe(before);
      t.model.set("activations", encoded(new Float32Array(4), [4], "float32")); // too short for the layers
      await frame();
      expect(hooks.drawn().layers).toEqual([]);
    });

    it("shows the chosen unit: map, pictures, top crops when they are its own; sends OPEN_CHAINS", async () => {
      fakeCanvasContexts();
      vi.stubGlobal("OffscreenCanvas", undefined); // offscreen canvases from the (faked) DOM
      for (const [k, v] of Object.entries(chosenUnit())) t.model.set(k, v);
      const root = await t.renderDrawn();
      const hooks = root.__nbvizTest;
      expect(hooks.drawn()).toMatchObject({ topShown: 3, pictures: 2 });
      const panel = root.querySelector(".nbviz-layer-explorer-unit").closest(".nbviz-panel");
      expect(panel.querySelector(".nbviz-panel-title").textContent).toBe("conv1 · unit 1");
      expect(panel.querySelector(".nbviz-layer-explorer-value").textContent).toBe("value 2.5");
      const chains = panel.querySelector(".nbviz-layer-explorer-chains");
      expect(chains.disabled).toBe(false);
      chains.click();
      expect(t.model.sent).toEqual([{ type: OPEN_CHAINS }]);

      t.model.set("top_for", "conv1:0"); // the top images of another unit: not shown
      await frame();
      expect(hooks.drawn().topShown).toBe(0);
      expect(panel.querySelector(".nbviz-layer-explorer-note").textContent).toBe("Finding the top images…");
      t.model.set("top_note", "No data: give data= to see the unit's top images.");
      t.model.set("unit_error", "no <b>gradient</b>");
      await frame();
      expect(panel.querySelector(".nbviz-layer-explorer-note").textContent).toMatch(/^No data/);
      expect(panel.querySelector(".nbviz-layer-explorer-error").textContent).toBe("no <b>gradient</b>");
      expect(hooks.drawn().pictures).toBe(0);
      expect(panel.querySelector("b")).toBeNull();

      t.model.set("layer", "fc <i>");
      t.model.set("unit", 1);
      expect(panel.querySelector(".nbviz-panel-title").textContent).toBe("fc <i> · unit 1 (<b>Bag</b>)");
      t.model.set("unit", -1);
      await frame();
      expect(chains.disabled).toBe(true);
      expect(panel.textContent).toMatch(/Click a unit in a layer to see it\./);
    });
  });

  it("keeps two views of one model independent", async () => {
    await t.expectIndependentViews("predicted", "predicted Coat (51%)", (root) => {
      expect(root.querySelector(".nbviz-layer-explorer-predicted").textContent).toBe("predicted Coat (51%)");
    });
  });
});
