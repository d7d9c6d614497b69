"""Centered kernel alignment (Kornblith, Norouzi, Lee and Hinton, ICML 2019).

CKA compares two layers' representations of the same ``n`` examples through their
``n × n`` similarity (Gram) matrices ``K`` and ``L``:
``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))``. It is 1 for representations that
differ by a rotation and an isotropic scaling, and it does not need the two layers to have
the same width.

* :func:`linear_cka` — the linear kernel, computed in feature space when the layers are
  narrower than ``n`` (``||YᵀX||²`` instead of ``n × n`` matrices) and in example space
  otherwise;
* :func:`rbf_cka` — a Gaussian kernel of bandwidth ``σ = bandwidth × median distance``;
* ``debiased=True`` — the unbiased HSIC estimator of Song et al. (2012), which removes the
  bias CKA has at small ``n`` (two unrelated representations of many features then score
  near 0 instead of well above it); it can come out slightly negative;
* :class:`MinibatchCKA` — Nguyen, Raghu and Kornblith (2021): the unbiased HSIC averaged
  over minibatches, so a whole dataset fits in memory.

>>> import torch
>>> x = torch.randn(500, 20, generator=torch.Generator().manual_seed(0))
>>> q, _ = torch.linalg.qr(torch.randn(20, 20, generator=torch.Generator().manual_seed(1)))
>>> round(linear_cka(x, 3 * x @ q), 6)        # a rotated, scaled copy
1.0
>>> other = torch.randn(500, 20, generator=torch.Generator().manual_seed(2))
>>> abs(linear_cka(x, other, debiased=True)) < 0.05   # unrelated
True
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_bool, check_number
from ._inputs import as_pair, is_single

__all__ = ["MinibatchCKA", "hsic", "linear_cka", "rbf_cka", "rbf_gram"]


def hsic(k: torch.Tensor, m: torch.Tensor, *, debiased: bool = False) -> torch.Tensor:
    """HSIC of two ``n × n`` Gram matrices ``k`` (K) and ``m`` (L), up to a factor CKA
    cancels: the biased ``tr(KHLH) / (n - 1)²`` (``H`` the centering matrix), or Song et
    al.'s unbiased estimator (needs ``n >= 4``)."""
    n = k.shape[0]
    if debiased:
        if n < 4:
            raise ValueError(f"debiased HSIC needs at least 4 examples, got {n}")
        k = k - torch.diag_embed(torch.diagonal(k))
        m = m - torch.diag_embed(torch.diagonal(m))
        k1, l1 = k.sum(1), m.sum(1)
        return ((k * m).sum() + k1.sum() * l1.sum() / ((n - 1) * (n - 2))
                - 2 / (n - 2) * (k1 @ l1)) / (n * (n - 3))  # fmt: skip
    kc = k - k.mean(0, keepdim=True) - k.mean(1, keepdim=True) + k.mean()
    return (kc * m).sum() / (n - 1) ** 2  # tr(HKH L) = tr(KHLH)


