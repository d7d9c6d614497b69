// The training dashboard's pure math: TensorBoard's smoothing, the series tables, the
// distribution bands' and ridge lines' layout, ticks and step lookup.
import { describe, expect, it } from "vitest";
import {
  alertsFor,
  bandLayout,
  cleanAlerts,
  densityMax,
  formatStep,
  formatValue,
  histSeries,
  indexAtOrBefore,
  logTicks,
  nearestIndex,
  padRange,
  ridgeBaselines,
  scalarSeries,
  shortTag,
  sliderKey,
  smooth,
  unionSteps,
  valueRange,
} from "../src/training_dashboard/math.js";

/**
 * TensorBoard's own smoothing, `resmoothDataset` of its scalar chart (read from the minified
 * webfiles.zip of the tensorboard 2.21 package), written out with readable names.
 */
function tensorboardSmooth(values, weight) {
  let last = values.length > 0 ? 0 : NaN;
  let numAccum = 0;
  const isConstant = values.every((v) => v === values[0]);
  return values.map((nextVal) => {
    if (isConstant || !Number.isFinite(nextVal)) return nextVal;
    last = last * weight + (1 - weight) * nextVal;
    numAccum++;
    let debiasWeight = 1;
    if (weight !== 1) debiasWeight = 1 - weight ** numAccum;
    return last / debiasWeight;
  });
}

describe("smooth (TensorBoard's debiased moving average)", () => {
  it("matches TensorBoard's on noisy data, NaNs and the edge weights", () => {
    const values = Array.from({ length: 50 }, (_, i) => Math.exp(-i / 10) + 0.3 * Math.sin(i * 1.7));
    values[7] = NaN;
    values[20] = Infinity;
    for (const w of [0, 0.3, 0.6, 0.9, 0.99]) {
      const ours = Array.from(smooth(values, w));
      const theirs = tensorboardSmooth(values, w);
      ours.forEach((v, i) => {
        if (Number.isFinite(theirs[i])) expect(v).toBeCloseTo(theirs[i], 12);
        else expect(v).toBe(theirs[i]);
      });
    }
  });

  it("is the identity at weight 0, debiased at the start, and leaves constants alone", () => {
    expect(Array.from(smooth([3, 1, 4], 0))).toEqual([3, 1, 4]);
    // debiasing: the first smoothed value is the first value, not (1-w)·v
    expect(smooth([10, 10, 12], 0.9)[0]).toBeCloseTo(10, 12);
    expect(smooth([1, 2, 3], 0.6)[1]).toBeCloseTo((0.6 * 0.4 + 0.4 * 2) / (1 - 0.36), 12);
    expect(Array.from(smooth([2, 2, 2], 0.6))).toEqual([2, 2, 2]);
    expect(smooth(new Float32Array(0), 0.6).length).toBe(0);
  });
});

describe("tables", () => {
  it("scalarSeries and histSeries keep the series that fit their arrays", () => {
    const table = [
      { run: "a", tag: "loss", offset: 0, length: 3 },
      { run: "a", tag: "acc", offset: 3, length: 4 }, // past the end
      { run: "b", tag: "loss", offset: -1, length: 1 },
      null,
    ];
    expect(scalarSeries(table, 5)).toEqual([{ run: "a", tag: "loss", offset: 0, length: 3 }]);
    expect(scalarSeries("nope", 5)).toEqual([]);
    const hs = [
      { run: "a", tag: "weight/fc1.weight", kind: "weight", layer: "fc1", offset: 0, count: 2, lo: -1, hi: 1 },
      { run: "a", tag: "weight/fc1.bias", kind: "weight", layer: "fc1", offset: 2, count: 2, lo: 1, hi: 1 },
      { run: "a", tag: "weight/fc2.bias", kind: "weight", layer: "fc2", offset: 2, count: 3, lo: 0, hi: 1 },
    ];
    expect(histSeries(hs, 4).map((s) => s.tag)).toEqual(["weight/fc1.weight"]);
  });

  it("cleanAlerts and alertsFor match alerts by run and tag or layer", () => {
    const alerts = cleanAlerts([
      { run: "a", kind: "exploding", tag: "grad/fc1.weight", layer: "fc1", step: 40, message: "boom" },
      { run: "a", kind: "nan", tag: "loss", layer: "", step: 50, message: "nan" },
      { run: "b", kind: "dead_units", tag: "activation/relu", layer: "relu", step: 9, message: "dead" },
      { run: "a", step: "x" },
    ]);
    expect(alerts.length).toBe(3);
    expect(alertsFor(alerts, "a", "grad/fc1.weight", "fc1").map((a) => a.message)).toEqual(["boom"]);
    expect(alertsFor(alerts, "a", "weight/fc1.bias", "fc1").map((a) => a.message)).toEqual(["boom"]);
    expect(alertsFor(alerts, "a", "loss").map((a) => a.message)).toEqual(["nan"]);
    expect(alertsFor(alerts, "a", "weight/w", "")).toEqual([]); // "" layers never match
    expect(alertsFor(alerts, "b", "grad/fc1.weight", "fc1")).toEqual([]);
  });

  it("unionSteps, indexAtOrBefore, nearestIndex and densityMax", () => {
    const steps = Float32Array.of(1, 25, 50, 1, 25, 50, 75);
    expect(
      unionSteps(steps, [
        { offset: 0, count: 3 },
        { offset: 3, count: 4 },
      ]),
    ).toEqual([1, 25, 50, 75]);
    expect(indexAtOrBefore(steps, 3, 4, 60)).toBe(2);
    expect(indexAtOrBefore(steps, 3, 4, 75)).toBe(3);
    expect(indexAtOrBefore(steps, 3, 4, -1)).toBe(3);
    expect(indexAtOrBefore(steps, 3, 4, 0)).toBe(0);
    expect(indexAtOrBefore(steps, 0, 0, 5)).toBe(-1);
    expect(nearestIndex([10, 20, 30], 24)).toBe(1);
    expect(nearestIndex([], 3)).toBe(-1);
    expect(densityMax(Float32Array.of(0.1, 0.9, 0.5, 0.2, 0.7, 0.1), 1, 2, 2)).toBeCloseTo(0.7);
  });
});

