import numpy as np
import pytest
import torch

from nbviz.embed import fit_pca
from nbviz.models import SmallCNN
from nbviz.tour import layer_sequence, procrustes, svd_transition


def test_procrustes_is_orthogonal_and_reduces_distance():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(100, 6, generator=gen, dtype=torch.float64)
    q = torch.linalg.qr(torch.randn(6, 6, generator=gen, dtype=torch.float64))[0]
    b = a @ q + 0.05 * torch.randn(100, 6, generator=gen, dtype=torch.float64)
    r = procrustes(a, b)
    torch.testing.assert_close(r.T @ r, torch.eye(6, dtype=torch.float64))
    assert (a @ r - b).norm() < (a - b).norm()
    assert (a @ r - b).norm() <= (a @ q - b).norm() + 1e-12  # optimal among rotations
    torch.testing.assert_close(r, q, atol=0.05, rtol=0)


def test_fit_pca_explained_variance_and_signs():
    gen = torch.Generator().manual_seed(1)
    low = torch.randn(200, 3, generator=gen, dtype=torch.float64) * torch.tensor([5.0, 3.0, 2.0])
    mix = torch.linalg.qr(torch.randn(20, 20, generator=gen, dtype=torch.float64))[0][:, :3]
    x = low @ mix.T + 0.01 * torch.randn(200, 20, generator=gen, dtype=torch.float64)
    p = fit_pca(x, 3, device="cpu")
    scores, dirs, mean, frac = p.transform(x), p.components.T, p.mean, float(p.explained.sum())
    assert 0.999 < frac <= 1.0
    frac1 = float(fit_pca(x, 1, device="cpu").explained.sum())
    assert 0.5 < frac1 < frac
    torch.testing.assert_close(dirs.T @ dirs, torch.eye(3, dtype=torch.float64))
    biggest = dirs.abs().argmax(0)
    assert (dirs[biggest, torch.arange(3)] > 0).all()
    torch.testing.assert_close(scores, (x - mean) @ dirs)
    # flipping the data's sign flips the scores but keeps the directions' sign rule
    dirs_neg = fit_pca(-x, 3, device="cpu").components.T
    torch.testing.assert_close(dirs_neg, dirs)


