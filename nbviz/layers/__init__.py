"""Layers from the papers behind nbviz's views, as plain ``torch.nn`` modules. No widgets here.

* :mod:`~nbviz.layers.coordconv` — CoordConv (Liu et al. 2018, arXiv:1807.03247):
  :class:`AddCoords` appends a row and a column coordinate channel (each from −1 to 1;
  optionally a radius) to a ``[N, C, H, W]`` batch, :class:`CoordConv2d` is that
  followed by ``nn.Conv2d``, and :func:`coordinate_channels` gives the channels alone.
  Its data, Not-so-Clevr, is :func:`nbviz.data.not_so_clevr`.

>>> import torch
>>> layer = CoordConv2d(1, 4, kernel_size=3, padding=1)
>>> layer(torch.zeros(2, 1, 6, 14)).shape
torch.Size([2, 4, 6, 14])
"""

from .coordconv import AddCoords, CoordConv2d, coordinate_channels

__all__ = ["AddCoords", "CoordConv2d", "coordinate_channels"]
