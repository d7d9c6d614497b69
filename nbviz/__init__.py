"""nbviz: live Jupyter widgets that let you see inside PyTorch networks.

>>> import nbviz
>>> ds = nbviz.data.digits()
>>> grid = nbviz.ImageGrid(ds.images[:100], labels=ds.labels[:100], class_names=ds.class_names)
"""

from . import data
from ._version import __version__

__all__ = [
    "EmbeddingView",
    "GrandTour",
    "ImageGrid",
    "LDAMViewer",
    "MaskExplorer",
    "__version__",
    "data",
]


def __getattr__(name):
    # Widgets import ipywidgets/anywidget; keep `import nbviz` light for scripts and jobs.
    if name == "ImageGrid":
        from .widgets.image_grid import ImageGrid

        return ImageGrid
    if name == "GrandTour":
        from .widgets.grand_tour import GrandTour

        return GrandTour
    if name == "EmbeddingView":
        from .widgets.embedding_view import EmbeddingView

        return EmbeddingView
    if name == "MaskExplorer":
        from .widgets.mask_explorer import MaskExplorer

        return MaskExplorer
    if name == "LDAMViewer":
        from .widgets.ldam_viewer import LDAMViewer

        return LDAMViewer
    if name in ("models", "tour", "embed", "lottery", "ldam"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nbviz' has no attribute {name!r}")
