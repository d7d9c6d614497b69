"""The intrinsic-dimension sweep: one subspace training per (d, seed), the dense baseline
by the same recipe, and d_int90 with bootstrap bands over seeds.

Every training is independent, so the sweep runs them in the kernel one after another by
default, or on any ``concurrent.futures.Executor`` (a ``ProcessPoolExecutor``, or a Dask
cluster's ``Client(...).get_executor()``): results are reported as each run finishes, in
any order, and a run that fails is reported with its d and seed while the others go on.

>>> import torch
>>> from torch import nn
>>> from nbviz.data import digits
>>> _ = torch.manual_seed(0)
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
>>> result = sweep(net, digits("train"), digits("test"), dims=[8, 512], epochs=3, lr=1e-2,
...                batch_size=64, device="cpu", progress=False)
>>> result.dims, result.accuracy.shape, result.D
([8, 512], (2, 1), 2410)
>>> bool(result.accuracy[1, 0] > result.accuracy[0, 0] + 0.2)   # more directions, more skill
True
"""

from __future__ import annotations

import copy
import math
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field

import numpy as np
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_bool, check_fraction, check_seed
from .projections import PROJECTIONS

__all__ = ["RunResult", "SweepResult", "check_sweep", "run_subspace", "sweep"]

#: fit's settings a sweep passes on (the recipe shared by the dense and subspace runs).
RECIPE_KEYS = ("epochs", "batch_size", "lr", "optimizer", "schedule", "weight_decay", "device")


