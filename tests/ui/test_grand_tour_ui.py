"""GrandTour in real JupyterLab under headless Chromium: WebGL draws, and drags, lassos and
the frame slider reach Python."""

from __future__ import annotations

import io
import time

import numpy as np

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

ROOT = ".nbviz-grand-tour"
CANVAS = ".nbviz-grand-tour-canvas"
STAGE = ".nbviz-grand-tour-stage"

SETUP = (
    "import numpy as np, nbviz\n"
    "from nbviz import GrandTour\n"
    "ds = nbviz.data.digits()\n"
    "x = ds.images[:600].reshape(600, -1).numpy()\n"
    "rng = np.random.default_rng(0)\n"
    "mix = [np.eye(64), np.eye(64) + 0.6 * rng.normal(size=(64, 64)) / 8, np.eye(64)[::-1]]\n"
    "frames = [x @ m for m in mix]\n"
    "pred = (ds.labels[:600].numpy() + np.arange(3)[:, None]) % 10  # a made-up 'model'\n"
    "tour = GrandTour.from_activations(frames, ds.labels[:600], ds.class_names, dims=10,\n"
    "    thumbnails=ds.images[:600], frame_names=['step 0', 'step 1', 'step 2'], height=420,\n"
    "    predictions=pred)\n"
    "tour"
)


def _test_call(page, expr: str, *args):
    return page.evaluate(
        f"(args) => {{ const t = document.querySelector('{ROOT}').__nbvizTest; return {expr}; }}",
        list(args),
    )


def _pixels(page) -> np.ndarray:
    from PIL import Image

    png = page.locator(STAGE).first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _shoot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    area = page.locator(".jp-OutputArea-output").filter(has=page.locator(ROOT)).first
    area.screenshot(path=str(ARTIFACTS / name))