def _cross_norm2(a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """``‖bᵀa‖²_F`` (``b`` omitted: ``‖aᵀa‖²_F``) in float64.

    On the CPU the products go through NumPy's ``matmul`` on the arrays as they lie: it
    hands ``aᵀb`` of C-ordered arrays to BLAS without a copy, and ``aᵀa`` to ``syrk`` (one
    triangle: half the work). Measured on 10,000 × 4,096 float32 with 2 threads here:
    torch's ``a.T @ b`` took 3× as long, and SciPy's ``ssyrk`` 1.7× NumPy's.
    """
    if a.device.type != "cpu":
        c = a.T @ (a if b is None else b)
        return c.double().square().sum()
    an = a.numpy()
    c = (an.T @ (an if b is None else b.numpy())).ravel().astype(np.float64)
    return torch.tensor(c @ c, dtype=torch.float64)  # BLAS dot: half the time of square().sum()


def _debiased_linear_hsic(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Song et al.'s unbiased HSIC of the linear kernels ``K = XXᵀ``, ``L = YYᵀ`` from
    feature-space products only (the ``n × n`` matrices are never formed), with
    ``K̃ = K - diag(K)``: each of the estimator's three terms in features."""
    n = x.shape[0]
    kd, ld = x.square().sum(1), y.square().sum(1)  # diag(K), diag(L)
    trace = (y.T @ x).square().sum() - kd @ ld  # tr(K̃ L̃)
    k1 = x @ x.sum(0) - kd  # K̃ 1
    l1 = y @ y.sum(0) - ld
    return (trace + k1.sum() * l1.sum() / ((n - 1) * (n - 2))
            - 2 / (n - 2) * (k1 @ l1)) / (n * (n - 3))  # fmt: skip


def _ratio(xy: torch.Tensor, xx: torch.Tensor, yy: torch.Tensor) -> float:
    denom = torch.sqrt(xx * yy)
    if denom <= 0 or not torch.isfinite(denom):
        raise ValueError(
            "x, y: a representation is constant over the examples (its HSIC with itself is "
            "0): CKA is undefined"
        )
    return float(xy / denom)


def linear_cka(x, y, *, debiased: bool = False, device="cpu") -> float:
    """Linear CKA of two layers' activations ``x`` ``[n, ...]`` and ``y`` ``[n, ...]`` (the
    same ``n`` examples, any widths; flattened), on ``device``.

    The products run in float64, except for float32 activations without ``debiased``:
    their three ``d × d`` (or ``n × n``) products, which are nearly all of the time, run in
    float32 and the sums that follow in float64 (CKA then agrees with float64 to about
    1e-6). The debiased estimator subtracts nearly equal terms, so it is float64 always.

    Raises:
        ValueError: different numbers of examples, fewer than 2 (4 debiased), NaN, or a
            representation that is constant over the examples.
    """
    debiased = check_bool(debiased, "debiased")
    same = x is y  # a layer with itself: exactly 1, whatever the rounding
    single = not debiased and is_single(x) and is_single(y)
    # float32's route checks for NaN on what it computes anyway (no extra pass over x, y)
    x, y = as_pair(x, y, device, min_n=4 if debiased else 2, check_finite=not single,
                   dtype=torch.float32 if single else torch.float64)  # fmt: skip
    n, dx, dy = x.shape[0], x.shape[1], y.shape[1]
    if n * n * (dx + dy) < n * (dx * dx + dy * dy + dx * dy):  # wide layers: example space
        k, m = (x @ x.T).double(), (y @ y.T).double()
        for g, name in ((k, "x"), (m, "y")):
            if single and not torch.isfinite(g).all():
                raise ValueError(f"{name}: has NaN or infinite values")
        return _ratio(hsic(k, m, debiased=debiased), hsic(k, k, debiased=debiased),
                      hsic(m, m, debiased=debiased))  # fmt: skip
    if debiased:
        return _ratio(_debiased_linear_hsic(x, y), _debiased_linear_hsic(x, x),
                      _debiased_linear_hsic(y, y))  # fmt: skip
    means = []
    for a, name in ((x, "x"), (y, "y")):
        means.append(_column_mean(a))
        if not torch.isfinite(means[-1]).all():  # NaN or ±inf anywhere in a column
            raise ValueError(f"{name}: has NaN or infinite values")
    x, y = x - means[0].to(x.dtype), y - means[1].to(y.dtype)
    xx = _cross_norm2(x)
    if same:
        return _ratio(xx, xx, xx)
    return _ratio(_cross_norm2(x, y), xx, _cross_norm2(y))


def _column_mean(a: torch.Tensor) -> torch.Tensor:
    """The column means in float64 (``[1, d]``); through NumPy on the CPU, where torch's
    float32 → float64 reduction measured 7× slower."""
    if a.device.type == "cpu":
        return torch.from_numpy(a.numpy().mean(0, keepdims=True, dtype=np.float64))
    return a.mean(0, keepdim=True, dtype=torch.float64)


def _median(v: torch.Tensor) -> torch.Tensor:
    """The median, halfway between the two middle values for an even count (as NumPy's;
    ``torch.median`` takes the lower one)."""
    k = len(v)
    if k % 2:
        return v.kthvalue(k // 2 + 1).values
    return (v.kthvalue(k // 2).values + v.kthvalue(k // 2 + 1).values) / 2


def rbf_gram(x: torch.Tensor, bandwidth: float = 0.8) -> torch.Tensor:
    """The Gaussian Gram matrix ``exp(-d² / 2σ²)`` of the rows of ``x`` ``[n, features]``,
    with ``σ = bandwidth ×`` the median distance between two different examples."""
    bandwidth = check_number(bandwidth, "bandwidth", positive=True)
    sq = x.square().sum(1)
    d2 = (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp(min=0)
    i, j = torch.triu_indices(len(x), len(x), 1, device=x.device)
    median = _median(d2[i, j].sqrt())
    if median <= 0:
        raise ValueError("x: most examples are identical (median distance 0): no RBF bandwidth")
    return torch.exp(-d2 / (2 * (bandwidth * median) ** 2))


def rbf_cka(x, y, *, bandwidth: float = 0.8, debiased: bool = False, device="cpu") -> float:
    """CKA with Gaussian kernels: each Gram matrix :func:`rbf_gram` with its own
    ``σ = bandwidth ×`` median distance (Kornblith et al. report 0.2 to 0.8 as
    fractions of the median). Builds ``n × n`` matrices: use up to a few thousand examples.
    """
    debiased = check_bool(debiased, "debiased")
    x, y = as_pair(x, y, device, min_n=4 if debiased else 2)
    k, m = rbf_gram(x, bandwidth), rbf_gram(y, bandwidth)
    return _ratio(hsic(k, m, debiased=debiased), hsic(k, k, debiased=debiased),
                  hsic(m, m, debiased=debiased))  # fmt: skip


class MinibatchCKA:
    """Linear CKA accumulated over minibatches (Nguyen, Raghu and Kornblith, ICLR 2021):
    each :meth:`update` adds the unbiased HSIC of one batch's ``x`` and ``y``; :attr:`value`
    is ``mean HSIC(K, L) / sqrt(mean HSIC(K, K) · mean HSIC(L, L))``. Memory is one batch,
    whatever the dataset's size; with batches of a few hundred it agrees with
    full-batch debiased CKA.

    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(2000, 30, generator=g)
    >>> acc = MinibatchCKA()
    >>> for i in range(0, 2000, 250):
    ...     acc.update(x[i : i + 250], 2 * x[i : i + 250])
    >>> round(acc.value, 6), acc.batches
    (1.0, 8)
    """

    def __init__(self, device="cpu"):
        self.device = device
        self.batches = 0
        self._sums = torch.zeros(3, dtype=torch.float64)

    def update(self, x, y) -> None:
        """Add one minibatch: activations of the same ``n >= 4`` examples."""
        x, y = as_pair(x, y, self.device, min_n=4)
        terms = [_debiased_linear_hsic(x, y), _debiased_linear_hsic(x, x),
                 _debiased_linear_hsic(y, y)]  # fmt: skip
        self._sums += torch.stack(terms).cpu()
        self.batches += 1

    @property
    def value(self) -> float:
        """The CKA of the batches so far."""
        if not self.batches:
            raise ValueError("MinibatchCKA: no batch yet (call update first)")
        xy, xx, yy = self._sums
        return _ratio(xy, xx, yy)