def test_svd_transition_ends():
    gen = torch.Generator().manual_seed(2)
    w = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    b = torch.randn(3, generator=gen, dtype=torch.float64)
    x = torch.randn(10, 5, generator=gen, dtype=torch.float64)
    u, _, vt = torch.linalg.svd(w, full_matrices=True)
    start = svd_transition(w, x, 0.0, bias=b)
    end = svd_transition(w, x, 1.0, bias=b)
    torch.testing.assert_close(start, x @ vt.T)  # a rotation of x
    torch.testing.assert_close(end[:, :3], (x @ w.T + b) @ u)  # y in the U basis
    torch.testing.assert_close(end[:, 3:], torch.zeros(10, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="s:"):
        svd_transition(w, x, 1.5)
    with pytest.raises(ValueError, match="data:"):
        svd_transition(w, x[:, :4], 0.5)


@pytest.fixture(scope="module")
def sequence(trained_cnn, digits_test):
    return layer_sequence(trained_cnn, digits_test.images[:200], dims=16)


def test_layer_sequence_shapes(sequence, trained_cnn):
    names = sequence.names
    assert names[0] == "input" and names[-1] == "logits"
    # dims=16, but the 10 logits span 10 dims: every layer is toured on its top 10 PCs
    assert sequence.ranks[-1] == 10 and min(sequence.ranks) == 10
    assert sequence.coords.shape == (len(names), 200, 10)
    assert sequence.coords.dtype == np.float32
    assert np.isfinite(sequence.coords).all()
    assert sequence.dims[0] == 64 and sequence.dims[-1] == 10
    ev = sequence.explained_variance
    assert ev.shape == (len(names),)
    assert ((ev > 0.3) & (ev <= 1.0 + 1e-12)).all()
    assert ev[-1] == pytest.approx(1.0)  # 10 logits in 10 dims


def test_layer_sequence_normalized_and_reconstructs(sequence, trained_cnn, digits_test):
    radius = np.sqrt((sequence.coords.astype(np.float64) ** 2).sum(-1).mean(-1))
    np.testing.assert_allclose(radius, 1.0, rtol=1e-5)
    # coords[l] == (act - mean) @ basis / scale @ rotation, with no padding
    from nbviz.models import capture_activations

    acts = capture_activations(trained_cnn, digits_test.images[:200], "fc1", flatten=True)
    idx = sequence.names.index("fc1")
    assert sequence.bases[idx].shape == (128, 10)
    scores = (acts["fc1"].double() - sequence.means[idx]) @ sequence.bases[idx]
    expected = scores / sequence.scales[idx] @ sequence.rotations[idx]
    np.testing.assert_allclose(sequence.coords[idx], expected.numpy(), atol=1e-4)
    for rot in sequence.rotations:  # signed permutations: orthogonal, one ±1 per row
        torch.testing.assert_close(rot.T @ rot, torch.eye(10, dtype=torch.float64))
        assert set(rot.abs().sum(0).tolist()) == {1.0} and set(rot.unique().tolist()) <= {-1, 0, 1}


def test_alignment_brings_neighbours_closer(trained_cnn, digits_test):
    x = digits_test.images[:200]
    seq = layer_sequence(trained_cnn, x, ["conv1", "pool1", "bn1", "fc1"], dims=8)
    for i in range(1, 4):
        r = seq.rotations[i].numpy()
        unaligned = seq.coords[i] @ r.T  # undo the rotation
        aligned_gap = np.linalg.norm(seq.coords[i] - seq.coords[i - 1])
        assert aligned_gap <= np.linalg.norm(unaligned - seq.coords[i - 1]) + 1e-4


def test_layer_sequence_deterministic(trained_cnn, digits_test):
    x = digits_test.images[:100]
    a = layer_sequence(trained_cnn, x, ["input", "relu2", "logits"], dims=6)
    b = layer_sequence(trained_cnn, x, ["input", "relu2", "logits"], dims=6)
    np.testing.assert_array_equal(a.coords, b.coords)


def test_layer_sequence_bad_input(trained_cnn, digits_test):
    x = digits_test.images[:20]
    with pytest.raises(ValueError, match=r"layers: unknown layer 'fc9'.*fc1"):
        layer_sequence(trained_cnn, x, ["fc9"])
    with pytest.raises(ValueError, match="dims"):
        layer_sequence(trained_cnn, x, ["fc1"], dims=1)
    with pytest.raises(ValueError, match="data"):
        layer_sequence(trained_cnn, x[:1], ["fc1"])
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        layer_sequence(trained_cnn, bad, ["fc1"])
    with pytest.raises(ValueError, match="data"):
        layer_sequence(SmallCNN(in_shape=(1, 8, 8)), torch.zeros(5, 1, 6, 6), ["fc1"])
    with pytest.raises(ValueError, match="source, target"):
        procrustes(torch.zeros(3, 2), torch.zeros(3, 3))


def test_svd_transition_accepts_conv_matrix():
    from nbviz.tour import conv2d_matrix

    conv = torch.nn.Conv2d(1, 2, 3, padding=1).double()
    matrix, bias = conv2d_matrix(conv, (1, 4, 4))
    x = torch.randn(5, 16, dtype=torch.float64)
    end = svd_transition(matrix, x, 1.0, bias=bias)
    u, _, _ = torch.linalg.svd(matrix.to_dense())
    with torch.no_grad():
        y = conv(x.reshape(5, 1, 4, 4)).flatten(1)
    torch.testing.assert_close(end, y @ u)


def test_layer_sequence_takes_dims_and_checks_normalize(trained_cnn, digits_test):
    x = digits_test.images[:50]
    seq = layer_sequence(trained_cnn, data=x, layers=["fc1", "logits"], dims=5)
    assert seq.coords.shape == (2, 50, 5)
    assert [b.shape for b in seq.bases] == [(128, 5), (10, 5)]
    with pytest.raises(TypeError, match="normalize: expected True or False"):
        layer_sequence(trained_cnn, x, ["fc1"], normalize="no")


def test_layer_sequence_uses_the_packages_pca(trained_cnn, digits_test):
    """The bases are fit_pca's directions of each layer's activations (one PCA for all)."""
    from nbviz.models import capture_activations

    x = digits_test.images[:120]
    seq = layer_sequence(trained_cnn, x, ["input", "fc1"], dims=6)
    acts = capture_activations(trained_cnn, x, "fc1", flatten=True)["fc1"].double()
    p = fit_pca(acts, 6, device="cpu")
    torch.testing.assert_close(seq.bases[1], p.components.T)
    assert seq.explained_variance[1] == pytest.approx(float(p.explained.sum()))
