"""The model zoo, training with per-epoch snapshots, checkpoints and activation capture.

* :func:`build` / :class:`SmallCNN` / :class:`LeNet300100`: small networks with readable
  layer names (``conv1``, ``relu1``, ``fc1``, ``logits`` ...).
* :func:`train`: fast in-memory training with a tqdm bar; returns a :class:`TrainResult`
  with the history and per-epoch :class:`Snapshot` s (weights and activations).
* :func:`pretrained`: a zoo model trained on first use and cached under
  ``cache_dir()/models`` (loads with ``torch.load(weights_only=True)``).
* :func:`capture_activations` / :func:`layer_names`: any named module's outputs, batched.
* :func:`as_tensors`: what every function taking ``data`` accepts (an ``ImageDataset``, an
  ``(X, y)`` pair, a tensor or array, a torch ``Dataset``) as tensors;
  :func:`runnable_model`: what every function taking ``model`` checks (a module with
  weights to run).

>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN, capture_activations, train
>>> model = SmallCNN(in_shape=(1, 8, 8))
>>> result = train(model, digits("train"), digits("test"), epochs=2, progress=False)
>>> capture_activations(model, digits("test"), "relu3")["relu3"].shape
torch.Size([359, 128])
"""

from ._inputs import as_tensors, model_float_dtype, runnable_model, weights_version
from .capture import INPUT, capture_activations, layer_names
from .checkpoints import DATASETS, load_weights, pretrained, save_weights, training_recipe
from .results import Snapshot, StepInfo, TrainResult, weights_over_training
from .training import evaluate, train
from .zoo import LeNet300100, SmallCNN, available_models, build, register_model

__all__ = [
    "DATASETS",
    "INPUT",
    "LeNet300100",
    "SmallCNN",
    "Snapshot",
    "StepInfo",
    "TrainResult",
    "as_tensors",
    "available_models",
    "build",
    "capture_activations",
    "evaluate",
    "layer_names",
    "load_weights",
    "model_float_dtype",
    "pretrained",
    "register_model",
    "runnable_model",
    "save_weights",
    "train",
    "training_recipe",
    "weights_over_training",
    "weights_version",
]
