"""The Grand Tour's math: rotations, direct manipulation, layers as linear maps,
aligned layer reductions and adversarial trajectories.

A compute package: it imports no widget code and runs from a plain script.

* :mod:`~nbviz.tour.rotation`: :class:`Tour`, :func:`tour_matrix`, :func:`projection`
  and the conventions the JS view mirrors.
* :mod:`~nbviz.tour.manipulate`: :func:`drag_axis`, :func:`orthonormalize`,
  :func:`axis_handles`.
* :mod:`~nbviz.tour.linear`: :func:`conv2d_matrix`, :func:`linearize` ...
* :mod:`~nbviz.tour.align`: :func:`layer_sequence` (each layer on its own top principal
  components, matched to the previous layer's by :func:`signed_permutation`),
  :func:`procrustes`, :func:`svd_transition`.
* :mod:`~nbviz.tour.attacks`: :func:`fgsm`, :func:`pgd`, :func:`attack_trajectory`.
* :mod:`~nbviz.tour.sources`: a tour's frames from training, layers or an attack
  (:class:`TourFrames`), as :class:`nbviz.GrandTour`'s builders use them.
* :mod:`~nbviz.tour.framing`: :func:`stack_frames`, :func:`normalize_points`,
  :func:`points_coincide`, :func:`reduce_frames`: how the frames are framed for the view.

>>> from nbviz.tour import Tour
>>> tour = Tour(5, seed=0)
>>> tour.step(0.05).shape
(5, 2)
"""

from .align import (
    LayerSequence,
    layer_sequence,
    procrustes,
    signed_permutation,
    svd_transition,
)
from .attacks import AttackResult, AttackTrajectory, attack_trajectory, fgsm, pgd
from .framing import normalize_points, points_coincide, reduce_frames, stack_frames
from .linear import (
    LinearStep,
    avgpool_matrix,
    batchnorm_matrix,
    conv2d_matrix,
    linear_matrix,
    linearize,
    maxpool_matrix,
)
from .manipulate import axis_handles, drag_axis, drag_axis_matrix, orthonormalize
from .rotation import (
    Tour,
    angular_velocities,
    complete_basis,
    givens_product,
    plane_pairs,
    projection,
    tour_matrix,
)
from .sources import (
    TourFrames,
    activation_frames,
    adversarial_frames,
    layer_frames,
    training_frames,
)

__all__ = [
    "AttackResult",
    "AttackTrajectory",
    "LayerSequence",
    "LinearStep",
    "Tour",
    "TourFrames",
    "activation_frames",
    "adversarial_frames",
    "angular_velocities",
    "attack_trajectory",
    "avgpool_matrix",
    "axis_handles",
    "batchnorm_matrix",
    "complete_basis",
    "conv2d_matrix",
    "drag_axis",
    "drag_axis_matrix",
    "fgsm",
    "givens_product",
    "layer_frames",
    "layer_sequence",
    "linear_matrix",
    "linearize",
    "maxpool_matrix",
    "normalize_points",
    "orthonormalize",
    "pgd",
    "plane_pairs",
    "points_coincide",
    "procrustes",
    "projection",
    "reduce_frames",
    "signed_permutation",
    "stack_frames",
    "svd_transition",
    "tour_matrix",
    "training_frames",
]
