"""The shared input checks: meta-device models, probe forwards, label ranges, flags, numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz._checks import check_bool, check_number, check_seed, is_number
from nbviz.models import SmallCNN, capture_activations, evaluate, train
from nbviz.models._inputs import check_label_range, check_not_meta, probe_forward


def _meta_cnn():
    with torch.device("meta"):
        return SmallCNN(in_shape=(1, 8, 8))


def test_meta_models_are_refused_by_everything_that_runs_them(digits_test):
    meta = _meta_cnn()
    for run in (
        lambda: capture_activations(meta, digits_test, "fc1"),
        lambda: train(meta, digits_test, epochs=1, progress=False),
        lambda: evaluate(meta, digits_test),
    ):
        with pytest.raises(
            ValueError, match=r"model: its parameters are on the meta device"
        ) as err:
            run()
        assert "to_empty(device='cpu')" in str(err.value) and "load_state_dict" in str(err.value)


def test_a_meta_model_loaded_with_real_weights_runs(digits_test):
    real = SmallCNN(in_shape=(1, 8, 8))
    meta = _meta_cnn()
    meta.to_empty(device="cpu")
    meta.load_state_dict(real.state_dict())
    assert check_not_meta(meta) is meta
    acts = capture_activations(meta, digits_test.images[:5], "fc1")["fc1"]
    torch.testing.assert_close(
        acts, capture_activations(real, digits_test.images[:5], "fc1")["fc1"]
    )


def test_probe_forward_runs_one_eval_pass_and_restores_the_mode():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).train()
    before = model[1].running_mean.clone()
    out = probe_forward(model, torch.randn(1, 4), "data")  # one item: fine in eval mode
    assert out.shape == (1, 3) and model.training and model[1].training
    assert torch.equal(model[1].running_mean, before)  # the statistics did not move
    with pytest.raises(ValueError, match=r"data: the model failed on a batch of shape \(1, 5\)"):
        probe_forward(model, torch.randn(1, 5), "data", "; a hint")
    assert model.training


def test_label_range_is_checked_against_the_outputs():
    model = nn.Linear(4, 3)
    check_label_range(model, torch.zeros(2, 4), torch.tensor([0, 2]), "train_data")
    with pytest.raises(ValueError, match=r"train_data: labels go up to 3.*outputs 3 classes"):
        check_label_range(model, torch.zeros(2, 4), torch.tensor([0, 3]), "train_data")
    with pytest.raises(ValueError, match=r"model: expected class scores"):
        check_label_range(nn.Flatten(0), torch.zeros(2, 4), torch.tensor([0, 1]), "data")


def test_bools_must_be_bools(digits_test):
    assert check_bool(np.bool_(False), "flag") is False
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="flag: expected True or False"):
            check_bool(bad, "flag")
    with pytest.raises(TypeError, match="flatten"):
        capture_activations(SmallCNN(in_shape=(1, 8, 8)), digits_test, "fc1", flatten="yes")
    with pytest.raises(TypeError, match="progress"):
        train(SmallCNN(in_shape=(1, 8, 8)), digits_test, epochs=1, progress="no")
    with pytest.raises(TypeError, match="batch_norm"):
        SmallCNN(in_shape=(1, 8, 8), batch_norm="off")


def test_numpy_scalars_are_numbers(digits_test):
    assert is_number(np.float32(1.5)) and is_number(np.int64(2)) and not is_number(np.bool_(1))
    assert check_number(np.int64(5), "n", positive=True) == 5.0
    assert check_seed(np.int32(7)) == 7
    with pytest.raises(TypeError, match="seed"):
        check_seed(1.0)
    model = SmallCNN(in_shape=(1, 8, 8))
    res = train(model, digits_test, epochs=np.int64(1), lr=np.float32(1e-3), seed=np.int64(0),
                weight_decay=np.float64(0.0), progress=False)  # fmt: skip
    assert res.settings["seed"] == 0 and isinstance(res.settings["lr"], float)
