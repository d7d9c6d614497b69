"""Fixtures for the nbviz.models tests: the digits splits and an isolated model cache."""

from __future__ import annotations

import pytest

from nbviz.data import digits


@pytest.fixture(scope="session")
def digits_train():
    return digits("train")


@pytest.fixture(scope="session")
def digits_test():
    return digits("test")


@pytest.fixture
def model_cache(tmp_path, monkeypatch):
    """A fresh, empty ``NBVIZ_CACHE`` for one test; returns its ``models`` folder."""
    monkeypatch.setenv("NBVIZ_CACHE", str(tmp_path))
    return tmp_path / "models"
