"""Consistent reductions of a network's layers, aligned so neighbouring views match.

The reduction :func:`layer_sequence` states and applies, layer by layer:

1. **Flatten and center**: each layer's activations on the shown points, ``(n, d_l)``,
   minus their mean over the points.
2. **PCA and real rank**: the top principal directions of the centered activations
   (:func:`nbviz.embed.fit_pca` in float64, at most ``dims`` of them), with a
   deterministic sign: each direction's largest-magnitude loading is positive. The
   layer's *real rank* ``r_l`` is the number of components that hold more than
   :data:`RANK_TOLERANCE` (1e-6) of its variance: the dimensions its points really
   span. A softmax over 10 classes has rank 9 (its rows sum to 1); a layer whose
   points all coincide up to float noise (:func:`nbviz.tour.framing.points_coincide`)
   has rank 0.
3. **Common width, no padding axes**: the tour projects one width ``k`` for all
   layers, ``k = min_l r_l`` (layers of rank 0 left out), at most ``dims``, at least 2;
   every layer keeps its *own* top ``k`` principal components. No layer is padded with
   zero columns, so no axis of any frame is one on which every point is 0 (the
   narrowest layer, a 10-wide head, sets the width of all: the view tours what every
   layer really has, and each frame keeps the largest part of its layer's variance
   that ``k`` axes can). Edge cases: a layer of rank 1 (with ``k = 2``) shows its
   second component, which holds only float noise; a layer of a single feature gets a
   second axis of zeros (its only padding, named ``<layer>·none``); a layer of rank 0
   shows all points at one place.
4. **Scale** (``normalize=True``): each layer is divided by its RMS radius, so a
   transition does not zoom by the ratio of the layers' activation scales (a layer of
   rank 0 by its centre's norm instead, so its float noise stays near 0).
5. **Alignment by signed permutation**: the ``k`` components of layer ``l`` are matched
   one-to-one to the (already aligned) axes of layer ``l-1`` by the largest total
   absolute correlation of their scores on the shown points (an optimal assignment,
   :func:`signed_permutation`), and each is flipped where that correlation is negative.
   A signed permutation is orthogonal: each layer's geometry is kept, the tour's one
   projection stays orthonormal in every frame, and the move from one layer to the
   next is a straight interpolation between matching views. Unlike the best full
   rotation (orthogonal Procrustes, :func:`procrustes`), which would bring neighbours
   closer still but mix each layer's components into axes that are no component at
   all, it mixes none: each axis of each frame is exactly one principal component of
   its layer, named for what it is (``fc1·pc3``) with the share of the layer's
   variance it holds (``axis_components``, ``axis_explained``).

Steps 2–3 lose what the top ``k`` components leave out (reported per layer as
``explained_variance``); steps 4–5 are isometries up to the per-layer scale.

For a single linear layer ``y = W x + b``, :func:`svd_transition` gives the article's
layer-to-layer animation: with ``W = U Σ Vᵀ``, the input ``x`` is shown in the basis
``V`` and ``y − b`` in the basis ``U``, so moving from one to the other only scales the axes by
``(1 − s) + s·Σ`` (and shifts by ``s·Uᵀb``).

>>> import torch
>>> a = torch.randn(50, 3, dtype=torch.float64)
>>> r = procrustes(a, a @ torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))[0])
>>> bool(torch.allclose(r.T @ r, torch.eye(3, dtype=torch.float64)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .._checks import check_bool, check_positive_int
from ..embed.principal import PCA, fit_pca
from ..models import capture_activations, layer_names
from .framing import points_coincide

__all__ = [
    "LayerSequence",
    "layer_sequence",
    "procrustes",
    "signed_permutation",
    "svd_transition",
]

#: A principal component holding at most this fraction of its layer's variance is float
#: noise, not a dimension the layer's points span (step 2 of the module docstring).
RANK_TOLERANCE = 1e-6


@dataclass
class LayerSequence:
    """Aligned, reduced coordinates of the same points at several layers.

    Attributes:
        names: the layer names, in order.
        coords: ``float32`` array ``(layers, n, k)``, ready for the view.
        explained_variance: per layer, the fraction of its variance its ``k`` kept
            components hold.
        dims: per layer, its original number of features.
        bases: per layer, the ``(d_l, k)`` PCA directions (float64 tensors; a zero column
            only for the second axis of a one-feature layer).
        means: per layer, the ``(d_l,)`` mean activation that was subtracted.
        scales: per layer, the divisor applied in the normalization step.
        rotations: per layer, the ``(k, k)`` signed permutation that aligns it with the
            layer before (the identity for the first).
        ranks: per layer, its real rank (step 2; 0 when all points coincide).
        axis_components: int ``(layers, k)``: the 0-based index of the principal
            component of the layer on each axis (-1 for a one-feature layer's zero axis).
        axis_explained: ``(layers, k)``: the fraction of the layer's variance on each axis.

    ``coords[l] == (act_l - means[l]) @ bases[l] / scales[l] @ rotations[l]``, and axis
    ``j`` of ``coords[l]`` is ``±`` component ``axis_components[l, j]`` of layer ``l``.
    """

    names: list[str]
    coords: np.ndarray
    explained_variance: np.ndarray
    dims: list[int]
    bases: list[torch.Tensor] = field(repr=False)
    means: list[torch.Tensor] = field(repr=False)
    scales: np.ndarray = field(repr=False)
    rotations: list[torch.Tensor] = field(repr=False)
    ranks: list[int]
    axis_components: np.ndarray = field(repr=False)
    axis_explained: np.ndarray = field(repr=False)


def _as_pair(source, target) -> tuple[torch.Tensor, torch.Tensor]:
    """``source`` and ``target`` as float64 ``(n, k)`` matrices of one shape."""
    a = torch.as_tensor(source).to(torch.float64)
    b = torch.as_tensor(target).to(torch.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"source, target: expected two (n, k) matrices of one shape, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a, b


def procrustes(source, target) -> torch.Tensor:
    """The orthogonal ``R`` minimizing ``‖source @ R − target‖_F`` (both ``(n, k)``).

    >>> a = torch.eye(2, dtype=torch.float64)
    >>> procrustes(a, a[:, [1, 0]]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    a, b = _as_pair(source, target)
    u, _, vt = torch.linalg.svd(a.T @ b)
    return u @ vt


def _correlations(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``(k, k)``: the correlation of column ``i`` of ``a`` with column ``j`` of ``b`` over
    the rows (0 where a column does not vary)."""
    ac, bc = a - a.mean(0), b - b.mean(0)
    na, nb = ac.norm(dim=0), bc.norm(dim=0)
    ac = ac / torch.where(na > 0, na, 1.0)
    bc = bc / torch.where(nb > 0, nb, 1.0)
    return ac.T @ bc


def signed_permutation(source, target) -> torch.Tensor:
    """The signed permutation ``P`` (``k × k``) that best matches the columns of ``source``
    to those of ``target`` (both ``(n, k)``).

    Each column ``i`` of ``source`` goes to one column ``j`` of ``target`` (``P[i, j] =
    ±1``, every other entry 0), chosen to maximize the summed absolute correlation of the
    matched columns over the rows (an optimal assignment,
    :func:`scipy.optimize.linear_sum_assignment`), with the sign that makes each matched
    correlation positive. ``source @ P`` then holds the columns of ``source``, reordered
    and flipped, each next to the ``target`` column it is most like. ``P`` is orthogonal.

    >>> a = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, -2.0]], dtype=torch.float64)
    >>> signed_permutation(a, a[:, [1, 0]] * torch.tensor([1.0, -1.0])).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    from scipy.optimize import linear_sum_assignment  # here: scipy is slow to import

    a, b = _as_pair(source, target)
    corr = _correlations(a, b).cpu().numpy()
    rows, cols = linear_sum_assignment(-np.abs(corr))
    perm = torch.zeros(a.shape[1], a.shape[1], dtype=torch.float64)
    signs = np.where(corr[rows, cols] < 0, -1.0, 1.0)
    perm[torch.as_tensor(rows), torch.as_tensor(cols)] = torch.as_tensor(signs)
    return perm


