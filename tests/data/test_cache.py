"""cache_dir(), the decoded-array files and the in-process memo."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from nbviz.data import DownloadError, cache_dir
from nbviz.data.cache import MemoryCache, load_arrays, save_arrays


def test_cache_dir_prefers_nbviz_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NBVIZ_CACHE", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine"


def test_cache_dir_then_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("NBVIZ_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "nbviz"


def test_cache_dir_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("NBVIZ_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as XDG says
    assert cache_dir() == tmp_path / ".cache" / "nbviz"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == tmp_path / ".cache" / "nbviz"


def test_cache_dir_expands_user(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NBVIZ_CACHE", "~/nbv")
    assert cache_dir() == tmp_path / "nbv"


def test_arrays_round_trip_without_temporary_files(tmp_path):
    path = tmp_path / "sub" / "x.npz"
    assert save_arrays(path, {"images": np.ones((2, 3), np.uint8), "labels": np.arange(2)})
    out = load_arrays(path, ["images", "labels"])
    assert out["images"].tolist() == [[1, 1, 1]] * 2 and out["labels"].tolist() == [0, 1]
    assert [p.name for p in path.parent.iterdir()] == ["x.npz"]


def test_unwritable_cache_warns_instead_of_failing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="could not write the decoded-data cache"):
        assert save_arrays(blocker / "x.npz", {"a": np.zeros(1)}) is False


def test_missing_key_counts_as_damaged(tmp_path):
    path = tmp_path / "x.npz"
    save_arrays(path, {"images": np.zeros(1)})
    with pytest.warns(RuntimeWarning, match="damaged"):
        assert load_arrays(path, ["images", "labels"]) is None
    assert not path.exists()


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, images=np.array([{"a": 1}], dtype=object))
    with pytest.warns(RuntimeWarning, match="damaged"):
        assert load_arrays(path, ["images"]) is None


def test_memory_cache_is_lru():
    memo = MemoryCache(maxsize=2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # now "b" is the least recently used
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
    assert len(memo) == 2
    memo.clear()
    assert len(memo) == 0


def test_download_error_survives_pickling():
    err = DownloadError("/tmp/x.gz", [("http://a/x.gz", "HTTP 404 Not Found")])
    again = pickle.loads(pickle.dumps(err))
    assert again.failures == err.failures and again.dest == Path("/tmp/x.gz")
    assert str(again) == str(err)