def test_grand_tour_draws_steers_selects_and_scrubs(page, lab, write_notebook):
    name = write_notebook("grand_tour_ui.ipynb", SETUP)
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=30_000)
    assert page.get_attribute(ROOT, "data-webgl") == "2", "no WebGL2 in this Chromium"
    assert page.get_attribute(ROOT, "data-d") == "10"
    assert page.get_attribute(ROOT, "data-frames") == "3"
    assert page.get_attribute(ROOT, "data-n") == "600"

    ink = element_ink(page, CANVAS)
    assert ink["ink"] > 1500, f"WebGL canvas looks blank: {ink['ink']} of {ink['total']}"
    _shoot(page, "grand-tour-light.png")

    with lab.kernel(name) as kc:
        # Pause with the view's button (holding positions still while we aim): Python's
        # `projection` gets the paused view.
        page.locator(".nbviz-grand-tour-play").first.click()
        page.wait_for_selector('.nbviz-grand-tour-play[aria-pressed="false"]', timeout=10_000)
        assert wait_until(lambda: kernel_eval(kc, "tour.playing"), lambda v: v is False) is False
        shown = np.array(_test_call(page, "t.projection()"))
        before = np.array(
            wait_until(
                lambda: kernel_eval(kc, "tour.projection"),
                lambda v: np.allclose(np.array(v), shown, atol=1e-9),
            )
        )
        assert np.allclose(before, shown, atol=1e-9), "the paused view did not reach Python"
        assert np.abs(before - np.eye(10)[:, :2]).max() > 0.01  # the tour had moved

        # Drag the longest axis's knob (short ones fade out and cannot be grabbed): Python's
        # projection changes, stays orthonormal.
        axis = int(np.argmax(np.linalg.norm(shown, axis=1)))
        k = _test_call(page, "t.knobPosition(args[0])", axis)
        page.mouse.move(k["x"], k["y"])
        page.mouse.down()
        page.mouse.move(k["x"] - 60, k["y"] - 70, steps=8)
        page.mouse.up()
        # The knob followed the pointer (most of the way: the row rule moves it part-way).
        k2 = _test_call(page, "t.knobPosition(args[0])", axis)
        gap = np.hypot(k2["x"] - (k["x"] - 60), k2["y"] - (k["y"] - 70))
        print(f"knob gap after the drag: {gap:.1f} px of {np.hypot(60, 70):.1f}")
        assert gap < 0.5 * np.hypot(60, 70), gap
        shown = np.array(_test_call(page, "t.projection()"))
        after = np.array(
            wait_until(
                lambda: kernel_eval(kc, "tour.projection"),
                lambda v: np.allclose(np.array(v), shown, atol=1e-6),
            )
        )
        assert np.allclose(shown, after, atol=1e-6), "the dragged view did not reach Python"
        assert np.abs(after - before).max() > 0.05, "dragging an axis did not change it"
        assert np.allclose(after.T @ after, np.eye(2), atol=1e-3)

        # Hover a point: the card names it, with the prediction at this frame; scrubbing
        # the frame under the pointer updates that line. The pointer goes to a point away
        # from every axis knob (over a knob the view offers the knob, not the point; where
        # the knobs are depends on when the tour was paused).
        knobs = np.array([list(_test_call(page, f"t.knobPosition({j})").values())
                          for j in range(10)])  # fmt: skip
        for candidate in range(60):
            p = _test_call(page, "t.projectPoint(args[0])", candidate)
            if np.hypot(*(knobs - [p["x"], p["y"]]).T).min() > 30:
                break
        page.mouse.move(p["x"], p["y"])
        page.wait_for_selector(".nbviz-grand-tour-card:not([hidden])", timeout=10_000)
        card = page.locator(".nbviz-grand-tour-card").first
        names = kernel_eval(kc, "list(ds.class_names)")
        i = int(card.text_content().split("·")[0].strip().lstrip("#"))
        label = kernel_eval(kc, f"int(ds.labels[{i}])")
        assert f"#{i} · {names[label]}" in card.text_content()
        assert f"predicted at step 0: {names[label]}" in card.text_content()
        kernel_eval(kc, "setattr(tour, 'frame', 1.0) or 0")
        page.wait_for_function(
            "(want) => document.querySelector('.nbviz-grand-tour-card').textContent.includes(want)",
            arg=f"predicted at step 1: {names[(label + 1) % 10]}",
            timeout=10_000,
        )
        _shoot(page, "grand-tour-hover.png")
        kernel_eval(kc, "setattr(tour, 'frame', 0.0) or 0")
        page.wait_for_selector(f'{ROOT}[data-frame="0.000"]', timeout=10_000)
        page.wait_for_selector(f'{ROOT}[data-fitting="false"]', timeout=10_000)

        # The mouse wheel zooms the points (not the axis handles) relative to the fit, and
        # Python hears of it.
        zoom0 = kernel_eval(kc, "tour.zoom")
        q0 = _test_call(page, "t.projectPoint(args[0])", 5)
        k0 = _test_call(page, "t.knobPosition(0)")
        page.mouse.wheel(0, -300)
        zoom1 = wait_until(lambda: kernel_eval(kc, "tour.zoom"), lambda v: v > zoom0 * 1.2)
        assert zoom1 > zoom0 * 1.2, (zoom0, zoom1)
        q1 = _test_call(page, "t.projectPoint(args[0])", 5)
        assert _test_call(page, "t.knobPosition(0)") == k0
        assert q1 != q0
        kernel_eval(kc, f"setattr(tour, 'zoom', {zoom0}) or 0")
        page.wait_for_selector(f'{ROOT}[data-zoom="{zoom0:.4f}"]', timeout=10_000)
        assert _test_call(page, "t.projectPoint(args[0])", 5) == q0

        # Lasso the left half of the plot (starting in a corner, away from every knob).
        box = page.locator(STAGE).first.bounding_box()
        x0, y0 = box["x"] + 6, box["y"] + 6
        xm, y1 = box["x"] + box["width"] / 2, box["y"] + box["height"] - 6
        page.mouse.move(x0, y0)
        page.mouse.down()
        for x, y in [(xm, y0), (xm, y1), (x0, y1)]:
            page.mouse.move(x, y, steps=6)
        page.mouse.up()
        pts = [_test_call(page, "t.projectPoint(args[0])", i) for i in range(600)]
        xs = np.array([q["x"] for q in pts])
        ys = np.array([q["y"] for q in pts])
        inside = (xs > x0) & (xs < xm) & (ys > y0) & (ys < y1)
        near_edge = (np.abs(xs - xm) < 1) | (np.abs(xs - x0) < 1)
        want = set(np.flatnonzero(inside).tolist())
        got = set(wait_until(lambda: kernel_eval(kc, "tour.selection"), lambda v: len(v) > 0) or [])
        assert not (got ^ want) - set(np.flatnonzero(near_edge).tolist()), sorted(got ^ want)
        assert len(got) > 50, len(got)
        assert page.get_attribute(ROOT, "data-selected") == str(len(got))
        _shoot(page, "grand-tour-selection.png")

        # The frame slider: Python's frame follows, and the points move.
        before_px = _pixels(page)
        page.evaluate(
            "() => { const s = document.querySelector('.nbviz-grand-tour-frame-slider');"
            " s.value = '2'; s.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 2.0) == 2.0
        time.sleep(0.3)
        diff = (np.abs(_pixels(page) - before_px).sum(axis=2) > 40).sum()
        assert diff > 500, f"points did not move with the frame ({diff} px changed)"
        assert "step 2" in page.locator(".nbviz-grand-tour-frame-label").first.text_content()

        # Python sets the projection and the frame: the view follows.
        kernel_eval(kc, "setattr(tour, 'projection', np.eye(10)[:, [2, 3]].tolist()) or 0")
        shown = wait_until(
            lambda: _test_call(page, "t.projection()"), lambda v: abs(v[2][0] - 1) < 1e-6
        )
        assert abs(shown[2][0] - 1) < 1e-6 and abs(shown[3][1] - 1) < 1e-6
        kernel_eval(kc, "setattr(tour, 'frame', 1.0) or 0")
        page.wait_for_selector(f'{ROOT}[data-frame="1.000"]', timeout=10_000)

        # A legend click hides a class, in Python.
        page.locator(".nbviz-grand-tour-legend button").nth(3).click()
        assert wait_until(lambda: kernel_eval(kc, "tour.hidden_classes"), lambda v: v) == [3]

        # Playing again: frames are timed, independent of n.
        kernel_eval(kc, "setattr(tour, 'playing', True) or 0")
        time.sleep(1.0)
        stats = page.evaluate(
            f"() => {{ const s = document.querySelector('{ROOT}').__nbvizStats;"
            " return [s.count, s.mean()]; }"
        )
        assert stats[0] > 10 and stats[1] < 50, stats

        # Dark theme: still draws.
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Dark'})"
        )
        page.wait_for_function(
            "() => document.body.dataset.jpThemeLight === 'false'", timeout=20_000
        )
        time.sleep(1.0)
        ink = element_ink(page, CANVAS)
        assert ink["ink"] > 1500, f"blank in the dark theme: {ink['ink']}"
        _shoot(page, "grand-tour-dark.png")
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Light'})"
        )

        # Escape (the plot has focus since the lasso) clears the selection in Python.
        page.locator(STAGE).first.focus()
        page.keyboard.press("Escape")
        assert wait_until(lambda: kernel_eval(kc, "tour.selection"), lambda v: v == []) == []


