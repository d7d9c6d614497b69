"""Attribution methods by name, computed by Captum: which input pixels carry the evidence.

:func:`attribute` gives one heatmap per image (the input's shape, signed: positive for
evidence for the class, negative against) for any of :data:`METHODS`:

* ``saliency``: the gradient of the class score (Simonyan et al.; Captum's ``Saliency``,
  absolute value as Captum gives it);
* ``input_x_gradient``: input times gradient;
* ``integrated_gradients``: the gradient averaged along the straight path from a black
  image (Sundararajan et al.);
* ``guided_backprop`` and ``deconvolution``: the gradient with the ReLUs' backward pass
  changed (Springenberg et al.; Zeiler & Fergus). They need ``nn.ReLU`` modules: a ReLU
  called as a function is invisible to them;
* ``occlusion``: the drop of the class score when a square patch is set to 0;
* ``lrp``: layer-wise relevance propagation (Bach et al.) with a choice of rules per
  layer type (:data:`~nbviz.attribution.lrp.COMPOSITES`), BatchNorm folded into the
  layer before it first (:func:`~nbviz.attribution.fold_batchnorm`).

>>> import torch
>>> from nbviz.models import SmallCNN
>>> model = SmallCNN(in_shape=(1, 8, 8)).eval()
>>> x = torch.rand(3, 1, 8, 8)
>>> attribute(model, x, target=[0, 1, 2], method="input_x_gradient").shape
torch.Size([3, 1, 8, 8])
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import torch
from torch import nn

from .._checks import check_positive_int, unknown_name_error
from ..models._inputs import as_tensors, runnable_model
from .lrp import lrp_attribute

__all__ = ["GRADIENT_METHODS", "METHODS", "attribute", "targets_for"]

#: Every method :func:`attribute` knows, in the order the views show them.
METHODS = (
    "saliency",
    "input_x_gradient",
    "integrated_gradients",
    "guided_backprop",
    "deconvolution",
    "occlusion",
    "lrp",
)
#: The methods that work on any differentiable model (no module requirements).
GRADIENT_METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "occlusion")


#: The number of outputs of each model, per input shape (one forward of one input).
_OUTPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _n_outputs(model: nn.Module, data: torch.Tensor) -> int:
    shape = tuple(data.shape[1:])
    known = _OUTPUTS.get(model)
    if known is not None and known[0] == shape:
        return known[1]
    with torch.no_grad():
        n = int(model(data[:1]).shape[-1])
    _OUTPUTS[model] = (shape, n)
    return n


def targets_for(model: nn.Module, data: torch.Tensor, target) -> torch.Tensor:
    """The class explained for each image of ``data``: ``"predicted"`` (the model's top
    class), an int (that class for every image) or a sequence / tensor of one class per
    image; checked against the model's number of outputs.

    >>> targets_for(nn.Linear(4, 3), torch.zeros(2, 4), 2).tolist()
    [2, 2]
    """
    n_classes = _n_outputs(model, data)
    if isinstance(target, str):
        if target != "predicted":
            raise unknown_name_error("target", target, ["predicted"], "target")
        with torch.no_grad():
            return model(data).argmax(-1)
    t = torch.as_tensor(target, dtype=torch.long, device=data.device)
    if t.ndim == 0:
        t = t.expand(len(data))
    if t.shape != (len(data),):
        raise ValueError(
            f"target: expected one class per image ({len(data)}), got shape {tuple(t.shape)}"
        )
    bad = (t < 0) | (t >= n_classes)
    if bool(bad.any()):
        raise ValueError(
            f"target: class {int(t[bad][0])} is out of range; the model has {n_classes} "
            f"outputs (0 to {n_classes - 1})"
        )
    return t


def _relus(model: nn.Module) -> list[str]:
    return [name for name, m in model.named_modules() if isinstance(m, nn.ReLU)]


def attribute(
    model: nn.Module,
    data,
    target="predicted",
    method: str = "input_x_gradient",
    *,
    composite: str = "epsilon",
    rules=None,
    epsilon: float = 1e-6,
    gamma: float = 0.25,
    canonize: bool = True,
    steps: int = 32,
    window: int | None = None,
    stride: int | None = None,
    baseline: float = 0.0,
) -> torch.Tensor:
    """The ``method``'s attribution of ``target`` for each image of the batch ``data``
    ``(N, C, H, W)`` (or any input batch the model takes), same shape as ``data``.

    Args:
        model: a classifier, used in eval mode; not changed (LRP works on a copy).
        data: the inputs; an ``ImageDataset``, an ``(X, y)`` pair or a tensor.
        target: ``"predicted"``, a class, or one class per image (:func:`targets_for`).
        method: one of :data:`METHODS`.
        composite: LRP's rules per layer type, one of
            :data:`~nbviz.attribution.lrp.COMPOSITES`; ``rules`` replaces some of its
            rules per layer type (:func:`~nbviz.attribution.lrp.layer_rules`).
        epsilon, gamma: the parameters of LRP's epsilon and gamma rules.
        canonize: fold BatchNorm into the layer before it first (LRP only).
        steps: integrated gradients' path steps.
        window, stride: occlusion's square patch (default: a seventh of the image's
            shorter side, at least 2 pixels: 4 on 28×28) and its stride (default:
            ``window``).
        baseline: the value integrated gradients starts from and occlusion fills in.

    Raises:
        ValueError: an unknown method or composite (with the closest names), a class
            out of range, guided backprop or deconvolution on a model without
            ``nn.ReLU`` modules, LRP on a layer it has no rule for (the message names the
            layer and the methods that still work).
    """
    from captum import attr as captum_attr

    if method not in METHODS:
        raise unknown_name_error("method", str(method), METHODS, "method")
    model = runnable_model(model)
    x = as_tensors(data, "data", labels="ignore", dtype=torch.float32)[0]
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    x = x.to(device)
    was = model.training
    model.eval()
    try:
        t = targets_for(model, x, target)
        if method == "lrp":
            return lrp_attribute(model, x, t, composite=composite, rules=rules,
                                 epsilon=epsilon, gamma=gamma, canonize=canonize)  # fmt: skip
        if method in ("guided_backprop", "deconvolution") and not _relus(model):
            raise ValueError(
                f"method: {method} changes the backward pass of nn.ReLU modules, and this "
                "model has none (a ReLU called as a function, F.relu, is invisible to it); "
                f"use nn.ReLU modules, or one of {list(GRADIENT_METHODS)}"
            )
        x = x.detach().requires_grad_(True)
        if method == "saliency":
            return captum_attr.Saliency(model).attribute(x, target=t).detach()
        if method == "input_x_gradient":
            return captum_attr.InputXGradient(model).attribute(x, target=t).detach()
        if method == "integrated_gradients":
            ig = captum_attr.IntegratedGradients(model)
            n = check_positive_int(steps, "steps")
            return ig.attribute(x, baselines=baseline, target=t, n_steps=n).detach()
        if method == "guided_backprop":
            return captum_attr.GuidedBackprop(model).attribute(x, target=t).detach()
        if method == "deconvolution":
            return captum_attr.Deconvolution(model).attribute(x, target=t).detach()
        return _occlusion(model, x, t, window, stride, baseline)
    finally:
        model.train(was)


def _occlusion(model, x, t, window, stride, baseline) -> torch.Tensor:
    from captum import attr as captum_attr

    if x.ndim != 4:
        raise ValueError(f"data: occlusion needs images (N, C, H, W), got {tuple(x.shape)}")
    auto = max(2, round(min(x.shape[2:]) / 7))
    w = auto if window is None else check_positive_int(window, "window")
    s = w if stride is None else check_positive_int(stride, "stride")
    shape: Sequence[int] = (x.shape[1], w, w)
    strides: Sequence[int] = (x.shape[1], s, s)
    with torch.no_grad():
        return captum_attr.Occlusion(model).attribute(
            x, sliding_window_shapes=tuple(shape), strides=tuple(strides),
            baselines=baseline, target=t,
        )  # fmt: skip
