"""GrandTour.from_layers on the zoo's SmallCNN, a user's own conv net and a user's own MLP,
on real digits: no padding axes, axes named for their principal components, and a note
per frame on how the points got there (the article's linear maps, or activations only)."""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from nbviz import GrandTour
from nbviz.data import digits
from nbviz.models import SmallCNN, capture_activations, layer_names, train


@pytest.fixture(scope="module")
def data():
    return digits("test")


def _trained(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    train(model, digits("train"), epochs=2, lr=3e-3, progress=False, seed=0, device="cpu")
    return model.eval()


def _own_conv_net() -> nn.Module:
    """conv → ReLU → maxpool → conv → ReLU → maxpool → flatten → linear, for 8×8 digits."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10),
    )  # fmt: skip


def _own_mlp() -> nn.Module:
    """The issue's MLP: Linear → BatchNorm1d → GELU → Linear → GELU → Linear(10)."""
    return nn.Sequential(OrderedDict(
        flatten=nn.Flatten(), fc1=nn.Linear(64, 64), bn1=nn.BatchNorm1d(64), gelu1=nn.GELU(),
        fc2=nn.Linear(64, 32), gelu2=nn.GELU(), head=nn.Linear(32, 10),
    ))  # fmt: skip


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return {
        "SmallCNN": _trained(SmallCNN(in_shape=(1, 8, 8))),
        "own conv net": _trained(_own_conv_net()),
        "own MLP": _trained(_own_mlp()),
    }


@pytest.fixture(scope="module")
def tours(models, data):
    return {name: GrandTour.from_layers(model, data) for name, model in models.items()}


def _real_rank(activations: torch.Tensor) -> int:
    """The dims the points span: singular values of the centred activations holding more
    than 1e-6 of the variance (numpy's SVD, not the package's PCA)."""
    a = activations.double().numpy()
    s = np.linalg.svd(a - a.mean(0), compute_uv=False)
    var = s**2
    return int((var > 1e-6 * var.sum()).sum()) if var.sum() > 0 else 0


NAMES = ["SmallCNN", "own conv net", "own MLP"]


@pytest.mark.parametrize("name", NAMES)
def test_no_toured_dimension_is_zero_for_all_points(tours, name):
    tour = tours[name]
    points = tour.points.astype(np.float64)
    for f in range(points.shape[0]):
        frame = points[f]
        rms = np.sqrt(((frame - frame.mean(0)) ** 2).sum(1).mean())
        spread = frame.std(axis=0)  # per dim, over the points
        assert (spread > 1e-6 * rms).all(), (tour.frame_names[f], spread.min() / rms)
        assert (np.abs(frame).max(axis=0) > 1e-6 * rms).all()


@pytest.mark.parametrize("name", NAMES)
def test_width_is_the_least_real_rank_and_frames_are_the_layers(models, tours, name, data):
    model, tour = models[name], tours[name]
    layers = layer_names(model, leaves_only=True)
    assert tour.frame_names == layers == tour.layers
    acts = capture_activations(model, data, layers, flatten=True)
    ranks = [_real_rank(a) for a in acts.values()]
    assert tour.d == min(64, *ranks) == 10  # the 10-wide head sets it
    assert tour.sequence.ranks == [min(r, 64) for r in ranks]


@pytest.mark.parametrize("name", NAMES)
def test_axes_are_named_for_their_principal_components(tours, name):
    tour = tours[name]
    t, _, d = tour.points.shape
    assert len(tour.frame_dim_names) == len(tour.frame_dim_notes) == t
    for layer, names, notes in zip(
        tour.frame_names, tour.frame_dim_names, tour.frame_dim_notes, strict=True
    ):
        assert len(names) == len(set(names)) == len(notes) == d
        for axis, (dim_name, note) in enumerate(zip(names, notes, strict=True)):
            pc = re.fullmatch(rf"{re.escape(layer)}·pc(\d+)", dim_name)
            assert pc, dim_name
            assert re.fullmatch(
                rf"{re.escape(layer)} · pc{pc[1]}: [\d.]+% of the layer's variance", note
            ), note
            assert tour.dim_name(axis, frame=tour.frame_names.index(layer)) == dim_name
        # each frame shows its layer's top d components
        assert sorted(int(n.rsplit("pc", 1)[1]) for n in names) == list(range(1, d + 1))


@pytest.mark.parametrize("name", NAMES)
def test_neighbouring_frames_match_axis_to_axis(tours, name):
    points = tours[name].points.astype(np.float64)
    for f in range(1, points.shape[0]):
        a = points[f] - points[f].mean(0)
        b = points[f - 1] - points[f - 1].mean(0)
        corr = (a * b).sum(0) / (np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0))
        assert (corr > -1e-6).all() and corr.mean() > 0.2, (f, corr)


