"""The Recorder: what TensorBoard's scalars and histograms dashboards show, recorded in the
kernel from a training loop, in bounded memory, with alerts.

Two lines in a user's own loop::

    rec = Recorder(model)
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
        rec.step(loss=loss)              # after backward: the gradients are read here

or one argument to nbviz's loops: ``train(model, ..., on_step=rec)``,
``nbviz.lottery.fit(model, ..., on_step=rec)`` (they pass the loss, the batch accuracy
and the learning rate).

Every step records the scalars given, ``grad_norm`` (all gradients' norm, as
``clip_grad_norm_`` computes it) and each parameter's gradient norm (for the alerts).
Every ``every`` steps (and at the first) it records, as TensorBoard's histograms
(:func:`~nbviz.monitor.histogram`): each parameter's weights (``weight/<name>``) and
gradient (``grad/<name>``), and the outputs of the chosen layers on that step's
training batch (``activation/<layer>``). Forward passes in eval mode are not recorded.

>>> import torch
>>> from torch import nn
>>> _ = torch.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
>>> rec = Recorder(model, every=5)
>>> x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
>>> for _ in range(20):
...     loss = nn.functional.cross_entropy(model(x), y)
...     opt.zero_grad()
...     loss.backward()
...     opt.step()
...     rec.step(loss=loss)
>>> rec.scalar_tags()
['loss', 'grad_norm']
>>> rec.histogram_tags()[:3]
['weight/0.weight', 'weight/0.bias', 'weight/2.weight']
>>> steps, hists = rec.histograms("activation/1")
>>> steps.tolist(), hists.shape
([1, 5, 10, 15, 20], (5, 30, 3))
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._checks import check_positive_int, unknown_name_error
from .alerts import Alert, find_alerts
from .histograms import histogram
from .series import ThinnedSeries

__all__ = ["ACTIVATION_MODULES", "Recorder"]

#: Module types whose outputs are recorded by default (ReLU-like ones also give dead units).
ACTIVATION_MODULES = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Softplus, nn.Hardtanh, nn.Hardswish,
)  # fmt: skip

#: Of those, the ones whose unit is dead when its output is never above zero.
RELU_LIKE = (nn.ReLU, nn.ReLU6)

#: The default budget for :attr:`Recorder.keep_values`: weight and gradient copies.
VALUES_BUDGET_BYTES = 256 * 2**20


@dataclass
class _Pending:
    """A layer's activation on the current step's batch, until ``step()`` files it."""

    hist: np.ndarray


class Recorder:
    """Record a model's training: scalars every step, weight/gradient/activation
    histograms every ``every`` steps, and alerts from them.

    Args:
        model: the network being trained (hooks go on its layers; :meth:`close` removes
            them).
        layers: the layers whose outputs are recorded (names as ``model.named_modules()``
            gives them). Default: every activation module (:data:`ACTIVATION_MODULES`;
            ReLUs also count dead units); a model with none (``F.relu`` in ``forward``):
            every leaf module with weights.
        every: steps between histograms (the first step is always recorded).
        buckets: buckets per histogram (TensorBoard's default: 30).
        keep: histograms kept per tag; older ones are thinned (see
            :class:`~nbviz.monitor.series.ThinnedSeries`).
        keep_scalars: scalar values kept per tag, thinned the same way.
        keep_values: steps at which CPU copies of the weights and gradients are kept
            (for :meth:`values_at`); default as many as fit in 256 MB, at most ``keep``;
            0 keeps none.
        dead_after: a ReLU unit never above zero over this many training batches in a
            row is reported dead.
        explode: a gradient norm this many times its median over the earlier steps is
            reported as exploding.
        vanish: a weight's gradient norm below this fraction of the largest gradient
            norm in the same step, over the last 10 steps, is reported as vanishing.
        name: the run's name (the dashboard's legend).
        logdir: also write the records as TensorBoard event files there as they come
            (needs the ``tensorboard`` package: ``pip install nbviz[tensorboard]``).

    Attributes:
        version: +1 at every :meth:`step` (a view polls it).
        lock: held while recording; hold it to read from another thread.
        steps_done: steps recorded so far.

    Raises:
        ValueError: a layer name the model does not have (with the closest), settings
            out of range, a model without parameters.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        layers: str | Sequence[str] | None = None,
        every: int = 25,
        buckets: int = 30,
        keep: int = 200,
        keep_scalars: int = 10_000,
        keep_values: int | None = None,
        dead_after: int = 100,
        explode: float = 10.0,
        vanish: float = 1e-3,
        name: str = "run",
        logdir=None,
    ):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.params = {n: p for n, p in model.named_parameters() if p.requires_grad}
        if not self.params:
            raise ValueError("model: has no trainable parameters to record")
        self.every = check_positive_int(every, "every")
        self.buckets = check_positive_int(buckets, "buckets")
        self.keep = check_positive_int(keep, "keep", minimum=4)
        self.keep_scalars = check_positive_int(keep_scalars, "keep_scalars", minimum=4)
        self.dead_after = check_positive_int(dead_after, "dead_after")
        for value, arg in ((explode, "explode"), (vanish, "vanish")):
            if not isinstance(value, int | float) or not value > 0 or math.isinf(value):
                raise ValueError(f"{arg}: expected a positive number, got {value!r}")
        self.explode, self.vanish = float(explode), float(vanish)
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: expected a non-empty string, got {name!r}")
        self.name = name
        n_values = sum(p.numel() for p in self.params.values())
        if keep_values is None:
            keep_values = min(self.keep, VALUES_BUDGET_BYTES // (8 * n_values))
        self.keep_values = check_positive_int(keep_values, "keep_values", minimum=0)

        self.version = 0
        self.steps_done = 0
        self.lock = threading.RLock()
        self._scalars: dict[str, ThinnedSeries] = {}
        self._hists: dict[str, ThinnedSeries] = {}
        self._values: dict[str, ThinnedSeries] = {}
        self._grad_norms: dict[str, ThinnedSeries] = {}
        self._pending: dict[str, _Pending] = {}
        self._last_active: dict[str, torch.Tensor] = {}  # per ReLU unit: last step > 0
        self._last_step = 0  # the run's last step, when a training loop says (StepInfo.total)
        self._nan_step: int | None = None
        self._nan_what = ""

        self.layers = self._choose_layers(layers)
        self._handles = [
            model.get_submodule(n).register_forward_hook(self._hook_for(n)) for n in self.layers
        ]
        self._writer = None
        if logdir is not None:
            from .tensorboard import EventWriter

            self._writer = EventWriter(logdir)

    # --- hooks ---------------------------------------------------------------------------
    def _choose_layers(self, layers) -> list[str]:
        modules = dict(self.model.named_modules())
        if layers is None:
            names = [n for n, m in modules.items() if n and isinstance(m, ACTIVATION_MODULES)]
            if not names:
                names = [
                    n for n, m in modules.items()
                    if n and not list(m.children()) and any(True for _ in m.parameters(False))
                ]  # fmt: skip
            return names
        if isinstance(layers, str):
            layers = [layers]
        out = []
        for n in layers:
            if n not in modules or not n:
                raise unknown_name_error("layer", n, [k for k in modules if k], "layers")
            if n not in out:
                out.append(n)
        return out

    def _due(self, step: int) -> bool:
        return step == 1 or step % self.every == 0 or step == self._last_step

    def _hook_for(self, layer: str) -> Callable:
        relu_like = isinstance(self.model.get_submodule(layer), RELU_LIKE)

        def hook(module, inputs, output):
            if not module.training or not isinstance(output, torch.Tensor):
                return
            out = output.detach()
            step = self.steps_done + 1
            if relu_like and out.ndim >= 1:
                self._mark_active(layer, out, step)
            if self._due(step):
                self._pending[layer] = _Pending(histogram(out, self.buckets))

        return hook

    def _mark_active(self, layer: str, out: torch.Tensor, step: int) -> None:
        units = out if out.ndim == 1 else out.transpose(0, 1).reshape(out.shape[1], -1)
        active = (units > 0).any(dim=1) if out.ndim > 1 else units > 0
        last = self._last_active.get(layer)
        if last is None or last.shape != active.shape:
            last = torch.zeros(active.shape, dtype=torch.int64, device=active.device)
            self._last_active[layer] = last
        last.masked_fill_(active, step)

    # --- recording -----------------------------------------------------------------------
    def __call__(self, info) -> None:
        """Record one step from an ``on_step`` callback's
        :class:`~nbviz.models.StepInfo` (loss, accuracy and learning rate). The run's
        last step gets histograms too, whatever ``every`` says."""
        if getattr(info, "model", self.model) is not self.model:
            raise ValueError(
                f"Recorder {self.name!r}: on_step reports a different model than the one "
                "this Recorder hooks; make one Recorder per model"
            )
        self._last_step = self.steps_done + 1 + int(info.total) - int(info.step)
        self.step(loss=info.loss, acc=info.acc, lr=info.lr)

    def step(self, **scalars) -> None:
        """Record one optimizer step: ``scalars`` (numbers or 0-d tensors: ``loss=``,
        ``acc=``, anything else by name), the gradient norms, and (every ``every``
        steps) the histograms. Call it after ``backward()`` and before the next
        ``zero_grad()``."""
        values = {}
        for tag, v in scalars.items():
            if isinstance(v, torch.Tensor):
                if v.numel() != 1:
                    raise ValueError(
                        f"{tag}: expected a number or a 1-element tensor, got {v.shape}"
                    )
                v = v.detach()
            values[tag] = v
        with self.lock:
            step = self.steps_done + 1
            due = self._due(step)
            grads = {n: p.grad for n, p in self.params.items() if p.grad is not None}
            norms = self._norms(grads)
            total = math.sqrt(sum(v * v for v in norms.values())) if norms else math.nan
            for tag, v in values.items():
                self._add(self._scalars, tag, step, float(v), self.keep_scalars)
            if norms:
                self._add(self._scalars, "grad_norm", step, total, self.keep_scalars)
            for n, v in norms.items():
                self._add(self._grad_norms, n, step, v, self.keep_scalars)
            self._check_finite(step, values, total)
            new_hists = {}
            if due:
                new_hists = self._histograms(step, grads)
            self._pending.clear()
            self.steps_done = step
            self.version += 1
            if self._writer is not None:
                written = {k: float(v) for k, v in values.items()}
                if norms:
                    written["grad_norm"] = total
                self._writer.write(step, written, new_hists)

    def _norms(self, grads: dict[str, torch.Tensor]) -> dict[str, float]:
        if not grads:
            return {}
        names = list(grads)
        by_device: dict[torch.device, list[int]] = {}
        for i, n in enumerate(names):
            by_device.setdefault(grads[n].device, []).append(i)
        out = [0.0] * len(names)
        for idx in by_device.values():
            norms = torch._foreach_norm([grads[names[i]] for i in idx])
            for i, v in zip(idx, torch.stack(norms).double().tolist(), strict=True):
                out[i] = v
        return dict(zip(names, out, strict=True))

    def _histograms(self, step: int, grads) -> dict[str, np.ndarray]:
        new = {}
        for n, p in self.params.items():
            new[f"weight/{n}"] = histogram(p.detach(), self.buckets)
            if n in grads:
                new[f"grad/{n}"] = histogram(grads[n], self.buckets)
            if self.keep_values:
                self._add(self._values, f"weight/{n}", step, _cpu_copy(p), self.keep_values)
                if n in grads:
                    self._add(
                        self._values, f"grad/{n}", step, _cpu_copy(grads[n]), self.keep_values
                    )
            if self._nan_step is None and not np.isfinite(new[f"weight/{n}"][:, :2]).all():
                self._nan_step, self._nan_what = step, f"weight/{n}"
        for layer, pending in self._pending.items():
            new[f"activation/{layer}"] = pending.hist
        for tag, h in new.items():
            self._add(self._hists, tag, step, h, self.keep)
        return new

    def _check_finite(self, step: int, values: dict, total: float) -> None:
        if self._nan_step is not None:
            return
        for tag, v in values.items():
            if not math.isfinite(float(v)):
                self._nan_step, self._nan_what = step, tag
                return
        if not math.isfinite(total) and self._grad_norms:
            self._nan_step, self._nan_what = step, "grad_norm"

    @staticmethod
    def _add(table: dict[str, ThinnedSeries], tag: str, step: int, value, keep: int) -> None:
        series = table.get(tag)
        if series is None:
            series = table[tag] = ThinnedSeries(keep)
        series.append(step, value)

    def close(self) -> None:
        """Remove the hooks from the model and close the TensorBoard writer (if any).
        The records stay readable."""
        for h in self._handles:
            h.remove()
        self._handles = []
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # --- reading -------------------------------------------------------------------------
    def scalar_tags(self) -> list[str]:
        """The scalar tags, in the order first recorded (``grad_norm`` after the user's)."""
        with self.lock:
            return list(self._scalars)

    def scalar(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps int64 [T], values float64 [T])`` kept for scalar ``tag``."""
        with self.lock:
            s = self._series(self._scalars, tag, "scalar")
            return np.asarray(s.steps, np.int64), np.asarray(s.values, np.float64)

    def histogram_tags(self) -> list[str]:
        """``weight/<param>``, ``grad/<param>`` and ``activation/<layer>`` tags."""
        with self.lock:
            order = {"weight": 0, "grad": 1, "activation": 2}
            return sorted(self._hists, key=lambda t: order[t.split("/", 1)[0]])

    def histograms(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps int64 [T], hists float64 [T, buckets, 3])`` kept for ``tag``; each
        histogram's rows are (left edge, right edge, count)."""
        with self.lock:
            s = self._series(self._hists, tag, "histogram")
            hists = np.stack(s.values) if len(s) else np.zeros((0, self.buckets, 3))
            return np.asarray(s.steps, np.int64), hists

    def values_at(self, tag: str, step: int) -> torch.Tensor | None:
        """The weights (``weight/…``) or gradient (``grad/…``) of a parameter as kept at
        the latest kept step ≤ ``step``; None for activations, or when none was kept."""
        with self.lock:
            s = self._values.get(tag)
            if s is None:
                self._series(self._hists, tag, "histogram")  # a clear error if unknown
                return None
            found = s.at_or_before(int(step))
            return None if found is None else found[1]

    def gradient_norms(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{parameter: (steps, gradient norms)}``, every step (thinned as scalars)."""
        with self.lock:
            return {
                n: (np.asarray(s.steps, np.int64), np.asarray(s.values, np.float64))
                for n, s in self._grad_norms.items()
            }

    def alerts(self) -> list[Alert]:
        """Dead ReLU units, exploding and vanishing gradients and the first NaN, from the
        records so far (see :func:`~nbviz.monitor.find_alerts`)."""
        with self.lock:
            dead = {
                layer: (self.steps_done - last.cpu()).clamp(min=0)
                for layer, last in self._last_active.items()
            }
            return find_alerts(
                steps_done=self.steps_done,
                grad_norms=self.gradient_norms(),
                dead_for=dead,
                dead_after=self.dead_after,
                explode=self.explode,
                vanish=self.vanish,
                nan=(self._nan_step, self._nan_what) if self._nan_step else None,
                matrices={n for n, p in self.params.items() if p.ndim >= 2},
            )

    def _series(self, table, tag, kind) -> ThinnedSeries:
        if tag not in table:
            raise unknown_name_error(f"{kind} tag", tag, list(table), "tag")
        return table[tag]

    def __repr__(self) -> str:
        return (
            f"Recorder({self.name!r}: {self.steps_done} steps, {len(self._scalars)} scalars, "
            f"{len(self._hists)} histogram tags, {len(self.layers)} layers hooked)"
        )


def _cpu_copy(t: torch.Tensor) -> torch.Tensor:
    # copy=True: on the CPU, .float().cpu() of a float32 tensor is the live tensor itself
    return t.detach().to("cpu", torch.float32, copy=True)
