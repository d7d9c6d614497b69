"""Bad input a new user hit in the widgets: each is refused at construction, naming the
argument, before any job runs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz import LDAMViewer, MaskExplorer
from nbviz.data import digits
from nbviz.ldam import Sampler, channel, neurons

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.ReLU(), nn.Linear(12, 10))


def _cnn():
    """A user's conv net of their own: it declares no input shape."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10)
    )


def test_mask_explorer_checks_its_data_and_options_at_construction():
    train = digits("train").subset(100)
    with pytest.raises(TypeError, match="test_data"):
        MaskExplorer(_mlp(), train, "garbage", start=False)
    with pytest.raises(TypeError, match="train_data"):
        MaskExplorer(_mlp(), 42, train, start=False)
    with pytest.raises(TypeError, match=r"unexpected keyword 'learning_rate'"):
        MaskExplorer(_mlp(), train, train, learning_rate=0.1, start=False)
    with pytest.raises(TypeError, match=r"did you mean 'optimizer'"):
        MaskExplorer(_mlp(), train, train, optimiser="adam", start=False)
    with pytest.raises(TypeError, match="start"):
        MaskExplorer(_mlp(), train, train, start="no")


def test_ldam_viewer_refuses_data_of_another_shape():
    sampler = Sampler(_cnn().eval(), channel("0", 1), n_chains=2, input_shape=(1, 8, 8))
    wrong = torch.rand(20, 1, 28, 28)
    with pytest.raises(ValueError, match=r"data: .*\(1, 8, 8\)"):
        LDAMViewer(sampler, data=wrong)


def test_a_user_model_gets_its_input_shape_from_the_data():
    data = digits("test").subset(40)
    sampler = Sampler(_cnn().eval(), channel("0", 1), n_chains=2, data=data)
    viewer = LDAMViewer(sampler, data=data, top_k=2)
    assert viewer.samples.shape == (2, 8, 8, 1)
    assert viewer.run(3, progress=False) == 3
    # a first Linear layer is enough on its own
    flat = Sampler(_mlp().eval(), neurons("1", [0, 1]), n_chains=2)
    assert tuple(flat.x.shape[1:]) == (64,)
