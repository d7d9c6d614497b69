"""LDAM end to end on digits: a trained SmallCNN, a pre-trained and calibrated
discriminator, and the trade-off as λ grows (about 4 s on one thread)."""

from __future__ import annotations

import pytest
import torch

from nbviz.data import digits
from nbviz.ldam import DiscriminatorPrior, Sampler, class_logit, tradeoff_curve
from nbviz.lottery import fit
from nbviz.models import SmallCNN


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8))
    fit(model, digits("train"), epochs=3, batch_size=64, lr=3e-3, device="cpu")
    prior = DiscriminatorPrior((1, 8, 8), device="cpu", seed=0)
    prior.pretrain(digits("train"), epochs=3)
    report = prior.calibrate(digits("test"))
    return model.eval(), prior, report


def test_calibration_is_usable(trained):
    _, _, report = trained
    assert report["after"]["ece"] < 0.1 and report["after"]["accuracy"] > 0.8, report


def test_log_d_rises_with_lambda_while_the_class_stays_high(trained):
    model, prior, _ = trained
    s = Sampler(model, class_logit(3), n_chains=32, discriminator=prior, step_size=2e-3,
                temperature=0.05, seed=0)  # fmt: skip
    start = float(s.activation.mean())
    curve = tradeoff_curve(s, [0.0, 4.0, 16.0], steps=120)
    assert curve.log_d[0] < curve.log_d[1] < curve.log_d[2], curve
    assert min(curve.activation) > start + 5, (start, curve)
    fig = curve.figure()
    assert len(fig.axes) == 1
    # the samples are classified as the target class
    with torch.no_grad():
        probs = model(s.samples()).softmax(1)[:, 3]
    assert float(probs.mean()) > 0.9


def test_same_start_sweep_trades_activation_for_log_d(trained):
    """restart=True: every λ starts from the same states with the same noise, so the
    differences are λ's alone: log D rises with λ and the activation gives some up."""
    model, prior, _ = trained
    s = Sampler(model, class_logit(3), n_chains=32, discriminator=prior, step_size=2e-3,
                temperature=0.05, seed=0)  # fmt: skip
    s.run(60)
    x0 = s.samples().clone()
    curve = tradeoff_curve(s, [0.0, 16.0, 64.0, 256.0], steps=60, restart=True)
    assert curve.log_d == sorted(set(curve.log_d)), curve  # strictly rising
    assert curve.activation[-1] < curve.activation[0], curve
    assert torch.equal(s.samples(), x0) and s.step_count == 60
