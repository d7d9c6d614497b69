"""Pretrained zoo models: trained on first use, then loaded from the cache.

Checkpoints live in ``cache_dir()/models/`` (see :func:`nbviz.data.cache_dir`), named
by the architecture, the dataset and a hash of every setting that changes the
weights, so changing a setting trains a new model instead of loading a stale one.
Files are written atomically and hold only tensors, ints and lists, so they load
with ``torch.load(path, weights_only=True)``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from .._checks import check_bool, check_positive_int, check_seed, unknown_name_error
from .._version import __version__
from .results import Snapshot, TrainResult
from .training import train
from .zoo import available_models, build

__all__ = ["DATASETS", "load_weights", "pretrained", "save_weights", "training_recipe"]

_FORMAT = 1
DATASETS = ("digits", "fashion_mnist", "mnist", "cifar10")

# Measured on 2 CPU cores: on Fashion-MNIST, SmallCNN reaches 90.3-90.4% test accuracy
# (seeds 0-3) in one epoch of batch 64 with a one-cycle schedule, in 11-15 s; LeNet-300-100
# reaches 89.0% in 8 epochs (about 16 s). The MNIST and CIFAR-10 rows are unmeasured guesses.
_DATASET_RECIPES = {
    "digits": {"epochs": 10, "batch_size": 64, "lr": 3e-3},
    "fashion_mnist": {"epochs": 1, "batch_size": 64, "lr": 3e-3},
    "mnist": {"epochs": 1, "batch_size": 64, "lr": 3e-3},
    "cifar10": {"epochs": 10, "batch_size": 128, "lr": 3e-3},
}
_MODEL_RECIPES = {
    ("lenet_300_100", "fashion_mnist"): {"epochs": 8, "batch_size": 128, "lr": 2e-3},
    ("lenet_300_100", "mnist"): {"epochs": 8, "batch_size": 128, "lr": 2e-3},
}
_COMMON = {"optimizer": "adam", "schedule": "onecycle", "weight_decay": 0.0}


def training_recipe(name: str, dataset: str) -> dict:
    """The default training settings :func:`pretrained` uses for ``name`` on ``dataset``.

    >>> training_recipe("small_cnn", "fashion_mnist")["epochs"]
    1
    """
    _check_name(name)
    _check_dataset(dataset)
    recipe = dict(_COMMON)
    recipe.update(_MODEL_RECIPES.get((name, dataset), _DATASET_RECIPES[dataset]))
    return recipe


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name: expected a model name (str), got {type(name).__name__}")
    if name not in available_models():
        raise unknown_name_error("model", name, available_models(), "name")
    return name


def _check_dataset(dataset) -> str:
    if not isinstance(dataset, str):
        raise TypeError(f"dataset: expected a dataset name (str), got {type(dataset).__name__}")
    if dataset not in DATASETS:
        raise unknown_name_error("dataset", dataset, DATASETS, "dataset")
    return dataset


def _load_dataset(dataset: str, split: str, progress: bool):
    from .. import data

    if dataset == "digits":
        return data.digits(split)
    return getattr(data, dataset)(split, progress=progress)


def _cache_folder() -> Path:
    from ..data import cache_dir

    return cache_dir() / "models"


def _write_atomically(path: Path, write) -> bool:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it into place.

    Returns ``False`` with a ``RuntimeWarning`` when the folder cannot be written.
    """
    from ..data._files import temp_file_beside

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file_beside(path)
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError as err:
        warnings.warn(f"nbviz: could not write {path} ({err})", RuntimeWarning, stacklevel=3)
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def save_weights(obj, path: str | os.PathLike) -> bool:
    """Save a module's state dict (or any tensor/dict/list structure) atomically.

    The data goes to a temporary file beside ``path`` that then replaces it, so a
    reader never sees half a file. Returns ``False`` with a ``RuntimeWarning`` when the
    folder cannot be written (a read-only cache), instead of raising.

    >>> import tempfile, pathlib
    >>> from nbviz.models import LeNet300100
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "lenet.pt"
    >>> save_weights(LeNet300100(in_shape=(1, 8, 8)), path)
    True
    >>> sorted(load_weights(path))[:2]
    ['fc1.bias', 'fc1.weight']
    """
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    return _write_atomically(Path(path), lambda f: torch.save(obj, f))


def load_weights(path: str | os.PathLike, model: nn.Module | None = None):
    """Load what :func:`save_weights` wrote, with ``weights_only=True``, onto the CPU.

    With ``model``, the state dict is loaded into it (strictly) and the model returned;
    otherwise the loaded object is returned.
    """
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if model is None:
        return state
    model.load_state_dict(state)
    return model


def _key(name: str, dataset: str, recipe: dict, model_kwargs: dict) -> tuple[str, dict]:
    spec = {
        "format": _FORMAT,
        "model": name,
        "model_kwargs": model_kwargs,
        "dataset": dataset,
        **recipe,
    }
    text = json.dumps(spec, sort_keys=True, default=list)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{name}-{dataset}-e{recipe['epochs']}-{digest}", spec


