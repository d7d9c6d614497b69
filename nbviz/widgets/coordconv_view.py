"""CoordConvView: convolution and CoordConv trained side by side, live.

After Liu et al., "An intriguing failing of convolutional neural networks and the
CoordConv solution" (arXiv:1807.03247). The widget runs
:func:`nbviz.coordconv.train_side_by_side` in its background job: the paper's
deconvolution baseline and a CoordConv net learn to draw a square (or light a pixel) at
a given position of Not-so-Clevr's canvas, with one quadrant of positions held out of
training. The view shows each run's score over steps on the training positions and on
the held-out ones, and each run's picture for a few held-out positions under the true
one, updating as they train. CoordConv's held-out score climbs with its training score;
the baseline's training score climbs and its held-out score stays low.

>>> from nbviz.data import not_so_clevr
>>> view = CoordConvView(data=not_so_clevr("rendering", "quadrant"), steps=4, eval_every=2,
...                      eval_size=16, score_all=False, start=False)
>>> view.names, view.metric, view.test_scores.shape
(['conv', 'coordconv'], 'IoU', (2, 0))
>>> result = view.run(progress=False)
>>> view.steps.tolist(), view.test_scores.shape, view.predictions.shape
([2, 4], (2, 2), (2, 6, 64, 64))
"""

from __future__ import annotations

import threading

import numpy as np
import traitlets

from .base import JobWidget
from .traits import ArrayTrait, Int
from .worker import Job

__all__ = ["CoordConvView"]

#: train_side_by_side's settings the view passes on.
_OPTIONS = ("batch_size", "lr", "eval_every", "eval_size", "show", "score_all", "seed",
            "device")  # fmt: skip


