"""Fixtures for the nbviz.lottery tests: digits splits and a small LeNet-300-100."""

from __future__ import annotations

import pytest
import torch

from nbviz.data import digits
from nbviz.models import LeNet300100

# Small, fast training settings for digits (about 0.1 s per training on one core).
FAST = {"epochs": 3, "batch_size": 64, "lr": 3e-3, "progress": False, "device": "cpu"}


@pytest.fixture(scope="module", autouse=True)
def _one_thread(one_torch_thread):
    """Every module in this folder runs on one torch thread (see tests/conftest.py)."""


@pytest.fixture(scope="session")
def digits_train():
    return digits("train")


@pytest.fixture(scope="session")
def digits_test():
    return digits("test")


@pytest.fixture
def lenet():
    """A freshly initialized LeNet-300-100 for 8x8 digits (seeded)."""
    torch.manual_seed(0)
    return LeNet300100(in_shape=(1, 8, 8))
