"""Benchmark: the GrandTour view against jupyter-scatter and dtour, in one JupyterLab run.

Measures, in the same run and the same headless Chromium build:

* changed frames per second (below) at 10,000, 100,000 and 1,000,000 points x 10 dims of
  the ``clustered`` data, for three widgets, each in its own fresh browser:

  - nbviz ``GrandTour(x, y, height=500)`` playing its tour (``playing=True``, default
    speed; the projection rotates every frame), canvas ``.nbviz-grand-tour-canvas``;
  - jupyter-scatter drawing the first 2 of the 10 dims, its view changed by one
    wheel-zoom event per animation frame (the sign alternates between windows, so it
    never runs into its zoom limit), its largest canvas;
  - dtour ``Widget(df, dtour.little_tour(x), point_color_by="label", tour_playing=True,
    height=500)`` (``df``: the 10 float32 dims plus a string ``label`` column) in its
    "guided" traversal, then, in the same page, its "grand" traversal (reported
    separately), its largest canvas (inside the widget's shadow root);

* the tour's JS (CPU) time per frame at each size (it must not grow with n);
* at 1M points, the time from executing the cell that builds and displays the widget to
  the first visible frame (its canvas read back shows points), for GrandTour and for
  dtour (a 90 s limit; null and a note if it never draws), and where that time goes:
  the cell itself (Python), and for GrandTour its canvas in the page,
  ``data-points-received-at`` (set only when points arrive after the view exists; else
  null), ``data-points-drawn-at`` (the first frame issued with points; if the view sends
  points in pieces, that frame has only the first piece: ``data-points-drawn-count``)
  and ``data-points-complete-at`` (the last piece, if any). dtour's canvas keeps its last
  frame, so it is read every 100 ms; GrandTour's WebGL canvas reads blank in frames it
  did not draw, so it is read in the frame that sets ``data-points-drawn-at`` (and every
  frame after, should that one show no ink). GrandTour's frame rates are measured once
  it no longer says ``data-streaming="true"``;
* time from assigning 70,000 x 10 points in Python to the first frame drawn with them:
  (a) building and displaying a new GrandTour, (b) assigning ``points`` of a shown one,
  with the tour paused and playing.

How frames are counted: only frames that changed pixels. Once per frame of the page's
main thread, after every requestAnimationFrame callback (the widgets' draws) and before
the frame is presented (in a ResizeObserver callback that a 1-px element, resized in our
own rAF callback, fires every frame), the widget's canvas is drawn (``drawImage``) into
one 96x96 2-D canvas (``willReadFrequently``) and its ``getImageData`` hashed (FNV-1a).
A frame counts when its hash differs from the last non-blank one; blank (one-colour)
readbacks are skipped. A widget that re-issues identical frames, or whose canvas stops
updating, scores 0; one that redraws faster than the page's frame rate scores at most
that rate. Why this phase: GrandTour's WebGL2 canvas has ``preserveDrawingBuffer:
false``, so once the frame is presented its buffer reads back blank (a read in a plain
rAF callback that runs before the widget's is blank too); between the draws and the
presentation it holds the new frame. dtour's ``<canvas>`` handed its drawing to a
worker (``transferControlToOffscreen``); ``drawImage`` of it gives the worker's last
committed frame, and jupyter-scatter's canvas is a 2-D one. Each run checks that the
readback sees what the screen shows: the share of the 96x96 probe with ink next to
that of a screenshot of the canvas (``*_readback_ink`` / ``*_screen_ink``), and a
warning when the readback is blank. A 96x96 probe counted the same changes as a
256x256 and a full-size one (checked on dtour's guided and grand traversals).

The readback costs the same per frame for every widget: one 96x96 downscale, readback
and hash on the page's main thread (``*_readback_ms``: its mean wall time). Reading a
main-thread WebGL canvas's new frame also makes the main thread wait until the GPU
process (SwiftShader, on the same two CPUs) has drawn it (``createImageBitmap`` waits
too), so GrandTour's ``readback_ms`` holds its render time and measuring slows GrandTour
alone: dtour draws in a worker, whose last committed frame is read without waiting, and
jupyter-scatter copies its WebGL frame into its 2-D canvas itself. The ratios therefore
understate GrandTour, if anything. To show what measuring costs, each case first runs
one window without readback: the frame rate unmeasured (``*_raf_fps_noprobe``) next to
the measured one (``*_raf_fps``).

dtour applies ``tour_playing=True`` given at construction only if its tour reached its
worker first, which it does not reliably; so once its canvas shows points, the benchmark
sets ``tour_playing`` to False and back to True from the kernel, as a user would press
its play button.

Per case there are ``--repeats`` windows of ``--seconds``; the figures are the medians,
and the worst-case ratios ``fps_ratio_*_min`` divide GrandTour's slowest window by the
peer's fastest (stricter than pairing windows by index, which the separate browsers
would make meaningless anyway); null when the peer's fastest window changed no pixels.
While its view moves, GrandTour draws a fixed random subset of a large cloud when drawing
every point would take more than 50 ms a frame (never fewer than 100,000 points; every
point again once the view is still); ``tour_drawn_moving_*`` is the number of points in
its last moving frame. The peers run with their own defaults.
``tour_fps_*`` and ``jscatter_fps_*`` (the keys of earlier versions) are the changed-frame
medians too. Chromium runs headless with software WebGL (SwiftShader) on this machine's
CPUs (no WebGPU adapter: dtour uses its WebGL2 fallback; ``dtour_webgpu`` says), so the
absolute numbers are far below a desktop GPU's; the ratios are the figures of merit.
Prints the figures, then one JSON line last.

Run: ``.venv/bin/pip install -e .[bench] && .venv/bin/python benchmarks/grand_tour.py``
(``--seconds`` sets each measuring window, ``--repeats`` how many windows per case,
``--cases`` which cases run, e.g. ``--cases 100k,first``; ``--widgets`` which widgets).
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
    kernel_eval,
    open_notebook,
    run_all_cells,
    write_notebook,
)

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
ALL_CASES = (*SIZES, "first")
WIDGETS = ("tour", "jscatter", "dtour")
VISIBLE_TIMEOUT_S = 90.0  # first visible frame at 1M points

DATA_CELL = """
import time
import numpy as np

