"""t-SNE input similarities: perplexity calibration and the symmetric sparse P.

For each point, a Gaussian over its ``k`` nearest neighbours whose entropy is
``log(perplexity)``; its precision is found by a binary search run on all rows at once.
The conditional rows ``p(j|i)`` are kept as the dense ``(n, k)`` neighbour layout; the
symmetric joint ``P = (P_cond + P_condᵀ) / 2n`` is used implicitly (every directed edge
carries half its conditional weight both ways), which needs no sorting or coalescing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import torch

from .._checks import is_number
from .neighbors import Neighbors

__all__ = ["Affinities", "affinities", "check_perplexity"]


def check_perplexity(perplexity, n: int) -> float:
    """Validate ``perplexity`` for ``n`` points: a number ≥ 1 with ``n ≥ 3·perplexity + 1``.

    >>> check_perplexity(30, 1000)
    30.0
    >>> import numpy as np
    >>> check_perplexity(np.int64(5), 100)
    5.0
    """
    if not is_number(perplexity):
        raise TypeError(f"perplexity: expected a number, got {type(perplexity).__name__}")
    p = float(perplexity)
    if not math.isfinite(p) or p < 1:
        raise ValueError(f"perplexity: expected a number >= 1, got {perplexity!r}")
    if n < 3 * p + 1:
        fits = (n - 1) / 3
        hint = (
            f"use perplexity <= {math.floor(fits * 100) / 100:g} for {n} points"
            if fits >= 1
            else "t-SNE needs at least 4 points"
        )
        raise ValueError(
            f"perplexity: {perplexity!r} needs at least {math.ceil(3 * p + 1)} points "
            f"(3 * perplexity + 1), got {n}; {hint}"
        )
    return p


@dataclass(frozen=True)
class Affinities:
    """Calibrated t-SNE similarities on a kNN graph.

    ``indices`` ``(n, k)`` the neighbours, ``conditional`` ``(n, k)`` the rows
    ``p(j|i)`` (each sums to 1), ``beta`` ``(n,)`` the Gaussian precisions
    ``1 / (2σ²)`` on squared distances, ``perplexity`` the target.

    >>> from nbviz.embed import knn
    >>> aff = affinities(knn(torch.randn(40, 3), 12), perplexity=4)
    >>> aff.n, aff.conditional.shape, round(float(aff.entropy().exp().mean()), 3)
    (40, torch.Size([40, 12]), 4.0)
    """

    indices: torch.Tensor
    conditional: torch.Tensor
    beta: torch.Tensor
    perplexity: float

    @property
    def n(self) -> int:
        """The number of points."""
        return self.indices.shape[0]

    def entropy(self) -> torch.Tensor:
        """Each row's Shannon entropy in nats (``log(perplexity)`` when calibrated)."""
        p = self.conditional.to(torch.float64)
        return -(p * torch.log(p.clamp_min(1e-300))).sum(1)

    def joint(self) -> torch.Tensor:
        """The symmetric joint ``P`` as a coalesced sparse COO tensor ``(n, n)``, sum 1.

        >>> from nbviz.embed import knn
        >>> X = torch.randn(20, 3)
        >>> P = affinities(knn(X, 6), 2).joint()
        >>> round(float(P.sum()), 5), bool((P.to_dense() == P.to_dense().T).all())
        (1.0, True)
        """
        n, k = self.indices.shape
        rows = torch.arange(n, device=self.indices.device).repeat_interleave(k)
        cols = self.indices.reshape(-1)
        vals = self.conditional.reshape(-1).to(torch.float64) / (2 * n)
        both = torch.stack([torch.cat([rows, cols]), torch.cat([cols, rows])])
        return torch.sparse_coo_tensor(
            both, torch.cat([vals, vals]), (n, n), check_invariants=False
        ).coalesce()

    @cached_property
    def edge_weights(self) -> torch.Tensor:
        """Each directed edge's share of the joint ``P``: ``p(j|i) / 2n``, ``(n, k)``."""
        return self.conditional * (1.0 / (2 * self.n))

    @cached_property
    def entropy_of_joint(self) -> float:
        """``Σ P log P`` over the joint ``P`` (the constant part of the KL divergence)."""
        v = self.joint().values()
        v = v[v > 0]  # entries that underflowed to 0 add 0 (x log x → 0)
        return float((v * torch.log(v)).sum())


def affinities(
    neighbors: Neighbors, perplexity: float = 30.0, *, tol: float = 1e-5, max_steps: int = 200
) -> Affinities:
    """Calibrate Gaussian rows on ``neighbors`` to ``perplexity`` (all rows at once).

    Works on squared distances shifted by each row's smallest one (so nothing
    underflows); a row whose neighbours are all at the same distance (duplicate
    points) gets uniform weights. The search stops when every row's entropy is within
    ``tol`` nats of ``log(perplexity)``, or after ``max_steps`` halvings.

    >>> from nbviz.embed import knn
    >>> X = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    >>> aff = affinities(knn(X, 30), perplexity=10)
    >>> torch.allclose(aff.entropy().exp(), torch.full((200,), 10.0, dtype=torch.float64))
    True
    """
    idx = neighbors.indices
    n, k = idx.shape
    perplexity = check_perplexity(perplexity, n)
    if k < min(n - 1, perplexity):
        raise ValueError(
            f"neighbors: {k} neighbours cannot reach perplexity {perplexity:g}; "
            f"use at least {math.ceil(3 * perplexity)}"
        )
    d = neighbors.distances.to(torch.float64) ** 2
    d = d - d.min(1, keepdim=True).values
    target = math.log(perplexity)
    scale = d.mean(1).clamp_min(1e-12)
    beta = 1.0 / scale
    lo = torch.zeros_like(beta)
    hi = torch.full_like(beta, float("inf"))
    for _ in range(max_steps):
        e = torch.exp(-d * beta[:, None])
        s = e.sum(1)
        H = torch.log(s) + beta * (d * e).sum(1) / s
        diff = H - target
        # Done: on target, or bracketed to rounding (rows of ties cannot reach it).
        done = (diff.abs() < tol) | (hi - lo <= 1e-12 * hi) & torch.isfinite(hi) | (beta > 1e250)
        if bool(done.all()):
            break
        up = diff > 0  # entropy too high: narrower Gaussian, larger beta
        lo = torch.where(up, beta, lo)
        hi = torch.where(up, hi, beta)
        beta = torch.where(torch.isinf(hi), beta * 2, (lo + hi) / 2)
    p = torch.exp(-d * beta[:, None])
    p = p / p.sum(1, keepdim=True)
    # ``beta`` above is for the shifted squared distances; the precision is the same.
    return Affinities(idx, p.to(torch.float32), beta, perplexity)
