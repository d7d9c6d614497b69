"""Conversions every view uses: image stacks to the wire's uint8, labels to class codes.

>>> images_to_uint8(np.zeros((2, 1, 4, 4))).shape
(2, 4, 4, 1)
>>> labels_to_codes(["cat", "dog", "cat"], 3)
(array([0, 1, 0], dtype=int32), ['cat', 'dog'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import traitlets

from .._checks import as_numpy, check_finite, check_labels

__all__ = ["check_indices", "images_to_uint8", "labels_to_codes", "split_data"]

_LAYOUTS = "(N, H, W), (N, C, H, W) or (N, H, W, C) with C = 1 or 3"


def _channels_last(a: np.ndarray, name: str) -> np.ndarray:
    """``a`` as (N, H, W, C); see :class:`ImageGrid` for the layout rule."""
    if a.ndim == 3:
        return a[..., None]
    if a.ndim == 4:
        if a.shape[1] in (1, 3):
            return np.moveaxis(a, 1, -1)
        if a.shape[3] in (1, 3):
            return a
        raise ValueError(
            f"{name}: expected {_LAYOUTS}; got shape {a.shape}, which has no axis of 1 or 3 "
            "channels at position 1 or 3 (for RGBA, drop the alpha channel: images[..., :3])"
        )
    hint = " (for a single image, pass images[None])" if a.ndim == 2 else ""
    raise ValueError(
        f"{name}: expected {_LAYOUTS}; got a {a.ndim}-D array of shape {a.shape}{hint}"
    )


def images_to_uint8(
    data, vmin: float | None = None, vmax: float | None = None, *, name: str = "data"
) -> np.ndarray:
    """Convert an image stack to the wire format: C-contiguous uint8 of shape (N, H, W, C).

    The layout and value rules are those of :class:`~nbviz.ImageGrid`; errors name the
    argument ``name``.

    >>> images_to_uint8(np.array([[[0.0, 0.5, 1.0]]]))[..., 0]
    array([[[  0, 128, 255]]], dtype=uint8)
    """
    if isinstance(data, torch.Tensor) and data.dtype == torch.bfloat16:
        data = data.float()  # NumPy has no bfloat16
    a = as_numpy(data, name)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected numeric or bool pixel values, got dtype {a.dtype}")
    a = _channels_last(a, name)
    n, h, w, _ = a.shape
    if n == 0 or h == 0 or w == 0:
        raise ValueError(f"{name}: expected at least one non-empty image, got shape {a.shape}")
    check_finite(a, name)

    if a.dtype.kind == "b":
        if vmin is not None or vmax is not None:
            raise ValueError("vmin/vmax: not used with bool images (False is black, True white)")
        out = a.astype(np.uint8) * np.uint8(255)
    elif vmin is not None or vmax is not None:
        lo = 0.0 if vmin is None else float(vmin)
        hi = 1.0 if vmax is None else float(vmax)
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            raise ValueError(f"vmin/vmax: expected finite numbers with vmin < vmax, got {lo}, {hi}")
        out = _scale(a, lo, hi)
    elif a.dtype == np.uint8:
        out = a
    else:
        lo, hi = float(a.min()), float(a.max())
        if a.dtype.kind in "iu" and lo >= 0 and hi <= 255:
            out = a.astype(np.uint8)
        elif a.dtype.kind == "f" and lo >= 0.0 and hi <= 1.0:
            out = _scale(a, 0.0, 1.0)
        elif hi > lo:
            out = _scale(a, lo, hi)
        else:  # constant images outside the natural range: nothing to tell apart
            out = np.zeros(a.shape, np.uint8)
    return np.ascontiguousarray(out, dtype=np.uint8)


def _scale(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map [lo, hi] linearly to 0..255 (rounded, values outside clipped)."""
    x = (a.astype(np.float32) - np.float32(lo)) * np.float32(255.0 / (hi - lo))
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def labels_to_codes(
    labels, n: int, class_names: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Validate ``labels`` for ``n`` images; return ``(int32 codes, class_names)``.

    Integer labels are kept; with ``class_names`` every label must index into it.
    String labels become indices into ``class_names`` (given, or the sorted distinct
    labels when not).

    >>> labels_to_codes(["cat", "dog", "cat"], 3)
    (array([0, 1, 0], dtype=int32), ['cat', 'dog'])
    """
    names = None if class_names is None else _check_class_names(class_names)
    arr = check_labels(labels, n, "labels")
    if arr.dtype.kind == "O":
        if not all(isinstance(v, str) for v in arr):
            raise TypeError("labels: expected integer or string labels, got mixed objects")
        arr = arr.astype(str)
    if arr.dtype.kind in "US":
        arr = arr.astype(str)
        if names is None:
            names = sorted(set(arr.tolist()))
        index = {name: k for k, name in enumerate(names)}
        unknown = sorted(set(arr.tolist()) - index.keys())
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:5])
            raise ValueError(f"class_names: has no entry for the label(s) {shown}")
        return np.array([index[v] for v in arr.tolist()], dtype=np.int32), names
    codes = arr.astype(np.int64)
    if codes.min() < np.iinfo(np.int32).min or codes.max() > np.iinfo(np.int32).max:
        raise ValueError("labels: integer labels must fit in int32")
    if names is not None:
        if codes.min() < 0:
            raise ValueError(f"labels: expected indices into class_names, got {int(codes.min())}")
        if codes.max() >= len(names):
            raise ValueError(
                f"class_names: has {len(names)} names, but labels go up to {int(codes.max())} "
                f"(needs at least {int(codes.max()) + 1})"
            )
    return codes.astype(np.int32), ([] if names is None else names)


def _check_class_names(class_names) -> list[str]:
    if isinstance(class_names, str) or not isinstance(class_names, Sequence | np.ndarray):
        raise TypeError(
            f"class_names: expected a sequence of strings, got {type(class_names).__name__}"
        )
    names = list(class_names)
    if not all(isinstance(c, str | np.str_) for c in names):
        raise TypeError("class_names: expected every name to be a string")
    names = [str(c) for c in names]
    if len(set(names)) != len(names):
        raise ValueError("class_names: names must be distinct")
    return names


def split_data(data, labels=None, class_names=None):
    """``(items, labels, class_names)`` from what a view takes as ``data``.

    An ``ImageDataset`` (anything with ``.images``, ``.labels`` and ``.class_names``)
    gives its images, labels and class names; an ``(X, y)`` pair (``y`` one label per row
    of ``X``) gives ``X`` and ``y``; anything else is the items themselves. ``labels`` and
    ``class_names``, when given, win over the data's own.

    >>> from nbviz.data import digits
    >>> items, labels, names = split_data(digits("test"))
    >>> tuple(items.shape), len(labels), names[:2]
    ((359, 1, 8, 8), 359, ['0', '1'])
    >>> split_data((np.zeros((3, 2)), [0, 1, 1]))[1]
    [0, 1, 1]
    """
    images = getattr(data, "images", None)
    own = getattr(data, "labels", None)
    if images is not None and own is not None and hasattr(data, "class_names"):
        items, own_names = images, list(data.class_names)
    elif isinstance(data, (tuple, list)) and len(data) == 2 and _is_pair(*data):
        (items, own), own_names = data, None
    else:
        items, own, own_names = data, None, None
    return (
        items,
        labels if labels is not None else own,
        class_names if class_names is not None else own_names,
    )


def _is_pair(x, y) -> bool:
    """Whether ``(x, y)`` reads as items and one label per item (not two frames)."""
    try:
        ys = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y)
        n = len(x)
    except (TypeError, ValueError):
        return False
    return ys.ndim == 1 and len(ys) == n and n > 0


def check_indices(values, n: int, arg: str, what: str) -> list[int]:
    """``values`` as sorted distinct indices into ``n`` items, or a ``TraitError`` naming
    ``arg`` (for selection traits).

    >>> check_indices([3, 1, 3], 5, "selection", "images")
    [1, 3]
    """
    picked = set()
    for i in values:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise traitlets.TraitError(f"{arg}: expected integer indices, got {i!r}")
        if not 0 <= i < n:
            raise traitlets.TraitError(f"{arg}: index {i} is out of range for {n} {what}")
        picked.add(int(i))
    return sorted(picked)
