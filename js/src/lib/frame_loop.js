// One draw per animation frame for a view, of the parts marked dirty since the last one,
// and none while the view is off screen.
//
// A view marks parts dirty with schedule("grid", "charts"); the loop asks for one
// animation frame and calls draw(dirty, dt) in it. A draw that schedules again (an
// animation) gets the next frame with dt, the seconds between the two; any other frame
// gets dt = 0, so time never jumps after a pause. While the view is off screen (scrolled
// away, hidden tab) no frame is requested: dirty parts wait, and the first frame back
// draws them with dt = 0, so an animation resumes where it stopped.
import { cancelFrame, nextFrame } from "./canvas.js";

/**
 * @typedef {Object} FrameLoop
 * @property {(...parts: string[]) => void} schedule  mark parts dirty (all when none
 *   named) and draw them on the next animation frame
 * @property {(onScreen: boolean) => void} setOnScreen  stop (false) or resume (true)
 * @property {() => void} resetClock  make the next frame's dt 0
 * @property {() => void} stop  cancel the pending frame and request no more
 * @property {number} framesRequested  animation frames requested so far
 * @property {boolean} onScreen
 */

/**
 * @param {Object} options
 * @param {(dirty: Set<string>, dt: number) => void} options.draw
 * @param {string[]} [options.parts]  every part's name (what schedule() with none marks)
 * @param {(cb: (now: number) => void) => any} [options.request]  requestAnimationFrame
 * @param {(id: any) => void} [options.cancel]  cancelAnimationFrame
 * @returns {FrameLoop}
 */
export function createFrameLoop({ draw, parts = [], request = nextFrame, cancel = cancelFrame }) {
  const all = parts.length ? parts : ["all"];
  const dirty = new Set();
  let pending = null;
  let requested = 0;
  let onScreen = true;
  let stopped = false;
  let drawing = false;
  let continues = false; // the draw under way scheduled again
  let lastTime = null; // the previous frame's time, while frames follow one another

  function want() {
    if (pending !== null || !onScreen || stopped || dirty.size === 0) return;
    requested++;
    pending = request(tick);
  }

  /** @param {number} now */
  function tick(now) {
    pending = null;
    const parts = new Set(dirty);
    dirty.clear();
    const dt = lastTime === null ? 0 : Math.max(0, (now - lastTime) / 1000);
    drawing = true;
    continues = false;
    try {
      draw(parts, dt);
    } finally {
      drawing = false;
      lastTime = continues ? now : null;
      want();
    }
  }

  function cancelPending() {
    if (pending !== null) cancel(pending);
    pending = null;
  }

  return {
    schedule(...names) {
      for (const name of names.length ? names : all) dirty.add(name);
      if (drawing) continues = true;
      else want();
    },
    setOnScreen(value) {
      if (value === onScreen) return;
      onScreen = value;
      lastTime = null;
      if (onScreen) want();
      else cancelPending();
    },
    resetClock() {
      lastTime = null;
    },
    stop() {
      stopped = true;
      cancelPending();
    },
    get framesRequested() {
      return requested;
    },
    get onScreen() {
      return onScreen;
    },
  };
}
