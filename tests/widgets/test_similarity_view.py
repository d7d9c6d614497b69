"""SimilarityView in Python: the matrices over training, the checkpoint and pair traits, the
CCA-aligned tour of a clicked pair, the figure, the builder from a result, and bad input.
On a small MLP defined here (not from the zoo), trained for two epochs on digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import traitlets
from torch import nn

from nbviz import GrandTour, SimilarityView
from nbviz.data import digits
from nbviz.models import capture_activations, train
from nbviz.similarity import cca_aligned, similarity_over_training

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LAYERS = ["act1", "act2", "out"]


class ThreeLayerMLP(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.flat = nn.Flatten()
        self.fc1, self.act1 = nn.Linear(64, width), nn.ReLU()
        self.fc2, self.act2 = nn.Linear(width, width), nn.ReLU()
        self.out = nn.Linear(width, 10)

    def forward(self, x):
        return self.out(self.act2(self.fc2(self.act1(self.fc1(self.flat(x))))))


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    net = ThreeLayerMLP()
    result = train(net, digits().subset(400, seed=0), epochs=2, progress=False, device="cpu")
    return net, result, digits("test").subset(150, seed=1)


@pytest.fixture(scope="module")
def view(trained):
    net, result, data = trained
    v = SimilarityView(net, data, LAYERS, result, start=False, device="cpu")
    v.run(progress=False)
    return v


def test_the_matrices_at_every_checkpoint_are_similarity_over_training(trained, view):
    net, result, data = trained
    assert view.layers == view.other_layers == LAYERS and not view.other_network
    assert view.checkpoint_labels == ["epoch 0", "epoch 1", "epoch 2"]
    assert view.matrices.shape == (3, 3, 3) and view.matrices.dtype == np.float32
    assert view.to_final.shape == (3, 3) and view.to_final.dtype == np.float32
    assert view.method == "linear_cka" and view.checkpoint == 2  # the final state first
    want = similarity_over_training(net, result, data, LAYERS, progress=False)
    np.testing.assert_allclose(view.matrices, want.matrices, atol=1e-6)
    np.testing.assert_allclose(view.to_final, want.to_final, atol=1e-6)
    np.testing.assert_allclose(np.diagonal(view.matrices, axis1=1, axis2=2), 1, atol=1e-5)
    np.testing.assert_allclose(view.to_final[-1], 1, atol=1e-5)
    assert view.job_state == "done" and view.job_progress == 1.0
    assert view.result.labels == view.checkpoint_labels
    assert "3 of 3 checkpoint(s) computed" in repr(view)


def test_before_the_run_nothing_is_computed_and_the_job_runs_in_the_background(trained):
    net, result, data = trained
    v = SimilarityView(net, data, ["act1", "out"], result, method="svcca", start=False)
    assert v.matrices.shape == (3, 2, 2) and np.isnan(v.matrices).all()
    assert np.isnan(v.to_final).all() and v.job_state == "idle"
    v.start()
    sim = v.wait(timeout=60)
    assert v.job_state == "done" and not v.running and sim is v.result
    assert not np.isnan(v.matrices).any() and v.method == "svcca"
    assert v.job_message == "done: svcca of 2 × 2 layers at 3 checkpoint(s)"


def test_checkpoint_is_checked_and_moving_it_clears_the_pair(view):
    with pytest.raises(traitlets.TraitError, match=r"checkpoint: 3 is out of range; there are 3"):
        view.checkpoint = 3
    with pytest.raises(traitlets.TraitError, match="checkpoint"):
        view.checkpoint = -1
    with pytest.raises(traitlets.TraitError, match=r"pair: expected a row in 0..2"):
        view.pair = [0, 3]
    with pytest.raises(traitlets.TraitError, match=r"pair: expected \[row, column\]"):
        view.pair = [1]
    view.checkpoint = 2
    view.pair = [0, 1]
    assert view.pair == [0, 1]
    view.checkpoint = 1
    assert view.pair == [] and view.tour is not None  # the tour stays, of epoch 2
    view.checkpoint = 2


def test_a_pair_builds_a_tour_of_the_two_layers_aligned_by_cca(trained, view):
    _, result, data = trained
    view.checkpoint = 1
    view.pair = [0, 2]  # act1 x out, at epoch 1
    tour = view.tour
    assert isinstance(tour, GrandTour)
    assert tour.points.shape[:2] == (2, len(data.labels)) and tour.points.shape[2] >= 2
    assert tour.frame_names == ["act1 · epoch 1", "out · epoch 1"]
    assert tour.dim_names[0] == "CC1" and "correlate by ρ" in tour.frame_dim_notes[0][0]
    assert list(tour.labels) == data.labels.tolist()
    # The frames are the layers at epoch 1 on their shared canonical directions.
    net1 = ThreeLayerMLP()
    net1.load_state_dict(result.snapshot_at(1).state_dict)
    acts = capture_activations(net1, data, ["act1", "out"], flatten=True)
    want = cca_aligned(acts["act1"], acts["out"], dims=10)
    np.testing.assert_allclose(tour.canonical_correlations, want.coefficients, atol=1e-5)
    assert tour.points.shape[2] == want.x.shape[1]
    assert "act1 × out at epoch 1" in view.tour_note and "ρ = " in view.tour_note
    (item,) = view.tour_output.outputs  # shown below the view
    assert item["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == tour.model_id
    # An explicit call, of another checkpoint, leaves the view's tour alone.
    other = view.tour_for(1, 1, checkpoint=0)
    assert other.frame_names == ["act2 · epoch 0", "act2 · epoch 0"] and view.tour is tour
    np.testing.assert_allclose(other.canonical_correlations, 1, atol=1e-4)  # a layer and itself
    box = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in (
        box[0] if isinstance(box, tuple) else box
    )  # fmt: skip
    view.checkpoint = 2


def test_two_networks_rows_and_columns(trained):
    net, result, data = trained
    torch.manual_seed(1)
    other = ThreeLayerMLP(width=16)
    v = SimilarityView(net, data, ["act1", "act2"], result, other=other,
                       other_layers=["act2", "out", "act1"], start=False)  # fmt: skip
    v.run(progress=False)
    assert v.other_network and v.other_layers == ["act2", "out", "act1"]
    assert v.matrices.shape == (3, 2, 3) and not np.isnan(v.matrices).any()
    v.pair = [1, 0]
    assert v.tour.frame_names == ["act2 · epoch 2", "act2 · other network"]
    fig = v.figure()
    assert fig.axes[0].get_xlabel() == "other network"
    # One network, other layers as columns.
    same = SimilarityView(net, data, ["act1"], other_layers=["act1", "out"], start=False)
    same.run(progress=False)
    assert same.checkpoint_labels == ["model"] and same.matrices.shape == (1, 1, 2)
    assert same.matrices[0, 0, 0] == pytest.approx(1, abs=1e-5)


def test_figure_draws_the_matrix_and_the_lines(view, tmp_path):
    view.pair = [1, 2]
    fig = view.figure()
    ax, lines = fig.axes[:2]
    assert ax.get_title() == "linear_cka · epoch 2"
    assert [t.get_text() for t in ax.get_yticklabels()] == LAYERS
    assert [line.get_label() for line in lines.get_lines()][:3] == LAYERS
    assert len(ax.patches) == 1  # the clicked pair, outlined
    path = view.save(tmp_path / "similarity.png")
    assert path.stat().st_size > 5_000


def test_from_result_shows_it_and_tours_with_the_weights_it_is_given(trained, view):
    net, result, data = trained
    sim = view.result
    shown = SimilarityView.from_result(sim)
    np.testing.assert_allclose(shown.matrices, sim.matrices, atol=1e-6)
    assert shown.result is sim and shown.job_state == "done" and shown.checkpoint == 2
    with pytest.raises(RuntimeError, match="built from a result"):
        shown.start()
    shown.pair = [0, 1]  # no model, no data: no tour, and the view says why
    assert shown.tour is None and "No tour of act1 × act2" in shown.tour_note
    with pytest.raises(RuntimeError, match="model= and data="):
        shown.tour_for(0, 1)
    # With the model (as it is: the final state) only the last checkpoint can be toured.
    final = SimilarityView.from_result(sim, model=net, data=data)
    final.pair = [0, 1]
    assert final.tour.frame_names == ["act1 · epoch 2", "act2 · epoch 2"]
    final.checkpoint = 0
    final.pair = [0, 1]
    assert "weights of epoch 0 were not given: pass checkpoints=" in final.tour_note
    # With the checkpoints every one can.
    full = SimilarityView.from_result(sim, model=net, data=data, checkpoints=result)
    full.checkpoint = 0
    full.pair = [2, 2]
    assert full.tour.frame_names == ["out · epoch 0", "out · epoch 0"]
    with pytest.raises(TypeError, match="expected a SimilarityOverTraining"):
        SimilarityView.from_result(view.matrices)
    with pytest.raises(ValueError, match="expected the 3 checkpoints of the result, got 1"):
        SimilarityView.from_result(sim, model=net, data=data, checkpoints=[net.state_dict()])


def test_bad_input_says_what_is_wrong(trained):
    net, _, data = trained
    with pytest.raises(ValueError, match=r"unknown layer 'act3'\. Did you mean 'act2', 'act1'"):
        SimilarityView(net, data, ["act1", "act3"], start=False)
    with pytest.raises(ValueError, match="other_layers: unknown layer 'fc9'"):
        SimilarityView(net, data, ["act1"], other_layers=["fc9"], start=False)
    with pytest.raises(ValueError, match=r"method: unknown method 'cka'.*'linear_cka'"):
        SimilarityView(net, data, LAYERS, method="cka", start=False)
    with pytest.raises(ValueError, match="layers: each layer once, got 'act1' twice"):
        SimilarityView(net, data, ["act1", "act2", "act1"], start=False)
    with pytest.raises(ValueError, match="layers: expected at least one layer name"):
        SimilarityView(net, data, [], start=False)
    with pytest.raises(ValueError, match=r"checkpoints\[0\]: not a state dict of the model"):
        SimilarityView(net, data, LAYERS, [ThreeLayerMLP(8).state_dict() | {"x": torch.ones(1)}],
                       start=False)  # fmt: skip
    with pytest.raises(TypeError, match="a TrainResult or a non-empty list of state dicts"):
        SimilarityView(net, data, LAYERS, "epochs", start=False)
    with pytest.raises(ValueError, match="labels: expected 150 labels"):
        SimilarityView(net, data, LAYERS, labels=[0, 1], start=False)
    with pytest.raises(ValueError, match="tour_dims: expected an integer >= 2"):
        SimilarityView(net, data, LAYERS, tour_dims=1, start=False)
    with pytest.raises(ValueError, match="device: expected 'auto'"):
        SimilarityView(net, data, LAYERS, device="gpu7", start=False)
    with pytest.raises(ValueError, match="data"):
        SimilarityView(net, torch.zeros(10, 3), LAYERS, start=False)  # not 64 features
    with pytest.raises(TypeError, match=r"unexpected keyword 'hieght'; did you mean 'height'\?"):
        SimilarityView(net, data, LAYERS, hieght=300)
    with pytest.raises(TypeError, match="unexpected keyword 'other_network'"):
        SimilarityView(net, data, LAYERS, other_network=True)
    v = SimilarityView(net, data, LAYERS, start=False)
    with pytest.raises(ValueError, match=r"row: expected 0..2, got 5"):
        v.tour_for(5, 0)
    with pytest.raises(traitlets.TraitError, match="height"):
        v.height = 10


def test_every_synced_trait_has_help():
    own = {n: t for n, t in SimilarityView.class_traits(sync=True).items() if not n.startswith("_")}
    names = ["layers", "other_layers", "checkpoint_labels", "matrices", "to_final"]
    names += ["checkpoint", "method", "pair", "height", "tour_note", "other_network"]
    for name in names:
        assert own[name].help, name
