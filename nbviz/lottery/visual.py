"""Looking at masks: mosaics of receptive fields and kernels, Jaccard overlaps, and the
initial-vs-final weight sample of Zhou et al.'s figures (arXiv:1905.01067).

Plain tensor/NumPy code (no widgets): :class:`~nbviz.widgets.mask_explorer.MaskExplorer`
draws what these return, and a script can plot them with matplotlib.

>>> import torch
>>> image, tiles = mask_mosaic(torch.ones(6, 16, dtype=torch.bool), input_shape=(1, 4, 4))
>>> image.shape, tiles  # six 4x4 receptive fields in 2 rows of 4, 1 px apart
((9, 19), (4, 4, 2, 4, 1))
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .criteria import CRITERIA, check_criterion, criterion_scores

__all__ = ["criteria_overlap", "jaccard", "jaccard_matrix", "mask_mosaic", "weight_sample"]

#: The most tiles (units, or kernel pairs) a mosaic shows.
MAX_TILES = 1024
#: The widest plain mask image; wider matrices are shown in blocks (grey = kept fraction).
MAX_SIDE = 1024


def jaccard(a: torch.Tensor, b: torch.Tensor) -> float:
    """|a ∩ b| / |a ∪ b| of two boolean masks of one shape (1 when both are empty).

    >>> import torch
    >>> jaccard(torch.tensor([1, 1, 0, 0]).bool(), torch.tensor([1, 0, 1, 0]).bool())
    0.3333333333333333
    """
    a, b = a.bool().flatten(), b.bool().flatten()
    if a.shape != b.shape:
        raise ValueError(f"masks: expected one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    union = int((a | b).sum())
    return 1.0 if union == 0 else int((a & b).sum()) / union


def jaccard_matrix(masks) -> np.ndarray:
    """float32 ``[k, k]`` Jaccard overlaps between every pair of ``masks`` (1 on the diagonal).

    >>> import torch
    >>> jaccard_matrix([torch.tensor([1, 1, 0]).bool(), torch.tensor([1, 0, 0]).bool()]).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    k = len(masks)
    out = np.ones((k, k), np.float32)
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = jaccard(masks[i], masks[j])
    return out


def _grid(count: int) -> tuple[int, int]:
    cols = max(1, math.ceil(math.sqrt(count * 1.6)))
    return math.ceil(count / cols), cols


