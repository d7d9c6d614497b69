// Binary arrays between Python (nbviz/widgets/codec.py) and the views, as typed arrays.
//
// A trait or message carries `{dtype, shape, buffer}`; ipywidgets hands the buffer to
// the view as a DataView. decodeArray wraps it in a typed array of that dtype without
// copying, unless the view's byte offset is not a multiple of the element size (typed
// arrays cannot start there), in which case it copies once. encodeArray is the way back:
// a view sets an array trait to its result, and ipywidgets lifts the DataView out of the
// state into a binary frame that Python's `decode_array` reads.

/** The typed-array constructor for each dtype that crosses the wire. */
export const DTYPES = Object.freeze({
  float32: Float32Array,
  uint8: Uint8Array,
  int32: Int32Array,
});

/**
 * @typedef {Object} DecodedArray
 * @property {Float32Array|Uint8Array|Int32Array} data  the values, row-major
 * @property {number[]} shape
 * @property {"float32"|"uint8"|"int32"} dtype
 */

/** @param {unknown} shape */
function checkShape(shape) {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new Error(`nbviz codec: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The bytes behind a buffer as `{buffer, byteOffset, byteLength}`.
 * @param {DataView|ArrayBuffer|ArrayBufferView} buf
 */
function bytesOf(buf) {
  if (buf instanceof ArrayBuffer) return { buffer: buf, byteOffset: 0, byteLength: buf.byteLength };
  if (ArrayBuffer.isView(buf)) return { buffer: buf.buffer, byteOffset: buf.byteOffset, byteLength: buf.byteLength };
  throw new Error(
    `nbviz codec: expected a DataView, ArrayBuffer or typed array buffer, got ${buf === null ? "null" : typeof buf}`,
  );
}

/**
 * Wrap an encoded array as a typed array (zero-copy when the offset is aligned).
 * @param {{dtype: string, shape: number[], buffer: DataView|ArrayBuffer|ArrayBufferView}} encoded
 * @returns {DecodedArray}
 */
export function decodeArray(encoded) {
  if (encoded === null || typeof encoded !== "object") {
    throw new Error(`nbviz codec: expected {dtype, shape, buffer}, got ${String(encoded)}`);
  }
  const { dtype, shape, buffer } = encoded;
  const Ctor = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (!Ctor) {
    throw new Error(
      `nbviz codec: unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPES).join(", ")}`,
    );
  }
  const size = checkShape(shape);
  const bytes = bytesOf(buffer);
  const need = size * Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== need) {
    throw new Error(
      `nbviz codec: ${dtype} array of shape [${shape.join(", ")}] needs ${need} bytes, buffer has ${bytes.byteLength}`,
    );
  }
  let data;
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) {
    data = new Ctor(bytes.buffer, bytes.byteOffset, size);
  } else {
    const copy = new Uint8Array(need);
    copy.set(new Uint8Array(bytes.buffer, bytes.byteOffset, need));
    data = new Ctor(copy.buffer, 0, size);
  }
  return { data, shape: shape.slice(), dtype: /** @type {DecodedArray["dtype"]} */ (dtype) };
}

/**
 * Decode an array that may be absent (`null`/`undefined` pass through as `null`).
 * @returns {DecodedArray|null}
 */
export function decodeOptionalArray(encoded) {
  return encoded === null || encoded === undefined ? null : decodeArray(encoded);
}

/**
 * A model's array trait, checked: `null` when it is absent, and also (with the reason on
 * the console, prefixed by `owner`) when its dtype is not `dtype` or `check(shape)` fails,
 * so a bad trait blanks one panel instead of breaking the view.
 * @param {{get: Function}} model
 * @param {(shape: number[]) => boolean} check
 * @returns {DecodedArray|null}
 */
export function decodeTrait(model, name, dtype, check, owner) {
  try {
    const a = decodeOptionalArray(model.get(name));
    if (!a) return null;
    if (a.dtype !== dtype) throw new Error(`${owner}: ${name} must be ${dtype}, got ${a.dtype}`);
    if (!check(a.shape)) throw new Error(`${owner}: ${name} has an unexpected shape [${a.shape.join(", ")}]`);
    return a;
  } catch (err) {
    console.error(err);
    return null;
  }
}

/**
 * A typed array as `{dtype, shape, buffer}` for an array trait written from the view: the
 * DataView shares `data`'s memory, so `data` must not change after the write (write a new
 * array each time). Python's ArrayTrait deserializer (`decode_array`) reads it as is.
 * @example encodeArray(Uint8Array.of(1, 2, 3, 4), [2, 2]) // {dtype: "uint8", shape: [2, 2], buffer: DataView}
 * @param {Float32Array|Uint8Array|Uint8ClampedArray|Int32Array} data  row-major values
 * @param {number[]} shape
 * @returns {{dtype: "float32"|"uint8"|"int32", shape: number[], buffer: DataView}}
 */
export function encodeArray(data, shape) {
  const dtype =
    data instanceof Float32Array
      ? "float32"
      : data instanceof Uint8Array || data instanceof Uint8ClampedArray
        ? "uint8"
        : data instanceof Int32Array
          ? "int32"
          : null;
  if (!dtype) throw new Error("nbviz codec: encodeArray takes a Float32Array, Uint8Array or Int32Array");
  const size = checkShape(shape);
  if (size !== data.length) {
    throw new Error(`nbviz codec: shape [${shape.join(", ")}] needs ${size} values, got ${data.length}`);
  }
  return { dtype, shape: shape.slice(), buffer: new DataView(data.buffer, data.byteOffset, data.byteLength) };
}

/** Set a model trait from the view and sync it to Python, unless it already holds `value`. */
export function writeTrait(model, name, value) {
  if (model.get(name) === value) return;
  model.set(name, value);
  model.save_changes();
}

/**
 * The arrays of a custom message built by Python's `pack_arrays`.
 * `content.arrays` is `{name: {dtype, shape, index}}`, `index` pointing into `buffers`.
 * @param {{arrays?: Record<string, {dtype: string, shape: number[], index: number}>}} content
 * @param {Array<DataView|ArrayBuffer|ArrayBufferView>} buffers
 * @returns {Record<string, DecodedArray>}
 */
export function unpackArrays(content, buffers = []) {
  const meta = content?.arrays || {};
  const out = {};
  for (const [name, m] of Object.entries(meta)) {
    if (!Number.isInteger(m.index) || m.index < 0 || m.index >= buffers.length) {
      throw new Error(
        `nbviz codec: array ${JSON.stringify(name)} points at buffer ${m.index}, but the message has ${buffers.length}`,
      );
    }
    try {
      out[name] = decodeArray({ dtype: m.dtype, shape: m.shape, buffer: buffers[m.index] });
    } catch (err) {
      throw new Error(`${err.message} (array ${JSON.stringify(name)})`);
    }
  }
  return out;
}
