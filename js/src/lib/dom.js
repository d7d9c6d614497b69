// Tiny DOM helpers. Elements are built node by node and text is set with textContent,
// never innerHTML, so no string from Python is ever parsed as markup.

/**
 * Create `<tag class=className>` with attributes and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {Record<string, string>} [attrs]
 * @param {Node[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, className = "", attrs = {}, children = []) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.appendChild(c);
  return el;
}

/**
 * A `<span>` holding `text` (as text, never markup).
 * @param {string} text
 * @param {string} [className]
 */
export function textSpan(text, className = "") {
  const el = h("span", className);
  el.textContent = text;
  return el;
}

/**
 * A `<button type=button>` in the views' look (lib/view.css) showing `text`.
 * @param {string} className  its own classes, besides `nbviz-button`
 * @param {string} text
 * @param {Record<string, string>} [attrs]
 */
export function button(className, text, attrs = {}) {
  const el = h("button", `nbviz-button ${className}`, { type: "button", ...attrs });
  el.textContent = text;
  return el;
}

/**
 * An `<input type=range>` over [min, max] in steps of `step`, with an accessible name.
 * @param {string} className
 * @param {{min: number, max: number, step: number, label: string}} range
 */
export function rangeInput(className, { min, max, step, label }) {
  const attrs = { type: "range", min: String(min), max: String(max), step: String(step), "aria-label": label };
  return h("input", className, attrs);
}

/**
 * Add an event listener and return the function that removes it.
 * @param {EventTarget} target
 * @param {string} type
 * @param {(event: any) => void} listener
 * @param {AddEventListenerOptions|boolean} [options]
 * @returns {() => void}
 */
export function listen(target, type, listener, options) {
  target.addEventListener(type, listener, options);
  return () => target.removeEventListener(type, listener, options);
}

/**
 * Replace `select`'s options with [value, text] pairs when they differ (text, never HTML).
 * @param {HTMLSelectElement} select
 * @param {[string, string][]} options
 */
export function setOptions(select, options) {
  const now = [...select.options].map((o) => `${o.value}\u0000${o.textContent}`);
  const want = options.map(([v, t]) => `${v}\u0000${t}`);
  if (now.join("\n") === want.join("\n")) return;
  select.replaceChildren(
    ...options.map(([value, text]) => {
      const option = h("option", "", { value });
      option.textContent = text;
      return option;
    }),
  );
}
