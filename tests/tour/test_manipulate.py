import numpy as np
import pytest

from nbviz.tour import Tour, axis_handles, drag_axis, drag_axis_matrix, orthonormalize


def is_orthonormal(p, tol=1e-9):
    return np.isfinite(p).all() and np.abs(p.T @ p - np.eye(2)).max() < tol


def random_projection(rng, d):
    return np.linalg.qr(rng.normal(size=(d, 2)))[0]


def test_drag_puts_handle_under_cursor_inside_disc():
    rng = np.random.default_rng(0)
    p = random_projection(rng, 6)
    q = drag_axis(p, 3, [0.05, -0.02])
    np.testing.assert_allclose(q[3], p[3] + [0.05, -0.02], atol=1e-12)
    assert is_orthonormal(q)


def test_zero_delta_keeps_projection():
    rng = np.random.default_rng(1)
    p = random_projection(rng, 5)
    np.testing.assert_allclose(drag_axis(p, 2, [0, 0]), p, atol=1e-12)


def test_small_drag_small_change():
    rng = np.random.default_rng(2)
    p = random_projection(rng, 7)
    q = drag_axis(p, 1, [1e-4, 1e-4])
    assert np.abs(q - p).max() < 1e-3


def test_huge_delta_clips_to_unit_length():
    p = np.eye(4)[:, :2]
    q = drag_axis(p, 2, [1e300, -1e300])
    assert is_orthonormal(q)
    np.testing.assert_allclose(q[2], [2**-0.5, -(2**-0.5)], atol=1e-12)


def test_row_already_unit_length():
    p = np.eye(4)[:, :2]  # handle 0 has length 1
    for delta in ([0.0, 0.0], [0.5, 0.0], [-0.3, 0.2], [-1.0, 0.0], [-2.0, 0.0]):
        q = drag_axis(p, 0, delta)
        assert is_orthonormal(q), delta


def test_columns_made_parallel_and_zero_rows():
    p = np.eye(3)[:, :2]
    # moves handle 0 onto the diagonal: a naive column update makes the columns dependent
    assert is_orthonormal(drag_axis(p, 0, [-1.0, 1.0]))
    # a handle at the origin (dimension orthogonal to the view)
    q = drag_axis(p, 2, [0.0, 0.0])
    assert is_orthonormal(q)
    np.testing.assert_allclose(q, p, atol=1e-12)


def test_d2_turns_without_mirroring():
    p = np.eye(2)
    q = drag_axis(p, 0, [-1.0, 1.0])
    assert is_orthonormal(q)
    assert np.linalg.det(q) > 0
    np.testing.assert_allclose(q[0], [0, 1], atol=1e-12)
    mirrored = np.array([[1.0, 0.0], [0.0, -1.0]])
    assert np.linalg.det(drag_axis(mirrored, 1, [0.3, 0.1])) < 0
    assert is_orthonormal(drag_axis(p, 1, [0.0, -1.0]))  # handle dragged to the origin


def test_fuzz_ten_thousand_drags():
    rng = np.random.default_rng(123)
    p = {d: random_projection(rng, d) for d in (2, 3, 5, 10, 40)}
    scales = np.array([1e-12, 1e-3, 0.1, 1.0, 10.0, 1e8, 1e300])
    dims = list(p)
    for k in range(10_000):
        d = dims[k % len(dims)]
        i = int(rng.integers(d))
        delta = rng.normal(size=2) * scales[rng.integers(len(scales))]
        if k % 97 == 0:
            delta = -p[d][i]  # drag the handle exactly to the origin
        q = drag_axis(p[d], i, delta)
        assert is_orthonormal(q), (k, d, i, delta)
        p[d] = q


def test_orthonormalize_sign_and_rank():
    q = orthonormalize([[3.0, 1.0], [0.0, -2.0], [0.0, 0.0]])
    np.testing.assert_allclose(q, [[1, 0], [0, -1], [0, 0]], atol=1e-12)
    with pytest.raises(ValueError, match="projection"):
        orthonormalize([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="projection"):
        orthonormalize(np.zeros((3, 2)))


def test_axis_handles_are_rows():
    p = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_array_equal(axis_handles(p), p)


@pytest.mark.parametrize(
    ("args", "err", "name"),
    [
        ((np.eye(3)[:, :2], 3, [0, 0]), ValueError, "i:"),
        ((np.eye(3)[:, :2], 1.0, [0, 0]), TypeError, "i:"),
        ((np.eye(3)[:, :2], 0, [np.nan, 0]), ValueError, "delta"),
        ((np.eye(3)[:, :2], 0, [0, 0, 0]), ValueError, "delta"),
        ((np.eye(3), 0, [0, 0]), ValueError, "projection"),
        ((np.eye(1)[:, :1], 0, [0, 0]), ValueError, "projection"),
        ((np.full((3, 2), np.inf), 0, [0, 0]), ValueError, "projection"),
        (("abc", 0, [0, 0]), TypeError, "projection"),
    ],
)
def test_drag_bad_input(args, err, name):
    with pytest.raises(err, match=name):
        drag_axis(*args)


def test_drag_axis_matrix_follows_the_article():
    rng = np.random.default_rng(4)
    m = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    delta = np.array([0.2, -0.1])
    new = drag_axis_matrix(m, 3, delta)
    np.testing.assert_allclose(new @ new.T, np.eye(5), atol=1e-12)
    moved = m[3].copy()
    moved[:2] += delta
    np.testing.assert_allclose(new[3], moved / np.linalg.norm(moved), atol=1e-12)
    # the handle moves towards the cursor but never past it
    assert np.linalg.norm(new[3, :2] - moved[:2]) <= np.linalg.norm(delta) + 1e-12


def test_drag_axis_matrix_degenerate_cases():
    eye = np.eye(3)
    same = drag_axis_matrix(eye, 0, [-1.0, 0.0])  # unit handle dragged onto the origin
    np.testing.assert_allclose(same, eye, atol=1e-12)
    for delta in ([1e300, 1e300], [-1.0, 1.0], [0.0, 0.0], [5.0, -3.0]):
        m = drag_axis_matrix(eye, 1, delta)
        assert np.isfinite(m).all()
        np.testing.assert_allclose(m @ m.T, eye, atol=1e-10)
    with pytest.raises(ValueError, match="matrix"):
        drag_axis_matrix(np.eye(3)[:, :2], 0, [0, 0])


def test_drag_axis_matrix_fuzz():
    rng = np.random.default_rng(9)
    scales = np.array([1e-10, 0.05, 1.0, 1e6, 1e300])
    for d in (2, 3, 8):
        m = np.eye(d)
        for k in range(600):
            i = int(rng.integers(d))
            delta = rng.normal(size=2) * scales[rng.integers(len(scales))]
            if k % 50 == 0:
                delta = -m[i, :2]
            m = drag_axis_matrix(m, i, delta)
            assert np.isfinite(m).all()
            assert np.abs(m @ m.T - np.eye(d)).max() < 1e-9


def test_tour_drag_axis_continues_from_new_view():
    tour = Tour(4, seed=1)
    tour.step(0.2)
    before = tour.projection
    view = tour.drag_axis(2, [0.05, 0.0])
    np.testing.assert_allclose(view, tour.projection)
    np.testing.assert_allclose(view.T @ view, np.eye(2), atol=1e-12)
    assert np.abs(view - before).max() < 0.1
    assert np.abs(tour.step(1e-4) - view).max() < 1e-3
