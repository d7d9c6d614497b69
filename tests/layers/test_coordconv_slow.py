"""The CoordConv paper's first experiment, small: Supervised Coordinate Classification on
Not-so-Clevr's quadrant split (Liu et al. 2018, arXiv:1807.03247, Section 4).

A net is given a square's centre ``(row, column)`` and must light that pixel of the
64 × 64 canvas (a softmax over the 4,096 pixels). As in the paper's CoordConv model, the
coordinates are tiled over the canvas (a 1 × 1 map upsampled to 64 × 64) and go through
1 × 1 convolutions that give one logit per pixel. The test set is the bottom-right
quadrant, which the net never saw. With CoordConv layers, each pixel sees its own
coordinates beside the target's and the net learns "light the pixel where they match",
which carries over to the unseen quadrant. (With plain convolutions this net could not
place the pixel at all: on a map that is the same everywhere its logits are equal at
every pixel. That says nothing measured, so it is not asserted here; the paper's
convolutional baseline, a deconvolution net that does fit its training positions, is a
separate comparison.)
"""

from __future__ import annotations

import time

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nbviz.data import not_so_clevr
from nbviz.layers import CoordConv2d

CANVAS = 64
#: Adam steps of 32 positions each (~3 passes over the 2,352 training positions). With
#: these settings 7 of 8 seeds tried reach 100% on the held-out quadrant, the eighth 87%.
STEPS = 200


class TiledCoordinateNet(nn.Module):
    """(row, column) → tiled over the canvas → 1 × 1 (Coord)Conv layers → a logit per pixel."""

    def __init__(self, coordconv: bool, hidden: int = 8):
        super().__init__()

        def conv(i, o):
            return CoordConv2d(i, o, 1) if coordconv else nn.Conv2d(i, o, 1)

        self.net = nn.Sequential(conv(2, hidden), nn.ReLU(), conv(hidden, hidden), nn.ReLU(),
                                 conv(hidden, 1))  # fmt: skip

    def forward(self, data):
        # Pixel p's coordinate in the frame AddCoords uses: linspace(-1, 1, 64)[p].
        coords = data / (CANVAS - 1) * 2 - 1
        tiled = coords[:, :, None, None].expand(-1, -1, CANVAS, CANVAS)
        return self.net(tiled).flatten(1)  # [N, 4096], row-major: class row * 64 + column


@torch.no_grad()
def _accuracy(model, side) -> float:
    hits = sum(
        (model(side.data[i : i + 256]).argmax(1) == side.labels[i : i + 256]).sum().item()
        for i in range(0, len(side), 256)
    )
    return hits / len(side)


def _train(coordconv: bool, ds, *, steps: int, seed: int = 0):
    torch.manual_seed(seed)
    model = TiledCoordinateNet(coordconv)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(seed)
    data, labels = ds.train.data, ds.train.labels
    for _ in range(steps):
        idx = torch.randint(len(data), (32,), generator=g)
        loss = F.cross_entropy(model(data[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


@pytest.mark.slow
def test_coordconv_generalizes_to_a_held_out_quadrant():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        ds = not_so_clevr("classification", "quadrant", quadrant=3)
        start = time.perf_counter()
        model = _train(True, ds, steps=STEPS)
        train_acc, test_acc = _accuracy(model, ds.train), _accuracy(model, ds.test)
    finally:
        torch.set_num_threads(threads)
    print(f"CoordConv: train {train_acc:.1%}, held-out quadrant {test_acc:.1%} "
          f"({time.perf_counter() - start:.0f} s)")  # fmt: skip
    assert train_acc >= 0.8 and test_acc >= 0.8
