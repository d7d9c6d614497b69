"""Iterative magnitude pruning (Frankle & Carbin 2019) with any mask criterion and variant.

Round 0 trains the dense network. Each later round scores the weights still alive
with a :mod:`~nbviz.lottery.criteria` criterion (from the weights the previous round's
main variant started and ended with), prunes a fraction of them through
``torch.nn.utils.prune``, then trains one ticket per variant from the rewind point
(the initial weights, or the dense run's weights after ``rewind_iteration`` steps) and
records its test accuracy. The first variant is the main chain: its trained weights
give the next round's scores. Training runs through :func:`~nbviz.lottery.fit` (the
whole dataset as one tensor on the device, fused Adam/SGD); the pruning hooks stay in
place through it and pruned weights get zero gradient, so they never move.

The trainings run in the calling process one after another by default, or on any
``concurrent.futures.Executor`` (``imp(..., executor=)``: a ``ProcessPoolExecutor``, or
a Dask cluster's ``Client(...).get_executor()``): the masks are still computed here,
and each round's variant trainings, which are independent, run at once on the workers.

>>> from nbviz.data import digits
>>> from nbviz.models import LeNet300100
>>> import torch
>>> _ = torch.manual_seed(0)
>>> result = imp(LeNet300100(in_shape=(1, 8, 8)), digits("train").subset(500), digits("test"),
...              rounds=2, rate=0.5, epochs=2, progress=False)
>>> [round(r.density, 3) for r in result.records]
[1.0, 0.505, 0.256]
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.utils import prune
from tqdm.auto import tqdm

from .._checks import check_bool, check_fraction, check_positive_int, check_seed, unknown_name_error
from ..models._inputs import model_device, resolve_device, runnable_model
from .criteria import ImportancePruning, check_criterion, criterion_scores
from .layers import current_masks, prunable_layers, target_kept
from .layers import layer_rates as _layer_rates
from .tickets import make_ticket, weights_of
from .training import Stopped, check_optimizer_and_schedule, fit, labelled, stop_check
from .variants import Variant, parse_variant

#: fit's settings an executor's worker gets (the device goes separately, as the user gave it).
_JOB_KEYS = ("epochs", "batch_size", "lr", "optimizer", "schedule", "seed")

__all__ = ["SCOPES", "IMPResult", "RoundRecord", "check_variants", "imp"]

SCOPES = ("layerwise", "global")


@dataclass
class RoundRecord:
    """What one round of :func:`imp` produced.

    Attributes:
        round: 0 for the dense network, then 1, 2, ...
        kept: ``{layer: weights kept}``.
        sizes: ``{layer: weights in the layer}``.
        masks: ``{layer: bool mask}`` (CPU); all true in round 0.
        accuracy: ``{variant name: test accuracy}`` (round 0: the dense accuracy under
            every variant name, as all variants start from the same dense network).
        train_accuracy: ``{variant name: train accuracy of the last epoch}``.
        seconds: ``{variant name: training seconds}``.
        weights: ``{layer: (start, final)}``: the main variant's weights when its
            training began and ended (CPU tensors; kept with ``imp(keep_weights=True)``,
            else empty). The next round's criterion ranks these.

    >>> import torch
    >>> rec = RoundRecord(1, {"a": 30, "b": 10}, {"a": 100, "b": 100})
    >>> rec.density, rec.layer_density
    (0.2, {'a': 0.3, 'b': 0.1})
    """

    round: int
    kept: dict[str, int]
    sizes: dict[str, int]
    masks: dict[str, torch.Tensor] = field(default_factory=dict, repr=False)
    accuracy: dict[str, float] = field(default_factory=dict)
    train_accuracy: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    weights: dict[str, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict, repr=False)

    @property
    def density(self) -> float:
        """Fraction of the prunable weights still kept, over all pruned layers."""
        return sum(self.kept.values()) / sum(self.sizes.values())

    @property
    def layer_density(self) -> dict[str, float]:
        """``{layer: fraction kept}``."""
        return {k: self.kept[k] / self.sizes[k] for k in self.kept}

    def to_dict(self) -> dict:
        """Plain JSON-ready data (masks left out)."""
        return {
            "round": self.round,
            "density": self.density,
            "kept": dict(self.kept),
            "sizes": dict(self.sizes),
            "accuracy": dict(self.accuracy),
            "train_accuracy": dict(self.train_accuracy),
            "seconds": dict(self.seconds),
        }


@dataclass
class IMPResult:
    """Every round of an :func:`imp` run.

    Attributes:
        settings: the run's arguments (JSON-ready).
        records: one :class:`RoundRecord` per finished round, round 0 first.
        variants: the variant names, the main chain's first.
        stopped: whether ``should_stop`` ended the run early.
        model: the main variant's last trained network (pruned through
            ``torch.nn.utils.prune``), or None.

    >>> res = IMPResult(settings={}, variants=["rewind"])
    >>> res.densities
    []
    """

    settings: dict
    variants: list[str]
    records: list[RoundRecord] = field(default_factory=list)
    stopped: bool = False
    model: nn.Module | None = field(default=None, repr=False)

    @property
    def densities(self) -> list[float]:
        """The fraction of weights kept at each round."""
        return [r.density for r in self.records]

    def accuracies(self, variant: str | None = None) -> list[float]:
        """Test accuracy at each round for ``variant`` (default the main one)."""
        variant = self.variants[0] if variant is None else variant
        if variant not in self.variants:
            raise unknown_name_error("variant", str(variant), self.variants, "variant")
        return [r.accuracy.get(variant, math.nan) for r in self.records]

    def figure(self):
        """Accuracy against weights remaining (log axis), one line per variant."""
        from matplotlib.ticker import FuncFormatter

        from ..plotting import new_figure

        fig = new_figure(figsize=(6, 3.6), layout="constrained")
        ax = fig.add_subplot()
        x = [100 * d for d in self.densities]
        for name in self.variants:
            ax.plot(x, [100 * a for a in self.accuracies(name)], "-o", markersize=3, label=name)
        if self.records:
            dense = self.records[0].accuracy.get(self.variants[0], math.nan)
            ax.axhline(100 * dense, color="grey", linestyle="--", linewidth=1, label="dense")
        ax.set_xscale("log")
        ax.invert_xaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.set(
            xlabel="weights remaining (%)",
            ylabel="test accuracy (%)",
            title=f"IMP, criterion {self.settings.get('criterion', '?')}",
        )
        ax.grid(alpha=0.3, which="both")
        ax.legend()
        return fig

    def to_dict(self) -> dict:
        """Settings, variants and per-round records as plain JSON-ready data (no masks)."""
        return {
            "settings": dict(self.settings),
            "variants": list(self.variants),
            "stopped": self.stopped,
            "records": [r.to_dict() for r in self.records],
        }

    def __repr__(self) -> str:
        last = self.records[-1] if self.records else None
        tail = ""
        if last is not None:
            tail = f", density={last.density:.4f}, accuracy={last.accuracy}"
        return f"IMPResult(rounds={max(len(self.records) - 1, 0)}{tail}, stopped={self.stopped})"


def _cpu_pairs(start: dict, final: dict) -> dict:
    return {n: (start[n].detach().cpu().clone(), final[n].detach().cpu().clone()) for n in start}


def check_variants(variants) -> list[Variant]:
    """``variants`` (a name, a :class:`Variant` or a list of them) as distinct
    :class:`Variant` s, or a ``TypeError``/``ValueError`` naming ``variants``.

    >>> [v.name for v in check_variants(["rewind", "reinit"])]
    ['rewind', 'reinit']
    """
    if isinstance(variants, (str, Variant)):
        variants = [variants]
    if not isinstance(variants, (list, tuple)) or not variants:
        raise TypeError(f"variants: expected a variant name or a non-empty list, got {variants!r}")
    out = [parse_variant(v) for v in variants]
    names = [v.name for v in out]
    if len(set(names)) != len(names):
        raise ValueError(f"variants: each variant once, got {names}")
    return out


def _prune_round(masker, names, sizes, rates, scope, criterion, w_init, w_final, rnd, seed):
    """Prune the masker's layers for round ``rnd``; return the new masks."""
    modules = dict(masker.named_modules())
    scores = {
        n: criterion_scores(criterion, w_init[n], w_final[n], seed=seed + 1000 * rnd + i)
        for i, n in enumerate(names)
    }
    kept = {n: int(m.sum()) for n, m in current_masks(masker, names).items()}
    if scope == "layerwise":
        for i, n in enumerate(names):
            amount = kept[n] - target_kept(sizes[n], rates[n], rnd)
            ImportancePruning.apply(
                modules[n],
                "weight",
                amount=amount,
                seed=seed + 1000 * rnd + i,
                importance_scores=scores[n],
            )
    else:
        total = sum(sizes.values())
        amount = sum(kept.values()) - target_kept(total, rates[names[0]], rnd)
        prune.global_unstructured(
            [(modules[n], "weight") for n in names],
            pruning_method=ImportancePruning,
            importance_scores={(modules[n], "weight"): scores[n] for n in names},
            amount=amount,
            seed=seed + 1000 * rnd,
        )
    return current_masks(masker, names)


