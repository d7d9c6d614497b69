"""Layer-wise relevance propagation through Captum, with the rules chosen per layer type.

Captum's ``LRP`` reads a ``rule`` from each leaf module. :func:`lrp_attribute` works on a
copy of the model (BatchNorm folded first, :func:`~nbviz.attribution.fold_batchnorm`)
and gives its layers the rules of a composite (:data:`COMPOSITES`):

* ``"epsilon"``: the epsilon rule everywhere (LRP-ε; with ε → 0 on a ReLU network it
  equals input × gradient);
* ``"epsilon-plus"``: the z⁺ rule (Captum's ``Alpha1_Beta0_Rule``) on convolutions,
  epsilon on the dense layers (Kohlbrenner et al.'s "EpsilonPlus");
* ``"epsilon-gamma"``: the gamma rule on convolutions, epsilon on the dense layers;
* ``"epsilon-gamma-box"``: as ``"epsilon-gamma"``, with the z^B rule on the first
  layer (:class:`~nbviz.attribution.rules.BoxRule`, inputs in ``[low, high]``);
* ``"alpha2-beta1"``: the α-β rule with α = 2, β = 1 on every convolution and dense
  layer (:class:`~nbviz.attribution.rules.AlphaBetaRule`).

Layers that only reshape (``Flatten``, ``Unflatten``, ``Identity``) pass relevance on
unchanged. Before attributing, the model is checked for what Captum's LRP cannot see: a
leaf module it has no rule for, the same module used twice, or a skip connection (two
tensors added or concatenated in ``forward``); each is a clear error, never a wrong
heatmap.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Linear(4, 3, bias=False), nn.ReLU(), nn.Linear(3, 2, bias=False))
>>> x = torch.rand(5, 4)
>>> r = lrp_attribute(net, x, torch.zeros(5, dtype=torch.long), epsilon=1e-9)
>>> bool(torch.allclose(r.sum(1), net(x)[:, 0], atol=1e-5))   # relevance is conserved
True
"""

from __future__ import annotations

import copy
import operator
import threading
import weakref

import torch
from torch import fx, nn

from .._checks import unknown_name_error
from ..models._inputs import weights_version
from .canonize import fold_batchnorm

__all__ = [
    "COMPOSITES",
    "COMPOSITE_RULES",
    "LAYER_TYPES",
    "RULES",
    "layer_rules",
    "lrp_attribute",
    "lrp_problems",
    "prepare_lrp",
]

#: The rule sets :func:`lrp_attribute` knows (see the module docstring).
COMPOSITES = ("epsilon", "epsilon-plus", "epsilon-gamma", "epsilon-gamma-box", "alpha2-beta1")

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_DENSE = (nn.Linear,)
_EPSILON_ONLY = (
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
    nn.BatchNorm2d,
)  # fmt: skip
_PASS = (nn.Flatten, nn.Unflatten, nn.Identity)
_ACTIVATIONS = (nn.ReLU, nn.Dropout, nn.Tanh)
_SKIPS = {operator.add, operator.iadd, torch.add, torch.cat, torch.stack}


def _leaves(model: nn.Module):
    return [(n, m) for n, m in model.named_modules() if not list(m.children())]


def lrp_problems(model: nn.Module) -> list[str]:
    """What keeps Captum's LRP from explaining ``model`` faithfully, one line per problem
    (empty: none found). Checked: leaf modules without a rule, modules called twice and
    skip connections (when ``torch.fx`` can trace the forward).

    >>> lrp_problems(nn.Sequential(nn.Linear(2, 2), nn.Softplus()))
    ["layer '1' (Softplus) has no LRP rule"]
    """
    problems = []
    known = _CONV + _DENSE + _EPSILON_ONLY + _PASS + _ACTIVATIONS
    for name, m in _leaves(model):
        if name and not isinstance(m, known):
            problems.append(f"layer {name!r} ({type(m).__name__}) has no LRP rule")
    try:
        graph = fx.symbolic_trace(model).graph
    except Exception:  # a forward fx cannot trace: only the leaf check applies
        return problems
    calls: dict[str, int] = {}
    for node in graph.nodes:
        if node.op == "call_module":
            calls[node.target] = calls.get(node.target, 0) + 1
        tensors = [a for a in node.args if isinstance(a, fx.Node)]
        if node.args and isinstance(node.args[0], (list, tuple)):
            tensors += [a for a in node.args[0] if isinstance(a, fx.Node)]
        skip = (node.op == "call_function" and node.target in _SKIPS) or (
            node.op == "call_method" and node.target in ("add", "add_")
        )
        if skip and len(tensors) >= 2:
            problems.append(
                f"the forward joins two tensors at {node.name!r} (a skip connection): "
                "Captum's LRP does not split relevance between the branches"
            )
    problems += [
        f"layer {name!r} is called {k} times in the forward" for name, k in calls.items() if k > 1
    ]
    return problems


