// The tour's points on WebGL2: the data [T, n, d] in a vertex buffer (d ≤ 28) or a float
// texture (wider; shaders.js says why), uploaded once per `points`; labels and selection
// flags as vertex attributes, class colours in a 1-row texture. Each frame sets only the
// projection and a few uniforms (and, on the buffer path, which frames the attributes
// read) and draws n points.
import { packPoints, textureLayout } from "./data_texture.js";
import { shuffledIndices } from "./detail.js";
import { byteRowTexture, classBytes, createProgram, floatTexture, parseColor, uniformLocations } from "./gl.js";
import { FRAGMENT_SHADER, frameAttribute, MAX_CHUNKS, pointSource, vertexShader } from "./shaders.js";

const UNIFORMS = [
  "u_data",
  "u_classes",
  "u_n",
  "u_width",
  "u_f0",
  "u_f1",
  "u_mix",
  "u_classCount",
  "u_proj",
  "u_center",
  "u_scale",
  "u_size",
  "u_hasSelection",
  "u_ring",
];

const LABEL_LOCATION = 0;
const SELECTED_LOCATION = 1;
/**
 * Attribute location of frame slot `slot` (0 or 1), chunk c.
 * @param {number} slot
 * @param {number} c
 */
const frameLocation = (slot, c) => 2 + 2 * c + slot;

/**
 * What one frame draws with.
 * @typedef {Object} PointsFrame
 * @property {ArrayLike<number>} projection  d rows of (x, y)
 * @property {number} frame  fractional frame
 * @property {{frames: number, n: number, d: number}} shape
 * @property {{scale: number, w: number, h: number, x0?: number, y0?: number}} view
 *   projection units → CSS px, with (x0, y0) the projection point at the canvas's middle
 * @property {number} size  point diameter in device px
 * @property {boolean} hasSelection
 * @property {string} ring  CSS colour of the selection ring
 * @property {number} [count]  points to draw, from the first (default n: all)
 * @property {number} [subset]  when all n are here: draw only this many, a fixed random
 *   sample (detail.js; default all)
 */

