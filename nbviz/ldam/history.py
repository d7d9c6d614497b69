"""A bounded ring-buffer history of a sampler's chains: traces every step, samples every k.

Memory is fixed when the first step is recorded: ``trace_capacity`` steps of four
per-chain float32 traces (activation, log D, accepted, step size) and
``sample_capacity`` frames of every chain's state, all on the sampler's device. Older
entries are overwritten; :attr:`History.nbytes` states the size.

>>> import torch
>>> h = History(n_chains=3, sample_shape=(2,), trace_capacity=4, sample_capacity=2,
...             sample_every=2)
>>> for t in range(1, 7):
...     h.record(t, torch.full((3,), float(t)), torch.zeros(3), torch.ones(3, dtype=torch.bool),
...              tradeoff=0.0, step_size=0.1, samples=torch.zeros(3, 2))
>>> h.steps.tolist(), h.activation[:, 0].tolist(), h.sample_steps.tolist()
([3, 4, 5, 6], [3.0, 4.0, 5.0, 6.0], [4, 6])
"""

from __future__ import annotations

import threading

import torch

from .._checks import check_positive_int

__all__ = ["History"]


class _Ring:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self.data: torch.Tensor | None = None
        self.count = 0

    def push(self, value: torch.Tensor) -> None:
        if self.data is None:
            self.data = torch.empty(
                (self.capacity, *value.shape), dtype=value.dtype, device=value.device
            )
        self.data[self.count % self.capacity] = value
        self.count += 1

    def ordered(self) -> torch.Tensor | None:
        if self.data is None:
            return None
        n = min(self.count, self.capacity)
        if self.count <= self.capacity:
            return self.data[:n].cpu()
        start = self.count % self.capacity
        return torch.cat([self.data[start:], self.data[:start]]).cpu()

    def last(self, k: int) -> torch.Tensor | None:
        """The newest ``min(k, held)`` entries, oldest first (copies only those)."""
        if self.data is None:
            return None
        n = min(self.count, self.capacity, k)
        idx = torch.arange(self.count - n, self.count) % self.capacity
        return self.data[idx.to(self.data.device)].cpu()

    def clear(self) -> None:
        self.data, self.count = None, 0


