"""Supermasks: masks that make an untrained network accurate (Zhou et al. 2019, section 5).

:func:`train_supermask` freezes every weight of a randomly initialized network and
learns only a mask over its Linear/Conv weights, through :class:`SupermaskPruning`, a
``torch.nn.utils.prune`` method that computes the mask from a trainable
``weight_scores`` parameter on each forward pass:

* ``mode="sample"`` (Zhou et al.): mask ~ Bernoulli(sigmoid(scores)) while training,
  with a straight-through gradient (the sample's gradient is taken as sigmoid's);
  at evaluation the mask is ``sigmoid(scores) > 0.5``.
* ``mode="topk"`` (the deterministic variant, as in Ramanujan et al.'s edge-popup): the
  ``density`` fraction of each layer with the largest ``|scores|``, the gradient passed
  straight through the top-k to ``|scores|``. (Ranking the signed scores instead let
  Adam drive every ReLU dead on Fashion-MNIST: chance accuracy.)

:func:`criteria_table` is the paper's other experiment: masks from each criterion of a
trained network, put on the *untrained* weights, scored without any training.

>>> import torch
>>> from torch import nn
>>> layer = nn.Linear(3, 2)
>>> _ = SupermaskPruning.apply(layer, "weight", scores=torch.randn(2, 3))
>>> sorted(n for n, p in layer.named_parameters() if p.requires_grad)
['bias', 'weight_scores']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.utils import prune
from tqdm.auto import tqdm

from .._checks import (
    check_bool,
    check_fraction,
    check_positive_int,
    check_seed,
    is_number,
    unknown_name_error,
)
from ..models._inputs import resolve_device, runnable_model
from .criteria import CRITERIA, check_criterion
from .iterative import _prune_round
from .layers import current_masks, prunable_layers
from .layers import layer_rates as _layer_rates
from .tickets import make_ticket, weights_of
from .training import FitResult, Stopped, _accuracy, fit, labelled, stop_check
from .variants import INIT_VARIANTS, start_weights

__all__ = [
    "SUPERMASK_MODES",
    "CriteriaTable",
    "SupermaskPruning",
    "SupermaskResult",
    "criteria_table",
    "train_supermask",
]

SUPERMASK_MODES = ("sample", "topk")


def _topk_mask(scores: torch.Tensor, k: int) -> torch.Tensor:
    hard = torch.zeros(scores.numel(), dtype=scores.dtype, device=scores.device)
    if k > 0:
        hard[torch.topk(scores.detach().reshape(-1), k, sorted=False).indices] = 1
    return hard.view_as(scores)


class SupermaskPruning(prune.BasePruningMethod):
    """A learned mask as a ``torch.nn.utils.prune`` method, recomputed from scores each forward.

    ``SupermaskPruning.apply(module, name, scores=s, mode=..., density=...)`` adds the
    trainable ``<name>_scores`` parameter, freezes ``<name>_orig`` (``requires_grad``
    False) and keeps the last hard mask in the ``<name>_mask`` buffer. The effective
    weight is ``orig * (hard + soft - soft.detach())``: the hard mask forward, the
    gradient of ``soft`` (``sigmoid(scores)`` for ``"sample"``, ``|scores|`` for
    ``"topk"``) backward.

    Args:
        mode: ``"sample"`` or ``"topk"``.
        density: the fraction kept per layer by ``"topk"``.
        rescale: multiply the masked weight by (weights / weights kept), Zhou et al.'s
            dynamic weight rescaling.

    >>> import torch
    >>> from torch import nn
    >>> layer = nn.Linear(4, 1, bias=False)
    >>> _ = SupermaskPruning.apply(layer, "weight", scores=torch.tensor([[3.0, -1, -2, 0]]),
    ...                            mode="topk", density=0.5)
    >>> _ = layer(torch.ones(1, 4))
    >>> layer.weight_mask
    tensor([[1., 0., 1., 0.]])
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, mode: str = "sample", density: float = 0.5, rescale: bool = False):
        if mode not in SUPERMASK_MODES:
            raise unknown_name_error("supermask mode", str(mode), SUPERMASK_MODES, "mode")
        self.mode = mode
        self.density = check_fraction(density, "density", high_open=False)
        self.rescale = check_bool(rescale, "rescale")
        self.sample_at_eval = False

    def compute_mask(self, t, default_mask):
        """The hard mask of the scores ``t`` (the evaluation mask)."""
        if self.mode == "sample":
            return default_mask * (t > 0).to(default_mask.dtype)
        k = int(self.density * t.numel() + 0.5)
        return default_mask * _topk_mask(t.abs(), k).to(default_mask.dtype)

    def apply_mask(self, module):
        """``orig * (hard + soft - soft.detach())``; stores ``hard`` in the mask buffer."""
        orig = getattr(module, self._tensor_name + "_orig")
        scores = getattr(module, self._tensor_name + "_scores")
        if self.mode == "sample":
            soft = torch.sigmoid(scores)
            if module.training or self.sample_at_eval:
                hard = torch.bernoulli(soft.detach())
            else:
                hard = (soft.detach() > 0.5).to(soft.dtype)
        else:
            soft = scores.abs()
            hard = _topk_mask(soft, int(self.density * scores.numel() + 0.5))
        buffer = getattr(module, self._tensor_name + "_mask", None)
        if buffer is not None:
            with torch.no_grad():
                buffer.copy_(hard)
        out = orig * (hard + soft - soft.detach())
        if self.rescale:
            # Zhou et al.'s dynamic weight rescaling: the kept weights stand in for all,
            # so the layer's output keeps its scale whatever fraction the mask keeps.
            out = out * (hard.numel() / hard.sum().clamp_min(1.0)).detach()
        return out

    @classmethod
    def apply(cls, module, name, scores, mode="sample", density=0.5, rescale=False):  # type: ignore[override]
        """Make ``module.<name>`` a supermasked weight with trainable ``scores``."""
        weight = getattr(module, name)
        if scores.shape != weight.shape:
            raise ValueError(
                f"scores: expected shape {tuple(weight.shape)}, got {tuple(scores.shape)}"
            )
        module.register_parameter(
            name + "_scores", nn.Parameter(scores.detach().to(weight.device, weight.dtype).clone())
        )
        weight.requires_grad_(False)
        return super().apply(
            module,
            name,
            mode=mode,
            density=density,
            rescale=rescale,
            importance_scores=scores.detach(),
        )


