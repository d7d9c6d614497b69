"""Reading IDX files, the array format of MNIST and Fashion-MNIST (plain or gzip'd)."""

from __future__ import annotations

import gzip
import math
import os
import struct
from pathlib import Path

import numpy as np

__all__ = ["parse_idx", "read_idx"]

# IDX type byte -> element type (multi-byte types are big-endian in the file).
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file into a NumPy array.

    The result has the shape the header gives and a native-endian dtype. ``source``
    names the data in error messages. Raises ``ValueError`` when the header is not
    IDX or the payload length does not match it.

    >>> parse_idx(bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])).tolist()
    [[1, 2, 3], [4, 5, 6]]
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{source}: not an IDX file (bad magic number {bytes(data[:4])!r})")
    dtype, ndim = _IDX_TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{source}: IDX header cut short ({len(data)} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    count = math.prod(shape)
    expected = header + count * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{source}: IDX header announces shape {shape} ({expected} bytes), "
            f"but the file holds {len(data)} bytes"
        )
    array = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip'd or not, told by its first bytes) into a NumPy array.

    >>> from nbviz.data.idx import read_idx
    >>> labels = read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    >>> labels.shape, labels.dtype
    ((10000,), dtype('uint8'))
    """
    path = Path(os.fspath(path))
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    return parse_idx(raw, source=str(path))
