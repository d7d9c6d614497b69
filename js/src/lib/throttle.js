// Rate-limit a callback: at most one call per `interval` ms, the latest arguments win,
// and `flush()` sends a pending call now (e.g. on pointer release).

/**
 * @param {(...args: any[]) => void} fn
 * @param {number} interval  ms
 * @param {() => number} [now]
 * @returns {{call: (...args: any[]) => void, flush: () => void, cancel: () => void}}
 */
export function throttle(fn, interval, now = () => performance.now()) {
  let last = -Infinity;
  let pending = null;
  let timer = null;
  const fire = () => {
    timer = null;
    if (!pending) return;
    const args = pending;
    pending = null;
    last = now();
    fn(...args);
  };
  return {
    call(...args) {
      pending = args;
      const wait = last + interval - now();
      if (wait <= 0) {
        if (timer !== null) clearTimeout(timer);
        fire();
      } else if (timer === null) {
        timer = setTimeout(fire, wait);
      }
    },
    flush() {
      if (timer !== null) clearTimeout(timer);
      fire();
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
