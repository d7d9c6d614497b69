"""A unit's guided-backprop and deconvolution pictures against Captum called directly."""

from __future__ import annotations

import pytest
import torch
from captum.attr import NeuronDeconvolution, NeuronGuidedBackprop
from torch import nn

from nbviz.attribution import unit_pictures
from nbviz.models import SmallCNN

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def model():
    torch.manual_seed(0)
    return SmallCNN(in_shape=(1, 8, 8)).eval()


def test_a_conv_channel_is_explained_at_its_strongest_position(model):
    x = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    pics = unit_pictures(model, "conv2", 7, x)
    with torch.no_grad():
        acts = []
        h = model.conv2.register_forward_hook(lambda m, i, o: acts.append(o))
        model(x)
        h.remove()
    for name, cls in (("guided_backprop", NeuronGuidedBackprop),
                      ("deconvolution", NeuronDeconvolution)):  # fmt: skip
        for i in range(3):  # each image at its own argmax, as a tuple selector per image
            flat = int(acts[0][i, 7].flatten().argmax())
            r, c = divmod(flat, acts[0].shape[3])
            want = cls(model, model.conv2).attribute(
                x[i : i + 1].clone().requires_grad_(True), neuron_selector=(7, r, c)
            )
            torch.testing.assert_close(pics[name][i : i + 1], want.detach())
    assert float(pics["guided_backprop"].abs().sum()) > 0


def test_a_dense_unit_and_bad_input(model):
    x = torch.rand(2, 1, 8, 8)
    pics = unit_pictures(model, "fc1", 3, x, methods=["deconvolution"])
    want = NeuronDeconvolution(model, model.fc1).attribute(
        x.clone().requires_grad_(True), neuron_selector=3
    )
    torch.testing.assert_close(pics["deconvolution"], want.detach())
    with pytest.raises(ValueError, match="unit: 128 is out of range; 'fc1' has 128 units"):
        unit_pictures(model, "fc1", 128, x)
    with pytest.raises(ValueError, match="Did you mean 'conv2'"):
        unit_pictures(model, "conv3", 0, x)
    with pytest.raises(ValueError, match="Did you mean 'deconvolution'"):
        unit_pictures(model, "fc1", 0, x, methods=["deconv"])
    functional = nn.Sequential(nn.Flatten(), nn.Linear(64, 4))
    with pytest.raises(ValueError, match="has none"):
        unit_pictures(functional, "1", 0, x)
