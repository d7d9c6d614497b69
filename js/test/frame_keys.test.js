import { describe, expect, it } from "vitest";
import { frameForKey } from "../src/grand_tour/frame_keys.js";

// [key, from frame, of frames, to frame]
const MOVES = [
  // the arrows and Page Up/Down: the neighbouring whole frame
  ["ArrowRight", 0, 5, 1],
  ["ArrowUp", 1, 5, 2],
  ["PageUp", 2, 5, 3],
  ["ArrowLeft", 3, 5, 2],
  ["ArrowDown", 2, 5, 1],
  ["PageDown", 1, 5, 0],
  // from between frames: the whole frame on that side (rounding noise counts as on it)
  ["ArrowRight", 2.4, 5, 3],
  ["ArrowLeft", 2.4, 5, 2],
  ["ArrowRight", 2.9999999, 5, 4],
  ["ArrowLeft", 3.0000001, 5, 2],
  // the ends: no further; Home and End go there
  ["ArrowRight", 4, 5, 4],
  ["ArrowLeft", 0, 5, 0],
  ["Home", 3.5, 5, 0],
  ["End", 0.5, 5, 4],
  ["End", 0, 1, 0],
];

describe("frameForKey", () => {
  it.each(MOVES)("%s from %s of %s frames goes to %s", (key, from, frames, to) => {
    expect(frameForKey(key, from, frames)).toBe(to);
  });

  it("leaves other keys alone", () => {
    expect(frameForKey("a", 1, 5)).toBeNull();
    expect(frameForKey("Escape", 1, 5)).toBeNull();
  });
});
