"""notebooks/02-ldam.ipynb in real JupyterLab: it runs to the end, its LDAMViewer draws
the three classes' chains under their names and the top real images, ▶ Run in the view
samples more steps, and no error reaches the console (the ``page`` fixture checks)."""

from __future__ import annotations

import os
import shutil

from .conftest import ARTIFACTS, REPO
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

NOTEBOOK = "02-ldam.ipynb"
ROOT = ".nbviz-ldam-viewer"
README_SHOT = REPO / "docs" / "images" / "ldam-viewer.png"


def test_ldam_notebook_runs_and_its_viewer_draws(page, lab):
    page.set_viewport_size({"width": 1280, "height": 1200})
    open_notebook(page, lab, NOTEBOOK)
    run_all_cells(page, timeout=400)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    viewer = page.locator(ROOT).first
    viewer.scroll_into_view_if_needed()
    chains = viewer.locator(".nbviz-ldam-viewer-chains .nbviz-ldam-viewer-header")
    assert chains.all_text_contents() == ["Trouser", "Sneaker", "Bag"], chains.all_text_contents()
    top = viewer.locator(".nbviz-ldam-viewer-top").locator("..")
    assert top.locator(".nbviz-ldam-viewer-header").all_text_contents() == [
        "Trouser", "Sneaker", "Bag"
    ]  # fmt: skip
    assert element_ink(page, f"{ROOT} .nbviz-ldam-viewer-grid")["ink"] > 1000
    assert element_ink(page, f"{ROOT} .nbviz-ldam-viewer-top")["ink"] > 1000
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "ldam-notebook-viewer.png"
    viewer.screenshot(path=str(shot))
    if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, README_SHOT)

    with lab.kernel(NOTEBOOK) as kc:
        ran = kernel_eval(kc, "sampler.step_count")  # the notebook ran the chains already
        viewer.locator(".nbviz-ldam-viewer-run").click()
        more = wait_until(lambda: kernel_eval(kc, "sampler.step_count"),
                          lambda v: v >= ran + 20, timeout=60)  # fmt: skip
        assert more >= ran + 20
        kernel_eval(kc, "viewer.stop() or 0")
        page.wait_for_selector(f'{ROOT}[data-running="false"]', timeout=30_000)


def test_readme_screenshot_exists():
    """The README's LDAMViewer picture is one this test took (NBVIZ_UPDATE_SCREENSHOTS=1)."""
    assert README_SHOT.exists() and README_SHOT.stat().st_size > 10_000
    assert "docs/images/ldam-viewer.png" in (REPO / "README.md").read_text()