def clustered(n, d=10, k=10, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, n)
    return (centers[labels] + rng.normal(size=(n, d))).astype(np.float32), labels
"""

# Defined in every benchmark page before JupyterLab loads: ``window.__bench``.
PAGE_HELPERS_JS = """
window.__bench = (() => {
  const SIZE = 96;
  let ctx = null, ticker = null, flip = false, queue = [];
  const canvases = (root, out) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') out.push(el);
      if (el.shadowRoot) canvases(el.shadowRoot, out);
    }
    return out;
  };
  // A CSS selector, or "largest": the largest wide canvas in the outputs (shadow roots too).
  const find = (selector) => {
    if (selector !== 'largest') return document.querySelector(selector);
    const all = [...document.querySelectorAll('.jp-OutputArea-output')]
      .flatMap((o) => canvases(o, []))
      .filter((c) => c.clientWidth > 300);
    all.sort((a, b) => b.clientWidth * b.clientHeight - a.clientWidth * a.clientHeight);
    return all[0] || null;
  };
  // Runs fn(rafTime) in the next frame after every requestAnimationFrame callback (the
  // widgets' draws) and before the frame is presented: ResizeObserver callbacks run
  // between the two, and a hidden 1-px element that changes width in our rAF callback
  // makes one fire every frame. A WebGL canvas (preserveDrawingBuffer false) read any
  // earlier or later in the frame is a cleared, blank buffer.
  const afterDraw = (fn) => requestAnimationFrame((now) => {
    if (!ticker) {
      ticker = document.createElement('div');
      ticker.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;' +
                             'visibility:hidden;pointer-events:none';
      document.body.appendChild(ticker);
      new ResizeObserver(() => {
        const q = queue;
        queue = [];
        for (const f of q) f();
      }).observe(ticker);
    }
    queue.push(() => fn(now));
    flip = !flip;
    ticker.style.width = flip ? '2px' : '1px';
  });
  // The canvas downscaled to SIZE x SIZE, one 32-bit RGBA word per pixel.
  const sample = (el) => {
    if (!ctx) {
      const probe = document.createElement('canvas');
      probe.width = probe.height = SIZE;
      ctx = probe.getContext('2d', {willReadFrequently: true});
    }
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.drawImage(el, 0, 0, SIZE, SIZE);
    return new Uint32Array(ctx.getImageData(0, 0, SIZE, SIZE).data.buffer);
  };
  // FNV-1a over the pixels; null for a blank (one-colour) readback.
  const hash = (px) => {
    let h = 2166136261, blank = true;
    for (let i = 0; i < px.length; i++) {
      h = Math.imul(h ^ px[i], 16777619);
      if (px[i] !== px[0]) blank = false;
    }
    return blank ? null : h >>> 0;
  };
  // Share of pixels unlike the commonest one (RGBA distance over 48).
  const ink = (px) => {
    const counts = new Map();
    for (const p of px) counts.set(p, (counts.get(p) || 0) + 1);
    let bg = 0, most = -1;
    for (const [p, c] of counts) if (c > most) { most = c; bg = p; }
    let n = 0;
    for (const p of px) {
      let d = 0;
      for (let s = 0; s < 32; s += 8) d += Math.abs(((p >>> s) & 255) - ((bg >>> s) & 255));
      if (d > 48) n++;
    }
    return n / px.length;
  };
  // One measuring window: frames whose readback is not blank and differs from the last
  // non-blank one. With probe false, only the frame rate (the cost of measuring).
  const count = (el, ms, wheel, probe = true) => new Promise((resolve) => {
    const box = el.getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    let prev = null, frames = 0, changed = 0, blank = 0, cost = 0, t0 = null, last = 0;
    const step = (now) => {
      if (t0 === null) t0 = now;
      last = now;
      frames++;
      if (probe) {
        const a = performance.now();
        const h = hash(sample(el));
        cost += performance.now() - a;
        if (h === null) blank++;
        else if (prev !== null && h !== prev) changed++;
        if (h !== null) prev = h;
      }
      if (wheel) {
        el.dispatchEvent(new WheelEvent('wheel', {deltaY: wheel, clientX: cx, clientY: cy,
                                                  bubbles: true, cancelable: true}));
      }
      if (now - t0 < ms) afterDraw(step);
      else {
        const s = (last - t0) / 1000;
        resolve({changed_fps: changed / s, raf_fps: (frames - 1) / s,
                 blank_fps: blank / s, readback_ms: cost / frames});
      }
    };
    afterDraw(step);
  });
  // The most ink the canvas shows over `frames` frames.
  const inkShare = (el, frames) => new Promise((resolve) => {
    let best = 0, left = frames;
    const step = () => {
      best = Math.max(best, ink(sample(el)));
      if (--left > 0) afterDraw(step); else resolve(best);
    };
    afterDraw(step);
  });
  // Reads find(selector) until a readback shows `minShare` of ink; wall-clock times
  // (Date.now(), the clock of Python's time.time()) land in watch: at, when that read
  // returned (the frame had rendered); foundAt, when the canvas was first found.
  // Without a gate, reads every `every` ms (a canvas that keeps its last frame). With a
  // gate [selector, data key], waits every frame for that attribute to appear and reads
  // in that very frame (the widget's first draw with points), then every frame: a WebGL
  // canvas reads blank in frames it did not draw, and each read waits for the frame.
  const watch = {at: null, ink: 0, foundAt: null, done: false};
  const watchInk = (selector, minShare, every, gate) => {
    const look = () => {
      if (find(selector)) watch.foundAt = Date.now(); else setTimeout(look, 50);
    };
    look();
    let open = !gate;
    const poll = () => {
      if (watch.at !== null || watch.done) return;
      if (!open) open = !!document.querySelector(gate[0])?.dataset[gate[1]];
      const el = find(selector);
      if (open && el && el.width > 0 && el.height > 0) {
        watch.ink = ink(sample(el));
        if (watch.ink >= minShare) watch.at = Date.now();
      }
      if (gate) afterDraw(poll); else setTimeout(() => afterDraw(poll), every);
    };
    afterDraw(poll);
  };
  return {find, afterDraw, sample, hash, ink, count, inkShare, watch, watchInk};
})();
"""

MARK_JS = """
(selector) => {
  const el = window.__bench.find(selector);
  if (!el) return null;
  el.setAttribute('data-bench', 'target');
  window.__benchTarget = el;
  return [el.width, el.height];
}
"""

TOUR = ".nbviz-grand-tour"
TOUR_CANVAS = ".nbviz-grand-tour-canvas"
TARGET = 'canvas[data-bench="target"]'


# --- measuring in the page ---


def new_page(browser_ctx):
    """Unpack ``chromium()``'s page and install the page helpers before any load."""
    page, errors = browser_ctx
    page.add_init_script(PAGE_HELPERS_JS)
    return page, errors