def svd_transition(weight, data, s: float, bias=None) -> torch.Tensor:
    """Points part-way (``s`` in [0, 1]) through the linear layer ``y = W x + b``.

    ``weight`` may be dense or sparse (a :class:`~nbviz.tour.LinearStep`'s matrix; the
    SVD is dense, so keep convolutions small, as the article notes). ``data``: the
    layer's inputs ``(N, in)``.

    With ``W = U Σ Vᵀ`` (``r = max(m, n)`` columns, Σ zero-padded), returns
    ``((1 − s) I + s Σ) Vᵀ x + s Uᵀ b`` for each row ``x`` of ``data``, as ``(N, r)``: at
    ``s = 0`` it is ``data`` in the basis ``V`` (a rotation of it), at ``s = 1`` it is
    ``y`` in the basis ``U``.

    >>> w = torch.tensor([[2.0, 0.0], [0.0, 3.0]])
    >>> svd_transition(w, torch.tensor([[1.0, 1.0]]), 0.5).abs().tolist()
    [[2.0, 1.5]]
    """
    w = torch.as_tensor(weight).detach()
    w = (w.to_dense() if w.is_sparse else w).to(torch.float64)
    x = torch.as_tensor(data).detach().to(torch.float64)
    if w.ndim != 2:
        raise ValueError(f"weight: expected an (out, in) matrix, got shape {tuple(w.shape)}")
    if x.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError(f"data: expected shape (N, {w.shape[1]}), got {tuple(x.shape)}")
    if not 0.0 <= float(s) <= 1.0:
        raise ValueError(f"s: expected a fraction in [0, 1], got {s!r}")
    m, n = w.shape
    r = max(m, n)
    u, sig, vt = torch.linalg.svd(w, full_matrices=True)
    sig_full = torch.zeros(r, dtype=torch.float64)
    sig_full[: len(sig)] = sig
    xv = torch.zeros(len(x), r, dtype=torch.float64)
    xv[:, :n] = x @ vt.T
    out = xv * ((1 - s) + s * sig_full)
    if bias is not None:
        ub = torch.zeros(r, dtype=torch.float64)
        ub[:m] = u.T @ torch.as_tensor(bias).detach().to(torch.float64)
        out = out + s * ub
    return out


