"""What training gives back: the per-epoch history and the snapshots for the training views."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from ._inputs import as_model

__all__ = ["HISTORY_KEYS", "Snapshot", "StepInfo", "TrainResult", "weights_over_training"]

HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")


@dataclass(frozen=True)
class StepInfo:
    """What a training loop tells its ``on_step`` callback after each optimizer step.

    :func:`nbviz.models.train` and :func:`nbviz.lottery.fit` pass one; a
    :class:`nbviz.monitor.Recorder` is such a callback (``train(..., on_step=rec)``).

    Attributes:
        model: the network being trained.
        step: optimizer steps done so far (1 after the first).
        total: the steps the run will take.
        epoch: the epoch this step belongs to (from 1).
        loss: the batch's loss (a detached 0-d tensor, on the training device: reading
            it with ``float()`` waits for the device).
        acc: the batch's accuracy (a detached 0-d tensor).
        lr: the learning rate the step used.

    >>> info = StepInfo(nn.Linear(2, 2), 3, 10, 1, torch.tensor(0.5), torch.tensor(1.0), 1e-3)
    >>> info.step, float(info.loss)
    (3, 0.5)
    """

    model: nn.Module
    step: int
    total: int
    epoch: int
    loss: torch.Tensor
    acc: torch.Tensor
    lr: float


@dataclass
class Snapshot:
    """The model as it was after ``epoch`` epochs (0 is the initial model).

    Attributes:
        epoch: epochs trained when it was taken.
        state_dict: CPU copy of the weights, or None when they were not kept.
        activations: ``{layer: tensor}`` of the snapshot layers on the snapshot data
            (empty when no layers were asked for).

    >>> Snapshot(epoch=0).activations
    {}
    """

    epoch: int
    state_dict: dict[str, torch.Tensor] | None = None
    activations: dict[str, torch.Tensor] = field(default_factory=dict)


def _empty_history() -> dict[str, list]:
    return {key: [] for key in HISTORY_KEYS}


@dataclass
class TrainResult:
    """The record of one :func:`~nbviz.models.train` run.

    Attributes:
        settings: the training settings (epochs, batch size, lr, optimizer, ...).
        history: per-epoch lists under ``"epoch"`` (1, 2, ...), ``"train_loss"``,
            ``"train_acc"`` (running means over the epoch), ``"test_loss"``,
            ``"test_acc"`` (NaN without test data) and ``"seconds"`` (wall time).
        snapshots: :class:`Snapshot` list, from epoch 0 (initial weights) on.
        snapshot_labels: labels of the snapshot data, when it had labels (for colouring
            points by class in the views).

    >>> from nbviz.data import digits
    >>> from nbviz.models import SmallCNN, train
    >>> result = train(SmallCNN(in_shape=(1, 8, 8)), digits("train"), digits("test"),
    ...                epochs=2, progress=False)
    >>> result.snapshot_epochs, len(result.history["test_acc"])
    ([0, 1, 2], 2)
    >>> fig = result.figure()
    """

    settings: dict = field(default_factory=dict)
    history: dict[str, list] = field(default_factory=_empty_history)
    snapshots: list[Snapshot] = field(default_factory=list)
    snapshot_labels: torch.Tensor | None = None

    @property
    def snapshot_epochs(self) -> list[int]:
        """The epoch of each snapshot, in order."""
        return [s.epoch for s in self.snapshots]

    @property
    def final_test_acc(self) -> float:
        """Test accuracy after the last epoch (NaN without test data or epochs)."""
        accs = self.history.get("test_acc") or [math.nan]
        return float(accs[-1])

    @property
    def train_seconds(self) -> float:
        """Wall time of all epochs (including the per-epoch test evaluation)."""
        return float(sum(self.history.get("seconds", [])))

    def snapshot_at(self, epoch: int) -> Snapshot:
        """The snapshot taken after ``epoch`` epochs; ``ValueError`` if there is none."""
        for snap in self.snapshots:
            if snap.epoch == epoch:
                return snap
        raise ValueError(f"epoch: no snapshot at epoch {epoch}; snapshots: {self.snapshot_epochs}")

    def stacked_activations(self, layer: str) -> torch.Tensor:
        """One layer's snapshot activations stacked as ``(snapshots, N, ...)``.

        The layout the training views take (``[epochs, points, dims]``).
        """
        have = [s for s in self.snapshots if layer in s.activations]
        if not have or len(have) != len(self.snapshots):
            known = sorted({k for s in self.snapshots for k in s.activations})
            raise ValueError(
                f"layer: {layer!r} was not recorded in every snapshot; recorded: {known}"
            )
        return torch.stack([s.activations[layer] for s in self.snapshots])

    def replay_activations(
        self, model: nn.Module, data, layers: str | Sequence[str], **capture_kwargs
    ) -> dict[str, torch.Tensor]:
        """Activations of ``layers`` on ``data`` at every snapshot, from the kept weights.

        Loads each snapshot's state dict into a copy of ``model`` (left untouched) and
        runs :func:`~nbviz.models.capture_activations` (``capture_kwargs`` go to it).
        Returns ``{layer: tensor (snapshots, N, ...)}``. Useful after loading cached
        snapshots, which keep weights but no activations.
        """
        from .capture import capture_activations

        model = as_model(model)
        if not self.snapshots or any(s.state_dict is None for s in self.snapshots):
            raise ValueError("replay_activations: needs snapshots with state dicts")
        work = copy.deepcopy(model)
        per_layer: dict[str, list[torch.Tensor]] = {}
        for snap in self.snapshots:
            work.load_state_dict(snap.state_dict)
            acts = capture_activations(work, data, layers, **capture_kwargs)
            for name, value in acts.items():
                per_layer.setdefault(name, []).append(value)
        return {name: torch.stack(values) for name, values in per_layer.items()}

    def figure(self):
        """Learning curves as a matplotlib ``Figure``: loss and accuracy per epoch."""
        from ..plotting import new_figure

        fig = new_figure(figsize=(8, 3.2), layout="constrained")
        ax_loss, ax_acc = fig.subplots(1, 2)
        epochs = self.history["epoch"]
        for split, style in (("train", "-o"), ("test", "--s")):
            loss, acc = self.history[f"{split}_loss"], self.history[f"{split}_acc"]
            if any(not math.isnan(v) for v in loss):
                ax_loss.plot(epochs, loss, style, label=split, markersize=3)
                ax_acc.plot(epochs, acc, style, label=split, markersize=3)
        ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
        ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
        for ax in (ax_loss, ax_acc):
            ax.grid(alpha=0.3)
            ax.legend()
            if 0 < len(epochs) <= 12:
                ax.set_xticks(epochs)
        return fig

    def to_dict(self) -> dict:
        """Settings and history as plain JSON-ready data (no snapshots; NaN → None)."""
        history = {
            key: [None if isinstance(v, float) and math.isnan(v) else v for v in values]
            for key, values in self.history.items()
        }
        return {"settings": dict(self.settings), "history": history}

    @classmethod
    def from_dict(cls, data: dict) -> TrainResult:
        """The inverse of :meth:`to_dict` (snapshots are empty)."""
        history = _empty_history()
        for key, values in data.get("history", {}).items():
            history[key] = [math.nan if v is None else v for v in values]
        return cls(settings=dict(data.get("settings", {})), history=history)

    def __repr__(self) -> str:
        done = len(self.history["epoch"])
        acc = self.final_test_acc
        acc_text = "" if math.isnan(acc) else f", test_acc={acc:.4f}"
        return (
            f"TrainResult(epochs={done}{acc_text}, snapshots={len(self.snapshots)}, "
            f"seconds={self.train_seconds:.1f})"
        )


def weights_over_training(snapshots) -> tuple[list[dict], list[str]]:
    """``(state dicts, labels)`` of a :class:`TrainResult`'s snapshots (``"epoch 3"``) or
    of a list of state dicts (``"checkpoint 3"``), oldest first: what the views and
    functions that take ``snapshots=`` walk through.

    >>> sds, labels = weights_over_training([{"w": torch.zeros(1)}, {"w": torch.ones(1)}])
    >>> labels
    ['checkpoint 0', 'checkpoint 1']
    """
    snaps = getattr(snapshots, "snapshots", None)
    if snaps is not None:  # a TrainResult
        kept = [s for s in snaps if s.state_dict is not None]
        if not kept:
            raise ValueError(
                "snapshots: this TrainResult kept no weights (train(..., keep_state_dicts=True))"
            )
        return [s.state_dict for s in kept], [f"epoch {s.epoch}" for s in kept]
    if not isinstance(snapshots, (list, tuple)) or not snapshots:
        raise TypeError(
            "snapshots: expected a TrainResult or a non-empty list of state dicts, got "
            f"{type(snapshots).__name__}"
        )
    for i, s in enumerate(snapshots):
        if not isinstance(s, dict):
            raise TypeError(f"snapshots[{i}]: expected a state dict, got {type(s).__name__}")
    return list(snapshots), [f"checkpoint {i}" for i in range(len(snapshots))]
