"""The widget layer: one module per view, on a shared base.

The widgets themselves are imported from the top level (``from nbviz import GrandTour``).
Here are the parts a new view is built from: :class:`NbvizWidget` and :class:`JobWidget`
(:mod:`.base`), the binary array codec (:mod:`.codec`), trait types (:mod:`.traits`),
background jobs (:mod:`.worker`), conversions (:mod:`.convert`) and the message types
shared with the JS (:mod:`.messages`).
"""

from .base import JobWidget, NbvizWidget
from .codec import decode_array, encode_array, pack_arrays
from .convert import images_to_uint8, labels_to_codes, split_data
from .messages import MESSAGES
from .traits import ArrayTrait, Float, Int
from .worker import Job, JobCancelled, JobContext, JobError

__all__ = [
    "MESSAGES",
    "ArrayTrait",
    "Float",
    "Int",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobError",
    "JobWidget",
    "NbvizWidget",
    "decode_array",
    "encode_array",
    "images_to_uint8",
    "labels_to_codes",
    "pack_arrays",
    "split_data",
]


def __getattr__(name):
    # The widgets themselves resolve through the one table of the top level, so that
    # `nbviz.widgets.GrandTour is nbviz.GrandTour`; import them from `nbviz`.
    import nbviz

    if name in nbviz._LAZY:
        return getattr(nbviz, name)
    raise AttributeError(f"module 'nbviz.widgets' has no attribute {name!r}")
