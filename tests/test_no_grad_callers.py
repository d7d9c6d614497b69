"""What needs gradients works the same inside a caller's torch.no_grad() (a common
wrapper in notebooks around 'inference' code)."""

from __future__ import annotations

import torch

from nbviz.data import digits
from nbviz.ldam import DiscriminatorPrior, activation_maximization, class_logits
from nbviz.models import LeNet300100
from nbviz.tour import fgsm, pgd


def _both(fn):
    torch.manual_seed(0)
    plain = fn()
    torch.manual_seed(0)
    with torch.no_grad():
        inside = fn()
    return plain, inside


def test_activation_maximization():
    model = LeNet300100(in_shape=(1, 8, 8)).eval()
    a, b = _both(lambda: activation_maximization(model, class_logits([1]), n=2, steps=4))
    torch.testing.assert_close(a.images, b.images)
    assert not torch.equal(a.trace[0], a.trace[-1])  # it moved


def test_discriminator_training_and_calibration():
    data = digits("train")

    def run():
        prior = DiscriminatorPrior((1, 8, 8), kind="mlp", seed=0)
        prior.pretrain(data, epochs=1)
        report = prior.calibrate(digits("test"))
        return prior.logit(data.images[:16]), report["scale"]

    (za, sa), (zb, sb) = _both(run)
    torch.testing.assert_close(za, zb)
    assert sa == sb != 1.0  # calibration fitted a scale


def test_attacks():
    model = LeNet300100(in_shape=(1, 8, 8)).eval()
    x, y = digits("test").images[:8], digits("test").labels[:8]
    for attack in (lambda: fgsm(model, x, y, eps=0.1), lambda: pgd(model, x, y, 0.1, 0.02, 3)):
        a, b = _both(attack)
        torch.testing.assert_close(a.final, b.final)
        assert not torch.equal(a.final, x)
