// Tiny DOM helpers. Elements are built node by node and text is set with textContent,
// never innerHTML, so no string from Python is ever parsed as markup.

/**
 * Create `<tag class=className>` with attributes and children.
 * @param {string} tag
 * @param {string} [className]
 * @param {Record<string, string>} [attrs]
 * @param {Node[]} [children]
 * @returns {HTMLElement}
 */
export function h(tag, className = "", attrs = {}, children = []) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.appendChild(c);
  return el;
}

/**
 * Add an event listener and return the function that removes it.
 * @param {EventTarget} target
 * @param {string} type
 * @param {EventListener} listener
 * @param {AddEventListenerOptions|boolean} [options]
 * @returns {() => void}
 */
export function listen(target, type, listener, options) {
  target.addEventListener(type, listener, options);
  return () => target.removeEventListener(type, listener, options);
}
