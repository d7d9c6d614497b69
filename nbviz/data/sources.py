"""Where each dataset's files come from, their checksums, and finding them on disk.

A file is looked for, in order: in the system data folder (Debian's ``dataset-*``
packages install under ``/usr/share/datasets``; ``$NBVIZ_SYSTEM_DATA`` overrides),
in the user cache (``cache_dir()/<dataset>/``), and else downloaded into the cache
from the dataset's mirrors with a SHA-256 check (``$NBVIZ_DATA_URL`` replaces the
mirrors by ``$NBVIZ_DATA_URL/<dataset>/<file>``, e.g. for a local or internal mirror).

Provenance of the checksums (SHA-256 and size of the files as published):

* MNIST, Fashion-MNIST, CIFAR-10 (python): TensorFlow Datasets' checksum files
  (``tensorflow_datasets/url_checksums/mnist.txt``, ``fashion_mnist.txt`` and
  ``cifar10.csv``), the same values Keras' ``cifar10.load_data`` and torchtext use.
* Fashion-MNIST, checked against local data: Debian's files are the published ones
  with the gzip header normalised by ``strip-nondeterminism`` (file name removed,
  time stamp set to the package date). Putting the name and the original time stamp
  back (2017-08-31 10:50:06 UTC for the train files, 10:50:27 for t10k) gives bytes
  whose SHA-256 is the one below and whose MD5 is the one in the Fashion-MNIST
  README; ``tests/data`` checks this.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_dir
from .fetch import download, sha256_file

__all__ = [
    "CIFAR10",
    "FASHION_MNIST",
    "MNIST",
    "SYSTEM_DATA_DIR",
    "TINY_SHAKESPEARE",
    "RemoteDataset",
    "RemoteFile",
    "data_urls",
    "locate",
    "system_data_dir",
]

SYSTEM_DATA_DIR = Path("/usr/share/datasets")


@dataclass(frozen=True)
class RemoteFile:
    """One published file: its name, SHA-256 and size in bytes."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity (it holds dicts)
class RemoteDataset:
    """A dataset published as files: where to get them and how to read them.

    Attributes:
        name: the dataset's name, also its folder in the cache (``"mnist"``).
        mirrors: base URLs (ending in ``/``), tried in order; a file's URL is the
            base plus its name.
        files: the files each split needs, e.g. ``{"train": (images, labels)}``.
        shapes: the ``(N, C, H, W)`` of each split once decoded.
        class_names: one name per class, in label order.
        file_format: ``"idx"`` or ``"cifar10-python"``.
        system_subdir: the folder under the system data folder that a distribution
            package installs the files in, or ``None``.
    """

    name: str
    mirrors: tuple[str, ...]
    files: Mapping[str, tuple[RemoteFile, ...]]
    shapes: Mapping[str, tuple[int, int, int, int]]
    class_names: tuple[str, ...]
    file_format: str
    system_subdir: str | None = None

    @property
    def splits(self) -> tuple[str, ...]:
        """The split names, e.g. ``("train", "test")``."""
        return tuple(self.files)


def system_data_dir() -> Path:
    """The folder distribution packages install datasets in.

    ``$NBVIZ_SYSTEM_DATA`` if set, else ``/usr/share/datasets`` (Debian's place).

    >>> from nbviz.data.sources import system_data_dir
    >>> system_data_dir().name  # doctest: +SKIP
    'datasets'
    """
    return Path(os.environ.get("NBVIZ_SYSTEM_DATA") or SYSTEM_DATA_DIR)


def data_urls(dataset: RemoteDataset, file: RemoteFile) -> list[str]:
    """The URLs to try for ``file``: ``$NBVIZ_DATA_URL/<dataset>/<file>`` if set, else mirrors."""
    override = os.environ.get("NBVIZ_DATA_URL")
    if override:
        return [f"{override.rstrip('/')}/{dataset.name}/{file.name}"]
    return [base + file.name for base in dataset.mirrors]


def locate(
    dataset: RemoteDataset, file: RemoteFile, *, allow_download: bool, progress: bool
) -> Path:
    """The path of ``file`` on disk: system folder, else cache, else a fresh download.

    Files in the system folder come from the package manager and are trusted as they
    are; cached and downloaded ones are checked against ``file.sha256``. Raises
    ``FileNotFoundError`` naming the places looked in when the file is absent and
    ``allow_download`` is false, and ``DownloadError`` when no mirror gives it.
    """
    places = []
    if dataset.system_subdir is not None:
        system_copy = system_data_dir() / dataset.system_subdir / file.name
        places.append(system_copy)
        if system_copy.is_file():
            return system_copy
    cached = cache_dir() / dataset.name / file.name
    places.append(cached)
    if allow_download:
        # Returns at once, without a request, when the cached copy is already right.
        urls = data_urls(dataset, file)
        return download(
            urls[0], cached, file.sha256, mirrors=urls[1:], size=file.size, progress=progress
        )
    if cached.is_file() and sha256_file(cached) == file.sha256:
        return cached
    looked = ", ".join(str(p) for p in places)
    raise FileNotFoundError(
        f"{dataset.name}: {file.name} not found (looked in {looked}, a cached copy must "
        f"have SHA-256 {file.sha256}); pass download=True to fetch it"
    )


_MNIST_CLASSES = tuple(str(d) for d in range(10))

MNIST = RemoteDataset(
    name="mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    files={
        "train": (
            RemoteFile(
                "train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                9912422,
            ),
            RemoteFile(
                "train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                28881,
            ),
        ),
        "test": (
            RemoteFile(
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                1648877,
            ),
            RemoteFile(
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                4542,
            ),
        ),
    },
    shapes={"train": (60000, 1, 28, 28), "test": (10000, 1, 28, 28)},
    class_names=_MNIST_CLASSES,
    file_format="idx",
)

FASHION_MNIST = RemoteDataset(
    name="fashion_mnist",
    mirrors=(
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    files={
        "train": (
            RemoteFile(
                "train-images-idx3-ubyte.gz",
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                26421880,
            ),
            RemoteFile(
                "train-labels-idx1-ubyte.gz",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                29515,
            ),
        ),
        "test": (
            RemoteFile(
                "t10k-images-idx3-ubyte.gz",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                4422102,
            ),
            RemoteFile(
                "t10k-labels-idx1-ubyte.gz",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                5148,
            ),
        ),
    },
    shapes={"train": (60000, 1, 28, 28), "test": (10000, 1, 28, 28)},
    class_names=(
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
    ),
    file_format="idx",
    system_subdir="fashion-mnist",
)

_CIFAR10_TARBALL = RemoteFile(
    "cifar-10-python.tar.gz",
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    170498071,
)

CIFAR10 = RemoteDataset(
    name="cifar10",
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    files={"train": (_CIFAR10_TARBALL,), "test": (_CIFAR10_TARBALL,)},
    shapes={"train": (50000, 3, 32, 32), "test": (10000, 3, 32, 32)},
    class_names=(
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
    file_format="cifar10-python",
)

TINY_SHAKESPEARE = RemoteDataset(
    name="tiny_shakespeare",
    mirrors=("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",),
    files={
        "all": (
            RemoteFile(
                "input.txt",
                "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                1115394,
            ),
        )
    },
    shapes={},
    class_names=(),
    file_format="text",
)
