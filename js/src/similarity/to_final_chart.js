// The convergence panel: each row layer's similarity to its own final state over the
// checkpoints, one line per layer coloured by depth (lowest darkest, as in the Python
// figure), the checkpoint shown marked by a guide. Bottom-up convergence (Raghu et al.)
// shows as the dark lines reaching 1 before the light ones. Hovering a dot gives its
// value; a click moves the view to the nearest checkpoint.
import { drawAxes, drawGuide } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { CanvasPanel } from "../lib/panel.js";
import { niceTicks } from "../lib/ticks.js";
import {
  asStrings,
  commonPrefix,
  depthColor,
  formatValue,
  linearScale,
  lineDomain,
  nearestCheckpoint,
  tickIndices,
} from "./math.js";

/** CSS px within which hovering finds a dot. */
const PICK_RADIUS = 10;

/** @typedef {{x: number, y: number, c: number, j: number, v: number}} Dot */

export class ToFinalChart extends CanvasPanel {
  /** @param {import("./index.js").SimilarityViewView} view */
  constructor(view) {
    super(view, {
      prefix: "nbviz-similarity",
      part: "lines",
      title: "Similarity to the final state",
      canvasClass: "nbviz-similarity-lines",
      tooltip: true,
    });
    this.owner = view;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.toFinal = null;
    /** @type {Dot[]} */
    this.dots = [];
    this.box = { left: 0, right: 0, top: 0, bottom: 0 };
    this.legend = h("div", "nbviz-similarity-legend");
    this.head.appendChild(this.legend);
    this.stage.setAttribute("aria-label", "each layer's similarity to its final state: click to pick a checkpoint");
    this.follow("to_final", () => this.read());
    this.follow("layers", () => this.buildLegend());
    view.on("checkpoint_labels method", () => this.redraw());
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.tooltip?.hide(),
      click: (e) => this.onClick(e),
    });
  }

  read() {
    this.toFinal = this.view.decode("to_final", "float32", (s) => s.length === 2);
  }

  buildLegend() {
    const layers = asStrings(this.view.model.get("layers"));
    this.legend.replaceChildren(
      ...layers.map((name, j) => {
        const swatch = h("span", "nbviz-similarity-swatch");
        swatch.style.background = depthColor(j, layers.length);
        return h("span", "", { "data-layer": name }, [swatch, textSpan(name)]);
      }),
    );
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const tf = this.toFinal;
    const labels = asStrings(this.view.model.get("checkpoint_labels"));
    const n = tf ? tf.shape[0] : 0;
    const layers = tf ? tf.shape[1] : 0;
    const usable = tf && n > 0 && n === labels.length;
    this.setEmpty(usable ? "" : "No checkpoints yet.");
    this.dots = [];
    const ctx = this.begin(theme);
    if (!ctx || !usable) return;
    const prefix = commonPrefix(labels);
    const short = labels.map((s) => s.slice(prefix.length));
    let labelW = 0;
    for (const s of short) labelW = Math.max(labelW, ctx.measureText(s).width);
    const box = { left: 42, right: this.w - 14, top: 10, bottom: this.h - (prefix ? 34 : 22) };
    this.box = box;
    const [lo, hi] = lineDomain(tf.data);
    const y = linearScale([lo, hi], [box.bottom, box.top]);
    const xAt = (/** @type {number} */ c) =>
      n > 1 ? box.left + (c / (n - 1)) * (box.right - box.left) : (box.left + box.right) / 2;
    drawAxes(
      ctx,
      theme,
      box,
      { ticks: tickIndices(n, box.right - box.left, labelW), map: xAt, label: (c) => short[c] ?? "" },
      { ticks: niceTicks(lo, hi, 5), map: y.map, label: (t) => `${Number(t.toFixed(2))}` },
    );
    if (prefix) {
      ctx.fillStyle = theme.textMuted;
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.fillText(prefix.trim(), (box.left + box.right) / 2, this.h - 2);
    }
    drawGuide(ctx, theme, box, xAt(this.owner.shown), 0.7);

    // One line per layer, broken where a checkpoint is not computed yet, with dots.
    for (let j = 0; j < layers; j++) {
      const colour = depthColor(j, layers);
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      let open = false;
      for (let c = 0; c < n; c++) {
        const v = tf.data[c * layers + j];
        if (!Number.isFinite(v)) {
          open = false;
          continue;
        }
        const dot = { x: xAt(c), y: y.map(v), c, j, v };
        this.dots.push(dot);
        if (open) ctx.lineTo(dot.x, dot.y);
        else ctx.moveTo(dot.x, dot.y);
        open = true;
      }
      ctx.stroke();
      for (const d of this.dots) {
        if (d.j !== j) continue;
        ctx.beginPath();
        ctx.arc(d.x, d.y, d.c === this.owner.shown ? 4 : 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    this.view.root.dataset.dotsDrawn = String(this.dots.length);
  }

  /**
   * The dot nearest (x, y) within the pick radius, or null.
   * @param {number} x
   * @param {number} y
   */
  nearest(x, y) {
    let best = null;
    let bestD = PICK_RADIUS * PICK_RADIUS;
    for (const d of this.dots) {
      const dd = (d.x - x) ** 2 + (d.y - y) ** 2;
      if (dd <= bestD) {
        bestD = dd;
        best = d;
      }
    }
    return best;
  }

  /**
   * Client px of layer j's dot at checkpoint c, or null.
   * @param {number} c
   * @param {number} j
   */
  dotPosition(c, j) {
    const d = this.dots.find((dot) => dot.c === c && dot.j === j);
    return d ? this.clientPoint(d.x, d.y) : null;
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const d = this.nearest(pt.x, pt.y);
    if (!d) {
      this.tooltip?.hide();
      return;
    }
    const layers = asStrings(this.view.model.get("layers"));
    const text = `${layers[d.j] ?? d.j} · ${this.owner.checkpointName(d.c)}: ${formatValue(d.v)} to its final state`;
    this.tooltip?.show(text, pt.x, pt.y);
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const n = this.toFinal ? this.toFinal.shape[0] : 0;
    if (!(n > 0)) return;
    const pt = this.localPoint(e);
    if (pt.x < this.box.left - 10 || pt.x > this.box.right + 10) return;
    this.owner.setCheckpoint(nearestCheckpoint(pt.x, n, this.box.left, this.box.right));
  }
}