describe("layout", () => {
  it("bandLayout nests four bands around the median, outermost first", () => {
    // two steps; basis-point rows 0..8 as 0..8 and 10..18
    const bands = Float32Array.from({ length: 18 }, (_, i) => (i < 9 ? i : i + 1));
    const { bands: polys, median } = bandLayout([0, 100], bands, 0, 2, (v) => -v);
    expect(polys.length).toBe(4);
    // outermost: along row 8 forward, back along row 0
    expect(polys[0]).toEqual([
      [0, -8],
      [100, -18],
      [100, -10],
      [0, -0],
    ]);
    expect(polys[3]).toEqual([
      [0, -5],
      [100, -15],
      [100, -13],
      [0, -3],
    ]);
    expect(median).toEqual([
      [0, -4],
      [100, -14],
    ]);
    // each band holds the next one
    for (let j = 0; j < 3; j++) {
      const outer = polys[j].map((p) => p[1]);
      const inner = polys[j + 1].map((p) => p[1]);
      expect(outer[0]).toBeLessThan(inner[0]); // upper edge above (y px up)
      expect(outer[3]).toBeGreaterThan(inner[3]); // lower edge below
    }
  });

  it("ridgeBaselines spread the steps from the top ridge to the bottom", () => {
    expect(ridgeBaselines(3, 0, 100, 40)).toEqual([40, 70, 100]);
    expect(ridgeBaselines(1, 0, 100, 40)).toEqual([100]);
    expect(ridgeBaselines(0, 0, 100, 40)).toEqual([]);
  });
});

describe("axes and labels", () => {
  it("logTicks, padRange, valueRange", () => {
    expect(logTicks(0.002, 3)).toEqual([0.01, 0.1, 1]);
    expect(logTicks(0.3, 0.9)).toEqual([0.3, 0.5, 0.7]);
    expect(logTicks(-1, 3)).toEqual([]);
    expect(logTicks(0.2, 50)).toEqual([0.2, 0.5, 1, 2, 5, 10, 20, 50]);
    expect(logTicks(0.2, 50, 5)).toEqual([1, 10]); // the 2× and 5× would crowd
    expect(logTicks(1e-6, 1e6, 5)).toEqual([1e-6, 1e-3, 1, 1e3, 1e6]); // every third decade
    expect(padRange([0, 10], 0.05)).toEqual([-0.5, 10.5]);
    expect(padRange([2, 2])).toEqual([1.8, 2.2]);
    const [a, b] = padRange([1, 100], 0.5, true);
    expect(a).toBeCloseTo(0.1);
    expect(b).toBeCloseTo(1000);
    const values = Float32Array.of(3, -1, NaN, 0.5, 7);
    expect(valueRange(values, [{ offset: 0, length: 4 }])).toEqual([-1, 3]);
    expect(valueRange(values, [{ offset: 0, length: 5 }], true)).toEqual([0.5, 7]);
    expect(valueRange(values, [{ offset: 2, length: 1 }])).toBeNull();
  });

  it("sliderKey moves by one, ten or to the ends, within the positions", () => {
    expect(sliderKey("ArrowRight", 3, 10)).toBe(4);
    expect(sliderKey("ArrowLeft", 0, 10)).toBe(0);
    expect(sliderKey("PageUp", 5, 10)).toBe(9);
    expect(sliderKey("Home", 5, 10)).toBe(0);
    expect(sliderKey("End", 5, 10)).toBe(9);
    expect(sliderKey("a", 5, 10)).toBeNull();
    expect(sliderKey("Home", 0, 0)).toBeNull();
  });

  it("formatValue, formatStep, shortTag", () => {
    expect(formatValue(0.000123)).toBe("1.23e-4");
    expect(formatValue(2.345678)).toBe("2.346");
    expect(formatValue(0)).toBe("0");
    expect(formatStep(25000)).toBe("25k");
    expect(formatStep(1200)).toBe("1200");
    expect(shortTag("weight/fc1.weight")).toBe("fc1.weight");
    expect(shortTag("activation/relu")).toBe("relu");
    expect(shortTag("fc1/weight")).toBe("fc1/weight");
  });
});
