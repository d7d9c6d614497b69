"""Every example in nbviz's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import nbviz

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(nbviz.__path__, prefix="nbviz.") if "static" not in m.name
)


@pytest.mark.parametrize("name", ["nbviz", *MODULES])
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.setenv("NBVIZ_CACHE", str(tmp_path))  # pretrained() examples train afresh
    module = importlib.import_module(name)
    if name == "nbviz.models.zoo":  # its register_model example adds to the registry
        monkeypatch.setattr(module, "_REGISTRY", dict(module._REGISTRY))
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert failed == 0, f"{failed} docstring example(s) failed in {name}"


def test_most_modules_have_examples():
    """A guard against examples silently vanishing: count the modules that have some."""
    finder = doctest.DocTestFinder()
    with_examples = [
        name
        for name in MODULES
        if any(t.examples for t in finder.find(importlib.import_module(name)))
    ]
    assert len(with_examples) >= len(MODULES) // 2, with_examples
