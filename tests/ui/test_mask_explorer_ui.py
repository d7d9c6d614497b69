"""MaskExplorer in real JupyterLab under headless Chromium: the accuracy plot gains a point
per finished round while pruning runs, and clicking a round shows its masks."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, wait_until

ROOT = ".nbviz-mask-explorer"
REPO = Path(__file__).resolve().parents[2]
README_SHOT = REPO / "docs" / "images" / "mask-explorer.png"

SETUP = (
    "import torch\n"
    "from nbviz.data import fashion_mnist\n"
    "from nbviz.models import LeNet300100\n"
    "from nbviz import MaskExplorer\n"
    "torch.set_num_threads(1)\n"
    "train, test = fashion_mnist('train').subset(3000), fashion_mnist('test').subset(1000)\n"
    "torch.manual_seed(0)\n"
    "ex = MaskExplorer(LeNet300100(), train, test, rounds=4, rate=0.5, epochs=2, height=240)\n"
    "ex",
)


def _pixels(page, selector: str) -> np.ndarray:
    from PIL import Image

    png = page.locator(selector).first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_plot_grows_per_round_and_a_click_shows_that_rounds_masks(page, lab, write_notebook):
    name = write_notebook("mask_explorer_ui.ipynb", *SETUP)
    open_notebook(page, lab, name)
    page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    with lab.kernel(name) as kc:
        # While rounds finish, the view's record count follows Python's, one round at a time.
        counts = set()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            counts.add(int(page.get_attribute(ROOT, "data-records") or 0))
            if kernel_eval(kc, "ex.job_state") in ("done", "error"):
                break
            time.sleep(0.1)
        assert kernel_eval(kc, "ex.job_state") == "done", kernel_eval(kc, "ex.job_error")
        page.wait_for_selector(f'{ROOT}[data-records="5"]', timeout=10_000)
        counts.add(5)
        print("record counts seen in the browser:", sorted(counts))
        assert len(counts & {1, 2, 3, 4}) >= 2, f"the plot did not grow live: {sorted(counts)}"
        # two variants x five rounds of dots
        assert page.get_attribute(ROOT, "data-points-drawn") == "10"
        for canvas in ("plot", "mask", "weights", "overlap"):
            ink = element_ink(page, f"{ROOT} .nbviz-mask-explorer-{canvas}")["ink"]
            assert ink > 300, f"the {canvas} panel looks blank ({ink} px)"
        assert page.get_attribute(ROOT, "data-round") == "4"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "mask-explorer.png"))

        # Click round 1's rewind dot: Python's round follows, and the mask shown is round 1's.
        before = _pixels(page, f"{ROOT} .nbviz-mask-explorer-mask")
        dot = page.evaluate(
            f"() => document.querySelector('{ROOT}').__nbvizTest.roundDot(1, 'rewind')"
        )
        page.mouse.click(dot["x"], dot["y"])
        assert wait_until(lambda: kernel_eval(kc, "ex.round"), lambda v: v == 1) == 1
        page.wait_for_selector(f'{ROOT}[data-round="1"]', timeout=10_000)
        caption = wait_until(
            lambda: page.locator(ROOT).first.text_content(), lambda t: "round 1" in t
        )
        assert "fc1 · round 1" in caption
        time.sleep(0.3)
        after = _pixels(page, f"{ROOT} .nbviz-mask-explorer-mask")
        assert before.shape != after.shape or (np.abs(before - after).sum(-1) > 40).sum() > 200
        kept = kernel_eval(kc, "float(ex.result.records[1].masks['fc1'].float().mean())")
        assert f"{100 * kept:.1f}% kept" in caption
        shot = ARTIFACTS / "mask-explorer-round1.png"
        page.locator(ROOT).first.screenshot(path=str(shot))
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(shot, README_SHOT)

        # The layer picker reaches Python; the overlap toggle switches to the criteria.
        page.select_option(f"{ROOT} select", "fc2")
        assert wait_until(lambda: kernel_eval(kc, "ex.layer"), lambda v: v == "fc2") == "fc2"
        page.get_by_role("button", name="criteria").first.click()
        assert wait_until(
            lambda: kernel_eval(kc, "ex.overlap_mode"), lambda v: v == "criteria"
        ) == "criteria"  # fmt: skip
        # The overlaps are recomputed by the kernel after the mode arrives: wait for them.
        labels = wait_until(lambda: kernel_eval(kc, "ex.overlap_labels"), lambda v: len(v) == 9)
        assert len(labels) == 9 and "movement" in labels


def test_readme_screenshot_exists():
    """The README's MaskExplorer picture is one this test took (NBVIZ_UPDATE_SCREENSHOTS=1)."""
    assert README_SHOT.exists() and README_SHOT.stat().st_size > 10_000
    assert "docs/images/mask-explorer.png" in (REPO / "README.md").read_text()
