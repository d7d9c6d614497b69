"""Objectives: small composable scores ``obj(activations) -> (batch,)`` over captured layers.

An objective names the layers it reads (``obj.layers``: module paths as
``model.named_modules()`` gives them, plus ``"input"`` and ``"output"`` for the network's
input and output) and maps ``{layer: activation}`` to one score per batch row. Objectives
add, subtract and scale (``2 * a - b``), as in lucid/lucent's and captum's optim.

A *group* objective (:func:`neurons`, :func:`channels`) scores each row on its own unit:
the batch is cut into ``n_groups`` contiguous blocks (row ``i`` is in group
``i * n_groups // batch``), so one batch of chains samples many neurons at once, with no
Python loop over chains. :func:`capture` runs a model with forward hooks and returns the
activations (with their autograd graph), and :meth:`Objective.validate` checks an
objective against a model before a long run (unknown layer, unit out of range).

>>> import torch
>>> from nbviz.models import LeNet300100
>>> model = LeNet300100(in_shape=(1, 8, 8))
>>> obj = 2 * neuron("fc1", 3) - channel("fc2", 0)
>>> activations = capture(model, torch.zeros(4, 1, 8, 8), obj.layers)
>>> obj(activations).shape
torch.Size([4])
>>> neurons("fc1", [0, 5, 7]).n_groups
3
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from .._checks import unknown_name_error
from ..models._inputs import resolve_device
from ..models.capture import INPUT, layer_names

__all__ = [
    "INPUT",
    "OUTPUT",
    "Objective",
    "capture",
    "channel",
    "channels",
    "class_logit",
    "class_logits",
    "custom",
    "default_groups",
    "direction",
    "l2",
    "neuron",
    "neurons",
    "objective_layers",
    "total_variation",
]

OUTPUT = "output"
"""The pseudo-layer name for the model's output (unless a submodule is called that)."""


def default_groups(batch: int, n_groups: int, device="auto") -> torch.Tensor:
    """The group of each of ``batch`` rows: contiguous blocks, ``i * n_groups // batch``.

    ``device``: ``"auto"`` (CUDA when present, else the CPU) or a torch device.

    >>> default_groups(6, 3, device="cpu").tolist()
    [0, 0, 1, 1, 2, 2]
    """
    return torch.arange(batch, device=resolve_device(device)) * n_groups // batch


def objective_layers(model: nn.Module) -> list[str]:
    """The layer names an objective may read on ``model``: ``input``, modules, ``output``.

    >>> objective_layers(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    ['input', '0', '1', 'output']
    """
    names = layer_names(model)
    return names if OUTPUT in names else [*names, OUTPUT]


