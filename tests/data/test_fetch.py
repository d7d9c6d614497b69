"""download() against a real HTTP server on 127.0.0.1."""

import hashlib
import os
import socket

import pytest

from nbviz.data import DownloadError, download, sha256_file

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB, more than one read chunk
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
WRONG_SHA = "0" * 64


@pytest.fixture
def dest_dir(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_good_file_is_saved_and_verified(server, dest_dir):
    url = server.add("files/blob.bin", PAYLOAD)
    out = download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False)
    assert out == dest_dir / "blob.bin"
    assert out.read_bytes() == PAYLOAD
    assert _leftovers(dest_dir) == ["blob.bin"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a private one


def test_progress_bar_and_new_folders(server, tmp_path, capsys):
    url = server.add("blob.bin", PAYLOAD)
    dest = tmp_path / "a" / "b" / "blob.bin"
    download(url, str(dest), PAYLOAD_SHA.upper(), size=len(PAYLOAD), progress=True)
    assert dest.read_bytes() == PAYLOAD
    assert "blob.bin" in capsys.readouterr().err


def test_existing_good_file_is_not_downloaded_again(server, dest_dir):
    url = server.add("blob.bin", PAYLOAD)
    download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False)
    download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False)
    assert server.requests == ["/blob.bin"]


def test_existing_corrupt_file_is_replaced(server, dest_dir):
    url = server.add("blob.bin", PAYLOAD)
    (dest_dir / "blob.bin").write_bytes(b"corrupt")
    download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False)
    assert sha256_file(dest_dir / "blob.bin") == PAYLOAD_SHA


def test_truncated_transfer_leaves_nothing(server, dest_dir):
    server.add("blob.bin", PAYLOAD)
    url = f"{server.url}/truncate/blob.bin"
    with pytest.raises(DownloadError) as info:
        download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False)
    message = str(info.value)
    assert url in message
    assert f"cut short: got {len(PAYLOAD) // 2} of {len(PAYLOAD)} bytes" in message
    assert _leftovers(dest_dir) == []
    assert isinstance(info.value, OSError)


def test_truncated_transfer_without_length_fails_the_checksum(server, dest_dir):
    server.add("blob.bin", PAYLOAD)
    url = f"{server.url}/nolength-truncate/blob.bin"
    with pytest.raises(DownloadError, match=f"expected {PAYLOAD_SHA}, got"):
        download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False)
    assert _leftovers(dest_dir) == []


def test_wrong_checksum_leaves_nothing(server, dest_dir):
    url = server.add("blob.bin", PAYLOAD)
    with pytest.raises(DownloadError) as info:
        download(url, dest_dir / "blob.bin", WRONG_SHA, progress=False)
    message = str(info.value)
    assert url in message and WRONG_SHA in message and PAYLOAD_SHA in message
    assert f"({len(PAYLOAD)} bytes)" in message
    assert _leftovers(dest_dir) == []


def test_wrong_checksum_also_removes_a_corrupt_existing_file(server, dest_dir):
    url = server.add("blob.bin", PAYLOAD)
    (dest_dir / "blob.bin").write_bytes(b"corrupt")
    with pytest.raises(DownloadError):
        download(url, dest_dir / "blob.bin", WRONG_SHA, progress=False)
    assert _leftovers(dest_dir) == []


def test_wrong_size_is_refused(server, dest_dir):
    url = server.add("blob.bin", PAYLOAD)
    with pytest.raises(DownloadError, match=f"announces {len(PAYLOAD)} bytes, expected 10"):
        download(url, dest_dir / "blob.bin", PAYLOAD_SHA, size=10, progress=False)
    assert _leftovers(dest_dir) == []


def test_mirror_fallback(server, dest_dir):
    good = server.add("mirror2/blob.bin", PAYLOAD)
    missing = f"{server.url}/mirror1/blob.bin"
    download(missing, dest_dir / "blob.bin", PAYLOAD_SHA, mirrors=[good], progress=False)
    assert (dest_dir / "blob.bin").read_bytes() == PAYLOAD
    assert server.requests == ["/mirror1/blob.bin", "/mirror2/blob.bin"]


def test_mirrors_after_a_bad_copy(server, dest_dir):
    server.add("blob.bin", PAYLOAD)
    good = f"{server.url}/blob.bin"
    truncated = f"{server.url}/truncate/blob.bin"
    download(truncated, dest_dir / "blob.bin", PAYLOAD_SHA, mirrors=(good,), progress=False)
    assert sha256_file(dest_dir / "blob.bin") == PAYLOAD_SHA


def test_all_mirrors_failing_lists_each(server, dest_dir):
    server.add("blob.bin", PAYLOAD)
    urls = [f"{server.url}/nothing-here", f"{server.url}/truncate/blob.bin"]
    with pytest.raises(DownloadError) as info:
        download(urls[0], dest_dir / "blob.bin", PAYLOAD_SHA, mirrors=urls[1:], progress=False)
    err = info.value
    assert [url for url, _ in err.failures] == urls
    assert "HTTP 404" in err.failures[0][1]
    assert "cut short" in err.failures[1][1]
    assert err.dest == dest_dir / "blob.bin"
    assert _leftovers(dest_dir) == []


def test_stalled_server_times_out(server, dest_dir):
    server.add("blob.bin", PAYLOAD)
    url = f"{server.url}/stall/blob.bin"
    with pytest.raises(DownloadError, match="connection lost after 0 bytes"):
        download(url, dest_dir / "blob.bin", PAYLOAD_SHA, progress=False, timeout=0.2)
    assert _leftovers(dest_dir) == []


def test_refused_connection(dest_dir):
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="could not connect"):
        download(f"http://127.0.0.1:{port}/x", dest_dir / "x", PAYLOAD_SHA, progress=False)
    assert _leftovers(dest_dir) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"url": 3}, TypeError, "url: expected a URL string"),
        ({"url": "ftp://example.org/x"}, ValueError, "url: expected an http"),
        ({"url": "/local/path"}, ValueError, "url: expected an http"),
        ({"mirrors": "http://example.org/x"}, TypeError, "mirrors: expected a sequence"),
        ({"mirrors": ["file:///x"]}, ValueError, "mirrors: expected an http"),
        ({"dest": 5}, TypeError, "dest: expected a path"),
        ({"sha256": None}, TypeError, "sha256: expected 64 hex digits"),
        ({"sha256": "abc"}, ValueError, "sha256: expected 64 hex digits"),
        ({"sha256": "g" * 64}, ValueError, "sha256: expected 64 hex digits"),
        ({"size": -1}, ValueError, "size: expected an integer >= 0"),
        ({"size": 1.5}, TypeError, "size: expected an integer"),
        ({"timeout": 0}, ValueError, "timeout: expected a positive number"),
        ({"timeout": "5"}, TypeError, "timeout: expected a number"),
        ({"progress": "yes"}, TypeError, "progress: expected a bool"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, match):
    args = {"url": "http://127.0.0.1:9/x", "dest": tmp_path / "x", "sha256": PAYLOAD_SHA}
    args.update(kwargs)
    url, dest, sha = args.pop("url"), args.pop("dest"), args.pop("sha256")
    with pytest.raises(error, match=match):
        download(url, dest, sha, **args)
    assert list(tmp_path.iterdir()) == []
