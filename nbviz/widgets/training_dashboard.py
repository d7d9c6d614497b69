"""TrainingDashboard: TensorBoard's scalars, distributions and histograms, live in the notebook.

The dashboard reads one or several :class:`nbviz.monitor.Recorder` runs (or runs read
from a TensorBoard log directory with :func:`nbviz.monitor.read_tensorboard`, which have
the same read API) and shows, while they record:

* one small chart per scalar tag (loss, accuracy, learning rate ...), every run overlaid
  in its own colour: the raw values faint, TensorBoard's smoothed line on top (its
  exponential moving average with debiasing; ``smoothing`` sets the weight), on a linear
  or log scale;
* every layer at once, as small multiples (one cell per histogram tag of the chosen
  ``kind``: weights, gradients or activations; one row of cells per run), either as
  TensorBoard's *distributions* (the 9 basis points of each step's histogram as four
  nested percentile bands and the median, over steps) or as its *histograms* (one ridge
  line per step, offset by step; the ``step`` slider's step highlighted);
* the recorder's alerts (dead units, exploding or vanishing gradients, NaN) beside the
  layer or scalar they concern: a badge with the messages, and their steps marked.

It streams without a server or a log directory: a daemon thread polls each recorder's
``version`` every ``refresh`` seconds and, when one changed, sends the news to the view
in one update. Training can run in the same kernel, even in a cell that blocks.
A click on a layer's cell at a step sets :attr:`selected`: that step's histogram and
the weights (or gradients) the recorder kept there, e.g. to hand to ``GrandTour``.

What is sent is capped: at most ``MAX_SCALAR_POINTS`` points per scalar series and
``MAX_HIST_STEPS`` histogram steps per series, thinned evenly (the first and the last
always kept); each step's histogram rebinned onto ``BINS`` equal bins spanning the
series' range, so that the ridge lines of a cell share one axis.

>>> import torch
>>> from torch import nn
>>> from nbviz.monitor import Recorder
>>> _ = torch.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> rec = Recorder(model, every=2, name="demo")
>>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
>>> for _ in range(6):
...     loss = model(torch.randn(16, 4)).pow(2).mean()
...     opt.zero_grad(); loss.backward(); opt.step()
...     rec.step(loss=loss)
>>> board = TrainingDashboard(rec, refresh=0)   # refresh=0: no thread; update() pulls
>>> board.runs, [s["tag"] for s in board.scalar_series], board.scalar_values.shape
(['demo'], ['loss', 'grad_norm'], (12,))
>>> [s["tag"] for s in board.hist_series], board.bands.shape   # 4 steps: 1, 2, 4, 6
(['weight/0.weight', 'weight/0.bias', 'weight/2.weight', 'weight/2.bias'], (16, 9))
>>> board.select("demo", "weight/0.weight", 4)["values"].shape
torch.Size([8, 4])
>>> board.close()
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import traitlets

from .base import NbvizWidget
from .traits import ArrayTrait, Float, Int

__all__ = ["BINS", "KINDS", "MAX_HIST_STEPS", "MAX_SCALAR_POINTS", "TrainingDashboard"]

#: The histogram kinds, by their tag's prefix ("weight/fc1.weight").
KINDS = ("weight", "grad", "activation")
#: Histogram steps sent per series (thinned evenly beyond).
MAX_HIST_STEPS = 100
#: Points sent per scalar series (thinned evenly beyond).
MAX_SCALAR_POINTS = 2000
#: Bins of the common grid each series' histograms are rebinned onto.
BINS = 40

#: Seconds between two reads of a run's alerts while it streams (the recorder works them
#: out from its whole history at each read, holding its lock).
ALERTS_EVERY = 2.0

#: What a run must have (the read API of nbviz.monitor.Recorder).
_READ_API = ("name", "version", "lock", "scalar_tags", "scalar", "histogram_tags",
             "histograms", "alerts", "values_at")  # fmt: skip


def _thin(n: int, cap: int) -> np.ndarray:
    """Indices of at most ``cap`` of ``n`` items, evenly spread, first and last kept."""
    if n <= cap:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, cap)).astype(np.int64))


def _smooth(values, weight: float) -> np.ndarray:
    """TensorBoard's scalar smoothing: an exponential moving average of the finite values,
    debiased (divided by ``1 - weight**k`` after k of them); non-finite values and a
    constant series are left as they are."""
    v = np.asarray(values, dtype=np.float64)
    out = v.copy()
    if v.size == 0 or np.all(v == v[0]):
        return out
    last, k = 0.0, 0
    for i, x in enumerate(v):
        if not math.isfinite(x):
            continue
        last = last * weight + (1 - weight) * x
        k += 1
        out[i] = last / (1 - weight**k if weight != 1 else 1.0)
    return out


def _rebin(hists: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    """Each step's histogram (``[T, B, 3]`` rows of left, right, count) as the share of
    its count in each of ``bins`` equal bins over ``[lo, hi]`` (``[T, bins]``, rows
    summing to 1, or 0 for an empty step); a bucket's count is spread evenly over its
    width, a zero-width bucket's put in the bin holding its value."""
    edges = np.linspace(lo, hi, bins + 1)
    left, right, count = hists[..., 0], hists[..., 1], hists[..., 2]
    width = right - left
    overlap = np.minimum(right[..., None], edges[1:]) - np.maximum(left[..., None], edges[:-1])
    share = np.clip(overlap, 0, None) / np.where(width > 0, width, 1)[..., None]
    out = np.einsum("tb,tbk->tk", np.where(width > 0, count, 0), share)
    t, b = np.nonzero((width <= 0) & (count > 0))
    if t.size:
        where = np.clip(np.searchsorted(edges, left[t, b], side="right") - 1, 0, bins - 1)
        np.add.at(out, (t, where), count[t, b])
    total = count.sum(axis=1, keepdims=True)
    return out / np.where(total > 0, total, 1)