def test_two_views_and_cleanup(page, lab, write_notebook):
    name = write_notebook(
        "grand_tour_two_views_ui.ipynb",
        "import numpy as np\n"
        "from nbviz import GrandTour\n"
        "tour = GrandTour(np.random.default_rng(1).normal(size=(300, 5)), [0, 1, 2] * 100)\n"
        "tour",
        "tour",
    )
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_function(
        f"() => document.querySelectorAll('{ROOT}[data-ready=\"true\"]').length === 2",
        timeout=30_000,
    )
    with lab.kernel(name) as kc:
        # A projection set in Python reaches both views.
        kernel_eval(kc, "setattr(tour, 'playing', False) or 0")
        kernel_eval(kc, "setattr(tour, 'projection', np.eye(5)[:, [4, 0]].tolist()) or 0")
        page.wait_for_function(
            f"() => [...document.querySelectorAll('{ROOT}')]"
            ".every(r => Math.abs(r.__nbvizTest.projection()[4][0] - 1) < 1e-6)",
            timeout=10_000,
        )
        # Clearing the first cell's output removes its view and its WebGL context.
        page.evaluate(
            "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " nb.widgets[0].model.outputs.clear(); }"
        )
        page.wait_for_function(
            f"() => document.querySelectorAll('{ROOT}').length === 1", timeout=10_000
        )
        assert element_ink(page, CANVAS)["ink"] > 200


