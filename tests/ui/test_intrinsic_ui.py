"""IntrinsicDimensionView in real JupyterLab under headless Chromium: the sweep curve grows
while running, and at the end the d_int90 line is drawn with Python's d_int90 in its
caption."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, view_hook, wait_until

ROOT = ".nbviz-intrinsic"
REPO = Path(__file__).resolve().parents[2]
README_SHOT = REPO / "docs" / "images" / "intrinsic-view.png"

SETUP = (
    "import torch\n"
    "from torch import nn\n"
    "from nbviz.data import digits\n"
    "from nbviz import IntrinsicDimensionView\n"
    "torch.manual_seed(0)\n"
    "net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))\n"
    "view = IntrinsicDimensionView(net, digits('train'), digits('test'),\n"
    "    dims=[4, 16, 64, 256, 1024, 2048], seeds=(0, 1), epochs=3, lr=1e-2,\n"
    "    batch_size=64, device='cpu', height=300)\n"
    "view",
)


def _dots(page) -> int:
    return int(page.get_attribute(ROOT, "data-dots-drawn") or 0)


def test_the_sweep_curve_grows_while_running(page, lab, write_notebook):
    name = write_notebook("intrinsic_ui.ipynb", *SETUP)
    open_notebook(page, lab, name)
    page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    page.locator(ROOT).first.scroll_into_view_if_needed()
    with lab.kernel(name) as kc:
        # Two reads while the job runs: the second shows more dots than the first.
        first = wait_until(lambda: _dots(page), lambda n: n >= 1, timeout=60, interval=0.05)
        assert 1 <= first < 12, first
        second = wait_until(lambda: _dots(page), lambda n: n > first, timeout=60, interval=0.05)
        still_running = kernel_eval(kc, "view.running")
        print("dots drawn while running:", first, "then", second)
        assert second > first and still_running, (first, second, still_running)

        assert wait_until(
            lambda: kernel_eval(kc, "view.job_state"), lambda s: s in ("done", "error"), 60
        ) == "done", kernel_eval(kc, "view.job_error")  # fmt: skip
        page.wait_for_selector(f'{ROOT}[data-runs-done="12"]', timeout=10_000)
        wait_until(lambda: _dots(page), lambda n: n == 12, timeout=10, interval=0.05)
        assert _dots(page) == 12 and page.get_attribute(ROOT, "data-runs-pending") == "0"

        # d_int90: Python's value, its line drawn at that d, and the caption naming it
        d90 = kernel_eval(kc, "view.d_int90")
        assert d90 == kernel_eval(kc, "view.result.d_int90")
        assert d90 in (4, 16, 64, 256, 1024, 2048)
        line = wait_until(
            lambda: view_hook(page, ROOT, "t.dIntLine()"), lambda v: v and v["d"] == d90, 10
        )
        assert line and line["d"] == d90
        caption = view_hook(page, ROOT, "t.caption()")
        assert caption.startswith(f"d_int90 = {d90:,}, D = 2,410, compression "), caption
        assert page.get_attribute(ROOT, "data-d-int90") == str(d90)
        mean = view_hook(page, ROOT, "t.meanPoint(args[0])", d90)
        assert mean is not None
        assert element_ink(page, f"{ROOT} canvas.nbviz-intrinsic-chart")["ink"] > 2000

        time.sleep(0.3)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "intrinsic-view.png"
        page.locator(ROOT).first.screenshot(path=str(shot))
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_SHOT)