def mark_target(page, selector: str, timeout_s: float = 60.0) -> list[int]:
    """Find the widget's canvas (``selector`` or ``"largest"``) and mark it as the target."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        size = page.evaluate(MARK_JS, selector)
        if size and size[0] > 0:
            return size
        time.sleep(0.25)
    raise TimeoutError(f"no canvas {selector!r} after {timeout_s} s")


COUNT_JS = """
([ms, wheel, probe]) => window.__bench.count(window.__benchTarget, ms, wheel, probe)
"""


def measure(page, seconds: float, repeats: int, wheel: bool = False) -> dict:
    """Changed frames/s on the marked canvas: ``repeats`` windows of ``seconds``.

    A first window without readback gives the page's frame rate unmeasured
    (``raf_fps_noprobe``), the cost of measuring by comparison with ``raf_fps``.
    """
    ms = seconds * 1000
    plain = page.evaluate(COUNT_JS, [ms, -1 if wheel else 0, False])
    windows = []
    for i in range(repeats):
        # Zoom in, out, in ...: never far from the start (no zoom limit), in at the end.
        sign = (-1 if i % 2 == 0 else 1) if wheel else 0
        windows.append(page.evaluate(COUNT_JS, [ms, sign, True]))
    changed = [round(w["changed_fps"], 2) for w in windows]
    return {
        "changed_fps": round(statistics.median(changed), 2),
        "windows": changed,
        "raf_fps": round(statistics.median(w["raf_fps"] for w in windows), 2),
        "raf_fps_noprobe": round(plain["raf_fps"], 2),
        "blank_fps": round(statistics.median(w["blank_fps"] for w in windows), 2),
        "readback_ms": round(statistics.median(w["readback_ms"] for w in windows), 2),
    }


def screen_ink(page, tolerance: int = 24) -> float:
    """Share of the marked canvas's on-screen pixels unlike their commonest colour.

    Like the harness's ``element_ink``, but a page screenshot clipped to the canvas: an
    element screenshot waits for two stable frames, which a 1M-point tour may not give.
    """
    import io

    import numpy as np
    from PIL import Image

    box = page.locator(TARGET).bounding_box()
    png = page.screenshot(clip=box, timeout=120_000)
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    colours, counts = np.unique(rgb, axis=0, return_counts=True)
    ink = (np.abs(rgb - colours[counts.argmax()]).sum(axis=1) > tolerance).sum()
    return float(ink / len(rgb))


def readback_check(page) -> dict:
    """Ink share of the target's 96x96 readback and of its screenshot: both should show it."""
    probe = page.evaluate("() => window.__bench.inkShare(window.__benchTarget, 10)")
    screen = screen_ink(page)
    return {
        "readback_ink": round(probe, 4),
        "screen_ink": round(screen, 4),
        "readback_blank": probe == 0 and screen > 0,
    }


