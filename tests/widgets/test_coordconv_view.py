"""CoordConvView in Python: traits before, during and after a run match the Comparison,
a user's own network beside CoordConv, stopping, and bad input."""

from __future__ import annotations

import time

import numpy as np
import pytest
from torch import nn

from nbviz import CoordConvView
from nbviz.coordconv import Comparison, CoordConvNet
from nbviz.data import not_so_clevr

FAST = {"eval_size": 16, "score_all": False}


class PixelMLP(nn.Module):
    """A user's own network: (row, column) → an MLP → one logit per pixel."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 64 * 64))

    def forward(self, xy):
        return self.net(xy / 64).reshape(-1, 1, 64, 64)


def test_traits_fill_in_and_match_the_comparison():
    view = CoordConvView(steps=4, eval_every=2, show=3, start=False, **FAST)
    assert view.names == ["conv", "coordconv"] and view.task == "rendering"
    assert view.metric == "IoU" and view.split == "quadrant" and view.total_steps == 4
    assert view.steps.shape == (0,) and view.test_scores.shape == (2, 0)
    assert view.predictions.shape == (2, 0, 64, 64) and view.final == {}

    published = []
    view.observe(lambda ch: published.append(ch["new"].copy()), "steps")
    result = view.run(progress=False)
    assert isinstance(result, Comparison) and result is view.result
    assert view.job_state == "done" and view.steps.tolist() == [2, 4] == result.steps
    for i, name in enumerate(view.names):
        np.testing.assert_allclose(view.test_scores[i], result.test[name], rtol=1e-6)
        np.testing.assert_allclose(view.train_scores[i], result.train[name], rtol=1e-6)
        expected = np.rint(result.predictions[name] * 255)
        np.testing.assert_allclose(view.predictions[i], expected, atol=1)
    assert view.truth.dtype == np.uint8 and view.truth.shape == (3, 64, 64)
    assert view.truth.max() == 255 and (view.truth == 255).sum() == 3 * 81  # three squares
    assert view.positions == [list(map(int, p)) for p in result.positions]
    assert [a.tolist() for a in published][-1] == [2, 4]
    assert "step 4 of 4" in repr(view) and "held-out" in repr(view)
    assert len(view.figure().axes) == 1 + 3 * 3


def test_a_users_network_in_the_background_on_the_classification_task():
    data = not_so_clevr("classification", "quadrant")
    view = CoordConvView({"mine": PixelMLP(), "coordconv": CoordConvNet(width=4, depth=2)},
                         data, steps=6, eval_every=3, show=2, lr={"mine": 1e-2,
                         "coordconv": 5e-3}, eval_size=16)  # fmt: skip
    result = view.wait(timeout=120)
    assert view.names == ["mine", "coordconv"] and view.metric == "accuracy"
    assert view.predictions.shape == (2, 2, 64, 64)
    # classification pictures: the softmax scaled to a peak of 1, so each has a white pixel
    assert (view.predictions.reshape(4, -1).max(axis=1) == 255).all()
    assert set(view.final) == {"mine", "coordconv"}  # score_all by default
    assert view.final["coordconv"]["test"] == pytest.approx(result.final["coordconv"]["test"])
    assert "every position" in view.job_message


def test_stop_ends_training_and_keeps_what_was_scored():
    view = CoordConvView(steps=10_000, eval_every=5, **FAST)
    deadline = time.monotonic() + 60
    while len(view.steps) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    view.stop(timeout=30)
    assert view.job_state == "stopped" and not view.running
    assert view.result.stopped and len(view.result.steps) >= 1 and view.steps[-1] < 10_000
    assert view.steps[-1] == view.result.steps[-1]


def test_bad_input_is_refused_before_training():
    with pytest.raises(ValueError, match="coordinate → image tasks"):
        CoordConvView(data=not_so_clevr("regression"), start=False)
    with pytest.raises(TypeError, match="Not-so-Clevr"):
        CoordConvView(data="digits", start=False)
    with pytest.raises(TypeError, match=r"models\['a'\]"):
        CoordConvView({"a": 3}, start=False)
    with pytest.raises(ValueError, match="no learning rate"):
        CoordConvView({"a": PixelMLP()}, lr={"b": 1e-3}, start=False)
    with pytest.raises(ValueError, match="steps"):
        CoordConvView(steps=0, start=False)
    with pytest.raises(TypeError, match="eval_evry"):
        CoordConvView(eval_evry=5, start=False)
    with pytest.raises(RuntimeError, match="nothing trained yet"):
        CoordConvView(start=False).figure()
