// GLSL ES 3.00 sources of the scatter. The vertex shader does the projection: it fetches
// the point's d values for frames f0 and f1 from the data texture (layout in
// data_texture.js), mixes them, and multiplies by the d×2 projection in `u_proj`.

/** Texels per point per frame the shader loops over at most (MAX_DIM / 4). */
export const MAX_CHUNKS = 32;

export const VERTEX_SHADER = `#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;

uniform sampler2D u_data;     // RGBA32F, see data_texture.js
uniform sampler2D u_classes;  // K×1 RGBA8: class colour; alpha 0 = hidden
uniform int u_n;
uniform int u_chunks;
uniform int u_width;
uniform int u_f0;
uniform int u_f1;
uniform float u_mix;
uniform int u_classCount;
uniform vec2 u_proj[${4 * MAX_CHUNKS}];
uniform vec2 u_scale;         // projection units -> clip space
uniform float u_size;         // device px
uniform float u_hasSelection;

in int a_label;
in float a_selected;

out vec4 v_color;
out float v_selected;

vec4 fetchChunk(int f, int c) {
  int k = (f * u_n + gl_VertexID) * u_chunks + c;
  return texelFetch(u_data, ivec2(k % u_width, k / u_width), 0);
}

void main() {
  vec4 cls = texelFetch(u_classes, ivec2(clamp(a_label, 0, u_classCount - 1), 0), 0);
  if (cls.a < 0.5) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // hidden class: outside the clip volume
    gl_PointSize = 0.0;
    return;
  }
  vec2 p = vec2(0.0);
  for (int c = 0; c < ${MAX_CHUNKS}; c++) {
    if (c >= u_chunks) break;
    vec4 v = fetchChunk(u_f0, c);
    if (u_mix > 0.0) v = mix(v, fetchChunk(u_f1, c), u_mix);  // between frames only
    int b = 4 * c;
    p += v.x * u_proj[b] + v.y * u_proj[b + 1] + v.z * u_proj[b + 2] + v.w * u_proj[b + 3];
  }
  gl_Position = vec4(p * u_scale, 0.0, 1.0);
  bool selected = a_selected > 0.5;
  float alpha = (u_hasSelection > 0.5 && !selected) ? 0.22 : 0.85;
  gl_PointSize = selected ? u_size * 1.7 : u_size;
  v_color = vec4(cls.rgb, alpha);
  v_selected = selected ? 1.0 : 0.0;
}
`;

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
