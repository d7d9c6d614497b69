"""k nearest neighbours by chunked matrix products: exact, or approximate for large n.

* ``"exact"``: distances of a block of rows to all points by one matrix product
  (``‖a‖² − 2a·b + ‖b‖²``), then ``topk``; blocks are sized to a memory budget. On a
  GPU this is the fastest method at any size that fits.
* ``"approx"``: an inverted-file search, then neighbour-of-neighbour refinement. The
  points are split into about ``n / 600`` lists by k-means (a few Lloyd steps on a
  subsample); the points of each list are compared, again by matrix products, with the
  points of the lists whose centres are nearest to their own centre (at least 8,000
  candidates); one round then compares every point with the 8 nearest neighbours of its
  8 nearest neighbours and keeps the best ``k``. Deterministic under ``seed``. On
  Fashion-MNIST (70,000 points, PCA to 50) with k=90 it finds 98% of the exact
  neighbours in a few seconds on 2 CPU cores, where the exact search takes ~40 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import check_positive_int
from ._device import as_points, check_fits, resolve_device

__all__ = ["Neighbors", "knn"]

_APPROX_FROM = 30_000  # on the CPU, "auto" switches to "approx" from this many points


@dataclass(frozen=True)
class Neighbors:
    """The ``k`` nearest neighbours of every point (itself excluded), nearest first.

    ``indices`` is int64 ``(n, k)``; ``distances`` float32 ``(n, k)`` Euclidean;
    ``method`` the search that found them (``"exact"`` or ``"approx"``).

    >>> nn = knn(torch.tensor([[0.0], [1.0], [5.0]]), 1)
    >>> nn.indices.flatten().tolist(), nn.method
    ([1, 0, 1], 'exact')
    """

    indices: torch.Tensor
    distances: torch.Tensor
    method: str

    def recall(self, other: Neighbors) -> float:
        """The fraction of ``other``'s neighbours (e.g. exact ones) found here too.

        >>> X = torch.randn(50, 3)
        >>> knn(X, 5, method="exact").recall(knn(X, 5, method="exact"))
        1.0
        """
        a, b = self.indices.cpu(), other.indices.cpu()
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"other: expected {a.shape[0]} rows, got {b.shape[0]}")
        step = max(1, (1 << 24) // max(1, a.shape[1] * b.shape[1]))
        hits = sum(
            int((a[s : s + step, :, None] == b[s : s + step, None, :]).any(1).sum())
            for s in range(0, a.shape[0], step)
        )
        return hits / b.numel()


def knn(
    data, k: int, *, method: str = "auto", device="auto", seed: int = 0, memory_limit=None
) -> Neighbors:
    """The ``k`` nearest neighbours of each row of ``data`` ``(n, d)`` among the other rows.

    ``data``: an ``(n, d)`` tensor or array, an ``ImageDataset`` or an ``(X, y)`` pair
    (each item flattened to a row).
    ``method``: ``"exact"``, ``"approx"``, or ``"auto"`` (exact on a GPU and for fewer
    than 30,000 points, else approx). Duplicate rows are fine: a point never counts as
    its own neighbour, but its duplicates do, at distance 0. ``memory_limit`` (bytes)
    replaces the free memory the device reports, for the size check.

    >>> X = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    >>> nn = knn(X, 2, device="cpu")
    >>> nn.indices.tolist(), nn.distances[0].tolist()
    ([[1, 2], [0, 2], [1, 0], [2, 1]], [1.0, 3.0])
    """
    x = as_points(data, "data")
    n = x.shape[0]
    k = check_positive_int(k, "k")
    if k >= n:
        raise ValueError(f"k: expected fewer neighbours than the {n} points, got k={k}")
    if method not in ("auto", "exact", "approx"):
        raise ValueError(f"method: expected 'auto', 'exact' or 'approx', got {method!r}")
    dev = resolve_device(device)
    if method == "auto":
        method = "exact" if dev.type == "cuda" or n < _APPROX_FROM else "approx"
    d = x.shape[1]
    check_fits(lambda m: m * (d + 3 * k) * 4 + 64 * m, n, dev, memory_limit, "a kNN search")
    x = x.to(dev)
    if method == "exact" or n <= 4 * k + 64:
        idx, d2 = _exact(x, k)
        method = "exact"
    else:
        gen = torch.Generator().manual_seed(int(seed))
        idx, d2 = _ivf(x, k, gen)
        idx, d2 = _refine(x, idx, d2, m=min(k, 8))
    return Neighbors(idx, d2.clamp_min(0).sqrt(), method)


def _block_rows(n: int, device: torch.device) -> int:
    budget = (1 << 30) if device.type == "cuda" else (1 << 27)
    return max(1, min(n, budget // (4 * max(n, 1))))


def _exact(x: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    n = x.shape[0]
    sq = (x * x).sum(1)
    idx = torch.empty(n, k, dtype=torch.int64, device=x.device)
    d2 = torch.empty(n, k, dtype=torch.float32, device=x.device)
    step = _block_rows(n, x.device)
    for s in range(0, n, step):
        e = min(n, s + step)
        D = torch.addmm(sq[None, :], x[s:e], x.T, alpha=-2)
        rows = torch.arange(e - s, device=x.device)
        D[rows, rows + s] = float("inf")
        v, i = torch.topk(D, k, dim=1, largest=False, sorted=True)
        idx[s:e] = i
        d2[s:e] = v + sq[s:e, None]
    return idx, d2


def _sq_dists(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.addmm((b * b).sum(1)[None, :], a, b.T, alpha=-2) + (a * a).sum(1)[:, None]


def _kmeans(x: torch.Tensor, n_lists: int, gen: torch.Generator, steps: int = 8):
    n = x.shape[0]
    sample = x[torch.randperm(n, generator=gen)[: min(n, 40 * n_lists)].to(x.device)]
    centres = sample[:n_lists].clone()
    for _ in range(steps):
        assign = _sq_dists(sample, centres).argmin(1)
        sums = torch.zeros_like(centres).index_add_(0, assign, sample)
        counts = torch.bincount(assign, minlength=n_lists).to(x.dtype)
        keep = counts > 0
        centres[keep] = sums[keep] / counts[keep, None]
    step = _block_rows(n_lists * 64, x.device) * 64
    assign = torch.cat([_sq_dists(x[s : s + step], centres).argmin(1) for s in range(0, n, step)])
    return centres, assign


def _ivf(x: torch.Tensor, k: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    n = x.shape[0]
    n_lists = max(2, n // 600)
    centres, assign = _kmeans(x, n_lists, gen)
    order = torch.argsort(assign, stable=True)
    counts = torch.bincount(assign, minlength=n_lists)
    starts = torch.cumsum(counts, 0) - counts
    near = torch.argsort(_sq_dists(centres, centres), dim=1)
    want = max(60 * k, 8000)  # candidates per query list (recall ~0.98 at k=90)
    idx = torch.empty(n, k, dtype=torch.int64, device=x.device)
    d2 = torch.empty(n, k, dtype=torch.float32, device=x.device)
    counts_l, starts_l, near_l = counts.tolist(), starts.tolist(), near.tolist()
    for c in range(n_lists):
        if counts_l[c] == 0:
            continue
        members = order[starts_l[c] : starts_l[c] + counts_l[c]]
        picked, total = [], 0
        for other in near_l[c]:
            if total >= want and len(picked) >= 3:
                break
            if counts_l[other]:
                picked.append(order[starts_l[other] : starts_l[other] + counts_l[other]])
                total += counts_l[other]
        cand = torch.cat(picked)  # starts with this list's own members when it is nearest
        D = _sq_dists(x[members], x[cand])
        D[cand[None, :] == members[:, None]] = float("inf")
        kk = min(k, cand.numel() - 1)
        v, j = torch.topk(D, kk, dim=1, largest=False, sorted=True)
        if kk < k:  # tiny lists: pad with far points, refinement fixes them
            v = torch.cat([v, v.new_full((len(members), k - kk), float("inf"))], 1)
            j = torch.cat([j, j[:, :1].expand(-1, k - kk)], 1)
        idx[members] = cand[j]
        d2[members] = v
    return idx, d2


def _refine(x, idx, d2, m: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One round of neighbour-of-neighbour search: keep the best k of old and new."""
    n, k = idx.shape
    new_idx, new_d2 = torch.empty_like(idx), torch.empty_like(d2)
    step = max(1, (1 << 25) // (4 * m * m * x.shape[1]))
    xsq = (x * x).sum(1)
    for s in range(0, n, step):
        e = min(n, s + step)
        rows = torch.arange(s, e, device=x.device)
        cand = idx[:, :m][idx[s:e, :m]].reshape(e - s, m * m)  # (r, m*m)
        dc = torch.baddbmm(
            (xsq[cand] + xsq[s:e, None])[:, None, :],
            x[s:e, None, :],
            x[cand].transpose(1, 2),
            alpha=-2,
        )[:, 0]
        dc[cand == rows[:, None]] = float("inf")
        all_i = torch.cat([idx[s:e], cand], 1)
        all_d = torch.cat([d2[s:e], dc], 1)
        si, perm = torch.sort(all_i, dim=1, stable=True)
        sd = all_d.gather(1, perm)
        dup = torch.zeros_like(si, dtype=torch.bool)
        dup[:, 1:] = si[:, 1:] == si[:, :-1]
        sd[dup] = float("inf")
        v, j = torch.topk(sd, k, dim=1, largest=False, sorted=True)
        new_idx[s:e] = si.gather(1, j)
        new_d2[s:e] = v
    return new_idx, new_d2
