"""Which layers are pruned, their masks, and per-layer pruning rates.

The prunable layers of a model are its ``nn.Linear`` and ``nn.Conv1d/2d/3d`` modules
(their ``weight``; biases and normalization layers are never pruned, as in the
papers), named by module path as ``model.named_modules()`` gives them.

>>> from nbviz.models import LeNet300100
>>> list(prunable_layers(LeNet300100(in_shape=(1, 8, 8))))
['fc1', 'fc2', 'logits']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn
from torch.nn.utils import prune

from .._checks import check_fraction, unknown_name_error

__all__ = [
    "PRUNABLE_TYPES",
    "current_masks",
    "layer_rates",
    "prunable_layers",
    "target_kept",
]

PRUNABLE_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def prunable_layers(model: nn.Module, layers: str | Sequence[str] | None = None) -> dict:
    """``{name: module}`` of the layers to prune, in ``named_modules()`` order.

    Args:
        model: the network.
        layers: the names to prune (default: every prunable layer).

    Raises ``ValueError`` for a model with no prunable layer or an unknown name (with
    the closest names), ``TypeError`` for a name whose module has no prunable weight.

    >>> from nbviz.models import LeNet300100
    >>> list(prunable_layers(LeNet300100(in_shape=(1, 8, 8)), ["fc2", "fc1"]))
    ['fc1', 'fc2']
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    modules = dict(model.named_modules())
    found = {n: m for n, m in modules.items() if n and isinstance(m, PRUNABLE_TYPES)}
    if not found:
        raise ValueError(
            f"model: has no prunable layer ({', '.join(t.__name__ for t in PRUNABLE_TYPES)}); "
            f"its modules are {[n for n in modules if n][:10]}"
        )
    if layers is None:
        return found
    if isinstance(layers, str):
        layers = [layers]
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(
            f"layers: expected a layer name or a non-empty list of them, got {layers!r}"
        )
    for name in layers:
        if not isinstance(name, str):
            raise TypeError(f"layers: expected layer names (str), got {name!r}")
        if name not in modules or not name:
            raise unknown_name_error("layer", name, list(found), "layers")
        if name not in found:
            raise TypeError(
                f"layers: {name!r} is a {type(modules[name]).__name__}, which has no prunable "
                f"weight; prunable layers: {list(found)}"
            )
    wanted = set(layers)
    return {n: m for n, m in found.items() if n in wanted}


def layer_rates(
    names: Sequence[str], rate: float, overrides: Mapping[str, float] | None
) -> dict[str, float]:
    """The pruning rate of each layer: ``rate``, or its entry in ``overrides``.

    ``overrides=None`` gives the papers' default: the last layer (the output layer)
    at half ``rate``. Pass ``{}`` for one rate everywhere.

    >>> layer_rates(["fc1", "fc2", "logits"], 0.2, None)
    {'fc1': 0.2, 'fc2': 0.2, 'logits': 0.1}
    """
    rate = check_fraction(rate, "rate")
    names = list(names)
    if overrides is None:
        overrides = {names[-1]: rate / 2} if len(names) > 1 else {}
    if not isinstance(overrides, Mapping):
        raise TypeError(f"layer_rates: expected a dict of layer name -> rate, got {overrides!r}")
    rates = dict.fromkeys(names, rate)
    for name, value in overrides.items():
        if name not in rates:
            raise unknown_name_error("layer", str(name), names, "layer_rates")
        rates[name] = check_fraction(value, f"layer_rates[{name!r}]")
    return rates


def target_kept(n: int, rate: float, rounds: int) -> int:
    """Weights a tensor of ``n`` keeps after ``rounds`` rounds at ``rate``.

    The rounding rule: ``floor(n * (1 - rate) ** rounds + 0.5)`` (nearest, halves up),
    computed from ``n`` each round rather than compounded, so rounding errors never
    accumulate: the density after ``L`` rounds is within ``0.5 / n`` of
    ``(1 - rate) ** L``. A round prunes the difference from the round before.

    >>> [target_kept(1000, 0.2, r) for r in range(4)]
    [1000, 800, 640, 512]
    """
    return int((n * (1.0 - rate) ** rounds) + 0.5)


def current_masks(model: nn.Module, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """``{name: bool mask}`` (CPU) of the named layers' weights; all-true where unpruned.

    >>> from torch import nn
    >>> from torch.nn.utils import prune
    >>> net = nn.Sequential(nn.Linear(3, 2))
    >>> _ = prune.custom_from_mask(net[0], "weight", torch.tensor([[1, 0, 1], [1, 1, 1]]))
    >>> current_masks(net, ["0"])["0"].sum().item()
    5
    """
    modules = dict(model.named_modules())
    out = {}
    for name in names:
        module = modules[name]
        if prune.is_pruned(module) and hasattr(module, "weight_mask"):
            out[name] = module.weight_mask.detach().to("cpu", torch.bool).clone()
        else:
            out[name] = torch.ones(module.weight.shape, dtype=torch.bool)
    return out
