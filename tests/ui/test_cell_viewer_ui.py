"""CellViewer in real JupyterLab, on a char-LSTM defined and briefly trained in the
notebook: the text draws coloured, a brush over the text sets ``selection`` in Python and
changes the ranked list, a cell picked in the list recolours the text, and a text
containing ``<b>`` shows literally."""

from __future__ import annotations

from .conftest import ARTIFACTS
from .harness import kernel_eval, open_notebook, run_all_cells, view_hook, wait_until

ROOT = ".nbviz-cell-viewer"

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
