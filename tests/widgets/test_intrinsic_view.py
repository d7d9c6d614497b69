"""IntrinsicDimensionView in Python: traits before and after a sweep, d_int90 and its band
as the SweepResult says, failed runs reported, the job contract, and bad input."""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from nbviz import IntrinsicDimensionView
from nbviz.data import digits
from nbviz.intrinsic import SweepResult

RECIPE = {"epochs": 3, "lr": 1e-2, "batch_size": 64, "device": "cpu"}


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


@pytest.fixture(scope="module")
def data():
    return digits("train"), digits("test")


def test_traits_fill_in_and_match_the_sweep_result(data):
    view = IntrinsicDimensionView(mlp(), *data, dims=[256, 4, 2048, 4], seeds=(0, 1),
                                  start=False, **RECIPE)  # fmt: skip
    assert view.dims == [4, 256, 2048] and view.seeds == [0, 1] and view.D == 2410
    assert view.accuracy.shape == (3, 2) and view.accuracy.dtype == np.float32
    assert np.isnan(view.accuracy).all() and np.isnan(view.dense_accuracy).all()
    assert view.d_int90 == -1 and view.band == [] and view.failures == [] and view.level == 0.9
    assert view.result is None and view.job_state == "idle"

    result = view.run(progress=False)
    assert isinstance(result, SweepResult) and result is view.result
    assert view.job_state == "done" and not view.running
    assert np.isfinite(view.accuracy).all() and view.dense_accuracy.shape == (2,)
    np.testing.assert_allclose(view.accuracy, result.accuracy, rtol=1e-6)
    np.testing.assert_allclose(view.dense_accuracy, result.dense_accuracy, rtol=1e-6)
    assert result.d_int90 is not None and view.d_int90 == result.d_int90
    assert view.band == list(result.band())
    assert view.failures == []
    assert view.accuracy[2].mean() > view.accuracy[0].mean() + 0.3
    fig = view.figure()
    assert fig.axes[0].get_xscale() == "log"
    assert "d_int90 = " in repr(view) and "2,410" in repr(view)


class OneLostWorker(ThreadPoolExecutor):
    """A pool whose worker for (d=32, seed=1) dies (the future raises)."""

    def submit(self, fn, *args, **kwargs):
        if args[3] == 32 and kwargs.get("seed") == 1:
            f = Future()
            f.set_exception(RuntimeError("worker lost"))
            return f
        return super().submit(fn, *args, **kwargs)


def test_on_an_executor_in_the_background_a_failed_run_is_reported(data):
    published = []
    with OneLostWorker(max_workers=2) as pool:
        view = IntrinsicDimensionView(mlp(), *data, dims=[4, 32], seeds=(0, 1), executor=pool,
                                      start=False, **RECIPE)  # fmt: skip
        view.observe(lambda ch: published.append(ch["new"].copy()), "accuracy")
        assert view.start() is None
        result = view.wait(timeout=120)
    assert view.job_state == "done"
    assert view.failures == [
        {"d": 32, "seed": 1, "error": "RuntimeError: worker lost"}
    ]  # fmt: skip
    assert math.isnan(view.accuracy[1, 1]) and np.isfinite(view.accuracy[0]).all()
    assert np.isfinite(view.accuracy[1, 0])
    assert len(result.runs) == 6 and view.d_int90 == (result.d_int90 or -1)
    # updates streamed in while runs finished: some with runs still NaN
    assert any(np.isnan(a).sum() > 1 for a in published)


def test_stop_ends_the_sweep_and_keeps_what_finished(data):
    view = IntrinsicDimensionView(mlp(), *data, dims=[4, 8, 16, 32, 64, 128, 256],
                                  **RECIPE)  # fmt: skip
    import time

    deadline = time.monotonic() + 60
    while np.isnan(view.dense_accuracy).all() and time.monotonic() < deadline:
        time.sleep(0.05)
    view.stop(timeout=30)
    assert view.job_state == "stopped" and not view.running
    assert np.isnan(view.accuracy).any()
    assert view.result is not None and len(view.result.runs) < 8
    # usable again
    view.stop()


def test_bad_input_is_refused_before_training(data):
    with pytest.raises(ValueError, match=r"1\.\.D = 2,410"):
        IntrinsicDimensionView(mlp(), *data, dims=[0, 10], **RECIPE)
    with pytest.raises(ValueError, match="'fastfood'"):
        IntrinsicDimensionView(mlp(), *data, dims=[10], projection="fastfod", **RECIPE)
    with pytest.raises(TypeError, match="'epochs'"):
        IntrinsicDimensionView(mlp(), *data, dims=[10], epoch=3)
    with pytest.raises(TypeError, match="epochs="):
        IntrinsicDimensionView(mlp(), *data, dims=[10])
    with pytest.raises(ValueError, match="distinct seeds"):
        IntrinsicDimensionView(mlp(), *data, dims=[10], seeds=(1, 1), **RECIPE)
    with pytest.raises(TypeError, match="dims"):
        IntrinsicDimensionView(mlp(), *data, dims=10, **RECIPE)
    with pytest.raises((TypeError, ValueError), match="test_data"):
        IntrinsicDimensionView(mlp(), data[0], "garbage", dims=[10], **RECIPE)
    with pytest.raises(TypeError, match="hieght"):
        IntrinsicDimensionView(mlp(), *data, dims=[10], hieght=300, **RECIPE)
