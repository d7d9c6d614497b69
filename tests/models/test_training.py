"""train(): accuracy on digits, snapshots, determinism, callbacks and bad arguments."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from nbviz.models import (
    LeNet300100,
    SmallCNN,
    TrainResult,
    capture_activations,
    evaluate,
    train,
)

FAST = {"batch_size": 64, "lr": 3e-3, "schedule": "onecycle", "progress": False}


def _fresh_cnn(seed=0):
    torch.manual_seed(seed)
    return SmallCNN(in_shape=(1, 8, 8))


@pytest.fixture(scope="module")
def trained(digits_train, digits_test):
    """A SmallCNN trained 4 epochs on digits with snapshot activations."""
    model = _fresh_cnn()
    result = train(
        model,
        digits_train,
        digits_test,
        epochs=4,
        snapshot_layers=["relu1", "fc1", "logits"],
        **FAST,
    )
    return model, result


def test_small_cnn_learns_digits_fast(trained):
    _, result = trained
    assert result.final_test_acc > 0.9
    assert result.history["train_acc"][-1] > 0.9
    assert result.train_seconds < 20  # about 0.5 s on 2 idle cores


def test_lenet_learns_digits(digits_train, digits_test):
    torch.manual_seed(0)
    result = train(LeNet300100(in_shape=(1, 8, 8)), digits_train, digits_test, epochs=5, **FAST)
    assert result.final_test_acc > 0.9


def test_history_has_one_entry_per_epoch(trained):
    _, result = trained
    assert result.history["epoch"] == [1, 2, 3, 4]
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "seconds"):
        assert len(result.history[key]) == 4, key
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]


def test_snapshot_per_epoch_plus_the_initial_one(trained):
    _, result = trained
    assert result.snapshot_epochs == [0, 1, 2, 3, 4]


def test_snapshot_state_dicts_differ_across_epochs(trained):
    _, result = trained
    weights = [s.state_dict["conv1.weight"] for s in result.snapshots]
    for earlier, later in itertools.pairwise(weights):
        assert not torch.equal(earlier, later)
    assert all(w.device.type == "cpu" and w.is_contiguous() for w in weights)


def test_last_snapshot_is_the_final_model(trained):
    model, result = trained
    for key, value in model.state_dict().items():
        assert torch.equal(result.snapshots[-1].state_dict[key], value.cpu()), key


def test_snapshot_activations_shapes(trained, digits_test):
    _, result = trained
    n = len(digits_test)  # fewer than 1000 items: the whole test set
    for snap in result.snapshots:
        assert snap.activations["relu1"].shape == (n, 16, 4, 4)
        assert snap.activations["fc1"].shape == (n, 128)
        assert snap.activations["logits"].shape == (n, 10)
    assert torch.equal(result.snapshot_labels, digits_test.labels)
    assert result.stacked_activations("fc1").shape == (5, n, 128)
    with pytest.raises(ValueError, match="conv2"):
        result.stacked_activations("conv2")


def test_snapshot_activations_match_replay_from_weights(trained, digits_test):
    model, result = trained
    replayed = result.replay_activations(model, digits_test, "fc1")["fc1"]
    torch.testing.assert_close(replayed, result.stacked_activations("fc1"))


def test_final_activations_match_capture(trained, digits_test):
    model, result = trained
    final = capture_activations(model, digits_test, "logits")["logits"]
    torch.testing.assert_close(result.snapshots[-1].activations["logits"], final)


def test_model_left_in_eval_mode_and_ordinary_layout(trained):
    model, _ = trained
    assert not model.training
    assert model.conv1.weight.is_contiguous()
    assert model.conv2.weight.is_contiguous()


def test_same_seed_gives_identical_weights(digits_train):
    runs = []
    for _ in range(2):
        model = _fresh_cnn(seed=3)
        train(model, digits_train, epochs=2, seed=5, **FAST)
        runs.append(model.state_dict())
    for key in runs[0]:
        assert torch.equal(runs[0][key], runs[1][key]), key

    other = _fresh_cnn(seed=3)
    train(other, digits_train, epochs=2, seed=6, **FAST)
    assert not torch.equal(other.conv1.weight, runs[0]["conv1.weight"])


def test_global_rng_left_alone(digits_train):
    model = _fresh_cnn()
    state = torch.random.get_rng_state()
    train(model, digits_train, epochs=1, **FAST)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_snapshot_every_keeps_the_last_epoch(digits_train):
    result = train(_fresh_cnn(), digits_train, epochs=5, snapshot_every=2, **FAST)
    assert result.snapshot_epochs == [0, 2, 4, 5]


def test_without_state_dicts_or_test_data(digits_train):
    result = train(_fresh_cnn(), digits_train, epochs=1, keep_state_dicts=False, **FAST)
    assert all(s.state_dict is None for s in result.snapshots)
    assert math.isnan(result.final_test_acc)


def test_explicit_snapshot_data(digits_train, digits_test):
    subset = digits_test.images[:50]
    result = train(
        _fresh_cnn(), digits_train, epochs=1, snapshot_layers="fc1", snapshot_data=subset, **FAST
    )
    assert result.snapshots[0].activations["fc1"].shape == (50, 128)
    assert result.snapshot_labels is None


def test_accepts_tensor_pairs_arrays_and_datasets(digits_train):
    x, y = digits_train.images, digits_train.labels
    reference = _fresh_cnn()
    train(reference, digits_train, epochs=1, **FAST)
    for data in (
        (x, y),
        (x.numpy().astype(np.float64), y.numpy()),
        torch.utils.data.TensorDataset(x, y),
    ):
        model = _fresh_cnn()
        train(model, data, epochs=1, **FAST)
        torch.testing.assert_close(model.state_dict(), reference.state_dict())


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_other_optimizers(digits_train, digits_test, optimizer):
    result = train(
        _fresh_cnn(),
        digits_train,
        digits_test,
        epochs=3,
        optimizer=optimizer,
        batch_size=32,
        lr=0.05 if optimizer == "sgd" else 3e-3,
        progress=False,
    )
    assert result.final_test_acc > 0.85


def test_callbacks_are_called_and_can_stop(digits_train):
    seen = []
    train(
        _fresh_cnn(),
        digits_train,
        epochs=2,
        on_epoch=lambda r: seen.append(len(r.snapshots)),
        **FAST,
    )
    assert seen == [1, 2, 3]

    class Stop(Exception):
        pass

    def stop_at_5(done, total):
        if done == 5:
            raise Stop

    model = _fresh_cnn()
    with pytest.raises(Stop):
        train(model, digits_train, epochs=2, on_batch=stop_at_5, **FAST)
    assert model.conv1.weight.is_contiguous() and not model.training


def test_progress_bar_runs(digits_train, capsys):
    train(_fresh_cnn(), digits_train, epochs=1, batch_size=64, progress=True)
    assert "train" in capsys.readouterr().err


def test_evaluate(trained, digits_test):
    model, result = trained
    loss, acc = evaluate(model, digits_test)
    assert acc == pytest.approx(result.final_test_acc)
    assert loss == pytest.approx(result.history["test_loss"][-1], rel=1e-5)


def test_figure_has_loss_and_accuracy_panels(trained):
    _, result = trained
    fig = result.figure()
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[1].lines) == 2  # train and test


def test_result_round_trips_through_dict(trained):
    _, result = trained
    again = TrainResult.from_dict(result.to_dict())
    assert again.history == result.history
    no_test = TrainResult(history={**result.history, "test_acc": [math.nan] * 4})
    assert math.isnan(TrainResult.from_dict(no_test.to_dict()).final_test_acc)
    assert "test_acc" in repr(result)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 1.5}, TypeError, "epochs"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"optimizer": "adma"}, ValueError, "'adam'"),
        ({"schedule": "cosine"}, ValueError, "schedule"),
        ({"snapshot_layers": ["fc2"]}, ValueError, "'fc1'"),
        ({"device": "gpu"}, ValueError, "device"),
        ({"weight_decay": -0.1}, ValueError, "weight_decay"),
        ({"seed": "0"}, TypeError, "seed"),
    ],
)
def test_bad_arguments(digits_train, kwargs, error, match):
    kwargs = {"epochs": 1, "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        train(_fresh_cnn(), digits_train, **kwargs)


def test_bad_data(digits_train):
    x, y = digits_train.images, digits_train.labels
    with pytest.raises(ValueError, match="labels are needed"):
        train(_fresh_cnn(), x, epochs=1, progress=False)
    with pytest.raises(ValueError, match="labels"):
        train(_fresh_cnn(), (x, y[:10]), epochs=1, progress=False)
    with pytest.raises(ValueError, match="outputs 3 classes"):
        train(SmallCNN(in_shape=(1, 8, 8), num_classes=3), (x, y), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\)"):
        train(_fresh_cnn(), (torch.rand(10, 1, 28, 28), y[:10]), epochs=1, progress=False)
    bad = x.clone()
    bad[3, 0, 2, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        train(_fresh_cnn(), (bad, y), epochs=1, progress=False)
    with pytest.raises(TypeError, match="model"):
        train("small_cnn", digits_train, epochs=1, progress=False)


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd"])
def test_optimizers_are_fused_on_the_cpu(name):
    from nbviz.models.training import _make_optimizer

    opt = _make_optimizer(name, torch.nn.Linear(3, 2).parameters(), 1e-3, 0.0)
    assert opt.defaults["fused"] is True
    wide = torch.nn.Linear(3, 2).to(torch.float64)
    opt = _make_optimizer(name, wide.parameters(), 1e-3, 0.0)
    assert len(opt.param_groups[0]["params"]) == 2  # float64 still gets an optimizer