def watch_first_visible(page, selector: str, gate=None, min_share: float = 0.002) -> None:
    """Start watching the canvas for ink before the widget's cell runs.

    ``gate``: ``[selector, data key]`` of an attribute the widget sets in the frame it
    first draws its points (GrandTour: ``data-points-drawn-at``); see ``watchInk``.
    """
    page.evaluate(
        "([s, k, g]) => window.__bench.watchInk(s, k, 100, g)", [selector, min_share, gate]
    )


def wait_first_visible(page, t_build: float, timeout_s: float = VISIBLE_TIMEOUT_S):
    """Seconds from ``t_build`` (kernel clock) to the first frame read with ink, or None.

    Stops the per-frame reads either way, so they do not load the measuring windows.
    """
    deadline = t_build + timeout_s
    at = None
    while at is None and time.time() < deadline:
        at = page.evaluate("() => window.__bench.watch.at")
        if at is None:
            time.sleep(0.25)
    page.evaluate("() => { window.__bench.watch.done = true; }")
    return None if at is None else round(at / 1000 - t_build, 3)


# --- the widgets ---


def tour_case(lab, root, n, seconds, repeats, first_visible=False) -> dict:
    """GrandTour playing its tour: changed frames/s, JS ms per frame, first visible frame."""
    name = write_notebook(
        root,
        f"tour_{n}.ipynb",
        DATA_CELL,
        # The class is imported before the clock starts, as dtour's module is.
        f"from nbviz import GrandTour\nx, y = clustered({n})",
        "t_build = time.time()\ngt = GrandTour(x, y, height=500)\n"
        "t_python = time.time() - t_build\ngt",
    )
    out: dict = {}
    with chromium() as ctx:
        page, errors = new_page(ctx)
        open_notebook(page, lab, name)
        if first_visible:
            watch_first_visible(page, TOUR_CANVAS, gate=[TOUR, "pointsDrawnAt"])
        run_all_cells(page)
        page.wait_for_selector(f'{TOUR}[data-ready="true"][data-n="{n}"]', timeout=180_000)
        if first_visible:
            out.update(tour_first_visible(page, lab, name))
        wait_streamed(page)
        mark_target(page, TOUR_CANVAS)
        time.sleep(1.0)
        out.update(measure(page, seconds, repeats))
        out.update(readback_check(page))
        out.update(tour_js_ms(page))
        # Points in the last frame drawn while the tour moved (detail.js: a random subset
        # when drawing all is slow; every point once the view is still).
        out["drawn_moving"] = int(page.get_attribute(TOUR, "data-drawn") or 0)
        if errors:
            raise RuntimeError(f"console errors in the tour case: {errors}")
    return out


