import { describe, expect, it, vi } from "vitest";
import {
  DTYPES,
  decodeArray,
  decodeOptionalArray,
  decodeTrait,
  encodeArray,
  unpackArrays,
  writeTrait,
} from "../src/lib/codec.js";
import { encoded, FakeModel } from "./fake_model.js";

function viewOf(typed, pad = 0) {
  // The values placed `pad` bytes into a larger buffer, seen through a DataView.
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  const ab = new ArrayBuffer(bytes.length + pad + 8);
  new Uint8Array(ab, pad, bytes.length).set(bytes);
  return new DataView(ab, pad, bytes.length);
}

describe("decodeArray", () => {
  const cases = [
    ["float32", Float32Array, [1.5, -2, 3.25, 0, 1e-3, 7]],
    ["uint8", Uint8Array, [0, 1, 128, 255, 7, 9]],
    ["int32", Int32Array, [-2147483648, -1, 0, 1, 2147483647, 42]],
  ];
  for (const [dtype, Ctor, values] of cases) {
    it(`decodes ${dtype} with its shape and values`, () => {
      const src = Ctor.from(values);
      const out = decodeArray({ dtype, shape: [2, 3], buffer: viewOf(src) });
      expect(out.dtype).toBe(dtype);
      expect(out.shape).toEqual([2, 3]);
      expect(out.data).toBeInstanceOf(Ctor);
      expect(Array.from(out.data)).toEqual(Array.from(src));
    });

    it(`wraps an aligned ${dtype} DataView without copying`, () => {
      const pad = 4 * Ctor.BYTES_PER_ELEMENT;
      const buffer = viewOf(Ctor.from(values), pad);
      const out = decodeArray({ dtype, shape: [6], buffer });
      expect(out.data.buffer).toBe(buffer.buffer);
      expect(out.data.byteOffset).toBe(pad);
      // A write through the DataView shows in the typed array: same memory.
      buffer.setUint8(0, 3);
      expect(new Uint8Array(out.data.buffer, out.data.byteOffset, 1)[0]).toBe(3);
    });
  }

  it("copies when the offset is not a multiple of the element size", () => {
    const buffer = viewOf(Float32Array.from([1, 2, 3]), 1);
    const out = decodeArray({ dtype: "float32", shape: [3], buffer });
    expect(Array.from(out.data)).toEqual([1, 2, 3]);
    expect(out.data.buffer).not.toBe(buffer.buffer);
    expect(out.data.byteOffset).toBe(0);
  });

  it("accepts ArrayBuffers and typed arrays as buffers", () => {
    const a = Int32Array.from([5, 6]);
    expect(Array.from(decodeArray({ dtype: "int32", shape: [2], buffer: a.buffer }).data)).toEqual([5, 6]);
    expect(decodeArray({ dtype: "int32", shape: [2], buffer: a }).data.buffer).toBe(a.buffer);
  });

  it("decodes empty arrays and scalars", () => {
    expect(decodeArray({ dtype: "uint8", shape: [0, 4], buffer: new ArrayBuffer(0) }).data.length).toBe(0);
    expect(Array.from(decodeArray({ dtype: "float32", shape: [], buffer: Float32Array.of(2) }).data)).toEqual([2]);
  });

  it("rejects unknown dtypes, naming the accepted ones", () => {
    expect(() => decodeArray({ dtype: "float64", shape: [1], buffer: new ArrayBuffer(8) })).toThrow(
      /unknown dtype "float64".*float32, uint8, int32/,
    );
    expect(() => decodeArray({ dtype: "toString", shape: [1], buffer: new ArrayBuffer(8) })).toThrow(/unknown dtype/);
  });

  it("rejects a buffer whose size does not match the shape", () => {
    expect(() => decodeArray({ dtype: "float32", shape: [2, 3], buffer: new ArrayBuffer(20) })).toThrow(
      /shape \[2, 3\] needs 24 bytes, buffer has 20/,
    );
  });

  it("rejects bad shapes and missing buffers", () => {
    expect(() => decodeArray({ dtype: "uint8", shape: [-1], buffer: new ArrayBuffer(0) })).toThrow(/shape/);
    expect(() => decodeArray({ dtype: "uint8", shape: "3", buffer: new ArrayBuffer(3) })).toThrow(/shape/);
    expect(() => decodeArray({ dtype: "uint8", shape: [3], buffer: null })).toThrow(/DataView/);
    expect(() => decodeArray(null)).toThrow(/dtype, shape, buffer/);
  });

  it("exposes the three wire dtypes", () => {
    expect(Object.keys(DTYPES).sort()).toEqual(["float32", "int32", "uint8"]);
  });

  it("decodeOptionalArray passes null through", () => {
    expect(decodeOptionalArray(null)).toBeNull();
    expect(decodeOptionalArray(undefined)).toBeNull();
  });
});

