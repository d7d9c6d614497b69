"""End-to-end t-SNE: structure, determinism, streaming, stopping and bad input."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest
import torch

from nbviz.embed import TSNE, tsne

from .test_affinity_knn import clustered


def separation(Y: np.ndarray, labels: np.ndarray) -> float:
    """Smallest distance between two clusters' points over the largest cluster radius."""
    groups = [Y[labels == c] for c in np.unique(labels)]
    radius = max(float(np.linalg.norm(g - g.mean(0), axis=1).max()) for g in groups)
    gap = min(
        float(np.linalg.norm(a[:, None] - b[None], axis=-1).min())
        for i, a in enumerate(groups)
        for b in groups[i + 1 :]
    )
    return gap / radius


@pytest.mark.parametrize("method", ["exact", "fft"])
def test_separated_clusters_stay_separated(method):
    X, labels = clustered(400, d=10, k=4, spread=8.0)
    res = tsne(X, perplexity=15, n_iter=400, method=method, device="cpu")
    assert res.params["method"] == method
    assert np.isfinite(res.embedding).all()
    assert separation(res.embedding, labels.numpy()) > 0.5
    # the KL went down from where the optimization started
    assert res.kl < res.kl_history[0][1]


def test_same_seed_same_embedding():
    X, _ = clustered(300)
    a = tsne(X, perplexity=10, n_iter=120, init="random", seed=3, device="cpu")
    b = tsne(X, perplexity=10, n_iter=120, init="random", seed=3, device="cpu")
    c = tsne(X, perplexity=10, n_iter=120, init="random", seed=4, device="cpu")
    assert np.array_equal(a.embedding, b.embedding)
    assert a.kl == b.kl
    assert not np.allclose(a.embedding, c.embedding)


def test_callback_streams_and_stops():
    X, _ = clustered(200)
    seen = []

    def cb(it, Y, kl):
        seen.append((it, Y.shape, kl))
        return it < 30

    res = TSNE(perplexity=10, n_iter=200, device="cpu").fit(X, callback=cb, callback_every=10)
    assert [s[0] for s in seen] == [10, 20, 30]
    assert all(s[1] == (200, 2) and s[2] is not None for s in seen)
    assert res.stopped and res.n_iter == 30


def test_stop_from_another_thread():
    X, _ = clustered(200)
    runner = TSNE(perplexity=10, n_iter=100_000, device="cpu")
    started = threading.Event()

    def cb(it, Y, kl):
        started.set()

    out = {}
    worker = threading.Thread(target=lambda: out.update(res=runner.fit(X, callback=cb)))
    worker.start()
    assert started.wait(30)
    runner.stop()
    worker.join(30)
    assert not worker.is_alive()
    assert out["res"].stopped and out["res"].n_iter < 100_000


def test_duplicate_points_embed_without_nan():
    base = torch.randn(20, 5, generator=torch.Generator().manual_seed(0)) * 4
    X = base.repeat(15, 1)  # 300 points, each with 14 exact copies
    for method in ("exact", "fft"):
        res = tsne(X, perplexity=10, n_iter=150, method=method, device="cpu")
        assert np.isfinite(res.embedding).all() and np.isfinite(res.kl)


def test_one_feature_and_random_init():
    X = torch.linspace(0, 10, 100)[:, None]
    res = tsne(X, perplexity=5, n_iter=60, device="cpu")
    assert res.embedding.shape == (100, 2) and np.isfinite(res.embedding).all()


def test_perplexity_too_large_names_one_that_fits():
    with pytest.raises(ValueError, match=r"perplexity.*needs at least 91 points.*<= 16\.33"):
        tsne(torch.randn(50, 3), perplexity=30)


def test_nan_rows_are_named():
    X = torch.randn(100, 4)
    X[7, 1] = float("nan")
    X[42, 0] = float("inf")
    with pytest.raises(ValueError, match=r"2 row\(s\) hold NaN or infinite values: rows 7, 42"):
        tsne(X, perplexity=5)


def test_one_dimensional_input():
    with pytest.raises(ValueError, match=r"expected a 2-D array.*reshape\(-1, 1\)"):
        tsne(np.arange(100.0), perplexity=5)


