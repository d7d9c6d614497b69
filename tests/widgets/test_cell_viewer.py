"""CellViewer in Python, on a char-LSTM defined and trained here: the colouring is the
chosen cell, the ranking follows the track or the brushed span, the view's writes are
checked, training streams into it, and the figure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import traitlets

from nbviz import CellViewer
from nbviz.data import TextDataset
from nbviz.text import CharRNN, record, tracks
from nbviz.text.cells import span_scores, track_correlations

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CODE = "def f(x):\n    return {'a': (x, [1, 2])}  # <b>\n" * 30


def _viewer(**kw):
    data = TextDataset(CODE)
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=12, layers=2)
    return CellViewer(model, data, **kw), model, data


def test_the_text_is_coloured_by_the_top_cell_of_the_track():
    viewer, model, data = _viewer(rank_by="bracket_depth")
    rec = record(model, viewer.text, data)
    r = track_correlations(rec, tracks(viewer.text, ["bracket_depth"]), "cell")[:, 0]
    best = int(np.argmax(np.abs(r)))
    assert viewer.cells[0]["index"] == best and viewer.cell == best
    assert viewer.cells[0]["score"] == pytest.approx(float(r[best]), abs=1e-5)
    np.testing.assert_allclose(viewer.values, rec.states("cell")[best].tanh().numpy(), atol=1e-5)
    assert viewer.cell_name == f"layer {best // 12} · {best % 12} · c"
    assert viewer.strip.shape == (6, len(viewer.text)) and len(viewer.strip_names) == 6
    assert viewer.hover_values.shape == (2, len(viewer.text)) and len(viewer.hover_names) == 2
    assert viewer.saturation.shape == (2, 3, 12, 2)
    assert viewer.gate_names == ["input", "forget", "output"]
    assert "<b>" in viewer.text  # shown as text by the view (the browser test checks)
    # a cell picked in the view recolours the text
    viewer.cell = 5
    np.testing.assert_allclose(viewer.values, rec.states("cell")[5].tanh().numpy(), atol=1e-5)


def test_a_brushed_span_ranks_by_lstmvis_score():
    viewer, model, data = _viewer()
    before = [c["index"] for c in viewer.cells]
    viewer.selection = [12, 40]  # the view writes selection (and rank_by) on a brush
    assert viewer.rank_by == "selection"
    rec = record(model, viewer.text, data)
    scores = span_scores(rec, 12, 40, quantity="cell")
    assert viewer.cells[0]["index"] == int(np.argmax(scores))
    assert [c["index"] for c in viewer.cells] != before
    viewer.selection = []  # a click clears the brush: back to the first track
    assert viewer.rank_by == viewer.tracks[0]


def test_the_hidden_state_and_the_views_bad_writes():
    viewer, model, data = _viewer()
    viewer.quantity = "hidden"
    rec = record(model, viewer.text, data)
    np.testing.assert_allclose(viewer.values, rec.states("hidden")[viewer.cell].numpy(),
                               atol=1e-5)  # fmt: skip
    with pytest.raises(traitlets.TraitError, match="Did you mean 'in_string'"):
        viewer.rank_by = "in_strng"
    with pytest.raises(traitlets.TraitError, match="selection: expected"):
        viewer.selection = [40, 12]
    with pytest.raises(traitlets.TraitError, match="cell: 24 is out of range"):
        viewer.cell = 24
    with pytest.raises(traitlets.TraitError, match="quantity"):
        viewer.quantity = "gates"


def test_explain_colours_the_evidence_for_a_predicted_character():
    viewer, _, _ = _viewer()
    pos = viewer.text.index("return") + 2  # after "ret": the evidence for "u"
    ex = viewer.explain(pos)
    assert viewer.cell == -1 and ex.target == "u"
    assert np.abs(viewer.values).max() == pytest.approx(1.0)
    assert (viewer.values[pos + 1 :] == 0).all()
    assert viewer.cell_name.startswith("evidence for 'u' after character")
    viewer.cell = viewer.cells[0]["index"]  # back to a cell
    assert viewer.cell_name.endswith(" · c")


def test_bad_arguments():
    data = TextDataset(CODE)
    model = CharRNN(data.vocab_size, hidden=8)
    with pytest.raises(ValueError, match="its vocabulary has 4 characters"):
        CellViewer(model, TextDataset("abc"))
    with pytest.raises(ValueError, match="Did you mean 'indentation'"):
        CellViewer(model, data, tracks=["indentaton"])
    with pytest.raises(TypeError, match=r"expected a nbviz\.text\.CharRNN"):
        CellViewer(torch.nn.Linear(2, 2), data)
    with pytest.raises(RuntimeError, match="give train_data"):
        CellViewer(model, data).start()


def test_training_streams_into_the_view_and_the_figure(tmp_path):
    data = TextDataset(CODE)
    train, val = data.split(0.2)
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=16, layers=1)
    viewer = CellViewer(model, data, text=val.text, train_data=train, val=val,
                        train_options={"steps": 60, "seq_len": 30, "batch_size": 4,
                                       "eval_every": 20})  # fmt: skip
    first = viewer.values.copy()
    result = viewer.run(progress=False)
    assert result.history["step"] == [20, 40, 60]
    assert viewer.status_text.startswith("step 60 · training")
    assert "validation" in viewer.status_text
    rec = record(model, viewer.text, data)
    np.testing.assert_allclose(viewer.values, rec.states("cell")[viewer.cell].tanh().numpy(),
                               atol=1e-5)  # fmt: skip
    assert not np.allclose(viewer.values, first)
    assert viewer.save(tmp_path / "cells.png").stat().st_size > 5_000


def test_the_figures_show_the_chosen_stretch_and_the_saturation_panel():
    viewer, _, _ = _viewer()
    start = viewer.text.index("return", 100)
    fig = viewer.figure(start=start, max_chars=40, columns=20)
    drawn = "".join(t.get_text() for t in fig.axes[0].texts)
    assert drawn == "".join(viewer.text[start : start + 40].split())  # characters, in order
    with pytest.raises(ValueError, match="max_chars"):
        viewer.figure(max_chars=0)
    sat = viewer.saturation_figure()
    axes = [ax for ax in sat.axes if ax.collections]
    assert [ax.get_title() for ax in axes] == ["layer 0", "layer 1"]
    legend = [t.get_text() for t in axes[-1].get_legend().get_texts()]
    assert legend == ["input", "forget", "output"]
    forget = axes[1].collections[1].get_offsets()  # layer 1, the forget gate: one dot a unit
    np.testing.assert_allclose(forget, viewer.saturation[1, 1], atol=1e-6)


def test_a_users_own_track_ranks_like_a_built_in_one():
    data = TextDataset(CODE)
    text = data.text[:400]
    mine = np.array([ch in "()[]{}" for ch in text], np.float32)  # on at each bracket
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=12, layers=2)
    viewer = CellViewer(model, data, text=text, tracks={"brackets": mine, "in_string": None},
                        rank_by="brackets")  # fmt: skip
    assert viewer.tracks == ["brackets", "in_string"]
    r = track_correlations(record(model, text, data), {"b": mine})[:, 0]
    assert viewer.cells[0]["index"] == int(np.argmax(np.abs(r)))
    viewer.rank_by = "in_string"
    want = track_correlations(record(model, text, data), tracks(text, ["in_string"]))[:, 0]
    top = viewer.cells[0]
    assert top["score"] == pytest.approx(float(want[top["index"]]), abs=1e-5)
    with pytest.raises(ValueError, match=r"tracks\['short'\]: expected one value per character"):
        CellViewer(model, data, text=text, tracks={"short": mine[:10]})
    with pytest.raises(ValueError, match="Did you mean 'in_string'"):
        CellViewer(model, data, text=text, tracks={"in_strin": None})