@dataclass
class SupermaskResult:
    """What :func:`train_supermask` learned.

    Attributes:
        settings: the run's arguments.
        accuracy: test accuracy with the evaluation mask (threshold or top-k).
        sampled_accuracy: mean test accuracy over ``samples`` Bernoulli masks (NaN when
            none were drawn or for ``"topk"``).
        chance: 1 / the number of classes in the test labels.
        kept, sizes: ``{layer: weights kept / in the layer}`` for the evaluation mask.
        masks: ``{layer: bool mask}`` (CPU).
        history: the per-epoch training history (see :class:`~nbviz.lottery.FitResult`).
        stopped: whether ``should_stop`` ended training early.
        model: the masked network (weights frozen, ``weight_scores`` trained).

    >>> SupermaskResult({}, 0.9, math.nan, 0.1, {"a": 5}, {"a": 10}).density
    0.5
    """

    settings: dict
    accuracy: float
    sampled_accuracy: float
    chance: float
    kept: dict[str, int]
    sizes: dict[str, int]
    masks: dict[str, torch.Tensor] = field(default_factory=dict, repr=False)
    history: dict = field(default_factory=dict, repr=False)
    stopped: bool = False
    model: nn.Module | None = field(default=None, repr=False)

    @property
    def density(self) -> float:
        """Fraction of the masked layers' weights kept."""
        return sum(self.kept.values()) / sum(self.sizes.values())

    def figure(self):
        """Test accuracy per epoch, with chance level."""
        from ..plotting import new_figure

        fig = new_figure(figsize=(5, 3.2), layout="constrained")
        ax = fig.add_subplot()
        epochs = self.history.get("epoch", [])
        acc = self.history.get("test_acc", [])
        ax.plot(epochs, [100 * a for a in acc], "-o", markersize=3, label="supermask")
        ax.axhline(100 * self.chance, color="grey", linestyle="--", linewidth=1, label="chance")
        ax.set(
            xlabel="epoch",
            ylabel="test accuracy (%)",
            title=f"supermask ({self.settings.get('mode')}), {100 * self.density:.1f}% kept",
        )
        ax.grid(alpha=0.3)
        ax.legend()
        return fig

    def to_dict(self) -> dict:
        """Plain JSON-ready data (masks and model left out; NaN → None)."""

        def clean(v):
            return None if isinstance(v, float) and math.isnan(v) else v

        return {
            "settings": dict(self.settings),
            "accuracy": self.accuracy,
            "sampled_accuracy": clean(self.sampled_accuracy),
            "chance": self.chance,
            "density": self.density,
            "kept": dict(self.kept),
            "sizes": dict(self.sizes),
            "history": {k: [clean(x) for x in v] for k, v in self.history.items()},
            "stopped": self.stopped,
        }