def capture(model: nn.Module, data: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
    """Run ``model(data)`` once (a batch of inputs) and return ``{layer: activation}``.

    Gradients flow through the returned tensors (no ``no_grad`` here). ``"input"`` is
    ``data`` and ``"output"`` the model's output, unless submodules carry those names. A
    module that returns a tuple gives its first element; one that runs twice in a pass
    gives its last output. Unknown names raise ``ValueError`` with the closest ones.

    >>> found = capture(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), torch.ones(5, 2), ["0"])
    >>> found["0"].shape
    torch.Size([5, 3])
    """
    layers = list(dict.fromkeys(layers))
    modules = dict(model.named_modules())
    for name in layers:
        if name not in modules and name not in (INPUT, OUTPUT):
            raise unknown_name_error("layer", name, objective_layers(model), "layer")
    seen: dict[str, torch.Tensor] = {}

    def hook_for(name):
        def hook(_module, _args, output):
            if isinstance(output, (tuple, list)) and output:
                output = output[0]
            seen[name] = output

        return hook

    hooked = [n for n in layers if n in modules and n != ""]
    handles = [modules[n].register_forward_hook(hook_for(n)) for n in hooked]
    try:
        out = model(data)
    finally:
        for h in handles:
            h.remove()
    found = {}
    for name in layers:
        if name in seen:
            found[name] = seen[name]
        elif name == INPUT and name not in modules:
            found[name] = data
        elif (name == OUTPUT and name not in modules) or name == "":
            found[name] = out[0] if isinstance(out, (tuple, list)) else out
        else:
            raise ValueError(f"layer: {name!r} did not run in the model's forward pass")
    return found


def _layer(layer) -> str:
    if not isinstance(layer, str):
        raise TypeError(f"layer: expected a layer name (str), got {type(layer).__name__}")
    return layer


def _index(value, arg: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{arg}: expected an integer index, got {value!r}")
    if value < 0:
        raise ValueError(f"{arg}: expected an index >= 0, got {value}")
    return int(value)


class Objective:
    """Base class: a score per batch row from captured activations.

    Subclasses set ``layers`` (a tuple of names), ``n_groups`` (1 for a plain objective)
    and implement ``score(activations, groups)`` (``activations``: ``{layer: tensor}``, as
    :func:`capture` gives it); ``check(activations)`` raises ``ValueError`` for an
    activation the objective cannot read (a unit out of range). Calling an objective
    runs ``score`` with ``groups`` defaulting to :func:`default_groups`.

    >>> obj = neuron("fc", 1) + 0.5 * neuron("fc", 2)
    >>> obj({"fc": torch.tensor([[0.0, 2.0, 4.0]])}).tolist()
    [4.0]
    """

    layers: tuple[str, ...] = ()
    n_groups: int = 1
    name: str = "objective"

    def score(self, activations: dict, groups: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def check(self, activations: dict) -> None:
        """Raise ``ValueError`` if the activations do not fit (by default, nothing)."""

    def __call__(self, activations: dict, groups: torch.Tensor | None = None) -> torch.Tensor:
        first = next(iter(activations.values()), None)
        if groups is None:
            batch, device = (1, "cpu") if first is None else (first.shape[0], first.device)
            groups = default_groups(batch, self.n_groups, device)
        return self.score(activations, groups)

    def validate(self, model: nn.Module, example: torch.Tensor) -> None:
        """Check the layer names and unit indices against ``model`` run on ``example``.

        >>> from nbviz.models import LeNet300100
        >>> neuron("fc1", 300).validate(LeNet300100(in_shape=(1, 8, 8)), torch.zeros(1, 1, 8, 8))
        Traceback (most recent call last):
        ...
        ValueError: unit: 300 is out of range for layer 'fc1' of width 300 (units 0..299)
        """
        valid = set(objective_layers(model))
        for name in self.layers:
            if name not in valid:
                raise unknown_name_error("layer", name, objective_layers(model), "layer")
        with torch.no_grad():
            found = capture(model, example, self.layers)
        self.check(found)

    # arithmetic -----------------------------------------------------------------------
    def _terms(self):
        return [(1.0, self)]

    def __add__(self, other):
        if isinstance(other, numbers.Real):
            return _Sum([*self._terms()], float(other))
        if not isinstance(other, Objective):
            return NotImplemented
        return _Sum([*self._terms(), *other._terms()], self._const() + other._const())

    def __radd__(self, other):
        return self.__add__(other)

    def __mul__(self, k):
        if not isinstance(k, numbers.Real) or isinstance(k, bool):
            return NotImplemented
        return _Sum([(c * float(k), o) for c, o in self._terms()], self._const() * float(k))

    __rmul__ = __mul__

    def __truediv__(self, k):
        if not isinstance(k, numbers.Real) or isinstance(k, bool):
            return NotImplemented
        return self * (1.0 / float(k))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def _const(self) -> float:
        return 0.0

    def __repr__(self) -> str:
        return self.name


class _Sum(Objective):
    def __init__(self, terms, const: float = 0.0):
        self.terms = terms
        self.constant = const
        groups = {o.n_groups for _, o in terms if o.n_groups > 1}
        if len(groups) > 1:
            raise ValueError(
                f"objectives: cannot combine group objectives of {sorted(groups)} groups; "
                "combined group objectives must have the same number of units"
            )
        self.n_groups = groups.pop() if groups else 1
        self.layers = tuple(dict.fromkeys(n for _, o in terms for n in o.layers))
        parts = [f"{c:g} * {o!r}" for c, o in terms]
        self.name = " + ".join(parts) + (f" + {const:g}" if const else "")

    def _terms(self):
        return list(self.terms)

    def _const(self):
        return self.constant

    def score(self, activations, groups):
        total = None
        for c, o in self.terms:
            s = c * o.score(activations, groups)
            total = s if total is None else total + s
        return total + self.constant if self.constant else total

    def check(self, activations):
        for _, o in self.terms:
            o.check(activations)


class _Units(Objective):
    """One unit per group of a layer: at a spatial position, or averaged over space."""

    def __init__(self, layer, units, row=None, column=None, mean=False, name=""):
        self.layer = _layer(layer)
        self.layers = (self.layer,)
        if isinstance(units, numbers.Integral) and not isinstance(units, bool):
            units = [units]
        if not isinstance(units, Sequence) and not isinstance(units, torch.Tensor):
            raise TypeError(f"units: expected a list of integer indices, got {units!r}")
        self.units = [_index(u, "unit") for u in list(units)]
        if not self.units:
            raise ValueError("units: expected at least one unit index, got an empty list")
        self.n_groups = len(self.units)
        self.row = None if row is None else _index(row, "row")
        self.column = None if column is None else _index(column, "column")
        self.mean = mean
        self.name = name
        self._cache: dict = {}

    def _units_on(self, device):
        t = self._cache.get(device)
        if t is None:
            t = self._cache[device] = torch.tensor(self.units, device=device)
        return t

    def _per_unit(self, act: torch.Tensor) -> torch.Tensor:
        """(B, C): each unit's value (at the position, or spatially averaged)."""
        if act.ndim == 2:
            return act
        if act.ndim < 2:
            raise ValueError(
                f"layer: {self.layer!r} gives shape {tuple(act.shape)}; expected (N, C, ...)"
            )
        if self.mean:
            return act.flatten(2).mean(2)
        if act.ndim == 4:
            h, w = act.shape[2:]
            row = h // 2 if self.row is None else self.row
            column = w // 2 if self.column is None else self.column
            return act[:, :, row, column]
        flat = act.flatten(2)
        pos = flat.shape[2] // 2 if self.column is None else self.column
        return flat[:, :, pos]

    def score(self, activations, groups):
        per = self._per_unit(activations[self.layer])
        if self.n_groups == 1:
            return per[:, self.units[0]]
        idx = self._units_on(per.device)[groups]
        return per.gather(1, idx[:, None])[:, 0]

    def check(self, activations):
        act = activations[self.layer]
        if act.ndim < 2:
            raise ValueError(
                f"layer: {self.layer!r} gives shape {tuple(act.shape)}; expected (N, C, ...)"
            )
        width = act.shape[1]
        for u in self.units:
            if u >= width:
                raise ValueError(
                    f"unit: {u} is out of range for layer {self.layer!r} of width {width} "
                    f"(units 0..{width - 1})"
                )
        if act.ndim == 4 and not self.mean:
            h, w = act.shape[2:]
            if self.column is not None and self.column >= w:
                raise ValueError(
                    f"column: {self.column} is out of range for {self.layer!r} of width {w}"
                )
            if self.row is not None and self.row >= h:
                raise ValueError(
                    f"row: {self.row} is out of range for {self.layer!r} of height {h}"
                )
        elif act.ndim == 2 and (self.row is not None or self.column is not None):
            raise ValueError(
                f"row, column: layer {self.layer!r} has no spatial positions "
                f"(shape {tuple(act.shape)})"
            )


def neuron(
    layer: str, unit: int, *, row: int | None = None, column: int | None = None
) -> Objective:
    """Unit ``unit`` of ``layer``: a linear layer's output, or a conv unit at a position.

    For an ``(N, C, H, W)`` activation, ``row`` and ``column`` index ``H`` and ``W``;
    left out, they default to the centre (``H // 2``, ``W // 2``), as lucid does. (For
    ``(N, C, L)``, ``column`` indexes ``L``.)

    >>> conv = {"conv": torch.arange(8.0).reshape(1, 2, 2, 2)}
    >>> neuron("conv", 1, row=1, column=0)(conv).tolist()
    [6.0]
    """
    return _Units(layer, [unit], row, column, name=f"neuron({layer!r}, {unit})")


def neurons(
    layer: str, units: Sequence[int], *, row: int | None = None, column: int | None = None
) -> Objective:
    """One chain group per unit: row ``i`` of a batch is scored on its group's unit.

    ``row`` and ``column`` as for :func:`neuron`.

    >>> neurons("fc", [2, 0])({"fc": torch.tensor([[1.0, 2, 3], [4, 5, 6]])}).tolist()
    [3.0, 4.0]
    """
    return _Units(layer, units, row, column, name=f"neurons({layer!r}, {list(units)})")


def channel(layer: str, c: int) -> Objective:
    """Channel ``c`` of ``layer`` averaged over its spatial positions (a unit if none).

    >>> channel("conv", 1)({"conv": torch.arange(8.0).reshape(1, 2, 2, 2)}).tolist()
    [5.5]
    """
    return _Units(layer, [c], mean=True, name=f"channel({layer!r}, {c})")


def channels(layer: str, cs: Sequence[int]) -> Objective:
    """One chain group per channel (spatial means), as :func:`neurons` does for units.

    >>> channels("conv", [0, 1]).n_groups
    2
    """
    return _Units(layer, cs, mean=True, name=f"channels({layer!r}, {list(cs)})")


def class_logit(k: int) -> Objective:
    """The model's output ``k`` (its class-``k`` logit).

    >>> class_logit(1)({"output": torch.tensor([[0.5, -1.0]])}).tolist()
    [-1.0]
    """
    return _Units(OUTPUT, [k], name=f"class_logit({k})")


def class_logits(ks: Sequence[int]) -> Objective:
    """One chain group per class logit.

    >>> class_logits([0, 1, 2]).n_groups
    3
    """
    return _Units(OUTPUT, ks, name=f"class_logits({list(ks)})")


class _Direction(Objective):
    def __init__(self, layer, vector):
        self.layer = _layer(layer)
        self.layers = (self.layer,)
        v = torch.as_tensor(vector).detach()
        if not v.is_floating_point():
            v = v.float()
        if v.ndim == 0 or not bool(torch.isfinite(v).all()):
            raise ValueError("vector: expected a finite tensor with at least one dimension")
        self.vector = v
        self.name = f"direction({layer!r}, <{tuple(v.shape)}>)"
        self._cache: dict = {}

    def _v(self, act):
        key = (act.device, act.dtype)
        v = self._cache.get(key)
        if v is None:
            v = self._cache[key] = self.vector.to(device=act.device, dtype=act.dtype)
        return v

    def score(self, activations, groups):
        act = activations[self.layer]
        v = self._v(act)
        if v.numel() == act[0].numel():
            return act.reshape(len(act), -1) @ v.reshape(-1)
        # a channel direction: dot product at each position, averaged over positions
        return torch.einsum("nc...,c->n...", act, v.reshape(-1)).reshape(len(act), -1).mean(1)

    def check(self, activations):
        act = activations[self.layer]
        full = act[0].numel()
        chans = act.shape[1] if act.ndim > 2 else full
        if self.vector.numel() not in (full, chans):
            raise ValueError(
                f"vector: has {self.vector.numel()} entries; layer {self.layer!r} has "
                f"{chans} channels and {full} values per item (shape {tuple(act.shape[1:])})"
            )


def direction(layer: str, vector) -> Objective:
    """The dot product of ``layer``'s activation with ``vector``.

    ``vector`` has one entry per value of the activation (a full dot product) or one per
    channel of an ``(N, C, ...)`` activation (the dot product at every position,
    averaged over positions, as lucid's ``direction``). It is not normalized.

    >>> direction("fc", [1.0, -1.0])({"fc": torch.tensor([[3.0, 1.0]])}).tolist()
    [2.0]
    """
    return _Direction(layer, vector)


class _Custom(Objective):
    def __init__(self, layer, fn, name):
        if not callable(fn):
            raise TypeError(f"fn: expected a callable act -> (batch,) scores, got {fn!r}")
        self.layers = (_layer(layer),)
        self.fn = fn
        self.name = name or f"custom({layer!r})"

    def score(self, activations, groups):
        out = self.fn(activations[self.layers[0]])
        if not isinstance(out, torch.Tensor) or out.ndim != 1:
            raise ValueError(
                f"fn: {self.name} must return a 1-D tensor (one score per row), got "
                f"{getattr(out, 'shape', type(out).__name__)}"
            )
        return out


def custom(layer: str, fn: Callable[[torch.Tensor], torch.Tensor], name: str | None = None):
    """Any differentiable ``fn(activation) -> (batch,)`` on one layer.

    >>> mu = torch.tensor([1.0, 2.0])
    >>> quad = custom("input", lambda a: -0.5 * ((a - mu) ** 2).sum(1), "quadratic")
    >>> quad({"input": torch.tensor([[1.0, 0.0]])}).tolist()
    [-2.0]
    """
    return _Custom(layer, fn, name)


def l2(layer: str = INPUT, center=None) -> Objective:
    """``||act - center||²`` per row (``center`` 0 by default); subtract it as a penalty.

    >>> (-0.5 * l2("input"))({"input": torch.tensor([[3.0, 4.0]])}).tolist()
    [-12.5]
    """
    c = None if center is None else torch.as_tensor(center)

    def fn(a):
        d = a if c is None else a - c.to(device=a.device, dtype=a.dtype)
        return d.reshape(len(a), -1).pow(2).sum(1)

    return _Custom(layer, fn, f"l2({layer!r})")


def total_variation(layer: str = INPUT) -> Objective:
    """Total variation of an image batch ``(N, C, H, W)``: sum of absolute neighbour steps.

    >>> total_variation()({"input": torch.tensor([[[[0.0, 1.0], [1.0, 1.0]]]])}).tolist()
    [2.0]
    """

    def fn(a):
        dh = (a[..., 1:, :] - a[..., :-1, :]).abs().reshape(len(a), -1).sum(1)
        dw = (a[..., :, 1:] - a[..., :, :-1]).abs().reshape(len(a), -1).sum(1)
        return dh + dw

    return _Custom(layer, fn, f"total_variation({layer!r})")
