"""Every layer's hidden state, cell state and gates at every character.

``nn.LSTM`` returns the top layer's outputs and the last state only. :func:`record` gets
the rest from the same weights, without a Python loop over the layers' matrix products:
each layer runs as a one-layer ``nn.LSTM`` (the library's kernel) to get its hidden
states ``h``; the gates at every step then follow in one batched product from the inputs
and the previous step's ``h``; the cell state is the only recurrence left,
``c_t = f_t c_{t-1} + i_t g_t``, an elementwise scan. For a GRU the gates need no scan.
The test suite checks all of it against an ``nn.LSTMCell`` / ``nn.GRUCell`` loop.

>>> from nbviz.data import TextDataset
>>> from nbviz.text import CharRNN
>>> data = TextDataset("def f(x):\\n    return (x + 1)\\n")
>>> rec = record(CharRNN(data.vocab_size, hidden=16), data.text, data)
>>> rec.hidden.shape, rec.cell.shape, sorted(rec.gates)
(torch.Size([2, 29, 16]), torch.Size([2, 29, 16]), ['forget', 'input', 'output'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

__all__ = ["GATES", "Recording", "record"]

#: The gates :func:`record` gives per cell type (PyTorch's order of the stacked weights,
#: LSTM: input, forget, cell candidate, output; GRU: reset, update, candidate).
GATES = {"lstm": ("input", "forget", "output"), "gru": ("reset", "update")}


@dataclass
class Recording:
    """What a :class:`~nbviz.text.CharRNN` did on one text, step by step.

    Attributes:
        text: the text.
        hidden: every layer's hidden state ``(layers, T, hidden)``.
        cell: an LSTM's cell state ``(layers, T, hidden)`` (a GRU's is its hidden state).
        gates: ``{name: (layers, T, hidden)}`` gate activations in (0, 1)
            (:data:`GATES`).
        logits: the next-character scores ``(T, vocab)``.
        kind: ``"lstm"`` or ``"gru"``.
    """

    text: str
    hidden: torch.Tensor
    cell: torch.Tensor
    gates: dict[str, torch.Tensor] = field(default_factory=dict)
    logits: torch.Tensor | None = None
    kind: str = "lstm"

    @property
    def n_layers(self) -> int:
        """The number of recurrent layers."""
        return int(self.hidden.shape[0])

    @property
    def n_units(self) -> int:
        """Units per layer."""
        return int(self.hidden.shape[2])

    def states(self, quantity: str = "cell") -> torch.Tensor:
        """``"cell"`` or ``"hidden"`` states as ``(layers × hidden, T)``: one row per cell,
        layer by layer (cell ``k`` is unit ``k % hidden`` of layer ``k // hidden``)."""
        if quantity not in ("cell", "hidden"):
            raise ValueError(f"quantity: expected 'cell' or 'hidden', got {quantity!r}")
        x = self.cell if quantity == "cell" else self.hidden
        return x.permute(0, 2, 1).reshape(-1, x.shape[1])


def _scan(f: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``c_t = f_t * c_{t-1} + u_t`` from ``c_{-1} = 0``, for ``(T, H)`` inputs: the one
    recurrence left, elementwise; in NumPy, whose per-step overhead is a tenth of
    torch's for vectors this small."""
    f_np, u_np = f.cpu().numpy(), u.cpu().numpy()
    c = np.empty_like(u_np)
    state = np.zeros(u_np.shape[1], u_np.dtype)
    for t in range(len(u_np)):
        state = f_np[t] * state + u_np[t]
        c[t] = state
    return torch.from_numpy(c).to(f.device)


def _one_layer(rnn: nn.RNNBase, layer: int) -> nn.RNNBase:
    """Layer ``layer`` of a stacked ``nn.LSTM``/``nn.GRU`` as a one-layer module."""
    single = type(rnn)(rnn.input_size if layer == 0 else rnn.hidden_size, rnn.hidden_size,
                       1, batch_first=True, bias=rnn.bias)  # fmt: skip
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if hasattr(rnn, f"{name}_l{layer}"):
                getattr(single, f"{name}_l0").copy_(getattr(rnn, f"{name}_l{layer}"))
    return single.to(next(rnn.parameters()).device)


def record(model, text, data=None) -> Recording:
    """Run ``model`` (a :class:`~nbviz.text.CharRNN`) over ``text`` (a ``str``, encoded
    with ``data``, a :class:`~nbviz.data.TextDataset`; or int64 codes) from a zero state
    and return every layer's states and gates at every step (:class:`Recording`).

    Raises:
        ValueError: an empty text, or codes outside the model's vocabulary (a model of
            another vocabulary size).
    """
    if isinstance(text, str):
        if data is None:
            raise TypeError("data: a text needs its TextDataset to be encoded")
        codes = data.encode(text)
        shown = text
    else:
        codes = torch.as_tensor(text, dtype=torch.int64).reshape(-1)
        shown = data.decode(codes) if data is not None else ""
    if codes.numel() == 0:
        raise ValueError("text: expected at least one character, got an empty text")
    vocab = model.vocab_size
    if data is not None and data.vocab_size != vocab:
        raise ValueError(
            f"data: its vocabulary has {data.vocab_size} characters, the model's {vocab}; "
            "record with the dataset the model was trained on"
        )
    if int(codes.max()) >= vocab:
        raise ValueError(f"text: code {int(codes.max())} is outside the model's vocabulary")
    rnn = model.rnn
    device = next(model.parameters()).device
    was = model.training
    model.eval()
    hs, cs, gates = [], [], {g: [] for g in GATES[model.cell]}
    try:
        with torch.no_grad():
            x = model.embed(codes.to(device)[None])  # (1, T, E)
            for layer in range(rnn.num_layers):
                h = _one_layer(rnn, layer)(x)[0][0]  # (T, H)
                prev = torch.cat([h.new_zeros(1, h.shape[1]), h[:-1]])
                w_ih = getattr(rnn, f"weight_ih_l{layer}")
                w_hh = getattr(rnn, f"weight_hh_l{layer}")
                b_ih = getattr(rnn, f"bias_ih_l{layer}", None)
                b_hh = getattr(rnn, f"bias_hh_l{layer}", None)
                from_x = x[0] @ w_ih.T + (0 if b_ih is None else b_ih)
                from_h = prev @ w_hh.T + (0 if b_hh is None else b_hh)
                if model.cell == "lstm":
                    i, f, g, o = (from_x + from_h).chunk(4, dim=1)
                    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                    c = _scan(f, i * g)
                    for name, v in zip(GATES["lstm"], (i, f, o), strict=True):
                        gates[name].append(v)
                    cs.append(c)
                else:
                    r_x, z_x, _ = from_x.chunk(3, dim=1)
                    r_h, z_h, _ = from_h.chunk(3, dim=1)
                    gates["reset"].append((r_x + r_h).sigmoid())
                    gates["update"].append((z_x + z_h).sigmoid())
                    cs.append(h)
                hs.append(h)
                x = h[None]
            logits = model.head(x[0])
    finally:
        model.train(was)
    return Recording(
        text=shown,
        hidden=torch.stack(hs).cpu(),
        cell=torch.stack(cs).cpu(),
        gates={k: torch.stack(v).cpu() for k, v in gates.items()},
        logits=logits.cpu(),
        kind=model.cell,
    )
