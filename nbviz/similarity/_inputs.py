"""Activations in, float64 matrices out: the checks every similarity measure shares."""

from __future__ import annotations

import numpy as np
import torch

from ..models._inputs import resolve_device


def is_single(x) -> bool:
    """Whether ``x`` (tensor or array) holds float32 or narrower floats."""
    dt = x.dtype if isinstance(x, torch.Tensor) else getattr(x, "dtype", None)
    if isinstance(dt, np.dtype):
        return dt.kind == "f" and dt.itemsize <= 4
    return dt in (torch.float32, torch.float16, torch.bfloat16)


def as_matrix(
    x, name: str, device="cpu", dtype=torch.float64, *, check_finite: bool = True
) -> torch.Tensor:
    """``x`` (tensor or array ``[n, ...]``) as an ``[n, features]`` tensor of ``dtype`` on
    ``device``. ``check_finite=False`` leaves the NaN check to the caller (a column mean
    the caller computes anyway finds one as surely, without another pass).

    Raises:
        TypeError: not a tensor or array.
        ValueError: fewer than 2 dimensions, no examples or features, NaN or infinite.
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a tensor or array [n, ...], got {type(x).__name__}")
    if x.dim() < 2:
        raise ValueError(f"{name}: expected activations [n, ...] (n examples), got shape "
                         f"{tuple(x.shape)}")  # fmt: skip
    x = x.detach().reshape(len(x), -1)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name}: expected examples and features, got shape {tuple(x.shape)}")
    x = x.to(device=resolve_device(device, "device"), dtype=dtype)
    if check_finite and not torch.isfinite(x).all():
        raise ValueError(f"{name}: has NaN or infinite values")
    return x


def as_pair(
    x, y, device="cpu", *, min_n: int = 2, dtype=torch.float64, check_finite: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two activation matrices of the same examples (``len(x) == len(y) >= min_n``)."""
    x = as_matrix(x, "x", device, dtype, check_finite=check_finite)
    y = as_matrix(y, "y", device, dtype, check_finite=check_finite)
    if len(x) != len(y):
        raise ValueError(
            f"x, y: expected the activations of the same examples, got {len(x)} and {len(y)} rows"
        )
    if len(x) < min_n:
        raise ValueError(f"x, y: expected at least {min_n} examples, got {len(x)}")
    return x, y
