// The job status strip every view shows: state, progress bar, message, Stop button and
// an error banner. It follows the base widget's synced traits (nbviz/widgets/base.py):
// job_state, job_progress, job_message, job_error; Stop sends {type: "stop"}.
import { h } from "./dom.js";
import { injectStyle } from "./style.js";

const CSS = `
.nbviz-status {
  display: flex; flex-direction: column; gap: 4px; margin: 4px 0;
  font: 12px var(--jp-ui-font-family, system-ui, sans-serif);
  color: var(--jp-ui-font-color1, rgba(0, 0, 0, 0.87));
}
.nbviz-status[hidden] { display: none; }
.nbviz-status-row { display: flex; align-items: center; gap: 8px; min-height: 22px; }
.nbviz-status-row[hidden] { display: none; }
.nbviz-status-state { min-width: 56px; color: var(--jp-ui-font-color2, rgba(0, 0, 0, 0.54)); }
.nbviz-status-bar {
  position: relative; flex: 0 0 160px; height: 6px; overflow: hidden; border-radius: 3px;
  background: var(--jp-layout-color3, #bdbdbd);
}
.nbviz-status-fill {
  position: absolute; top: 0; bottom: 0; left: 0; width: 0;
  background: var(--jp-brand-color1, #1976d2); transition: width 0.15s linear;
}
.nbviz-status-bar[data-indeterminate] .nbviz-status-fill {
  width: 30%; animation: nbviz-status-slide 1.2s ease-in-out infinite;
}
@keyframes nbviz-status-slide { from { left: -30%; } to { left: 100%; } }
.nbviz-status-message { flex: 1 1 auto; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nbviz-status-stop {
  font: inherit; padding: 1px 10px; cursor: pointer; border-radius: 2px;
  color: var(--jp-ui-font-color1, #212121); background: var(--jp-layout-color2, #eeeeee);
  border: 1px solid var(--jp-border-color1, #bdbdbd);
}
.nbviz-status-stop[hidden] { display: none; }
.nbviz-status-error {
  padding: 4px 8px; border-radius: 2px; white-space: pre-wrap; word-break: break-word;
  color: #fff; background: var(--jp-error-color1, #d32f2f);
}
.nbviz-status-error[hidden] { display: none; }
`;

/** Trait names the component follows. */
export const STATUS_TRAITS = Object.freeze(["job_state", "job_progress", "job_message", "job_error"]);

/**
 * Create the status strip for `model` and keep it in sync.
 * @param {{get: Function, on: Function, off: Function, send: Function}} model  an anywidget model
 * @returns {{el: HTMLDivElement, update: () => void, destroy: () => void}}
 */
export function createStatus(model) {
  injectStyle("nbviz-status-style", CSS);

  const stateEl = h("span", "nbviz-status-state");
  const fill = h("div", "nbviz-status-fill");
  const bar = h("div", "nbviz-status-bar", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, [fill]);
  const messageEl = h("span", "nbviz-status-message");
  const stopButton = h("button", "nbviz-status-stop", { type: "button" });
  stopButton.textContent = "Stop";
  const row = h("div", "nbviz-status-row", {}, [stateEl, bar, messageEl, stopButton]);
  const errorEl = h("div", "nbviz-status-error", { role: "alert" });
  const el = h("div", "nbviz-status", {}, [row, errorEl]);

  function update() {
    const state = model.get("job_state") || "idle";
    const progress = Number(model.get("job_progress"));
    const message = model.get("job_message") || "";
    const error = model.get("job_error") || "";

    el.dataset.state = state;
    el.hidden = state === "idle" && !error;
    row.hidden = state === "idle";
    stateEl.textContent = state;
    messageEl.textContent = message;
    messageEl.title = message;

    const known = Number.isFinite(progress) && progress >= 0;
    const fraction = known ? Math.min(progress, 1) : state === "running" ? 0 : 1;
    if (known || state !== "running") {
      delete bar.dataset.indeterminate;
      fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      bar.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    } else {
      bar.dataset.indeterminate = "";
      fill.style.width = "";
      bar.removeAttribute("aria-valuenow");
    }

    stopButton.hidden = state !== "running";
    if (state !== "running") {
      stopButton.disabled = false;
      stopButton.textContent = "Stop";
    }

    errorEl.hidden = !error;
    errorEl.textContent = error;
  }

  function onStop() {
    stopButton.disabled = true;
    stopButton.textContent = "Stopping…";
    model.send({ type: "stop" });
  }

  stopButton.addEventListener("click", onStop);
  for (const name of STATUS_TRAITS) model.on(`change:${name}`, update);
  update();

  function destroy() {
    for (const name of STATUS_TRAITS) model.off(`change:${name}`, update);
    stopButton.removeEventListener("click", onStop);
    el.remove();
  }

  return { el, update, destroy };
}
