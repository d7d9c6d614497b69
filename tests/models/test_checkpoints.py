"""pretrained(): trains once, caches atomically, loads with weights_only=True."""

from __future__ import annotations

import json

import pytest
import torch

from nbviz.models import (
    SmallCNN,
    checkpoints,
    load_weights,
    pretrained,
    save_weights,
    training_recipe,
)

QUICK = {"epochs": 2, "progress": False}


@pytest.fixture
def train_calls(monkeypatch):
    """Counts the training runs pretrained() starts."""
    calls = []
    real_train = checkpoints.train

    def counting_train(*args, **kwargs):
        calls.append(kwargs)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(checkpoints, "train", counting_train)
    return calls


def _files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_first_call_trains_and_writes_the_cache(model_cache, train_calls):
    model, result = pretrained("small_cnn", "digits", with_result=True, **QUICK)
    assert len(train_calls) == 1
    assert isinstance(model, SmallCNN) and not model.training
    assert next(model.parameters()).device.type == "cpu"
    assert result.final_test_acc > 0.9
    names = _files(model_cache)
    assert len(names) == 3, names
    assert all(n.startswith("small_cnn-digits-e2-") for n in names)
    assert not any(n.endswith(".part") for n in names)


def test_checkpoint_loads_with_weights_only(model_cache, train_calls):
    model = pretrained("small_cnn", "digits", **QUICK)
    (weights,) = model_cache.glob("*[0-9a-f].pt")
    state = torch.load(weights, weights_only=True)
    for key, value in model.state_dict().items():
        assert torch.equal(state[key], value), key
    (snaps,) = model_cache.glob("*.snapshots.pt")
    stored = torch.load(snaps, weights_only=True)
    assert stored["epochs"] == [0, 1, 2]
    meta = json.loads(next(model_cache.glob("*.json")).read_text())
    assert meta["spec"]["model"] == "small_cnn" and meta["spec"]["epochs"] == 2


def test_second_call_loads_instead_of_training(model_cache, train_calls):
    first, first_result = pretrained("small_cnn", "digits", with_result=True, **QUICK)
    second, second_result = pretrained("small_cnn", "digits", with_result=True, **QUICK)
    assert len(train_calls) == 1
    for key, value in first.state_dict().items():
        assert torch.equal(second.state_dict()[key], value), key
    assert second_result.history == first_result.history
    assert not second.training


def test_snapshots_come_back_from_the_cache(model_cache, train_calls):
    _, trained = pretrained("small_cnn", "digits", snapshots=True, with_result=True, **QUICK)
    _, loaded = pretrained("small_cnn", "digits", snapshots=True, with_result=True, **QUICK)
    assert len(train_calls) == 1
    assert loaded.snapshot_epochs == trained.snapshot_epochs == [0, 1, 2]
    for a, b in zip(trained.snapshots, loaded.snapshots, strict=True):
        assert torch.equal(a.state_dict["fc1.weight"], b.state_dict["fc1.weight"])
    _, plain = pretrained("small_cnn", "digits", with_result=True, **QUICK)
    assert plain.snapshots == []


def test_other_settings_train_a_new_model(model_cache, train_calls):
    pretrained("small_cnn", "digits", **QUICK)
    pretrained("small_cnn", "digits", epochs=1, progress=False)
    pretrained("small_cnn", "digits", seed=1, **QUICK)
    pretrained("small_cnn", "digits", model_kwargs={"channels": (4, 8)}, **QUICK)
    assert len(train_calls) == 4
    assert len(_files(model_cache)) == 12


def test_cache_false_trains_and_writes_nothing(model_cache, train_calls):
    pretrained("small_cnn", "digits", cache=False, **QUICK)
    pretrained("small_cnn", "digits", cache=False, **QUICK)
    assert len(train_calls) == 2
    assert _files(model_cache) == []


def test_same_settings_give_the_same_weights_when_retrained(model_cache):
    a = pretrained("lenet_300_100", "digits", cache=False, **QUICK)
    b = pretrained("lenet_300_100", "digits", cache=False, **QUICK)
    assert torch.equal(a.fc1.weight, b.fc1.weight)


def test_damaged_checkpoint_is_retrained_with_a_warning(model_cache, train_calls):
    pretrained("small_cnn", "digits", **QUICK)
    (weights,) = model_cache.glob("*[0-9a-f].pt")
    weights.write_bytes(b"not a checkpoint")
    with pytest.warns(RuntimeWarning, match="unreadable checkpoint"):
        model = pretrained("small_cnn", "digits", **QUICK)
    assert len(train_calls) == 2
    assert torch.load(weights, weights_only=True).keys() == model.state_dict().keys()


def test_unwritable_cache_warns_but_returns_the_model(tmp_path, monkeypatch, train_calls):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("NBVIZ_CACHE", str(blocker))
    with pytest.warns(RuntimeWarning, match="could not write"):
        model = pretrained("small_cnn", "digits", **QUICK)
    assert isinstance(model, SmallCNN)


def test_save_and_load_weights_round_trip(tmp_path):
    model = SmallCNN(in_shape=(1, 8, 8))
    path = tmp_path / "sub" / "cnn.pt"
    assert save_weights(model, path)
    assert _files(path.parent) == ["cnn.pt"]
    other = load_weights(path, SmallCNN(in_shape=(1, 8, 8)))
    for key, value in model.state_dict().items():
        assert torch.equal(other.state_dict()[key], value)


def test_recipes():
    assert training_recipe("small_cnn", "fashion_mnist") == {
        "optimizer": "adam",
        "schedule": "onecycle",
        "weight_decay": 0.0,
        "epochs": 1,
        "batch_size": 64,
        "lr": 3e-3,
    }
    assert training_recipe("lenet_300_100", "fashion_mnist")["epochs"] == 8


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "smallcnn"}, ValueError, "'small_cnn'"),
        ({"dataset": "fashion-mnist"}, ValueError, "'fashion_mnist'"),
        ({"dataset": 3}, TypeError, "dataset"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"seed": 1.0}, TypeError, "seed"),
        ({"model_kwargs": [("hidden", 3)]}, TypeError, "model_kwargs"),
    ],
)
def test_bad_arguments(model_cache, kwargs, error, match):
    with pytest.raises(error, match=match):
        pretrained(**{"name": "small_cnn", "dataset": "digits", "progress": False, **kwargs})
