"""Argument checks shared by the tour modules (all raise naming the argument)."""

from __future__ import annotations

import numpy as np

from .._checks import as_numpy, check_finite, check_number

__all__ = ["check_dims", "check_number", "check_projection_shape", "float_array"]


def check_dims(d, name: str = "d") -> int:
    """Return ``d`` as an int >= 2 (a tour needs at least a plane)."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer number of dimensions, got {d!r}")
    if d < 2:
        raise ValueError(f"{name}: expected at least 2 dimensions, got {d}")
    return int(d)


def float_array(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """``x`` as a finite float64 NumPy array (copy), optionally of a given rank."""
    if isinstance(x, bool):
        raise TypeError(f"{name}: expected a number or an array, got a bool")
    a = np.asarray(x) if isinstance(x, (int, float, np.number)) else as_numpy(x, name)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
    a = np.array(a, dtype=np.float64)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {a.shape}")
    check_finite(a, name)
    return a


def check_projection_shape(p: np.ndarray, name: str = "projection") -> None:
    """Raise unless ``p`` is a (d, 2) matrix with d >= 2."""
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] < 2:
        raise ValueError(f"{name}: expected a (d, 2) matrix with d >= 2, got shape {p.shape}")