def _cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    """``module``'s state dict as CPU copies (plain tensors: picklable, unlike a pruned
    module, whose gradient hook is a closure)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}


def _train_dense(model, train_xy, test_xy, settings, device, rewind_iteration=0) -> dict:
    """Round 0 of :func:`imp` on an executor's worker: train a copy of ``model`` densely.

    ``device`` is resolved here, on the worker (``"auto"``: its own GPU when it has
    one). Returns plain picklable data: ``test_acc``, ``train_acc``, ``seconds``,
    ``device``, the trained ``state`` (CPU) and, when ``rewind_iteration > 0``, the
    ``rewind_state`` captured after that many steps (else None). A module-level
    function, so that process pools and Dask can send it to their workers.
    """
    dev = resolve_device(device)
    net = copy.deepcopy(model).to(dev)
    captured: dict[str, torch.Tensor] = {}
    on_step = None
    if rewind_iteration > 0:

        def on_step(info):
            if info.step == rewind_iteration:
                captured.update(_cpu_state(net))

    res = fit(net, train_xy, test_xy, on_step=on_step, device=dev, **settings)
    return {
        "test_acc": res.test_acc,
        "train_acc": res.train_acc,
        "seconds": res.seconds,
        "device": str(dev),
        "state": _cpu_state(net),
        "rewind_state": captured or None,
    }


def _train_ticket(
    model, masks, variant, rewind_state, seed, train_xy, test_xy, settings, device
) -> dict:
    """One ticket training of :func:`imp` on an executor's worker.

    Builds the ticket with :func:`~nbviz.lottery.make_ticket` (``model`` on the worker's
    device, ``masks``, the ``variant`` name, ``rewind_state``, ``seed``) and trains it
    with :func:`~nbviz.lottery.fit` and ``settings``; returns plain picklable data:
    ``test_acc``, ``train_acc``, ``seconds``, ``device`` and the trained ticket's
    ``state`` (CPU; the ticket itself is not picklable). A module-level function, so
    that process pools and Dask can send it to their workers.
    """
    dev = resolve_device(device)
    # A thread pool shares its arguments: move a copy, never the caller's model.
    base = model if model_device(model) == dev else copy.deepcopy(model).to(dev)
    ticket = make_ticket(base, masks, variant, rewind_state=rewind_state, seed=seed)
    res = fit(ticket, train_xy, test_xy, device=dev, **settings)
    return {
        "test_acc": res.test_acc,
        "train_acc": res.train_acc,
        "seconds": res.seconds,
        "device": str(dev),
        "state": _cpu_state(ticket),
    }


def _load_trained(module: nn.Module, state) -> nn.Module:
    """Load a worker's trained ``state`` into ``module`` (a fresh copy, or a ticket built
    the same way), leaving it as :func:`~nbviz.lottery.fit` leaves a trained network:
    in eval mode, each pruned weight recomputed from its ``_orig`` and mask."""
    module.load_state_dict(state)
    with torch.no_grad():
        for m in module.modules():
            for hook in m._forward_pre_hooks.values():
                if isinstance(hook, prune.BasePruningMethod):
                    hook(m, None)
    return module.eval()


def _collect(futures: dict, bar) -> dict:
    """``{key: result}`` from ``futures`` (``{future: (key, label)}``) as they finish,
    updating ``bar``. A failed one raises a ``RuntimeError`` naming its label, with the
    worker's error; the others still pending are cancelled (on any exit)."""
    out = {}
    try:
        for fut in as_completed(futures):
            key, label = futures[fut]
            try:
                out[key] = fut.result()
            except Exception as e:
                raise RuntimeError(
                    f"imp: {label} failed on the executor ({type(e).__name__}: {e}); "
                    "IMP cannot go on without that round"
                ) from e
            bar.update()
    finally:
        for fut in futures:
            fut.cancel()
    return out


