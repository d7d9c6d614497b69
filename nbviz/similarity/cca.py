"""Canonical correlation between two layers: CCA, SVCCA (Raghu, Gilmer, Yosinski and
Sohl-Dickstein, NeurIPS 2017) and PWCCA (Morcos, Raghu and Bengio, NeurIPS 2018).

CCA finds directions in each layer's activation space whose projections over the ``n``
examples correlate most; the canonical correlations ``ρ₁ ≥ ρ₂ ≥ ...`` say how much of
one representation is a linear function of the other. SVCCA first keeps, in each layer,
the top singular directions that explain 99% of the variance (dropping the noise
directions CCA would otherwise match by chance), then runs CCA; its summary is the mean
``ρ``. PWCCA weights each ``ρᵢ`` by how much of the first layer's neurons its canonical
variate accounts for.

Shapes are ``[n examples, features]`` (the SVCCA code's ``[neurons, datapoints]``,
transposed). Computed in float64.

>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> x = torch.randn(1000, 8, generator=g)
>>> y = x @ torch.randn(8, 12, generator=g)       # a linear function of x, wider
>>> r = svcca(x, y)
>>> round(r.mean, 4), r.dims
(1.0, (8, 8))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._checks import check_fraction, check_number, check_positive_int
from ._inputs import as_pair

__all__ = ["CCAAlignment", "CCAResult", "cca", "cca_aligned", "pwcca", "svcca"]


@dataclass
class CCAResult:
    """Canonical correlations of ``x`` and ``y``.

    Attributes:
        coefficients: ``ρ₁ ≥ ρ₂ ≥ ...`` (NumPy float64), one per direction kept.
        mean: their mean (SVCCA's summary); for :func:`pwcca`, the projection-weighted mean.
        dims: the dimensions CCA ran on, ``(x's, y's)`` (after SVD for SVCCA).
        weights: PWCCA's weight of each coefficient (sums to 1); ``None`` otherwise.
    """

    coefficients: np.ndarray
    mean: float
    dims: tuple[int, int]
    weights: np.ndarray | None = None


def _inv_sqrt(c: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(c)
    return vecs @ torch.diag(vals.clamp(min=1e-12).rsqrt()) @ vecs.T


def _cca(x: torch.Tensor, y: torch.Tensor, epsilon: float, *, both: bool = False):
    """Canonical correlations and ``x``'s canonical variates ``[n, k]`` of centred
    ``x``, ``y``, with ``epsilon`` added to the covariances' diagonals (``both``: and
    ``y``'s variates, paired with ``x``'s so that each pair correlates by its ``ρ``)."""
    n = x.shape[0]
    sxx = x.T @ x / (n - 1) + epsilon * torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    syy = y.T @ y / (n - 1) + epsilon * torch.eye(y.shape[1], dtype=y.dtype, device=y.device)
    sxy = x.T @ y / (n - 1)
    wx, wy = _inv_sqrt(sxx), _inv_sqrt(syy)
    u, rho, vh = torch.linalg.svd(wx @ sxy @ wy, full_matrices=False)
    k = min(x.shape[1], y.shape[1])
    rho, hx = rho[:k].clamp(0.0, 1.0), x @ (wx @ u[:, :k])
    if not both:
        return rho, hx
    return rho, hx, y @ (wy @ vh[:k].T)


def _centred(x: torch.Tensor) -> torch.Tensor:
    return x - x.mean(0, keepdim=True)


def _check_widths(x: torch.Tensor, y: torch.Tensor) -> None:
    for name, m in (("x", x), ("y", y)):
        if m.shape[1] >= m.shape[0]:
            raise ValueError(
                f"{name}: {m.shape[1]} features for {m.shape[0]} examples: CCA needs more "
                "examples than directions (use svcca, which reduces them first, or more data)"
            )


def cca(x, y, *, epsilon: float = 1e-10, device="cpu") -> CCAResult:
    """The canonical correlations of ``x`` ``[n, ...]`` and ``y`` ``[n, ...]`` (centred,
    flattened; more examples than features in each)."""
    epsilon = check_number(epsilon, "epsilon", nonnegative=True)
    x, y = as_pair(x, y, device, min_n=3)
    x, y = _centred(x), _centred(y)
    _check_widths(x, y)
    rho, _ = _cca(x, y, epsilon)
    rho = rho.cpu().numpy()
    return CCAResult(rho, float(rho.mean()), (x.shape[1], y.shape[1]))


def _top_directions(x: torch.Tensor, keep: float) -> torch.Tensor:
    """``x`` (centred) in its top singular directions that explain ``keep`` of its variance."""
    u, s, _ = torch.linalg.svd(x, full_matrices=False)
    share = (s.square().cumsum(0) / s.square().sum()).cpu()
    k = int(torch.searchsorted(share, torch.tensor(keep, dtype=share.dtype))) + 1
    k = min(k, len(s))
    return u[:, :k] * s[:k]


def svcca(x, y, *, keep: float = 0.99, epsilon: float = 1e-10, device="cpu") -> CCAResult:
    """SVCCA: each layer reduced to the top singular directions explaining ``keep`` of its
    variance, then CCA. ``mean`` is the mean canonical correlation."""
    keep = check_fraction(keep, "keep", high_open=False)
    epsilon = check_number(epsilon, "epsilon", nonnegative=True)
    x, y = as_pair(x, y, device, min_n=3)
    x, y = _top_directions(_centred(x), keep), _top_directions(_centred(y), keep)
    _check_widths(x, y)
    rho, _ = _cca(x, y, epsilon)
    rho = rho.cpu().numpy()
    return CCAResult(rho, float(rho.mean()), (x.shape[1], y.shape[1]))


def pwcca(x, y, *, keep: float = 0.99, epsilon: float = 1e-10, device="cpu") -> CCAResult:
    """Projection-weighted CCA of ``x`` against ``y`` (not symmetric): canonical correlation
    ``ρᵢ`` weighted by ``αᵢ = Σⱼ |⟨hᵢ, xⱼ⟩|``, the share of ``x``'s neurons ``xⱼ`` (columns)
    its canonical variate ``hᵢ`` accounts for. With ``keep < 1`` each layer is first
    reduced as in :func:`svcca` (the weights still use ``x``'s neurons)."""
    keep = check_fraction(keep, "keep", high_open=False)
    epsilon = check_number(epsilon, "epsilon", nonnegative=True)
    x, y = as_pair(x, y, device, min_n=3)
    x, y = _centred(x), _centred(y)
    xr = _top_directions(x, keep) if keep < 1 else x
    yr = _top_directions(y, keep) if keep < 1 else y
    _check_widths(xr, yr)
    rho, h = _cca(xr, yr, epsilon)
    h = h / h.norm(dim=0, keepdim=True).clamp(min=1e-12)
    alpha = (h.T @ x).abs().sum(1)
    alpha = alpha / alpha.sum()
    rho_np, alpha_np = rho.cpu().numpy(), alpha.cpu().numpy()
    return CCAResult(rho_np, float(alpha_np @ rho_np), (xr.shape[1], yr.shape[1]), alpha_np)


@dataclass
class CCAAlignment:
    """Two layers' activations in shared coordinates: what :func:`cca_aligned` gives.

    Attributes:
        x, y: ``[n, dims]`` float32 CPU tensors: each layer's activations projected on its
            leading canonical directions. Column ``k`` of each has unit variance, the
            columns of one side are uncorrelated, and ``x[:, k]`` correlates with
            ``y[:, k]`` by ``coefficients[k]`` (and with no other column of ``y``).
        coefficients: the canonical correlations ``ρ₁ ≥ ... ≥ ρ_dims`` (NumPy float64).
        dims: the directions each layer kept before CCA, ``(x's, y's)``.
    """

    x: torch.Tensor
    y: torch.Tensor
    coefficients: np.ndarray
    dims: tuple[int, int]


def cca_aligned(
    x, y, *, dims: int = 10, keep: float = 0.99, epsilon: float = 1e-10, device="cpu"
) -> CCAAlignment:
    """``x`` ``[n, ...]`` and ``y`` ``[n, ...]`` (activations of the same examples) each
    projected on its ``dims`` leading canonical directions, so that both are drawn in
    one frame of reference: coordinate ``k`` means the same in both (its canonical pair),
    and a point sits in the same place in both where the layers agree.

    As in :func:`svcca`, each layer is first reduced to its top singular directions that
    explain ``keep`` of its variance, and to at most half as many as there are examples
    (more would let CCA match noise perfectly). Fewer than ``dims`` directions are given
    when fewer are left.

    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(500, 6, generator=g)
    >>> y = x @ torch.randn(6, 9, generator=g) + 0.1 * torch.randn(500, 9, generator=g)
    >>> a = cca_aligned(x, y, dims=3)
    >>> a.x.shape, a.y.shape, a.dims
    (torch.Size([500, 3]), torch.Size([500, 3]), (6, 6))
    >>> bool(torch.corrcoef(torch.stack([a.x[:, 0], a.y[:, 0]]))[0, 1] > 0.99)
    True
    """
    dims = check_positive_int(dims, "dims")
    keep = check_fraction(keep, "keep", high_open=False)
    epsilon = check_number(epsilon, "epsilon", nonnegative=True)
    x, y = as_pair(x, y, device, min_n=4)
    cap = max(1, (len(x) - 1) // 2)
    x = _top_directions(_centred(x), keep)[:, :cap]
    y = _top_directions(_centred(y), keep)[:, :cap]
    rho, hx, hy = _cca(x, y, epsilon, both=True)
    k = min(dims, len(rho))
    return CCAAlignment(
        hx[:, :k].float().cpu(),
        hy[:, :k].float().cpu(),
        rho[:k].cpu().numpy(),
        (x.shape[1], y.shape[1]),
    )
