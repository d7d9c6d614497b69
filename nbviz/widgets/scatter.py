"""The WebGL2 scatter that :class:`~nbviz.GrandTour` and :class:`~nbviz.EmbeddingView` share.

It holds what both draw: points ``[T, n, d]`` seen through a d×2 ``projection``, class
colours and legend, hover cards with thumbnails and per-frame predictions, the lasso into
``selection``, frames with a slider (with per-frame axis names and notes), zoom, and the
static :meth:`~ScatterWidget.figure`. The view fits each frame's projected cloud to its
canvas; ``zoom`` magnifies relative to that fit.
The tour's speed and seed and its builders live in
:class:`~nbviz.GrandTour`; the t-SNE job in :class:`~nbviz.EmbeddingView`.

>>> import numpy as np
>>> from nbviz import GrandTour
>>> tour = GrandTour(np.random.default_rng(0).normal(size=(50, 4)), labels=[0, 1] * 25)
>>> isinstance(tour, ScatterWidget), tour.points.shape
(True, (1, 50, 4))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import traitlets

from .._checks import as_numpy, check_finite
from ..plotting import PALETTE
from ..tour.framing import normalize_points, stack_frames
from .base import NbvizWidget
from .convert import check_indices, images_to_uint8, labels_to_codes, split_data
from .messages import MESSAGES
from .streaming import CHUNK_BYTES, chunks, streamed_serialization
from .traits import ArrayTrait, Float, Int, Rows

__all__ = ["ScatterWidget", "link_selection"]


def _names(names, count: int, arg: str, what: str, kind: str = "names") -> list[str]:
    """``names`` as ``count`` strings (``[]`` for ``None``), one per ``what``."""
    if names is None:
        return []
    if isinstance(names, str):
        raise TypeError(f"{arg}: expected a sequence of strings, got a string")
    names = [str(s) for s in names]
    if len(names) != count:
        raise ValueError(f"{arg}: expected {count} {kind} (one per {what}), got {len(names)}")
    return names


def _frame_lists(value, frames: int, d: int, arg: str, kind: str) -> list[list[str]]:
    """``value`` as ``frames`` lists of ``d`` strings (one per dim, per frame); ``[]`` for
    ``None``."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{arg}: expected {frames} lists (one per frame) of {d} {kind}")
    if len(value) != frames:
        raise ValueError(f"{arg}: expected {frames} lists (one per frame), got {len(value)}")
    return [_names(row, d, f"{arg}[{t}]", "dim", kind) for t, row in enumerate(value)]


def _frame_dim_notes(dim_notes, frame_dim_notes, frames: int, d: int) -> list[list[str]]:
    """The notes per frame and dim from either keyword (``dim_notes``: one list for all)."""
    if dim_notes is not None and frame_dim_notes is not None:
        raise ValueError(
            "dim_notes, frame_dim_notes: pass one of them (dim_notes holds in every frame)"
        )
    if dim_notes is not None:
        return [_names(dim_notes, d, "dim_notes", "dim", "notes")] * frames
    return _frame_lists(frame_dim_notes, frames, d, "frame_dim_notes", "notes")


#: The view fits the box from the 1st to the 99th percentile of a frame's projected points.
_FIT_QUANTILES = (0.01, 0.99)
#: A frame whose spread is at most this fraction of the widest frame's is "at one place".
_ONE_PLACE_FRACTION = 1e-3
#: The most points a figure measures per frame for the fit.
_FIT_SAMPLE = 1024


def _frame_spreads(points: np.ndarray) -> np.ndarray:
    """Per frame of ``points`` [T, n, d], the 99th percentile of the distances of (up to
    :data:`_FIT_SAMPLE` evenly spaced) points to their mean, in all d dims."""
    n = points.shape[1]
    sample = points[:, np.linspace(0, n - 1, min(n, _FIT_SAMPLE)).astype(int)]
    x = sample.astype(np.float64)
    dist = np.linalg.norm(x - x.mean(axis=1, keepdims=True), axis=2)
    return np.quantile(dist, 0.99, axis=1)


def _fit(xy: np.ndarray, floor: float) -> tuple[np.ndarray, float]:
    """The centre and half-size of the box the view fits: the 1st–99th percentile box of
    the projected points ``xy``, its larger half-side at least ``floor``."""
    lo, hi = np.quantile(xy.astype(np.float64), _FIT_QUANTILES, axis=0)
    half = max(float((hi - lo).max()) / 2, floor)
    return (lo + hi) / 2, half if half > 0 else 1.0


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


