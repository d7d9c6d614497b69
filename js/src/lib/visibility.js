// Whether an element can be seen: inside the viewport and every scrolling ancestor's box
// (an IntersectionObserver), on a page that is not hidden (a background tab, a minimized
// window: document.visibilityState).

/**
 * Call `onChange(onScreen)` whenever `el` comes into sight or goes out of it. It counts as
 * on screen until told otherwise, so a DOM without IntersectionObserver still draws.
 * @param {Element} el
 * @param {(onScreen: boolean) => void} onChange
 * @returns {() => void} a function that stops watching
 */
export function watchVisibility(el, onChange) {
  if (typeof document === "undefined") return () => {};
  let intersecting = true;
  let pageShown = document.visibilityState !== "hidden";
  let reported = true;
  const report = () => {
    const now = intersecting && pageShown;
    if (now === reported) return;
    reported = now;
    onChange(now);
  };
  let observer = null;
  if (typeof IntersectionObserver === "function") {
    observer = new IntersectionObserver((entries) => {
      // Entries come oldest first; the last one for `el` is its state now.
      for (const entry of entries) intersecting = entry.isIntersecting;
      report();
    });
    observer.observe(el);
  }
  const onPageVisibility = () => {
    pageShown = document.visibilityState !== "hidden";
    report();
  };
  document.addEventListener("visibilitychange", onPageVisibility);
  report();
  return () => {
    observer?.disconnect();
    document.removeEventListener("visibilitychange", onPageVisibility);
  };
}
