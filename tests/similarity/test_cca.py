"""CCA, SVCCA and PWCCA against NumPy written here from the papers: canonical
correlations by Björck and Golub's method (the singular values of Q_xᵀ Q_y for orthonormal
bases of the centred activations), SVCCA's 99%-variance SVD first, PWCCA's weights from
the canonical variates; on random data with a planted linear relation."""

from __future__ import annotations

import numpy as np
import pytest

from nbviz.similarity import cca, pwcca, svcca


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
