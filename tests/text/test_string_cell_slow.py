"""Karpathy's finding, reproduced: a 2-layer char-LSTM trained on Python source for a few
minutes on 2 CPU cores has a cell that follows "inside a string literal" on held-out text.

The settings are notebook 06's small mode, so in one test run the notebook loads this
net from the (per-run) cache instead of training it again.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nbviz.data import python_source
from nbviz.text import char_rnn, record, track_correlations, tracks


@pytest.mark.slow
def test_a_trained_lstm_has_a_string_cell_on_held_out_source():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        data = python_source(1_000_000)
        train_data, val = data.split(0.1)
        result = char_rnn(train_data, val, hidden=128, layers=2, steps=1500, eval_every=500,
                          progress=False)  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    held_out = val.text  # 100,000 characters the net never trained on
    rec = record(result.model, held_out, data)
    in_string = tracks(held_out, ["in_string"])["in_string"]
    assert 0.05 < in_string.mean() < 0.5  # a text with strings and code both
    r = track_correlations(rec, {"in_string": in_string})[:, 0]
    best = int(np.argmax(np.abs(r)))
    print(f"string cell: {best} (layer {best // 128}, unit {best % 128}), r = {r[best]:+.3f}; "
          f"held-out loss {result.history['val_bits'][-1]:.2f} bits/char")  # fmt: skip
    assert abs(r[best]) >= 0.6
