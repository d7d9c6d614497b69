"""The Recorder's records as TensorBoard event files, and TensorBoard log directories read
back into the same API, so a user's past runs open in the notebook.

Writing goes through ``torch.utils.tensorboard`` and reading through TensorBoard's own
event reader; both need the ``tensorboard`` package (``pip install nbviz[tensorboard]``).

* Scalars are written as scalars; histograms as TensorBoard's histograms with the
  Recorder's buckets as they are (``add_histogram_raw``: the right edges as bucket
  limits, the lowest and highest value as min and max; the sum and the sum of squares,
  which TensorBoard's dashboards do not draw, from the bucket centres).
* Reading follows TensorBoard's own conversion of such histograms (its ``data_compat``):
  empty buckets at either end are dropped and the outer edges become the data's min and
  max. Histograms with fewer buckets than others of their tag are padded with empty
  buckets at the maximum, so every tag reads as one ``[T, B, 3]`` array.
* A run is a folder holding event files, as in TensorBoard; its name is the folder's
  path under the log directory.

>>> import tempfile, torch
>>> from torch import nn
>>> from nbviz.monitor import Recorder
>>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
>>> rec = Recorder(model, name="demo")
>>> _ = model(torch.randn(8, 3)).sum().backward()
>>> rec.step(loss=1.5)
>>> logdir = tempfile.mkdtemp()
>>> write_tensorboard(rec, logdir)                        # doctest: +ELLIPSIS
PosixPath('.../demo')
>>> [run] = read_tensorboard(logdir)
>>> run.name, run.scalar("loss")[1].tolist(), run.histograms("activation/1")[1].shape
('demo', [1.5], (1, 30, 3))
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .alerts import Alert, find_alerts

__all__ = ["EventWriter", "TensorBoardRun", "read_tensorboard", "write_tensorboard"]

_MISSING = (
    "reading and writing TensorBoard files needs the tensorboard package: "
    "pip install 'nbviz[tensorboard]' (or pip install tensorboard)"
)


def _summary_writer(logdir):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:  # torch raises this when tensorboard is missing
        raise ImportError(_MISSING) from e
    return SummaryWriter(log_dir=str(logdir))


class EventWriter:
    """Writes one run's steps into ``logdir`` as TensorBoard events, as they come.

    >>> import tempfile
    >>> w = EventWriter(tempfile.mkdtemp())
    >>> w.write(1, {"loss": 0.7}, {})
    >>> w.close()
    """

    def __init__(self, logdir):
        self.logdir = Path(logdir)
        self._writer = _summary_writer(self.logdir)

    def write(self, step: int, scalars: dict[str, float], hists: dict[str, np.ndarray]) -> None:
        """Write ``scalars`` and ``hists`` (rows of left, right, count) at ``step``."""
        for tag, value in scalars.items():
            self._writer.add_scalar(tag, float(value), global_step=step)
        for tag, h in hists.items():
            counts = h[:, 2]
            if counts.sum() <= 0:
                continue  # TensorBoard refuses a histogram with nothing in it
            centres = 0.5 * (h[:, 0] + h[:, 1])
            self._writer.add_histogram_raw(
                tag,
                min=float(h[0, 0]),
                max=float(h[-1, 1]),
                num=float(counts.sum()),
                sum=float((centres * counts).sum()),
                sum_squares=float((centres**2 * counts).sum()),
                bucket_limits=h[:, 1].tolist(),
                bucket_counts=counts.tolist(),
                global_step=step,
            )

    def flush(self) -> None:
        """Write what is buffered to disk."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()


def write_tensorboard(recorder, logdir) -> Path:
    """Write everything ``recorder`` kept into ``logdir/<recorder.name>`` as a
    TensorBoard run; returns that folder. (``Recorder(logdir=...)`` writes as it records
    instead.)"""
    out = Path(logdir) / recorder.name
    writer = EventWriter(out)
    try:
        with recorder.lock:
            by_step: dict[int, tuple[dict, dict]] = {}
            for tag in recorder.scalar_tags():
                for s, v in zip(*recorder.scalar(tag), strict=True):
                    by_step.setdefault(int(s), ({}, {}))[0][tag] = float(v)
            for tag in recorder.histogram_tags():
                steps, hists = recorder.histograms(tag)
                for s, h in zip(steps, hists, strict=True):
                    by_step.setdefault(int(s), ({}, {}))[1][tag] = h
        for step in sorted(by_step):
            writer.write(step, *by_step[step])
    finally:
        writer.close()
    return out


