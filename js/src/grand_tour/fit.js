// Fit to the view (pure): each frame's projected cloud fills the canvas, and the fit
// follows the frame smoothly while the tour turns and the slider scrubs.
//
// A fixed sample of the points (≤ FIT_SAMPLE, quality.js's sampleIndices) is projected at
// the current fractional frame each animation frame (quality.js's projectSample), O(m·d)
// whatever n is; the 1st–99th percentile box of those 2-D positions (robustBox) is the
// cloud's robust extent. The view's centre
// and scale glide towards the box's (exponentially, in log scale), so a layer whose scale
// is 100× its neighbour's still fills the canvas, without jumps. The user's wheel zoom
// multiplies the fitted scale.
//
// A frame whose points all sit at one place (an untrained net's uniform softmax) would
// be blown up to show noise: the extent has a floor, FLOOR_FRACTION of the widest frame's
// spread, and such a frame is flagged so the view can say so.

import { quantile } from "./quality.js";

/** The most points the fit projects per animation frame. */
export const FIT_SAMPLE = 1024;
/** Fraction of the canvas's half-size the robust box's half-extent takes. */
export const FILL = 0.86;
/** A frame whose spread is at most this fraction of the widest frame's is "one place". */
export const FLOOR_FRACTION = 1e-3;
/** Seconds for the view to close about 63% of the gap to a new fit. */
const GLIDE_SECONDS = 0.15;
/** The fastest the fit zooms: e^4 ≈ 55× per second (a 100× change of scale takes ~1.2 s). */
const MAX_LOG_RATE = 4;

/**
 * Per frame, the 99th percentile of the sampled points' distances to their mean, in all d
 * dims: how far the frame's points spread, whatever the projection.
 * @param {Float32Array} points  [T, n, d]
 * @param {{frames: number, n: number, d: number}} shape
 * @param {Int32Array} sample
 * @returns {Float64Array}
 */
export function frameSpreads(points, shape, sample) {
  const { frames, n, d } = shape;
  const m = sample.length;
  const out = new Float64Array(frames);
  const mean = new Float64Array(d);
  const dist = new Float64Array(m);
  for (let f = 0; f < frames; f++) {
    mean.fill(0);
    for (let j = 0; j < m; j++) {
      const b = (f * n + sample[j]) * d;
      for (let k = 0; k < d; k++) mean[k] += points[b + k] / m;
    }
    for (let j = 0; j < m; j++) {
      const b = (f * n + sample[j]) * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += (points[b + k] - mean[k]) ** 2;
      dist[j] = Math.sqrt(s);
    }
    dist.sort();
    out[f] = m ? quantile(dist, 0.99) : 0;
  }
  return out;
}

/**
 * The smallest half-extent the fit allows: FLOOR_FRACTION of the widest frame's spread.
 * @param {Float64Array} spreads  from {@link frameSpreads}
 */
export function extentFloor(spreads) {
  let widest = 0;
  for (const s of spreads) widest = Math.max(widest, s);
  return Math.max(FLOOR_FRACTION * widest, 1e-9);
}

/**
 * The view (projection point at the canvas's middle, CSS px per unit) that fits `box` into
 * a w×h canvas.
 * @param {{x0: number, x1: number, y0: number, y1: number}|null} box  (null: nothing to fit)
 * @param {number} w
 * @param {number} h
 * @param {number} floor  the smallest half-extent
 * @returns {{x0: number, y0: number, scale: number}}
 */
export function fitBox(box, w, h, floor) {
  if (!box) box = { x0: 0, x1: 0, y0: 0, y1: 0 };
  const hx = Math.max((box.x1 - box.x0) / 2, floor);
  const hy = Math.max((box.y1 - box.y0) / 2, floor);
  return {
    x0: (box.x0 + box.x1) / 2,
    y0: (box.y0 + box.y1) / 2,
    scale: FILL * Math.min(w / 2 / hx, h / 2 / hy),
  };
}

/**
 * A view that glides towards its target fit.
 *
 *   const glide = createGlide();
 *   glide.aim(fitBox(...));          // where to go
 *   const moving = glide.step(dt);   // move on by dt seconds; true until it arrives
 *   glide.view;                      // {x0, y0, scale} now
 */
export function createGlide() {
  /** @type {{x0: number, y0: number, scale: number}|null} */
  let view = null;
  /** @type {{x0: number, y0: number, scale: number}|null} */
  let target = null;
  return {
    /** @param {{x0: number, y0: number, scale: number}} next */
    aim(next) {
      target = next;
      if (!view) view = { ...next };
    },
    /** Jump to the target (new data, a resize). */
    snap() {
      if (target) view = { ...target };
    },
    /**
     * Move towards the target by dt seconds; whether still moving.
     * @param {number} dt
     */
    step(dt) {
      if (!view || !target) return false;
      const k = dt > 0 ? 1 - Math.exp(-dt / GLIDE_SECONDS) : 0;
      const logGap = Math.log(target.scale / view.scale);
      const logStep = Math.max(-MAX_LOG_RATE * dt, Math.min(MAX_LOG_RATE * dt, k * logGap));
      const scale = view.scale * Math.exp(logStep);
      const x0 = view.x0 + k * (target.x0 - view.x0);
      const y0 = view.y0 + k * (target.y0 - view.y0);
      // Within a quarter pixel and 0.2% of scale: arrived.
      const pxGap = Math.hypot(target.x0 - x0, target.y0 - y0) * scale;
      if (Math.abs(Math.log(target.scale / scale)) < 0.002 && pxGap < 0.25) {
        view = { ...target };
        return false;
      }
      view = { x0, y0, scale };
      return true;
    },
    get view() {
      return view;
    },
  };
}
