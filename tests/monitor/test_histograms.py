"""TensorBoard's histogram buckets and distribution bands: their definitions checked
here, and (when the ``tensorboard`` extra is installed) equality with TensorBoard's own
histogram summary and distribution compressor on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from nbviz.monitor import BASIS_POINTS, distribution, histogram


def test_buckets_are_equal_width_from_min_to_max():
    v = np.random.default_rng(0).normal(size=10_001)
    h = histogram(v, buckets=30)
    assert h.shape == (30, 3) and h[:, 2].sum() == v.size
    assert h[0, 0] == v.min() and h[-1, 1] == pytest.approx(v.max())
    np.testing.assert_allclose(np.diff(h[:, 0]), (v.max() - v.min()) / 30)
    np.testing.assert_allclose(h[1:, 0], h[:-1, 1])
    counts, _ = np.histogram(v, bins=30, range=(v.min(), v.max()))
    # numpy's bins are the same up to the rounding of an edge's value
    assert np.abs(h[:, 2] - counts).sum() <= 2


def test_special_cases():
    same = histogram(np.full(7, 2.5), buckets=4)
    assert (same[:, :2] == 2.5).all() and same[:, 2].tolist() == [0, 0, 0, 7]
    assert (histogram(np.array([]), buckets=3) == 0).all()
    assert histogram(np.array([1.0, np.nan, np.inf, 3.0]), buckets=2)[:, 2].tolist() == [1, 1]
    assert (distribution(histogram(np.array([]))) == 0).all()
    assert (distribution(same) == 2.5).all()
    with pytest.raises(ValueError, match="rows of"):
        distribution(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="basis_points"):
        distribution(same, [5000, 100])


def test_bands_follow_the_quantiles_of_a_normal_sample():
    v = np.random.default_rng(1).normal(size=200_000)
    bands = distribution(histogram(v, buckets=60))
    want = np.quantile(v, np.asarray(BASIS_POINTS) / 10_000)
    np.testing.assert_allclose(bands[1:-1], want[1:-1], atol=0.03)
    assert bands[0] == v.min() and bands[-1] == pytest.approx(v.max())


def test_distribution_equals_tensorboards_compressor():
    compressor = pytest.importorskip("tensorboard.plugins.distribution.compressor")
    rng = np.random.default_rng(2)
    cases = [rng.normal(size=500), rng.exponential(size=2000), np.r_[rng.normal(size=50), 40.0],
             rng.integers(0, 3, size=300).astype(float)]  # fmt: skip
    for v in cases:
        h = histogram(v, buckets=30)
        compressed = compressor.compress_histogram(h.tolist(), BASIS_POINTS)
        theirs = [c[1] for c in compressed]  # (basis point, value) pairs
        np.testing.assert_allclose(distribution(h), theirs, rtol=1e-12, atol=1e-12)


def test_buckets_equal_tensorboards_histogram_summary():
    pytest.importorskip("tensorboard")
    from tensorboard.plugins.histogram import summary_v2
    from tensorboard.util import tensor_util

    v = np.random.default_rng(3).gamma(2.0, size=1000)
    pb = summary_v2.histogram_pb("h", v, buckets=30)
    theirs = tensor_util.make_ndarray(pb.value[0].tensor)
    np.testing.assert_allclose(histogram(v, buckets=30), theirs, rtol=1e-12)