#: The rules a layer type can take (:func:`lrp_attribute`'s ``rules``).
RULES = ("epsilon", "gamma", "z-plus", "alpha2-beta1", "box")
#: The layer types rules are set for: the first layer the forward calls (``None``: its
#: type's rule), the convolutions, the dense layers.
LAYER_TYPES = ("first", "conv", "dense")
#: Each composite's rule per layer type.
COMPOSITE_RULES = {
    "epsilon": {"first": None, "conv": "epsilon", "dense": "epsilon"},
    "epsilon-plus": {"first": None, "conv": "z-plus", "dense": "epsilon"},
    "epsilon-gamma": {"first": None, "conv": "gamma", "dense": "epsilon"},
    "epsilon-gamma-box": {"first": "box", "conv": "gamma", "dense": "epsilon"},
    "alpha2-beta1": {"first": None, "conv": "alpha2-beta1", "dense": "alpha2-beta1"},
}


def _rule_factory(name: str, epsilon: float, gamma: float, low: float, high: float):
    from captum.attr._utils.lrp_rules import Alpha1_Beta0_Rule, EpsilonRule, GammaRule

    from .rules import AlphaBetaRule, BoxRule

    return {
        "epsilon": lambda: EpsilonRule(epsilon),
        "gamma": lambda: GammaRule(gamma),
        "z-plus": Alpha1_Beta0_Rule,
        "alpha2-beta1": lambda: AlphaBetaRule(2.0, 1.0),
        "box": lambda: BoxRule(low, high),
    }[name]


def layer_rules(composite: str = "epsilon", rules=None) -> dict:
    """The rule per layer type of ``composite``, with ``rules`` (a dict, layer type →
    rule name) replacing some of them.

    >>> layer_rules("epsilon-plus", {"first": "box"})
    {'first': 'box', 'conv': 'z-plus', 'dense': 'epsilon'}
    """
    if composite not in COMPOSITES:
        raise unknown_name_error("composite", str(composite), COMPOSITES, "composite")
    out = dict(COMPOSITE_RULES[composite])
    for kind, name in (rules or {}).items():
        if kind not in LAYER_TYPES:
            raise unknown_name_error("layer type", str(kind), LAYER_TYPES, "rules")
        if name is not None and name not in RULES:
            raise unknown_name_error("rule", str(name), RULES, "rules")
        out[kind] = name
    return out


def _rules(chosen: dict, epsilon: float, gamma: float, low: float, high: float):
    from captum.attr._utils.lrp_rules import EpsilonRule

    make = lambda name: None if name is None else _rule_factory(name, epsilon, gamma, low, high)  # noqa: E731
    return {
        "conv": make(chosen["conv"]),
        "dense": make(chosen["dense"]),
        "first": make(chosen["first"]),
        "other": lambda: EpsilonRule(epsilon),
        # A reshape's own z is its input: the epsilon rule with a vanishing ε hands each
        # value's relevance straight back (Captum's IdentityRule breaks on a reshape).
        "pass": lambda: EpsilonRule(1e-9),
    }


def _first_layer(model: nn.Module, data: torch.Tensor) -> nn.Module | None:
    """The first convolution or dense layer a forward pass calls."""
    order: list[nn.Module] = []
    hooks = [m.register_forward_pre_hook(lambda mod, _i: order.append(mod))
             for _, m in _leaves(model) if isinstance(m, _CONV + _DENSE)]  # fmt: skip
    try:
        with torch.no_grad():
            model(data[:1])
    finally:
        for h in hooks:
            h.remove()
    return order[0] if order else None


