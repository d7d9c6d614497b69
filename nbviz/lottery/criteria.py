"""Mask criteria: which weights a pruning round keeps, as importance scores for torch's pruning.

A criterion turns a layer's weights at the start of training (``w_init``) and at its end
(``w_final``) into one score per weight; a round keeps the highest scores and prunes the
lowest (Zhou et al. 2019, arXiv:1905.01067, section 2):

====================== ===========================================
criterion              score (higher is kept)
====================== ===========================================
large_final            ``|w_f|`` (Frankle & Carbin's magnitude pruning)
small_final            ``-|w_f|``
random                 a seeded random number
large_init             ``|w_i|``
small_init             ``-|w_i|``
large_init_large_final ``min(|w_i|, |w_f|)`` (large at both ends)
small_init_small_final ``-max(|w_i|, |w_f|)`` (small at both ends)
magnitude_increase     ``|w_f| - |w_i|``
movement               ``|w_f - w_i|``
====================== ===========================================

The scores go to :class:`ImportancePruning`, a ``torch.nn.utils.prune`` method, as its
``importance_scores``; applied again to a pruned tensor, torch's ``PruningContainer``
hands it only the weights still alive, so pruned weights stay pruned and masks nest.

>>> import torch
>>> from torch import nn
>>> from torch.nn.utils import prune
>>> layer = nn.Linear(4, 2)
>>> scores = criterion_scores("large_final", layer.weight, torch.arange(8.0).view(2, 4))
>>> _ = ImportancePruning.apply(layer, "weight", amount=3, importance_scores=scores)
>>> layer.weight_mask
tensor([[0., 0., 0., 1.],
        [1., 1., 1., 1.]])
"""

from __future__ import annotations

import torch
from torch.nn.utils import prune

from .._checks import unknown_name_error

__all__ = ["CRITERIA", "ImportancePruning", "check_criterion", "criterion_scores", "rank_low_first"]

CRITERIA = (
    "large_final",
    "small_final",
    "random",
    "large_init",
    "small_init",
    "large_init_large_final",
    "small_init_small_final",
    "magnitude_increase",
    "movement",
)


def check_criterion(criterion, arg: str = "criterion") -> str:
    """Return ``criterion`` if it names one of :data:`CRITERIA`, else raise naming ``arg``.

    >>> check_criterion("movement")
    'movement'
    """
    if not isinstance(criterion, str):
        raise TypeError(f"{arg}: expected a criterion name (str), got {type(criterion).__name__}")
    if criterion not in CRITERIA:
        raise unknown_name_error("mask criterion", criterion, CRITERIA, arg)
    return criterion


def criterion_scores(
    criterion: str, w_init: torch.Tensor, w_final: torch.Tensor, *, seed: int = 0
) -> torch.Tensor:
    """One importance score per weight (higher is kept), by the table in the module docs.

    ``w_init`` and ``w_final`` are the same layer's weights before and after training.
    ``"random"`` draws its scores from a generator seeded with ``seed``.

    >>> import torch
    >>> w_i, w_f = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([-3.0, 1.0, 0.5])
    >>> criterion_scores("magnitude_increase", w_i, w_f)
    tensor([ 2., -1.,  0.])
    >>> criterion_scores("movement", w_i, w_f)
    tensor([4., 3., 0.])
    """
    check_criterion(criterion)
    if not isinstance(w_init, torch.Tensor) or not isinstance(w_final, torch.Tensor):
        raise TypeError("w_init, w_final: expected tensors")
    if w_init.shape != w_final.shape:
        raise ValueError(
            f"w_init, w_final: expected the same shape, got {tuple(w_init.shape)} "
            f"and {tuple(w_final.shape)}"
        )
    wi, wf = w_init.detach().float(), w_final.detach().float()
    ai, af = wi.abs(), wf.abs()
    if criterion == "large_final":
        return af
    if criterion == "small_final":
        return -af
    if criterion == "random":
        g = torch.Generator().manual_seed(int(seed))
        return torch.rand(wf.shape, generator=g).to(wf.device)
    if criterion == "large_init":
        return ai
    if criterion == "small_init":
        return -ai
    if criterion == "large_init_large_final":
        return torch.minimum(ai, af)
    if criterion == "small_init_small_final":
        return -torch.maximum(ai, af)
    if criterion == "magnitude_increase":
        return af - ai
    return (wf - wi).abs()  # movement


def rank_low_first(scores: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Indices of the flattened ``scores`` from lowest to highest, ties in seeded random order.

    The ties are broken by a random permutation from a generator seeded with ``seed``
    (the same seed gives the same order), not by position.

    >>> import torch
    >>> rank_low_first(torch.tensor([3.0, 1.0, 2.0])).tolist()
    [1, 2, 0]
    """
    flat = scores.detach().reshape(-1)
    g = torch.Generator().manual_seed(int(seed))
    perm = torch.randperm(flat.numel(), generator=g).to(flat.device)
    order = torch.sort(flat[perm], stable=True).indices
    return perm[order]


class ImportancePruning(prune.BasePruningMethod):
    """Prune the ``amount`` lowest-scoring weights still alive (unstructured), ties at random.

    A ``torch.nn.utils.prune`` method: use it with ``ImportancePruning.apply(module,
    name, amount=k, importance_scores=s)`` or with ``prune.global_unstructured(...,
    pruning_method=ImportancePruning, importance_scores={...}, amount=k)``.

    Args:
        amount: how many of the weights still alive to prune: an integer count, or a
            float in ``[0, 1]`` for that fraction of them (rounded to nearest).
        seed: seeds the random order among tied scores.

    >>> import torch
    >>> method = ImportancePruning(amount=2)
    >>> method.compute_mask(torch.tensor([5.0, 1.0, 3.0, 2.0]), torch.ones(4))
    tensor([1., 0., 1., 0.])
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount, seed: int = 0):
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            raise TypeError(f"amount: expected an int or float, got {type(amount).__name__}")
        if amount < 0 or (isinstance(amount, float) and amount > 1):
            raise ValueError(f"amount: expected a count >= 0 or a fraction in [0, 1], got {amount}")
        self.amount = amount
        self.seed = int(seed)

    def compute_mask(self, t, default_mask):
        """The new mask: ``default_mask`` with the lowest-scoring live entries of ``t`` zeroed."""
        mask = default_mask.clone()
        flat_mask = mask.view(-1)
        alive = (flat_mask != 0).nonzero().squeeze(1)
        n_alive = alive.numel()
        k = self.amount if isinstance(self.amount, int) else int(self.amount * n_alive + 0.5)
        if k > n_alive:
            raise ValueError(f"amount: asked to prune {k} weights but only {n_alive} are left")
        if k == 0:
            return mask
        order = rank_low_first(t.reshape(-1)[alive], self.seed)
        flat_mask[alive[order[:k]]] = 0
        return mask
