"""GrandTour: d-dim points seen through a smoothly rotating 2-D projection (WebGL2).

After Li, Zhao and Scheidegger, "Visualizing Neural Networks with the Grand Tour"
(Distill, 2020). The view rotates a d×2 orthonormal projection through every 2-D view of
the data; drag an axis handle to steer it, lasso points to select them, scrub frames
(epochs, attack steps, layers) with the slider.

>>> import numpy as np
>>> tour = GrandTour(np.random.default_rng(0).normal(size=(50, 4)), labels=[0, 1] * 25)
>>> tour.points.shape, tour.points.dtype
((1, 50, 4), dtype('float32'))
>>> np.allclose(np.array(tour.projection), np.eye(4)[:, :2])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import traitlets

from .._checks import as_numpy, check_finite
from ..plotting import PALETTE
from .base import NbvizWidget
from .image_grid import images_to_uint8, labels_to_codes
from .traits import ArrayTrait

__all__ = ["GrandTour", "fit_zoom", "normalize_points", "pca_reduce"]


def _stack_frames(points) -> np.ndarray:
    """``points`` as a float array [T, n, d]; a list of per-frame [n, d] arrays is stacked."""
    if isinstance(points, (list, tuple)) and points and not np.isscalar(points[0]):
        frames = [as_numpy(p, f"points[{t}]") for t, p in enumerate(points)]
        shapes = {f.shape for f in frames}
        if len(shapes) > 1:
            counts = [f.shape[0] if f.ndim else 0 for f in frames]
            raise ValueError(
                "points: every frame needs the same number of points and dims; got shapes "
                f"{[tuple(f.shape) for f in frames][:6]} (point counts {counts[:6]})"
            )
        a = np.stack(frames)
    else:
        a = as_numpy(points, "points")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"points: expected numbers, got dtype {a.dtype}")
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"points: expected [n, d] or [T, n, d] (T frames), got shape {a.shape}")
    return a.astype(np.float32, copy=False)


def normalize_points(points: np.ndarray, quantile: float = 0.99):
    """Center ``points`` [T, n, d] and scale them for the view; return ``(x, center, scale)``.

    The center is the mean over all frames and points; the scale is the ``quantile`` of
    the points' distances to it, over all frames (a robust largest norm, so one outlier
    does not shrink the cloud). After ``x = (points - center) / scale`` nearly every point
    lies in the unit ball, and every 2-D orthonormal projection of it in the unit circle,
    which the view fits to its canvas. The same center and scale apply to all frames, so
    motion between frames is kept.

    >>> x, c, s = normalize_points(np.array([[[1.0, 1.0], [3.0, 1.0]]]))
    >>> x.tolist(), c.tolist(), s
    ([[[-1.0, 0.0], [1.0, 0.0]]], [2.0, 1.0], 1.0)
    """
    flat = points.reshape(-1, points.shape[-1]).astype(np.float64)
    center = flat.mean(axis=0)
    norms = np.linalg.norm(flat - center, axis=1)
    scale = float(np.quantile(norms, quantile)) if len(norms) else 1.0
    if not scale > 0:
        scale = float(norms.max()) if len(norms) and norms.max() > 0 else 1.0
    x = ((points - center) / scale).astype(np.float32)
    return x, center.astype(np.float32), scale


def fit_zoom(points: np.ndarray, quantile: float = 0.98, draws: int = 24, seed: int = 0) -> float:
    """The zoom at which the projected cloud of normalized ``points`` [T, n, d] fills the view.

    :func:`normalize_points` puts nearly every point inside the unit ball, so no projection
    leaves the plot; but a 2-D view of a wide layer holds only about ``sqrt(2 / d)`` of each
    point's norm, and the cloud shrinks to the middle. This draws ``draws`` random
    orthonormal projections (seeded), takes the ``quantile`` of the projected radii of up to
    4,096 points (all frames) for each, and returns ``0.9 / median`` clamped to 1..8
    (and 1 when under 1.1):
    a typical view then fills the plot, while views along the widest axes may push some
    points past its edge (zoom out with the mouse wheel, or set ``zoom``).

    >>> rng = np.random.default_rng(0)
    >>> x, _, _ = normalize_points(rng.normal(size=(1, 2000, 64)))
    >>> 3 < fit_zoom(x) < 7  # about sqrt(64 / 2) / 0.9 ... for an isotropic cloud
    True
    >>> fit_zoom(normalize_points(rng.normal(size=(1, 2000, 2)))[0])
    1.0
    """
    pts = np.asarray(points, dtype=np.float32)
    flat = pts.reshape(-1, pts.shape[-1])
    rng = np.random.default_rng(seed)
    if len(flat) > 4096:
        flat = flat[rng.choice(len(flat), 4096, replace=False)]
    if len(flat) == 0:
        return 1.0
    radii = []
    for _ in range(draws):
        q, _ = np.linalg.qr(rng.normal(size=(flat.shape[1], 2)))
        radii.append(np.quantile(np.linalg.norm(flat @ q.astype(np.float32), axis=1), quantile))
    r = float(np.median(radii))
    zoom = float(np.clip(0.9 / r, 1.0, 8.0)) if r > 0 else 1.0
    return 1.0 if zoom < 1.1 else round(zoom, 3)  # under 10%: not worth leaving the unit circle


def pca_reduce(frames: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Project every frame of ``frames`` [T, n, D] on the top ``dims`` principal axes of the
    last frame; return ``(reduced [T, n, dims], components [dims, D])``.

    One linear map for all frames (fitted on the last, where training has converged or the
    attack has ended), so differences between frames are those of the data, not of the map.

    >>> r, comps = pca_reduce(np.random.default_rng(0).normal(size=(2, 30, 6)), 3)
    >>> r.shape, comps.shape
    ((2, 30, 3), (3, 6))
    >>> pca_reduce(np.random.default_rng(0).normal(size=(1, 4, 9)), 6)[0].shape  # n < dims
    (1, 4, 6)
    """
    last = frames[-1].astype(np.float64)
    mean = last.mean(axis=0)
    _, _, vt = np.linalg.svd(last - mean, full_matrices=False)
    comps = vt[:dims]
    if len(comps) < dims:
        # Fewer points than dims: the data spans fewer axes than asked. Zero rows keep the
        # promised width (and the PC names) while adding nothing to the picture.
        comps = np.vstack([comps, np.zeros((dims - len(comps), comps.shape[1]))])
    reduced = (frames.astype(np.float64) - mean) @ comps.T
    return reduced.astype(np.float32), comps.astype(np.float32)


