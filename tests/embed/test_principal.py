"""The one PCA: fit_pca / PCA.transform / pca against NumPy's SVD, in both regimes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from nbviz.data import digits
from nbviz.embed import PCA, fit_pca, pca


def _data(n: int, d: int, seed: int = 0) -> torch.Tensor:
    """Float64 points with a decaying spectrum (distinct variances: unique directions)."""
    g = torch.Generator().manual_seed(seed)
    scales = torch.linspace(3.0, 0.1, d, dtype=torch.float64)
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scales + 2.0


def _reference(x: torch.Tensor, k: int):
    """Directions (rows, largest loading positive) and variance fractions by NumPy's SVD."""
    xc = x.numpy() - x.numpy().mean(0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    v = vt[:k]
    v = v * np.sign(v[np.arange(k), np.abs(v).argmax(1)])[:, None]
    return v, s[:k] ** 2 / (s**2).sum()


@pytest.mark.parametrize(("n", "d"), [(300, 20), (60, 500)])  # covariance, then Gram
def test_matches_numpy_svd(n, d):
    x = _data(n, d)
    p = fit_pca(x, 8, device="cpu")
    v, frac = _reference(x, 8)
    assert isinstance(p, PCA) and p.components.shape == (8, d) and p.k == 8 and p.d == d
    assert p.components.dtype == p.mean.dtype == p.explained.dtype == torch.float64
    np.testing.assert_allclose(p.components.numpy(), v, atol=1e-10)
    np.testing.assert_allclose(p.explained.numpy(), frac, atol=1e-12)
    np.testing.assert_allclose(p.mean.numpy(), x.numpy().mean(0), atol=1e-12)


def test_sign_rule_and_orthonormal_rows():
    for x in (_data(200, 10), _data(30, 300)):
        c = fit_pca(x, 6, device="cpu").components
        torch.testing.assert_close(c @ c.T, torch.eye(6, dtype=torch.float64))
        assert (c[torch.arange(6), c.abs().argmax(1)] > 0).all()
        torch.testing.assert_close(fit_pca(-x, 6, device="cpu").components, c)


def test_k_is_cut_to_n_and_d_and_stays_orthonormal_when_rank_deficient():
    assert fit_pca(_data(5, 30), 50, device="cpu").k == 5  # n < dims
    assert fit_pca(_data(40, 3), 50, device="cpu").k == 3  # d < dims
    # three distinct points repeated: rank 2 after centring, 10 directions asked for
    x = _data(3, 40).repeat(4, 1)
    p = fit_pca(x, 10, device="cpu")
    torch.testing.assert_close(p.components @ p.components.T, torch.eye(10, dtype=torch.float64))
    assert float(p.explained[:2].sum()) == pytest.approx(1.0)
    assert float(p.explained[2:].abs().max()) < 1e-12


def test_transform_takes_any_leading_shape():
    x = _data(100, 12)
    p = fit_pca(x, 4, device="cpu")
    scores = p.transform(x)
    torch.testing.assert_close(scores, (x - p.mean) @ p.components.T)
    stack = torch.stack([x, 2 * x, x + 1])  # [T, n, d] frames under one PCA
    out = p.transform(stack)
    assert out.shape == (3, 100, 4)
    torch.testing.assert_close(out[1], p.transform(2 * x))
    assert p.transform(x.float()).dtype == torch.float32
    assert p.transform(x.numpy()).dtype == torch.float64
    with pytest.raises(ValueError, match=r"data: expected 12 features"):
        p.transform(x[:, :5])
    with pytest.raises(ValueError, match="data: contains NaN"):
        p.transform(torch.full((2, 12), float("nan")))


def test_pca_is_fit_then_transform_in_float32():
    x = _data(150, 9)
    scores = pca(x, 3, device="cpu")
    assert scores.dtype == torch.float32 and scores.shape == (150, 3)
    torch.testing.assert_close(scores, fit_pca(x, 3, device="cpu").transform(x).float())


def test_deterministic_and_frozen():
    x = _data(80, 200).float()
    a, b = fit_pca(x, 5, device="cpu"), fit_pca(x, 5, device="cpu")
    assert torch.equal(a.components, b.components) and torch.equal(a.explained, b.explained)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.mean = b.mean


def test_float32_data_is_summed_in_float64():
    x = _data(2000, 16)
    near = fit_pca(x.float(), 4, device="cpu").components
    np.testing.assert_allclose(near.numpy(), _reference(x, 4)[0], atol=1e-5)


def test_takes_a_dataset_and_names_data_and_dims():
    ds = digits("test")
    p = fit_pca(ds, 10, device="cpu")
    assert p.d == 64
    torch.testing.assert_close(
        p.components, fit_pca(ds.images.flatten(1), 10, device="cpu").components
    )
    assert fit_pca((ds.images, ds.labels), 10, device="cpu").d == 64
    with pytest.raises(ValueError, match="dims"):
        fit_pca(ds, 0)
    with pytest.raises(TypeError, match="dims"):
        pca(ds, 2.5)
    with pytest.raises(ValueError, match="data: expected at least 2 points"):
        fit_pca(torch.zeros(1, 4))
    with pytest.raises(ValueError, match=r"data: 1 row\(s\) hold NaN"):
        fit_pca(torch.tensor([[0.0, 1.0], [float("inf"), 0.0], [1.0, 1.0]]))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    for n, d in ((300, 20), (60, 500)):
        x = _data(n, d).float()
        cpu, gpu = fit_pca(x, 6, device="cpu"), fit_pca(x, 6, device="cuda")
        assert gpu.components.is_cuda and gpu.transform(x).is_cuda
        torch.testing.assert_close(gpu.components.cpu(), cpu.components, atol=1e-5, rtol=0)
        torch.testing.assert_close(gpu.explained.cpu(), cpu.explained, atol=1e-7, rtol=1e-5)