describe("encodeArray", () => {
  it("encodes each wire dtype as a DataView over the same memory, and decodes back", () => {
    for (const [dtype, typed] of [
      ["float32", Float32Array.of(1.5, -2, 3, 4)],
      ["uint8", Uint8Array.of(0, 7, 128, 255)],
      ["int32", Int32Array.of(-1, 0, 1, 2147483647)],
    ]) {
      const enc = encodeArray(typed, [2, 2]);
      expect(enc.dtype).toBe(dtype);
      expect(enc.shape).toEqual([2, 2]);
      expect(enc.buffer).toBeInstanceOf(DataView);
      expect(enc.buffer.buffer).toBe(typed.buffer);
      expect(enc.buffer.byteLength).toBe(typed.byteLength);
      expect(Array.from(decodeArray(enc).data)).toEqual(Array.from(typed));
    }
  });

  it("keeps a subarray's offset and takes clamped bytes as uint8", () => {
    const whole = Uint8Array.of(9, 9, 1, 2, 3);
    const enc = encodeArray(whole.subarray(2), [3]);
    expect(enc.buffer.byteOffset).toBe(2);
    expect(Array.from(decodeArray(enc).data)).toEqual([1, 2, 3]);
    expect(encodeArray(Uint8ClampedArray.of(4), [1, 1]).dtype).toBe("uint8");
  });

  it("refuses other arrays and shapes that do not fit", () => {
    expect(() => encodeArray(/** @type {any} */ (Float64Array.of(1)), [1])).toThrow(/Float32Array/);
    expect(() => encodeArray(Uint8Array.of(1, 2, 3), [2, 2])).toThrow(/needs 4 values, got 3/);
    expect(() => encodeArray(Uint8Array.of(1), [-1])).toThrow(/non-negative/);
  });
});

describe("unpackArrays", () => {
  it("decodes every array of a pack_arrays message by its buffer index", () => {
    const content = {
      type: "frame",
      arrays: {
        points: { dtype: "float32", shape: [2, 2], index: 1 },
        ids: { dtype: "int32", shape: [3], index: 0 },
      },
    };
    const buffers = [viewOf(Int32Array.from([7, 8, 9])), viewOf(Float32Array.from([1, 2, 3, 4]))];
    const out = unpackArrays(content, buffers);
    expect(Object.keys(out).sort()).toEqual(["ids", "points"]);
    expect(Array.from(out.ids.data)).toEqual([7, 8, 9]);
    expect(out.points.shape).toEqual([2, 2]);
    expect(Array.from(out.points.data)).toEqual([1, 2, 3, 4]);
  });

  it("returns nothing for a message without arrays", () => {
    expect(unpackArrays({ type: "ping" }, [])).toEqual({});
  });

  it("names the array whose buffer is missing or wrong", () => {
    const content = { arrays: { x: { dtype: "uint8", shape: [2], index: 2 } } };
    expect(() => unpackArrays(content, [new ArrayBuffer(2)])).toThrow(/"x" points at buffer 2, but the message has 1/);
    const bad = { arrays: { y: { dtype: "int32", shape: [2], index: 0 } } };
    expect(() => unpackArrays(bad, [new ArrayBuffer(4)])).toThrow(/needs 8 bytes.*\(array "y"\)/);
  });
});

describe("decodeTrait and writeTrait", () => {
  it("decodes a checked trait, or logs why not and gives null", () => {
    const model = new FakeModel({ a: encoded(Uint8Array.of(1, 2, 3, 4), [2, 2], "uint8"), none: null });
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(Array.from(decodeTrait(model, "a", "uint8", (s) => s.length === 2, "V").data)).toEqual([1, 2, 3, 4]);
    expect(decodeTrait(model, "none", "uint8", () => true, "V")).toBeNull();
    expect(err).not.toHaveBeenCalled();
    expect(decodeTrait(model, "a", "float32", () => true, "V")).toBeNull();
    expect(String(err.mock.calls[0][0])).toContain("V: a must be float32, got uint8");
    expect(decodeTrait(model, "a", "uint8", (s) => s.length === 3, "V")).toBeNull();
    expect(String(err.mock.calls[1][0])).toContain("V: a has an unexpected shape [2, 2]");
    err.mockRestore();
  });

  it("writes and syncs only a changed value", () => {
    const model = new FakeModel({ x: 1 });
    const save = vi.spyOn(model, "save_changes");
    writeTrait(model, "x", 1);
    expect(save).not.toHaveBeenCalled();
    writeTrait(model, "x", 2);
    expect(model.get("x")).toBe(2);
    expect(save).toHaveBeenCalledTimes(1);
  });
});
