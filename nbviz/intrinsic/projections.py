"""Random projections from a d-dimensional subspace into a network's D parameters, as Li,
Farkhoor, Liu and Yosinski use them ("Measuring the Intrinsic Dimension of Objective
Landscapes", arXiv:1804.08838): ``θ = θ₀ + P θ_d``.

Each projection is a small module: ``projection(theta_d) -> [D]`` (differentiable), with
``d`` and ``D``. Their columns (the images of the d basis vectors) have unit length, so a
step in the subspace moves the parameters by as much as the same step along one
parameter; in high dimensions random unit columns are nearly orthogonal, which is the
paper's argument for not orthogonalizing.

* :class:`DenseProjection` — Gaussian columns normalized to unit length (``orthogonal=True``:
  exactly orthonormal, by QR); ``D × d`` numbers, for small nets.
* :class:`SparseProjection` — Li et al.'s sparse random matrices (Li, Hastie and Church's
  "very sparse random projections"): each entry nonzero with probability ``1/√D``, ±1 with
  equal chance, columns normalized; about ``d √D`` numbers.
* :class:`FastfoodProjection` — the Fastfood transform (Le, Sarlós and Smola 2013),
  ``H G Π H B`` on θ_d padded to the next power of two ``L ≥ D``, the first D entries
  kept: memory O(D), time O(L log L), whatever d. Normalized so that each column has unit
  length over the L entries.

>>> import torch
>>> p = make_projection("fastfood", D=1000, d=10, seed=0)
>>> p(torch.zeros(10)).shape, p.D, p.d
(torch.Size([1000]), 1000, 10)
>>> cols = DenseProjection(500, 3, seed=0).matrix()
>>> torch.linalg.vector_norm(cols, dim=0).round(decimals=4).tolist()
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_bool, check_positive_int, check_seed, unknown_name_error

__all__ = [
    "PROJECTIONS",
    "DenseProjection",
    "FastfoodProjection",
    "SparseProjection",
    "fwht",
    "make_projection",
]

#: The projection kinds :func:`make_projection` knows.
PROJECTIONS = ("dense", "sparse", "fastfood")


def _check_dims(D: int, d: int) -> tuple[int, int]:
    D = check_positive_int(D, "D")
    if not isinstance(d, int) or isinstance(d, bool):
        raise TypeError(f"d: expected an integer, got {type(d).__name__}")
    if not 1 <= d <= D:
        raise ValueError(f"d: expected 1 <= d <= D = {D:,} (the subspace is inside the "
                         f"parameters), got {d:,}")  # fmt: skip
    return D, d


class _Projection(nn.Module):
    D: int
    d: int

    def matrix(self) -> torch.Tensor:
        """The projection as a dense ``[D, d]`` matrix (its columns; for tests and small
        sizes)."""
        eye = torch.eye(self.d, device=self._device(), dtype=self._dtype())
        return torch.stack([self(e) for e in eye], dim=1)

    def _device(self):
        return next(iter(self.buffers())).device

    def _dtype(self):
        return next(b for b in self.buffers() if b.is_floating_point()).dtype

    def extra_repr(self) -> str:
        return f"D={self.D:,}, d={self.d:,}"


class DenseProjection(_Projection):
    """``P`` as a dense ``[D, d]`` matrix of unit-length Gaussian columns (exactly
    orthonormal with ``orthogonal=True``).

    >>> p = DenseProjection(4, 4, orthogonal=True, seed=0)
    >>> bool(torch.allclose(p.matrix().T @ p.matrix(), torch.eye(4), atol=1e-6))
    True
    """

    def __init__(
        self, D: int, d: int, *, orthogonal: bool = False, seed: int = 0, dtype=torch.float32
    ):
        super().__init__()
        self.D, self.d = _check_dims(D, d)
        self.orthogonal = check_bool(orthogonal, "orthogonal")
        g = torch.Generator().manual_seed(check_seed(seed))
        p = torch.randn(self.D, self.d, generator=g, dtype=torch.float64)
        if self.orthogonal:
            p, r = torch.linalg.qr(p)
            p = p * torch.sign(torch.diagonal(r))  # a unique Q: the columns keep their signs
        else:
            p = p / torch.linalg.vector_norm(p, dim=0, keepdim=True)
        self.register_buffer("p", p.to(dtype))

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        """``P θ_d``."""
        return self.p.to(theta_d.dtype) @ theta_d

    def matrix(self) -> torch.Tensor:
        """The ``[D, d]`` matrix."""
        return self.p


class SparseProjection(_Projection):
    """``P`` sparse: each entry ±1 with probability ``density / 2`` each (default
    ``density = 1/√D``), 0 otherwise, then each column scaled to unit length (a column
    left empty gets one random ±1 entry).

    >>> p = SparseProjection(10_000, 50, seed=0)
    >>> p.nnz, round(p.nnz / (10_000 * 50), 4)   # about 1/√D = 1%
    (5007, 0.01)
    """

    def __init__(
        self, D: int, d: int, *, density: float | None = None, seed: int = 0, dtype=torch.float32
    ):
        super().__init__()
        self.D, self.d = _check_dims(D, d)
        if density is None:
            density = 1.0 / math.sqrt(self.D)
        if not isinstance(density, int | float) or not 0 < density <= 1:
            raise ValueError(f"density: expected a number in (0, 1], got {density!r}")
        g = torch.Generator().manual_seed(check_seed(seed))
        # the nonzeros of each column: a binomial count, at distinct random rows
        n_per = torch.binomial(torch.full((self.d,), float(self.D)),
                               torch.full((self.d,), float(density)), generator=g)  # fmt: skip
        n_per = n_per.long().clamp(min=1)  # no empty column
        # distinct random rows per column: draw with replacement, drop the rare repeats
        cols_t = torch.repeat_interleave(torch.arange(self.d), n_per)
        rows_t = torch.randint(0, self.D, (len(cols_t),), generator=g)
        key = torch.unique(cols_t * self.D + rows_t)  # sorted by column, then row
        cols_t, rows_t = key // self.D, key % self.D
        n_per = torch.bincount(cols_t, minlength=self.d)
        signs = torch.randint(0, 2, (len(rows_t),), generator=g).float() * 2 - 1
        values = signs.double() / n_per[cols_t].double().sqrt()  # unit-length columns
        self.nnz = len(rows_t)
        self.register_buffer("indices", torch.stack([rows_t, cols_t]))
        self.register_buffer("values", values.to(dtype))

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        """``P θ_d``: a gather and a scatter-add over the nonzeros."""
        rows, cols = self.indices
        contrib = self.values.to(theta_d.dtype) * theta_d[cols]
        return torch.zeros(self.D, dtype=theta_d.dtype, device=theta_d.device).index_add(
            0, rows, contrib
        )


def fwht(x: torch.Tensor) -> torch.Tensor:
    """The (unnormalized) fast Walsh–Hadamard transform along the last axis, whose length
    must be a power of two; differentiable, O(n log n).

    >>> fwht(torch.tensor([1.0, 0.0, 0.0, 0.0])).tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> fwht(fwht(torch.tensor([1.0, 2.0, 3.0, 4.0]))).tolist()   # H H = n I
    [4.0, 8.0, 12.0, 16.0]
    """
    n = x.shape[-1]
    if n & (n - 1):
        raise ValueError(f"x: the last axis must be a power of two, got {n}")
    lead = x.shape[:-1]
    h = 1
    while h < n:
        y = x.reshape(*lead, n // (2 * h), 2, h)
        a, b = y[..., 0, :], y[..., 1, :]
        x = torch.stack((a + b, a - b), dim=-2).reshape(*lead, n)
        h *= 2
    return x


class FastfoodProjection(_Projection):
    """``P θ_d = (1 / (‖G‖ √L)) H G Π H B [θ_d, 0]`` truncated to D entries: B random
    signs, H the Walsh–Hadamard transform, Π a random permutation, G Gaussian, L the
    next power of two ≥ D. Memory: three length-L vectors, whatever d.

    >>> p = FastfoodProjection(3000, 20, seed=0)
    >>> cols = p.matrix()
    >>> cols.shape, float(torch.linalg.vector_norm(cols, dim=0).mean()) > 0.8
    (torch.Size([3000, 20]), True)
    """

    def __init__(self, D: int, d: int, *, seed: int = 0, dtype=torch.float32):
        super().__init__()
        self.D, self.d = _check_dims(D, d)
        self.L = 1 << max(0, (self.D - 1).bit_length())
        g = torch.Generator().manual_seed(check_seed(seed))
        signs = torch.randint(0, 2, (self.L,), generator=g) * 2 - 1
        self.register_buffer("b", signs.to(dtype))
        self.register_buffer("perm", torch.randperm(self.L, generator=g))
        gauss = torch.randn(self.L, generator=g, dtype=torch.float64)
        gauss = gauss / (torch.linalg.vector_norm(gauss) * math.sqrt(self.L))
        self.register_buffer("g", gauss.to(dtype))

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        """``P θ_d`` by two Walsh–Hadamard transforms."""
        x = torch.zeros(self.L, dtype=theta_d.dtype, device=theta_d.device)
        x = x.index_copy(0, torch.arange(self.d, device=theta_d.device), theta_d)
        x = fwht(x * self.b.to(x.dtype))
        x = fwht(x[self.perm] * self.g.to(x.dtype))
        return x[: self.D]


def make_projection(kind: str, D: int, d: int, *, seed: int = 0, **options) -> _Projection:
    """A projection of kind ``"dense"``, ``"sparse"`` or ``"fastfood"`` (:data:`PROJECTIONS`)
    from d to D dimensions; ``options`` go to its class (``dtype=`` for all: drawn in
    float64, kept in that; ``orthogonal=`` for dense, ``density=`` for sparse)."""
    classes = {"dense": DenseProjection, "sparse": SparseProjection, "fastfood": FastfoodProjection}
    if kind not in classes:
        raise unknown_name_error("projection", kind, PROJECTIONS, "projection")
    return classes[kind](D, d, seed=seed, **options)