TOUR_DATASET_JS = f"() => ({{...document.querySelector('{TOUR}').dataset}})"


def wait_streamed(page) -> None:
    """Wait until the tour no longer says ``data-streaming="true"`` (all points are in)."""
    page.wait_for_function(
        f"() => document.querySelector('{TOUR}').dataset.streaming !== 'true'", timeout=180_000
    )


def tour_first_visible(page, lab, name) -> dict:
    """Where the time from the widget's cell to GrandTour's first visible frame goes.

    Python: the cell (building the widget); view: its canvas is in the page; received:
    ``data-points-received-at`` (set when points come after the view exists); drawn:
    ``data-points-drawn-at`` (the first frame issued with points; it drew
    ``data-points-drawn-count`` of them, if the view says); visible: that frame read back
    with ink; complete: ``data-points-complete-at`` (the last of points sent in pieces,
    if they were). The tour is measured only once it no longer says
    ``data-streaming="true"``.
    """
    with lab.kernel(name) as kc:
        t_build, python_s = kernel_eval(kc, "[t_build, round(t_python, 3)]")
    visible = wait_first_visible(page, t_build)
    page.wait_for_selector(f"{TOUR}[data-points-drawn-at]", timeout=60_000)
    wait_streamed(page)
    ds = page.evaluate(TOUR_DATASET_JS)
    found = page.evaluate("() => window.__bench.watch.foundAt")

    def since(ms):
        return None if ms is None else round(float(ms) / 1000 - t_build, 3)

    count = ds.get("pointsDrawnCount")
    return {
        "first_visible_s": visible,
        "python_s": python_s,
        "view_s": since(found),
        "points_received_s": since(ds.get("pointsReceivedAt")),
        "points_drawn_s": since(ds.get("pointsDrawnAt")),
        "points_drawn_count": None if count is None else int(count),
        "points_complete_s": since(ds.get("pointsCompleteAt")),
    }


def tour_js_ms(page) -> dict:
    """The tour's own JS time per frame (its frame stats), median and p90 of the last 120."""
    js_ms = page.evaluate(f"() => document.querySelector('{TOUR}').__nbvizStats.values()")
    recent = sorted(js_ms[-120:])
    return {
        "js_ms_median": round(statistics.median(recent), 3),
        "js_ms_p90": round(recent[int(0.9 * len(recent))], 3),
    }