def _chance(test_data) -> float:
    labels = getattr(test_data, "labels", None)
    if labels is None and isinstance(test_data, (tuple, list)) and len(test_data) == 2:
        labels = test_data[1]
    if labels is None:
        return math.nan
    return 1.0 / len(torch.as_tensor(labels).unique())


def train_supermask(
    model: nn.Module,
    train_data,
    test_data,
    *,
    mode: str = "sample",
    density: float = 0.5,
    init: str = "rewind",
    layers: str | Sequence[str] | None = None,
    score_scale: float = 0.1,
    rescale: bool = False,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float | None = None,
    optimizer: str = "adam",
    schedule: str = "constant",
    samples: int = 0,
    seed: int = 0,
    device="auto",
    progress: bool = True,
    should_stop=None,
) -> SupermaskResult:
    """Learn a mask over the frozen, untrained weights of ``model``; nothing else is trained.

    A copy of ``model`` is made; its masked layers' weights are set by ``init`` (as
    :func:`~nbviz.lottery.start_weights` would, mask all ones: ``"rewind"`` keeps them,
    ``"signed_constant"`` makes them ``±sigma``, ...), every parameter is frozen, and
    only the scores train (through :func:`~nbviz.lottery.fit`).

    Args:
        model: the untrained network (not changed).
        train_data, test_data: labelled data.
        mode: ``"sample"`` (Bernoulli, straight-through) or ``"topk"``.
        density: fraction kept per layer, ``"topk"`` only.
        init: one of :data:`~nbviz.lottery.INIT_VARIANTS` for the frozen weights.
        layers: the layers to mask (default every Linear/Conv layer).
        score_scale: the scores start as seeded normal noise of this scale.
        rescale: dynamic weight rescaling (Zhou et al.): each masked layer's weights are
            multiplied by (weights / weights kept) on every forward pass.
        epochs, batch_size, optimizer, schedule, seed, device: training settings.
        lr: the scores' learning rate; default 0.1 for ``"sample"``, 0.01 for ``"topk"``
            (Adam; tried on Fashion-MNIST).
        samples: also score this many sampled masks (``"sample"`` mode).
        progress: show a tqdm bar over the epochs.
        should_stop: ``None``, a ``threading.Event`` or a callable, checked each epoch.

    >>> import torch
    >>> from nbviz.data import digits
    >>> from nbviz.models import LeNet300100
    >>> _ = torch.manual_seed(0)
    >>> res = train_supermask(LeNet300100(in_shape=(1, 8, 8)), digits("train"), digits("test"),
    ...                       epochs=3, progress=False)
    >>> res.accuracy > 5 * res.chance
    True
    """
    model = runnable_model(model)
    if not isinstance(mode, str):
        raise TypeError(f"mode: expected one of {list(SUPERMASK_MODES)}, got {mode!r}")
    if mode not in SUPERMASK_MODES:
        raise unknown_name_error("supermask mode", mode, SUPERMASK_MODES, "mode")
    density = check_fraction(density, "density", high_open=False)
    if init not in INIT_VARIANTS:
        raise unknown_name_error("init variant", str(init), INIT_VARIANTS, "init")
    epochs = check_positive_int(epochs, "epochs")
    samples = check_positive_int(samples, "samples", minimum=0)
    if not is_number(score_scale):
        raise TypeError(f"score_scale: expected a number, got {type(score_scale).__name__}")
    rescale = check_bool(rescale, "rescale")
    progress = check_bool(progress, "progress")
    seed = check_seed(seed)
    stop = stop_check(should_stop)
    if lr is None:
        lr = 0.1 if mode == "sample" else 0.01
    found = prunable_layers(model, layers)
    names = list(found)
    net = copy.deepcopy(model)
    for p in net.parameters():
        p.requires_grad_(False)
    modules = dict(net.named_modules())
    g = torch.Generator().manual_seed(int(seed))
    for i, name in enumerate(names):
        module = modules[name]
        w = module.weight.detach()
        start = start_weights(init, w, torch.ones_like(w), seed=seed + i, module=found[name])
        with torch.no_grad():
            module.weight.copy_(start)
        scores = torch.randn(w.shape, generator=g).to(w.device, w.dtype) * float(score_scale)
        SupermaskPruning.apply(module, "weight", scores=scores, mode=mode, density=density,
                               rescale=bool(rescale))  # fmt: skip

    dev = resolve_device(device)
    net.to(dev)
    train_xy = labelled(train_data, "train_data", net, dev)
    test_xy = labelled(test_data, "test_data", net, dev)
    stopped = False
    history: dict = {}
    bar = tqdm(total=epochs, desc="supermask", unit="epoch", disable=not progress)

    def should_stop():
        bar.update()
        return stop()

    try:
        res = fit(
            net,
            train_xy,
            test_xy,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            schedule=schedule,
            seed=seed,
            device=dev,
            should_stop=should_stop,
        )
        history = {k: list(v) for k, v in res.history.items()}
    except Stopped as err:
        stopped = True
        if err.args and isinstance(err.args[0], FitResult):
            history = {k: list(v) for k, v in err.args[0].history.items()}
    finally:
        bar.close()
    net.eval()
    sampled = math.nan
    if samples and mode == "sample":
        methods = [
            h for h in net.modules() for h in h._forward_pre_hooks.values()
            if isinstance(h, SupermaskPruning)
        ]  # fmt: skip
        devices = [dev.index or 0] if dev.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            for m in methods:
                m.sample_at_eval = True
            try:
                accs = [_accuracy(net, *test_xy) for _ in range(samples)]
            finally:
                for m in methods:
                    m.sample_at_eval = False
        sampled = sum(accs) / len(accs)
    acc = _accuracy(net, *test_xy)  # also leaves the evaluation mask in the buffers
    masks = current_masks(net, names)
    settings = {
        "mode": mode,
        "density": density if mode == "topk" else None,
        "init": init,
        "layers": names,
        "score_scale": float(score_scale),
        "rescale": bool(rescale),
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": optimizer,
        "schedule": schedule,
        "seed": seed,
        "device": str(dev),
    }
    return SupermaskResult(
        settings=settings,
        accuracy=acc,
        sampled_accuracy=sampled,
        chance=_chance(test_data),
        kept={n: int(m.sum()) for n, m in masks.items()},
        sizes={n: m.numel() for n, m in masks.items()},
        masks=masks,
        history=history,
        stopped=stopped,
        model=net,
    )


