// The job status strip every view shows: state, progress bar, message, Stop button and
// an error banner. It follows the base widget's synced traits (nbviz/widgets/base.py):
// job_state, job_progress, job_message, job_error; Stop sends the STOP message.
import { button, h } from "./dom.js";
import { STOP } from "./messages.js";
import "./status.css";

/** Trait names the component follows. */
export const STATUS_TRAITS = Object.freeze(["job_state", "job_progress", "job_message", "job_error"]);

/**
 * Create the status strip for `model` and keep it in sync.
 * @param {import("./model.js").Model} model
 * @returns {{el: HTMLDivElement, update: () => void, destroy: () => void}}
 */
export function createStatus(model) {
  const stateEl = h("span", "nbviz-status-state");
  const fill = h("div", "nbviz-status-fill");
  const bar = h("div", "nbviz-status-bar", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, [
    fill,
  ]);
  const messageEl = h("span", "nbviz-status-message");
  const stopButton = button("nbviz-status-stop", "Stop");
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
    model.send({ type: STOP });
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
