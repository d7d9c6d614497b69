"""layer_sequence tours every layer on its own top principal components, no padding axes,
matched layer to layer by a signed permutation (the design in nbviz.tour.align)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.models import capture_activations
from nbviz.tour import layer_sequence, signed_permutation


def _all_signed_permutations(k: int):
    for perm in itertools.permutations(range(k)):
        for signs in itertools.product((-1.0, 1.0), repeat=k):
            p = torch.zeros(k, k, dtype=torch.float64)
            p[torch.arange(k), torch.tensor(perm)] = torch.tensor(signs, dtype=torch.float64)
            yield p


def _summed_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    ac, bc = a - a.mean(0), b - b.mean(0)
    return float(((ac * bc).sum(0) / (ac.norm(dim=0) * bc.norm(dim=0))).sum())


def test_signed_permutation_is_the_best_one():
    gen = torch.Generator().manual_seed(3)
    for _ in range(5):
        a = torch.randn(60, 3, generator=gen, dtype=torch.float64)
        b = a @ torch.linalg.qr(torch.randn(3, 3, generator=gen, dtype=torch.float64))[0]
        b = b + 0.3 * torch.randn(60, 3, generator=gen, dtype=torch.float64)
        p = signed_permutation(a, b)
        torch.testing.assert_close(p.T @ p, torch.eye(3, dtype=torch.float64))
        best = max(_summed_correlation(a @ q, b) for q in _all_signed_permutations(3))
        assert _summed_correlation(a @ p, b) == pytest.approx(best)
        # every matched pair of columns is positively correlated
        ac, bc = a @ p - (a @ p).mean(0), b - b.mean(0)
        assert ((ac * bc).sum(0) > 0).all()


def test_signed_permutation_undoes_a_shuffle_and_flips():
    gen = torch.Generator().manual_seed(4)
    a = torch.randn(80, 5, generator=gen, dtype=torch.float64)
    shuffle = torch.zeros(5, 5, dtype=torch.float64)
    shuffle[torch.arange(5), torch.tensor([3, 0, 4, 1, 2])] = torch.tensor(
        [1.0, -1.0, -1.0, 1.0, 1.0], dtype=torch.float64
    )
    torch.testing.assert_close(signed_permutation(a, a @ shuffle), shuffle)
    with pytest.raises(ValueError, match="source, target"):
        signed_permutation(a, a[:, :4])


class _Softmax(nn.Module):
    """A 64 → 32 → 10 net ending in an nn.Softmax module (rank 9 after centring)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)
        self.probs = nn.Softmax(dim=1)

    def forward(self, x):
        return self.probs(self.fc2(self.act(self.fc1(x.flatten(1)))))


def _max_abs_per_axis_over_rms(coords: np.ndarray) -> np.ndarray:
    """Per frame and axis, the largest |value| over the points, over the frame's RMS."""
    c = coords.astype(np.float64)
    rms = np.sqrt((c**2).sum(-1).mean(-1))
    return np.abs(c).max(axis=1) / rms[:, None]


def test_common_width_is_the_least_real_rank(digits_test):
    x = digits_test.images[:300]
    seq = layer_sequence(_Softmax(), x, dims=64)
    assert seq.names == ["input", "fc1", "act", "fc2", "probs"]
    assert seq.ranks[3] == 10 and seq.ranks[4] == 9  # the softmax rows sum to 1
    assert seq.coords.shape == (5, 300, 9)
    assert all(b.shape[1] == 9 for b in seq.bases)
    # no axis of any frame is zero (or float noise) for every point
    assert (_max_abs_per_axis_over_rms(seq.coords) > 1e-3).all()
    # capped by dims, and at least 2
    assert layer_sequence(_Softmax(), x, dims=4).coords.shape[2] == 4


def test_each_axis_is_one_named_component_of_its_layer(digits_test):
    model = _Softmax()
    x = digits_test.images[:200]
    seq = layer_sequence(model, x, ["fc1", "act", "fc2"], dims=8)
    acts = capture_activations(model, x, ["fc1", "act", "fc2"], flatten=True)
    for i, name in enumerate(seq.names):
        a = acts[name].double()
        assert sorted(seq.axis_components[i].tolist()) == list(range(8))  # top 8, each once
        for j, comp in enumerate(seq.axis_components[i].tolist()):
            direction = seq.bases[i][:, comp]
            scores = ((a - seq.means[i]) @ direction / seq.scales[i]).numpy()
            sign = np.sign(float(seq.rotations[i][comp, j]))
            np.testing.assert_allclose(seq.coords[i][:, j], sign * scores, atol=1e-4)
        shares = seq.axis_explained[i][np.argsort(seq.axis_components[i])]
        assert (np.diff(shares) <= 1e-12).all()  # pc1 holds the most
        assert shares.sum() == pytest.approx(seq.explained_variance[i])


def test_matched_axes_of_neighbouring_layers_agree(digits_test):
    seq = layer_sequence(_Softmax(), digits_test.images[:300], dims=64)
    c = seq.coords.astype(np.float64)
    for i in range(1, len(c)):
        a, b = c[i] - c[i].mean(0), c[i - 1] - c[i - 1].mean(0)
        corr = (a * b).sum(0) / (np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0))
        assert (corr >= -1e-9).all() and corr.mean() > 0.2, (seq.names[i], corr)
        unaligned = c[i] @ seq.rotations[i].numpy().T  # each layer's PCs in their own order
        gap = np.linalg.norm(c[i] - c[i - 1])
        assert gap <= np.linalg.norm(unaligned - c[i - 1]) + 1e-6


class _WithConstantAndOneFeature(nn.Module):
    """A layer whose points all coincide (``dead``) and a one-feature layer (``score``)."""

    def __init__(self):
        super().__init__()
        self.fc, self.dead, self.score = nn.Linear(64, 16), nn.Linear(16, 8), nn.Linear(16, 1)
        with torch.no_grad():
            self.dead.weight.zero_()
            self.dead.bias.fill_(3.0)

    def forward(self, x):
        h = self.fc(x.flatten(1))
        return self.dead(h).sum(1, keepdim=True) + self.score(h)


def test_a_constant_layer_sets_no_width_and_stays_at_one_place(digits_test):
    seq = layer_sequence(_WithConstantAndOneFeature(), digits_test.images[:100], ["fc", "dead"])
    assert seq.ranks[1] == 0 and seq.coords.shape[2] == 16  # fc's rank sets the width
    assert np.abs(seq.coords[1]).max() < 1e-6  # not float noise blown up to the unit ball
    assert seq.scales[1] == pytest.approx(3.0 * np.sqrt(8))  # its centre's norm


def test_a_one_feature_layer_gets_one_zero_axis(digits_test):
    seq = layer_sequence(_WithConstantAndOneFeature(), digits_test.images[:100], ["fc", "score"])
    assert seq.ranks[1] == 1 and seq.coords.shape[2] == 2  # at least 2 dims
    assert sorted(seq.axis_components[1].tolist()) == [-1, 0]
    zero_axis = seq.axis_components[1].tolist().index(-1)
    assert np.abs(seq.coords[1][:, zero_axis]).max() == 0.0
    assert seq.axis_explained[1][zero_axis] == 0.0
