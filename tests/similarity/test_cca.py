"""CCA, SVCCA and PWCCA against NumPy written here from the papers: canonical
correlations by Björck and Golub's method (the singular values of Q_xᵀ Q_y for orthonormal
bases of the centred activations), SVCCA's 99%-variance SVD first, PWCCA's weights from
the canonical variates; on random data with a planted linear relation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nbviz.similarity import cca, cca_aligned, pwcca, svcca


def _np_cca(x, y):
    """Canonical correlations and x's canonical variates (orthonormal columns)."""
    qx, _ = np.linalg.qr(x - x.mean(0))
    qy, _ = np.linalg.qr(y - y.mean(0))
    u, rho, _ = np.linalg.svd(qx.T @ qy)
    k = min(x.shape[1], y.shape[1])
    return rho[:k], (qx @ u)[:, :k]


def _np_reduce(x, keep):
    xc = x - x.mean(0)
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    share = np.cumsum(s**2) / np.sum(s**2)
    k = int(np.searchsorted(share, keep)) + 1
    return u[:, :k] * s[:k]


def _planted(n=2000, seed=0):
    """y: 6 directions that are a linear function of x's first 6 (plus a little noise),
    and 6 unrelated ones."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    related = x[:, :6] @ rng.normal(size=(6, 6)) + 0.05 * rng.normal(size=(n, 6))
    return x, np.concatenate([related, rng.normal(size=(n, 6))], 1)


def test_cca_equals_bjorck_golub_and_finds_the_planted_relation():
    x, y = _planted()
    got = cca(x, y)
    want, _ = _np_cca(x, y)
    np.testing.assert_allclose(got.coefficients, want, atol=1e-8)
    assert got.dims == (10, 12) and got.mean == pytest.approx(want.mean())
    assert (got.coefficients[:6] > 0.99).all() and (got.coefficients[6:] < 0.15).all()


def test_svcca_keeps_the_directions_of_99_percent_variance_then_runs_cca():
    rng = np.random.default_rng(1)
    x, y = _planted(seed=1)
    # x gets 20 noise directions of tiny variance: SVCCA drops them, plain CCA would not
    x = np.concatenate([x, 1e-3 * rng.normal(size=(len(x), 20))], 1)
    got = svcca(x, y)
    xr, yr = _np_reduce(x, 0.99), _np_reduce(y, 0.99)
    want, _ = _np_cca(xr, yr)
    assert got.dims == (xr.shape[1], yr.shape[1]) and got.dims[0] <= 10
    np.testing.assert_allclose(got.coefficients, want, atol=1e-8)
    assert got.mean == pytest.approx(float(want.mean()))


def test_pwcca_weights_by_the_share_of_x_its_variates_explain():
    x, y = _planted(seed=2)
    got = pwcca(x, y, keep=1.0)
    rho, h = _np_cca(x, y)
    xc = x - x.mean(0)
    alpha = np.abs(h.T @ xc).sum(1)
    alpha /= alpha.sum()
    np.testing.assert_allclose(got.weights, alpha, atol=1e-8)
    assert got.mean == pytest.approx(float(alpha @ rho), abs=1e-8)


def test_invariances_and_identities():
    x, _ = _planted(seed=3)
    a = np.random.default_rng(4).normal(size=(10, 10))  # invertible: CCA does not see it
    assert svcca(x, x @ a, keep=1.0).mean == pytest.approx(1.0, abs=1e-6)
    assert pwcca(x, x).mean == pytest.approx(1.0, abs=1e-6)
    assert cca(x, -3 * x + 1).mean == pytest.approx(1.0, abs=1e-6)


def test_bad_input_says_what_is_wrong():
    rng = np.random.default_rng(5)
    wide = rng.normal(size=(20, 30))
    with pytest.raises(ValueError, match="30 features for 20 examples: CCA needs more"):
        cca(wide, wide[:, :5])
    with pytest.raises(ValueError, match=r"keep: expected a number in \(0, 1\]"):
        svcca(wide, wide, keep=0)
    with pytest.raises(ValueError, match="same examples"):
        pwcca(wide, wide[:10])
    assert svcca(wide, wide[:, :5]).dims[1] <= 5  # SVCCA reduces wide layers first


def test_cca_aligned_frames_correlate_per_canonical_direction():
    x, y = _planted(seed=6)
    a = cca_aligned(x, y, dims=8, keep=1.0)
    assert a.x.shape == a.y.shape == (len(x), 8) and a.x.dtype == a.y.dtype == torch.float32
    want, _ = _np_cca(x, y)
    np.testing.assert_allclose(a.coefficients, want[:8], atol=1e-6)
    c = np.corrcoef(a.x.double().numpy().T, a.y.double().numpy().T)
    # Coordinate k of x's frame against coordinate k of y's: rho_k; against any other: 0.
    np.testing.assert_allclose(np.diag(c[:8, 8:]), a.coefficients, atol=1e-5)
    np.testing.assert_allclose(c[:8, 8:] - np.diag(np.diag(c[:8, 8:])), 0, atol=1e-5)
    # Within one frame the coordinates are uncorrelated, each of unit variance.
    np.testing.assert_allclose(np.cov(a.x.double().numpy().T), np.eye(8), atol=1e-5)
    np.testing.assert_allclose(np.cov(a.y.double().numpy().T), np.eye(8), atol=1e-5)
    assert (a.coefficients[:6] > 0.95).all() and (a.coefficients[6:] < 0.15).all()


def test_cca_aligned_reduces_wide_layers_and_checks_its_arguments():
    rng = np.random.default_rng(7)
    wide = rng.normal(size=(40, 300))  # more features than examples: CCA alone refuses it
    a = cca_aligned(wide, wide @ rng.normal(size=(300, 50)), dims=5)
    assert a.x.shape == (40, 5) and max(a.dims) <= 19  # at most half the examples
    few = cca_aligned(wide[:, :3], wide[:, :2], dims=10)
    assert few.x.shape == (40, 2)  # fewer directions than asked where fewer exist
    with pytest.raises(ValueError, match="dims: expected an integer >= 1"):
        cca_aligned(wide, wide, dims=0)
    with pytest.raises(ValueError, match="same examples"):
        cca_aligned(wide, wide[:10])
