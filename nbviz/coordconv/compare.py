"""Train networks side by side on a coordinate → image task and score them over steps.

:func:`train_side_by_side` gives every network the same batches (the same positions,
in the same order), evaluates them all every ``eval_every`` steps on fixed samples of
the training and test positions, and keeps each one's predicted image for a few
held-out positions, so that a view (:class:`nbviz.CoordConvView`) or a figure can show
the runs as they go. The score is the task's:

* ``"classification"`` (the centre pixel of the square, a softmax over the canvas):
  **accuracy**, the fraction of positions whose most likely pixel is the centre;
* ``"rendering"`` (the whole 9 × 9 square, a sigmoid per pixel): **IoU**, the mean over
  positions of |predicted ∩ true| / |predicted ∪ true| with pixels predicted where the
  logit is above 0.

>>> import torch
>>> from nbviz.data import not_so_clevr
>>> ds = not_so_clevr("rendering", "quadrant")
>>> result = train_side_by_side(coordinate_nets(seed=0), ds, steps=4, eval_every=2,
...                             eval_size=32, score_all=False, progress=False)
>>> result.steps, result.metric, sorted(result.test)
([2, 4], 'IoU', ['conv', 'coordconv'])
>>> result.predictions["conv"].shape, result.truth.shape   # 6 held-out positions
((6, 64, 64), (6, 64, 64))
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_bool, check_number, check_positive_int, check_seed, stop_check
from ..data.not_so_clevr import NotSoClevr
from ..models._inputs import resolve_device
from .nets import coordinate_nets

__all__ = ["METRICS", "Comparison", "check_comparison", "predict", "score", "train_side_by_side"]

#: The score of each task a side-by-side comparison trains.
METRICS = {"classification": "accuracy", "rendering": "IoU"}


def predict(model: nn.Module, coords: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """``model``'s logits for ``coords`` ``[N, 2]``, as ``[N, H * W]`` (eval mode, no
    gradient, in batches; the model's train/eval mode is restored).

    >>> import torch
    >>> from nbviz.coordconv import CoordConvNet
    >>> predict(CoordConvNet(canvas=8), torch.zeros(3, 2)).shape
    torch.Size([3, 64])
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return torch.cat(
                [model(coords[i : i + batch_size]).flatten(1)
                 for i in range(0, len(coords), batch_size)]
            )  # fmt: skip
    finally:
        model.train(was_training)


def score(logits: torch.Tensor, targets: torch.Tensor, task: str) -> torch.Tensor:
    """Per-position scores ``[N]`` of flattened ``logits`` ``[N, H * W]`` against the
    ``targets`` images: 1/0 hits of the centre pixel (classification) or the IoU of the
    pixels above logit 0 with the square (rendering).

    >>> import torch
    >>> t = torch.zeros(1, 1, 2, 2); t[0, 0, 0] = 1              # the top row lit
    >>> score(torch.tensor([[5.0, 5.0, 5.0, -5.0]]), t, "rendering")
    tensor([0.6667])
    >>> score(torch.tensor([[0.0, 9.0, 0.0, 0.0]]), t * torch.tensor([0, 1.0]), "classification")
    tensor([1.])
    """
    truth = targets.flatten(1).to(logits.device)
    if task == "classification":
        return (logits.argmax(1) == truth.argmax(1)).float()
    pred, true = logits > 0, truth > 0.5
    union = (pred | true).sum(1).clamp_min(1)
    return (pred & true).sum(1).float() / union.float()


