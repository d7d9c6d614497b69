"""GrandTour: d-dim points seen through a smoothly rotating 2-D projection (WebGL2).

After Li, Zhao and Scheidegger, "Visualizing Neural Networks with the Grand Tour"
(Distill, 2020). The view rotates a d×2 orthonormal projection through every 2-D view of
the data; drag an axis handle to steer it, lasso points to select them, scrub frames
(epochs, attack steps, layers) with the slider. Large points (a million and more) reach
the browser in pieces, drawn as they arrive; while the view moves, a cloud too large to
draw fast (over 50 ms a frame, as in software WebGL) is drawn as a fixed random subset of
at least 100,000 points, and in full again once the view is still. The frames come from
:mod:`nbviz.tour.sources` (the ``from_*`` builders), the framing from
:mod:`nbviz.tour.framing`.

>>> import numpy as np
>>> tour = GrandTour(np.random.default_rng(0).normal(size=(50, 4)), labels=[0, 1] * 25)
>>> tour.points.shape, tour.points.dtype
((1, 50, 4), dtype('float32'))
>>> np.allclose(np.array(tour.projection), np.eye(4)[:, :2])
True
"""

from __future__ import annotations

from typing import Self

import traitlets

from ..tour import sources
from .scatter import ScatterWidget
from .traits import Float

__all__ = ["GrandTour"]


