"""A small in-memory trainer for tickets and supermasks: whole tensors on the device.

Why not :func:`nbviz.models.train`: the pruning hooks survive it and pruned weights get
zero gradient there, but its Adam is PyTorch's default (``foreach``) one, whose
``sqrt`` of the second-moment state runs several times slower on a CPU when that
state is mostly exact zeros, which is what a sparse ticket's pruned weights give:
a ticket at 3.6% trained ~1.4-2x slower than the dense net (LeNet-300-100, one CPU
thread). Here Adam and SGD are the fused kernels where PyTorch has them (CPU and CUDA),
which cost the same for dense and sparse state (and are faster than the ``foreach``
ones for dense state too), and tickets use :class:`~nbviz.lottery.ZeroPruning`: a
ticket epoch then costs about 1.05x a dense one. The loop also exposes what IMP needs:
a per-step callback (the rewind point) and a stop check between epochs.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import LeNet300100
>>> _ = torch.manual_seed(0)
>>> res = fit(LeNet300100(in_shape=(1, 8, 8)), digits("train"), digits("test"),
...           epochs=3, batch_size=64, lr=3e-3)
>>> res.history["epoch"], res.test_acc > 0.9
([1, 2, 3], True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_positive_int, check_seed, is_number, stop_check, unknown_name_error
from ..models._inputs import (
    as_tensors,
    check_input_shape,
    check_label_range,
    model_device,
    model_float_dtype,
    resolve_device,
    runnable_model,
)
from ..models.results import StepInfo

__all__ = ["OPTIMIZERS", "SCHEDULES", "FitResult", "Stopped", "accuracy", "fit", "stop_check"]

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "onecycle")


class Stopped(Exception):
    """Raised inside a run when its ``should_stop`` says so; the run returns what it has.

    From :func:`fit`, ``args[0]`` is the :class:`FitResult` of the epochs done.
    """


def check_optimizer_and_schedule(optimizer, schedule) -> None:
    """Raise ``ValueError`` (listing the valid names) unless :func:`fit` knows both.

    >>> check_optimizer_and_schedule("adam", "onecycle")
    """
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise unknown_name_error("optimizer", str(optimizer), OPTIMIZERS, "optimizer")
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        raise unknown_name_error("schedule", str(schedule), SCHEDULES, "schedule")


@dataclass
class FitResult:
    """The per-epoch history of one :func:`fit`.

    ``history`` holds lists under ``"epoch"``, ``"train_loss"``, ``"train_acc"`` (running
    means over the epoch), ``"test_acc"`` (NaN without test data) and ``"seconds"`` (the
    training steps' wall time, evaluation excluded).

    >>> FitResult().test_acc
    nan
    """

    history: dict = field(
        default_factory=lambda: {
            k: [] for k in ("epoch", "train_loss", "train_acc", "test_acc", "seconds")
        }
    )

    @property
    def test_acc(self) -> float:
        """Test accuracy after the last epoch (NaN if none)."""
        return float(self.history["test_acc"][-1]) if self.history["test_acc"] else math.nan

    @property
    def train_acc(self) -> float:
        """Running train accuracy of the last epoch (NaN if none)."""
        return float(self.history["train_acc"][-1]) if self.history["train_acc"] else math.nan

    @property
    def seconds(self) -> float:
        """Wall time of all training steps (evaluation excluded)."""
        return float(sum(self.history["seconds"]))


def labelled(data, arg: str, model: nn.Module, device) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X, y)`` tensors on ``device`` from anything :func:`nbviz.models.train` accepts.

    Checked before any training: the shape the model declares, and (one forward pass of
    one item) that the model runs on them and that every label indexes its outputs.
    """
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    x, y = as_tensors(data, arg, labels="required", dtype=dtype)
    check_input_shape(model, x, arg)
    check_label_range(model, x, y, arg)
    return x.to(device), y.to(device)


def accuracy(model: nn.Module, data, labels=None, batch_size: int = 4096) -> float:
    """Accuracy of ``model`` on ``data`` (eval mode, no grad; the mode is restored).

    ``data``: an ``ImageDataset``, an ``(X, y)`` pair or a tensor of inputs; ``labels``
    default to the data's own. Both go to the model's device.

    >>> import torch
    >>> from torch import nn
    >>> accuracy(nn.Flatten(), torch.eye(3), torch.tensor([0, 1, 1]))
    0.6666666666666666
    >>> from nbviz.data import digits
    >>> from nbviz.models import LeNet300100
    >>> 0.0 <= accuracy(LeNet300100(in_shape=(1, 8, 8)), digits("test")) <= 1.0
    True
    """
    model = runnable_model(model)
    batch_size = check_positive_int(batch_size, "batch_size")
    x, y = as_tensors(data, "data", labels="optional", dtype=model_float_dtype(model))
    if labels is not None:
        _, y = as_tensors((x, labels), "data", labels="required")
    if y is None:
        raise ValueError(
            "labels: needed; pass labels=, or data with labels (an ImageDataset or (X, y))"
        )
    device = model_device(model) or torch.device("cpu")
    return _accuracy(model, x.to(device), y.to(device), batch_size)


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 4096) -> float:
    """:func:`accuracy` on checked tensors already on the model's device."""
    was = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    try:
        with torch.no_grad():
            for s in range(0, len(x), batch_size):
                correct += (model(x[s : s + batch_size]).argmax(1) == y[s : s + batch_size]).sum()
    finally:
        model.train(was)
    return int(correct) / len(x)


