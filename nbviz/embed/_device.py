"""Devices, input checks and memory estimates shared by the t-SNE modules."""

from __future__ import annotations

import os

import numpy as np
import torch

from .._checks import as_numpy
from ..models._inputs import resolve_device

__all__ = ["as_points", "available_bytes", "check_fits", "format_bytes", "resolve_device"]


def _rows(data):
    """The item array of an ``ImageDataset`` or an ``(X, y)`` pair, one row per item."""
    images = getattr(data, "images", None)
    if isinstance(images, torch.Tensor):
        return images.reshape(len(images), -1)
    if (
        isinstance(data, tuple)
        and len(data) == 2
        and isinstance(data[0], (torch.Tensor, np.ndarray))
        and data[0].ndim >= 2
        and hasattr(data[1], "__len__")
        and len(data[1]) == len(data[0])
    ):
        return data[0].reshape(len(data[0]), -1)
    return data


def as_points(
    data,
    name: str = "data",
    *,
    min_points: int = 2,
    keep_float64: bool = False,
    rescale: bool = False,
) -> torch.Tensor:
    """``data`` as a CPU tensor of points ``(n, d)``, checked.

    ``data``: a tensor, array or nested list ``(n, d)``, an ``ImageDataset`` or an
    ``(X, y)`` pair (each item flattened to a row). The result is float32, or float64
    for float64 data with ``keep_float64``. ``rescale`` divides by the largest absolute
    value first (in the data's own precision), so finite data of any scale fits.

    Raises ``ValueError`` for 1-D or 3-D input, too few points, rows holding NaN or
    infinity (naming the first such rows) and values float32 cannot hold.

    >>> as_points([[0, 1], [2, 3]]).dtype
    torch.float32
    >>> as_points(torch.tensor([[1e30, 0.0], [0.0, -4e30]], dtype=torch.float64),
    ...           rescale=True).tolist()
    [[0.25, 0.0], [0.0, -1.0]]
    """
    data = _rows(data)
    if isinstance(data, torch.Tensor):
        if data.is_complex() or data.dtype == torch.bool:
            raise TypeError(f"{name}: expected real numbers, got dtype {data.dtype}")
        t = data.detach()
    else:
        arr = as_numpy(data, name)
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.ndim != 2:
        hint = (
            f" (for n points with one feature each, pass {name}.reshape(-1, 1))"
            if t.ndim == 1
            else ""
        )
        raise ValueError(
            f"{name}: expected a 2-D array (n points, d features), got shape {tuple(t.shape)}{hint}"
        )
    if t.shape[0] < min_points or t.shape[1] < 1:
        raise ValueError(
            f"{name}: expected at least {min_points} points with at least one feature, "
            f"got shape {tuple(t.shape)}"
        )
    if not t.is_floating_point():
        t = t.to(torch.float32)
    _check_finite_rows(t, name)
    if rescale:
        top = float(t.abs().max())
        t = t / top if top > 0 else t
    dtype = torch.float64 if keep_float64 and t.dtype == torch.float64 else torch.float32
    out = t.to(dtype)
    if not bool(torch.isfinite(out).all()):
        raise ValueError(
            f"{name}: values up to {float(t.abs().max()):.3g} do not fit in float32; "
            "divide the data by a common scale first"
        )
    return out


def _check_finite_rows(t: torch.Tensor, name: str) -> None:
    finite = torch.isfinite(t).all(1)
    if not bool(finite.all()):
        rows = torch.nonzero(~finite).flatten().tolist()
        shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
        raise ValueError(
            f"{name}: {len(rows)} row(s) hold NaN or infinite values: rows {shown}; "
            "drop or impute them first"
        )


def _cpu_available() -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 34


def available_bytes(device: torch.device) -> int:
    """Free memory on ``device`` in bytes (CUDA: ``mem_get_info``; CPU: ``MemAvailable``).

    >>> available_bytes(torch.device("cpu")) > 0
    True
    """
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    return _cpu_available()


def format_bytes(n: float) -> str:
    """``n`` bytes as a short human string.

    >>> format_bytes(3 * 2**30)
    '3.0 GiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError  # unreachable


def check_fits(need, n: int, device: torch.device, limit: int | None, what: str) -> None:
    """Raise ``ValueError`` if ``need(n)`` bytes exceed what ``device`` has free.

    ``need`` maps a number of points to bytes; the message names the largest number of
    points that fits (found by bisection on ``need``). ``limit`` (bytes) overrides the
    free memory that the device reports.

    >>> check_fits(lambda m: 100 * m, 1000, torch.device("cpu"), 10**6, "a job")
    >>> check_fits(lambda m: 100 * m, 10**5, torch.device("cpu"), 10**6, "a job")
    Traceback (most recent call last):
    ...
    ValueError: data: a job of 100,000 points needs about 9.5 MiB on cpu, ... 9,000 points fit...
    """
    free = int(limit) if limit is not None else available_bytes(device)
    budget = int(free * 0.9)
    if need(n) <= budget:
        return
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if need(mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    other = " or device='cpu'" if device.type == "cuda" else ""
    if lo == 0:
        raise ValueError(
            f"data: {what} needs about {format_bytes(need(1))} on {device} even for a few "
            f"points, but only {format_bytes(free)} is free there"
            + ("; try device='cpu'" if device.type == "cuda" else "")
        )
    raise ValueError(
        f"data: {what} of {n:,} points needs about {format_bytes(need(n))} on {device}, but "
        f"only {format_bytes(free)} is free there; about {lo:,} points fit. Pass a subsample "
        f"of at most {lo:,} rows{other}."
    )
