"""record() against a step-by-step nn.LSTMCell / nn.GRUCell loop on the same weights, and
the CharRNN's own forward pass."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.data import TextDataset
from nbviz.text import CharRNN, record

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "def f(x):\n    return {'a': [x, (x + 1)]}  # done\n" * 3


def _loop(model: CharRNN, codes: torch.Tensor):
    """Every layer's h, c and gates by an explicit cell loop (the reference)."""
    x = model.embed(codes)  # (T, E)
    hs, cs, gates = [], [], []
    for layer in range(model.layers):
        rnn = model.rnn
        w_ih, w_hh = getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}")
        b_ih, b_hh = getattr(rnn, f"bias_ih_l{layer}"), getattr(rnn, f"bias_hh_l{layer}")
        cell = (nn.LSTMCell if model.cell == "lstm" else nn.GRUCell)(x.shape[1], model.hidden)
        with torch.no_grad():
            cell.weight_ih.copy_(w_ih)
            cell.weight_hh.copy_(w_hh)
            cell.bias_ih.copy_(b_ih)
            cell.bias_hh.copy_(b_hh)
        h = torch.zeros(1, model.hidden)
        c = torch.zeros(1, model.hidden)
        out_h, out_c, out_g = [], [], []
        for t in range(len(x)):
            pre_x = x[t : t + 1] @ w_ih.T + b_ih
            pre_h = h @ w_hh.T + b_hh
            if model.cell == "lstm":
                i, f, _, o = (pre_x + pre_h).chunk(4, 1)
                out_g.append(torch.cat([i.sigmoid(), f.sigmoid(), o.sigmoid()]))
                h, c = cell(x[t : t + 1], (h, c))
                out_c.append(c[0])
            else:
                r = (pre_x.chunk(3, 1)[0] + pre_h.chunk(3, 1)[0]).sigmoid()
                z = (pre_x.chunk(3, 1)[1] + pre_h.chunk(3, 1)[1]).sigmoid()
                out_g.append(torch.cat([r, z]))
                h = cell(x[t : t + 1], h)
                out_c.append(h[0])
            out_h.append(h[0])
        hs.append(torch.stack(out_h))
        cs.append(torch.stack(out_c))
        gates.append(torch.stack(out_g))  # (T, gates, H)
        x = torch.stack(out_h)
    return torch.stack(hs), torch.stack(cs), torch.stack(gates)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_record_equals_a_cell_by_cell_loop(kind):
    data = TextDataset(TEXT)
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=24, layers=2, cell=kind).eval()
    rec = record(model, TEXT, data)
    with torch.no_grad():
        h, c, g = _loop(model, data.codes)
        logits, _ = model(data.codes[None])
    torch.testing.assert_close(rec.hidden, h, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(rec.cell, c, atol=1e-5, rtol=1e-4)
    names = ["input", "forget", "output"] if kind == "lstm" else ["reset", "update"]
    assert list(rec.gates) == names
    for k, name in enumerate(names):
        torch.testing.assert_close(rec.gates[name], g[:, :, k], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(rec.logits, logits[0], atol=1e-5, rtol=1e-4)
    assert rec.text == TEXT and rec.kind == kind
    # cells as rows, layer by layer
    assert rec.states("hidden").shape == (48, len(TEXT))
    torch.testing.assert_close(rec.states("hidden")[24 + 5], rec.hidden[1, :, 5])


def test_record_says_what_is_wrong():
    data = TextDataset(TEXT)
    model = CharRNN(data.vocab_size, hidden=8)
    with pytest.raises(ValueError, match="empty text"):
        record(model, "", data)
    other = TextDataset("abc")
    with pytest.raises(ValueError, match="its vocabulary has 4 characters, the model's"):
        record(model, "abc", other)
    with pytest.warns(UserWarning, match="outside the vocabulary"):
        rec = record(model, "é = 1\n", data)
    assert rec.hidden.shape[1] == 6
    with pytest.raises(TypeError, match="needs its TextDataset"):
        record(model, "abc")
