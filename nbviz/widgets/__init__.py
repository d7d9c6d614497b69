"""The widgets: one module per view, on a shared base (binary codec, background jobs)."""

from .base import NbvizWidget
from .codec import decode_array, encode_array, pack_arrays
from .embedding_view import EmbeddingView, link_selection
from .grand_tour import GrandTour
from .image_grid import ImageGrid
from .ldam_viewer import LDAMViewer
from .mask_explorer import MaskExplorer
from .worker import Job, JobCancelled, JobContext, JobError

__all__ = [
    "EmbeddingView",
    "GrandTour",
    "ImageGrid",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobError",
    "LDAMViewer",
    "MaskExplorer",
    "NbvizWidget",
    "decode_array",
    "encode_array",
    "link_selection",
    "pack_arrays",
]
