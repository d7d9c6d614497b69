"""Histograms and distribution bands the way TensorBoard computes them, so that nbviz's
records and a TensorBoard log directory mean the same thing.

* :func:`histogram` — TensorBoard's (summary v2) buckets: ``buckets`` equal-width
  buckets from the minimum to the maximum, the maximum in the last one; all values equal:
  every edge at that value and the whole count in the last bucket.
* :func:`distribution` — the distribution dashboard's bands: the value below which each
  :data:`BASIS_POINTS` share (in 1/10,000) of the mass lies, interpolated linearly inside
  the bucket where it falls, as TensorBoard's distribution compressor does. The basis
  points are a normal distribution's −∞, −1.5σ, −σ, −0.5σ, 0, 0.5σ, σ, 1.5σ, +∞.

>>> import numpy as np
>>> h = histogram(np.arange(100.0), buckets=4)
>>> h[:, 2].tolist()
[25.0, 25.0, 25.0, 25.0]
>>> distribution(h).round(2).tolist()
[0.0, 6.61, 15.71, 30.54, 49.5, 68.46, 83.29, 92.39, 99.0]
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_positive_int

__all__ = ["BASIS_POINTS", "distribution", "histogram"]

#: TensorBoard's basis points (of 10,000) for the distribution bands.
BASIS_POINTS = (0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000)


def histogram(values, buckets: int = 30) -> np.ndarray:
    """``[buckets, 3]`` float64 rows of (left edge, right edge, count) of ``values`` (any
    shape, flattened; NaN and infinities are left out). No finite values: all zeros.

    A torch tensor is counted where it lies (``torch.histc``: on the GPU for a CUDA
    tensor), and only the ``buckets`` counts come back; its edges are computed in the
    tensor's precision, so a value within rounding of an edge may land on its other side.
    """
    buckets = check_positive_int(buckets, "buckets")
    if isinstance(values, torch.Tensor):
        return _tensor_histogram(values, buckets)
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    out = np.zeros((buckets, 3))
    if v.size == 0:
        return out
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        out[:, :2] = lo
        out[-1, 2] = v.size
        return out
    width = (hi - lo) / buckets
    index = np.minimum(((v - lo) / width).astype(np.int64), buckets - 1)
    out[:, 0] = lo + width * np.arange(buckets)
    out[:, 1] = out[:, 0] + width
    out[:, 2] = np.bincount(index, minlength=buckets)
    return out


def _tensor_histogram(t: torch.Tensor, buckets: int) -> np.ndarray:
    t = t.detach().reshape(-1)
    if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    out = np.zeros((buckets, 3))
    if t.numel() == 0:
        return out
    lo, hi = (float(v) for v in torch.stack(torch.aminmax(t)).tolist())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        t = t[torch.isfinite(t)]
        if t.numel() == 0:
            return out
        lo, hi = (float(v) for v in torch.stack(torch.aminmax(t)).tolist())
    if hi == lo:
        out[:, :2] = lo
        out[-1, 2] = t.numel()
        return out
    width = (hi - lo) / buckets
    out[:, 0] = lo + width * np.arange(buckets)
    out[:, 1] = out[:, 0] + width
    out[:, 2] = torch.histc(t, buckets, min=lo, max=hi).cpu().double().numpy()
    return out


def distribution(hist: np.ndarray, basis_points=BASIS_POINTS) -> np.ndarray:
    """The value at each of ``basis_points`` (increasing, in 0..10,000) of the
    distribution ``hist`` (:func:`histogram`'s rows): where the cumulative count first
    passes the basis point, linearly between the bucket's edges (the lowest value for the
    first bucket with mass, the highest value past the last). An empty histogram gives
    zeros."""
    h = np.asarray(hist, dtype=np.float64)
    bps = np.asarray(basis_points, dtype=np.float64)
    if h.ndim != 2 or h.shape[1] != 3:
        raise ValueError(f"hist: expected rows of (left, right, count), got shape {h.shape}")
    if np.any(np.diff(bps) < 0) or bps.min(initial=0) < 0 or bps.max(initial=0) > 10_000:
        raise ValueError("basis_points: expected increasing values in 0..10,000")
    total = h[:, 2].sum()
    out = np.zeros(len(bps))
    if len(h) == 0 or total <= 0:
        return out
    lowest, highest = h[0, 0], h[-1, 1]
    cum = np.cumsum(h[:, 2]) * (10_000.0 / total)
    for k, bp in enumerate(bps):
        i = int(np.searchsorted(cum, bp, side="right"))
        while i < len(cum) and cum[i] == (cum[i - 1] if i else 0.0):
            i += 1  # an empty bucket: the mass is further right
        if i >= len(cum):
            out[k] = highest
            continue
        before = cum[i - 1] if i else 0.0
        left = lowest if i == 0 or before == 0 else max(h[i - 1, 1], lowest)
        right = min(h[i, 1], highest)
        out[k] = left + (bp - before) / (cum[i] - before) * (right - left)
    return out
