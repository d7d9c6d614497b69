"""Training a classifier fast on a CPU, with per-epoch snapshots for the training views."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_bool, check_number, check_positive_int, check_seed, unknown_name_error
from ._inputs import (
    as_tensors,
    check_input_shape,
    checked_forward,
    model_device,
    model_float_dtype,
    resolve_device,
    runnable_model,
)
from .capture import capture_activations, check_layer_names
from .results import Snapshot, StepInfo, TrainResult

__all__ = ["OPTIMIZERS", "SCHEDULES", "evaluate", "train"]

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "onecycle")
_DEFAULT_SNAPSHOT_POINTS = 1000


def _make_optimizer(name: str, params, lr: float, weight_decay: float):
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name]
    kw = {"lr": lr, "weight_decay": weight_decay} | ({"momentum": 0.9} if name == "sgd" else {})
    params = list(params)
    # The fused kernels (CPU and CUDA) do the same update as the default foreach ones,
    # several times faster per step on a CPU; other devices and dtypes fall back.
    try:
        return cls(params, fused=True, **kw)
    except (RuntimeError, ValueError, TypeError):
        return cls(params, **kw)


def _check_choice(value, options: Sequence[str], kind: str, arg: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{arg}: expected one of {list(options)}, got {value!r}")
    if value not in options:
        raise unknown_name_error(kind, value, options, arg)
    return value


def _check_positive_float(value, arg: str) -> float:
    return check_number(value, arg, positive=True)


def _cpu_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached CPU copy of the state dict, in the ordinary (contiguous) layout."""
    return {
        key: value.detach().to("cpu", copy=True, memory_format=torch.contiguous_format)
        for key, value in model.state_dict().items()
    }


def _uses_conv2d(model: nn.Module) -> bool:
    return any(isinstance(m, nn.Conv2d) for m in model.modules())


