"""Fixtures for the real-browser tests: one JupyterLab and one Chromium per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from . import harness
from .harness import CHROMIUM, JupyterLab, chromium

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory) -> Path:
    """The lab's root folder: a copy of notebooks/ plus any notebook a test writes."""
    root = tmp_path_factory.mktemp("lab") / "root"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="session")
def lab(lab_root):
    """JupyterLab on 127.0.0.1 serving :func:`lab_root`."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with JupyterLab(lab_root) as server:
        yield server


@pytest.fixture
def page(lab):
    """A fresh headless Chromium page; fails the test if the console showed an error."""
    try:
        with chromium() as (pg, errors):
            yield pg
            ARTIFACTS.mkdir(exist_ok=True)
            assert not errors, f"browser console errors: {errors}"
    finally:
        lab.shut_down_sessions()


@pytest.fixture
def write_notebook(lab_root):
    """Write a notebook of the given code cells into the lab root; returns its name."""

    def write(name: str, *cells: str) -> str:
        return harness.write_notebook(lab_root, name, *cells)

    return write
