"""Bad arguments to the lottery entry points raise errors that name the argument."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.lottery import criteria_table, imp, layer_rates, prunable_layers, train_supermask

from .conftest import FAST


@pytest.fixture
def data():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(20, 1, 8, 8, generator=g)
    return x, torch.arange(20) % 10


@pytest.mark.parametrize("rate", [0, 1, 1.5, -0.2, float("nan")])
def test_rate_outside_zero_one(lenet, data, rate):
    with pytest.raises(ValueError, match="rate"):
        imp(lenet, data, data, rate=rate, **FAST)


def test_rate_not_a_number(lenet, data):
    with pytest.raises(TypeError, match="rate"):
        imp(lenet, data, data, rate="0.2", **FAST)


@pytest.mark.parametrize(("rounds", "error"), [(0, ValueError), (-1, ValueError),
                                               (1.5, TypeError)])  # fmt: skip
def test_rounds_below_one(lenet, data, rounds, error):
    with pytest.raises(error, match="rounds"):
        imp(lenet, data, data, rounds=rounds, **FAST)


def test_model_without_prunable_layers(data):
    model = nn.Sequential(nn.Flatten(), nn.ReLU())
    with pytest.raises(ValueError, match="model: has no prunable layer"):
        imp(model, data, data, **FAST)
    with pytest.raises(TypeError, match="model"):
        imp("lenet", data, data, **FAST)


def test_unknown_layer_names_get_close_matches(lenet, data):
    with pytest.raises(ValueError, match="layers") as err:
        imp(lenet, data, data, layers=["fc3"], **FAST)
    assert "Did you mean" in str(err.value) and "'fc1'" in str(err.value)
    with pytest.raises(TypeError, match="layers: 'relu1' is a ReLU"):
        prunable_layers(lenet, "relu1")


def test_layer_rates_checked(lenet, data):
    with pytest.raises(ValueError, match="layer_rates") as err:
        imp(lenet, data, data, layer_rates={"logit": 0.1}, **FAST)
    assert "'logits'" in str(err.value)
    with pytest.raises(ValueError, match=r"layer_rates\['logits'\]"):
        layer_rates(["fc1", "logits"], 0.2, {"logits": 2.0})
    with pytest.raises(ValueError, match="layer_rates"):
        imp(lenet, data, data, scope="global", layer_rates={"logits": 0.1}, **FAST)


def test_unknown_criterion_scope_and_variant(lenet, data):
    with pytest.raises(ValueError, match="criterion") as err:
        imp(lenet, data, data, criterion="magnitude", **FAST)
    assert "'large_final'" in str(err.value) and "'movement'" in str(err.value)
    with pytest.raises(ValueError, match="scope"):
        imp(lenet, data, data, scope="per_layer", **FAST)
    with pytest.raises(ValueError, match="variants"):
        imp(lenet, data, data, variants=["rewind", "random_init"], **FAST)
    with pytest.raises(ValueError, match="variants: each variant once"):
        imp(lenet, data, data, variants=["rewind", "rewind"], **FAST)
    with pytest.raises(ValueError, match="criteria"):
        criteria_table(lenet, data, data, criteria=["biggest"], **FAST)


def test_callbacks_and_rewind_point_checked(lenet, data):
    with pytest.raises(TypeError, match="should_stop"):
        imp(lenet, data, data, should_stop=True, **FAST)
    with pytest.raises(TypeError, match="on_round"):
        imp(lenet, data, data, on_round="print", **FAST)
    with pytest.raises(ValueError, match="rewind_iteration"):
        imp(lenet, data, data, rewind_iteration=1000, **FAST)
    with pytest.raises(ValueError, match="rewind_iteration"):
        imp(lenet, data, data, rewind_iteration=-1, **FAST)


def test_supermask_arguments(lenet, data):
    with pytest.raises(ValueError, match="mode") as err:
        train_supermask(lenet, data, data, mode="bernoulli", progress=False)
    assert "'sample'" in str(err.value)
    with pytest.raises(ValueError, match="density"):
        train_supermask(lenet, data, data, mode="topk", density=0.0, progress=False)
    with pytest.raises(ValueError, match="init"):
        train_supermask(lenet, data, data, init="kaiming", progress=False)
