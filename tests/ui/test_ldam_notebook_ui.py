"""notebooks/02-ldam.ipynb in real JupyterLab: it runs through its section 2 (nbval runs
it to the end), its LDAMViewer draws
the three classes' chains under each prior side by side (named, with the percentile they
reach) and the top real images; the side-by-side toggle and the prior picker reach Python;
▶ Run in the view samples more steps; and no error reaches the console (the ``page``
fixture checks)."""

from __future__ import annotations

import os
import re
import shutil

from .conftest import ARTIFACTS, REPO
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

NOTEBOOK = "02-ldam.ipynb"
VIEWER_SECTION_END = 6  # the cell that runs section 2's viewer: what this test looks at
ROOT = ".nbviz-ldam-viewer"
README_SHOT = REPO / "docs" / "images" / "ldam-viewer.png"


def test_ldam_notebook_runs_and_its_viewer_draws(page, lab):
    page.set_viewport_size({"width": 1280, "height": 2300})  # the whole viewer in view
    open_notebook(page, lab, NOTEBOOK)
    run_all_cells(page, timeout=400, through=VIEWER_SECTION_END)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    viewer = page.locator(ROOT).first
    viewer.scroll_into_view_if_needed()
    chains = viewer.locator(".nbviz-ldam-viewer-chains .nbviz-ldam-viewer-header")
    page.wait_for_function(  # the percentiles come with the run's last traces
        f"[...document.querySelectorAll('{ROOT} .nbviz-ldam-viewer-chains "
        ".nbviz-ldam-viewer-header')].filter((e) => / · p\\d+$/.test(e.textContent)).length === 9",
        timeout=30_000,
    )
    headers = chains.all_text_contents()
    want = [f"{c} · {p}" for c in ("Trouser", "Sneaker", "Bag")
            for p in ("none", "discriminator", "generator")]  # fmt: skip
    assert [re.sub(r" · p\d+$", "", h) for h in headers] == want, headers
    assert all(re.search(r" · p\d+$", h) for h in headers), headers  # the percentile reached
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
        viewer.locator(".nbviz-ldam-viewer-side").click()
        side = wait_until(lambda: kernel_eval(kc, "viewer.side_by_side"), lambda v: v is False)
        assert side is False
        page.wait_for_function(
            f"document.querySelectorAll('{ROOT} .nbviz-ldam-viewer-chains "
            ".nbviz-ldam-viewer-header').length === 3"
        )
        viewer.locator("select.nbviz-ldam-viewer-prior").select_option("generator")
        prior = wait_until(lambda: kernel_eval(kc, "viewer.prior"), lambda v: v == "generator")
        assert prior == "generator"
        ran = kernel_eval(kc, "viewer.sampler.step_count")  # the notebook ran the chains already
        others = kernel_eval(kc, "samplers['none'].step_count")
        viewer.locator(".nbviz-ldam-viewer-run").click()
        more = wait_until(lambda: kernel_eval(kc, "viewer.sampler.step_count"),
                          lambda v: v >= ran + 20, timeout=60)  # fmt: skip
        assert more >= ran + 20
        assert kernel_eval(kc, "samplers['none'].step_count") == others  # only the one shown
        kernel_eval(kc, "viewer.stop() or 0")
        page.wait_for_selector(f'{ROOT}[data-running="false"]', timeout=30_000)


def test_readme_screenshot_exists():
    """The README's LDAMViewer picture is one this test took (NBVIZ_UPDATE_SCREENSHOTS=1)."""
    assert README_SHOT.exists() and README_SHOT.stat().st_size > 10_000
    assert "docs/images/ldam-viewer.png" in (REPO / "README.md").read_text()


def test_the_viewer_section_ends_where_the_test_stops():
    """The cells this test runs end with section 2's viewer run (the notebook may grow)."""
    import json

    cells = json.loads((REPO / "notebooks" / NOTEBOOK).read_text())["cells"]
    assert "viewer.run(" in "".join(cells[VIEWER_SECTION_END]["source"])
    assert "".join(cells[VIEWER_SECTION_END + 1]["source"]).startswith("## 3.")
