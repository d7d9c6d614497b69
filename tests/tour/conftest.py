"""Fixtures for the nbviz.tour tests: a digits-trained SmallCNN and its test split."""

from __future__ import annotations

import pytest
import torch

from nbviz.data import digits
from nbviz.models import SmallCNN, train


@pytest.fixture(scope="session")
def digits_test():
    return digits("test")


@pytest.fixture(scope="session")
def trained_cnn():
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8))
    train(model, digits("train"), epochs=2, lr=3e-3, progress=False, seed=0, device="cpu")
    model.zero_grad(set_to_none=True)  # so tests can see that attacks leave .grad alone
    return model.eval()
