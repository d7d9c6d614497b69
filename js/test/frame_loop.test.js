// The frame loop: one draw per animation frame of the parts marked dirty, none while off
// screen, and a clock that never jumps (dt 0 after a pause, an idle spell or a return).
import { describe, expect, it } from "vitest";
import { createFrameLoop } from "../src/lib/frame_loop.js";

/** A stand-in for requestAnimationFrame: frames run when the test says, at its times. */
function fakeFrames() {
  const queue = new Map();
  let next = 1;
  return {
    request: (cb) => {
      queue.set(next, cb);
      return next++;
    },
    cancel: (id) => queue.delete(id),
    get pending() {
      return queue.size;
    },
    /** Run the frames requested so far at time `now` (ms). */
    run(now) {
      const due = [...queue.values()];
      queue.clear();
      for (const cb of due) cb(now);
    },
  };
}

function loop(draw, parts = ["a", "b"]) {
  const frames = fakeFrames();
  const draws = [];
  const l = createFrameLoop({
    parts,
    request: frames.request,
    cancel: frames.cancel,
    draw: (dirty, dt) => {
      draws.push({ dirty: [...dirty].sort(), dt });
      draw?.(l);
    },
  });
  return { l, frames, draws };
}

describe("createFrameLoop", () => {
  it("draws once per frame however often asked, with the parts asked for", () => {
    const { l, frames, draws } = loop();
    l.schedule("a");
    l.schedule("a");
    l.schedule("b");
    expect(l.framesRequested).toBe(1);
    frames.run(100);
    expect(draws).toEqual([{ dirty: ["a", "b"], dt: 0 }]);
    l.schedule();
    frames.run(116);
    expect(draws[1].dirty).toEqual(["a", "b"]); // none named: all parts
    expect(draws[1].dt).toBe(0); // the previous draw did not ask again: no animation
    expect(frames.pending).toBe(0);
  });

  it("an animation gets dt between its frames", () => {
    const { l, frames, draws } = loop((self) => self.schedule("a"));
    l.schedule("a");
    frames.run(1000);
    frames.run(1016);
    frames.run(1050);
    expect(draws.map((d) => d.dt)).toEqual([0, 0.016, 0.034]);
    expect(l.framesRequested).toBe(4); // the next one is already asked for
  });

  it("requests no frame off screen and resumes without a jump in time", () => {
    const { l, frames, draws } = loop((self) => self.schedule("a"));
    l.schedule("a");
    frames.run(0);
    frames.run(16);
    const requested = l.framesRequested;
    l.setOnScreen(false);
    expect(frames.pending).toBe(0); // the frame asked for is cancelled
    l.schedule("b"); // changes while away are kept…
    frames.run(5000);
    expect(l.framesRequested).toBe(requested);
    expect(draws.length).toBe(2);
    l.setOnScreen(true); // …and drawn on return, from where the animation stopped
    expect(l.framesRequested).toBe(requested + 1);
    frames.run(10_000);
    expect(draws[2]).toEqual({ dirty: ["a", "b"], dt: 0 });
    frames.run(10_016);
    expect(draws[3].dt).toBeCloseTo(0.016);
  });

  it("an idle view asks for nothing when it comes back", () => {
    const { l, frames } = loop();
    l.setOnScreen(false);
    l.setOnScreen(true);
    expect(l.framesRequested).toBe(0);
    expect(frames.pending).toBe(0);
  });

  it("resetClock makes the next dt 0; stop cancels and refuses", () => {
    const { l, frames, draws } = loop((self) => self.schedule("a"));
    l.schedule("a");
    frames.run(0);
    l.resetClock();
    frames.run(500);
    expect(draws[1].dt).toBe(0);
    l.stop();
    expect(frames.pending).toBe(0);
    l.schedule("a");
    expect(frames.pending).toBe(0);
  });
});
