"""Intrinsic dimension of objective landscapes (Li, Farkhoor, Liu and Yosinski,
arXiv:1804.08838): train a network only inside a random d-dimensional subspace of its
parameters, ``θ = θ₀ + P θ_d``, and find the smallest d that reaches 90% of the dense
network's performance. No widgets here.

* :mod:`~nbviz.intrinsic.projections` — dense, sparse and Fastfood projections
  (:func:`make_projection`).
* :mod:`~nbviz.intrinsic.subspace` — :class:`SubspaceModel`: any ``nn.Module`` trained in
  a subspace, through ``torch.func.functional_call``.
* :mod:`~nbviz.intrinsic.sweep` — :func:`sweep`: one run per (d, seed) and the dense
  baseline by the same recipe, here or on any ``concurrent.futures.Executor``;
  :class:`SweepResult` with d_int90, its bootstrap band and a figure.

>>> import torch
>>> from torch import nn
>>> sub = SubspaceModel(nn.Linear(100, 10), d=20, projection="fastfood")
>>> sub
SubspaceModel(
  d=20, D=1,010, compression 50.5×
  (net): Linear(in_features=100, out_features=10, bias=True)
  (projection): FastfoodProjection(D=1,010, d=20)
)
"""

from .projections import (
    PROJECTIONS,
    DenseProjection,
    FastfoodProjection,
    SparseProjection,
    fwht,
    make_projection,
)
from .subspace import SubspaceModel
from .sweep import RunResult, SweepResult, check_sweep, run_subspace, sweep

__all__ = [
    "PROJECTIONS",
    "DenseProjection",
    "FastfoodProjection",
    "RunResult",
    "SparseProjection",
    "SubspaceModel",
    "SweepResult",
    "check_sweep",
    "fwht",
    "make_projection",
    "run_subspace",
    "sweep",
]