def _optimizer(name: str, params, lr: float, weight_decay: float):
    cls = torch.optim.Adam if name == "adam" else torch.optim.SGD
    kw = {"lr": lr, "weight_decay": weight_decay}
    if name == "sgd":
        kw["momentum"] = 0.9
    try:
        return cls(params, fused=True, **kw)
    except (RuntimeError, ValueError, TypeError):  # no fused kernel for this device/dtype
        return cls(params, **kw)


def fit(
    model: nn.Module,
    train_data,
    test_data=None,
    *,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    optimizer: str = "adam",
    schedule: str = "constant",
    weight_decay: float = 0.0,
    seed: int = 0,
    device="auto",
    on_step: Callable[[StepInfo], None] | None = None,
    should_stop=None,
) -> FitResult:
    """Train ``model`` in place with cross-entropy; only parameters with ``requires_grad``.

    Batches come from a permutation seeded by ``seed`` each epoch (the same seed gives the
    same order: every IMP round sees the same batches); the global RNG is seeded with it
    inside a fork, so dropout or Bernoulli masks repeat too. The model ends on
    ``device`` in eval mode.

    Args:
        model: the network (its output ``(N, classes)`` scores).
        train_data, test_data: labelled data, as :func:`nbviz.models.train` takes it;
            test accuracy is measured after every epoch when ``test_data`` is given.
        epochs, batch_size, lr: as usual.
        optimizer: ``"adam"`` or ``"sgd"`` (momentum 0.9), fused where available.
        schedule: ``"constant"`` or ``"onecycle"``.
        weight_decay: L2 penalty.
        seed: the batch order and the RNG seed.
        device: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda:0"`` ...
        on_step: called with a :class:`~nbviz.models.StepInfo` (``.step``: steps done,
            the batch's loss and accuracy, the learning rate) after every optimizer step;
            a :class:`nbviz.monitor.Recorder` is one.
        should_stop: ``None``, a ``threading.Event`` or a callable, checked after every
            epoch; raises :class:`Stopped` (holding the result so far) when it says stop.
    """
    model = runnable_model(model)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    for value, arg in ((lr, "lr"), (weight_decay, "weight_decay")):
        if not is_number(value) or not value >= 0:
            raise ValueError(f"{arg}: expected a number >= 0, got {value!r}")
    check_optimizer_and_schedule(optimizer, schedule)
    seed = check_seed(seed)
    stop = stop_check(should_stop)
    device = resolve_device(device)
    model.to(device)
    x, y = labelled(train_data, "train_data", model, device)
    test = None if test_data is None else labelled(test_data, "test_data", model, device)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model: has no parameter with requires_grad=True to train")
    opt = _optimizer(optimizer, params, float(lr), float(weight_decay))
    n = len(x)
    steps_per_epoch = math.ceil(n / batch_size)
    sched = None
    if schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=float(lr), total_steps=epochs * steps_per_epoch
        )
    result = FitResult()
    step = 0
    devices = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            order_rng = torch.Generator().manual_seed(seed)
            for epoch in range(1, epochs + 1):
                model.train()
                started = time.perf_counter()
                order = torch.randperm(n, generator=order_rng).to(device)
                loss_sum = torch.zeros((), device=device)
                correct = torch.zeros((), dtype=torch.long, device=device)
                for s in range(0, n, batch_size):
                    idx = order[s : s + batch_size]
                    xb, yb = x[idx], y[idx]
                    logits = model(xb)
                    loss = F.cross_entropy(logits, yb)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    lr_used = opt.param_groups[0]["lr"]
                    opt.step()
                    if sched is not None:
                        sched.step()
                    step += 1
                    hits = (logits.detach().argmax(1) == yb).sum()
                    loss_sum += loss.detach() * len(idx)
                    correct += hits
                    if on_step is not None:
                        total = epochs * steps_per_epoch
                        acc = hits / len(idx)
                        on_step(StepInfo(model, step, total, epoch, loss.detach(), acc, lr_used))
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                seconds = time.perf_counter() - started
                test_acc = _accuracy(model, *test) if test is not None else math.nan
                row = (epoch, float(loss_sum) / n, int(correct) / n, test_acc, seconds)
                for key, value in zip(result.history, row, strict=True):
                    result.history[key].append(value)
                if stop():
                    raise Stopped(result)
    finally:
        model.eval()
    return result