def _spread(a: torch.Tensor, mean: torch.Tensor) -> float:
    """The RMS distance of the rows of ``a`` from ``mean`` (summed in blocks of rows, so a
    wide layer needs no second copy)."""
    total, step = 0.0, max(1, (1 << 22) // max(a.shape[1], 1))
    for start in range(0, len(a), step):
        total += float((a[start : start + step] - mean).pow(2).sum())
    return (total / len(a)) ** 0.5


def _fit_layer(a: torch.Tensor, dims: int) -> tuple[PCA, int]:
    """A layer's PCA (at most ``dims`` components) and its real rank (step 2)."""
    fitted = fit_pca(a, dims, device="cpu")
    if points_coincide(_spread(a, fitted.mean), float(fitted.mean.norm())):
        return fitted, 0
    return fitted, int((fitted.explained > RANK_TOLERANCE).sum())


def _common_width(ranks: Sequence[int], dims: int) -> int:
    """``k``: the least real rank of the layers that have one, at most ``dims``, at least 2."""
    spanning = [r for r in ranks if r > 0]
    return max(2, min(dims, *spanning)) if spanning else 2


def _top_components(fitted: PCA, k: int) -> tuple[torch.Tensor, list[int]]:
    """The ``(d_l, k)`` basis of a layer's top ``k`` components and their indices; a layer
    with fewer components (one feature) gets zero columns, index -1."""
    basis = fitted.components[:k].T.to(torch.float64)
    kept = basis.shape[1]
    if kept < k:
        basis = torch.cat([basis, basis.new_zeros(basis.shape[0], k - kept)], dim=1)
    return basis, list(range(kept)) + [-1] * (k - kept)


def _scale(scores: torch.Tensor, fitted: PCA, rank: int, normalize: bool) -> float:
    """The divisor of step 4: the RMS radius, or the centre's norm for a rank-0 layer."""
    if not normalize:
        return 1.0
    if rank == 0:
        magnitude = float(fitted.mean.norm())
        return magnitude if magnitude > 0 else 1.0
    radius = float(scores.pow(2).sum(1).mean().sqrt())
    return radius if radius > 0 else 1.0


def _align(coords: list[torch.Tensor], components: list[list[int]]):
    """Step 5 in place: each layer's columns permuted and flipped onto the previous
    layer's; returns the signed permutations and the component on each axis."""
    k = coords[0].shape[1]
    rotations, on_axis = [torch.eye(k, dtype=torch.float64)], [list(components[0])]
    for i in range(1, len(coords)):
        perm = signed_permutation(coords[i], coords[i - 1])
        coords[i] = coords[i] @ perm
        source = perm.abs().argmax(0).tolist()  # the column of layer i on each axis
        on_axis.append([components[i][j] for j in source])
        rotations.append(perm)
    return rotations, on_axis


def _axis_explained(fitted: list[PCA], on_axis: list[list[int]]) -> np.ndarray:
    """``(layers, k)``: the fraction of each layer's variance on each of its axes."""
    return np.array(
        [[float(f.explained[c]) if c >= 0 else 0.0 for c in axes]
         for f, axes in zip(fitted, on_axis, strict=True)]
    )  # fmt: skip


def layer_sequence(
    model: nn.Module,
    data,
    layers: Sequence[str] | None = None,
    dims: int = 64,
    *,
    normalize: bool = True,
) -> LayerSequence:
    """Reduce and align the activations of ``data`` at ``layers`` (the module docstring's steps).

    Every layer is shown on its own top ``k`` principal components, ``k`` the least real
    rank of the layers (at most ``dims``): no padding axes, and each axis one named
    component (``axis_components``).

    Args:
        model: any ``nn.Module``.
        data: the points to show: anything :func:`nbviz.models.capture_activations` takes.
        layers: layer names (see :func:`nbviz.models.layer_names`); default ``"input"``
            and every leaf module, in registration order.
        dims: the most dimensions kept per layer (at least 2).
        normalize: divide each layer by its RMS radius.

    >>> from nbviz.models import SmallCNN
    >>> data = torch.rand(100, 1, 8, 8)
    >>> model = SmallCNN(in_shape=(1, 8, 8))
    >>> seq = layer_sequence(model, data, ["conv1", "fc1", "logits"], dims=8)
    >>> seq.coords.shape, seq.names
    ((3, 100, 8), ['conv1', 'fc1', 'logits'])
    >>> seq = layer_sequence(model, data, ["fc1", "logits"], dims=64)  # logits: rank 10
    >>> seq.coords.shape[2], seq.ranks[1], sorted(seq.axis_components[1].tolist())
    (10, 10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    dims = check_positive_int(dims, "dims", minimum=2)
    normalize = check_bool(normalize, "normalize")
    if layers is None:
        layers = layer_names(model, leaves_only=True)
    acts = capture_activations(model, data, layers, flatten=True)
    names = list(acts)
    n = next(iter(acts.values())).shape[0]
    if n < 2:
        raise ValueError(f"data: expected at least 2 points to reduce, got {n}")
    fitted, ranks, all_scores, widths = [], [], [], []
    for name in names:
        a = acts.pop(name).to(torch.float64)  # each layer freed once it is fitted
        layer_fit, rank = _fit_layer(a, dims)
        fitted.append(layer_fit)
        ranks.append(rank)
        all_scores.append(layer_fit.transform(a))
        widths.append(int(a.shape[1]))
    k = _common_width(ranks, dims)
    bases, components, coords, scales = [], [], [], []
    for layer_fit, rank, scores in zip(fitted, ranks, all_scores, strict=True):
        basis, kept = _top_components(layer_fit, k)
        scores = scores[:, :k]
        if scores.shape[1] < k:  # a one-feature layer: its second axis is 0
            scores = torch.cat([scores, scores.new_zeros(n, k - scores.shape[1])], dim=1)
        scale = _scale(scores, layer_fit, rank, normalize)
        bases.append(basis)
        components.append(kept)
        coords.append(scores / scale)
        scales.append(scale)
    rotations, on_axis = _align(coords, components)
    return LayerSequence(
        names=names,
        coords=torch.stack(coords).numpy().astype(np.float32),
        explained_variance=np.array([float(f.explained[:k].sum()) for f in fitted]),
        dims=widths,
        bases=bases,
        means=[f.mean for f in fitted],
        scales=np.array(scales),
        rotations=rotations,
        ranks=ranks,
        axis_components=np.array(on_axis, dtype=np.int64),
        axis_explained=_axis_explained(fitted, on_axis),
    )
