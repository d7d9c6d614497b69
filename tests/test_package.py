"""The top-level package: its names resolve, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import nbviz


def test_every_public_name_resolves():
    for name in nbviz.__all__:
        assert getattr(nbviz, name) is not None, name
    assert nbviz.LDAMViewer.__name__ == "LDAMViewer"
    assert nbviz.ldam.Sampler.__module__ == "nbviz.ldam.sampler"


def test_import_does_not_load_the_widgets():
    code = "import sys, nbviz; print('ipywidgets' in sys.modules, 'anywidget' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