class GrandTour(ScatterWidget):
    """The Grand Tour of a set of d-dim points, in WebGL2, with steering, brushing and frames.

    Args:
        data: the points: a tensor or array ``[n, d]``, or ``[T, n, d]`` for ``T`` frames
            (epochs, attack steps, layers), or a list of ``T`` arrays ``[n, d]``, or an
            ``(X, y)`` pair; 2 ≤ d ≤ :attr:`MAX_DIM`. The data is centered on its mean over
            all frames and divided by the 99th percentile of the points' norms
            (:func:`nbviz.tour.framing.normalize_points`); the offsets are kept in
            ``center`` and ``scale``.
        labels: one integer or string label per point (optional).
        class_names: the name of each integer label.
        dim_names: a name per dimension, drawn at its axis handle (e.g. the class names
            for a softmax layer).
        thumbnails: images, one per point, shown on hover (any layout ``ImageGrid`` takes).
        frame_names: a name per frame (e.g. ``"epoch 3"``).
        frame_dim_names: per frame, a name per dimension (``T`` lists of ``d``), winning
            over ``dim_names`` in their frame: a layer tour's axes (``fc1·pc3``).
        frame_dim_notes: per frame, a note per dimension, shown on hovering its axis
            handle; or dim_notes: one note per dimension for every frame.
        frame_notes: per frame, one line shown under the plot (how the points got there).
        class_colors: a colour per class (any matplotlib colour; stored as ``"#rrggbb"``);
            default: the palette by class index.
        predictions: the model's predicted class per point, ``[n]`` or per frame
            ``[T, n]`` (integer indices into ``class_names``; -1 for none); the hover card
            shows the prediction at the current frame.
        kind: ``"tour"``, or ``"scatter"``: the points under the fixed ``projection``
            (for 2-D points, a plain scatter: an embedding), with no tour controls and
            no axis handles.
        zoom: the magnification relative to the view's fit (the view fits each frame's
            projected cloud to the plot; 1, or ``"auto"``, the default, is that fitted
            view). The mouse wheel changes it in the view, the view's reset button sets
            it back to 1.
        speed: tour speed (0 stops it; 1 is gentle).
        seed: seeds the angular velocities of the tour's plane rotations.
        traversal: how the tour moves while it plays: ``"grand"`` (random rotations
            through every view, steered by dragging an axis) or ``"guided"`` (eased moves
            from one interesting view to the next: the PCA "little tour" of the frame on
            show, then, when the dims are class axes, the planes of the most confused
            pairs of classes); a menu in the view switches it.
        point_size: point diameter in CSS px.
        height: height of the plot in px.

    Classes beyond the ten colours of the palette (Tableau 10) reuse them in order (unless
    ``class_colors`` says otherwise); the legend says so. ``hidden_classes`` hides classes
    (the legend toggles them). Under the plot, a strip of frame previews (each frame's
    points under the current view; a click goes there) and a figure of how well the
    classes separate in the current view (the share of each sampled point's 5 nearest
    neighbours on screen that share its class, beside what chance gives).

    Traits (synced): ``points`` (float32 ``[T, n, d]``, binary), ``labels`` (int32),
    ``class_names``, ``class_colors``, ``dim_names``, ``frame_dim_names``,
    ``frame_dim_notes``, ``frame_notes``, ``thumbnails`` (uint8
    ``[n, h, w, c]``), ``predictions`` (int32 ``[T, n]``), ``zoom``, ``kind``,
    ``projection`` (``d`` rows of ``[x, y]``, orthonormal columns; set it to move every
    view there; it holds the view after an axis drag or a pause with the view's ▶ button;
    while the tour plays it is not updated, and a pause set from Python leaves it as it
    was), ``playing``, ``speed``,
    ``frame`` (float; fractions interpolate), ``frame_names``, ``selection`` (sorted
    indices, set by the lasso), ``hidden_classes``, ``point_size``, ``height``, ``seed``,
    ``traversal``.

    Raises:
        ValueError: d < 2 or d > ``MAX_DIM`` (reduce first, e.g. with
            :meth:`from_activations`), NaN or infinity, frames of different shapes,
            labels or thumbnails of the wrong length.
        TypeError: a keyword the tour does not take (naming the closest).

    Example:
        >>> from nbviz.data import digits
        >>> ds = digits()
        >>> tour = GrandTour.from_activations(ds.images[:300], ds.labels[:300], dims=10,
        ...                                   class_names=ds.class_names)
        >>> tour.points.shape
        (1, 300, 10)
        >>> fig = tour.figure()
    """

    speed = Float(1.0, min=0.0, max=10.0, help="tour speed (0 stops it; 1 is gentle)").tag(
        sync=True
    )
    seed = traitlets.Int(0, help="seeds the angular velocities of the tour").tag(sync=True)
    traversal = traitlets.Enum(
        ("grand", "guided"),
        "grand",
        help="how the tour moves while it plays: 'grand' (random rotations through every "
        "view) or 'guided' (from one interesting view to the next: the PCA 'little tour' of "
        "the frame on show, then, for class axes, the planes of the most confused classes)",
    ).tag(sync=True)

    # --- builders ----------------------------------------------------------------------
    @classmethod
    def _from_frames(cls, frames: sources.TourFrames, **kwargs) -> Self:
        """A tour of :class:`~nbviz.tour.sources.TourFrames`; ``kwargs`` win over them.

        The source's findings (``info``) become attributes of the tour, and its fitted PCA
        (if any) ``tour.components`` (``[dims, width]``).
        """
        keys = ("dim_names", "frame_names", "frame_dim_names", "frame_dim_notes", "frame_notes",
                "predictions", "thumbnails")  # fmt: skip
        if "dim_notes" in kwargs:
            keys = tuple(key for key in keys if key != "frame_dim_notes")
        for key in keys:
            value = getattr(frames, key)
            if value is not None:
                kwargs.setdefault(key, value)
        if frames.class_colors is not None:
            palette = cls.PALETTE
            kwargs.setdefault("class_colors", [palette[k % len(palette)] for k in
                                               frames.class_colors])  # fmt: skip
        tour = cls(frames.frames, frames.labels, frames.class_names, **kwargs)
        tour.components = None if frames.pca is None else frames.pca.components.cpu().numpy()
        for key, value in frames.info.items():
            setattr(tour, key, value)
        return tour

    @classmethod
    def _check_dims(cls, dims: int | None) -> int:
        dims = cls.MAX_DIM if dims is None else dims
        if isinstance(dims, bool) or not isinstance(dims, int) or not 2 <= dims <= cls.MAX_DIM:
            raise ValueError(f"dims: expected 2..{cls.MAX_DIM}, got {dims!r}")
        return dims

    @classmethod
    def from_activations(
        cls, data, labels=None, class_names=None, *, dims: int | None = None, **kwargs
    ) -> Self:
        """A tour of activations ``[n, ...]`` or ``[T, n, ...]`` (or a list of ``T`` arrays
        ``[n, ...]``), of any width: trailing dims are flattened, and when wider than
        ``dims`` (default: as wide as allowed, :attr:`MAX_DIM`) reduced by PCA fitted on
        the last frame and applied to every frame
        (:func:`nbviz.tour.framing.reduce_frames`), so all frames share one linear map.
        A single array with ``labels`` whose first axis is as long as the labels is one
        frame ``[n, ...]``; otherwise a 3-D or wider array is ``[T, n, ...]``. Reduced
        dims are named ``PC1``, ``PC2``, …; the components are kept in
        ``tour.components`` (``[dims, width]``; ``None`` when no reduction was needed).

        >>> import torch
        >>> t = GrandTour.from_activations(torch.randn(3, 40, 200), dims=8)
        >>> t.points.shape, t.dim_names[:2]
        ((3, 40, 8), ['PC1', 'PC2'])
        """
        frames = sources.activation_frames(
            data, labels, class_names, dims=cls._check_dims(dims),
            dim_names=kwargs.pop("dim_names", None),
        )  # fmt: skip
        return cls._from_frames(frames, **kwargs)

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
    ) -> Self:
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

        Sets ``tour.epochs`` (the snapshot epochs) and ``tour.layer``
        (:func:`nbviz.tour.sources.training_frames` computes the frames).

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
        >>> t.frame_names, t.dim_names
        (['epoch 0', 'epoch 1', 'epoch 2'], ['a', 'b', 'c'])
        """
        frames = sources.training_frames(
            result_or_snapshots, model, data, labels, layer=layer, class_names=class_names,
            thumbnails=thumbnails, dims=cls._check_dims(dims),
        )  # fmt: skip
        return cls._from_frames(frames, **kwargs)

    @classmethod
    def from_layers(
        cls,
        model,
        data,
        labels=None,
        *,
        layers=None,
        class_names=None,
        dims: int = 64,
        thumbnails=True,
        **kwargs,
    ) -> Self:
        """A tour stepping through a network's layers: frames are layers, named by them.

        The activations of ``data`` at each layer are reduced by PCA to the layer's own top
        ``k`` principal components, ``k`` the least real rank of the layers (at most
        ``dims``; a 10-class head makes it 10), and matched axis to axis to the previous
        layer by a signed permutation (:func:`nbviz.tour.layer_sequence`, which states
        each step): no axis is padding, and each axis of each frame is one principal
        component, named for it (``frame_dim_names``: ``fc1·pc3``; the share of the
        layer's variance it holds in ``frame_dim_notes``, shown on hover). Scrubbing the
        frame slider moves the points from one layer's view to the next; each frame's
        note (``frame_notes``) says how they got there: a linear map (convolutions,
        linear layers, batch norm), max pooling as approximately linear (the article's
        treatment), a nonlinearity, or, when :func:`nbviz.tour.linearize` cannot follow
        the model, the activations-only view.

        Args:
            model: any ``nn.Module``.
            data: the points (an ``ImageDataset``, ``(X, y)`` or ``X``); images are the
                thumbnails (``thumbnails=None`` turns them off).
            labels: one label per point (default: the data's).
            layers: layer names in order (default: ``"input"`` and every leaf module).
            class_names: the name of each class (default: the data's).
            dims: the most dims kept per layer (2..128).

        Sets ``tour.sequence`` (the :class:`~nbviz.tour.LayerSequence`: explained
        variance, bases, ranks, the component on each axis) and ``tour.layers``.

        Raises:
            ValueError: an unknown layer name (with close matches); a layer that cannot
                be sequenced (runs twice, does not run, returns no tensor): the message
                names it, says why, and points to :meth:`from_activations`.

        >>> import torch
        >>> from nbviz.models import LeNet300100
        >>> t = GrandTour.from_layers(LeNet300100(in_shape=(1, 8, 8)), torch.rand(40, 1, 8, 8),
        ...                           layers=["fc1", "relu1", "logits"], dims=8)
        >>> t.points.shape, t.frame_names
        ((3, 40, 8), ['fc1', 'relu1', 'logits'])
        >>> t.frame_dim_names[0][0], t.frame_notes[1]  # doctest: +ELLIPSIS
        ('fc1·pc1', 'relu1: ReLU of fc1, not linear: the points move straight between ...')
        """
        frames = sources.layer_frames(
            model, data, labels, layers=layers, class_names=class_names,
            dims=cls._check_dims(dims), thumbnails=thumbnails,
        )  # fmt: skip
        return cls._from_frames(frames, **kwargs)

    @classmethod
    def from_adversarial(
        cls,
        model,
        data,
        labels=None,
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
        class_names=None,
        thumbnails=True,
        highlight: bool = True,
        dims: int | None = None,
        **kwargs,
    ) -> Self:
        """Adversarial examples moving among the clean points: frames are attack steps.

        The tour holds the ``n`` clean points of ``data`` (the same in every frame) and,
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
            data: inputs (an ``ImageDataset``, ``(X, y)`` or ``X``), in ``[0, 1]``.
            labels: true labels (default: the data's).
            method: ``"pgd"`` (``steps`` steps of size ``alpha``, default ``eps / 4``)
                or ``"fgsm"`` (one step of size ``eps``).
            eps: the L∞ radius (> 0). targeted, target: move towards ``target`` (an
                int or one label per point) instead of away from ``labels``.
            layer: a module name, ``"logits"`` or ``"softmax"`` (see
                :meth:`from_training`); wider than ``dims`` (default 128) is
                PCA-reduced (fit on the last step).
            highlight: start with the attacked copies selected.
            **kwargs: :class:`GrandTour`'s own.

        Sets ``tour.success_rate`` (``[steps + 1]``: the fraction of attacked points
        misclassified, or classified as the target, at each step),
        ``tour.attack`` (the :class:`~nbviz.tour.AttackTrajectory`),
        ``tour.attacked_indices`` (their point indices in the tour) and
        ``tour.attacked_sources`` (their indices in ``data``).

        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
        >>> x = torch.rand(30, 1, 2, 2)
        >>> y = model(x).argmax(1)  # all correctly classified
        >>> t = GrandTour.from_adversarial(model, x, y, eps=0.2, steps=3)
        >>> t.points.shape, t.frame_names[-1], float(t.success_rate[0])
        ((4, 60, 3), 'step 3', 0.0)
        """
        frames = sources.adversarial_frames(
            model, data, labels, method=method, eps=eps, alpha=alpha, steps=steps,
            targeted=targeted, target=target, layer=layer, n_attacked=n_attacked,
            attack_classes=attack_classes, seed=seed, class_names=class_names,
            thumbnails=thumbnails, dims=cls._check_dims(dims),
        )  # fmt: skip
        tour = cls._from_frames(frames, **kwargs)
        if highlight:
            tour.selection = frames.selection
        return tour

    def __repr__(self):
        t, n, d = self.points.shape
        return f"GrandTour({n} points in {d} dims, {t} frame(s), {len(self.selection)} selected)"
