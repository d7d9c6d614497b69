"""Verified downloads: stream to a temporary file, check the SHA-256, rename into place.

A file reaches its destination only whole and with the expected SHA-256; a failed,
cut-short or corrupt transfer leaves nothing behind. Only the standard library's
``urllib`` is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import math
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from .._checks import check_positive_int, is_number
from .._version import __version__
from ._files import temp_file_beside

__all__ = ["DownloadError", "download", "sha256_file"]

_CHUNK = 1 << 20
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class DownloadError(IOError):
    """No URL gave the expected file.

    Attributes:
        dest: where the file was to go (nothing is left there).
        failures: one ``(url, reason)`` pair per URL tried, in order; a reason names
            the HTTP status, the byte counts of a cut-short transfer, or the expected
            and actual SHA-256.

    >>> err = DownloadError("/tmp/x.gz", [("https://example.org/x.gz", "HTTP 404 Not Found")])
    >>> print(err)
    could not download x.gz; tried 1 URL(s):
      https://example.org/x.gz: HTTP 404 Not Found
    """

    def __init__(self, dest: str | os.PathLike, failures: Sequence[tuple[str, str]]):
        self.dest = Path(dest)
        self.failures = tuple(failures)
        tried = "\n".join(f"  {url}: {reason}" for url, reason in self.failures)
        super().__init__(
            f"could not download {self.dest.name}; tried {len(self.failures)} URL(s):\n{tried}"
        )

    def __reduce__(self):  # OSError would rebuild it from the message alone
        return (type(self), (self.dest, self.failures))


class _AttemptFailed(Exception):
    """One URL did not give the file; the next mirror may."""


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:16]
    'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def download(
    url: str,
    dest: str | os.PathLike,
    sha256: str,
    *,
    mirrors: Sequence[str] = (),
    size: int | None = None,
    progress: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Download ``url`` to ``dest`` and check its SHA-256; return ``dest`` as a Path.

    The bytes stream to a temporary file in ``dest``'s folder (with a tqdm bar when
    ``progress``), are checked against ``sha256`` and, when given, ``size``, and only
    then renamed onto ``dest`` (atomically, so readers never see half a file). When a
    URL fails (HTTP error, connection lost, fewer bytes than the server's
    Content-Length, wrong size or checksum) the temporary file is deleted and the next
    of ``mirrors`` is tried, in order. If none gives the file, ``DownloadError`` lists
    every URL with its reason.

    An existing ``dest`` whose SHA-256 matches is kept and nothing is requested; one
    that does not match is deleted first, so a corrupt file never stays behind.

    Args:
        url: ``http://`` or ``https://`` URL of the file.
        dest: path of the file to write; its folder is created if needed.
        sha256: the expected SHA-256, 64 hex digits. Required: nothing unverified is
            ever saved.
        mirrors: further URLs of the same file, tried in order after ``url``.
        size: the expected size in bytes, if known (stops a wrong file early).
        progress: show a tqdm progress bar.
        timeout: seconds to wait for the server on each connect or read.

    >>> from nbviz.data import download
    >>> download(  # doctest: +SKIP
    ...     "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ...     "/tmp/cifar-10-python.tar.gz",
    ...     sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    ... )
    PosixPath('/tmp/cifar-10-python.tar.gz')
    """
    urls = [_check_url(url, "url")]
    if isinstance(mirrors, str) or not isinstance(mirrors, Sequence):
        raise TypeError(f"mirrors: expected a sequence of URLs, got {type(mirrors).__name__}")
    urls += [_check_url(m, "mirrors") for m in mirrors]
    if not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest: expected a path, got {type(dest).__name__}")
    dest = Path(dest)
    sha256 = _check_sha256(sha256)
    if size is not None:
        size = check_positive_int(size, "size", minimum=0)
    timeout = _check_timeout(timeout)
    if not isinstance(progress, bool):
        raise TypeError(f"progress: expected a bool, got {type(progress).__name__}")

    if dest.is_file():
        if sha256_file(dest) == sha256:
            return dest
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)

    failures = []
    for candidate in urls:
        try:
            _download_once(candidate, dest, sha256, size, progress, timeout)
        except _AttemptFailed as err:
            failures.append((candidate, str(err)))
        else:
            return dest
    raise DownloadError(dest, failures)


def _download_once(url, dest: Path, sha256, size, progress, timeout) -> None:
    fd, tmp = temp_file_beside(dest)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, received = _stream(url, out, size, progress, timeout, dest.name)
            out.flush()
            os.fsync(out.fileno())
        if digest != sha256:
            raise _AttemptFailed(
                f"SHA-256 mismatch: expected {sha256}, got {digest} ({received} bytes)"
            )
        os.replace(tmp, dest)
    finally:
        # Reached with the file still there only on failure (or Ctrl-C).
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _stream(url, out, size, progress, timeout, label) -> tuple[str, int]:
    """Copy the body of ``url`` into ``out``; return its SHA-256 and length."""
    request = urllib.request.Request(url, headers={"User-Agent": f"nbviz/{__version__}"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        raise _AttemptFailed(f"HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        reason = getattr(err, "reason", err)
        raise _AttemptFailed(f"could not connect ({reason})") from None

    digest = hashlib.sha256()
    received = 0
    with response:
        announced = _content_length(response)
        if size is not None and announced is not None and announced != size:
            raise _AttemptFailed(f"server announces {announced} bytes, expected {size}")
        total = announced if announced is not None else size
        with tqdm(
            total=total,
            desc=label,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=not progress,
            leave=False,
        ) as bar:
            while True:
                try:
                    block = response.read(_CHUNK)
                except (http.client.HTTPException, OSError) as err:
                    raise _AttemptFailed(
                        f"connection lost after {received} bytes ({err!r})"
                    ) from None
                if not block:
                    break
                out.write(block)
                digest.update(block)
                received += len(block)
                bar.update(len(block))
                if size is not None and received > size:
                    raise _AttemptFailed(f"more than the expected {size} bytes")
    if announced is not None and received != announced:
        raise _AttemptFailed(
            f"transfer cut short: got {received} of {announced} bytes (Content-Length)"
        )
    if size is not None and received != size:
        raise _AttemptFailed(f"wrong size: got {received} bytes, expected {size}")
    return digest.hexdigest(), received


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _check_url(url, arg: str) -> str:
    if not isinstance(url, str):
        raise TypeError(f"{arg}: expected a URL string, got {type(url).__name__}")
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"{arg}: expected an http:// or https:// URL, got {url!r}")
    return url


def _check_sha256(sha256) -> str:
    if not isinstance(sha256, str):
        raise TypeError(f"sha256: expected 64 hex digits as a string, got {type(sha256).__name__}")
    value = sha256.strip().lower()
    if not _SHA256_HEX.fullmatch(value):
        raise ValueError(f"sha256: expected 64 hex digits, got {sha256!r}")
    return value


def _check_timeout(timeout) -> float:
    if not is_number(timeout):
        raise TypeError(f"timeout: expected a number of seconds, got {type(timeout).__name__}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    return float(timeout)
