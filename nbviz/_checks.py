"""Argument checks shared by every public entry point.

Each check raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind,
wrong content), and names the argument and what was expected, so that a user reading
the message knows which argument to fix and how.
"""

from __future__ import annotations

import difflib
import math
import numbers
import threading
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

__all__ = [
    "as_numpy",
    "check_bool",
    "check_finite",
    "check_fraction",
    "check_labels",
    "check_number",
    "check_positive_int",
    "check_seed",
    "closest_names",
    "is_number",
    "stop_check",
    "unknown_name_error",
]


def as_numpy(x, name: str) -> np.ndarray:
    """Return ``x`` (tensor, array or nested sequence) as a NumPy array.

    Tensors are detached and moved to the CPU. Raises ``TypeError`` naming ``name``
    when ``x`` is not array-like.

    >>> as_numpy(torch.ones(2), "x").tolist()
    [1.0, 1.0]
    """
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"{name}: could not make an array of it ({err})") from None
    raise TypeError(
        f"{name}: expected a torch.Tensor, numpy.ndarray or sequence, got {type(x).__name__}"
    )


def check_finite(a: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if a floating array holds NaN or infinity, saying where."""
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))
        first = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name}: contains {len(bad)} NaN or infinite value(s); first at index {first}"
        )


def check_labels(labels, n: int, name: str = "labels") -> np.ndarray:
    """Validate per-item labels for ``n`` items; return them as a 1-D NumPy array.

    Integer labels and string labels are both accepted.
    """
    arr = as_numpy(labels, name)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of {n} labels, got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"{name}: expected {n} labels (one per item), got {len(arr)}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name}: expected integer or string labels, got non-integer floats")
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iuUSOb":
        raise TypeError(f"{name}: expected integer or string labels, got dtype {arr.dtype}")
    return arr


def is_number(value) -> bool:
    """Whether ``value`` is a real number: Python's or NumPy's, but not a bool.

    >>> is_number(3), is_number(np.float32(0.5)), is_number(np.int64(2)), is_number(True)
    (True, True, True, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool (Python's or NumPy's), else raise ``TypeError``.

    A string such as ``"yes"`` or ``"False"`` is truthy, so taking any value would
    turn a typo into the opposite of what was meant.

    >>> check_bool(np.bool_(True), "mala")
    True
    >>> check_bool("yes", "mala")
    Traceback (most recent call last):
    ...
    TypeError: mala: expected True or False, got 'yes' (str)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_number(value, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``value`` as a finite float (optionally > 0 or >= 0); NumPy scalars count.

    >>> check_number(np.int64(5), "perplexity", positive=True)
    5.0
    """
    if not is_number(value):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if positive and v <= 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    if nonnegative and v < 0:
        raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
    return v


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not an integer ≥ ``minimum``."""
    if not _is_integer(value):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def check_seed(value, name: str = "seed") -> int:
    """Return a random seed as an int (Python's or NumPy's integers), else raise.

    >>> check_seed(np.int64(3))
    3
    """
    if not _is_integer(value):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    return int(value)


def check_fraction(value, name: str, *, low_open=True, high_open=True) -> float:
    """Return ``value`` as a float inside (0, 1) (ends open or closed as asked)."""
    if not is_number(value):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    v = float(value)
    lo_ok = v > 0 if low_open else v >= 0
    hi_ok = v < 1 if high_open else v <= 1
    if not (lo_ok and hi_ok and np.isfinite(v)):
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"{name}: expected a number in {lo}0, 1{hi}, got {value!r}")
    return v


def closest_names(name: str, options: Iterable[str], n: int = 3) -> list[str]:
    """The up-to-``n`` entries of ``options`` most similar to ``name``."""
    options = list(options)
    close = difflib.get_close_matches(name, options, n=n, cutoff=0.4)
    if not close:  # fall back to substring matches ("conv" -> "features.conv1")
        close = [o for o in options if name and name.lower() in o.lower()][:n]
    return close


def unknown_name_error(kind: str, name: str, options: Sequence[str], arg: str) -> ValueError:
    """A ``ValueError`` for an unknown ``name`` that lists the closest valid ones."""
    close = closest_names(name, options)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(repr(o) for o in list(options)[:20])
    more = f", ... ({len(options)} in all)" if len(options) > 20 else ""
    return ValueError(f"{arg}: unknown {kind} {name!r}.{hint} Valid: {shown}{more}")


def stop_check(should_stop) -> Callable[[], bool]:
    """A no-argument callable from ``None``, a ``threading.Event`` or a callable.

    >>> import threading
    >>> event = threading.Event()
    >>> check = stop_check(event)
    >>> check(), event.set(), check()
    (False, None, True)
    """
    if should_stop is None:
        return lambda: False
    if isinstance(should_stop, threading.Event):
        return should_stop.is_set
    if callable(should_stop):
        return lambda: bool(should_stop())
    raise TypeError(
        f"should_stop: expected None, a threading.Event or a callable, got {should_stop!r}"
    )
