"""Reading a network's intermediate activations with forward hooks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_bool, check_positive_int, unknown_name_error
from ._inputs import (
    as_model,
    as_tensors,
    check_input_shape,
    checked_forward,
    model_device,
    model_float_dtype,
    resolve_device,
    runnable_model,
)

__all__ = ["INPUT", "capture_activations", "layer_names"]

INPUT = "input"
"""The pseudo-layer name for the network's input (unless a submodule is called that)."""


def layer_names(model: nn.Module, *, leaves_only: bool = False) -> list[str]:
    """The names :func:`capture_activations` accepts for ``model``, in registration order.

    ``"input"`` comes first, then every submodule as ``model.named_modules()`` names it
    (the root module itself, named ``""``, is left out). With ``leaves_only``, modules
    that contain other modules are left out too.

    >>> from nbviz.models import LeNet300100
    >>> layer_names(LeNet300100(in_shape=(1, 8, 8)))
    ['input', 'flatten', 'fc1', 'relu1', 'fc2', 'relu2', 'logits']
    """
    model = as_model(model)
    leaves_only = check_bool(leaves_only, "leaves_only")
    names = [
        name
        for name, module in model.named_modules()
        if name and not (leaves_only and next(module.children(), None) is not None)
    ]
    return names if INPUT in names else [INPUT, *names]


def check_layer_names(model: nn.Module, layers) -> list[str]:
    """Validate ``layers`` (a name or list of names) for ``model``; return them, deduplicated."""
    if isinstance(layers, str):
        layers = [layers]
    if not isinstance(layers, Sequence) or not all(isinstance(n, str) for n in layers):
        raise TypeError(f"layers: expected a layer name or a list of names, got {layers!r}")
    if not layers:
        raise ValueError("layers: expected at least one layer name, got an empty list")
    valid = layer_names(model)
    known = set(valid)
    for name in layers:
        if name not in known:
            raise unknown_name_error("layer", name, valid, "layers")
    return list(dict.fromkeys(layers))  # drop repeats, keep order


def _capture_device(model: nn.Module, device) -> torch.device:
    if isinstance(device, str) and device == "auto":
        own = model_device(model)
        if own is not None:
            return own
    return resolve_device(device)


def _first_tensor(output, name: str) -> torch.Tensor:
    # Recurrent modules return (output, state); their first element is the activation.
    if isinstance(output, (tuple, list)) and output:
        output = output[0]
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"layers: {name!r} returned {type(output).__name__}, not a tensor")
    return output


def capture_activations(
    model: nn.Module,
    data,
    layers: str | Sequence[str],
    *,
    batch_size: int = 512,
    device="auto",
    flatten: bool = False,
    progress: bool = False,
) -> dict[str, torch.Tensor]:
    """Run ``data`` through ``model`` and return the outputs of the named ``layers``.

    The model runs in eval mode under ``torch.no_grad()``, in batches, with a forward
    hook on each requested module. Afterwards the hooks are removed, each module's
    train/eval flag is restored and the model is back on its own device, also when an
    error is raised.

    Args:
        model: any ``torch.nn.Module``.
        data: an ``ImageDataset``, a torch ``Dataset`` of ``(x, y)`` or ``x`` items, an
            ``(X, y)`` pair, or a tensor or array ``X`` of shape ``(N, ...)``. Labels are
            not used. Floating inputs are cast to the model's parameter dtype.
        layers: one name or a list of names from :func:`layer_names` (module paths as
            ``model.named_modules()`` gives them, and ``"input"``). A module that returns
            a tuple (an LSTM's ``(output, state)``) gives its first element.
        batch_size: items per forward pass; results do not depend on it.
        device: where to run; ``"auto"`` is the model's own device (CUDA when available
            for a model without parameters). Another device moves the model there for
            the capture and back afterwards.
        flatten: reshape each activation to ``(N, features)``.
        progress: show a tqdm bar over batches.

    Returns:
        ``{layer: tensor}`` in the order asked, each of shape ``(N, ...)`` on the CPU.

    Raises:
        TypeError: ``model`` is not a module, or ``layers``/``data`` of the wrong kind.
        ValueError: an unknown layer name (the message lists the closest ones), empty
            data, NaN or infinite inputs, inputs of the wrong shape for the model, a
            layer that does not run (or runs more than once) in a forward pass, or a
            model on the meta device (no weights to run).

    >>> from nbviz.data import digits
    >>> from nbviz.models import SmallCNN
    >>> acts = capture_activations(SmallCNN(in_shape=(1, 8, 8)), digits(), ["relu1", "fc1"])
    >>> acts["relu1"].shape, acts["fc1"].shape
    (torch.Size([1797, 16, 4, 4]), torch.Size([1797, 128]))
    """
    model = runnable_model(model)
    names = check_layer_names(model, layers)
    batch_size = check_positive_int(batch_size, "batch_size")
    flatten = check_bool(flatten, "flatten")
    progress = check_bool(progress, "progress")
    x, _ = as_tensors(data, "data", labels="ignore", dtype=model_float_dtype(model))
    check_input_shape(model, x, "data")
    device = _capture_device(model, device)

    modules = dict(model.named_modules())
    hooked = [name for name in names if name in modules]
    seen: dict[str, torch.Tensor] = {}
    repeated: set[str] = set()

    def hook_for(name):
        def hook(_module, _args, output):
            if name in seen:
                repeated.add(name)
            seen[name] = output

        return hook

    n = x.shape[0]
    results: dict[str, torch.Tensor] = {}
    modes = {module: module.training for module in model.modules()}
    home = model_device(model)
    moved = home is not None and home != device
    handles = []
    try:
        handles = [modules[name].register_forward_hook(hook_for(name)) for name in hooked]
        model.eval()
        if moved:
            model.to(device)
        starts = range(0, n, batch_size)
        with torch.no_grad():
            for start in tqdm(starts, desc="capture", unit="batch", disable=not progress):
                batch = x[start : start + batch_size].to(device)
                seen.clear()
                checked_forward(model, batch, "data")
                if repeated:
                    raise ValueError(
                        f"layers: {sorted(repeated)} ran more than once in one forward pass; "
                        "capture a module that runs once"
                    )
                for name in names:
                    if name in modules:
                        if name not in seen:
                            raise ValueError(
                                f"layers: {name!r} did not run in the model's forward pass"
                            )
                        out = _first_tensor(seen[name], name)
                    else:  # INPUT
                        out = batch
                    _store(results, name, out, start, n, len(batch), flatten)
    finally:
        for handle in handles:
            handle.remove()
        seen.clear()
        if moved:
            model.to(home)
        for module, mode in modes.items():
            module.training = mode
    return results


def _store(results, name, out, start, n, batch_len, flatten) -> None:
    """Copy one batch's activation into its preallocated CPU tensor."""
    if out.ndim == 0 or out.shape[0] != batch_len:
        raise ValueError(
            f"layers: the output of {name!r} has shape {tuple(out.shape)}; expected the batch "
            f"({batch_len} items) along its first dimension"
        )
    if flatten:
        out = out.reshape(batch_len, -1)
    if name not in results:
        results[name] = torch.empty((n, *out.shape[1:]), dtype=out.dtype)
    results[name][start : start + batch_len] = out.detach()
