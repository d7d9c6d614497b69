"""EmbeddingView: a t-SNE drawn live while it optimizes, in the Grand Tour's scatter view.

The view is the :class:`~nbviz.widgets.scatter.ScatterWidget` that the tour uses, in
``kind="scatter"`` mode (the same WebGL2 scatter, hover card, lasso, legend and zoom,
without the tour): the t-SNE of :mod:`nbviz.embed` runs in the widget's background job
and every few iterations its current 2-D positions replace ``points``, so the clusters
form before your eyes while the kernel stays free. :func:`~nbviz.link_selection` ties its
``selection`` to a tour of the same points: a lasso in either highlights the points in
both.

>>> import numpy as np
>>> X = np.concatenate([np.random.default_rng(0).normal(size=(60, 5)) + 6 * k for k in range(2)])
>>> view = EmbeddingView(X, [0] * 60 + [1] * 60, perplexity=10, n_iter=100, start=False)
>>> view.run(progress=False).embedding.shape
(120, 2)
>>> view.points.shape, view.iteration
((1, 120, 2), 100)
"""

from __future__ import annotations

from typing import Self

import numpy as np
import torch
import traitlets

from .._checks import check_bool, check_positive_int
from ..embed import TSNE, as_points, check_perplexity, fit_pca, pca
from ..tour.framing import normalize_points
from .base import JobWidget
from .convert import split_data
from .scatter import ScatterWidget
from .worker import Job, JobContext

__all__ = ["EmbeddingView"]