def _split_tag(tag: str) -> tuple[str, str]:
    """(kind, layer) of a histogram tag: ``"grad/fc1.weight"`` → ``("grad", "fc1")`` (the
    parameter's module; ``""`` for a parameter of the model itself),
    ``"activation/relu1"`` → ``("activation", "relu1")``; a tag of no known kind (a
    TensorBoard log's own names) is a weight of its own name."""
    kind, _, name = tag.partition("/")
    if kind not in KINDS or not name:
        return "weight", tag
    if kind in ("weight", "grad"):  # the parameter's module, as the recorder's alerts name it
        return kind, name.rsplit(".", 1)[0] if "." in name else ""
    return kind, name


class _Run:
    """One run: its recorder and what was last read from it (scalars, alerts, histograms)."""

    def __init__(self, name: str, recorder):
        self.name, self.recorder = name, recorder
        self.version: Any = None
        self.scalars: list[tuple[str, np.ndarray, np.ndarray]] = []
        self.alerts: list[dict] = []
        self.hist_tags: list[str] = []
        #: tag -> (key, entry); the key says whether the recorder's series changed
        self.hist_cache: dict[str, tuple[tuple, dict]] = {}
        self.band_cache: dict[str, dict[int, np.ndarray]] = {}  # tag -> step -> bands
        self.alerts_version: Any = None
        self.alerts_read_at = -math.inf  # time.monotonic() of the last alerts() read
        self.error = ""

    def read(self, kind: str, news: bool = True, alerts: bool = True) -> None:
        """Under the recorder's lock, read (with ``news``) the scalars and this kind's
        histograms and (with ``alerts``) the alerts."""
        rec = self.recorder
        with rec.lock:
            version = rec.version
            if alerts:
                self.alerts_version, self.alerts_read_at = version, time.monotonic()
                self.alerts = [
                    {"run": self.name, "kind": str(a.kind), "tag": str(a.tag),
                     "layer": str(a.layer), "step": int(a.step), "message": str(a.message)}
                    for a in rec.alerts()
                ]  # fmt: skip
            if not news:
                return
            self.version = version
            self.scalars = []
            for tag in rec.scalar_tags():
                steps, values = rec.scalar(tag)
                keep = _thin(len(steps), MAX_SCALAR_POINTS)
                self.scalars.append((tag, np.asarray(steps)[keep], np.asarray(values)[keep]))
            self.hist_tags = list(rec.histogram_tags())
            for tag in self.hist_tags:
                if _split_tag(tag)[0] == kind:
                    self._read_histograms(tag)

    def _read_histograms(self, tag: str) -> None:
        from ..monitor import distribution

        steps, hists = self.recorder.histograms(tag)
        steps, hists = np.asarray(steps), np.asarray(hists, dtype=np.float64)
        key = (len(steps), int(steps[0]) if len(steps) else 0, int(steps[-1]) if len(steps) else 0)
        known = self.hist_cache.get(tag)
        if known is not None and known[0] == key:
            return
        keep = _thin(len(steps), MAX_HIST_STEPS)
        steps, hists = steps[keep], hists[keep]
        totals = hists[..., 2].sum(axis=1) if hists.size else np.zeros(len(steps))
        full = totals > 0
        if full.any():
            lo, hi = float(hists[full, 0, 0].min()), float(hists[full, -1, 1].max())
        else:
            lo, hi = 0.0, 0.0
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        shape = (len(steps), BINS)
        density = _rebin(hists, lo, hi, BINS) if len(steps) else np.zeros(shape)
        # a recorded step's histogram never changes: its bands are computed once
        done = self.band_cache.setdefault(tag, {})
        for st, h in zip(steps.tolist(), hists, strict=True):
            if st not in done:
                done[st] = distribution(h)
        for st in set(done) - set(steps.tolist()):
            del done[st]
        bands = np.array([done[st] for st in steps.tolist()]).reshape(len(steps), 9)
        kind, layer = _split_tag(tag)
        entry = {"kind": kind, "layer": layer, "steps": steps, "hists": hists,
                 "density": density, "bands": bands, "lo": lo, "hi": hi}  # fmt: skip
        self.hist_cache[tag] = (key, entry)


