"""IntrinsicDimensionView: an intrinsic-dimension sweep run live, its curve filling in.

After Li, Farkhoor, Liu and Yosinski, "Measuring the Intrinsic Dimension of Objective
Landscapes" (arXiv:1804.08838). The widget runs :func:`nbviz.intrinsic.sweep` in its
background job and shows test accuracy against the subspace's dimension d (log axis) as
runs finish, in any order (also from an executor): each seed's runs as faint dots, their
mean as a line, the dense baseline and its 90% level, d_int90 with its bootstrap band, runs
not finished yet as ticks and failed runs as red crosses (the error on hover).

>>> import torch
>>> from torch import nn
>>> from nbviz.data import digits
>>> _ = torch.manual_seed(0)
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
>>> view = IntrinsicDimensionView(net, digits("train"), digits("test"), dims=[8, 512],
...                               epochs=3, lr=1e-2, batch_size=64, device="cpu", start=False)
>>> view.accuracy.shape, bool(np.isnan(view.accuracy).all())
((2, 1), True)
>>> result = view.run(progress=False)
>>> result is view.result, bool(np.isfinite(view.accuracy).all()), view.D
(True, True, 2410)
>>> view.d_int90 == (result.d_int90 or -1)
True
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence

import numpy as np
import traitlets

from .base import JobWidget
from .traits import ArrayTrait, Int
from .worker import Job

__all__ = ["IntrinsicDimensionView"]


class _Stopped(Exception):
    """Raised from the sweep's on_result once stop() was asked (ends the sweep)."""