def evaluate(
    model: nn.Module, data, *, batch_size: int = 1024, device="auto"
) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of a classifier on labelled ``data``.

    The model runs in eval mode under ``torch.no_grad()`` and its mode is restored.
    ``device="auto"`` is the model's own device.

    >>> from nbviz.data import digits
    >>> from nbviz.models import SmallCNN
    >>> loss, acc = evaluate(SmallCNN(in_shape=(1, 8, 8)), digits("test"))
    >>> 0.0 <= acc <= 1.0
    True
    """
    model = runnable_model(model)
    x, y = as_tensors(data, "data", labels="required", dtype=model_float_dtype(model))
    check_input_shape(model, x, "data")
    batch_size = check_positive_int(batch_size, "batch_size")
    if isinstance(device, str) and device == "auto":
        device = model_device(model) or resolve_device("auto")
    return _evaluate(model, x, y, batch_size, resolve_device(device))


def _evaluate(model, x, y, batch_size, device, channels_last=False) -> tuple[float, float]:
    modes = {module: module.training for module in model.modules()}
    model.eval()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    try:
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                xb = x[start : start + batch_size].to(device)
                yb = y[start : start + batch_size].to(device)
                if channels_last and xb.ndim == 4:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                out = checked_forward(model, xb, "data")
                loss_sum += F.cross_entropy(out, yb, reduction="sum")
                correct += (out.argmax(1) == yb).sum()
    finally:
        for module, mode in modes.items():
            module.training = mode
    return float(loss_sum) / len(x), int(correct) / len(x)


def _check_labels_fit(logits: torch.Tensor, y: torch.Tensor, arg: str) -> None:
    if logits.ndim != 2:
        raise ValueError(
            f"model: expected class scores of shape (N, classes), got {tuple(logits.shape)}"
        )
    top = int(y.max())
    if top >= logits.shape[1]:
        raise ValueError(
            f"{arg}: labels go up to {top} but the model outputs {logits.shape[1]} classes"
        )


def train(
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
    snapshot_layers: str | Sequence[str] | None = None,
    snapshot_data=None,
    snapshot_every: int = 1,
    keep_state_dicts: bool = True,
    progress: bool = True,
    on_batch: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[TrainResult], None] | None = None,
    on_step: Callable[[StepInfo], None] | None = None,
) -> TrainResult:
    """Train a classifier with cross-entropy, recording a snapshot of it at every epoch.

    The whole dataset is held as one tensor on ``device`` and batches are drawn by a
    seeded permutation each epoch (no ``DataLoader``), which keeps small models fast on
    a CPU. On the CPU, models with 2-D convolutions train in the channels-last layout
    (faster there) and are given back in the ordinary layout. The model is trained in
    place, stays on ``device`` and is left in eval mode.

    Snapshots are taken at epoch 0 (the initial weights), every ``snapshot_every``
    epochs, and at the last epoch: each holds a CPU copy of the state dict (when
    ``keep_state_dicts``) and the activations of ``snapshot_layers`` on
    ``snapshot_data`` (see :func:`~nbviz.models.capture_activations`).

    Args:
        model: the network; its output must be ``(N, classes)`` scores.
        train_data: labelled data: an ``ImageDataset``, a torch ``Dataset`` of
            ``(x, y)``, or an ``(X, y)`` pair of tensors or arrays.
        test_data: labelled data for the test loss/accuracy after each epoch, or None.
        epochs: the number of passes over ``train_data``.
        batch_size: items per optimizer step.
        lr: learning rate (the peak rate for ``schedule="onecycle"``).
        optimizer: ``"adam"``, ``"adamw"`` or ``"sgd"`` (momentum 0.9).
        schedule: ``"constant"``, or ``"onecycle"`` (warm up then anneal, per step;
            reaches a given accuracy in fewer epochs).
        weight_decay: L2 penalty (decoupled for ``"adamw"``).
        seed: seeds the batch order and any randomness in the model (dropout). With the
            same seed, initial weights and device, results repeat exactly on the CPU.
            The global RNG state is left as it was.
        device: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda:0"`` ...
        snapshot_layers: layer names whose activations each snapshot records.
        snapshot_data: inputs for those activations; default a seeded subset of 1000
            items of ``test_data`` (else of ``train_data``).
        snapshot_every: epochs between snapshots.
        keep_state_dicts: keep each snapshot's weights (set False to save memory).
        progress: show a tqdm bar over batches, with epoch, loss and accuracy.
        on_batch: called as ``on_batch(done, total)`` after each step; it may raise
            (a stop request, say) to end training early.
        on_epoch: called with the :class:`TrainResult` so far after each epoch and after
            the initial snapshot; it may raise to end training early.
        on_step: called with a :class:`StepInfo` (the batch's loss and accuracy, the
            learning rate) after each optimizer step, e.g. a
            :class:`nbviz.monitor.Recorder`; it may raise to end training early.

    Returns:
        a :class:`TrainResult` with the per-epoch history and the snapshots.

    >>> import torch
    >>> from nbviz.data import digits
    >>> from nbviz.models import SmallCNN, train
    >>> _ = torch.manual_seed(0)
    >>> model = SmallCNN(in_shape=(1, 8, 8))
    >>> result = train(model, digits("train"), digits("test"), epochs=3, lr=3e-3,
    ...                snapshot_layers=["fc1"], progress=False)
    >>> len(result.snapshots), result.snapshots[-1].activations["fc1"].shape
    (4, torch.Size([359, 128]))
    >>> result.history["test_acc"][-1] > 0.9
    True
    """
    model = runnable_model(model)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    snapshot_every = check_positive_int(snapshot_every, "snapshot_every")
    lr = _check_positive_float(lr, "lr")
    weight_decay = check_number(weight_decay, "weight_decay", nonnegative=True)
    optimizer = _check_choice(optimizer, OPTIMIZERS, "optimizer", "optimizer")
    schedule = _check_choice(schedule, SCHEDULES, "schedule", "schedule")
    seed = check_seed(seed)
    keep_state_dicts = check_bool(keep_state_dicts, "keep_state_dicts")
    progress = check_bool(progress, "progress")
    device = resolve_device(device)
    dtype = model_float_dtype(model)

    x, y = as_tensors(train_data, "train_data", labels="required", dtype=dtype)
    check_input_shape(model, x, "train_data")
    test = None
    if test_data is not None:
        test = as_tensors(test_data, "test_data", labels="required", dtype=dtype)
        check_input_shape(model, test[0], "test_data")

    snap_x = snap_y = None
    if snapshot_layers is not None:
        # Fail on a bad layer name now, not after the first epoch.
        snapshot_layers = check_layer_names(model, snapshot_layers)
        if snapshot_data is None:
            snap_x, snap_y = _default_snapshot_subset(test if test is not None else (x, y))
        else:
            snap_x, snap_y = as_tensors(snapshot_data, "snapshot_data", dtype=dtype)
            check_input_shape(model, snap_x, "snapshot_data")

    settings = {
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": optimizer,
        "schedule": schedule,
        "weight_decay": weight_decay,
        "seed": seed,
        "device": str(device),
        "snapshot_every": snapshot_every,
        "snapshot_layers": list(snapshot_layers) if snapshot_layers else None,
    }
    result = TrainResult(settings=settings, snapshot_labels=snap_y)

    def snapshot(epoch: int) -> None:
        acts = {}
        if snapshot_layers:
            acts = capture_activations(model, snap_x, snapshot_layers, device=device)
        state = _cpu_state_dict(model) if keep_state_dicts else None
        result.snapshots.append(Snapshot(epoch=epoch, state_dict=state, activations=acts))

    model.to(device)
    x, y = x.to(device), y.to(device)
    if test is not None:
        test = (test[0].to(device), test[1].to(device))
    channels_last = device.type == "cpu" and _uses_conv2d(model)
    rng_devices = [device.index or 0] if device.type == "cuda" else []

    n = len(x)
    total_steps = epochs * math.ceil(n / batch_size)
    bar = tqdm(total=total_steps, desc="train", unit="batch", disable=not progress)
    postfix: dict[str, str] = {}
    steps_done = 0

    epoch_now = 0

    def after_step(done_in_epoch, loss_sum, correct, loss, batch_acc, lr_used) -> None:
        nonlocal steps_done
        steps_done += 1
        if on_step is not None:
            on_step(StepInfo(model, steps_done, total_steps, epoch_now, loss, batch_acc, lr_used))
        bar.update()
        if progress and (steps_done % 20 == 0 or done_in_epoch == n):
            postfix["loss"] = f"{float(loss_sum) / done_in_epoch:.3f}"
            postfix["acc"] = f"{int(correct) / done_in_epoch:.3f}"
            bar.set_postfix(postfix, refresh=False)
        if on_batch is not None:
            on_batch(steps_done, total_steps)

    try:
        with torch.random.fork_rng(devices=rng_devices):
            torch.manual_seed(seed)
            order_rng = torch.Generator().manual_seed(seed)
            snapshot(0)
            if on_epoch is not None:
                on_epoch(result)
            if channels_last:
                model.to(memory_format=torch.channels_last)
            opt = _make_optimizer(optimizer, model.parameters(), lr, weight_decay)
            sched = None
            if schedule == "onecycle":
                sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps)
            for epoch in range(1, epochs + 1):
                epoch_now = epoch
                started = time.perf_counter()
                postfix["epoch"] = f"{epoch}/{epochs}"
                order = torch.randperm(n, generator=order_rng).to(device)
                train_loss, train_acc = _train_epoch(
                    model, x, y, order, opt, sched, batch_size, channels_last, after_step
                )
                test_loss = test_acc = math.nan
                if test is not None:
                    test_loss, test_acc = _evaluate(model, *test, 1024, device, channels_last)
                    postfix["test_acc"] = f"{test_acc:.3f}"
                    bar.set_postfix(postfix)
                row = {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "train_acc": train_acc,
                    "test_loss": test_loss,
                    "test_acc": test_acc,
                    "seconds": time.perf_counter() - started,
                }
                for key, value in row.items():
                    result.history[key].append(value)
                if epoch % snapshot_every == 0 or epoch == epochs:
                    snapshot(epoch)
                if on_epoch is not None:
                    on_epoch(result)
    finally:
        bar.close()
        if channels_last:
            model.to(memory_format=torch.contiguous_format)
        model.eval()
    return result


def _train_epoch(model, x, y, order, opt, sched, batch_size, channels_last, after_step):
    """One pass over ``x`` in the given ``order``; returns the mean loss and accuracy."""
    model.train()
    loss_sum = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        xb, yb = x[idx], y[idx]
        if channels_last and xb.ndim == 4:
            xb = xb.contiguous(memory_format=torch.channels_last)
        logits = checked_forward(model, xb, "train_data")
        if start == 0:
            _check_labels_fit(logits, y, "train_data")
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        lr_used = opt.param_groups[0]["lr"]
        opt.step()
        if sched is not None:
            sched.step()
        hits = (logits.detach().argmax(1) == yb).sum()
        loss_sum += loss.detach() * len(idx)
        correct += hits
        after_step(start + len(idx), loss_sum, correct, loss.detach(), hits / len(idx), lr_used)
    return float(loss_sum) / len(order), int(correct) / len(order)


def _default_snapshot_subset(pair) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = pair
    if len(x) <= _DEFAULT_SNAPSHOT_POINTS:
        return x.cpu(), y.cpu()
    g = torch.Generator().manual_seed(0)
    idx = torch.randperm(len(x), generator=g)[:_DEFAULT_SNAPSHOT_POINTS].sort().values
    return x[idx.to(x.device)].cpu(), y[idx.to(y.device)].cpu()