def _load_cached(stem: Path, model: nn.Module, want_snapshots: bool):
    """``(model, TrainResult)`` from the cache, or None when missing or unreadable."""
    weights, meta, snaps = _entry_paths(stem)
    if not (weights.is_file() and meta.is_file()) or (want_snapshots and not snaps.is_file()):
        return None
    try:
        load_weights(weights, model)
        result = TrainResult.from_dict(json.loads(meta.read_text())["result"])
        if want_snapshots:
            stored = load_weights(snaps)
            result.snapshots = [
                Snapshot(epoch=int(epoch), state_dict=state)
                for epoch, state in zip(stored["epochs"], stored["state_dicts"], strict=True)
            ]
    except Exception as err:  # a damaged or foreign file: train afresh and overwrite it
        warnings.warn(
            f"nbviz: ignoring the unreadable checkpoint {weights} ({err!r}); training again",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return model, result


def _entry_paths(stem: Path) -> tuple[Path, Path, Path]:
    """The weights, history and snapshot files of one cache entry."""
    return tuple(stem.with_name(stem.name + ext) for ext in (".pt", ".json", ".snapshots.pt"))


def _save_cached(stem: Path, model: nn.Module, result: TrainResult, spec: dict) -> None:
    weights, meta_path, snaps_path = _entry_paths(stem)
    snaps = [s for s in result.snapshots if s.state_dict is not None]
    stored = {"epochs": [s.epoch for s in snaps], "state_dicts": [s.state_dict for s in snaps]}
    meta = {
        "spec": spec,
        "result": result.to_dict(),
        "nbviz": __version__,
        "torch": torch.__version__,
    }
    meta_bytes = json.dumps(meta, indent=1, default=list).encode()
    # The weights file goes last: its presence marks the entry as complete.
    if save_weights(stored, snaps_path) and _write_atomically(
        meta_path, lambda f: f.write(meta_bytes)
    ):
        save_weights(model, weights)


def pretrained(
    name: str = "small_cnn",
    dataset: str = "fashion_mnist",
    *,
    epochs: int | None = None,
    seed: int = 0,
    model_kwargs: dict | None = None,
    snapshots: bool = False,
    with_result: bool = False,
    cache: bool = True,
    device="auto",
    progress: bool = True,
):
    """A zoo model trained on ``dataset``: trained on first use, loaded from the cache after.

    The training settings are :func:`training_recipe` (``epochs`` overrides its epoch
    count). The first call trains (a tqdm bar shows progress) and writes the weights,
    the history and the per-epoch snapshot weights to ``cache_dir()/models/``; later
    calls with the same settings load them (``torch.load(weights_only=True)``).

    Args:
        name: a zoo model (``"small_cnn"``, ``"lenet_300_100"``, see
            :func:`~nbviz.models.available_models`).
        dataset: ``"digits"``, ``"fashion_mnist"``, ``"mnist"`` or ``"cifar10"``.
        epochs: train this many epochs instead of the recipe's.
        seed: seeds the initial weights and the batch order.
        model_kwargs: extra constructor arguments (``{"channels": (8, 16)}`` ...).
        snapshots: also return the snapshot weights of every epoch in the result.
        with_result: return ``(model, TrainResult)`` instead of the model alone.
        cache: read and write the cache; ``False`` always trains and writes nothing.
        device: where to train (``"auto"``: CUDA when available). The returned model is
            on the CPU either way.
        progress: show progress bars (dataset download, training).

    Returns:
        the trained model in eval mode on the CPU, or ``(model, result)``.

    >>> from nbviz.models import pretrained
    >>> model, result = pretrained("small_cnn", "digits", with_result=True, progress=False)
    >>> result.final_test_acc > 0.95
    True
    """
    name = _check_name(name)
    dataset = _check_dataset(dataset)
    recipe = training_recipe(name, dataset)
    if epochs is not None:
        recipe["epochs"] = check_positive_int(epochs, "epochs")
    recipe["seed"] = check_seed(seed)
    for flag, arg in ((snapshots, "snapshots"), (with_result, "with_result"), (cache, "cache")):
        check_bool(flag, arg)
    check_bool(progress, "progress")
    if model_kwargs is None:
        model_kwargs = {}
    if not isinstance(model_kwargs, dict):
        raise TypeError(f"model_kwargs: expected a dict, got {type(model_kwargs).__name__}")

    train_data = _load_dataset(dataset, "train", progress)
    shape_kwargs = {
        "in_shape": tuple(train_data.image_shape),
        "num_classes": train_data.num_classes,
    }
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build(name, **shape_kwargs, **model_kwargs)

    key, spec = _key(name, dataset, recipe, model_kwargs)
    stem = _cache_folder() / key
    if cache:
        loaded = _load_cached(stem, model, snapshots)
        if loaded is not None:
            model, result = loaded
            model.eval()
            return (model, result) if with_result else model

    test_data = _load_dataset(dataset, "test", progress)
    result = train(
        model,
        train_data,
        test_data,
        device=device,
        progress=progress,
        keep_state_dicts=True,
        **recipe,
    )
    model.cpu().eval()
    result.settings.update(model=name, dataset=dataset, model_kwargs=model_kwargs)
    if cache:
        _save_cached(stem, model, result, spec)
    if not snapshots:
        for snap in result.snapshots:
            snap.state_dict = None
        result.snapshots = []
    return (model, result) if with_result else model
