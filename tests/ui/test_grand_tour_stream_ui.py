"""Large points stream into the Grand Tour in pieces: drawn as they arrive, with a progress
note, the tour held still until all are on the GPU, then touring as usual."""

from __future__ import annotations

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, show_view, view_hook, wait_until

SOFTWARE_RENDERERS = ("swiftshader", "llvmpipe", "software")


def software_webgl(page) -> bool:
    """Whether the page's WebGL draws on the CPU (Chromium's SwiftShader here)."""
    renderer = page.evaluate(
        """() => {
          const gl = document.createElement("canvas").getContext("webgl2");
          const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
          return info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
        }"""
    )
    return any(s in renderer.lower() for s in SOFTWARE_RENDERERS)


ROOT = ".nbviz-grand-tour"

SETUP = """
import numpy as np
from nbviz import GrandTour
from nbviz.widgets.streaming import STREAM_BYTES

rng = np.random.default_rng(0)
n = STREAM_BYTES // 40 + 50_000          # past the streaming threshold at 10 dims
centers = rng.normal(scale=4.0, size=(10, 10))
labels = rng.integers(0, 10, n)
x = (centers[labels] + rng.normal(size=(n, 10))).astype(np.float32)
big = GrandTour(x, labels, height=360)
big
"""


def test_large_points_stream_then_tour(page, lab, write_notebook):
    name = write_notebook("stream.ipynb", SETUP)
    show_view(page, lab, name, ROOT, ready=False)
    with lab.kernel(name) as kc:
        n = kernel_eval(kc, "n")
        assert "stream" in kernel_eval(kc, "list(big.get_state()['points'])")
        page.wait_for_selector(f"{ROOT}[data-points-complete-at]", timeout=120_000)
        ds = page.evaluate(f"() => ({{...document.querySelector('{ROOT}').dataset}})")
        assert ds["streaming"] == "false" and ds["n"] == str(n)
        # The first frame came before the last piece, with the points that had arrived.
        assert 0 < int(ds["pointsDrawnCount"]) <= n
        assert int(ds["pointsDrawnAt"]) <= int(ds["pointsCompleteAt"])
        assert page.locator(".nbviz-grand-tour-progress").is_hidden()
        assert element_ink(page, ".nbviz-grand-tour-canvas")["ink"] > 1000
        # Once all are there, the tour plays.
        t0 = view_hook(page, ROOT, "t.tourTime()")
        t1 = wait_until(
            lambda: view_hook(page, ROOT, "t.tourTime()"),
            lambda t: t > t0 + 0.01,
            timeout=15,
        )
        assert t1 > t0 + 0.01
        # While it moves, a cloud this large is drawn as a random subset when drawing is
        # slow (software WebGL here); once still, every point is drawn again.
        moving = wait_until(
            lambda: int(page.get_attribute(ROOT, "data-drawn") or 0),
            lambda k: k < n,
            timeout=10 if software_webgl(page) else 2,
        )
        if software_webgl(page):
            assert 100_000 <= moving < n
        assert element_ink(page, ".nbviz-grand-tour-canvas")["ink"] > 1000  # a cloud, not specks
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(ROOT).screenshot(path=str(ARTIFACTS / "grand-tour-stream-moving.png"))
        kernel_eval(kc, "setattr(big, 'playing', False) or 0")
        page.wait_for_selector(f'{ROOT}[data-drawn="{n}"]', timeout=30_000)
        page.locator(ROOT).screenshot(path=str(ARTIFACTS / "grand-tour-stream-still.png"))
        kernel_eval(kc, "setattr(big, 'playing', True) or 0")
        # New points (small ones, in the state) replace the streamed ones.
        kernel_eval(
            kc, "setattr(big, 'labels', None) or setattr(big, 'points', x[None, :5000]) or 0"
        )
        page.wait_for_selector(f'{ROOT}[data-n="5000"]', timeout=30_000)
        assert page.get_attribute(ROOT, "data-streaming") == "false"
