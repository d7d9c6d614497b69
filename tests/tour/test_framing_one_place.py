"""normalize_points does not blow points that coincide up to float noise up to the unit ball."""

from __future__ import annotations

import numpy as np
import pytest

from nbviz.tour import normalize_points, points_coincide


def test_points_that_coincide_stay_at_one_place():
    rng = np.random.default_rng(0)
    center = rng.normal(size=16) * 5
    noisy = (center + center * rng.normal(size=(3, 50, 16)) * 1e-7).astype(np.float32)
    x, c, scale = normalize_points(noisy)
    assert np.abs(x).max() < 1e-5
    assert scale == pytest.approx(np.linalg.norm(center), rel=1e-5)
    np.testing.assert_allclose(c, center, rtol=1e-5)


def test_all_zero_points_keep_scale_one():
    x, c, scale = normalize_points(np.zeros((2, 10, 4), np.float32))
    assert scale == 1.0 and not x.any() and not c.any()


def test_a_small_real_spread_is_scaled_to_the_unit_ball():
    rng = np.random.default_rng(1)
    tiny = (rng.normal(size=(1, 500, 3)) * 1e-9).astype(np.float32)  # around the origin
    x, _, scale = normalize_points(tiny)
    assert scale < 1e-8
    assert 0.95 < np.quantile(np.linalg.norm(x, axis=-1), 0.99) < 1.05


def test_a_few_points_apart_from_a_crowd_set_the_scale():
    data = np.zeros((1, 1000, 2), np.float32)
    data[0, :4] = [[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0], [0.0, -4.0]]  # centre: the origin
    x, _, scale = normalize_points(data)  # the 99% quantile is 0: the largest distance counts
    assert scale == 4.0 and np.abs(x).max() == 1.0


def test_points_coincide_rule():
    assert points_coincide(0.0, 0.0) and points_coincide(0.0, 1.0)
    assert points_coincide(1e-7, 1.0) and not points_coincide(1e-5, 1.0)
    assert not points_coincide(1e-12, 0.0)  # a small spread around the origin is real
