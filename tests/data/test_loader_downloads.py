"""The loaders' download path, end to end against a local HTTP server."""

import dataclasses
import gzip
import hashlib
import io
import struct
import tarfile

import numpy as np
import pytest
import torch

import nbviz.data.loaders as loaders
from nbviz.data import DownloadError, cifar10, clear_memory_cache, fashion_mnist, mnist
from nbviz.data.sources import CIFAR10, FASHION_MNIST, MNIST, RemoteFile

FASHION_TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def no_system_data(monkeypatch, tmp_path):
    empty = tmp_path / "system"
    empty.mkdir()
    monkeypatch.setenv("NBVIZ_SYSTEM_DATA", str(empty))
    return empty


@pytest.fixture
def mirror(server, monkeypatch):
    monkeypatch.setenv("NBVIZ_DATA_URL", server.url + "/mirror/")
    return server


def test_fashion_mnist_downloads_verifies_and_decodes(
    no_system_data, fresh_cache, mirror, published_fashion_bytes, debian_fashion, monkeypatch
):
    for name in FASHION_TEST_FILES:
        mirror.add(f"mirror/fashion_mnist/{name}", published_fashion_bytes(name))

    ds = fashion_mnist("test", progress=False)
    assert ds.images.shape == (10000, 1, 28, 28)
    assert ds.labels.bincount().tolist() == [1000] * 10
    assert sorted(mirror.requests) == sorted(
        f"/mirror/fashion_mnist/{n}" for n in FASHION_TEST_FILES
    )
    for name in FASHION_TEST_FILES:
        assert (fresh_cache / "fashion_mnist" / name).read_bytes() == published_fashion_bytes(name)

    # The same data as Debian's copy gives.
    monkeypatch.delenv("NBVIZ_SYSTEM_DATA")
    from_debian = fashion_mnist("test")
    assert torch.equal(ds.images, from_debian.images)
    assert torch.equal(ds.labels, from_debian.labels)


def test_downloaded_files_are_reused_without_requests(
    no_system_data, fresh_cache, mirror, published_fashion_bytes
):
    for name in FASHION_TEST_FILES:
        mirror.add(f"mirror/fashion_mnist/{name}", published_fashion_bytes(name))
    fashion_mnist("test", progress=False)
    requests = len(mirror.requests)

    clear_memory_cache()
    (fresh_cache / "fashion_mnist" / "test.decoded-v1.npz").unlink()
    fashion_mnist("test", progress=False)  # decodes the cached raw files again
    clear_memory_cache()
    fashion_mnist("test", download=False)  # and now the decoded file
    assert len(mirror.requests) == requests


def test_corrupt_mirror_copy_is_refused(
    no_system_data, fresh_cache, mirror, published_fashion_bytes
):
    images, labels = FASHION_TEST_FILES
    mirror.add(f"mirror/fashion_mnist/{images}", published_fashion_bytes(images))
    tampered = bytearray(published_fashion_bytes(labels))
    tampered[-20] ^= 0xFF
    mirror.add(f"mirror/fashion_mnist/{labels}", bytes(tampered))

    with pytest.raises(DownloadError, match=f"{labels}.*SHA-256 mismatch"):
        fashion_mnist("test", progress=False)
    folder = fresh_cache / "fashion_mnist"
    assert sorted(p.name for p in folder.iterdir()) == [images]  # the good file only


def test_missing_everywhere_without_download(no_system_data, fresh_cache):
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte\.gz not found") as info:
        fashion_mnist("test", download=False)
    assert str(no_system_data) in str(info.value) and str(fresh_cache) in str(info.value)


def test_unreachable_mirror(no_system_data, fresh_cache, server, monkeypatch):
    monkeypatch.setenv("NBVIZ_DATA_URL", server.url)  # serves nothing
    with pytest.raises(DownloadError, match="HTTP 404"):
        fashion_mnist("test", progress=False)
    assert not any(fresh_cache.rglob("*.gz"))


def test_published_urls_and_checksums_are_well_formed():
    for dataset in (MNIST, FASHION_MNIST, CIFAR10):
        assert all(base.endswith("/") for base in dataset.mirrors)
        for files in dataset.files.values():
            for f in files:
                assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0
                assert f.size > 0


# --- MNIST and CIFAR-10: the real files are not available offline, so the tests
# --- serve small files of the same format, with a table made for them.


def _idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _remote(name: str, data: bytes) -> RemoteFile:
    return RemoteFile(name, hashlib.sha256(data).hexdigest(), len(data))