@dataclass
class Comparison:
    """Networks trained side by side on a Not-so-Clevr task, scored over steps.

    Attributes:
        task: ``"classification"`` or ``"rendering"``.
        split: the data's split (``"quadrant"``: the test positions are a quadrant never
            seen in training).
        names: the networks' names, in the order given.
        metric: ``"accuracy"`` or ``"IoU"`` (see :data:`METRICS`).
        steps: the steps at which the networks were evaluated.
        train, test: ``{name: [score at each of steps]}`` on fixed samples of the
            training and test positions.
        loss: ``{name: [mean training loss over the steps since the last evaluation]}``.
        positions: ``[K, 2]`` the held-out (test) positions shown, ``(row, column)``.
        truth: ``[K, H, W]`` their target images.
        predictions: ``{name: [K, H, W]}`` each network's latest predicted image there:
            the per-pixel sigmoid (rendering) or the softmax over the canvas scaled to
            a peak of 1 (classification).
        final: ``{name: {"train": score, "test": score}}`` on every position, filled in
            when training ends (unless ``score_all=False``).
        models: ``{name: the trained network}`` (copies; the networks given are not
            changed).
        seconds: ``{name: training time}``.
        stopped: True when ``should_stop`` ended the training early.
    """

    task: str
    split: str
    names: list[str]
    metric: str
    steps: list[int] = field(default_factory=list)
    train: dict[str, list[float]] = field(default_factory=dict)
    test: dict[str, list[float]] = field(default_factory=dict)
    loss: dict[str, list[float]] = field(default_factory=dict)
    positions: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    truth: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    predictions: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    final: dict[str, dict[str, float]] = field(default_factory=dict)
    models: dict[str, nn.Module] = field(default_factory=dict, repr=False)
    seconds: dict[str, float] = field(default_factory=dict)
    stopped: bool = False

    def latest(self, side: str = "test") -> dict[str, float]:
        """Each network's last ``side`` (``"train"`` or ``"test"``) score (NaN before
        the first evaluation)."""
        scores = self.train if side == "train" else self.test
        return {n: (scores[n][-1] if scores.get(n) else math.nan) for n in self.names}

    def figure(self, show: int | None = None):
        """Scores over steps (train dashed, held-out solid) beside each network's
        predicted images for the first ``show`` held-out positions (all kept by
        default) under the true ones."""
        from ..plotting import new_figure

        k = len(self.positions) if show is None else min(int(show), len(self.positions))
        fig = new_figure(figsize=(4.2 + 1.2 * k, 3.4), layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=[4.2, 1.2 * max(k, 1)])
        ax = left.subplots()
        for i, name in enumerate(self.names):
            color = f"C{i}"
            ax.plot(self.steps, self.test[name], "-", color=color, label=f"{name}, held out")
            ax.plot(self.steps, self.train[name], "--", color=color, alpha=0.7,
                    label=f"{name}, train")  # fmt: skip
        ax.set(xlabel="step", ylabel=self.metric, ylim=(-0.02, 1.02),
               title=f"{self.task}, {self.split} split")  # fmt: skip
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        rows = ["true", *self.names]
        axes = right.subplots(len(rows), max(k, 1), squeeze=False)
        for r, row in enumerate(rows):
            images = self.truth if row == "true" else self.predictions.get(row)
            for c in range(max(k, 1)):
                cell = axes[r, c]
                cell.set_xticks([])
                cell.set_yticks([])
                if images is not None and c < k:
                    cell.imshow(images[c], cmap="gray", vmin=0, vmax=1)
                if c == 0:
                    cell.set_ylabel(row, fontsize=8)
                if r == 0 and c < k:
                    cell.set_title(f"{tuple(int(v) for v in self.positions[c])}", fontsize=7)
        return fig

    def __repr__(self) -> str:
        scores = ", ".join(f"{n} {v:.3f}" for n, v in self.latest().items())
        step = self.steps[-1] if self.steps else 0
        return (
            f"Comparison({self.task}, {self.split}, step {step}, held-out {self.metric}: {scores})"
        )


def _check_models(models) -> dict[str, nn.Module]:
    if not isinstance(models, Mapping) or not models:
        raise TypeError(f"models: expected a non-empty dict of name -> nn.Module, got {models!r}")
    for name, model in models.items():
        if not isinstance(name, str):
            raise TypeError(f"models: names must be strings, got {name!r}")
        if not isinstance(model, nn.Module):
            raise TypeError(f"models[{name!r}]: expected an nn.Module, got {type(model).__name__}")
        if not any(p.requires_grad for p in model.parameters()):
            raise ValueError(f"models[{name!r}]: has no trainable parameters")
    return dict(models)


