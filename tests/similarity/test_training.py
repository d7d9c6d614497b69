"""Similarity over training on a 4-layer MLP defined here, trained on digits: the
bottom-up convergence of Raghu et al. shows (lower layers closer to their final state at
the start), the matrices and the figure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.data import digits
from nbviz.models import train
from nbviz.similarity import layer_similarity, similarity_over_training

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LAYERS = ["act1", "act2", "act3", "out"]


class DeepDigitMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flat = nn.Flatten()
        self.fc1, self.act1 = nn.Linear(64, 64), nn.ReLU()
        self.fc2, self.act2 = nn.Linear(64, 64), nn.ReLU()
        self.fc3, self.act3 = nn.Linear(64, 64), nn.ReLU()
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        x = self.act1(self.fc1(self.flat(x)))
        return self.out(self.act3(self.fc3(self.act2(self.fc2(x)))))


def test_lower_layers_start_closer_to_their_final_state():
    data = digits()
    torch.manual_seed(0)
    net = DeepDigitMLP()
    result = train(net, data.subset(1400, seed=0), epochs=6, progress=False)
    shown = data.subset(500, seed=1)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    sim = similarity_over_training(net, result, shown, LAYERS, progress=False)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # untouched
    assert sim.labels == [f"epoch {e}" for e in range(7)]
    assert sim.matrices.shape == (7, 4, 4) and sim.to_final.shape == (7, 4)
    np.testing.assert_allclose(sim.to_final[-1], 1.0, atol=1e-9)
    first = sim.to_final[0]
    assert (np.diff(first) < -0.03).all(), first  # bottom-up: each layer further than the last
    assert sim.to_final[-2].min() > first.max()  # and all of them closer near the end
    np.testing.assert_allclose(sim.matrices[-1], layer_similarity(net, shown, LAYERS), atol=1e-9)
    settled = [sim.labels.index(sim.settled_at(0.9)[layer]) for layer in LAYERS]
    assert settled == sorted(settled) and settled[0] < len(sim.labels) - 1, settled
    fig = sim.figure()
    assert [line.get_label() for line in fig.axes[0].get_lines()] == LAYERS


def test_columns_of_another_network_or_layer_set_and_the_run_as_it_goes():
    data = digits()
    torch.manual_seed(0)
    net, other = DeepDigitMLP(), DeepDigitMLP()
    result = train(net, data.subset(300, seed=0), epochs=2, progress=False)
    shown = data.subset(200, seed=1)
    seen = []
    sim = similarity_over_training(
        net, result, shown, ["act1", "act2"], other=other, other_layers=["act3", "out", "act1"],
        progress=False, on_checkpoint=lambda c, m, t: seen.append((c, m.shape, t.shape)),
    )  # fmt: skip
    assert sim.matrices.shape == (3, 2, 3) and sim.to_final.shape == (3, 2)
    assert sim.other_layers == ["act3", "out", "act1"] and sim.other_network
    assert sim.columns == ["act3", "out", "act1"]
    assert [c for c, _, _ in seen] == [2, 0, 1]  # the final state first
    assert {(m, t) for _, m, t in seen} == {((2, 3), (2,))}
    np.testing.assert_allclose(
        sim.matrices[-1], layer_similarity(net, shown, ["act1", "act2"], other=other,
                                           other_layers=["act3", "out", "act1"]), atol=1e-9,
    )  # fmt: skip
    # The same network's other layers, at each checkpoint.
    same = similarity_over_training(net, result, shown, ["act1"], other_layers=["act1", "out"],
                                    progress=False)  # fmt: skip
    assert same.matrices.shape == (3, 1, 2) and not same.other_network
    np.testing.assert_allclose(same.matrices[:, 0, 0], 1.0, atol=1e-9)
    assert len(sim.figure().axes) >= 3
    # Stopped after the first checkpoint: the others are NaN.
    calls = []
    stopped = similarity_over_training(
        net, result, shown, ["act1"], progress=False,
        on_checkpoint=lambda *a: calls.append(a[0]), should_stop=lambda: bool(calls),
    )  # fmt: skip
    assert calls == [2] and np.isnan(stopped.to_final[:2]).all() and stopped.to_final[2, 0] == 1


def test_bad_input():
    torch.manual_seed(0)
    net = DeepDigitMLP()
    with pytest.raises(ValueError, match="Did you mean 'svcca'"):
        similarity_over_training(net, [net.state_dict()], digits(), LAYERS, method="svca")
    with pytest.raises(TypeError, match="a TrainResult or a non-empty list of state dicts"):
        similarity_over_training(net, [], digits(), LAYERS)
