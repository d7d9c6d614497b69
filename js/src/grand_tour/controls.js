// The tour's row of controls: ▶/❚❚ the tour and its speed; ▶/❚❚ the frames, the frame
// slider and the name of the frame on show; "fit", which undoes the wheel's zoom. The slider moves in hundredths of a frame when
// dragged (the points interpolate between frames) and by whole frames from the keyboard.
import { button, h, rangeInput } from "../lib/dom.js";
import { frameForKey } from "./frame_keys.js";

/**
 * What the controls ask of the tour.
 * @typedef {Object} ControlsHost
 * @property {() => void} togglePlaying  ▶/❚❚ the tour
 * @property {(speed: number) => void} setSpeed
 * @property {() => void} toggleFramePlay  ▶/❚❚ the frames
 * @property {(frame: number) => void} scrub  the slider was dragged to `frame` (fractional)
 * @property {(frame: number) => void} stepTo  a key sent the slider to whole frame `frame`
 * @property {() => void} resetZoom  back to the fitted view
 * @property {(traversal: string) => void} setTraversal  "grand" or "guided"
 * @property {(target: EventTarget, type: string, fn: (e: any) => void) => void} listen
 */

export class TourControls {
  /** @param {ControlsHost} host */
  constructor(host) {
    this.frame = 0;
    this.frameCount = 1;
    this.playButton = button("nbviz-grand-tour-play", "", { "aria-label": "play or pause the tour" });
    this.speedInput = rangeInput("nbviz-grand-tour-speed", { min: 0, max: 4, step: 0.05, label: "tour speed" });
    this.speedLabel = h("label", "", {}, [document.createTextNode("speed"), this.speedInput]);
    this.traversalSelect = h("select", "nbviz-grand-tour-traversal", { "aria-label": "how the tour moves" }, [
      h("option", "", { value: "grand", title: "random rotations through every view" }, [
        document.createTextNode("grand tour"),
      ]),
      h("option", "", { value: "guided", title: "from one interesting view to the next" }, [
        document.createTextNode("guided"),
      ]),
    ]);
    this.framePlayButton = button("nbviz-grand-tour-frame-play", "", { "aria-label": "play through the frames" });
    this.frameInput = rangeInput("nbviz-grand-tour-frame-slider", { min: 0, max: 0, step: 0.01, label: "frame" });
    this.frameLabel = h("span", "nbviz-grand-tour-frame-label");
    const frameParts = [this.framePlayButton, this.frameInput, this.frameLabel];
    this.frameGroup = h("label", "nbviz-grand-tour-frame-group", {}, frameParts);
    this.fitButton = button("nbviz-grand-tour-fit", "fit", {
      "aria-label": "fit the points to the view (undo the wheel zoom)",
      title: "fit the points to the view (undo the wheel zoom)",
    });
    this.el = h("div", "nbviz-controls nbviz-grand-tour-controls", {}, [
      this.playButton,
      this.traversalSelect,
      this.speedLabel,
      this.frameGroup,
      this.fitButton,
    ]);
    this.syncZoom(1);

    host.listen(this.playButton, "click", () => host.togglePlaying());
    host.listen(this.speedInput, "input", () => host.setSpeed(Number(this.speedInput.value)));
    host.listen(this.framePlayButton, "click", () => host.toggleFramePlay());
    host.listen(this.fitButton, "click", () => host.resetZoom());
    host.listen(this.traversalSelect, "change", () => host.setTraversal(this.traversalSelect.value));
    host.listen(this.frameInput, "input", () => host.scrub(Number(this.frameInput.value)));
    host.listen(this.frameInput, "keydown", (/** @type {KeyboardEvent} */ e) => {
      const next = frameForKey(e.key, this.frame, this.frameCount);
      if (next === null) return;
      e.preventDefault();
      e.stopPropagation(); // JupyterLab's notebook shortcuts use the same keys
      host.stepTo(next);
    });
  }

  /**
   * Show the tour's state. A plain scatter has no tour to play; one frame, no frame row.
   * @param {{playing: boolean, speed: number, scatter: boolean, frames: number, traversal: string}} state
   */
  sync({ playing, speed, scatter, frames, traversal }) {
    for (const el of [this.playButton, this.speedLabel, this.traversalSelect]) el.style.display = scatter ? "none" : "";
    this.traversalSelect.value = traversal === "guided" ? "guided" : "grand";
    this.playButton.textContent = playing ? "❚❚ tour" : "▶ tour";
    this.playButton.setAttribute("aria-pressed", String(playing));
    this.speedInput.value = String(speed);
    this.frameCount = frames;
    this.frameGroup.hidden = frames <= 1;
    this.frameGroup.style.display = frames <= 1 ? "none" : "";
    this.frameInput.max = String(Math.max(0, frames - 1));
  }

  /**
   * The fit button is live while the wheel has zoomed away from the fit.
   * @param {number} zoom  relative to the fit
   */
  syncZoom(zoom) {
    const fitted = Math.abs(zoom - 1) < 1e-3;
    this.fitButton.disabled = fitted;
    this.fitButton.setAttribute("aria-pressed", String(fitted));
  }

  /**
   * Show the frame on show: fractional `frame`, its `name`, whether the frames play.
   * @param {{frame: number, name: string, playing: boolean}} state
   */
  syncFrame({ frame, name, playing }) {
    this.frame = frame;
    this.framePlayButton.textContent = playing ? "❚❚" : "▶";
    this.frameInput.value = String(frame);
    this.frameLabel.textContent = name;
  }
}
