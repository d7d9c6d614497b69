"""EmbeddingView: a t-SNE drawn live while it optimizes, in the Grand Tour's scatter view.

The view is a :class:`~nbviz.widgets.grand_tour.GrandTour` in ``kind="scatter"`` mode (the
same WebGL2 scatter, hover card, lasso, legend and zoom, without the tour): the t-SNE of
:mod:`nbviz.embed` runs in the widget's background job and every few iterations its
current 2-D positions replace ``points``, so the clusters form before your eyes while the
kernel stays free. :func:`link_selection` ties its ``selection`` to a tour of the same
points: a lasso in either highlights the points in both.

>>> import numpy as np
>>> X = np.concatenate([np.random.default_rng(0).normal(size=(60, 5)) + 6 * k for k in range(2)])
>>> view = EmbeddingView(X, [0] * 60 + [1] * 60, perplexity=10, n_iter=100, start=False)
>>> view.run(progress=False).embedding.shape
(120, 2)
>>> view.points.shape, view.iteration
((1, 120, 2), 100)
"""

from __future__ import annotations

import numpy as np
import torch
import traitlets

from .._checks import check_positive_int
from .grand_tour import GrandTour, normalize_points
from .worker import JobContext

__all__ = ["EmbeddingView", "link_selection"]


class EmbeddingView(GrandTour):
    """The t-SNE of ``X`` ``(n, d)``, streamed to a scatter view while it optimizes.

    Args:
        X: the points (tensor or array ``(n, d)``; wider inputs, e.g. images
            ``(n, 1, 28, 28)``, are flattened). The first frame shown is their PCA.
        labels, class_names, thumbnails: as for :class:`GrandTour` (colours, legend,
            hover images).
        perplexity, n_iter, device, seed: the t-SNE's (see :class:`nbviz.embed.TSNE`);
            ``device="auto"`` takes CUDA when present.
        update_every: iterations between two pictures sent to the view (the job also
            sends at most 30 a second).
        start: start the t-SNE in the background at once (``False``: call :meth:`start`
            or :meth:`run`).
        tsne_options: more :class:`~nbviz.embed.TSNE` settings (``early_iter``,
            ``learning_rate``, ``method`` ...).
        **kwargs: :class:`GrandTour`'s view settings (``height``, ``point_size`` ...).

    Traits (besides :class:`GrandTour`'s): ``iteration`` (the one shown), ``kl`` (the KL
    divergence at the last iteration that computed it; ``-1`` before). After a run,
    ``result`` holds the :class:`~nbviz.embed.TSNEResult` and ``embedding`` the raw
    ``(n, 2)`` positions.

    Raises:
        ValueError: bad ``X`` (NaN, fewer points than the perplexity needs: the message
            says what perplexity fits), bad t-SNE settings.

    Example:
        >>> from nbviz.data import digits
        >>> ds = digits("test")
        >>> view = EmbeddingView(ds.images, ds.labels, ds.class_names, n_iter=50,
        ...                      thumbnails=ds.images, start=False)
        >>> view.kind, view.points.shape
        ('scatter', (1, 359, 2))
    """

    iteration = traitlets.Int(0).tag(sync=True)
    kl = traitlets.Float(-1.0).tag(sync=True)

    def __init__(
        self,
        X,
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
        from ..embed import TSNE, check_perplexity, pca
        from ..embed._device import as_points

        x = as_points(_flat(X), "X")
        self._tsne = TSNE(
            perplexity, n_iter=n_iter, device=device, seed=seed, **(tsne_options or {})
        )
        check_perplexity(self._tsne.perplexity, len(x))
        self.update_every = check_positive_int(update_every, "update_every")
        first = pca(x, 2, device="cpu").numpy() if x.shape[1] > 2 else x.numpy()
        kwargs.setdefault("dim_names", ["t-SNE 1", "t-SNE 2"])
        kwargs.setdefault("zoom", 1.0)
        super().__init__(
            first, labels, class_names, kind="scatter", playing=False, speed=0.0, **kwargs
        )
        self._x = x
        self.result = None
        if start:
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
    ) -> EmbeddingView:
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
        from ..embed import pca
        from ..models import capture_activations
        from ..models._inputs import as_tensors

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
        dirs = mean = None
        if first.shape[1] > dims:
            _, dirs, mean = pca(first, dims, device="cpu", return_components=True)
        parts = []
        for start in range(0, n, chunk):
            a = acts(slice(start, start + chunk))
            parts.append(a if dirs is None else (a - mean) @ dirs)
        reduced = torch.cat(parts)
        if labels is None:
            labels = y
        if class_names is None:
            class_names = getattr(data, "class_names", None)
        if thumbnails is True:
            thumbnails = x if x.ndim == 4 and x.shape[1] in (1, 3) else None
        view = cls(reduced, labels, class_names, thumbnails=thumbnails, seed=seed, **kwargs)
        view.components = None if dirs is None else dirs.T.numpy()
        view.layer = layer
        return view

    # --- running -----------------------------------------------------------------------
    def _job_fn(self, ctx: JobContext):
        n_iter = self._tsne.n_iter

        def callback(it, Y, kl):
            ctx.progress(it, n_iter, f"iteration {it} of {n_iter}" + _kl_text(kl))
            ctx.publish((it, Y, kl))
            return not ctx.stopped

        ctx.progress(0, n_iter, f"t-SNE of {len(self._x):,} points: neighbours and affinities")
        result = self._tsne.fit(self._x, callback=callback, callback_every=self.update_every)
        self.result = result
        ctx.publish((result.n_iter, result.embedding, result.kl))
        ctx.progress(result.n_iter, n_iter, f"done: {result.n_iter} iterations" +
                     _kl_text(result.kl))  # fmt: skip
        return result

    def _show(self, payload) -> None:
        it, Y, kl = payload
        x, _, _ = normalize_points(np.asarray(Y, dtype=np.float32)[None])
        with self.batched():  # one message, one frame in the view, per update
            self.points = x
            self.iteration = int(it)
            if kl is not None:
                self.kl = float(kl)

    def start(self) -> EmbeddingView:
        """Run the t-SNE in the background (the view updates as it goes); return self."""
        self._make_job(self._job_fn, name="t-SNE", on_publish=self._show).start()
        return self

    def run(self, progress: bool = True):
        """Run the t-SNE here, blocking (a tqdm bar unless ``progress=False``); return its
        :class:`~nbviz.embed.TSNEResult`."""
        job = self._make_job(self._job_fn, name="t-SNE", on_publish=self._show)
        job.progress_bar = progress
        return job.run()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop a running t-SNE after its current iteration; the view keeps its picture."""
        self._tsne.stop()
        super().stop(timeout)

    @property
    def embedding(self) -> np.ndarray | None:
        """The last run's raw ``(n, 2)`` positions (``None`` before a run ends)."""
        return None if self.result is None else self.result.embedding

    def __repr__(self):
        state = self.job_state
        return (
            f"EmbeddingView({self.n} points, t-SNE {state} at iteration {self.iteration}"
            f"{_kl_text(self.kl if self.kl >= 0 else None)}, {len(self.selection)} selected)"
        )


