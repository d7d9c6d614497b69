"""Fixtures for the nbviz.ldam tests: one torch thread, digits, small seeded models."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.data import digits
from nbviz.models import SmallCNN


@pytest.fixture(scope="package", autouse=True)
def one_thread():
    """Sample on one thread in this folder: the batches are tiny, and on a loaded 2-core
    machine two threads spin against each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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
