"""fashion_mnist() from Debian's files, the decoded-array cache, and the checksums."""

import hashlib

import numpy as np
import pytest
import torch

import nbviz.data.loaders as loaders
from nbviz.data import clear_memory_cache, fashion_mnist
from nbviz.data.sources import FASHION_MNIST

pytestmark = pytest.mark.usefixtures("debian_fashion")

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def test_train_split():
    ds = fashion_mnist("train", download=False)
    assert (ds.name, ds.split, ds.class_names) == ("fashion_mnist", "train", CLASS_NAMES)
    assert ds.images.shape == (60000, 1, 28, 28) and ds.images.dtype == torch.float32
    assert ds.labels.shape == (60000,) and ds.labels.dtype == torch.int64
    assert ds.images.min() == 0.0 and ds.images.max() == 1.0
    assert ds.labels.bincount().tolist() == [6000] * 10
    # Pixels are bytes divided by 255.
    assert torch.equal((ds.images[:100] * 255).round() / 255, ds.images[:100])


def test_test_split():
    ds = fashion_mnist("test", download=False)
    assert ds.images.shape == (10000, 1, 28, 28) and ds.labels.shape == (10000,)
    assert ds.labels.bincount().tolist() == [1000] * 10
    assert ds.class_names[9] == "Ankle boot"
    assert ds.labels[:5].tolist() == [9, 2, 1, 1, 6]  # the published test set's first labels


def test_decoded_cache_is_written_and_used(fresh_cache, monkeypatch):
    first = fashion_mnist("test", progress=False)
    decoded = fresh_cache / "fashion_mnist" / "test.decoded-v1.npz"
    assert decoded.is_file()

    def no_parsing(path):
        raise AssertionError(f"{path} was parsed again instead of read from the cache")

    monkeypatch.setattr(loaders, "read_idx", no_parsing)
    clear_memory_cache()
    second = fashion_mnist("test", progress=False)
    assert torch.equal(first.images, second.images)
    assert torch.equal(first.labels, second.labels)


def test_memory_cache_skips_the_disk(fresh_cache, monkeypatch):
    fashion_mnist("test")

    def no_disk(*args):
        raise AssertionError("read the disk cache although the data was in memory")

    monkeypatch.setattr(loaders, "load_arrays", no_disk)
    assert len(fashion_mnist("test")) == 10000


def test_each_call_returns_fresh_tensors():
    a = fashion_mnist("test")
    a.images.fill_(7.0)
    a.labels.fill_(0)
    b = fashion_mnist("test")
    assert b.images.max() == 1.0 and b.labels.bincount().tolist() == [1000] * 10


def test_damaged_decoded_file_is_replaced(fresh_cache):
    expected = fashion_mnist("test")
    decoded = fresh_cache / "fashion_mnist" / "test.decoded-v1.npz"
    decoded.write_bytes(b"not a zip file")
    clear_memory_cache()
    with pytest.warns(RuntimeWarning, match="damaged cache file"):
        again = fashion_mnist("test")
    assert torch.equal(again.images, expected.images)
    assert np.load(decoded)["images"].shape == (10000, 1, 28, 28)


def test_stale_decoded_file_is_replaced(fresh_cache):
    expected = fashion_mnist("test")
    decoded = fresh_cache / "fashion_mnist" / "test.decoded-v1.npz"
    np.savez(decoded, images=np.zeros((3, 1, 28, 28), np.uint8), labels=np.zeros(3, np.uint8))
    clear_memory_cache()
    assert torch.equal(fashion_mnist("test").images, expected.images)


@pytest.mark.parametrize("remote", [f for files in FASHION_MNIST.files.values() for f in files])
def test_published_checksums_match_debian_data(remote, published_fashion_bytes):
    """The table's SHA-256 and size fit Debian's bytes once its gzip header is restored."""
    data = published_fashion_bytes(remote.name)
    assert len(data) == remote.size
    assert hashlib.sha256(data).hexdigest() == remote.sha256


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"unknown split 'val'.*Valid: 'train', 'test'"):
        fashion_mnist("val")
    with pytest.raises(TypeError, match="split: expected a string"):
        fashion_mnist(None)
    with pytest.raises(TypeError, match="download: expected True or False"):
        fashion_mnist("test", download="no")
    with pytest.raises(TypeError, match="progress: expected True or False"):
        fashion_mnist("test", progress=1)
