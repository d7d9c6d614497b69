"""The model zoo: output shapes, readable layer names and the registry."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.models import LeNet300100, SmallCNN, available_models, build, register_model, zoo


@pytest.mark.parametrize("cls", [LeNet300100, SmallCNN])
@pytest.mark.parametrize("in_shape", [(1, 28, 28), (1, 8, 8), (3, 32, 32)])
def test_output_shape(cls, in_shape):
    model = cls(in_shape=in_shape, num_classes=7)
    out = model(torch.rand(5, *in_shape))
    assert out.shape == (5, 7)
    assert model.in_shape == in_shape
    assert model.num_classes == 7


def test_small_cnn_layer_names_read_in_forward_order():
    names = [name for name, _ in SmallCNN().named_children()]
    assert names == [
        "conv1", "pool1", "bn1", "relu1",
        "conv2", "pool2", "bn2", "relu2",
        "flatten", "fc1", "relu3", "logits",
    ]  # fmt: skip


def test_small_cnn_runs_its_children_in_sequence():
    model = SmallCNN(in_shape=(1, 8, 8)).eval()
    x = torch.rand(4, 1, 8, 8)
    manual = x
    for layer in model.children():
        manual = layer(manual)
    torch.testing.assert_close(model(x), manual)


def test_small_cnn_without_batch_norm_has_no_bn_layers():
    model = SmallCNN(in_shape=(1, 8, 8), batch_norm=False, channels=(4, 8), hidden=16)
    names = {name for name, _ in model.named_modules()}
    assert "bn1" not in names and "bn2" not in names
    assert model.fc1.in_features == 8 * 2 * 2
    assert model(torch.rand(2, 1, 8, 8)).shape == (2, 10)


def test_lenet_layer_names():
    names = [name for name, _ in LeNet300100().named_children()]
    assert names == ["flatten", "fc1", "relu1", "fc2", "relu2", "logits"]
    assert LeNet300100().fc1.out_features == 300
    assert LeNet300100().fc2.out_features == 100


def test_build_passes_keyword_arguments():
    model = build("small_cnn", in_shape=(1, 8, 8), num_classes=3, channels=(4, 8))
    assert isinstance(model, SmallCNN)
    assert model.conv1.out_channels == 4
    assert model.logits.out_features == 3
    assert isinstance(build("lenet_300_100"), LeNet300100)


def test_build_unknown_name_suggests_the_close_one():
    with pytest.raises(ValueError, match="small_cnn") as err:
        build("small_cn")
    assert "name" in str(err.value)


def test_build_rejects_non_string_name():
    with pytest.raises(TypeError, match="name"):
        build(SmallCNN)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"in_shape": (1, 2, 2)}, ValueError, "at least 4"),
        ({"in_shape": (28, 28)}, TypeError, "in_shape"),
        ({"in_shape": (1, 0, 8)}, ValueError, "positive"),
        ({"num_classes": 0}, ValueError, "num_classes"),
        ({"channels": (8,)}, TypeError, "channels"),
        ({"hidden": 1.5}, TypeError, "hidden"),
    ],
)
def test_small_cnn_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        SmallCNN(**kwargs)


def test_register_model_makes_it_buildable(monkeypatch):
    monkeypatch.setattr(zoo, "_REGISTRY", dict(zoo._REGISTRY))

    def linear(in_shape=(1, 8, 8), num_classes=10):
        return nn.Sequential(nn.Flatten(), nn.Linear(in_shape[1] * in_shape[2], num_classes))

    register_model("linear", linear)
    assert "linear" in available_models()
    assert build("linear", num_classes=4)(torch.rand(2, 1, 8, 8)).shape == (2, 4)


def test_register_model_checks_its_arguments():
    with pytest.raises(TypeError, match="factory"):
        register_model("x", 3)
    with pytest.raises(TypeError, match="name"):
        register_model("", SmallCNN)
