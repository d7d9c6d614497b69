"""The CIFAR-10 tarball reader refuses pickles that would run code."""

import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from nbviz.data.cifar_pickle import read_cifar10_tarball


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def _write_tarball(path, members):
    with tarfile.open(path, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _good_batch(n=1):
    data = np.zeros((n, 3072), np.uint8)
    return pickle.dumps({"data": data, "labels": [0] * n}, protocol=2)


def test_reads_only_the_asked_splits(tmp_path):
    path = tmp_path / "c.tar.gz"
    _write_tarball(path, {"cifar-10-batches-py/test_batch": _good_batch(2)})
    out = read_cifar10_tarball(path, splits=("test",))
    assert out["test"][0].shape == (2, 3, 32, 32) and out["test"][1].dtype == np.uint8


def test_reads_python2_pickles(tmp_path, py2_pickle):
    data = np.arange(2 * 3072).astype(np.uint8).reshape(2, 3072)
    batch = py2_pickle({"batch_label": "x", "data": data, "labels": [4, 7], "filenames": ["a"]})
    path = tmp_path / "c.tar.gz"
    _write_tarball(path, {"cifar-10-batches-py/test_batch": batch})
    images, labels = read_cifar10_tarball(path, splits=("test",))["test"]
    assert labels.tolist() == [4, 7]
    assert np.array_equal(images.reshape(2, 3072), data)


def test_code_in_a_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.tar.gz"
    evil = pickle.dumps({"data": _Exploit(), "labels": []}, protocol=2)
    _write_tarball(path, {"cifar-10-batches-py/test_batch": evil})
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load (posix|os)\.system"):
        read_cifar10_tarball(path, splits=("test",))


def test_missing_members(tmp_path):
    path = tmp_path / "c.tar.gz"
    _write_tarball(path, {"cifar-10-batches-py/test_batch": _good_batch()})
    with pytest.raises(ValueError, match=r"missing.*data_batch_1"):
        read_cifar10_tarball(path)


def test_not_a_batch(tmp_path):
    path = tmp_path / "c.tar.gz"
    _write_tarball(path, {"cifar-10-batches-py/test_batch": pickle.dumps([1, 2], protocol=2)})
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        read_cifar10_tarball(path, splits=("test",))


def test_only_the_latin1_codec_is_allowed(tmp_path):
    # _codecs.encode("abc", "rot13"), the shape Python 3 gives bytes in protocol 2.
    crafted = b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x05\x00\x00\x00rot13\x86R."
    path = tmp_path / "c.tar.gz"
    _write_tarball(path, {"cifar-10-batches-py/test_batch": crafted})
    with pytest.raises(pickle.UnpicklingError, match="codec 'rot13'"):
        read_cifar10_tarball(path, splits=("test",))
