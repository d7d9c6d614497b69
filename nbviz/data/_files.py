"""Temporary files beside their destination, for writes that appear atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["temp_file_beside"]


def _umask() -> int:
    # Reading the umask with os.umask() means setting it, which races with other
    # threads; Linux shows it in /proc instead.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def temp_file_beside(dest: Path) -> tuple[int, Path]:
    """Open a new temporary file in ``dest``'s folder; return its descriptor and path.

    The file gets the permissions ``open()`` would give ``dest`` (``mkstemp`` makes
    it private), so that ``os.replace(tmp, dest)`` publishes an ordinary file.
    """
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    # Where there are no Unix permissions (no fchmod, or a file system without
    # them), a private file is fine too.
    if hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(name)
