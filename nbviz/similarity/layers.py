"""Similarity between the layers of one network, or of two: the matrix
:class:`~nbviz.widgets.SimilarityView` will draw.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN
>>> torch.manual_seed(0)  # doctest: +ELLIPSIS
<torch._C.Generator object at ...>
>>> net = SmallCNN(in_shape=(1, 8, 8))
>>> m = layer_similarity(net, digits().subset(300, seed=0), ["conv1", "relu1", "fc1"])
>>> m.shape, bool(abs(m[0, 0] - 1) < 1e-9)
((3, 3), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._checks import unknown_name_error
from .cca import pwcca, svcca
from .cka import linear_cka, rbf_cka

__all__ = ["METHODS", "layer_similarity", "similarity"]

#: The measures by name: each ``f(x, y, device=...) -> float``.
METHODS = {
    "linear_cka": lambda x, y, device: linear_cka(x, y, device=device),
    "debiased_linear_cka": lambda x, y, device: linear_cka(x, y, debiased=True, device=device),
    "rbf_cka": lambda x, y, device: rbf_cka(x, y, device=device),
    "svcca": lambda x, y, device: svcca(x, y, device=device).mean,
    "pwcca": lambda x, y, device: pwcca(x, y, device=device).mean,
}


def similarity(x, y, method: str = "linear_cka", *, device="cpu") -> float:
    """One number for two layers' activations of the same examples, by ``method`` (a name
    of :data:`METHODS`)."""
    if method not in METHODS:
        raise unknown_name_error("method", str(method), list(METHODS), "method")
    return METHODS[method](x, y, device)


def layer_similarity(
    model,
    data,
    layers: Sequence[str],
    *,
    other=None,
    other_layers: Sequence[str] | None = None,
    method: str = "linear_cka",
    batch_size: int = 512,
    device="cpu",
) -> np.ndarray:
    """The ``len(layers) × len(other_layers)`` matrix of :func:`similarity` between the
    activations of ``model``'s ``layers`` and those of ``other`` 's ``other_layers``
    (default: the same network and layers, a symmetric matrix with 1 on its diagonal for
    CKA) on the same ``data`` (captured by :func:`nbviz.models.capture_activations`, so
    all of it is held in memory: use a few thousand examples)."""
    from ..models import capture_activations

    if method not in METHODS:
        raise unknown_name_error("method", str(method), list(METHODS), "method")
    layers = [layers] if isinstance(layers, str) else list(layers)
    acts = capture_activations(model, data, layers, batch_size=batch_size, flatten=True)
    if other is None and other_layers is None:
        other_acts, symmetric = acts, method != "pwcca"
        other_layers = layers
    else:
        other_layers = layers if other_layers is None else list(other_layers)
        second = other if other is not None else model
        other_acts = capture_activations(second, data, other_layers, batch_size=batch_size,
                                         flatten=True)  # fmt: skip
        symmetric = False
    out = np.zeros((len(layers), len(other_layers)))
    for i, a in enumerate(layers):
        for j, b in enumerate(other_layers):
            if symmetric and j < i:
                out[i, j] = out[j, i]
            else:
                out[i, j] = METHODS[method](acts[a], other_acts[b], device)
    return out
