"""Alerts from a training run's records: dead ReLU units, exploding and vanishing
gradients, and the first NaN or infinity.

>>> import numpy as np
>>> steps = np.arange(1, 61)
>>> norms = {"fc.weight": (steps, np.r_[np.ones(40), np.full(20, 50.0)])}
>>> [a.message for a in find_alerts(steps_done=60, grad_norms=norms)]
['gradient norm 50 at step 41: 50× its median over the 40 steps before']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ALERT_KINDS", "Alert", "find_alerts"]

#: What an alert can be about.
ALERT_KINDS = ("dead_units", "exploding", "vanishing", "nan")

#: Steps before a gradient norm that its median is taken over (exploding gradients).
HISTORY = 50

#: Steps a vanishing gradient must stay small over.
RECENT = 10


@dataclass(frozen=True)
class Alert:
    """One thing a training run's records warn about.

    Attributes:
        kind: one of :data:`ALERT_KINDS`.
        tag: the record it concerns: ``activation/<layer>`` (dead units),
            ``grad/<parameter>`` (gradients), or the scalar tag that went non-finite.
        layer: the module it concerns (``fc1`` for ``fc1.weight``; ``""`` for a scalar).
        step: the step it was seen at (the first, for exploding gradients and NaN).
        message: what to tell the user.

    >>> Alert("nan", "loss", "", 12, "loss is nan at step 12").layer
    ''
    """

    kind: str
    tag: str
    layer: str
    step: int
    message: str


def _module_of(param: str) -> str:
    return param.rsplit(".", 1)[0] if "." in param else ""


def find_alerts(
    *,
    steps_done: int,
    grad_norms: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    dead_for: dict | None = None,
    dead_after: int = 100,
    explode: float = 10.0,
    vanish: float = 1e-3,
    nan: tuple[int, str] | None = None,
    matrices: set[str] | None = None,
) -> list[Alert]:
    """The alerts the records show, in the order NaN, exploding, vanishing, dead units.

    Args:
        steps_done: steps recorded.
        grad_norms: ``{parameter: (steps, norms)}``, every parameter at the same steps.
        dead_for: ``{layer: [units] steps since each unit was last above zero}``.
        dead_after: units at or past this many steps are dead (only once that many
            steps are done).
        explode: a gradient norm above ``explode`` × the median of its previous
            :data:`HISTORY` norms (at least 3 of them) is exploding; the first such
            step is reported.
        vanish: a parameter whose gradient norm, over the last :data:`RECENT` steps,
            stays below ``vanish`` × the largest parameter gradient norm of that step is
            vanishing (only the parameters in ``matrices`` when given: a bias's gradient
            is small by nature).
        nan: ``(step, tag)`` of the first non-finite value, or None.
    """
    alerts: list[Alert] = []
    if nan is not None:
        step, what = nan
        layer = _module_of(what.split("/", 1)[1]) if "/" in what else ""
        message = f"{what} is NaN or infinite at step {step}"
        alerts.append(Alert("nan", what, layer, int(step), message))
    grad_norms = grad_norms or {}
    for param, (steps, norms) in grad_norms.items():
        first = _first_explosion(norms, explode)
        if first is None:
            continue
        t, ratio, before = first
        alerts.append(Alert(
            "exploding", f"grad/{param}", _module_of(param), int(steps[t]),
            f"gradient norm {norms[t]:.3g} at step {steps[t]}: {ratio:.0f}× its median over "
            f"the {before} steps before",
        ))  # fmt: skip
    alerts += _vanishing(grad_norms, vanish, matrices)
    if dead_for and steps_done >= dead_after:
        for layer, since in dead_for.items():
            since = np.asarray(since)
            dead = int((since >= dead_after).sum())
            if dead:
                alerts.append(Alert(
                    "dead_units", f"activation/{layer}", layer, int(steps_done),
                    f"{dead} of {since.size} units ({100 * dead / since.size:.0f}%) not "
                    f"active once in the last {dead_after} batches",
                ))  # fmt: skip
    return alerts


def _first_explosion(norms: np.ndarray, explode: float):
    v = np.asarray(norms, np.float64)
    bad = np.flatnonzero(~np.isfinite(v))
    end = int(bad[0]) if bad.size else len(v)  # past a NaN, the NaN alert tells the rest
    if end <= 3:
        return None
    v = v[:end]
    # the median of the (up to) HISTORY norms before each step t ≥ 3
    medians = np.empty(end)
    for t in range(3, min(end, HISTORY + 1)):
        medians[t] = np.median(v[:t])
    if end > HISTORY:
        windows = np.lib.stride_tricks.sliding_window_view(v[:-1], HISTORY)
        medians[HISTORY:] = np.median(windows, axis=1)
    t = np.arange(end)
    hit = np.flatnonzero((t >= 3) & (medians > 0) & (v > explode * medians))
    if not hit.size:
        return None
    first = int(hit[0])
    return first, v[first] / medians[first], min(first, HISTORY)


def _vanishing(grad_norms, vanish: float, matrices) -> list[Alert]:
    if len(grad_norms) < 2:
        return []
    names = list(grad_norms)
    tails = [np.asarray(grad_norms[n][1][-RECENT:], np.float64) for n in names]
    if min(len(t) for t in tails) < RECENT:
        return []
    table = np.stack(tails)  # [params, RECENT]
    if not np.isfinite(table).all():
        return []
    largest = table.max(axis=0)
    out = []
    for name, row in zip(names, table, strict=True):
        if matrices is not None and name not in matrices:
            continue
        ratio = np.divide(row, largest, out=np.ones_like(row), where=largest > 0)
        if (ratio < vanish).all():
            steps = grad_norms[name][0]
            out.append(Alert(
                "vanishing", f"grad/{name}", _module_of(name), int(steps[-1]),
                f"gradient norm {row[-1]:.2g} at step {steps[-1]}, under {vanish:g}× the "
                f"largest layer's over the last {RECENT} steps",
            ))  # fmt: skip
    return out
