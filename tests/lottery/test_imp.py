"""imp(): exact pruning counts, nested masks, magnitude order, rewinding, callbacks, stop."""

from __future__ import annotations

import json
import math
import threading

import pytest
import torch

import nbviz.lottery.iterative as imp_module
from nbviz.lottery import fit, imp, target_kept, weights_of

from .conftest import FAST

LAYERS = ("fc1", "fc2", "logits")
SIZES = {"fc1": 300 * 64, "fc2": 100 * 300, "logits": 10 * 100}


@pytest.fixture(scope="module")
def run(digits_train, digits_test):
    """4 rounds at 30% (logits at 15%), with what every training started from."""
    torch.manual_seed(0)
    from nbviz.models import LeNet300100

    model = LeNet300100(in_shape=(1, 8, 8))
    init = {k: v.clone() for k, v in model.state_dict().items()}
    starts, seen = [], []
    real_train = imp_module.fit

    def spy(net, *args, **kwargs):
        starts.append(weights_of(net, LAYERS))
        return real_train(net, *args, **kwargs)

    imp_module.fit = spy
    try:
        result = imp(
            model,
            digits_train,
            digits_test,
            rounds=4,
            rate=0.3,
            variants=["rewind", "reinit"],
            on_round=seen.append,
            seed=1,
            **FAST,
        )
    finally:
        imp_module.fit = real_train
    return model, init, result, starts, seen


def test_each_round_keeps_exactly_the_target_count(run):
    _, _, result, _, _ = run
    rates = {"fc1": 0.3, "fc2": 0.3, "logits": 0.15}  # the output layer at half rate
    assert len(result.records) == 5
    for rec in result.records:
        for name in LAYERS:
            want = target_kept(SIZES[name], rates[name], rec.round)
            assert rec.kept[name] == want
            assert int(rec.masks[name].sum()) == want


def test_density_after_l_rounds_is_the_power_law(run):
    _, _, result, _, _ = run
    for rec in result.records:
        for name, rate in (("fc1", 0.3), ("logits", 0.15)):
            exact = (1 - rate) ** rec.round
            assert abs(rec.layer_density[name] - exact) <= 0.5 / SIZES[name]


def test_masks_nest_across_rounds(run):
    _, _, result, _, _ = run
    for before, after in zip(result.records, result.records[1:], strict=False):
        for name in LAYERS:
            assert bool((after.masks[name] <= before.masks[name]).all())
            assert int(after.masks[name].sum()) < int(before.masks[name].sum())


def test_every_training_of_the_rewind_variant_starts_at_mask_times_init(run):
    _, init, result, starts, _ = run
    # Trainings: dense, then (rewind, reinit) per round.
    assert len(starts) == 1 + 2 * 4
    for name in LAYERS:
        assert torch.equal(starts[0][name], init[f"{name}.weight"])
    for rnd in range(1, 5):
        rewind, reinit = starts[2 * rnd - 1], starts[2 * rnd]
        for name in LAYERS:
            mask = result.records[rnd].masks[name]
            assert torch.equal(rewind[name] * mask, init[f"{name}.weight"] * mask)
            assert not torch.equal(reinit[name] * mask, init[f"{name}.weight"] * mask)


def test_on_round_gets_every_record(run):
    _, _, result, _, seen = run
    assert [r.round for r in seen] == [0, 1, 2, 3, 4]
    assert seen[-1] is result.records[-1]
    assert set(seen[2].accuracy) == {"rewind", "reinit"}


def test_tickets_learn(run):
    _, _, result, _, _ = run
    assert result.records[0].accuracy["rewind"] > 0.9
    assert result.records[-1].accuracy["rewind"] > 0.85  # at 24% of the weights


def test_magnitude_pruning_keeps_the_largest_trained_weights(lenet, digits_train, digits_test):
    init = {k: v.clone() for k, v in lenet.state_dict().items()}
    result = imp(lenet, digits_train, digits_test, rounds=1, rate=0.4, seed=2, **FAST)
    # Train the same dense net with the same settings: training is deterministic on the CPU.
    dense = type(lenet)(in_shape=(1, 8, 8))
    dense.load_state_dict(init)
    settings = {k: v for k, v in FAST.items() if k != "progress"}
    fit(dense, digits_train, digits_test, seed=2, **settings)
    for name in LAYERS:
        w = getattr(dense, name).weight.detach().abs()
        mask = result.records[1].masks[name]
        assert float(w[mask].min()) >= float(w[~mask].max())


