// AttributionView: images × attribution methods as heatmaps, and each method's pixel-
// flipping curve (nbviz/widgets/attribution_view.py computes everything).
//
// The view shows: the job status strip; the class picker (predicted, true, or any class)
// and LRP's composite picker; the grid (heat_grid.js: the images in the first row, one
// row of heatmaps per method, red for evidence for the class and blue against, on a scale
// centred at zero); LRP's conservation; the pixel-flipping chart (flip_chart.js).
//
// Model: images {uint8 [n, H, W, C]}, captions [str], methods [str], heatmaps {float32
// [m, n, H, W] in [-1, 1]}, heat_scale {float32 [m, n]}, target (str: "predicted",
// "true" or a class index), has_labels (bool), class_names [str], targets {int32 [n]},
// composite (str), composites [str], rules ({first, conv, dense}: rule names, "" for the
// first layer's type's rule), rule_names [str], flip_fractions {float32 [s]}, flip_scores {float32
// [m, s]}, flip_auc [float], conservation {float32 [n]}, image_scale (int), and the job_*
// traits. The view writes target, composite and rules.
import { h, setOptions, textSpan } from "../lib/dom.js";
import { mount, View } from "../lib/view.js";
import { FlipChart } from "./flip_chart.js";
import { HeatGrid } from "./heat_grid.js";
import { conservationText } from "./math.js";
import "./style.css";

/** The layer types LRP's rules are picked for, and how the pickers name them. */
const LAYER_TYPES = /** @type {const} */ ([
  ["first", "first layer"],
  ["conv", "convolutions"],
  ["dense", "dense layers"],
]);

/** One rendering of an AttributionView model into `el`. */
class AttributionViewView extends View {
  /**
   * @param {import("../lib/model.js").Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    super(model, el, { name: "AttributionView", className: "nbviz-attribution", parts: ["grid", "flip"] });
    this.grid = this.addPanel("grid", new HeatGrid(this));
    this.flip = this.addPanel("flip", new FlipChart(this));
    this.buildControls();
    this.conservationEl = h("div", "nbviz-attribution-conservation", { "aria-live": "polite" });
    this.root.append(this.statusStrip(), this.controls, this.grid.el, this.conservationEl, this.flip.el);
    this.on("class_names target has_labels", () => this.syncTarget());
    this.on("composites composite methods rules rule_names", () => this.syncComposite());
    this.on("conservation", () => this.syncConservation());
    this.expose({
      /** Client px of the centre of grid cell (row, col): row 0 the images. */
      cellPosition: (row, col) => this.grid.cellCentre(row, col),
      /** The method names the grid drew, in order, and the flip chart's curve count. */
      drawn: () => ({ rows: this.grid.drawnRows, curves: this.flip.drawnCurves }),
    });
    this.syncTarget();
    this.syncComposite();
    this.syncConservation();
    this.schedule();
  }

  buildControls() {
    this.targetSelect = h("select", "nbviz-select nbviz-attribution-target", { "aria-label": "class explained" });
    this.compositeSelect = h("select", "nbviz-select nbviz-attribution-composite", {
      "aria-label": "LRP rules",
    });
    this.listen(this.targetSelect, "change", () => this.write("target", this.targetSelect.value));
    this.listen(this.compositeSelect, "change", () => this.write("composite", this.compositeSelect.value));
    /** @type {Record<string, HTMLSelectElement>} */
    this.ruleSelects = {};
    const pickers = LAYER_TYPES.map(([kind, text]) => {
      const select = h("select", `nbviz-select nbviz-attribution-rule-${kind}`, { "aria-label": `LRP rule: ${text}` });
      this.ruleSelects[kind] = select;
      this.listen(select, "change", () => {
        const rules = this.model.get("rules");
        this.write("rules", { ...(rules && typeof rules === "object" ? rules : {}), [kind]: select.value });
      });
      return h("label", "", { title: `LRP's rule on the ${text}` }, [textSpan(text), select]);
    });
    this.compositeLabel = h("span", "nbviz-attribution-lrp", {}, [
      h("label", "", { title: "a set of LRP rules, one per layer type" }, [
        textSpan("LRP rules"),
        this.compositeSelect,
      ]),
      ...pickers,
    ]);
    this.controls = h("div", "nbviz-controls nbviz-attribution-controls", {}, [
      h("label", "", { title: "the class the heatmaps explain" }, [textSpan("explain"), this.targetSelect]),
      this.compositeLabel,
    ]);
  }

  syncTarget() {
    const names = Array.isArray(this.model.get("class_names")) ? this.model.get("class_names").map(String) : [];
    /** @type {[string, string][]} */
    const options = [["predicted", "predicted class"]];
    if (this.model.get("has_labels")) options.push(["true", "true class"]);
    for (const [k, name] of names.entries()) options.push([String(k), name]);
    setOptions(this.targetSelect, options);
    const target = String(this.model.get("target") ?? "predicted");
    if (this.targetSelect.value !== target) this.targetSelect.value = target;
    this.root.dataset.target = target;
  }

  syncComposite() {
    const names = Array.isArray(this.model.get("composites")) ? this.model.get("composites").map(String) : [];
    setOptions(
      this.compositeSelect,
      names.map((n) => /** @type {[string, string]} */ ([n, n])),
    );
    const composite = String(this.model.get("composite") ?? "");
    if (this.compositeSelect.value !== composite) this.compositeSelect.value = composite;
    const methods = this.model.get("methods");
    this.compositeLabel.hidden = !(Array.isArray(methods) && methods.includes("lrp"));
    const ruleNames = Array.isArray(this.model.get("rule_names")) ? this.model.get("rule_names").map(String) : [];
    const rules = this.model.get("rules") ?? {};
    for (const [kind] of LAYER_TYPES) {
      const select = this.ruleSelects[kind];
      /** @type {[string, string][]} */
      const options = ruleNames.map((r) => [r, r]);
      if (kind === "first") options.unshift(["", "as its type"]);
      setOptions(select, options);
      const value = String(rules[kind] ?? "");
      if (select.value !== value) select.value = value;
    }
  }

  syncConservation() {
    const c = this.decode("conservation", "float32", (s) => s.length === 1);
    this.conservationEl.textContent = conservationText(c ? /** @type {Float32Array} */ (c.data) : null);
  }
}

/**
 * anywidget entry point: draw the model into `el`; the returned function undoes it.
 * @param {{model: import("../lib/model.js").Model, el: HTMLElement}} ctx
 */
function render({ model, el }) {
  return mount(AttributionViewView, model, el);
}

export default { render };
