"""Fixtures for the nbviz.ldam tests: one torch thread, digits, small seeded models."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.data import digits
from nbviz.models import SmallCNN


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