def scatter_case(lab, root, n, seconds, repeats) -> dict:
    """jupyter-scatter with one wheel-zoom event per animation frame: changed frames/s."""
    name = write_notebook(
        root,
        f"jscatter_{n}.ipynb",
        DATA_CELL,
        f"import jscatter\nx, y = clustered({n}, d=2)\n"
        "sc = jscatter.Scatter(x=x[:, 0], y=x[:, 1], color_by=y.astype(str), height=500)\n"
        "sc.show()",
    )
    with chromium() as ctx:
        page, errors = new_page(ctx)
        open_notebook(page, lab, name)
        run_all_cells(page)
        mark_target(page, "largest")
        time.sleep(2.0)
        before = page.locator(TARGET).screenshot()
        out = measure(page, seconds, repeats, wheel=True)
        out["view_changed"] = before != page.locator(TARGET).screenshot()
        out.update(readback_check(page))
        if errors:
            raise RuntimeError(f"console errors in the jupyter-scatter case: {errors}")
    return out


DTOUR_CELL = """
import dtour
import pandas as pd
t_build = time.time()
df = pd.DataFrame(x, columns=[f"d{i}" for i in range(x.shape[1])]).assign(label=y.astype(str))
dt = dtour.Widget(df, dtour.little_tour(x), point_color_by="label", tour_playing=True,
                  height=500)
t_python = time.time() - t_build
dt
"""


def dtour_case(lab, root, n, seconds, repeats, first_visible=False, grand=True) -> dict:
    """dtour in its guided traversal (then its grand one): changed frames/s, first frame."""
    name = write_notebook(root, f"dtour_{n}.ipynb", DATA_CELL, f"x, y = clustered({n})", DTOUR_CELL)
    out: dict = {"notes": []}
    with chromium() as ctx:
        page, errors = new_page(ctx)
        open_notebook(page, lab, name)
        watch_first_visible(page, "largest")
        run_all_cells(page)
        out["webgpu"] = page.evaluate(
            "async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())"
        )
        with lab.kernel(name) as kc:
            t_build, out["python_s"] = kernel_eval(kc, "[t_build, round(t_python, 3)]")
            visible = wait_first_visible(page, t_build)
            if first_visible:
                out["first_visible_s"] = visible
            if visible is None:
                out["notes"].append(f"dtour drew no points within {VISIBLE_TIMEOUT_S:.0f} s")
            mark_target(page, "largest")
            # Re-apply tour_playing (see the module docstring), then let playback settle.
            kernel_eval(kc, "setattr(dt, 'tour_playing', False) or 0")
            time.sleep(0.5)
            kernel_eval(kc, "setattr(dt, 'tour_playing', True) or 0")
            time.sleep(1.0)
            out["guided"] = measure(page, seconds, repeats)
            out.update(readback_check(page))
            if grand:
                kernel_eval(kc, "setattr(dt, 'tour_playing', False) or 0")
                kernel_eval(kc, "setattr(dt, 'tour_traversal', 'grand') or 0")
                time.sleep(1.0)
                out["grand"] = measure(page, seconds, repeats)
        if errors:
            out["notes"].append(f"{len(errors)} console errors, first: {errors[0][:200]}")
    return out