@dataclass(frozen=True)
class RunResult:
    """One training of a sweep.

    Attributes:
        d: the subspace's dimension, or None for the dense baseline.
        seed: the run's seed (projection and batch order).
        accuracy: test accuracy after the last epoch (NaN when it failed).
        seconds: wall time of the run.
        error: None, or the error that ended the run (its traceback's last lines).
    """

    d: int | None
    seed: int
    accuracy: float
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the run finished."""
        return self.error is None


def run_subspace(model, train_data, test_data, d, *, projection="sparse", seed=0, **recipe):
    """Train ``model`` (a copy) in a random ``d``-dimensional subspace (``d=None``: all
    its parameters, the dense baseline) with :func:`nbviz.lottery.fit`'s ``recipe``;
    returns a :class:`RunResult`. An error is caught and returned in it, not raised: one
    failed run must not end a sweep. A module-level function, so that process pools and
    Dask can send it to their workers."""
    from ..lottery import fit
    from .subspace import SubspaceModel

    started = time.perf_counter()
    try:
        net = copy.deepcopy(model)
        if d is not None:
            net = SubspaceModel(net, d, projection, seed=seed)
        res = fit(net, train_data, test_data, seed=seed, **recipe)
        return RunResult(d, seed, float(res.test_acc), time.perf_counter() - started)
    except Exception as e:  # reported with its d and seed
        lines = traceback.format_exception_only(type(e), e)
        return RunResult(d, seed, math.nan, time.perf_counter() - started, "".join(lines).strip())


@dataclass
class SweepResult:
    """Test accuracy against the subspace's dimension, and what it says.

    Attributes:
        dims: the dimensions tried, increasing.
        seeds: the seeds, one run per (d, seed).
        accuracy: ``[len(dims), len(seeds)]`` test accuracies (NaN: not run or failed).
        dense_accuracy: ``[len(seeds)]`` the dense baseline's, same recipe and seeds.
        D: the number of parameters.
        level: the fraction of the dense accuracy that counts as solved (0.9).
        runs: every :class:`RunResult`, in the order they finished.
    """

    dims: list[int]
    seeds: list[int]
    D: int
    level: float = 0.9
    accuracy: np.ndarray = field(default=None)  # type: ignore[assignment]
    dense_accuracy: np.ndarray = field(default=None)  # type: ignore[assignment]
    runs: list[RunResult] = field(default_factory=list)

    def __post_init__(self):
        if self.accuracy is None:
            self.accuracy = np.full((len(self.dims), len(self.seeds)), np.nan)
        if self.dense_accuracy is None:
            self.dense_accuracy = np.full(len(self.seeds), np.nan)

    def add(self, run: RunResult) -> None:
        """File one finished run."""
        self.runs.append(run)
        j = self.seeds.index(run.seed)
        if run.d is None:
            self.dense_accuracy[j] = run.accuracy
        else:
            self.accuracy[self.dims.index(run.d), j] = run.accuracy

    @property
    def failures(self) -> list[RunResult]:
        """The runs that failed, with their d, seed and error."""
        return [r for r in self.runs if not r.ok]

    @property
    def target(self) -> float:
        """``level`` × the dense baseline's mean accuracy (NaN before it is known)."""
        return (
            self.level * float(np.nanmean(self.dense_accuracy)) if self._dense_known else math.nan
        )

    @property
    def _dense_known(self) -> bool:
        return bool(np.isfinite(self.dense_accuracy).any())

    @property
    def d_int90(self) -> int | None:
        """The smallest d tried whose mean accuracy over seeds reaches :attr:`target`
        (None when none does yet)."""
        return _first_reaching(self.dims, self.accuracy, self.dense_accuracy, self.level)

    @property
    def compression(self) -> float:
        """D / d_int90 (NaN without d_int90)."""
        d = self.d_int90
        return self.D / d if d else math.nan

    def band(self, coverage: float = 0.9, n_boot: int = 1000, seed: int = 0):
        """A bootstrap interval for d_int90 over seeds: the seeds' runs (their subspace
        accuracies and their dense baselines together) resampled with replacement
        ``n_boot`` times; returns ``(low, high)`` d values covering ``coverage`` of the
        resampled d_int90s (None where a resample never reaches the target). With one
        seed the interval is the point itself."""
        coverage = check_fraction(coverage, "coverage")
        rng = np.random.default_rng(seed)
        k = len(self.seeds)
        picks = [
            _first_reaching(self.dims, self.accuracy[:, idx], self.dense_accuracy[idx], self.level)
            for idx in rng.integers(0, k, size=(n_boot, k))
        ]
        found = np.array([p if p is not None else np.inf for p in picks], dtype=np.float64)
        lo, hi = np.quantile(found, [(1 - coverage) / 2, (1 + coverage) / 2], method="lower")
        return (None if np.isinf(lo) else int(lo)), (None if np.isinf(hi) else int(hi))

    def figure(self):
        """Accuracy against d (log scale): each seed's runs, their mean, the dense
        baseline and its 90% line, and d_int90 with its band."""
        from ..plotting import new_figure

        fig = new_figure(figsize=(6.4, 3.8), layout="constrained")
        ax = fig.subplots()
        dims = np.asarray(self.dims, float)
        for j in range(len(self.seeds)):
            ax.plot(dims, self.accuracy[:, j], "o", ms=3, color="C0", alpha=0.35)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(self.accuracy, axis=1) if self.accuracy.size else dims * np.nan
        ax.plot(dims, mean, "-", color="C0", label="subspace (mean over seeds)")
        if self._dense_known:
            dense = float(np.nanmean(self.dense_accuracy))
            ax.axhline(dense, color="0.3", lw=1, label=f"dense baseline {dense:.3f}")
            ax.axhline(self.target, color="0.3", lw=1, ls="--",
                       label=f"{self.level:.0%} of it")  # fmt: skip
        d = self.d_int90
        if d is not None:
            lo, hi = self.band()
            if lo is not None and hi is not None and hi > lo:
                ax.axvspan(lo, hi, color="C1", alpha=0.15)
            ax.axvline(d, color="C1", lw=1.5,
                       label=f"d_int90 = {d:,} ({self.D / d:,.0f}× compression)")  # fmt: skip
        ax.set(xscale="log", xlabel="subspace dimension d", ylabel="test accuracy",
               title=f"intrinsic dimension, D = {self.D:,}")  # fmt: skip
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower right")
        return fig

    def __repr__(self) -> str:
        done = int(np.isfinite(self.accuracy).sum())
        return (
            f"SweepResult({done} of {self.accuracy.size} subspace runs, D = {self.D:,}, "
            f"d_int90 = {self.d_int90}, {len(self.failures)} failed)"
        )


def _first_reaching(dims, acc, dense, level) -> int | None:
    acc, dense = np.asarray(acc, float), np.asarray(dense, float)
    if not np.isfinite(dense).any():
        return None
    target = level * np.nanmean(dense)
    with warnings.catch_warnings():  # a d with no finished run yet: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(acc.reshape(len(dims), -1), axis=1)
    hits = np.flatnonzero(mean >= target)
    return int(dims[hits[0]]) if hits.size else None


