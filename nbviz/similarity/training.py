"""Layer similarity over training: Raghu et al.'s bottom-up convergence (SVCCA, 2017),
with CKA or any measure of :data:`~nbviz.similarity.METHODS`.

For each checkpoint of a training run, :func:`similarity_over_training` gives the
layer × layer matrix of the network as it was, and each layer's similarity to its own
state at the end of training. Raghu et al. found the second rising to 1 layer by layer,
the lowest first: the bottom of a network settles early, the top keeps changing.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN, train
>>> data = digits()
>>> torch.manual_seed(0)  # doctest: +ELLIPSIS
<torch._C.Generator object at ...>
>>> net = SmallCNN(in_shape=(1, 8, 8))
>>> result = train(net, data, epochs=2, progress=False)
>>> sim = similarity_over_training(net, result, data.subset(300, seed=0), ["relu1", "fc1"],
...                                progress=False)
>>> sim.labels, sim.to_final.shape, round(float(sim.to_final[-1, 0]), 6)
(['epoch 0', 'epoch 1', 'epoch 2'], (3, 2), 1.0)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .._checks import check_bool, stop_check, unknown_name_error
from .layers import METHODS

__all__ = ["SimilarityOverTraining", "layer_colours", "similarity_over_training"]


@dataclass
class SimilarityOverTraining:
    """What :func:`similarity_over_training` measured.

    Attributes:
        labels: the checkpoints, oldest first (``"epoch 0"``, ...).
        layers: the layers, in the order asked: the matrices' rows.
        matrices: ``[checkpoints, layers, other layers]``: the layer × layer similarity at
            each checkpoint (NaN at checkpoints a stopped run did not reach).
        to_final: ``[checkpoints, layers]``: each layer's similarity to its own state at
            the last checkpoint (1 there).
        method: the measure (a name of :data:`~nbviz.similarity.METHODS`).
        other_layers: the matrices' columns when they are not ``layers`` (``None``: they
            are, a square matrix).
        other_network: whether ``other_layers`` are a second, fixed network's (else the
            same network's, at the same checkpoint).
    """

    labels: list[str]
    layers: list[str]
    matrices: np.ndarray
    to_final: np.ndarray
    method: str
    other_layers: list[str] | None = None
    other_network: bool = False

    @property
    def columns(self) -> list[str]:
        """The layers of the matrices' columns (``other_layers``, else ``layers``)."""
        return list(self.layers if self.other_layers is None else self.other_layers)

    def settled_at(self, threshold: float = 0.9) -> dict[str, str | None]:
        """For each layer, the first checkpoint from which its similarity to its final
        state stays at or above ``threshold`` (``None`` if only the last one does)."""
        out = {}
        for j, layer in enumerate(self.layers):
            above = self.to_final[:, j] >= threshold
            first = next((i for i in range(len(above)) if above[i:].all()), None)
            out[layer] = None if first is None or first == len(above) - 1 else self.labels[first]
        return out

    def figure(self):
        """Each layer's similarity to its final state over the checkpoints (one line per
        layer, lowest layer darkest), beside the layer × layer matrix at the first and
        last checkpoints."""
        from ..plotting import new_figure

        fig = new_figure(figsize=(10, 3.2), layout="constrained")
        ax, first, last = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.6, 1, 1]})
        colours = layer_colours(len(self.layers))
        for j, layer in enumerate(self.layers):
            ax.plot(range(len(self.labels)), self.to_final[:, j], marker="o", ms=3,
                    color=colours[j], label=layer)  # fmt: skip
        ax.set_xticks(range(len(self.labels)), self.labels, rotation=45, ha="right", fontsize=7)
        ax.set(ylim=(0, 1.02), ylabel=f"{self.method} to the final state")
        ax.legend(fontsize=7, loc="lower right")
        for a, i in ((first, 0), (last, len(self.labels) - 1)):
            im = a.imshow(self.matrices[i], vmin=0, vmax=1, cmap="viridis")
            a.set_xticks(range(len(self.columns)), self.columns, rotation=90, fontsize=7)
            a.set_yticks(range(len(self.layers)), self.layers, fontsize=7)
            a.set_title(self.labels[i], fontsize=9)
        fig.colorbar(im, ax=[first, last], shrink=0.8, label=self.method)
        return fig


