// Pure helpers of the LDAM viewer: the chain grid laid out by group, the sample atlas,
// trace ranges, NaN-broken runs and means, nice ticks and labels. No DOM here, so every
// function is tested directly in js/test/ldam_viewer_math.test.js.
import { writeImageRGBA } from "../lib/pixels.js";

/**
 * Chains grouped for the grid: groups in ascending id order, chains in index order.
 * `groups` may be null or the wrong length (then every chain is in group 0).
 * @example groupChains(3, Int32Array.of(1, 0, 1), ["a", "b"])
 *   // [{group: 0, name: "a", chains: [1]}, {group: 1, name: "b", chains: [0, 2]}]
 * @param {number} n  number of chains
 * @param {ArrayLike<number>|null} groups  group id per chain
 * @param {unknown} names  group names (list of strings), indexed by group id
 * @returns {{group: number, name: string, chains: number[]}[]}
 */
export function groupChains(n, groups, names) {
  const list = Array.isArray(names) ? names : [];
  const usable = groups && groups.length === n;
  const byGroup = new Map();
  for (let i = 0; i < n; i++) {
    const g = usable ? Math.trunc(Number(groups[i])) || 0 : 0;
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g).push(i);
  }
  return [...byGroup.keys()]
    .sort((a, b) => a - b)
    .map((g) => ({ group: g, name: groupName(list, g, usable), chains: byGroup.get(g) }));
}

/**
 * The chain grid's blocks. One per group (as {@link groupChains}); with `sideBySide`, one
 * per group and prior, the priors of a group next to each other, named
 * "<group> · <prior>". A block whose chains have a finite percentile in `reached`
 * (row-major [priors, groups]: the median percentile of the real images' activation its
 * chains reach) gets " · p<percentile>" after its name. `hue` is the group, so a group
 * keeps its colour under every prior.
 * @example chainBlocks(2, Int32Array.of(0, 0), ["Bag"], {priors: Int32Array.of(0, 1),
 *   priorNames: ["none", "generator"], sideBySide: true})
 *   // [{group: 0, hue: 0, name: "Bag · none", chains: [0]},
 *   //  {group: 1, hue: 0, name: "Bag · generator", chains: [1]}]
 * @param {number} n  number of chains
 * @param {ArrayLike<number>|null} groups  group id per chain
 * @param {unknown} names  group names, indexed by group id
 * @param {{priors?: ArrayLike<number>|null, priorNames?: unknown, reached?: ArrayLike<number>|null,
 *   sideBySide?: boolean}} [opts]  priors: each chain's prior index
 * @returns {{group: number, hue: number, name: string, chains: number[]}[]}
 */
export function chainBlocks(n, groups, names, opts = {}) {
  const priorNames = Array.isArray(opts.priorNames) ? opts.priorNames.map(String) : [];
  const nPriors = priorNames.length;
  const priors = opts.priors && opts.priors.length === n && nPriors > 0 ? opts.priors : null;
  const nGroups = Array.isArray(names) ? names.length : 0;
  const reached = opts.reached && nGroups > 0 && opts.reached.length === nPriors * nGroups ? opts.reached : null;
  const split = Boolean(opts.sideBySide && priors);
  const priorOf = (/** @type {number} */ i) => (priors ? Math.trunc(Number(priors[i])) || 0 : -1);
  const out = [];
  for (const block of groupChains(n, groups, names)) {
    const byPrior = new Map();
    for (const i of block.chains) {
      const p = split ? priorOf(i) : priorOf(block.chains[0]);
      if (!byPrior.has(p)) byPrior.set(p, []);
      byPrior.get(p).push(i);
    }
    for (const p of [...byPrior.keys()].sort((a, b) => a - b)) {
      let name = block.name;
      if (split && p >= 0 && p < nPriors) name = name ? `${name} · ${priorNames[p]}` : priorNames[p];
      const pct = reached && p >= 0 && p < nPriors && block.group < nGroups ? reached[p * nGroups + block.group] : NaN;
      if (name && Number.isFinite(pct)) name = `${name} · p${Math.floor(pct)}`;
      const group = split ? block.group * Math.max(1, nPriors) + Math.max(0, p) : block.group;
      out.push({ group, hue: block.group, name, chains: byPrior.get(p) });
    }
  }
  return out;
}

/**
 * The group of each of `n` top real images sent group by group (k per group, groups in
 * order), or null when `n` is not a multiple of `nGroups`.
 * @example topImageGroups(6, 3) // Int32Array [0, 0, 1, 1, 2, 2]
 */
