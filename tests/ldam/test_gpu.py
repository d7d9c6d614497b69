"""The sampler, discriminator and baselines on CUDA (run where a GPU is lent)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.ldam import (
    DiscriminatorPrior,
    Sampler,
    custom,
    neurons,
    summarize,
    top_k_real,
    train_with_sampler,
)

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def test_mala_gaussian_on_cuda():
    obj = custom("output", lambda a: -0.5 * (a**2).sum(1))
    s = Sampler(nn.Identity(), obj, n_chains=2048, input_shape=(4,), step_size=0.5, mala=True,
                clamp=None, device="cuda", seed=0,
                history={"sample_every": 1, "sample_capacity": 100})  # fmt: skip
    s.run(200)
    xs = s.history.samples
    assert xs.device.type == "cpu"
    assert abs(float(xs.mean())) < 0.02 and abs(float(xs.var()) - 1) < 0.03


def test_ldam_pieces_on_cuda(cnn, digits_train):
    prior = DiscriminatorPrior((1, 8, 8), device="cuda")
    prior.pretrain(digits_train, epochs=1)
    prior.calibrate(digits_train.subset(300))
    s = Sampler(cnn, neurons("fc1", [0, 1]), n_chains=64, discriminator=prior, tradeoff=1.0,
                mala=True, step_size=1e-3, device="cuda")  # fmt: skip
    assert next(cnn.parameters()).device.type == "cuda"
    train_with_sampler(s, prior, digits_train, rounds=2, sample_steps=5)
    d = summarize(s)
    assert len(d["rhat"]) == 2 and s.samples().device.type == "cpu"
    top = top_k_real(cnn, neurons("fc1", [0, 1]), digits_train, k=3)
    assert top.images.shape == (2, 3, 1, 8, 8)