class IntrinsicDimensionView(JobWidget):
    """Run an intrinsic-dimension sweep on ``model`` and watch accuracy vs d fill in.

    Args:
        model: the network at its initial weights θ₀ (not changed; each run trains a copy).
        train_data, test_data: labelled data, as :func:`nbviz.lottery.fit` takes it.
        dims: the subspace dimensions to try (1 ≤ d ≤ D; sorted, repeats dropped).
        projection: ``"dense"``, ``"sparse"`` or ``"fastfood"`` (as
            :func:`~nbviz.intrinsic.sweep`).
        seeds: one run per seed and d, and one dense baseline per seed.
        executor: None (runs one after another in the job's thread) or a
            ``concurrent.futures.Executor`` (a process pool, a Dask cluster's executor):
            the curve fills in as its runs finish, in any order.
        start: start the sweep in the background now (``False``: call :meth:`start` or
            :meth:`run`).
        height: the chart's height in px.
        **recipe: :func:`nbviz.lottery.fit`'s settings (``epochs`` is required; ``lr``,
            ``batch_size``, ``optimizer``, ``schedule``, ``weight_decay``, ``device``,
            and ``level``, the fraction of the dense accuracy that counts as solved).

    Traits (synced): ``dims``, ``seeds``, ``accuracy`` (float32 ``[dims, seeds]``, NaN
    for a run not finished or failed), ``dense_accuracy`` (float32 ``[seeds]``), ``D``,
    ``level``, ``d_int90`` (-1 while none), ``band`` (``[lo, hi]`` of d_int90's bootstrap
    interval, or ``[]``), ``failures`` (``{d, seed, error}`` per failed run; ``d`` is -1
    for a dense run), ``height``, and the job's.

    After a run (also one stopped) ``result`` is the :class:`~nbviz.intrinsic.SweepResult`;
    :meth:`figure` is its figure (during a run: the figure of what has finished).

    Raises:
        ValueError / TypeError: a d out of 1..D, an unknown projection or recipe setting
            (with the closest), no dims, no ``epochs``, repeated seeds, data that is not
            labelled data: raised here, before any training. A run that fails is
            reported in ``failures`` while the others go on.
    """

    _bundle = "intrinsic"
    _not_settable = JobWidget._not_settable | {
        "dims", "seeds", "accuracy", "dense_accuracy", "D", "level", "d_int90", "band",
        "failures",
    }  # fmt: skip

    dims = traitlets.List(traitlets.Int(), help="the subspace dimensions tried, increasing").tag(
        sync=True
    )
    seeds = traitlets.List(traitlets.Int(), help="the seeds, one run per (d, seed)").tag(sync=True)
    accuracy = ArrayTrait(
        dtype="float32", ndim=2, help="test accuracy [dims, seeds]; NaN not finished or failed"
    ).tag(sync=True)
    dense_accuracy = ArrayTrait(
        dtype="float32", ndim=1, help="the dense baseline's accuracy [seeds]; NaN not yet"
    ).tag(sync=True)
    D = traitlets.Int(0, help="the model's number of trainable parameters").tag(sync=True)
    level = traitlets.Float(0.9, help="the fraction of the dense accuracy that counts").tag(
        sync=True
    )
    d_int90 = traitlets.Int(-1, help="the smallest d reaching the level; -1 none yet").tag(
        sync=True
    )
    band = traitlets.List(traitlets.Int(), help="[lo, hi] bootstrap band of d_int90, or []").tag(
        sync=True
    )
    failures = traitlets.List(
        traitlets.Dict(), help="per failed run: d (-1 dense), seed, error"
    ).tag(sync=True)
    height = Int(320, min=120, unit=" px", help="the chart's height, px").tag(sync=True)

    def __init__(
        self,
        model,
        train_data,
        test_data,
        dims: Sequence[int],
        *,
        projection: str = "sparse",
        seeds: Sequence[int] = (0,),
        executor=None,
        start: bool = True,
        height: int = 320,
        **recipe,
    ):
        from .._checks import check_bool
        from ..intrinsic import check_sweep
        from ..models import as_tensors

        settings = {k: v for k, v in recipe.items() if k != "level"}
        D, dims, seeds, level = check_sweep(model, dims, projection, seeds, settings,
                                            level=recipe.get("level", 0.9),
                                            caller="IntrinsicDimensionView")  # fmt: skip
        as_tensors(train_data, "train_data", labels="required")
        as_tensors(test_data, "test_data", labels="required")
        start = check_bool(start, "start")
        self._lock = threading.Lock()
        self._args = (model, train_data, test_data, dims)
        self._options = dict(projection=projection, seeds=seeds, executor=executor, **recipe)
        super().__init__(
            dims=dims, seeds=seeds, D=D, level=level, height=height,
            accuracy=np.full((len(dims), len(seeds)), np.nan, np.float32),
            dense_accuracy=np.full(len(seeds), np.nan, np.float32),
        )  # fmt: skip
        if start:
            self.start()

    @classmethod
    def _forwarded_keywords(cls) -> set[str]:
        """The sweep's recipe settings (and ``level``)."""
        from ..intrinsic.sweep import RECIPE_KEYS

        return {*RECIPE_KEYS, "level"}

    # --- the job: the sweep ------------------------------------------------------------
    def _new_job(self) -> Job:
        return self._make_job(self._job_fn, name="intrinsic sweep", on_publish=self._on_publish)

    def _job_fn(self, ctx):
        from ..intrinsic import sweep

        total = len(self.seeds) * (len(self.dims) + 1)
        state = {"result": None}
        with self.batched():
            self.accuracy = np.full((len(self.dims), len(self.seeds)), np.nan, np.float32)
            self.dense_accuracy = np.full(len(self.seeds), np.nan, np.float32)
            self.d_int90, self.band, self.failures = -1, [], []
        ctx.progress(0, total, "training the dense baseline")

        def on_result(run, result):
            state["result"] = result
            what = "dense" if run.d is None else f"d = {run.d:,}"
            how = f"{100 * run.accuracy:.1f}%" if run.ok else "failed"
            ctx.progress(len(result.runs), total, f"{what}, seed {run.seed}: {how}")
            ctx.publish(self._snapshot(result))
            if ctx.stopped:
                raise _Stopped

        try:
            result = sweep(*self._args, on_result=on_result, progress=False, **self._options)
        except _Stopped:
            result = state["result"]
        if result is not None:
            ctx.publish(self._snapshot(result))  # the last word: every run filed
        return result

    def _snapshot(self, result) -> dict:
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # means of d's not run yet
            return {
                "accuracy": np.array(result.accuracy, np.float32),
                "dense": np.array(result.dense_accuracy, np.float32),
                "failures": [
                    {"d": -1 if r.d is None else int(r.d), "seed": int(r.seed), "error": r.error}
                    for r in result.failures
                ],
                "d_int90": result.d_int90,
                "result": result,
            }

    def _on_publish(self, snap: dict) -> None:
        d90 = snap["d_int90"]
        band = []
        if d90 is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = snap["result"].band()
            if lo is not None and hi is not None:
                band = [int(lo), int(hi)]
        with self.batched():
            self.accuracy = snap["accuracy"]
            self.dense_accuracy = snap["dense"]
            self.failures = snap["failures"]
            self.d_int90 = -1 if d90 is None else int(d90)
            self.band = band

    # --- static output -----------------------------------------------------------------
    def figure(self):
        """The sweep's figure (:meth:`SweepResult.figure`): accuracy against d, the dense
        baseline and its level, d_int90 and its band."""
        result = self.result
        if result is None and self._job is not None:
            result = getattr(self._job, "result", None)
        if result is None:
            from ..intrinsic import SweepResult

            result = SweepResult(
                dims=list(self.dims), seeds=list(self.seeds), D=self.D, level=self.level,
                accuracy=np.asarray(self.accuracy, float),
                dense_accuracy=np.asarray(self.dense_accuracy, float),
            )  # fmt: skip
        return result.figure()

    def __repr__(self):
        done = int(np.isfinite(self.accuracy).sum()) if self.accuracy is not None else 0
        d90 = self.d_int90 if self.d_int90 >= 0 else None
        return (
            f"IntrinsicDimensionView({done} of {len(self.dims) * len(self.seeds)} subspace "
            f"runs, D = {self.D:,}, d_int90 = {d90}, job {self.job_state})"
        )
