"""Training records for the dashboard, as TensorBoard's scalars and histograms dashboards
show them, recorded in the kernel. No widgets here.

* :mod:`~nbviz.monitor.recorder` — :class:`Recorder`: hooks a model; scalars every step,
  weight/gradient/activation histograms every ``every`` steps, in bounded memory
  (:class:`ThinnedSeries`), and :class:`Alert` s (:func:`find_alerts`).
* :mod:`~nbviz.monitor.tensorboard` — :func:`write_tensorboard` /
  :func:`read_tensorboard`: the same records as TensorBoard event files, both ways
  (the ``tensorboard`` extra).
* :mod:`~nbviz.monitor.histograms` — :func:`histogram` (TensorBoard's equal-width
  buckets) and :func:`distribution` (the distribution dashboard's bands at
  :data:`BASIS_POINTS`).

>>> import numpy as np
>>> bands = distribution(histogram(np.random.default_rng(0).normal(size=100_000)))
>>> [round(float(b), 1) + 0.0 for b in bands[1:-1]]   # about -1.5σ, -σ, -0.5σ, 0, ...
[-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
"""

from .alerts import ALERT_KINDS, Alert, find_alerts
from .histograms import BASIS_POINTS, distribution, histogram
from .recorder import ACTIVATION_MODULES, Recorder
from .series import ThinnedSeries
from .tensorboard import TensorBoardRun, read_tensorboard, write_tensorboard

__all__ = [
    "ACTIVATION_MODULES",
    "ALERT_KINDS",
    "BASIS_POINTS",
    "Alert",
    "Recorder",
    "TensorBoardRun",
    "ThinnedSeries",
    "distribution",
    "find_alerts",
    "histogram",
    "read_tensorboard",
    "write_tensorboard",
]