def link_selection(*views) -> list[traitlets.link]:
    """Tie the ``selection`` of views that show the same points (an :class:`EmbeddingView`
    and a :class:`GrandTour`, two tours ...): selecting in one selects in all. Returns
    the links; ``link.unlink()`` undoes one.

    >>> import numpy as np
    >>> a = GrandTour(np.random.default_rng(0).normal(size=(10, 3)))
    >>> b = GrandTour(np.random.default_rng(1).normal(size=(10, 4)))
    >>> _ = link_selection(a, b)
    >>> a.selection = [2, 5]
    >>> b.selection
    [2, 5]
    """
    if len(views) < 2:
        raise ValueError(f"views: expected at least two views to link, got {len(views)}")
    counts = {getattr(v, "n", None) for v in views}
    if len(counts) != 1 or None in counts:
        raise ValueError(
            "views: expected views of the same points, got point counts "
            f"{[getattr(v, 'n', None) for v in views]}"
        )
    return [traitlets.link((views[0], "selection"), (v, "selection")) for v in views[1:]]


def _flat(X):
    if isinstance(X, torch.Tensor):
        return X.reshape(len(X), -1) if X.ndim > 2 else X
    a = np.asarray(X)
    return a.reshape(len(a), -1) if a.ndim > 2 else a


def _kl_text(kl) -> str:
    return "" if kl is None else f", KL {kl:.3f}"
