"""SimilarityView in real JupyterLab under headless Chromium, on a user's own 4-layer MLP
trained six epochs on digits: the matrix and the convergence lines draw; hovering a cell
shows its value; the checkpoint slider moves Python's ``checkpoint`` and redraws the
matrix; a click on a cell sets ``pair`` in Python and its CCA-aligned tour appears below
the view. The README's picture is taken here (NBVIZ_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import io
import os
import shutil
import time

import numpy as np

from .conftest import ARTIFACTS, REPO
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, view_hook, wait_until

ROOT = ".nbviz-similarity"
README_SHOT = REPO / "docs" / "images" / "similarity-view.png"

SETUP = (
    "import torch\n"
    "from torch import nn\n"
    "from nbviz import SimilarityView\n"
    "from nbviz.data import digits\n"
    "from nbviz.models import train\n"
    "torch.set_num_threads(1)\n"
    "class DigitMLP(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.flat = nn.Flatten()\n"
    "        self.fc1, self.act1 = nn.Linear(64, 64), nn.ReLU()\n"
    "        self.fc2, self.act2 = nn.Linear(64, 64), nn.ReLU()\n"
    "        self.fc3, self.act3 = nn.Linear(64, 64), nn.ReLU()\n"
    "        self.out = nn.Linear(64, 10)\n"
    "    def forward(self, x):\n"
    "        x = self.act2(self.fc2(self.act1(self.fc1(self.flat(x)))))\n"
    "        return self.out(self.act3(self.fc3(x)))\n"
    "torch.manual_seed(0)\n"
    "net = DigitMLP()\n"
    "result = train(net, digits().subset(1400, seed=0), epochs=6, snapshot_every=1,\n"
    "               progress=False)\n"
    "view = SimilarityView(net, digits('test').subset(300, seed=1),\n"
    "                      ['act1', 'act2', 'act3', 'out'], result, height=280)\n"
    "view",
)


def _pixels(page, selector: str) -> np.ndarray:
    from PIL import Image

    png = page.locator(selector).first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_matrix_hover_slider_and_a_clicked_pairs_tour(page, lab, write_notebook):
    t0 = time.monotonic()
    name = write_notebook("similarity_ui.ipynb", *SETUP)
    open_notebook(page, lab, name)
    print(f"\nopened: {time.monotonic() - t0:.1f} s")
    run_all_cells(page)
    print(f"cells run: {time.monotonic() - t0:.1f} s")
    page.locator(ROOT).first.scroll_into_view_if_needed()
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    with lab.kernel(name) as kc:
        state = wait_until(lambda: kernel_eval(kc, "view.job_state"), lambda s: s != "running",
                           timeout=120)  # fmt: skip
        assert state == "done", kernel_eval(kc, "view.job_error")
        page.wait_for_selector(f'{ROOT}[data-computed="7"]', timeout=10_000)
        print(f"computed: {time.monotonic() - t0:.1f} s")
        assert kernel_eval(kc, "view.checkpoint") == 6
        for canvas in ("matrix", "lines"):
            ink = element_ink(page, f"{ROOT} canvas.nbviz-similarity-{canvas}")["ink"]
            assert ink > 2000, f"the {canvas} panel looks blank ({ink} px)"
        assert page.get_attribute(ROOT, "data-dots-drawn") == "28"  # 4 layers x 7 checkpoints

        # Hovering a cell shows its pair and the value Python computed.
        cell = view_hook(page, ROOT, "t.cellPosition(args[0], args[1])", 0, 3)
        page.mouse.move(cell["x"], cell["y"])
        tip = page.locator(f"{ROOT} .nbviz-similarity-stage .nbviz-tooltip").first
        tip.wait_for(state="visible", timeout=5_000)
        value = kernel_eval(kc, "float(view.matrices[6, 0, 3])")
        assert tip.text_content() == f"act1 × out: {value:.3f}"

        # The slider (keyboard on the range input): Python's checkpoint follows, and the
        # matrix is redrawn with epoch 0's values.
        before = _pixels(page, f"{ROOT} canvas.nbviz-similarity-matrix")
        draws = view_hook(page, ROOT, "t.matrixDraws()")
        slider = page.locator(f"{ROOT} .nbviz-similarity-checkpoint").first
        slider.press("Home")
        assert wait_until(lambda: kernel_eval(kc, "view.checkpoint"), lambda v: v == 0) == 0
        assert view_hook(page, ROOT, "t.matrixDraws()") > draws
        label = page.locator(f"{ROOT} .nbviz-similarity-checkpoint-label").first.text_content()
        assert label == "epoch 0 (1 of 7)"
        slider.press("ArrowRight")  # epoch 1: the lower layers are nearly settled
        assert wait_until(lambda: kernel_eval(kc, "view.checkpoint"), lambda v: v == 1) == 1
        time.sleep(0.3)
        after = _pixels(page, f"{ROOT} canvas.nbviz-similarity-matrix")
        changed = int((np.abs(before - after).sum(-1) > 30).sum())
        assert changed > 500, f"the matrix did not change with the checkpoint ({changed} px)"

        print(f"slider done: {time.monotonic() - t0:.1f} s")
        # A click on a cell: `pair` in Python, and the tour of that pair below the view.
        cell = view_hook(page, ROOT, "t.cellPosition(args[0], args[1])", 0, 3)
        page.mouse.click(cell["x"], cell["y"])
        assert wait_until(lambda: kernel_eval(kc, "view.pair"), lambda v: v == [0, 3]) == [0, 3]
        tour = wait_until(
            lambda: kernel_eval(kc, "None if view.tour is None else "
                                    "[list(view.tour.points.shape), view.tour.frame_names]"),
            lambda v: v is not None,
        )  # fmt: skip
        assert tour[0][:2] == [2, 300] and tour[1] == ["act1 · epoch 1", "out · epoch 1"]
        page.wait_for_selector(".nbviz-grand-tour", timeout=30_000)
        note = page.locator(f"{ROOT} .nbviz-similarity-note").first
        wait_until(note.text_content, lambda t: "act1 × out at epoch 1" in t)
        assert page.get_attribute(ROOT, "data-pair") == "0,3"

        print(f"tour shown: {time.monotonic() - t0:.1f} s")
        # The picture: epoch 1, the clicked pair outlined, a hovered cell's tooltip.
        cell = view_hook(page, ROOT, "t.cellPosition(args[0], args[1])", 2, 1)
        page.mouse.move(cell["x"], cell["y"])
        tip.wait_for(state="visible", timeout=5_000)
        time.sleep(0.3)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "similarity-view.png"
        page.locator(ROOT).first.screenshot(path=str(shot))
        page.locator(".nbviz-grand-tour").first.scroll_into_view_if_needed()
        page.locator(".nbviz-grand-tour").first.screenshot(
            path=str(ARTIFACTS / "similarity-view-tour.png")
        )
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_SHOT)
    print(f"similarity UI test: {time.monotonic() - t0:.1f} s")
