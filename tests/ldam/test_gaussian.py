"""Langevin and MALA on a Gaussian target recover its mean and variance.

With a(x) = -||x - μ||²/2 on an identity "model" and no discriminator, the target
p(x) ∝ exp(a(x)/T) is N(μ, T·I). Statistics pool the last 200 of 400 steps of 400
chains (ESS in the thousands per coordinate), so the tolerances below are several
standard errors wide: mean within 0.05, variance within 6% for MALA at any ε; ULA's
stationary variance is T / (1 - ε/(4T)) (its O(ε) bias), within 6% of that.
"""

from __future__ import annotations

import math

import pytest
import torch
from scipy import stats
from torch import nn

from nbviz.ldam import Sampler, custom, direction

MU = torch.tensor([1.0, -0.5, 0.3, 0.0])
T = 0.5


def quadratic(mu=MU):
    return custom("output", lambda a: -0.5 * ((a - mu) ** 2).sum(1), "quadratic")


def run_gaussian(eps, mala, objective=None, n_chains=400, steps=400, seed=1):
    s = Sampler(
        nn.Identity(),
        objective or quadratic(),
        n_chains=n_chains,
        input_shape=(4,),
        step_size=eps,
        mala=mala,
        clamp=None,
        temperature=T,
        init="zeros",
        seed=seed,
        history={"sample_every": 1, "sample_capacity": steps // 2},
    )
    assert s.run(steps) == steps
    xs = s.history.samples  # the last steps // 2 states of every chain
    return xs.mean((0, 1)), xs.var((0, 1)), float(s.acceptance_rate.mean())


@pytest.mark.parametrize("eps", [0.1, 1.0])
def test_mala_is_exact(eps):
    mean, var, _ = run_gaussian(eps, mala=True)
    assert torch.allclose(mean, MU, atol=0.05), mean
    assert torch.allclose(var, torch.full((4,), T), rtol=0.06), var


def test_ula_small_step_is_close_and_its_bias_is_the_known_one():
    eps = 0.05
    mean, var, acc = run_gaussian(eps, mala=False)
    assert acc == 1.0
    assert torch.allclose(mean, MU, atol=0.06), mean
    assert torch.allclose(var, torch.full((4,), T), rtol=0.08), var
    # At a large step ULA is visibly biased, exactly as theory says; MALA is not.
    eps = 0.5
    _, var_ula, _ = run_gaussian(eps, mala=False)
    expected = T / (1 - eps / (4 * T))
    assert torch.allclose(var_ula, torch.full((4,), expected), rtol=0.06), var_ula
    _, var_mala, _ = run_gaussian(eps, mala=True)
    assert torch.allclose(var_mala, torch.full((4,), T), rtol=0.06), var_mala


def test_direction_objective_gives_the_same_target():
    # -||x-μ||²/2 = μ·x - ||x||²/2 - const: a direction plus an l2 penalty
    from nbviz.ldam import l2

    obj = direction("output", MU) - 0.5 * l2("output")
    mean, var, _ = run_gaussian(0.5, mala=True, objective=obj)
    assert torch.allclose(mean, MU, atol=0.05), mean
    assert torch.allclose(var, torch.full((4,), T), rtol=0.06), var


def test_mala_acceptance_falls_as_the_step_grows():
    rates = [run_gaussian(eps, True, n_chains=100, steps=60)[2] for eps in (0.1, 1.0, 3.0)]
    assert rates[0] > rates[1] > rates[2], rates
    assert rates[0] > 0.9 and rates[2] < 0.2, rates


@pytest.mark.parametrize("clamp", ["reflect", "reject"])
def test_mala_with_clamping_samples_the_truncated_target(clamp):
    """N(0.8, 0.05) truncated to [0, 1]: both walls' handling keeps MALA exact."""
    mu, t = 0.8, 0.05
    obj = custom("output", lambda a: -0.5 * ((a - mu) ** 2).sum(1))
    s = Sampler(nn.Identity(), obj, n_chains=400, input_shape=(1,), step_size=0.05,
                mala=True, clamp=clamp, temperature=t, seed=3,
                history={"sample_every": 1, "sample_capacity": 200})  # fmt: skip
    s.run(400)
    xs = s.history.samples.flatten()
    assert float(xs.min()) >= 0 and float(xs.max()) <= 1
    sd = math.sqrt(t)
    ref = stats.truncnorm((0 - mu) / sd, (1 - mu) / sd, loc=mu, scale=sd)
    assert abs(float(xs.mean()) - ref.mean()) < 0.01, (float(xs.mean()), ref.mean())
    assert abs(float(xs.var()) / ref.var() - 1) < 0.08, (float(xs.var()), ref.var())
