"""LDAM's input shapes (given, from data, declared, inferred), clear errors for inputs the
model cannot take, and the vocabulary's argument names."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.ldam import (
    DiscriminatorPrior,
    History,
    Sampler,
    TradeoffCurve,
    activation_maximization,
    capture,
    class_logit,
    class_logits,
    default_groups,
    kmeans,
    neuron,
    neurons,
    perturb,
    top_k_real,
    tradeoff_curve,
)
from nbviz.ldam._shapes import first_layer_shape
from nbviz.models import SmallCNN


def _mlp():
    """A user's own model: no in_shape, a Flatten then a Linear."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).eval()


def _convnet():
    """A user's own conv model: its first layer cannot tell H and W."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 10)
    ).eval()


def test_sampler_infers_the_shape_from_a_first_linear_layer():
    s = Sampler(_mlp(), class_logit(3), n_chains=4, seed=0)
    assert s.input_shape == (64,) and s.x.shape == (4, 64) and s.data is None
    assert s.run(3) == 3


def test_sampler_takes_the_shape_from_data(digits_train):
    s = Sampler(_convnet(), neurons("0", [0, 1]), n_chains=4, data=digits_train, seed=0)
    assert s.input_shape == (1, 8, 8) and s.x.shape == (4, 1, 8, 8)
    assert torch.equal(s.data, digits_train.images) and s.data.device.type == "cpu"
    assert s.run(2) == 2
    pair = Sampler(_convnet(), class_logit(0), n_chains=2, data=(digits_train.images[:10], None))
    assert pair.data.shape == (10, 1, 8, 8)


def test_a_first_convolution_asks_for_data_or_input_shape():
    with pytest.raises(ValueError, match=r"input_shape: cannot tell.*Conv2d.*data=.*input_shape="):
        Sampler(_convnet(), class_logit(0), n_chains=2)
    assert first_layer_shape(_convnet())[0] is None
    assert Sampler(_convnet(), class_logit(0), n_chains=2, input_shape=(1, 8, 8)).run(1) == 1


def test_a_shape_the_model_cannot_take_is_named_at_construction(cnn, digits_train):
    declared = r"input_shape: the model fails on one input of shape \(1, 28, 28\) \(it declares"
    with pytest.raises(ValueError, match=declared + r" in_shape=\(1, 8, 8\)\)"):
        Sampler(cnn, neurons("fc1", [0, 1]), n_chains=4, input_shape=(1, 28, 28))
    wrong = torch.rand(10, 1, 6, 6)
    with pytest.raises(ValueError, match=r"data: the model fails on one input of shape the items"):
        Sampler(_convnet(), class_logit(0), n_chains=2, data=wrong)
    with pytest.raises(ValueError, match=r"input_shape: \(1, 6, 6\) differs from .* \(1, 8, 8\)"):
        Sampler(cnn, class_logit(0), n_chains=2, data=digits_train, input_shape=(1, 6, 6))
    with pytest.raises(ValueError, match="input_shape: expected the shape of one input"):
        Sampler(cnn, class_logit(0), n_chains=2, input_shape=(1, 0, 8))


def test_a_batch_norm_model_in_train_mode_is_probed_safely():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    model.train()
    before = model[2].running_mean.clone()
    with pytest.warns(UserWarning, match="train mode"):
        s = Sampler(model, class_logit(1), n_chains=3, seed=0)
    assert model.training and torch.equal(model[2].running_mean, before)
    failing = pytest.raises(ValueError, match=r"input_shape: the model fails")
    with failing, pytest.warns(UserWarning, match="train mode"):
        Sampler(model, class_logit(1), n_chains=3, input_shape=(65,))
    assert s.input_shape == (64,)


def test_meta_models_are_refused(cnn, digits_train):
    with torch.device("meta"):
        meta = SmallCNN(in_shape=(1, 8, 8))
    for run in (
        lambda: Sampler(meta, class_logit(0), n_chains=2),
        lambda: top_k_real(meta, class_logit(0), digits_train),
        lambda: activation_maximization(meta, class_logit(0), n=2, steps=1),
    ):
        with pytest.raises(ValueError, match=r"model: its parameters are on the meta device"):
            run()
    with torch.device("meta"):
        meta_d = nn.Sequential(nn.Flatten(), nn.Linear(64, 1))
    with pytest.raises(ValueError, match=r"module: its parameters are on the meta device"):
        DiscriminatorPrior(meta_d)


def test_flags_must_be_bools(cnn):
    with pytest.raises(TypeError, match="mala: expected True or False, got 'yes'"):
        Sampler(cnn, class_logit(0), n_chains=2, mala="yes")
    s = Sampler(cnn, class_logit(0), n_chains=2, mala=np.bool_(True))
    assert s.mala is True
    with pytest.raises(TypeError, match="progress"):
        s.run(1, progress="no")
    with pytest.raises(TypeError, match="restart"):
        tradeoff_curve(s, [0.0], steps=2, restart="yes")
    with pytest.raises(TypeError, match="seed"):
        Sampler(cnn, class_logit(0), n_chains=2, seed=1.5)
    assert Sampler(cnn, class_logit(0), n_chains=2, seed=np.int64(1)).run(1) == 1


def test_top_k_real_names_data_of_the_wrong_shape(cnn, digits_train):
    big = torch.rand(20, 1, 28, 28)
    with pytest.raises(
        ValueError, match=r"data: expected items of shape \(1, 8, 8\).*\(1, 28, 28\)"
    ):
        top_k_real(cnn, class_logits([0, 1]), big)
    with pytest.raises(
        ValueError, match=r"data: the model failed on a batch of shape \(1, 1, 28, 28\)"
    ):
        top_k_real(_convnet(), class_logit(0), big)
    with pytest.raises(ValueError, match=r"data: expected items of shape \(64,\)"):
        top_k_real(_mlp(), class_logit(0), digits_train, input_shape=(64,))
    top = top_k_real(_mlp(), class_logit(0), digits_train.images.flatten(1), k=2, input_shape=(64,))
    assert top.images.shape == (1, 2, 64)


def test_activation_maximization_infers_the_shape_of_a_user_model():
    res = activation_maximization(_mlp(), class_logit(2), n=2, steps=3)
    assert res.images.shape == (2, 64)
    with pytest.raises(ValueError, match="input_shape: cannot tell"):
        activation_maximization(_convnet(), class_logit(2), n=2, steps=1)


def test_sampler_tradeoff_is_the_name_everywhere(cnn):
    prior = DiscriminatorPrior((1, 8, 8), kind="mlp", device="cpu")
    s = Sampler(cnn, class_logit(0), n_chains=4, discriminator=prior, tradeoff=2.0, seed=0)
    assert s.tradeoff == 2.0 and "tradeoff=2.0" in repr(s)
    s.run(2)
    assert s.history.tradeoff.tolist() == [2.0, 2.0]
    assert s.history.snapshot()["tradeoff"].tolist() == [2.0, 2.0]
    curve = tradeoff_curve(s, tradeoffs=[0.0, 1.0], steps=2)
    assert curve.tradeoffs == [0.0, 1.0] and s.tradeoff == 2.0
    labels = [t.get_text() for t in curve.figure().axes[0].texts]
    assert labels == ["λ=0", "λ=1"]
    assert TradeoffCurve(tradeoffs=[3.0], activation=[1.0], log_d=[0.0], diversity=[0.0]).tradeoffs
    with pytest.raises(TypeError):
        Sampler(cnn, class_logit(0), n_chains=2, lam=1.0)


def test_history_records_tradeoff_step_size_and_samples():
    h = History(2, (3,), sample_every=2)
    for t in (1, 2):
        h.record(t, torch.zeros(2), torch.zeros(2), torch.ones(2, dtype=torch.bool),
                 tradeoff=0.5, step_size=0.1, samples=torch.full((2, 3), float(t)))  # fmt: skip
    assert h.tradeoff.tolist() == [0.5, 0.5]
    assert h.step_size.tolist() == pytest.approx([0.1, 0.1])
    assert h.samples.shape == (1, 2, 3) and float(h.samples.max()) == 2.0


def test_row_and_column_pick_the_position(cnn):
    act = {"conv": torch.arange(2 * 2 * 3.0).reshape(1, 2, 2, 3)}  # (N, C, H=2, W=3)
    assert neuron("conv", 0, row=1, column=2)(act).tolist() == [5.0]
    assert neuron("conv", 0)(act).tolist() == [4.0]  # the centre: row 1, column 1
    two = {"conv": torch.arange(2 * 2 * 2 * 3.0).reshape(2, 2, 2, 3)}  # row i: unit i
    assert neurons("conv", [0, 1], row=0, column=0)(two).tolist() == [0.0, 18.0]
    with pytest.raises(TypeError):
        neuron("conv", 0, 1, 2)  # row and column are keyword-only
    with pytest.raises(ValueError, match="row: 9 is out of range for 'conv1' of height 8"):
        neuron("conv1", 0, row=9).validate(cnn, torch.zeros(1, 1, 8, 8))


def test_compute_helpers_take_data():
    batch = torch.rand(6, 1, 8, 8)
    model = _mlp()
    assert capture(model, data=batch, layers=["1"])["1"].shape == (6, 32)
    assert perturb(data=batch, kind="noise").shape == batch.shape
    with pytest.raises(ValueError, match="data: blur needs images"):
        perturb(torch.rand(4, 5), "blur")
    centres, labels = kmeans(data=batch, k=2)
    assert centres.shape == (2, 64) and labels.shape == (6,)
    prior = DiscriminatorPrior((1, 8, 8), kind="mlp", device="cpu")
    assert prior.prob_real(data=batch).shape == (6,)
    assert prior.log_prob_real(data=batch).shape == prior.logit(data=batch).shape == (6,)
    assert default_groups(4, 2).device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert default_groups(4, 2, device="cpu").tolist() == [0, 0, 1, 1]
