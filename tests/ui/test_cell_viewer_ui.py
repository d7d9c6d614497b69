"""CellViewer in real JupyterLab, on a char-LSTM defined and briefly trained in the
notebook: the text draws coloured, a brush over the text sets ``selection`` in Python and
changes the ranked list, a cell picked in the list recolours the text, and a text
containing ``<b>`` shows literally."""

from __future__ import annotations

import os
import shutil

from .conftest import ARTIFACTS, REPO
from .harness import (
    element_ink,
    kernel_eval,
    open_notebook,
    run_all_cells,
    view_hook,
    wait_until,
)

ROOT = ".nbviz-cell-viewer"
README_SHOT = REPO / "docs" / "images" / "cell-viewer.png"

SETUP = (
    "import torch\n"
    "from nbviz import CellViewer\n"
    "from nbviz.data import TextDataset\n"
    "from nbviz.text import CharRNN, train_char_rnn\n"
    "code = \"def f(x):\\n    return {'a': (x, [1, 2])}  # <b>bold</b>\\n\" * 60\n"
    "data = TextDataset(code)\n"
    "torch.manual_seed(0)\n"
    "net = CharRNN(data.vocab_size, hidden=24, layers=2)\n"
    "_ = train_char_rnn(net, data, steps=60, seq_len=40, batch_size=8, progress=False)\n"
    "viewer = CellViewer(net, data, rank_by='in_string', n_chars=1500)\n"
    "viewer",
)


def test_brush_rank_and_recolour(page, lab, write_notebook):
    name = write_notebook("cell_viewer_ui.ipynb", *SETUP)
    page.set_viewport_size({"width": 1280, "height": 1100})
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.locator(ROOT).first.scroll_into_view_if_needed()
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    drawn = view_hook(page, ROOT, "t.drawn()")
    assert drawn["lines"] > 5 and drawn["cells"] > 10 and drawn["scatters"] == 2, drawn
    shown = view_hook(page, ROOT, "t.shownText()")
    assert "# <b>bold</b>" in shown, shown[:200]  # literally, not bold
    assert page.locator(f"{ROOT} b").count() == 0
    with lab.kernel(name) as kc:
        first = kernel_eval(kc, "viewer.cell")
        colour = view_hook(page, ROOT, "t.colourAt(args[0])", 20)
        before = kernel_eval(kc, "[c['index'] for c in viewer.cells]")
        # brush the string literal 'a' on the second line
        text = kernel_eval(kc, "viewer.text")
        start = text.index("'a'")
        a = view_hook(page, ROOT, "t.charPosition(args[0])", start)
        b = view_hook(page, ROOT, "t.charPosition(args[0])", start + 2)
        page.mouse.move(a["x"], a["y"])
        page.mouse.down()
        page.mouse.move(b["x"], b["y"], steps=5)
        page.mouse.up()
        sel = wait_until(lambda: kernel_eval(kc, "viewer.selection"), lambda v: len(v) == 2)
        assert sel == [start, start + 3], sel
        assert kernel_eval(kc, "viewer.rank_by") == "selection"
        after = kernel_eval(kc, "[c['index'] for c in viewer.cells]")
        assert after != before
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "cell-viewer.png"))
        # a cell picked in the list recolours the text
        other = next(i for i in after[1:6] if i != kernel_eval(kc, "viewer.cell"))
        row = view_hook(page, ROOT, "t.cellRow(args[0])", other)
        was = view_hook(page, ROOT, "t.colourAt(args[0])", start)
        page.mouse.click(row["x"], row["y"])
        assert wait_until(lambda: kernel_eval(kc, "viewer.cell"), lambda v: v == other) == other
        page.wait_for_function(
            f"([at, c]) => document.querySelector('{ROOT}').__nbvizTest.colourAt(at) !== c",
            arg=[start, was], timeout=10_000,
        )  # fmt: skip
        assert first is not None and colour


# Notebook 06's small-mode net: in a full test run the string-cell test has trained it
# into the run's cache already, so this loads it (alone, it trains: ~2.5 min on 2 cores).
TRAINED = (
    "import torch\n"
    "torch.set_num_threads(2)\n"
    "from nbviz import CellViewer\n"
    "from nbviz.data import python_source\n"
    "from nbviz.text import char_rnn\n"
    "data = python_source(1_000_000)\n"
    "train_data, val = data.split(0.1)\n"
    "result = char_rnn(train_data, val, hidden=128, layers=2, steps=1500, eval_every=500,\n"
    "                  progress=False)\n"
    "viewer = CellViewer(result.model, data, text=val.text[:20_000], rank_by='in_brackets',\n"
    "                    height=420)\n"
    "viewer",
)


def test_a_trained_net_on_python_source_reads_well(page, lab, write_notebook):
    """On held-out stdlib source, the list ranked by in_brackets starts with a cell that
    follows the brackets closely (|r| >= 0.8), the text around brackets shows it in both
    colours, and the README's picture is this view."""
    name = write_notebook("cell_viewer_trained.ipynb", *TRAINED)
    page.set_viewport_size({"width": 1280, "height": 1200})
    open_notebook(page, lab, name)
    run_all_cells(page, timeout=400)
    page.locator(ROOT).first.scroll_into_view_if_needed()
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    with lab.kernel(name) as kc:
        top = kernel_eval(kc, "viewer.cells[0]")
        assert abs(top["score"]) >= 0.8, top
        text = kernel_eval(kc, "viewer.text")
    start = text.rfind("\n", 0, text.find("#", 2000)) + 1  # notebook 06's stretch
    view_hook(page, ROOT, "t.charPosition(args[0])", start + 900)
    view_hook(page, ROOT, "t.charPosition(args[0])", start)
    opening = text.index("(self", start)  # a bracket with something inside
    inside = view_hook(page, ROOT, "t.colourAt(args[0])", opening + 2)
    outside = view_hook(page, ROOT, "t.colourAt(args[0])", opening - 2)
    assert inside and outside and inside != outside, (inside, outside)
    assert element_ink(page, f"{ROOT} .nbviz-cell-viewer-scroller")["ink"] > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "cell-viewer-trained.png"
    page.locator(ROOT).first.screenshot(path=str(shot))
    if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, README_SHOT)


def test_readme_screenshot_exists():
    """The README's CellViewer picture is one the test above took."""
    assert README_SHOT.exists() and README_SHOT.stat().st_size > 10_000
    assert "docs/images/cell-viewer.png" in (REPO / "README.md").read_text()
