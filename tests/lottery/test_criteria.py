"""Mask criteria: each ranking on a hand-made tensor, seeded ties, pruned weights stay pruned."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from nbviz.lottery import (
    CRITERIA,
    ImportancePruning,
    check_criterion,
    criterion_scores,
    rank_low_first,
)

# Six weights with distinct values under every criterion.
W_INIT = torch.tensor([0.1, -0.9, 0.5, -0.3, 0.7, 0.2])
W_FINAL = torch.tensor([0.8, -0.2, -0.6, 0.05, 0.75, -0.4])
# Which indices survive when 3 of 6 are pruned, worked out by hand from the definitions.
#   |w_i|          = .1 .9 .5 .3 .7 .2       |w_f| = .8 .2 .6 .05 .75 .4
#   min(|wi|,|wf|) = .1 .2 .5 .05 .7 .2      max   = .8 .9 .6 .3 .75 .4
#   |wf|-|wi|      = .7 -.7 .1 -.25 .05 .2   |wf-wi| = .7 .7 1.1 .35 .05 .6
KEPT_BY_HAND = {
    "large_final": {0, 2, 4},
    "small_final": {1, 3, 5},
    "large_init": {1, 2, 4},
    "small_init": {0, 3, 5},
    "large_init_large_final": {2, 4, 1},  # .5 .7 and .2 (tie .2 at 1 and 5: see below)
    "small_init_small_final": {3, 5, 2},
    "magnitude_increase": {0, 2, 5},
    "movement": {2, 0, 1},  # 1.1, then .7 and .7 (a tie, both kept)
}


def _kept(criterion, k=3, seed=0):
    scores = criterion_scores(criterion, W_INIT, W_FINAL, seed=seed)
    mask = ImportancePruning(amount=k, seed=seed).compute_mask(scores, torch.ones(6))
    return set(mask.nonzero().flatten().tolist())


@pytest.mark.parametrize(
    "criterion",
    [
        "large_final",
        "small_final",
        "large_init",
        "small_init",
        "small_init_small_final",
        "magnitude_increase",
        "movement",
    ],
)
def test_each_criterion_keeps_what_its_definition_says(criterion):
    assert _kept(criterion) == KEPT_BY_HAND[criterion]


def test_large_init_large_final_keeps_the_two_large_and_one_of_the_tie():
    # Scores .1 .2 .5 .05 .7 .2: indices 2 and 4 for sure, then one of the tied 1 and 5.
    kept_sets = [_kept("large_init_large_final", seed=s) for s in range(20)]
    assert all({2, 4} < kept and len(kept) == 3 for kept in kept_sets)
    assert {frozenset(k) for k in kept_sets} == {frozenset({1, 2, 4}), frozenset({2, 4, 5})}


def test_random_criterion_is_seeded():
    a = criterion_scores("random", W_INIT, W_FINAL, seed=3)
    assert torch.equal(a, criterion_scores("random", W_INIT, W_FINAL, seed=3))
    assert not torch.equal(a, criterion_scores("random", W_INIT, W_FINAL, seed=4))


def test_ties_are_broken_by_the_seed_not_by_position():
    scores = torch.zeros(100)
    masks = [
        ImportancePruning(amount=50, seed=s).compute_mask(scores, torch.ones(100)) for s in range(5)
    ]
    assert all(int(m.sum()) == 50 for m in masks)
    assert torch.equal(
        masks[0], ImportancePruning(amount=50, seed=0).compute_mask(scores, torch.ones(100))
    )
    assert len({tuple(m.tolist()) for m in masks}) == 5
    assert not torch.equal(masks[0], (torch.arange(100) >= 50).float())  # not the first 50


def test_rank_low_first_orders_scores():
    scores = torch.tensor([0.3, -1.0, 2.0, 0.0])
    assert rank_low_first(scores).tolist() == [1, 3, 0, 2]


def test_pruned_weights_stay_pruned_and_masks_nest():
    layer = nn.Linear(10, 10)
    first = torch.arange(100.0).view(10, 10)  # prunes the low indices first
    ImportancePruning.apply(layer, "weight", amount=30, importance_scores=first)
    mask1 = layer.weight_mask.clone()
    # Now scores that would favour exactly the weights already pruned.
    ImportancePruning.apply(layer, "weight", amount=20, importance_scores=-first)
    mask2 = layer.weight_mask
    assert int(mask1.sum()) == 70 and int(mask2.sum()) == 50
    assert bool((mask2 <= mask1).all())
    assert isinstance(layer._forward_pre_hooks[next(iter(layer._forward_pre_hooks))],
                      prune.PruningContainer)  # fmt: skip
    # The 20 pruned in round 2 are the highest of the alive ones (lowest under -first).
    assert mask2.flatten()[80:].sum() == 0 and mask2.flatten()[30:80].sum() == 50


def test_fraction_amount_rounds_to_nearest():
    mask = ImportancePruning(amount=0.25).compute_mask(torch.arange(10.0), torch.ones(10))
    assert int(mask.sum()) == 7  # 2.5 -> 3 pruned (half up)


def test_asking_for_more_than_is_left_fails():
    with pytest.raises(ValueError, match="amount"):
        ImportancePruning(amount=5).compute_mask(torch.arange(4.0), torch.ones(4))


def test_unknown_criterion_lists_the_valid_ones():
    with pytest.raises(ValueError, match="criterion") as err:
        check_criterion("large-final")
    assert "'large_final'" in str(err.value)
    for name in CRITERIA:
        assert repr(name) in str(err.value)
    with pytest.raises(TypeError, match="criterion"):
        check_criterion(3)


def test_scores_need_matching_shapes():
    with pytest.raises(ValueError, match="w_init, w_final"):
        criterion_scores("movement", torch.ones(3), torch.ones(4))
