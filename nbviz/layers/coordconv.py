"""CoordConv (Liu et al. 2018, arXiv:1807.03247): convolution that can see where it is.

:class:`AddCoords` appends coordinate channels to a ``[N, C, H, W]`` batch:

* channel ``C`` — the **row** coordinate, which varies along ``H`` (dim 2) and is constant
  along ``W``: ``linspace(-1, 1, H)``, so the top row is −1 and the bottom row is 1;
* channel ``C + 1`` — the **column** coordinate, which varies along ``W`` (dim 3) and is
  constant along ``H``: ``linspace(-1, 1, W)``, so the left column is −1 and the right
  column is 1;
* channel ``C + 2`` (``with_r=True``) — the **radius**, ``sqrt(row² + column²) / sqrt(2)``:
  0 at the centre, 1 in the four corners.

Each coordinate runs from −1 to 1 inclusive whatever the size, on non-square inputs too
(the reference TensorFlow code swaps the two when ``H != W``). The channels are built per
call from the input's shape, on its device and in its dtype (computed in float32, or
float64 for float64 inputs, then cast: a float16 row channel is float32's rounded).

:class:`CoordConv2d` is :class:`AddCoords` followed by an ``nn.Conv2d`` with two (or
three) more input channels, exposed as ``.conv``.

>>> import torch
>>> layer = AddCoords()
>>> out = layer(torch.zeros(1, 1, 2, 3))
>>> out[0, 1]                              # the row channel: varies down the rows
tensor([[-1., -1., -1.],
        [ 1.,  1.,  1.]])
>>> out[0, 2]                              # the column channel: varies along a row
tensor([[-1.,  0.,  1.],
        [-1.,  0.,  1.]])
"""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn

from .._checks import check_bool, check_positive_int, closest_names

__all__ = ["AddCoords", "CoordConv2d", "coordinate_channels"]


def coordinate_channels(
    height: int,
    width: int,
    *,
    with_r: bool = False,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """The coordinate channels of an ``height × width`` map, as a ``[2 or 3, H, W]`` tensor.

    Channel 0 is the row coordinate (``linspace(-1, 1, height)`` down dim 1, the same in
    every column), channel 1 the column coordinate (``linspace(-1, 1, width)`` along
    dim 2, the same in every row) and, with ``with_r=True``, channel 2 the radius
    ``sqrt(row² + column²) / sqrt(2)``, in ``[0, 1]``. ``height`` and ``width`` must be
    at least 2: on a single pixel a coordinate from −1 to 1 is undefined.

    ``device`` is where the tensor is made (``None``: the CPU; this layer follows its
    input, so ``"auto"`` has no meaning here).

    >>> c = coordinate_channels(3, 5, with_r=True)
    >>> c.shape
    torch.Size([3, 3, 5])
    >>> c[0, :, 0].tolist(), c[1, 0].tolist()
    ([-1.0, 0.0, 1.0], [-1.0, -0.5, 0.0, 0.5, 1.0])
    >>> c[2, 1, 2].item(), c[2, 0, 0].item()    # centre, corner
    (0.0, 1.0)
    """
    height = check_positive_int(height, "height")
    width = check_positive_int(width, "width")
    for name, size in (("height", height), ("width", width)):
        if size < 2:
            raise ValueError(
                f"{name}: expected at least 2 pixels, got {size}; a coordinate from -1 to 1 "
                f"is undefined on a single pixel"
            )
    with_r = check_bool(with_r, "with_r")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype: expected a floating torch.dtype, got {dtype!r}")
    work = torch.float64 if dtype == torch.float64 else torch.float32
    rows = torch.linspace(-1.0, 1.0, height, device=device, dtype=work)
    cols = torch.linspace(-1.0, 1.0, width, device=device, dtype=work)
    row = rows[:, None].expand(height, width)
    col = cols[None, :].expand(height, width)
    channels = [row, col]
    if with_r:
        channels.append((torch.sqrt(row * row + col * col) / math.sqrt(2.0)).clamp_(max=1.0))
    return torch.stack(channels).to(dtype)


def _check_input(data, name: str) -> torch.Tensor:
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(data).__name__}")
    if data.ndim != 4:
        raise ValueError(
            f"{name}: expected a 4-D batch [N, C, H, W], got shape {tuple(data.shape)}"
            + (" (add a batch dimension with data.unsqueeze(0))" if data.ndim == 3 else "")
        )
    if not data.dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {data.dtype}")
    h, w = data.shape[-2:]
    if h < 2 or w < 2:
        raise ValueError(
            f"{name}: expected H and W of at least 2, got H={h}, W={w} (shape "
            f"{tuple(data.shape)}); coordinates from -1 to 1 are undefined on a single pixel "
            f"row or column"
        )
    return data


