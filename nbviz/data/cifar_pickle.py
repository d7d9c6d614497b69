"""Reading the CIFAR-10 "python version" tarball without running arbitrary pickles.

The archive ``cifar-10-python.tar.gz`` holds six Python-2 pickles (``data_batch_1``
to ``_5`` and ``test_batch``), each a dict with a ``data`` uint8 array of shape
``(10000, 3072)`` (1024 red, then green, then blue values, rows top to bottom) and a
``labels`` list. The unpickler here accepts only what those files contain (dicts,
lists, strings, numbers and NumPy arrays), so a tampered archive cannot run code,
and the tarball is read in memory: nothing is extracted to disk.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import tarfile
from typing import ClassVar

import numpy as np

__all__ = ["CIFAR10_MEMBERS", "read_cifar10_tarball"]

CIFAR10_MEMBERS = {
    "train": tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)),
    "test": ("cifar-10-batches-py/test_batch",),
}


def _numpy_reconstruct():
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._reconstruct
        except (ImportError, AttributeError):
            continue
    raise ImportError("numpy's array unpickling helper (_reconstruct) was not found")


def _latin1_encode(text, encoding="latin1"):
    # Protocol-2 pickles written by Python 3 spell a bytes object as
    # _codecs.encode(text, "latin1"); allow that and no other codec.
    if encoding.lower().replace("-", "") != "latin1" or not isinstance(text, str):
        raise pickle.UnpicklingError(f"refusing to decode bytes with codec {encoding!r}")
    return text.encode("latin1")


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Resolves only the globals a pickled NumPy array needs; anything else is refused."""

    _ALLOWED: ClassVar = {
        ("_codecs", "encode"): lambda: _latin1_encode,
        ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
        ("numpy", "ndarray"): lambda: np.ndarray,
        ("numpy", "dtype"): lambda: np.dtype,
    }

    def find_class(self, module, name):
        resolve = self._ALLOWED.get((module, name))
        if resolve is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")
        return resolve()


def _load_batch(raw: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    # latin1 turns Python-2 byte strings into str, which NumPy accepts as array data.
    batch = _ArrayOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
    if not isinstance(batch, dict) or "data" not in batch or "labels" not in batch:
        raise ValueError(f"{source}: not a CIFAR-10 batch (expected a dict with data, labels)")
    data = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or labels.shape != (data.shape[0],):
        raise ValueError(
            f"{source}: expected data (N, 3072) and N labels, got {data.shape} and {labels.shape}"
        )
    return data.reshape(-1, 3, 32, 32), labels.astype(np.uint8)


def read_cifar10_tarball(
    path: str | os.PathLike, splits=("train", "test")
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Decode the CIFAR-10 python tarball into uint8 arrays, one pair per split.

    Returns ``{split: (images, labels)}`` with images of shape ``(N, 3, 32, 32)`` and
    labels of shape ``(N,)``, both uint8, for each of ``splits``. The archive is read
    in one pass, so asking for both splits costs little more than one.

    >>> from nbviz.data.cifar_pickle import read_cifar10_tarball
    >>> arrays = read_cifar10_tarball("cifar-10-python.tar.gz")  # doctest: +SKIP
    >>> arrays["test"][0].shape  # doctest: +SKIP
    (10000, 3, 32, 32)
    """
    wanted = {member: split for split in splits for member in CIFAR10_MEMBERS[split]}
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with tarfile.open(path, mode="r:gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                raw = archive.extractfile(member).read()
                found[member.name] = _load_batch(raw, f"{path}:{member.name}")
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise ValueError(f"{path}: not the CIFAR-10 python archive; missing {missing}")
    result = {}
    for split in splits:
        parts = [found[m] for m in CIFAR10_MEMBERS[split]]
        result[split] = (
            np.concatenate([images for images, _ in parts]),
            np.concatenate([labels for _, labels in parts]),
        )
    return result
