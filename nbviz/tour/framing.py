"""How a tour's points are framed for the view: centred and scaled, zoomed, reduced.

* :func:`stack_frames`: what a user passes (an array ``[n, d]`` or ``[T, n, d]``, a list
  of per-frame arrays) as one float32 stack ``[T, n, d]``;
* :func:`normalize_points`: one centre and scale for all frames, so motion between frames
  is kept and nearly every point lies in the unit ball;
* :func:`fit_zoom`: the zoom at which a typical 2-D projection fills the view;
* :func:`reduce_frames`: frames wider than the view can tour, projected on the principal
  axes of their last frame (:func:`nbviz.embed.fit_pca`, the package's one PCA).

>>> import numpy as np
>>> frames = np.random.default_rng(0).normal(size=(3, 40, 200))
>>> reduced, fitted = reduce_frames(frames, 8)
>>> reduced.shape, tuple(fitted.components.shape)
((3, 40, 8), (8, 200))
>>> x, center, scale = normalize_points(reduced)
>>> bool(np.quantile(np.linalg.norm(x, axis=-1), 0.99) <= 1.0001)
True
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import as_numpy, check_finite
from ..embed import PCA, fit_pca

__all__ = ["fit_zoom", "normalize_points", "reduce_frames", "stack_frames"]


def stack_frames(data, labels=None, *, flatten: bool = False, name: str = "data") -> np.ndarray:
    """``data`` as a finite float32 stack ``[T, n, d]`` of ``T`` frames of ``n`` points.

    ``data`` is an array ``[n, d]`` (one frame), ``[T, n, d]``, or a list of ``T`` arrays
    ``[n, d]`` of one shape. With ``flatten``, trailing axes are flattened (activations
    ``[n, C, H, W]`` → ``[1, n, C·H·W]``), and an array whose first axis is as long as
    ``labels`` is one frame. Errors name ``name``.

    >>> stack_frames(np.zeros((5, 3))).shape
    (1, 5, 3)
    >>> stack_frames([np.zeros((5, 3))] * 2).shape
    (2, 5, 3)
    >>> stack_frames(np.zeros((5, 2, 4, 4)), labels=[0, 1, 0, 1, 0], flatten=True).shape
    (1, 5, 32)
    """
    if isinstance(data, (list, tuple)) and data and not np.isscalar(data[0]):
        frames = [as_numpy(f, f"{name}[{t}]") for t, f in enumerate(data)]
        if len({f.shape for f in frames}) > 1:
            counts = [f.shape[0] if f.ndim else 0 for f in frames]
            raise ValueError(
                f"{name}: every frame needs the same number of points and dims; got shapes "
                f"{[tuple(f.shape) for f in frames][:6]} (point counts {counts[:6]})"
            )
        a = np.stack(frames)
    else:
        a = as_numpy(data, name)
        one_frame = labels is not None and flatten and a.ndim >= 2
        if a.ndim == 2 or (one_frame and len(a) == len(as_numpy(labels, "labels"))):
            a = a[None]
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected numbers, got dtype {a.dtype}")
    if flatten and a.ndim >= 3:
        a = a.reshape(a.shape[0], a.shape[1], -1)
    if a.ndim != 3:
        shapes = "[n, ...] or [T, n, ...]" if flatten else "[n, d] or [T, n, d] (T frames)"
        raise ValueError(f"{name}: expected {shapes}, got shape {a.shape}")
    a = a.astype(np.float32, copy=False)
    check_finite(a, name)
    return a


def normalize_points(data: np.ndarray, quantile: float = 0.99):
    """Center ``data`` [T, n, d] and scale them for the view; return ``(x, center, scale)``.

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
    flat = data.reshape(-1, data.shape[-1]).astype(np.float64)
    center = flat.mean(axis=0)
    norms = np.linalg.norm(flat - center, axis=1)
    scale = float(np.quantile(norms, quantile)) if len(norms) else 1.0
    if not scale > 0:
        scale = float(norms.max()) if len(norms) and norms.max() > 0 else 1.0
    x = ((data - center) / scale).astype(np.float32)
    return x, center.astype(np.float32), scale


def fit_zoom(data: np.ndarray, quantile: float = 0.98, draws: int = 24, seed: int = 0) -> float:
    """The zoom at which the projected cloud of normalized ``data`` [T, n, d] fills the view.

    :func:`normalize_points` puts nearly every point inside the unit ball, so no projection
    leaves the plot; but a 2-D view of a wide layer holds only about ``sqrt(2 / d)`` of each
    point's norm, and the cloud shrinks to the middle. This draws ``draws`` random
    orthonormal projections (seeded), takes the ``quantile`` of the projected radii of up to
    4,096 points (all frames) for each, and returns ``0.9 / median`` clamped to 1..8
    (and 1 when under 1.1): a typical view then fills the plot, while views along the
    widest axes may push some points past its edge (zoom out with the mouse wheel, or set
    ``zoom``).

    >>> rng = np.random.default_rng(0)
    >>> x, _, _ = normalize_points(rng.normal(size=(1, 2000, 64)))
    >>> 3 < fit_zoom(x) < 7  # about sqrt(64 / 2) / 0.9 ... for an isotropic cloud
    True
    >>> fit_zoom(normalize_points(rng.normal(size=(1, 2000, 2)))[0])
    1.0
    """
    pts = np.asarray(data, dtype=np.float32)
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


def reduce_frames(frames: np.ndarray, dims: int) -> tuple[np.ndarray, PCA]:
    """Project every frame of ``frames`` [T, n, D] on the top ``dims`` principal axes of
    the last frame; return ``(reduced [T, n, dims] float32, the fitted PCA)``.

    One linear map for all frames (fitted on the last, where training has converged or the
    attack has ended), so differences between frames are those of the data, not of the
    map. With fewer points than ``dims`` the data spans fewer axes: the PCA has fewer
    components, and zero columns keep the promised width (adding nothing to the picture).

    >>> rng = np.random.default_rng(0)
    >>> r, fitted = reduce_frames(rng.normal(size=(2, 30, 6)), 3)
    >>> r.shape, tuple(fitted.components.shape)
    ((2, 30, 3), (3, 6))
    >>> reduce_frames(rng.normal(size=(1, 4, 9)), 6)[0].shape  # n < dims
    (1, 4, 6)
    """
    fitted = fit_pca(torch.as_tensor(np.asarray(frames[-1], dtype=np.float64)), dims, device="cpu")
    t, n, width = frames.shape
    flat = torch.as_tensor(np.asarray(frames, dtype=np.float64)).reshape(t * n, width)
    scores = fitted.transform(flat).double().cpu().numpy().reshape(t, n, -1)
    if scores.shape[-1] < dims:
        scores = np.concatenate([scores, np.zeros((t, n, dims - scores.shape[-1]))], axis=-1)
    return scores.astype(np.float32), fitted
