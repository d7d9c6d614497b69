// GLSL ES 3.00 sources of the scatter. The vertex shader does the projection: it reads the
// point's d values for frames f0 and f1, mixes them, and multiplies by the d×2 projection
// in `u_proj`. Where the values come from depends on d:
//
//   - "attributes" (d ≤ MAX_ATTRIBUTE_DIM): the points [T, n, d] sit unchanged in one
//     vertex buffer, read as ceil(d/4) vec4 attributes per frame whose offsets pick f0 and
//     f1. No repacking on upload and no texture arithmetic per vertex: under software
//     WebGL this draws 100k points about twice as fast as the texture path, and a million
//     points reach the GPU with one buffer copy.
//   - "texture" (wider d): the points in a float texture (layout in data_texture.js),
//     fetched with texelFetch, ceil(d/4) texels per frame.
//
// The chunk count is a compile-time constant, so the loop unrolls; a program is built per
// (mode, chunks) when first needed.

/** Texels per point per frame the texture path loops over at most (MAX_DIM / 4). */
export const MAX_CHUNKS = 32;

/** Two frames of ceil(d/4) vec4 attributes each, plus the label and selection flag, fit in
 * WebGL2's minimum of 16 vertex attributes up to this d. */
export const MAX_ATTRIBUTE_DIM = 28;

/**
 * How a tour of d dims reads its points: "attributes" or "texture", and its chunk count.
 * @param {number} d
 * @returns {{mode: "attributes"|"texture", chunks: number}}
 */
export function pointSource(d) {
  return { mode: d <= MAX_ATTRIBUTE_DIM ? "attributes" : "texture", chunks: Math.ceil(d / 4) };
}

const COMMON = `#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;

uniform sampler2D u_classes;  // K×1 RGBA8: class colour; alpha 0 = hidden
uniform int u_classCount;
uniform float u_mix;
uniform vec2 u_proj[${4 * MAX_CHUNKS}];
uniform vec2 u_center;        // projection units at the middle of the canvas
uniform vec2 u_scale;         // projection units -> clip space
uniform float u_size;         // device px
uniform float u_hasSelection;

in int a_label;
in float a_selected;

out vec4 v_color;
out float v_selected;
`;

const MAIN_TAIL = `
  gl_Position = vec4((p - u_center) * u_scale, 0.0, 1.0);
  bool selected = a_selected > 0.5;
  float alpha = (u_hasSelection > 0.5 && !selected) ? 0.22 : 0.85;
  gl_PointSize = selected ? u_size * 1.7 : u_size;
  v_color = vec4(cls.rgb, alpha);
  v_selected = selected ? 1.0 : 0.0;
}
`;

const HIDDEN = `
  vec4 cls = texelFetch(u_classes, ivec2(clamp(a_label, 0, u_classCount - 1), 0), 0);
  if (cls.a < 0.5) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // hidden class: outside the clip volume
    gl_PointSize = 0.0;
    return;
  }
  vec2 p = vec2(0.0);
`;

/**
 * The attribute names of frame slot `slot` (0: f0, 1: f1), chunk c.
 * @param {number} slot
 * @param {number} c
 */
export const frameAttribute = (slot, c) => `a_f${slot}_${c}`;

/**
 * The vertex shader for `mode` and `chunks` (see {@link pointSource}).
 * @param {"attributes"|"texture"} mode
 * @param {number} chunks
 */
export function vertexShader(mode, chunks) {
  if (mode === "attributes") {
    let decl = "";
    let body = "";
    for (let c = 0; c < chunks; c++) {
      decl += `in vec4 ${frameAttribute(0, c)};\nin vec4 ${frameAttribute(1, c)};\n`;
      body += `  { vec4 v = mix(${frameAttribute(0, c)}, ${frameAttribute(1, c)}, u_mix);
    p += v.x * u_proj[${4 * c}] + v.y * u_proj[${4 * c + 1}] + v.z * u_proj[${4 * c + 2}] + v.w * u_proj[${4 * c + 3}]; }\n`;
    }
    return `${COMMON}${decl}\nvoid main() {${HIDDEN}${body}${MAIN_TAIL}`;
  }
  return `${COMMON}
uniform sampler2D u_data;     // RGBA32F, see data_texture.js
uniform int u_n;
uniform int u_width;
uniform int u_f0;
uniform int u_f1;

vec4 fetchChunk(int f, int c) {
  int k = (f * u_n + gl_VertexID) * ${chunks} + c;
  return texelFetch(u_data, ivec2(k % u_width, k / u_width), 0);
}

void main() {${HIDDEN}
  for (int c = 0; c < ${chunks}; c++) {
    vec4 v = fetchChunk(u_f0, c);
    if (u_mix > 0.0) v = mix(v, fetchChunk(u_f1, c), u_mix);  // between frames only
    int b = 4 * c;
    p += v.x * u_proj[b] + v.y * u_proj[b + 1] + v.z * u_proj[b + 2] + v.w * u_proj[b + 3];
  }
${MAIN_TAIL}`;
}

export const FRAGMENT_SHADER = `#version 300 es
precision highp float;

uniform vec3 u_ring;  // outline of selected points (the theme's text colour)

in vec4 v_color;
in float v_selected;
out vec4 outColor;

void main() {
  vec2 q = gl_PointCoord * 2.0 - 1.0;
  float r = dot(q, q);
  if (r > 1.0) discard;
  vec3 rgb = (v_selected > 0.5 && r > 0.45) ? u_ring : v_color.rgb;
  float a = v_color.a * (1.0 - smoothstep(0.8, 1.0, r));
  outColor = vec4(rgb * a, a);  // premultiplied
}
`;
