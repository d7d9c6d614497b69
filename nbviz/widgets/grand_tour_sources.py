"""Where a :class:`~nbviz.widgets.grand_tour.GrandTour`'s frames come from: the three views
of the Grand Tour article (Li, Zhao, Scheidegger, Distill 2020) on any PyTorch model.

* :func:`tour_from_training`: one frame per training epoch (a layer's points after each
  epoch's weights), as :meth:`GrandTour.from_training`.
* :func:`tour_from_layers`: one frame per layer, reduced and aligned by
  :func:`nbviz.tour.layer_sequence`, as :meth:`GrandTour.from_layers`.
* :func:`tour_from_adversarial`: one frame per attack step, the attacked copies moving
  among the clean points, as :meth:`GrandTour.from_adversarial`.

The layer names are those of ``model.named_modules()`` (:func:`nbviz.models.layer_names`),
plus ``"softmax"``: the softmax of the logits (the module named ``logits`` when the model
has one, else the model's output), the layer the article tours. ``"logits"`` on a model
without such a module is its output.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN, train
>>> from nbviz.widgets.grand_tour import GrandTour
>>> ds = digits("test").subset(200)
>>> _ = torch.manual_seed(0)
>>> model = SmallCNN(in_shape=(1, 8, 8))
>>> result = train(model, ds, epochs=2, progress=False)
>>> tour = GrandTour.from_training(result, model, ds, layer="softmax")
>>> tour.points.shape, tour.frame_labels
((3, 200, 10), ['epoch 0', 'epoch 1', 'epoch 2'])
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from .._checks import as_numpy, check_positive_int, unknown_name_error
from ..models import capture_activations, layer_names
from ..models._inputs import as_tensors, model_float_dtype
from ..models.results import TrainResult
from ..tour import attacks as _attacks
from ..tour._validate import check_number
from ..tour.align import layer_sequence

__all__ = ["tour_from_adversarial", "tour_from_layers", "tour_from_training"]

SOFTMAX = "softmax"
LOGITS = "logits"


# --- shared helpers ------------------------------------------------------------------------
def _data(data, arg: str, dtype=None):
    """``(x, y or None, class_names or None)`` from any data form ``as_tensors`` takes."""
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


def _dim_names(width: int, class_names, layer: str):
    if layer in (LOGITS, SOFTMAX) and class_names is not None and len(class_names) == width:
        return [str(c) for c in class_names]
    return None


def _finish(cls, frames, labels, class_names, *, dims, dim_names, **kwargs):
    """Make the tour: wider than ``dims`` (default ``cls.MAX_DIM``) is PCA-reduced by
    :meth:`GrandTour.from_activations`, fitted on the last frame."""
    n, width = frames[0].shape
    limit = cls.MAX_DIM if dims is None else dims
    if width > limit and n < limit:
        # PCA of n points gives at most n components; ask for no more (from_activations
        # would name `limit` dims and fail).
        dims = limit = max(2, n)
    if dim_names is not None and width <= limit:
        kwargs["dim_names"] = dim_names
    return cls.from_activations(list(frames), labels, class_names, dims=dims, **kwargs)


# --- training ------------------------------------------------------------------------------
def tour_from_training(
    cls,
    result_or_snapshots,
    model: nn.Module | None = None,
    data=None,
    labels=None,
    *,
    layer: str = LOGITS,
    class_names: Sequence[str] | None = None,
    thumbnails=True,
    dims: int | None = None,
    **kwargs,
):
    """A tour of one layer over training: one frame per snapshot (see
    :meth:`GrandTour.from_training`, which documents the arguments)."""
    src = result_or_snapshots
    if isinstance(src, TrainResult):
        snaps = src.snapshots
        if not snaps:
            raise ValueError(
                "result_or_snapshots: the TrainResult holds no snapshots (pretrained(..., "
                "snapshots=True) keeps them; train() always does)"
            )
        epochs = [s.epoch for s in snaps]
        states = [s.state_dict for s in snaps]
        recorded = [s.activations for s in snaps]
        stored_labels = src.snapshot_labels
    elif isinstance(src, (list, tuple)):
        if not src:
            raise ValueError("result_or_snapshots: expected at least one snapshot, got none")
        epochs = list(range(len(src)))
        if all(isinstance(s, Mapping) for s in src):
            states, recorded = list(src), None
        elif any(isinstance(s, Mapping) for s in src):
            raise TypeError(
                "result_or_snapshots: mixes state dicts and arrays; pass a list of state "
                "dicts (with model= and data=) or a list of per-epoch activation arrays"
            )
        else:
            states, recorded = None, [as_numpy(a, f"result_or_snapshots[{t}]") for t, a in
                                      enumerate(src)]  # fmt: skip
        stored_labels = None
    else:
        raise TypeError(
            "result_or_snapshots: expected a TrainResult, a list of state dicts or a list "
            f"of per-epoch activation arrays, got {type(src).__name__}"
        )
    if model is not None and not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")

    x = y = None
    if data is not None:
        dtype = model_float_dtype(model) if model is not None else None
        x, y, data_names = _data(data, "data", dtype)
        class_names = class_names if class_names is not None else data_names
    have_states = states is not None and all(s is not None for s in states)

    if model is not None and data is not None and have_states:
        layer = _check_layer(model, layer)
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
            preds.append(_predicted(frames[-1] if layer in (LOGITS, SOFTMAX) else
                                    _model_outputs(work, x).reshape(len(x), -1)))  # fmt: skip
        if labels is None:
            labels = y
    elif recorded is not None and isinstance(recorded[0], np.ndarray):
        frames = [a.reshape(len(a), -1) if a.ndim > 1 else a for a in recorded]
        if layer == SOFTMAX and all(f.ndim == 2 for f in frames):
            frames = [torch.softmax(torch.as_tensor(f).float(), 1).numpy() for f in frames]
        # Arrays of any layer: only the score layers say what the model predicted.
        preds = [_predicted(f) if layer in (LOGITS, SOFTMAX) else None for f in frames]
        if labels is None:
            labels = y
    elif recorded is not None and all(layer in r or (layer == SOFTMAX and LOGITS in r)
                                      for r in recorded):  # fmt: skip
        key = layer if layer in recorded[0] else LOGITS
        frames = [r[key].reshape(len(r[key]), -1).float() for r in recorded]
        if layer == SOFTMAX and key == LOGITS:
            frames = [torch.softmax(f, 1) for f in frames]
        frames = [f.numpy() for f in frames]
        preds = [_predicted(r[LOGITS].reshape(len(r[LOGITS]), -1)) if LOGITS in r else None
                 for r in recorded]  # fmt: skip
        if labels is None:
            labels = stored_labels if stored_labels is not None else y
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
    kwargs.setdefault("frame_labels", [f"epoch {e}" for e in epochs])
    if all(p is not None and len(p) == n for p in preds):
        kwargs.setdefault("predictions", np.stack(preds))
    tour = _finish(
        cls, frames, labels, class_names, dims=dims,
        dim_names=_dim_names(widths[0], class_names, layer),
        thumbnails=_thumbs(x, thumbnails), **kwargs,
    )  # fmt: skip
    tour.layer = layer
    tour.epochs = list(epochs)
    return tour


# --- layers --------------------------------------------------------------------------------
def tour_from_layers(
    cls,
    model: nn.Module,
    x,
    y=None,
    *,
    layers: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    max_dims: int = 64,
    thumbnails=True,
    **kwargs,
):
    """A tour stepping through ``model``'s layers (see :meth:`GrandTour.from_layers`)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    max_dims = check_positive_int(max_dims, "max_dims", minimum=2)
    if max_dims > cls.MAX_DIM:
        raise ValueError(f"max_dims: expected 2..{cls.MAX_DIM}, got {max_dims}")
    xt, y_data, data_names = _data(x, "x", model_float_dtype(model))
    y = y if y is not None else y_data
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
    labels = _labels_array(y, len(xt), "y")
    try:
        seq = layer_sequence(model, xt, layers, max_dims)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"model: cannot step through its layers: {err} Leave that layer out of layers=, "
            "or show one layer's activations with GrandTour.from_activations("
            "capture_activations(model, x, name)[name], y) (the activations-only view)."
        ) from err
    kwargs.setdefault("frame_labels", list(seq.names))
    kwargs.setdefault("dim_names", [f"a{i + 1}" for i in range(seq.coords.shape[2])])
    kwargs.setdefault("predictions", _predicted(_model_outputs(model, xt).reshape(len(xt), -1)))
    tour = cls(seq.coords, labels, class_names, thumbnails=_thumbs(xt, thumbnails), **kwargs)
    tour.sequence = seq
    tour.layers = list(seq.names)
    return tour


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


