// The top real images panel: the k data images that excite each group's neuron most, in
// the chains' blocks and names; hovering one shows its group and its caption from Python.
import { ImageBlocksPanel } from "./image_blocks.js";
import { groupChains, imageDims, topImageGroups } from "./math.js";

export class TopImages extends ImageBlocksPanel {
  /** @param {import("../lib/view.js").View} view  the LDAM viewer it is a panel of */
  constructor(view) {
    super(view, { part: "top", title: "top real images", canvasClass: "nbviz-ldam-viewer-top" });
    this.setEmpty("");
    /** @type {import("../lib/codec.js").DecodedArray|null} */
    this.top = null;
    /** @type {import("./image_blocks.js").ImageDims|null} */
    this.dims = null;
    this.follow("top_images", () => this.read());
    this.onStage({ pointermove: (e) => this.onMove(e), pointerleave: () => this.tooltip?.hide() });
  }

  read() {
    this.top = this.view.decode("top_images", "uint8", (s) => imageDims(s) !== null);
    const dims = this.top ? imageDims(this.top.shape) : null;
    this.dims = dims && dims.n > 0 && dims.h > 0 && dims.w > 0 ? dims : null;
    this.el.hidden = !(dims && dims.n > 0);
  }

  /** @param {import("../lib/theme.js").Theme} theme */
  draw(theme) {
    const dims = this.dims;
    if (!dims) return;
    // k images per chain group, in group order: the same blocks and names as the chains.
    const names = this.view.model.get("group_names");
    const nGroups = Array.isArray(names) ? names.length : 0;
    const groups = topImageGroups(dims.n, nGroups);
    this.layOut(groupChains(dims.n, groups, groups ? names : []), dims);
    const ctx = this.beginBlocks(theme, 0);
    if (!ctx) return;
    this.atlas.update(this.top);
    this.paintCells(ctx, theme, -1);
  }

  /** @param {PointerEvent} e */
  onMove(e) {
    const { i, pt } = this.imageAt(e);
    if (i < 0) {
      this.tooltip?.hide();
      return;
    }
    const block = this.blockOf(i);
    const captions = this.view.model.get("top_captions");
    const caption = Array.isArray(captions) && i < captions.length ? String(captions[i]) : `image ${i}`;
    this.tooltip?.show(block?.name ? `${block.name} · ${caption}` : caption, pt.x, pt.y);
  }
}
