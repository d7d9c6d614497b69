"""imp(executor=): the variants of each round on a thread or process pool give the same
masks, accuracies, model and kept weights as in the kernel; a failed worker or a bad
executor is reported."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor

import pytest
import torch
from torch import nn

from nbviz.data import digits
from nbviz.lottery import imp

VARIANTS = ["rewind", "reinit", "rewind+frozen"]
SETTINGS = {"rounds": 2, "rate": 0.5, "variants": VARIANTS, "epochs": 1, "batch_size": 64,
            "lr": 3e-3, "seed": 3, "device": "cpu", "progress": False}  # fmt: skip
LAYERS = ("1", "3")


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


@pytest.fixture(scope="module")
def data():
    return digits("train").subset(300), digits("test")


@pytest.fixture(scope="module")
def here(data):
    """The in-kernel run every executor run is compared with."""
    return imp(mlp(), *data, keep_weights=True, **SETTINGS)


def assert_same_masks(a, b):
    assert len(a.records) == len(b.records) == 3
    for ra, rb in zip(a.records, b.records, strict=True):
        assert ra.kept == rb.kept
        for name in LAYERS:
            assert torch.equal(ra.masks[name], rb.masks[name]), (ra.round, name)


def test_a_thread_pool_gives_the_kernels_results(here, data):
    seen = []
    # One thread: fit and reinit seed torch's global RNG, which threads share (imp's doc).
    with ThreadPoolExecutor(max_workers=1) as pool:
        there = imp(mlp(), *data, executor=pool, keep_weights=True, on_round=seen.append,
                    **SETTINGS)  # fmt: skip
    assert [r.round for r in seen] == [0, 1, 2] and seen[-1] is there.records[-1]
    assert not there.stopped and there.variants == VARIANTS
    assert_same_masks(here, there)
    for ra, rb in zip(here.records, there.records, strict=True):
        assert list(rb.accuracy) == VARIANTS  # in variant order, not finishing order
        # one torch thread, the same seeds and batches: equal to the last bit
        assert ra.accuracy == rb.accuracy and ra.train_accuracy == rb.train_accuracy
    # keep_weights: each round's start and final weights of the main chain, as here
    for ra, rb in zip(here.records, there.records, strict=True):
        assert set(rb.weights) == set(LAYERS)
        for name in LAYERS:
            for wa, wb in zip(ra.weights[name], rb.weights[name], strict=True):
                torch.testing.assert_close(wb, wa, rtol=0, atol=1e-6)
    # the last main ticket, rebuilt from the worker's trained state
    a, b = here.model, there.model
    assert not b.training
    for name in LAYERS:
        la, lb = a.get_submodule(name), b.get_submodule(name)
        assert torch.equal(la.weight_mask, lb.weight_mask)
        torch.testing.assert_close(lb.weight, la.weight, rtol=0, atol=1e-6)
    xs = torch.randn(20, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(b(xs), a(xs), rtol=0, atol=1e-5)


def test_a_spawned_process_pool_gives_the_kernels_masks(here, data):
    context = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context,
                             initializer=torch.set_num_threads, initargs=(1,)) as pool:  # fmt: skip
        there = imp(mlp(), *data, executor=pool, **SETTINGS)
    assert_same_masks(here, there)
    for ra, rb in zip(here.records, there.records, strict=True):
        assert rb.accuracy == pytest.approx(ra.accuracy, abs=1e-6)
    assert there.settings["device"] == "cpu" and all(r.weights == {} for r in there.records)


class LostReinit(ThreadPoolExecutor):
    """A pool whose worker for the ``reinit`` ticket dies (its future raises)."""

    def submit(self, fn, *args, **kwargs):
        if len(args) > 2 and args[2] == "reinit":  # _train_ticket(model, masks, variant, ...)
            f = Future()
            f.set_exception(OSError("worker lost"))
            return f
        return super().submit(fn, *args, **kwargs)


def test_a_failed_worker_names_its_round_and_variant(data):
    with (
        LostReinit(max_workers=2) as pool,
        pytest.raises(RuntimeError, match=r"round 1, variant 'reinit'.*OSError: worker lost"),
    ):
        imp(mlp(), *data, executor=pool, **SETTINGS)


def test_a_bad_executor_is_a_type_error(data):
    with pytest.raises(TypeError, match="executor: expected None or a concurrent"):
        imp(mlp(), *data, executor=3, **SETTINGS)


def test_stop_is_checked_between_rounds(data):
    stop_after = []

    def on_round(record):
        stop_after.append(record.round)

    with ThreadPoolExecutor(max_workers=2) as pool:
        res = imp(mlp(), *data, executor=pool, on_round=on_round,
                  should_stop=lambda: len(stop_after) >= 2, **SETTINGS)  # fmt: skip
    assert res.stopped and [r.round for r in res.records] == [0, 1]


def test_rewinding_to_iteration_k_on_an_executor(data):
    settings = {**SETTINGS, "rounds": 1, "variants": ["rewind"]}
    here = imp(mlp(), *data, rewind_iteration=2, keep_weights=True, **settings)
    with ThreadPoolExecutor(max_workers=1) as pool:
        there = imp(mlp(), *data, rewind_iteration=2, keep_weights=True, executor=pool,
                    **settings)  # fmt: skip
    for name in LAYERS:  # the same masks; the ticket started from the weights after 2 steps
        assert torch.equal(here.records[1].masks[name], there.records[1].masks[name])
        torch.testing.assert_close(there.records[1].weights[name][0],
                                   here.records[1].weights[name][0], rtol=0, atol=0)  # fmt: skip
