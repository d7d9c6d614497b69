"""The intrinsic-dimension sweep on a user's own MLP and digits: the curve rises with d,
d_int90 and its band, results streaming as runs finish, on executors (threads, processes,
a real Dask cluster on 127.0.0.1), and a failed run reported while the others go on."""

from __future__ import annotations

import math
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.data import digits
from nbviz.intrinsic import RunResult, SweepResult, run_subspace, sweep

RECIPE = {"epochs": 3, "lr": 1e-2, "batch_size": 64, "device": "cpu"}


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


@pytest.fixture(scope="module")
def data():
    return digits("train"), digits("test")


def test_accuracy_rises_with_d_and_d_int90_follows(data):
    seen = []
    result = sweep(mlp(), *data, dims=[4, 32, 256, 2048], seeds=(0, 1),
                   on_result=lambda run, res: seen.append((run.d, run.seed)),
                   progress=False, **RECIPE)  # fmt: skip
    assert result.D == 64 * 32 + 32 + 32 * 10 + 10 == 2410
    assert seen[:2] == [(None, 0), (None, 1)] and len(seen) == 10  # dense first, here
    mean = result.accuracy.mean(axis=1)
    assert mean[0] < 0.4 and mean[-1] > 0.85, mean  # 4 directions vs 2048
    assert np.all(np.diff(mean) > -0.02), mean  # rises with d (up to noise)
    dense = result.dense_accuracy.mean()
    assert dense > 0.9
    d90 = result.d_int90
    assert d90 is not None
    k = result.dims.index(d90)
    assert mean[k] >= 0.9 * dense and (k == 0 or mean[k - 1] < 0.9 * dense)
    lo, hi = result.band()
    assert lo is not None and lo <= d90 <= hi
    assert result.compression == pytest.approx(2410 / d90)
    result.figure()


def test_d_int90_and_band_from_a_planted_table():
    r = SweepResult(dims=[10, 100, 1000], seeds=[0, 1, 2], D=5000)
    r.dense_accuracy[:] = [0.9, 0.9, 0.9]  # target 0.81
    r.accuracy[:] = [[0.2, 0.2, 0.2], [0.85, 0.6, 0.9], [0.9, 0.9, 0.9]]
    assert r.d_int90 == 1000  # mean at 100 is 0.783 < 0.81
    assert r.band(coverage=0.9) == (100, 1000)  # resamples of seeds {0, 2} reach at 100
    r.accuracy[1] = [0.85, 0.85, 0.9]
    assert r.d_int90 == 100 and r.compression == 50.0
    assert SweepResult(dims=[1], seeds=[0], D=3).d_int90 is None  # no baseline yet


class OneLostWorker(ThreadPoolExecutor):
    """A pool whose worker for (d=32, seed=1) dies (the future raises)."""

    def submit(self, fn, *args, **kwargs):
        if args[3] == 32 and kwargs.get("seed") == 1:
            f = Future()
            f.set_exception(RuntimeError("worker lost"))
            return f
        return super().submit(fn, *args, **kwargs)


def test_on_an_executor_a_failed_run_is_reported_and_the_others_go_on(data):
    with OneLostWorker(max_workers=2) as pool:
        result = sweep(mlp(), *data, dims=[4, 32], seeds=(0, 1), executor=pool,
                       progress=False, **RECIPE)  # fmt: skip
    [failed] = result.failures
    assert (failed.d, failed.seed) == (32, 1) and "worker lost" in failed.error
    assert math.isnan(result.accuracy[1, 1])
    assert np.isfinite(result.accuracy[0]).all() and np.isfinite(result.accuracy[1, 0])
    assert len(result.runs) == 6
    # an error inside a run comes back in its result, with its d and seed
    bad = run_subspace(mlp(), (torch.zeros(10, 3), torch.zeros(10, dtype=torch.long)), None,
                       8, seed=3, epochs=1)  # fmt: skip
    assert not bad.ok and (bad.d, bad.seed) == (8, 3) and "shape" in bad.error.lower()


def test_processes_give_the_same_results_as_the_kernel(data):
    here = sweep(mlp(), *data, dims=[16], seeds=(0,), progress=False, **RECIPE)
    import multiprocessing as mp

    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as pool:
        there = sweep(mlp(), *data, dims=[16], seeds=(0,), executor=pool, progress=False,
                      **RECIPE)  # fmt: skip
    np.testing.assert_array_equal(here.accuracy, there.accuracy)
    np.testing.assert_array_equal(here.dense_accuracy, there.dense_accuracy)


def test_a_dask_cluster_runs_a_sweep(data):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                 dashboard_address=None, processes=True) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        result = sweep(mlp(), *data, dims=[4, 256], seeds=(0,), executor=client.get_executor(),
                       progress=False, **RECIPE)  # fmt: skip
    assert not result.failures and np.isfinite(result.accuracy).all()
    assert result.accuracy[1, 0] > result.accuracy[0, 0] + 0.2
    assert all(isinstance(r, RunResult) for r in result.runs)


def test_bad_input(data):
    with pytest.raises(ValueError, match=r"1\.\.D = 2,410"):
        sweep(mlp(), *data, dims=[0, 10], **RECIPE)
    with pytest.raises(ValueError, match=r"1\.\.D"):
        sweep(mlp(), *data, dims=[5000], **RECIPE)
    with pytest.raises(ValueError, match="'fastfood'"):
        sweep(mlp(), *data, dims=[10], projection="fastfod", **RECIPE)
    with pytest.raises(ValueError, match="'epochs'"):
        sweep(mlp(), *data, dims=[10], epoch=3)
    with pytest.raises(TypeError, match="epochs="):
        sweep(mlp(), *data, dims=[10])
    with pytest.raises(ValueError, match="no trainable parameters"):
        sweep(nn.Linear(2, 2).requires_grad_(False), *data, dims=[1], **RECIPE)
    with pytest.raises(ValueError, match="distinct seeds"):
        sweep(mlp(), *data, dims=[10], seeds=(1, 1), **RECIPE)
