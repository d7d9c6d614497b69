"""The dataset loaders: digits, Fashion-MNIST, MNIST and CIFAR-10, as ImageDatasets.

Every loader returns fresh float32 tensors in ``[0, 1]``: changing them in place does
not change what the next call returns. Decoding a published file is slow (Fashion-
MNIST train is 60000 gzip'd 28×28 images), so the decoded uint8 arrays are kept in
``cache_dir()/<dataset>/<split>.decoded-v1.npz`` and, for this process, in memory
(see :func:`clear_memory_cache`).
"""

from __future__ import annotations

import functools
import os

import numpy as np
import torch

from .._checks import check_bool, unknown_name_error
from .cache import MEMORY, cache_dir, load_arrays, save_arrays
from .cifar_pickle import read_cifar10_tarball
from .dataset import ImageDataset
from .idx import read_idx
from .sources import CIFAR10, FASHION_MNIST, MNIST, RemoteDataset, locate, system_data_dir

__all__ = ["DIGITS_TEST_FRACTION", "cifar10", "digits", "fashion_mnist", "mnist"]

DIGITS_TEST_FRACTION = 0.2
_DIGITS_SPLIT_SEED = 0
_DIGITS_SPLITS = ("all", "train", "test")
# Bump when the decoded-file layout changes, so that old files are ignored.
_DECODED_VERSION = 1


def digits(split: str = "all") -> ImageDataset:
    """scikit-learn's handwritten digits: 8×8 grey images of 0-9, shipped with scikit-learn.

    Pixel values 0..16 are divided by 16, so images are float32 in ``[0, 1]`` with
    shape ``(N, 1, 8, 8)``; class names are ``"0"`` to ``"9"``.

    Splits: ``"all"`` (1797 images), and a fixed stratified split into ``"train"``
    (1438) and ``"test"`` (359): within each class, the indices are shuffled by
    ``numpy.random.RandomState(0)`` (one generator, classes in order 0 to 9) and the
    first ``round(0.2 * class size)`` go to test. ``RandomState`` streams never change,
    so the split is the same on every machine and NumPy version. Both splits keep the
    original order of the images.

    >>> from nbviz.data import digits
    >>> train, test = digits("train"), digits("test")
    >>> len(train), len(test), train.images.shape[1:]
    (1438, 359, torch.Size([1, 8, 8]))
    """
    split = _check_split(split, _DIGITS_SPLITS)
    images, labels = _digits_arrays()
    index = _digits_split_index(labels, split)
    return ImageDataset(
        torch.from_numpy(images[index]),
        torch.from_numpy(labels[index]),
        tuple(str(d) for d in range(10)),
        "digits",
        split,
    )


def fashion_mnist(
    split: str = "train", *, download: bool = True, progress: bool = True
) -> ImageDataset:
    """Zalando's Fashion-MNIST: 28×28 grey images of clothing in 10 classes.

    Images are float32 in ``[0, 1]`` with shape ``(N, 1, 28, 28)``: 60000 in
    ``"train"``, 10000 in ``"test"``; classes T-shirt/top, Trouser, Pullover, Dress,
    Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.

    The files are read from ``/usr/share/datasets/fashion-mnist`` (Debian package
    ``dataset-fashion-mnist``; ``$NBVIZ_SYSTEM_DATA`` replaces ``/usr/share/datasets``),
    else from the cache, else downloaded (when ``download``) from GitHub or
    Zalando's S3 with a SHA-256 check, showing a progress bar when ``progress``.

    >>> from nbviz.data import fashion_mnist
    >>> ds = fashion_mnist("test")
    >>> ds.images.shape, ds.class_names[9]
    (torch.Size([10000, 1, 28, 28]), 'Ankle boot')
    """
    return _load_published(FASHION_MNIST, split, download, progress)


def mnist(split: str = "train", *, download: bool = True, progress: bool = True) -> ImageDataset:
    """LeCun's MNIST handwritten digits: 28×28 grey images, class names ``"0"``-``"9"``.

    Images are float32 in ``[0, 1]`` with shape ``(N, 1, 28, 28)``: 60000 in
    ``"train"``, 10000 in ``"test"``. Read from the cache, else downloaded (when
    ``download``) from the first working mirror (PyTorch's S3 copy, Google's CVDF
    copy, LeCun's site) with a SHA-256 check.

    >>> from nbviz.data import mnist
    >>> mnist("test").images.shape  # doctest: +SKIP
    torch.Size([10000, 1, 28, 28])
    """
    return _load_published(MNIST, split, download, progress)


