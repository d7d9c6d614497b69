"""Direct manipulation of a tour's projection: dragging an axis handle.

A projection ``P`` is a ``(d, 2)`` matrix with orthonormal columns; a point ``x`` (a
row vector of ``d`` numbers) lands on the screen at ``x @ P``. Row ``i`` of ``P`` is
where the unit vector of dimension ``i`` lands: the *axis handle* the user drags.

How a drag is resolved (:func:`drag_axis`). The article adds the screen delta to the
dragged dimension's row of the full ``d×d`` tour matrix and runs Gram–Schmidt with that
row first, so the dragged row keeps its direction and the others make room for it.
With only the ``d×2`` projection at hand we do the same thing in its exact form:

1. the dragged row is fixed first: ``r = P[i] + delta``, shortened to length 1 when
   it is longer (no handle of an orthonormal projection lies outside the unit disc);
   the handle lands under the cursor whenever the cursor is inside the disc;
2. the other ``d-1`` rows ``Z`` are then re-orthonormalized against it with the least
   change: they must satisfy ``Zᵀ Z = I − r rᵀ`` (so that the columns of the result
   are orthonormal), and among those we take the ``Z`` closest to the old rows
   (orthogonal Procrustes: ``Z = Y (I − r rᵀ)^½`` with ``Y`` the polar factor of
   ``Z_old (I − r rᵀ)^½``).

:func:`drag_axis_matrix` is the article's own rule, for when the full ``d×d`` tour
matrix ``M`` is at hand (as in :meth:`nbviz.tour.Tour.drag_axis`): add ``delta`` to
``M[i, :2]``, then Gram–Schmidt on the rows of ``M``, row ``i`` first and the others in
ascending order. The handle then lands at the first two entries of
``normalize(M[i] + (dx, dy, 0, …))``: in the cursor's direction, but short of it.

A plain column Gram–Schmidt of ``P + e_i deltaᵀ`` would instead move the dragged
handle away from the cursor (and which column goes first would tilt the view). For
``d = 2`` every handle has length 1, so a drag turns (and never mirrors) the view
so that handle ``i`` points at the cursor. The result is orthonormal for every input,
including a zero delta, huge deltas, a handle already at length 1 and a dragged
handle at the origin.

>>> import numpy as np
>>> P = np.eye(4)[:, :2]
>>> Q = drag_axis(P, 2, [0.3, 0.4])
>>> np.round(Q[2], 6).tolist(), np.allclose(Q.T @ Q, np.eye(2))
([0.3, 0.4], True)
"""

from __future__ import annotations

import numpy as np

from ._validate import check_projection_shape, float_array

__all__ = ["axis_handles", "drag_axis", "drag_axis_matrix", "orthonormalize"]

# Relative size of the second R-diagonal below which a projection is called rank 1.
_RANK_TOL = 1e-10


def orthonormalize(projection) -> np.ndarray:
    """An orthonormal ``(d, 2)`` projection spanning the same plane as ``projection``.

    QR decomposition with the signs fixed so that ``R`` has a positive diagonal: the
    first column keeps its direction, the second keeps its side of the first. Raises
    ``ValueError`` naming ``projection`` for a wrong shape, NaN/inf, or rank < 2.

    >>> orthonormalize([[2.0, 1.0], [0.0, 3.0], [0.0, 0.0]]).round(6).tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    p = float_array(projection, "projection", ndim=2)
    check_projection_shape(p)
    q, r = np.linalg.qr(p)
    scale = max(np.abs(r[0, 0]), np.abs(r[1, 1]), np.abs(r[0, 1]))
    if scale == 0 or abs(r[1, 1]) <= _RANK_TOL * scale or abs(r[0, 0]) <= _RANK_TOL * scale:
        raise ValueError(
            "projection: its two columns are (nearly) parallel or zero; expected rank 2"
        )
    return q * np.sign(np.diag(r)) + 0.0  # + 0.0 turns -0.0 into 0.0


def axis_handles(projection) -> np.ndarray:
    """Where each dimension's unit vector lands on the screen: the rows of ``projection``.

    >>> axis_handles(np.eye(3)[:, :2]).tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    p = float_array(projection, "projection", ndim=2)
    check_projection_shape(p)
    return p


def _check_drag(i, delta, d: int) -> np.ndarray:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise TypeError(f"i: expected an integer dimension index, got {i!r}")
    if not 0 <= i < d:
        raise ValueError(f"i: expected a dimension index in [0, {d}), got {i}")
    dv = float_array(delta, "delta").reshape(-1)
    if dv.shape != (2,):
        raise ValueError(f"delta: expected a 2-D screen vector, got shape {np.shape(delta)}")
    return dv


