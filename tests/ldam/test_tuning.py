"""LDAM's settings from the model, the objective and the data alone: the step size adapted
in a warm-up, the temperature from the objective's spread, starts at the top real images,
and the dead-unit message. The main case is a user's own conv net on Fashion-MNIST."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from nbviz.ldam import Sampler, channel, class_logit, custom, top_k_real
from nbviz.ldam.tuning import TARGET_ACCEPT, StepAdapter, TemperatureAdapter, auto_temperature

from .user_model import live_channels, real_scores


def test_defaults_pass_the_90th_percentile_of_real_images_on_a_users_conv_channel(
    user_net, fashion
):
    _, test = fashion
    data = test.images[:1000]
    for c in live_channels(user_net, data):
        objective = channel("conv2", c)
        q90 = float(real_scores(user_net, objective, data).quantile(0.9))
        for init in ("auto", "noise"):
            s = Sampler(user_net, objective, data=data, init=init, seed=0)
            s.run(500)
            a = s.activation
            assert float(a.median()) > q90, (c, init, a.tolist(), q90)
            assert float((a > q90).float().mean()) >= 0.75, (c, init)
            # The step is fixed after the warm-up: the chain is a sampler from then on.
            snap = s.history.snapshot()
            after = snap["step_size"][snap["steps"] > s.warmup]
            assert len(after) > 300 and bool((after == after[0]).all())
            assert not s.warming_up


def test_defaults_climb_a_class_logit_from_noise(user_net, fashion):
    """The hard case: most pixel directions do not move a logit, so a warm T leaves the
    chains in noise below the median; the warm-up cools T until they climb."""
    _, test = fashion
    data = test.images[:1000]
    objective = class_logit(2)
    q90 = float(real_scores(user_net, objective, data).quantile(0.9))
    for mala in (False, True):
        s = Sampler(user_net, objective, data=data, init="noise", mala=mala, seed=0)
        t0 = s.temperature
        s.run(500)
        assert float(s.activation.median()) > q90, (mala, s.activation.tolist(), q90)
        assert s.temperature < t0  # cooled
        assert float(s.activation_percentile().median()) > 90


def test_auto_temperature_follows_the_scale_of_the_unit(user_net, fashion):
    _, test = fashion
    data = test.images[:500]
    small = Sampler(user_net, class_logit(1), data=data, seed=0)
    big = Sampler(user_net, 80.0 * class_logit(1), data=data, seed=0)
    assert big.temperature == pytest.approx(80 * small.temperature, rel=1e-4)
    ref = small.reference[0].double()
    spread = float(ref.quantile(0.9) - ref.quantile(0.5))
    assert small.temperature == pytest.approx(spread / 20, rel=1e-4)
    assert auto_temperature(torch.zeros(1, 50)) == 1.0  # a constant unit: no scale to take


def test_auto_starts_are_the_top_real_images_of_each_group(cnn, digits_train):
    from nbviz.ldam import class_logits

    objective = class_logits([0, 3])
    s = Sampler(cnn, objective, n_chains=6, data=digits_train, seed=0)
    data = s._reference_x
    top = top_k_real(cnn, objective, data, k=3)
    assert torch.equal(s.x[:3], top.images[0])
    assert torch.equal(s.x[3:], top.images[1])
    with pytest.raises(ValueError, match="pass data="):
        Sampler(cnn, objective, n_chains=6, init="top")
    with pytest.raises(ValueError, match="uniform"):
        Sampler(cnn, objective, n_chains=6, init="unifrom")


def test_mala_acceptance_reaches_its_target_after_the_warm_up(identity):
    gauss = custom("output", lambda a: -0.5 * (a**2).sum(1) / 0.05**2)  # optimum ε under the cap
    s = Sampler(identity, gauss, n_chains=64, input_shape=(50,), temperature=1.0, mala=True,
                clamp=None, warmup=200, seed=0)  # fmt: skip
    s.run(200)
    eps = s.step_size()
    assert not s.warming_up
    before = s.n_accepted.clone()
    s.run(300)
    rate = float(((s.n_accepted - before) / 300).mean())
    assert abs(rate - TARGET_ACCEPT) < 0.12, rate
    assert s.step_size() == eps


def test_step_adapter_moves_towards_the_target_and_stays_under_its_cap():
    grow, shrink = StepAdapter(1e-3, warmup=50), StepAdapter(1e-3, warmup=50)
    capped = StepAdapter(1e-3, warmup=50, max_eps=2e-3)
    for _ in range(50):
        grow.update(1.0)
        shrink.update(0.0)
        capped.update(1.0)
    assert grow.eps > 1e-3 > shrink.eps
    assert capped.eps <= 2e-3 * (1 + 1e-9)
    before = grow.eps
    grow.update(0.0)  # after the warm-up nothing changes
    assert grow.eps == before


def test_setting_the_temperature_ends_the_cooling(cnn, digits_train):
    s = Sampler(cnn, class_logit(3), n_chains=4, data=digits_train, init="noise", seed=0)
    s.run(5)
    s.temperature = 0.5
    s.run(30)
    assert s.temperature == 0.5


def test_temperature_adapter_never_cools_below_its_floor():
    t = TemperatureAdapter(1.0, warmup=1000)
    for _ in range(1000):
        t.update(0.0)
    assert t.temperature == pytest.approx(TemperatureAdapter.FLOOR)


def test_a_dead_channel_says_so_after_the_warm_up(digits_train):
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(128, 10))
    with torch.no_grad():
        net[0].weight[1].zero_()
        net[0].bias[1] = -1.0  # channel 1 never fires after the ReLU
    s = Sampler(net.eval(), channel("1", 1), n_chains=4, data=digits_train, warmup=20, seed=0)
    with pytest.warns(RuntimeWarning, match="does not depend on the input"):
        s.run(25)
    live = Sampler(net.eval(), channel("1", 0), n_chains=4, data=digits_train, warmup=20, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        live.run(25)


def test_anneal_ends_without_noise(cnn, digits_train):
    s = Sampler(cnn, class_logit(3), n_chains=8, data=digits_train, seed=0)
    s.run(120)
    before = s.activation.clone()
    s.anneal(40)
    assert s.step_count == 160
    assert float(s.activation.mean()) >= float(before.mean())
    mean = s.proposal_mean()
    assert float(mean.min()) >= 0.0 and float(mean.max()) <= 1.0  # clamped to the range
    # An anneal's last step adds no noise: the chains land on the proposal mean.
    free = Sampler(cnn, class_logit(3), n_chains=8, data=digits_train, clamp=None, seed=0)
    free.run(20)
    expected = free.proposal_mean()
    free.anneal(1)
    assert torch.allclose(free.samples(), expected, atol=1e-6)
