"""Where a tour's frames come from: the three views of the Grand Tour article (Li, Zhao,
Scheidegger, Distill 2020) on any PyTorch model, as plain data.

Each function returns a :class:`TourFrames`: the frames ``[T, n, d]`` with their labels,
names, per-frame predictions and thumbnails, ready for :class:`nbviz.GrandTour` (whose
``from_*`` builders call these) or for a plot of your own.

* :func:`activation_frames`: activations of any width, PCA-reduced when too wide.
* :func:`training_frames`: one frame per training epoch (a layer's points after each
  epoch's weights).
* :func:`layer_frames`: one frame per layer, each on its own top principal components,
  aligned by :func:`nbviz.tour.layer_sequence`, with axes named for their components
  (``fc1·pc3``) and a note per frame on how its points got there (read from
  :func:`nbviz.tour.linearize`).
* :func:`adversarial_frames`: one frame per attack step, the attacked copies moving among
  the clean points.

The layer names are those of ``model.named_modules()`` (:func:`nbviz.models.layer_names`),
plus ``"softmax"``: the softmax of the logits (the module named ``logits`` when the model
has one, else the model's output), the layer the article tours. ``"logits"`` on a model
without such a module is its output.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN, train
>>> ds = digits("test").subset(200)
>>> _ = torch.manual_seed(0)
>>> model = SmallCNN(in_shape=(1, 8, 8))
>>> result = train(model, ds, epochs=2, progress=False)
>>> frames = training_frames(result, model, ds, layer="softmax")
>>> frames.frames.shape, frames.frame_names
((3, 200, 10), ['epoch 0', 'epoch 1', 'epoch 2'])
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._checks import as_numpy, check_positive_int, check_seed, unknown_name_error
from ..embed import PCA
from ..models import INPUT, as_tensors, capture_activations, layer_names, model_float_dtype
from ..models.results import TrainResult
from . import attacks as _attacks
from ._validate import check_number
from .align import LayerSequence, layer_sequence
from .framing import reduce_frames, stack_frames
from .linear import LinearStep, avgpool_matrix, linearize

__all__ = [
    "LOGITS",
    "SOFTMAX",
    "TourFrames",
    "activation_frames",
    "adversarial_frames",
    "layer_frames",
    "training_frames",
]

SOFTMAX = "softmax"
LOGITS = "logits"


@dataclass
class TourFrames:
    """The frames of a tour and what goes with them.

    Attributes:
        frames: float32 ``[T, n, d]``.
        labels: one label per point (``[n]``), or ``None``.
        class_names: the name of each class, or ``None``.
        frame_names: a name per frame (``"epoch 3"``, ``"fc1"``, ``"step 2"``), or ``None``.
        dim_names: a name per dimension, or ``None`` (``PC1``… after a reduction).
        frame_dim_names: per frame, a name per dimension (``T`` lists of ``d``), or ``None``:
            the names of a layer tour's axes, which differ from layer to layer
            (``fc1·pc3``).
        frame_dim_notes: per frame, a hover note per dimension (``T`` lists of ``d``:
            ``"fc1 · pc3: 7.2% of the layer's variance"``), or ``None``.
        frame_notes: per frame, one line on how the points got there (``"conv2: a linear
            map (Conv2d 16→32, 3×3) of relu1 · …"``), or ``None``.
        predictions: int32 ``[T, n]``, the model's predicted class per frame and point, or
            ``None``.
        thumbnails: one image per point, or ``None``.
        pca: the PCA that reduced the frames (fitted on the last), or ``None``.
        class_colors: per class, the index of the palette colour to draw it in (attacked
            copies wear their true class's), or ``None`` for the palette's order.
        selection: the points to start selected.
        info: what the source found beside the frames, set as attributes on a tour
            (``layer``, ``epochs``, ``sequence``, ``layers``, ``attack``, ``success_rate``,
            ``attacked_indices``, ``attacked_sources``).
    """

    frames: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] | None = None
    frame_names: list[str] | None = None
    dim_names: list[str] | None = None
    frame_dim_names: list[list[str]] | None = None
    frame_dim_notes: list[list[str]] | None = None
    frame_notes: list[str] | None = None
    predictions: np.ndarray | None = None
    thumbnails: Any = None
    pca: PCA | None = None
    class_colors: list[int] | None = None
    selection: list[int] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


# --- shared helpers ------------------------------------------------------------------------
def _data(data, arg: str, dtype=None):
    """``(inputs, labels or None, class_names or None)`` from any data form."""
    x, y = as_tensors(data, arg, labels="optional", dtype=dtype)
    names = getattr(data, "class_names", None)
    return x, y, (list(names) if names is not None else None)


def _thumbs(x: torch.Tensor | None, thumbnails):
    """The thumbnails to pass on: ``thumbnails`` itself, or the images ``x`` when True."""
    if thumbnails is None or thumbnails is False:
        return None
    if thumbnails is True:
        if x is None or x.ndim != 4 or x.shape[1] not in (1, 3):
            return None  # not images: no previews
        return x.detach().cpu().float().clamp(0, 1)
    return thumbnails


def _labels_array(labels, n: int, arg: str = "labels"):
    if labels is None:
        return None
    a = as_numpy(labels, arg)
    if a.ndim != 1 or len(a) != n:
        raise ValueError(f"{arg}: expected {n} labels (one per point), got shape {a.shape}")
    return a


def _percent(fraction: float) -> str:
    """A fraction as a short percentage: ``7.2%``, ``0.031%``, ``0%``."""
    pct = 100 * float(fraction)
    if pct == 0:
        return "0%"
    return f"{pct:.1f}%" if pct >= 0.1 else f"{pct:.2g}%"


@torch.no_grad()
def _model_outputs(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """``model(x)`` in eval mode, batched, on the model's device; CPU result."""
    modes = {m: m.training for m in model.modules()}
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device("cpu")
    try:
        model.eval()
        outs = [model(x[i : i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)]
    finally:
        for m, mode in modes.items():
            m.training = mode
    return torch.cat(outs)


def _predicted(outputs) -> np.ndarray | None:
    """argmax class per row of ``outputs`` (logits or probabilities), or None if it is not a
    2-D score table with two or more columns."""
    if outputs is None:
        return None
    out = torch.as_tensor(outputs)
    if out.ndim != 2 or out.shape[1] < 2:
        return None
    return out.argmax(1).numpy().astype(np.int32)


def _check_layer(model: nn.Module, layer) -> str:
    if not isinstance(layer, str):
        raise TypeError(f"layer: expected a layer name (str), got {type(layer).__name__}")
    names = layer_names(model)
    if layer not in names and layer not in (LOGITS, SOFTMAX):
        raise unknown_name_error("layer", layer, [*names, SOFTMAX], "layer")
    return layer


def _capture(model: nn.Module, x: torch.Tensor, layer: str) -> torch.Tensor:
    """``layer``'s activations ``(N, features)`` of ``x``; ``"softmax"`` / ``"logits"`` as
    the module docstring says."""
    names = layer_names(model)
    if layer in names:
        return capture_activations(model, x, layer, flatten=True)[layer].float()
    if LOGITS in names:
        out = capture_activations(model, x, LOGITS, flatten=True)[LOGITS].float()
    else:
        out = _model_outputs(model, x).reshape(len(x), -1).float()
    return torch.softmax(out, dim=1) if layer == SOFTMAX else out


def _class_dim_names(width: int, class_names, layer: str):
    if layer in (LOGITS, SOFTMAX) and class_names is not None and len(class_names) == width:
        return [str(c) for c in class_names]
    return None


# --- activations ---------------------------------------------------------------------------
def activation_frames(
    data, labels=None, class_names=None, *, dims: int = 128, dim_names=None
) -> TourFrames:
    """Frames of activations ``[n, ...]`` or ``[T, n, ...]`` (or a list of ``T`` arrays
    ``[n, ...]``), of any width: trailing dims are flattened and, when wider than
    ``dims``, reduced by one PCA fitted on the last frame and applied to every frame
    (:func:`~nbviz.tour.framing.reduce_frames`). A single array with ``labels`` whose
    first axis is as long as the labels is one frame ``[n, ...]``; otherwise a 3-D or
    wider array is ``[T, n, ...]``. Reduced dims are named ``PC1``, ``PC2`` …, and
    ``frame_dim_notes`` says the share of the variance each holds (the same notes in
    every frame); ``dim_names`` names the dims of data that is not reduced.

    >>> frames = activation_frames(torch.randn(3, 40, 200), dims=8)
    >>> frames.frames.shape, frames.dim_names[:2], tuple(frames.pca.components.shape)
    ((3, 40, 8), ['PC1', 'PC2'], (8, 200))
    >>> frames.frame_dim_notes[0][0]  # doctest: +ELLIPSIS
    'PC1: ...% of the variance (of the last frame, where the PCA was fitted)'
    """
    a = stack_frames(data, labels, flatten=True)
    dims = check_positive_int(dims, "dims", minimum=2)
    fitted = notes = None
    if a.shape[-1] > dims:
        a, fitted = reduce_frames(a, dims)
        dim_names = [f"PC{k + 1}" for k in range(dims)]
        notes = [_pc_notes(fitted, dims, len(a) > 1)] * len(a)
    return TourFrames(
        frames=a,
        labels=None if labels is None else as_numpy(labels, "labels"),
        class_names=None if class_names is None else list(class_names),
        dim_names=None if dim_names is None else list(dim_names),
        frame_dim_notes=notes,
        pca=fitted,
    )


def _pc_notes(fitted: PCA, dims: int, several_frames: bool) -> list[str]:
    """A hover note per reduced dim: the share of the variance it holds."""
    where = " (of the last frame, where the PCA was fitted)" if several_frames else ""
    notes = [f"PC{k + 1}: {_percent(f)} of the variance{where}"
             for k, f in enumerate(fitted.explained.tolist())]  # fmt: skip
    spare = [f"PC{k + 1}: none, the points span fewer dims (all 0)"
             for k in range(fitted.k, dims)]  # fmt: skip
    return notes + spare


def _reduced(frames, labels, class_names, *, dims: int, dim_names) -> TourFrames:
    """:func:`activation_frames` of per-frame ``[n, width]`` arrays; with fewer points
    than ``dims`` no more dims than points are asked for (PCA of n points spans n)."""
    n, width = frames[0].shape
    if width > dims and n < dims:
        dims = max(2, n)
    return activation_frames(
        list(frames), labels, class_names, dims=dims,
        dim_names=dim_names if width <= dims else None,
    )  # fmt: skip


# --- training ------------------------------------------------------------------------------
def _snapshots(src):
    """``(epochs, state dicts or None, recorded activations or None, stored labels)``."""
    if isinstance(src, TrainResult):
        snaps = src.snapshots
        if not snaps:
            raise ValueError(
                "result_or_snapshots: the TrainResult holds no snapshots (pretrained(..., "
                "snapshots=True) keeps them; train() always does)"
            )
        return (
            [s.epoch for s in snaps],
            [s.state_dict for s in snaps],
            [s.activations for s in snaps],
            src.snapshot_labels,
        )
    if isinstance(src, (list, tuple)):
        if not src:
            raise ValueError("result_or_snapshots: expected at least one snapshot, got none")
        epochs = list(range(len(src)))
        if all(isinstance(s, Mapping) for s in src):
            return epochs, list(src), None, None
        if any(isinstance(s, Mapping) for s in src):
            raise TypeError(
                "result_or_snapshots: mixes state dicts and arrays; pass a list of state "
                "dicts (with model= and data=) or a list of per-epoch activation arrays"
            )
        arrays = [as_numpy(a, f"result_or_snapshots[{t}]") for t, a in enumerate(src)]
        return epochs, None, arrays, None
    raise TypeError(
        "result_or_snapshots: expected a TrainResult, a list of state dicts or a list "
        f"of per-epoch activation arrays, got {type(src).__name__}"
    )


def _replayed(model, states, x, layer):
    """Each state dict loaded into a copy of ``model``: ``(frames, predictions)``."""
    work = copy.deepcopy(model)
    frames, preds = [], []
    for t, state in enumerate(states):
        try:
            work.load_state_dict(state)
        except (RuntimeError, TypeError) as err:
            raise ValueError(
                f"result_or_snapshots: snapshot {t} does not fit the model: {err}"
            ) from None
        frames.append(_capture(work, x, layer).numpy())
        scores = frames[-1] if layer in (LOGITS, SOFTMAX) else _model_outputs(work, x)
        preds.append(_predicted(scores.reshape(len(x), -1)))
    return frames, preds


def _recorded(recorded, layer):
    """Frames and predictions from recorded activations (arrays, or dicts by layer)."""
    if isinstance(recorded[0], np.ndarray):
        frames = [a.reshape(len(a), -1) if a.ndim > 1 else a for a in recorded]
        if layer == SOFTMAX and all(f.ndim == 2 for f in frames):
            frames = [torch.softmax(torch.as_tensor(f).float(), 1).numpy() for f in frames]
        # Arrays of any layer: only the score layers say what the model predicted.
        return frames, [_predicted(f) if layer in (LOGITS, SOFTMAX) else None for f in frames]
    key = layer if layer in recorded[0] else LOGITS
    frames = [r[key].reshape(len(r[key]), -1).float() for r in recorded]
    if layer == SOFTMAX and key == LOGITS:
        frames = [torch.softmax(f, 1) for f in frames]
    preds = [_predicted(r[LOGITS].reshape(len(r[LOGITS]), -1)) if LOGITS in r else None
             for r in recorded]  # fmt: skip
    return [f.numpy() for f in frames], preds


def training_frames(
    result_or_snapshots,
    model: nn.Module | None = None,
    data=None,
    labels=None,
    *,
    layer: str = LOGITS,
    class_names: Sequence[str] | None = None,
    thumbnails=True,
    dims: int = 128,
) -> TourFrames:
    """One layer over training: a frame per snapshot (``"epoch 0"`` … ``"epoch E"``).

    Args:
        result_or_snapshots: a :class:`~nbviz.models.TrainResult` (its snapshots'
            recorded activations of ``layer``, or their state dicts replayed with
            ``model`` on ``data``), a list of state dicts (with ``model`` and ``data``),
            or a list of per-epoch activation arrays ``[n, ...]``.
        model: the network the state dicts belong to (left untouched; a copy loads them).
        data: the points to show (an ``ImageDataset``, ``(X, y)`` or ``X``); its labels
            and class names colour the points, its images are the thumbnails.
        labels: one label per point (default: the data's, or the recorded snapshot labels).
        layer: a module name (``model.named_modules()``), ``"logits"``, or ``"softmax"``;
            for those two the dims are named by the class names.
        class_names: the name of each class (default: the data's).
        thumbnails: ``True``: the data images (when they are images); or an image stack;
            or ``None``.
        dims: a layer wider than ``dims`` is reduced by one PCA fitted on the **last**
            epoch and applied to every epoch, so motion between frames is the data's.

    ``info`` holds ``layer`` and ``epochs`` (the snapshot epochs).
    """
    epochs, states, recorded, stored_labels = _snapshots(result_or_snapshots)
    if model is not None and not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    dims = check_positive_int(dims, "dims", minimum=2)
    x = y = None
    if data is not None:
        dtype = model_float_dtype(model) if model is not None else None
        x, y, data_names = _data(data, "data", dtype)
        class_names = class_names if class_names is not None else data_names
    have_states = states is not None and all(s is not None for s in states)

    if model is not None and data is not None and have_states:
        frames, preds = _replayed(model, states, x, _check_layer(model, layer))
        labels = y if labels is None else labels
    elif recorded is not None and (
        isinstance(recorded[0], np.ndarray)
        or all(layer in r or (layer == SOFTMAX and LOGITS in r) for r in recorded)
    ):
        frames, preds = _recorded(recorded, layer)
        if labels is None:
            labels = y if isinstance(recorded[0], np.ndarray) or stored_labels is None else (
                stored_labels)  # fmt: skip
    else:
        known = sorted({k for r in (recorded or []) if isinstance(r, Mapping) for k in r})
        what = f"no activations of layer {layer!r} (recorded: {known})"
        if not have_states:
            raise ValueError(
                f"result_or_snapshots: the snapshots hold {what} and no state dicts to "
                "replay; train with snapshot_layers=[...] or keep_state_dicts=True"
            )
        missing = "model= and data=" if model is None and data is None else (
            "model=" if model is None else "data=")  # fmt: skip
        raise ValueError(
            f"data: the snapshots hold {what}; pass {missing} to replay the kept weights "
            "on the points to show"
        )

    counts = [len(f) for f in frames]
    if len(set(counts)) > 1:
        raise ValueError(
            "result_or_snapshots: every epoch needs the same points; point counts per "
            f"epoch: {counts[:8]}"
        )
    widths = [f.shape[-1] if f.ndim == 2 else None for f in frames]
    if len(set(widths)) > 1 or widths[0] is None:
        raise ValueError(
            "result_or_snapshots: every epoch needs activations [n, d] of one width; got "
            f"shapes {[tuple(f.shape) for f in frames][:6]}"
        )
    n = counts[0]
    labels = _labels_array(labels, n)
    if x is not None and len(x) != n:
        raise ValueError(f"data: has {len(x)} items but the snapshots have {n} points")
    out = _reduced(frames, labels, class_names, dims=dims,
                   dim_names=_class_dim_names(widths[0], class_names, layer))  # fmt: skip
    out.frame_names = [f"epoch {e}" for e in epochs]
    if all(p is not None and len(p) == n for p in preds):
        out.predictions = np.stack(preds)
    out.thumbnails = _thumbs(x, thumbnails)
    out.info = {"layer": layer, "epochs": list(epochs)}
    return out


# --- layers --------------------------------------------------------------------------------
#: linearize writes each convolution as a sparse matrix; past this many nonzeros in all
#: (about 240 MB) the layer tour shows activations only instead of building them.
_MAX_CONV_ENTRIES = 10_000_000
#: Items linearize sees to fit its max-pooling scales.
_LINEARIZE_ITEMS = 256


def _conv_entries(model: nn.Module, sample: torch.Tensor) -> int:
    """The nonzeros linearize's matrices for the convolutions of ``model`` would hold (one
    forward pass of ``sample``, a single item)."""
    total = 0

    def count(module, args, output):
        nonlocal total
        taps = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        total += output[0].numel() * taps

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles = [m.register_forward_hook(count) for m in convs]
    try:
        _model_outputs(model, sample)
    finally:
        for handle in handles:
            handle.remove()
    return total


def _short_reason(err: Exception) -> str:
    """The first clause of one of linearize's errors: what it cannot follow."""
    text = str(err).removeprefix("model: ")
    for stop in ("; ", ". "):
        text = text.split(stop)[0]
    return text if len(text) <= 100 else text[:99] + "…"


def _linear_steps(model: nn.Module, xt: torch.Tensor):
    """``(steps, None)`` from :func:`~nbviz.tour.linearize`, or ``(None, why not)``."""
    entries = _conv_entries(model, xt[:1])
    if entries > _MAX_CONV_ENTRIES:
        return None, f"its convolutions as matrices would hold {entries:,} entries"
    try:
        return linearize(model, tuple(xt.shape[1:]), data=xt[:_LINEARIZE_ITEMS]), None
    except (ValueError, TypeError) as err:
        return None, _short_reason(err)


def _positions(steps: list[LinearStep]) -> dict[str, int]:
    """Where each layer's activations come in the steps: after how many of them. A
    container's are its last step's."""
    where = {INPUT: 0}
    for i, step in enumerate(steps):
        parts = step.name.split(".")
        for j in range(1, len(parts) + 1):
            where[".".join(parts[:j])] = i + 1
    return where


def _step_label(step: LinearStep) -> str:
    """What a step is, briefly: ``Conv2d 16→32, 3×3``, ``Linear 64→10``, ``ReLU``."""
    m = step.module
    if isinstance(m, nn.Conv2d):
        kernel = "×".join(str(k) for k in m.kernel_size)
        stride = "" if set(m.stride) == {1} else ", stride " + "×".join(map(str, m.stride))
        return f"Conv2d {m.in_channels}→{m.out_channels}, {kernel}{stride}"
    if isinstance(m, nn.Linear):
        return f"Linear {m.in_features}→{m.out_features}"
    if step.kind == "approximate":
        average, _ = avgpool_matrix(m, step.in_shape, dtype=torch.float64)
        scale = float(step.matrix.coalesce().values().double().sum()) / float(
            average.values().sum()
        )
        return f"max pooling ≈ average pooling ×{scale:.1f}"
    if isinstance(m, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
        return "average pooling"
    return type(m).__name__


def _transition_note(name: str, prev: str | None, steps: list[LinearStep]) -> str:
    """How the points of layer ``name`` come from those of ``prev`` (``None``: the input,
    for the first frame) through ``steps``, in one line."""
    source = prev or "the input"
    shown = [s for s in steps if s.kind != "reshape"]
    if not shown:
        return f"{name}: the same values as {source}" + (" (reshaped)" if steps else "")
    kinds = {s.kind for s in shown}
    moves = ": the points move straight between the two views" if prev else ""
    if len(shown) == 1:
        label = _step_label(shown[0])
        if "nonlinear" in kinds:
            return f"{name}: {label} of {source}, not linear{moves}"
        if "approximate" in kinds:
            return f"{name}: {label} of {source} (approximate linear map)"
        return f"{name}: a linear map ({label}) of {source}"
    labels = "; ".join(_step_label(s) for s in shown)
    if "nonlinear" in kinds:
        return f"{name}: not linear ({labels}) of {source}{moves}"
    if "approximate" in kinds:
        return f"{name}: an approximate linear map ({labels}) of {source}"
    return f"{name}: a linear map ({labels}) of {source}"


def _how_they_got_there(names: list[str], steps, reason) -> list[str]:
    """Per frame, the note on how its points come from the previous frame's."""
    if steps is None:
        return [f"activations only: linearize cannot follow this model ({reason})"] * len(names)
    where, notes, last = _positions(steps), [], 0
    for i, name in enumerate(names):
        prev = names[i - 1] if i else None
        at = where.get(name)
        if name == INPUT and not i:
            notes.append(f"{INPUT}: the data as given")
        elif at is None or at < last:
            notes.append(f"{name}: activations only (it does not follow {prev or 'the input'} "
                         "in the forward pass)")  # fmt: skip
        else:
            notes.append(_transition_note(name, prev, steps[last:at]))
        last = at if at is not None else last
    return notes


def _layer_notes(seq: LayerSequence, model: nn.Module, xt: torch.Tensor):
    """``(frame_dim_names, frame_dim_notes, frame_notes)`` of a layer tour."""
    k = seq.coords.shape[2]
    names, notes, kept = [], [], []
    for i, layer in enumerate(seq.names):
        rank, comps = seq.ranks[i], seq.axis_components[i].tolist()
        shares = seq.axis_explained[i].tolist()
        names.append([f"{layer}·pc{c + 1}" if c >= 0 else f"{layer}·none" for c in comps])
        notes.append([_axis_note(layer, rank, c, f) for c, f in zip(comps, shares, strict=True)])
        total = _percent(seq.explained_variance[i])
        kept.append("all points at one place" if rank == 0 else f"{k} PCs, {total} of its variance")
    steps, reason = _linear_steps(model, xt)
    how = _how_they_got_there(seq.names, steps, reason)
    return names, notes, [f"{line} · {share}" for line, share in zip(how, kept, strict=True)]


def _axis_note(layer: str, rank: int, component: int, share: float) -> str:
    """The hover note of one axis of a layer tour."""
    if component < 0:
        return f"{layer}: one feature, so this second axis is 0"
    if rank == 0:
        return f"{layer} · pc{component + 1}: the layer does not vary (all points at one place)"
    return f"{layer} · pc{component + 1}: {_percent(share)} of the layer's variance"


def layer_frames(
    model: nn.Module,
    data,
    labels=None,
    *,
    layers: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    dims: int = 64,
    thumbnails=True,
) -> TourFrames:
    """A frame per layer of ``model``: each layer's activations of ``data`` on its own top
    ``k`` principal components, ``k`` the least real rank of the layers (at most
    ``dims``), matched axis to axis to the previous layer by a signed permutation
    (:func:`nbviz.tour.layer_sequence`, which states each step): no padding axes.

    Each axis is one principal component, named for it (``frame_dim_names``:
    ``"fc1·pc3"``; ``frame_dim_notes``: ``"fc1 · pc3: 7.2% of the layer's variance"``).
    ``frame_notes`` says in one line how each frame's points come from the previous
    frame's, read from :func:`nbviz.tour.linearize`: ``"conv2: a linear map (Conv2d
    16→32, 3×3) of relu1"``, ``"relu1: ReLU of bn1, not linear: the points move straight
    between the two views"``, ``"pool1: max pooling ≈ average pooling ×1.7 of conv1
    (approximate linear map)"`` (the article's treatment of convolutions and pooling as
    linear maps); where ``linearize`` cannot follow the model (a functional call or a
    residual sum in ``forward``, a module it does not know), every frame says
    ``"activations only: linearize cannot follow this model (why)"``. Each note ends
    with the share of the layer's variance its ``k`` components keep.

    ``info`` holds ``sequence`` (the :class:`~nbviz.tour.LayerSequence`) and ``layers``.

    >>> from nbviz.models import SmallCNN
    >>> model = SmallCNN(in_shape=(1, 8, 8))
    >>> frames = layer_frames(model, torch.rand(60, 1, 8, 8), layers=["relu1", "conv2"])
    >>> frames.frame_dim_names[1][0], frames.frame_notes[1]  # doctest: +ELLIPSIS
    ('conv2·pc...', 'conv2: a linear map (Conv2d 16→32, 3×3) of relu1 · ... PCs, ...')
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    dims = check_positive_int(dims, "dims", minimum=2)
    xt, y_data, data_names = _data(data, "data", model_float_dtype(model))
    labels = labels if labels is not None else y_data
    class_names = class_names if class_names is not None else data_names
    if isinstance(layers, str):
        raise TypeError(f"layers: expected a list of layer names, got the string {layers!r}")
    if layers is not None:
        valid = layer_names(model)
        for name in layers:
            if not isinstance(name, str):
                raise TypeError(f"layers: expected layer names, got {name!r}")
            if name not in valid:
                raise unknown_name_error("layer", name, valid, "layers")
    labels = _labels_array(labels, len(xt), "labels")
    try:
        seq = layer_sequence(model, xt, layers, dims)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"model: cannot step through its layers: {err} Leave that layer out of layers=, "
            "or show one layer's activations with GrandTour.from_activations("
            "capture_activations(model, data, name)[name], labels) (the activations-only view)."
        ) from err
    dim_names, dim_notes, notes = _layer_notes(seq, model, xt)
    return TourFrames(
        frames=np.asarray(seq.coords, dtype=np.float32),
        labels=labels,
        class_names=None if class_names is None else list(class_names),
        frame_names=list(seq.names),
        frame_dim_names=dim_names,
        frame_dim_notes=dim_notes,
        frame_notes=notes,
        predictions=_predicted(_model_outputs(model, xt).reshape(len(xt), -1)),
        thumbnails=_thumbs(xt, thumbnails),
        info={"sequence": seq, "layers": list(seq.names)},
    )


# --- adversarial ---------------------------------------------------------------------------
def _class_codes(classes, class_names, n_classes: int) -> torch.Tensor:
    """``attack_classes`` (indices or names) as class indices."""
    if isinstance(classes, (str, int, np.integer)):
        classes = [classes]
    codes = []
    for c in classes:
        if isinstance(c, str):
            if class_names is None or c not in class_names:
                raise unknown_name_error("class", c, list(class_names or []), "attack_classes")
            codes.append(list(class_names).index(c))
        elif isinstance(c, (int, np.integer)) and not isinstance(c, bool) and 0 <= c < n_classes:
            codes.append(int(c))
        else:
            raise ValueError(f"attack_classes: expected class names or indices < {n_classes}, "
                             f"got {c!r}")  # fmt: skip
    return torch.tensor(codes, dtype=torch.long)


def _targets(targeted: bool, target, n: int, n_classes: int) -> torch.Tensor | None:
    """The target class per point of a targeted attack (``None`` untargeted)."""
    if not targeted:
        if target is not None:
            raise ValueError("target: only used with targeted=True")
        return None
    if target is None:
        raise ValueError("target: a targeted attack needs a target class (int or n labels)")
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not 0 <= int(target) < n_classes:
            raise ValueError(f"target: expected a class in [0, {n_classes}), got {target}")
        return torch.full((n,), int(target), dtype=torch.long)
    return torch.as_tensor(_labels_array(target, n, "target")).long()


def _attacked_names(names, sources, targeted: bool, ya, ta) -> list[str]:
    """A legend entry per true class of the attacked copies, after the data's classes."""
    out = []
    for k in sources:
        if targeted:
            tk = sorted(set(ta[ya == k].tolist()))
            target = ", ".join(names[t] if t < len(names) else str(t) for t in tk)
            out.append(f"{names[k]} → {target} (attacked)")
        else:
            out.append(f"{names[k]} (attacked)")
    return out


def _attack_thumbnails(xt, thumbnails, res, src, n: int):
    """Thumbnails of the clean points, then of each attacked copy (its final image)."""
    if thumbnails is True:
        thumbs = _thumbs(xt, True)
        if thumbs is not None:
            thumbs = torch.cat([thumbs, res.inputs[-1].float().clamp(0, 1)])
        return thumbs
    if thumbnails is None or thumbnails is False:
        return None
    thumbs = as_numpy(thumbnails, "thumbnails")
    if len(thumbs) == n:  # one per clean point: each attacked copy reuses its own
        thumbs = np.concatenate([thumbs, thumbs[src.numpy()]])
    return thumbs


def adversarial_frames(
    model: nn.Module,
    data,
    labels=None,
    *,
    method: str = "pgd",
    eps: float = 0.1,
    alpha: float | None = None,
    steps: int = 10,
    targeted: bool = False,
    target=None,
    layer: str = LOGITS,
    n_attacked: int | None = None,
    attack_classes: Sequence | None = None,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
    thumbnails=True,
    dims: int = 128,
) -> TourFrames:
    """Adversarial trajectories among the clean points: a frame per attack step.

    The frames hold the ``n`` clean points of ``data`` (the same in every frame) and,
    after them, one attacked copy of each attacked point, at the attack's step ``t`` in
    frame ``t`` (``"step 0"`` is the clean input). The points attacked are those the model
    classifies correctly (targeted: also not already of the target class; of
    ``attack_classes``, names or indices, when given); ``n_attacked`` of them, drawn with
    ``seed`` (default: all). The copies of each true class get one class after the data's
    (``"<true class> (attacked)"``, targeted ``"<true class> → <target> (attacked)"``),
    drawn in their true class's colour (``class_colors``), with predictions per step; they
    start selected (``selection``).

    ``info`` holds ``attack`` (the :class:`~nbviz.tour.AttackTrajectory`),
    ``success_rate`` (``[steps + 1]``), ``attacked_indices`` (their point indices),
    ``attacked_sources`` (their indices in ``data``) and ``layer``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(method, str) or method not in _attacks.METHODS:
        raise unknown_name_error("attack method", str(method), _attacks.METHODS, "method")
    eps = check_number(eps, "eps", positive=True)
    steps = 1 if method == "fgsm" else check_positive_int(steps, "steps")
    alpha = eps / 4 if alpha is None else check_number(alpha, "alpha", positive=True)
    layer = _check_layer(model, layer)
    dims = check_positive_int(dims, "dims", minimum=2)
    xt, y_data, data_names = _data(data, "data", model_float_dtype(model))
    y = labels if labels is not None else y_data
    if y is None:
        raise ValueError(
            "labels: the attack needs the true labels; pass labels= or an ImageDataset"
        )
    y = torch.as_tensor(_labels_array(y, len(xt), "labels"))
    if y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"labels: expected integer class labels, got {y.dtype}")
    y = y.long()
    class_names = list(class_names) if class_names is not None else data_names
    seed = check_seed(seed)

    # Which points to attack: correctly classified ones (and, targeted, not the target yet).
    clean_logits = _model_outputs(model, xt)
    if clean_logits.ndim != 2:
        raise ValueError(f"model: expected logits (n, classes), got {tuple(clean_logits.shape)}")
    n, n_classes = len(xt), clean_logits.shape[1]
    tgt_all = _targets(targeted, target, n, n_classes)
    ok = clean_logits.argmax(1) == y
    if tgt_all is not None:
        ok &= tgt_all != y
    if attack_classes is not None:
        ok &= torch.isin(y, _class_codes(attack_classes, class_names, n_classes))
    src = torch.nonzero(ok).flatten()
    if len(src) == 0:
        raise ValueError(
            "data: no point to attack (none is classified correctly"
            + (", of attack_classes" if attack_classes is not None else "")
            + (" and differs from the target)" if targeted else ")")
        )
    if n_attacked is not None:
        n_attacked = check_positive_int(n_attacked, "n_attacked")
        if n_attacked < len(src):
            gen = torch.Generator().manual_seed(seed)
            src = src[torch.randperm(len(src), generator=gen)[:n_attacked].sort().values]
    xa, ya = xt[src], y[src]
    ta = tgt_all[src] if tgt_all is not None else None

    if method == "fgsm":
        res = _attacks.fgsm(model, xa, ya, eps, targeted=targeted, target=ta)
    else:
        res = _attacks.pgd(
            model, xa, ya, eps, alpha, steps, targeted=targeted, target=ta, seed=seed
        )
    n_steps, m = res.inputs.shape[:2]
    flat = res.inputs.reshape(n_steps * m, *res.inputs.shape[2:])
    attacked_acts = _capture(model, flat, layer).reshape(n_steps, m, -1)
    clean_acts = _capture(model, xt, layer)
    trajectory = _attacks.AttackTrajectory(
        inputs=res.inputs, predictions=res.predictions, loss=res.loss, layer=layer,
        activations=attacked_acts,
    )  # fmt: skip

    frames = [torch.cat([clean_acts, attacked_acts[t]]).numpy() for t in range(n_steps)]
    names = class_names if class_names is not None else [str(k) for k in range(n_classes)]
    if len(names) < int(y.max()) + 1:
        raise ValueError(f"class_names: expected at least {int(y.max()) + 1} names")
    sources = sorted(set(ya.tolist()))
    code_of = {k: len(names) + j for j, k in enumerate(sources)}
    all_names = list(names) + _attacked_names(names, sources, targeted, ya, ta)
    all_labels = np.concatenate([y.numpy(), np.array([code_of[k] for k in ya.tolist()])])

    out = _reduced(frames, all_labels, all_names, dims=dims,
                   dim_names=_class_dim_names(frames[0].shape[1], names, layer))  # fmt: skip
    out.frame_names = [f"step {t}" for t in range(n_steps)]
    # Each attacked copy wears its true class's colour (the selection ring tells them apart),
    # and the hover card follows its predicted class step by step.
    out.class_colors = list(range(len(names))) + list(sources)
    clean_pred = clean_logits.argmax(1).to(torch.int32)
    out.predictions = torch.cat(
        [clean_pred.expand(n_steps, n), res.predictions.to(torch.int32)], dim=1
    ).numpy()
    out.thumbnails = _attack_thumbnails(xt, thumbnails, res, src, n)
    success = (res.predictions == ta) if targeted else (res.predictions != ya)
    attacked = np.arange(n, n + m)
    out.selection = attacked.tolist()
    out.info = {
        "attack": trajectory,
        "success_rate": success.float().mean(1).numpy(),
        "attacked_indices": attacked,
        "attacked_sources": src.numpy(),
        "layer": layer,
    }
    return out
