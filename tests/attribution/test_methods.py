"""nbviz.attribution.attribute against Captum called directly, LRP against identities it
must satisfy, BatchNorm folding against torch's own fusion, and bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from captum import attr as captum_attr
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from nbviz.attribution import (
    METHODS,
    attribute,
    conservation,
    fold_batchnorm,
    lrp_problems,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class UserCNN(nn.Module):
    """A user's own small CNN: conv, ReLU, pool, conv, ReLU, linear head."""

    def __init__(self, bias: bool = True, batch_norm: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1, bias=bias)
        self.bn1 = nn.BatchNorm2d(6) if batch_norm else nn.Identity()
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1, bias=bias)
        self.relu2 = nn.ReLU()
        self.flatten = nn.Flatten()
        self.head = nn.Linear(8 * 4 * 4, 5, bias=bias)

    def forward(self, x):
        x = self.pool(self.relu1(self.bn1(self.conv1(x))))
        return self.head(self.flatten(self.relu2(self.conv2(x))))


def _net(**kw):
    torch.manual_seed(0)
    return UserCNN(**kw).eval()


@pytest.fixture
def x():
    return torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize(
    ("method", "captum_call"),
    [
        ("saliency", lambda m, x, t: captum_attr.Saliency(m).attribute(x, target=t)),
        ("input_x_gradient", lambda m, x, t: captum_attr.InputXGradient(m).attribute(x, target=t)),
        (
            "integrated_gradients",
            lambda m, x, t: captum_attr.IntegratedGradients(m).attribute(
                x, baselines=0.0, target=t, n_steps=32
            ),
        ),
        ("guided_backprop", lambda m, x, t: captum_attr.GuidedBackprop(m).attribute(x, target=t)),
        ("deconvolution", lambda m, x, t: captum_attr.Deconvolution(m).attribute(x, target=t)),
        (
            "occlusion",
            lambda m, x, t: captum_attr.Occlusion(m).attribute(
                x, sliding_window_shapes=(1, 2, 2), strides=(1, 2, 2), baselines=0.0, target=t
            ),
        ),
    ],
)
def test_each_method_equals_captum_called_directly(method, captum_call, x):
    """With the defaults (occlusion: 2×2 patches, a seventh of 8 pixels but at least 2)."""
    model = _net()
    t = torch.tensor([0, 1, 2, 3, 4, 0])
    got = attribute(model, x, target=t, method=method)
    want = captum_call(model, x.clone().requires_grad_(True), t).detach()
    assert got.shape == x.shape
    torch.testing.assert_close(got, want)
    assert float(got.abs().sum()) > 0


def test_lrp_epsilon_on_a_relu_net_is_input_times_gradient(x):
    """A known identity (Ancona et al. 2018): on a ReLU network LRP-ε with ε → 0 equals
    input × gradient, biases or not."""
    for bias in (False, True):
        model = _net(bias=bias)
        lrp = attribute(model, x, target=2, method="lrp", composite="epsilon", epsilon=1e-9)
        ixg = attribute(model, x, target=2, method="input_x_gradient")
        torch.testing.assert_close(lrp, ixg, atol=1e-5, rtol=1e-4)


def test_lrp_conserves_the_explained_output_without_biases(x):
    model = _net(bias=False)
    heat = attribute(model, x, target=[0, 1, 2, 3, 4, 0], method="lrp", epsilon=1e-9)
    ratio = conservation(model, x, heat, target=[0, 1, 2, 3, 4, 0])
    out = model(x)[torch.arange(6), torch.tensor([0, 1, 2, 3, 4, 0])].detach()
    assert torch.allclose(heat.flatten(1).sum(1), out, atol=1e-4)
    assert torch.allclose(ratio, torch.ones(6), atol=1e-3)


