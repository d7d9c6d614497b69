"""train_side_by_side and its parts: the scores, the same batches for every network, a
user's own network beside the paper's, stopping, and clear errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.coordconv import (
    Comparison,
    CoordConvNet,
    DeconvNet,
    check_comparison,
    coordinate_nets,
    predict,
    score,
    train_side_by_side,
)
from nbviz.data import not_so_clevr

FAST = {"eval_size": 16, "score_all": False, "progress": False}


class PixelMLP(nn.Module):
    """A user's own network: (row, column) → an MLP → one logit per pixel of the canvas."""

    def __init__(self, hidden: int = 32, side: int = 64):
        super().__init__()
        self.side = side
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, side * side))

    def forward(self, xy):
        return self.net(xy / self.side).reshape(-1, 1, self.side, self.side)


@pytest.fixture(scope="module")
def rendering():
    return not_so_clevr("rendering", "quadrant")


def test_nets_map_coordinates_to_a_logit_per_pixel_of_any_canvas():
    xy = torch.tensor([[4.0, 4.0], [59.0, 30.0]])
    assert DeconvNet()(xy).shape == (2, 1, 64, 64)
    assert CoordConvNet()(xy).shape == (2, 1, 64, 64)
    assert DeconvNet(width=4, canvas=16)(xy).shape == (2, 1, 16, 16)
    assert CoordConvNet(width=4, depth=2, canvas=10)(xy).shape == (2, 1, 10, 10)
    with pytest.raises(ValueError, match="power of two"):
        DeconvNet(canvas=48)
    with pytest.raises(ValueError, match=r"coordinates \[N, 2\]"):
        CoordConvNet()(torch.zeros(2, 3))


def test_coordinate_nets_are_seeded_and_leave_the_global_rng_alone():
    torch.manual_seed(5)
    before = torch.random.get_rng_state()
    a, b = coordinate_nets(seed=1), coordinate_nets(seed=1)
    assert torch.equal(torch.random.get_rng_state(), before)
    for name in a:
        for pa, pb in zip(a[name].parameters(), b[name].parameters(), strict=True):
            assert torch.equal(pa, pb)
    c = coordinate_nets(seed=2)
    assert not torch.equal(next(a["conv"].parameters()), next(c["conv"].parameters()))


def test_a_hand_set_coordconv_net_lights_the_target_square():
    # The CoordConv net's first layer sees each pixel's own coordinates: with hand-set
    # weights, "logit = -(distance to the target)" lights exactly the target's square.
    net = CoordConvNet(width=4, depth=2, canvas=16)
    conv1, conv2 = net.net[0].conv, net.net[2]
    with torch.no_grad():
        # inputs: target row, target column, pixel row, pixel column (all in [-1, 1])
        conv1.weight.zero_()
        conv1.bias.zero_()
        for k, (t, p) in enumerate([(0, 2), (1, 3)]):
            conv1.weight[2 * k, t], conv1.weight[2 * k, p] = 1, -1  # relu(t - p)
            conv1.weight[2 * k + 1, t], conv1.weight[2 * k + 1, p] = -1, 1  # relu(p - t)
        conv2.weight.fill_(-1.0)
        conv2.bias.fill_(1.5 * 2 / 15)  # within 1.5 pixels on the [-1, 1] grid of 16
    logits = predict(net, torch.tensor([[3.0, 12.0]]))
    lit = (logits.reshape(16, 16) > 0).nonzero().tolist()
    assert [3, 12] in lit and all(abs(r - 3) <= 1 and abs(c - 12) <= 1 for r, c in lit)


def test_score_is_centre_pixel_accuracy_or_square_iou():
    truth = torch.zeros(2, 1, 4, 4)
    truth[0, 0, :2, :2] = 1  # a 2 x 2 square top-left
    truth[1, 0, 2:, 2:] = 1
    logits = torch.full((2, 16), -5.0)
    logits[0, [0, 1, 4]] = 5  # 3 of its 4 pixels: IoU 3/4
    logits[1, [10, 11, 14, 15, 0]] = 5  # all 4 and one more: IoU 4/5
    np.testing.assert_allclose(score(logits, truth, "rendering"), [0.75, 0.8])
    onehot = torch.zeros(2, 1, 4, 4)
    onehot[0, 0, 1, 2] = onehot[1, 0, 3, 3] = 1
    guess = torch.zeros(2, 16)
    guess[0, 6], guess[1, 0] = 9, 9  # right, wrong
    assert score(guess, onehot, "classification").tolist() == [1.0, 0.0]


