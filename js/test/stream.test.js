import { describe, expect, it } from "vitest";
import { acceptChunk, assemblyFor, isStreamHeader } from "../src/grand_tour/stream.js";

/** A piece of `values` as Python sends it: its bytes in a DataView at an odd offset. */
function piece(values) {
  const bytes = new Uint8Array(4 * values.length + 3);
  bytes.set(new Uint8Array(Float32Array.from(values).buffer), 3);
  return new DataView(bytes.buffer, 3, 4 * values.length);
}

describe("streamed points", () => {
  it("tells a header from an array", () => {
    expect(isStreamHeader({ dtype: "float32", shape: [1, 2, 2], stream: 1 })).toBe(true);
    expect(isStreamHeader({ dtype: "float32", shape: [1, 2, 2], buffer: new DataView(new ArrayBuffer(16)) })).toBe(
      false,
    );
    expect(isStreamHeader(null)).toBe(false);
  });

  it("asks once per stream, assembles pieces in order, once for every view", () => {
    const model = {};
    const pulls = [];
    const header = { dtype: "float32", shape: [1, 3, 2], stream: 4 };
    const a = assemblyFor(model, header, (t) => pulls.push(t));
    expect(assemblyFor(model, header, (t) => pulls.push(t))).toBe(a); // a second view
    expect(pulls).toEqual([4]);
    expect(a.complete).toBe(false);
    const first = { token: 4, offset: 0, length: 4, total: 6 };
    expect(acceptChunk(model, first, [piece([1, 2, 3, 4])])).toEqual({ assembly: a, offset: 0, length: 4 });
    // The second view receives the same message: nothing is written twice.
    expect(acceptChunk(model, first, [piece([9, 9, 9, 9])])?.offset).toBe(0);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 0, 0]);
    expect(a.received).toBe(4);
    acceptChunk(model, { token: 4, offset: 4, length: 2, total: 6 }, [piece([5, 6])]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.complete).toBe(true);
  });

  it("ignores pieces of replaced streams, gaps and bad sizes", () => {
    const model = {};
    assemblyFor(model, { dtype: "float32", shape: [1, 2, 2], stream: 1 }, () => {});
    const b = assemblyFor(model, { dtype: "float32", shape: [1, 2, 2], stream: 2 }, () => {});
    expect(acceptChunk(model, { token: 1, offset: 0, length: 4, total: 4 }, [piece([1, 1, 1, 1])])).toBeNull();
    expect(acceptChunk(model, { token: 2, offset: 2, length: 2, total: 4 }, [piece([1, 1])])).toBeNull(); // a gap
    expect(acceptChunk(model, { token: 2, offset: 0, length: 2, total: 4 }, [piece([1])])).toBeNull(); // short
    expect(acceptChunk(model, { token: 2, offset: 0, length: 4, total: 5 }, [piece([1, 1, 1, 1])])).toBeNull();
    expect(b.received).toBe(0);
    expect(() => assemblyFor(model, { dtype: "int32", shape: [2], stream: 3 }, () => {})).toThrow(/float32/);
  });
});