def _check_data(data) -> NotSoClevr:
    if not isinstance(data, NotSoClevr):
        raise TypeError(
            "data: expected Not-so-Clevr data, nbviz.data.not_so_clevr(task, split), "
            f"got {type(data).__name__}"
        )
    if data.task not in METRICS:
        raise ValueError(
            f"data: the side-by-side comparison trains coordinate → image tasks "
            f"({', '.join(METRICS)}); got {data.task!r}"
        )
    return data


def check_comparison(models=None, data=None, lr=None):
    """:func:`train_side_by_side`'s checks of its networks, data and learning rates, before
    any training: returns ``(models, data)`` (``models`` None stays None: the default
    pair). A view that trains later makes them when it is built.

    >>> from nbviz.data import not_so_clevr
    >>> check_comparison(None, not_so_clevr("regression"))
    Traceback (most recent call last):
    ...
    ValueError: data: the side-by-side comparison trains coordinate → image tasks (classification, rendering); got 'regression'
    """  # noqa: E501
    models = None if models is None else _check_models(models)
    data = _check_data(data if data is not None else _default_data())
    if lr is not None:
        _learning_rates(lr, list(models) if models is not None else ["conv", "coordconv"])
    return models, data


def _learning_rates(lr, names) -> dict[str, float]:
    if isinstance(lr, Mapping):
        missing = [n for n in names if n not in lr]
        if missing:
            raise ValueError(f"lr: no learning rate for {missing}")
        return {n: check_number(lr[n], f"lr[{n!r}]", positive=True) for n in names}
    return dict.fromkeys(names, check_number(lr, "lr", positive=True))


def _shown(scores: torch.Tensor, task: str) -> np.ndarray:
    """Logits ``[K, H * W]`` as images ``[K, H, W]`` in [0, 1] a person can read."""
    side = math.isqrt(scores.shape[1])
    if task == "classification":
        p = scores.softmax(1)
        p = p / p.amax(1, keepdim=True)
    else:
        p = scores.sigmoid()
    return p.reshape(-1, side, side).cpu().numpy().astype(np.float32)