export class PointsLayer {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    /** @type {WebGL2RenderingContext|null} */
    this.gl = null;
    /** @type {any} buffers, textures and programs; null until set up or after a loss */
    this.g = null;
  }

  /**
   * Get the WebGL2 context and set up buffers. Returns an error message for the user, or
   * "" when the layer is ready.
   */
  init() {
    // No MSAA: the points are already smoothed in the fragment shader, and multisampling
    // cost 2-4x the frame time under software WebGL (measured at 100k points).
    const gl = this.canvas.getContext
      ? this.canvas.getContext("webgl2", { antialias: false, premultipliedAlpha: true })
      : null;
    this.gl = gl;
    if (!gl) {
      return (
        "GrandTour needs WebGL2, which this browser does not provide (or has disabled). " +
        "Try another browser, enable hardware acceleration, or use widget.figure() for a static view."
      );
    }
    try {
      const vao = gl.createVertexArray();
      const labelBuffer = gl.createBuffer();
      const selectedBuffer = gl.createBuffer();
      const pointBuffer = gl.createBuffer();
      gl.bindVertexArray(vao);
      gl.bindBuffer(gl.ARRAY_BUFFER, labelBuffer);
      gl.enableVertexAttribArray(LABEL_LOCATION);
      gl.vertexAttribIPointer(LABEL_LOCATION, 1, gl.INT, 0, 0);
      gl.bindBuffer(gl.ARRAY_BUFFER, selectedBuffer);
      gl.enableVertexAttribArray(SELECTED_LOCATION);
      gl.vertexAttribPointer(SELECTED_LOCATION, 1, gl.UNSIGNED_BYTE, true, 0, 0);
      gl.bindVertexArray(null);
      this.g = {
        /** @type {Map<string, {prog: WebGLProgram, u: Record<string, WebGLUniformLocation|null>}>} */
        programs: new Map(),
        vao,
        labelBuffer,
        selectedBuffer,
        pointBuffer,
        indexBuffer: null, // a shuffled 0..n-1 for drawing a random subset, built on first use
        indexN: 0,
        source: null, // {mode, chunks} of the uploaded points
        enabled: 0, // frame attribute chunks enabled on the VAO
        dataTex: null,
        classTex: null,
        layout: null,
        classCount: 1,
        projUniform: new Float32Array(4 * MAX_CHUNKS * 2),
        maxTexture: gl.getParameter(gl.MAX_TEXTURE_SIZE),
      };
      return "";
    } catch (err) {
      console.error(err);
      this.g = null;
      return String(err.message || err);
    }
  }

  /**
   * The program for `source`, built on first use.
   * @param {{mode: "attributes"|"texture", chunks: number}} source
   */
  program(source) {
    const g = this.g;
    const gl = /** @type {WebGL2RenderingContext} */ (this.gl);
    const key = `${source.mode}:${source.chunks}`;
    let p = g.programs.get(key);
    if (!p) {
      /** @type {Record<string, number>} */
      const attribs = { a_label: LABEL_LOCATION, a_selected: SELECTED_LOCATION };
      if (source.mode === "attributes") {
        for (let c = 0; c < source.chunks; c++) {
          for (const slot of [0, 1]) attribs[frameAttribute(slot, c)] = frameLocation(slot, c);
        }
      }
      const prog = createProgram(gl, vertexShader(source.mode, source.chunks), FRAGMENT_SHADER, attribs);
      p = { prog, u: uniformLocations(gl, prog, UNIFORMS) };
      g.programs.set(key, p);
    }
    return p;
  }

  /** Whether the layer can draw (set up, context not lost). */
  get ready() {
    return Boolean(this.g && this.gl && !this.gl.isContextLost());
  }

  /** Whether points are uploaded. */
  get hasPoints() {
    return Boolean(this.g?.source);
  }

  /** The context was lost: forget every GL object (they are gone). */
  lost() {
    this.g = null;
  }

  /**
   * Upload the points [T, n, d]; returns an error message, or "". With `filled` (values
   * from the start that have arrived, the rest still streaming), the buffer path sizes
   * its buffer for all and uploads those (the rest follow by {@link uploadRange}); the
   * texture path waits for all.
   * @param {{points: Float32Array, frames: number, n: number, d: number}} data
   * @param {number} [filled]
   */
  uploadPoints(data, filled) {
    const g = this.g;
    const gl = this.gl;
    if (!g || !gl) return "";
    if (g.dataTex) gl.deleteTexture(g.dataTex);
    g.dataTex = null;
    g.source = null;
    const { points, frames, n, d } = data;
    const source = pointSource(d);
    try {
      this.program(source);
      const total = frames * n * d;
      if (source.mode === "attributes") {
        gl.bindBuffer(gl.ARRAY_BUFFER, g.pointBuffer);
        if (filled === undefined || filled >= total) {
          gl.bufferData(gl.ARRAY_BUFFER, points.subarray(0, total), gl.STATIC_DRAW);
        } else {
          gl.bufferData(gl.ARRAY_BUFFER, 4 * total, gl.STATIC_DRAW);
          if (filled > 0) gl.bufferSubData(gl.ARRAY_BUFFER, 0, points, 0, filled);
        }
      } else if (filled !== undefined && filled < total) {
        return ""; // the texture is built once all points are here
      } else {
        gl.bindBuffer(gl.ARRAY_BUFFER, g.pointBuffer);
        gl.bufferData(gl.ARRAY_BUFFER, 4, gl.STATIC_DRAW); // free the buffer path's memory
        g.layout = textureLayout(frames, n, d, g.maxTexture);
        g.dataTex = floatTexture(gl, 0, g.layout.width, g.layout.height, packPoints(points, frames, n, d, g.layout));
      }
      g.source = source;
      return "";
    } catch (err) {
      console.error(err);
      return String(err.message || err);
    }
  }

  /**
   * Upload values [offset, offset + length) of streamed points that just arrived; when
   * `complete`, a texture-path layer builds its texture now.
   * @param {{points: Float32Array, frames: number, n: number, d: number}} data
   * @param {number} offset
   * @param {number} length
   * @param {boolean} complete
   */
  uploadRange(data, offset, length, complete) {
    const g = this.g;
    const gl = this.gl;
    if (!g || !gl) return "";
    if (g.source?.mode === "attributes") {
      gl.bindBuffer(gl.ARRAY_BUFFER, g.pointBuffer);
      gl.bufferSubData(gl.ARRAY_BUFFER, 4 * offset, data.points, offset, length);
      return "";
    }
    return complete ? this.uploadPoints(data) : "";
  }

  /**
   * @param {Int32Array} labels  one class per point
   */
  uploadLabels(labels) {
    const g = this.g;
    const gl = this.gl;
    if (!g || !gl) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, g.labelBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, labels, gl.STATIC_DRAW);
  }

  /**
   * @param {Iterable<number>} selected
   * @param {number} n
   */
  uploadSelection(selected, n) {
    const g = this.g;
    const gl = this.gl;
    if (!g || !gl) return;
    const flags = new Uint8Array(n);
    for (const i of selected) flags[i] = 255;
    gl.bindBuffer(gl.ARRAY_BUFFER, g.selectedBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, flags, gl.DYNAMIC_DRAW);
  }

  /**
   * @param {number} count  number of classes
   * @param {Set<number>} hidden
   * @param {(k: number) => string} colorOf
   */
  uploadClasses(count, hidden, colorOf) {
    const g = this.g;
    if (!g || !this.gl) return;
    const k = Math.min(count, g.maxTexture);
    g.classCount = Math.max(1, k);
    g.classTex = byteRowTexture(this.gl, 1, classBytes(k, hidden, colorOf), g.classTex);
  }

  /**
   * Point the frame attributes of the VAO at frames f0 and f1 (the buffer path).
   * @param {number} f0
   * @param {number} f1
   * @param {number} n
   * @param {number} d
   * @param {number} chunks
   */
  bindFrames(f0, f1, n, d, chunks) {
    const g = this.g;
    const gl = /** @type {WebGL2RenderingContext} */ (this.gl);
    gl.bindBuffer(gl.ARRAY_BUFFER, g.pointBuffer);
    for (let c = 0; c < Math.max(chunks, g.enabled); c++) {
      for (const slot of [0, 1]) {
        const loc = frameLocation(slot, c);
        if (c >= chunks) {
          gl.disableVertexAttribArray(loc);
          continue;
        }
        const f = slot === 0 ? f0 : f1;
        gl.enableVertexAttribArray(loc);
        gl.vertexAttribPointer(loc, Math.min(4, d - 4 * c), gl.FLOAT, false, 4 * d, 4 * (f * n * d + 4 * c));
      }
    }
    g.enabled = chunks;
  }

  /** @param {PointsFrame} f */
  draw(f) {
    const g = this.g;
    const gl = this.gl;
    if (!g || !gl || !g.source || gl.isContextLost()) return;
    const { frames, n, d } = f.shape;
    const source = g.source;
    const { prog, u } = this.program(source);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(prog);
    g.projUniform.fill(0);
    for (let k = 0; k < 2 * d; k++) g.projUniform[k] = f.projection[k];
    const f0 = Math.floor(f.frame);
    const f1 = Math.min(f0 + 1, frames - 1);
    gl.uniform2fv(u.u_proj, g.projUniform);
    gl.uniform1f(u.u_mix, f.frame - f0);
    gl.uniform1i(u.u_classCount, g.classCount || 1);
    gl.uniform2f(u.u_center, f.view.x0 ?? 0, f.view.y0 ?? 0);
    gl.uniform2f(u.u_scale, (2 * f.view.scale) / f.view.w, (2 * f.view.scale) / f.view.h);
    gl.uniform1f(u.u_size, f.size);
    gl.uniform1f(u.u_hasSelection, f.hasSelection ? 1 : 0);
    const ring = parseColor(f.ring);
    gl.uniform3f(u.u_ring, ring[0] / 255, ring[1] / 255, ring[2] / 255);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, g.classTex);
    gl.uniform1i(u.u_classes, 1);
    gl.bindVertexArray(g.vao);
    if (source.mode === "attributes") {
      this.bindFrames(f0, f1, n, d, source.chunks);
    } else {
      if (g.enabled) this.bindFrames(0, 0, n, d, 0);
      gl.uniform1i(u.u_f0, f0);
      gl.uniform1i(u.u_f1, f1);
      gl.uniform1i(u.u_n, n);
      gl.uniform1i(u.u_width, g.layout.width);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, g.dataTex);
      gl.uniform1i(u.u_data, 0);
    }
    const count = Math.min(n, f.count ?? n);
    const subset = Math.min(count, f.subset ?? count);
    if (count === n && subset < n) {
      this.bindSubset(n);
      gl.drawElements(gl.POINTS, subset, gl.UNSIGNED_INT, 0);
    } else {
      gl.drawArrays(gl.POINTS, 0, count);
    }
    gl.bindVertexArray(null);
  }

  /**
   * Bind (and on first use for this n, fill) the element buffer of shuffled indices on the
   * VAO: its first k entries are the random subset of k points.
   * @param {number} n
   */
  bindSubset(n) {
    const g = this.g;
    const gl = /** @type {WebGL2RenderingContext} */ (this.gl);
    if (!g.indexBuffer) g.indexBuffer = gl.createBuffer();
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, g.indexBuffer);
    if (g.indexN !== n) {
      gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, shuffledIndices(n), gl.STATIC_DRAW);
      g.indexN = n;
    }
  }

  /** Delete every GL object and give the context back (browsers cap live contexts). */
  destroy() {
    const gl = this.gl;
    const g = this.g;
    if (gl && g && !gl.isContextLost()) {
      gl.deleteTexture(g.dataTex);
      gl.deleteTexture(g.classTex);
      gl.deleteBuffer(g.labelBuffer);
      gl.deleteBuffer(g.selectedBuffer);
      gl.deleteBuffer(g.pointBuffer);
      if (g.indexBuffer) gl.deleteBuffer(g.indexBuffer);
      gl.deleteVertexArray(g.vao);
      for (const { prog } of g.programs.values()) gl.deleteProgram(prog);
      gl.getExtension("WEBGL_lose_context")?.loseContext();
    }
    this.g = null;
    this.gl = null;
  }
}
