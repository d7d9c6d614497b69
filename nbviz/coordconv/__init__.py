"""CoordConv's coordinate-transform experiment (Liu et al. 2018, arXiv:1807.03247). No widgets.

Convolution is bad at a task that looks trivial: given a position, light that pixel
(or draw a square there). The paper's convolutional baseline fits the positions it
trained on but fails where it never saw one; adding coordinate channels
(:class:`nbviz.layers.CoordConv2d`) makes the same task easy and generalise perfectly,
even to a whole quadrant held out of training. This package holds the experiment:

* :mod:`~nbviz.coordconv.nets` — :class:`DeconvNet` (the baseline) and
  :class:`CoordConvNet`, and :func:`coordinate_nets` for a fresh pair;
* :mod:`~nbviz.coordconv.compare` — :func:`train_side_by_side`, which trains networks
  on the same batches of Not-so-Clevr (:func:`nbviz.data.not_so_clevr`) and scores them
  on training and held-out positions as they go (:class:`Comparison`).

:class:`nbviz.CoordConvView` shows such a run live.

>>> from nbviz.data import not_so_clevr
>>> result = train_side_by_side(coordinate_nets(), not_so_clevr("rendering", "quadrant"),
...                             steps=2, eval_every=2, eval_size=16, score_all=False,
...                             progress=False)
>>> sorted(result.test), len(result.steps)
(['conv', 'coordconv'], 1)
"""

from .compare import METRICS, Comparison, check_comparison, predict, score, train_side_by_side
from .nets import CoordConvNet, DeconvNet, coordinate_nets

__all__ = [
    "METRICS",
    "Comparison",
    "CoordConvNet",
    "DeconvNet",
    "check_comparison",
    "coordinate_nets",
    "predict",
    "score",
    "train_side_by_side",
]