def lrp_attribute(
    model: nn.Module,
    data: torch.Tensor,
    target: torch.Tensor,
    *,
    composite: str = "epsilon",
    rules=None,
    epsilon: float = 1e-6,
    gamma: float = 0.25,
    low: float = 0.0,
    high: float = 1.0,
    canonize: bool = True,
) -> torch.Tensor:
    """LRP relevance of class ``target[i]`` over each input ``data[i]`` (same shape as
    ``data``), under the rules of ``composite`` (:data:`COMPOSITE_RULES`), some replaced
    by ``rules`` (layer type → one of :data:`RULES`, see :func:`layer_rules`); ``model``
    is left unchanged. ``low`` and ``high`` bound the inputs for the box rule.

    Raises:
        ValueError: an unknown composite, or :func:`lrp_problems` found a layer or a
            connection LRP cannot explain (the message lists them and the methods that
            still work).
    """
    from captum.attr import LRP

    chosen = layer_rules(composite, rules)
    work, lock = _checked_copy(model, bool(canonize))
    x = data.detach().clone().requires_grad_(True)
    with lock:  # one attribution at a time on the shared copy
        _attach_rules(work, data, chosen, epsilon, gamma, low, high)
        return LRP(work).attribute(x, target=target).detach()


#: The checked, canonized copy of each model, while the model's weights are unchanged.
_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COPIES_LOCK = threading.Lock()


def _checked_copy(model: nn.Module, canonize: bool) -> tuple[nn.Module, threading.Lock]:
    """``model`` checked by :func:`lrp_problems` and copied (BatchNorm folded with
    ``canonize``), once per state of its weights: the check traces the forward, and the
    copy costs as much as the model, so a second batch on the same weights reuses both.
    Returns the copy and the lock that keeps two attributions off it at once."""
    key = (canonize, weights_version(model))
    with _COPIES_LOCK:
        hit = _COPIES.get(model)
    if hit is not None and hit[0] == key:
        return hit[1], hit[2]
    problems = lrp_problems(model)
    if problems:
        from .methods import GRADIENT_METHODS

        raise ValueError(
            "method: lrp cannot explain this model: "
            + "; ".join(problems)
            + f". These methods still work: {', '.join(GRADIENT_METHODS)}"
        )
    work = fold_batchnorm(model) if canonize else model
    if work is model:
        work = copy.deepcopy(model)
    work.eval()
    lock = threading.Lock()
    with _COPIES_LOCK:
        _COPIES[model] = (key, work, lock)
    return work, lock


def prepare_lrp(
    model: nn.Module,
    data: torch.Tensor,
    *,
    composite: str = "epsilon",
    rules=None,
    epsilon: float = 1e-6,
    gamma: float = 0.25,
    low: float = 0.0,
    high: float = 1.0,
    canonize: bool = True,
) -> nn.Module:
    """The copy of ``model`` :func:`lrp_attribute` runs Captum's ``LRP`` on: checked
    (:func:`lrp_problems`), BatchNorm folded, each layer's ``rule`` set (``data``: a
    batch the forward takes, to find the first layer). Captum's ``LRP`` deletes the rules
    when an attribution ends, so a prepared copy explains one call of
    ``captum.attr.LRP(prepared).attribute``. The copy is kept while the model's weights
    stay as they are (the next call sets its rules again); training the model makes a
    new one.

    >>> from torch import nn
    >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> work = prepare_lrp(net, torch.rand(1, 4), composite="epsilon-gamma-box")
    >>> type(work[0].rule).__name__, hasattr(net[0], "rule")
    ('BoxRule', False)
    """
    chosen = layer_rules(composite, rules)
    work, _ = _checked_copy(model, bool(canonize))
    _attach_rules(work, data, chosen, epsilon, gamma, low, high)
    return work


def _attach_rules(work: nn.Module, data, chosen: dict, epsilon, gamma, low, high) -> None:
    """Set each leaf's ``rule`` on ``work`` from ``chosen`` (:func:`layer_rules`)."""
    made = _rules(chosen, float(epsilon), float(gamma), float(low), float(high))
    first = _first_layer(work, data) if made["first"] is not None else None
    for _, m in _leaves(work):
        if m is first:
            m.rule = made["first"]()
            continue
        kind = (
            "conv" if isinstance(m, _CONV) else "dense" if isinstance(m, _DENSE)
            else "pass" if isinstance(m, _PASS) else None if isinstance(m, _ACTIVATIONS)
            else "other"
        )  # fmt: skip
        if kind is not None:
            m.rule = made[kind]()