class GrandTour(NbvizWidget):
    """The Grand Tour of a set of d-dim points, in WebGL2, with steering, brushing and frames.

    Args:
        points: a tensor or array ``[n, d]``, or ``[T, n, d]`` for ``T`` frames (epochs,
            attack steps, layers), or a list of ``T`` arrays ``[n, d]``; 2 ≤ d ≤
            :attr:`MAX_DIM`. The data is centered on its mean over all frames and divided
            by the 99th percentile of the points' norms (see :func:`normalize_points`);
            the offsets are kept in ``center`` and ``scale``.
        labels: one integer or string label per point (optional).
        class_names: the name of each integer label.
        dim_names: a name per dimension, drawn at its axis handle (e.g. the class names
            for a softmax layer).
        thumbnails: images, one per point, shown on hover (any layout ``ImageGrid`` takes).
        frame_labels: a name per frame (e.g. ``"epoch 3"``).
        class_colors: a colour per class (any matplotlib colour; stored as ``"#rrggbb"``);
            default: the palette by class index.
        predictions: the model's predicted class per point, ``[n]`` or per frame
            ``[T, n]`` (integer indices into ``class_names``; -1 for none); the hover card
            shows the prediction at the current frame.
        kind: ``"tour"``, or ``"scatter"``: the points under the fixed ``projection``
            (for 2-D points, a plain scatter: an embedding), with no tour controls and
            no axis handles.
        zoom: how far the view magnifies the projected cloud, or ``"auto"``
            (:func:`fit_zoom`: a typical 2-D view fills the plot). The mouse wheel
            changes it in the view.
        speed: tour speed (0 stops it; 1 is gentle).
        seed: seeds the angular velocities of the tour's plane rotations.
        point_size: point diameter in CSS px.
        height: height of the plot in px.

    Classes beyond the ten colours of the palette (Tableau 10) reuse them in order (unless
    ``class_colors`` says otherwise); the legend says so. ``hidden_classes`` hides classes
    (the legend toggles them).

    Traits (synced): ``points`` (float32 ``[T, n, d]``, binary), ``labels`` (int32),
    ``class_names``, ``class_colors``, ``dim_names``, ``thumbnails`` (uint8
    ``[n, h, w, c]``), ``predictions`` (int32 ``[T, n]``), ``zoom``, ``kind``,
    ``projection`` (``d`` rows of ``[x, y]``, orthonormal columns; set it to move every
    view there; it holds the view after an axis drag or a pause with the view's ▶ button;
    while the tour plays it is not updated, and a pause set from Python leaves it as it
    was), ``playing``, ``speed``,
    ``frame`` (float; fractions interpolate), ``frame_labels``, ``selection`` (sorted
    indices, set by the lasso), ``hidden_classes``, ``point_size``, ``height``, ``seed``.

    Raises:
        ValueError: d < 2 or d > ``MAX_DIM`` (reduce first, e.g. with
            :meth:`from_activations`), NaN or infinity, frames of different shapes,
            labels or thumbnails of the wrong length.

    Example:
        >>> from nbviz.data import digits
        >>> ds = digits()
        >>> tour = GrandTour.from_activations(ds.images[:300], ds.labels[:300], dims=10,
        ...                                   class_names=ds.class_names)
        >>> tour.points.shape
        (1, 300, 10)
        >>> fig = tour.figure()
    """

    _bundle = "grand_tour"

    #: The default class colours (Tableau 10, colour-blind-safe), by class index.
    PALETTE: ClassVar[tuple[str, ...]] = PALETTE

    #: The most dims the view projects (its shader's uniform array holds 128 rows).
    MAX_DIM: ClassVar[int] = 128

    points = ArrayTrait(dtype="float32", ndim=3).tag(sync=True)
    labels = ArrayTrait(dtype="int32", ndim=1).tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    class_colors = traitlets.List(traitlets.Unicode()).tag(sync=True)
    predictions = ArrayTrait(dtype="int32", ndim=2).tag(sync=True)
    zoom = traitlets.Float(1.0).tag(sync=True)
    kind = traitlets.Enum(("tour", "scatter"), "tour").tag(sync=True)
    dim_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    thumbnails = ArrayTrait(dtype="uint8", ndim=4).tag(sync=True)
    projection = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    # Counts projections set from Python. The view's tour moves on without writing back, so
    # Python may set the value the trait already holds; traitlets would send nothing, and
    # the bump tells the view to go there anyway.
    _projection_set = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(True).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    frame = traitlets.Float(0.0).tag(sync=True)
    frame_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selection = traitlets.List(traitlets.Int()).tag(sync=True)
    hidden_classes = traitlets.List(traitlets.Int()).tag(sync=True)
    point_size = traitlets.Float(3.0).tag(sync=True)
    height = traitlets.Int(500).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        points,
        labels=None,
        class_names: Sequence[str] | None = None,
        *,
        dim_names: Sequence[str] | None = None,
        thumbnails=None,
        frame_labels: Sequence[str] | None = None,
        class_colors: Sequence | None = None,
        predictions=None,
        zoom: float | str = "auto",
        kind: str = "tour",
        speed: float = 1.0,
        seed: int = 0,
        point_size: float = 3.0,
        height: int = 500,
        **kwargs,
    ):
        raw = _stack_frames(points)
        frames, n, d = raw.shape
        if n == 0:
            raise ValueError("points: expected at least one point")
        if d < 2:
            raise ValueError(f"points: expected at least 2 dims to project, got d = {d}")
        if d > self.MAX_DIM:
            raise ValueError(
                f"points: d = {d} dims is more than GrandTour.MAX_DIM = {self.MAX_DIM}; reduce "
                "them first, e.g. GrandTour.from_activations(acts, labels, dims=32) (PCA)"
            )
        check_finite(raw, "points")
        x, self.center, self.scale = normalize_points(raw)
        if labels is None:
            if class_names is not None:
                raise ValueError("class_names: given without labels; pass labels= as well")
            codes, names = None, []
        else:
            codes, names = labels_to_codes(labels, n, class_names)
        thumbs = None
        if thumbnails is not None:
            thumbs = images_to_uint8(thumbnails)
            if len(thumbs) != n:
                raise ValueError(
                    f"thumbnails: expected {n} images (one per point), got {len(thumbs)}"
                )
        super().__init__(
            points=x,
            labels=codes,
            class_names=names,
            dim_names=self._names(dim_names, d, "dim_names", "dims"),
            thumbnails=thumbs,
            frame_labels=self._names(frame_labels, frames, "frame_labels", "frames"),
            class_colors=self._colors(class_colors),
            predictions=self._predictions(predictions, frames, n),
            zoom=fit_zoom(x) if isinstance(zoom, str) and zoom == "auto" else zoom,
            kind=kind,
            projection=np.eye(d)[:, :2].tolist(),
            speed=speed,
            seed=seed,
            point_size=point_size,
            height=height,
            **kwargs,
        )

    @staticmethod
    def _names(names, count: int, arg: str, what: str) -> list[str]:
        if names is None:
            return []
        if isinstance(names, str):
            raise TypeError(f"{arg}: expected a sequence of strings, got a string")
        names = [str(s) for s in names]
        if len(names) != count:
            raise ValueError(
                f"{arg}: expected {count} names (one per {what[:-1]}), got {len(names)}"
            )
        return names

    @staticmethod
    def _colors(colors) -> list[str]:
        if colors is None:
            return []
        from matplotlib.colors import to_hex

        if isinstance(colors, str):
            raise TypeError("class_colors: expected a sequence of colours, got a string")
        out = []
        for k, c in enumerate(colors):
            try:
                out.append(to_hex(c))
            except ValueError:
                raise ValueError(
                    f"class_colors[{k}]: {c!r} is not a colour (use a name like 'tab:blue', "
                    "'#1f77b4' or an (r, g, b) tuple in 0..1)"
                ) from None
        return out

    @staticmethod
    def _predictions(predictions, frames: int, n: int):
        if predictions is None:
            return None
        p = as_numpy(predictions, "predictions")
        if p.dtype.kind not in "iu":
            raise TypeError(f"predictions: expected integer class indices, got dtype {p.dtype}")
        if p.shape == (n,):
            p = np.broadcast_to(p, (frames, n))
        if p.shape != (frames, n):
            raise ValueError(
                f"predictions: expected shape ({n},) or ({frames}, {n}) (one per point, or "
                f"per frame and point), got {p.shape}"
            )
        return np.ascontiguousarray(p, dtype=np.int32)

    # --- constructors ------------------------------------------------------------------
    @classmethod
    def from_activations(
        cls, acts, labels=None, class_names=None, *, dims: int | None = None, **kwargs
    ) -> GrandTour:
        """A tour of activations ``[n, ...]`` or ``[T, n, ...]`` (or a list of ``T`` arrays
        ``[n, ...]``), of any width: trailing dims are flattened, and when wider than
        ``dims`` (default: as wide as allowed, :attr:`MAX_DIM`) reduced by PCA fitted on
        the last frame and applied to every frame (:func:`pca_reduce`), so all frames share
        one linear map. A single array with ``labels`` whose first axis is as long as the
        labels is one frame ``[n, ...]``; otherwise a 3-D or wider array is ``[T, n, ...]``.
        Reduced dims are named ``PC1``, ``PC2``, …; the components are kept
        in ``tour.components`` (``None`` when no reduction was needed).

        >>> import torch
        >>> t = GrandTour.from_activations(torch.randn(3, 40, 200), dims=8)
        >>> t.points.shape, t.dim_names[:2]
        ((3, 40, 8), ['PC1', 'PC2'])
        """
        if isinstance(acts, (list, tuple)):
            frames = [as_numpy(a, f"acts[{t}]") for t, a in enumerate(acts)]
            if len({f.shape for f in frames}) > 1:
                raise ValueError(
                    "acts: every frame needs the same shape; got "
                    f"{[tuple(f.shape) for f in frames][:6]}"
                )
            a = np.stack(frames)
        else:
            a = as_numpy(acts, "acts")
            if labels is not None and a.ndim >= 2 and len(a) == len(as_numpy(labels, "labels")):
                a = a[None]  # one frame of [n, ...]
            elif a.ndim == 2:
                a = a[None]
        if a.ndim < 3:
            raise ValueError(f"acts: expected [n, ...] or [T, n, ...], got shape {a.shape}")
        a = a.reshape(a.shape[0], a.shape[1], -1).astype(np.float32)
        check_finite(a, "acts")
        width = a.shape[-1]
        dims = cls.MAX_DIM if dims is None else int(dims)
        if not 2 <= dims <= cls.MAX_DIM:
            raise ValueError(f"dims: expected 2..{cls.MAX_DIM}, got {dims}")
        components = None
        if width > dims:
            a, components = pca_reduce(a, dims)
            kwargs.setdefault("dim_names", [f"PC{k + 1}" for k in range(dims)])
        tour = cls(a, labels, class_names, **kwargs)
        tour.components = components
        return tour

    @classmethod
    def from_training(
        cls,
        result_or_snapshots,
        model=None,
        data=None,
        labels=None,
        *,
        layer: str = "logits",
        class_names=None,
        thumbnails=True,
        dims: int | None = None,
        **kwargs,
    ) -> GrandTour:
        """A tour of one layer over training: frames are epochs (``"epoch 0"`` … ``"epoch E"``).

        Args:
            result_or_snapshots: a :class:`~nbviz.models.TrainResult` (its snapshots'
                recorded activations of ``layer``, or their state dicts replayed with
                ``model`` on ``data``), a list of state dicts (with ``model`` and
                ``data``), or a list of per-epoch activation arrays ``[n, ...]``.
            model: the network the state dicts belong to (left untouched; a copy loads them).
            data: the points to show (an ``ImageDataset``, ``(X, y)`` or ``X``); its
                labels and class names colour the points, its images are the thumbnails.
            labels: one label per point (default: the data's, or the recorded snapshot
                labels).
            layer: a module name (``model.named_modules()``), ``"logits"``, or
                ``"softmax"`` (the softmax of the logits: the layer the article tours).
                For ``"logits"``/``"softmax"`` the dims are named by the class names.
            class_names: the name of each class (default: the data's).
            thumbnails: ``True``: the data images (when they are images); or an image
                stack; or ``None``.
            dims: a layer wider than ``dims`` (default :attr:`MAX_DIM`, 128) is reduced
                by one PCA fitted on the **last** epoch and applied to every epoch
                (:meth:`from_activations`), so motion between frames is the data's.
            **kwargs: passed to :class:`GrandTour` (``height``, ``speed`` ...).

        Sets ``tour.epochs`` (the snapshot epochs) and ``tour.layer``.

        Raises:
            ValueError: snapshots without activations of ``layer`` and no ``data``/
                ``model`` to replay them, epochs with different point counts, labels
                of the wrong length, an unknown layer (with close matches).
            TypeError: ``result_or_snapshots`` of another kind.

        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> acts = [rng.normal(size=(30, 3)) * (e + 1) for e in range(3)]
        >>> t = GrandTour.from_training(acts, labels=[0, 1, 2] * 10, layer="softmax",
        ...                             class_names=["a", "b", "c"])
        >>> t.frame_labels, t.dim_names
        (['epoch 0', 'epoch 1', 'epoch 2'], ['a', 'b', 'c'])
        """
        from .grand_tour_sources import tour_from_training

        return tour_from_training(
            cls, result_or_snapshots, model, data, labels, layer=layer,
            class_names=class_names, thumbnails=thumbnails, dims=dims, **kwargs,
        )  # fmt: skip

    @classmethod
    def from_layers(
        cls, model, x, y=None, *, layers=None, class_names=None, max_dims: int = 64, **kwargs
    ) -> GrandTour:
        """A tour stepping through a network's layers: frames are layers, named by them.

        The activations of ``x`` at each layer are reduced to at most ``max_dims`` dims
        by PCA, padded to one common width and rotated to best match the previous
        layer (:func:`nbviz.tour.layer_sequence`, which states each step); scrubbing the
        frame slider then moves the points from one layer's view to the next.

        Args:
            model: any ``nn.Module``.
            x: the points (an ``ImageDataset``, ``(X, y)`` or ``X``); images are the
                thumbnails (``thumbnails=None`` turns them off).
            y: one label per point (default: the data's).
            layers: layer names in order (default: ``"input"`` and every leaf module).
            class_names: the name of each class (default: the data's).
            max_dims: the most dims kept per layer (2..128).

        Sets ``tour.sequence`` (the :class:`~nbviz.tour.LayerSequence`: explained
        variance, bases, rotations) and ``tour.layers``.

        Raises:
            ValueError: an unknown layer name (with close matches); a layer that cannot
                be sequenced (runs twice, does not run, returns no tensor): the message
                names it, says why, and points to :meth:`from_activations`.

        >>> import torch
        >>> from nbviz.models import LeNet300100
        >>> t = GrandTour.from_layers(LeNet300100(in_shape=(1, 8, 8)), torch.rand(40, 1, 8, 8),
        ...                           layers=["fc1", "relu1", "logits"], max_dims=8)
        >>> t.points.shape, t.frame_labels
        ((3, 40, 8), ['fc1', 'relu1', 'logits'])
        """
        from .grand_tour_sources import tour_from_layers

        return tour_from_layers(
            cls, model, x, y, layers=layers, class_names=class_names, max_dims=max_dims,
            **kwargs,
        )  # fmt: skip

    @classmethod
    def from_adversarial(
        cls,
        model,
        x,
        y=None,
        *,
        method: str = "pgd",
        eps: float = 0.1,
        alpha: float | None = None,
        steps: int = 10,
        targeted: bool = False,
        target=None,
        layer: str = "logits",
        n_attacked: int | None = None,
        attack_classes=None,
        seed: int = 0,
        **kwargs,
    ) -> GrandTour:
        """Adversarial examples moving among the clean points: frames are attack steps.

        The tour holds the ``n`` clean points of ``x`` (the same in every frame) and,
        after them, one attacked copy of each attacked point, at the attack's step
        ``t`` in frame ``t`` (``"step 0"`` is the clean input, so each copy starts on
        its clean twin). The points attacked are those the model classifies correctly
        (for a targeted attack, also not already of the target class; of
        ``attack_classes``, names or indices, when given); ``n_attacked`` of them,
        drawn with ``seed`` (default: all).

        **Legend and hover.** The attacked copies of each true class get one legend
        entry, after the data's classes: ``"<true class> (attacked)"`` or, targeted,
        ``"<true class> → <target> (attacked)"``; click it to hide or show them. Each
        copy wears its true class's colour (``class_colors``). The copies start selected
        (``highlight=True``): drawn larger and ringed, the clean points dimmed; ``Esc``
        or ``tour.selection = []`` clears that. Hovering a copy names it, shows its final
        adversarial image and the class the model predicts for it at the current step
        (``predictions``).

        Args:
            model: a classifier returning logits ``(n, classes)``.
            x: inputs (an ``ImageDataset``, ``(X, y)`` or ``X``), in ``[0, 1]``.
            y: true labels (default: the data's).
            method: ``"pgd"`` (``steps`` steps of size ``alpha``, default ``eps / 4``)
                or ``"fgsm"`` (one step of size ``eps``).
            eps: the L∞ radius (> 0). targeted, target: move towards ``target`` (an
                int or one label per point) instead of away from ``y``.
            layer: a module name, ``"logits"`` or ``"softmax"`` (see
                :meth:`from_training`); wider than 128 dims is PCA-reduced (fit on the
                last step).
            **kwargs: ``class_names``, ``thumbnails``, ``highlight``, ``dims`` and
                :class:`GrandTour`'s own.

        Sets ``tour.success_rate`` (``[steps + 1]``: the fraction of attacked points
        misclassified, or classified as the target, at each step),
        ``tour.attack`` (the :class:`~nbviz.tour.AttackTrajectory`),
        ``tour.attacked_indices`` (their point indices in the tour) and
        ``tour.attacked_sources`` (their indices in ``x``).

        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
        >>> x = torch.rand(30, 1, 2, 2)
        >>> y = model(x).argmax(1)  # all correctly classified
        >>> t = GrandTour.from_adversarial(model, x, y, eps=0.2, steps=3)
        >>> t.points.shape, t.frame_labels[-1], float(t.success_rate[0])
        ((4, 60, 3), 'step 3', 0.0)
        """
        from .grand_tour_sources import tour_from_adversarial

        return tour_from_adversarial(
            cls, model, x, y, method=method, eps=eps, alpha=alpha, steps=steps,
            targeted=targeted, target=target, layer=layer, n_attacked=n_attacked,
            attack_classes=attack_classes, seed=seed,
            **kwargs,
        )  # fmt: skip

    # --- validation --------------------------------------------------------------------
    @property
    def d(self) -> int:
        """The number of dims."""
        return int(self.points.shape[2])

    @property
    def n(self) -> int:
        """The number of points."""
        return int(self.points.shape[1])

    #: Points of at least this many bytes are announced to the views before they are sent.
    ANNOUNCE_BYTES: ClassVar[int] = 256 * 1024

    @traitlets.validate("points")
    def _valid_points(self, proposal):
        p = proposal["value"]
        if p is not None:
            if not 2 <= p.shape[2] <= self.MAX_DIM:
                raise traitlets.TraitError(f"points: d must be 2..{self.MAX_DIM}, got {p.shape[2]}")
            check_finite(p, "points")
            self._check_fits_points(p.shape)
            if p.nbytes >= self.ANNOUNCE_BYTES and getattr(self, "comm", None) is not None:
                # The views stop animating until the points arrive: a software-rendered
                # tour can take the CPU that the kernel and server need to deliver them.
                self.send({"type": "points_incoming", "bytes": int(p.nbytes)})
        return p

    def _check_fits_points(self, shape) -> None:
        """New points must fit the per-point traits already set (labels, thumbnails,
        predictions); set them together inside ``batched()``."""
        t, n, _ = shape
        misfits = []
        if self.labels is not None and len(self.labels) != n:
            misfits.append(f"{len(self.labels)} labels")
        if self.thumbnails is not None and len(self.thumbnails) != n:
            misfits.append(f"{len(self.thumbnails)} thumbnails")
        if self.predictions is not None and self.predictions.shape != (t, n):
            misfits.append(f"predictions of shape {self.predictions.shape}")
        if misfits:
            raise traitlets.TraitError(
                f"points: {t} frame(s) of {n} points do not fit the {', '.join(misfits)} "
                "already set; set them together: with tour.batched(): "
                "tour.points = ...; tour.labels = ... (or set those to None first)"
            )

    @traitlets.observe("points")
    def _points_changed(self, change):
        """Keep the point-indexed and frame-indexed state consistent with new points."""
        old, new = change["old"], change["new"]
        if old is None or new is None:
            return
        t, n, d = new.shape
        with self.batched():  # the follow-ups reach the view as one message
            if d != old.shape[2]:
                self.projection = np.eye(d)[:, :2].tolist()
                if len(self.dim_names) != d:
                    self.dim_names = []
            if len(self.frame_labels) != t:
                self.frame_labels = []
            if self.frame > t - 1:
                self.frame = float(t - 1)
            if any(i >= n for i in self.selection):
                self.selection = [i for i in self.selection if i < n]

    @traitlets.validate("labels")
    def _valid_labels(self, proposal):
        labels = proposal["value"]
        if labels is not None and self.points is not None and len(labels) != self.n:
            raise traitlets.TraitError(f"labels: expected {self.n} labels, got {len(labels)}")
        return labels

    @traitlets.validate("thumbnails")
    def _valid_thumbnails(self, proposal):
        thumbs = proposal["value"]
        if thumbs is not None and self.points is not None and len(thumbs) != self.n:
            raise traitlets.TraitError(
                f"thumbnails: expected {self.n} images (one per point), got {len(thumbs)}"
            )
        return thumbs

    @traitlets.validate("projection")
    def _valid_projection(self, proposal):
        value = proposal["value"]
        p = np.asarray(value, dtype=np.float64)
        d = self.d if self.points is not None else len(value)
        if p.shape != (d, 2):
            raise traitlets.TraitError(
                f"projection: expected {d} rows of [x, y], got shape {p.shape}"
            )
        if not np.isfinite(p).all():
            raise traitlets.TraitError("projection: contains NaN or infinity")
        err = np.abs(p.T @ p - np.eye(2)).max()
        if err > 1e-3:
            raise traitlets.TraitError(
                f"projection: columns must be orthonormal (|PᵀP − I| = {err:.3g}); "
                "orthonormalize it, e.g. with numpy.linalg.qr(P)[0]"
            )
        value = p.tolist()
        if "projection" not in self._property_lock and value == self.projection:
            # Set from Python to the value it already holds: not sent by traitlets, though
            # the view may have toured elsewhere since.
            self._projection_set += 1
        return value

    @traitlets.validate("class_colors")
    def _valid_class_colors(self, proposal):
        return self._colors(proposal["value"])

    @traitlets.validate("predictions")
    def _valid_predictions(self, proposal):
        p = proposal["value"]
        if p is not None and self.points is not None and p.shape != self.points.shape[:2]:
            raise traitlets.TraitError(
                f"predictions: expected shape {self.points.shape[:2]} (frames, points), "
                f"got {p.shape}"
            )
        return p

    @traitlets.validate("zoom")
    def _valid_zoom(self, proposal):
        v = float(proposal["value"])
        if not 0.1 <= v <= 100:
            raise traitlets.TraitError(f"zoom: expected 0.1..100, got {v}")
        return v

    @traitlets.validate("speed")
    def _valid_speed(self, proposal):
        v = float(proposal["value"])
        if not 0 <= v <= 10:
            raise traitlets.TraitError(f"speed: expected 0..10, got {v}")
        return v

    @traitlets.validate("frame")
    def _valid_frame(self, proposal):
        v = float(proposal["value"])
        last = 0 if self.points is None else self.points.shape[0] - 1
        if not 0 <= v <= last:
            raise traitlets.TraitError(f"frame: expected 0..{last}, got {v}")
        return v

    @traitlets.validate("selection")
    def _valid_selection(self, proposal):
        n = 0 if self.points is None else self.n
        picked = set()
        for i in proposal["value"]:
            if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
                raise traitlets.TraitError(f"selection: expected integer indices, got {i!r}")
            if not 0 <= i < n:
                raise traitlets.TraitError(f"selection: index {i} is out of range for {n} points")
            picked.add(int(i))
        return sorted(picked)

    @traitlets.validate("point_size")
    def _valid_point_size(self, proposal):
        v = float(proposal["value"])
        if not 0.5 <= v <= 64:
            raise traitlets.TraitError(f"point_size: expected 0.5..64 px, got {v}")
        return v

    @traitlets.validate("height")
    def _valid_height(self, proposal):
        if proposal["value"] < 120:
            raise traitlets.TraitError(f"height: expected at least 120 px, got {proposal['value']}")
        return proposal["value"]

    # --- public ------------------------------------------------------------------------
    def projected(self, frame: float | None = None) -> np.ndarray:
        """The points of ``frame`` (default: the current one, interpolated) times the current
        projection: ``[n, 2]`` in the view's units (the view draws them times ``zoom``, with
        the unit circle, where the axis handles end, fitted to the plot)."""
        f = self.frame if frame is None else float(frame)
        last = self.points.shape[0] - 1
        if not 0 <= f <= last:
            raise ValueError(f"frame: expected 0..{last}, got {f}")
        f0 = int(np.floor(f))
        f1 = min(f0 + 1, last)
        a = np.float32(f - f0)
        x = self.points[f0] * (1 - a) + self.points[f1] * a
        return x @ np.asarray(self.projection, dtype=np.float32)

    def color_of(self, k: int) -> str:
        """The colour class ``k`` is drawn in: ``class_colors[k]`` or the palette's."""
        if 0 <= k < len(self.class_colors):
            return self.class_colors[k]
        return PALETTE[k % len(PALETTE)]

    def figure(self, frame: float | None = None, axes: bool = True, legend: bool = True):
        """The current view as a matplotlib figure: points of ``frame`` (default: the current
        frame) under the current projection, with the axis handles and a class legend."""
        from matplotlib.colors import to_rgba
        from matplotlib.lines import Line2D

        from ..plotting import new_figure

        xy = self.projected(frame) * self.zoom
        fig = new_figure(figsize=(5.5, 5.5), layout="constrained")
        ax = fig.add_subplot()
        labels = self.labels
        keep = np.ones(self.n, bool)
        if labels is not None and self.hidden_classes:
            keep &= ~np.isin(labels, self.hidden_classes)
        sel = np.zeros(self.n, bool)
        sel[self.selection] = True
        alpha = np.where(sel | (not self.selection), 0.85, 0.2)
        size = self.point_size**2
        codes = np.zeros(self.n, np.int64) if labels is None else labels.astype(np.int64)
        rgba = np.array([to_rgba(self.color_of(k)) for k in codes])
        rgba[:, 3] = alpha
        ax.scatter(*xy[keep].T, s=size, c=rgba[keep], linewidths=0)
        handles = []
        if labels is not None:
            for k in np.unique(codes[keep]):
                name = self.class_names[k] if 0 <= k < len(self.class_names) else str(k)
                handles.append(
                    Line2D([], [], ls="", marker="o", ms=5, color=self.color_of(k), label=name)
                )
        if sel.any():
            ax.scatter(*xy[sel & keep].T, s=size * 2.5, facecolors="none", edgecolors="k", lw=0.6)
        if axes:
            p = np.asarray(self.projection)
            lengths = np.linalg.norm(p, axis=1)
            named = {i for i in np.argsort(-lengths)[:16].tolist() if lengths[i] > 0.05}
            for i, (px, py) in enumerate(p):
                ax.plot([0, px], [0, py], color="0.5", lw=0.8, alpha=0.7)
                if i in named:
                    name = self.dim_names[i] if i < len(self.dim_names) else f"x{i}"
                    ax.annotate(name, (px, py), fontsize=7, color="0.25")
        if legend and labels is not None:
            ax.legend(handles=handles, fontsize=7, loc="upper right", frameon=False)
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-1.1, 1.1)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        title = ""
        if self.points.shape[0] > 1:
            k = round(self.frame if frame is None else frame)
            title = self.frame_labels[k] if k < len(self.frame_labels) else f"frame {k}"
        ax.set_title(title, fontsize=9)
        return fig

    def __repr__(self):
        t, n, d = self.points.shape
        return f"GrandTour({n} points in {d} dims, {t} frame(s), {len(self.selection)} selected)"
