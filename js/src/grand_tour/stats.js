// A ring buffer of per-frame JS times (ms), exposed on the root for benchmarks.

/** @param {number} size */
export function createFrameStats(size = 240) {
  const times = new Float64Array(size);
  let count = 0;
  return {
    times,
    /** Record one frame's JS time in ms. */
    push(ms) {
      times[count % size] = ms;
      count++;
    },
    get count() {
      return count;
    },
    /** The recorded times, oldest first. */
    values() {
      const k = Math.min(count, size);
      const out = new Array(k);
      for (let j = 0; j < k; j++) out[j] = times[(count - k + j) % size];
      return out;
    },
    /** Mean of the recorded times (0 when none). */
    mean() {
      const v = this.values();
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
    },
  };
}
