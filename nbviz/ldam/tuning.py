r"""The settings a :class:`~nbviz.ldam.Sampler` picks by itself, from the model, the
objective and the data: the step size, the temperature and where the chains start.

* **Step size** (:class:`StepAdapter`): during a warm-up, dual averaging of ``log ε``
  (Nesterov's primal-dual rule in the form Hoffman & Gelman give for NUTS,
  arXiv:1111.4246 §3.2) drives MALA's acceptance probability to 0.574, the optimum of
  Roberts & Rosenthal (1998). A ULA chain adapts to the same target (the acceptance MALA
  would have had for its proposals, computed but not applied). After the warm-up ε stays
  at the averaged value, so the chain is a proper sampler from then on.
* **Temperature** (:func:`auto_temperature`, :class:`TemperatureAdapter`): ``T`` starts
  at the objective's spread on real inputs (between their median and 90th percentile)
  divided by :data:`SHARPNESS`, so a unit whose activations are 0.8 and one whose are 80
  get the same ``exp(a/T)`` shape: a 90th-percentile input is ``e^SHARPNESS`` times as
  likely as a median one. That shape is about the real inputs; in input space most
  directions do not move the unit, and their volume can outweigh it (a class logit's
  chains wander off into noise that scores below the median). So during the warm-up ``T``
  is also cooled until the chains' median activation is above :data:`TARGET_PERCENTILE`
  of the real inputs', then fixed. It is never warmed: chains that start from the top
  real inputs sit above the target at first and only drift down later.
* **Starts** (:func:`top_starts`): with data, each chain group starts from the real
  inputs that drive its unit hardest, one per chain (as the LDAM paper starts from real
  images); without, uniform noise in the data range.

>>> adapter = StepAdapter(1e-3, warmup=50)
>>> for _ in range(50):
...     adapter.update(1.0)          # every proposal accepted: the step grows
>>> adapter.done, adapter.eps > 1e-3
(True, True)
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "MAX_STEP",
    "SHARPNESS",
    "TARGET_ACCEPT",
    "TARGET_PERCENTILE",
    "WARMUP",
    "StepAdapter",
    "TemperatureAdapter",
    "activation_spread",
    "auto_temperature",
    "percentile_of",
    "top_starts",
]

#: MALA's optimal acceptance probability in high dimension (Roberts & Rosenthal 1998).
TARGET_ACCEPT = 0.574
#: Steps of the step-size warm-up by default.
WARMUP = 100
#: log p(90th-percentile real input) − log p(median real input) under ``T = "auto"``.
SHARPNESS = 20.0
#: The warm-up cools ``T`` until the chains' median activation is above this percentile
#: of the real inputs'.
TARGET_PERCENTILE = 97.0
#: The step size never exceeds (this × the data range)²: larger jumps redraw the picture
#: at every step, which no one can watch.
MAX_STEP = 0.1


class _WarmUp:
    """What both adapters share: ``t`` steps of a ``warmup`` seen, and a state to save."""

    t: int
    warmup: int

    @property
    def done(self) -> bool:
        """Whether the warm-up is over (the setting no longer changes)."""
        return self.t >= self.warmup

    def state(self) -> dict:
        """The adapter's state (for a sampler's checkpoint)."""
        return dict(vars(self))

    def load(self, state: dict) -> None:
        """Put back a :meth:`state`."""
        vars(self).update(state)


class StepAdapter(_WarmUp):
    """Adapt ``ε`` towards an acceptance target for ``warmup`` steps, then keep it fixed.

    Dual averaging: ``h̄_t = (1 - 1/(t+t0)) h̄_{t-1} + (target - α_t)/(t+t0)``,
    ``log ε_t = μ - √t/γ · h̄_t``, with the iterate average ``log ε̄`` (weights
    ``t^-κ``) used once the warm-up ends; ``μ = log(10 ε0)`` lets it try larger steps
    first.

    Args:
        eps0: the first step size.
        target: the acceptance probability to reach.
        warmup: steps of adaptation (0: ``eps0`` throughout).
        max_eps: the largest step size tried.
        gamma, t0, kappa: the rule's constants (Hoffman & Gelman's defaults).
    """

    def __init__(
        self,
        eps0: float,
        *,
        target: float = TARGET_ACCEPT,
        warmup: int = WARMUP,
        max_eps: float = math.inf,
        gamma: float = 0.05,
        t0: float = 10.0,
        kappa: float = 0.75,
    ):
        self.target, self.warmup = float(target), int(warmup)
        self.max_log_eps = math.log(max_eps) if max_eps < math.inf else math.inf
        self.gamma, self.t0, self.kappa = gamma, t0, kappa
        self.mu = math.log(10 * eps0)
        self.log_eps = self.log_eps_bar = math.log(eps0)
        self.h_bar = 0.0
        self.t = 0

    @property
    def eps(self) -> float:
        """The step size to use now."""
        return math.exp(self.log_eps_bar if self.done else self.log_eps)

    def rescale(self, factor: float) -> None:
        """Multiply the step size (and its anchor) by ``factor``: the target's scale changed
        (``T`` was cooled), and the drift ``ε/2 · ∇a/T`` should keep its size."""
        shift = math.log(factor)
        self.mu += shift
        self.log_eps = min(self.log_eps + shift, self.max_log_eps)
        self.log_eps_bar += shift

    def update(self, accept_prob: float) -> None:
        """One warm-up step saw mean acceptance probability ``accept_prob`` (no-op after)."""
        if self.done:
            return
        if not math.isfinite(accept_prob):
            accept_prob = 0.0
        self.t += 1
        eta = 1.0 / (self.t + self.t0)
        self.h_bar = (1 - eta) * self.h_bar + eta * (self.target - accept_prob)
        self.log_eps = min(self.mu - math.sqrt(self.t) / self.gamma * self.h_bar, self.max_log_eps)
        w = self.t ** (-self.kappa)
        self.log_eps_bar = w * self.log_eps + (1 - w) * self.log_eps_bar

    def __repr__(self) -> str:
        phase = "fixed" if self.done else f"warm-up {self.t}/{self.warmup}"
        return f"StepAdapter(eps={self.eps:.3g}, {phase}, target={self.target})"


class TemperatureAdapter(_WarmUp):
    """During ``warmup`` steps: cool ``T`` by :attr:`COOLING` at each step whose chains'
    median activation percentile among the real inputs' is below ``target``, never below
    ``t0 · FLOOR`` (a MALA chain cooled without end accepts nothing); then keep it.

    >>> t = TemperatureAdapter(1.0, warmup=3)
    >>> [round(t.update(p), 3) for p in (50.0, 50.0, 99.0, 50.0)]
    [0.8, 0.64, 0.64, 0.64]
    """

    #: The factor by which one step below the target cools ``T``.
    COOLING = 0.8
    #: ``T`` never goes below its start times this.
    FLOOR = 1e-2

    def __init__(self, t0: float, *, warmup: int = WARMUP, target: float = TARGET_PERCENTILE):
        self.temperature, self.warmup, self.target = float(t0), int(warmup), float(target)
        self.floor = float(t0) * self.FLOOR
        self.t = 0

    def update(self, median_percentile: float) -> float:
        """One warm-up step ended with the chains' median at this percentile; the new T."""
        if self.done:
            return self.temperature
        self.t += 1
        if median_percentile < self.target:
            self.temperature = max(self.floor, self.temperature * self.COOLING)
        return self.temperature