def drag_axis_matrix(matrix, i: int, delta) -> np.ndarray:
    """The article's axis drag on a full ``d×d`` orthogonal tour matrix.

    Adds ``delta`` to ``matrix[i, :2]`` and re-orthonormalizes the rows by
    Gram–Schmidt, row ``i`` first, then the others in ascending order. Rows that
    become dependent (a handle of length 1 dragged exactly to the origin, a row
    cancelled by rounding) fall back to: keep the old row ``i`` / complete with the
    standard basis vectors, so the result is always orthogonal.

    >>> m = drag_axis_matrix(np.eye(3), 2, [0.0, 1.0])
    >>> np.round(m[2, :2], 6).tolist(), bool(np.allclose(m @ m.T, np.eye(3)))
    ([0.0, 0.707107], True)
    """
    m = float_array(matrix, "matrix", ndim=2)
    d = m.shape[0]
    if m.shape != (d, d) or d < 2:
        raise ValueError(f"matrix: expected a square (d, d) matrix with d >= 2, got {m.shape}")
    dv = _check_drag(i, delta, d)
    moved = m.copy()
    moved[i, :2] += dv
    if not np.isfinite(moved[i]).all():  # huge deltas: only the direction matters
        moved[i, :2] = dv / np.abs(dv).max()
        moved[i, 2:] = 0.0
    order = [i, *(k for k in range(d) if k != i)]
    # Every standard basis vector skipped lies in the span built so far, so this
    # iterator always still holds one that completes the basis.
    fallback = iter(np.eye(d))
    done: list[np.ndarray] = []
    for k in order:
        row = moved[k]
        big = np.abs(row).max()
        if big > 1e150:  # keep the norm below overflow
            row = row / big
        elif k == i and np.linalg.norm(row) < 1e-8:  # dragged onto the origin: no drag
            row = m[i].copy()
        while True:
            if done:
                q = np.stack(done)
                # Two passes keep the row orthogonal to working precision.
                row = row - (row @ q.T) @ q
                row = row - (row @ q.T) @ q
            norm = np.linalg.norm(row)
            if norm > 1e-8:
                break
            row = next(fallback)
        done.append(row / norm)
    out = np.empty_like(m)
    out[order] = np.stack(done)
    return out


def _polar(a: np.ndarray) -> np.ndarray:
    """The orthonormal-column factor of ``a`` (closest such matrix in Frobenius norm)."""
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    return u @ vt


def _sqrt_psd_2x2(r: np.ndarray) -> np.ndarray:
    """``(I − r rᵀ)^½`` for a 2-vector with ``|r| <= 1``, in closed form."""
    n2 = float(r @ r)
    if n2 == 0.0:
        return np.eye(2)
    u = r / np.sqrt(n2)
    # Eigenvalues: 1 on u's complement, 1 − |r|² along u.
    return np.eye(2) + (np.sqrt(max(1.0 - n2, 0.0)) - 1.0) * np.outer(u, u)


def drag_axis(projection, i: int, delta) -> np.ndarray:
    """The projection after dragging axis handle ``i`` by the screen vector ``delta``.

    See the module docstring for how the drag is resolved. ``projection`` must be
    orthonormal (pass it through :func:`orthonormalize` first if unsure); the result
    always is, up to rounding.

    Args:
        projection: ``(d, 2)`` orthonormal matrix, ``d >= 2``.
        i: the dimension whose handle is dragged, ``0 <= i < d``.
        delta: the 2-D screen displacement (in projection units).

    >>> P = np.eye(3)[:, :2]
    >>> drag_axis(P, 0, [0.0, 0.0]).tolist() == P.tolist()
    True
    """
    p = float_array(projection, "projection", ndim=2)
    check_projection_shape(p)
    d = p.shape[0]
    dv = _check_drag(i, delta, d)

    r = p[i] + dv
    norm = float(np.hypot(r[0], r[1]))
    if not np.isfinite(norm):  # finite but huge entries overflow the norm
        r = dv / np.abs(dv).max()
        norm = float(np.hypot(r[0], r[1]))
    out = np.empty_like(p)
    rest = np.arange(d) != i
    if d == 2:
        # Both handles have length 1: turn the view so handle i points at the cursor,
        # keeping the orientation (determinant sign) of the old view.
        u = r / norm if norm > 0 else p[i] / np.hypot(*p[i])
        sign = np.sign(np.linalg.det(p)) or 1.0
        perp = np.array([-u[1], u[0]])
        out[i] = u
        out[rest] = perp if (i == 0) == (sign > 0) else -perp
        return out
    if norm > 1.0:
        r = r / norm
    a = _sqrt_psd_2x2(r)
    out[i] = r
    out[rest] = _polar(p[rest] @ a) @ a
    return out