class EmbeddingView(ScatterWidget, JobWidget):
    """The t-SNE of ``data`` ``(n, d)``, streamed to a scatter view while it optimizes.

    Args:
        data: the points (tensor or array ``(n, d)``, an ``(X, y)`` pair or an
            ``ImageDataset``; wider inputs, e.g. images ``(n, 1, 28, 28)``, are
            flattened). The first frame shown is their PCA.
        labels, class_names, thumbnails: as for :class:`~nbviz.GrandTour` (colours,
            legend, hover images); default: the data's.
        perplexity, n_iter, device, seed: the t-SNE's (see :class:`nbviz.embed.TSNE`);
            ``device="auto"`` takes CUDA when present.
        update_every: iterations between two pictures sent to the view (the job also
            sends at most 30 a second).
        start: start the t-SNE in the background at once (``False``: call :meth:`start`
            or :meth:`run`).
        tsne_options: more :class:`~nbviz.embed.TSNE` settings (``early_iter``,
            ``learning_rate``, ``method`` ...).
        **kwargs: the scatter's view settings (``height``, ``point_size`` ...).

    Traits (besides the scatter's): ``iteration`` (the one shown), ``kl`` (the KL
    divergence at the last iteration that computed it; ``-1`` before), and the job's.
    After a run, ``result`` holds the :class:`~nbviz.embed.TSNEResult` and ``embedding``
    the raw ``(n, 2)`` positions.

    Raises:
        ValueError: bad ``data`` (NaN, fewer points than the perplexity needs: the message
            says what perplexity fits), bad t-SNE settings.

    Example:
        >>> from nbviz.data import digits
        >>> ds = digits("test")
        >>> view = EmbeddingView(ds, n_iter=50, thumbnails=ds.images, start=False)
        >>> view.kind, view.points.shape
        ('scatter', (1, 359, 2))
    """

    iteration = traitlets.Int(0, help="the t-SNE iteration shown").tag(sync=True)
    kl = traitlets.Float(-1.0, help="KL divergence at the last iteration computed; -1 before").tag(
        sync=True
    )

    def __init__(
        self,
        data,
        labels=None,
        class_names=None,
        *,
        perplexity: float = 30.0,
        n_iter: int = 750,
        device="auto",
        seed: int = 0,
        update_every: int = 10,
        start: bool = True,
        tsne_options: dict | None = None,
        **kwargs,
    ):
        data, labels, class_names = split_data(data, labels, class_names)
        x = as_points(_flat(data), "data")
        self._tsne = TSNE(
            perplexity, n_iter=n_iter, device=device, seed=seed, **(tsne_options or {})
        )
        check_perplexity(self._tsne.perplexity, len(x))
        self.update_every = check_positive_int(update_every, "update_every")
        first = pca(x, 2, device="cpu").numpy() if x.shape[1] > 2 else x.numpy()
        kwargs.setdefault("dim_names", ["t-SNE 1", "t-SNE 2"])
        kwargs.setdefault("zoom", 1.0)
        super().__init__(first, labels, class_names, kind="scatter", **kwargs)
        self._x = x
        if check_bool(start, "start"):
            self.start()

    @classmethod
    def from_layer(
        cls,
        model,
        data,
        layer: str,
        labels=None,
        class_names=None,
        *,
        dims: int = 50,
        fit_on: int = 5000,
        chunk: int = 4096,
        thumbnails=True,
        seed: int = 0,
        **kwargs,
    ) -> Self:
        """The t-SNE of ``layer``'s activations over all of ``data``, in bounded memory.

        The activations are never all held at once: a PCA to ``dims`` dimensions is fitted
        on ``fit_on`` items (seeded), then the data runs through the model ``chunk`` items at
        a time and only each chunk's ``dims`` coordinates are kept, so memory grows with
        ``n × dims``, not with the layer's width (a convolution's output over 70,000 images
        would take gigabytes). Layers no wider than ``dims`` are kept as they are.

        Args:
            model, data, layer: as :func:`nbviz.models.capture_activations` takes them.
            labels, class_names: default the data's.
            thumbnails: ``True``: the data's images (when they are images); or images; or
                ``None``.
            **kwargs: :class:`EmbeddingView`'s (``perplexity``, ``n_iter``, ``start`` ...).

        Sets ``view.components`` (``[dims, width]``, or None) and ``view.layer``.

        >>> from nbviz.data import digits
        >>> from nbviz.models import SmallCNN
        >>> view = EmbeddingView.from_layer(SmallCNN(in_shape=(1, 8, 8)), digits("test"), "conv1",
        ...                                 dims=20, fit_on=200, chunk=100, start=False)
        >>> view.points.shape, view.components.shape
        ((1, 359, 2), (20, 1024))
        """
        from ..models import as_tensors, capture_activations

        dims = check_positive_int(dims, "dims", minimum=2)
        fit_on = check_positive_int(fit_on, "fit_on", minimum=2)
        chunk = check_positive_int(chunk, "chunk")
        x, y = as_tensors(data, "data", labels="optional")
        n = len(x)
        gen = torch.Generator().manual_seed(seed)
        sample = torch.randperm(n, generator=gen)[: min(fit_on, n)].sort().values

        def acts(rows):
            return capture_activations(model, x[rows], layer, flatten=True)[layer].float()

        first = acts(sample)
        fitted = fit_pca(first, dims, device="cpu") if first.shape[1] > dims else None
        parts = []
        for start in range(0, n, chunk):
            a = acts(slice(start, start + chunk))
            parts.append(a if fitted is None else fitted.transform(a).float())
        _, labels, class_names = split_data(data, labels if labels is not None else y, class_names)
        if thumbnails is True:
            thumbnails = x if x.ndim == 4 and x.shape[1] in (1, 3) else None
        view = cls(
            torch.cat(parts), labels, class_names, thumbnails=thumbnails, seed=seed, **kwargs
        )
        view.components = None if fitted is None else fitted.components.cpu().numpy()
        view.layer = layer
        return view

    # --- the job -----------------------------------------------------------------------
    def _new_job(self) -> Job:
        return self._make_job(self._job_fn, name="t-SNE", on_publish=self._show)

    def _job_fn(self, ctx: JobContext):
        n_iter = self._tsne.n_iter

        def callback(it, Y, kl):
            ctx.progress(it, n_iter, f"iteration {it} of {n_iter}" + _kl_text(kl))
            ctx.publish((it, Y, kl))
            return not ctx.stopped

        ctx.progress(0, n_iter, f"t-SNE of {len(self._x):,} points: neighbours and affinities")
        result = self._tsne.fit(self._x, callback=callback, callback_every=self.update_every)
        ctx.publish((result.n_iter, result.embedding, result.kl))
        ctx.progress(result.n_iter, n_iter, f"done: {result.n_iter} iterations" +
                     _kl_text(result.kl))  # fmt: skip
        return result

    def _on_stop(self) -> None:
        self._tsne.stop()  # ends the t-SNE after its current iteration, not its next callback

    def _show(self, payload) -> None:
        it, Y, kl = payload
        x, _, _ = normalize_points(np.asarray(Y, dtype=np.float32)[None])
        with self.batched():  # one message, one frame in the view, per update
            self.points = x
            self.iteration = int(it)
            if kl is not None:
                self.kl = float(kl)

    @property
    def embedding(self) -> np.ndarray | None:
        """The last run's raw ``(n, 2)`` positions (``None`` before a run ends)."""
        return None if self.result is None else self.result.embedding

    def __repr__(self):
        return (
            f"EmbeddingView({self.n} points, t-SNE {self.job_state} at iteration "
            f"{self.iteration}{_kl_text(self.kl if self.kl >= 0 else None)}, "
            f"{len(self.selection)} selected)"
        )


def _flat(X):
    if isinstance(X, torch.Tensor):
        return X.reshape(len(X), -1) if X.ndim > 2 else X
    a = np.asarray(X)
    return a.reshape(len(a), -1) if a.ndim > 2 else a


def _kl_text(kl) -> str:
    return "" if kl is None else f", KL {kl:.3f}"
