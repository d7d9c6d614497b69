"""IDX decoding."""

import gzip
import struct

import numpy as np
import pytest

from nbviz.data import read_idx
from nbviz.data.idx import parse_idx


def _idx(type_byte: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, type_byte, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


def test_uint8_images():
    data = _idx(0x08, (2, 2, 3), bytes(range(12)))
    out = parse_idx(data)
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)
    assert out.ravel().tolist() == list(range(12))
    assert out.flags.writeable


def test_big_endian_types_become_native():
    values = np.array([1, -2, 70000], dtype=">i4")
    out = parse_idx(_idx(0x0C, (3,), values.tobytes()))
    assert out.dtype == np.dtype("=i4") and out.tolist() == [1, -2, 70000]
    floats = np.array([0.5, -1.25], dtype=">f8")
    assert parse_idx(_idx(0x0E, (2,), floats.tobytes())).tolist() == [0.5, -1.25]


def test_reads_plain_and_gzipped_files(tmp_path):
    data = _idx(0x08, (3,), b"\x01\x02\x03")
    (tmp_path / "a-idx1-ubyte").write_bytes(data)
    (tmp_path / "a-idx1-ubyte.gz").write_bytes(gzip.compress(data))
    assert read_idx(tmp_path / "a-idx1-ubyte").tolist() == [1, 2, 3]
    assert read_idx(str(tmp_path / "a-idx1-ubyte.gz")).tolist() == [1, 2, 3]


def test_bad_magic():
    with pytest.raises(ValueError, match="not an IDX file"):
        parse_idx(b"\x1f\x8b\x08\x00rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        parse_idx(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))


def test_length_must_match_header():
    with pytest.raises(ValueError, match=r"shape \(4,\).*holds 10 bytes"):
        parse_idx(_idx(0x08, (4,), b"\x00\x01"), source="x")
    with pytest.raises(ValueError, match="holds"):
        parse_idx(_idx(0x08, (1,), b"\x00\x01"))
    with pytest.raises(ValueError, match="header cut short"):
        parse_idx(bytes([0, 0, 0x08, 3, 0, 0]))


def test_wrong_type():
    with pytest.raises(TypeError, match="data: expected bytes"):
        parse_idx("not bytes")
