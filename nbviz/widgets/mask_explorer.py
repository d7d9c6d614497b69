"""MaskExplorer: iterative magnitude pruning run live, with its masks, weights and overlaps.

After Frankle & Carbin's lottery tickets and Zhou, Lan, Liu and Yosinski, "Deconstructing
Lottery Tickets: Zeros, Signs, and the Supermask" (arXiv:1905.01067). The widget runs
:func:`nbviz.lottery.imp` in its background job and shows, while the rounds run:

* test accuracy against the fraction of weights remaining, one line per variant (the
  papers' main plot), a point per finished round; click a point to inspect that round;
* the selected round's mask of the selected layer as a picture (an MLP's first layer:
  one receptive field per unit; convolutions: one tile per kernel);
* the layer's weights at the start against the end of that round's training, coloured by
  whether the next round keeps them (the paper's scatter);
* Jaccard overlaps of the layer's masks between rounds, or between what each mask
  criterion would keep from the same weights.

>>> from nbviz.data import digits
>>> from nbviz.models import LeNet300100
>>> import torch
>>> _ = torch.manual_seed(0)
>>> ex = MaskExplorer(LeNet300100(in_shape=(1, 8, 8)), digits("train").subset(400),
...                   digits("test"), rounds=2, rate=0.5, epochs=2, start=False)
>>> result = ex.run(progress=False)
>>> result is ex.result
True
>>> [r["round"] for r in ex.records], ex.round, ex.layer, ex.mask_image.shape
([0, 1, 2], 2, 'fc1', (125, 197))
"""

from __future__ import annotations

import inspect
import math
import threading
from collections.abc import Sequence

import traitlets

from .base import JobWidget
from .traits import ArrayTrait, Int
from .worker import Job

__all__ = ["MaskExplorer"]

#: imp's arguments that the explorer sets itself (the data, hooks and what it records).
_IMP_OWN = frozenset(
    {"model", "train_data", "test_data", "on_round", "should_stop", "keep_weights", "progress"}
)


