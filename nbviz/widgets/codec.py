"""Binary array codec between Python and the JS views.

An array crosses the wire as ``{"dtype": "float32", "shape": [n, d], "buffer": <bytes>}``:
ipywidgets lifts every ``memoryview`` out of the state into a binary websocket frame, so
the numbers are never written as JSON. The JS side (``js/src/lib/codec.js``) wraps the
buffer in a typed array of the same dtype without copying.

Only ``float32``, ``uint8`` and ``int32`` travel (the types WebGL and canvases take).
Wider types are narrowed on the way out: float64 to float32, int64 to int32 (after
checking the values fit), bool to uint8.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_numpy

__all__ = [
    "WIRE_DTYPES",
    "array_from_json",
    "array_serialization",
    "array_to_json",
    "decode_array",
    "encode_array",
    "pack_arrays",
    "to_wire_array",
]

WIRE_DTYPES = ("float32", "uint8", "int32")

_INT32 = np.iinfo(np.int32)


def to_wire_array(value, name: str = "array") -> np.ndarray:
    """Return ``value`` (a tensor, array or sequence) as a C-contiguous array of a wire dtype.

    >>> to_wire_array(np.arange(3)).dtype
    dtype('int32')
    """
    a = as_numpy(value, name)
    kind = a.dtype.kind
    if kind == "b":
        a = a.astype(np.uint8)
    elif kind == "f":
        a = a.astype(np.float32, copy=False)
    elif kind in "iu" and a.dtype != np.uint8:
        if a.size and (a.min() < _INT32.min or a.max() > _INT32.max):
            raise ValueError(f"{name}: integer values do not fit in int32 for the view")
        a = a.astype(np.int32, copy=False)
    elif kind not in "iu":
        raise TypeError(
            f"{name}: expected a numeric array (float, int, uint8 or bool), got dtype {a.dtype}"
        )
    return np.ascontiguousarray(a)


def encode_array(value, name: str = "array") -> dict[str, Any]:
    """Encode an array as ``{"dtype", "shape", "buffer"}`` with a zero-copy memoryview."""
    a = to_wire_array(value, name)
    return {
        "dtype": str(a.dtype),
        "shape": [int(s) for s in a.shape],
        # A flat byte view: zmq needs a contiguous 1-D buffer, and this costs no copy.
        "buffer": memoryview(a.reshape(-1).view(np.uint8)),
    }


def decode_array(d: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`encode_array` (accepts bytes, bytearray or memoryview buffers)."""
    dtype = d.get("dtype")
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"array message: unknown dtype {dtype!r}; expected one of {WIRE_DTYPES}")
    shape = tuple(int(s) for s in d["shape"])
    a = np.frombuffer(d["buffer"], dtype=dtype)
    if a.size != int(np.prod(shape, dtype=np.int64)):
        raise ValueError(f"array message: buffer holds {a.size} values, shape {shape} needs more")
    return a.reshape(shape)


def array_to_json(value, widget=None):
    """ipywidgets ``to_json`` serializer for array traits (``None`` passes through)."""
    return None if value is None else encode_array(value)


def array_from_json(value, widget=None):
    """ipywidgets ``from_json`` deserializer for array traits."""
    return None if value is None else decode_array(value)


array_serialization = {"to_json": array_to_json, "from_json": array_from_json}


def pack_arrays(content: dict[str, Any], arrays: dict[str, Any]) -> tuple[dict, list]:
    """Build a custom message carrying several arrays as binary buffers.

    Returns ``(content, buffers)`` for ``widget.send(content, buffers)``. ``content``
    gains ``"arrays": {name: {"dtype", "shape", "index"}}``, where ``index`` is the
    position of that array's buffer; JS ``unpackArrays`` reverses it.
    """
    meta, buffers = {}, []
    for key, value in arrays.items():
        enc = encode_array(value, key)
        meta[key] = {"dtype": enc["dtype"], "shape": enc["shape"], "index": len(buffers)}
        buffers.append(enc["buffer"])
    return {**content, "arrays": meta}, buffers