def test_largest_dimension_draws_and_takes_new_points(page, lab, write_notebook):
    name = write_notebook(
        "grand_tour_big_ui.ipynb",
        "import numpy as np\n"
        "from nbviz import GrandTour\n"
        "rng = np.random.default_rng(0)\n"
        "big = GrandTour(rng.normal(size=(2, 20000, 128)), rng.integers(0, 10, 20000),\n"
        "                height=360, point_size=2)\n"
        "big",
    )
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"][data-d="128"]', timeout=60_000)
    time.sleep(1.5)  # let the tour run: the JS per frame is O(d³), whatever n
    assert element_ink(page, CANVAS)["ink"] > 1500
    stats = page.evaluate(
        f"() => {{ const s = document.querySelector('{ROOT}').__nbvizStats;"
        " const v = s.values().slice(5); v.sort((a, b) => a - b);"
        " return {count: s.count, median: v[Math.floor(v.length / 2)]}; }"
    )
    print(f"GrandTour n=20000 d=128: {stats['count']} frames, median JS {stats['median']:.2f} ms")
    assert stats["count"] > 10  # it animates (the time per frame is benchmarks/grand_tour.py's)
    _shoot(page, "grand-tour-128d.png")
    # New points (announced first: the view holds its drawing until they arrive) are drawn.
    with lab.kernel(name) as kc:
        t = kernel_eval(
            kc, "(lambda t: (setattr(big, 'labels', None), setattr(big, 'points', "
                "rng.normal(size=(1, 30000, 128)).astype(np.float32)), setattr(big, 'labels', "
                "rng.integers(0, 10, 30000).astype(np.int32)), t)[-1])(__import__('time').time())"
        )  # fmt: skip
    page.wait_for_function(
        f"(t) => +document.querySelector('{ROOT}').dataset.pointsDrawnAt > t * 1000"
        f" && document.querySelector('{ROOT}').dataset.pointsDrawnN === '30000'",
        arg=t,
        timeout=30_000,
    )
    assert page.get_attribute(ROOT, "data-frames") == "1"
    assert element_ink(page, CANVAS)["ink"] > 1500


def test_kernel_restart_and_rerun_keep_working(page, lab, write_notebook):
    name = write_notebook(
        "grand_tour_restart_ui.ipynb",
        "import numpy as np\n"
        "from nbviz import GrandTour\n"
        "tour = GrandTour(np.random.default_rng(2).normal(size=(400, 6)), [0, 1, 2, 3] * 100)\n"
        "tour",
    )
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=30_000)
    page.evaluate(
        "async () => { const p = window.jupyterapp.shell.currentWidget;"
        " await p.sessionContext.session.kernel.restart(); }"
    )
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        " === 'idle'",
        timeout=60_000,
    )
    with lab.kernel(name) as kc:
        assert kernel_eval(kc, "'tour' in globals()") is False  # a fresh kernel
    run_all_cells(page)
    page.wait_for_function(
        f"() => document.querySelectorAll('{ROOT}[data-ready=\"true\"]').length === 1",
        timeout=30_000,
    )
    assert element_ink(page, CANVAS)["ink"] > 500
    with lab.kernel(name) as kc:
        # Both directions work with the new kernel's widget.
        kernel_eval(kc, "setattr(tour, 'selection', [1, 2, 3]) or 0")
        page.wait_for_selector(f'{ROOT}[data-selected="3"]', timeout=10_000)
        page.locator(".nbviz-grand-tour-legend button").nth(2).click()
        assert wait_until(lambda: kernel_eval(kc, "tour.hidden_classes"), lambda v: v) == [2]
        # Pausing and setting a projection in one go: the view takes Python's projection
        # and does not write its own paused view over it.
        kernel_eval(
            kc,
            "(setattr(tour, 'playing', False), "
            "setattr(tour, 'projection', np.eye(6)[:, [5, 1]].tolist()), 0)[-1]",
        )
        page.wait_for_selector('.nbviz-grand-tour-play[aria-pressed="false"]', timeout=10_000)
        time.sleep(1.0)
        want = np.eye(6)[:, [5, 1]]
        assert np.allclose(_test_call(page, "t.projection()"), want)
        assert np.allclose(kernel_eval(kc, "tour.projection"), want)