class MaskExplorer(JobWidget):
    """Run iterative magnitude pruning on ``model`` and explore its rounds as they finish.

    Args:
        model: the network at its initial weights (any ``nn.Module`` with Linear or
            Conv layers; left unchanged).
        train_data, test_data: labelled data (an ``ImageDataset``, ``(X, y)`` ...).
        rounds, rate, criterion, variants: as :func:`nbviz.lottery.imp` (default: five
            rounds at 20%, ``large_final``, the ``"rewind"`` ticket against ``"reinit"``,
            the paper's control).
        start: start the run in the background now (``False``: call :meth:`start` or
            :meth:`run`).
        height: the panels' height in px.
        **imp_options: more :func:`~nbviz.lottery.imp` settings (``epochs``, ``lr``,
            ``layer_rates``, ``scope``, ``rewind_iteration``, ``device`` ...).

    Traits (synced): ``records`` (a dict per finished round: ``round``, ``density``,
    ``accuracy`` by variant), ``variants``, ``dense_accuracy``, ``layers``, ``round``
    and ``layer`` (what is inspected; set them, or click a point / pick a layer in the
    view), ``overlap_mode`` (``"rounds"`` or ``"criteria"``), and the pictures the view
    draws: ``mask_image`` (uint8, 255 kept), ``mask_tiles``, ``mask_caption``,
    ``weights`` (float32 ``[m, 2]``: start, final), ``kept`` (uint8 ``[m]``),
    ``overlap`` (float32 ``[k, k]``), ``overlap_labels``; plus ``height`` and the job's.

    After (or during) a run ``result`` is the :class:`~nbviz.lottery.IMPResult`
    (``figure()``, ``to_dict()``).

    Raises:
        ValueError / TypeError: rates outside (0, 1), rounds < 1, unknown layers, criteria,
            variants or options (with the valid names), a model with no prunable layers,
            data that is not labelled data: raised here, before any training. An error
            in the run itself shows in the view and :meth:`wait` re-raises it.
    """

    _bundle = "mask_explorer"

    records = traitlets.List(
        traitlets.Dict(), help="per finished round: round, density, accuracy by variant"
    ).tag(sync=True)
    variants = traitlets.List(traitlets.Unicode(), help="the ticket variants compared").tag(
        sync=True
    )
    dense_accuracy = traitlets.Float(-1.0, help="the dense network's accuracy; -1 before").tag(
        sync=True
    )
    layers = traitlets.List(traitlets.Unicode(), help="the pruned layers").tag(sync=True)
    round = traitlets.Int(-1, help="the round inspected; -1 none").tag(sync=True)
    layer = traitlets.Unicode("", help="the layer inspected").tag(sync=True)
    overlap_mode = traitlets.Enum(
        ("rounds", "criteria"), "rounds", help="mask overlaps across rounds or criteria"
    ).tag(sync=True)
    mask_image = ArrayTrait(dtype="uint8", ndim=2, help="the mask, 255 kept").tag(sync=True)
    mask_tiles = traitlets.List(
        traitlets.Int(), help="[tile_h, tile_w, rows, cols, gap] of the mosaic, or []"
    ).tag(sync=True)
    mask_caption = traitlets.Unicode("", help="what the mask shows").tag(sync=True)
    weights = ArrayTrait(dtype="float32", ndim=2, help="start and final weight [m, 2]").tag(
        sync=True
    )
    kept = ArrayTrait(dtype="uint8", ndim=1, help="1 where the next round keeps it [m]").tag(
        sync=True
    )
    overlap = ArrayTrait(dtype="float32", ndim=2, help="Jaccard overlaps [k, k]").tag(sync=True)
    overlap_labels = traitlets.List(traitlets.Unicode(), help="a name per overlap row").tag(
        sync=True
    )
    height = Int(300, min=80, unit=" px", help="the panels' height, px").tag(sync=True)

    def __init__(
        self,
        model,
        train_data,
        test_data,
        *,
        rounds: int = 5,
        rate: float = 0.2,
        criterion: str = "large_final",
        variants: str | Sequence[str] = ("rewind", "reinit"),
        start: bool = True,
        height: int = 300,
        **imp_options,
    ):
        from .._checks import check_bool, check_fraction, check_positive_int
        from ..lottery import check_criterion, check_variants, prunable_layers
        from ..models import as_tensors

        self._options = dict(
            rounds=check_positive_int(rounds, "rounds"), rate=check_fraction(rate, "rate"),
            criterion=check_criterion(criterion),
            variants=variants, **imp_options,
        )  # fmt: skip
        names = [v.name for v in check_variants(variants)]
        found = prunable_layers(model, imp_options.get("layers"))
        x, _ = as_tensors(train_data, "train_data", labels="required")
        as_tensors(test_data, "test_data", labels="required")
        self._records = []  # RoundRecords, appended by the job's thread
        self._lock = threading.Lock()
        self._follow = True  # select each new round until the user picks one
        super().__init__(
            variants=names,
            layers=list(found),
            layer=next(iter(found)),
            height=height,
        )
        self._model, self._train, self._test = model, train_data, test_data
        self._input_shape = tuple(x.shape[1:])
        if check_bool(start, "start"):
            self.start()

    @classmethod
    def _forwarded_keywords(cls) -> set[str]:
        """:func:`~nbviz.lottery.imp`'s settings that the explorer leaves to the user."""
        from ..lottery import imp

        return set(inspect.signature(imp).parameters) - _IMP_OWN

    # --- the job: the pruning run ----------------------------------------------------
    def _new_job(self) -> Job:
        return self._make_job(self._job_fn, name="IMP", on_publish=self._on_publish)

    def _job_fn(self, ctx):
        from ..lottery import imp

        opts = dict(self._options)
        total = opts["rounds"]

        def on_round(record):
            with self._lock:
                self._records.append(record)
            ctx.progress(record.round, total, self._round_message(record))
            ctx.publish(record.round)

        ctx.progress(0, total, "round 0: training the dense network")
        with self._lock:
            self._records.clear()
        result = imp(
            self._model, self._train, self._test, on_round=on_round,
            should_stop=lambda: ctx.stopped, keep_weights=True, progress=False, **opts,
        )  # fmt: skip
        ctx.publish(-1)  # the last word: everything recorded
        return result

    def _round_message(self, record) -> str:
        accs = ", ".join(f"{k} {100 * v:.1f}%" for k, v in record.accuracy.items())
        return f"round {record.round}: {100 * record.density:.2f}% of weights left; {accs}"

    def _on_publish(self, _payload) -> None:
        with self._lock:
            recs = list(self._records)
        if not recs:
            return
        with self.batched():
            self.records = [
                {"round": r.round, "density": r.density, "accuracy": dict(r.accuracy)} for r in recs
            ]
            self.dense_accuracy = float(next(iter(recs[0].accuracy.values())))
        if self.round < 0 or (self._follow and self.round != recs[-1].round):
            self._set_round_quietly(recs[-1].round)

    def _set_round_quietly(self, r: int) -> None:
        follow = self._follow
        self.round = r
        self._follow = follow

    # --- what the view shows -------------------------------------------------------------
    @traitlets.validate("round")
    def _valid_round(self, proposal):
        r = int(proposal["value"])
        done = len(self._records) if hasattr(self, "_records") else 0
        if r != -1 and not 0 <= r < max(done, 1):
            raise traitlets.TraitError(f"round: expected 0..{done - 1} (finished rounds), got {r}")
        return r

    @traitlets.validate("layer")
    def _valid_layer(self, proposal):
        name = proposal["value"]
        if self.layers and name not in self.layers:
            from .._checks import unknown_name_error

            raise traitlets.TraitError(str(unknown_name_error("layer", name, self.layers, "layer")))
        return name

    @traitlets.observe("round", "layer", "overlap_mode")
    def _inspect(self, change):
        if change["name"] == "round":
            self._follow = False
        self._refresh()

    def _record(self, r: int):
        with self._lock:
            return self._records[r] if 0 <= r < len(self._records) else None

    def _refresh(self) -> None:
        from ..lottery.visual import criteria_overlap, jaccard_matrix, mask_mosaic, weight_sample

        rec = self._record(self.round)
        name = self.layer
        if rec is None or name not in rec.masks:
            return
        mask = rec.masks[name]
        is_first = self.layers and name == self.layers[0]
        image, tiles = mask_mosaic(mask, self._input_shape if is_first else None)
        nxt = self._record(self.round + 1)
        kept_next = nxt.masks[name] if nxt is not None else None
        pairs = kept = None
        if name in rec.weights:
            start, final = rec.weights[name]
            pairs, kept = weight_sample(start, final, mask, kept_next, seed=self.round)
        if self.overlap_mode == "rounds":
            with self._lock:
                masks = [r.masks[name] for r in self._records]
            overlap = jaccard_matrix(masks)
            labels = [f"round {i}" for i in range(len(masks))]
        elif name in rec.weights:
            start, final = rec.weights[name]
            keep = int(kept_next.sum()) if kept_next is not None else int(mask.sum()) // 2
            overlap, labels = criteria_overlap(start, final, mask, keep, seed=self.round)
        else:
            overlap, labels = None, []
        what = (
            f"one {tiles[0]}×{tiles[1]} tile per "
            + ("unit (its receptive field)" if len(tiles) and is_first else "kernel")
            if tiles else "rows: units, columns: inputs"
        )  # fmt: skip
        with self.batched():
            self.mask_image = image
            self.mask_tiles = list(tiles)
            self.mask_caption = (
                f"{name} · round {self.round} · {100 * float(mask.float().mean()):.1f}% kept"
                f" · {what}"
            )
            self.weights = pairs
            self.kept = kept
            self.overlap = overlap
            self.overlap_labels = labels

    # --- static output -------------------------------------------------------------------
    def figure(self):
        """Accuracy against weights remaining per variant, and the selected mask."""
        from matplotlib.ticker import NullFormatter

        from ..plotting import new_figure

        fig = new_figure(figsize=(10, 3.8), layout="constrained")
        ax, ax_mask = fig.subplots(1, 2, width_ratios=[1.4, 1])
        for k, name in enumerate(self.variants):
            xs = [100 * r["density"] for r in self.records]
            ys = [100 * r["accuracy"].get(name, math.nan) for r in self.records]
            ax.plot(xs, ys, "-o", ms=3, label=name, color=f"C{k}")
        if self.dense_accuracy >= 0:
            ax.axhline(100 * self.dense_accuracy, color="0.5", ls="--", lw=1, label="dense")
        ax.set_xscale("log")
        ax.invert_xaxis()
        lowest = min((100 * r["density"] for r in self.records), default=100)
        ticks = [t for t in (100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1) if t >= 0.6 * lowest]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set(xlabel="weights remaining (%)", ylabel="test accuracy (%)")
        ax.grid(alpha=0.3, which="both")
        if self.records:
            ax.legend(fontsize=8)
        if self.mask_image is not None:
            # kept dark on light, as the view draws it
            ax_mask.imshow(self.mask_image, cmap="gray_r", vmin=0, vmax=255, interpolation="none")
            ax_mask.set_title(self.mask_caption, fontsize=8)
        ax_mask.set_axis_off()
        return fig

    def __repr__(self):
        return (
            f"MaskExplorer({len(self.records)} round(s) recorded of "
            f"{self._options['rounds'] + 1}, job {self.job_state}, inspecting round "
            f"{self.round} of {self.layer!r})"
        )
