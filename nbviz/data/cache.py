"""Where nbviz keeps data on disk, the decoded-array files, and the in-process memo."""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ._files import temp_file_beside

__all__ = ["MemoryCache", "cache_dir", "clear_memory_cache", "load_arrays", "save_arrays"]


def cache_dir() -> Path:
    """The folder nbviz caches data in (downloads, decoded arrays, checkpoints).

    ``$NBVIZ_CACHE`` if set, else ``$XDG_CACHE_HOME/nbviz`` (when that is an absolute
    path), else ``~/.cache/nbviz``. Read at each call, so changing the environment
    takes effect at once. The folder is not created here; writers create it.

    >>> from nbviz.data import cache_dir
    >>> cache_dir()  # doctest: +SKIP
    PosixPath('/home/me/.cache/nbviz')
    """
    explicit = os.environ.get("NBVIZ_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec says to ignore relative paths
        return Path(xdg) / "nbviz"
    return Path.home() / ".cache" / "nbviz"


def save_arrays(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> bool:
    """Write ``arrays`` to an uncompressed ``.npz`` at ``path``, atomically.

    Returns ``False`` (with a ``RuntimeWarning``) instead of raising when the file
    cannot be written, e.g. a read-only cache: the data is still usable, it will just
    be decoded again next time.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.npz"
    >>> save_arrays(p, {"x": np.arange(3)})
    True
    >>> load_arrays(p, ["x"])["x"].tolist()
    [0, 1, 2]
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file_beside(path)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
        return True
    except OSError as err:
        warnings.warn(
            f"nbviz: could not write the decoded-data cache {path} ({err}); "
            "the data will be decoded again next time",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def load_arrays(path: str | os.PathLike, keys: Sequence[str]) -> dict[str, np.ndarray] | None:
    """Read the arrays ``keys`` from an ``.npz`` written by :func:`save_arrays`.

    Returns ``None`` when the file is missing; a damaged file (or one missing a key)
    is deleted with a ``RuntimeWarning`` and ``None`` returned, so that the caller
    decodes afresh. Pickled objects are refused.

    >>> load_arrays("/nonexistent.npz", ["x"]) is None
    True
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in keys}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        warnings.warn(
            f"nbviz: ignoring the damaged cache file {path} ({err!r}); decoding again",
            RuntimeWarning,
            stacklevel=2,
        )
        with contextlib.suppress(OSError):
            path.unlink()
        return None


class MemoryCache:
    """A small thread-safe least-recently-used map, for data already loaded this session.

    >>> memo = MemoryCache(maxsize=2)
    >>> memo.put("a", 1); memo.put("b", 2); memo.put("c", 3)
    >>> memo.get("a") is None, memo.get("c")
    (True, 3)
    """

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        """The value stored under ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value) -> None:
        """Store ``value`` under ``key``, dropping the least recently used beyond maxsize."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# Decoded datasets of this process, as uint8 tensors (Fashion-MNIST train is 47 MB).
MEMORY = MemoryCache(maxsize=8)


def clear_memory_cache() -> None:
    """Forget the datasets loaded in this process (the files on disk stay).

    The next loader call reads the decoded arrays from the disk cache again.

    >>> from nbviz.data import clear_memory_cache
    >>> clear_memory_cache()
    """
    MEMORY.clear()
