// Colours for canvases, read from JupyterLab's CSS variables so views follow the light
// or dark theme. CSS can use the variables directly; canvases need concrete values.

/** Each theme key, the JupyterLab variable it reads, and the value used outside Lab. */
export const THEME_VARIABLES = Object.freeze({
  background: ["--jp-layout-color0", "#ffffff"],
  panel: ["--jp-layout-color1", "#ffffff"],
  border: ["--jp-border-color1", "#bdbdbd"],
  text: ["--jp-ui-font-color1", "rgba(0, 0, 0, 0.87)"],
  textMuted: ["--jp-ui-font-color2", "rgba(0, 0, 0, 0.54)"],
  accent: ["--jp-brand-color1", "#1976d2"],
  error: ["--jp-error-color1", "#d32f2f"],
  font: ["--jp-ui-font-family", "system-ui, -apple-system, 'Segoe UI', sans-serif"],
});

/** @typedef {Record<keyof typeof THEME_VARIABLES, string>} Theme */

/**
 * The theme's colours as seen from `el` (CSS variables cascade, so read them there).
 * @param {Element} el
 * @returns {Theme}
 */
export function readTheme(el) {
  const style = typeof getComputedStyle === "function" && el ? getComputedStyle(el) : null;
  const theme = /** @type {Theme} */ ({});
  for (const [key, [name, fallback]] of Object.entries(THEME_VARIABLES)) {
    const value = style ? style.getPropertyValue(name).trim() : "";
    theme[key] = value || fallback;
  }
  return theme;
}

/**
 * Call `callback` when JupyterLab switches theme (it rewrites attributes on <body>).
 * @param {() => void} callback
 * @returns {() => void} a function that stops watching
 */
export function onThemeChange(callback) {
  if (typeof MutationObserver === "undefined" || typeof document === "undefined" || !document.body) {
    return () => {};
  }
  const observer = new MutationObserver(callback);
  observer.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-name", "data-jp-theme-light", "class"],
  });
  return () => observer.disconnect();
}