def test_notes_say_how_the_points_got_there(tours):
    notes = {
        name: dict(zip(tour.frame_names, tour.frame_notes, strict=True))
        for name, tour in tours.items()
    }
    for tour in tours.values():
        assert len(tour.frame_notes) == tour.points.shape[0]
        assert all(note and "\n" not in note for note in tour.frame_notes)
        assert all(re.search(r" · 10 PCs, [\d.]+% of its variance$", n) for n in tour.frame_notes)
    cnn = notes["SmallCNN"]
    assert cnn["input"].startswith("input: the data as given")
    assert cnn["conv2"].startswith("conv2: a linear map (Conv2d 16→32, 3×3) of relu1 · ")
    assert re.match(
        r"pool1: max pooling ≈ average pooling ×[\d.]+ of conv1 \(approximate linear map\)",
        cnn["pool1"],
    )
    assert cnn["bn1"].startswith("bn1: a linear map (BatchNorm2d) of pool1")
    assert cnn["relu1"].startswith(
        "relu1: ReLU of bn1, not linear: the points move straight between the two views"
    )
    assert cnn["flatten"].startswith("flatten: the same values as relu2 (reshaped)")
    conv = notes["own conv net"]
    assert conv["3"].startswith("3: a linear map (Conv2d 8→16, 3×3) of 2")
    assert conv["5"].startswith("5: max pooling ≈ average pooling ×")
    assert conv["7"].startswith("7: a linear map (Linear 64→10) of 6")
    mlp = notes["own MLP"]
    assert mlp["bn1"].startswith("bn1: a linear map (BatchNorm1d) of fc1")
    assert mlp["gelu1"].startswith("gelu1: GELU of bn1, not linear")
    assert mlp["head"].startswith("head: a linear map (Linear 32→10) of gelu2 · 10 PCs, 100")


def test_notes_over_several_steps_and_chosen_layers(models, data):
    tour = GrandTour.from_layers(models["own conv net"], data, layers=["1", "4", "7"])
    assert tour.frame_notes[0].startswith("1: not linear (Conv2d 1→8, 3×3; ReLU) of the input")
    assert (
        tour.frame_notes[1].startswith("4: not linear (max pooling ≈ average pooling ×")
        and "; Conv2d 8→16, 3×3; ReLU) of 1: the points move straight" in tour.frame_notes[1]
    )
    assert re.match(
        r"7: an approximate linear map \(max pooling ≈ average pooling ×[\d.]+; Linear 64→10\) "
        r"of 4",
        tour.frame_notes[2],
    )
    backwards = GrandTour.from_layers(models["own MLP"], data, layers=["fc2", "fc1"])
    assert backwards.frame_notes[1].startswith(
        "fc1: activations only (it does not follow fc2 in the forward pass)"
    )


class _Residual(nn.Module):
    """A residual sum in forward: linearize cannot follow it."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.flatten(1)
        return self.fc2(x + torch.relu(self.fc1(x)))


def test_activations_only_when_linearize_cannot_follow(data):
    tour = GrandTour.from_layers(_Residual(), data)
    assert tour.frame_names == ["input", "fc1", "fc2"]
    reason = "activations only: linearize cannot follow this model (the input of layer 'fc2'"
    assert all(note.startswith(reason) for note in tour.frame_notes), tour.frame_notes
    assert tour.frame_dim_names[1][0].startswith("fc1·pc")


def test_figure_draws_the_frames_axis_names_and_note(tours):
    tour = tours["own MLP"]
    tour.frame = float(tour.frame_names.index("head"))
    fig = tour.figure()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(re.fullmatch(r"head·pc\d+", t) for t in texts), texts
    assert tour.frame_notes[int(tour.frame)] in texts
