"""Which cells track what: correlations with tracks, gate saturation, and LSTMVis's ranking.

* :func:`track_correlations` — the Pearson correlation of every cell (:func:`shown_states`:
  tanh of the cell state, as the text is coloured) with every hypothesis track over a
  text (the cells with |r| near 1 are the interpretable ones);
* :func:`saturation` — for every gate unit, the fraction of steps it is left-saturated
  (< 0.1) and right-saturated (> 0.9), the statistic of Karpathy, Johnson and Fei-Fei's
  (2015) saturation plots: forget gates that stay open are the long-memory cells;
* :func:`span_scores` — LSTMVis's question for a span the user brushed: which cells are
  *on* inside it and *off* around it (Strobelt et al., 2017).

>>> import torch
>>> from nbviz.data import TextDataset
>>> from nbviz.text import CharRNN, record, tracks
>>> data = TextDataset("x = 'ab' + (c)\\n" * 4)
>>> rec = record(CharRNN(data.vocab_size, hidden=8), data.text, data)
>>> r = track_correlations(rec, tracks(data.text, ["in_string", "in_brackets"]))
>>> r.shape
(16, 2)
>>> saturation(rec).shape     # layers, gates, units, (left, right)
(2, 3, 8, 2)
"""

from __future__ import annotations

import numpy as np
import torch

from .record import GATES, Recording

__all__ = ["saturation", "shown_states", "span_scores", "track_correlations"]


def shown_states(rec: Recording, quantity: str = "cell") -> torch.Tensor:
    """``(cells, T)``, layer by layer: the cell state through tanh (what Karpathy et al.
    coloured, in [-1, 1] as the hidden state is) or the hidden state."""
    x = rec.states(quantity)
    return x.tanh() if quantity == "cell" else x


def track_correlations(rec: Recording, tracks: dict, quantity: str = "cell") -> np.ndarray:
    """Pearson's r of every cell (:func:`shown_states` rows: the cell state through tanh,
    or the hidden state) with every track (``{name: values per character}``, in the
    dict's order): ``(cells, tracks)``. A constant cell or track correlates 0 with
    everything."""
    x = shown_states(rec, quantity).double()
    n = x.shape[1]
    if not tracks:
        raise ValueError("tracks: expected at least one track")
    t = torch.stack([torch.as_tensor(np.asarray(v), dtype=torch.float64) for v in tracks.values()])
    if t.shape[1] != n:
        raise ValueError(
            f"tracks: expected {n} values per track (the text's length), got {t.shape[1]}"
        )
    xc = x - x.mean(1, keepdim=True)
    tc = t - t.mean(1, keepdim=True)
    cov = xc @ tc.T
    norm = xc.norm(dim=1)[:, None] * tc.norm(dim=1)[None, :]
    return torch.where(norm > 1e-12, cov / norm.clamp(min=1e-12), 0.0).float().numpy()


def saturation(rec: Recording, low: float = 0.1, high: float = 0.9) -> np.ndarray:
    """For every layer, gate (:data:`~nbviz.text.GATES`) and unit, the fraction of steps
    the gate is below ``low`` and above ``high``: ``(layers, gates, units, 2)``."""
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"low, high: expected 0 < low < high < 1, got {low}, {high}")
    out = [
        torch.stack([(g < low).float().mean(1), (g > high).float().mean(1)], -1)
        for g in (rec.gates[name] for name in GATES[rec.kind])
    ]  # each (layers, units, 2)
    return torch.stack(out, 1).numpy()


def span_scores(
    rec: Recording,
    start: int,
    end: int,
    *,
    quantity: str = "hidden",
    threshold: float = 0.3,
    margin: int | None = None,
) -> np.ndarray:
    """LSTMVis's ranking of every cell for the span ``[start, end)`` (on the hidden state,
    or the cell state through tanh, so both live in [-1, 1]): the share of the
    span's steps where the cell is on (above ``threshold``) minus the share of the
    ``margin`` steps on either side (default: the span's length) where it is on, plus a
    small tie-breaker, the mean difference of its value inside and around. 1 is a cell on
    exactly over the span.

    Raises:
        ValueError: an empty span or one outside the text.
    """
    x = shown_states(rec, quantity)
    n = x.shape[1]
    start, end = int(start), int(end)
    if not 0 <= start < end <= n:
        raise ValueError(f"span: expected 0 <= start < end <= {n}, got [{start}, {end})")
    margin = end - start if margin is None else int(margin)
    around = torch.cat([x[:, max(0, start - margin) : start], x[:, end : min(n, end + margin)]], 1)
    inside = x[:, start:end]
    on_in = (inside > threshold).float().mean(1)
    if around.shape[1]:
        on_out = (around > threshold).float().mean(1)
        gap = inside.mean(1) - around.mean(1)
    else:
        on_out, gap = torch.zeros_like(on_in), inside.mean(1)
    return (on_in - on_out + 0.01 * gap.clamp(-1, 1)).numpy()
