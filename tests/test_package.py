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


def test_one_import_for_every_widget():
    code = (
        "from nbviz import ImageGrid, GrandTour, EmbeddingView, LDAMViewer, MaskExplorer, "
        "link_selection; print(GrandTour.__module__, link_selection.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["nbviz.widgets.grand_tour", "nbviz.widgets.scatter"]
    assert nbviz.widgets.GrandTour is nbviz.GrandTour  # one table behind both


def test_readme_and_notebooks_import_widgets_from_the_top_level():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    texts = [root / "README.md", *sorted((root / "notebooks").glob("*.ipynb"))]
    offenders = [p.name for p in texts if "from nbviz.widgets" in p.read_text(encoding="utf-8")]
    assert not offenders


COMPUTE = ["data", "models", "tour", "embed", "ldam", "lottery", "similarity", "monitor", "layers",
           "intrinsic", "coordconv"]  # fmt: skip


def test_compute_packages_load_no_widget_code():
    code = (
        "import sys; import " + ", ".join(f"nbviz.{p}" for p in COMPUTE) + "; "
        "print(any(m == 'nbviz.widgets' or m.startswith(('nbviz.widgets.', 'ipywidgets', "
        "'anywidget')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_widgets_import_no_private_name_of_a_compute_package():
    import ast
    import pathlib

    offenders = []
    for path in sorted((pathlib.Path(nbviz.__file__).parent / "widgets").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level != 2 or not node.module:
                continue  # only `from ..<package>... import ...` reaches a compute package
            parts = node.module.split(".")
            if parts[0] not in COMPUTE:
                continue
            private = [p for p in parts if p.startswith("_")]
            private += [a.name for a in node.names if a.name.startswith("_")]
            if private:
                offenders.append(f"{path.name}:{node.lineno} from ..{node.module} {private}")
    assert not offenders, offenders
