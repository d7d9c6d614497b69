"""Building a ticket: a copy of a network with masks and re-initialized kept weights.

>>> import torch
>>> from nbviz.models import LeNet300100
>>> model = LeNet300100(in_shape=(1, 8, 8))
>>> masks = {"fc1": torch.rand(300, 64) < 0.5}
>>> ticket = make_ticket(model, masks, "rewind")
>>> bool(torch.equal(ticket.fc1.weight, model.fc1.weight * masks["fc1"]))
True
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import torch
from torch import nn

from .layers import prunable_layers
from .variants import Variant, apply_mask, parse_variant, start_weights

__all__ = ["make_ticket", "weights_of"]


def weights_of(model: nn.Module, names) -> dict[str, torch.Tensor]:
    """``{name: weight}`` CPU copies of the named layers' (unmasked) weights.

    For a pruned layer this is ``weight_orig``: what the optimizer sees, pruned entries
    included.

    >>> from torch import nn
    >>> weights_of(nn.Sequential(nn.Linear(2, 3)), ["0"])["0"].shape
    torch.Size([3, 2])
    """
    modules = dict(model.named_modules())
    out = {}
    for name in names:
        module = modules[name]
        w = getattr(module, "weight_orig", None)
        if w is None:
            w = module.weight
        out[name] = w.detach().to("cpu", copy=True)
    return out


def make_ticket(
    model: nn.Module,
    masks: Mapping[str, torch.Tensor],
    variant: str | Variant = "rewind",
    *,
    rewind_state: Mapping[str, torch.Tensor] | None = None,
    seed: int = 0,
) -> nn.Module:
    """A pruned copy of ``model`` to train: ``masks`` applied, kept weights set by ``variant``.

    The copy starts from ``rewind_state`` (a state dict of ``model``, e.g. its weights
    after ``k`` iterations; default ``model``'s own weights): every parameter and buffer
    comes from it, then each masked layer's weight is replaced by
    :func:`~nbviz.lottery.start_weights` and pruned with ``torch.nn.utils.prune``
    (:class:`~nbviz.lottery.ZeroPruning`, or :class:`~nbviz.lottery.FrozenPruning` for
    ``"+frozen"`` variants, whose pruned weights hold their rewind-point values).
    ``model`` is left as it was.

    Args:
        model: the unpruned network.
        masks: ``{layer name: mask}`` (nonzero = kept) for the layers to prune.
        variant: a :class:`~nbviz.lottery.Variant` or its name (``"rewind"``,
            ``"reinit+frozen"`` ...).
        rewind_state: the weights to rewind to.
        seed: seeds the random variants; layer ``i`` uses ``seed + i``.

    >>> import torch
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Linear(3, 2))
    >>> t = make_ticket(net, {"0": torch.ones(2, 3)}, "signed_constant")
    >>> t[0].weight.abs().unique().numel()
    1
    """
    variant = parse_variant(variant, "variant")
    if not isinstance(masks, Mapping) or not masks:
        raise TypeError(f"masks: expected a non-empty dict of layer name -> mask, got {masks!r}")
    layers = prunable_layers(model, list(masks))
    ticket = copy.deepcopy(model)
    if rewind_state is not None:
        ticket.load_state_dict(rewind_state)
    modules = dict(ticket.named_modules())
    for i, name in enumerate(layers):
        module = modules[name]
        w = module.weight.detach()
        mask = torch.as_tensor(masks[name])
        if mask.shape != w.shape:
            raise ValueError(
                f"masks[{name!r}]: expected shape {tuple(w.shape)}, got {tuple(mask.shape)}"
            )
        mask = mask.to(w.device) != 0
        start = start_weights(variant.init, w, mask, seed=seed + i, module=layers[name])
        frozen = w.clone()
        with torch.no_grad():
            module.weight.copy_(start)
        apply_mask(module, mask, variant.pruned, frozen=frozen)
    return ticket
