"""Turning what users pass (datasets, tensor pairs, arrays, device names) into tensors."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .._checks import check_labels

__all__ = [
    "as_model",
    "as_tensors",
    "check_input_shape",
    "check_label_range",
    "check_not_meta",
    "checked_forward",
    "expected_input_shape",
    "model_device",
    "model_float_dtype",
    "probe_forward",
    "resolve_device",
    "runnable_model",
    "shape_error",
    "weights_version",
]


def as_model(model, arg: str = "model") -> nn.Module:
    """Return ``model`` if it is an ``nn.Module``, else raise ``TypeError``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"{arg}: expected a torch.nn.Module, got {type(model).__name__}")
    return model


def check_not_meta(model: nn.Module, arg: str = "model") -> nn.Module:
    """Return ``model``, or raise ``ValueError`` if it has tensors on the meta device.

    A model built under ``torch.device("meta")`` (or ``init_empty_weights``) has shapes
    but no values, so nothing can run it; torch's own errors then say little.

    >>> model = nn.Linear(2, 3, device="meta")
    >>> check_not_meta(model)
    Traceback (most recent call last):
    ...
    ValueError: model: its parameters are on the meta device (shapes only, no values: 'weight' ...
    """
    for name, tensor in (*model.named_parameters(), *model.named_buffers()):
        if tensor.is_meta:
            raise ValueError(
                f"{arg}: its parameters are on the meta device (shapes only, no values: "
                f"{name!r} is one), so it cannot run. Load real weights first, e.g. "
                f"model.to_empty(device='cpu') then model.load_state_dict(state_dict)"
            )
    return model


def runnable_model(model, arg: str = "model") -> nn.Module:
    """``model`` checked to be an ``nn.Module`` that can run (no meta tensors).

    >>> runnable_model(nn.Linear(2, 3)).out_features
    3
    """
    return check_not_meta(as_model(model, arg), arg)


def resolve_device(device, arg: str = "device") -> torch.device:
    """``"auto"`` → CUDA when available, else the CPU; other values as ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"{arg}: expected 'auto', a device name or torch.device, got {device!r}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(
            f"{arg}: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{arg}: {device!r} was asked for but CUDA is not available here")
    return dev


def model_device(model: nn.Module) -> torch.device | None:
    """The device of the model's first parameter or buffer (``None`` if it has none)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return None


def model_float_dtype(model: nn.Module) -> torch.dtype:
    """The dtype of the model's first floating parameter (inputs are cast to it)."""
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.get_default_dtype()


def _stack_dataset(data, arg: str):
    """Read every item of a map-style dataset: ``(x, y)`` pairs, or bare ``x``."""
    if isinstance(data, torch.utils.data.TensorDataset):
        tensors = data.tensors
        return tensors[0], (tensors[1] if len(tensors) > 1 else None)
    try:
        n = len(data)
    except TypeError:
        raise TypeError(
            f"{arg}: expected a dataset with a length, got {type(data).__name__}"
        ) from None
    if n == 0:
        raise ValueError(f"{arg}: the dataset is empty")
    items = [data[i] for i in range(n)]
    if isinstance(items[0], (tuple, list)):
        xs = [torch.as_tensor(item[0]) for item in items]
        ys = torch.as_tensor([int(item[1]) for item in items])
        return torch.stack(xs), ys
    return torch.stack([torch.as_tensor(item) for item in items]), None


def _split(data, arg: str):
    """``(X, y or None)`` from any accepted form of ``data``, before any checks."""
    images = getattr(data, "images", None)
    labels = getattr(data, "labels", None)
    if isinstance(images, torch.Tensor) and isinstance(labels, torch.Tensor):  # ImageDataset
        return images, labels
    if isinstance(data, (torch.Tensor, np.ndarray)):
        return data, None
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    if isinstance(data, torch.utils.data.Dataset):
        return _stack_dataset(data, arg)
    raise TypeError(
        f"{arg}: expected an ImageDataset, a torch Dataset of (x, y), an (X, y) pair or "
        f"a tensor, got {type(data).__name__}"
    )