def test_mnist_download_path(fresh_cache, mirror, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "train": (rng.integers(0, 256, (6, 28, 28)), np.arange(6) % 10),
        "test": (rng.integers(0, 256, (4, 28, 28)), np.array([9, 8, 7, 6])),
    }
    files, shapes = {}, {}
    for split, (images, labels) in arrays.items():
        remotes = []
        for real, data in zip(MNIST.files[split], (_idx_gz(images), _idx_gz(labels)), strict=True):
            mirror.add(f"mirror/mnist/{real.name}", data)
            remotes.append(_remote(real.name, data))
        files[split] = tuple(remotes)
        shapes[split] = (len(labels), 1, 28, 28)
    monkeypatch.setattr(loaders, "MNIST", dataclasses.replace(MNIST, files=files, shapes=shapes))

    ds = mnist("test", progress=False)
    assert (ds.name, ds.split) == ("mnist", "test")
    assert ds.class_names == tuple("0123456789")
    assert ds.labels.tolist() == [9, 8, 7, 6]
    expected = torch.tensor(arrays["test"][0], dtype=torch.float32)[:, None] / 255
    assert torch.allclose(ds.images, expected)
    assert len(mnist("train", progress=False)) == 6


def _cifar_batch(images: np.ndarray, labels: list[int], py2_pickle) -> bytes:
    batch = {"batch_label": "fake", "labels": labels, "data": images.reshape(len(labels), -1)}
    return py2_pickle(batch)


def _tarball(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_cifar10_download_path(fresh_cache, mirror, monkeypatch, py2_pickle):
    rng = np.random.default_rng(1)
    members, train_images, train_labels = {}, [], []
    for i in range(1, 6):
        images = rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8)
        labels = [i, 9 - i]
        members[f"cifar-10-batches-py/data_batch_{i}"] = _cifar_batch(images, labels, py2_pickle)
        train_images.append(images)
        train_labels += labels
    # A test image whose channels are told apart by value: R=10, G=20, B=30.
    test_image = np.stack([np.full((32, 32), v, np.uint8) for v in (10, 20, 30)])[None]
    members["cifar-10-batches-py/test_batch"] = _cifar_batch(test_image, [3], py2_pickle)
    members["cifar-10-batches-py/batches.meta"] = py2_pickle({"label_names": []})
    tarball = _tarball(members)
    mirror.add("mirror/cifar10/cifar-10-python.tar.gz", tarball)
    remote = _remote("cifar-10-python.tar.gz", tarball)
    fake = dataclasses.replace(
        CIFAR10,
        files={"train": (remote,), "test": (remote,)},
        shapes={"train": (10, 3, 32, 32), "test": (1, 3, 32, 32)},
    )
    monkeypatch.setattr(loaders, "CIFAR10", fake)

    test = cifar10("test", progress=False)
    assert test.images.shape == (1, 3, 32, 32) and test.labels.tolist() == [3]
    assert test.images[0, :, 5, 5].mul(255).round().tolist() == [10.0, 20.0, 30.0]
    assert test.class_names[:3] == ("airplane", "automobile", "bird")
    # Decoding one split decoded and cached both.
    assert (fresh_cache / "cifar10" / "train.decoded-v1.npz").is_file()
    monkeypatch.setattr(loaders, "read_cifar10_tarball", None)  # must not be needed now
    train = cifar10("train", progress=False)
    assert train.labels.tolist() == train_labels
    assert torch.equal(
        train.images.mul(255).round().to(torch.uint8),
        torch.from_numpy(np.concatenate(train_images)),
    )


def test_wrong_shape_from_files_is_reported(fresh_cache, mirror, monkeypatch):
    images, labels = _idx_gz(np.zeros((3, 28, 28))), _idx_gz(np.zeros(3))
    files = {}
    for split in ("train", "test"):
        real_images, real_labels = MNIST.files[split]
        mirror.add(f"mirror/mnist/{real_images.name}", images)
        mirror.add(f"mirror/mnist/{real_labels.name}", labels)
        files[split] = (_remote(real_images.name, images), _remote(real_labels.name, labels))
    monkeypatch.setattr(loaders, "MNIST", dataclasses.replace(MNIST, files=files))
    with pytest.raises(
        ValueError,
        match=r"decode to images uint8\(3, 1, 28, 28\).*expected uint8\(10000, 1, 28, 28\)",
    ):
        mnist("test", progress=False)
