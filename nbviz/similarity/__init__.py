"""How similar two layers' representations are: CKA, SVCCA and PWCCA, on activations or
on a model and data. No widgets here.

* :mod:`~nbviz.similarity.cka` — :func:`linear_cka`, :func:`rbf_cka` (biased or debiased)
  and :class:`MinibatchCKA` (Kornblith et al. 2019; Nguyen et al. 2021);
* :mod:`~nbviz.similarity.cca` — :func:`cca`, :func:`svcca` (Raghu et al. 2017) and
  :func:`pwcca` (Morcos et al. 2018); :func:`cca_aligned`, two layers in the shared
  coordinates of their leading canonical directions (what a tour of a pair shows);
* :mod:`~nbviz.similarity.layers` — :func:`similarity` by name and
  :func:`layer_similarity`, the layer × layer matrix of one network or two;
* :mod:`~nbviz.similarity.training` — :func:`similarity_over_training`: those matrices at
  every checkpoint of a run, and each layer against its final state (bottom-up
  convergence).

>>> import torch
>>> x = torch.randn(400, 16, generator=torch.Generator().manual_seed(0))
>>> round(linear_cka(x, 2 * x), 6)      # a scaled copy: the same representation
1.0
>>> linear_cka(x, x.relu()) < 1         # half of each unit thrown away
True
"""

from .cca import CCAAlignment, CCAResult, cca, cca_aligned, pwcca, svcca
from .cka import MinibatchCKA, hsic, linear_cka, rbf_cka, rbf_gram
from .layers import METHODS, layer_similarity, similarity
from .training import SimilarityOverTraining, layer_colours, similarity_over_training

__all__ = [
    "METHODS",
    "CCAAlignment",
    "CCAResult",
    "MinibatchCKA",
    "SimilarityOverTraining",
    "cca",
    "cca_aligned",
    "hsic",
    "layer_colours",
    "layer_similarity",
    "linear_cka",
    "pwcca",
    "rbf_cka",
    "rbf_gram",
    "similarity",
    "similarity_over_training",
    "svcca",
]