def sweep(
    model: nn.Module,
    train_data,
    test_data,
    dims: Sequence[int],
    *,
    projection: str = "sparse",
    seeds: Sequence[int] = (0,),
    level: float = 0.9,
    executor: Executor | None = None,
    on_result: Callable[[RunResult, SweepResult], None] | None = None,
    progress: bool = True,
    **recipe,
) -> SweepResult:
    """Train ``model`` in a random subspace of each dimension in ``dims`` (each seed), and
    densely by the same recipe; return the accuracy-vs-d curve and d_int90.

    Args:
        model: the network at its initial weights θ₀ (not changed; each run trains a copy).
        train_data, test_data: labelled data, as :func:`nbviz.lottery.fit` takes it.
        dims: the subspace dimensions to try (1 ≤ d ≤ D; sorted, repeats dropped).
        projection: ``"dense"``, ``"sparse"`` (Li et al.'s default for mid-sized nets) or
            ``"fastfood"`` (large nets: memory O(D)).
        seeds: one run per seed and d (and one dense run per seed); a seed draws the
            projection and the batch order.
        level: the fraction of the dense accuracy that counts as solved (the paper's 90%).
        executor: None (runs here, in order, with a tqdm bar) or a
            ``concurrent.futures.Executor`` to run them on (results in any order).
        on_result: called with each finished :class:`RunResult` and the result so far
            (in the calling thread), e.g. to update a view.
        progress: show a tqdm bar over runs.
        **recipe: :func:`nbviz.lottery.fit`'s settings (``epochs`` is required;
            ``batch_size``, ``lr``, ``optimizer``, ``schedule``, ``weight_decay``,
            ``device``), the same for every run.

    Raises:
        ValueError / TypeError: a d out of 1..D, an unknown projection or recipe setting
            (with the closest), no dims, a model without trainable parameters, bad seeds.
    """
    D, dims, seeds, level = check_sweep(model, dims, projection, seeds, recipe, level=level)
    progress = check_bool(progress, "progress")
    result = SweepResult(dims=dims, seeds=seeds, D=D, level=level)
    jobs = [(None, s) for s in seeds] + [(d, s) for d in dims for s in seeds]
    bar = tqdm(total=len(jobs), desc="intrinsic dimension", unit="run", disable=not progress)

    def file(run: RunResult) -> None:
        result.add(run)
        bar.update()
        bar.set_postfix_str(f"d={'dense' if run.d is None else run.d} seed={run.seed}: "
                            + (f"{run.accuracy:.3f}" if run.ok else "failed"))  # fmt: skip
        if on_result is not None:
            on_result(run, result)

    try:
        if executor is None:
            for d, s in jobs:
                file(run_subspace(model, train_data, test_data, d, projection=projection,
                                  seed=s, **recipe))  # fmt: skip
        else:
            futures = {
                executor.submit(run_subspace, model, train_data, test_data, d,
                                projection=projection, seed=s, **recipe): (d, s)
                for d, s in jobs
            }  # fmt: skip
            for fut in as_completed(futures):
                d, s = futures[fut]
                try:
                    run = fut.result()
                except Exception as e:  # the worker itself died
                    run = RunResult(d, s, math.nan, math.nan, f"{type(e).__name__}: {e}")
                file(run)
    finally:
        bar.close()
    return result


def check_sweep(model, dims, projection, seeds, recipe, *, level=0.9, caller="sweep"):
    """:func:`sweep`'s argument checks, before any training: returns ``(D, dims, seeds,
    level)`` with dims sorted and deduplicated. A view that runs a sweep later makes them
    when it is built (``caller`` names it in the messages).

    >>> from torch import nn
    >>> check_sweep(nn.Linear(3, 2), [8, 2, 2], "dense", (0,), {"epochs": 1})
    (8, [2, 8], [0], 0.9)
    """
    from .._checks import unknown_name_error

    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    D = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if D == 0:
        raise ValueError("model: has no trainable parameters")
    if projection not in PROJECTIONS:
        raise unknown_name_error("projection", projection, PROJECTIONS, "projection")
    if isinstance(dims, int | np.integer) or not isinstance(dims, Sequence | np.ndarray):
        raise TypeError(f"dims: expected a sequence of integers, got {dims!r}")
    dims = sorted({_check_d(d, D) for d in dims})
    if not dims:
        raise ValueError("dims: expected at least one subspace dimension")
    seeds = [check_seed(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: expected distinct seeds, got {seeds}")
    for key in recipe:
        if key not in RECIPE_KEYS:
            raise unknown_name_error("setting", key, RECIPE_KEYS, "recipe")
    if "epochs" not in recipe:
        raise TypeError(f"{caller}: the recipe needs epochs= (the same for every run)")
    return D, dims, seeds, check_fraction(level, "level")


def _check_d(d, D: int) -> int:
    if isinstance(d, bool) or not isinstance(d, int | np.integer):
        raise TypeError(f"dims: expected integers, got {d!r}")
    if not 1 <= int(d) <= D:
        raise ValueError(f"dims: each d must be in 1..D = {D:,} (the model's parameters), "
                         f"got {int(d):,}")  # fmt: skip
    return int(d)