class TrainingDashboard(NbvizWidget):
    """TensorBoard's scalars, distributions and histograms of ``recorders``, streamed live.

    Args:
        recorders: one :class:`nbviz.monitor.Recorder` (or a run of
            :func:`nbviz.monitor.read_tensorboard`), a list of them (named by their
            ``name``; a repeated name gets " (2)" ...), or a dict name → recorder.
            Each run is drawn in its own colour, in this order.
        refresh: seconds between two looks at the recorders' ``version`` by the
            dashboard's daemon thread (default 0.5); 0: no thread, call :meth:`update`.
        **traits: the settings below (``smoothing``, ``log_scale``, ``kind``, ``mode``,
            ``step``, ``height``).

    Settings (synced; the view writes them): ``smoothing`` (TensorBoard's smoothing
    weight, 0..0.99, default 0.6), ``log_scale`` (the scalar charts' y axis),
    ``kind`` (``"weight"``, ``"grad"`` or ``"activation"``: which histograms),
    ``mode`` (``"distributions"`` or ``"histograms"``), ``step`` (the histograms'
    highlighted step; -1: the latest), ``height`` (px of each small chart).

    Data (synced, sent by the dashboard): ``runs`` (names); ``scalar_series`` (a dict per
    run and tag: ``run``, ``tag``, ``offset``, ``length`` into ``scalar_steps`` and
    ``scalar_values``, float32); ``hist_series`` (a dict per run and histogram tag of
    the chosen kind: ``run``, ``tag``, ``kind``, ``layer``, ``offset``, ``count``
    (steps), ``bins``, ``lo``, ``hi``) into ``hist_steps`` (float32 ``[sum T]``),
    ``hist_density`` (float32 ``[sum T, BINS]``: each step's share of values per bin of
    the series' grid from ``lo`` to ``hi``) and ``bands`` (float32 ``[sum T, 9]``:
    :func:`nbviz.monitor.distribution` of each step's histogram, at TensorBoard's basis
    points); ``alerts`` (a dict per alert: ``run``, ``kind``, ``tag``, ``layer``,
    ``step``, ``message``); ``error`` (the last failure to read a run, '' when none).

    A click on a layer's cell at a step sets ``clicked`` (``{run, tag, step}``) and the
    dashboard answers with :attr:`selected` (see :meth:`select`).

    Raises:
        TypeError: ``recorders`` is not a recorder, a list or a dict of them (saying
            what a run lacks); ValueError: no runs, or a bad setting (named).
    """

    _bundle = "training_dashboard"
    _not_settable: ClassVar[frozenset[str]] = frozenset(
        {"runs", "scalar_series", "scalar_steps", "scalar_values", "hist_series", "hist_steps",
         "hist_density", "bands", "alerts", "error", "clicked", "selected"}
    )  # fmt: skip

    runs = traitlets.List(traitlets.Unicode(), help="the runs' names, in colour order").tag(
        sync=True
    )
    scalar_series = traitlets.List(
        traitlets.Dict(), help="per run and scalar tag: run, tag, offset, length"
    ).tag(sync=True)
    scalar_steps = ArrayTrait(dtype="float32", ndim=1, help="steps of every scalar series").tag(
        sync=True
    )
    scalar_values = ArrayTrait(
        dtype="float32", ndim=1, help="values of every scalar series (raw)"
    ).tag(sync=True)
    hist_series = traitlets.List(
        traitlets.Dict(),
        help="per run and histogram tag of the kind: run, tag, kind, layer, offset, count, "
        "bins, lo, hi",
    ).tag(sync=True)
    hist_steps = ArrayTrait(dtype="float32", ndim=1, help="steps of every histogram series").tag(
        sync=True
    )
    hist_density = ArrayTrait(
        dtype="float32", ndim=2, help="each step's share of values per bin [sum T, bins]"
    ).tag(sync=True)
    bands = ArrayTrait(
        dtype="float32", ndim=2, help="each step's values at the 9 basis points [sum T, 9]"
    ).tag(sync=True)
    alerts = traitlets.List(
        traitlets.Dict(), help="per alert: run, kind, tag, layer, step, message"
    ).tag(sync=True)
    error = traitlets.Unicode("", help="the last failure to read a run; '' when none").tag(
        sync=True
    )
    smoothing = Float(0.6, min=0.0, max=0.99, help="TensorBoard's smoothing weight").tag(sync=True)
    log_scale = traitlets.Bool(False, help="the scalar charts on a log y axis").tag(sync=True)
    kind = traitlets.Enum(KINDS, "weight", help="which histograms: weight, grad or activation").tag(
        sync=True
    )
    mode = traitlets.Enum(
        ("distributions", "histograms"), "distributions", help="percentile bands or ridge lines"
    ).tag(sync=True)
    step = Int(-1, min=-1, help="the histograms' highlighted step; -1 the latest").tag(sync=True)
    height = Int(150, min=60, unit=" px", help="each small chart's height, px").tag(sync=True)
    clicked = traitlets.Dict(help="the view's last click on a layer: run, tag, step").tag(sync=True)
    refresh = Float(0.5, min=0.0, unit=" s", help="seconds between looks at the recorders")
    selected = traitlets.Any(
        None, read_only=True, help="the clicked run, tag and step's histogram and values"
    )

    def __init__(self, recorders, *, refresh: float = 0.5, **traits):
        from .._checks import check_number

        runs = _as_runs(recorders)
        refresh = check_number(refresh, "refresh", nonnegative=True)
        self._lock = threading.RLock()
        self._runs: list[_Run] = []
        self._stop_event: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        super().__init__(**traits)
        for name, rec in runs:
            self._runs.append(_Run(self._unique_name(name), rec))
        self.update(force=True)
        self.refresh = refresh  # starts the thread (observer below)
        if self.refresh > 0 and self._thread is None:
            self._start_polling()

    # --- runs --------------------------------------------------------------------------
    def add_run(self, recorder, name: str | None = None) -> str:
        """Show one more run (a recorder, or a run read from TensorBoard); returns the
        name it is shown under (``name``, or the recorder's, made unique).

        >>> from torch import nn
        >>> from nbviz.monitor import Recorder
        >>> board = TrainingDashboard(Recorder(nn.Linear(2, 1), name="a"), refresh=0)
        >>> board.add_run(Recorder(nn.Linear(2, 1), name="a"))
        'a (2)'
        >>> board.close()
        """
        if not _is_run(recorder):
            _as_runs(recorder)  # the error for what it is
            raise TypeError("recorder: expected one run; call add_run once per run")
        default, rec = str(recorder.name), recorder
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name: expected a string, got {type(name).__name__}")
        with self._lock:
            run_name = self._unique_name(name or default)
            self._runs.append(_Run(run_name, rec))
        self.update(force=True)
        return run_name

    def _unique_name(self, name: str) -> str:
        taken = {r.name for r in self._runs}
        out, k = name, 2
        while out in taken:
            out, k = f"{name} ({k})", k + 1
        return out

    # --- streaming ---------------------------------------------------------------------
    def update(self, force: bool = False) -> bool:
        """Read what the runs recorded since the last look and send it to the view in one
        update; True when something changed. The dashboard's thread calls this every
        ``refresh`` seconds; with ``refresh=0`` call it yourself. Cheap when nothing
        changed (one look at each recorder's ``version``). A run's alerts are read at most
        every ``ALERTS_EVERY`` seconds (``force=True``: now).

        >>> from torch import nn
        >>> from nbviz.monitor import Recorder
        >>> rec = Recorder(nn.Linear(2, 1))
        >>> board = TrainingDashboard(rec, refresh=0)
        >>> rec.step(loss=0.5)
        >>> board.update(), board.update(), len(board.scalar_values)
        (True, False, 1)
        >>> board.close()
        """
        return self._update(force, force)

    def _update(self, force: bool, force_alerts: bool) -> bool:
        with self._lock:
            changed = False
            for run in self._runs:
                version = run.recorder.version
                news = force or run.version != version
                # the alerts lag by at most ALERTS_EVERY s (and catch up once a run rests)
                alerts = force_alerts or (
                    run.alerts_version != version
                    and time.monotonic() - run.alerts_read_at >= ALERTS_EVERY
                )
                if not (news or alerts):
                    continue
                try:
                    run.read(self.kind, news=news, alerts=alerts)
                    run.error = ""
                except Exception as err:  # a run that fails to read leaves the others drawn
                    run.error = f"{run.name}: {type(err).__name__}: {err}"
                    run.version = run.alerts_version = version  # not again until it changes
                changed = True
            if not changed:
                return False
            self._push()
            return True

    def _push(self) -> None:
        scalar_series, s_steps, s_values = [], [], []
        offset = 0
        for run in self._runs:
            for tag, steps, values in run.scalars:
                scalar_series.append({"run": run.name, "tag": tag, "offset": offset,
                                      "length": len(steps)})  # fmt: skip
                s_steps.append(steps)
                s_values.append(values)
                offset += len(steps)
        hist_series, h_steps, density, bands = [], [], [], []
        offset = 0
        for run in self._runs:
            for tag in run.hist_tags:
                known = run.hist_cache.get(tag)
                if known is None or known[1]["kind"] != self.kind:
                    continue
                e = known[1]
                count = len(e["steps"])
                hist_series.append({"run": run.name, "tag": tag, "kind": e["kind"],
                                    "layer": e["layer"], "offset": offset, "count": count,
                                    "bins": BINS, "lo": e["lo"], "hi": e["hi"]})  # fmt: skip
                h_steps.append(e["steps"])
                density.append(e["density"])
                bands.append(e["bands"])
                offset += count
        alerts = [a for run in self._runs for a in run.alerts]
        arrays = {
            "scalar_steps": _cat(s_steps, (0,)),
            "scalar_values": _cat(s_values, (0,)),
            "hist_steps": _cat(h_steps, (0,)),
            "hist_density": _cat(density, (0, BINS)),
            "bands": _cat(bands, (0, 9)),
        }
        with self.batched():
            names = [r.name for r in self._runs]
            if self.runs != names:
                self.runs = names
            for name, value in arrays.items():
                old = getattr(self, name)
                if old is None or old.shape != value.shape or not np.array_equal(old, value):
                    setattr(self, name, value)
            if self.scalar_series != scalar_series:
                self.scalar_series = scalar_series
            if self.hist_series != hist_series:
                self.hist_series = hist_series
            if self.alerts != alerts:
                self.alerts = alerts
            self.error = "; ".join(r.error for r in self._runs if r.error)

    def _start_polling(self) -> None:
        self._stop_polling()
        stop = self._stop_event = threading.Event()
        ref = weakref.ref(self)

        def loop():
            while True:
                board = ref()
                if board is None or board._closed:
                    return
                interval = board.refresh
                del board
                if interval <= 0 or stop.wait(interval):
                    return
                board = ref()
                if board is None:
                    return
                try:
                    board.update()
                except Exception as err:  # keep streaming; say why in the view
                    board.error = f"{type(err).__name__}: {err}"
                del board

        self._thread = threading.Thread(target=loop, name="nbviz-training-dashboard", daemon=True)
        self._thread.start()

    def _stop_polling(self) -> None:
        if self._stop_event is not None:
            self._stop_event.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    @traitlets.observe("refresh")
    def _refresh_changed(self, change):
        if not hasattr(self, "_runs") or self._closed:
            return
        if change["new"] > 0 and self._thread is None:
            self._start_polling()
        elif change["new"] <= 0:
            self._stop_polling()

    @property
    def polling(self) -> bool:
        """Whether the dashboard's thread is watching the recorders (until :meth:`close`).

        >>> from torch import nn
        >>> from nbviz.monitor import Recorder
        >>> board = TrainingDashboard(Recorder(nn.Linear(2, 1)), refresh=0.1)
        >>> board.polling
        True
        >>> board.close()
        >>> board.polling
        False
        """
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop watching the recorders and close the view."""
        self._closed = True
        if hasattr(self, "_runs"):
            self._stop_polling()
        super().close()

    # --- settings ------------------------------------------------------------------------
    @traitlets.observe("kind")
    def _kind_changed(self, change):
        if hasattr(self, "_runs"):
            self._update(True, False)

    # --- selection -----------------------------------------------------------------------
    @traitlets.observe("clicked")
    def _on_click(self, change):
        c = change["new"] or {}
        try:
            self.select(c.get("run"), c.get("tag"), c.get("step"))
        except (TypeError, ValueError) as err:
            self.error = f"click: {err}"

    def select(self, run: str, tag: str, step: int) -> dict:
        """Select histogram ``tag`` of ``run`` at ``step`` (what a click on a layer's cell
        does) and return :attr:`selected`: a dict of ``run``, ``tag``, ``kind``,
        ``layer``, ``step`` (the recorded step used: the last one at or before ``step``),
        ``histogram`` (its ``[B, 3]`` rows of left, right, count) and ``values`` (the
        weights or gradients the recorder kept at that step, a tensor; ``None`` where it
        keeps none, e.g. activations or a run read from TensorBoard).

        Raises ValueError for an unknown run or tag (naming the closest), or a step
        before the first recorded one.

        >>> import torch
        >>> from torch import nn
        >>> from nbviz.monitor import Recorder
        >>> model = nn.Linear(3, 2)
        >>> rec = Recorder(model, every=2, name="a")
        >>> for _ in range(4):
        ...     model(torch.randn(5, 3)).sum().backward()
        ...     rec.step(loss=1.0)
        >>> board = TrainingDashboard(rec, refresh=0)
        >>> sel = board.select("a", "weight/weight", 3)   # kept at steps 1, 2, 4
        >>> sel["step"], sel["values"].shape, sel["histogram"].shape
        (2, torch.Size([2, 3]), (30, 3))
        >>> board.close()
        """
        from .._checks import unknown_name_error

        names = [r.name for r in self._runs]
        if run not in names:
            raise unknown_name_error("run", str(run), names, "run")
        r = self._runs[names.index(run)]
        rec = r.recorder
        with rec.lock:
            tags = list(rec.histogram_tags())
            if tag not in tags:
                raise unknown_name_error("histogram tag", str(tag), tags, "tag")
            if isinstance(step, bool) or not isinstance(step, (int, float, np.integer)):
                raise TypeError(f"step: expected an int, got {type(step).__name__}")
            steps, hists = rec.histograms(tag)
            steps = np.asarray(steps)
            before = np.nonzero(steps <= step)[0]
            if not before.size:
                first = int(steps[0]) if steps.size else None
                raise ValueError(f"step: {tag!r} of {run!r} has no histogram at or before "
                                 f"step {step} (first: {first})")  # fmt: skip
            i = int(before[-1])
            kept = int(steps[i])
            values = rec.values_at(tag, kept)
            hist = np.array(hists[i], dtype=np.float64)
        kind, layer = _split_tag(tag)
        sel = {"run": run, "tag": tag, "kind": kind, "layer": layer, "step": kept,
               "histogram": hist, "values": values}  # fmt: skip
        self.set_trait("selected", sel)
        return sel

    # --- static output -------------------------------------------------------------------
    def figure(self, max_layers: int = 6):
        """The scalar charts (raw faint, smoothed on top, one colour per run) and the
        distribution bands of up to ``max_layers`` histograms of the chosen kind per run.

        >>> from torch import nn
        >>> from nbviz.monitor import Recorder
        >>> rec = Recorder(nn.Linear(2, 1), name="a")
        >>> rec.step(loss=1.0); rec.step(loss=0.5)
        >>> board = TrainingDashboard(rec, refresh=0)
        >>> len(board.figure().axes) >= 1
        True
        >>> board.close()
        """
        from ..plotting import PALETTE, new_figure

        self.update()
        tags = list(dict.fromkeys(s["tag"] for s in self.scalar_series))
        cells = [(s["run"], s) for s in self.hist_series]
        per_run: dict[str, list[dict]] = {}
        for run, s in cells:
            if len(per_run.setdefault(run, [])) < max_layers:
                per_run[run].append(s)
        cols = max(1, min(4, max(len(tags), *(len(v) for v in per_run.values()), 1)))
        rows_s = math.ceil(len(tags) / cols) if tags else 0
        rows_h = sum(math.ceil(len(v) / cols) for v in per_run.values())
        rows = max(1, rows_s + rows_h)
        fig = new_figure(figsize=(3.2 * cols, 2.4 * rows), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).reshape(rows, cols)
        for ax in axes.ravel():
            ax.set_axis_off()
        colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(self.runs)}
        steps_all, values_all = self.scalar_steps, self.scalar_values
        for k, tag in enumerate(tags):
            ax = axes[k // cols, k % cols]
            ax.set_axis_on()
            for s in self.scalar_series:
                if s["tag"] != tag:
                    continue
                sl = slice(s["offset"], s["offset"] + s["length"])
                xs, ys = steps_all[sl], values_all[sl].astype(np.float64)
                c = colour[s["run"]]
                ax.plot(xs, ys, color=c, alpha=0.25, lw=1)
                ax.plot(xs, _smooth(ys, self.smoothing), color=c, lw=1.6, label=s["run"])
            if self.log_scale:
                ax.set_yscale("log")
            ax.set_title(tag, fontsize=9)
            ax.set_xlabel("step", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            if k == 0 and len(self.runs) > 1:
                ax.legend(fontsize=7)
        row = rows_s
        for run, series in per_run.items():
            for k, s in enumerate(series):
                ax = axes[row + k // cols, k % cols]
                ax.set_axis_on()
                sl = slice(s["offset"], s["offset"] + s["count"])
                xs, b = self.hist_steps[sl], self.bands[sl].astype(np.float64)
                c = colour[run]
                for j, alpha in enumerate((0.15, 0.25, 0.35, 0.45)):
                    ax.fill_between(xs, b[:, j], b[:, 8 - j], color=c, alpha=alpha, lw=0)
                ax.plot(xs, b[:, 4], color=c, lw=1.2)
                for a in self.alerts:
                    if a["run"] == run and (a["tag"] == s["tag"] or a["layer"] == s["layer"]):
                        ax.axvline(a["step"], color="#d32f2f", lw=1, ls="--")
                ax.set_title(f"{run} · {s['tag']}", fontsize=9)
                ax.tick_params(labelsize=7)
                ax.grid(alpha=0.3)
            row += math.ceil(len(series) / cols)
        return fig

    def __repr__(self):
        return (
            f"TrainingDashboard({len(self._runs)} run(s): {', '.join(self.runs)}; "
            f"{len(self.scalar_series)} scalar series, {len(self.hist_series)} {self.kind} "
            f"histogram series, {len(self.alerts)} alert(s))"
        )


def _cat(parts: Sequence[np.ndarray], empty: tuple[int, ...]) -> np.ndarray:
    """The parts concatenated as float32 (``empty``-shaped when there are none)."""
    if not parts:
        return np.zeros(empty, np.float32)
    return np.concatenate([np.asarray(p, np.float32).reshape(-1, *empty[1:]) for p in parts])


def _is_run(obj) -> bool:
    return all(hasattr(obj, a) for a in _READ_API)


def _as_runs(recorders) -> list[tuple[str, Any]]:
    """``recorders`` as (name, recorder) pairs; a TypeError/ValueError naming what is wrong."""
    expected = (
        "expected an nbviz.monitor.Recorder (or a run from read_tensorboard), a list of "
        "them or a dict name → recorder"
    )

    def check(obj, where: str):
        if not _is_run(obj):
            missing = [a for a in _READ_API if not hasattr(obj, a)]
            raise TypeError(
                f"{where}: {expected}; got {type(obj).__name__} (it has no "
                f"{', '.join(missing[:3])})"
            )
        return obj

    if _is_run(recorders):
        return [(str(recorders.name), recorders)]
    if isinstance(recorders, Mapping):
        out = []
        for name, rec in recorders.items():
            if not isinstance(name, str):
                raise TypeError(f"recorders: run names must be strings, got {name!r}")
            out.append((name, check(rec, f"recorders[{name!r}]")))
    elif isinstance(recorders, (list, tuple)):
        out = [(str(check(r, f"recorders[{i}]").name), r) for i, r in enumerate(recorders)]
    else:
        check(recorders, "recorders")
        out = []
    if not out:
        raise ValueError(f"recorders: {expected}; got no runs")
    return out
