"""Supermasks: straight-through gradients, frozen weights, accuracy far above chance."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from nbviz.lottery import CRITERIA, SupermaskPruning, criteria_table, train_supermask

from .conftest import FAST


def test_sample_mode_straight_through_gradient_reaches_the_scores():
    torch.manual_seed(0)
    layer = nn.Linear(5, 3, bias=False)
    w = layer.weight.detach().clone()
    scores = torch.randn(3, 5)
    SupermaskPruning.apply(layer, "weight", scores=scores, mode="sample")
    x = torch.randn(4, 5)
    layer.train()
    layer(x).sum().backward()
    sig = torch.sigmoid(scores)
    # d(sum)/d(weight) = column sums of x, per output row; through orig * sigmoid(scores).
    want = x.sum(0).expand(3, 5) * w * sig * (1 - sig)
    assert torch.allclose(layer.weight_scores.grad, want, atol=1e-6)
    assert layer.weight_orig.grad is None  # the weights are frozen
    hard = layer.weight_mask
    assert set(hard.unique().tolist()) <= {0.0, 1.0}
    assert torch.allclose(layer.weight, w * hard)  # forward uses the sampled hard mask


def test_sample_mode_evaluates_with_the_threshold_mask():
    layer = nn.Linear(4, 1, bias=False)
    scores = torch.tensor([[2.0, -1.0, 0.5, -3.0]])
    SupermaskPruning.apply(layer, "weight", scores=scores, mode="sample")
    layer.eval()
    layer(torch.ones(1, 4))
    assert layer.weight_mask.tolist() == [[1.0, 0.0, 1.0, 0.0]]


def test_topk_mode_keeps_exactly_k_and_passes_gradient_straight():
    torch.manual_seed(1)
    layer = nn.Linear(10, 6, bias=False)
    w = layer.weight.detach().clone()
    scores = torch.randn(6, 10)
    SupermaskPruning.apply(layer, "weight", scores=scores, mode="topk", density=0.25)
    x = torch.randn(3, 10)
    layer(x).sum().backward()
    mask = layer.weight_mask
    assert int(mask.sum()) == 15
    size = scores.abs()  # ranked by |score|, as in edge-popup
    assert float(size[mask.bool()].min()) > float(size[~mask.bool()].max())
    want = x.sum(0).expand(6, 10) * w * scores.sign()  # straight through, then through |.|
    assert torch.allclose(layer.weight_scores.grad, want, atol=1e-6)


def test_rescale_scales_the_kept_weights_by_weights_over_kept():
    layer = nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))
    scores = torch.tensor([[3.0, -1.0, 2.0, -2.0]])  # keeps weights 0 and 2
    SupermaskPruning.apply(layer, "weight", scores=scores, mode="topk", density=0.5,
                           rescale=True)  # fmt: skip
    out = layer(torch.ones(1, 4))
    assert layer.weight.tolist() == [[2.0, 0.0, 6.0, 0.0]]  # x (4 weights / 2 kept)
    assert out.item() == pytest.approx(8.0)


def test_rescaled_supermask_goes_further_on_digits(digits_train, digits_test):
    """Zhou et al.'s dynamic weight rescaling, same seed and epochs (0.62 vs 0.81 seen)."""
    from nbviz.models import LeNet300100

    acc = {}
    for rescale in (False, True):
        torch.manual_seed(0)
        res = train_supermask(LeNet300100(in_shape=(1, 8, 8)), digits_train, digits_test,
                              epochs=3, progress=False, rescale=rescale)  # fmt: skip
        assert res.settings["rescale"] is rescale
        acc[rescale] = res.accuracy
    assert acc[True] > acc[False] + 0.1, acc


@pytest.fixture(scope="module")
def supermask(digits_train, digits_test):
    torch.manual_seed(0)
    from nbviz.models import LeNet300100

    model = LeNet300100(in_shape=(1, 8, 8))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fast = {**FAST, "epochs": 8}
    fast.pop("lr")
    res = train_supermask(model, digits_train, digits_test, samples=2, **fast)
    return model, before, res


def test_supermask_on_digits_beats_chance_clearly(supermask):
    _, _, res = supermask
    assert res.chance == pytest.approx(0.1)
    assert res.accuracy > 0.6  # chance is 0.1; about 0.8 seen
    assert res.sampled_accuracy > 0.5
    assert 0.2 < res.density < 0.8


def test_only_the_scores_train(supermask):
    model, before, res = supermask
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    net = res.model
    for name in ("fc1", "fc2", "logits"):
        layer = getattr(net, name)
        assert torch.equal(layer.weight_orig, before[f"{name}.weight"])
        assert torch.equal(layer.bias, before[f"{name}.bias"])
        assert torch.equal(layer.weight_mask.bool().cpu(), res.masks[name])
    json.dumps(res.to_dict())
    assert res.figure().axes[0].get_lines()


def test_topk_supermask_keeps_the_density(digits_train, digits_test, lenet):
    res = train_supermask(lenet, digits_train, digits_test, mode="topk", density=0.3,
                          init="signed_constant", epochs=2, lr=0.01, progress=False)  # fmt: skip
    for name, kept in res.kept.items():
        assert kept == int(0.3 * res.sizes[name] + 0.5)
    assert res.accuracy > 0.3


def test_criteria_table_has_every_criterion(digits_train, digits_test, lenet):
    table = criteria_table(lenet, digits_train, digits_test, rate=0.8, **FAST)
    assert [r["criterion"] for r in table.rows] == [c for c in CRITERIA for _ in range(2)]
    assert table.dense_accuracy > 0.9
    # 80% pruned in fc1/fc2, 40% in logits.
    want = (0.2 * (19200 + 30000) + 0.6 * 1000) / 50200
    assert table.density == pytest.approx(want, abs=1e-4)
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in table.rows)
    # Zhou et al.: masks that keep large final weights make the untrained net far better
    # than chance, random masks do not (about 0.6 against 0.1 on digits).
    for init in ("rewind", "signed_constant"):
        assert table.accuracy("large_final", init) > table.accuracy("random", init) + 0.2
        assert table.accuracy("magnitude_increase", init) > table.accuracy("random", init) + 0.2
    json.dumps(table.to_dict())
    assert len(table.figure().axes[0].patches) == 2 * len(CRITERIA)


def test_supermask_stops_after_the_epoch_it_is_asked_to(digits_train, digits_test, lenet):
    res = train_supermask(lenet, digits_train, digits_test, epochs=5, progress=False,
                          should_stop=lambda: True)  # fmt: skip
    assert res.stopped
    assert res.history["epoch"] == [1]
    assert 0.0 <= res.accuracy <= 1.0