def percentile_of(reference: torch.Tensor, values: torch.Tensor, groups: torch.Tensor):
    """Each value's percentile (0-100) among its group's row of sorted ``reference``."""
    ref = reference[groups]
    return 100.0 * torch.searchsorted(ref, values[:, None].to(ref.dtype)).squeeze(1) / ref.shape[1]


def activation_spread(scores: torch.Tensor) -> float:
    """How far the objective spreads over real inputs: per group (rows of ``scores``), the
    gap between the 90th percentile and the median (else the standard deviation, for a
    unit that is flat on most inputs), the median over groups; 0 for a constant unit.

    >>> activation_spread(torch.arange(101.0)[None])
    40.0
    """
    s = scores.double()
    gap = s.quantile(0.9, dim=1) - s.quantile(0.5, dim=1)
    gap = torch.where(gap > 0, gap, s.std(dim=1, unbiased=False))
    return float(gap.median())


def auto_temperature(scores: torch.Tensor, sharpness: float = SHARPNESS) -> float:
    """The temperature under which a 90th-percentile real input is ``e^sharpness`` times
    as likely as a median one (``scores``: the objective on real inputs, ``(groups,
    N)``); 1.0 for a unit that does not vary (a dead unit: the sampler says so).

    >>> auto_temperature(torch.arange(101.0)[None])     # spread 40: T = 40 / 20
    2.0
    >>> auto_temperature(80 * torch.arange(101.0)[None])
    160.0
    """
    spread = activation_spread(scores)
    if not spread > 0:
        return 1.0
    return spread / sharpness


def top_starts(scores: torch.Tensor, data: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Chain starts: the chains of group ``g`` start from the real inputs that score
    highest on unit ``g``, one each (cycling through them when a group has more chains
    than there are inputs).

    >>> scores = torch.tensor([[0.0, 3.0, 1.0], [5.0, 0.0, 4.0]])
    >>> data = torch.tensor([[10.0], [11.0], [12.0]])
    >>> top_starts(scores, data, torch.tensor([0, 0, 1, 1])).flatten().tolist()
    [11.0, 12.0, 10.0, 12.0]
    """
    order = scores.argsort(dim=1, descending=True).cpu()
    groups = groups.cpu()
    idx = torch.empty(len(groups), dtype=torch.long)
    for g in range(scores.shape[0]):
        chains = (groups == g).nonzero().flatten()
        k = torch.arange(len(chains)) % order.shape[1]
        idx[chains] = order[g, k]
    return data[idx]
