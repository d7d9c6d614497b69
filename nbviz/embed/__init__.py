"""t-SNE in PyTorch, one code path on the CPU and CUDA, and PCA.

After t-SNE-CUDA (Chan et al., arXiv:1807.11824), written with torch tensor operations
only (no compiled extension): kNN by chunked matrix products (an inverted-file search
for large inputs on the CPU), perplexity calibration of all rows at once, attractive
forces on the sparse ``P`` and repulsive forces by FFT-accelerated interpolation
(Linderman et al. 2019, FIt-SNE), or exactly for small inputs.

* :func:`tsne`, :class:`TSNE` (with a callback and ``stop()`` for live views),
  :class:`TSNEResult`.
* :func:`fit_pca` (:class:`PCA`, with ``transform``) and :func:`pca`: the one PCA of
  nbviz. :func:`knn` (:class:`Neighbors`), :func:`affinities`
  (:class:`Affinities`), :func:`kl_gradient`, :func:`repulsive_fft`,
  :func:`repulsive_exact`.

A compute package: it imports no widget code.

>>> import torch
>>> from nbviz.embed import tsne
>>> data = torch.cat([torch.randn(50, 10), torch.randn(50, 10) + 8])
>>> res = tsne(data, perplexity=10, n_iter=250, device="cpu")
>>> res.embedding.shape
(100, 2)
"""

from ._device import as_points
from .affinity import Affinities, affinities, check_perplexity
from .forces import kl_gradient, repulsive_exact, repulsive_fft
from .neighbors import Neighbors, knn
from .optimizer import TSNE, TSNEResult, tsne
from .principal import PCA, fit_pca, pca

__all__ = [
    "PCA",
    "TSNE",
    "Affinities",
    "Neighbors",
    "TSNEResult",
    "affinities",
    "as_points",
    "check_perplexity",
    "fit_pca",
    "kl_gradient",
    "knn",
    "pca",
    "repulsive_exact",
    "repulsive_fft",
    "tsne",
]