def test_batch_norm_is_folded_and_lrp_sees_the_folded_layer(x):
    model = _net(batch_norm=True)
    with torch.no_grad():  # statistics a trained net would have, not the defaults
        model.bn1.running_mean.uniform_(-0.5, 0.5)
        model.bn1.running_var.uniform_(0.5, 2.0)
        model.bn1.weight.uniform_(0.5, 1.5)
        model.bn1.bias.uniform_(-0.2, 0.2)
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # untouched
    torch.testing.assert_close(folded(x), model(x), atol=1e-5, rtol=1e-5)
    # the same net folded by hand with torch's conv-BN fusion, bn1 replaced by nothing
    by_hand = _net(batch_norm=False)
    by_hand.load_state_dict(
        {k: v for k, v in model.state_dict().items() if not k.startswith("bn1")}
    )
    by_hand.conv1 = fuse_conv_bn_eval(model.conv1, model.bn1)
    by_hand.eval()
    for composite in ("epsilon", "epsilon-plus", "epsilon-gamma"):
        got = attribute(model, x, target=1, method="lrp", composite=composite)
        want = attribute(by_hand, x, target=1, method="lrp", composite=composite)
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_composites_change_the_rules_of_the_convolutions(x):
    model = _net()
    maps = {c: attribute(model, x, target=0, method="lrp", composite=c)
            for c in ("epsilon", "epsilon-plus", "epsilon-gamma")}  # fmt: skip
    assert not torch.allclose(maps["epsilon"], maps["epsilon-plus"])
    assert not torch.allclose(maps["epsilon"], maps["epsilon-gamma"])
    assert not hasattr(model.conv1, "rule")  # the user's model is left as it was


class Functional(nn.Module):
    """ReLU called as a function, and a skip connection."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 3)

    def forward(self, x):
        h = x.flatten(1)
        return self.fc2(F.relu(self.fc1(h)) + h)


def test_bad_input_gets_clear_errors(x):
    model = _net()
    with pytest.raises(ValueError, match="Did you mean 'saliency'"):
        attribute(model, x, method="salency")
    with pytest.raises(ValueError, match="class 7 is out of range; the model has 5 outputs"):
        attribute(model, x, target=7)
    with pytest.raises(ValueError, match="one class per image"):
        attribute(model, x, target=[0, 1])
    with pytest.raises(ValueError, match="Did you mean 'epsilon-plus'"):
        attribute(model, x, method="lrp", composite="epsilon_plus")
    skip = Functional().eval()
    with pytest.raises(ValueError, match=r"guided_backprop changes the backward pass of nn\.ReLU"):
        attribute(skip, x, method="guided_backprop")
    with pytest.raises(ValueError, match=r"skip connection.*still work: saliency"):
        attribute(skip, x, method="lrp")
    attribute(skip, x, method="integrated_gradients")  # the gradient methods still work
    soft = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.Softplus(), nn.Linear(8, 2))
    with pytest.raises(ValueError, match=r"layer '2' \(Softplus\) has no LRP rule"):
        attribute(soft, x, method="lrp")
    relu = nn.ReLU()
    twice = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), relu, nn.Linear(8, 8), relu)
    assert lrp_problems(twice) == ["layer '2' is called 2 times in the forward"]
    assert set(METHODS) >= {"lrp", "occlusion"}


def test_lrp_reuses_its_checked_copy_until_the_weights_change(x):
    import copy

    from nbviz.attribution import lrp

    model = _net(batch_norm=True)
    first = attribute(model, x, target=1, method="lrp")
    work = lrp._COPIES[model][1]
    attribute(model, x, target=2, method="lrp")
    assert lrp._COPIES[model][1] is work  # same weights: the same copy
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model.train()
    model(x).sum().backward()  # a training step also moves BatchNorm's running statistics
    opt.step()
    model.eval()
    after = attribute(model, x, target=1, method="lrp")
    assert lrp._COPIES[model][1] is not work
    fresh = attribute(copy.deepcopy(model), x, target=1, method="lrp")
    torch.testing.assert_close(after, fresh)
    assert not torch.allclose(after, first)