def _tile(tiles: np.ndarray, gap: int, cols: int | None = None):
    """Lay ``tiles`` [k, th, tw] (values 0..255) in rows of ``cols`` (default: a wide
    grid) with ``gap`` px between them; return ``(image, (th, tw, rows, cols, gap))``."""
    k, th, tw = tiles.shape
    rows, cols = _grid(k) if cols is None else (math.ceil(k / cols), cols)
    image = np.zeros((rows * (th + gap) - gap, cols * (tw + gap) - gap), np.uint8)
    for i in range(k):
        r, c = divmod(i, cols)
        image[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = tiles[i]
    return image, (th, tw, rows, cols, gap)


def mask_mosaic(mask: torch.Tensor, input_shape=None, gap: int = 1):
    """A mask as a picture: ``(image uint8 [H, W], tiles)``; 255 kept, 0 pruned.

    * A linear layer whose input is the image ``input_shape`` ``(C, H, W)`` (the first
      layer of an MLP): one ``H×W`` tile per unit, its receptive field (channels
      averaged: grey is the kept fraction); ``tiles = (H, W, rows, cols, gap)``.
    * A convolution ``(out, in, kh, kw)``: one ``kh×kw`` tile per (out, in) kernel, a row
      per output channel (at most 32 × 32 of them).
    * Anything else: the ``(out, in)`` matrix itself, in blocks when wider or taller than
      1,024 (grey = kept fraction); ``tiles = ()``.

    At most :data:`MAX_TILES` tiles are shown (the first units).
    """
    m = mask.detach().to(torch.float32).cpu()
    if m.ndim == 4:  # conv (out, in, kh, kw): a row of kernels per output channel
        kh, kw = m.shape[2:]
        m = m[:32, :32]
        tiles = (m.reshape(-1, kh, kw).numpy() * 255).round().astype(np.uint8)
        return _tile(tiles, gap, cols=m.shape[1])
    if m.ndim != 2:
        m = m.reshape(m.shape[0], -1)
    if input_shape is not None:
        shape = tuple(int(v) for v in input_shape)
        c, h, w = shape if len(shape) == 3 else (1, *shape[-2:])
        if c * h * w == m.shape[1]:
            fields = m[:MAX_TILES].reshape(-1, c, h, w).mean(1).numpy()
            return _tile((fields * 255).round().astype(np.uint8), gap)
    rows, cols = m.shape
    fr, fc = math.ceil(rows / MAX_SIDE), math.ceil(cols / MAX_SIDE)
    if fr > 1 or fc > 1:
        pad = torch.zeros(math.ceil(rows / fr) * fr, math.ceil(cols / fc) * fc)
        pad[:rows, :cols] = m
        m = pad.reshape(pad.shape[0] // fr, fr, pad.shape[1] // fc, fc).mean((1, 3))
    return (m.numpy() * 255).round().astype(np.uint8), ()


def weight_sample(start, final, alive, kept_next=None, limit: int = 20_000, seed: int = 0):
    """``(pairs float32 [m, 2], kept uint8 [m])``: the (start, final) values of up to
    ``limit`` weights alive under mask ``alive``, and whether the next mask keeps them
    (all kept when ``kept_next`` is None): the points of the paper's init-vs-final plot.

    >>> import torch
    >>> pairs, kept = weight_sample(torch.tensor([1.0, 2, 3]), torch.tensor([4.0, 5, 6]),
    ...                             torch.tensor([True, False, True]), torch.tensor([0, 0, 1]))
    >>> pairs.tolist(), kept.tolist()
    ([[1.0, 4.0], [3.0, 6.0]], [0, 1])
    """
    alive = alive.bool().flatten()
    idx = torch.nonzero(alive).flatten()
    if len(idx) > limit:
        gen = torch.Generator().manual_seed(seed)
        idx = idx[torch.randperm(len(idx), generator=gen)[:limit]].sort().values
    s, f = start.flatten()[idx], final.flatten()[idx]
    kept = (
        torch.ones(len(idx), dtype=torch.uint8)
        if kept_next is None
        else kept_next.bool().flatten()[idx].to(torch.uint8)
    )
    pairs = torch.stack([s, f], 1).to(torch.float32).numpy()
    return pairs, kept.numpy()


def criteria_overlap(start, final, alive, keep: int, criteria=CRITERIA, seed: int = 0):
    """Jaccard overlaps ``[k, k]`` between the masks each criterion would keep: the top
    ``keep`` scores among the weights alive under ``alive``, scored from (``start``,
    ``final``); returns ``(overlap, names)``.

    >>> import torch
    >>> w0, w1 = torch.randn(200, generator=torch.Generator().manual_seed(0)), torch.randn(200)
    >>> o, names = criteria_overlap(w0, w1, torch.ones(200, dtype=torch.bool), 100,
    ...                             ["large_final", "small_final"])
    >>> names, float(o[0, 1])  # keeping the largest or the smallest half: disjoint
    (['large_final', 'small_final'], 0.0)
    """
    names = [check_criterion(c, "criteria") for c in criteria]
    alive = alive.bool().flatten()
    n_alive = int(alive.sum())
    if not 0 <= keep <= n_alive:
        raise ValueError(f"keep: expected 0..{n_alive} (the weights alive), got {keep}")
    masks = []
    for i, name in enumerate(names):
        scores = criterion_scores(name, start.flatten(), final.flatten(), seed=seed + i)
        scores = scores.masked_fill(~alive, -math.inf)
        m = torch.zeros_like(alive)
        m[torch.topk(scores, keep).indices] = True
        masks.append(m)
    return jaccard_matrix(masks), names
