"""The shape of one input of a model, for samplers that make inputs from nothing.

In order: the ``input_shape`` the caller gives; the per-item shape of ``data`` (real
inputs); the model's own ``in_shape`` (the zoo's models declare one); the first layer
(a first ``Linear``, after an optional ``Flatten``, fixes ``(in_features,)``). A first
convolution fixes the channels but not the spatial size, so then the caller must say.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

from ..models._inputs import expected_input_shape

__all__ = ["first_layer_shape", "resolve_input_shape"]


def _check_shape(shape, arg: str) -> tuple[int, ...]:
    if isinstance(shape, torch.Size):
        shape = tuple(shape)
    if (
        not isinstance(shape, (tuple, list))
        or not shape
        or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in shape
        )
    ):
        raise ValueError(
            f"{arg}: expected the shape of one input, a tuple of sizes > 0, got {shape!r}"
        )
    return tuple(int(s) for s in shape)


def _leaves(model: nn.Module):
    return (m for m in model.modules() if next(m.children(), None) is None)


def first_layer_shape(model: nn.Module) -> tuple[tuple[int, ...] | None, str]:
    """``(shape, why)``: the input shape the first layer fixes, else ``None`` and why not.

    Modules are taken in registration order (the order of an ``nn.Sequential``).

    >>> first_layer_shape(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)))
    ((64,), '')
    >>> first_layer_shape(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()))[0] is None
    True
    """
    for module in _leaves(model):
        if isinstance(module, nn.Flatten):
            continue
        if isinstance(module, nn.Linear) and not isinstance(module, nn.LazyLinear):
            return (module.in_features,), ""
        if isinstance(module, nn.modules.conv._ConvNd) and module.in_channels:
            spatial = {1: "length", 2: "height and width"}.get(len(module.kernel_size), "size")
            return None, (
                f"its first layer, {module!r}, fixes the channels ({module.in_channels}) but "
                f"not the {spatial}"
            )
        return None, f"its first layer, {type(module).__name__}, does not fix it"
    return None, "it has no layers to tell from"


def resolve_input_shape(model: nn.Module, input_shape=None, data=None) -> tuple[tuple, str]:
    """``(shape of one input, the argument it came from)`` for ``model``.

    ``data`` is a tensor of real inputs ``(N, ...)`` or ``None``. Raises ``ValueError``
    when ``input_shape`` and ``data`` disagree, or when nothing fixes the shape (the
    message says to pass ``data=`` or ``input_shape=``).

    >>> resolve_input_shape(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)))
    ((64,), 'input_shape')
    >>> resolve_input_shape(nn.Conv2d(1, 4, 3), data=torch.zeros(5, 1, 8, 8))
    ((1, 8, 8), 'data')
    """
    if input_shape is not None:
        shape = _check_shape(input_shape, "input_shape")
        if data is not None and tuple(data.shape[1:]) != shape:
            raise ValueError(
                f"input_shape: {shape} differs from the shape of one item of data, "
                f"{tuple(data.shape[1:])}; pass one of them"
            )
        return shape, "input_shape"
    if data is not None:
        return _check_shape(tuple(data.shape[1:]), "data"), "data"
    declared = expected_input_shape(model)
    if declared is not None:
        return declared, "input_shape"
    shape, why = first_layer_shape(model)
    if shape is None:
        raise ValueError(
            f"input_shape: cannot tell the shape of one input: the model declares no "
            f"in_shape and {why}. Pass data= (real inputs; their shape is used) or "
            f"input_shape= (e.g. (1, 28, 28))"
        )
    return shape, "input_shape"