class AddCoords(nn.Module):
    """Append coordinate channels to a ``[N, C, H, W]`` batch (CoordConv's first half).

    The output is ``[N, C + 2, H, W]`` (``C + 3`` with ``with_r=True``): the input's
    channels, then the row coordinate (varies along ``H``), the column coordinate
    (varies along ``W``) and, optionally, the radius; see :func:`coordinate_channels`.
    It has no parameters; the channels are on the input's device, in its dtype.

    Args:
        with_r: also append the radius channel ``sqrt(row² + column²) / sqrt(2)``.

    >>> import torch
    >>> out = AddCoords(with_r=True)(torch.ones(2, 3, 6, 14, dtype=torch.float64))
    >>> out.shape, out.dtype
    (torch.Size([2, 6, 6, 14]), torch.float64)
    >>> bool((out[:, 3].amin() == -1) & (out[:, 3].amax() == 1))
    True
    """

    def __init__(self, with_r: bool = False):
        super().__init__()
        self.with_r = check_bool(with_r, "with_r")

    @property
    def extra_channels(self) -> int:
        """How many channels this layer adds: 2, or 3 with the radius.

        >>> AddCoords().extra_channels, AddCoords(with_r=True).extra_channels
        (2, 3)
        """
        return 3 if self.with_r else 2

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        """``data`` ``[N, C, H, W]`` with the coordinate channels appended after ``C``."""
        data = _check_input(data, f"{type(self).__name__} input")
        n, _, h, w = data.shape
        coords = coordinate_channels(h, w, with_r=self.with_r, device=data.device, dtype=data.dtype)
        return torch.cat([data, coords.unsqueeze(0).expand(n, -1, -1, -1)], dim=1)

    def extra_repr(self) -> str:
        return f"with_r={self.with_r}"


#: The keyword arguments nn.Conv2d takes beside the three CoordConv2d names itself.
_CONV2D_KWARGS = tuple(
    name
    for name in inspect.signature(nn.Conv2d.__init__).parameters
    if name not in ("self", "in_channels", "out_channels", "kernel_size")
)


class CoordConv2d(nn.Module):
    """A 2-D convolution that sees the coordinates: :class:`AddCoords`, then ``nn.Conv2d``.

    Args:
        in_channels: the channels of the input (the coordinates come on top).
        out_channels: the channels of the output.
        kernel_size: the convolution's kernel size (an int or a pair).
        with_r: also append the radius channel (three coordinate channels, not two).
        **conv2d_kwargs: passed to ``nn.Conv2d`` (``stride``, ``padding``, ``bias``,
            ``dtype``, ``device`` ...).

    Attributes:
        add_coords: the :class:`AddCoords` layer.
        conv: the ``nn.Conv2d``, with ``in_channels + 2`` (or ``+ 3``) input channels; its
            last input channels are the coordinates' weights.

    >>> import torch
    >>> layer = CoordConv2d(3, 8, 3, padding=1)
    >>> layer.conv
    Conv2d(5, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> layer(torch.zeros(2, 3, 6, 14)).shape
    torch.Size([2, 8, 6, 14])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        *,
        with_r: bool = False,
        **conv2d_kwargs,
    ):
        super().__init__()
        in_channels = check_positive_int(in_channels, "in_channels")
        out_channels = check_positive_int(out_channels, "out_channels")
        for name in conv2d_kwargs:
            if name not in _CONV2D_KWARGS:
                close = closest_names(name, _CONV2D_KWARGS)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise TypeError(f"CoordConv2d: unexpected keyword argument {name!r}{hint}")
        self.in_channels = in_channels
        self.add_coords = AddCoords(with_r)
        self.conv = nn.Conv2d(
            in_channels + self.add_coords.extra_channels, out_channels, kernel_size, **conv2d_kwargs
        )

    @property
    def with_r(self) -> bool:
        """Whether the radius channel is added.

        >>> CoordConv2d(1, 1, 1, with_r=True).with_r
        True
        """
        return self.add_coords.with_r

    @property
    def out_channels(self) -> int:
        """The channels of the output (the convolution's).

        >>> CoordConv2d(1, 4, 1).out_channels
        4
        """
        return self.conv.out_channels

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        """The convolution of ``data`` ``[N, in_channels, H, W]`` and its coordinates."""
        data = _check_input(data, "CoordConv2d input")
        if data.shape[1] != self.in_channels:
            raise ValueError(
                f"CoordConv2d input: expected {self.in_channels} channels (in_channels), got "
                f"{data.shape[1]} (shape {tuple(data.shape)}); the coordinate channels are "
                f"added by the layer, not by the caller"
            )
        return self.conv(self.add_coords(data))

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, with_r={self.with_r}"