class CoordConvView(JobWidget):
    """Train convolution and CoordConv side by side on Not-so-Clevr and watch them.

    Args:
        models: ``{name: network}`` mapping ``[N, 2]`` coordinates to per-pixel logits
            (default :func:`nbviz.coordconv.coordinate_nets`: ``"conv"``, the paper's
            deconvolution baseline, and ``"coordconv"``). Copies are trained.
        data: :func:`nbviz.data.not_so_clevr` data of the ``"rendering"`` or
            ``"classification"`` task (default: rendering, quadrant split, the
            bottom-right quadrant held out).
        steps: Adam steps per network.
        start: start training in the background now (``False``: call :meth:`start` or
            :meth:`run`).
        height: the charts' height in px.
        **options: :func:`~nbviz.coordconv.train_side_by_side`'s ``batch_size``, ``lr``,
            ``eval_every``, ``eval_size``, ``show``, ``score_all``, ``seed``, ``device``.

    Traits (synced): ``names``, ``task``, ``metric`` (``"IoU"`` or ``"accuracy"``),
    ``split``, ``total_steps``, ``steps`` (int32 ``[evals]``), ``train_scores`` and
    ``test_scores`` (float32 ``[models, evals]``), ``positions`` (the held-out positions
    shown, ``[row, column]`` each), ``truth`` (uint8 ``[K, H, W]``), ``predictions``
    (uint8 ``[models, K, H, W]``, each run's latest picture there), ``final``
    (``{name: {"train", "test"}}`` on every position, once training ends), ``height``
    and the job's.

    After a run (also one stopped) ``result`` is the :class:`~nbviz.coordconv.Comparison`
    with the trained networks; :meth:`figure` draws it.

    Raises:
        TypeError / ValueError: models that are not modules, data that is not
            Not-so-Clevr or is of the regression task, bad steps or settings: here,
            before any training.
    """

    _bundle = "coordconv"
    _not_settable = JobWidget._not_settable | {
        "names", "task", "metric", "split", "total_steps", "steps", "train_scores",
        "test_scores", "positions", "truth", "predictions", "final",
    }  # fmt: skip

    names = traitlets.List(traitlets.Unicode(), help="the networks' names").tag(sync=True)
    task = traitlets.Unicode("rendering", help="classification or rendering").tag(sync=True)
    metric = traitlets.Unicode("IoU", help="the task's score: IoU or accuracy").tag(sync=True)
    split = traitlets.Unicode("quadrant", help="the data's split").tag(sync=True)
    total_steps = traitlets.Int(0, help="the steps each network trains for").tag(sync=True)
    steps = ArrayTrait(dtype="int32", ndim=1, help="the steps evaluated so far").tag(sync=True)
    train_scores = ArrayTrait(
        dtype="float32", ndim=2, help="score on training positions [models, evals]"
    ).tag(sync=True)
    test_scores = ArrayTrait(
        dtype="float32", ndim=2, help="score on held-out positions [models, evals]"
    ).tag(sync=True)
    positions = traitlets.List(
        traitlets.List(traitlets.Int()), help="the held-out positions shown, [row, column]"
    ).tag(sync=True)
    truth = ArrayTrait(dtype="uint8", ndim=3, help="their true images [K, H, W]").tag(sync=True)
    predictions = ArrayTrait(
        dtype="uint8", ndim=4, help="each network's latest images there [models, K, H, W]"
    ).tag(sync=True)
    final = traitlets.Dict(help="{name: {train, test}} on every position, at the end").tag(
        sync=True
    )
    height = Int(240, min=120, unit=" px", help="the charts' height, px").tag(sync=True)

    def __init__(
        self,
        models=None,
        data=None,
        *,
        steps: int = 600,
        start: bool = True,
        height: int = 240,
        **options,
    ):
        from .._checks import check_bool, check_positive_int
        from ..coordconv import METRICS, check_comparison

        models, data = check_comparison(models, data, options.get("lr"))
        steps = check_positive_int(steps, "steps")
        start = check_bool(start, "start")
        self._lock = threading.Lock()
        self._args = (models, data)
        self._options = {"steps": steps, **options}
        names = ["conv", "coordconv"] if models is None else list(models)
        side = data.test.targets.shape[-1]
        super().__init__(
            names=names, task=data.task, metric=METRICS[data.task], split=data.split,
            total_steps=steps, height=height, **self._empty(len(names), side),
        )  # fmt: skip
        if start:
            self.start()

    @classmethod
    def _forwarded_keywords(cls) -> set[str]:
        """:func:`~nbviz.coordconv.train_side_by_side`'s settings."""
        return set(_OPTIONS)

    @staticmethod
    def _empty(n_models: int, side: int) -> dict:
        return {
            "steps": np.zeros(0, np.int32),
            "train_scores": np.zeros((n_models, 0), np.float32),
            "test_scores": np.zeros((n_models, 0), np.float32),
            "positions": [],
            "truth": np.zeros((0, side, side), np.uint8),
            "predictions": np.zeros((n_models, 0, side, side), np.uint8),
            "final": {},
        }

    # --- the job: the two trainings ------------------------------------------------------
    def _new_job(self) -> Job:
        return self._make_job(self._job_fn, name="side-by-side training",
                              on_publish=self._on_publish)  # fmt: skip

    def _job_fn(self, ctx):
        from ..coordconv import train_side_by_side

        models, data = self._args
        total = self._options["steps"]
        with self.batched():
            for name, value in self._empty(len(self.names), data.test.targets.shape[-1]).items():
                self.set_trait(name, value)
        ctx.progress(0, total, "training")

        def on_eval(result):
            latest = ", ".join(f"{n} {v:.2f}" for n, v in result.latest().items())
            ctx.progress(result.steps[-1], total,
                         f"step {result.steps[-1]}: held-out {result.metric} {latest}")  # fmt: skip
            ctx.publish(self._snapshot(result))

        result = train_side_by_side(models, data, on_eval=on_eval, progress=False,
                                    should_stop=lambda: ctx.stopped, **self._options)  # fmt: skip
        if result.final:
            scores = ", ".join(f"{n} {s['test']:.3f}" for n, s in result.final.items())
            ctx.progress(total, total, f"held-out {result.metric}, every position: {scores}")
        ctx.publish(self._snapshot(result))
        return result

    def _snapshot(self, result) -> dict:
        with self._lock:
            names = result.names
            return {
                "steps": np.asarray(result.steps, np.int32),
                "train": np.array([result.train[n] for n in names], np.float32).reshape(
                    len(names), -1
                ),
                "test": np.array([result.test[n] for n in names], np.float32).reshape(
                    len(names), -1
                ),
                "positions": [[int(r), int(c)] for r, c in result.positions],
                "truth": _to_uint8(result.truth),
                # stopped before the first evaluation: no pictures yet (black)
                "predictions": np.stack(
                    [
                        _to_uint8(result.predictions.get(n, np.zeros_like(result.truth)))
                        for n in names
                    ]
                ),
                "final": {n: dict(v) for n, v in result.final.items()},
            }

    def _on_publish(self, snap: dict) -> None:
        with self.batched():
            self.set_trait("steps", snap["steps"])
            self.set_trait("train_scores", snap["train"])
            self.set_trait("test_scores", snap["test"])
            if snap["positions"] != self.positions:
                self.set_trait("positions", snap["positions"])
                self.set_trait("truth", snap["truth"])
            self.set_trait("predictions", snap["predictions"])
            self.set_trait("final", snap["final"])

    # --- static output -------------------------------------------------------------------
    def figure(self, show: int | None = None):
        """The comparison's figure (:meth:`Comparison.figure`): scores over steps beside
        the predicted and true images of the held-out positions shown."""
        result = self.result
        if result is None:
            raise RuntimeError("figure: nothing trained yet; start() or run() first")
        return result.figure(show=show)

    def __repr__(self):
        step = int(self.steps[-1]) if self.steps is not None and len(self.steps) else 0
        scores = ""
        if self.test_scores is not None and self.test_scores.shape[1]:
            scores = ", held-out " + ", ".join(
                f"{n} {v:.3f}" for n, v in zip(self.names, self.test_scores[:, -1], strict=True)
            )
        return (
            f"CoordConvView({self.task}, {self.split} split, step {step} of "
            f"{self.total_steps}{scores}, job {self.job_state})"
        )


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.asarray(images, np.float32) * 255), 0, 255).astype(np.uint8)