class History:
    """Ring buffers of per-chain traces (every step) and chain states (every k steps).

    Args:
        n_chains: chains per step.
        sample_shape: the shape of one chain's state.
        trace_capacity: steps of traces kept (the newest).
        sample_capacity: frames of chain states kept (the newest).
        sample_every: record the states every this many steps.

    Read as CPU tensors, oldest first: :attr:`steps` ``(T,)``, :attr:`activation`,
    :attr:`log_d`, :attr:`accepted` ``(T, n_chains)``, :attr:`tradeoff` (λ) and
    :attr:`step_size` ``(T,)``, :attr:`samples` ``(S, n_chains, *sample_shape)`` with
    :attr:`sample_steps`.

    >>> History(1024, (1, 28, 28)).nbytes // 2**20  # MiB at the defaults
    121
    """

    def __init__(
        self,
        n_chains: int,
        sample_shape,
        *,
        trace_capacity: int = 2000,
        sample_capacity: int = 32,
        sample_every: int = 10,
    ):
        self.n_chains = check_positive_int(n_chains, "n_chains")
        self.sample_shape = tuple(sample_shape)
        self.trace_capacity = check_positive_int(trace_capacity, "trace_capacity")
        self.sample_capacity = check_positive_int(sample_capacity, "sample_capacity")
        self.sample_every = check_positive_int(sample_every, "sample_every")
        self._step = _Ring(self.trace_capacity)
        self._act = _Ring(self.trace_capacity)
        self._logd = _Ring(self.trace_capacity)
        self._acc = _Ring(self.trace_capacity)
        self._scalars = _Ring(self.trace_capacity)  # (tradeoff, step size)
        self._samples = _Ring(self.sample_capacity)
        self._sample_steps = _Ring(self.sample_capacity)
        self._lock = threading.Lock()  # the sampler's thread writes, a widget's reads

    @property
    def nbytes(self) -> int:
        """Bytes the buffers take once full (float32 traces and states)."""
        per_step = 4 * (3 * self.n_chains + 3)
        n_state = 1
        for s in self.sample_shape:
            n_state *= s
        per_frame = 4 * (self.n_chains * n_state + 1)
        return self.trace_capacity * per_step + self.sample_capacity * per_frame

    def record(self, step, act, log_d, accepted, *, tradeoff, step_size, samples) -> None:
        """Append step ``step``'s traces: per chain the activation ``act``, ``log_d`` and
        ``accepted``; the ``tradeoff`` λ and ``step_size`` ε it used; and keep the chain
        states ``samples`` ``(n_chains, *sample_shape)`` if ``step % sample_every == 0``."""
        with self._lock:
            self._record(step, act, log_d, accepted, tradeoff, step_size, samples)

    def _record(self, step, act, log_d, accepted, tradeoff, step_size, samples) -> None:
        self._step.push(torch.tensor(step, dtype=torch.int64))
        self._act.push(act.detach().float())
        self._logd.push(log_d.detach().float())
        self._acc.push(accepted.detach().float())
        self._scalars.push(torch.tensor([tradeoff, step_size], dtype=torch.float32))  # CPU
        if step % self.sample_every == 0:
            self._samples.push(samples.detach().float())
            self._sample_steps.push(torch.tensor(step, dtype=torch.int64))

    def snapshot(self) -> dict:
        """Every trace and the kept samples at one instant (safe while a run records).

        >>> sorted(History(2, (1,)).snapshot())  # doctest: +NORMALIZE_WHITESPACE
        ['accepted', 'activation', 'log_d', 'sample_steps', 'samples', 'step_size', 'steps',
         'tradeoff']
        """
        with self._lock:
            s = self._scalars.ordered()
            return {
                "steps": self._get(self._step).long(),
                "activation": self._get(self._act, self.n_chains),
                "log_d": self._get(self._logd, self.n_chains),
                "accepted": self._get(self._acc, self.n_chains),
                "tradeoff": torch.empty(0) if s is None else s[:, 0],
                "step_size": torch.empty(0) if s is None else s[:, 1],
                "samples": self._samples_unlocked(),
                "sample_steps": self._get(self._sample_steps).long(),
            }

    def _samples_unlocked(self) -> torch.Tensor:
        out = self._samples.ordered()
        return torch.empty((0, self.n_chains, *self.sample_shape)) if out is None else out

    def clear(self) -> None:
        """Forget everything recorded (the capacity stays)."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        for ring in (self._step, self._act, self._logd, self._acc, self._scalars):
            ring.clear()
        self._samples.clear()
        self._sample_steps.clear()

    def __len__(self) -> int:
        return min(self._step.count, self.trace_capacity)

    def _get(self, ring, cols=None):
        out = ring.ordered()  # callers hold the lock or read one ring
        if out is None:
            shape = (0,) if cols is None else (0, cols)
            return torch.empty(shape)
        return out

    def recent(self, k: int) -> dict:
        """The newest ``k`` trace rows (``steps``, ``activation``, ``log_d``) and the number
        of kept frames, copying only those: what a live view needs many times a second.

        >>> h = History(2, (1,))
        >>> for t in range(1, 6):
        ...     h.record(t, torch.full((2,), t), torch.zeros(2), torch.ones(2, dtype=torch.bool),
        ...              tradeoff=0.0, step_size=0.1, samples=torch.zeros(2, 1))
        >>> r = h.recent(3)
        >>> r["steps"].tolist(), r["activation"][:, 0].tolist(), r["n_samples"]
        ([3, 4, 5], [3.0, 4.0, 5.0], 0)
        """
        k = check_positive_int(k, "k")
        with self._lock:
            steps = self._step.last(k)
            act = self._act.last(k)
            logd = self._logd.last(k)
            held = min(self._sample_steps.count, self.sample_capacity)
        if steps is None:
            empty = torch.empty((0, self.n_chains))
            return {"steps": torch.empty(0, dtype=torch.long), "activation": empty,
                    "log_d": empty, "n_samples": held}  # fmt: skip
        return {"steps": steps.long(), "activation": act, "log_d": logd, "n_samples": held}

    @property
    def steps(self) -> torch.Tensor:
        """The step number of each kept trace row."""
        with self._lock:
            return self._get(self._step).long()

    @property
    def activation(self) -> torch.Tensor:
        """The objective at each chain's state after each step ``(T, n_chains)``."""
        with self._lock:
            return self._get(self._act, self.n_chains)

    @property
    def log_d(self) -> torch.Tensor:
        """log D (the discriminator's calibrated log-probability of real), ``(T, n_chains)``."""
        with self._lock:
            return self._get(self._logd, self.n_chains)

    @property
    def accepted(self) -> torch.Tensor:
        """1 where the step's proposal was accepted, else 0, ``(T, n_chains)``."""
        with self._lock:
            return self._get(self._acc, self.n_chains)

    @property
    def tradeoff(self) -> torch.Tensor:
        """The tradeoff λ (the weight of ``log D``) each kept step used."""
        with self._lock:
            s = self._get(self._scalars, 2)
        return s[:, 0]

    @property
    def step_size(self) -> torch.Tensor:
        """The step size ε each kept step used."""
        with self._lock:
            s = self._get(self._scalars, 2)
        return s[:, 1]

    @property
    def samples(self) -> torch.Tensor:
        """The kept chain states, ``(S, n_chains, *sample_shape)``."""
        with self._lock:
            return self._samples_unlocked()

    @property
    def sample_steps(self) -> torch.Tensor:
        """The step number of each kept frame of :attr:`samples`."""
        with self._lock:
            return self._get(self._sample_steps).long()