def train_side_by_side(
    models: Mapping[str, nn.Module] | None = None,
    data: NotSoClevr | None = None,
    *,
    steps: int = 600,
    batch_size: int = 32,
    lr: float | Mapping[str, float] = 5e-3,
    eval_every: int = 50,
    eval_size: int = 128,
    show: int = 6,
    score_all: bool = True,
    seed: int = 0,
    device="cpu",
    progress: bool = True,
    on_eval: Callable[[Comparison], None] | None = None,
    should_stop=None,
) -> Comparison:
    """Train ``models`` on ``data`` side by side with the same batches; score them as they go.

    Args:
        models: ``{name: network}`` mapping ``[N, 2]`` coordinates to per-pixel logits
            ``[N, 1, H, W]`` (or ``[N, H * W]``); default :func:`coordinate_nets`, the
            paper's deconvolution baseline ``"conv"`` and ``"coordconv"``. Copies are
            trained.
        data: :func:`nbviz.data.not_so_clevr` data of the ``"classification"`` or
            ``"rendering"`` task; default the rendering task on the quadrant split
            (the bottom-right quadrant held out).
        steps: Adam steps per network.
        batch_size: positions per step (the same positions for every network).
        lr: Adam's learning rate, one for all or ``{name: lr}``.
        eval_every: steps between evaluations (and after the last step).
        eval_size: positions of each side scored at each evaluation (a fixed seeded
            sample; ``score_all`` scores every position once at the end).
        show: held-out positions whose predicted images are kept at each evaluation.
        score_all: score every training and test position when training ends, into
            :attr:`Comparison.final` (some seconds on a CPU; ``False`` leaves it empty).
        seed: the batches, the samples and the shown positions.
        device: where to train (``"auto"``: CUDA when present).
        progress: a tqdm bar over steps.
        on_eval: called with the :class:`Comparison` after each evaluation (in the
            training thread).
        should_stop: ``None``, a ``threading.Event`` or a callable, checked every step;
            training ends early with ``stopped=True``.

    Raises:
        TypeError / ValueError: no models or not modules, data that is not Not-so-Clevr
            or of the regression task, non-positive steps or learning rates.
    """
    models = _check_models(coordinate_nets(seed) if models is None else models)
    data = _check_data(data if data is not None else _default_data())
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    eval_every = check_positive_int(eval_every, "eval_every")
    eval_size = check_positive_int(eval_size, "eval_size")
    show = check_positive_int(show, "show")
    seed = check_seed(seed)
    progress = check_bool(progress, "progress")
    score_all = check_bool(score_all, "score_all")
    if on_eval is not None and not callable(on_eval):
        raise TypeError(f"on_eval: expected a callable or None, got {on_eval!r}")
    stop = stop_check(should_stop)
    names = list(models)
    rates = _learning_rates(lr, names)
    dev = resolve_device(device)
    task = data.task

    nets = {n: copy.deepcopy(m).to(dev).train() for n, m in models.items()}
    opts = {n: torch.optim.Adam(nets[n].parameters(), lr=rates[n]) for n in names}
    g = torch.Generator().manual_seed(seed)
    tr, te = data.train, data.test
    x_tr, y_tr = tr.data.to(dev), tr.targets.flatten(1).to(dev)
    labels_tr = tr.labels.to(dev)
    sample_tr = torch.randperm(len(tr), generator=g)[:eval_size]
    sample_te = torch.randperm(len(te), generator=g)[:eval_size]
    shown = torch.randperm(len(te), generator=g)[: min(show, len(te))].sort().values
    side = math.isqrt(y_tr.shape[1])
    result = Comparison(
        task=task, split=data.split, names=names, metric=METRICS[task],
        train={n: [] for n in names}, test={n: [] for n in names}, loss={n: [] for n in names},
        positions=te.positions[shown].numpy(),
        truth=te.targets[shown].reshape(-1, side, side).numpy().astype(np.float32),
        seconds=dict.fromkeys(names, 0.0),
    )  # fmt: skip
    losses = {n: [] for n in names}

    def evaluate(step: int) -> None:
        result.steps.append(step)
        for n in names:
            net = nets[n]
            for scores, (side_set, idx) in ((result.train, (tr, sample_tr)),
                                            (result.test, (te, sample_te))):  # fmt: skip
                logits = predict(net, side_set.data[idx].to(dev))
                scores[n].append(float(score(logits, side_set.targets[idx], task).mean()))
            result.predictions[n] = _shown(predict(net, te.data[shown].to(dev)), task)
            result.loss[n].append(float(np.mean(losses[n])) if losses[n] else math.nan)
            losses[n].clear()
        if on_eval is not None:
            on_eval(result)

    bar = tqdm(total=steps, desc="side by side", unit="step", disable=not progress)
    step = 0
    try:
        for step in range(1, steps + 1):
            if stop():
                result.stopped = True
                step -= 1
                break
            idx = torch.randint(len(x_tr), (batch_size,), generator=g).to(dev)
            for n in names:
                started = time.perf_counter()
                logits = nets[n](x_tr[idx]).flatten(1)
                if task == "classification":
                    loss = F.cross_entropy(logits, labels_tr[idx])
                else:
                    loss = F.binary_cross_entropy_with_logits(logits, y_tr[idx])
                opts[n].zero_grad(set_to_none=True)
                loss.backward()
                opts[n].step()
                losses[n].append(loss.item())
                result.seconds[n] += time.perf_counter() - started
            bar.update()
            if step % eval_every == 0 or step == steps:
                evaluate(step)
                bar.set_postfix_str(", ".join(f"{n} {v:.2f}" for n, v in result.latest().items()))
    finally:
        bar.close()
    if step and (not result.steps or result.steps[-1] != step):
        evaluate(step)  # stopped between evaluations: score where it stopped
    for n in names if score_all else ():
        result.final[n] = {
            "train": float(score(predict(nets[n], tr.data.to(dev)), tr.targets, task).mean()),
            "test": float(score(predict(nets[n], te.data.to(dev)), te.targets, task).mean()),
        }
    result.models = nets
    return result


def _default_data() -> NotSoClevr:
    from ..data import not_so_clevr

    return not_so_clevr("rendering", "quadrant", quadrant=3)
