// The frame slider's keys. The slider moves in hundredths of a frame so that dragging it
// scrubs smoothly between frames (the points interpolate); its keys go by whole frames.

/**
 * The frame a key sends the slider to from `frame` (fractional) of `frames`: the arrows
 * and Page Up / Page Down the neighbouring whole frame (2.4 → 3 up, → 2 down), Home and
 * End the first and last; null for any other key.
 * @example frameForKey("ArrowRight", 1, 5) // 2
 * @example frameForKey("ArrowLeft", 2.4, 5) // 2
 * @param {string} key  KeyboardEvent.key
 * @param {number} frame
 * @param {number} frames
 * @returns {number|null}
 */
export function frameForKey(key, frame, frames) {
  const last = Math.max(0, frames - 1);
  const eps = 1e-6;
  switch (key) {
    case "ArrowRight":
    case "ArrowUp":
    case "PageUp":
      return Math.min(last, Math.floor(frame + eps) + 1);
    case "ArrowLeft":
    case "ArrowDown":
    case "PageDown":
      return Math.max(0, Math.ceil(frame - eps) - 1);
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}
