"""Lottery tickets and supermasks on ``torch.nn.utils.prune``: IMP, criteria, re-init variants.

* :func:`imp`: iterative magnitude pruning (Frankle & Carbin) with any criterion, layerwise
  or global rates, rewinding to init or iteration ``k``, several ticket variants per
  round; returns an :class:`IMPResult` (``figure()``, ``to_dict()``).
* :data:`CRITERIA` / :func:`criterion_scores` / :class:`ImportancePruning`: the mask
  criteria of Zhou et al. (arXiv:1905.01067) as importance scores for torch's pruning.
* :data:`INIT_VARIANTS` / :class:`Variant` / :func:`make_ticket`: rewind, reinit,
  reshuffle, signed constant, random-sign constant; pruned weights zero or frozen
  (:class:`FrozenPruning`).
* :func:`fit`: the small in-memory trainer they all use (fused Adam/SGD, whole tensors
  on the device, ``device="auto"`` = CUDA when present).
* :func:`train_supermask` (:class:`SupermaskPruning`): learn a mask over an untrained
  network; :func:`criteria_table`: the accuracy of each criterion's mask on it.

Nothing here imports ipywidgets: the widget drives :func:`imp` through ``on_round`` and
``should_stop``.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.lottery import imp
>>> from nbviz.models import LeNet300100
>>> _ = torch.manual_seed(0)
>>> result = imp(LeNet300100(in_shape=(1, 8, 8)), digits("train").subset(500),
...              digits("test"), rounds=2, rate=0.5, epochs=2, lr=3e-3, progress=False)
>>> len(result.records), round(result.records[-1].density, 2)
(3, 0.26)
>>> fig = result.figure()
"""

from .criteria import CRITERIA, ImportancePruning, check_criterion, criterion_scores, rank_low_first
from .iterative import SCOPES, IMPResult, RoundRecord, check_variants, imp
from .layers import PRUNABLE_TYPES, current_masks, layer_rates, prunable_layers, target_kept
from .supermask import (
    SUPERMASK_MODES,
    CriteriaTable,
    SupermaskPruning,
    SupermaskResult,
    criteria_table,
    train_supermask,
)
from .tickets import make_ticket, weights_of
from .training import FitResult, Stopped, accuracy, fit, stop_check
from .variants import (
    INIT_VARIANTS,
    PRUNED_VALUES,
    FrozenPruning,
    Variant,
    ZeroPruning,
    apply_mask,
    fresh_init,
    parse_variant,
    start_weights,
)

__all__ = [
    "CRITERIA",
    "INIT_VARIANTS",
    "PRUNABLE_TYPES",
    "PRUNED_VALUES",
    "SCOPES",
    "SUPERMASK_MODES",
    "CriteriaTable",
    "FitResult",
    "FrozenPruning",
    "IMPResult",
    "ImportancePruning",
    "RoundRecord",
    "Stopped",
    "SupermaskPruning",
    "SupermaskResult",
    "Variant",
    "ZeroPruning",
    "accuracy",
    "apply_mask",
    "check_criterion",
    "check_variants",
    "criteria_table",
    "criterion_scores",
    "current_masks",
    "fit",
    "fresh_init",
    "imp",
    "layer_rates",
    "make_ticket",
    "parse_variant",
    "prunable_layers",
    "rank_low_first",
    "start_weights",
    "stop_check",
    "target_kept",
    "train_supermask",
    "weights_of",
]