def cifar10(split: str = "train", *, download: bool = True, progress: bool = True) -> ImageDataset:
    """CIFAR-10: 32×32 colour images in 10 classes (airplane, automobile, ... truck).

    Images are float32 in ``[0, 1]`` with shape ``(N, 3, 32, 32)`` (RGB): 50000 in
    ``"train"``, 10000 in ``"test"``. Read from the cache, else the python-version
    tarball (163 MiB) is downloaded (when ``download``) from the University of
    Toronto with a SHA-256 check; its pickles are read by an unpickler that only
    accepts arrays and plain data. Decoding one split decodes and caches both.

    >>> from nbviz.data import cifar10
    >>> ds = cifar10("test")  # doctest: +SKIP
    >>> ds.image_shape, ds.class_names[:2]  # doctest: +SKIP
    ((3, 32, 32), ('airplane', 'automobile'))
    """
    return _load_published(CIFAR10, split, download, progress)


def _load_published(dataset: RemoteDataset, split, download, progress) -> ImageDataset:
    split = _check_split(split, dataset.splits)
    check_bool(download, "download")
    check_bool(progress, "progress")
    images, labels = _decoded_split(dataset, split, download, progress)
    return ImageDataset(
        images.to(torch.float32).div_(255),
        labels.to(torch.int64),
        dataset.class_names,
        dataset.name,
        split,
    )


def _decoded_split(dataset: RemoteDataset, split: str, allow_download: bool, progress: bool):
    """uint8 ``(images, labels)`` tensors: from memory, else the decoded file, else decoding."""
    root = cache_dir()
    key = (dataset, split, str(root), str(system_data_dir()), os.environ.get("NBVIZ_DATA_URL"))
    pair = MEMORY.get(key)
    if pair is not None:
        return pair
    arrays = load_arrays(_decoded_path(root, dataset, split), ("images", "labels"))
    if arrays is None or not _decoded_ok(dataset, split, arrays["images"], arrays["labels"]):
        decoded = _decode(dataset, split, allow_download, progress)
        for each, (images, labels) in decoded.items():
            save_arrays(_decoded_path(root, dataset, each), {"images": images, "labels": labels})
        arrays = dict(zip(("images", "labels"), decoded[split], strict=True))
    pair = (torch.from_numpy(arrays["images"]), torch.from_numpy(arrays["labels"]))
    MEMORY.put(key, pair)
    return pair


def _decoded_path(root, dataset: RemoteDataset, split: str):
    return root / dataset.name / f"{split}.decoded-v{_DECODED_VERSION}.npz"


def _decode(dataset: RemoteDataset, split: str, allow_download: bool, progress: bool):
    """Decode the published files into ``{split: (images, labels)}`` uint8 arrays.

    Holds ``split``, and every other split that came out of the same files for free.
    """
    paths = [
        locate(dataset, file, allow_download=allow_download, progress=progress)
        for file in dataset.files[split]
    ]
    if dataset.file_format == "idx":
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        images = images.reshape(images.shape[0], 1, *images.shape[1:])
        decoded = {split: (images, labels)}
    elif dataset.file_format == "cifar10-python":
        decoded = read_cifar10_tarball(paths[0], splits=dataset.splits)
    else:
        raise ValueError(f"{dataset.name}: unknown file format {dataset.file_format!r}")
    for each, (images, labels) in decoded.items():
        if not _decoded_ok(dataset, each, images, labels):
            raise ValueError(
                f"{dataset.name} {each!r}: {', '.join(map(str, paths))} decode to images "
                f"{images.dtype}{tuple(images.shape)} and labels {labels.dtype}"
                f"{tuple(labels.shape)}; expected uint8{dataset.shapes[each]} and labels in "
                f"0..{len(dataset.class_names) - 1}. The files are damaged or of another dataset"
            )
    return decoded


def _decoded_ok(dataset: RemoteDataset, split: str, images, labels) -> bool:
    shape = dataset.shapes[split]
    return (
        images.dtype == np.uint8
        and tuple(images.shape) == shape
        and labels.dtype == np.uint8
        and tuple(labels.shape) == shape[:1]
        and (labels.size == 0 or int(labels.max()) < len(dataset.class_names))
    )


@functools.cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # imported here: it is slow to import

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None]
    labels = bunch.target.astype(np.int64)
    return images, labels


def _digits_split_index(labels: np.ndarray, split: str) -> np.ndarray:
    if split == "all":
        return np.arange(len(labels))
    rng = np.random.RandomState(_DIGITS_SPLIT_SEED)
    test = []
    for label in range(10):
        members = rng.permutation(np.flatnonzero(labels == label))
        test.append(members[: int(np.floor(DIGITS_TEST_FRACTION * len(members) + 0.5))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[np.concatenate(test)] = True
    return np.flatnonzero(is_test if split == "test" else ~is_test)


def _check_split(split, valid: tuple[str, ...]) -> str:
    if not isinstance(split, str):
        raise TypeError(f"split: expected a string, one of {valid}, got {type(split).__name__}")
    if split not in valid:
        raise unknown_name_error("split", split, valid, "split")
    return split