class ScatterWidget(NbvizWidget):
    """Points ``[T, n, d]`` through a d×2 projection, in WebGL2 (the base of the tour and
    the embedding view; not used alone).

    Args:
        data: the points: a tensor or array ``[n, d]``, or ``[T, n, d]`` for ``T`` frames,
            or a list of ``T`` arrays ``[n, d]``, or an ``(X, y)`` pair; 2 ≤ d ≤
            :attr:`MAX_DIM`. They are centered on their mean over all frames and divided
            by the 99th percentile of the points' norms
            (:func:`nbviz.tour.framing.normalize_points`); the offsets are kept in
            ``center`` and ``scale``.
        labels: one integer or string label per point (default: the pair's).
        class_names: the name of each integer label.
        dim_names: a name per dimension, drawn at its axis handle.
        thumbnails: images, one per point, shown on hover (any layout ``ImageGrid`` takes).
        frame_names: a name per frame (e.g. ``"epoch 3"``).
        frame_dim_names: per frame, a name per dimension (``T`` lists of ``d``), for axes
            that change meaning from frame to frame (a layer tour's ``fc1·pc3``); they
            win over ``dim_names`` in their frame.
        frame_dim_notes: per frame, a note per dimension shown on hovering its axis
            handle (``T`` lists of ``d``). dim_notes: one note per dimension for every
            frame (stored as ``frame_dim_notes``); pass one of the two.
        frame_notes: per frame, one line the view shows under the plot (how the points
            got there).
        class_colors: a colour per class (any matplotlib colour; stored as ``"#rrggbb"``);
            default: the palette by class index.
        predictions: the model's predicted class per point, ``[n]`` or per frame ``[T, n]``
            (integer indices into ``class_names``; -1 for none); the hover card shows the
            prediction at the current frame.
        zoom: the magnification relative to the view's fit: the view fits each frame's
            projected cloud to the plot, and ``zoom`` (1: the fitted view) magnifies
            that; the mouse wheel changes it and the view's reset button sets it back to
            1. ``"auto"`` (the default) is 1.
        kind: ``"tour"``, or ``"scatter"``: the points under the fixed ``projection``.
        point_size: point diameter in CSS px; height: height of the plot in px.
    """

    _bundle = "grand_tour"

    #: The default class colours (Tableau 10, colour-blind-safe), by class index.
    PALETTE: ClassVar[tuple[str, ...]] = PALETTE
    #: The most dims the view projects (its shader's uniform array holds 128 rows).
    MAX_DIM: ClassVar[int] = 128
    #: Points of at least this many bytes are announced to the views before they are sent.
    ANNOUNCE_BYTES: ClassVar[int] = 256 * 1024
    _not_settable: ClassVar[frozenset[str]] = frozenset({"points", "kind"})

    points = ArrayTrait(
        dtype="float32", ndim=3, help="the points [T, n, d], centred and scaled"
    ).tag(sync=True, **streamed_serialization("points"))
    labels = ArrayTrait(dtype="int32", ndim=1, help="a class code per point").tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode(), help="a name per class").tag(sync=True)
    class_colors = traitlets.List(
        traitlets.Unicode(), help="a '#rrggbb' colour per class ([] for the palette)"
    ).tag(sync=True)
    predictions = ArrayTrait(
        dtype="int32", ndim=2, help="predicted class per frame and point [T, n]"
    ).tag(sync=True)
    zoom = Float(
        1.0,
        min=0.1,
        max=100.0,
        help="magnification relative to the view's fit of each frame's cloud (1: fitted)",
    ).tag(sync=True)
    kind = traitlets.Enum(
        ("tour", "scatter"), "tour", help="'tour', or 'scatter': a fixed projection, no axes"
    ).tag(sync=True)
    dim_names = traitlets.List(traitlets.Unicode(), help="a name per dimension").tag(sync=True)
    thumbnails = ArrayTrait(
        dtype="uint8", ndim=4, help="an image per point [n, h, w, c], shown on hover"
    ).tag(sync=True)
    projection = Rows(help="d rows of [x, y], orthonormal columns (an array is taken too)").tag(
        sync=True
    )
    # Counts projections set from Python. The view's tour moves on without writing back, so
    # Python may set the value the trait already holds; traitlets would send nothing, and
    # the bump tells the view to go there anyway.
    _projection_set = traitlets.Int(0, help="bumped when Python sets the projection").tag(sync=True)
    playing = traitlets.Bool(True, help="the tour rotates (never in kind='scatter')").tag(sync=True)
    frame = Float(0.0, help="the frame shown, 0..T-1 (fractions interpolate)").tag(sync=True)
    frame_names = traitlets.List(traitlets.Unicode(), help="a name per frame").tag(sync=True)
    frame_dim_names = traitlets.List(
        traitlets.List(traitlets.Unicode()),
        help="per frame, a name per dimension, winning over dim_names ([]: none)",
    ).tag(sync=True)
    frame_dim_notes = traitlets.List(
        traitlets.List(traitlets.Unicode()),
        help="per frame, a note per dimension, shown on hovering its axis ([]: none)",
    ).tag(sync=True)
    frame_notes = traitlets.List(
        traitlets.Unicode(), help="per frame, one line shown under the plot ([]: none)"
    ).tag(sync=True)
    selection = traitlets.List(traitlets.Int(), help="selected point indices, sorted").tag(
        sync=True
    )
    hidden_classes = traitlets.List(traitlets.Int(), help="classes not drawn").tag(sync=True)
    point_size = Float(3.0, min=0.5, max=64.0, unit=" px", help="point diameter, CSS px").tag(
        sync=True
    )
    height = Int(500, min=120, unit=" px", help="plot height, px").tag(sync=True)

    def __init__(
        self,
        data,
        labels=None,
        class_names: Sequence[str] | None = None,
        *,
        dim_names: Sequence[str] | None = None,
        thumbnails=None,
        frame_names: Sequence[str] | None = None,
        frame_dim_names: Sequence[Sequence[str]] | None = None,
        frame_dim_notes: Sequence[Sequence[str]] | None = None,
        dim_notes: Sequence[str] | None = None,
        frame_notes: Sequence[str] | None = None,
        class_colors: Sequence | None = None,
        predictions=None,
        zoom: float | str = "auto",
        kind: str = "tour",
        point_size: float = 3.0,
        height: int = 500,
        **kwargs,
    ):
        # Each new `points` value gets a token; a large one's state names it (streaming.py).
        self._stream_tokens = {"points": 0}
        data, labels, class_names = split_data(data, labels, class_names)
        raw = stack_frames(data)
        frames, n, d = raw.shape
        if n == 0:
            raise ValueError("data: expected at least one point")
        if d < 2:
            raise ValueError(f"data: expected at least 2 dims to project, got d = {d}")
        if d > self.MAX_DIM:
            raise ValueError(
                f"data: d = {d} dims is more than {type(self).__name__}.MAX_DIM = "
                f"{self.MAX_DIM}; reduce them first, e.g. GrandTour.from_activations(data, "
                "labels, dims=32) (PCA)"
            )
        x, self.center, self.scale = normalize_points(raw)
        if labels is None:
            if class_names is not None:
                raise ValueError("class_names: given without labels; pass labels= as well")
            codes, names = None, []
        else:
            codes, names = labels_to_codes(labels, n, class_names)
        thumbs = None
        if thumbnails is not None:
            thumbs = images_to_uint8(thumbnails, name="thumbnails")
            if len(thumbs) != n:
                raise ValueError(
                    f"thumbnails: expected {n} images (one per point), got {len(thumbs)}"
                )
        if isinstance(zoom, str) and zoom != "auto":
            raise ValueError(
                f"zoom: expected a number or 'auto' (1: the fitted view), got {zoom!r}"
            )
        if kind == "scatter":
            kwargs["playing"] = False
        super().__init__(
            points=x,
            labels=codes,
            class_names=names,
            dim_names=_names(dim_names, d, "dim_names", "dim"),
            thumbnails=thumbs,
            frame_names=_names(frame_names, frames, "frame_names", "frame"),
            frame_dim_names=_frame_lists(frame_dim_names, frames, d, "frame_dim_names", "names"),
            frame_dim_notes=_frame_dim_notes(dim_notes, frame_dim_notes, frames, d),
            frame_notes=_names(frame_notes, frames, "frame_notes", "frame", "notes"),
            class_colors=_colors(class_colors),
            predictions=_predictions(predictions, frames, n),
            zoom=1.0 if zoom == "auto" else zoom,
            kind=kind,
            projection=np.eye(d)[:, :2].tolist(),
            point_size=point_size,
            height=height,
            **kwargs,
        )
        self.on_msg(self._answer_pull)

    # --- validation --------------------------------------------------------------------
    @property
    def d(self) -> int:
        """The number of dims."""
        return int(self.points.shape[2])

    @property
    def n(self) -> int:
        """The number of points."""
        return int(self.points.shape[1])

    @traitlets.validate("points")
    def _valid_points(self, proposal):
        p = proposal["value"]
        if p is not None:
            if not 2 <= p.shape[2] <= self.MAX_DIM:
                raise traitlets.TraitError(f"points: d must be 2..{self.MAX_DIM}, got {p.shape[2]}")
            check_finite(p, "points")
            self._check_fits_points(p.shape)
            self._stream_tokens["points"] += 1
            if p.nbytes >= self.ANNOUNCE_BYTES and getattr(self, "comm", None) is not None:
                # The views stop animating until the points arrive: a software-rendered
                # tour can take the CPU that the kernel and server need to deliver them.
                self.send({"type": MESSAGES["points_incoming"], "bytes": int(p.nbytes)})
        return p

    def _answer_pull(self, widget, content, buffers) -> None:
        """A view asks for streamed points: send them in pieces, unless they have been
        replaced since (a newer header is on its way)."""
        if not isinstance(content, dict) or content.get("type") != MESSAGES["points_pull"]:
            return
        if content.get("token") != self._stream_tokens["points"] or self.points is None:
            return
        length = CHUNK_BYTES // self.points.itemsize
        for piece, buffer in chunks(self.points, self._stream_tokens["points"], length):
            self.send(piece, buffers=[buffer])

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
            name = type(self).__name__.lower()
            raise traitlets.TraitError(
                f"points: {t} frame(s) of {n} points do not fit the {', '.join(misfits)} "
                f"already set; set them together: with {name}.batched(): "
                f"{name}.points = ...; {name}.labels = ... (or set those to None first)"
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
            if len(self.frame_names) != t:
                self.frame_names = []
            if len(self.frame_notes) != t:
                self.frame_notes = []
            for name in ("frame_dim_names", "frame_dim_notes"):
                value = getattr(self, name)
                if len(value) != t or any(len(row) != d for row in value):
                    setattr(self, name, [])
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

    @traitlets.validate("frame_dim_names", "frame_dim_notes")
    def _valid_frame_dim_lists(self, proposal):
        value, name = proposal["value"], proposal["trait"].name
        if not value or self.points is None:
            return value
        t, _, d = self.points.shape
        try:
            return _frame_lists(value, t, d, name, name.rsplit("_", 1)[1])
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("frame_notes")
    def _valid_frame_notes(self, proposal):
        value = proposal["value"]
        if not value or self.points is None:
            return value
        try:
            return _names(value, self.points.shape[0], "frame_notes", "frame", "notes")
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("class_colors")
    def _valid_class_colors(self, proposal):
        return _colors(proposal["value"])

    @traitlets.validate("predictions")
    def _valid_predictions(self, proposal):
        p = proposal["value"]
        if p is not None and self.points is not None and p.shape != self.points.shape[:2]:
            raise traitlets.TraitError(
                f"predictions: expected shape {self.points.shape[:2]} (frames, points), "
                f"got {p.shape}"
            )
        return p

    @traitlets.validate("frame")
    def _valid_frame(self, proposal):
        v = float(proposal["value"])
        last = 0 if self.points is None else self.points.shape[0] - 1
        if not 0 <= v <= last:  # the range follows the points: no min/max on the trait
            raise traitlets.TraitError(f"frame: expected 0..{last}, got {v}")
        return v

    @traitlets.validate("selection")
    def _valid_selection(self, proposal):
        n = 0 if self.points is None else self.n
        return check_indices(proposal["value"], n, "selection", "points")

    # --- public ------------------------------------------------------------------------
    def projected(self, frame: float | None = None) -> np.ndarray:
        """The points of ``frame`` (default: the current one, interpolated) times the current
        projection: ``[n, 2]`` in the units of ``points`` (the view fits this cloud to the
        plot and magnifies it by ``zoom``; :meth:`figure` does the same)."""
        f = self.frame if frame is None else float(frame)
        last = self.points.shape[0] - 1
        if not 0 <= f <= last:
            raise ValueError(f"frame: expected 0..{last}, got {f}")
        f0 = int(np.floor(f))
        f1 = min(f0 + 1, last)
        a = np.float32(f - f0)
        x = self.points[f0] * (1 - a) + self.points[f1] * a
        return x @ np.asarray(self.projection, dtype=np.float32)

    def dim_name(self, dim: int, frame: float | None = None) -> str:
        """The name drawn at axis ``dim`` in ``frame`` (default: the current one, rounded):
        ``frame_dim_names[frame][dim]`` when set, else ``dim_names[dim]``, else ``x<dim>``.

        >>> import numpy as np
        >>> from nbviz import GrandTour
        >>> tour = GrandTour(np.zeros((2, 5, 2)) + np.arange(5.0)[:, None], dim_names=["u", "v"],
        ...                  frame_dim_names=[["fc1·pc1", "fc1·pc2"], ["fc2·pc2", "fc2·pc1"]])
        >>> tour.dim_name(0, frame=1), tour.dim_name(1, frame=0)
        ('fc2·pc2', 'fc1·pc2')
        """
        k = round(self.frame if frame is None else float(frame))
        if k < len(self.frame_dim_names):
            return self.frame_dim_names[k][dim]
        return self.dim_names[dim] if dim < len(self.dim_names) else f"x{dim}"

    def color_of(self, code: int) -> str:
        """The colour class ``code`` is drawn in: ``class_colors[code]`` or the palette's."""
        if 0 <= code < len(self.class_colors):
            return self.class_colors[code]
        return PALETTE[code % len(PALETTE)]

    def figure(self, frame: float | None = None, axes: bool = True, legend: bool = True):
        """The current view as a matplotlib figure: points of ``frame`` (default: the current
        frame) under the current projection, fitted to the plot as the view fits them and
        magnified by ``zoom``, with the axis handles (named for the frame, see
        :meth:`dim_name`), a class legend and the frame's note."""
        from matplotlib.colors import to_rgba
        from matplotlib.lines import Line2D

        from ..plotting import new_figure

        xy, one_place = self._fitted(frame)
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
        if axes and self.kind == "tour":
            p = np.asarray(self.projection)
            lengths = np.linalg.norm(p, axis=1)
            named = {i for i in np.argsort(-lengths)[:16].tolist() if lengths[i] > 0.05}
            for i, (px, py) in enumerate(p):
                ax.plot([0, px], [0, py], color="0.5", lw=0.8, alpha=0.7)
                if i in named:
                    ax.annotate(self.dim_name(i, frame), (px, py), fontsize=7, color="0.25")
        if legend and labels is not None:
            ax.legend(handles=handles, fontsize=7, loc="upper right", frameon=False)
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-1.1, 1.1)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(self._frame_title(frame), fontsize=9)
        note = self._frame_note(frame, one_place=one_place)
        if note:
            ax.text(0.5, -0.02, note, transform=ax.transAxes, ha="center", va="top",
                    fontsize=7, color="0.3", wrap=True)  # fmt: skip
        return fig

    def _fitted(self, frame: float | None) -> tuple[np.ndarray, bool]:
        """The points of ``frame`` as the view draws them (its box of the cloud centred,
        the box's larger half-side 1, times ``zoom``) and whether they are all at one
        place (a spread of at most 1e-3 of the widest frame's, the fit's floor)."""
        xy = self.projected(frame)
        spreads = _frame_spreads(self.points)
        floor = _ONE_PLACE_FRACTION * float(spreads.max())
        center, half = _fit(xy, floor)
        k = round(self.frame if frame is None else frame)
        return (xy - center) * (self.zoom / half), bool(spreads[k] <= floor)

    def _frame_title(self, frame: float | None) -> str:
        if self.points.shape[0] == 1:
            return ""
        k = round(self.frame if frame is None else frame)
        return self.frame_names[k] if k < len(self.frame_names) else f"frame {k}"

    def _frame_note(self, frame: float | None, one_place: bool) -> str:
        k = round(self.frame if frame is None else frame)
        note = self.frame_notes[k] if k < len(self.frame_notes) else ""
        if one_place:
            note = "all points at one place in this frame" + (f" · {note}" if note else "")
        return note


def link_selection(*views) -> list[traitlets.link]:
    """Tie the ``selection`` of views that show the same points (an
    :class:`~nbviz.EmbeddingView` and a :class:`~nbviz.GrandTour`, two tours ...):
    selecting in one selects in all. Returns the links; ``link.unlink()`` undoes one.

    >>> import numpy as np
    >>> from nbviz import GrandTour
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
