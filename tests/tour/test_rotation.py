import numpy as np
import pytest

from nbviz.tour import (
    Tour,
    angular_velocities,
    complete_basis,
    givens_product,
    plane_pairs,
    projection,
    tour_matrix,
)


def naive_product(d, angles):
    m = np.eye(d)
    for (i, j), a in zip(plane_pairs(d), angles, strict=True):
        g = np.eye(d)
        g[i, i] = g[j, j] = np.cos(a)
        g[i, j], g[j, i] = -np.sin(a), np.sin(a)
        m = m @ g
    return m


def test_plane_pairs_order():
    assert plane_pairs(4).tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    assert plane_pairs(2).tolist() == [[0, 1]]


@pytest.mark.parametrize("d", [2, 3, 4, 7, 12])
def test_givens_product_matches_sequential_definition(d):
    angles = np.random.default_rng(d).uniform(-7, 7, d * (d - 1) // 2)
    np.testing.assert_allclose(givens_product(d, angles), naive_product(d, angles), atol=1e-13)


def test_givens_sign_convention():
    g = givens_product(3, [0.3, 0.0, 0.0])  # only plane (0, 1)
    np.testing.assert_allclose(g @ [1, 0, 0], [np.cos(0.3), np.sin(0.3), 0])


def test_givens_product_batched():
    angles = np.random.default_rng(0).normal(size=(3, 4, 10))
    batch = givens_product(5, angles)
    assert batch.shape == (3, 4, 5, 5)
    np.testing.assert_allclose(batch[2, 1], givens_product(5, angles[2, 1]), atol=1e-14)


def test_velocities_range_seed_and_speed():
    v = angular_velocities(10, seed=3)
    assert v.shape == (45,)
    assert ((v >= 0.5 * np.pi) & (v <= 1.5 * np.pi)).all()
    np.testing.assert_array_equal(v, angular_velocities(10, seed=3))
    assert not np.array_equal(v, angular_velocities(10, seed=4))
    np.testing.assert_allclose(angular_velocities(10, seed=3, speed=0.5), 0.5 * v)


@pytest.mark.parametrize("d", [2, 3, 16, 64])
def test_tour_matrices_orthonormal_over_many_t(d):
    v = angular_velocities(d, seed=1)
    ts = np.linspace(-50, 50, 201 if d < 64 else 21)
    m = tour_matrix(ts, v)
    eye = np.eye(d)
    assert np.abs(m @ np.swapaxes(m, -1, -2) - eye).max() < 1e-12
    np.testing.assert_allclose(np.linalg.det(m), 1.0, atol=1e-10)
    p = projection(ts, v)
    assert p.shape == (len(ts), d, 2)
    assert np.abs(np.swapaxes(p, -1, -2) @ p - np.eye(2)).max() < 1e-12


def test_smoothness_small_dt_small_change():
    v = angular_velocities(8, seed=0)
    bound = np.abs(v).sum()  # |dR/dt| <= sum of angular speeds (operator norm)
    for t in np.linspace(0, 20, 50):
        for dt in (1e-3, 1e-5):
            change = np.linalg.norm(tour_matrix(t + dt, v) - tour_matrix(t, v), 2)
            assert change <= bound * dt * 1.0001


def test_d2_is_a_plain_rotation():
    v = angular_velocities(2, seed=0)
    m = tour_matrix(0.7, v)
    a = 0.7 * v[0]
    np.testing.assert_allclose(m, [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def test_tour_stepper_matches_functions():
    tour = Tour(6, speed=2.0, seed=5)
    for _ in range(5):
        tour.step(0.01)
    v = angular_velocities(6, seed=5, speed=2.0)
    np.testing.assert_allclose(tour.projection, projection(0.05, v), atol=1e-14)
    np.testing.assert_allclose(tour.matrix, tour_matrix(0.05, v), atol=1e-14)


def test_set_projection_continuity():
    tour = Tour(5, seed=2)
    tour.step(0.3)
    before = tour.projection.copy()
    tour.set_projection(before)
    np.testing.assert_allclose(tour.projection, before, atol=1e-12)
    # the next small step is a small change, and the full matrix stays orthogonal
    after = tour.step(1e-4)
    assert np.abs(after - before).max() < 1e-3
    np.testing.assert_allclose(tour.matrix.T @ tour.matrix, np.eye(5), atol=1e-12)


def test_set_projection_arbitrary_view():
    tour = Tour(4, seed=0)
    p = np.random.default_rng(0).normal(size=(4, 2))
    tour.set_projection(p)
    q = tour.projection
    np.testing.assert_allclose(q.T @ q, np.eye(2), atol=1e-12)
    # same plane, same orientation of the first column
    assert np.allclose(q @ q.T @ p, p)
    assert q[:, 0] @ p[:, 0] > 0
    assert tour.t == 0.0


def test_complete_basis_is_orthogonal_for_awkward_inputs():
    for p in (np.eye(6)[:, [5, 4]], np.ones((6, 2)) * [[1, -1]] + np.eye(6)[:, :2]):
        b = complete_basis(p)
        np.testing.assert_allclose(b.T @ b, np.eye(6), atol=1e-12)


@pytest.mark.parametrize("d", [1, 0, -3])
def test_bad_dims(d):
    with pytest.raises(ValueError, match="d:"):
        Tour(d)
    with pytest.raises(ValueError, match="d:"):
        plane_pairs(d)


def test_bad_arguments():
    with pytest.raises(TypeError, match="d:"):
        Tour(3.0)
    with pytest.raises(ValueError, match="speed"):
        Tour(3, speed=float("nan"))
    with pytest.raises(ValueError, match="velocities"):
        tour_matrix(1.0, np.ones(4))
    with pytest.raises(ValueError, match="angles"):
        givens_product(3, np.ones(2))
    with pytest.raises(ValueError, match="t"):
        tour_matrix(np.inf, angular_velocities(3))
    with pytest.raises(ValueError, match="dt"):
        Tour(3).step(float("nan"))
    with pytest.raises(ValueError, match="projection"):
        Tour(3).set_projection(np.ones((3, 2)))
    with pytest.raises(ValueError, match="projection"):
        Tour(3).set_projection(np.eye(4)[:, :2])
    with pytest.raises(ValueError, match="basis"):
        projection(0.0, angular_velocities(3), basis=np.eye(2))


def test_mulberry32_matches_the_js_view():
    # Values printed by js/src/lib/tour.js's angularVelocities under node.
    expected = {
        0: [2.407808371500532, 1.5718322534654006, 2.2722260879770655, 2.0301039206969427,
            3.0389499821333863, 3.283118520915953],
        7: [1.6075678933125253, 1.7654439336204466, 4.639842169170235, 3.7668597733093785,
            3.2089649516650054, 2.8447802828488893],
        123456789: [2.3806698338029335, 4.620566860767699, 4.037977047140644,
                    2.2184814562459994, 2.522924741965142, 3.9177735319303215],
    }  # fmt: skip
    for seed, values in expected.items():
        got = angular_velocities(4, seed=seed, generator="mulberry32")
        np.testing.assert_allclose(got, values, rtol=0, atol=1e-15)
    tour = Tour(4, seed=7, generator="mulberry32")
    np.testing.assert_allclose(tour.velocities, expected[7], atol=1e-15)
    with pytest.raises(ValueError, match="generator"):
        angular_velocities(4, generator="mt19937")
