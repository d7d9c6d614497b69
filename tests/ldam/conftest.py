"""Fixtures for the nbviz.ldam tests: one torch thread, digits, small seeded models."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nbviz.data import digits, fashion_mnist
from nbviz.models import SmallCNN

from .user_model import UserNet


@pytest.fixture(scope="module", autouse=True)
def _one_thread(one_torch_thread):
    """Every module in this folder runs on one torch thread (see tests/conftest.py)."""


@pytest.fixture(scope="session")
def digits_train():
    return digits("train")


@pytest.fixture
def cnn():
    """A freshly initialized SmallCNN for 8x8 digits (seeded), in eval mode."""
    torch.manual_seed(0)
    return SmallCNN(in_shape=(1, 8, 8)).eval()


@pytest.fixture
def identity():
    return nn.Identity()


@pytest.fixture(scope="session")
def fashion():
    try:
        train = fashion_mnist("train", download=False, progress=False)
        test = fashion_mnist("test", download=False, progress=False)
    except (FileNotFoundError, OSError, RuntimeError) as err:
        pytest.skip(f"Fashion-MNIST is not on this machine: {err}")
    return train, test


@pytest.fixture(scope="session")
def user_net(fashion):
    """UserNet trained one epoch on 6,000 Fashion-MNIST images (seeded)."""
    train, _ = fashion
    torch.manual_seed(0)
    net = UserNet()
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    x, y = train.images[:6000], train.labels[:6000]
    for i in range(0, len(x), 100):
        loss = F.cross_entropy(net(x[i : i + 100]), y[i : i + 100])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()