def first_frame_case(lab, root, n=70_000) -> dict:
    """Time from assigning 70k x 10 points in Python to the first GrandTour frame with them."""
    name = write_notebook(
        root,
        "first_frame.ipynb",
        DATA_CELL,
        f"import nbviz\nfrom nbviz import GrandTour\nx, y = clustered({n}, seed=1)\n"
        "t_build = time.time()\ngt = GrandTour(x, y, height=500)\ngt",
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


# --- results ---


def worst_ratio(ours: list[float], peer: list[float]):
    """GrandTour's slowest window over the peer's fastest, or None if the peer never changed."""
    best = max(peer, default=0.0)
    return round(min(ours) / best, 3) if best > 0 else None


def median_ratio(ours: float, peer: float):
    """Ratio of the medians, or None when the peer's median is 0."""
    return round(ours / peer, 3) if peer > 0 else None


def record_size(results: dict, label: str, cases: dict) -> None:
    """Put one size's measurements into the flat JSON ``results``."""
    for key, case in (
        ("tour", cases.get("tour")),
        ("jscatter", cases.get("jscatter")),
        ("dtour", (cases.get("dtour") or {}).get("guided")),
        ("dtour_grand", (cases.get("dtour") or {}).get("grand")),
    ):
        if case is None:
            continue
        results[f"{key}_changed_fps_{label}"] = case["changed_fps"]
        results[f"{key}_changed_fps_windows_{label}"] = case["windows"]
        for field in ("raf_fps", "raf_fps_noprobe", "readback_ms"):
            results[f"{key}_{field}_{label}"] = case[field]
    for key in ("tour", "jscatter", "dtour"):
        case = cases.get(key)
        if case is not None:
            results[f"{key}_readback_ink_{label}"] = case["readback_ink"]
            results[f"{key}_screen_ink_{label}"] = case["screen_ink"]
    record_legacy(results, label, cases)
    record_ratios(results, label, cases)


def record_legacy(results: dict, label: str, cases: dict) -> None:
    """The keys of earlier versions (fps now means changed frames/s) and per-widget extras."""
    tour, peer, dt = cases.get("tour"), cases.get("jscatter"), cases.get("dtour")
    if tour is not None:
        results[f"tour_fps_{label}"] = tour["changed_fps"]
        results[f"tour_js_ms_per_frame_{label}"] = tour["js_ms_median"]
        results[f"tour_drew_{label}"] = tour["screen_ink"] > 0
        results[f"tour_drawn_moving_{label}"] = tour["drawn_moving"]
    if peer is not None:
        results[f"jscatter_fps_{label}"] = peer["changed_fps"]
        results[f"jscatter_redrew_{label}"] = peer["view_changed"]
    if dt is not None:
        results[f"dtour_drew_{label}"] = dt["screen_ink"] > 0
        results["dtour_webgpu"] = dt["webgpu"]
        results[f"dtour_python_s_{label}"] = dt["python_s"]
        results.setdefault("notes", []).extend(f"{label}: {m}" for m in dt["notes"])


def record_ratios(results: dict, label: str, cases: dict) -> None:
    """GrandTour over each peer: ratio of medians and worst-window ratio."""
    tour = cases.get("tour")
    if tour is None:
        return
    peers = {"": cases.get("jscatter"), "dtour_": (cases.get("dtour") or {}).get("guided")}
    for prefix, peer in peers.items():
        if peer is None:
            continue
        results[f"fps_ratio_{prefix}{label}"] = median_ratio(
            tour["changed_fps"], peer["changed_fps"]
        )
        results[f"fps_ratio_{prefix}{label}_min"] = worst_ratio(tour["windows"], peer["windows"])


def frame_rates(case: dict) -> str:
    """The page's frame rate measured and unmeasured, and the readback's cost."""
    return (
        f"rAF {case['raf_fps']:.1f}/s (unmeasured {case['raf_fps_noprobe']:.1f}/s), "
        f"readback {case['readback_ms']:.1f} ms/frame"
    )


def print_size(n: int, cases: dict) -> None:
    """One line per widget for one size."""
    tour, peer, dt = cases.get("tour"), cases.get("jscatter"), cases.get("dtour")
    print(f"{n:>9,} points x 10 dims, changed frames/s (median, windows):")
    if tour is not None:
        print(f"    GrandTour        {tour['changed_fps']:6.1f} {tour['windows']}  "
              f"JS {tour['js_ms_median']:.3f} ms/frame (p90 {tour['js_ms_p90']:.3f}), "
              f"{frame_rates(tour)}, {tour['drawn_moving']:,} of {n:,} points drawn while "
              "moving")  # fmt: skip
    if peer is not None:
        print(f"    jupyter-scatter  {peer['changed_fps']:6.1f} {peer['windows']}  "
              f"{frame_rates(peer)}, view changed: {peer['view_changed']}")  # fmt: skip
    if dt is not None:
        for mode in ("guided", "grand"):
            if mode in dt:
                m = dt[mode]
                print(f"    dtour {mode:<10} {m['changed_fps']:6.1f} {m['windows']}  "
                      f"{frame_rates(m)}")  # fmt: skip
    for key, case in (("GrandTour", tour), ("jupyter-scatter", peer), ("dtour", dt)):
        if case is not None and case["readback_blank"]:
            print(f"    WARNING: {key}'s canvas reads back blank but shows ink on screen")
    if tour is not None and "first_visible_s" in tour:
        print(
            f"    first visible frame: GrandTour {tour['first_visible_s']} s (Python "
            f"{tour['python_s']} s, view in the page {tour['view_s']} s, points message "
            f"{tour['points_received_s']} s, first drawn {tour['points_drawn_s']} s with "
            f"{tour['points_drawn_count']} points, all points in {tour['points_complete_s']} s)"
        )
    if dt is not None and "first_visible_s" in dt:
        print(
            f"    first visible frame: dtour {dt['first_visible_s']} s "
            f"(Python side {dt['python_s']} s)"
        )


def run_size(lab, root, label: str, widgets, seconds: float, repeats: int) -> dict:
    """Every chosen widget at one size; the 1M case also times the first visible frame."""
    n = SIZES[label]
    big = label == "1m"
    cases: dict = {}
    if "tour" in widgets:
        cases["tour"] = tour_case(lab, root, n, seconds, repeats, first_visible=big)
    if "jscatter" in widgets:
        cases["jscatter"] = scatter_case(lab, root, n, seconds, repeats)
    if "dtour" in widgets:
        cases["dtour"] = dtour_case(lab, root, n, seconds, repeats, first_visible=big)
    print_size(n, cases)
    return cases


def record_first_visible(results: dict, cases: dict) -> None:
    """The 1M first-visible keys; dtour's windows there, the 0s included."""
    tour, dt = cases.get("tour"), cases.get("dtour")
    if tour is not None:
        results["first_visible_1m_s"] = tour["first_visible_s"]
        for field in (
            "python_s",
            "view_s",
            "points_received_s",
            "points_drawn_s",
            "points_drawn_count",
            "points_complete_s",
        ):
            results[f"tour_1m_{field}"] = tour[field]
    if dt is not None:
        results["dtour_first_visible_1m_s"] = dt["first_visible_s"]
        results["dtour_1m_changed_fps"] = dt["guided"]["windows"]


def run_first_frame(lab, root, results: dict) -> None:
    """The 70k first-frame case, printed and recorded."""
    ff = first_frame_case(lab, root)
    print(f"70,000 x 10 -> first frame: new widget {ff['new_widget_s']:.3f} s; "
          f"assigning points, tour paused {ff['assign_paused_s']:.3f} s "
          f"(message in the browser after {ff['assign_paused_received_s']:.3f} s), "
          f"tour playing {ff['assign_playing_s']:.3f} s "
          f"(message after {ff['assign_playing_received_s']:.3f} s)")  # fmt: skip
    for k, v in ff.items():
        results[f"first_frame_70k_{k}"] = v


def parse_args(argv):
    """Command line: window length, windows per case, cases and widgets to run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="each measuring window")
    ap.add_argument("--repeats", type=int, default=5, help="windows per case")
    ap.add_argument("--cases", default=",".join(ALL_CASES),
                    help=f"comma-separated, of {','.join(ALL_CASES)}")  # fmt: skip
    ap.add_argument("--widgets", default=",".join(WIDGETS),
                    help=f"comma-separated, of {','.join(WIDGETS)}")  # fmt: skip
    args = ap.parse_args(argv)
    args.cases = [c.strip().lower() for c in args.cases.split(",") if c.strip()]
    args.widgets = [w.strip().lower() for w in args.widgets.split(",") if w.strip()]
    for value, allowed in ((args.cases, ALL_CASES), (args.widgets, WIDGETS)):
        if bad := set(value) - set(allowed):
            ap.error(f"unknown {sorted(bad)}; choose from {','.join(allowed)}")
    return args


def check_peers(widgets) -> None:
    """Exit with a hint when a peer to measure is not installed."""
    for widget, module in (("jscatter", "jscatter"), ("dtour", "dtour")):
        if widget in widgets:
            try:
                __import__(module)
            except ImportError:
                sys.exit(f"{module} is not installed: pip install -e '.[bench]'")


def main(argv=None) -> dict:
    args = parse_args(argv)
    check_peers(args.widgets)
    results: dict = {"benchmark": "grand_tour", "dims": 10}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        with JupyterLab(root) as lab:
            for label in (c for c in SIZES if c in args.cases):
                cases = run_size(lab, root, label, args.widgets, args.seconds, args.repeats)
                record_size(results, label, cases)
                if label == "1m":
                    record_first_visible(results, cases)
            if "first" in args.cases:
                run_first_frame(lab, root, results)
    if "tour_js_ms_per_frame_10k" in results and "tour_js_ms_per_frame_100k" in results:
        results["js_ms_growth_10k_to_100k"] = round(
            results["tour_js_ms_per_frame_100k"] / max(results["tour_js_ms_per_frame_10k"], 1e-6),
            3,
        )
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
