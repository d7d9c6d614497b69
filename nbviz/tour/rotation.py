"""The Grand Tour: a smooth rotation of d-dimensional data through every 2-D view.

Spec (the JS view mirrors it; all indices 0-based, matrices row-major as written):

* **Plane pairs** ``plane_pairs(d)``: every ``(i, j)`` with ``0 <= i < j < d``, ordered
  by ``i`` ascending, then ``j`` ascending: ``(0,1), (0,2), …, (0,d-1), (1,2), …``.
  There are ``K = d(d-1)/2`` of them; pair ``k`` is ``plane_pairs(d)[k]``.
* **Angular velocities** ``angular_velocities(d, seed, speed, generator)``: one per
  pair, in that order, ``θ_k = speed · U(0.5π, 1.5π)`` radians per unit of time. With
  ``generator="numpy"`` (default) drawn by
  ``numpy.random.default_rng(seed).uniform(0.5π, 1.5π, K)``; with
  ``generator="mulberry32"`` as ``π · (0.5 + u_k)``, ``u_k`` the k-th output of the
  32-bit mulberry32 generator seeded with ``seed mod 2³²`` (what the JS view uses, so
  a seed gives the same tour on both sides).
* **Givens rotation** ``G(i, j, a)``: the identity except
  ``G[i,i] = G[j,j] = cos a``, ``G[i,j] = −sin a``, ``G[j,i] = +sin a``,
  so ``G @ e_i = cos a · e_i + sin a · e_j`` (it turns axis i towards axis j).
* **Product** ``givens_product(d, angles)``: ``R = G(p_0, a_0) @ G(p_1, a_1) @ … @
  G(p_{K-1}, a_{K-1})``, left to right in pair order. (Rotations in disjoint planes
  commute, so the implementation applies the pairs with equal ``i + j`` at once;
  the result is the same product.)
* **Tour matrix** ``tour_matrix(t, velocities) = givens_product(d, t · velocities)``.
* **Projection**: the first two columns of ``B @ tour_matrix(t, v)``, a ``(d, 2)``
  matrix with orthonormal columns; ``B`` is a ``d×d`` orthogonal basis (identity by
  default). A data point ``x`` (row of ``d`` numbers) is drawn at ``x @ projection``
  (column 0 → screen x, column 1 → screen y).
* **Re-basing** (:meth:`Tour.set_projection`): the user's ``P`` is orthonormalized
  (QR with positive ``R`` diagonal, i.e. column Gram–Schmidt, column 0 first),
  completed to ``B`` — ``P``'s two columns, then Gram–Schmidt (two passes) over the
  standard basis vectors ``e_0, e_1, …`` in order, keeping one when its remainder's
  norm exceeds ``0.5/√d``; if that leaves fewer than ``d`` columns, a second pass over
  ``e_0, e_1, …`` with threshold ``1e-6`` — and ``t`` restarts at 0, so the view is
  ``P`` now and the rotation goes on smoothly from there.
* **Axis drag** (:meth:`Tour.drag_axis`, the article's rule): with ``M`` the current
  full matrix, add ``(dx, dy)`` to ``M[i, 0]``, ``M[i, 1]``; Gram–Schmidt on the rows
  of ``M``, row ``i`` first, then rows ``0, 1, …`` (skipping ``i``); the result becomes
  ``B`` and ``t`` restarts at 0 (see :func:`nbviz.tour.drag_axis_matrix` for the
  degenerate cases).

>>> import numpy as np
>>> v = angular_velocities(4, seed=0)
>>> P = projection(0.25, v)
>>> P.shape, bool(np.allclose(P.T @ P, np.eye(2)))
((4, 2), True)
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_seed, unknown_name_error
from ._validate import check_dims, check_number, check_projection_shape, float_array
from .manipulate import drag_axis_matrix, orthonormalize

__all__ = [
    "Tour",
    "angular_velocities",
    "complete_basis",
    "givens_product",
    "plane_pairs",
    "projection",
    "tour_matrix",
]

_SKIP_TOL = 1e-6


def plane_pairs(d: int) -> np.ndarray:
    """The ``(i, j)`` planes with ``i < j``, ``i`` ascending then ``j`` ascending, ``(K, 2)``.

    >>> plane_pairs(3).tolist()
    [[0, 1], [0, 2], [1, 2]]
    """
    d = check_dims(d)
    i, j = np.triu_indices(d, k=1)  # row-major: i ascending, then j ascending
    return np.stack([i, j], axis=1).astype(np.int64)


def _mulberry32(seed: int, n: int) -> np.ndarray:
    """``n`` uniform floats in [0, 1) from mulberry32 (bit-exact with the JS view)."""
    mask = 0xFFFFFFFF
    a = seed & mask
    out = np.empty(n)
    for k in range(n):
        a = (a + 0x6D2B79F5) & mask
        t = ((a ^ (a >> 15)) * (a | 1)) & mask
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & mask)) & mask
        out[k] = ((t ^ (t >> 14)) & mask) / 4294967296.0
    return out


GENERATORS = ("numpy", "mulberry32")


def angular_velocities(
    d: int, seed: int = 0, speed: float = 1.0, generator: str = "numpy"
) -> np.ndarray:
    """One angular speed per plane pair: ``speed · U(0.5π, 1.5π)``, in pair order.

    ``generator`` picks the random source (see the module spec): ``"numpy"`` or
    ``"mulberry32"`` (the JS view's).

    >>> v = angular_velocities(3, seed=1)
    >>> v.shape, bool(((v >= 0.5 * np.pi) & (v <= 1.5 * np.pi)).all())
    ((3,), True)
    """
    d = check_dims(d)
    seed = check_seed(seed)
    speed = check_number(speed, "speed", nonnegative=True)
    k = d * (d - 1) // 2
    if generator == "numpy":
        return speed * np.random.default_rng(seed).uniform(0.5 * np.pi, 1.5 * np.pi, k)
    if generator == "mulberry32":
        return speed * np.pi * (0.5 + _mulberry32(int(seed), k))
    if not isinstance(generator, str):
        raise TypeError(f"generator: expected one of {list(GENERATORS)}, got {generator!r}")
    raise unknown_name_error("generator", generator, GENERATORS, "generator")


def _dims_from_pairs(k: int, name: str) -> int:
    d = (1 + math.isqrt(1 + 8 * k)) // 2
    if k < 1 or d * (d - 1) // 2 != k:
        raise ValueError(
            f"{name}: expected one value per plane pair (d(d-1)/2 = 1, 3, 6, 10, ...), got {k}"
        )
    return d


def _schedule(d: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Pairs grouped by ``i + j``: each group is disjoint and may be applied at once.

    Pair (i, j) only conflicts with earlier pairs of smaller ``i + j``, so applying the
    groups in increasing ``i + j`` gives exactly the ordered product.
    """
    pairs = plane_pairs(d)
    level = pairs.sum(axis=1)
    return [
        (pairs[level == s, 0], pairs[level == s, 1], np.flatnonzero(level == s))
        for s in range(1, 2 * d - 2)
    ]


def givens_product(d: int, angles) -> np.ndarray:
    """The ordered product of Givens rotations ``G(i, j, angle)`` over all plane pairs.

    ``angles`` has shape ``(..., K)`` with ``K = d(d-1)/2``, in :func:`plane_pairs`
    order; the result has shape ``(..., d, d)`` and is orthogonal with determinant 1.
    Cost ``O(d³)`` per matrix, batched over the leading dimensions.

    >>> givens_product(2, [np.pi / 2]).round(6).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    d = check_dims(d)
    a = float_array(angles, "angles")
    if a.ndim == 0 or a.shape[-1] != d * (d - 1) // 2:
        raise ValueError(
            f"angles: expected shape (..., {d * (d - 1) // 2}) for d={d}, got {a.shape}"
        )
    batch = a.shape[:-1]
    m = np.broadcast_to(np.eye(d), (*batch, d, d)).copy()
    cos, sin = np.cos(a), np.sin(a)
    for i, j, k in _schedule(d):
        c, s = cos[..., None, k], sin[..., None, k]
        col_i, col_j = m[..., :, i], m[..., :, j]
        # Right-multiplying by G(i, j, a) mixes columns i and j only.
        m[..., :, i], m[..., :, j] = c * col_i + s * col_j, c * col_j - s * col_i
    return m


def _check_velocities(velocities) -> tuple[np.ndarray, int]:
    v = float_array(velocities, "velocities", ndim=1)
    return v, _dims_from_pairs(v.shape[0], "velocities")


def tour_matrix(t, velocities) -> np.ndarray:
    """The tour's rotation at time ``t``: ``givens_product(d, t · velocities)``.

    ``t`` may be a scalar (gives ``(d, d)``) or an array of times (gives ``(..., d, d)``).

    >>> tour_matrix(0.0, angular_velocities(3)).tolist() == np.eye(3).tolist()
    True
    """
    v, d = _check_velocities(velocities)
    t = float_array(t, "t")
    return givens_product(d, t[..., None] * v)


def projection(t, velocities, basis=None) -> np.ndarray:
    """The ``(d, 2)`` view at time ``t``: first two columns of ``basis @ tour_matrix``.

    >>> P = projection(1.0, angular_velocities(5), basis=np.eye(5))
    >>> bool(np.allclose(P.T @ P, np.eye(2)))
    True
    """
    m = tour_matrix(t, velocities)
    if basis is not None:
        b = float_array(basis, "basis", ndim=2)
        d = m.shape[-1]
        if b.shape != (d, d):
            raise ValueError(f"basis: expected a ({d}, {d}) orthogonal matrix, got {b.shape}")
        m = b @ m
    return m[..., :2]


def complete_basis(projection) -> np.ndarray:
    """A ``d×d`` orthogonal matrix whose first two columns are ``orthonormalize(projection)``.

    The remaining columns come from Gram–Schmidt over ``e_0, e_1, …`` in order, with
    the thresholds of the module spec.

    >>> complete_basis(np.eye(3)[:, [2, 0]]).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    p = orthonormalize(projection)
    d = p.shape[0]
    cols = [p[:, 0], p[:, 1]]
    # A high first threshold keeps B well conditioned (some e_k always clears 1/√d);
    # the second pass only matters for rounding-level corner cases.
    for threshold in (0.5 / np.sqrt(d), _SKIP_TOL):
        for e in np.eye(d):
            if len(cols) == d:
                break
            q = np.stack(cols, axis=1)
            # Two passes of projection keep the new column orthogonal to working precision.
            r = e - q @ (q.T @ e)
            r = r - q @ (q.T @ r)
            n = np.linalg.norm(r)
            if n > threshold:
                cols.append(r / n)
    return np.stack(cols, axis=1) + 0.0  # + 0.0 turns -0.0 into 0.0


class Tour:
    """A running Grand Tour in ``d`` dimensions: advance it with :meth:`step`.

    The full rotation at time ``t`` is ``basis @ tour_matrix(t, velocities)``;
    :attr:`projection` is its first two columns. :meth:`set_projection` re-bases the
    tour so that the current view becomes the given one (see the module spec).

    Args:
        d: the number of data dimensions, at least 2.
        speed: multiplies every angular velocity.
        seed: seeds the angular velocities.
        generator: ``"numpy"`` or ``"mulberry32"`` (the JS view's random source).

    >>> tour = Tour(3, seed=0)
    >>> tour.step(0.1).shape, tour.t
    ((3, 2), 0.1)
    """

    def __init__(self, d: int, speed: float = 1.0, seed: int = 0, generator: str = "numpy"):
        self.d = check_dims(d)
        self.velocities = angular_velocities(self.d, seed, speed, generator)
        self.basis = np.eye(self.d)
        self.t = 0.0

    def __repr__(self) -> str:
        return f"Tour(d={self.d}, t={self.t:.4g})"

    def step(self, dt: float) -> np.ndarray:
        """Advance time by ``dt`` (may be negative) and return the new projection."""
        self.t += check_number(dt, "dt")
        return self.projection

    @property
    def matrix(self) -> np.ndarray:
        """The full ``d×d`` rotation ``basis @ tour_matrix(t, velocities)``."""
        return self.basis @ tour_matrix(self.t, self.velocities)

    @property
    def projection(self) -> np.ndarray:
        """The current ``(d, 2)`` view: the first two columns of :attr:`matrix`."""
        return self.matrix[:, :2]

    def drag_axis(self, i: int, delta) -> np.ndarray:
        """Drag axis handle ``i`` by the screen vector ``delta``; return the new view.

        The article's rule on the full matrix (:func:`nbviz.tour.drag_axis_matrix`);
        the tour then continues from the new view.

        >>> tour = Tour(3)
        >>> tour.drag_axis(2, [0.0, 1.0]).round(3).tolist()
        [[1.0, 0.0], [0.0, 0.707], [0.0, 0.707]]
        """
        self.basis = drag_axis_matrix(self.matrix, i, delta)
        self.t = 0.0
        return self.projection

    def set_projection(self, projection) -> None:
        """Make ``projection`` the current view and continue the tour from it.

        ``projection`` is orthonormalized first (``ValueError`` if its rank is below 2).

        >>> tour = Tour(3)
        >>> tour.set_projection(np.eye(3)[:, [1, 2]])
        >>> tour.projection.tolist()
        [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
        """
        p = float_array(projection, "projection", ndim=2)
        check_projection_shape(p)
        if p.shape[0] != self.d:
            raise ValueError(f"projection: expected shape ({self.d}, 2), got {p.shape}")
        self.basis = complete_basis(p)
        self.t = 0.0
