"""CKA against the paper's formulas written here in NumPy (Gram matrices, the centering
matrix H, and Song et al.'s unbiased HSIC as a brute-force U-statistic), its invariances,
and minibatch CKA against full-batch CKA."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from nbviz.similarity import MinibatchCKA, hsic, linear_cka, rbf_cka


def _np_hsic(k, m):
    n = len(k)
    h = np.eye(n) - np.ones((n, n)) / n
    return np.trace(k @ h @ m @ h) / (n - 1) ** 2


def _np_cka(k, m):
    return _np_hsic(k, m) / np.sqrt(_np_hsic(k, k) * _np_hsic(m, m))


def _u_statistic(k, m):
    """HSIC's U-statistic: the mean over ordered 4-tuples of distinct examples of
    k_ij l_ij + k_ij l_qr - 2 k_ij l_iq (Song et al. 2012, before their closed form)."""
    n = len(k)
    total, count = 0.0, 0
    for i, j, q, r in itertools.permutations(range(n), 4):
        total += k[i, j] * m[i, j] + k[i, j] * m[q, r] - 2 * k[i, j] * m[i, q]
        count += 1
    return total / count


def _planted(n=600, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 30))
    y = np.concatenate([x[:, :10] @ rng.normal(size=(10, 10)), rng.normal(size=(n, 15))], 1)
    return x, y + noise * rng.normal(size=y.shape)


@pytest.mark.parametrize("n, dx, dy", [(300, 12, 20), (40, 200, 150)])  # features / examples
def test_linear_cka_equals_the_gram_formula(n, dx, dy):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, dx))
    y = np.tanh(x @ rng.normal(size=(dx, dy))) + 0.5 * rng.normal(size=(n, dy))
    want = _np_cka(x @ x.T, y @ y.T)
    assert linear_cka(x, y) == pytest.approx(want, rel=1e-9)
    assert 0.1 < want < 0.99  # a relation, not a copy


def test_debiased_hsic_is_songs_u_statistic():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 4))
    k, m = x @ x.T, y @ y.T
    got = hsic(torch.from_numpy(k), torch.from_numpy(m), debiased=True)
    assert float(got) == pytest.approx(_u_statistic(k, m), rel=1e-9)
    # and the feature-space route of linear_cka gives the same debiased CKA
    want = _u_statistic(k, m) / np.sqrt(_u_statistic(k, k) * _u_statistic(m, m))
    assert linear_cka(x, y, debiased=True) == pytest.approx(want, rel=1e-9)


def test_invariances_of_linear_cka():
    x, y = _planted()
    q, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(30, 30)))
    assert linear_cka(x, x) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(x, x @ q) == pytest.approx(1.0, abs=1e-12)  # orthogonal transform
    base = linear_cka(x, y)
    assert linear_cka(7.5 * x, y) == pytest.approx(base, rel=1e-12)  # isotropic scaling
    assert linear_cka(x + 3.0, y) == pytest.approx(base, rel=1e-12)  # a shift
    stretched = x * np.r_[np.full(10, 0.1), np.ones(20)]  # not isotropic: CKA changes
    assert abs(linear_cka(stretched, y) - base) > 0.05


def test_unrelated_representations_score_near_zero_only_when_debiased():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(100, 500)), rng.normal(size=(100, 500))
    assert linear_cka(x, y) > 0.5  # the biased estimator's well-known offset at small n
    assert abs(linear_cka(x, y, debiased=True)) < 0.05


def test_rbf_cka_equals_the_gram_formula_with_the_median_bandwidth():
    x, y = _planted(n=200, seed=5)

    def gram(a, frac):
        d2 = ((a[:, None, :] - a[None, :, :]) ** 2).sum(-1)
        med = np.median(np.sqrt(d2[~np.eye(len(a), dtype=bool)]))
        return np.exp(-d2 / (2 * (frac * med) ** 2))

    for frac in (0.4, 0.8):
        want = _np_cka(gram(x, frac), gram(y, frac))
        assert rbf_cka(x, y, bandwidth=frac) == pytest.approx(want, rel=1e-9)
    assert rbf_cka(x, x) == pytest.approx(1.0)


def test_minibatch_cka_converges_to_full_batch_cka():
    x, y = _planted(n=6000, seed=6, noise=2.0)
    full = linear_cka(x, y, debiased=True)
    errors = []
    for batch in (50, 500):
        acc = MinibatchCKA()
        for i in range(0, len(x), batch):
            acc.update(x[i : i + batch], y[i : i + batch])
        assert acc.batches == len(x) // batch
        errors.append(abs(acc.value - full))
    assert errors[1] < 0.01, (full, errors)
    assert 0.2 < full < 0.9


def test_bad_input_says_what_is_wrong():
    x = np.random.default_rng(7).normal(size=(20, 5))
    with pytest.raises(ValueError, match="same examples, got 20 and 19 rows"):
        linear_cka(x, x[:19])
    with pytest.raises(ValueError, match="NaN"):
        linear_cka(x, np.where(x > 2, np.nan, x))
    with pytest.raises(ValueError, match=r"activations \[n, ...\]"):
        linear_cka(x[:, 0], x)
    with pytest.raises(ValueError, match="constant over the examples"):
        linear_cka(x, np.ones((20, 3)))
    with pytest.raises(ValueError, match="at least 4 examples"):
        linear_cka(x[:3], x[:3], debiased=True)
    with pytest.raises(TypeError, match="tensor or array"):
        linear_cka([[1.0, 2.0]] * 5, x[:5])
    with pytest.raises(ValueError, match="no batch yet"):
        _ = MinibatchCKA().value


def test_float32_activations_give_float64s_cka_closely():
    x, y = _planted(n=3000, seed=8)
    x32, y32 = x.astype(np.float32) + 4.0, y.astype(np.float32)  # a mean to centre away
    for a, b in ((x32, y32), (x32[:60], np.tile(y32[:60], (1, 20)))):  # both routes
        assert linear_cka(a, b) == pytest.approx(linear_cka(a.astype(np.float64), b), abs=1e-5)
    full = linear_cka(torch.from_numpy(x32), torch.from_numpy(y32), debiased=True)
    assert full == pytest.approx(linear_cka(x, y, debiased=True), abs=1e-6)  # float64 anyway