@dataclass
class CriteriaTable:
    """Accuracy of untrained networks under masks from each criterion (Zhou et al., table).

    Attributes:
        settings: the run's arguments.
        dense_accuracy: the trained dense network's test accuracy.
        untrained_accuracy: the unmasked untrained network's test accuracy.
        chance: 1 / the number of classes.
        density: fraction of the pruned layers' weights each mask keeps.
        rows: ``{"criterion", "init", "accuracy"}`` dicts, one per criterion and init.

    >>> t = CriteriaTable({}, 0.9, 0.1, 0.1, 0.2, [{"criterion": "movement",
    ...                   "init": "rewind", "accuracy": 0.5}])
    >>> t.accuracy("movement")
    0.5
    """

    settings: dict
    dense_accuracy: float
    untrained_accuracy: float
    chance: float
    density: float
    rows: list[dict] = field(default_factory=list)

    def accuracy(self, criterion: str, init: str = "rewind") -> float:
        """The accuracy of one criterion's mask on weights set by ``init``."""
        for row in self.rows:
            if row["criterion"] == criterion and row["init"] == init:
                return row["accuracy"]
        have = sorted({f"{r['criterion']}/{r['init']}" for r in self.rows})
        raise ValueError(f"criterion, init: no row for {criterion!r}/{init!r}; have {have}")

    def figure(self):
        """Bar chart: accuracy per criterion, one bar per init, with chance and dense lines."""
        from ..plotting import new_figure

        criteria = list(dict.fromkeys(r["criterion"] for r in self.rows))
        inits = list(dict.fromkeys(r["init"] for r in self.rows))
        fig = new_figure(figsize=(7, 3.6), layout="constrained")
        ax = fig.add_subplot()
        width = 0.8 / max(len(inits), 1)
        for j, init in enumerate(inits):
            xs = [i + (j - (len(inits) - 1) / 2) * width for i in range(len(criteria))]
            ax.bar(xs, [100 * self.accuracy(c, init) for c in criteria], width, label=init)
        ax.axhline(100 * self.chance, color="grey", linestyle="--", linewidth=1, label="chance")
        ax.axhline(100 * self.dense_accuracy, color="k", linestyle=":", linewidth=1, label="dense")
        ax.set_xticks(range(len(criteria)), criteria, rotation=30, ha="right")
        ax.set(
            ylabel="test accuracy (%)",
            title=f"untrained network, masks at {100 * self.density:.1f}% kept",
        )
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return fig

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return {
            "settings": dict(self.settings),
            "dense_accuracy": self.dense_accuracy,
            "untrained_accuracy": self.untrained_accuracy,
            "chance": self.chance,
            "density": self.density,
            "rows": [dict(r) for r in self.rows],
        }


