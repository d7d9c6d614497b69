"""ImageGrid in real JupyterLab under headless Chromium: it draws, and clicks reach Python."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .conftest import ARTIFACTS, REPO
from .harness import (
    element_ink,
    kernel_eval,
    notebook_screenshots,
    open_notebook,
    run_all_cells,
    wait_until,
)

GRID = ".nbviz-image-grid"
CANVAS = ".nbviz-image-grid-canvas"
README_SHOT = REPO / "docs" / "images" / "image-grid.png"


def _geometry(page) -> dict:
    return page.evaluate(
        """(sel) => {
          const root = document.querySelector(sel);
          const d = root.dataset;
          const box = root.querySelector('canvas').getBoundingClientRect();
          const scroller = root.querySelector('.nbviz-image-grid-scroller');
          return {columns: +d.columns, pitch: +d.cellPitch, inset: +d.cellInset,
                  size: +d.cellSize, n: +d.n,
                  left: box.left - scroller.scrollLeft, top: box.top - scroller.scrollTop};
        }""",
        GRID,
    )


def _cell_center(g: dict, index: int) -> tuple[float, float]:
    row, col = divmod(index, g["columns"])
    x = g["left"] + col * g["pitch"] + g["inset"] + g["size"] / 2
    y = g["top"] + row * g["pitch"] + g["inset"] + g["size"] / 2
    return x, y


def _shoot(page, name: str) -> Path:
    """Screenshot the output area holding the grid into tests/ui/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    area = page.locator(".jp-OutputArea-output").filter(has=page.locator(GRID)).first
    area.screenshot(path=str(path))
    return path


