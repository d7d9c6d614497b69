"""The t-SNE gradient: attractive forces on the kNN graph, repulsive forces two ways.

With ``w_ij = 1 / (1 + ‖y_i − y_j‖²)`` and ``Z = Σ_{i≠j} w_ij`` the gradient of
``KL(P ‖ Q)`` is ``4 Σ_j (p_ij − w_ij / Z) w_ij (y_i − y_j)``: an attractive part over the
sparse ``P`` and a repulsive part over all pairs,

* ``"exact"``: all pairs, by blocks of rows; for small n and for checking.
* ``"fft"``: FFT-accelerated interpolation (Linderman et al. 2019, FIt-SNE). The square
  holding the embedding is cut into ``boxes × boxes`` boxes of side about ``box_width``
  (at least ``min_boxes`` per side), each with ``p × p`` equispaced interpolation nodes.
  Every point spreads its charges ``(1, y₁, y₂)`` over the ``p × p`` nodes of its box
  with Lagrange weights; the node charges are convolved with the kernels
  ``1 / (1 + r²)`` and ``1 / (1 + r²)²`` (the kernel matrix between nodes is Toeplitz,
  so an FFT of twice the grid size does it); the node potentials are interpolated back
  to the points with the same weights. Cost ``O(n p²) + O(G² log G)`` for a grid of
  ``G = boxes · p`` nodes a side. Everything is torch tensor code: the same path runs on
  the CPU and on CUDA. On the CPU, from 5,000 points, :func:`kl_gradient` runs the FFT
  pass on a helper thread beside the attractive pass (their results do not depend on
  that, so runs stay deterministic).
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import torch

from .._checks import check_bool

__all__ = [
    "attractive",
    "kl_gradient",
    "repulsive",
    "repulsive_exact",
    "repulsive_fft",
]


def attractive(
    Y: torch.Tensor, indices: torch.Tensor, weights: torch.Tensor, *, want_log_w: bool = False
):
    """``F_i = Σ_j P_ij w_ij (y_i − y_j)`` for the symmetric ``P`` given by a directed graph.

    ``weights`` ``(n, k)`` holds each directed edge's share of ``P`` (``p(j|i) / 2n``, times
    any exaggeration); an edge ``i → j`` pulls ``i`` toward ``j`` and ``j`` toward ``i``.
    With ``want_log_w`` also returns ``Σ_edges weight · log w`` (for the KL divergence).

    >>> Y = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    >>> attractive(Y, torch.tensor([[1], [0]]), torch.full((2, 1), 0.25))
    tensor([[-0.2500,  0.0000],
            [ 0.2500,  0.0000]])
    """
    n, k = indices.shape
    flat = indices.reshape(-1)
    y0, y1 = Y[:, 0].contiguous(), Y[:, 1].contiguous()
    # In-place steps on the gathered coordinates: this loop is memory bound.
    d0 = y0.index_select(0, flat).view(n, k).neg_().add_(y0[:, None])
    d1 = y1.index_select(0, flat).view(n, k).neg_().add_(y1[:, None])
    w = (d0 * d0).addcmul_(d1, d1).add_(1.0).reciprocal_()
    log_term = float((weights * torch.log(w)).sum()) if want_log_w else None
    pw = w.mul_(weights)
    d0.mul_(pw)
    d1.mul_(pw)
    F = torch.empty_like(Y)
    zeros = Y.new_zeros(n)
    F[:, 0] = d0.sum(1) - zeros.scatter_add(0, flat, d0.view(-1))
    F[:, 1] = d1.sum(1) - zeros.scatter_add_(0, flat, d1.view(-1))
    return (F, log_term) if want_log_w else F


def repulsive_exact(Y: torch.Tensor, block: int | None = None) -> tuple[torch.Tensor, float]:
    """``(R, Z)``: ``R_i = Σ_{j≠i} w_ij² (y_i − y_j)`` and ``Z = Σ_{i≠j} w_ij``, all pairs.

    >>> R, Z = repulsive_exact(torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
    >>> R.tolist(), Z
    ([[-0.25, 0.0], [0.25, 0.0]], 1.0)
    """
    n = Y.shape[0]
    Yd = Y.to(torch.float64)
    if block is None:
        block = max(1, min(n, (1 << 24) // max(n, 1)))
    sq = (Yd * Yd).sum(1)
    R = torch.empty_like(Yd)
    Z = 0.0
    for s in range(0, n, block):
        yb = Yd[s : s + block]
        w = torch.addmm(sq[None, :] + sq[s : s + block, None], yb, Yd.T, alpha=-2)
        w = w.clamp_min_(0).add_(1.0).reciprocal_()
        Z += float(w.sum()) - yb.shape[0]  # drop the self terms w_ii = 1
        w2 = w.square_()
        R[s : s + block] = yb * w2.sum(1, keepdim=True) - w2 @ Yd  # self terms cancel
    return R.to(Y.dtype), Z


_SMOOTH = sorted(
    2**a * 3**b * 5**c
    for a in range(14)
    for b in range(9)
    for c in range(6)
    if 2**a * 3**b * 5**c <= 1 << 14
)


def _fft_size(m: int, multiple: int = 1) -> int:
    """The smallest 2^a 3^b 5^c that is at least ``m`` and a multiple of ``multiple``."""
    for s in _SMOOTH:
        if s >= m and s % multiple == 0:
            return s
    return -(-m // multiple) * multiple


def grid_boxes(extent: float, n_interp: int = 3, min_boxes: int = 50, box_width: float = 1.0):
    """Boxes per side for an embedding ``extent`` wide: FIt-SNE's rule, FFT-friendly.

    At least ``min_boxes``, at least one per ``box_width`` of extent, and rounded up so
    that the FFT length ``2 · boxes · n_interp`` has only the factors 2, 3 and 5 (when
    ``n_interp`` has no others).

    >>> grid_boxes(10.0), grid_boxes(97.3), grid_boxes(139.2)
    (50, 100, 144)
    """
    want = max(int(min_boxes), math.ceil(extent / box_width))
    return _fft_size(2 * want * n_interp, 2 * n_interp) // (2 * n_interp)


def _lagrange(t: torch.Tensor, p: int) -> torch.Tensor:
    """Lagrange weights ``(n, p)`` at ``t`` ∈ [0, 1) for nodes ``(j + ½) / p``."""
    nodes = [(j + 0.5) / p for j in range(p)]
    out = torch.ones(t.shape[0], p, dtype=t.dtype, device=t.device)
    for j in range(p):
        for m in range(p):
            if m != j:
                out[:, j] *= (t - nodes[m]) / (nodes[j] - nodes[m])
    return out


_KERNELS: dict = {}  # the last few kernel spectra
_LOCK = threading.Lock()
_HELPER: list = []  # one helper thread, made on first use
_OVERLAP_FROM = 5_000  # CPU FFT runs beside the attractive pass from this many points
# The most boxes a side the embedding's extent may ask for (a 3072² node grid, ~0.3 GiB
# with its spectra). t-SNE embeddings span tens to a few hundred units; one wider than
# this has diverged, and its grid would not fit in memory.
_MAX_BOXES = 1024


def _kernel_spectra(M: int, G: int, spacing: float, device, dtype) -> torch.Tensor:
    """Spectra of ``1/(1+r²)`` and ``1/(1+r²)²`` on the circulant grid of node offsets,
    real (both kernels are even) and transposed to ``(2, M//2 + 1, M)``. The last few
    are cached."""
    key = (M, G, spacing, str(device), dtype)
    with _LOCK:
        hit = _KERNELS.get(key)
    if hit is not None:
        return hit
    o = torch.arange(M, device=device)
    o = (torch.where(o < G, o, o - M).to(dtype) * spacing) ** 2
    k1 = (o[:, None] + o[None, :]).add_(1.0).reciprocal_()
    kern = torch.fft.rfft2(torch.stack([k1, k1 * k1])).real.transpose(1, 2).contiguous()
    with _LOCK:
        while len(_KERNELS) >= 4:
            _KERNELS.pop(next(iter(_KERNELS)))
        _KERNELS[key] = kern
    return kern


def repulsive_fft(
    Y: torch.Tensor, *, n_interp: int = 3, min_boxes: int = 50, box_width: float = 1.0
) -> tuple[torch.Tensor, float]:
    """``(R, Z)`` as :func:`repulsive_exact` gives them, by FFT-accelerated interpolation.

    >>> Y = torch.randn(500, 2, generator=torch.Generator().manual_seed(0)) * 5
    >>> (R, Z), (R0, Z0) = repulsive_fft(Y), repulsive_exact(Y)
    >>> bool((R - R0).norm() / R0.norm() < 1e-2), abs(Z / Z0 - 1) < 1e-3
    (True, True)
    """
    n, p = Y.shape[0], int(n_interp)
    dev, dt = Y.device, Y.dtype
    lo = float(Y.min())
    hi = float(Y.max())
    extent = max(hi - lo, 1e-6) * (1 + 1e-5)
    if not math.isfinite(extent) or extent / box_width > _MAX_BOXES:
        raise FloatingPointError(
            f"Y: the points span {extent:g} units, more than the FFT grid's {_MAX_BOXES} "
            f"boxes of width {box_width:g}: they are flying apart"
        )
    boxes = grid_boxes(extent, p, min_boxes, box_width)
    h = extent / boxes  # box side: at most ``box_width``
    G = boxes * p  # nodes a side
    M = 2 * G  # FFT length (smooth by the choice of ``boxes``)
    centre = lo + boxes * h / 2
    # Each point's box and Lagrange weights.
    u = (Y - lo) / h
    b = u.floor().clamp_(0, boxes - 1)
    wx = _lagrange(u[:, 0] - b[:, 0], p)
    wy = _lagrange(u[:, 1] - b[:, 1], p)
    W = (wx[:, :, None] * wy[:, None, :]).reshape(n, p * p)
    b = b.to(torch.int64)
    ar = torch.arange(p, device=dev)
    node = (b[:, 0, None] * p + ar)[:, :, None] * G + (b[:, 1, None] * p + ar)[:, None, :]
    flat = node.reshape(-1)  # (n·p²,) into the G×G node grid
    # Spread charges (1, y1 - c, y2 - c) onto the nodes.
    yc = Y - centre
    vals = torch.stack([W, W * yc[:, :1], W * yc[:, 1:]]).reshape(3, -1)
    grid = Y.new_zeros(3, G * G).scatter_add_(1, flat.expand(3, -1), vals).view(3, G, G)
    kern = _kernel_spectra(M, G, h / p, dev, dt)
    # Zero-padded FFT: real FFT of the G non-zero rows, then (transposed, so that the
    # complex FFT runs over contiguous memory) the other axis. ``spec`` is (3, M//2+1, M).
    spec = torch.fft.rfft(grid, n=M, dim=2).transpose(1, 2).contiguous()
    spec = torch.fft.fft(spec, n=M, dim=2)
    # Z = Σ_nodes c0 (K1 ⊛ c0), by Parseval (no inverse transform needed).
    half = torch.full((M // 2 + 1, 1), 2.0, dtype=dt, device=dev)
    half[0] = 1.0
    half[-1] = 1.0
    power = torch.view_as_real(spec[0]).square().sum(-1)
    z_all = float((power * kern[0] * half).sum()) / (M * M)
    spec = torch.view_as_complex(torch.view_as_real(spec).mul_(kern[1][:, :, None]))
    pot = torch.fft.ifft(spec, dim=2)[:, :, :G].transpose(1, 2).contiguous()
    pot = torch.fft.irfft(pot, n=M, dim=2)[:, :, :G].reshape(3, G * G)
    # Interpolate the potentials back to the points.
    phi = (pot.index_select(1, flat).view(3, n, p * p) * W).sum(-1)
    # Drop each point's interaction with itself as the scheme computes it (not the exact
    # w_ii = 1), so that the interpolation error of the kernel's peak cancels.
    nodes = torch.stack(torch.meshgrid(ar, ar, indexing="ij"), -1).reshape(p * p, 2).to(dt)
    box_r2 = ((nodes[:, None] - nodes[None]) ** 2).sum(-1) * (h / p) ** 2
    self_w = ((W @ (1.0 / (1.0 + box_r2))) * W).sum()
    Z = z_all - float(self_w)
    R = yc * phi[0][:, None] - phi[1:].T
    return R, Z


def repulsive(Y: torch.Tensor, method: str = "fft", **fft) -> tuple[torch.Tensor, float]:
    """:func:`repulsive_fft` or :func:`repulsive_exact` by name (``"fft"``, ``"exact"``).

    >>> repulsive(torch.zeros(3, 2), "exact")[1]
    6.0
    """
    if method == "exact":
        return repulsive_exact(Y)
    if method == "fft":
        return repulsive_fft(Y, **fft)
    raise ValueError(f"method: expected 'fft' or 'exact', got {method!r}")


def _helper() -> ThreadPoolExecutor:
    with _LOCK:
        if not _HELPER:
            _HELPER.append(ThreadPoolExecutor(1, thread_name_prefix="nbviz-embed"))
        return _HELPER[0]


def kl_gradient(
    Y,
    affinities,
    *,
    exaggeration: float = 1.0,
    method: str = "fft",
    want_kl: bool = False,
    **fft,
):
    """The gradient of ``KL(P ‖ Q)`` at ``Y`` ``(n, 2)`` (``P`` scaled by ``exaggeration``).

    Returns ``(grad, kl)``; ``kl`` (for the unexaggerated ``P``, with ``Z`` as the
    method estimates it) is ``None`` unless ``want_kl``.

    >>> from nbviz.embed import affinities, knn
    >>> X = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))
    >>> aff = affinities(knn(X, 15), 5)
    >>> Y = torch.randn(60, 2, generator=torch.Generator().manual_seed(1))
    >>> g, kl = kl_gradient(Y, aff, method="exact", want_kl=True)
    >>> g.shape, kl > 0
    (torch.Size([60, 2]), True)
    """
    want_kl = check_bool(want_kl, "want_kl")
    weights = affinities.edge_weights.to(Y.device, Y.dtype)
    job = None
    if Y.device.type == "cpu" and method == "fft" and Y.shape[0] >= _OVERLAP_FROM:
        # On the CPU the attractive pass is partly serial (scatter_add); the FFT pass
        # runs beside it on a helper thread (torch releases the GIL inside operators).
        job = _helper().submit(repulsive, Y, method, **fft)
    out = attractive(Y, affinities.indices.to(Y.device), weights, want_log_w=want_kl)
    F, log_w = out if want_kl else (out, 0.0)
    R, Z = job.result() if job is not None else repulsive(Y, method, **fft)
    if not (Z > 0 and math.isfinite(Z)):
        raise FloatingPointError(
            f"Y: the kernel sum Z is {Z:g}: the points are too far apart (or not finite) "
            "for the t-SNE forces"
        )
    grad = F.mul_(4.0 * exaggeration).sub_(R, alpha=4.0 / Z)
    kl = None
    if want_kl:
        kl = affinities.entropy_of_joint - 2.0 * log_w + math.log(Z)  # each edge: i→j, j→i
    return grad, kl