export function topImageGroups(n, nGroups) {
  if (!(nGroups > 0) || !(n > 0) || n % nGroups !== 0) return null;
  const per = n / nGroups;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(i / per);
  return out;
}

function groupName(names, g, usable) {
  const v = g >= 0 && g < names.length ? names[g] : undefined;
  if (v !== undefined && v !== null) return String(v);
  return usable ? `group ${g}` : "";
}

/**
 * Where everything goes in the grid canvas (CSS px): one block per group, a header line
 * (skipped when the group has no name) then its chains side by side, wrapping at `width`.
 * @example gridLayout(groupChains(2, null, ["fc1 unit 3"]), {width: 200, cellW: 84, cellH: 84})
 *   // cells [{x: 4, y: 24, ...}, {x: 94, y: 24, ...}], headers [{name: "fc1 unit 3", x: 4, y: 4}]
 * @param {{group: number, hue?: number, name: string, chains: number[]}[]} blocks  from
 *   {@link groupChains} or {@link chainBlocks} (`hue`: the header's colour, default `group`)
 * @param {{width: number, cellW: number, cellH: number, gap?: number, pad?: number,
 *   headerH?: number, blockGap?: number}} opts  cellW/cellH: one image's size
 * @returns {{cells: {x: number, y: number, w: number, h: number, group: number}[],
 *   headers: {name: string, group: number, hue: number, x: number, y: number}[], width: number,
 *   height: number, perRow: number}}  cells indexed by chain
 */
export function gridLayout(blocks, opts) {
  const { cellW, cellH } = opts;
  const gap = opts.gap ?? 6;
  const pad = opts.pad ?? 4;
  const headerH = opts.headerH ?? 20;
  const blockGap = opts.blockGap ?? 10;
  const width = Math.max(0, Number(opts.width) || 0);
  const perRow = Math.max(1, Math.floor((width - 2 * pad + gap) / (cellW + gap)));
  const cells = [];
  const headers = [];
  let y = pad;
  let maxX = 0;
  blocks.forEach((b, bi) => {
    if (bi > 0) y += blockGap;
    if (b.name) {
      headers.push({ name: b.name, group: b.group, hue: b.hue ?? b.group, x: pad, y });
      y += headerH;
    }
    b.chains.forEach((chain, k) => {
      const col = k % perRow;
      const row = Math.floor(k / perRow);
      const x = pad + col * (cellW + gap);
      cells[chain] = { x, y: y + row * (cellH + gap), w: cellW, h: cellH, group: b.group };
      maxX = Math.max(maxX, x + cellW);
    });
    const rows = Math.ceil(b.chains.length / perRow);
    if (rows > 0) y += rows * cellH + (rows - 1) * gap;
  });
  return { cells, headers, width: maxX + pad, height: blocks.length ? y + pad : 0, perRow };
}

/**
 * The chain whose image contains (x, y), or -1.
 * @example chainAt({cells: [{x: 0, y: 0, w: 10, h: 10}]}, 5, 5) // 0
 */
export function chainAt(layout, x, y) {
  if (!layout) return -1;
  const cells = layout.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c && x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h) return i;
  }
  return -1;
}

/**
 * The image stack's dimensions from a decoded uint8 array: [n, H, W, C] with C 1, 3 or 4,
 * or [n, H, W] (grey); null when the shape is not an image stack.
 * @example imageDims([8, 28, 28, 1]) // {n: 8, h: 28, w: 28, c: 1}
 */
export function imageDims(shape) {
  if (!Array.isArray(shape)) return null;
  if (shape.length === 3) return { n: shape[0], h: shape[1], w: shape[2], c: 1 };
  if (shape.length === 4 && [1, 3, 4].includes(shape[3])) return { n: shape[0], h: shape[1], w: shape[2], c: shape[3] };
  return null;
}

/**
 * A near-square atlas of n images of w×h: `cols` × `rows` tiles.
 * @example atlasShape(5, 28, 28) // {cols: 3, rows: 2, width: 84, height: 56}
 */
export function atlasShape(n, w, h) {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  return { cols, rows, width: cols * w, height: rows * h };
}

/**
 * Copy an [n, h, w, c] uint8 stack into an RGBA atlas (from {@link atlasShape}); grey
 * images are replicated to RGB, alpha is 255 (or the 4th channel). Returns `rgba`.
 * @example fillAtlas(new Uint8ClampedArray(4), Uint8Array.of(7), {n: 1, h: 1, w: 1, c: 1}) // [7, 7, 7, 255]
 * @param {Uint8ClampedArray} rgba  atlas.width × atlas.height × 4
 */
