"""notebooks/01-grand-tour.ipynb in real JupyterLab: every GrandTour draws, the epoch slider
reaches Python, and no error reaches the console (the ``page`` fixture checks)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np

from .conftest import ARTIFACTS
from .harness import (
    element_ink,
    kernel_eval,
    notebook_screenshots,
    open_notebook,
    run_all_cells,
    wait_until,
)

NOTEBOOK = "01-grand-tour.ipynb"
REPO = Path(__file__).resolve().parents[2]
README_SHOT = REPO / "docs" / "images" / "grand-tour.png"
README_LAYERS_SHOT = REPO / "docs" / "images" / "grand-tour-layers.png"
# The notebook's tour variables, in the order their cells come.
TOURS = ("epochs_tour", "layers_tour", "mlp_tour", "attack_tour", "targeted_tour")

_TAG_TOUR_CELLS_JS = """
(names) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const found = [];
  nb.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    const src = cell.model.sharedModel.getSource();
    const last = src.trim().split('\\n').pop().trim();
    if (names.includes(last)) found.push([last, i]);
  });
  return found;
}
"""

_SHOW_CELL_JS = """
async ([index, name]) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  await nb.scrollToItem(index, 'start');
  const cell = nb.widgets[index];
  cell.node.dataset.testTour = name;
  return true;
}
"""


def test_grand_tour_notebook_runs_and_draws(page, lab):
    open_notebook(page, lab, NOTEBOOK)
    run_all_cells(page, timeout=400)
    cells = dict(page.evaluate(_TAG_TOUR_CELLS_JS, list(TOURS)))
    assert set(cells) == set(TOURS), cells

    frames = {}
    for name in TOURS:
        page.evaluate(_SHOW_CELL_JS, [cells[name], name])
        root = f'[data-test-tour="{name}"] .nbviz-grand-tour'
        page.wait_for_selector(f'{root}[data-ready="true"]', timeout=30_000)
        canvas = f'[data-test-tour="{name}"] .nbviz-grand-tour-canvas'
        page.locator(canvas).first.scroll_into_view_if_needed()
        time.sleep(0.5)
        ink = element_ink(page, canvas)
        assert ink["ink"] > 0, f"{name}: the canvas looks blank"
        frames[name] = int(page.get_attribute(root, "data-frames"))
        print(f"{name}: {ink['ink']} ink px, {frames[name]} frames")
    assert frames["epochs_tour"] == 4  # epochs 0..3 in small mode
    assert frames["layers_tour"] == 6
    assert frames["mlp_tour"] == 7  # input and the MLP's six modules
    assert frames["attack_tour"] == 9 and frames["targeted_tour"] == 11

    with lab.kernel(NOTEBOOK) as kc:
        assert kernel_eval(kc, "epochs_tour.frame") == 0.0
        assert kernel_eval(kc, "epochs_tour.frame_names[-1]") == "epoch 3"
        # Move the epoch slider to the last epoch: Python's frame follows.
        page.evaluate(_SHOW_CELL_JS, [cells["epochs_tour"], "epochs_tour"])
        slider = '[data-test-tour="epochs_tour"] .nbviz-grand-tour-frame-slider'
        page.locator(slider).first.scroll_into_view_if_needed()
        page.evaluate(
            "(sel) => { const s = document.querySelector(sel); s.value = '3';"
            " s.dispatchEvent(new Event('input', {bubbles: true})); }",
            slider,
        )
        assert wait_until(lambda: kernel_eval(kc, "epochs_tour.frame"), lambda v: v == 3.0) == 3.0
        label = page.locator('[data-test-tour="epochs_tour"] .nbviz-grand-tour-frame-label')
        assert "epoch 3" in label.first.text_content()
        # The attack tour starts with its attacked copies selected.
        n_sel = kernel_eval(kc, "len(attack_tour.selection)")
        assert n_sel == kernel_eval(kc, "len(attack_tour.attacked_indices)") > 0

        # The README's picture: the untargeted attack at its last step, hovering a copy.
        kernel_eval(kc, "setattr(attack_tour, 'playing', False) or 0")
        kernel_eval(kc, "setattr(attack_tour, 'projection', ring(10)) or 0")  # class spokes
        kernel_eval(kc, "setattr(attack_tour, 'frame', float(len(attack_tour.frame_names) - 1))"
                        " or 0")  # fmt: skip
        page.evaluate(_SHOW_CELL_JS, [cells["attack_tour"], "attack_tour"])
        root = '[data-test-tour="attack_tour"] .nbviz-grand-tour'
        page.wait_for_selector(f'{root}[data-frame="8.000"]', timeout=10_000)
        # Setting the projection the trait already holds (the notebook set ring(10) before
        # the tour moved on) still moves the view there.
        js_p = page.evaluate("(sel) => document.querySelector(sel).__nbvizTest.projection()", root)
        assert np.allclose(js_p, kernel_eval(kc, "ring(10)"), atol=1e-9)
        page.locator(root).first.scroll_into_view_if_needed()
        i = kernel_eval(kc, "int(attack_tour.attacked_indices[0])")
        p = page.evaluate(
            "([sel, i]) => document.querySelector(sel).__nbvizTest.projectPoint(i)", [root, i]
        )
        page.mouse.move(p["x"], p["y"])
        card = f"{root} .nbviz-grand-tour-card"
        page.wait_for_selector(f"{card}:not([hidden])", timeout=10_000)
        assert "predicted at step 8:" in page.locator(card).first.text_content()
        time.sleep(0.3)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "grand-tour.png"
        page.locator(root).first.screenshot(path=str(shot))
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_SHOT)

        # The README's layer picture: the notebook's own MLP at its second GELU, paused on
        # the plane of that layer's first two principal components (the axes that hold
        # them), fitted to the plot, axes named by the layer's components.
        kernel_eval(kc, "setattr(mlp_tour, 'playing', False) or 0")
        kernel_eval(kc, "setattr(mlp_tour, 'frame', float(mlp_tour.frame_names.index('act2')))"
                        " or 0")  # fmt: skip
        kernel_eval(kc, "(lambda on: setattr(mlp_tour, 'projection', np.eye(mlp_tour.d)[:, "
                        "[on.index(0), on.index(1)]]))(list(mlp_tour.sequence.axis_components["
                        "mlp_tour.frame_names.index('act2')])) or 0")  # fmt: skip
        page.evaluate(_SHOW_CELL_JS, [cells["mlp_tour"], "mlp_tour"])
        root = '[data-test-tour="mlp_tour"] .nbviz-grand-tour'
        page.locator(root).first.scroll_into_view_if_needed()
        page.wait_for_selector(f'{root}[data-frame="5.000"]', timeout=10_000)
        time.sleep(1.5)  # the fit glides to the frame
        names = page.evaluate(
            "(sel) => document.querySelector(sel).__nbvizTest.axisLabels().map((b) => b.text)",
            root,
        )
        assert names and all(n.startswith("act2·pc") for n in names), names
        note = page.locator('[data-test-tour="mlp_tour"] .nbviz-grand-tour-frame-note')
        assert "act2: GELU" in note.first.text_content(), note.first.text_content()
        shot = ARTIFACTS / "grand-tour-layers.png"
        page.locator(root).first.screenshot(path=str(shot))
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(shot, README_LAYERS_SHOT)

    ARTIFACTS.mkdir(exist_ok=True)
    shots = notebook_screenshots(page, ARTIFACTS / "grand-tour-notebook", max_shots=12)
    assert len(shots) >= 3, "the notebook should be several screens long"


def test_readme_screenshot_exists():
    """The README's Grand Tour picture is one this test took (NBVIZ_UPDATE_SCREENSHOTS=1)."""
    for shot in (README_SHOT, README_LAYERS_SHOT):
        assert shot.exists() and shot.stat().st_size > 10_000, shot
        assert f"docs/images/{shot.name}" in (REPO / "README.md").read_text()