def test_image_grid_draws_and_selection_reaches_python(page, lab, write_notebook):
    name = write_notebook(
        "image_grid_ui.ipynb",
        "import nbviz\n"
        "ds = nbviz.data.fashion_mnist('test').subset(500, seed=0)\n"
        "grid = nbviz.ImageGrid(ds.images, labels=ds.labels, class_names=ds.class_names,"
        " cell_size=40, height=330)\n"
        "grid",
    )
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{GRID}[data-ready="true"]', timeout=30_000)

    ink = element_ink(page, CANVAS)
    assert ink["ink"] > 0.2 * ink["total"], f"canvas looks blank: {ink['ink']} of {ink['total']}"

    with lab.kernel(name) as kc:
        g = _geometry(page)
        assert g["n"] == 500 and g["columns"] > 3

        # Hover names the image and its class, as text.
        page.mouse.move(*_cell_center(g, 5))
        label5 = kernel_eval(kc, "ds.class_names[int(ds.labels[5])]")
        page.wait_for_function(
            "(want) => [...document.querySelectorAll('.nbviz-tooltip')]"
            ".some(t => t.offsetParent !== null && t.textContent.includes(want))",
            arg="#5",
            timeout=10_000,
        )
        tip = page.locator(".nbviz-tooltip").first.text_content()
        assert label5 in tip, tip
        shot = _shoot(page, "image-grid.png")
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_SHOT)

        # A click selects one image, in Python.
        page.mouse.click(*_cell_center(g, 7))
        assert wait_until(lambda: kernel_eval(kc, "grid.selection"), lambda v: v == [7]) == [7]

        # A brush from cell 0 to the cell at row 1, column 2 selects the 2x3 block.
        c = g["columns"]
        x0, y0 = _cell_center(g, 0)
        x1, y1 = _cell_center(g, c + 2)
        page.mouse.move(x0 - 5, y0 - 5)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
        page.mouse.move(x1, y1, steps=4)
        page.mouse.up()
        want = [0, 1, 2, c, c + 1, c + 2]
        assert wait_until(lambda: kernel_eval(kc, "grid.selection"), lambda v: v == want) == want

        # A brush held past the bottom edge scrolls the grid and keeps selecting.
        bottom = page.evaluate(
            "() => document.querySelector('.nbviz-image-grid-scroller')"
            ".getBoundingClientRect().bottom"
        )
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 + 4, bottom + 20, steps=5)
        time.sleep(1.0)  # auto-scroll runs every frame while the pointer is held there
        scrolled = page.evaluate(
            "() => document.querySelector('.nbviz-image-grid-scroller').scrollTop"
        )
        page.mouse.up()
        first_screen = (330 // g["pitch"] + 1) * c
        sel = wait_until(
            lambda: kernel_eval(kc, "grid.selection"), lambda v: v and max(v) > first_screen
        )
        assert scrolled > 0 and sel[0] == 0 and max(sel) > first_screen, (scrolled, sel[-3:])
        assert all(i % c == 0 for i in sel)  # one column, from the first row down
        page.evaluate(
            "() => { document.querySelector('.nbviz-image-grid-scroller').scrollTop = 0; }"
        )

        # Python sets the selection: the view shows it.
        kernel_eval(kc, "setattr(grid, 'selection', [3, 4, 9]) or 0")
        page.wait_for_selector(f'{GRID}[data-selected="3"]', timeout=10_000)
        kernel_eval(kc, f"setattr(grid, 'selection', {want!r}) or 0")
        page.wait_for_selector(f'{GRID}[data-selected="{len(want)}"]', timeout=10_000)
        _shoot(page, "image-grid-selection.png")


def test_ten_thousand_images_scroll_and_select_the_last(page, lab, write_notebook):
    name = write_notebook(
        "image_grid_10k_ui.ipynb",
        "import nbviz\n"
        "ds = nbviz.data.fashion_mnist('test')\n"
        "big = nbviz.ImageGrid(ds.images, labels=ds.labels, class_names=ds.class_names)\n"
        "big",
    )
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{GRID}[data-ready="true"][data-n="10000"]', timeout=30_000)
    # The canvas is the size of the viewport, not of 10,000 cells.
    size = page.evaluate(f"() => document.querySelector('{CANVAS}').getBoundingClientRect().height")
    assert size <= 450
    page.evaluate(
        "() => { const s = document.querySelector('.nbviz-image-grid-scroller');"
        " s.scrollTop = s.scrollHeight; }"
    )
    time.sleep(0.5)
    assert element_ink(page, CANVAS)["ink"] > 0, "the grid went blank after scrolling"
    g = _geometry(page)
    page.mouse.click(*_cell_center(g, 9999))
    with lab.kernel(name) as kc:
        assert wait_until(lambda: kernel_eval(kc, "big.selection"), lambda v: v == [9999]) == [9999]


def test_job_errors_show_in_the_view_and_reraise(page, lab, write_notebook):
    name = write_notebook(
        "job_error_ui.ipynb",
        "import numpy as np, nbviz\n"
        "from nbviz.widgets import JobWidget\n"
        "def boom(ctx):\n"
        "    ctx.progress(1, 2, 'half way')\n"
        "    raise RuntimeError('boom from the job')\n"
        "class GridWithJob(nbviz.ImageGrid, JobWidget):  # any view can host a job\n"
        "    def _new_job(self):\n"
        "        return self._make_job(boom, 'demo job')\n"
        "grid = GridWithJob(np.random.default_rng(0).random((20, 8, 8)))\n"
        "grid",
        "grid.start()",
    )
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.nbviz-status-error')]"
        ".some(e => e.offsetParent !== null && e.textContent.includes('boom from the job'))",
        timeout=15_000,
    )
    with lab.kernel(name) as kc:
        # wait() re-raises the job's error in Python, and the widget stays usable.
        code = (
            "def _nbviz_try_wait():\n"
            "    try:\n"
            "        grid.wait(5)\n"
            "    except Exception as e:\n"
            "        return [type(e).__name__, str(e.__cause__)]\n"
            "    return None\n"
        )
        kc.execute_interactive(code, timeout=30, output_hook=lambda m: None)
        assert kernel_eval(kc, "_nbviz_try_wait()") == ["JobError", "boom from the job"]
        assert kernel_eval(kc, "grid.job_state") == "error"
        kernel_eval(kc, "setattr(grid, 'selection', [2]) or 0")
        page.wait_for_selector('.nbviz-image-grid[data-selected="1"]', timeout=10_000)


def test_start_here_notebook_runs_in_lab(page, lab):
    open_notebook(page, lab, "00-start-here.ipynb")
    run_all_cells(page, timeout=400)
    page.wait_for_selector(f'{GRID}[data-ready="true"]', timeout=30_000)
    ink = element_ink(page, CANVAS)
    assert ink["ink"] > 0.05 * ink["total"], "the start-here grid looks blank"
    ARTIFACTS.mkdir(exist_ok=True)
    shots = notebook_screenshots(page, ARTIFACTS / "start-here")
    assert len(shots) >= 2, "the notebook should be longer than one screen"


def test_readme_screenshot_exists():
    """The README's picture is one this test suite took (refresh: NBVIZ_UPDATE_SCREENSHOTS=1)."""
    assert README_SHOT.exists() and README_SHOT.stat().st_size > 10_000
    assert "docs/images/image-grid.png" in Path(REPO / "README.md").read_text()
