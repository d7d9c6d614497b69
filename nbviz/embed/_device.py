"""Devices, input checks and memory estimates shared by the t-SNE modules."""

from __future__ import annotations

import os

import numpy as np
import torch

from .._checks import as_numpy
from ..models._inputs import resolve_device

__all__ = ["as_points", "available_bytes", "check_fits", "format_bytes", "resolve_device"]


def as_points(X, name: str = "X", *, min_points: int = 2) -> torch.Tensor:
    """``X`` (tensor, array or nested list) as a float32 CPU tensor ``(n, d)``, checked.

    Raises ``ValueError`` for 1-D or 3-D input, too few points, and rows holding NaN or
    infinity (naming the first such rows).

    >>> as_points([[0, 1], [2, 3]]).dtype
    torch.float32
    """
    if isinstance(X, torch.Tensor):
        if X.is_complex() or X.dtype == torch.bool:
            raise TypeError(f"{name}: expected real numbers, got dtype {X.dtype}")
        t = X.detach()
    else:
        arr = as_numpy(X, name)
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.ndim != 2:
        hint = " (for n points with one feature each, pass X.reshape(-1, 1))" if t.ndim == 1 else ""
        raise ValueError(
            f"{name}: expected a 2-D array (n points, d features), got shape {tuple(t.shape)}{hint}"
        )
    if t.shape[0] < min_points or t.shape[1] < 1:
        raise ValueError(
            f"{name}: expected at least {min_points} points with at least one feature, "
            f"got shape {tuple(t.shape)}"
        )
    t = t.to(torch.float32)
    finite = torch.isfinite(t).all(1)
    if not bool(finite.all()):
        rows = torch.nonzero(~finite).flatten().tolist()
        shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
        raise ValueError(
            f"{name}: {len(rows)} row(s) hold NaN or infinite values: rows {shown}; "
            "drop or impute them first"
        )
    return t


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
    ValueError: X: a job of 100,000 points needs about 9.5 MiB on cpu, ... about 9,000 points fit...
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
            f"X: {what} needs about {format_bytes(need(1))} on {device} even for a few "
            f"points, but only {format_bytes(free)} is free there"
            + ("; try device='cpu'" if device.type == "cuda" else "")
        )
    raise ValueError(
        f"X: {what} of {n:,} points needs about {format_bytes(need(n))} on {device}, but "
        f"only {format_bytes(free)} is free there; about {lo:,} points fit. Pass a subsample "
        f"of at most {lo:,} rows{other}."
    )
