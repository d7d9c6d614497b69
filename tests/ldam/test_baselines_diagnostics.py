"""Classic AM baselines, top-k real images, multifaceted starts, and chain diagnostics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.ldam import (
    Blur,
    DiscriminatorPrior,
    Jitter,
    L2Decay,
    Sampler,
    activation_maximization,
    autocorrelation,
    class_logit,
    custom,
    effective_sample_size,
    kmeans,
    mean_pairwise_distance,
    multifaceted_init,
    neurons,
    split_rhat,
    summarize,
    top_k_real,
    total_variation,
    trace_figure,
    tradeoff_curve,
)
from nbviz.models import capture_activations


def test_activation_maximization_climbs(cnn):
    obj = class_logit(5) - 1e-3 * total_variation()
    post = [L2Decay(0.01), Blur(0.5, 10)]
    res = activation_maximization(cnn, obj, n=4, steps=40, transforms=[Jitter(1)], post=post)
    assert res.images.shape == (4, 1, 8, 8) and res.trace.shape == (40, 4)
    assert float(res.trace[-5:].mean()) > float(res.trace[:5].mean())
    assert float(res.images.min()) >= 0 and float(res.images.max()) <= 1
    assert cnn.training is False
    assert res.figure() is not None


def test_top_k_real_per_group(cnn, digits_train):
    obj = neurons("fc1", [4, 7])
    top = top_k_real(cnn, obj, digits_train, k=5)
    ref = capture_activations(cnn, digits_train, "fc1")["fc1"]
    for g, unit in enumerate([4, 7]):
        want, idx = ref[:, unit].topk(5)
        torch.testing.assert_close(top.scores[g], want)
        assert top.indices[g].tolist() == idx.tolist()
        torch.testing.assert_close(top.images[g], digits_train.images[idx])


def test_kmeans_and_multifaceted_starts(cnn, digits_train):
    pts = torch.cat([torch.randn(20, 2) * 0.1 + c for c in (0.0, 5.0, 10.0)])
    centres, labels = kmeans(pts, 3, seed=1)
    assert sorted(round(float(c)) for c in centres[:, 0]) == [0, 5, 10]
    assert len(set(labels.tolist())) == 3
    starts = multifaceted_init(cnn, neurons("fc1", [0, 1]), digits_train, n_facets=3, top=30)
    assert starts.shape == (6, 1, 8, 8)
    s = Sampler(cnn, neurons("fc1", [0, 1]), n_chains=12, init=starts)
    torch.testing.assert_close(s.x[0], starts[0])
    torch.testing.assert_close(s.x[11], starts[5])
    with pytest.raises(ValueError, match="top"):
        multifaceted_init(cnn, neurons("fc1", [0]), digits_train, n_facets=5, top=3)


def test_rhat_and_ess():
    rng = np.random.default_rng(0)
    mixed = rng.normal(size=(500, 8))
    assert abs(split_rhat(mixed) - 1) < 0.02
    stuck = mixed + np.repeat([0.0, 4.0], 4)
    assert split_rhat(stuck) > 1.1
    ess = effective_sample_size(mixed)
    assert ess.shape == (8,) and (ess > 200).all() and ess.mean() > 380  # iid: about 500
    ar = np.zeros((5000, 2))
    e = rng.normal(size=(5000, 2))
    for t in range(1, 5000):
        ar[t] = 0.8 * ar[t - 1] + e[t]
    theory = 5000 * 0.2 / 1.8
    assert np.all(np.abs(effective_sample_size(ar) / theory - 1) < 0.35)
    rho = autocorrelation(ar, max_lag=3)
    assert np.allclose(rho[:, 0], 0.8 ** np.arange(4), atol=0.06)
    with pytest.raises(ValueError, match="NaN"):
        split_rhat(np.full((10, 2), np.nan))


def test_rhat_on_real_chains_mixed_and_stuck(identity):
    """MALA on one Gaussian mixes (R-hat ≈ 1); on two far-apart modes, chains started in
    different modes stay there (R-hat > 1.1)."""
    gauss = custom("output", lambda a: -0.5 * (a**2).sum(1))
    s = Sampler(identity, gauss, n_chains=8, input_shape=(1,), step_size=0.5, mala=True,
                clamp=None, seed=0)  # fmt: skip
    s.run(400)
    assert summarize(s)["rhat"][0] < 1.05

    def two_modes(a):
        return torch.logaddexp(-0.5 * ((a - 6) ** 2).sum(1) * 4, -0.5 * ((a + 6) ** 2).sum(1) * 4)

    init = torch.tensor([[6.0]] * 4 + [[-6.0]] * 4)
    s = Sampler(identity, custom("output", two_modes), n_chains=8, input_shape=(1,),
                step_size=0.1, mala=True, clamp=None, init=init, seed=0,
                history={"sample_every": 1, "sample_capacity": 300})  # fmt: skip
    s.run(300)
    d = summarize(s)
    assert d["diversity"][0] > 5
    assert d["rhat"][0] < 1.1  # the activation is the same in both modes, the positions not
    positions = s.history.samples[:, :, 0]
    assert split_rhat(positions) > 1.1


def test_summary_tradeoff_and_figures(cnn):
    prior = DiscriminatorPrior((1, 8, 8), kind="mlp", device="cpu")
    s = Sampler(cnn, neurons("fc1", [0, 1]), n_chains=6, discriminator=prior, step_size=0.01,
                mala=True)  # fmt: skip
    s.run(12)
    d = summarize(s)
    assert len(d["rhat"]) == 2 and all(0 <= a <= 1 for a in d["acceptance"])
    curve = tradeoff_curve(s, [0.0, 1.0, 4.0], steps=4)
    assert len(curve.log_d) == 3 and s.tradeoff == 0.0
    assert len(curve.figure().axes) == 1
    assert len(trace_figure(s.history, chains=[0, 1]).axes) == 3
    assert mean_pairwise_distance(torch.zeros(3, 2)) == 0


def test_identity_is_an_nn_module(identity):
    assert isinstance(identity, nn.Module)


def _prior_sampler(cnn):
    torch.manual_seed(0)  # the same discriminator weights for every call
    prior = DiscriminatorPrior((1, 8, 8), kind="mlp", device="cpu")
    return Sampler(cnn, neurons("fc1", [0, 1]), n_chains=6, discriminator=prior,
                   step_size=0.01, seed=0)  # fmt: skip


def test_tradeoff_restart_runs_each_lambda_like_a_fresh_sampler(cnn):
    """restart=True: every λ starts from the same states with the same noise, so each point
    equals a fresh sampler's run at that λ; the sampler is put back as it was."""
    s = _prior_sampler(cnn)
    s.run(5)
    x5, hist5, acc5 = s.samples().clone(), len(s.history), s.acceptance_rate.clone()
    curve = tradeoff_curve(s, [0.0, 4.0, 0.0], steps=10, burn_in=0.5, restart=True)
    # the same λ from the same start with the same noise gives the same numbers
    assert curve.activation[0] == curve.activation[2] and curve.log_d[0] == curve.log_d[2]
    assert torch.equal(curve.samples[0], curve.samples[2])
    assert not torch.equal(curve.samples[0], curve.samples[1])  # λ = 4 went elsewhere
    # put back: states, step count, history, acceptance, λ, and the random generator
    assert torch.equal(s.samples(), x5) and s.step_count == 5 and s.tradeoff == 0.0
    assert len(s.history) == hist5 and torch.equal(s.acceptance_rate, acc5)
    twin = _prior_sampler(cnn)
    twin.run(5)
    s.step()
    twin.step()
    assert torch.equal(s.samples(), twin.samples())
    # each point is what a fresh sampler at that λ measures over the second half of its run
    ref = _prior_sampler(cnn)
    ref.run(5)
    ref.tradeoff = 4.0
    ref.run(10)
    act, logd = ref.history.activation[-5:], ref.history.log_d[-5:]
    assert abs(curve.activation[1] - float(act.mean())) < 1e-4
    assert abs(curve.log_d[1] - float(logd.mean())) < 1e-4
    torch.testing.assert_close(curve.samples[1], ref.samples())


def test_tradeoff_warm_starts_continue_the_chains(cnn):
    s = _prior_sampler(cnn)
    curve = tradeoff_curve(s, [0.0, 0.0], steps=6)
    assert s.step_count == 12 and len(s.history) == 12
    assert torch.equal(curve.samples[1], s.samples())
    assert not torch.equal(curve.samples[0], curve.samples[1])  # the second run continued
