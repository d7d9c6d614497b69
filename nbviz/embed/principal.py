"""Principal component analysis in torch, on the CPU or a GPU: the one PCA of nbviz.

:func:`fit_pca` finds the top principal directions of the rows of ``data`` and returns a
:class:`PCA`, whose :meth:`~PCA.transform` maps any array with ``d`` features in its last
axis to the scores; :func:`pca` does both at once.

Exact and deterministic: products are summed in float64 over blocks (float32 blocks for
float32 data), then diagonalized with ``eigh``: the ``d × d`` covariance when there are
at least as many points as features, else the ``n × n`` Gram matrix of the centred
points (so a layer of thousands of features and a thousand points stays fast). Each
direction's largest-magnitude loading is made positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import check_positive_int
from ._device import as_points, resolve_device

__all__ = ["PCA", "fit_pca", "pca"]

_BLOCK = 1 << 24  # values per block of a product (64 MiB of float32)


@dataclass(frozen=True)
class PCA:
    """The top ``k`` principal directions of some data, as :func:`fit_pca` found them.

    Attributes:
        components: float64 ``(k, d)``, one unit-length direction per row (as
            scikit-learn's ``components_``), ordered by decreasing variance; each row's
            largest-magnitude entry is positive.
        mean: float64 ``(d,)``, the mean the directions are centred on.
        explained: float64 ``(k,)``, the fraction of the data's total variance along
            each direction (they sum to 1 when the ``k`` directions span the data).

    All three live on the device the PCA was fitted on.

    >>> p = fit_pca(torch.tensor([[0.0, 0.0], [2.0, 0.0], [4.0, 0.1]]), 1, device="cpu")
    >>> p.components.shape, p.k, p.d, round(float(p.explained.sum()), 3)
    (torch.Size([1, 2]), 1, 2, 1.0)
    """

    components: torch.Tensor
    mean: torch.Tensor
    explained: torch.Tensor

    @property
    def k(self) -> int:
        """The number of directions."""
        return self.components.shape[0]

    @property
    def d(self) -> int:
        """The number of features of the data it was fitted on."""
        return self.components.shape[1]

    def transform(self, data) -> torch.Tensor:
        """The scores of ``data`` ``(..., d)`` on the directions: ``(..., k)``.

        Any leading shape works (a ``[T, n, d]`` stack of frames, say). The scores are
        float64 for float64 data, else float32, on the PCA's device.

        >>> p = fit_pca(torch.randn(50, 4), 2, device="cpu")
        >>> p.transform(torch.randn(3, 50, 4)).shape
        torch.Size([3, 50, 2])
        """
        x = _as_tensor(data, "data")
        if x.ndim < 1 or x.shape[-1] != self.d:
            raise ValueError(
                f"data: expected {self.d} features in the last axis (the PCA was fitted on "
                f"{self.d}), got shape {tuple(x.shape)}"
            )
        dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
        x = x.to(self.components.device, dtype)
        if not bool(torch.isfinite(x).all()):
            raise ValueError("data: contains NaN or infinite values")
        return (x - self.mean.to(dtype)) @ self.components.T.to(dtype)


def _as_tensor(data, name: str) -> torch.Tensor:
    if isinstance(data, torch.Tensor):
        t = data.detach()
    else:
        import numpy as np

        from .._checks import as_numpy

        t = torch.from_numpy(np.ascontiguousarray(as_numpy(data, name)))
    if t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name}: expected real numbers, got dtype {t.dtype}")
    return t


def fit_pca(data, dims: int = 50, *, device="auto") -> PCA:
    """The top ``k = min(dims, n, d)`` principal directions of the rows of ``data``.

    ``data``: an ``(n, d)`` tensor or array (``n >= 2``), an ``ImageDataset`` or an
    ``(X, y)`` pair (each item flattened to a row). Float64 data is fitted in float64,
    anything else in float32 blocks summed in float64 (see the module docstring).
    ``device``: ``"auto"`` (CUDA when present, else the CPU) or a torch device.

    >>> import torch
    >>> X = torch.randn(200, 5) * torch.tensor([5.0, 1, 1, 1, 0.1])
    >>> p = fit_pca(X, 2, device="cpu")
    >>> p.components.shape, bool(p.explained[0] > 0.8)
    (torch.Size([2, 5]), True)
    """
    x = as_points(data, "data", min_points=2, keep_float64=True)
    return _fit(x, check_positive_int(dims, "dims"), resolve_device(device))


def pca(data, dims: int = 50, *, device="auto") -> torch.Tensor:
    """Project the rows of ``data`` ``(n, d)`` on their top ``dims`` principal directions.

    ``fit_pca(data, dims, device=device).transform(data)`` as float32 scores ``(n, k)``,
    ``k = min(dims, n, d)``, on ``device``.

    >>> import torch
    >>> X = torch.randn(100, 5) * torch.tensor([5.0, 1, 1, 1, 0.1])
    >>> scores = pca(X, 2, device="cpu")
    >>> scores.shape, bool(scores[:, 0].var() > scores[:, 1].var())
    (torch.Size([100, 2]), True)
    """
    x = as_points(data, "data", min_points=2, keep_float64=True)
    fitted = _fit(x, check_positive_int(dims, "dims"), resolve_device(device))
    return fitted.transform(x).to(torch.float32)


def _fit(x: torch.Tensor, dims: int, dev: torch.device) -> PCA:
    x = x.to(dev)
    n, d = x.shape
    k = min(dims, n, d)
    mean = _mean(x)
    if n >= d:
        components, variances, total = _from_covariance(x, mean, k)
    else:
        components, variances, total = _from_gram(x, mean, k)
    components = _fix_signs(components)
    explained = variances / total if total > 0 else torch.zeros_like(variances)
    return PCA(components, mean, explained)


def _mean(x: torch.Tensor) -> torch.Tensor:
    n, d = x.shape
    step = max(1, _BLOCK // max(d, 1))
    total = torch.zeros(d, dtype=torch.float64, device=x.device)
    for s in range(0, n, step):
        total += x[s : s + step].sum(0, dtype=torch.float64)
    return total / n


def _from_covariance(x, mean, k):
    """Directions from ``eigh`` of the ``d × d`` scatter matrix, summed over row blocks."""
    n, d = x.shape
    m = mean.to(x.dtype)
    cov = torch.zeros(d, d, dtype=torch.float64, device=x.device)
    step = max(1, _BLOCK // max(d, 1))
    for s in range(0, n, step):
        xc = x[s : s + step] - m
        cov += (xc.T @ xc).to(torch.float64)
    evals, evecs = torch.linalg.eigh(cov)
    order = torch.argsort(evals, descending=True)[:k]
    return evecs[:, order].T.contiguous(), evals[order].clamp_min(0) / n, cov.trace() / n


def _from_gram(x, mean, k):
    """Directions from ``eigh`` of the ``n × n`` Gram matrix, summed over feature blocks.

    With ``G = Xc Xcᵀ = U Λ Uᵀ``, the directions are ``Xcᵀ u_i / √λ_i``. A QR of
    ``Xcᵀ U`` normalizes them and keeps them orthonormal where ``λ_i`` is (numerically)
    zero, which the division cannot do.
    """
    n, d = x.shape
    xc = x - mean.to(x.dtype)
    gram = torch.zeros(n, n, dtype=torch.float64, device=x.device)
    step = max(1, _BLOCK // max(n, 1))
    for s in range(0, d, step):
        block = xc[:, s : s + step]
        gram += (block @ block.T).to(torch.float64)
    evals, evecs = torch.linalg.eigh(gram)
    order = torch.argsort(evals, descending=True)[:k]
    dirs, _ = torch.linalg.qr(xc.T.to(torch.float64) @ evecs[:, order])  # (d, k)
    return dirs.T.contiguous(), evals[order].clamp_min(0) / n, gram.trace() / n


def _fix_signs(components: torch.Tensor) -> torch.Tensor:
    """Flip each row so that its largest-magnitude entry is positive."""
    k = components.shape[0]
    biggest = components.abs().argmax(1)
    signs = torch.sign(components[torch.arange(k, device=components.device), biggest])
    return components * torch.where(signs == 0, 1.0, signs)[:, None]
