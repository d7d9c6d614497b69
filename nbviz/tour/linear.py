"""Layers as (affine) linear maps, for the layer-to-layer view.

Every map acts on one item flattened in PyTorch's order (``C, H, W`` row-major):
``layer(x).flatten() == matrix @ x.flatten() + bias``.

* :func:`conv2d_matrix`: a sparse COO matrix for ``nn.Conv2d`` (stride, padding —
  including ``"same"``/``"valid"`` —, dilation and groups; zero padding only).
* :func:`linear_matrix`: ``nn.Linear``'s dense weight.
* :func:`avgpool_matrix`: ``nn.AvgPool2d`` (``count_include_pad``,
  ``divisor_override``) and divisible ``nn.AdaptiveAvgPool2d``.
* :func:`batchnorm_matrix`: ``nn.BatchNorm1d/2d`` in eval mode (running statistics),
  a diagonal affine map.
* Max pooling is not linear (only piece-wise linear). The Grand Tour article
  approximates it by average pooling over the same windows and aligns the views
  through that matrix's SVD. We add one rescaling: :func:`maxpool_matrix` is
  ``scale · avgpool_matrix``, where :func:`linearize` fits the scalar ``scale`` by
  least squares so that the rescaled average matches the max pooling's output on the
  data it is given (a max exceeds the mean of its window, so a plain average shrinks
  the layer); without data ``scale = 1``, the article's plain average. Such a step
  is marked ``kind="approximate"``.

:func:`linearize` turns a whole network into a list of :class:`LinearStep`. ReLU and
the other element-wise activations are not linear: they stay as ``kind="nonlinear"``
steps that apply the module itself; the view shows the activations before and after
them and, as the article does for ReLU, moves between the two by straight
interpolation (coordinate-wise, so it stays readable). ``nn.Flatten``,
``nn.Identity`` and dropout (in eval) are ``kind="reshape"`` steps.

>>> import torch
>>> conv = torch.nn.Conv2d(1, 2, 3, padding=1)
>>> m, b = conv2d_matrix(conv, (1, 4, 4))
>>> x = torch.randn(1, 1, 4, 4)
>>> bool(torch.allclose(m @ x.flatten() + b, conv(x).flatten(), atol=1e-5))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "LinearStep",
    "avgpool_matrix",
    "batchnorm_matrix",
    "conv2d_matrix",
    "linear_matrix",
    "linearize",
    "maxpool_matrix",
]

_ACTIVATIONS = (
    nn.ReLU, nn.LeakyReLU, nn.ReLU6, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Tanh, nn.Sigmoid, nn.Softplus, nn.Hardtanh, nn.Hardswish,
    nn.Hardsigmoid, nn.PReLU, nn.Softmax, nn.LogSoftmax,
)  # fmt: skip
_PASS_THROUGH = (nn.Flatten, nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d)


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _check_in_shape(in_shape, name: str = "in_shape") -> tuple[int, int, int]:
    if (
        not isinstance(in_shape, (tuple, list, torch.Size))
        or len(in_shape) != 3
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in in_shape)
    ):
        raise TypeError(f"{name}: expected a (channels, height, width) tuple, got {in_shape!r}")
    if min(in_shape) < 1:
        raise ValueError(f"{name}: expected positive sizes, got {tuple(in_shape)}")
    return tuple(int(s) for s in in_shape)


def _patch_indices(in_shape, kernel, stride, dilation, pads) -> tuple[torch.Tensor, int, int]:
    """For each window, the flat input index + 1 of each element (0 for padding).

    Returns ``(idx, h_out, w_out)`` with ``idx`` of shape ``(C, kh·kw, h_out·w_out)``.
    """
    c, h, w = in_shape
    # float64 holds integers exactly up to 2**53, far beyond any layer size.
    flat = torch.arange(1, c * h * w + 1, dtype=torch.float64).reshape(1, c, h, w)
    left, right, top, bottom = pads
    flat = F.pad(flat, (left, right, top, bottom))
    hp, wp = flat.shape[-2:]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    h_out = (hp - dh * (kh - 1) - 1) // sh + 1
    w_out = (wp - dw * (kw - 1) - 1) // sw + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(f"in_shape: {tuple(in_shape)} is smaller than the layer's window")
    cols = F.unfold(flat, kernel, dilation=dilation, stride=stride)
    return cols.reshape(c, kh * kw, h_out * w_out).round().long(), h_out, w_out


def _conv_pads(conv: nn.Conv2d, kernel, dilation) -> tuple[int, int, int, int]:
    if conv.padding == "valid":
        return (0, 0, 0, 0)
    if conv.padding == "same":
        th, tw = (d * (k - 1) for d, k in zip(dilation, kernel, strict=True))
        return (tw // 2, tw - tw // 2, th // 2, th - th // 2)
    ph, pw = _pair(conv.padding)
    return (pw, pw, ph, ph)


def conv2d_matrix(conv: nn.Conv2d, in_shape) -> tuple[torch.Tensor, torch.Tensor]:
    """``(matrix, bias)`` with ``conv(x).flatten() == matrix @ x.flatten() + bias``.

    ``matrix`` is a coalesced sparse COO tensor of shape ``(C_out·H_out·W_out,
    C·H·W)`` in the weight's dtype; ``bias`` is dense, one entry per output (zeros
    when the convolution has none).

    >>> m, b = conv2d_matrix(torch.nn.Conv2d(3, 4, 3, stride=2), (3, 9, 9))
    >>> tuple(m.shape), tuple(b.shape)
    ((64, 243), (64,))
    """
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"conv: expected an nn.Conv2d, got {type(conv).__name__}")
    if conv.padding_mode != "zeros":
        raise ValueError(f"conv: only zero padding is linear here, got {conv.padding_mode!r}")
    c, h, w = _check_in_shape(in_shape)
    if c != conv.in_channels:
        raise ValueError(f"in_shape: the layer expects {conv.in_channels} channels, got {c}")
    kernel, stride, dilation = _pair(conv.kernel_size), _pair(conv.stride), _pair(conv.dilation)
    idx, h_out, w_out = _patch_indices(
        (c, h, w), kernel, stride, dilation, _conv_pads(conv, kernel, dilation)
    )
    g, c_out = conv.groups, conv.out_channels
    cin_g, cout_g, n_pos = c // g, c_out // g, h_out * w_out
    # (groups, C_in/g · kh·kw, L): the input indices each output channel of a group reads.
    idx = idx.reshape(g, cin_g * kernel[0] * kernel[1], n_pos)
    cols = idx.repeat_interleave(cout_g, dim=0)  # (C_out, taps, L)
    vals = conv.weight.detach().reshape(c_out, -1, 1).expand_as(cols)
    rows = (torch.arange(c_out).reshape(-1, 1, 1) * n_pos + torch.arange(n_pos)).expand_as(cols)
    keep = cols > 0
    matrix = torch.sparse_coo_tensor(
        torch.stack([rows[keep], cols[keep] - 1]),
        vals[keep],
        (c_out * n_pos, c * h * w),
        check_invariants=True,
    ).coalesce()
    bias = conv.bias.detach() if conv.bias is not None else conv.weight.new_zeros(c_out)
    return matrix, bias.repeat_interleave(n_pos).clone()


def linear_matrix(linear: nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
    """``(weight, bias)`` of an ``nn.Linear`` (dense; zeros for a missing bias).

    >>> w, b = linear_matrix(torch.nn.Linear(3, 2, bias=False))
    >>> tuple(w.shape), b.tolist()
    ((2, 3), [0.0, 0.0])
    """
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"linear: expected an nn.Linear, got {type(linear).__name__}")
    weight = linear.weight.detach().clone()
    bias = (
        linear.bias.detach().clone() if linear.bias is not None else weight.new_zeros(len(weight))
    )
    return weight, bias


def _pool_geometry(pool, in_shape):
    _, h, w = in_shape
    if isinstance(pool, nn.AdaptiveAvgPool2d):
        oh, ow = _pair(pool.output_size) if pool.output_size is not None else (h, w)
        oh, ow = oh or h, ow or w
        if h % oh or w % ow:
            raise ValueError(
                f"pool: adaptive pooling from {(h, w)} to {(oh, ow)} has uneven windows; "
                "only sizes that divide evenly are linearized"
            )
        return (h // oh, w // ow), (h // oh, w // ow), (0, 0), True, None
    if getattr(pool, "ceil_mode", False):
        raise ValueError("pool: ceil_mode=True is not supported; use ceil_mode=False")
    kernel = _pair(pool.kernel_size)
    stride = _pair(pool.stride if pool.stride is not None else pool.kernel_size)
    padding = _pair(pool.padding)
    include_pad = getattr(pool, "count_include_pad", True)
    return kernel, stride, padding, include_pad, getattr(pool, "divisor_override", None)


def avgpool_matrix(pool, in_shape, *, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """``(matrix, bias)`` for average pooling over each channel (``bias`` is zeros).

    Accepts ``nn.AvgPool2d``, ``nn.AdaptiveAvgPool2d`` (sizes dividing evenly) and, for
    the window geometry only, ``nn.MaxPool2d`` (see :func:`maxpool_matrix`).

    >>> m, _ = avgpool_matrix(torch.nn.AvgPool2d(2), (1, 2, 2))
    >>> m.to_dense().tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """
    if not isinstance(pool, (nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.MaxPool2d)):
        raise TypeError(f"pool: expected a 2-D average or max pooling, got {type(pool).__name__}")
    if isinstance(pool, nn.MaxPool2d) and _pair(pool.dilation) != (1, 1):
        raise ValueError("pool: dilated max pooling is not supported")
    c, h, w = in_shape = _check_in_shape(in_shape)
    kernel, stride, (ph, pw), include_pad, override = _pool_geometry(pool, in_shape)
    idx, h_out, w_out = _patch_indices(in_shape, kernel, stride, (1, 1), (pw, pw, ph, ph))
    n_pos = h_out * w_out
    taps = kernel[0] * kernel[1]
    valid = idx > 0
    if override:
        div = torch.full((n_pos,), float(override), dtype=torch.float64)
    elif include_pad:
        # PyTorch counts padding but not windows hanging past the padded border; with
        # ceil_mode off every window lies inside the padded input.
        div = torch.full((n_pos,), float(taps), dtype=torch.float64)
    else:
        div = valid[0].sum(0).double()
    rows = (torch.arange(c).reshape(-1, 1, 1) * n_pos + torch.arange(n_pos)).expand_as(idx)
    vals = (1.0 / div).expand_as(idx)
    matrix = torch.sparse_coo_tensor(
        torch.stack([rows[valid], idx[valid] - 1]),
        vals[valid].to(dtype),
        (c * n_pos, c * h * w),
        check_invariants=True,
    ).coalesce()
    return matrix, torch.zeros(c * n_pos, dtype=dtype)


def maxpool_matrix(
    pool: nn.MaxPool2d, in_shape, scale: float = 1.0, *, dtype=torch.float32
) -> tuple[torch.Tensor, torch.Tensor]:
    """Max pooling shown as ``scale ·`` average pooling over the same windows.

    An approximation (max pooling is not linear): see the module docstring.

    >>> m, _ = maxpool_matrix(torch.nn.MaxPool2d(2), (1, 2, 2), scale=2.0)
    >>> m.to_dense().tolist()
    [[0.5, 0.5, 0.5, 0.5]]
    """
    if not isinstance(pool, nn.MaxPool2d):
        raise TypeError(f"pool: expected an nn.MaxPool2d, got {type(pool).__name__}")
    matrix, bias = avgpool_matrix(pool, in_shape, dtype=dtype)
    return matrix * float(scale), bias


def batchnorm_matrix(bn, in_shape, *, dtype=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(matrix, bias)`` of a batch norm in eval mode: a sparse diagonal and a shift.

    Uses the running statistics whatever the module's train/eval flag.

    >>> bn = torch.nn.BatchNorm1d(2).eval()
    >>> m, b = batchnorm_matrix(bn, (2,))
    >>> m.to_dense().diagonal().round(decimals=4).tolist(), b.tolist()
    ([1.0, 1.0], [0.0, 0.0])
    """
    if not isinstance(bn, (nn.BatchNorm1d, nn.BatchNorm2d)):
        raise TypeError(f"bn: expected an nn.BatchNorm1d/2d, got {type(bn).__name__}")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(
            "bn: it keeps no running statistics (track_running_stats=False), so it is not "
            "a fixed affine map"
        )
    if not isinstance(in_shape, (tuple, list, torch.Size)) or not in_shape:
        raise TypeError(f"in_shape: expected the per-item shape, got {in_shape!r}")
    in_shape = tuple(int(s) for s in in_shape)
    if in_shape[0] != bn.num_features:
        raise ValueError(f"in_shape: expected {bn.num_features} channels first, got {in_shape}")
    per = 1
    for s in in_shape[1:]:
        per *= s
    inv = torch.rsqrt(bn.running_var.detach().double() + bn.eps)
    gain = inv * (bn.weight.detach().double() if bn.weight is not None else 1.0)
    shift = -bn.running_mean.detach().double() * gain
    if bn.bias is not None:
        shift = shift + bn.bias.detach().double()
    dtype = dtype or bn.running_mean.dtype
    n = bn.num_features * per
    diag = torch.arange(n)
    matrix = torch.sparse_coo_tensor(
        torch.stack([diag, diag]),
        gain.repeat_interleave(per).to(dtype),
        (n, n),
        check_invariants=True,
    ).coalesce()
    return matrix, shift.repeat_interleave(per).to(dtype)


