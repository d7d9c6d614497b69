"""Tracks against hand-read values, and the cell statistics against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nbviz.data import TextDataset
from nbviz.text import CharRNN, Recording, record, tracks
from nbviz.text.cells import saturation, span_scores, track_correlations


def _bits(v):
    return "".join(str(int(x)) for x in v)


def test_python_tracks_follow_strings_comments_brackets_and_lines():
    text = 'a = "x\\"y" # q(\n  b = (1, [2])\ns = """p\n(q"""\n'
    t = tracks(text)
    assert _bits(t["in_string"][:12]) == "000011111100"  # the escaped quote stays inside
    assert _bits(t["in_comment"][:16]) == "0000000000011110"  # "# q(" (the newline is not)
    line2 = text.index("  b")
    assert _bits(t["bracket_depth"][line2 : line2 + 14]) == "00000011112221"
    assert t["indentation"][line2 + 3] == 2 and t["indentation"][0] == 0
    assert t["line_position"][line2 + 4] == 4
    # a triple-quoted string runs across its newline; brackets inside it do not count
    start = text.index('"""p')
    end = text.index('q"""') + 4
    assert t["in_string"][start:end].all() and not t["in_string"][end:].any()
    assert t["bracket_depth"][start:end].max() == 0


def test_prose_tracks_and_unknown_names():
    text = "ROMEO:\nBut soft, what light.\nFirst Citizen:\nSpeak.\n"
    t = tracks(text, ["speaker_line", "line_position"])
    assert t["speaker_line"][:6].all() and not t["speaker_line"][7:28].any()
    assert t["speaker_line"][text.index("First") :][:14].all()
    with pytest.raises(ValueError, match=r"in_strings.*Did you mean 'in_string'"):
        tracks(text, ["in_strings"])


def _rec():
    data = TextDataset("x = ('ab', [c])  # d\n" * 20)
    torch.manual_seed(0)
    return data, record(CharRNN(data.vocab_size, hidden=6), data.text, data)


def test_track_correlations_are_pearsons_r():
    data, rec = _rec()
    t = tracks(data.text, ["in_string", "bracket_depth"])
    r = track_correlations(rec, t, "hidden")
    states = rec.states("hidden").numpy()
    for cell in (0, 7, 11):
        for k, v in enumerate(t.values()):
            assert r[cell, k] == pytest.approx(np.corrcoef(states[cell], v)[0, 1], abs=1e-5)
    with pytest.raises(ValueError, match="expected 420 values per track"):
        track_correlations(rec, {"short": np.zeros(3)})


def test_saturation_counts_the_steps_past_each_bound():
    _, rec = _rec()
    s = saturation(rec, 0.1, 0.9)
    forget = rec.gates["forget"]  # (layers, T, units)
    assert s.shape == (2, 3, 6, 2)
    assert s[1, 1, 4, 0] == pytest.approx(float((forget[1, :, 4] < 0.1).float().mean()))
    assert s[1, 1, 4, 1] == pytest.approx(float((forget[1, :, 4] > 0.9).float().mean()))


def test_a_span_ranks_a_cell_that_is_on_exactly_there_first():
    rec = Recording(
        text="x" * 30,
        hidden=torch.zeros(1, 30, 3),
        cell=torch.zeros(1, 30, 3),
        gates={"input": torch.zeros(1, 30, 3), "forget": torch.zeros(1, 30, 3),
               "output": torch.zeros(1, 30, 3)},
    )  # fmt: skip
    rec.hidden[0, 10:20, 1] = 0.9  # on exactly over [10, 20)
    rec.hidden[0, :, 2] = 0.9  # on everywhere
    scores = span_scores(rec, 10, 20, quantity="hidden")
    assert scores.argmax() == 1 and scores[1] > 0.99
    assert abs(scores[2]) < 0.05 and abs(scores[0]) < 0.05
    with pytest.raises(ValueError, match="expected 0 <= start < end <= 30"):
        span_scores(rec, 20, 10)
