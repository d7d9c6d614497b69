"""One contract for every widget: strict constructors, and the same job API on every widget
with background work (start/stop/wait/run/running/result)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

from nbviz import (
    CoordConvView,
    EmbeddingView,
    GrandTour,
    ImageGrid,
    IntrinsicDimensionView,
    LDAMViewer,
    MaskExplorer,
)
from nbviz.data import digits
from nbviz.ldam import Sampler, neurons
from nbviz.widgets import JobWidget

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TIMEOUT = 60


class TinyNet(nn.Module):
    """A user's own small model (not from the zoo): 8×8 images, 10 classes."""

    def __init__(self):
        super().__init__()
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(64, 16)
        self.act = nn.ReLU()
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        return self.head(self.act(self.fc1(self.flat(x))))


def _clusters(n=60):
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(size=(n, 5)) + 6 * k for k in range(2)]), [0] * n + [1] * n


def make_embedding(long=False, **kw):
    x, y = _clusters()
    return EmbeddingView(x, y, perplexity=10, n_iter=100_000 if long else 60, start=False, **kw)


def make_ldam(long=False, **kw):
    sampler = Sampler(TinyNet().eval(), neurons("fc1", [0, 1]), n_chains=4, step_size=0.01,
                      data=digits("test").subset(50))  # fmt: skip
    return LDAMViewer(sampler, steps=1_000_000 if long else 10, **kw)


def make_masks(long=False, **kw):
    data = digits("train").subset(200, seed=0)
    rounds, epochs = (30, 20) if long else (1, 1)
    return MaskExplorer(TinyNet(), data, digits("test").subset(100, seed=0), rounds=rounds,
                        rate=0.5, epochs=epochs, start=False, **kw)  # fmt: skip


def make_intrinsic(long=False, **kw):
    data = digits("train").subset(200, seed=0)
    dims, epochs = ([2, 4, 8, 16, 32, 64, 128, 256], 20) if long else ([4], 1)
    return IntrinsicDimensionView(TinyNet(), data, digits("test").subset(100, seed=0), dims=dims,
                                  epochs=epochs, start=False, **kw)  # fmt: skip


def make_coordconv(long=False, **kw):
    return CoordConvView(steps=100_000 if long else 2, eval_every=1 if long else 2, eval_size=8,
                         score_all=False, start=False, **kw)  # fmt: skip


def make_tour(**kw):
    return GrandTour(_clusters()[0], **kw)


def make_grid(**kw):
    return ImageGrid(digits("test").subset(20), **kw)


JOB_WIDGETS = {
    "CoordConvView": make_coordconv,
    "EmbeddingView": make_embedding,
    "IntrinsicDimensionView": make_intrinsic,
    "LDAMViewer": make_ldam,
    "MaskExplorer": make_masks,
}
ALL_WIDGETS = {**JOB_WIDGETS, "GrandTour": make_tour, "ImageGrid": make_grid}


@pytest.mark.parametrize("name", sorted(ALL_WIDGETS))
def test_unknown_keyword_names_the_closest(name):
    with pytest.raises(TypeError, match=r"unexpected keyword 'hieght'; did you mean 'height'\?"):
        ALL_WIDGETS[name](hieght=300)
    with pytest.raises(TypeError, match=rf"{name}: unexpected keyword 'zzz_qqq'; valid keywords"):
        ALL_WIDGETS[name](zzz_qqq=1)


def test_unknown_keyword_in_a_builder_and_a_typo_of_a_trait():
    with pytest.raises(TypeError, match=r"'frame_labels'; did you mean 'frame_names'"):
        GrandTour(_clusters()[0], frame_labels=["a"])
    with pytest.raises(TypeError, match=r"'pointsize'; did you mean 'point_size'\?"):
        GrandTour.from_activations(torch.randn(30, 7), pointsize=4)
    with pytest.raises(TypeError, match=r"'epoch'; did you mean 'epochs'\?"):
        make_masks(epoch=2)


@pytest.mark.parametrize("name", sorted(JOB_WIDGETS))
def test_start_returns_none_and_wait_returns_the_result(name):
    widget = JOB_WIDGETS[name]()
    assert isinstance(widget, JobWidget)
    assert widget.result is None and widget.running is False and widget.job_state == "idle"
    running = []
    widget.observe(lambda change: running.append(change["new"]), names="running")
    assert widget.start() is None
    result = widget.wait(TIMEOUT)
    assert result is not None and widget.result is result
    assert widget.job_state == "done" and widget.running is False
    assert running == [True, False]


@pytest.mark.parametrize("name", sorted(JOB_WIDGETS))
def test_run_returns_the_result_in_the_foreground(name):
    widget = JOB_WIDGETS[name]()
    result = widget.run(progress=False)
    assert result is not None and widget.result is result and widget.job_state == "done"
    with pytest.raises(TypeError, match="progress"):
        widget.run(progress="yes")


@pytest.mark.parametrize("name", sorted(JOB_WIDGETS))
def test_stop_ends_a_long_job_and_wait_returns_what_it_made(name):
    widget = JOB_WIDGETS[name](long=True)
    widget.start()
    with pytest.raises(RuntimeError, match="already running"):
        widget.start()
    time.sleep(0.3)
    assert widget.running
    widget.stop(timeout=TIMEOUT)
    assert widget.job_state == "stopped" and widget.running is False
    assert widget.wait(TIMEOUT) is widget.result
    widget.stop()  # stopping again is harmless


@pytest.mark.parametrize("name", sorted(JOB_WIDGETS))
def test_wait_before_any_job_is_an_error(name):
    with pytest.raises(RuntimeError, match="no job has been started"):
        JOB_WIDGETS[name]().wait()


@pytest.mark.parametrize("name", sorted(JOB_WIDGETS))
def test_the_views_run_and_stop_messages(name):
    widget = JOB_WIDGETS[name](long=True)
    widget._handle_job_msg(widget, {"type": "run"}, [])  # the view's ▶ Run
    deadline = time.time() + TIMEOUT
    while not widget.running and time.time() < deadline:
        time.sleep(0.01)
    assert widget.running
    widget._handle_job_msg(widget, {"type": "stop"}, [])  # the status strip's Stop
    widget.wait(TIMEOUT)
    assert widget.job_state == "stopped"