def test_every_network_gets_the_same_batches(rendering):
    # Two copies of one network with one learning rate end the same only if every step
    # gave them the same positions.
    twin = PixelMLP()
    res = train_side_by_side({"a": twin, "b": copy.deepcopy(twin)}, rendering, steps=6,
                             eval_every=3, **FAST)  # fmt: skip
    assert res.train["a"] == res.train["b"] and res.test["a"] == res.test["b"]
    assert res.loss["a"] == res.loss["b"]
    for pa, pb in zip(res.models["a"].parameters(), res.models["b"].parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_a_users_network_beside_coordconv_and_what_the_result_holds(rendering):
    mine = PixelMLP()
    start = copy.deepcopy(mine.state_dict())
    seen = []
    res = train_side_by_side({"mine": mine, "coordconv": CoordConvNet()}, rendering, steps=10,
                             eval_every=4, show=3, on_eval=lambda c: seen.append(c.steps[-1]),
                             **FAST)  # fmt: skip
    assert isinstance(res, Comparison) and res.names == ["mine", "coordconv"]
    assert res.steps == seen == [4, 8, 10]  # and after the last step
    assert res.metric == "IoU" and res.split == "quadrant" and not res.stopped
    for name in res.names:
        assert len(res.train[name]) == len(res.test[name]) == len(res.loss[name]) == 3
        assert all(0 <= v <= 1 for v in res.train[name] + res.test[name])
        assert res.predictions[name].shape == (3, 64, 64)
        p = res.predictions[name]
        assert p.dtype == np.float32 and p.min() >= 0 and p.max() <= 1
    # the shown positions are held out (bottom-right quadrant: rows and columns >= 32),
    # and their true images are the squares there
    assert res.positions.shape == (3, 2) and (res.positions >= 32).all()
    r, c = res.positions[0]
    assert res.truth[0, r - 4 : r + 5, c - 4 : c + 5].min() == 1 and res.truth[0].sum() == 81
    assert res.final == {}  # score_all=False
    for k, v in mine.state_dict().items():  # the network given is not trained
        assert torch.equal(v, start[k])
    assert "held-out IoU" in repr(res)
    fig = res.figure()
    assert len(fig.axes) == 1 + 3 * 3  # the score chart, and (true + 2 runs) x 3 pictures


def test_classification_scores_accuracy_and_shows_a_peaked_map():
    data = not_so_clevr("classification", "quadrant")
    res = train_side_by_side({"coordconv": CoordConvNet(width=4, depth=2)}, data, steps=2,
                             eval_every=2, show=2, **FAST)  # fmt: skip
    assert res.metric == "accuracy"
    np.testing.assert_allclose(res.predictions["coordconv"].max(axis=(1, 2)), 1.0, rtol=1e-6)


def test_score_all_scores_every_position_at_the_end():
    data = not_so_clevr("classification", "quadrant")
    res = train_side_by_side({"tiny": CoordConvNet(width=2, depth=2)}, data, steps=1,
                             eval_size=8, progress=False)  # fmt: skip
    assert set(res.final["tiny"]) == {"train", "test"}
    logits = predict(res.models["tiny"], data.test.data)
    expected = float(score(logits, data.test.targets, "classification").mean())
    assert res.final["tiny"]["test"] == pytest.approx(expected)


def test_stopping_scores_where_it_stopped(rendering):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    res = train_side_by_side({"m": PixelMLP()}, rendering, steps=50, eval_every=20,
                             should_stop=stop, **FAST)  # fmt: skip
    assert res.stopped and res.steps == [3]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"models": {}}, TypeError, "non-empty dict"),
        ({"models": {"a": "not a net"}}, TypeError, r"models\['a'\]: expected an nn.Module"),
        ({"models": {"a": nn.ReLU()}}, ValueError, "no trainable parameters"),
        ({"data": "digits"}, TypeError, "Not-so-Clevr"),
        ({"data": not_so_clevr("regression")}, ValueError, "coordinate → image tasks"),
        ({"steps": 0}, ValueError, "steps"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"lr": {"conv": 1e-3}}, ValueError, r"no learning rate for \['coordconv'\]"),
        ({"on_eval": 3}, TypeError, "on_eval"),
    ],
)
def test_bad_input_is_a_clear_error_before_training(kwargs, error, match):
    with pytest.raises(error, match=match):
        train_side_by_side(**{"steps": 1, **FAST, **kwargs})


def test_check_comparison_defaults_to_the_rendering_quadrant_split():
    models, data = check_comparison()
    assert models is None and (data.task, data.split, data.quadrant) == ("rendering", "quadrant", 3)
