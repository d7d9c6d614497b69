// The accuracy plot: accuracy vs weights remaining (log x, one line per variant, the
// dense net dashed, the selected round's dots ringed). A click on a dot, or ←/→ with the
// plot focused, selects that round (writes `round`).
import { drawAxes, drawGuide, drawReferenceLine } from "../lib/axes.js";
import { h, textSpan } from "../lib/dom.js";
import { categoricalColor } from "../lib/palette.js";
import { CanvasPanel } from "../lib/panel.js";
import { niceTicks } from "../lib/ticks.js";
import {
  accuracyDomain,
  asStrings,
  cleanRecords,
  densityDomain,
  densityTickLabel,
  densityTicks,
  formatPercent,
  linearScale,
  logScale,
  nearestDot,
  plotDots,
} from "./math.js";
import { PANEL } from "./panel.js";

/** CSS px within which hover / click finds a plot dot. */
const PICK_RADIUS = 12;

/** @typedef {ReturnType<typeof plotDots>[number]} Dot */

export class AccuracyPlot extends CanvasPanel {
  /** @param {import("../lib/view.js").View} view  the mask explorer it is a panel of */
  constructor(view) {
    super(view, {
      ...PANEL,
      part: "plot",
      title: "Accuracy vs weights remaining",
      canvasClass: "nbviz-mask-explorer-plot",
    });
    /** @type {ReturnType<typeof cleanRecords>} */
    this.records = [];
    /** @type {string[]} */
    this.variants = [];
    /** @type {Dot[]} */
    this.dots = [];
    /** @type {Dot|null} */
    this.hoverDot = null;
    this.legend = h("div", "nbviz-mask-explorer-legend");
    this.head.appendChild(this.legend);
    this.stage.setAttribute("tabindex", "0");
    this.stage.setAttribute("aria-label", "accuracy plot: click a dot or use the arrow keys to select a round");

    this.follow("records variants", () => this.read());
    this.follow("variants dense_accuracy", () => this.buildLegend());
    view.on("round", () => this.redraw());
    this.onStage({
      pointermove: (e) => this.onMove(e),
      pointerleave: () => this.onLeave(),
      click: (e) => this.onClick(e),
      keydown: (e) => this.onKey(e),
    });
  }

  /** The selected round (-1 for none). */
  get round() {
    const r = Number(this.view.model.get("round"));
    return Number.isInteger(r) ? r : -1;
  }

  read() {
    this.records = cleanRecords(this.view.model.get("records"));
    this.variants = asStrings(this.view.model.get("variants"));
    this.view.root.dataset.records = String(this.records.length);
  }

  buildLegend() {
    const items = this.variants.map((name, i) => {
      const swatch = h("span", "nbviz-mask-explorer-swatch");
      swatch.style.background = categoricalColor(i);
      return h("span", "", { "data-variant": name }, [swatch, textSpan(name)]);
    });
    if (Number(this.view.model.get("dense_accuracy")) >= 0) {
      const swatch = h("span", "nbviz-mask-explorer-swatch", { "data-shape": "dash" });
      items.push(h("span", "", { "data-variant": "" }, [swatch, textSpan("dense")]));
    }
    this.legend.replaceChildren(...items);
  }

  /**
   * @param {import("../lib/theme.js").Theme} theme
   */
  draw(theme) {
    const records = this.records;
    const variants = this.variants;
    const dense = Number(this.view.model.get("dense_accuracy"));
    const hasData = records.length > 0 && variants.length > 0;
    this.setEmpty(hasData ? "" : "No finished rounds yet.");
    this.dots = [];
    let drawn = 0;
    const ctx = this.begin(theme);
    if (this.w > 0 && this.h > 0) {
      const box = { left: 44, right: this.w - 12, top: 10, bottom: this.h - 24 };
      const xd = densityDomain(records);
      const yd = accuracyDomain(records, variants, dense);
      const x = logScale(xd, [box.left, box.right]);
      const y = linearScale(yd, [box.bottom, box.top]);
      this.dots = hasData ? plotDots(records, variants, x.map, y.map) : [];
      if (ctx) drawn = this.paint(ctx, theme, box, x, y, xd, yd, dense);
    }
    this.view.root.dataset.pointsDrawn = String(drawn);
  }

  paint(ctx, theme, box, x, y, xd, yd, dense) {
    drawAxes(
      ctx,
      theme,
      box,
      { ticks: densityTicks(xd), map: x.map, label: densityTickLabel },
      {
        ticks: niceTicks(yd[0] * 100, yd[1] * 100, 5),
        map: (t) => y.map(t / 100),
        label: (t) => `${Number(t.toFixed(2))}%`,
      },
    );

    if (dense >= 0) {
      drawReferenceLine(ctx, theme, box, y.map(dense), {
        label: `dense ${formatPercent(dense)}`,
        dash: [5, 4],
        align: "right",
      });
    }

    const round = this.round;
    const rec = this.records.find((r) => r.round === round);
    if (rec) drawGuide(ctx, theme, box, x.map(rec.density), 0.5);

    // One line and its dots per variant.
    let drawn = 0;
    this.variants.forEach((_, i) => {
      const dots = this.dots.filter((d) => d.variantIndex === i);
      const color = categoricalColor(i);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (const [j, d] of dots.entries()) {
        if (j) ctx.lineTo(d.x, d.y);
        else ctx.moveTo(d.x, d.y);
      }
      ctx.stroke();
      for (const d of dots) {
        ctx.beginPath();
        ctx.arc(d.x, d.y, d.round === round ? 5 : 3, 0, 2 * Math.PI);
        ctx.fill();
        if (d.round === round) {
          ctx.strokeStyle = theme.text;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
        drawn++;
      }
    });
    if (this.hoverDot) {
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(this.hoverDot.x, this.hoverDot.y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
    return drawn;
  }

  /**
   * Client px of the dot of `round` for `variant` (default: the first variant), or null.
   * @param {number} round
   * @param {string} [variant]
   */
  dotPosition(round, variant) {
    const name = variant ?? this.variants[0];
    const d = this.dots.find((dot) => dot.round === round && dot.variant === name);
    return d ? this.clientPoint(d.x, d.y) : null;
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const pt = this.localPoint(e);
    const dot = nearestDot(this.dots, pt.x, pt.y, PICK_RADIUS);
    if (dot !== this.hoverDot) {
      this.hoverDot = dot;
      this.stage.style.cursor = dot ? "pointer" : "";
      this.redraw();
    }
    if (dot) {
      const text = `round ${dot.round} · ${formatPercent(dot.density)} left · ${dot.variant}: ${formatPercent(dot.accuracy)}`;
      this.tooltip?.show(text, pt.x, pt.y);
    } else {
      this.tooltip?.hide();
    }
  }

  onLeave() {
    this.tooltip?.hide();
    if (this.hoverDot) {
      this.hoverDot = null;
      this.redraw();
    }
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const pt = this.localPoint(e);
    const dot = nearestDot(this.dots, pt.x, pt.y, PICK_RADIUS);
    if (dot) this.view.write("round", dot.round);
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const rounds = this.records.map((r) => r.round);
    if (!rounds.length) return;
    e.preventDefault();
    e.stopPropagation();
    const step = e.key === "ArrowRight" ? 1 : -1;
    const at = rounds.indexOf(this.round);
    const next = at < 0 ? (step > 0 ? 0 : rounds.length - 1) : Math.min(rounds.length - 1, Math.max(0, at + step));
    this.view.write("round", rounds[next]);
  }
}
