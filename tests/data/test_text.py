"""Text datasets: the standard library's source, tiny Shakespeare through the download
path (served from 127.0.0.1), encode/decode, and bad input."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from nbviz.data import UNKNOWN, TextDataset, python_source, tiny_shakespeare

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tinyshakespeare.txt"


def test_python_source_is_the_standard_library_in_a_fixed_order():
    a = python_source(50_000)
    b = python_source(50_000)
    assert len(a) == 50_000 and a.text == b.text
    assert {"(", ")", '"', "'", "#", "\n", " "} <= set(a.vocab)
    assert a.decode(a.codes[:100]) == a.text[:100]
    with pytest.raises(ValueError, match="max_chars"):
        python_source(0)


def test_encode_maps_unknown_characters_and_says_so_once():
    ds = TextDataset("hello world\n")
    assert ds.vocab[-1] == UNKNOWN and ds.vocab_size == 10  # 9 characters and the mark
    with pytest.warns(UserWarning, match=r"2 character\(s\) outside the vocabulary \('é', 'ü'\)"):
        codes = ds.encode("héllü")
    assert ds.decode(codes) == f"h{UNKNOWN}ll{UNKNOWN}"
    train, val = ds.split(0.25)
    assert train.text + val.text == ds.text and val.vocab == ds.vocab
    with pytest.raises(ValueError, match="empty text"):
        TextDataset("")
    with pytest.raises(ValueError, match="outside the vocabulary's"):
        ds.decode([99])


@pytest.mark.skipif(not SHARED.exists(), reason=f"no test copy of tiny Shakespeare at {SHARED}")
def test_tiny_shakespeare_downloads_once_with_its_checksum(tmp_path, monkeypatch):
    served = tmp_path / "served" / "tiny_shakespeare"
    served.mkdir(parents=True)
    (served / "input.txt").write_bytes(SHARED.read_bytes())
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "served")
    )
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("NBVIZ_CACHE", str(tmp_path / "cache"))
        monkeypatch.setenv("NBVIZ_DATA_URL", f"http://127.0.0.1:{server.server_address[1]}")
        ds = tiny_shakespeare(progress=False)
        assert len(ds) == 1_115_394 and ds.vocab_size == 65 + 1  # + the unknown mark
        assert ds.text.startswith("First Citizen:\n")
        assert (tmp_path / "cache" / "tiny_shakespeare" / "input.txt").exists()
        server.shutdown()  # the second load needs no server
        assert len(tiny_shakespeare(progress=False)) == 1_115_394
    finally:
        server.shutdown()
        server.server_close()