class TensorBoardRun:
    """One run of a TensorBoard log directory, read into the :class:`Recorder`'s read API
    (``scalar_tags``, ``scalar``, ``histogram_tags``, ``histograms``, ``alerts``;
    ``values_at`` is always None: event files hold no weights).

    Build it with :func:`read_tensorboard`.
    """

    def __init__(self, name: str, scalars: dict, hists: dict):
        self.name = name
        self.version = 1
        self.lock = threading.RLock()
        self._scalars = scalars  # tag -> (steps, values)
        self._hists = hists  # tag -> (steps, [T, B, 3])
        last = [int(s[-1]) for s, _ in [*scalars.values(), *hists.values()] if len(s)]
        self.steps_done = max(last, default=0)

    def scalar_tags(self) -> list[str]:
        """The run's scalar tags."""
        return list(self._scalars)

    def scalar(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` of scalar ``tag``."""
        return self._get(self._scalars, tag, "scalar")

    def histogram_tags(self) -> list[str]:
        """The run's histogram tags."""
        return list(self._hists)

    def histograms(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, hists [T, B, 3])`` of histogram ``tag``."""
        return self._get(self._hists, tag, "histogram")

    def values_at(self, tag: str, step: int) -> None:
        """Always None: TensorBoard's files keep histograms, not the weights."""
        self._get(self._hists, tag, "histogram")
        return None

    def alerts(self) -> list[Alert]:
        """The first non-finite scalar, if any (the other alerts need the gradients)."""
        for tag, (steps, values) in self._scalars.items():
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                return find_alerts(steps_done=self.steps_done, nan=(int(steps[bad[0]]), tag))
        return []

    def _get(self, table, tag, kind):
        if tag not in table:
            from .._checks import unknown_name_error

            raise unknown_name_error(f"{kind} tag", tag, list(table), "tag")
        return table[tag]

    def __repr__(self) -> str:
        return (
            f"TensorBoardRun({self.name!r}: {len(self._scalars)} scalars, "
            f"{len(self._hists)} histogram tags, last step {self.steps_done})"
        )


def read_tensorboard(logdir) -> list[TensorBoardRun]:
    """Every run under the TensorBoard log directory ``logdir``, sorted by name.

    Reads scalars and histograms written by ``torch.utils.tensorboard``, by TensorFlow's
    ``tf.summary`` (both summary versions) or by :func:`write_tensorboard`.

    Raises:
        FileNotFoundError: ``logdir`` does not exist, or holds no event files.
        ImportError: the ``tensorboard`` package is missing.
    """
    root = Path(logdir)
    if not root.is_dir():
        raise FileNotFoundError(f"logdir: no such folder: {root}")
    folders = sorted({p.parent for p in root.rglob("*tfevents*") if p.is_file()})
    if not folders:
        raise FileNotFoundError(
            f"logdir: no TensorBoard event files (events.out.tfevents.*) under {root}"
        )
    try:
        from tensorboard.backend.event_processing import event_accumulator as ea
    except ImportError as e:
        raise ImportError(_MISSING) from e
    runs = []
    for folder in folders:
        acc = ea.EventAccumulator(
            str(folder), size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.TENSORS: 0}
        )
        acc.Reload()
        name = root.name if folder == root else folder.relative_to(root).as_posix()
        runs.append(TensorBoardRun(name, *_read_run(acc)))
    return runs


def _read_run(acc) -> tuple[dict, dict]:
    tags = acc.Tags()
    scalars: dict[str, list] = {}
    hists: dict[str, list] = {}
    for tag in tags.get("scalars", []):
        scalars[tag] = [(e.step, e.value) for e in acc.Scalars(tag)]
    for tag in tags.get("histograms", []):
        hists[tag] = [(e.step, _v1_rows(e.histogram_value)) for e in acc.Histograms(tag)]
    if tags.get("tensors"):
        from tensorboard.util import tensor_util

        for tag in tags["tensors"]:
            plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
            events = acc.Tensors(tag)
            if plugin == "scalars":
                scalars[tag] = [
                    (e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in events
                ]
            elif plugin == "histograms":
                hists[tag] = [
                    (e.step, np.asarray(tensor_util.make_ndarray(e.tensor_proto), np.float64))
                    for e in events
                ]
    return (
        {t: _scalar_arrays(v) for t, v in scalars.items()},
        {t: _hist_arrays(v) for t, v in hists.items()},
    )


def _v1_rows(h) -> np.ndarray:
    counts = list(h.bucket)
    nonzero = [i for i, c in enumerate(counts) if c > 0]
    if not nonzero:
        return np.zeros((0, 3))
    start, end = nonzero[0], nonzero[-1]
    inner = list(h.bucket_limit[start:end])
    return np.array([[h.min, *inner], [*inner, h.max], counts[start : end + 1]], np.float64).T


def _scalar_arrays(events) -> tuple[np.ndarray, np.ndarray]:
    events = sorted(dict(events).items())  # a restarted run's later event wins
    return np.array([s for s, _ in events], np.int64), np.array([v for _, v in events], np.float64)


def _hist_arrays(events) -> tuple[np.ndarray, np.ndarray]:
    events = sorted(dict(events).items())
    width = max((len(h) for _, h in events), default=0)
    out = np.zeros((len(events), width, 3))
    for i, (_, h) in enumerate(events):
        h = np.asarray(h, np.float64).reshape(-1, 3)
        out[i, : len(h)] = h
        if len(h) and len(h) < width:
            out[i, len(h) :, :2] = h[-1, 1]  # empty buckets at the maximum
    return np.array([s for s, _ in events], np.int64), out
