"""kNN search, perplexity calibration and PCA."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nbviz.embed import affinities, knn, pca


def clustered(n, d=8, k=5, seed=0, spread=6.0):
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(k, d, generator=gen) * spread
    labels = torch.randint(0, k, (n,), generator=gen)
    return centres[labels] + torch.randn(n, d, generator=gen), labels


def test_exact_knn_matches_cdist():
    X, _ = clustered(300)
    nn = knn(X, 7, method="exact")
    D = torch.cdist(X.double(), X.double())
    D.fill_diagonal_(float("inf"))
    want_d, want_i = torch.topk(D, 7, largest=False)
    assert torch.allclose(nn.distances.double(), want_d, atol=1e-3)
    assert nn.recall(type(nn)(want_i, want_d.float(), "exact")) > 0.99
    assert not (nn.indices == torch.arange(300)[:, None]).any()  # never itself


def test_approx_knn_finds_most_neighbours():
    X, _ = clustered(3000, d=10, k=20)
    approx = knn(X, 15, method="approx")
    exact = knn(X, 15, method="exact")
    assert approx.method == "approx"
    assert approx.recall(exact) > 0.95
    assert not (approx.indices == torch.arange(3000)[:, None]).any()
    # each row's neighbours are distinct and sorted by distance
    srt = approx.indices.sort(1).values
    assert not (srt[:, 1:] == srt[:, :-1]).any()
    assert (approx.distances[:, 1:] >= approx.distances[:, :-1]).all()


@pytest.mark.parametrize("perplexity", [5.0, 12.5, 30.0])
def test_rows_reach_the_requested_perplexity(perplexity):
    X, _ = clustered(500, d=6)
    aff = affinities(knn(X, int(3 * perplexity)), perplexity)
    H = aff.entropy()
    assert torch.allclose(H, torch.full_like(H, math.log(perplexity)), atol=1e-4)
    assert torch.allclose(aff.conditional.sum(1), torch.ones(500), atol=1e-5)
    P = aff.joint().to_dense()
    assert torch.allclose(P, P.T)
    assert float(P.sum()) == pytest.approx(1.0, abs=1e-6)


def test_duplicates_give_finite_uniform_rows():
    base = torch.randn(10, 4, generator=torch.Generator().manual_seed(0))
    X = base.repeat(40, 1)  # every point has 39 exact copies
    aff = affinities(knn(X, 30), 10)
    assert torch.isfinite(aff.conditional).all()
    # 30 neighbours all at distance 0: the best that can be done is uniform
    assert torch.allclose(aff.conditional, torch.full_like(aff.conditional, 1 / 30))


def test_pca_matches_numpy_svd():
    X, _ = clustered(200, d=12)
    scores = pca(X, 3, device="cpu").double().numpy()
    xc = X.double().numpy() - X.double().numpy().mean(0)
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    want = u[:, :3] * s[:3]
    assert np.allclose(np.abs(scores), np.abs(want), atol=1e-3)
    assert np.allclose(scores, pca(X, 3, device="cpu").double().numpy())


def test_knn_names_data():
    with pytest.raises(ValueError, match=r"data: expected a 2-D array.*data\.reshape\(-1, 1\)"):
        knn(np.arange(10.0), 2)
    X = clustered(50)[0]
    assert knn(data=X, k=3).indices.shape == (50, 3)
