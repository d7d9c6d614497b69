"""Adversarial attacks that keep their whole trajectory, for following points in the tour.

:func:`fgsm` and :func:`pgd` return an :class:`AttackResult` whose ``inputs`` hold every
step, ``[steps + 1, n, ...]`` with step 0 the clean inputs, plus each step's
predictions and per-example loss. :func:`attack_trajectory` adds a layer's activations
at every step. All examples are attacked at once (no loop over them); the model runs in
eval mode (its flags are restored) and gradients are taken with respect to the inputs
only, so the parameters' ``.grad`` are never touched. Results are on the CPU.

Untargeted attacks climb the cross-entropy of the true ``labels``; targeted ones
descend the cross-entropy of ``target``. Each step is projected back onto the
``eps``-ball around the clean input (L∞: element-wise clipping; L2: radial scaling),
then clamped to ``clamp``.

>>> import torch
>>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
>>> data, labels = torch.rand(5, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1])
>>> res = pgd(model, data, labels, eps=0.1, alpha=0.05, steps=3)
>>> res.inputs.shape, res.predictions.shape, res.loss.shape
(torch.Size([4, 5, 1, 2, 2]), torch.Size([4, 5]), torch.Size([4, 5]))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_bool, check_number, check_positive_int, check_seed, unknown_name_error
from ..models import capture_activations
from ..models._inputs import check_not_meta

__all__ = ["AttackResult", "AttackTrajectory", "attack_trajectory", "fgsm", "pgd"]

NORMS = ("linf", "l2")
METHODS = ("fgsm", "pgd")


@dataclass
class AttackResult:
    """Every step of an attack (step 0 is the clean input), on the CPU.

    Attributes:
        inputs: ``[steps + 1, n, ...]`` the inputs at each step.
        predictions: ``[steps + 1, n]`` the model's class at each step.
        loss: ``[steps + 1, n]`` the cross-entropy of the true labels at each step.
    """

    inputs: torch.Tensor
    predictions: torch.Tensor
    loss: torch.Tensor

    @property
    def final(self) -> torch.Tensor:
        """The adversarial inputs after the last step."""
        return self.inputs[-1]


@dataclass
class AttackTrajectory(AttackResult):
    """An :class:`AttackResult` plus ``activations``: ``[steps + 1, n, ...]`` at ``layer``."""

    layer: str = ""
    activations: torch.Tensor | None = None


def _model_device(model: nn.Module) -> torch.device:
    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def _prepare(model, data, labels, target, targeted, clamp):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_not_meta(model)
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"data: expected a torch.Tensor of inputs, got {type(data).__name__}")
    if data.ndim < 2 or not data.is_floating_point():
        raise ValueError(
            f"data: expected a floating batch (n, ...), got {data.dtype} {tuple(data.shape)}"
        )
    if not torch.isfinite(data).all():
        raise ValueError("data: contains NaN or infinite values")
    x = data
    n = x.shape[0]
    y = _labels(labels, n, "labels")
    targeted = check_bool(targeted, "targeted")
    if targeted:
        if target is None:
            raise ValueError("target: a targeted attack needs target classes")
        if isinstance(target, int) and not isinstance(target, bool):
            target = torch.full((n,), target, dtype=torch.long)
        target = _labels(target, n, "target")
    elif target is not None:
        raise ValueError("target: only used with targeted=True")
    if clamp is not None:
        if not isinstance(clamp, (tuple, list)) or len(clamp) != 2:
            raise TypeError(f"clamp: expected (low, high) or None, got {clamp!r}")
        lo, hi = check_number(clamp[0], "clamp[0]"), check_number(clamp[1], "clamp[1]")
        if lo >= hi:
            raise ValueError(f"clamp: expected low < high, got {clamp!r}")
        clamp = (lo, hi)
    device = _model_device(model)
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), x.dtype)
    x = x.detach().to(device=device, dtype=dtype)
    y = y.to(device)
    target = target.to(device) if target is not None else None
    return x, y, target, clamp


def _labels(labels, n: int, name: str) -> torch.Tensor:
    t = torch.as_tensor(labels)
    if t.ndim != 1 or len(t) != n:
        raise ValueError(f"{name}: expected {n} class labels (one per input), got {tuple(t.shape)}")
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name}: expected integer class labels, got {t.dtype}")
    return t.long()


def _check_logits(logits, *label_sets) -> None:
    if logits.ndim != 2:
        raise ValueError(f"model: expected logits of shape (n, classes), got {tuple(logits.shape)}")
    for labels, name in label_sets:
        if labels is not None and (labels.min() < 0 or labels.max() >= logits.shape[1]):
            raise ValueError(f"{name}: labels must lie in [0, {logits.shape[1]})")


def _loss_and_grad(model, x, labels):
    with torch.enable_grad():  # attacks work inside a caller's torch.no_grad() too
        x = x.clone().requires_grad_(True)
        logits = model(x)
        loss = F.cross_entropy(logits, labels, reduction="none")
        (grad,) = torch.autograd.grad(loss.sum(), x)
    return grad


@torch.no_grad()
def _evaluate(model, x, y):
    logits = model(x)
    return logits.argmax(1).cpu(), F.cross_entropy(logits, y, reduction="none").cpu()


def _project(adv, x, eps, norm, clamp):
    if norm == "linf":
        adv = torch.minimum(torch.maximum(adv, x - eps), x + eps)
    else:
        delta = adv - x
        radius = delta.flatten(1).norm(dim=1).clamp_min(1e-12)
        factor = (eps / radius).clamp(max=1.0).reshape(-1, *([1] * (x.ndim - 1)))
        adv = x + delta * factor
    if clamp is not None:
        adv = adv.clamp(*clamp)
    return adv


def _run(model, x, y, target, steps_fn, steps):
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            _check_logits(model(x[:1]), (y, "labels"), (target, "target"))
        pred, loss = _evaluate(model, x, y)
        inputs, preds, losses = [x.cpu()], [pred], [loss]
        adv = x
        for _ in range(steps):
            adv = steps_fn(adv)
            pred, loss = _evaluate(model, adv, y)
            inputs.append(adv.cpu())
            preds.append(pred)
            losses.append(loss)
    finally:
        for m, mode in modes.items():
            m.training = mode
    return AttackResult(torch.stack(inputs), torch.stack(preds), torch.stack(losses))


def pgd(
    model: nn.Module,
    data: torch.Tensor,
    labels,
    eps: float,
    alpha: float,
    steps: int,
    *,
    targeted: bool = False,
    target=None,
    random_start: bool = False,
    seed: int = 0,
    clamp: tuple[float, float] | None = (0.0, 1.0),
    norm: str = "linf",
) -> AttackResult:
    """Projected gradient descent (Madry et al.), keeping every step.

    Each step moves by ``alpha`` along the loss gradient's sign (``norm="linf"``) or
    its unit direction (``norm="l2"``), away from ``labels`` (untargeted) or towards
    ``target``, then projects onto the ``eps``-ball around ``data`` and into ``clamp``.

    Args:
        model: a classifier returning logits ``(n, classes)``.
        data: a tensor of inputs ``(n, ...)``; moved to the model's device.
        labels: the true labels ``(n,)``.
        eps: the ball's radius (> 0). alpha: the step size (> 0). steps: >= 1.
        targeted: move towards ``target`` (an int or ``(n,)`` labels) instead.
        random_start: start from a uniform point in the L∞ box (or L2 ball's box,
            then projected), drawn with ``seed``.
        clamp: the valid input range, or ``None``.
        norm: ``"linf"`` or ``"l2"``.

    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    >>> data, labels = torch.rand(5, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1])
    >>> r = pgd(model, data, labels, eps=0.1, alpha=0.05, steps=2, random_start=True)
    >>> bool(((r.final - data).abs() <= 0.1 + 1e-6).all())
    True
    """
    eps = check_number(eps, "eps", positive=True)
    alpha = check_number(alpha, "alpha", positive=True)
    steps = check_positive_int(steps, "steps")
    if not isinstance(norm, str) or norm not in NORMS:
        raise unknown_name_error("norm", str(norm), NORMS, "norm")
    seed = check_seed(seed)
    random_start = check_bool(random_start, "random_start")
    x, y, target, clamp = _prepare(model, data, labels, target, targeted, clamp)
    goal = target if targeted else y
    direction = -1.0 if targeted else 1.0
    start = [random_start]

    def step(adv):
        if start[0]:
            start[0] = False
            gen = torch.Generator(device=x.device).manual_seed(seed)
            noise = torch.rand(x.shape, generator=gen, device=x.device, dtype=x.dtype)
            adv = _project(x + (2 * noise - 1) * eps, x, eps, norm, clamp)
        grad = _loss_and_grad(model, adv, goal)
        if norm == "linf":
            move = grad.sign()
        else:
            move = grad / grad.flatten(1).norm(dim=1).clamp_min(1e-12).reshape(
                -1, *([1] * (x.ndim - 1))
            )
        return _project(adv.detach() + direction * alpha * move, x, eps, norm, clamp)

    return _run(model, x, y, target, step, steps)


def fgsm(
    model: nn.Module,
    data: torch.Tensor,
    labels,
    eps: float,
    *,
    targeted: bool = False,
    target=None,
    clamp: tuple[float, float] | None = (0.0, 1.0),
) -> AttackResult:
    """The fast gradient sign method: one step of size ``eps`` (Goodfellow et al.).

    Equivalent to :func:`pgd` with ``alpha=eps, steps=1`` and no random start; the
    result holds the clean and the adversarial inputs (``inputs.shape[0] == 2``).

    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    >>> r = fgsm(model, torch.rand(5, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1]), eps=0.1)
    >>> r.inputs.shape[0]
    2
    """
    return pgd(
        model, data, labels, eps, eps, 1, targeted=targeted, target=target, clamp=clamp, norm="linf"
    )


def attack_trajectory(
    model: nn.Module, data: torch.Tensor, labels, layer: str, method: str = "pgd", **kwargs
) -> AttackTrajectory:
    """Run :func:`fgsm` or :func:`pgd` and capture ``layer``'s activations at every step.

    ``kwargs`` go to the attack (``eps``, ``alpha``, ``steps``, ...). ``activations``
    has shape ``[steps + 1, n, ...]`` (the layer's own shape per item).

    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    >>> t = attack_trajectory(model, torch.rand(5, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1]),
    ...                       "1", method="fgsm", eps=0.1)
    >>> t.activations.shape
    torch.Size([2, 5, 3])
    """
    if not isinstance(method, str) or method not in METHODS:
        raise unknown_name_error("attack method", str(method), METHODS, "method")
    if not isinstance(layer, str):
        raise TypeError(f"layer: expected a layer name, got {layer!r}")
    attack = fgsm if method == "fgsm" else pgd
    res = attack(model, data, labels, **kwargs)
    steps, n = res.inputs.shape[:2]
    flat = res.inputs.reshape(steps * n, *res.inputs.shape[2:])
    acts = capture_activations(model, flat, layer)[layer]
    return AttackTrajectory(
        inputs=res.inputs,
        predictions=res.predictions,
        loss=res.loss,
        layer=layer,
        activations=acts.reshape(steps, n, *acts.shape[1:]),
    )