export function fillAtlas(rgba, src, dims, atlas = atlasShape(dims.n, dims.w, dims.h)) {
  const shape = { height: dims.h, width: dims.w, channels: dims.c };
  for (let i = 0; i < dims.n; i++) {
    writeImageRGBA(src, shape, i, rgba, atlas.width, (i % atlas.cols) * dims.w, Math.floor(i / atlas.cols) * dims.h);
  }
  return rgba;
}

/** Top-left of image i in the atlas. */
export function atlasOrigin(i, dims, atlas) {
  return { x: (i % atlas.cols) * dims.w, y: Math.floor(i / atlas.cols) * dims.h };
}

/**
 * The y range of one trace row (0: activation, 1: log D) over every finite value, padded
 * 5% each side; a flat or empty trace still gives a non-empty range.
 * @example traceRange(Float32Array.of(0, 1, NaN, 2), 2, 2) // row 0 of [2, 1, 2]: [-0.05, 1.05]
 * @param {ArrayLike<number>} data  [2, n, L] row-major
 */
export function traceRange(data, n, L, row) {
  let lo = Infinity;
  let hi = -Infinity;
  const base = row * n * L;
  for (let k = base; k < base + n * L; k++) {
    const v = data[k];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const d = Math.max(Math.abs(hi) * 0.05, 0.5);
    return [lo - d, hi + d];
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/**
 * The runs of finite values in `values[start .. start + L)`: [from, to) index pairs
 * relative to `start`. A NaN (a stopped chain) breaks the line.
 * @example finiteRuns(Float32Array.of(1, 2, NaN, 3, 4, 5), 0, 6) // [[0, 2], [3, 6]]
 */
export function finiteRuns(values, start, L) {
  const runs = [];
  let from = -1;
  for (let j = 0; j < L; j++) {
    const ok = Number.isFinite(values[start + j]);
    if (ok && from < 0) from = j;
    else if (!ok && from >= 0) {
      runs.push([from, j]);
      from = -1;
    }
  }
  if (from >= 0) runs.push([from, L]);
  return runs;
}

/**
 * The mean over chains of one trace row at each step, skipping NaN; NaN where no chain
 * has a value.
 * @example traceMean(Float32Array.of(1, 3, NaN, 5), 2, 2, 0) // [1, 4]
 * @returns {Float64Array}  length L
 */
export function traceMean(data, n, L, row) {
  const out = new Float64Array(L);
  const base = row * n * L;
  for (let j = 0; j < L; j++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = data[base + i * L + j];
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    out[j] = count ? sum / count : NaN;
  }
  return out;
}

/**
 * The x range [first, last] of the trace steps (a single step gets a unit range).
 * @example stepRange(Int32Array.of(10, 20, 30)) // [10, 30]
 */
export function stepRange(steps) {
  if (!steps || steps.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of steps) {
    if (Number.isFinite(s)) {
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
    }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

export { linearScale } from "../lib/scales.js";

/**
 * A short number for labels and tooltips: 4 significant digits, "–" for NaN/missing.
 * @example formatValue(3.14159) // "3.142"
 */
export function formatValue(v) {
  const x = Number(v);
  if (v === null || v === undefined || !Number.isFinite(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/**
 * The step caption: "step s (live)" or "step s (history k/len)" (k = history_index, 0-based).
 * @example stepCaption(120, -1, 10) // "step 120 (live)"
 */
export function stepCaption(step, index, len) {
  const s = Number.isFinite(Number(step)) && step !== null ? String(step) : "–";
  return index >= 0 ? `step ${s} (history ${index}/${len})` : `step ${s} (live)`;
}

/**
 * The λ slider's step: about 200 positions over [0, max], rounded to a nice number.
 * @example sliderStep(10) // 0.05
 */
export function sliderStep(max) {
  if (!(max > 0)) return 0.01;
  const raw = max / 200;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999);
}

/**
 * `v` as a finite number, else `fallback` (for null, undefined, NaN and non-numbers).
 * @example numberOr(null, 3) // 3
 * @param {unknown} v
 * @param {number} fallback
 */
export function numberOr(v, fallback) {
  const x = Number(v);
  return v === null || v === undefined || !Number.isFinite(x) ? fallback : x;
}