def test_too_big_for_memory_names_a_size_that_fits():
    runner = TSNE(perplexity=5, memory_limit=500 << 20, device="cpu")
    with pytest.raises(ValueError, match=r"needs about .* only 500.0 MiB is free") as err:
        runner.fit(torch.zeros(200_000, 10))
    fits = int(re.search(r"about ([\d,]+) points fit", str(err.value)).group(1).replace(",", ""))
    assert 10_000 < fits < 200_000
    # ... and that many do pass the check (the run itself is not needed here)
    need = runner._memory_need(10, 15, "fft")
    assert need(fits) <= 0.9 * (500 << 20) < need(fits + 1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"perplexity": "30"}, TypeError),
        ({"perplexity": 0.5}, ValueError),
        ({"n_iter": 0}, ValueError),
        ({"method": "bh"}, ValueError),
        ({"init": "spectral"}, ValueError),
        ({"learning_rate": -1}, ValueError),
    ],
)
def test_bad_settings(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        TSNE(**kwargs)


def test_bad_init_shape():
    with pytest.raises(ValueError, match=r"init: expected shape \(50, 2\)"):
        tsne(torch.randn(50, 3), perplexity=5, init=np.zeros((49, 2)))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    from nbviz.embed import affinities, kl_gradient, knn

    X, labels = clustered(3000, d=10, k=4, spread=8.0)
    nn_cpu, nn_gpu = knn(X, 30, method="exact", device="cpu"), knn(X, 30, device="cuda")
    assert nn_gpu.indices.is_cuda and nn_gpu.recall(nn_cpu) > 0.99
    aff = affinities(nn_cpu, 10)
    Y = torch.randn(3000, 2, generator=torch.Generator().manual_seed(0)) * 5
    g_cpu, kl_cpu = kl_gradient(Y, aff, want_kl=True)
    aff_gpu = type(aff)(aff.indices.cuda(), aff.conditional.cuda(), aff.beta.cuda(), 10.0)
    g_gpu, kl_gpu = kl_gradient(Y.cuda(), aff_gpu, want_kl=True)
    assert torch.allclose(g_gpu.cpu(), g_cpu, rtol=1e-3, atol=1e-3 * float(g_cpu.abs().max()))
    assert kl_gpu == pytest.approx(kl_cpu, rel=1e-4)
    res = tsne(X, perplexity=10, n_iter=300, device="cuda")
    assert separation(res.embedding, labels.numpy()) > 0.5


def test_a_global_scale_changes_nothing():
    """Affinities are calibrated per point, so tsne(c * X) is tsne(X), for huge or tiny c."""
    X = clustered(150, d=6)[0].double()
    kw = {"perplexity": 10, "n_iter": 150, "device": "cpu"}
    ref = tsne(X, **kw)
    for scale in (1e20, 1e-20):
        res = tsne(X * scale, **kw)
        np.testing.assert_allclose(res.embedding, ref.embedding, atol=1e-4)
    exact = tsne(X.float() * 2.0**100, **kw)  # a power of two scales float32 exactly
    np.testing.assert_array_equal(exact.embedding, tsne(X.float(), **kw).embedding)
    wide = torch.randn(120, 40, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    kw = {**kw, "dims": 10}  # through the PCA first
    np.testing.assert_allclose(
        tsne(wide * 1e20, **kw).embedding, tsne(wide, **kw).embedding, atol=1e-4
    )


@pytest.mark.parametrize("method", ["exact", "fft"])
def test_divergence_raises_our_message(method):
    X = clustered(1200 if method == "fft" else 200)[0]
    with pytest.raises(FloatingPointError, match=r"diverged at iteration \d+.*lower learning_rate"):
        tsne(X, perplexity=10, n_iter=100, learning_rate=1e9, method=method, device="cpu")


def test_numpy_scalars_are_numbers():
    X = clustered(100)[0]
    res = tsne(X, perplexity=np.int64(5), n_iter=np.int64(20), learning_rate=np.float32(50),
               early_exaggeration=np.float64(8), device="cpu")  # fmt: skip
    assert res.params["perplexity"] == 5.0 and res.n_iter == 20


def test_takes_a_dataset_and_names_data():
    from nbviz.data import digits

    ds = digits("test")
    res = tsne(ds, perplexity=10, n_iter=20, dims=20, device="cpu")
    assert res.embedding.shape == (len(ds), 2)
    with pytest.raises(ValueError, match=r"data: expected a 2-D array"):
        TSNE(perplexity=5).fit(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match="dims"):
        TSNE(dims=1)
    with pytest.raises(TypeError, match="progress: expected True or False"):
        TSNE(progress="yes")
