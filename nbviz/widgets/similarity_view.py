"""SimilarityView: how alike a network's layers are, and how that changes while it trains.

After Raghu, Gilmer, Yosinski and Sohl-Dickstein, "SVCCA: Singular Vector Canonical
Correlation Analysis for Deep Learning Dynamics and Interpretability" (NeurIPS 2017,
arXiv:1706.05806), and Kornblith, Norouzi, Lee and Hinton, "Similarity of Neural Network
Representations Revisited" (ICML 2019). The widget runs
:func:`nbviz.similarity.similarity_over_training` in its background job and shows, filled
in checkpoint by checkpoint:

* the layer × layer similarity matrix (CKA, SVCCA, PWCCA ...) of the network at one
  checkpoint, or of two networks (rows: the model's layers, columns: the other's); a
  slider moves through the checkpoints; hovering a cell gives its value;
* each layer's similarity to its own final state over the checkpoints, one line per
  layer coloured by depth: Raghu et al.'s bottom-up convergence (the lower layers settle
  first).

Clicking a cell sets ``pair`` and builds ``view.tour``: a :class:`~nbviz.GrandTour` of the
two layers' activations on ``data`` at the checkpoint shown, each projected on its leading
canonical directions (:func:`nbviz.similarity.cca_aligned`), so that the tour's two frames
(the row's layer, the column's layer) share one set of coordinates; step between the
frames to see where the layers agree. The tour is shown below the view (in
:attr:`~SimilarityView.tour_output`, displayed with it) and is ``view.tour`` in Python.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import LeNet300100, train
>>> _ = torch.manual_seed(0)
>>> net = LeNet300100(in_shape=(1, 8, 8))
>>> result = train(net, digits().subset(300), epochs=2, progress=False)
>>> view = SimilarityView(net, digits("test").subset(200), ["relu1", "relu2", "logits"],
...                       result, start=False)
>>> sim = view.run(progress=False)
>>> view.matrices.shape, view.checkpoint_labels, view.checkpoint
((3, 3, 3), ['epoch 0', 'epoch 1', 'epoch 2'], 2)
>>> view.pair = [0, 1]        # as a click on the cell (relu1, relu2) does
>>> view.tour.frame_names, view.tour.points.shape
(['relu1 · epoch 2', 'relu2 · epoch 2'], (2, 200, 10))
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Self

import numpy as np
import torch
import traitlets

from .._checks import check_bool, check_labels, check_positive_int, unknown_name_error
from .base import JobWidget
from .traits import ArrayTrait, Int
from .worker import Job, JobContext

__all__ = ["SimilarityView"]


class SimilarityView(JobWidget):
    """The layer × layer similarity of a network over its training checkpoints.

    Args:
        model: the network (any ``nn.Module``; not changed: a copy loads each checkpoint).
        data: the examples every layer is measured on (an ``ImageDataset``, an ``(X, y)``
            pair or a tensor; a few thousand at most: their activations are held in
            memory). Their labels colour the tour's points.
        layers: the model's layers (names as ``model.named_modules()`` gives them): the
            matrix's rows, lowest first.
        checkpoints: a :class:`~nbviz.models.TrainResult` that kept its weights
            (``train(..., snapshot_every=1)``) or a list of state dicts of ``model``,
            oldest first; ``None``: the model as it is, one checkpoint.
        method: the measure, a name of :data:`nbviz.similarity.METHODS`
            (``"linear_cka"``, ``"debiased_linear_cka"``, ``"rbf_cka"``, ``"svcca"``,
            ``"pwcca"``).
        other: a second network (as it is) whose ``other_layers`` are the columns,
            compared with the model at each checkpoint; ``None``: the model itself.
        other_layers: the columns' layers (default: ``layers``, a square matrix).
        labels, class_names: for the tour's colours and legend (default: the data's).
        tour_dims: the canonical directions a pair's tour keeps (2 or more).
        batch_size: examples per forward pass.
        device: where the similarity is computed (``"auto"``: CUDA when present).
        start: start the computation in the background now (``False``: call
            :meth:`start` or :meth:`run`).
        height: the panels' height in px.

    Traits (synced): ``layers`` and ``other_layers`` (rows and columns),
    ``other_network`` (whether the columns are a second network's),
    ``checkpoint_labels``, ``matrices`` (float32 ``[checkpoints, rows, columns]``; NaN
    where not computed yet), ``to_final`` (float32 ``[checkpoints, rows]``: each row
    layer's similarity to its final state), ``method``, ``checkpoint`` (the one shown;
    the view's slider sets it), ``pair`` (``[row, column]`` of the clicked cell, ``[]``
    for none; set it to build the tour), ``tour_note`` (what the tour shows, or why there
    is none), ``height``, and the job's. Moving to another checkpoint clears ``pair`` (the
    tour stays, of the checkpoint it was built at; a click builds the next).

    After a run ``result`` is the :class:`~nbviz.similarity.SimilarityOverTraining`;
    ``tour`` is the last pair's :class:`~nbviz.GrandTour` (``None`` before a click).

    Raises:
        ValueError / TypeError: an unknown layer or method (with the closest names),
            repeated layers, checkpoints that are not state dicts of ``model``, data the
            model cannot run, labels of the wrong length: raised here, before any work.
            An error in the job itself shows in the view and :meth:`wait` re-raises it.
    """

    _bundle = "similarity"

    layers = traitlets.List(
        traitlets.Unicode(), read_only=True, help="the rows: the model's layers, lowest first"
    ).tag(sync=True)
    other_layers = traitlets.List(
        traitlets.Unicode(), read_only=True, help="the columns: the other network's or the same"
    ).tag(sync=True)
    other_network = traitlets.Bool(
        False, read_only=True, help="whether the columns are a second network's layers"
    ).tag(sync=True)
    checkpoint_labels = traitlets.List(
        traitlets.Unicode(), read_only=True, help="a name per checkpoint, oldest first"
    ).tag(sync=True)
    matrices = ArrayTrait(
        dtype="float32", ndim=3, read_only=True,
        help="similarity [checkpoints, rows, columns]; NaN where not computed yet",
    ).tag(sync=True)  # fmt: skip
    to_final = ArrayTrait(
        dtype="float32", ndim=2, read_only=True,
        help="each row layer's similarity to its final state [checkpoints, rows]",
    ).tag(sync=True)  # fmt: skip
    method = traitlets.Unicode("linear_cka", read_only=True, help="the similarity measure").tag(
        sync=True
    )
    checkpoint = Int(0, min=0, help="the checkpoint shown (the view's slider sets it)").tag(
        sync=True
    )
    pair = traitlets.List(
        traitlets.Int(), help="[row, column] of the cell clicked; [] for none"
    ).tag(sync=True)
    tour_note = traitlets.Unicode(
        "", read_only=True, help="what the tour of the clicked pair shows, or why there is none"
    ).tag(sync=True)
    height = Int(300, min=120, max=2000, unit=" px", help="the panels' height, px").tag(sync=True)

    def __init__(
        self,
        model,
        data,
        layers: str | Sequence[str],
        checkpoints=None,
        *,
        method: str = "linear_cka",
        other=None,
        other_layers: str | Sequence[str] | None = None,
        labels=None,
        class_names: Sequence[str] | None = None,
        tour_dims: int = 10,
        batch_size: int = 512,
        device="auto",
        start: bool = True,
        height: int = 300,
    ):
        from ..models import runnable_model, weights_over_training

        model = runnable_model(model)
        method = _check_method(method)
        rows = _check_layers(model, layers, "layers")
        if other is not None:
            other = runnable_model(other, "other")
        columns = None
        if other_layers is not None or other is not None:
            columns = _check_layers(other if other is not None else model,
                                    rows if other_layers is None else other_layers,
                                    "other_layers")  # fmt: skip
        if checkpoints is None:
            states, names = None, ["model"]
        else:
            states, names = weights_over_training(checkpoints)
            _check_states(model, states)
        self._batch_size = check_positive_int(batch_size, "batch_size")
        x = _probe(model, data, rows)
        if other is not None:
            _probe(other, data, columns)
        elif columns is not None:
            _probe(model, data, columns)
        start = check_bool(start, "start")
        super().__init__(height=height)
        self._install(model, data, x, rows, columns, other, states, names, method,
                      labels, class_names, tour_dims, device)  # fmt: skip
        self._checkpoints, self._computable = checkpoints, True
        c, r, k = len(names), len(rows), len(self.other_layers)
        with self._arrays_lock:
            self._m = np.full((c, r, k), np.nan, np.float32)
            self._t = np.full((c, r), np.nan, np.float32)
        self._show_arrays()
        if start:
            self.start()

    @classmethod
    def from_result(
        cls,
        result,
        *,
        model=None,
        data=None,
        checkpoints=None,
        other=None,
        labels=None,
        class_names: Sequence[str] | None = None,
        tour_dims: int = 10,
        batch_size: int = 512,
        device="auto",
        height: int = 300,
    ) -> Self:
        """A view of a :class:`~nbviz.similarity.SimilarityOverTraining` computed before
        (nothing to run).

        A click on a cell tours its pair only when the activations can be had again: give
        the ``model`` and ``data`` it was measured on, the ``checkpoints`` it walked
        (without them only the last checkpoint can be toured, with the model as it is),
        and ``other`` when its columns are a second network's.

        >>> from nbviz.data import digits
        >>> from nbviz.models import LeNet300100
        >>> from nbviz.similarity import similarity_over_training
        >>> net, data = LeNet300100(in_shape=(1, 8, 8)), digits("test").subset(150)
        >>> sim = similarity_over_training(net, [net.state_dict()], data, ["fc1", "fc2"],
        ...                                progress=False)
        >>> view = SimilarityView.from_result(sim, model=net, data=data)
        >>> view.matrices.shape, view.job_state, view.result is sim
        ((1, 2, 2), 'done', True)
        """
        from ..models import runnable_model, weights_over_training
        from ..similarity import SimilarityOverTraining

        if not isinstance(result, SimilarityOverTraining):
            raise TypeError(
                "result: expected a SimilarityOverTraining (nbviz.similarity."
                f"similarity_over_training), got {type(result).__name__}"
            )
        n_ckpt = len(result.labels)
        m = np.asarray(result.matrices, dtype=np.float32)
        t = np.asarray(result.to_final, dtype=np.float32)
        columns = result.columns
        if m.shape != (n_ckpt, len(result.layers), len(columns)) or t.shape != m.shape[:2]:
            raise ValueError(
                f"result: matrices {m.shape} and to_final {t.shape} do not fit "
                f"{n_ckpt} checkpoints × {len(result.layers)} × {len(columns)} layers"
            )
        x = states = None
        if model is not None:
            model = runnable_model(model)
            _check_layers(model, result.layers, "result.layers")
            if not result.other_network and result.other_layers is not None:
                _check_layers(model, columns, "result.other_layers")
        if other is not None:
            other = runnable_model(other, "other")
            _check_layers(other, columns, "result.other_layers")
        if checkpoints is not None:
            states, _ = weights_over_training(checkpoints)
            if len(states) != n_ckpt:
                raise ValueError(
                    f"checkpoints: expected the {n_ckpt} checkpoints of the result, got "
                    f"{len(states)}"
                )
            if model is not None:
                _check_states(model, states)
        view = cls.__new__(cls)
        super(SimilarityView, view).__init__(height=height)
        view._batch_size = check_positive_int(batch_size, "batch_size")
        if model is not None and data is not None:
            x = _probe(model, data, result.layers)
        view._install(model, data, x, list(result.layers),
                      None if result.other_layers is None else columns, other, states,
                      list(result.labels), _check_method(result.method), labels, class_names,
                      tour_dims, device, other_network=result.other_network)  # fmt: skip
        view._checkpoints, view._computable = None, False
        with view._arrays_lock:
            view._m, view._t = m.copy(), t.copy()
        view._show_arrays()
        view._result = result
        view.set_trait("job_state", "done")
        return view

    def _install(self, model, data, x, rows, columns, other, states, names, method, labels,
                 class_names, tour_dims, device, other_network=None) -> None:  # fmt: skip
        """What both builders set: the inputs kept for the job and the tours, and the
        traits that describe the matrix."""
        import threading

        import ipywidgets

        from .convert import split_data
        from .grand_tour import GrandTour

        self._model, self._data, self._other, self._states = model, data, other, states
        self._device = _check_device(device)
        self._net = None  # a copy of the model that loads the checkpoints, made on demand
        self._tour_dims = check_positive_int(tour_dims, "tour_dims", minimum=2)
        if self._tour_dims > GrandTour.MAX_DIM:
            raise ValueError(f"tour_dims: expected 2..{GrandTour.MAX_DIM}, got {tour_dims}")
        self._items = x
        self._labels, self._class_names = None, None
        if x is not None:
            _, own, names_ = split_data(data, labels, class_names)
            if own is not None:
                self._labels = check_labels(own, len(x))
            self._class_names = None if names_ is None else [str(c) for c in names_]
        self._arrays_lock = threading.Lock()
        #: Where a click's :class:`~nbviz.GrandTour` is shown (below the view).
        self.tour_output = ipywidgets.Output()
        self.tour = None
        if other_network is None:
            other_network = other is not None
        with self.batched():
            self.set_trait("layers", list(rows))
            self.set_trait("other_layers", list(rows if columns is None else columns))
            self.set_trait("other_network", bool(other_network))
            self.set_trait("checkpoint_labels", list(names))
            self.set_trait("method", method)
            self.checkpoint = len(names) - 1
            self.set_trait(
                "tour_note",
                "Click a cell to tour its two layers." if x is not None else
                "No tours: build the view with model= and data= to tour a pair.",
            )  # fmt: skip

    # --- the job: similarity at every checkpoint ---------------------------------------
    def _new_job(self) -> Job:
        if not self._computable:
            raise RuntimeError("SimilarityView: built from a result, it has nothing to compute")
        return self._make_job(self._job_fn, name="similarity", on_publish=self._on_publish)

    def _job_fn(self, ctx: JobContext):
        from ..similarity import similarity_over_training

        names = self.checkpoint_labels
        total = len(names)
        snapshots = self._checkpoints if self._checkpoints is not None else [
            copy.deepcopy(self._model.state_dict())]  # fmt: skip
        with self._arrays_lock:
            self._m[:] = np.nan
            self._t[:] = np.nan
        done = []

        def on_checkpoint(c, matrix, to_final):
            with self._arrays_lock:
                self._m[c], self._t[c] = matrix, to_final
            done.append(c)
            ctx.progress(len(done), total, f"{names[c]}: {len(done)} of {total} checkpoints")
            ctx.publish(c)

        ctx.progress(0, total, f"activations of {names[-1]}")
        other_layers = None if self.other_layers == self.layers and self._other is None else (
            list(self.other_layers))  # fmt: skip
        result = similarity_over_training(
            self._model, snapshots, self._data, list(self.layers), other=self._other,
            other_layers=other_layers, method=self.method, batch_size=self._batch_size,
            device=self._device, progress=False, on_checkpoint=on_checkpoint,
            should_stop=lambda: ctx.stopped,
        )  # fmt: skip
        result.labels = list(names)
        shape = f"{len(self.layers)} × {len(self.other_layers)} layers"
        if ctx.stopped:
            ctx.progress(len(done), total, f"stopped after {len(done)} of {total} checkpoints")
        else:
            ctx.progress(total, total, f"done: {self.method} of {shape} at {total} checkpoint(s)")
        ctx.publish(-1)
        return result

    def _on_publish(self, _payload) -> None:
        self._show_arrays()

    def _show_arrays(self) -> None:
        with self._arrays_lock:
            m, t = self._m.copy(), self._t.copy()
        with self.batched():
            self.set_trait("matrices", m)
            self.set_trait("to_final", t)

    # --- checkpoint and pair -------------------------------------------------------------
    @traitlets.validate("checkpoint")
    def _valid_checkpoint(self, proposal):
        c = proposal["value"]
        n = len(self.checkpoint_labels)
        if n and c >= n:
            raise traitlets.TraitError(
                f"checkpoint: {c} is out of range; there are {n} checkpoints (0..{n - 1})"
            )
        return c

    @traitlets.observe("checkpoint")
    def _on_checkpoint(self, change) -> None:
        if self.pair:
            self.pair = []  # the tour shown is of the old checkpoint: a click makes the next

    @traitlets.validate("pair")
    def _valid_pair(self, proposal):
        pair = list(proposal["value"])
        if not pair:
            return pair
        if len(pair) != 2:
            raise traitlets.TraitError(f"pair: expected [row, column] or [], got {pair}")
        i, j = pair
        rows, cols = len(self.layers), len(self.other_layers)
        if not (0 <= i < rows and 0 <= j < cols):
            raise traitlets.TraitError(
                f"pair: expected a row in 0..{rows - 1} and a column in 0..{cols - 1}, got {pair}"
            )
        return pair

    @traitlets.observe("pair")
    def _on_pair(self, change) -> None:
        if not self.pair:
            return
        i, j = self.pair
        what = f"{self.layers[i]} × {self.other_layers[j]}"
        try:
            tour = self.tour_for(i, j)
        except (ValueError, RuntimeError) as err:
            self.set_trait("tour_note", f"No tour of {what}: {err}")
            self.tour_output.outputs = ()
            return
        self.tour = tour
        rho = ", ".join(f"{r:.2f}" for r in tour.canonical_correlations[:3])
        more = ", ..." if len(tour.canonical_correlations) > 3 else ""
        self.set_trait(
            "tour_note",
            f"Tour below: {what} at {self.checkpoint_labels[self.checkpoint]}, on "
            f"{tour.points.shape[2]} shared canonical directions (ρ = {rho}{more}).",
        )
        # The tour's widget bundle as the output's one item: shown below the view by
        # the front end, set from any thread and with no kernel's display machinery.
        bundle = tour._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        self.tour_output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)

    def tour_for(self, row: int, column: int, checkpoint: int | None = None):
        """A :class:`~nbviz.GrandTour` of layer ``layers[row]`` and layer
        ``other_layers[column]`` at ``checkpoint`` (default: the one shown): two frames,
        each the layer's activations on ``data`` projected on its leading canonical
        directions with the other (:func:`nbviz.similarity.cca_aligned`), so that both
        frames share one set of coordinates. The tour keeps the canonical correlations in
        ``tour.canonical_correlations``. A click on a cell calls this (``view.tour``).

        Raises ``RuntimeError`` when the view has no model or data to take activations
        from, ``ValueError`` for a checkpoint whose weights it does not have.

        >>> from nbviz.data import digits
        >>> from nbviz.models import LeNet300100
        >>> view = SimilarityView(LeNet300100(in_shape=(1, 8, 8)), digits("test").subset(120),
        ...                       ["fc1", "logits"], start=False)
        >>> tour = view.tour_for(0, 1)
        >>> tour.points.shape, tour.dim_names[:2]
        ((2, 120, 10), ['CC1', 'CC2'])
        """
        from ..models import capture_activations
        from ..similarity import cca_aligned
        from .grand_tour import GrandTour

        rows, cols = len(self.layers), len(self.other_layers)
        for name, value, n in (("row", row, rows), ("column", column, cols)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: expected an integer, got {value!r}")
            if not 0 <= value < n:
                raise ValueError(f"{name}: expected 0..{n - 1}, got {value}")
        c = self.checkpoint if checkpoint is None else checkpoint
        n_ckpt = len(self.checkpoint_labels)
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < n_ckpt:
            raise ValueError(f"checkpoint: expected 0..{n_ckpt - 1}, got {c!r}")
        if self._model is None or self._items is None:
            raise RuntimeError(
                "no activations to tour: build the view with model= and data= "
                "(SimilarityView.from_result(result, model=..., data=...))"
            )
        a, b = self.layers[row], self.other_layers[column]
        net = self._net_at(int(c))
        label = self.checkpoint_labels[c]
        if self.other_network:
            if self._other is None:
                raise RuntimeError(
                    "the columns are another network's: give it as other= to tour a pair"
                )
            first = capture_activations(net, self._data, a, batch_size=self._batch_size,
                                        flatten=True)[a]  # fmt: skip
            second = capture_activations(self._other, self._data, b,
                                         batch_size=self._batch_size, flatten=True)[b]  # fmt: skip
            names = [f"{a} · {label}", f"{b} · other network"]
        else:
            acts = capture_activations(net, self._data, list(dict.fromkeys([a, b])),
                                       batch_size=self._batch_size, flatten=True)  # fmt: skip
            first, second = acts[a], acts[b]
            names = [f"{a} · {label}", f"{b} · {label}"]
        aligned = cca_aligned(first, second, dims=self._tour_dims, device=self._device)
        dims = aligned.x.shape[1]
        if dims < 2:
            raise ValueError(
                f"{a} and {b} share only {dims} canonical direction here; a tour needs 2"
            )
        rho = aligned.coefficients
        thumbnails = self._items if self._items.ndim == 4 and self._items.shape[1] in (1, 3) else (
            None)  # fmt: skip
        tour = GrandTour(
            [aligned.x.numpy(), aligned.y.numpy()], self._labels, self._class_names,
            frame_names=names, dim_names=[f"CC{k + 1}" for k in range(dims)],
            dim_notes=[f"canonical direction {k + 1}: the layers' projections on it "
                       f"correlate by ρ = {rho[k]:.3f}" for k in range(dims)],
            frame_notes=[f"{n} on its {dims} leading canonical directions with the other "
                         "frame's layer" for n in names],
            thumbnails=thumbnails, height=400,
        )  # fmt: skip
        tour.canonical_correlations = rho
        return tour

    def _net_at(self, c: int):
        """The model at checkpoint ``c``: a copy loaded with its weights, or the model as
        it is (no checkpoints kept: only the last checkpoint)."""
        if self._states is None:
            if c != len(self.checkpoint_labels) - 1:
                raise ValueError(
                    f"the weights of {self.checkpoint_labels[c]} were not given: pass "
                    "checkpoints= (the TrainResult or state dicts) to tour it"
                )
            return self._model
        if self._net is None:
            self._net = copy.deepcopy(self._model)
        self._net.load_state_dict(self._states[c])
        return self._net.eval()

    def _repr_mimebundle_(self, **kwargs):
        # The view with the place a click's tour fills below it.
        import ipywidgets

        box = getattr(self, "_box", None)
        if box is None:
            box = self._box = ipywidgets.VBox([self, self.tour_output])
        return box._repr_mimebundle_(**kwargs)

    # --- static output -------------------------------------------------------------------
    def figure(self):
        """The matrix at the checkpoint shown (the clicked pair outlined) beside each
        layer's similarity to its final state over the checkpoints, as a matplotlib figure.

        >>> from nbviz.data import digits
        >>> from nbviz.models import LeNet300100
        >>> view = SimilarityView(LeNet300100(in_shape=(1, 8, 8)), digits("test").subset(100),
        ...                       ["fc1", "fc2"], start=False)
        >>> _ = view.run(progress=False)
        >>> [ax.get_title() for ax in view.figure().axes[:2]]
        ['linear_cka · model', 'to the final state']
        """
        from matplotlib.patches import Rectangle

        from ..plotting import new_figure
        from ..similarity import layer_colours

        c = self.checkpoint
        m = self.matrices[c] if self.matrices is not None else np.zeros((0, 0))
        t = self.to_final if self.to_final is not None else np.zeros((0, 0))
        fig = new_figure(figsize=(10, 4), layout="constrained")
        ax, lines = fig.subplots(1, 2, width_ratios=[1, 1.3])
        im = ax.imshow(np.ma.masked_invalid(m), vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(self.other_layers)), self.other_layers, rotation=45, ha="right",
                      fontsize=8)  # fmt: skip
        ax.set_yticks(range(len(self.layers)), self.layers, fontsize=8)
        if m.size <= 64:  # values written in the cells, light on the dark end of viridis
            for (i, j), v in np.ndenumerate(m):
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if v < 0.62 else "black")  # fmt: skip
        if self.other_network:
            ax.set(xlabel="other network", ylabel="model")
        ax.set_title(f"{self.method} · {self.checkpoint_labels[c]}", fontsize=10)
        if self.pair:
            i, j = self.pair
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#d62728", lw=2))
        fig.colorbar(im, ax=ax, shrink=0.8, label=self.method)
        colours = layer_colours(len(self.layers))
        steps = range(len(self.checkpoint_labels))
        for j, layer in enumerate(self.layers):
            lines.plot(steps, t[:, j], marker="o", ms=3, color=colours[j], label=layer)
        lines.axvline(c, color="0.5", lw=1, ls="--")
        lines.set_xticks(steps, self.checkpoint_labels, rotation=45, ha="right", fontsize=7)
        lines.set(ylim=(min(0.0, float(np.nanmin(t, initial=0.0))), 1.02),
                  ylabel=f"{self.method} to the final state")  # fmt: skip
        lines.set_title("to the final state", fontsize=10)
        lines.grid(alpha=0.3)
        lines.legend(fontsize=7, loc="lower right")
        return fig

    def __repr__(self):
        done = 0 if self.to_final is None else int((~np.isnan(self.to_final[:, 0])).sum())
        return (
            f"SimilarityView({len(self.layers)} × {len(self.other_layers)} layers, "
            f"{self.method}, {done} of {len(self.checkpoint_labels)} checkpoint(s) computed, "
            f"job {self.job_state}, showing {self.checkpoint_labels[self.checkpoint]!r})"
        )


# --- argument checks ---------------------------------------------------------------------
def _check_method(method) -> str:
    from ..similarity import METHODS

    if not isinstance(method, str) or method not in METHODS:
        raise unknown_name_error("method", str(method), list(METHODS), "method")
    return method


def _check_layers(model, layers, arg: str) -> list[str]:
    from ..models import layer_names

    names = [layers] if isinstance(layers, str) else layers
    if not isinstance(names, Sequence) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"{arg}: expected a layer name or a list of names, got {layers!r}")
    names = list(names)
    if not names:
        raise ValueError(f"{arg}: expected at least one layer name, got none")
    valid = layer_names(model)
    for name in names:
        if name not in valid:
            raise unknown_name_error("layer", name, valid, arg)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{arg}: each layer once, got {', '.join(map(repr, repeated))} twice")
    return names


def _check_states(model, states) -> None:
    own = set(model.state_dict())
    for i, state in enumerate(states):
        missing, extra = own - set(state), set(state) - own
        if missing or extra:
            say = []
            if missing:
                say.append("missing " + ", ".join(sorted(missing)[:4]))
            if extra:
                say.append("unexpected " + ", ".join(sorted(extra)[:4]))
            raise ValueError(f"checkpoints[{i}]: not a state dict of the model ({'; '.join(say)})")


def _probe(model, data, layers) -> torch.Tensor:
    """``data``'s items, after a forward pass of two of them through ``model`` (so that
    data the model cannot run, or a layer it never calls, fails here, not in the job)."""
    from ..models import as_tensors, capture_activations

    x, _ = as_tensors(data, "data", labels="optional")
    if len(x) < 4:
        raise ValueError(f"data: expected at least 4 examples, got {len(x)}")
    capture_activations(model, x[:2], list(layers))
    return x


def _check_device(device):
    """``"auto"`` as it is (each step picks CUDA when present), else a ``torch.device``."""
    if isinstance(device, str) and device == "auto":
        return device
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} was asked for but CUDA is not available here")
    return dev
