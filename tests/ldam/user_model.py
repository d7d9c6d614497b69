"""A user's own small conv net (the LDAM issue's model) and what the tests measure on it."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class UserNet(nn.Module):
    """The issue's model: two conv layers with ReLU and max pooling, a linear head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.head = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.head(x.flatten(1))


def real_scores(net, objective, images):
    """The objective on every real image, computed here, apart from the sampler."""
    with torch.no_grad():
        acts = {}
        hooks = [
            m.register_forward_hook(lambda _m, _i, out, k=k: acts.__setitem__(k, out))
            for k, m in net.named_modules()
            if k
        ]
        acts["output"] = net(images)
        for h in hooks:
            h.remove()
    return objective.score(acts, torch.zeros(len(images), dtype=torch.long))


def live_channels(net, images, k=2):
    """The k conv2 channels that vary most over the images (a user picks a working one)."""
    with torch.no_grad():
        out = net.conv2(F.max_pool2d(F.relu(net.conv1(images)), 2)).mean((2, 3))
    return out.std(0).argsort(descending=True)[:k].tolist()
