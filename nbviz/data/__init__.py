"""Datasets for nbviz, offline first.

Every loader returns an :class:`ImageDataset` (float32 images ``(N, C, H, W)`` in
``[0, 1]``, int64 labels, class names):

* :func:`digits` — scikit-learn's 8×8 digits; ships with scikit-learn, the default.
* :func:`fashion_mnist` — read from ``/usr/share/datasets/fashion-mnist`` (Debian's
  ``dataset-fashion-mnist``), else the cache, else downloaded.
* :func:`mnist`, :func:`cifar10` — from the cache, else downloaded.

and, for character-level models, a :class:`TextDataset`: :func:`python_source` (the
standard library's own source, built in) and :func:`tiny_shakespeare` (downloaded once).
CoordConv's Not-so-Clevr is made in code: :func:`not_so_clevr` (a :class:`NotSoClevr`).

Downloads (:func:`download`) are checked against published SHA-256s and land in
:func:`cache_dir` (``$NBVIZ_CACHE``, else ``$XDG_CACHE_HOME/nbviz``, else
``~/.cache/nbviz``); a failed one leaves nothing behind and raises
:class:`DownloadError`. Decoded arrays are cached beside the downloads, so a second
load takes a fraction of a second. Environment variables: ``NBVIZ_CACHE``,
``NBVIZ_SYSTEM_DATA`` (replaces ``/usr/share/datasets``), ``NBVIZ_DATA_URL`` (a mirror
to use instead of the published ones, laid out as ``<url>/<dataset>/<file>``).

>>> from nbviz.data import digits
>>> ds = digits("train")
>>> ds
ImageDataset('digits', split='train', n=1438, image=(1, 8, 8), classes=10)
"""

from .cache import cache_dir, clear_memory_cache
from .dataset import ImageDataset
from .fetch import DownloadError, download, sha256_file
from .idx import read_idx
from .loaders import cifar10, digits, fashion_mnist, mnist
from .not_so_clevr import (
    CoordinateSet,
    NotSoClevr,
    not_so_clevr,
    one_hot_pixels,
    render_squares,
    square_positions,
)
from .text import UNKNOWN, TextDataset, python_source, tiny_shakespeare

__all__ = [
    "UNKNOWN",
    "CoordinateSet",
    "DownloadError",
    "ImageDataset",
    "NotSoClevr",
    "TextDataset",
    "cache_dir",
    "cifar10",
    "clear_memory_cache",
    "digits",
    "download",
    "fashion_mnist",
    "mnist",
    "not_so_clevr",
    "one_hot_pixels",
    "python_source",
    "read_idx",
    "render_squares",
    "sha256_file",
    "square_positions",
    "tiny_shakespeare",
]
