"""Benchmark: the GrandTour view against jupyter-scatter, in one JupyterLab and one Chromium.

Measures, in the same run and browser:
* frames per second of the tour (10 dims, projected in the vertex shader, rotating every
  frame) at 10,000 and 100,000 points, and of jupyter-scatter drawing the same number of
  2-D points while its view changes every frame (a wheel-zoom event per animation frame,
  so it redraws each frame too);
* the tour's JS (CPU) time per frame at 10k and 100k points (it must not grow with n);
* time from assigning 70,000 x 10 points in Python to the first frame drawn with them:
  (a) building and displaying a new GrandTour, (b) assigning ``points`` of a shown one.

Frame rates come from counting requestAnimationFrame callbacks over a fixed window.
Chromium runs headless with software WebGL (SwiftShader) on this machine's CPUs, so the
absolute numbers are far below a desktop GPU's; the ratio between the two widgets is the
figure of merit. Prints the figures, then one JSON line last.

Run: ``.venv/bin/pip install -e .[bench] && .venv/bin/python benchmarks/grand_tour.py``
(``--seconds`` sets each measuring window, ``--repeats`` how many windows per case).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ui.harness import (  # noqa: E402 (the harness lives with the browser tests)
    JupyterLab,
    chromium,
    element_ink,
    kernel_eval,
    open_notebook,
    run_all_cells,
    write_notebook,
)

DATA_CELL = """
import time
import numpy as np

def clustered(n, d=10, k=10, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, n)
    return (centers[labels] + rng.normal(size=(n, d))).astype(np.float32), labels
