"""The binary codec: arrays cross to the views as typed buffers, never JSON lists."""

import numpy as np
import pytest
import torch

from nbviz.widgets.codec import (
    WIRE_DTYPES,
    array_from_json,
    array_to_json,
    decode_array,
    encode_array,
    pack_arrays,
    to_wire_array,
)
from nbviz.widgets.traits import ArrayTrait


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (np.array([[1.5, -2.0], [0.25, 3e-3]], np.float32), "float32"),
        (np.array([[0, 1, 127, 255]], np.uint8), "uint8"),
        (np.array([[-(2**31), -1], [0, 2**31 - 1]], np.int32), "int32"),
    ],
)
def test_round_trip_keeps_dtype_shape_and_values(values, dtype):
    enc = encode_array(values)
    assert enc["dtype"] == dtype
    assert enc["shape"] == list(values.shape)
    assert isinstance(enc["buffer"], memoryview)
    assert enc["buffer"].nbytes == values.nbytes
    out = decode_array(enc)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, values)


def test_decode_accepts_bytes_and_bytearray():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    for buf in (a.tobytes(), bytearray(a.tobytes())):
        np.testing.assert_array_equal(
            decode_array({"dtype": "int32", "shape": [2, 3], "buffer": buf}), a
        )


def test_encode_is_a_view_not_a_copy_for_wire_dtypes():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    enc = encode_array(a)
    a[0, 0] = 99.0
    assert np.frombuffer(enc["buffer"], np.float32)[0] == 99.0


def test_float64_narrows_to_float32():
    enc = encode_array(np.array([0.1, 1e10, -2.5]))
    assert enc["dtype"] == "float32"
    np.testing.assert_allclose(decode_array(enc), [0.1, 1e10, -2.5], rtol=1e-6)


def test_int64_narrows_to_int32_when_it_fits():
    enc = encode_array(np.array([0, -5, 2**31 - 1], np.int64))
    assert enc["dtype"] == "int32"
    np.testing.assert_array_equal(decode_array(enc), [0, -5, 2**31 - 1])


@pytest.mark.parametrize("bad", [2**31, -(2**31) - 1, 2**40])
def test_int64_overflow_is_an_error_naming_the_array(bad):
    with pytest.raises(ValueError, match=r"ids: integer values do not fit in int32"):
        encode_array(np.array([0, bad], np.int64), "ids")


def test_bool_becomes_uint8():
    enc = encode_array(np.array([True, False, True]))
    assert enc["dtype"] == "uint8"
    np.testing.assert_array_equal(decode_array(enc), [1, 0, 1])


def test_tensors_and_lists_are_accepted():
    t = torch.arange(4, dtype=torch.float64, requires_grad=True) * 1.0
    assert encode_array(t)["dtype"] == "float32"
    assert encode_array([[1, 2], [3, 4]])["shape"] == [2, 2]


def test_non_contiguous_input_is_made_contiguous():
    a = np.arange(12, dtype=np.float32).reshape(3, 4).T
    np.testing.assert_array_equal(decode_array(encode_array(a)), a)


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([1 + 2j]), np.array([None, 1])])
def test_non_numeric_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"points: expected a numeric array"):
        to_wire_array(bad, "points")


def test_non_array_is_a_type_error():
    with pytest.raises(TypeError, match=r"x: expected a torch.Tensor, numpy.ndarray or sequence"):
        encode_array(object(), "x")


def test_decode_rejects_unknown_dtype_and_size_mismatch():
    with pytest.raises(ValueError, match=r"unknown dtype 'float64'"):
        decode_array({"dtype": "float64", "shape": [1], "buffer": b"\0" * 8})
    with pytest.raises(ValueError, match=r"buffer holds 2 values"):
        decode_array({"dtype": "int32", "shape": [3], "buffer": b"\0" * 8})


def test_json_serializers_pass_none_through():
    assert array_to_json(None) is None
    assert array_from_json(None) is None
    np.testing.assert_array_equal(array_from_json(array_to_json(np.ones(3, np.uint8))), [1, 1, 1])


def test_wire_dtypes_are_the_three_the_views_take():
    assert set(WIRE_DTYPES) == {"float32", "uint8", "int32"}


def test_pack_arrays_indexes_buffers_by_name():
    content, buffers = pack_arrays(
        {"type": "frame", "step": 3},
        {"points": np.ones((2, 3)), "labels": np.array([4, 5], np.int64)},
    )
    assert content["type"] == "frame" and content["step"] == 3
    assert content["arrays"] == {
        "points": {"dtype": "float32", "shape": [2, 3], "index": 0},
        "labels": {"dtype": "int32", "shape": [2], "index": 1},
    }
    assert all(isinstance(b, memoryview) for b in buffers)
    for meta in content["arrays"].values():
        got = decode_array({**meta, "buffer": buffers[meta["index"]]})
        assert list(got.shape) == meta["shape"]
    np.testing.assert_array_equal(np.frombuffer(buffers[1], np.int32), [4, 5])


def test_pack_arrays_names_the_bad_array():
    with pytest.raises(ValueError, match=r"^big: "):
        pack_arrays({}, {"ok": np.zeros(2), "big": np.array([2**40])})


def test_array_trait_coerces_and_checks_ndim():
    import traitlets

    class Holder(traitlets.HasTraits):
        points = ArrayTrait(dtype="float32", ndim=2)

    h = Holder()
    assert h.points is None
    h.points = [[1, 2], [3, 4]]
    assert h.points.dtype == np.float32
    with pytest.raises(traitlets.TraitError, match=r"points: expected a 2-D array"):
        h.points = np.zeros(3)
