"""The widgets: one module per view, on a shared base (binary codec, background jobs)."""

from .base import NbvizWidget
from .codec import decode_array, encode_array, pack_arrays
from .grand_tour import GrandTour
from .image_grid import ImageGrid
from .worker import Job, JobCancelled, JobContext, JobError

__all__ = [
    "GrandTour",
    "ImageGrid",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobError",
    "NbvizWidget",
    "decode_array",
    "encode_array",
    "pack_arrays",
]
