"""One input through every layer: what the Deep Visualization Toolbox draws live.

:func:`explorer_layers` picks the layers worth looking at in a network (its convolutions,
dense layers and activations, in the order a forward pass calls them) and
:func:`layer_outputs` gives their outputs for one batch in one forward pass, fast enough
to follow a mouse stroke (a few milliseconds for the zoo's CNN on a CPU).

>>> import torch
>>> from nbviz.models import SmallCNN
>>> model = SmallCNN(in_shape=(1, 8, 8)).eval()
>>> [(name, shape) for name, shape in explorer_layers(model, (1, 8, 8))][:3]
[('conv1', (16, 8, 8)), ('relu1', (16, 4, 4)), ('conv2', (32, 4, 4))]
>>> out = layer_outputs(model, torch.rand(2, 1, 8, 8), ["conv1", "logits"])
>>> out["conv1"].shape, out["logits"].shape
(torch.Size([2, 16, 8, 8]), torch.Size([2, 10]))
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import unknown_name_error

__all__ = ["LOOKED_AT", "explorer_layers", "layer_outputs"]

#: The module types :func:`explorer_layers` shows by default: the layers that compute
#: features (convolutions, dense layers) and the activations that follow them.
LOOKED_AT = (
    nn.Conv2d, nn.Linear, nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh,
    nn.Sigmoid, nn.Softplus,
)  # fmt: skip


def _called_leaves(model: nn.Module, input_shape) -> list[tuple[str, nn.Module, tuple]]:
    """``(name, module, output shape)`` of every leaf module a forward pass calls, in call
    order (a module called twice is listed once, at its first call)."""
    seen: dict[str, tuple[nn.Module, tuple]] = {}
    hooks = []
    for name, module in model.named_modules():
        if name and next(module.children(), None) is None:

            def hook(m, i, o, name=name):
                if name not in seen and isinstance(o, torch.Tensor):
                    seen[name] = (m, tuple(o.shape[1:]))

            hooks.append(module.register_forward_hook(hook))
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next((p.device for p in model.parameters()), torch.device("cpu"))
            model(torch.zeros(1, *input_shape, device=device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    return [(name, m, shape) for name, (m, shape) in seen.items()]


def explorer_layers(model: nn.Module, input_shape) -> list[tuple[str, tuple[int, ...]]]:
    """The layers a layer explorer shows by default, with their output shapes: every
    convolution, dense layer and activation module (:data:`LOOKED_AT`) a forward pass of
    an input of ``input_shape`` calls, in call order, whose output is a conv map
    ``(C, h, w)`` or a vector ``(units,)``.

    Raises:
        ValueError: the model calls none (say which layers to show by name).
    """
    out = [
        (name, shape)
        for name, module, shape in _called_leaves(model, tuple(input_shape))
        if isinstance(module, LOOKED_AT) and len(shape) in (1, 3)
    ]
    if not out:
        raise ValueError(
            "layers: the model calls no convolution, dense layer or activation module with "
            "a (C, h, w) or (units,) output; name the layers to show"
        )
    return out


def layer_outputs(
    model: nn.Module, x: torch.Tensor, layers: Sequence[str], *, with_output: bool = False
):
    """The outputs of ``layers`` (module names) for the batch ``x``, from one forward pass
    without gradients, detached, on the model's device: ``{layer: tensor}``, and with
    ``with_output`` also the model's own output, as ``(outputs, model_output)``. A layer
    the pass does not call is missing from the result; a layer called twice gives its
    last output.

    Raises:
        ValueError: an unknown layer name (with the closest).
    """
    modules = dict(model.named_modules())
    grabbed: dict[str, torch.Tensor] = {}
    hooks = []
    try:
        for name in layers:
            if not name or name not in modules:
                known = [n for n in modules if n]
                raise unknown_name_error("layer", str(name), known, "layers")
            hooks.append(
                modules[name].register_forward_hook(
                    lambda m, i, o, name=name: grabbed.__setitem__(name, o.detach())
                )
            )
        with torch.no_grad():
            logits = model(x)
    finally:
        for h in hooks:
            h.remove()
    outputs = {name: grabbed[name] for name in layers if name in grabbed}
    return (outputs, logits.detach()) if with_output else outputs
