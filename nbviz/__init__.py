"""nbviz: live Jupyter widgets that let you see inside PyTorch networks.

Every widget and widget helper is importable from here (``from nbviz import GrandTour``);
the compute lives in its packages (``nbviz.data``, ``nbviz.models``, ``nbviz.tour``,
``nbviz.embed``, ``nbviz.ldam``, ``nbviz.lottery``), usable without any widget.

>>> import nbviz
>>> ds = nbviz.data.digits()
>>> grid = nbviz.ImageGrid(ds.subset(100))
"""

import importlib

from . import data
from ._version import __version__

#: Public name → the module that defines it. Loaded on first use, so that ``import nbviz``
#: stays light (no ipywidgets, anywidget or matplotlib) for scripts and cluster jobs.
_LAZY = {
    "AttributionView": "nbviz.widgets.attribution_view",
    "CellViewer": "nbviz.widgets.cell_viewer",
    "CoordConvView": "nbviz.widgets.coordconv_view",
    "EmbeddingView": "nbviz.widgets.embedding_view",
    "GrandTour": "nbviz.widgets.grand_tour",
    "ImageGrid": "nbviz.widgets.image_grid",
    "IntrinsicDimensionView": "nbviz.widgets.intrinsic_view",
    "LDAMViewer": "nbviz.widgets.ldam_viewer",
    "LayerExplorer": "nbviz.widgets.layer_explorer",
    "MaskExplorer": "nbviz.widgets.mask_explorer",
    "SimilarityView": "nbviz.widgets.similarity_view",
    "TrainingDashboard": "nbviz.widgets.training_dashboard",
    "link_selection": "nbviz.widgets.scatter",
}
_PACKAGES = (
    "attribution", "coordconv", "embed", "intrinsic", "layers", "ldam", "lottery", "models",
    "monitor", "similarity", "text", "tour", "widgets",
)  # fmt: skip

__all__ = [*sorted(_LAZY), "__version__", "data", *_PACKAGES]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _PACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nbviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
