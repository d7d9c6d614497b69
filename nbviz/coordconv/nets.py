"""The two networks of CoordConv's coordinate → image comparison (Liu et al. 2018).

Both take square centres ``[N, 2]`` as ``(row, column)`` in pixels (Not-so-Clevr's
coordinates, :func:`nbviz.data.not_so_clevr`) and give one logit per pixel of the
canvas, ``[N, 1, canvas, canvas]``: a softmax over the pixels for the classification
task, a sigmoid per pixel for the rendering task.

* :class:`DeconvNet` is the paper's convolutional baseline: the coordinates as a
  1 × 1 map with two channels, upsampled to the canvas by a stack of stride-2
  transposed convolutions. It can fit the positions it trains on, but nothing ties
  one position's output to another's, so it has no reason to place a square
  correctly where it never saw one.
* :class:`CoordConvNet` is the paper's CoordConv model: the coordinates tiled over
  the canvas, then :class:`~nbviz.layers.CoordConv2d` and 1 × 1 convolutions. Every
  pixel sees its own coordinates beside the target's, and "light the pixels near the
  target" is the same rule everywhere, so it carries over to unseen positions.

>>> import torch
>>> xy = torch.tensor([[4.0, 4.0], [59.0, 30.0]])
>>> DeconvNet()(xy).shape, CoordConvNet()(xy).shape
(torch.Size([2, 1, 64, 64]), torch.Size([2, 1, 64, 64]))
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from .._checks import check_positive_int
from ..layers import CoordConv2d

__all__ = ["CoordConvNet", "DeconvNet", "coordinate_nets"]


def _unit_coordinates(xy: torch.Tensor, canvas: int) -> torch.Tensor:
    """Pixel coordinates ``[N, 2]`` mapped to [-1, 1] as AddCoords' channels are: pixel p
    is ``linspace(-1, 1, canvas)[p]``."""
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(
            f"input: expected coordinates [N, 2] as (row, column), got {tuple(xy.shape)}"
        )
    return xy / (canvas - 1) * 2 - 1


class DeconvNet(nn.Module):
    """The convolutional baseline: (row, column) → a 1 × 1 map → transposed convolutions.

    ``log2(canvas)`` stride-2 transposed convolutions (kernel 4), each but the last
    followed by batch norm and ReLU, double the map from 1 × 1 to ``canvas × canvas``.

    Args:
        width: channels of the hidden maps (the last hidden one has half).
        canvas: the output's side, a power of two (Not-so-Clevr's is 64).

    >>> import torch
    >>> net = DeconvNet(width=8, canvas=16)
    >>> net(torch.tensor([[3.0, 12.0]])).shape
    torch.Size([1, 1, 16, 16])
    """

    def __init__(self, width: int = 32, canvas: int = 64):
        super().__init__()
        width = check_positive_int(width, "width", minimum=2)
        canvas = check_positive_int(canvas, "canvas", minimum=2)
        if canvas & (canvas - 1):
            raise ValueError(f"canvas: expected a power of two, got {canvas}")
        self.canvas = canvas
        depth = canvas.bit_length() - 1
        channels = [2] + [width] * (depth - 2) + [width // 2] * (depth > 1) + [1]
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(pairwise(channels)):
            layers.append(nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1))
            if i < depth - 1:
                layers += [nn.BatchNorm2d(c_out), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, 1, canvas, canvas]`` for centres ``xy`` ``[N, 2]`` (pixels)."""
        return self.net(_unit_coordinates(xy, self.canvas)[:, :, None, None])


class CoordConvNet(nn.Module):
    """The CoordConv model: (row, column) tiled over the canvas → CoordConv → 1 × 1 convs.

    Args:
        width: channels of the hidden maps.
        depth: convolutions in all (the first a :class:`~nbviz.layers.CoordConv2d`).
        canvas: the output's side.

    >>> import torch
    >>> net = CoordConvNet(width=4, canvas=10)
    >>> net(torch.tensor([[3.0, 7.0]])).shape
    torch.Size([1, 1, 10, 10])
    """

    def __init__(self, width: int = 16, depth: int = 4, canvas: int = 64):
        super().__init__()
        width = check_positive_int(width, "width")
        depth = check_positive_int(depth, "depth", minimum=2)
        self.canvas = check_positive_int(canvas, "canvas", minimum=2)
        layers: list[nn.Module] = [CoordConv2d(2, width, 1), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 1), nn.ReLU()]
        layers.append(nn.Conv2d(width, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, 1, canvas, canvas]`` for centres ``xy`` ``[N, 2]`` (pixels)."""
        side = self.canvas
        tiled = _unit_coordinates(xy, side)[:, :, None, None].expand(-1, -1, side, side)
        return self.net(tiled)


def coordinate_nets(seed: int = 0, canvas: int = 64) -> dict[str, nn.Module]:
    """The paper's two contenders, freshly initialized from ``seed``:
    ``{"conv": DeconvNet(), "coordconv": CoordConvNet()}``.

    >>> nets = coordinate_nets(seed=0)
    >>> list(nets), sum(p.numel() for p in nets["coordconv"].parameters())
    (['conv', 'coordconv'], 641)
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return {"conv": DeconvNet(canvas=canvas), "coordconv": CoordConvNet(canvas=canvas)}
