// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { createStatus } from "../src/lib/status.js";
import { FakeModel } from "./fake_model.js";

const idle = { job_state: "idle", job_progress: -1, job_message: "", job_error: "" };

describe("createStatus", () => {
  let status;
  afterEach(() => status?.destroy());

  it("is hidden while idle", () => {
    status = createStatus(new FakeModel(idle));
    expect(status.el.hidden).toBe(true);
  });

  it("shows state, progress and message while running, with a Stop button", () => {
    const model = new FakeModel(idle);
    status = createStatus(model);
    model.set("job_state", "running");
    model.set("job_progress", 0.25);
    model.set("job_message", "epoch 3/12");
    const el = status.el;
    expect(el.hidden).toBe(false);
    expect(el.dataset.state).toBe("running");
    expect(el.querySelector(".nbviz-status-state").textContent).toBe("running");
    expect(el.querySelector(".nbviz-status-message").textContent).toBe("epoch 3/12");
    expect(el.querySelector(".nbviz-status-fill").style.width).toBe("25.0%");
    expect(el.querySelector(".nbviz-status-stop").hidden).toBe(false);
  });

  it("animates an indeterminate bar when progress is unknown", () => {
    const model = new FakeModel({ ...idle, job_state: "running" });
    status = createStatus(model);
    expect(status.el.querySelector(".nbviz-status-bar").hasAttribute("data-indeterminate")).toBe(true);
    model.set("job_progress", 0.5);
    expect(status.el.querySelector(".nbviz-status-bar").hasAttribute("data-indeterminate")).toBe(false);
  });

  it("sends {type: 'stop'} when Stop is clicked and hides the button when done", () => {
    const model = new FakeModel({ ...idle, job_state: "running" });
    status = createStatus(model);
    const stop = status.el.querySelector(".nbviz-status-stop");
    stop.click();
    expect(model.sent).toEqual([{ type: "stop" }]);
    expect(stop.disabled).toBe(true);
    model.set("job_state", "stopped");
    expect(stop.hidden).toBe(true);
    expect(stop.disabled).toBe(false);
  });

  it("shows errors as text in a banner, even when idle", () => {
    const model = new FakeModel(idle);
    status = createStatus(model);
    const banner = status.el.querySelector(".nbviz-status-error");
    expect(banner.hidden).toBe(true);
    model.set("job_error", "ValueError: <img src=x onerror=alert(1)>");
    expect(status.el.hidden).toBe(false);
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("ValueError: <img src=x onerror=alert(1)>");
    expect(banner.querySelector("img")).toBeNull();
    model.set("job_error", "");
    expect(banner.hidden).toBe(true);
  });

  it("removes its listeners on destroy", () => {
    const model = new FakeModel(idle);
    const s = createStatus(model);
    expect(model.listenerCount()).toBe(4);
    s.destroy();
    expect(model.listenerCount()).toBe(0);
  });
});
