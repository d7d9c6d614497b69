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


def test_labels_past_the_models_outputs_are_named_before_training(lenet, data):
    x, y = data
    too_big = y.clone()
    too_big[3] = 12  # LeNet here has 10 outputs
    with pytest.raises(ValueError, match=r"train_data: labels go up to 12.*outputs 10 classes"):
        imp(lenet, (x, too_big), data, **FAST)
    with pytest.raises(ValueError, match=r"test_data: labels go up to 12"):
        imp(lenet, data, (x, too_big), **FAST)
    with pytest.raises(ValueError, match=r"train_data: labels go up to 12"):
        train_supermask(lenet, (x, too_big), data, **FAST)


def test_meta_models_are_named(data):
    from nbviz.lottery import fit
    from nbviz.models import LeNet300100

    with torch.device("meta"):
        meta = LeNet300100(in_shape=(1, 8, 8))
    for run in (
        lambda: imp(meta, data, data, **FAST),
        lambda: train_supermask(meta, data, data, **FAST),
        lambda: criteria_table(meta, data, data, **FAST),
        lambda: fit(meta, data, epochs=1),
    ):
        with pytest.raises(ValueError, match=r"model: its parameters are on the meta device"):
            run()


@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda m, d: imp(m, d, d, **{**FAST, "progress": "no"}), "progress"),
        (lambda m, d: imp(m, d, d, keep_weights=1, **FAST), "keep_weights"),
        (lambda m, d: train_supermask(m, d, d, rescale="yes", **FAST), "rescale"),
        (lambda m, d: criteria_table(m, d, d, **{**FAST, "progress": None}), "progress"),
    ],
)
def test_flags_must_be_bools(lenet, data, call, arg):
    with pytest.raises(TypeError, match=f"{arg}: expected True or False"):
        call(lenet, data)


def test_accuracy_takes_data_and_labels(lenet, digits_test):
    import numpy as np

    from nbviz.lottery import accuracy, fit

    x, y = digits_test.images, digits_test.labels
    with torch.no_grad():
        pred = lenet.eval()(x).argmax(1)
    acc = accuracy(lenet, digits_test)  # the dataset's own labels
    assert acc == pytest.approx(float((pred == y).float().mean()))
    assert (
        acc == accuracy(lenet, x, y) == accuracy(lenet, (x, y)) == accuracy(lenet, data=x, labels=y)
    )
    zeros = torch.zeros_like(y)  # labels= replaces the data's own
    assert accuracy(lenet, digits_test, labels=zeros) == pytest.approx(
        float((pred == 0).float().mean())
    )
    with pytest.raises(ValueError, match="labels: needed"):
        accuracy(lenet, x)
    with pytest.raises(ValueError, match="data labels: expected 359 labels"):
        accuracy(lenet, x, y[:10])
    res = fit(lenet, digits_test, epochs=1, seed=np.int64(0), lr=np.float32(1e-3))
    assert len(res.history["epoch"]) == 1


def test_supermask_pruning_rescale_is_a_bool():
    from nbviz.lottery import SupermaskPruning

    with pytest.raises(TypeError, match="rescale: expected True or False"):
        SupermaskPruning(mode="topk", rescale="yes")
    assert SupermaskPruning(mode="topk", rescale=True).rescale is True
