"""Objectives on a zoo model: values against captured activations, groups, arithmetic."""

from __future__ import annotations

import pytest
import torch

from nbviz.ldam import (
    capture,
    channel,
    channels,
    class_logit,
    class_logits,
    custom,
    direction,
    neuron,
    neurons,
    total_variation,
)
from nbviz.models import capture_activations


@pytest.fixture
def batch():
    torch.manual_seed(1)
    return torch.rand(6, 1, 8, 8)


def test_values_match_capture_activations(cnn, batch):
    ref = capture_activations(cnn, batch, ["fc1", "conv2", "relu1"])
    logits = cnn(batch).detach()
    acts = capture(cnn, batch, ["fc1", "conv2", "relu1", "output"])
    torch.testing.assert_close(neuron("fc1", 5)(acts), ref["fc1"][:, 5])
    torch.testing.assert_close(neuron("conv2", 3, column=1, row=2)(acts), ref["conv2"][:, 3, 2, 1])
    # conv2 on 8x8 input runs at 4x4: centre is (2, 2)
    torch.testing.assert_close(neuron("conv2", 3)(acts), ref["conv2"][:, 3, 2, 2])
    torch.testing.assert_close(channel("relu1", 7)(acts), ref["relu1"][:, 7].mean((1, 2)))
    torch.testing.assert_close(class_logit(4)(acts), logits[:, 4])
    v = torch.randn(128)
    torch.testing.assert_close(direction("fc1", v)(acts), ref["fc1"] @ v)
    vc = torch.randn(32)
    want = torch.einsum("nchw,c->nhw", ref["conv2"], vc).mean((1, 2))
    torch.testing.assert_close(direction("conv2", vc)(acts), want)


def test_arithmetic(cnn, batch):
    acts = capture(cnn, batch, ["fc1", "output"])
    a, b = neuron("fc1", 1), class_logit(2)
    torch.testing.assert_close((2 * a - b)(acts), 2 * a(acts) - b(acts))
    torch.testing.assert_close((a / 4 + 1.0)(acts), a(acts) / 4 + 1)
    torch.testing.assert_close((-a)(acts), -a(acts))
    assert set((a + b).layers) == {"fc1", "output"}


def test_group_objective_scores_each_row_on_its_unit(cnn, batch):
    acts = capture(cnn, batch, ["fc1", "relu1", "output"])
    obj = neurons("fc1", [3, 9, 11])
    assert obj.n_groups == 3
    want = acts["fc1"][torch.arange(6), torch.tensor([3, 3, 9, 9, 11, 11])]
    torch.testing.assert_close(obj(acts), want)
    ch = channels("relu1", [0, 1])(acts)
    torch.testing.assert_close(ch[:3], acts["relu1"][:3, 0].mean((1, 2)))
    torch.testing.assert_close(class_logits([0, 1, 2])(acts)[2:4], acts["output"][2:4, 1])
    # groups combine with plain objectives; different group counts do not combine
    assert (obj + 0.1 * class_logit(0)).n_groups == 3
    with pytest.raises(ValueError, match="same number of units"):
        _ = obj + neurons("fc1", [1, 2])


def test_unknown_layer_lists_close_names(cnn, batch):
    with pytest.raises(ValueError, match=r"unknown layer 'fc_1'.*Did you mean 'fc1'"):
        neuron("fc_1", 0).validate(cnn, batch[:1])
    with pytest.raises(ValueError, match="unknown layer"):
        capture(cnn, batch, ["relu9"])


def test_unit_out_of_range_names_the_width(cnn, batch):
    with pytest.raises(ValueError, match=r"'fc1' of width 128"):
        neuron("fc1", 128).validate(cnn, batch[:1])
    with pytest.raises(ValueError, match=r"'conv1' of width 16"):
        neurons("conv1", [0, 16]).validate(cnn, batch[:1])
    with pytest.raises(ValueError, match="column: 9 is out of range"):
        neuron("conv1", 0, column=9).validate(cnn, batch[:1])
    with pytest.raises(ValueError, match="has no spatial positions"):
        neuron("fc1", 0, column=1).validate(cnn, batch[:1])
    with pytest.raises(ValueError, match="vector: has 5 entries"):
        direction("fc1", torch.ones(5)).validate(cnn, batch[:1])


def test_bad_arguments():
    with pytest.raises(TypeError, match="layer"):
        neuron(3, 0)
    with pytest.raises(ValueError, match="unit: expected an index >= 0"):
        neuron("fc1", -1)
    with pytest.raises(TypeError, match="unit"):
        neuron("fc1", 1.5)
    with pytest.raises(ValueError, match="at least one unit"):
        neurons("fc1", [])
    with pytest.raises(TypeError, match="fn"):
        custom("fc1", 3)
    with pytest.raises(ValueError, match="finite"):
        direction("fc1", [float("nan")])


def test_total_variation_is_zero_on_constant_images():
    acts = {"input": torch.full((2, 1, 4, 4), 0.3)}
    assert total_variation()(acts).abs().max() == 0
