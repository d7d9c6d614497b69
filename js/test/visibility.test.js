// @vitest-environment happy-dom
// watchVisibility: on screen while the element intersects the viewport and the page is
// shown; told once per change.
import { afterEach, describe, expect, it, vi } from "vitest";
import { watchVisibility } from "../src/lib/visibility.js";
import { hidePage, stubIntersections } from "./mount.js";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("watchVisibility", () => {
  it("follows the element's intersection and the page's visibility", () => {
    const io = stubIntersections();
    const el = document.createElement("div");
    document.body.appendChild(el);
    const seen = [];
    const stop = watchVisibility(el, (v) => seen.push(v));
    expect(seen).toEqual([]); // on screen until told otherwise
    io.set(el, false);
    io.set(el, false);
    io.set(el, true);
    const page = hidePage();
    page.hide();
    page.show();
    io.set(el, false);
    page.hide();
    io.set(el, true); // still hidden: no change
    page.show();
    expect(seen).toEqual([false, true, false, true, false, true]);
    stop();
    io.set(el, false);
    page.hide();
    expect(seen.length).toBe(6);
    page.show();
    el.remove();
  });

  it("starts off screen in a hidden page", () => {
    const page = hidePage();
    page.hide();
    const seen = [];
    watchVisibility(document.createElement("div"), (v) => seen.push(v))();
    expect(seen).toEqual([false]);
    page.show();
  });
});