"""

FPS_JS = """
async ([sel, ms, wheel]) => {
  const el = document.querySelector(sel);
  const box = el.getBoundingClientRect();
  const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
  let frames = 0;
  const t0 = performance.now();
  let last = t0;
  await new Promise((resolve) => {
    const tick = (now) => {
      frames++;
      last = now;
      if (wheel) {
        el.dispatchEvent(new WheelEvent('wheel', {deltaY: -1, clientX: cx, clientY: cy,
                                                  bubbles: true, cancelable: true}));
      }
      if (now - t0 < ms) requestAnimationFrame(tick); else resolve();
    };
    requestAnimationFrame(tick);
  });
  return (frames - 1) * 1000 / (last - t0);
}
"""

TOUR = ".nbviz-grand-tour"
TOUR_CANVAS = ".nbviz-grand-tour-canvas"


def _fps(page, selector: str, seconds: float, repeats: int, wheel: bool) -> list[float]:
    return [
        round(page.evaluate(FPS_JS, [selector, seconds * 1000, wheel]), 2) for _ in range(repeats)
    ]


def tour_case(lab, root, n, seconds, repeats) -> dict:
    name = write_notebook(
        root,
        f"tour_{n}.ipynb",
        DATA_CELL,
        f"import nbviz\nx, y = clustered({n})\ngt = nbviz.GrandTour(x, y, height=500)\ngt",
    )
    with chromium() as (page, errors):
        open_notebook(page, lab, name)
        run_all_cells(page)
        page.wait_for_selector(f'{TOUR}[data-ready="true"][data-n="{n}"]', timeout=60_000)
        time.sleep(1.0)
        fps = _fps(page, TOUR, seconds, repeats, wheel=False)
        js_ms = page.evaluate(f"() => document.querySelector('{TOUR}').__nbvizStats.values()")
        ink = element_ink(page, TOUR_CANVAS)["ink"]
        if errors:
            raise RuntimeError(f"console errors in the tour case: {errors}")
    return {
        "fps": fps,
        "fps_median": statistics.median(fps),
        "js_ms_median": round(statistics.median(js_ms[-120:]), 3),
        "js_ms_p90": round(sorted(js_ms[-120:])[int(0.9 * len(js_ms[-120:]))], 3),
        "drew": ink > 0,
    }


def scatter_case(lab, root, n, seconds, repeats) -> dict:
    name = write_notebook(
        root,
        f"jscatter_{n}.ipynb",
        DATA_CELL,
        f"import jscatter\nx, y = clustered({n}, d=2)\n"
        "sc = jscatter.Scatter(x=x[:, 0], y=x[:, 1], color_by=y.astype(str), height=500)\n"
        "sc.show()",
    )
    with chromium() as (page, errors):
        open_notebook(page, lab, name)
        run_all_cells(page)
        # jupyter-scatter's plot canvas: the largest canvas in the output area.
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-OutputArea-output canvas')]"
            ".some(c => c.width > 300)",
            timeout=60_000,
        )
        page.evaluate(
            """() => {
              const cs = [...document.querySelectorAll('.jp-OutputArea-output canvas')];
              cs.sort((a, b) => b.width * b.height - a.width * a.height);
              cs[0].setAttribute('data-bench', 'peer');
            }"""
        )
        time.sleep(2.0)
        sel = 'canvas[data-bench="peer"]'
        before = page.locator(sel).screenshot()
        fps = _fps(page, sel, seconds, repeats, wheel=True)
        after = page.locator(sel).screenshot()
        if errors:
            raise RuntimeError(f"console errors in the jupyter-scatter case: {errors}")
    return {
        "fps": fps,
        "fps_median": statistics.median(fps),
        # Evidence that the peer really redrew under the wheel events (its view zoomed).
        "view_changed": before != after,
    }


def first_frame_case(lab, root, n=70_000) -> dict:
    name = write_notebook(
        root,
        "first_frame.ipynb",
        DATA_CELL,
        f"import nbviz\nx, y = clustered({n}, seed=1)\n"
        "t_build = time.time()\ngt = nbviz.GrandTour(x, y, height=500)\ngt",
    )
    with chromium() as (page, errors):
        open_notebook(page, lab, name)
        run_all_cells(page)
        page.wait_for_selector(f'{TOUR}[data-points-drawn-n="{n}"]', timeout=60_000)
        with lab.kernel(name) as kc:
            t_build = kernel_eval(kc, "t_build")
            drawn = float(
                page.evaluate(f"() => document.querySelector('{TOUR}').dataset.pointsDrawnAt")
            )
            new_widget_s = drawn / 1000 - t_build
            # (b) assign new points to the shown widget, with the tour paused and playing.
            kernel_eval(
                kc,
                "(globals().__setitem__('p2', nbviz.tour.framing.normalize_points("
                f"clustered({n}, seed=2)[0][None])[0]), 0)[1]",
            )
            assign = {}
            for playing in (False, True):
                kernel_eval(kc, f"setattr(gt, 'playing', {playing}) or 0")
                time.sleep(1.0)
                t_assign = kernel_eval(
                    kc, "(lambda t: (setattr(gt, 'points', p2 * (0.5 + gt.playing)), t)[1])("
                    "time.time())"
                )  # fmt: skip
                page.wait_for_function(
                    f"(t) => +document.querySelector('{TOUR}').dataset.pointsDrawnAt > t * 1000",
                    arg=t_assign,
                    timeout=60_000,
                )
                ds = page.evaluate(f"() => ({{...document.querySelector('{TOUR}').dataset}})")
                key = "playing" if playing else "paused"
                assign[key] = round(float(ds["pointsDrawnAt"]) / 1000 - t_assign, 3)
                assign[key + "_received"] = round(
                    float(ds["pointsReceivedAt"]) / 1000 - t_assign, 3
                )
        if errors:
            raise RuntimeError(f"console errors in the first-frame case: {errors}")
    return {
        "new_widget_s": round(new_widget_s, 3),
        **{f"assign_{k}_s": v for k, v in assign.items()},
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="each fps measuring window")
    ap.add_argument("--repeats", type=int, default=3, help="windows per case")
    args = ap.parse_args(argv)

    try:
        import jscatter  # noqa: F401
    except ImportError:
        sys.exit("jupyter-scatter is not installed: pip install -e '.[bench]'")

    results: dict = {"benchmark": "grand_tour", "dims": 10}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        with JupyterLab(root) as lab:
            for n in (10_000, 100_000):
                tour = tour_case(lab, root, n, args.seconds, args.repeats)
                peer = scatter_case(lab, root, n, args.seconds, args.repeats)
                print(f"{n:>7,} points  tour {tour['fps_median']:6.1f} fps {tour['fps']}  "
                      f"JS {tour['js_ms_median']:.3f} ms/frame (p90 {tour['js_ms_p90']:.3f})  |  "
                      f"jupyter-scatter {peer['fps_median']:6.1f} fps {peer['fps']} "
                      f"(view changed: {peer['view_changed']})")  # fmt: skip
                results[f"tour_fps_{n // 1000}k"] = tour["fps_median"]
                results[f"jscatter_fps_{n // 1000}k"] = peer["fps_median"]
                results[f"tour_js_ms_per_frame_{n // 1000}k"] = tour["js_ms_median"]
                results[f"tour_drew_{n // 1000}k"] = tour["drew"]
                results[f"jscatter_redrew_{n // 1000}k"] = peer["view_changed"]
            ff = first_frame_case(lab, root)
            print(f"70,000 x 10 -> first frame: new widget {ff['new_widget_s']:.3f} s; "
                  f"assigning points, tour paused {ff['assign_paused_s']:.3f} s "
                  f"(message in the browser after {ff['assign_paused_received_s']:.3f} s), "
                  f"tour playing {ff['assign_playing_s']:.3f} s "
                  f"(message after {ff['assign_playing_received_s']:.3f} s)")  # fmt: skip
            for k, v in ff.items():
                results[f"first_frame_70k_{k}"] = v
    results["fps_ratio_100k"] = round(results["tour_fps_100k"] / results["jscatter_fps_100k"], 3)
    results["js_ms_growth_10k_to_100k"] = round(
        results["tour_js_ms_per_frame_100k"] / max(results["tour_js_ms_per_frame_10k"], 1e-6), 3
    )
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
