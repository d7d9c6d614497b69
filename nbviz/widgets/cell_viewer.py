"""CellViewer: a char-RNN's cells coloured over its text, ranked by what they track.

After Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding Recurrent Networks"
(2015), and LSTMVis (Strobelt et al., 2017). The text is coloured character by character by
one cell's state (tanh range, blue to red), with a heat strip of the top-ranked cells under
each line. The cell list is ranked by correlation with a hypothesis track computed from
the text (inside a string, bracket depth, position in the line, ...) or, once a span is
brushed in the view, by LSTMVis's score: on inside the span, off around it. Hovering a
character shows each layer's best cell there; under the text, each layer's gate
saturation plot. Given training data, :meth:`start` trains the model in the background and
the colouring follows as cells become interpretable.

>>> import torch
>>> from nbviz.data import TextDataset
>>> from nbviz.text import CharRNN
>>> data = TextDataset("def f(x):\\n    return {'a': (x, 1)}\\n" * 20)
>>> viewer = CellViewer(CharRNN(data.vocab_size, hidden=16), data, rank_by="in_string")
>>> len(viewer.values) == len(viewer.text), viewer.cells[0]["name"].startswith("layer ")
(True, True)
>>> viewer.selection = [10, 20]            # as a brush in the view does
>>> viewer.rank_by
'selection'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
import traitlets

from .._checks import check_positive_int, unknown_name_error
from .base import JobWidget
from .traits import ArrayTrait, Int
from .worker import Job

__all__ = ["CellViewer"]

#: The states that colour the text.
QUANTITIES = ("cell", "hidden")


def _tracks_of(text: str, tracks, compute_tracks) -> dict[str, np.ndarray]:
    """The tracks ``tracks`` (built-in names, or a dict of names to values) of ``text``."""
    if not isinstance(tracks, Mapping):
        return compute_tracks(text, list(tracks))  # checks the names
    if not tracks:
        raise ValueError("tracks: expected at least one track")
    built_in = compute_tracks(text, [k for k, v in tracks.items() if v is None])
    out = {}
    for name, values in tracks.items():
        if values is None:
            out[name] = built_in[name]
            continue
        arr = np.asarray(values, dtype=np.float32)
        if arr.shape != (len(text),):
            raise ValueError(
                f"tracks[{name!r}]: expected one value per character of the text "
                f"({len(text):,}), got shape {arr.shape}"
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"tracks[{name!r}]: has NaN or infinite values")
        out[str(name)] = arr
    return out


class CellViewer(JobWidget):
    """A char-RNN's cells over a text: colouring, ranking by track or brushed span.

    Args:
        model: a :class:`~nbviz.text.CharRNN`.
        data: the :class:`~nbviz.data.TextDataset` it reads (its vocabulary).
        text: the text to show (default: the first ``n_chars`` of ``val``, else of
            ``data``).
        tracks: the hypothesis tracks to rank by: names of :data:`nbviz.text.TRACKS`
            (default the source-code ones, or the prose ones for a dataset named after
            Shakespeare), or a dict of your own, ``{name: one value per character of the
            text}`` (LSTMVis's user hypotheses), where a value of ``None`` takes the
            built-in track of that name.
        rank_by: the track the list starts ranked by (default the first).
        quantity: ``"cell"`` (the LSTM's cell state, through tanh) or ``"hidden"``.
        n_chars: characters shown when ``text`` is not given.
        top: cells in the ranked list.
        strip: top cells in the heat strip under each line.
        train_data, val: for :meth:`start` / :meth:`run`: train the model on
            ``train_data`` (and report the validation loss on ``val``) while the view
            follows; ``train_options`` go to :func:`nbviz.text.train_char_rnn`.
        height: px of the text panel.

    Traits (synced): ``text``, ``values`` (float32 ``[T]``: the chosen cell, in [-1, 1]),
    ``strip`` and ``strip_names``, ``cells`` (the ranked list: ``index``, ``name``,
    ``score``, ``layer``), ``cell`` and ``cell_name``, ``tracks``, ``rank_by``,
    ``quantity`` and ``quantities``, ``selection`` (``[start, end)`` or ``[]``: a brush in
    the view sets it and ranks by it), ``hover_names`` and ``hover_values``,
    ``saturation`` (float32 ``[layers, gates, units, 2]``) and ``gate_names``,
    ``status_text``, ``height``, and the job's.
    """

    _bundle = "cell_viewer"
    _not_settable = JobWidget._not_settable | frozenset(
        {"values", "strip", "strip_names", "cells", "cell_name", "hover_names",
         "hover_values", "saturation", "gate_names", "status_text", "text"}
    )  # fmt: skip

    text = traitlets.Unicode("", help="the text shown").tag(sync=True)
    values = ArrayTrait(dtype="float32", ndim=1, help="the chosen cell per character").tag(
        sync=True
    )
    strip = ArrayTrait(dtype="float32", ndim=2, help="the top cells per character").tag(sync=True)
    strip_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    cells = traitlets.List(traitlets.Dict(), help="the ranked cells").tag(sync=True)
    cell = Int(-1, min=-1, help="the cell colouring the text").tag(sync=True)
    cell_name = traitlets.Unicode("").tag(sync=True)
    tracks = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    rank_by = traitlets.Unicode("", help="a track name or 'selection'").tag(sync=True)
    quantity = traitlets.Unicode("cell", help="'cell' or 'hidden'").tag(sync=True)
    quantities = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    selection = traitlets.List(traitlets.Int(), help="the brushed span [start, end)").tag(sync=True)
    hover_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    hover_values = ArrayTrait(dtype="float32", ndim=2).tag(sync=True)
    saturation = ArrayTrait(dtype="float32", ndim=4).tag(sync=True)
    gate_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    status_text = traitlets.Unicode("").tag(sync=True)
    height = Int(360, min=120, max=2000, help="px of the text panel").tag(sync=True)

    def __init__(
        self,
        model,
        data,
        *,
        text: str | None = None,
        tracks=None,
        rank_by: str | None = None,
        quantity: str = "cell",
        n_chars: int = 4000,
        top: int = 50,
        strip: int = 6,
        train_data=None,
        val=None,
        train_options: dict | None = None,
        height: int = 360,
    ):
        from ..text import PROSE_TRACKS, PYTHON_TRACKS, CharRNN
        from ..text import tracks as compute_tracks

        if not isinstance(model, CharRNN):
            raise TypeError(f"model: expected a nbviz.text.CharRNN, got {type(model).__name__}")
        if data.vocab_size != model.vocab_size:
            raise ValueError(
                f"data: its vocabulary has {data.vocab_size} characters, the model's "
                f"{model.vocab_size}"
            )
        self.model, self.data, self.val = model, data, val
        self.train_data = train_data
        self.train_options = dict(train_options or {})
        self.top = check_positive_int(top, "top")
        self.n_strip = check_positive_int(strip, "strip")
        if text is None:
            source = val if val is not None else data
            text = source.text[: check_positive_int(n_chars, "n_chars")]
        if not isinstance(text, str) or not text:
            raise ValueError("text: expected a non-empty str")
        if tracks is None:
            tracks = PROSE_TRACKS if "shakespeare" in data.name.lower() else PYTHON_TRACKS
        self._tracks = _tracks_of(text, tracks, compute_tracks)
        if quantity not in QUANTITIES:
            raise unknown_name_error("quantity", str(quantity), QUANTITIES, "quantity")
        if model.cell == "gru" and quantity == "cell":
            quantity = "hidden"  # a GRU's cell state is its hidden state
        self._rec = None
        self._shown = None  # (quantity, states) of the current recording
        self._scores = np.zeros(0, np.float32)
        self._order = np.zeros(0, np.int64)
        self._ranking = False
        super().__init__(height=height)
        self.set_trait("tracks", list(self._tracks))
        self.set_trait("quantities", ["hidden"] if model.cell == "gru" else list(QUANTITIES))
        with self.batched():
            self.text = text
            self.quantity = quantity
            self.rank_by = self._checked_rank(rank_by or self.tracks[0])
        self._record()

    # --- what the view shows ---------------------------------------------------------
    def _states(self) -> torch.Tensor:
        """``(cells, T)`` in [-1, 1]: the cell state through tanh, or the hidden state;
        kept per recording and quantity (a click on a cell would otherwise spend most of
        its time recomputing the tanh of every cell: 18 of 18 ms at 256 cells × 10,000)."""
        from ..text import shown_states

        if self._shown is None or self._shown[0] != self.quantity:
            self._shown = (self.quantity, shown_states(self._rec, self.quantity))
        return self._shown[1]

    def _cell_label(self, index: int) -> str:
        layer, unit = divmod(int(index), self._rec.n_units)
        return f"layer {layer} · {unit}"

    def _record(self) -> None:
        """Record the model on the text, then rank and colour (everything changes)."""
        from ..text import GATES, record
        from ..text.cells import saturation

        self._rec = record(self.model, self.text, self.data)
        self._shown = None
        with self.batched():
            self.saturation = saturation(self._rec)
            self.gate_names = list(GATES[self._rec.kind])
            self._rank()

    def _rank(self) -> None:
        """Rank every cell by the track or the span, then refresh the list and strip."""
        from ..text.cells import span_scores, track_correlations

        states = self._states()
        if self.rank_by == "selection" and len(self.selection) == 2:
            start, end = self.selection
            scores = span_scores(self._rec, start, end, quantity=self.quantity)
            order = np.argsort(-scores)
        else:
            track = {self.rank_by: self._tracks[self.rank_by]}
            scores = track_correlations(self._rec, track, self.quantity)[:, 0]
            order = np.argsort(-np.abs(scores))
        self._scores, self._order = scores, order
        top = order[: self.top]
        n_units = self._rec.n_units
        best_per_layer = [next(i for i in order if i // n_units == layer)
                          for layer in range(self._rec.n_layers)]  # fmt: skip
        strip = top[: self.n_strip]
        self._ranking = True
        try:
            with self.batched():
                self.cells = [
                    {"index": int(i), "name": self._cell_label(i), "score": float(scores[i]),
                     "layer": int(i // n_units)}
                    for i in top
                ]  # fmt: skip
                self.strip = states[strip].numpy()
                self.strip_names = [self._cell_label(i) for i in strip]
                self.hover_names = [self._cell_label(i) for i in best_per_layer]
                self.hover_values = states[best_per_layer].numpy()
                self.cell = int(top[0])
                self._colour(states)
        finally:
            self._ranking = False

    def _colour(self, states: torch.Tensor | None = None) -> None:
        """Colour the text by the chosen cell (``states``: :meth:`_states`, when at hand)."""
        states = self._states() if states is None else states
        i = self.cell
        with self.batched():
            self.values = states[i].numpy()
            what = "c" if self.quantity == "cell" else "h"
            self.cell_name = f"{self._cell_label(i)} · {what}"

    # --- what the view and the user set ----------------------------------------------
    def _checked_rank(self, value: str) -> str:
        if value == "selection" or value in self._tracks:
            return value
        raise unknown_name_error("rank_by", str(value), [*self._tracks, "selection"], "rank_by")

    @traitlets.validate("rank_by")
    def _check_rank_by(self, proposal):
        try:
            return self._checked_rank(proposal["value"])
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("quantity")
    def _check_quantity(self, proposal):
        q = proposal["value"]
        allowed = self.quantities or list(QUANTITIES)
        if q not in allowed:
            raise traitlets.TraitError(f"quantity: expected one of {allowed}, got {q!r}")
        return q

    @traitlets.validate("selection")
    def _check_selection(self, proposal):
        sel = list(proposal["value"])
        if sel and (len(sel) != 2 or not 0 <= sel[0] < sel[1] <= len(self.text)):
            raise traitlets.TraitError(
                f"selection: expected [start, end) with 0 <= start < end <= {len(self.text)}, "
                f"or [], got {sel}"
            )
        return sel

    @traitlets.validate("cell")
    def _check_cell(self, proposal):
        i = proposal["value"]
        n = self._rec.hidden.shape[0] * self._rec.n_units if self._rec is not None else 0
        if self._rec is not None and not -1 <= i < n:
            raise traitlets.TraitError(f"cell: {i} is out of range; the model has {n} cells")
        return i

    @traitlets.observe("cell")
    def _on_cell(self, change) -> None:
        if not self._ranking and self._rec is not None and change["new"] >= 0:
            self._colour()

    def explain(self, position: int, *, target: str | None = None,
                method: str = "integrated_gradients"):  # fmt: skip
        """Colour the text by the evidence for the character predicted after
        ``text[position]`` (:func:`nbviz.text.char_attribution`: red for, blue against,
        scaled to the largest); picking a cell in the list goes back to the cells.
        Returns the :class:`~nbviz.text.CharAttribution`."""
        from ..text import char_attribution

        ex = char_attribution(self.model, self.data, self.text, position, target=target,
                              method=method)  # fmt: skip
        scale = max(float(np.abs(ex.values).max()), 1e-12)
        with self.batched():
            self.cell = -1
            self.values = ex.values / scale
            self.cell_name = (
                f"evidence for {ex.target!r} after character {position} "
                f"(p = {ex.probability:.2f}, {method.replace('_', ' ')})"
            )
        return ex

    @traitlets.observe("rank_by", "quantity")
    def _on_rank_by(self, change) -> None:
        if self._rec is not None:
            self._rank()

    @traitlets.observe("selection")
    def _on_selection(self, change) -> None:
        if self._rec is None:
            return
        if change["new"]:
            if self.rank_by != "selection":
                self.rank_by = "selection"  # ranks
                return
            self._rank()
        elif self.rank_by == "selection":
            self.rank_by = self.tracks[0]

    # --- the job: train while the view follows ----------------------------------------
    def _new_job(self, steps: int | None = None) -> Job:
        if self.train_data is None:
            raise RuntimeError("start: give train_data= to train the model while it is shown")
        options = dict(self.train_options)
        if steps is not None:
            options["steps"] = check_positive_int(steps, "steps")
        return self._make_job(lambda ctx: self._train(ctx, options), name="char-rnn",
                              on_publish=self._on_trained, max_rate=2.0)  # fmt: skip

    def _train(self, ctx, options):
        from ..text.training import train_char_rnn

        total = options.get("steps", 2000)

        def follow(result):
            h = result.history
            step = h["step"][-1]
            val = h["val_bits"][-1]
            text = f"step {step:,} · training {h['train_bits'][-1]:.2f} bits/char" + (
                "" if val != val else f" · validation {val:.2f}"
            )
            ctx.progress(step, total, text)
            ctx.publish(text)

        stop = lambda: ctx.stopped  # noqa: E731
        return train_char_rnn(self.model, self.train_data, self.val, progress=False,
                              callback=follow, should_stop=stop, **options)  # fmt: skip

    def _on_trained(self, status: str) -> None:
        with self.batched():
            self.status_text = status
            self._record()

    # --- static output ------------------------------------------------------------------
    def figure(self, max_chars: int = 1200, columns: int = 80, start: int = 0):
        """The text coloured by the chosen cell (``max_chars`` characters from ``start``,
        in rows of ``columns``) as a matplotlib figure."""
        from matplotlib.colors import LinearSegmentedColormap

        from ..plotting import new_figure

        start = min(max(0, int(start)), len(self.text) - 1)
        text = self.text[start : start + check_positive_int(max_chars, "max_chars")]
        values = self.values[start : start + len(text)]
        rows, row = [], []
        for ch, v in zip(text, values, strict=True):
            row.append((ch, float(v)))
            if ch == "\n" or len(row) >= columns:
                rows.append(row)
                row = []
        if row:
            rows.append(row)
        grid = np.full((len(rows), columns), np.nan)
        for r, line in enumerate(rows):
            for c, (_, v) in enumerate(line):
                grid[r, c] = v
        fig = new_figure(figsize=(columns * 0.08 + 0.4, len(rows) * 0.17 + 0.6))
        ax = fig.add_axes((0, 0, 1, 0.94))
        cmap = LinearSegmentedColormap.from_list("cells", ["#2166ac", "#ffffff", "#b2182b"])
        ax.imshow(grid, cmap=cmap, vmin=-1.3, vmax=1.3, aspect="auto", interpolation="nearest")
        for r, line in enumerate(rows):
            for c, (ch, _) in enumerate(line):
                if ch.strip():
                    ax.text(c, r, ch, ha="center", va="center", fontsize=7.5, family="monospace")
        ax.set_axis_off()
        ranked = f" · ranked by {self.rank_by}" if self.cell >= 0 else ""  # not an explanation
        fig.suptitle(f"{self.cell_name}{ranked}", fontsize=8)
        return fig

    def saturation_figure(self):
        """The view's gate saturation panel as a matplotlib figure (Karpathy, Johnson and
        Fei-Fei 2015, fig. 3): one scatter per layer, a dot per unit and gate at (fraction
        of steps the gate is left-saturated, fraction right-saturated). Forget gates near
        the top-left corner stay open: memory cells."""
        from ..plotting import PALETTE, new_figure

        sat = np.asarray(self.saturation)
        n_layers = sat.shape[0]
        fig = new_figure(figsize=(2.6 * n_layers + 0.4, 2.9), layout="constrained")
        axes = fig.subplots(1, n_layers, squeeze=False, sharey=True)[0]
        for layer, ax in enumerate(axes):
            for g, gate in enumerate(self.gate_names):
                ax.scatter(sat[layer, g, :, 0], sat[layer, g, :, 1], s=6, alpha=0.6,
                           color=PALETTE[g % len(PALETTE)], label=gate)  # fmt: skip
            ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
            ax.set_title(f"layer {layer}", fontsize=9)
            ax.set_xlabel("left-saturated (< 0.1)", fontsize=8)
        axes[0].set_ylabel("right-saturated (> 0.9)", fontsize=8)
        axes[-1].legend(fontsize=7, loc="upper right", markerscale=1.5)
        fig.suptitle("gate saturation", fontsize=9)
        return fig

    def __repr__(self):
        return (
            f"CellViewer({len(self.text):,} characters, cell {self.cell_name!r}, "
            f"ranked by {self.rank_by})"
        )
