"""t-SNE: the :class:`TSNE` runner, :func:`tsne` and :class:`TSNEResult`.

The phases: scaling (the data divided by its largest absolute value: the perplexity
calibrates every point's affinities, so a global scale changes nothing, and huge or
tiny values then fit in float32), optional PCA pre-reduction, kNN (``3 · perplexity``
neighbours), perplexity calibration, initialization (PCA of the input, scaled to a
standard deviation of 1e-4, as openTSNE does), then gradient descent with momentum and
delta-bar-delta gains: ``early_iter`` iterations with ``P`` exaggerated (12 by default,
momentum 0.5), then the rest without (momentum 0.8). The learning rate ``"auto"`` is
``n / exaggeration`` in each phase (openTSNE's rule, after Belkina et al. 2019), applied
to the KL gradient divided by 4 as openTSNE and FIt-SNE state their steps. The embedding
is re-centred every step. Points flying apart (too large a learning rate) stop the run
with a ``FloatingPointError`` that says so.

A widget runs :meth:`TSNE.fit` in a background thread with a ``callback``, which gets
``(iteration, Y, kl)`` every ``callback_every`` iterations (``Y`` a CPU float32 copy)
and stops the run by returning ``False``; :meth:`TSNE.stop` stops it from any thread.

On a CPU whose cores are shared with other busy processes, set ``OMP_WAIT_POLICY=PASSIVE``
in the environment before Python starts (or before ``import torch``): PyTorch's OpenMP
threads otherwise spin while waiting, and each of the many small tensor operations of an
iteration can become ten times slower.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .._checks import check_bool, check_number, check_positive_int
from ._device import as_points, check_fits, resolve_device
from .affinity import Affinities, affinities, check_perplexity
from .forces import kl_gradient
from .neighbors import Neighbors, knn
from .principal import pca

__all__ = ["TSNE", "TSNEResult", "tsne"]

_EXACT_UP_TO = 1_000  # "auto" repulsion: exact all-pairs up to this many points, else FFT


@dataclass
class TSNEResult:
    """What a t-SNE run gives back.

    ``embedding`` float32 ``(n, 2)`` NumPy array; ``kl`` the KL divergence at the end
    (exact for the exact method, with the interpolated ``Z`` for FFT); ``n_iter`` the
    iterations run; ``stopped`` whether a callback or :meth:`TSNE.stop` ended it early;
    ``timings`` seconds per phase (``pca``, ``knn``, ``affinities``, ``init``,
    ``optimize``, ``total``); ``kl_history`` ``[(iteration, kl), ...]``; ``params`` the
    settings used (with ``"auto"`` resolved); ``affinities`` the calibrated ``P``.

    >>> import torch
    >>> res = tsne(torch.randn(60, 4), perplexity=8, n_iter=50, device="cpu")
    >>> res.n_iter, res.embedding.dtype, sorted(res.timings)[:3]
    (50, dtype('float32'), ['affinities', 'init', 'knn'])
    """

    embedding: np.ndarray
    kl: float
    n_iter: int
    stopped: bool
    timings: dict[str, float]
    kl_history: list[tuple[int, float]]
    params: dict
    affinities: Affinities | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"TSNEResult(n={len(self.embedding)}, kl={self.kl:.4f}, n_iter={self.n_iter}, "
            f"stopped={self.stopped}, total={self.timings.get('total', 0):.2f}s)"
        )

    def figure(self, labels=None, *, size: float = 5.0, point_size: float = 2.0):
        """A scatter plot of the embedding (coloured by ``labels`` if given).

        >>> import torch
        >>> res = tsne(torch.randn(40, 3), perplexity=5, n_iter=20, device="cpu")
        >>> type(res.figure()).__name__
        'StaticFigure'
        """
        from .._checks import check_labels
        from ..plotting import new_figure

        fig = new_figure(figsize=(size, size))
        ax = fig.add_subplot()
        Y = self.embedding
        c = None
        if labels is not None:
            lab = check_labels(labels, len(Y))
            c = np.unique(lab, return_inverse=True)[1]
        ax.scatter(Y[:, 0], Y[:, 1], s=point_size, c=c, cmap="tab10" if c is not None else None)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"t-SNE, n={len(Y):,}, KL={self.kl:.3f}")
        return fig


def _check_number(value, name, low=0.0, low_open=True) -> float:
    v = check_number(value, name)
    if v <= low if low_open else v < low:
        sign = ">" if low_open else ">="
        raise ValueError(f"{name}: expected a finite number {sign} {low:g}, got {value!r}")
    return v


class TSNE:
    """A t-SNE run, with settings fixed at construction and a cooperative stop.

    ``perplexity`` (``n ≥ 3·perplexity + 1`` is needed), ``n_iter`` iterations in all,
    of which the first ``early_iter`` use ``early_exaggeration``; ``learning_rate``
    ``"auto"`` or a number; ``momentum`` ``(early, late)``; ``init`` ``"pca"``,
    ``"random"`` or an ``(n, 2)`` array; ``dims`` reduces inputs with more columns
    to that many by PCA first (:func:`~nbviz.embed.fit_pca`; ``None`` never);
    ``neighbors`` ``"auto"``/``"exact"``/``"approx"``
    (see :func:`~nbviz.embed.knn`); ``method`` for the repulsion ``"auto"`` (exact up to
    1,000 points, else ``"fft"``), ``"fft"`` or ``"exact"``; ``n_interp``,
    ``min_boxes``, ``box_width`` the FFT grid (FIt-SNE's defaults 3, 50, 1);
    ``kl_every`` how often the KL divergence is evaluated; ``memory_limit`` (bytes)
    replaces the device's free memory in the size check; ``progress`` shows a tqdm bar.

    >>> import torch
    >>> X = torch.randn(100, 5, generator=torch.Generator().manual_seed(0))
    >>> runner = TSNE(perplexity=10, n_iter=100, device="cpu")
    >>> seen = []
    >>> res = runner.fit(X, callback=lambda it, Y, kl: seen.append(it) or it < 40,
    ...                  callback_every=20)
    >>> seen, res.n_iter, res.stopped
    ([20, 40], 40, True)
    """

    def __init__(
        self,
        perplexity: float = 30.0,
        *,
        n_iter: int = 750,
        early_iter: int = 250,
        early_exaggeration: float = 12.0,
        exaggeration: float = 1.0,
        learning_rate="auto",
        momentum: tuple[float, float] = (0.5, 0.8),
        init="pca",
        dims: int | None = 100,
        neighbors: str = "auto",
        method: str = "auto",
        n_interp: int = 3,
        min_boxes: int = 50,
        box_width: float = 1.0,
        device="auto",
        seed: int = 0,
        kl_every: int = 50,
        memory_limit: int | None = None,
        progress: bool = False,
    ):
        self.perplexity = _check_number(perplexity, "perplexity", 1.0, low_open=False)
        self.n_iter = check_positive_int(n_iter, "n_iter")
        self.early_iter = check_positive_int(early_iter, "early_iter", minimum=0)
        self.early_exaggeration = _check_number(early_exaggeration, "early_exaggeration")
        self.exaggeration = _check_number(exaggeration, "exaggeration")
        if not (isinstance(learning_rate, str) and learning_rate == "auto"):
            _check_number(learning_rate, "learning_rate")
        self.learning_rate = learning_rate
        if not (isinstance(momentum, (tuple, list)) and len(momentum) == 2):
            raise TypeError(f"momentum: expected a pair (early, late), got {momentum!r}")
        self.momentum = tuple(_check_number(m, "momentum", 0.0, low_open=False) for m in momentum)
        if isinstance(init, str) and init not in ("pca", "random"):
            raise ValueError(f"init: expected 'pca', 'random' or an (n, 2) array, got {init!r}")
        self.init = init
        if dims is not None:
            dims = check_positive_int(dims, "dims", minimum=2)
        self.dims = dims
        if neighbors not in ("auto", "exact", "approx"):
            raise ValueError(f"neighbors: expected 'auto', 'exact' or 'approx', got {neighbors!r}")
        self.neighbors = neighbors
        if method not in ("auto", "fft", "exact"):
            raise ValueError(f"method: expected 'auto', 'fft' or 'exact', got {method!r}")
        self.method = method
        self.n_interp = check_positive_int(n_interp, "n_interp")
        self.min_boxes = check_positive_int(min_boxes, "min_boxes")
        self.box_width = _check_number(box_width, "box_width")
        self.device = resolve_device(device)
        self.seed = check_positive_int(seed, "seed", minimum=0)
        self.kl_every = check_positive_int(kl_every, "kl_every")
        self.memory_limit = memory_limit
        self.progress = check_bool(progress, "progress")
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask a running :meth:`fit` to stop after its current iteration (thread-safe)."""
        self._stop.set()

    # -- phases -------------------------------------------------------------------------
    def _memory_need(self, d: int, k: int, method: str) -> Callable[[int], int]:
        cuda = self.device.type == "cuda"

        def need(m: int) -> int:
            # the data and its PCA, kNN indices and distances, P, and the force temporaries
            # (gathered coordinates, kernel values, weights: about 40 bytes an edge).
            total = m * (8 * d + 12 * k + 48 * k + 256)
            if method == "exact":
                total += min(m, (1 << 24) // max(m, 1)) * m * 8 * 4
            else:
                total += 256 << 20  # FFT grids
            return total + ((1 << 30) if cuda else (1 << 27))  # kNN distance blocks

        return need

    def _initial(self, x: torch.Tensor, n: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(self.seed)
        if isinstance(self.init, str) and self.init == "random":
            Y = torch.randn(n, 2, generator=gen)
        elif isinstance(self.init, str):
            Y = pca(x, 2, device=x.device).cpu()
            if Y.shape[1] < 2:  # one input feature: a random second coordinate
                Y = torch.cat([Y, torch.randn(n, 1, generator=gen) * Y.std().clamp_min(1)], 1)
        else:
            Y = as_points(self.init, "init")
            if Y.shape != (n, 2):
                raise ValueError(f"init: expected shape ({n}, 2), got {tuple(Y.shape)}")
            return Y.clone()
        std = float(Y[:, 0].std())
        if not std > 0:  # all points identical
            Y = torch.randn(n, 2, generator=gen)
            std = float(Y[:, 0].std())
        return Y * (1e-4 / std)

    def fit(
        self,
        data,
        *,
        callback: Callable[[int, np.ndarray, float | None], bool | None] | None = None,
        callback_every: int = 10,
    ) -> TSNEResult:
        """Embed the rows of ``data`` in 2-D; see the class for the settings.

        ``data``: an ``(n, d)`` tensor or array, an ``ImageDataset`` or an ``(X, y)`` pair
        (each item flattened to a row).

        ``callback(iteration, Y, kl)`` runs every ``callback_every`` iterations with a
        CPU copy of the positions after that iteration's step and the KL divergence of
        the positions before it (computed on those iterations only, so it lags ``Y`` by
        one step); returning ``False`` stops the run. :meth:`stop` stops it from any
        thread; either way the result has ``stopped=True``.
        """
        self._stop.clear()
        callback_every = check_positive_int(callback_every, "callback_every")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback: expected a callable, got {type(callback).__name__}")
        t_start = time.perf_counter()
        timings: dict[str, float] = {}
        x = as_points(data, "data", rescale=True)
        n, d = x.shape
        perplexity = check_perplexity(self.perplexity, n)
        k = min(n - 1, max(int(3 * perplexity), 1))
        method = self.method
        if method == "auto":
            method = "exact" if n <= _EXACT_UP_TO else "fft"
        check_fits(self._memory_need(d, k, method), n, self.device, self.memory_limit, "t-SNE")
        dev = self.device

        t = time.perf_counter()
        if self.dims is not None and d > self.dims:
            x = pca(x, self.dims, device=dev)
        x = x.to(dev)
        timings["pca"] = time.perf_counter() - t

        t = time.perf_counter()
        nn: Neighbors = knn(x, k, method=self.neighbors, device=dev, seed=self.seed)
        timings["knn"] = time.perf_counter() - t

        t = time.perf_counter()
        aff = affinities(nn, perplexity)
        timings["affinities"] = time.perf_counter() - t

        t = time.perf_counter()
        Y = self._initial(x, n).to(dev, torch.float32)
        timings["init"] = time.perf_counter() - t

        t = time.perf_counter()
        Y, it, stopped, history = self._optimize(Y, aff, method, callback, callback_every)
        timings["optimize"] = time.perf_counter() - t
        _, kl = kl_gradient(Y, aff, method=method, want_kl=True, **self._fft_params())
        history.append((it, kl))
        timings["total"] = time.perf_counter() - t_start
        params = {
            "perplexity": perplexity,
            "k": k,
            "neighbors": nn.method,
            "method": method,
            "n_iter": self.n_iter,
            "early_iter": self.early_iter,
            "early_exaggeration": self.early_exaggeration,
            "learning_rate": self.learning_rate,
            "device": str(dev),
            "seed": self.seed,
            **self._fft_params(),
        }
        return TSNEResult(
            Y.cpu().numpy(), kl, it, stopped, timings, history, params, affinities=aff
        )

    def _fft_params(self) -> dict:
        return {"n_interp": self.n_interp, "min_boxes": self.min_boxes, "box_width": self.box_width}

    def _gradient(self, Y, aff, exaggeration, method, want_kl, fft, it):
        """The KL gradient at ``Y``, or the divergence error once the points fly apart."""
        try:
            return kl_gradient(
                Y, aff, exaggeration=exaggeration, method=method, want_kl=want_kl, **fft
            )
        except FloatingPointError:
            lr = aff.n / exaggeration if self.learning_rate == "auto" else self.learning_rate
            raise _diverged(it, float(lr)) from None

    def _optimize(self, Y, aff, method, callback, every):
        n = Y.shape[0]
        update = torch.zeros_like(Y)
        gains = torch.ones_like(Y)
        history: list[tuple[int, float]] = []
        fft = self._fft_params() if method == "fft" else {}
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.n_iter, desc="t-SNE", unit="it")
        stopped = False
        it = 0
        try:
            for it in range(1, self.n_iter + 1):
                early = it <= self.early_iter
                ex = self.early_exaggeration if early else self.exaggeration
                mom = self.momentum[0] if early else self.momentum[1]
                lr = n / ex if self.learning_rate == "auto" else float(self.learning_rate)
                lr = max(lr, 1.0) if self.learning_rate == "auto" else lr
                call = callback is not None and it % every == 0
                want_kl = call or it % self.kl_every == 0
                grad, kl = self._gradient(Y, aff, ex, method, want_kl, fft, it)
                grad *= 0.25
                flipped = (grad > 0) != (update > 0)
                gains = torch.where(flipped, gains + 0.2, gains * 0.8).clamp_min_(0.01)
                update.mul_(mom).sub_(lr * gains * grad)
                Y = Y + update
                Y -= Y.mean(0)
                if kl is not None:
                    history.append((it - 1, kl))  # kl is for the positions before the step
                if bar is not None:
                    bar.update(1)
                if not bool(torch.isfinite(Y).all()):
                    raise _diverged(it, lr)
                if call and callback(it, Y.cpu().numpy().copy(), kl) is False:
                    stopped = True
                    break
                if self._stop.is_set():
                    stopped = True
                    break
        finally:
            if bar is not None:
                bar.close()
        return Y, it, stopped, history


def _diverged(it: int, lr: float) -> FloatingPointError:
    return FloatingPointError(
        f"t-SNE diverged at iteration {it}: the points flew apart with learning_rate={lr:g}; "
        "lower learning_rate (or leave it 'auto')"
    )


def tsne(data, perplexity: float = 30.0, **kwargs) -> TSNEResult:
    """Embed the rows of ``data`` in 2-D by t-SNE; ``kwargs`` as for :class:`TSNE` and its
    :meth:`~TSNE.fit` (``callback``, ``callback_every``).

    >>> from nbviz.data import digits
    >>> ds = digits("test")
    >>> res = tsne(ds.images.flatten(1), perplexity=20, n_iter=250, device="cpu")
    >>> res.embedding.shape, res.params["method"], res.n_iter
    ((359, 2), 'exact', 250)
    """
    fit_keys = {"callback", "callback_every"}
    fit_kwargs = {key: kwargs.pop(key) for key in list(kwargs) if key in fit_keys}
    return TSNE(perplexity, **kwargs).fit(data, **fit_kwargs)
