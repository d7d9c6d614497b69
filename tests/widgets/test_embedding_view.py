"""EmbeddingView in Python: the t-SNE streams into `points`, stops on request, embeds a
layer in bounded memory, and links its selection with a tour."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from nbviz import EmbeddingView, link_selection
from nbviz.data import digits
from nbviz.models import SmallCNN, capture_activations
from nbviz.widgets.grand_tour import GrandTour


@pytest.fixture(scope="module")
def data():
    return digits("test")


def test_run_streams_positions_and_keeps_the_result(data):
    view = EmbeddingView(data.images, data.labels, data.class_names, n_iter=500, start=False)
    assert view.kind == "scatter" and not view.playing and view.dim_names == ["t-SNE 1", "t-SNE 2"]
    first = view.points.copy()
    steps = []
    view.observe(lambda c: steps.append(c["new"]), names="iteration")
    result = view.run(progress=False)
    assert steps[-1] == 500 and len(steps) >= 5 and steps == sorted(steps)
    assert view.kl == pytest.approx(result.kl) and result.kl > 0
    assert view.embedding.shape == (359, 2)
    assert not np.allclose(view.points, first)
    # the view shows the final embedding, centred and scaled (GrandTour.normalize_points)
    e = view.embedding - view.embedding.mean(0)
    shown = view.points[0]
    assert np.allclose(shown / np.linalg.norm(shown, axis=1).max(),
                       e / np.linalg.norm(e, axis=1).max(), atol=1e-4)  # fmt: skip
    # classes separate: 10-NN in the embedding agrees with the labels
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(10).fit(view.embedding[::2], data.labels[::2])
    assert knn.score(view.embedding[1::2], data.labels[1::2]) > 0.85


def test_background_run_stops_and_keeps_its_picture(data):
    view = EmbeddingView(data.images, data.labels, n_iter=100_000, update_every=5)
    deadline = time.time() + 60
    while view.iteration < 20 and time.time() < deadline:
        time.sleep(0.02)
    view.stop()
    assert view.job_state in ("stopped", "done") and 20 <= view.iteration < 100_000
    assert np.isfinite(view.points).all()


def test_from_layer_reduces_in_chunks_like_all_at_once(data):
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8))
    view = EmbeddingView.from_layer(model, data, "conv1", dims=12, fit_on=359, chunk=50,
                                    start=False)  # fmt: skip
    acts = capture_activations(model, data, "conv1", flatten=True)["conv1"]
    mean = acts.mean(0)
    _, _, v = torch.linalg.svd(acts - mean, full_matrices=False)
    want = (acts - mean) @ v[:12].T
    assert view._x.shape == (359, 12)
    # the same subspace (PCA signs may differ): compare up to a per-axis sign
    signs = torch.sign((view._x * want).sum(0))
    assert torch.allclose(view._x, want * signs, atol=1e-3)
    assert view.layer == "conv1" and view.class_names == list(data.class_names)
    assert view.thumbnails.shape == (359, 8, 8, 1)
    narrow = EmbeddingView.from_layer(model, data, "logits", dims=50, start=False)
    assert narrow.components is None and narrow._x.shape == (359, 10)


def test_bad_input_and_linking(data):
    with pytest.raises(ValueError, match="perplexity"):
        EmbeddingView(data.images[:20], perplexity=30, start=False)
    x = data.images.reshape(359, -1).clone()
    x[7, 3] = float("nan")
    with pytest.raises(ValueError, match="7"):
        EmbeddingView(x, start=False)
    a = EmbeddingView(data.images, start=False)
    tour = GrandTour.from_activations(data.images, data.labels, dims=8)
    link_selection(a, tour)
    tour.selection = [4, 9]
    assert a.selection == [4, 9]
    with pytest.raises(ValueError, match="same points"):
        link_selection(a, GrandTour(np.random.default_rng(0).normal(size=(10, 3))))