def _attack_label(name: str, targeted: bool, target_name: str | None) -> str:
    return f"{name} → {target_name} (attacked)" if targeted else f"{name} (attacked)"


def tour_from_adversarial(
    cls,
    model: nn.Module,
    x,
    y=None,
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
    highlight: bool = True,
    dims: int | None = None,
    **kwargs,
):
    """Adversarial trajectories among the clean points (see
    :meth:`GrandTour.from_adversarial`)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(method, str) or method not in _attacks.METHODS:
        raise unknown_name_error("attack method", str(method), _attacks.METHODS, "method")
    eps = check_number(eps, "eps", positive=True)
    steps = check_positive_int(steps, "steps")
    if method == "fgsm":
        steps = 1
    alpha = eps / 4 if alpha is None else check_number(alpha, "alpha", positive=True)
    layer = _check_layer(model, layer)
    xt, y_data, data_names = _data(x, "x", model_float_dtype(model))
    if y is None:
        y = y_data
    if y is None:
        raise ValueError("y: the attack needs the true labels; pass y= or an ImageDataset")
    y = torch.as_tensor(_labels_array(y, len(xt), "y"))
    if y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"y: expected integer class labels, got {y.dtype}")
    y = y.long()
    class_names = list(class_names) if class_names is not None else data_names
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an integer, got {seed!r}")

    # Which points to attack: correctly classified ones (and, targeted, not the target yet).
    clean_logits = _model_outputs(model, xt)
    if clean_logits.ndim != 2:
        raise ValueError(f"model: expected logits (n, classes), got {tuple(clean_logits.shape)}")
    n_classes = clean_logits.shape[1]
    tgt_all = None
    if targeted:
        if target is None:
            raise ValueError("target: a targeted attack needs a target class (int or n labels)")
        if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            if not 0 <= int(target) < n_classes:
                raise ValueError(f"target: expected a class in [0, {n_classes}), got {target}")
            tgt_all = torch.full((len(xt),), int(target), dtype=torch.long)
        else:
            tgt_all = torch.as_tensor(_labels_array(target, len(xt), "target")).long()
    elif target is not None:
        raise ValueError("target: only used with targeted=True")
    ok = clean_logits.argmax(1) == y
    if tgt_all is not None:
        ok &= tgt_all != y
    if attack_classes is not None:
        ok &= torch.isin(y, _class_codes(attack_classes, class_names, n_classes))
    candidates = torch.nonzero(ok).flatten()
    if len(candidates) == 0:
        raise ValueError(
            "x: no point to attack (none is classified correctly"
            + (", of attack_classes" if attack_classes is not None else "")
            + (" and differs from the target)" if targeted else ")")
        )
    if n_attacked is not None:
        n_attacked = check_positive_int(n_attacked, "n_attacked")
        if n_attacked < len(candidates):
            gen = torch.Generator().manual_seed(seed)
            pick = torch.randperm(len(candidates), generator=gen)[:n_attacked]
            candidates = candidates[pick.sort().values]
    src = candidates
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

    n = len(xt)
    frames = [torch.cat([clean_acts, attacked_acts[t]]).numpy() for t in range(n_steps)]
    names = class_names if class_names is not None else [str(k) for k in range(n_classes)]
    if len(names) < int(y.max()) + 1:
        raise ValueError(f"class_names: expected at least {int(y.max()) + 1} names")
    sources = sorted(set(ya.tolist()))
    code_of = {k: len(names) + j for j, k in enumerate(sources)}
    tgt_names = {}
    for k in sources:
        if targeted:
            tk = sorted(set(ta[ya == k].tolist()))
            tgt_names[k] = ", ".join(names[t] if t < len(names) else str(t) for t in tk)
    all_names = list(names) + [_attack_label(names[k], targeted, tgt_names.get(k)) for k in sources]
    labels = np.concatenate([y.numpy(), np.array([code_of[k] for k in ya.tolist()])])

    if thumbnails is True:
        thumbs = _thumbs(xt, True)
        if thumbs is not None:  # the attacked copies show their final adversarial image
            thumbs = torch.cat([thumbs, res.inputs[-1].float().clamp(0, 1)])
    elif thumbnails is None or thumbnails is False:
        thumbs = None
    else:
        thumbs = as_numpy(thumbnails, "thumbnails")
        if len(thumbs) == n:  # one per clean point: each attacked copy reuses its own
            thumbs = np.concatenate([thumbs, thumbs[src.numpy()]])

    preds = res.predictions
    success = (preds == ta) if targeted else (preds != ya)
    kwargs.setdefault("frame_labels", [f"step {t}" for t in range(n_steps)])
    # Each attacked copy wears its true class's colour (the selection ring tells them apart),
    # and the hover card follows its predicted class step by step.
    palette = [cls.PALETTE[k % len(cls.PALETTE)] for k in range(len(names))]
    kwargs.setdefault("class_colors", palette + [palette[k] for k in sources])
    clean_pred = clean_logits.argmax(1).to(torch.int32)
    kwargs.setdefault(
        "predictions",
        torch.cat([clean_pred.expand(n_steps, n), preds.to(torch.int32)], dim=1).numpy(),
    )
    tour = _finish(
        cls, frames, labels, all_names, dims=dims,
        dim_names=_dim_names(frames[0].shape[1], names, layer), thumbnails=thumbs, **kwargs,
    )  # fmt: skip
    tour.attack = trajectory
    tour.success_rate = success.float().mean(1).numpy()
    tour.attacked_indices = np.arange(n, n + m)
    tour.attacked_sources = src.numpy()
    tour.layer = layer
    if highlight:
        tour.selection = tour.attacked_indices.tolist()
    return tour