def criteria_table(
    model: nn.Module,
    train_data,
    test_data,
    *,
    criteria: Sequence[str] = CRITERIA,
    inits: Sequence[str] = ("rewind", "signed_constant"),
    rate: float = 0.8,
    layer_rates: Mapping[str, float] | None = None,
    layers: str | Sequence[str] | None = None,
    epochs: int = 5,
    batch_size: int = 128,
    lr: float = 1.2e-3,
    optimizer: str = "adam",
    schedule: str = "constant",
    seed: int = 0,
    device="auto",
    progress: bool = True,
) -> CriteriaTable:
    """Train ``model`` once, prune it one-shot by each criterion, score the masked *untrained* net.

    Each criterion's mask (pruning ``rate`` of each layer, the last layer at half rate
    unless ``layer_rates`` says otherwise) goes on the initial weights, set by each
    of ``inits`` (see :func:`~nbviz.lottery.start_weights`), and the test accuracy is
    measured with no training: the "masking is training" table of Zhou et al.
    ``progress`` shows a tqdm bar over the training and the criteria.

    >>> import torch
    >>> from nbviz.data import digits
    >>> from nbviz.models import LeNet300100
    >>> _ = torch.manual_seed(0)
    >>> table = criteria_table(LeNet300100(in_shape=(1, 8, 8)), digits("train").subset(500),
    ...                        digits("test"), criteria=["large_final", "movement"],
    ...                        inits=["rewind"], epochs=2, lr=3e-3, progress=False)
    >>> [row["criterion"] for row in table.rows]
    ['large_final', 'movement']
    """
    model = runnable_model(model)
    progress = check_bool(progress, "progress")
    seed = check_seed(seed)
    if isinstance(criteria, str):
        criteria = [criteria]
    criteria = [check_criterion(c, "criteria") for c in criteria]
    if isinstance(inits, str):
        inits = [inits]
    for init in inits:
        if init not in INIT_VARIANTS:
            raise unknown_name_error("init variant", str(init), INIT_VARIANTS, "inits")
    if not criteria or not inits:
        raise ValueError("criteria, inits: expected at least one of each")
    found = prunable_layers(model, layers)
    names = list(found)
    rates = _layer_rates(names, rate, layer_rates)
    sizes = {n: m.weight.numel() for n, m in found.items()}
    dev = resolve_device(device)
    base = copy.deepcopy(model).to(dev)
    train_xy = labelled(train_data, "train_data", base, dev)
    test_xy = labelled(test_data, "test_data", base, dev)
    w_init = weights_of(base, names)
    dense = copy.deepcopy(base)
    bar = tqdm(total=1 + len(criteria), desc="criteria", unit="step", disable=not progress)
    try:
        res = fit(
            dense,
            train_xy,
            test_xy,
            epochs=check_positive_int(epochs, "epochs"),
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            schedule=schedule,
            seed=seed,
            device=dev,
        )
        bar.update()
        w_final = weights_of(dense, names)
        untrained_acc = _accuracy(base, *test_xy)
        rows = []
        density = math.nan
        for criterion in criteria:
            masker = copy.deepcopy(base).cpu()
            masks = _prune_round(
                masker, names, sizes, rates, "layerwise", criterion, w_init, w_final, 1, seed
            )
            density = sum(int(m.sum()) for m in masks.values()) / sum(sizes.values())
            for init in inits:
                ticket = make_ticket(base, masks, init, seed=seed)
                acc = _accuracy(ticket, *test_xy)
                rows.append({"criterion": criterion, "init": init, "accuracy": acc})
            bar.update()
    finally:
        bar.close()
    settings = {
        "criteria": criteria,
        "inits": list(inits),
        "rate": rate,
        "layer_rates": rates,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": optimizer,
        "schedule": schedule,
        "seed": seed,
        "device": str(dev),
    }
    return CriteriaTable(
        settings=settings,
        dense_accuracy=res.test_acc,
        untrained_accuracy=untrained_acc,
        chance=_chance(test_data),
        density=density,
        rows=rows,
    )
