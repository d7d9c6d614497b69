"""The layer × layer matrix on a small net defined here, trained briefly on digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.data import digits
from nbviz.similarity import layer_similarity, linear_cka, similarity

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class DigitMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(64, 48)
        self.act1 = nn.ReLU()
        self.fc2 = nn.Linear(48, 24)
        self.act2 = nn.ReLU()
        self.out = nn.Linear(24, 10)

    def forward(self, x):
        return self.out(self.act2(self.fc2(self.act1(self.fc1(self.flat(x))))))


def test_the_matrix_of_one_net_and_of_two():
    data = digits().subset(400, seed=0)
    torch.manual_seed(0)
    net = DigitMLP()
    layers = ["fc1", "act1", "fc2", "out"]
    m = layer_similarity(net, data, layers)
    assert m.shape == (4, 4)
    np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-9)
    np.testing.assert_allclose(m, m.T, atol=1e-12)
    assert ((m > 0) & (m <= 1 + 1e-9)).all()
    # the entries are CKA of the captured activations
    x = data.images.reshape(len(data), -1)
    with torch.no_grad():
        fc1 = net.fc1(x)
        out = net(data.images)
    assert m[0, 3] == pytest.approx(linear_cka(fc1, out), rel=1e-9)
    # a second net: its layers are the columns; against itself the matrix is the same
    twin = layer_similarity(net, data, layers, other=net, other_layers=["out"])
    np.testing.assert_allclose(twin[:, 0], m[:, 3], atol=1e-12)
    other = DigitMLP()
    cross = layer_similarity(net, data, ["fc1"], other=other, other_layers=["fc1", "out"],
                             method="svcca")  # fmt: skip
    assert cross.shape == (1, 2) and (cross > 0).all() and (cross < 1).all()


def test_methods_by_name_and_a_misspelt_one():
    x = torch.randn(300, 8, generator=torch.Generator().manual_seed(1))
    for method in ("linear_cka", "debiased_linear_cka", "rbf_cka", "svcca", "pwcca"):
        assert similarity(x, 2 * x + 1, method) == pytest.approx(1.0, abs=1e-6), method
    with pytest.raises(ValueError, match="Did you mean 'linear_cka'"):
        similarity(x, x, "linear_cak")
