"""Pixel flipping and conservation: on a linear model where the true contributions are
known, and on a small CNN of the user's own trained on real digits."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nbviz.attribution import METHODS, attribute, conservation, pixel_flipping
from nbviz.data import digits

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_true_contributions_flip_fastest():
    """y = w·x: each pixel's contribution w_i x_i is the perfect heatmap. Removed in its
    order the score falls fastest; in the reverse order slowest."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2, bias=False))
    x = torch.rand(5, 1, 4, 4)
    truth = x * net[1].weight[0].view(1, 1, 4, 4)
    best = pixel_flipping(net, x, truth, target=0, steps=16)
    worst = pixel_flipping(net, x, -truth, target=0, steps=16)
    assert best.fractions.tolist() == [k / 16 for k in range(17)]
    assert best.per_image.shape == (5, 17)
    with torch.no_grad():
        full = net(x)[:, 0]
    torch.testing.assert_close(best.per_image[:, 0], full)
    assert torch.allclose(best.scores[-1], torch.tensor(0.0), atol=1e-6)  # all removed
    # each step removes the largest remaining contribution: the curve is the running sum
    steps = truth.flatten(1).sort(dim=1, descending=True).values.cumsum(1)
    torch.testing.assert_close(best.per_image[:, 1:], full[:, None] - steps, atol=1e-5, rtol=0)
    assert best.auc < worst.auc
    assert conservation(net, x, truth, target=0).tolist() == pytest.approx([1.0] * 5)


class UserNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(self.relu2(self.conv2(self.relu1(self.conv1(x)))))
        return self.head(self.flatten(x))


@pytest.fixture(scope="module")
def trained():
    train = digits("train")
    torch.manual_seed(0)
    net = UserNet()
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    for _ in range(8):
        for i in range(0, len(train), 64):
            loss = F.cross_entropy(net(train.images[i : i + 64]), train.labels[i : i + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def test_every_method_beats_a_random_heatmap_on_real_digits(trained):
    """On a net the user trained on real digits, removing pixels in each method's order
    lowers the predicted class's score faster than removing them at random."""
    test = digits("test")
    x = test.images[:64]
    with torch.no_grad():
        acc = float((trained(test.images).argmax(1) == test.labels).float().mean())
    assert acc > 0.9
    noise = torch.rand(x.shape, generator=torch.Generator().manual_seed(0))
    random_auc = pixel_flipping(trained, x, noise, steps=16).auc
    aucs = {}
    for method in METHODS:
        heat = attribute(trained, x, method=method, window=2)
        assert heat.shape == x.shape and torch.isfinite(heat).all()
        aucs[method] = pixel_flipping(trained, x, heat, steps=16).auc
    assert all(a < random_auc for a in aucs.values()), (aucs, random_auc)
