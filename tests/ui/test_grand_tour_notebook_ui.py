"""notebooks/01-grand-tour.ipynb in real JupyterLab: every GrandTour draws, the epoch slider
reaches Python, and no error reaches the console (the ``page`` fixture checks)."""

from __future__ import annotations

import time

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
# The notebook's tour variables, in the order their cells come.
TOURS = ("epochs_tour", "layers_tour", "attack_tour", "targeted_tour")

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
    assert frames["attack_tour"] == 9 and frames["targeted_tour"] == 11

    with lab.kernel(NOTEBOOK) as kc:
        assert kernel_eval(kc, "epochs_tour.frame") == 0.0
        assert kernel_eval(kc, "epochs_tour.frame_labels[-1]") == "epoch 3"
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

    ARTIFACTS.mkdir(exist_ok=True)
    shots = notebook_screenshots(page, ARTIFACTS / "grand-tour-notebook", max_shots=12)
    assert len(shots) >= 3, "the notebook should be several screens long"
