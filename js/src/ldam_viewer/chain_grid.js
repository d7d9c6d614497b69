// The chains panel: the sampler's current images, one per chain, in blocks by chain group
// (neuron), or with `side_by_side` one block per group and prior. A new `samples` redraws
// only this panel. Hovering a chain names it with its last activation and log D, and
// highlights its traces.
import { ImageBlocksPanel } from "./image_blocks.js";
import { chainBlocks, imageDims } from "./math.js";

export class ChainGrid extends ImageBlocksPanel {
  /**
   * @param {import("../lib/view.js").View} view  the LDAM viewer it is a panel of
   * @param {{describe: (chain: number) => string, onHover: (chain: number) => void}} hooks
   *   `describe(i)`: the tooltip's text after the chain's name; `onHover(i)`: the hovered
   *   chain changed (-1: none)
   */
  constructor(view, hooks) {
    super(view, { part: "grid", title: "chains", canvasClass: "nbviz-ldam-viewer-grid" });
    this.el.classList.add("nbviz-ldam-viewer-chains");
    this.hooks = hooks;
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.samples = null;
    /** @type {import("./image_blocks.js").ImageDims|null} */
    this.dims = null;
    /** @type {Int32Array|null} group id per chain */
    this.groups = null;
    this.atlasStale = true;
    this.hover = -1;
    this.framesDrawn = 0;
    this.picturesDrawn = 0; // grid draws that showed a new step
    this.lastDrawnStep = null;

    this.follow("samples", () => this.readSamples());
    this.readGroups();
    view.on("chain_groups group_names chain_priors priors reached side_by_side", () => {
      this.readGroups();
      view.schedule("grid");
    });
    this.onStage({ pointermove: (e) => this.onMove(e), pointerleave: () => this.onLeave() });
  }

  /** Number of chains. */
  get n() {
    return this.dims ? this.dims.n : 0;
  }

  readSamples() {
    this.atlasStale = true;
    const prevN = this.n;
    this.samples = this.view.decode("samples", "uint8", (s) => imageDims(s) !== null);
    const dims = this.samples ? imageDims(this.samples.shape) : null;
    this.dims = dims && dims.n > 0 && dims.h > 0 && dims.w > 0 ? dims : null;
    this.view.root.dataset.chains = String(this.samples && dims ? dims.n : 0);
    if (this.n !== prevN) this.readGroups();
  }

  readGroups() {
    const g = this.view.decode("chain_groups", "int32", (s) => s.length === 1);
    this.groups = g ? /** @type {Int32Array} */ (g.data) : null;
    const priors = this.view.decode("chain_priors", "int32", (s) => s.length === 1);
    const reached = this.view.decode("reached", "float32", (s) => s.length === 2);
    this.blocks = chainBlocks(this.n, this.groups, this.view.model.get("group_names"), {
      priors: priors ? /** @type {Int32Array} */ (priors.data) : null,
      priorNames: this.view.model.get("priors"),
      reached: reached ? /** @type {Float32Array} */ (reached.data) : null,
      sideBySide: Boolean(this.view.model.get("side_by_side")),
    });
  }

  /**
   * The group of chain i when groups are known for every chain, else 0.
   * @param {number} i
   * @param {number} n  the number of chains the caller draws
   */
  groupOf(i, n) {
    return this.groups && this.groups.length === n ? this.groups[i] : 0;
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const has = Boolean(this.dims);
    this.setEmpty(has ? "" : "No samples yet: press ▶ Run.");
    this.layOut(this.blocks, this.dims);
    const step = this.view.model.get("sample_step");
    this.view.root.dataset.step = String(step ?? "");
    const ctx = this.beginBlocks(theme, 48);
    if (!ctx || !has) return;
    if (this.atlasStale) {
      this.atlas.update(this.samples);
      this.atlasStale = false;
    }
    this.paintCells(ctx, theme, this.hover);
    this.framesDrawn++;
    if (step !== this.lastDrawnStep) {
      this.lastDrawnStep = step;
      this.picturesDrawn++;
    }
    this.view.root.dataset.framesDrawn = String(this.framesDrawn);
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const { i, pt } = this.imageAt(e);
    if (i >= 0) {
      const block = this.blockOf(i);
      const name = block ? block.name || `group ${block.group}` : "";
      this.tooltip?.show(`chain ${i} · ${name} · ${this.hooks.describe(i)}`, pt.x, pt.y);
    } else {
      this.tooltip?.hide();
    }
    this.setHover(i);
  }

  onLeave() {
    this.tooltip?.hide();
    this.setHover(-1);
  }

  /** @param {number} i */
  setHover(i) {
    if (i === this.hover) return;
    this.hover = i;
    this.hooks.onHover(i);
  }
}
