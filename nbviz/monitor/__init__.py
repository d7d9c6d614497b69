"""Training records for the dashboard: histograms and distribution bands as TensorBoard
computes them. No widgets here.

* :mod:`~nbviz.monitor.histograms` — :func:`histogram` (TensorBoard's equal-width
  buckets) and :func:`distribution` (the distribution dashboard's bands at
  :data:`BASIS_POINTS`).

>>> import numpy as np
>>> bands = distribution(histogram(np.random.default_rng(0).normal(size=100_000)))
>>> [round(float(b), 1) + 0.0 for b in bands[1:-1]]   # about -1.5σ, -σ, -0.5σ, 0, ...
[-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
"""

from .histograms import BASIS_POINTS, distribution, histogram

__all__ = ["BASIS_POINTS", "distribution", "histogram"]
