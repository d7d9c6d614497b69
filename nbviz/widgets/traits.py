"""Trait types for the widgets."""

from __future__ import annotations

import numpy as np
import traitlets

from .codec import array_serialization, to_wire_array

__all__ = ["ArrayTrait"]


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
