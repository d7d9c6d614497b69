// Small WebGL2 helpers: compile/link with readable errors, make float and byte textures.

/**
 * Compile and link a program; throws with the driver's log on failure. `attribs` fixes
 * attribute locations (name → index) before linking.
 * @param {WebGL2RenderingContext} gl
 * @param {string} vertexSource
 * @param {string} fragmentSource
 * @param {Record<string, number>} [attribs]
 */
export function createProgram(gl, vertexSource, fragmentSource, attribs = {}) {
  const compile = (type, src) => {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) {
      const log = gl.getShaderInfoLog(s);
      gl.deleteShader(s);
      throw new Error(`GrandTour: shader failed to compile: ${log}`);
    }
    return s;
  };
  const vs = compile(gl.VERTEX_SHADER, vertexSource);
  const fs = compile(gl.FRAGMENT_SHADER, fragmentSource);
  const prog = gl.createProgram();
  gl.attachShader(prog, vs);
  gl.attachShader(prog, fs);
  for (const [name, index] of Object.entries(attribs)) gl.bindAttribLocation(prog, index, name);
  gl.linkProgram(prog);
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) {
    const log = gl.getProgramInfoLog(prog);
    gl.deleteProgram(prog);
    throw new Error(`GrandTour: shader program failed to link: ${log}`);
  }
  return prog;
}

/** Uniform locations of `names`, keyed by name. */
export function uniformLocations(gl, prog, names) {
  const out = {};
  for (const n of names) out[n] = gl.getUniformLocation(prog, n);
  return out;
}

function texture(gl, unit) {
  const tex = gl.createTexture();
  gl.activeTexture(gl.TEXTURE0 + unit);
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return tex;
}

/** An RGBA32F texture of width×height holding `data` (read with texelFetch only). */
export function floatTexture(gl, unit, width, height, data) {
  const tex = texture(gl, unit);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, width, height, 0, gl.RGBA, gl.FLOAT, data);
  return tex;
}

/** An RGBA8 texture of width×1 holding `bytes`; re-upload with the same call. */
export function byteRowTexture(gl, unit, bytes, tex = null) {
  if (!tex) tex = texture(gl, unit);
  gl.activeTexture(gl.TEXTURE0 + unit);
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, bytes.length / 4, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
  return tex;
}

/** "#rrggbb" (or "rgb(r, g, b)") as [r, g, b] bytes; black when unreadable. */
export function parseColor(css) {
  const s = String(css).trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) {
    const v = parseInt(m[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16));
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [+m[1], +m[2], +m[3]].map((v) => Math.round(Math.min(255, Math.max(0, v))));
  return [0, 0, 0];
}

/**
 * The class texture's bytes: palette colour per class, alpha 255 when shown, 0 when hidden.
 * @param {number} count  number of classes (≥ 1)
 * @param {Set<number>} hidden
 * @param {(k: number) => string} colorOf
 */
export function classBytes(count, hidden, colorOf) {
  const out = new Uint8Array(4 * Math.max(1, count));
  for (let k = 0; k < Math.max(1, count); k++) {
    const [r, g, b] = parseColor(colorOf(k));
    out.set([r, g, b, hidden.has(k) ? 0 : 255], 4 * k);
  }
  return out;
}
