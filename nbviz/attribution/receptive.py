"""Receptive fields: which input pixels a unit at one position of a conv layer can see.

:func:`receptive_fields` follows the layers a forward pass calls on the way to ``layer``
(convolutions and poolings change the geometry; elementwise layers such as ReLU or
BatchNorm do not) and gives, for every output row and column of that layer, the input
rows and columns of its receptive field, clipped to the image. A layer reached through
anything else (a linear layer, a reshape, a branch) sees the whole input; the function
then says so instead of guessing.

>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
...                     nn.Conv2d(4, 4, 3, padding=1))
>>> rf = receptive_fields(net, "3", (1, 8, 8))
>>> rf.size, rf.jump, rf.start       # 3×3, then 2×2 pooling, then 3×3 at stride 2
(8, (2, 2), (-3, -3))
>>> rf.box(0, 0), rf.box(2, 1)        # clipped to the 8×8 input
((0, 0, 5, 5), (1, 0, 8, 7))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..models.capture import layer_names

__all__ = ["ReceptiveFields", "receptive_fields"]

_CONVS = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
_ELEMENTWISE = (
    nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid, nn.Softplus,
    nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.Identity,
)  # fmt: skip


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


@dataclass(frozen=True)
class ReceptiveFields:
    """The receptive field of every position of a conv layer's output.

    Attributes:
        size: the side of one whole field in input pixels (an int, or ``(h, w)`` when the
            sides differ); a field at an edge is smaller.
        jump: input pixels between neighbouring output positions ``(h, w)``.
        start: the input coordinate of the first field's first pixel ``(h, w)`` (negative:
            the field overhangs the padding).
        input_size: the input's ``(H, W)``.
        steps: each convolution or pooling on the way, input side first: ``(kernel,
            stride, padding, dilation, input size)`` per axis.
    """

    size: int | tuple[int, int]
    jump: tuple[int, int]
    start: tuple[int, int]
    input_size: tuple[int, int]
    steps: tuple = ()

    def box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """The input pixels output position ``(row, col)`` depends on:
        ``(top, left, bottom, right)``, bottom and right exclusive. Walked back layer by
        layer, so padding at any layer (not only the input's edge) trims it."""
        bounds = []
        for axis, pos in ((0, row), (1, col)):
            lo, hi = pos, pos
            for step in reversed(self.steps):
                k, st, p, d, n = step[axis]
                # the kernel taps of the first and the last position, on their dilation
                # lattice, that land inside the input (the others read padding)
                first, last = lo * st - p, hi * st - p
                lo = first + d * max(0, -(first // d) if first < 0 else 0)
                hi = last + d * min(k - 1, (n - 1 - last) // d)
            bounds.append((lo, hi + 1))
        (top, bottom), (left, right) = bounds
        return top, left, bottom, right


def receptive_fields(model: nn.Module, layer: str, input_shape) -> ReceptiveFields:
    """The receptive fields of conv layer ``layer`` (a module name) of ``model`` for
    inputs of ``input_shape`` ``(C, H, W)``, from the layers one forward pass calls.

    Raises:
        ValueError: an unknown layer (with the closest names), or a layer whose output a
            non-convolutional step (linear, reshape, a branch) mixes across positions,
            named in the message.
    """
    names = dict(model.named_modules())
    if layer not in names or not layer:
        from .._checks import unknown_name_error

        raise unknown_name_error("layer", layer, layer_names(model), "layer")
    calls: list[tuple[str, nn.Module, torch.Tensor, torch.Tensor]] = []
    hooks = [
        m.register_forward_hook(lambda mod, inp, out, n=n: calls.append((n, mod, inp[0], out)))
        for n, m in names.items()
        if n and not list(m.children())
    ]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for h in hooks:
            h.remove()
    jump, start, size = [1, 1], [0, 0], [1, 1]
    steps = []
    previous = None
    for name, mod, inp, out in calls:
        if previous is not None and inp is not previous:
            raise ValueError(
                f"layer: {layer!r} is not reached through a chain of layers: {name!r} takes "
                "something other than the previous layer's output (a branch or a function "
                "in forward); its receptive field is not a box of this chain"
            )
        if isinstance(mod, _CONVS):
            k, s = _pair(mod.kernel_size), _pair(mod.stride or mod.kernel_size)
            p = _pair(mod.padding)
            d = _pair(getattr(mod, "dilation", 1))
            n = inp.shape[-2:]
            steps.append(tuple((k[a], s[a], p[a], d[a], int(n[a])) for a in range(2)))
            for a in range(2):
                start[a] -= p[a] * jump[a]
                size[a] += (d[a] * (k[a] - 1)) * jump[a]
                jump[a] *= s[a]
        elif not isinstance(mod, _ELEMENTWISE):
            raise ValueError(
                f"layer: {name!r} ({type(mod).__name__}) before {layer!r} mixes positions; "
                "receptive fields are defined up to the last convolution or pooling"
            )
        previous = out
        if name == layer:
            break
    else:
        raise ValueError(f"layer: {layer!r} is not called by the model's forward")
    side = size[0] if size[0] == size[1] else (size[0], size[1])
    return ReceptiveFields(side, tuple(jump), tuple(start), tuple(input_shape[1:]), tuple(steps))
