"""A character-level recurrent network (LSTM or GRU), as in Karpathy's char-rnn.

:class:`CharRNN` embeds each character, runs a stack of ``nn.LSTM`` (or ``nn.GRU``)
layers (cuDNN / oneDNN kernels: training runs at the library's speed) and predicts the
next character. :func:`~nbviz.text.record` replays the same weights to give every layer's
hidden state, cell state and gates at every step, which ``nn.LSTM`` does not return.

>>> import torch
>>> net = CharRNN(vocab_size=20, hidden=32, layers=2)
>>> logits, state = net(torch.randint(0, 20, (4, 50)))
>>> logits.shape, len(state)
(torch.Size([4, 50, 20]), 2)
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_positive_int, unknown_name_error

__all__ = ["CELLS", "CharRNN"]

#: The recurrent cells :class:`CharRNN` can use.
CELLS = ("lstm", "gru")


class CharRNN(nn.Module):
    """Embedding → ``layers`` stacked LSTM or GRU layers of ``hidden`` units → next-character
    logits.

    Args:
        vocab_size: the number of characters (a :class:`~nbviz.data.TextDataset`'s
            ``vocab_size``).
        hidden: units per layer.
        layers: stacked recurrent layers.
        cell: ``"lstm"`` or ``"gru"``.
        embedding: the character embedding's width (default ``min(64, vocab_size)``).
        dropout: between the recurrent layers, while training.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden: int = 128,
        layers: int = 2,
        *,
        cell: str = "lstm",
        embedding: int | None = None,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", minimum=2)
        self.hidden = check_positive_int(hidden, "hidden")
        self.layers = check_positive_int(layers, "layers")
        if cell not in CELLS:
            raise unknown_name_error("cell", str(cell), CELLS, "cell")
        self.cell = cell
        width = min(64, self.vocab_size) if embedding is None else embedding
        width = check_positive_int(width, "embedding")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout: expected a number in [0, 1), got {dropout}")
        self.embed = nn.Embedding(self.vocab_size, width)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(width, self.hidden, self.layers, batch_first=True,
                       dropout=float(dropout) if self.layers > 1 else 0.0)  # fmt: skip
        self.head = nn.Linear(self.hidden, self.vocab_size)

    def forward(self, codes: torch.Tensor, state=None):
        """``(logits (N, T, vocab), state)`` for int64 ``codes (N, T)``; ``state`` carries
        the recurrent state from a previous call (truncated backpropagation through time)."""
        if codes.ndim != 2:
            raise ValueError(f"codes: expected (N, T) character codes, got {tuple(codes.shape)}")
        out, state = self.rnn(self.embed(codes), state)
        return self.head(out), state

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}"