def _caller_device(device) -> torch.device:
    """The calling process's device when an executor trains: ``device``, or the CPU
    when it names a CUDA device that only the workers have."""
    try:
        return resolve_device(device)
    except ValueError:
        if not (isinstance(device, str) and device.startswith("cuda")):
            raise
        try:
            torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}"
            ) from None
        return torch.device("cpu")


def imp(
    model: nn.Module,
    train_data,
    test_data,
    *,
    rounds: int = 5,
    rate: float = 0.2,
    layer_rates: Mapping[str, float] | None = None,
    scope: str = "layerwise",
    criterion: str = "large_final",
    variants: str | Sequence[str | Variant] = ("rewind",),
    rewind_iteration: int = 0,
    layers: str | Sequence[str] | None = None,
    epochs: int = 5,
    batch_size: int = 128,
    lr: float = 1.2e-3,
    optimizer: str = "adam",
    schedule: str = "constant",
    seed: int = 0,
    device="auto",
    progress: bool = True,
    on_round: Callable[[RoundRecord], None] | None = None,
    should_stop=None,
    keep_weights: bool = False,
    executor: Executor | None = None,
) -> IMPResult:
    """Iterative magnitude pruning: train, prune, rewind, repeat, recording every round.

    Round ``r`` keeps ``floor(n * (1 - p) ** r + 0.5)`` weights of a layer of ``n``
    weights pruned at rate ``p`` (``scope="layerwise"``), or that many of all the pruned
    layers' weights together at rate ``rate`` (``scope="global"``); see
    :func:`~nbviz.lottery.target_kept`. Weights pruned once stay pruned. The model
    passed in is not changed.

    Args:
        model: the network, at its initial weights.
        train_data, test_data: labelled data, as :func:`nbviz.models.train` takes it.
        rounds: pruning rounds after the dense one.
        rate: fraction of the remaining weights pruned per round, in (0, 1).
        layer_rates: ``{layer: rate}`` overriding ``rate`` per layer (layerwise scope
            only). Default: the last layer at ``rate / 2``, as in the papers; ``{}`` for
            one rate everywhere.
        scope: ``"layerwise"`` or ``"global"``.
        criterion: one of :data:`~nbviz.lottery.CRITERIA`.
        variants: one or more of :data:`~nbviz.lottery.INIT_VARIANTS`, optionally with
            ``"+frozen"`` (see :class:`~nbviz.lottery.Variant`); the first drives the
            pruning.
        rewind_iteration: rewind to the dense run's weights after this many optimizer
            steps (0: the initial weights).
        layers: the layers to prune (default every Linear/Conv layer).
        epochs, batch_size, lr, optimizer, schedule, seed, device: training settings,
            passed to :func:`~nbviz.lottery.fit` for every training (same seed, so the
            same batch order each round). ``device="auto"`` is CUDA when present (with
            an executor: on each worker, so a CPU client's GPU workers use their GPU).
        progress: show a tqdm bar over the trainings.
        on_round: called with each :class:`RoundRecord` once its round is done (in the
            calling thread, also with an executor).
        should_stop: ``None``, a ``threading.Event`` or a callable; checked after each
            epoch and between trainings. When it says stop, the unfinished round is
            dropped and the result (``stopped=True``) holds the finished ones. With an
            executor it cannot reach the workers: it is checked here before each round
            is sent, and a round already sent finishes and is kept.
        keep_weights: keep each round's start and final weights in
            :attr:`RoundRecord.weights` (two copies of the pruned layers per round).
        executor: None (every training runs here, one after another) or a
            ``concurrent.futures.Executor`` (a ``ProcessPoolExecutor``, a Dask
            ``Client(...).get_executor()``, anything with ``submit``) to run the
            trainings on: round 0 is one job, then each round's masks are computed
            here and its variants' trainings go out at once (the round waits for all
            of them). Workers get CPU tensors and return trained weights, which are
            loaded into tickets rebuilt here, so :attr:`IMPResult.model` and the
            records are as without one (same seeds and masks; accuracies equal up to
            floating point). A training that fails on a worker raises a
            ``RuntimeError`` naming its round and variant. Use processes or Dask to
            train in parallel: :func:`~nbviz.lottery.fit` and the ``reinit`` draws seed
            torch's global RNG, which the threads of a thread pool share.

    Returns:
        an :class:`IMPResult`.

    >>> from nbviz.data import digits
    >>> from nbviz.models import LeNet300100
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> res = imp(LeNet300100(in_shape=(1, 8, 8)), digits("train"), digits("test"),
    ...           rounds=1, rate=0.8, variants=["rewind", "reinit"], epochs=3,
    ...           batch_size=64, lr=3e-3, progress=False)
    >>> res.records[1].kept
    {'fc1': 3840, 'fc2': 6000, 'logits': 600}
    >>> all(acc > 0.8 for acc in res.records[1].accuracy.values())
    True
    """
    model = runnable_model(model)
    rounds = check_positive_int(rounds, "rounds")
    rate = check_fraction(rate, "rate")
    if not isinstance(scope, str):
        raise TypeError(f"scope: expected one of {list(SCOPES)}, got {scope!r}")
    if scope not in SCOPES:
        raise unknown_name_error("scope", scope, SCOPES, "scope")
    criterion = check_criterion(criterion)
    variant_list = check_variants(variants)
    rewind_iteration = check_positive_int(rewind_iteration, "rewind_iteration", minimum=0)
    epochs = check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    seed = check_seed(seed)
    progress = check_bool(progress, "progress")
    keep_weights = check_bool(keep_weights, "keep_weights")
    if on_round is not None and not callable(on_round):
        raise TypeError(f"on_round: expected a callable or None, got {on_round!r}")
    stop = stop_check(should_stop)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(
            "executor: expected None or a concurrent.futures.Executor (an object with "
            f"submit()), got {executor!r}"
        )
    found = prunable_layers(model, layers)
    names = list(found)
    if scope == "global":
        if layer_rates:
            raise ValueError("layer_rates: per-layer rates need scope='layerwise'")
        rates = dict.fromkeys(names, rate)
    else:
        rates = _layer_rates(names, rate, layer_rates)
    check_optimizer_and_schedule(optimizer, schedule)  # before any training starts
    dev = resolve_device(device) if executor is None else _caller_device(device)
    data_dev = dev if executor is None else torch.device("cpu")  # workers get CPU tensors
    train_xy = labelled(train_data, "train_data", model, data_dev)
    test_xy = labelled(test_data, "test_data", model, data_dev)
    steps_per_epoch = math.ceil(len(train_xy[0]) / batch_size)
    if rewind_iteration > epochs * steps_per_epoch:
        raise ValueError(
            f"rewind_iteration: {rewind_iteration} is past the end of training "
            f"({epochs} epochs x {steps_per_epoch} steps)"
        )

    sizes = {n: m.weight.numel() for n, m in found.items()}
    settings = {
        "rounds": rounds,
        "rate": rate,
        "layer_rates": rates,
        "scope": scope,
        "criterion": criterion,
        "variants": [v.name for v in variant_list],
        "rewind_iteration": rewind_iteration,
        "layers": names,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": optimizer,
        "schedule": schedule,
        "seed": seed,
        "device": str(dev),
    }
    train_kw = {
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": optimizer,
        "schedule": schedule,
        "seed": seed,
        "device": dev,
        "should_stop": stop,
    }
    result = IMPResult(settings=settings, variants=[v.name for v in variant_list])
    base = copy.deepcopy(model).to(dev)
    init_state = {k: v.detach().clone() for k, v in base.state_dict().items()}
    w_init = weights_of(base, names)
    bar = tqdm(total=1 + rounds * len(variant_list), desc="IMP", unit="train", disable=not progress)

    def train_one(net, on_step=None):
        res = fit(net, train_xy, test_xy, on_step=on_step, **train_kw)
        bar.update()
        return res

    if executor is not None:
        # What every job gets: plain CPU data, the user's device (resolved by the worker).
        job_settings = {k: train_kw[k] for k in _JOB_KEYS}
        job_model = base if dev.type == "cpu" else copy.deepcopy(base).cpu()
        job_data = (train_xy, test_xy)

    try:
        # Round 0: the dense network, keeping the rewind point on the way.
        rewind_state = init_state
        if executor is None:
            dense = copy.deepcopy(base)
            if rewind_iteration > 0:
                captured = {}

                def on_step(info):
                    if info.step == rewind_iteration:
                        captured.update(
                            {k: v.detach().clone() for k, v in dense.state_dict().items()}
                        )

                res = train_one(dense, on_step)
                rewind_state = captured
            else:
                res = train_one(dense)
            acc, train_acc, seconds = res.test_acc, res.train_acc, res.seconds
        else:
            if stop():
                raise Stopped
            job = executor.submit(
                _train_dense, job_model, *job_data, job_settings, device, rewind_iteration
            )
            out = _collect({job: (0, "round 0 (the dense training)")}, bar)[0]
            dense = _load_trained(copy.deepcopy(base), out["state"])
            if rewind_iteration > 0:
                rewind_state = out["rewind_state"]
            settings["device"] = out["device"]
            acc, train_acc, seconds = out["test_acc"], out["train_acc"], out["seconds"]
        record = RoundRecord(
            0,
            dict(sizes),
            dict(sizes),
            current_masks(dense, names),
            accuracy=dict.fromkeys(result.variants, acc),
            train_accuracy=dict.fromkeys(result.variants, train_acc),
            seconds=dict.fromkeys(result.variants, seconds),
        )
        w_final = weights_of(dense, names)
        if keep_weights:
            record.weights = _cpu_pairs(w_init, w_final)
        result.records.append(record)
        result.model = dense
        bar.set_postfix(density="1.000", acc=f"{acc:.3f}")
        if on_round is not None:
            on_round(record)
        masker = copy.deepcopy(base).cpu()

        for rnd in range(1, rounds + 1):
            if stop():
                raise Stopped
            masks = _prune_round(
                masker, names, sizes, rates, scope, criterion, w_init, w_final, rnd, seed
            )
            record = RoundRecord(rnd, {n: int(m.sum()) for n, m in masks.items()}, dict(sizes))
            record.masks = masks
            main = None
            if executor is None:
                for j, variant in enumerate(variant_list):
                    if stop():
                        raise Stopped
                    ticket = make_ticket(
                        base, masks, variant, rewind_state=rewind_state, seed=seed + 7919 * rnd
                    )
                    start = weights_of(ticket, names) if j == 0 else None
                    res = train_one(ticket)
                    record.accuracy[variant.name] = res.test_acc
                    record.train_accuracy[variant.name] = res.train_acc
                    record.seconds[variant.name] = res.seconds
                    if j == 0:
                        main = ticket
                        w_init, w_final = start, weights_of(ticket, names)
            else:
                job_rewind = None if rewind_iteration == 0 else rewind_state
                jobs = {
                    executor.submit(
                        _train_ticket, job_model, masks, v.name, job_rewind, seed + 7919 * rnd,
                        *job_data, job_settings, device,
                    ): (v.name, f"round {rnd}, variant {v.name!r},")
                    for v in variant_list
                }  # fmt: skip
                outs = _collect(jobs, bar)
                for variant in variant_list:
                    record.accuracy[variant.name] = outs[variant.name]["test_acc"]
                    record.train_accuracy[variant.name] = outs[variant.name]["train_acc"]
                    record.seconds[variant.name] = outs[variant.name]["seconds"]
                # The main chain's ticket, rebuilt here as the worker built it, then trained.
                main = make_ticket(
                    base, masks, variant_list[0], rewind_state=rewind_state, seed=seed + 7919 * rnd
                )
                w_init = weights_of(main, names)
                _load_trained(main, outs[variant_list[0].name]["state"])
                w_final = weights_of(main, names)
            if keep_weights:
                record.weights = _cpu_pairs(w_init, w_final)
            result.records.append(record)
            result.model = main
            bar.set_postfix(
                density=f"{record.density:.3f}",
                acc=f"{record.accuracy[result.variants[0]]:.3f}",
            )
            if on_round is not None:
                on_round(record)
    except Stopped:
        result.stopped = True
    finally:
        bar.close()
    return result
