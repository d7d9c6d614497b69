"""A view out of sight draws nothing: in real JupyterLab under headless Chromium, a playing
GrandTour scrolled out of the notebook's view, or on a hidden page, requests no animation
frames and holds its projection, then goes on from where it was when it is seen again.
Also: the tour's frame slider goes by whole frames from the keyboard."""

from __future__ import annotations

import time

import numpy as np

from .conftest import ARTIFACTS
from .harness import kernel_eval, open_notebook, run_all_cells, wait_until

ROOT = ".nbviz-grand-tour"
SCROLLER = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"

TOUR_CELL = (
    "import numpy as np\n"
    "from nbviz import GrandTour\n"
    "rng = np.random.default_rng(4)\n"
    "tour = GrandTour(rng.normal(size=(3, 500, 8)), rng.integers(0, 5, 500), height=320,\n"
    "                 frame_names=['first', 'second', 'third'])\n"
    "tour"
)
# A tall output under the tour, so that scrolling down takes the tour out of sight.
SPACER_CELL = (
    "from IPython.display import HTML\n"
    "HTML('<div style=\"height: 4000px; background: repeating-linear-gradient(#fff 0 40px,"
    " #eef 40px 80px)\">a tall output below the tour</div>')"
)

# The tour's root, kept by the page: JupyterLab may detach a cell scrolled far away.
_KEEP_ROOT_JS = f"() => {{ window.__nbvizTour = document.querySelector('{ROOT}'); }}"
_STATE_JS = """() => {
  const t = window.__nbvizTour.__nbvizTest;
  return {frames: t.framesRequested(), onScreen: t.onScreen(), time: t.tourTime(),
          projection: t.projection(), now: performance.now()};
}"""
_SCROLL_JS = "([s, top]) => { const el = document.querySelector(s); el.scrollTop = top; }"
# A page in the background: what a hidden tab reports (headless Chromium keeps its pages
# visible, so the test says so itself, as the browser would).
_PAGE_VISIBILITY_JS = """(hidden) => {
  for (const [k, v] of [['visibilityState', hidden ? 'hidden' : 'visible'], ['hidden', hidden]]) {
    Object.defineProperty(document, k, {configurable: true, get: () => v});
  }
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def _state(page) -> dict:
    return page.evaluate(_STATE_JS)


def _over_a_second(page) -> tuple[dict, dict]:
    """The view's state now and one second later."""
    before = _state(page)
    time.sleep(1.0)
    return before, _state(page)


def _shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _wait_on_screen(page, on_screen: bool) -> None:
    want = "" if on_screen else "!"
    page.wait_for_function(f"() => {want}window.__nbvizTour.__nbvizTest.onScreen()", timeout=10_000)


def test_tour_out_of_sight_requests_no_frames(page, lab, write_notebook):
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    name = write_notebook("visibility_ui.ipynb", TOUR_CELL, SPACER_CELL)
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=30_000)
    page.evaluate(_KEEP_ROOT_JS)
    page.evaluate(_SCROLL_JS, [SCROLLER, 0])
    _wait_on_screen(page, True)

    # In sight and playing: a frame after each frame, the tour turning.
    a, b = _over_a_second(page)
    seconds = (b["now"] - a["now"]) / 1000
    per_second = (b["frames"] - a["frames"]) / seconds
    rate = (b["time"] - a["time"]) / seconds  # tour time per second
    print(f"in sight: {per_second:.0f} frames/s requested, tour time {rate:.4f}/s")
    assert per_second > 10, per_second
    assert rate > 0
    _shoot(page, "visibility-in-sight.png")

    # Scrolled away (into the tall output): no frame is requested, the projection holds.
    page.evaluate(_SCROLL_JS, [SCROLLER, 2000])
    _wait_on_screen(page, False)
    c, d = _over_a_second(page)
    away_s = (d["now"] - c["now"]) / 1000
    print(f"out of sight: {d['frames'] - c['frames']} frames requested in {away_s:.2f} s "
          f"(frame counter {c['frames']} -> {d['frames']})")  # fmt: skip
    assert d["frames"] == c["frames"]
    assert d["time"] == c["time"]
    assert np.allclose(d["projection"], c["projection"])
    _shoot(page, "visibility-scrolled-away.png")

    # Back in sight: it goes on from the same projection, its clock not counting the time
    # away.
    page.evaluate(_SCROLL_JS, [SCROLLER, 0])
    _wait_on_screen(page, True)
    e, f = _over_a_second(page)
    back = (f["now"] - e["now"]) / 1000
    away = (e["now"] - c["now"]) / 1000
    times = f"{c['time']:.4f} -> {e['time']:.4f} -> {f['time']:.4f}"
    print(f"back in sight: {f['frames'] - e['frames']} frames in {back:.2f} s; tour time "
          f"{times} after {away:.2f} s away")  # fmt: skip
    assert f["frames"] - e["frames"] > 10
    # On its return the tour starts where it stopped (a frame or two of time at most) ...
    assert e["time"] - c["time"] < rate * 0.25, (c["time"], e["time"])
    # ... and then moves on.
    assert f["time"] > e["time"]
    assert not np.allclose(f["projection"], c["projection"])
    _shoot(page, "visibility-back.png")

    # A hidden page: no frames either, and again it resumes.
    page.evaluate(_PAGE_VISIBILITY_JS, True)
    _wait_on_screen(page, False)
    g, h = _over_a_second(page)
    print(f"hidden page: {h['frames'] - g['frames']} frames requested in "
          f"{(h['now'] - g['now']) / 1000:.2f} s")  # fmt: skip
    assert h["frames"] == g["frames"] and h["time"] == g["time"]
    page.evaluate(_PAGE_VISIBILITY_JS, False)
    _wait_on_screen(page, True)
    time.sleep(0.5)
    assert _state(page)["frames"] > h["frames"]
    # The view module exports only `default { render }` (anywidget warns about more).
    print("console warnings:", warnings)
    assert not [w for w in warnings if "anywidget" in w.lower() or "render" in w.lower()], warnings


def test_frame_slider_keys_go_by_whole_frames(page, lab, write_notebook):
    name = write_notebook("visibility_slider_ui.ipynb", TOUR_CELL)
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=30_000)
    slider = page.locator(".nbviz-grand-tour-frame-slider").first
    label = page.locator(".nbviz-grand-tour-frame-label").first
    with lab.kernel(name) as kc:
        slider.focus()
        page.keyboard.press("ArrowRight")
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 1.0) == 1.0
        assert label.text_content() == "second"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")  # at the last frame already
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 2.0) == 2.0
        page.wait_for_selector(f'{ROOT}[data-frame="2.000"]', timeout=10_000)
        page.keyboard.press("Home")
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 0.0) == 0.0
        page.keyboard.press("End")
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 2.0) == 2.0
        # Dragging still goes between frames (the points interpolate) ...
        page.evaluate(
            "() => { const s = document.querySelector('.nbviz-grand-tour-frame-slider');"
            " s.value = '0.37'; s.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 0.37) == 0.37
        # ... and from there an arrow key goes to the next whole frame.
        slider.focus()
        page.keyboard.press("ArrowRight")
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 1.0) == 1.0
        page.keyboard.press("PageDown")
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 0.0) == 0.0
        # The keys went to the slider, not to JupyterLab (the notebook is as it was).
        assert page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
        ) == 1  # fmt: skip
    _shoot(page, "visibility-frame-slider.png")
