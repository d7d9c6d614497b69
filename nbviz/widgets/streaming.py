"""Large arrays sent to the views in chunks, on their request.

An array trait of a few megabytes travels in the widget's state like any other (see
:mod:`nbviz.widgets.codec`). A larger one (``STREAM_BYTES`` and up: a million points of 10
dims is 40 MB) would arrive in one message that the browser takes seconds to receive
and decode, with nothing on screen meanwhile. Such an array's state is a header,
``{"dtype", "shape", "stream": token}``, with no buffer; the view asks for it
(``points_pull``) and Python answers with ``CHUNK_BYTES`` pieces (``points_chunk``:
``token``, ``offset`` and ``length`` in values, ``total``) in order. The view draws what
has arrived, shows its progress, and stays responsive between pieces. The token changes
with every new array, so a piece of an array that has since been replaced is ignored.

(A notebook saved with its widget state keeps the header only: a streamed array is not
embedded in the saved state.)

>>> import numpy as np
>>> class Owner:
...     _stream_tokens = {"points": 3}
>>> header = streamed_to_json(np.zeros((1, 2_000_000, 4), np.float32), Owner(), "points")
>>> header["stream"], header["shape"]
(3, [1, 2000000, 4])
>>> [(c["offset"], c["length"]) for c, _ in chunks(np.zeros(10, np.float32), 3, 4)]
[(0, 4), (4, 4), (8, 2)]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .codec import array_from_json, encode_array, to_wire_array
from .messages import MESSAGES

__all__ = ["CHUNK_BYTES", "STREAM_BYTES", "chunks", "streamed_serialization", "streamed_to_json"]

#: Arrays of at least this many bytes are streamed rather than sent in the state.
STREAM_BYTES = 16 * 1024 * 1024
#: The size of each piece.
CHUNK_BYTES = 4 * 1024 * 1024


def streamed_to_json(value, widget, name: str) -> dict[str, Any] | None:
    """The state of array trait ``name``: the array itself, or (``STREAM_BYTES`` and up)
    a header naming the stream ``widget._stream_tokens[name]``."""
    if value is None:
        return None
    a = to_wire_array(value, name)
    if a.nbytes < STREAM_BYTES:
        return encode_array(a, name)
    return {
        "dtype": str(a.dtype),
        "shape": [int(s) for s in a.shape],
        "stream": int(widget._stream_tokens[name]),
    }


def streamed_serialization(name: str) -> dict[str, Any]:
    """ipywidgets ``to_json``/``from_json`` for array trait ``name`` (tag it with these)."""
    return {
        "to_json": lambda value, widget: streamed_to_json(value, widget, name),
        "from_json": array_from_json,
    }


def chunks(array: np.ndarray, token: int, length: int) -> Iterator[tuple[dict, memoryview]]:
    """The ``points_chunk`` messages of ``array`` (flattened): ``(content, buffer)`` pairs
    of at most ``length`` values each, in order."""
    flat = np.ascontiguousarray(array).reshape(-1)
    total = int(flat.size)
    for offset in range(0, total, length):
        piece = flat[offset : offset + length]
        content = {
            "type": MESSAGES["points_chunk"],
            "token": int(token),
            "offset": offset,
            "length": int(piece.size),
            "total": total,
        }
        yield content, memoryview(piece.view(np.uint8))
