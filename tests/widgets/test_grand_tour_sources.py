"""GrandTour.from_training / from_layers / from_adversarial on digits and a small CNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz import GrandTour
from nbviz.data import digits
from nbviz.models import SmallCNN, capture_activations, train
from nbviz.tour.framing import reduce_frames


@pytest.fixture(scope="module")
def data():
    return digits("test").subset(240, seed=0)


@pytest.fixture(scope="module")
def trained(data):
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8))
    result = train(
        model, digits("train"), epochs=2, lr=3e-3, progress=False,
        snapshot_layers=["logits", "fc1"], snapshot_data=data,
    )  # fmt: skip
    return model, result


# --- from_training --------------------------------------------------------------------------
def test_training_from_result_replayed(trained, data):
    model, result = trained
    tour = GrandTour.from_training(result, model, data, layer="softmax")
    assert tour.points.shape == (3, 240, 10)
    assert tour.frame_names == ["epoch 0", "epoch 1", "epoch 2"]
    assert tour.dim_names == list(data.class_names)
    assert tour.class_names == list(data.class_names)
    assert np.array_equal(tour.labels, data.labels.numpy())
    assert tour.thumbnails.shape == (240, 8, 8, 1) and tour.thumbnails.dtype == np.uint8
    assert tour.epochs == [0, 1, 2]
    # softmax rows sum to one: undo the view's normalization and check.
    raw = tour.points * tour.scale + tour.center
    assert np.allclose(raw.sum(-1), 1.0, atol=1e-4)
    # the last frame is the trained model's softmax
    want = torch.softmax(capture_activations(model, data, "logits")["logits"], 1).numpy()
    assert np.allclose(raw[-1], want, atol=1e-4)
    # training separates the classes: accuracy of the argmax grows from epoch 0
    acc = [(f.argmax(1) == data.labels.numpy()).mean() for f in raw]
    assert acc[-1] > 0.9 > acc[0]


def test_training_recorded_activations_and_reduction(trained, data):
    model, result = trained
    logits = GrandTour.from_training(result, class_names=data.class_names)  # recorded, no data
    assert logits.points.shape == (3, 240, 10) and logits.dim_names == list(data.class_names)
    assert logits.thumbnails is None
    assert np.array_equal(logits.labels, data.labels.numpy())  # result.snapshot_labels
    # fc1 is 128 wide: exactly MAX_DIM, no reduction; with dims=16, one PCA for all epochs
    wide = GrandTour.from_training(result, model, data, layer="fc1", dims=16)
    assert wide.points.shape == (3, 240, 16) and wide.dim_names[0] == "PC1"
    stacked = result.stacked_activations("fc1").numpy()
    reduced, fitted = reduce_frames(stacked, 16)
    comps = fitted.components.numpy()
    assert np.allclose(wide.components, comps, atol=1e-4)
    assert np.allclose(wide.points * wide.scale + wide.center, reduced, atol=1e-3)


def test_training_from_state_dict_list_and_activation_list(trained, data):
    model, result = trained
    states = [s.state_dict for s in result.snapshots]
    a = GrandTour.from_training(states, model, data)
    b = GrandTour.from_training(result, model, data)
    assert np.allclose(a.points, b.points) and a.frame_names == b.frame_names
    acts = [np.random.default_rng(e).normal(size=(50, 200)) for e in range(4)]
    c = GrandTour.from_training(acts, labels=[0, 1] * 25)
    # 200 dims > MAX_DIM: PCA, and PCA of 50 points gives at most 50 dims
    assert c.points.shape == (4, 50, 50) and c.frame_names[-1] == "epoch 3"


# --- from_layers ----------------------------------------------------------------------------
def test_layers(trained, data):
    model, _ = trained
    tour = GrandTour.from_layers(model, data, dims=12)
    assert tour.frame_names[0] == "input" and tour.frame_names[-1] == "logits"
    # dims=12, but the 10 logits span 10 dims: every layer on its own top 10 PCs
    assert tour.points.shape == (len(tour.layers), 240, 10)
    assert tour.class_names == list(data.class_names)
    assert tour.thumbnails.shape[0] == 240
    some = GrandTour.from_layers(model, data.images, data.labels, layers=["relu1", "fc1", "logits"])
    assert some.frame_names == ["relu1", "fc1", "logits"]
    assert some.points.shape[2] == 10  # one common width: the least real rank


class _SharedReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(64, 20), nn.Linear(20, 10), nn.ReLU()

    def forward(self, x):
        return self.fc2(self.act(self.fc1(self.act(x.flatten(1)))))


def test_layers_that_cannot_be_sequenced(data):
    with pytest.raises(ValueError, match=r"'act'.*more than once.*from_activations"):
        GrandTour.from_layers(_SharedReLU(), data.images, data.labels)
    # leaving it out works
    tour = GrandTour.from_layers(_SharedReLU(), data.images, data.labels, layers=["fc1", "fc2"])
    assert tour.frame_names == ["fc1", "fc2"]
    with pytest.raises(ValueError, match=r"layers: unknown layer 'fc3'.*'fc1'"):
        GrandTour.from_layers(_SharedReLU(), data.images, layers=["fc1", "fc3"])


# --- from_adversarial -----------------------------------------------------------------------
def test_adversarial_pgd(trained, data):
    model, _ = trained
    tour = GrandTour.from_adversarial(
        model, data, method="pgd", eps=0.3, steps=6, n_attacked=40, layer="softmax"
    )
    n, m = 240, 40
    assert tour.points.shape == (7, n + m, 10)
    assert tour.frame_names == [f"step {t}" for t in range(7)]
    clean = tour.points[:, :n]
    assert np.allclose(clean, clean[:1])  # the clean points do not move
    moved = np.abs(tour.points[-1, n:] - tour.points[0, n:]).max(axis=1)
    assert (moved > 1e-3).mean() > 0.8  # the attacked copies do
    # step 0: each copy sits on its clean twin
    assert np.allclose(tour.points[0, n:], tour.points[0, tour.attacked_sources], atol=1e-5)
    rate = tour.success_rate
    assert rate.shape == (7,) and rate[0] == 0.0 and rate[-1] > 0.5
    assert np.all(np.diff(rate) >= -0.05) and rate[-1] > rate[1]
    assert list(tour.attacked_indices) == list(range(n, n + m)) == tour.selection
    names = tour.class_names
    assert len(names) > 10 and all(s.endswith("(attacked)") for s in names[10:])
    assert all(names[c].startswith(data.class_names[int(data.labels[s])])
               for c, s in zip(tour.labels[n:], tour.attacked_sources, strict=True))  # fmt: skip
    assert tour.thumbnails.shape[0] == n + m
    assert tour.attack.inputs.shape[:2] == (7, m)


def test_adversarial_targeted_and_fgsm(trained, data):
    model, _ = trained
    t = GrandTour.from_adversarial(
        model, data, eps=0.3, steps=5, targeted=True, target=3, n_attacked=20, highlight=False
    )
    assert t.points.shape == (6, 260, 10) and t.selection == []
    assert all("→ 3 (attacked)" in s for s in t.class_names[10:])
    assert 3 not in set(data.labels[t.attacked_sources].tolist())
    assert t.success_rate[0] == 0.0 and t.success_rate[-1] > t.success_rate[0]
    one = GrandTour.from_adversarial(model, data, eps=0.3, steps=2, attack_classes=["7"])
    assert set(data.labels[one.attacked_sources].tolist()) == {7}
    assert one.class_names[10:] == ["7 (attacked)"] and one.points.shape[1] > 240
    f = GrandTour.from_adversarial(model, data.images, data.labels, method="fgsm", eps=0.2)
    assert f.points.shape[0] == 2 and f.frame_names == ["step 0", "step 1"]


# --- bad input ------------------------------------------------------------------------------
def test_bad_inputs(trained, data):
    model, result = trained
    with pytest.raises(ValueError, match="eps"):
        GrandTour.from_adversarial(model, data, eps=0)
    with pytest.raises(ValueError, match="eps"):
        GrandTour.from_adversarial(model, data, eps=-0.1)
    with pytest.raises(ValueError, match="labels: expected 240 labels"):
        GrandTour.from_adversarial(model, data.images, data.labels[:10])
    with pytest.raises(ValueError, match="method: unknown attack method 'pdg'"):
        GrandTour.from_adversarial(model, data, method="pdg")
    with pytest.raises(ValueError, match="target"):
        GrandTour.from_adversarial(model, data, targeted=True)
    with pytest.raises(ValueError, match=r"attack_classes: unknown class 'seven'"):
        GrandTour.from_adversarial(model, data, attack_classes=["seven"])
    with pytest.raises(ValueError, match=r"layer: unknown layer 'logit'.*'logits'"):
        GrandTour.from_adversarial(model, data, layer="logit")
    with pytest.raises(ValueError, match=r"layer: unknown layer 'softmx'.*'softmax'"):
        GrandTour.from_training(result, model, data, layer="softmx")
    no_acts = train(SmallCNN(in_shape=(1, 8, 8)), digits("test"), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"data: .*no activations.*pass model= and data="):
        GrandTour.from_training(no_acts)
    with pytest.raises(ValueError, match=r"data: .*pass data="):
        GrandTour.from_training(no_acts, model)
    ragged = [np.zeros((30, 4)), np.ones((31, 4))]
    with pytest.raises(ValueError, match=r"result_or_snapshots: .*point counts.*\[30, 31\]"):
        GrandTour.from_training(ragged)
    with pytest.raises(ValueError, match="labels: expected 30 labels"):
        GrandTour.from_training([np.zeros((30, 4))] * 2, labels=[0, 1])
    with pytest.raises(TypeError, match="result_or_snapshots"):
        GrandTour.from_training("result")
    with pytest.raises(ValueError, match="data: has 100 items"):
        GrandTour.from_training(result, class_names=None, data=data.images[:100])
    with pytest.raises(TypeError, match="model"):
        GrandTour.from_layers("model", data)
    with pytest.raises(ValueError, match="dims"):
        GrandTour.from_layers(model, data, dims=500)


# --- predictions and colours the sources fill in -----------------------------------------
def test_sources_fill_predictions_per_frame(trained, data):
    model, result = trained
    y = data.labels.numpy()
    tour = GrandTour.from_training(result, model, data, layer="fc1", dims=16)
    # fc1 is no score layer: the predictions come from replaying each epoch's logits
    want = [capture_activations(model, data, "logits")["logits"].argmax(1).numpy()]
    assert tour.predictions.shape == (3, 240) and tour.predictions.dtype == np.int32
    assert np.array_equal(tour.predictions[-1], want[0])
    acc = (tour.predictions == y).mean(axis=1)
    assert acc[-1] > 0.9 > acc[0]  # the model learns across the frames
    recorded = GrandTour.from_training(result)  # recorded logits, no replay
    assert np.array_equal(recorded.predictions, tour.predictions)

    layers = GrandTour.from_layers(model, data, layers=["fc1", "logits"], dims=8)
    assert np.array_equal(layers.predictions[0], want[0])
    assert np.array_equal(layers.predictions[1], want[0])  # one prediction for all layers


def test_adversarial_colours_and_step_predictions(trained, data):
    model, _ = trained
    tour = GrandTour.from_adversarial(model, data, eps=0.3, steps=4, n_attacked=30)
    n, m = 240, 30
    # each attacked copy is drawn in its true class's colour
    true = data.labels.numpy()[tour.attacked_sources]
    copy_codes = tour.labels[n:]
    assert [tour.color_of(int(c)) for c in copy_codes] == [tour.color_of(int(k)) for k in true]
    assert len(tour.class_colors) == len(tour.class_names)
    # predictions: clean points constant, copies follow the attack step by step
    assert tour.predictions.shape == (5, n + m)
    assert (tour.predictions[:, :n] == tour.predictions[0, :n]).all()
    assert np.array_equal(tour.predictions[:, n:], tour.attack.predictions.numpy())
    assert np.array_equal(tour.predictions[0, n:], true)  # step 0: correctly classified
    flipped = (tour.predictions[-1, n:] != true).mean()
    assert flipped == pytest.approx(tour.success_rate[-1])
