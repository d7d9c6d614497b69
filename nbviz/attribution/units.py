"""Pictures of one unit for one input: what the Deep Visualization Toolbox shows on a click.

:func:`unit_pictures` gives, for a unit of a layer (a conv channel or a dense unit) and a
batch of inputs, the guided-backprop and deconvolution pictures of that unit (Captum's
``NeuronGuidedBackprop`` and ``NeuronDeconvolution``): the input pattern the unit
responds to in each image. A conv channel is explained at its strongest position in
each image, as the toolbox does, so the picture shows one receptive field, not the sum
over the whole map.

>>> import torch
>>> from nbviz.models import SmallCNN
>>> model = SmallCNN(in_shape=(1, 8, 8)).eval()
>>> pics = unit_pictures(model, "conv2", 5, torch.rand(2, 1, 8, 8))
>>> sorted(pics), pics["guided_backprop"].shape
(['deconvolution', 'guided_backprop'], torch.Size([2, 1, 8, 8]))
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from .._checks import unknown_name_error
from ..models._inputs import as_tensors, runnable_model
from ..models.capture import layer_names

__all__ = ["UNIT_METHODS", "unit_pictures"]

#: The pictures :func:`unit_pictures` can make.
UNIT_METHODS = ("guided_backprop", "deconvolution")


def _strongest(unit: int):
    """A Captum neuron selector: channel ``unit``'s largest value in each image."""

    def select(out: torch.Tensor) -> torch.Tensor:
        return out[:, unit].flatten(1).amax(1)

    return select


def unit_pictures(
    model: nn.Module, layer: str, unit: int, data, methods=UNIT_METHODS
) -> dict[str, torch.Tensor]:
    """Guided backprop and deconvolution of unit ``unit`` of ``layer`` for each input of
    ``data`` (its shape), by method name.

    Raises:
        ValueError: an unknown layer or method (with the closest names), a unit out of
            range, or a model without ``nn.ReLU`` modules (both methods change the ReLUs'
            backward pass).
    """
    from captum.attr import NeuronDeconvolution, NeuronGuidedBackprop

    model = runnable_model(model)
    modules = dict(model.named_modules())
    if not layer or layer not in modules:
        raise unknown_name_error("layer", str(layer), layer_names(model), "layer")
    for m in methods:
        if m not in UNIT_METHODS:
            raise unknown_name_error("method", str(m), UNIT_METHODS, "methods")
    if not any(isinstance(m, nn.ReLU) for m in model.modules()):
        raise ValueError(
            "model: guided backprop and deconvolution change the backward pass of nn.ReLU "
            "modules, and this model has none (F.relu is invisible to them)"
        )
    x = as_tensors(data, "data", labels="ignore", dtype=torch.float32)[0]
    grabbed = []
    hook = modules[layer].register_forward_hook(lambda m, i, o: grabbed.append(o.shape))
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x[:1])
        hook.remove()
        size = grabbed[0][1]
        if not 0 <= int(unit) < size:
            raise ValueError(f"unit: {unit} is out of range; {layer!r} has {size} units")
        selector = _strongest(int(unit)) if len(grabbed[0]) > 2 else int(unit)
        kinds = {"guided_backprop": NeuronGuidedBackprop, "deconvolution": NeuronDeconvolution}
        out = {}
        for m in methods:
            explainer = kinds[m](model, modules[layer])
            xs = x.detach().clone().requires_grad_(True)
            with warnings.catch_warnings():
                # Captum says on every call that it hooks the ReLUs: that is the method
                warnings.filterwarnings("ignore", "Setting backward hooks on ReLU")
                out[m] = explainer.attribute(xs, neuron_selector=selector).detach()
        return out
    finally:
        hook.remove()
        model.train(was)
