"""Re-initialization variants and what pruned weights hold (Zhou et al. 2019, section 3).

A ticket is a mask plus the values its kept weights start training from. Given a
layer's weights at the rewind point ``w`` (the initial weights, or those after
iteration ``k``) and its mask, the kept weights start from:

======================= =====================================================
init variant            kept weights start at
======================= =====================================================
rewind                  ``w`` (Frankle & Carbin's winning ticket)
reinit                  a fresh draw from the layer's own initializer (seeded)
reshuffle               a seeded permutation of ``w``'s kept values, within the layer
signed_constant         ``sign(w) * sigma``, ``sigma`` = std of the layer's ``w``
random_signed_constant  ``±sigma`` with seeded random signs
======================= =====================================================

and the pruned weights are either ``"zero"`` (mask-0 = 0, the usual pruning) or
``"frozen"`` (mask-0 = keep ``w``'s value: they take part in the forward pass with
their rewind-point value and get no gradient). A :class:`Variant` pairs the two; as a
string it is ``"reshuffle"`` (pruned weights zero) or ``"reshuffle+frozen"``.

>>> import torch
>>> w, mask = torch.tensor([0.5, -2.0, 1.0, -1.0]), torch.tensor([1, 1, 0, 1])
>>> start_weights("signed_constant", w, mask)
tensor([ 1.3769, -1.3769,  0.0000, -1.3769])
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils import prune

from .._checks import unknown_name_error

__all__ = [
    "INIT_VARIANTS",
    "PRUNED_VALUES",
    "FrozenPruning",
    "Variant",
    "ZeroPruning",
    "apply_mask",
    "fresh_init",
    "parse_variant",
    "start_weights",
]

INIT_VARIANTS = ("rewind", "reinit", "reshuffle", "signed_constant", "random_signed_constant")
PRUNED_VALUES = ("zero", "frozen")


@dataclass(frozen=True)
class Variant:
    """How a ticket is trained: its ``init`` variant and what its ``pruned`` weights hold.

    >>> Variant("reinit").name, Variant("rewind", "frozen").name
    ('reinit', 'rewind+frozen')
    """

    init: str = "rewind"
    pruned: str = "zero"

    def __post_init__(self):
        if self.init not in INIT_VARIANTS:
            raise unknown_name_error("init variant", str(self.init), INIT_VARIANTS, "variants")
        if self.pruned not in PRUNED_VALUES:
            raise unknown_name_error("pruned value", str(self.pruned), PRUNED_VALUES, "variants")

    @property
    def name(self) -> str:
        """``init``, with ``"+frozen"`` appended when pruned weights are frozen."""
        return self.init if self.pruned == "zero" else f"{self.init}+{self.pruned}"


def parse_variant(value, arg: str = "variants") -> Variant:
    """A :class:`Variant` from itself or from a name such as ``"rewind"`` or ``"reinit+frozen"``.

    >>> parse_variant("reshuffle+frozen")
    Variant(init='reshuffle', pruned='frozen')
    """
    if isinstance(value, Variant):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{arg}: expected a variant name (str) or Variant, got {value!r}")
    init, _, pruned = value.partition("+")
    names = [*INIT_VARIANTS, *(f"{v}+frozen" for v in INIT_VARIANTS)]
    if init not in INIT_VARIANTS or (pruned and pruned not in PRUNED_VALUES):
        raise unknown_name_error("variant", value, names, arg)
    return Variant(init, pruned or "zero")


def fresh_init(module: nn.Module, seed: int) -> torch.Tensor:
    """A new draw of ``module.weight`` from the module's own initializer, seeded.

    Runs ``reset_parameters()`` on a copy of the (unpruned) module under a forked,
    seeded RNG, so neither the module nor the global RNG state change.

    >>> from torch import nn
    >>> layer = nn.Linear(4, 3)
    >>> bool((fresh_init(layer, 1) == fresh_init(layer, 1)).all())
    True
    """
    work = copy.deepcopy(module)
    if prune.is_pruned(work):
        for hook in list(work._forward_pre_hooks.values()):
            if isinstance(hook, prune.BasePruningMethod):
                prune.remove(work, hook._tensor_name)
    if not hasattr(work, "reset_parameters"):
        raise TypeError(f"reinit: {type(module).__name__} has no reset_parameters()")
    devices = [work.weight.device.index or 0] if work.weight.is_cuda else []
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(int(seed))
        work.reset_parameters()
    return work.weight.detach().clone()


def start_weights(
    init: str,
    w: torch.Tensor,
    mask: torch.Tensor,
    *,
    seed: int = 0,
    module: nn.Module | None = None,
) -> torch.Tensor:
    """The values the kept weights start from under ``init`` (pruned entries are 0).

    Args:
        init: one of :data:`INIT_VARIANTS`.
        w: the layer's weights at the rewind point.
        mask: the layer's mask (nonzero = kept), same shape as ``w``.
        seed: seeds ``reinit``, ``reshuffle`` and ``random_signed_constant``.
        module: the layer, needed by ``reinit`` (its initializer draws the values).

    >>> import torch
    >>> w, mask = torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1, 0, 1, 1])
    >>> sorted(start_weights("reshuffle", w, mask).tolist())
    [0.0, 1.0, 3.0, 4.0]
    """
    init = Variant(init).init
    w = w.detach()
    keep = mask.to(device=w.device) != 0
    if keep.shape != w.shape:
        raise ValueError(f"mask: expected shape {tuple(w.shape)}, got {tuple(keep.shape)}")
    g = torch.Generator().manual_seed(int(seed))
    if init == "rewind":
        out = w.clone()
    elif init == "reinit":
        if module is None:
            raise TypeError("module: reinit needs the layer, to draw from its initializer")
        out = fresh_init(module, seed).to(w.device, w.dtype)
    elif init == "reshuffle":
        out = w.clone()
        kept = w[keep]
        out[keep] = kept[torch.randperm(kept.numel(), generator=g).to(w.device)]
    else:
        sigma = w.float().std().to(w.dtype)
        if init == "signed_constant":
            signs = torch.where(w >= 0, 1.0, -1.0).to(w.dtype)
        else:
            signs = (torch.randint(0, 2, w.shape, generator=g) * 2 - 1).to(w.device, w.dtype)
        out = signs * sigma
    return out * keep.to(w.dtype)


class ZeroPruning(prune.BasePruningMethod):
    """``prune.custom_from_mask`` without the per-forward multiply: pruned entries are kept at 0.

    Applying it zeroes the pruned entries of ``<name>_orig``; from then on the forward
    pass uses ``<name>_orig`` as it is (equal to ``orig * mask``, with no new tensor)
    and the backward pass multiplies the gradient by the mask, so the pruned entries
    get zero gradient and stay 0 under SGD, Adam and L2 weight decay. It saves one
    multiply and one weight-sized allocation per layer and step, which is most of the
    cost of training a pruned network on a CPU. Without autograd (evaluation) it
    returns ``orig * mask`` like ``custom_from_mask``, so writing to the pruned
    entries of ``<name>_orig`` by hand cannot leak into an evaluation.

    >>> import torch
    >>> from torch import nn
    >>> layer = nn.Linear(2, 2, bias=False)
    >>> _ = ZeroPruning.apply(layer, "weight", mask=torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
    >>> layer(torch.ones(1, 2)).sum().backward()
    >>> layer.weight_orig.grad
    tensor([[1., 0.],
            [1., 1.]])
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        """``default_mask`` times the given mask."""
        return default_mask * self.mask.to(device=default_mask.device, dtype=default_mask.dtype)

    def apply_mask(self, module):
        """``orig`` itself (pruned entries are 0; its gradient hook masks the gradient);
        ``orig * mask`` without grad."""
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        if torch.is_grad_enabled() and orig.requires_grad:
            # A view, not the Parameter: assigning a Parameter would register `<name>`.
            return orig.view_as(orig)
        return orig * mask.to(dtype=orig.dtype)

    @classmethod
    def apply(cls, module, name, mask):  # type: ignore[override]
        """Reparametrize ``module.<name>`` with ``mask``, zeroing its pruned entries."""
        method = super().apply(module, name, mask=mask)
        orig = getattr(module, name + "_orig")
        with torch.no_grad():
            orig.mul_(getattr(module, name + "_mask").to(dtype=orig.dtype))

        # The gradient is masked by a hook on the parameter, not by an autograd function in
        # every forward pass: that Python call per layer and step was most of the
        # remaining cost of a pruned step (measured on LeNet-300-100, 1 CPU thread).
        def mask_gradient(grad):
            mask = getattr(module, name + "_mask", None)  # gone after prune.remove
            return grad if mask is None else grad * mask.to(dtype=grad.dtype)

        orig.register_hook(mask_gradient)
        setattr(module, name, method.apply_mask(module))
        return method


class FrozenPruning(prune.BasePruningMethod):
    """A ``torch.nn.utils.prune`` mask whose pruned weights keep fixed values instead of 0.

    The effective weight is ``orig * mask + frozen * (1 - mask)``: pruned entries take
    part in the forward pass with the value in the ``<name>_frozen`` buffer, and the
    gradient reaching ``<name>_orig`` is zero there. Apply it with
    ``FrozenPruning.apply(module, name, mask=mask, frozen=values)``.

    >>> import torch
    >>> from torch import nn
    >>> layer = nn.Linear(2, 1, bias=False)
    >>> _ = FrozenPruning.apply(layer, "weight", mask=torch.tensor([[1.0, 0.0]]),
    ...                         frozen=torch.tensor([[9.0, 7.0]]))
    >>> layer.weight_orig.data = torch.tensor([[1.0, 5.0]])
    >>> layer(torch.ones(1, 2)).item()
    8.0
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask, frozen=None):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        """``default_mask`` times the given mask."""
        return default_mask * self.mask.to(device=default_mask.device, dtype=default_mask.dtype)

    def apply_mask(self, module):
        """``orig * mask + frozen * (1 - mask)``."""
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        frozen = getattr(module, self._tensor_name + "_frozen")
        mask = mask.to(dtype=orig.dtype)
        return orig * mask + frozen * (1 - mask)

    @classmethod
    def apply(cls, module, name, mask, frozen):  # type: ignore[override]
        """Reparametrize ``module.<name>`` with ``mask``; pruned entries hold ``frozen``."""
        weight = getattr(module, name)
        module.register_buffer(
            name + "_frozen", frozen.detach().to(weight.device, weight.dtype).clone()
        )
        return super().apply(module, name, mask=mask)


def apply_mask(module: nn.Module, mask: torch.Tensor, pruned: str = "zero", frozen=None):
    """Prune ``module.weight`` with ``mask`` through ``torch.nn.utils.prune``.

    ``pruned="zero"`` uses :class:`ZeroPruning` (``prune.custom_from_mask``'s result,
    cheaper to train); ``"frozen"`` uses :class:`FrozenPruning` with ``frozen`` (the
    pruned entries' fixed values).

    >>> import torch
    >>> from torch import nn
    >>> layer = apply_mask(nn.Linear(2, 2), torch.tensor([[1, 0], [0, 1]]))
    >>> int((layer.weight == 0).sum())
    2
    """
    mask = mask.to(device=module.weight.device, dtype=module.weight.dtype)
    if pruned == "zero":
        ZeroPruning.apply(module, "weight", mask=mask)
    elif pruned == "frozen":
        if frozen is None:
            raise TypeError("frozen: the frozen variant needs the pruned weights' values")
        FrozenPruning.apply(module, "weight", mask=mask, frozen=frozen)
    else:
        raise unknown_name_error("pruned value", str(pruned), PRUNED_VALUES, "pruned")
    return module
