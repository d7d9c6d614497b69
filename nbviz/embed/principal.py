"""Principal component analysis in torch, on the CPU or a GPU."""

from __future__ import annotations

import torch

from .._checks import check_positive_int
from ._device import as_points, resolve_device

__all__ = ["pca"]


def pca(X, k: int = 50, *, device="auto", return_components: bool = False):
    """Project the rows of ``X`` ``(n, d)`` on their top ``k`` principal directions.

    The covariance ``Xcᵀ Xc`` is summed in float64 over float32 blocks of rows and
    diagonalized with ``eigh``, so the result is exact and deterministic (each
    direction's largest loading is made positive). ``k`` larger than ``d`` or ``n`` is
    cut to ``min(n, d)``. Returns float32 scores ``(n, k)`` on ``device``; with
    ``return_components`` also the directions ``(d, k)`` and the mean ``(d,)``.

    >>> import torch
    >>> X = torch.randn(100, 5) * torch.tensor([5.0, 1, 1, 1, 0.1])
    >>> scores = pca(X, 2, device="cpu")
    >>> scores.shape, bool(scores[:, 0].var() > scores[:, 1].var())
    (torch.Size([100, 2]), True)
    """
    X = as_points(X, "X", min_points=2)
    k = check_positive_int(k, "k")
    dev = resolve_device(device)
    n, d = X.shape
    k = min(k, n, d)
    x = X.to(dev)
    mean = x.to(torch.float64).mean(0)
    mean32 = mean.to(torch.float32)
    cov = torch.zeros(d, d, dtype=torch.float64, device=dev)
    block = max(1, (1 << 24) // max(d, 1))
    for s in range(0, n, block):
        xc = x[s : s + block] - mean32
        cov += (xc.T @ xc).to(torch.float64)
    evals, evecs = torch.linalg.eigh(cov)
    dirs = evecs[:, torch.argsort(evals, descending=True)[:k]]
    biggest = dirs.abs().argmax(0)
    signs = torch.sign(dirs[biggest, torch.arange(k, device=dev)])
    dirs = dirs * torch.where(signs == 0, 1.0, signs)
    dirs32 = dirs.to(torch.float32)
    scores = (x - mean32) @ dirs32
    if return_components:
        return scores, dirs32, mean32
    return scores
