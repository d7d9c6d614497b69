"""How a tour's points are framed for the view: centred and scaled, reduced.

* :func:`stack_frames`: what a user passes (an array ``[n, d]`` or ``[T, n, d]``, a list
  of per-frame arrays) as one float32 stack ``[T, n, d]``;
* :func:`normalize_points`: one centre and scale for all frames, so motion between frames
  is kept and nearly every point lies in the unit ball (points that coincide up to float
  noise stay at one place, see :func:`points_coincide`);
* :func:`reduce_frames`: frames wider than the view can tour, projected on the principal
  axes of their last frame (:func:`nbviz.embed.fit_pca`, the package's one PCA).

The view fits each frame's projected cloud to its canvas itself (its ``zoom`` is relative
to that fit), so nothing here chooses a zoom.

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

__all__ = ["normalize_points", "points_coincide", "reduce_frames", "stack_frames"]

#: Points whose spread is at most this fraction of their centre's norm are one place: what
#: is left of their spread is float rounding, not structure.
COINCIDE_TOLERANCE = 1e-6


def points_coincide(spread: float, center_norm: float) -> bool:
    """Whether points spread ``spread`` (a typical distance from their centre) around a
    centre of norm ``center_norm`` are all at one place, up to float noise.

    True when ``spread`` is 0, or at most :data:`COINCIDE_TOLERANCE` (1e-6) of
    ``center_norm``: float32 rounds values to about 6e-8 of their size, so such a spread
    is rounding, and scaling it up would show noise as structure. A small spread around
    the origin is real.

    >>> points_coincide(3e-7, 2.0), points_coincide(1e-3, 2.0), points_coincide(1e-9, 0.0)
    (True, False, False)
    >>> points_coincide(0.0, 0.0)
    True
    """
    return not float(spread) > COINCIDE_TOLERANCE * float(center_norm)


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
    does not shrink the cloud; the largest distance when the quantile is float noise).
    After ``x = (points - center) / scale`` nearly every point lies in the unit ball, and
    every 2-D orthonormal projection of it in the unit circle. The same center and scale
    apply to all frames, so motion between frames is kept.

    Points that all coincide up to float noise (:func:`points_coincide`: a spread of at
    most 1e-6 of the centre's norm, or none) are not blown up to the unit ball, which
    would show the rounding as structure: the scale is then the centre's norm (1 when
    the centre is the origin), and ``x`` stays within about 1e-6 of 0, all points at one
    place.

    >>> x, c, s = normalize_points(np.array([[[1.0, 1.0], [3.0, 1.0]]]))
    >>> x.tolist(), c.tolist(), s
    ([[[-1.0, 0.0], [1.0, 0.0]]], [2.0, 1.0], 1.0)
    >>> x, c, s = normalize_points(np.array([[[3.0, 4.0], [3.0, 4.0 + 1e-7]]]))
    >>> round(s, 6), bool(np.abs(x).max() < 1e-6)  # one place: rounding is not scaled up
    (5.0, True)
    """
    flat = data.reshape(-1, data.shape[-1])
    center = flat.mean(axis=0, dtype=np.float64)
    # Distances in float64, a block of rows at a time: no float64 copy of a million points.
    step = max(1, (1 << 22) // max(1, flat.shape[1]))
    norms = np.concatenate(
        [np.linalg.norm(flat[i : i + step] - center, axis=1) for i in range(0, len(flat), step)]
    ) if len(flat) else np.zeros(0)  # fmt: skip
    magnitude = float(np.linalg.norm(center))
    spread = float(np.quantile(norms, quantile)) if len(norms) else 0.0
    if points_coincide(spread, magnitude) and len(norms):
        spread = float(norms.max())  # the quantile is noise; a few points may not be
    one_place = points_coincide(spread, magnitude)
    scale = (magnitude if magnitude > 0 else 1.0) if one_place else spread
    if data.dtype == np.float32 and magnitude < 1e3 * scale:
        # float32 arithmetic (half the memory traffic); exact enough when the centre is
        # not far larger than the spread (else the subtraction needs float64)
        x = (data - center.astype(np.float32)) * np.float32(1.0 / scale)
    else:
        x = ((data - center) / scale).astype(np.float32)
    return x, center.astype(np.float32), scale


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
