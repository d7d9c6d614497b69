// The input panel: a strip of the data's thumbnails to pick from, and the input itself as
// a canvas to draw on (white ink, a soft round brush), clear, invert, blur, or fill from a
// picture file (opened or dropped). The input is kept as floats [H, W, C] in [0, 1] and
// written to Python as bytes; the prediction and Python's note on the input sit below.

import { encodeArray } from "../lib/codec.js";
import { button, h, textSpan } from "../lib/dom.js";
import { CanvasPanel } from "../lib/panel.js";
import { imageToRGBA } from "../lib/pixels.js";
import { readImageFile } from "./image_file.js";
import { blur, brushRadius, channelsToRGBA, fromBytes, invert, stampBrush, strokeSegment, toBytes } from "./math.js";

/** @typedef {"drawing"|"file"} InputSource  where an input the user made came from */

/** CSS px of a thumbnail's longer side. */
const THUMB = 36;

/** The input panel: thumbnails to pick, the input to draw on, its tools and texts. */
export class InputPanel extends CanvasPanel {
  /**
   * @param {import("../lib/view.js").View} view  the layer explorer it is a panel of
   * @param {{onChange: (source: InputSource, now: boolean) => void}} options  called when
   *   the user changed the input: `now` false while a stroke goes on (write it throttled),
   *   true when it is done
   */
  constructor(view, { onChange }) {
    super(view, {
      prefix: "nbviz-layer-explorer",
      part: "input",
      title: "input",
      canvasClass: "nbviz-layer-explorer-input",
    });
    this.onChange = onChange;
    this.H = 0;
    this.W = 0;
    this.C = 1;
    /** @type {Float32Array} the input, [H, W, C] in [0, 1] */
    this.buf = new Float32Array(0);
    /** @type {Float32Array} scratch of the blur */
    this.tmp = new Float32Array(0);
    /** @type {ImageData|null} */
    this.image = null;
    /** @type {unknown} the last input_image this panel wrote (its echo is not read back) */
    this.lastWritten = null;
    /** whether the user changed the input since it was last encoded */
    this.unsent = false;
    this.drawing = false;
    /** @type {{x: number, y: number}|null} */
    this.last = null;
    /** @type {DOMRect|null} the canvas's box while a stroke goes on */
    this.box = null;
    /** @type {HTMLButtonElement[]} */
    this.thumbButtons = [];

    this.thumbs = h("div", "nbviz-layer-explorer-thumbs", { role: "group", "aria-label": "images of the data" });
    this.el.insertBefore(this.thumbs, this.stage);
    this.el.append(this.buildTools());
    this.predictedEl = h("div", "nbviz-layer-explorer-predicted", { "aria-live": "polite" });
    this.noteEl = h("div", "nbviz-layer-explorer-note");
    this.fileErrorEl = h("div", "nbviz-layer-explorer-error", { role: "alert" });
    this.el.append(this.predictedEl, this.noteEl, this.fileErrorEl);

    this.follow("input_shape", () => this.readShape());
    this.follow("input_image", () => this.readImage());
    view.on("image_scale", () => this.redraw());
    view.on("thumbnails thumbnail_captions", () => this.syncThumbs());
    view.on("index", () => this.syncPicked());
    view.on("predicted input_note", () => this.syncText());
    this.syncThumbs();
    this.syncText();

    view.listen(this.canvas, "pointerdown", (e) => this.onDown(e));
    view.listen(this.canvas, "pointermove", (e) => this.onDrag(e));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      view.listen(this.canvas, type, () => this.onUp());
    }
    this.onStage({
      dragover: (e) => {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      },
      drop: (e) => {
        e.preventDefault();
        const file = e.dataTransfer?.files?.[0];
        if (file) this.openFile(file);
      },
    });
  }

  buildTools() {
    this.brushSelect = h("select", "nbviz-select nbviz-layer-explorer-brush", { "aria-label": "brush size" });
    for (const size of ["small", "medium", "large"]) {
      const option = h("option", "", { value: size });
      option.textContent = size;
      this.brushSelect.append(option);
    }
    this.brushSelect.value = "medium";
    const tool = (/** @type {string} */ name, /** @type {string} */ title, /** @type {() => void} */ fn) => {
      const b = button(`nbviz-layer-explorer-${name.toLowerCase()}`, name, { title });
      this.view.listen(b, "click", () => {
        if (!this.buf.length) return;
        fn();
        this.changed("drawing", true);
      });
      return b;
    };
    this.fileInput = h("input", "nbviz-layer-explorer-file", { type: "file", accept: "image/*", hidden: "" });
    const open = button("nbviz-layer-explorer-open", "Open image…", {
      title: "a picture file (or drop one on the input)",
    });
    this.view.listen(open, "click", () => this.fileInput.click());
    this.view.listen(this.fileInput, "change", () => {
      const file = this.fileInput.files?.[0];
      if (file) this.openFile(file);
      this.fileInput.value = "";
    });
    return h("div", "nbviz-controls nbviz-layer-explorer-tools", {}, [
      h("label", "", { title: "the brush: white ink" }, [textSpan("brush"), this.brushSelect]),
      tool("Clear", "all black", () => this.buf.fill(0)),
      tool("Invert", "black ↔ white", () => invert(this.buf)),
      tool("Blur", "one 3×3 blur", () => blur(this.buf, this.W, this.H, this.C, this.tmp)),
      open,
      this.fileInput,
    ]);
  }

  // --- model --------------------------------------------------------------------------

  readShape() {
    const shape = this.view.model.get("input_shape");
    const ok = Array.isArray(shape) && shape.length === 3 && shape.every((s) => Number.isInteger(s) && s > 0);
    const [C, H, W] = ok ? shape : [1, 0, 0];
    if (C === this.C && H === this.H && W === this.W) return;
    this.C = C;
    this.H = H;
    this.W = W;
    this.buf = new Float32Array(H * W * C);
    this.tmp = new Float32Array(H * W * C);
    this.image = H > 0 && typeof ImageData === "function" ? new ImageData(W, H) : null;
    this.readImage();
  }

  readImage() {
    const value = this.view.model.get("input_image");
    // A stroke under way, or a change not yet written, wins over an echo of an earlier write.
    if (this.drawing || this.unsent || value === this.lastWritten || !this.buf.length) return;
    const { H, W, C } = this;
    const a = this.view.decode("input_image", "uint8", (s) => s.length === 3);
    // another shape is an input of a new input_shape that is on its way (readShape reads it again)
    if (a && a.shape[0] === H && a.shape[1] === W && a.shape[2] === C) this.setBytes(a.data);
  }

  /**
   * Show input bytes [H, W, C] (from Python or a thumbnail).
   * @param {ArrayLike<number>} bytes
   */
  setBytes(bytes) {
    fromBytes(bytes, this.buf);
    this.redraw();
  }

  /** The input as `{dtype: "uint8", shape: [H, W, C], buffer}` for input_image (a new array each time). */
  encode() {
    const value = encodeArray(toBytes(this.buf), [this.H, this.W, this.C]);
    this.lastWritten = value;
    this.unsent = false;
    return value;
  }

  syncText() {
    this.predictedEl.textContent = String(this.view.model.get("predicted") ?? "");
    this.noteEl.textContent = String(this.view.model.get("input_note") ?? "");
  }

  /** Rebuild the thumbnail strip: a button per image, its caption as its title. */
  syncThumbs() {
    const a = this.view.decode("thumbnails", "uint8", (s) => s.length === 4 && s[3] >= 1 && s[3] <= 4);
    const [n, H, W, C] = a ? a.shape : [0, 0, 0, 1];
    const captions = this.view.model.get("thumbnail_captions");
    const scale = THUMB / Math.max(H, W, 1);
    this.thumbButtons = [];
    for (let i = 0; i < n; i++) {
      const caption = Array.isArray(captions) && i < captions.length ? String(captions[i]) : "";
      const canvas = h("canvas", "", { width: String(W), height: String(H) });
      canvas.style.width = `${Math.round(W * scale)}px`;
      canvas.style.height = `${Math.round(H * scale)}px`;
      const ctx = canvas.getContext ? canvas.getContext("2d") : null;
      if (ctx && a && typeof ImageData === "function") {
        ctx.putImageData(new ImageData(imageToRGBA(a.data, { height: H, width: W, channels: C }, i), W, H), 0, 0);
      }
      const b = h("button", "nbviz-layer-explorer-thumb", {
        type: "button",
        title: caption || `image ${i}`,
        "aria-label": caption ? `image ${caption}` : `image ${i}`,
        "data-index": String(i),
      });
      b.append(canvas);
      this.view.listen(b, "click", () => this.pick(i, a));
      // a pick does not take the keyboard focus from where it is (Tab still reaches the
      // strip): moving it into the output makes JupyterLab switch cells first
      this.view.listen(b, "mousedown", (e) => e.preventDefault());
      this.thumbButtons.push(b);
    }
    this.thumbs.replaceChildren(...this.thumbButtons);
    this.thumbs.hidden = n === 0;
    this.syncPicked();
  }

  /**
   * Pick thumbnail i: write `index`; show it at once when it has the input's shape (Python
   * then sends it as input_image).
   * @param {number} i
   * @param {import("../lib/codec.js").DecodedArray|null} thumbs
   */
  pick(i, thumbs) {
    if (thumbs && thumbs.shape[1] === this.H && thumbs.shape[2] === this.W && thumbs.shape[3] === this.C) {
      const size = this.H * this.W * this.C;
      this.setBytes(thumbs.data.subarray(i * size, (i + 1) * size));
    }
    this.view.write("index", i);
  }

  syncPicked() {
    const index = Number(this.view.model.get("index"));
    for (const [i, b] of this.thumbButtons.entries()) {
      b.classList.toggle("is-picked", i === index);
      b.setAttribute("aria-pressed", String(i === index));
    }
  }

  // --- drawing ------------------------------------------------------------------------

  /** The brush radius now, in input pixels. */
  get radius() {
    return brushRadius(this.brushSelect.value, this.H, this.W);
  }

  /**
   * The input pixel coordinates (fractional) under a pointer event.
   * @param {{clientX: number, clientY: number}} e
   */
  pixelOf(e) {
    const box = this.box ?? this.canvas.getBoundingClientRect();
    const scale = this.scale;
    const w = box.width || this.W * scale;
    const hgt = box.height || this.H * scale;
    return { x: ((e.clientX - box.left) / w) * this.W, y: ((e.clientY - box.top) / hgt) * this.H };
  }

  /**
   * Client px of the centre of input pixel (x, y), for the test hooks.
   * @param {number} x
   * @param {number} y
   */
  canvasPoint(x, y) {
    const box = this.canvas.getBoundingClientRect();
    const scale = this.scale;
    const w = box.width || this.W * scale;
    const hgt = box.height || this.H * scale;
    return { x: box.left + ((x + 0.5) / this.W) * w, y: box.top + ((y + 0.5) / this.H) * hgt };
  }

  /** @param {PointerEvent} e */
  onDown(e) {
    if (e.button !== 0 || !this.buf.length) return;
    e.preventDefault();
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // no capture (an unknown pointer in a test DOM): the stroke still draws
    }
    this.box = this.canvas.getBoundingClientRect();
    this.drawing = true;
    const p = this.pixelOf(e);
    stampBrush(this.buf, this.W, this.H, this.C, p.x, p.y, this.radius);
    this.last = p;
    this.changed("drawing", false);
  }

  /** @param {PointerEvent} e */
  onDrag(e) {
    if (!this.drawing || !this.last) return;
    const p = this.pixelOf(e);
    strokeSegment(this.buf, this.W, this.H, this.C, this.last, p, this.radius);
    this.last = p;
    this.changed("drawing", false);
  }

  onUp() {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    this.box = null;
    this.onChange("drawing", true); // the stroke's last change, if it is not written yet
  }

  /**
   * Fill the input from a picture file.
   * @param {Blob} file
   */
  async openFile(file) {
    if (!this.buf.length) return;
    const { W, H, C } = this;
    try {
      const data = await readImageFile(file, W, H, C);
      if (W !== this.W || H !== this.H || C !== this.C) return; // the input changed shape meanwhile
      this.buf.set(data);
      this.fileErrorEl.textContent = "";
      this.changed("file", true);
    } catch (err) {
      console.error(err);
      this.fileErrorEl.textContent = `Could not read that picture (${err?.message ?? err}).`;
    }
  }

  /**
   * The user changed the input: show it, and pass it on.
   * @param {InputSource} source
   * @param {boolean} now
   */
  changed(source, now) {
    this.unsent = true;
    this.redraw();
    this.onChange(source, now);
  }

  /** Screen px per input pixel (the `image_scale` trait, 1..32). */
  get scale() {
    return Math.max(1, Math.min(32, Math.round(Number(this.view.model.get("image_scale")) || 8)));
  }

  /** @param {import("../lib/theme.js").Theme} _theme */
  draw(_theme) {
    const { H, W } = this;
    this.setEmpty(H > 0 ? "" : "No input shape.");
    const scale = this.scale;
    const cssW = `${H > 0 ? W * scale : 160}px`;
    const cssH = `${H > 0 ? H * scale : 60}px`;
    for (const el of [this.canvas, this.stage]) {
      if (el.style.width !== cssW) el.style.width = cssW;
      if (el.style.height !== cssH) el.style.height = cssH;
    }
    if (this.canvas.width !== W) this.canvas.width = W;
    if (this.canvas.height !== H) this.canvas.height = H;
    if (!this.image || !this.ctx || H === 0) return;
    channelsToRGBA(this.buf, this.C, this.image.data);
    this.ctx.putImageData(this.image, 0, 0);
  }
}
