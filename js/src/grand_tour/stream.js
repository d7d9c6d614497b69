// Points that Python streams in pieces (nbviz/widgets/streaming.py), assembled once per
// model and shared by every view of it.
//
// A large `points` trait holds a header {dtype, shape, stream: token} and no buffer. The
// first view that meets a header allocates the whole array and asks Python for it
// (POINTS_PULL); Python answers with POINTS_CHUNK pieces in order, which every view of
// the model receives: the first writes a piece into the shared array, and each view
// uploads it to its own GPU buffer. A second view rendered later finds the array (done,
// or still filling) in the model's store.

/**
 * An array being assembled.
 * @typedef {Object} Assembly
 * @property {number} token
 * @property {number[]} shape
 * @property {Float32Array} data  the whole array, filled from the start
 * @property {number} received  values filled so far
 * @property {boolean} complete
 */

/** @type {WeakMap<object, Map<number, Assembly>>} model → token → assembly */
const stores = new WeakMap();

/**
 * Whether a trait value is a stream header (and not an array).
 * @param {unknown} value
 * @returns {value is {dtype: string, shape: number[], stream: number}}
 */
export function isStreamHeader(value) {
  const v = /** @type {any} */ (value);
  return Boolean(v && typeof v === "object" && Number.isInteger(v.stream) && Array.isArray(v.shape));
}

/**
 * The assembly of `header` for `model`: the one under way, or a new one (then
 * `pull(token)` asks Python for it). Older streams of the model are forgotten.
 * @param {object} model
 * @param {{dtype: string, shape: number[], stream: number}} header
 * @param {(token: number) => void} pull
 * @returns {Assembly}
 */
export function assemblyFor(model, header, pull) {
  if (header.dtype !== "float32") throw new Error(`GrandTour: streamed points must be float32, got ${header.dtype}`);
  let store = stores.get(model);
  if (!store) {
    store = new Map();
    stores.set(model, store);
  }
  let a = store.get(header.stream);
  if (!a) {
    for (const token of [...store.keys()]) if (token < header.stream) store.delete(token);
    const total = header.shape.reduce((p, s) => p * s, 1);
    a = {
      token: header.stream,
      shape: header.shape,
      data: new Float32Array(total),
      received: 0,
      complete: total === 0,
    };
    store.set(header.stream, a);
    pull(header.stream);
  }
  return a;
}

/**
 * Take a POINTS_CHUNK message: write its values into the model's assembly (once, however
 * many views receive it). Returns the assembly and the piece's range, or null when the
 * piece belongs to no stream under way (replaced since, or malformed).
 * @param {object} model
 * @param {{token: number, offset: number, length: number, total: number}} content
 * @param {DataView[]} buffers
 * @returns {{assembly: Assembly, offset: number, length: number}|null}
 */
export function acceptChunk(model, content, buffers) {
  const a = stores.get(model)?.get(content.token);
  const buf = buffers?.[0];
  if (!a || !buf || content.total !== a.data.length) return null;
  const { offset, length } = content;
  if (!(offset >= 0 && offset + length <= a.data.length) || buf.byteLength !== 4 * length) return null;
  if (offset === a.received) {
    // The buffer's bytes may sit at any alignment: copy through a byte view.
    new Uint8Array(a.data.buffer, 4 * offset, 4 * length).set(
      new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
    );
    a.received = offset + length;
    a.complete = a.received === a.data.length;
  } else if (offset > a.received) {
    return null; // out of order: cannot happen on one comm; ignore rather than leave a hole
  }
  return { assembly: a, offset, length };
}
