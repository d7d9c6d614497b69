"""Trait types for the widgets: binary arrays, and numbers whose range is on the trait.

>>> import traitlets
>>> class Knob(traitlets.HasTraits):
...     level = Float(1.0, min=0.0, max=10.0, unit=" dB", help="how loud")
>>> Knob(level=11)
Traceback (most recent call last):
  ...
traitlets.traitlets.TraitError: level: expected 0..10 dB, got 11.0
"""

from __future__ import annotations

import numpy as np
import traitlets

from .codec import array_serialization, to_wire_array

__all__ = ["ArrayTrait", "Float", "Int", "Rows"]


class ArrayTrait(traitlets.TraitType):
    """A NumPy array trait that syncs to JS as a binary buffer.

    Assigned values (tensors, arrays, sequences) are coerced to a wire dtype
    (see :mod:`nbviz.widgets.codec`); ``ndim`` and ``dtype``, when given, are enforced.
    Use ``ArrayTrait(...).tag(sync=True)``: the binary serializers are attached for you.
    """

    info_text = "an array"
    default_value = None

    def __init__(self, *, dtype: str | None = None, ndim: int | None = None, **kwargs):
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)
        self.dtype = dtype
        self.ndim = ndim
        self.metadata.update(array_serialization)

    def validate(self, obj, value):
        if value is None:
            if self.allow_none:
                return None
            self.error(obj, value)
        a = to_wire_array(value, self.name or "array")
        if self.dtype is not None and a.dtype != np.dtype(self.dtype):
            a = a.astype(self.dtype)
        if self.ndim is not None and a.ndim != self.ndim:
            raise traitlets.TraitError(
                f"{self.name}: expected a {self.ndim}-D array, got shape {a.shape}"
            )
        return a

    def set(self, obj, value):
        # traitlets decides whether to notify with `old == new`, which for arrays compares
        # every element (against None, element by element as Python objects: 0.4 s for a
        # million points). A new array object always notifies; the same one never does.
        new = self._validate(obj, value)
        old = obj._trait_values.get(self.name, self.default_value)
        obj._trait_values[self.name] = new
        if new is not old:
            obj._notify_trait(self.name, old, new)


def _range_text(lo, hi, unit: str) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g}..{hi:g}{unit}"
    if lo is not None:
        return f"{lo:g} or more" if lo == 0 else f"at least {lo:g}{unit}"
    return f"at most {hi:g}{unit}"


def _bounds(trait):
    """``(min, max)`` with an infinite bound (traitlets' Float default) as ``None``."""
    lo, hi = trait.min, trait.max
    return (None if lo is None or lo == -np.inf else lo), (
        None if hi is None or hi == np.inf else hi
    )


def _check_range(trait, value) -> None:
    lo, hi = _bounds(trait)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if trait.symbol:  # "tradeoff: λ must be >= 0": the name the view shows
            bound = f">= {lo:g}" if hi is None else f"<= {hi:g}" if lo is None else (
                f"in {lo:g}..{hi:g}")  # fmt: skip
            raise traitlets.TraitError(
                f"{trait.name}: {trait.symbol} must be {bound}, got {value!r}"
            )
        raise traitlets.TraitError(
            f"{trait.name}: expected {_range_text(lo, hi, trait.unit)}, got {value!r}"
        )


class _Ranged:
    """What :class:`Int` and :class:`Float` share: ``unit``/``symbol`` for messages, no bools."""

    def __init__(
        self, default_value=traitlets.Undefined, *, unit: str = "", symbol: str = "", **kwargs
    ):
        super().__init__(default_value, **kwargs)
        self.unit, self.symbol = unit, symbol

    def validate(self, obj, value):
        if isinstance(value, bool):
            self.error(obj, value)
        if isinstance(value, (int, float, np.integer, np.floating)):
            value = self._coerce(value)
            if value != value and _bounds(self) != (None, None):
                raise traitlets.TraitError(f"{self.name}: expected a number, got NaN")
            _check_range(self, value)
        return super().validate(obj, value)


class Int(_Ranged, traitlets.Int):
    """An integer trait whose ``min``/``max`` errors name the trait and the range.

    Booleans are refused (``True`` is not a size). ``unit`` is appended to the range in
    messages (``" px"``); ``symbol`` names the value as the view shows it (``"λ"``).
    """

    @staticmethod
    def _coerce(value):
        return int(value) if isinstance(value, np.integer) else value


class Float(_Ranged, traitlets.Float):
    """A float trait whose ``min``/``max`` errors name the trait and the range; NaN is
    refused when a range is given. Booleans are refused. ``unit`` and ``symbol`` as for
    :class:`Int`."""

    _coerce = staticmethod(float)


class Rows(traitlets.List):
    """A list of rows of floats (a small matrix that syncs as JSON, e.g. a projection) that
    also takes a NumPy array or a tensor, stored as nested lists.

    >>> import numpy as np
    >>> class T(traitlets.HasTraits):
    ...     p = Rows()
    >>> T(p=np.eye(3)[:, :2]).p
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(traitlets.List(traitlets.Float()), **kwargs)

    def validate(self, obj, value):
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        if isinstance(value, np.ndarray):
            value = value.astype(np.float64).tolist()
        return super().validate(obj, value)
