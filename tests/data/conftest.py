"""Fixtures for the nbviz.data tests: an isolated cache, a local HTTP server, and
the published Fashion-MNIST files rebuilt from Debian's copies."""

from __future__ import annotations

import functools
import http.server
import io
import pickle
import struct
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
# The gzip time stamps of the published files, which Debian's strip-nondeterminism
# replaced by the package date (and it dropped the file name from the header).
_PUBLISHED_MTIME = {
    "train-images-idx3-ubyte.gz": 1504176606,
    "train-labels-idx1-ubyte.gz": 1504176606,
    "t10k-images-idx3-ubyte.gz": 1504176627,
    "t10k-labels-idx1-ubyte.gz": 1504176627,
}


def _published_fashion_bytes(name: str) -> bytes:
    """The bytes of the published Fashion-MNIST file ``name``, rebuilt from Debian's.

    Only the gzip header differs: put back the FNAME flag, the original name and
    the original time stamp; the compressed stream is untouched.
    """
    raw = (DEBIAN_FASHION / name).read_bytes()
    assert raw[:4] == b"\x1f\x8b\x08\x00", "expected a gzip header without a file name"
    original_name = name.removesuffix(".gz").encode() + b"\0"
    mtime = struct.pack("<I", _PUBLISHED_MTIME[name])
    return b"\x1f\x8b\x08\x08" + mtime + raw[8:10] + original_name + raw[10:]


class _Python2StylePickler(pickle._Pickler):
    """Writes strings and bytes as Python 2 ``str`` opcodes, as the CIFAR-10 files do."""

    def _save_py2_str(self, obj):
        raw = obj.encode("latin1") if isinstance(obj, str) else bytes(obj)
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch: ClassVar = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = _save_py2_str
    dispatch[str] = _save_py2_str

    def save_global(self, obj, name=None):
        if getattr(obj, "__module__", None) == "numpy._core.multiarray":
            # Python 2 era NumPy: the module was numpy.core.multiarray.
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n" + obj.__name__.encode() + b"\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _python2_style_pickle(obj) -> bytes:
    out = io.BytesIO()
    _Python2StylePickler(out, protocol=2).dump(obj)
    return out.getvalue()


@pytest.fixture(scope="session")
def py2_pickle():
    """A function: object -> pickle bytes laid out as Python 2 wrote CIFAR-10's."""
    return _python2_style_pickle


@pytest.fixture(scope="session")
def debian_fashion() -> Path:
    """Debian's Fashion-MNIST folder; skips the test when the package is not installed."""
    if not all((DEBIAN_FASHION / f).is_file() for f in FASHION_FILES):
        pytest.skip("Debian package dataset-fashion-mnist is not installed")
    return DEBIAN_FASHION


@pytest.fixture(scope="session")
def published_fashion_bytes(debian_fashion):
    """A function: file name -> the bytes of the published Fashion-MNIST file."""
    return _published_fashion_bytes


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One cache for the session, so the Debian files are decoded once."""
    return tmp_path_factory.mktemp("nbviz-cache")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, shared_cache):
    # Never touch the user's cache, and never reach the network by accident.
    monkeypatch.setenv("NBVIZ_CACHE", str(shared_cache))
    monkeypatch.delenv("NBVIZ_SYSTEM_DATA", raising=False)
    monkeypatch.setenv("NBVIZ_DATA_URL", "http://127.0.0.1:9/unreachable-by-default")


@pytest.fixture
def fresh_cache(monkeypatch, tmp_path) -> Path:
    """An empty cache folder of this test's own."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NBVIZ_CACHE", str(cache))
    return cache


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from the server's root; special path prefixes misbehave on purpose.

    ``/truncate/<path>``: announces the full Content-Length, sends half, closes.
    ``/nolength-truncate/<path>``: sends half with no Content-Length, closes.
    ``/stall/<path>``: sends the headers, then waits longer than any test timeout.
    """

    def do_GET(self):
        self.server.requests.append(self.path)
        for prefix in ("/truncate/", "/nolength-truncate/", "/stall/"):
            if self.path.startswith(prefix):
                return self._misbehave(prefix, self.path[len(prefix) :])
        return super().do_GET()

    def _misbehave(self, prefix: str, name: str):
        body = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        if prefix != "/nolength-truncate/":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if prefix == "/stall/":
            time.sleep(1.0)
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) is expected, not news


class LocalServer:
    """An HTTP server on 127.0.0.1 (ephemeral port) serving ``root``, in a thread."""

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(_Handler, directory=str(root))
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.requests = []
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def requests(self) -> list[str]:
        """The paths requested so far, in order."""
        return self._httpd.requests

    def add(self, relative: str, data: bytes) -> str:
        """Serve ``data`` at ``/<relative>``; return its full URL."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return f"{self.url}/{relative}"

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def server(tmp_path) -> LocalServer:
    root = tmp_path / "served"
    root.mkdir()
    srv = LocalServer(root)
    yield srv
    srv.close()
