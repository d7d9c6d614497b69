"""AttributionView in real JupyterLab on a user's own small CNN trained on real digits:
the grid draws every method's heatmaps and the pixel-flipping chart its curves, and a
class picked in the browser reaches Python and recomputes the maps."""

from __future__ import annotations

import os
import shutil

from .conftest import ARTIFACTS, REPO
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

ROOT = ".nbviz-attribution"
README_SHOT = REPO / "docs" / "images" / "attribution-view.png"

SETUP = (
    "import torch\n"
    "from torch import nn\n"
    "from nbviz import AttributionView\n"
    "from nbviz.data import digits\n"
    "from nbviz.models import train\n"
    "torch.manual_seed(0)\n"
    "net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),\n"
    "                    nn.Flatten(), nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 10))\n"
    "_ = train(net, digits('train'), epochs=4, lr=3e-3, progress=False)\n"
    "view = AttributionView(net.eval(), digits('test'), n_images=5, image_scale=8)\n"
    "view.start()\n"
    "view",
)


def test_the_grid_draws_every_method_and_a_class_change_reaches_python(page, lab, write_notebook):
    name = write_notebook("attribution_ui.ipynb", *SETUP)
    page.set_viewport_size({"width": 1280, "height": 1500})
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    page.wait_for_selector(f'{ROOT}[data-rows="7"]', timeout=120_000)
    page.wait_for_selector(f'{ROOT}[data-curves="7"]', timeout=60_000)
    grid = element_ink(page, f"{ROOT} .nbviz-attribution-grid")
    assert grid["ink"] > 0.2 * grid["total"], grid  # images and coloured maps, not blank
    assert element_ink(page, f"{ROOT} .nbviz-attribution-flip")["ink"] > 500
    keys = page.locator(f"{ROOT} .nbviz-attribution-key").all_text_contents()
    assert [k.split(" (")[0] for k in keys] == [
        "saliency", "input x gradient", "integrated gradients", "guided backprop",
        "deconvolution", "occlusion", "lrp",
    ]  # fmt: skip
    assert "LRP hands out" in page.locator(f"{ROOT} .nbviz-attribution-conservation").text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "attribution-view.png"
    page.locator(ROOT).first.screenshot(path=str(shot))
    if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":  # the README's picture
        README_SHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, README_SHOT)
    with lab.kernel(name) as kc:
        page.locator(f"select{ROOT}-target").select_option("7")
        target = wait_until(lambda: kernel_eval(kc, "view.target"), lambda v: v == "7")
        assert target == "7"
        done = wait_until(lambda: kernel_eval(kc, "view.targets.tolist()"),
                          lambda v: v == [7] * 5, timeout=120)  # fmt: skip
        assert done == [7] * 5
        wait_until(lambda: kernel_eval(kc, "view.running"), lambda v: not v, timeout=60)
    page.wait_for_selector(f'{ROOT}[data-target="7"]')


def test_readme_picture_exists():
    """The README's attribution picture is one the test above took."""
    assert README_SHOT.exists() and README_SHOT.stat().st_size > 10_000
    assert "docs/images/attribution-view.png" in (REPO / "README.md").read_text()
