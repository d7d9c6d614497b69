"""The z^B and α-β rules against their formulas written out with an explicit weight
matrix, and the composites that use them."""

from __future__ import annotations

import pytest
import torch
from captum.attr import LRP
from torch import nn

from nbviz.attribution import COMPOSITES, attribute
from nbviz.attribution.rules import AlphaBetaRule, BoxRule
from nbviz.models import SmallCNN

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _matrix(layer: nn.Module, shape) -> torch.Tensor:
    """The layer's weight as a dense matrix (outputs × inputs), from basis inputs."""
    n = int(torch.tensor(shape).prod())
    basis = torch.eye(n).reshape(n, *shape)
    with torch.no_grad():
        bias = layer(torch.zeros(1, *shape)).flatten()
        return (layer(basis).flatten(1) - bias).T


def _relevance_at_input(layer, rule, x, target):
    """LRP through ``layer`` alone (a conv's output flattened, so the target is one int)."""
    from captum.attr._utils.lrp_rules import EpsilonRule

    flat = nn.Flatten()
    flat.rule = EpsilonRule(1e-9)  # passes relevance on unchanged
    layer.rule = rule
    return LRP(nn.Sequential(layer, flat)).attribute(x.clone(), target=target)


@pytest.mark.parametrize("make", [lambda: nn.Linear(6, 4), lambda: nn.Conv2d(1, 2, 3)])
def test_box_rule_is_its_formula(make):
    torch.manual_seed(0)
    layer = make()
    shape = (6,) if isinstance(layer, nn.Linear) else (1, 4, 4)
    x = torch.rand(3, *shape)
    target = 1
    got = _relevance_at_input(layer, BoxRule(0.0, 1.0), x, target)
    w = _matrix(layer, shape)[target]  # the target output's weights over the inputs
    contrib = x.flatten(1) * w - 0.0 * w.clamp(min=0) - 1.0 * w.clamp(max=0)
    with torch.no_grad():
        out = layer(x).flatten(1)[:, target : target + 1]
    want = contrib / contrib.sum(1, keepdim=True) * out
    torch.testing.assert_close(got.flatten(1), want, atol=1e-5, rtol=1e-4)


def test_alpha_beta_rule_is_its_formula():
    torch.manual_seed(1)
    layer = nn.Linear(5, 3, bias=False)
    x = torch.randn(4, 5)  # inputs of both signs
    got = _relevance_at_input(layer, AlphaBetaRule(2.0, 1.0), x, 0)
    with torch.no_grad():
        c = x * layer.weight[0]  # (N, 5): each input's contribution to output 0
        r = layer(x)[:, :1]
    pos, neg = c.clamp(min=0), c.clamp(max=0)
    want = 2 * pos / pos.sum(1, keepdim=True) * r - 1 * neg / neg.sum(1, keepdim=True) * r
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(got.sum(1), r[:, 0], atol=1e-5, rtol=1e-4)  # conserved
    with pytest.raises(ValueError, match="alpha - beta = 1"):
        AlphaBetaRule(2.0, 2.0)
    with pytest.raises(ValueError, match="low < high"):
        BoxRule(1.0, 0.0)


@pytest.mark.parametrize("composite", COMPOSITES)
def test_every_composite_explains_the_zoo_cnn(composite):
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).eval()
    x = torch.rand(4, 1, 8, 8)
    heat = attribute(model, x, target=3, method="lrp", composite=composite)
    assert heat.shape == x.shape and torch.isfinite(heat).all() and heat.abs().sum() > 0
    if composite == "epsilon-gamma-box":
        gamma = attribute(model, x, target=3, method="lrp", composite="epsilon-gamma")
        assert not torch.allclose(heat, gamma)  # the first layer's rule differs


def test_rules_per_layer_type_replace_a_composites():
    from nbviz.attribution import COMPOSITE_RULES, layer_rules

    assert layer_rules("epsilon-gamma-box") == COMPOSITE_RULES["epsilon-gamma-box"]
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).eval()
    x = torch.rand(3, 1, 8, 8)
    same = attribute(model, x, target=1, method="lrp", composite="epsilon",
                     rules={"first": "box", "conv": "gamma"})  # fmt: skip
    want = attribute(model, x, target=1, method="lrp", composite="epsilon-gamma-box")
    torch.testing.assert_close(same, want)
    with pytest.raises(ValueError, match="Did you mean 'dense'"):
        layer_rules("epsilon", {"dens": "epsilon"})