def layer_colours(n: int) -> list:
    """``n`` colours from dark to light (viridis up to 0.85): the first layer darkest, as
    :meth:`SimilarityOverTraining.figure` and :class:`~nbviz.SimilarityView` draw them.

    >>> [tuple(round(float(v), 2) for v in c[:3]) for c in layer_colours(2)]
    [(0.27, 0.0, 0.33), (0.61, 0.85, 0.24)]
    """
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.85 * j / max(1, n - 1)) for j in range(n)]


def similarity_over_training(
    model: torch.nn.Module,
    snapshots,
    data,
    layers: Sequence[str],
    *,
    other: torch.nn.Module | None = None,
    other_layers: Sequence[str] | None = None,
    method: str = "linear_cka",
    batch_size: int = 512,
    device="cpu",
    progress: bool = True,
    on_checkpoint: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
    should_stop=None,
) -> SimilarityOverTraining:
    """The layer × layer similarity of ``model`` at every checkpoint of ``snapshots`` (a
    :class:`~nbviz.models.TrainResult` that kept its weights, or a list of state dicts),
    and each layer's similarity to its final state, on the same ``data`` (a few thousand
    examples: their activations are held in memory). ``model`` is not changed: a copy
    loads each checkpoint. A tqdm bar over the checkpoints unless ``progress=False``.

    The columns are ``layers`` again (a square matrix), or ``other_layers``: of the same
    network at the same checkpoint, or, with ``other``, of that second network as it is
    (say a fully trained one, or one from another seed), compared with each checkpoint.

    The last checkpoint is measured first, then the others oldest first; after each,
    ``on_checkpoint(index, matrix, to_final_row)`` is called. ``should_stop`` (a callable
    or a ``threading.Event``) ends the run early: the checkpoints not reached are NaN.
    """
    from ..models import capture_activations, weights_over_training

    if method not in METHODS:
        raise unknown_name_error("method", str(method), list(METHODS), "method")
    progress = check_bool(progress, "progress")
    stop = stop_check(should_stop)
    states, labels = weights_over_training(snapshots)
    layers = [layers] if isinstance(layers, str) else list(layers)
    square = other is None and other_layers is None
    columns = layers if other_layers is None else (
        [other_layers] if isinstance(other_layers, str) else list(other_layers))  # fmt: skip
    net = copy.deepcopy(model)
    measure = METHODS[method]

    def activations(state, names):
        net.load_state_dict(state)
        return capture_activations(net, data, names, batch_size=batch_size, flatten=True)

    fixed = None
    if other is not None:
        fixed = capture_activations(other, data, columns, batch_size=batch_size, flatten=True)
    own = list(dict.fromkeys(layers + ([] if square or fixed is not None else columns)))
    final = activations(states[-1], own)
    c_n, k = len(states), len(layers)
    matrices = np.full((c_n, k, len(columns)), np.nan)
    to_final = np.full((c_n, k), np.nan)
    order = [c_n - 1, *range(c_n - 1)]
    for c in tqdm(order, desc="checkpoints", disable=not progress):
        if stop():
            break
        acts = final if c == c_n - 1 else activations(states[c], own)
        cols = fixed if fixed is not None else acts
        for i, a in enumerate(layers):
            to_final[c, i] = measure(acts[a], final[a], device)
            for j, b in enumerate(columns):
                if square and method != "pwcca" and j < i:
                    matrices[c, i, j] = matrices[c, j, i]
                else:
                    matrices[c, i, j] = measure(acts[a], cols[b], device)
        if on_checkpoint is not None:
            on_checkpoint(c, matrices[c].copy(), to_final[c].copy())
    return SimilarityOverTraining(
        labels, layers, matrices, to_final, method,
        other_layers=None if square else list(columns), other_network=other is not None,
    )  # fmt: skip
