// Adds a view's CSS to the page once, however many views render.

/**
 * Insert `css` in a <style id=id> in the document head, or update it if the text changed
 * (so a rebuilt bundle replaces its old rules).
 * @param {string} id
 * @param {string} css
 */
export function injectStyle(id, css) {
  if (typeof document === "undefined") return;
  let tag = document.getElementById(id);
  if (!tag) {
    tag = document.createElement("style");
    tag.id = id;
    document.head.appendChild(tag);
  }
  if (tag.textContent !== css) tag.textContent = css;
}