@dataclass
class LinearStep:
    """One step of a linearized network, acting on a batch ``(N, *in_shape)``.

    Attributes:
        name: the module's name in ``model.named_modules()``.
        kind: ``"affine"`` (exact ``matrix``/``bias``), ``"approximate"`` (max pooling
            shown as rescaled average pooling), ``"nonlinear"`` (applies ``module``;
            ``matrix`` is ``None``) or ``"reshape"`` (identity on the flat values).
        module: the module itself.
        matrix: sparse or dense ``(out_features, in_features)`` tensor, or ``None``.
        bias: dense ``(out_features,)`` tensor, or ``None``.
        in_shape, out_shape: per-item shapes.

    >>> step = linearize(torch.nn.Sequential(torch.nn.Linear(3, 2)), (3,))[0]
    >>> step.kind, step.in_shape, step.out_shape
    ('affine', (3,), (2,))
    """

    name: str
    kind: str
    module: nn.Module
    matrix: torch.Tensor | None
    bias: torch.Tensor | None
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]

    @property
    def is_linear(self) -> bool:
        """Whether the step is an affine map (exact or approximate) or a reshape."""
        return self.kind != "nonlinear"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the step: the affine map for affine/approximate steps, else the module."""
        n = x.shape[0]
        if self.kind == "nonlinear":
            return self.module(x)
        flat = x.reshape(n, -1)
        if self.kind in ("affine", "approximate"):
            flat = (self.matrix @ flat.T).T + self.bias
        return flat.reshape(n, *self.out_shape)


def _effective_leaves(model: nn.Module, x: torch.Tensor):
    """Run ``model`` once; return ``[(name, module, input, output)]`` in call order.

    An "effective leaf" is a module that ran while none of its submodules did (so a
    module that computes functionally, like ``nn.MultiheadAttention``, counts as one).
    """
    records: dict[str, list] = {}
    order: list[str] = []

    def hook_for(name):
        def hook(module, args, output):
            order.append(name)
            records.setdefault(name, []).append((args[0] if args else None, output))

        return hook

    named = [(n, m) for n, m in model.named_modules()]
    handles = [m.register_forward_hook(hook_for(n)) for n, m in named]
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    ran = set(order)
    leaves = []
    for name in order:
        if name == "" and len(ran) > 1:
            continue
        prefix = f"{name}." if name else ""
        if any(o.startswith(prefix) and o != name for o in ran):
            continue  # a container: its children are the steps
        if len(records[name]) > 1:
            raise ValueError(
                f"model: module {name!r} runs more than once in a forward pass; "
                "linearize needs each step to run once"
            )
        inp, output = records[name][0]
        leaves.append((name, dict(named)[name], inp, output))
    return leaves, out


def _unsupported(name: str, module: nn.Module, why: str) -> ValueError:
    return ValueError(
        f"model: layer {name!r} ({type(module).__name__}) cannot be linearized: {why}. "
        "Show its activations instead (nbviz.models.capture_activations or "
        "nbviz.tour.layer_sequence)."
    )


def _maxpool_scale(pool: nn.MaxPool2d, inp: torch.Tensor) -> float:
    avg = F.avg_pool2d(
        inp, pool.kernel_size, pool.stride, pool.padding, count_include_pad=True
    ).double()
    mx = pool(inp).double()
    denom = float((avg * avg).sum())
    return float((avg * mx).sum()) / denom if denom > 0 else 1.0


def _step_for(name, module, inp, out, data_given) -> LinearStep:
    if not isinstance(inp, torch.Tensor) or not isinstance(out, torch.Tensor):
        raise _unsupported(name, module, "it does not map one tensor to one tensor")
    in_shape, out_shape = tuple(inp.shape[1:]), tuple(out.shape[1:])
    dtype = out.dtype

    def make(kind, pair):
        matrix, bias = pair if pair is not None else (None, None)
        if matrix is not None:
            matrix, bias = matrix.to(dtype), bias.to(dtype)
        return LinearStep(name, kind, module, matrix, bias, in_shape, out_shape)

    if isinstance(module, nn.Conv2d):
        return make("affine", conv2d_matrix(module, in_shape))
    if isinstance(module, nn.Linear):
        if len(in_shape) != 1:
            raise _unsupported(name, module, f"it acts on inputs of shape {in_shape}, not vectors")
        return make("affine", linear_matrix(module))
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        try:
            return make("affine", batchnorm_matrix(module, in_shape))
        except ValueError as err:
            raise _unsupported(name, module, str(err).removeprefix("bn: ")) from None
    if isinstance(module, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
        try:
            return make("affine", avgpool_matrix(module, in_shape))
        except ValueError as err:
            raise _unsupported(name, module, str(err).removeprefix("pool: ")) from None
    if isinstance(module, nn.MaxPool2d):
        scale = _maxpool_scale(module, inp) if data_given else 1.0
        try:
            return make("approximate", maxpool_matrix(module, in_shape, scale))
        except ValueError as err:
            raise _unsupported(name, module, str(err).removeprefix("pool: ")) from None
    if isinstance(module, _ACTIVATIONS):
        return make("nonlinear", None)
    if isinstance(module, _PASS_THROUGH):
        return make("reshape", None)
    raise _unsupported(name, module, "it is not a known linear layer or element-wise activation")


def linearize(model: nn.Module, in_shape: Sequence[int], *, data=None) -> list[LinearStep]:
    """The network as a list of :class:`LinearStep`, in the order its modules run.

    The steps are the modules that run in one forward pass and contain no other
    module that runs (found with forward hooks, in eval mode). Applying the steps in
    order to an input reproduces ``model(input)`` — exactly, except for max pooling
    (``kind="approximate"``); this is checked on a test input, and a forward pass that
    does work outside its modules (``torch.relu(x)`` in ``forward``, residual adds)
    raises ``ValueError``.

    Args:
        model: the network (its train/eval flags are restored afterwards).
        in_shape: the per-item input shape, e.g. ``(1, 8, 8)``.
        data: optional inputs ``(N, *in_shape)``; used to fit the max-pooling scales
            (a random input is used otherwise, with scales of 1).

    Raises:
        ValueError: a module that cannot be linearized (an LSTM, attention, a custom
            module): the message names it and suggests the activations-only view.

    >>> from nbviz.models import LeNet300100
    >>> [s.kind for s in linearize(LeNet300100(in_shape=(1, 8, 8)), (1, 8, 8))][:3]
    ['reshape', 'affine', 'nonlinear']
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(in_shape, (tuple, list, torch.Size)) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in in_shape
    ):
        raise TypeError(f"in_shape: expected a tuple of positive sizes, got {in_shape!r}")
    param = next(iter(model.parameters()), None)
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else torch.device("cpu")
    if data is None:
        # Signed values and several items, so that a functional ReLU between modules
        # changes the probe and the chain check can see it.
        gen = torch.Generator().manual_seed(0)
        x = torch.randn((8, *in_shape), generator=gen, dtype=dtype).to(device)
    else:
        x = torch.as_tensor(data).to(device=device, dtype=dtype)
        if tuple(x.shape[1:]) != tuple(in_shape):
            raise ValueError(f"data: expected shape (N, *{tuple(in_shape)}), got {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("data: contains NaN or infinite values")
    leaves, out = _effective_leaves(model, x)
    steps = [_step_for(n, m, i, o, data is not None) for n, m, i, o in leaves]
    steps = [_to_device(s, device) for s in steps]
    _check_chain(steps, leaves, x, out)
    return steps


def _to_device(step: LinearStep, device) -> LinearStep:
    if step.matrix is not None:
        step.matrix, step.bias = step.matrix.to(device), step.bias.to(device)
    return step


def _check_chain(steps, leaves, x, out) -> None:
    """Each step's input must be the previous step's output (else forward does more)."""
    prev, prev_name = x, "the input"
    for step, (_, _, inp, output) in zip(steps, leaves, strict=True):
        if inp.numel() != prev.numel() or not torch.allclose(
            inp.reshape(-1), prev.reshape(-1), rtol=1e-4, atol=1e-5
        ):
            raise ValueError(
                f"model: the input of layer {step.name!r} is not the output of {prev_name}; "
                "its forward() computes something outside its modules (a functional call, "
                "a residual sum), which linearize cannot follow. Show activations instead "
                "(nbviz.models.capture_activations or nbviz.tour.layer_sequence)."
            )
        prev, prev_name = output, repr(step.name)
    if (
        not isinstance(out, torch.Tensor)
        or out.numel() != prev.numel()
        or not torch.allclose(out.reshape(-1), prev.reshape(-1), rtol=1e-4, atol=1e-5)
    ):
        raise ValueError(
            f"model: its output is not the output of its last module {prev_name}; its "
            "forward() computes something outside its modules (a functional call, a "
            "residual sum), which linearize cannot follow. Show activations instead "
            "(nbviz.models.capture_activations or nbviz.tour.layer_sequence)."
        )