def test_global_scope_prunes_the_total_exactly_and_unevenly(lenet, digits_train, digits_test):
    result = imp(lenet, digits_train, digits_test, rounds=2, rate=0.5, scope="global", **FAST)
    total = sum(SIZES.values())
    for rec in result.records:
        assert sum(rec.kept.values()) == target_kept(total, 0.5, rec.round)
    densities = result.records[2].layer_density
    assert max(densities.values()) - min(densities.values()) > 0.01


def test_rewinding_to_iteration_k(lenet, digits_train, digits_test, monkeypatch):
    k = 7
    captured = {}
    real_train = imp_module.fit
    starts = []

    def spy(net, *args, **kwargs):
        starts.append(weights_of(net, LAYERS))
        if not captured:
            on_step = kwargs["on_step"]

            def watch(info):
                on_step(info)
                if info.step == k:
                    captured.update(weights_of(net, LAYERS))

            kwargs["on_step"] = watch
        return real_train(net, *args, **kwargs)

    monkeypatch.setattr(imp_module, "fit", spy)
    result = imp(lenet, digits_train, digits_test, rounds=1, rewind_iteration=k, **FAST)
    for name in LAYERS:
        mask = result.records[1].masks[name]
        assert torch.equal(starts[1][name] * mask, captured[name] * mask)
        assert not torch.equal(captured[name], lenet.state_dict()[f"{name}.weight"])


def test_stop_between_rounds_keeps_the_finished_ones(lenet, digits_train, digits_test):
    event = threading.Event()

    def on_round(record):
        if record.round == 1:
            event.set()

    result = imp(lenet, digits_train, digits_test, rounds=5, rate=0.5,
                 on_round=on_round, should_stop=event, **FAST)  # fmt: skip
    assert result.stopped
    assert [r.round for r in result.records] == [0, 1]


def test_stop_during_the_dense_training(lenet, digits_train, digits_test):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 1  # after the first epoch

    result = imp(lenet, digits_train, digits_test, rounds=2, should_stop=should_stop, **FAST)
    assert result.stopped and result.records == []


def test_frozen_variant_in_imp_keeps_pruned_weights_at_init(lenet, digits_train, digits_test):
    init = {k: v.clone() for k, v in lenet.state_dict().items()}
    result = imp(lenet, digits_train, digits_test, rounds=1, rate=0.5,
                 variants=["rewind+frozen"], **FAST)  # fmt: skip
    for name in LAYERS:
        mask = result.records[1].masks[name]
        w = getattr(result.model, name).weight.detach()
        assert torch.equal(w[~mask], init[f"{name}.weight"][~mask])


def test_the_model_passed_in_is_not_changed(lenet, digits_train, digits_test):
    before = {k: v.clone() for k, v in lenet.state_dict().items()}
    imp(lenet, digits_train, digits_test, rounds=1, **FAST)
    after = lenet.state_dict()
    assert set(after) == set(before)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_figure_and_to_dict(run):
    _, _, result, _, _ = run
    fig = result.figure()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [line.get_label() for line in ax.get_lines()][:2] == ["rewind", "reinit"]
    data = json.loads(json.dumps(result.to_dict()))
    assert [r["round"] for r in data["records"]] == [0, 1, 2, 3, 4]
    assert math.isclose(data["records"][2]["density"], result.records[2].density)
    assert data["settings"]["layer_rates"]["logits"] == 0.15


def test_keep_weights_records_each_rounds_start_and_final_weights(lenet, digits_train, digits_test):
    init = {n: p.detach().clone() for n, p in lenet.named_parameters()}
    res = imp(lenet, digits_train, digits_test, rounds=2, rate=0.5, keep_weights=True, **FAST)
    assert all(set(r.weights) == {"fc1", "fc2", "logits"} for r in res.records)
    start0, final0 = res.records[0].weights["fc1"]
    assert torch.equal(start0, init["fc1.weight"])  # round 0 starts at the initial weights
    assert not torch.allclose(start0, final0)  # ... and training moved them
    for rec in res.records[1:]:
        start, final = rec.weights["fc1"]
        mask = rec.masks["fc1"]
        # rewind: the kept weights start at their initial values (pruned ones are not used)
        assert torch.equal(start[mask], init["fc1.weight"][mask])
        assert not torch.allclose(start[mask], final[mask])
    plain = imp(lenet, digits_train, digits_test, rounds=1, rate=0.5, **FAST)
    assert all(r.weights == {} for r in plain.records)