def as_tensors(
    data,
    arg: str,
    *,
    labels: str = "optional",
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Normalize ``data`` into an input tensor and (maybe) an int64 label tensor.

    Accepts an ``ImageDataset`` (or anything with ``.images``/``.labels`` tensors), an
    ``(X, y)`` pair of tensors or arrays, a bare tensor or array ``X``, or a map-style
    ``Dataset`` whose items are ``(x, y)`` or ``x``. ``labels`` is ``"required"``,
    ``"optional"`` or ``"ignore"``. Floating inputs are cast to ``dtype`` when given.
    Raises ``ValueError`` for empty data, NaN/infinite values or mismatched labels.
    """
    x, y = _split(data, arg)
    if not isinstance(x, torch.Tensor):
        if not isinstance(x, (np.ndarray, Sequence)):
            raise TypeError(f"{arg}: expected inputs as a tensor or array, got {type(x).__name__}")
        x = torch.as_tensor(np.asarray(x))
    if x.ndim == 0:
        raise ValueError(f"{arg}: expected a batch of inputs (N, ...), got a scalar")
    if x.shape[0] == 0:
        raise ValueError(f"{arg}: the data is empty (0 items)")
    if x.is_floating_point():
        if dtype is not None and x.dtype != dtype:
            x = x.to(dtype)
        finite = torch.isfinite(x)
        if not bool(finite.all()):
            bad = (~finite).nonzero()
            first = tuple(int(i) for i in bad[0])
            raise ValueError(
                f"{arg}: contains {len(bad)} NaN or infinite value(s); first at index {first}"
            )
    if labels == "ignore":
        return x, None
    if y is None:
        if labels == "required":
            raise ValueError(
                f"{arg}: labels are needed; pass an ImageDataset, a Dataset of (x, y) "
                "or an (X, y) pair"
            )
        return x, None
    y_np = check_labels(y, x.shape[0], f"{arg} labels")
    if y_np.dtype.kind not in "iub":
        raise TypeError(f"{arg} labels: expected integer class indices, got dtype {y_np.dtype}")
    y = torch.as_tensor(y_np.astype(np.int64, copy=False))
    if int(y.min()) < 0:
        raise ValueError(f"{arg} labels: class indices must be >= 0, got {int(y.min())}")
    return x, y


def expected_input_shape(model: nn.Module) -> tuple[int, ...] | None:
    """The per-item input shape the model declares (zoo models have ``in_shape``)."""
    shape = getattr(model, "in_shape", None)
    if isinstance(shape, (tuple, list)) and all(isinstance(s, int) for s in shape):
        return tuple(shape)
    return None


def check_input_shape(model: nn.Module, x: torch.Tensor, arg: str) -> None:
    """Raise ``ValueError`` early when the model declares an input shape ``x`` lacks."""
    want = expected_input_shape(model)
    if want is not None and tuple(x.shape[1:]) != want:
        raise ValueError(
            f"{arg}: the model expects inputs of shape (N, {', '.join(map(str, want))}), "
            f"got {tuple(x.shape)}"
        )


def checked_forward(model: nn.Module, batch: torch.Tensor, arg: str):
    """``model(batch)``, with a model failure on the input reported as a ``ValueError``.

    Out-of-memory errors pass through unchanged.
    """
    try:
        return model(batch)
    except torch.OutOfMemoryError:
        raise
    except RuntimeError as err:
        raise shape_error(model, batch, arg, err) from err


def shape_error(model: nn.Module, x: torch.Tensor, arg: str, err: Exception) -> ValueError:
    """A ``ValueError`` for a model that failed on inputs like ``x``, with the reason."""
    want = expected_input_shape(model)
    expected = f" (it expects (N, {', '.join(map(str, want))}))" if want else ""
    return ValueError(
        f"{arg}: the model failed on a batch of shape {tuple(x.shape)}{expected}: {err}"
    )


def probe_forward(model: nn.Module, batch: torch.Tensor, arg: str, hint: str = ""):
    """``model(batch)`` once, to check inputs before a long job; returns the output.

    The model runs in eval mode (batch norm on its running statistics, so one item is
    enough, and none of them change) without gradients, on its own device and dtype;
    its train/eval flags are restored. A failure on the input is a ``ValueError``
    naming ``arg``, with the model's complaint and ``hint``.

    >>> probe_forward(nn.Linear(4, 2), torch.zeros(1, 4), "data").shape
    torch.Size([1, 2])
    >>> probe_forward(nn.Linear(4, 2), torch.zeros(1, 5), "data")
    Traceback (most recent call last):
    ...
    ValueError: data: the model failed on a batch of shape (1, 5): mat1 and mat2 ...
    """
    device = model_device(model)
    if device is not None:
        batch = batch.to(device)
    if batch.is_floating_point():
        batch = batch.to(model_float_dtype(model))
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            return model(batch)
    except torch.OutOfMemoryError:
        raise
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        failure = shape_error(model, batch, arg, err)
        raise ValueError(f"{failure}{hint}") from err
    finally:
        for m, flag in flags:
            m.training = flag


def check_label_range(model: nn.Module, x: torch.Tensor, y: torch.Tensor, arg: str) -> None:
    """Raise ``ValueError`` unless the labels ``y`` index the model's outputs on ``x``.

    One probe forward (:func:`probe_forward`) on the first item gives the number of
    class scores; a label at or past it would fail deep inside the loss.

    >>> check_label_range(nn.Linear(4, 3), torch.zeros(2, 4), torch.tensor([0, 5]), "data")
    Traceback (most recent call last):
    ...
    ValueError: data: labels go up to 5, but the model outputs 3 classes; expected labels in 0..2
    """
    out = probe_forward(model, x[:1], arg)
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"model: expected class scores of shape (N, classes), got {shape}")
    top, classes = int(y.max()), out.shape[1]
    if top >= classes:
        raise ValueError(
            f"{arg}: labels go up to {top}, but the model outputs {classes} classes; "
            f"expected labels in 0..{classes - 1}"
        )


def weights_version(model: nn.Module) -> tuple:
    """A key that changes when a weight or buffer of ``model`` is replaced or changed in
    place (an optimizer step or ``load_state_dict`` bumps each tensor's version counter):
    what a cache of results computed from the weights is keyed by.

    >>> from torch import nn
    >>> net = nn.Linear(2, 2)
    >>> before = weights_version(net)
    >>> with torch.no_grad():
    ...     _ = net.weight.mul_(2)
    >>> weights_version(net) == before
    False
    """
    tensors = itertools.chain(model.parameters(), model.buffers())
    return tuple((id(t), t._version) for t in tensors)
