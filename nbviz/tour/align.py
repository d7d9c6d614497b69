"""Consistent reductions of a network's layers, aligned so neighbouring views match.

The reduction :func:`layer_sequence` states and applies, layer by layer:

1. **Flatten and center**: each layer's activations on the shown points, ``(n, d_l)``,
   minus their mean over the points.
2. **PCA to k dims**: the top ``k_l = min(dims, d_l, n)`` principal directions of
   the centered activations (:func:`nbviz.embed.fit_pca` in float64), with a
   deterministic sign: each direction's largest-magnitude loading is positive. The
   coordinates are the scores ``X_c V_k``; the fraction of the layer's variance they
   keep is reported.
3. **Common width**: every layer is zero-padded to ``k = max_l k_l`` columns, so the
   view can interpolate between any two layers.
4. **Scale** (``normalize=True``): each layer is divided by its RMS radius, so a
   transition does not zoom by the ratio of the layers' activation scales.
5. **Alignment**: layer ``l`` is rotated by the orthogonal ``k×k`` matrix that best
   maps it onto the (already aligned) layer ``l-1`` (orthogonal Procrustes). A
   rotation keeps each layer's geometry intact, and the same tour projection then
   shows neighbouring layers as alike as they truly are.

Only step 2 loses information (and only where ``d_l > dims``); steps 3–5 are
isometries up to the per-layer scale.

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
from ..embed.principal import fit_pca
from ..models import capture_activations, layer_names

__all__ = ["LayerSequence", "layer_sequence", "procrustes", "svd_transition"]


@dataclass
class LayerSequence:
    """Aligned, reduced coordinates of the same points at several layers.

    Attributes:
        names: the layer names, in order.
        coords: ``float32`` array ``(layers, n, k)``, ready for the view.
        explained_variance: per layer, the fraction of its variance the PCA kept.
        dims: per layer, its original number of features.
        bases: per layer, the ``(d_l, k_l)`` PCA directions (float64 tensors).
        means: per layer, the ``(d_l,)`` mean activation that was subtracted.
        scales: per layer, the divisor applied in the normalization step.
        rotations: per layer, the ``(k, k)`` alignment rotation (identity for the first).

    ``coords[l] == ((act_l - means[l]) @ bases[l], zero-padded) / scales[l] @ rotations[l]``.
    """

    names: list[str]
    coords: np.ndarray
    explained_variance: np.ndarray
    dims: list[int]
    bases: list[torch.Tensor] = field(repr=False)
    means: list[torch.Tensor] = field(repr=False)
    scales: np.ndarray = field(repr=False)
    rotations: list[torch.Tensor] = field(repr=False)


def procrustes(source, target) -> torch.Tensor:
    """The orthogonal ``R`` minimizing ``‖source @ R − target‖_F`` (both ``(n, k)``).

    >>> a = torch.eye(2, dtype=torch.float64)
    >>> procrustes(a, a[:, [1, 0]]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    a = torch.as_tensor(source).to(torch.float64)
    b = torch.as_tensor(target).to(torch.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"source, target: expected two (n, k) matrices of one shape, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    u, _, vt = torch.linalg.svd(a.T @ b)
    return u @ vt


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


def layer_sequence(
    model: nn.Module,
    data,
    layers: Sequence[str] | None = None,
    dims: int = 64,
    *,
    normalize: bool = True,
) -> LayerSequence:
    """Reduce and align the activations of ``data`` at ``layers`` (the module docstring's steps).

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
    fitted = []
    for name in names:
        a = acts[name].to(torch.float64)
        p = fit_pca(a, dims, device="cpu")
        fitted.append((p, p.transform(a)))
    k = max(scores.shape[1] for _, scores in fitted)
    coords, scales = [], []
    for _, scores in fitted:
        padded = torch.zeros(n, k, dtype=torch.float64)
        padded[:, : scores.shape[1]] = scores
        radius = float(padded.pow(2).sum(1).mean().sqrt()) if normalize else 1.0
        radius = radius if radius > 0 else 1.0
        coords.append(padded / radius)
        scales.append(radius)
    rotations = [torch.eye(k, dtype=torch.float64)]
    for i in range(1, len(coords)):
        rot = procrustes(coords[i], coords[i - 1])
        coords[i] = coords[i] @ rot
        rotations.append(rot)
    return LayerSequence(
        names=names,
        coords=torch.stack(coords).numpy().astype(np.float32),
        explained_variance=np.array([float(p.explained.sum()) for p, _ in fitted]),
        dims=[int(acts[name].shape[1]) for name in names],
        bases=[p.components.T for p, _ in fitted],
        means=[p.mean for p, _ in fitted],
        scales=np.array(scales),
        rotations=rotations,
    )
