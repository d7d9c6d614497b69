r"""Langevin / MALA sampling of the inputs that drive an objective high (LDAM).

Target density over inputs ``x`` (Jiang, Chan, Zhang, Canny, arXiv:1812.04604):

.. math::  p(x) \propto \exp(a(x) / T) \cdot D(x)^\lambda ,
           \qquad \log p(x) = a(x)/T + \lambda \log D(x) + \text{const}

with ``a`` the objective, ``T`` the temperature, ``D(x)`` the discriminator's (calibrated)
probability that ``x`` is real and ``λ >= 0`` (``tradeoff``) the weight of that prior
(``λ = 0`` or no discriminator: plain activation sampling). Each step proposes, for every
chain at once,

.. math::  x' = x + \tfrac{\varepsilon}{2} \nabla \log p(x) + \sqrt{\varepsilon}\, \xi,
           \qquad \xi \sim N(0, I)

(the unadjusted Langevin algorithm, ULA: always accepted, biased by O(ε)); with
``mala=True`` the proposal is accepted with probability
``min(1, p(x') q(x | x') / (p(x) q(x' | x)))``, ``q(x' | x) = N(x'; x + ε/2 ∇log p(x), ε I)``
(Metropolis-adjusted Langevin, exact for any ε). Each step costs one forward and one
backward pass (the density and gradient at the current state are cached).

Clamping to the data range ``[low, high]``: ``clamp="reflect"`` folds a proposal back
into the box (mirror at the walls); under MALA, ``q`` is then the folded Gaussian, whose
density sums the Gaussian over the mirror images at both walls (images folded twice are
left out: exact while ``√ε`` is small next to ``high - low``), so the chains sample ``p``
restricted to the box.
``clamp="reject"`` rejects any proposal outside the box (exact under MALA; under ULA the
chain stays put for that step). ``clamp=None`` leaves the input unbounded.

>>> import torch
>>> from torch import nn
>>> from nbviz.ldam import Sampler, custom
>>> quad = custom("output", lambda a: -0.5 * (a**2).sum(1))   # a(x) = -|x|²/2
>>> s = Sampler(nn.Identity(), quad, n_chains=200, input_shape=(2,), temperature=1.0,
...             step_size=0.5, mala=True, clamp=None, seed=0)
>>> _ = s.run(200)
>>> round(float(s.x.var()), 1)   # N(0, T·I) with T = 1
1.0
"""

from __future__ import annotations

import math
import numbers
import threading
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_bool, check_positive_int, check_seed, stop_check, unknown_name_error
from ..models._inputs import (
    as_tensors,
    check_not_meta,
    expected_input_shape,
    model_device,
    model_float_dtype,
    runnable_model,
)
from ..models._inputs import resolve_device as _resolve_device
from ._shapes import resolve_input_shape
from .baselines import _all_scores
from .history import History
from .objectives import Objective, capture, default_groups
from .tuning import (
    MAX_STEP,
    WARMUP,
    StepAdapter,
    TemperatureAdapter,
    auto_temperature,
    percentile_of,
    top_starts,
)

__all__ = ["CLAMPS", "PolyDecay", "Sampler"]

CLAMPS = ("reflect", "reject", None)
#: Real inputs (at most) the sampler scores for ``temperature="auto"`` and the starts.
REFERENCE_SIZE = 1000


class PolyDecay:
    """A polynomially decaying step size ``ε_t = ε0 · (1 + t / t0) ** (-gamma)``.

    ``gamma`` in (0.5, 1] gives the Robbins-Monro conditions of stochastic-gradient
    Langevin (Welling & Teh); ``t`` counts the sampler's steps from 0.

    >>> sched = PolyDecay(0.1, gamma=1.0, t0=10)
    >>> [round(sched(t), 3) for t in (0, 10, 30)]
    [0.1, 0.05, 0.025]
    """

    def __init__(self, eps0: float, gamma: float = 0.55, t0: float = 100.0):
        self.eps0 = _positive(eps0, "eps0")
        self.gamma = _nonneg(gamma, "gamma")
        self.t0 = _positive(t0, "t0")

    def __call__(self, t: int) -> float:
        return self.eps0 * (1.0 + t / self.t0) ** (-self.gamma)

    def __repr__(self) -> str:
        return f"PolyDecay({self.eps0}, gamma={self.gamma}, t0={self.t0})"


def _number(v, arg) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{arg}: expected a number, got {type(v).__name__}")
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"{arg}: expected a finite number, got {v}")
    return v


def _positive(v, arg) -> float:
    v = _number(v, arg)
    if v <= 0:
        raise ValueError(f"{arg}: expected a number > 0, got {v}")
    return v


def _nonneg(v, arg) -> float:
    v = _number(v, arg)
    if v < 0:
        raise ValueError(f"{arg}: expected a number >= 0, got {v}")
    return v


_MODE_DEPENDENT = (nn.modules.batchnorm._NormBase, nn.modules.dropout._DropoutNd)


def _mode_matters(module: nn.Module) -> bool:
    """Whether ``module``'s output may depend on its train/eval flag: batch or instance
    norm, dropout, or any module class defined outside torch (it may read ``training``)."""
    return isinstance(module, _MODE_DEPENDENT) or not type(module).__module__.startswith("torch.")


class _EvalMode:
    """Put modules in eval mode; warn once if one was training; restore the flags after."""

    def __init__(self, owner, modules):
        self.owner, self.modules = owner, [m for m in modules if m is not None]

    def __enter__(self):
        self.outer = self.owner._eval_depth == 0
        self.owner._eval_depth += 1
        if not self.outer:  # already inside a run(): nothing to switch
            return self
        self.flags = [(m, m.training) for top in self.modules for m in top.modules()]
        if not self.owner._warned_train and any(
            m.training and _mode_matters(m) for top in self.modules for m in top.modules()
        ):
            self.owner._warned_train = True
            warnings.warn(
                "Sampler: the model (or discriminator) was in train mode; it runs in eval "
                "mode while sampling (batch norm uses its running statistics, dropout is "
                "off) and its mode is restored afterwards",
                stacklevel=3,
            )
        for top in self.modules:
            top.eval()
        return self

    def __exit__(self, *exc):
        self.owner._eval_depth -= 1
        if self.outer:
            for m, flag in self.flags:
                m.training = flag
        return False


class Sampler:
    r"""Many Langevin (ULA) or MALA chains, in one batch, sampling ``p ∝ exp(a/T)·D^λ``.

    See the module docstring for the density, the update and clamping. The state
    carries across :meth:`run` calls: stopping a run (``should_stop``) and running again
    continues the same chains. :attr:`tradeoff` and :attr:`temperature` may be set from any
    thread while another runs the chains; the next step uses the new values (its first
    action is to re-evaluate the cached density at the current states, so MALA stays
    exact for the new target). One thread at a time may call :meth:`step` / :meth:`run`.

    Args:
        model: any ``nn.Module``; it runs in eval mode while sampling (a warning says so
            if it was training) and its mode is restored after each :meth:`step` /
            :meth:`run`. Its weights are not changed.
        objective: an :class:`~nbviz.ldam.Objective`; a group objective
            (:func:`~nbviz.ldam.neurons`) splits the chains into contiguous groups, one
            per unit (:attr:`groups`).
        n_chains: chains in the batch (at least the objective's number of groups).
        discriminator: ``None`` or a :class:`~nbviz.ldam.DiscriminatorPrior` (anything
            with ``log_prob_real(x) -> (N,)`` and a ``module``). At ``λ = 0`` it still
            runs forward (no backward) every step, for the ``log D`` trace.
        generator: ``None`` or a :class:`~nbviz.ldam.GeneratorPrior`: the chains then move
            its codes ``z`` (state shape ``(latent_dim,)``, standard normal prior, no
            clamping) and the model, the discriminator and :meth:`samples` see the decoded
            pictures ``G(z)``; ``init`` names and image tensors are mapped to codes
            (``"auto"`` with data: the codes of the top real images).
        tradeoff: λ >= 0, the weight of ``log D`` (0: the objective alone, larger: inputs
            the discriminator finds more realistic).
        temperature: T > 0, or ``"auto"``: with ``data``, from the objective's spread on
            the real inputs (a 90th-percentile one e^20 times as likely as a median one,
            :func:`~nbviz.ldam.tuning.auto_temperature`), then cooled during the warm-up
            until the chains' median activation passes the real inputs' 97th percentile
            (:class:`~nbviz.ldam.tuning.TemperatureAdapter`); without data, 1.0. The value
            in use is :attr:`temperature`; setting it ends the warm-up's cooling.
        step_size: ε > 0, a callable ``t -> ε`` (:class:`PolyDecay`), or ``"auto"``:
            adapted during the first ``warmup`` steps towards MALA's acceptance of 0.574
            (for ULA too, on the acceptance MALA would have had), then fixed
            (:class:`~nbviz.ldam.tuning.StepAdapter`).
        warmup: steps of step-size adaptation under ``step_size="auto"``.
        mala: Metropolis-adjust the Langevin proposals (exact chains).
        mh_gan: instead of Langevin steps, MH-GAN steps (Turner et al., arXiv:1811.11357):
            each chain proposes a fresh draw of the generator, accepted with probability
            ``min(1, e^{(a'-a)/T} (r'/r)^λ)``, ``r = D/(1-D)`` the calibrated
            discriminator's estimate of ``p_data/p_G`` (at λ = 1 the chains sample
            ``p_data · e^{a/T}``). Needs ``generator`` and a calibrated ``discriminator``;
            no gradients; :meth:`anneal` still takes Langevin steps.
        clamp: ``"reflect"``, ``"reject"`` or ``None`` (see the module docstring).
        data_range: ``(low, high)`` of the inputs, used by ``clamp`` and by ``init``.
        init: ``"auto"`` (with ``data``, ``"top"``: each chain group starts from the real
            inputs that drive its unit hardest, one per chain; else ``"uniform"``),
            ``"uniform"`` or ``"noise"`` (uniform in ``data_range``), ``"mid"`` (its
            middle), ``"zeros"``,
            or a tensor ``(n_chains, *shape)``, ``(*shape)`` (every chain) or
            ``(m, *shape)`` with ``m`` dividing ``n_chains`` (block ``i`` of chains starts
            at ``init[i]``: one start per facet, see
            :func:`~nbviz.ldam.multifaceted_init`).
        input_shape: the shape of one input. Default: the shape of one item of ``data``,
            else the model's ``in_shape``, else what its first layer fixes (a first
            ``Linear``, after an optional ``Flatten``, gives ``(in_features,)``).
        data: real inputs (an ``ImageDataset``, an ``(X, y)`` pair or a tensor ``(N,
            ...)``; labels are not used); kept as :attr:`data` (a CPU tensor), and its
            items fix the input shape.
        history: a :class:`~nbviz.ldam.History`, or a dict of its keyword arguments.
        device: ``"auto"`` (the model's own device), ``"cpu"``, ``"cuda"`` ...; another
            device than the model's moves the model (and discriminator) there.
        seed: seeds the sampler's own random generator (noise and accept draws).

    Raises:
        ValueError: λ < 0, T <= 0, an unknown layer or a unit out of range, a bad
            ``init`` shape, an unknown ``clamp``, an input shape the model cannot run
            (checked by one forward pass of one input) or that nothing fixes, or a
            model on the meta device.
        TypeError: an argument of the wrong kind (``mala="yes"``, say).
        RuntimeError: out of GPU memory, with a suggested smaller ``n_chains``.

    >>> from nbviz.ldam import neurons
    >>> from nbviz.models import SmallCNN
    >>> s = Sampler(SmallCNN(in_shape=(1, 8, 8)).eval(), neurons("fc1", [0, 1]), n_chains=4, seed=0)
    >>> _ = s.run(3)
    >>> s.x.shape, s.groups.tolist(), s.step_count
    (torch.Size([4, 1, 8, 8]), [0, 0, 1, 1], 3)
    """

    def __init__(
        self,
        model: nn.Module,
        objective: Objective,
        n_chains: int = 16,
        *,
        discriminator=None,
        generator=None,
        tradeoff: float = 0.0,
        temperature: float | str = "auto",
        step_size: float | Callable[[int], float] | str = "auto",
        warmup: int = WARMUP,
        mala: bool = False,
        mh_gan: bool = False,
        clamp: str | None = "reflect",
        data_range: tuple[float, float] = (0.0, 1.0),
        init="auto",
        input_shape=None,
        data=None,
        history: History | dict | None = None,
        device="auto",
        seed: int = 0,
    ):
        self.model = runnable_model(model)
        self._warned_train = False
        self._eval_depth = 0
        if not isinstance(objective, Objective):
            raise TypeError(
                f"objective: expected an nbviz.ldam Objective, got {type(objective).__name__}"
            )
        self.objective = objective
        self.n_chains = check_positive_int(n_chains, "n_chains")
        if self.n_chains < objective.n_groups:
            raise ValueError(
                f"n_chains: {self.n_chains} chains cannot cover the objective's "
                f"{objective.n_groups} groups; use n_chains >= {objective.n_groups}"
            )
        if discriminator is not None and not callable(
            getattr(discriminator, "log_prob_real", None)
        ):
            raise TypeError(
                "discriminator: expected a DiscriminatorPrior (with log_prob_real), got "
                f"{type(discriminator).__name__}"
            )
        self.discriminator = discriminator
        if self._dmodule() is not None:
            check_not_meta(self._dmodule(), "discriminator")
        if generator is not None and not all(
            callable(getattr(generator, k, None)) for k in ("decode", "encode", "log_prior")
        ):
            raise TypeError(
                "generator: expected a GeneratorPrior (decode, encode, log_prior), got "
                f"{type(generator).__name__}"
            )
        #: The :class:`~nbviz.ldam.GeneratorPrior` whose codes the chains move, or None
        #: (the chains move the pixels).
        self.generator = generator
        self._lock = threading.Lock()
        self._tradeoff = self._check_tradeoff(tradeoff)
        auto_t = isinstance(temperature, str) and temperature == "auto"
        self._temperature = 1.0 if auto_t else self._check_t(temperature)
        if not (isinstance(data_range, (tuple, list)) and len(data_range) == 2):
            raise TypeError(f"data_range: expected (low, high), got {data_range!r}")
        lo, hi = (_number(v, "data_range") for v in data_range)
        if not lo < hi:
            raise ValueError(f"data_range: expected low < high, got {data_range!r}")
        self.data_range = (lo, hi)
        #: The step-size adapter under ``step_size="auto"`` (else None).
        self.adapter = None
        self.warmup = check_positive_int(warmup, "warmup", minimum=0)
        if isinstance(step_size, str):
            if step_size != "auto":
                raise unknown_name_error("step_size", step_size, ["auto"], "step size")
            # First try: a percent of the range per coordinate (pixels in the data range,
            # codes in ±3); the warm-up corrects it.
            span = 6.0 if generator is not None else hi - lo
            self.adapter = StepAdapter(
                (1e-2 * span) ** 2, warmup=self.warmup, max_eps=(MAX_STEP * span) ** 2
            )
            self._eps_fn = lambda t: self.adapter.eps
        elif callable(step_size):
            self._eps_fn = step_size
        else:
            eps = _positive(step_size, "step_size")
            self._eps_fn = lambda t: eps
        self.mala = check_bool(mala, "mala")
        self.mh_gan = check_bool(mh_gan, "mh_gan")
        if self.mh_gan and (generator is None or discriminator is None):
            raise ValueError(
                "mh_gan: needs generator= (its draws are the proposals) and a calibrated "
                "discriminator= (its density ratio D/(1-D) corrects them)"
            )
        if self.mh_gan and self.adapter is not None:
            self.adapter.warmup = 0  # no Langevin steps to adapt (anneal() uses the first ε)
        if clamp not in CLAMPS:
            raise unknown_name_error("clamp", str(clamp), [str(c) for c in CLAMPS], "clamp")
        self.clamp = clamp if generator is None else None  # codes are unbounded
        self.device = self._device(device)
        self.dtype = model_float_dtype(self.model)
        self.data = None
        if data is not None:
            self.data = as_tensors(data, "data", labels="ignore", dtype=self.dtype)[0].cpu()
        if input_shape is None and self.data is None and generator is not None:
            input_shape = tuple(generator.image_shape)
        self.input_shape, shape_arg = resolve_input_shape(self.model, input_shape, self.data)
        if generator is not None and tuple(generator.image_shape) != self.input_shape:
            raise ValueError(
                f"generator: it draws pictures of shape {tuple(generator.image_shape)}, the "
                f"model takes {self.input_shape}"
            )
        #: The shape of one chain's state: the input's, or the generator's code.
        self.state_shape = self.input_shape if generator is None else (int(generator.latent_dim),)
        self.groups = default_groups(self.n_chains, objective.n_groups, self.device)
        self._gen = torch.Generator(device=self.device).manual_seed(check_seed(seed))
        #: The objective on (up to REFERENCE_SIZE of) the real inputs of ``data``,
        #: ``(groups, N)`` on the CPU; None without data.
        self.reference = None
        self._reference_x = None
        if self.data is not None:
            self._score_reference(shape_arg)
        #: The temperature's warm-up under ``temperature="auto"`` with data (else None).
        self.t_adapter = None
        self._ref_sorted = None
        if self.reference is not None:
            self._ref_sorted = self.reference.sort(dim=1).values.to(self.device)
        if auto_t and self.reference is not None:
            self._temperature = auto_temperature(self.reference)
            if self.warmup > 0:
                self.t_adapter = TemperatureAdapter(self._temperature, warmup=self.warmup)
        self._dead_checked = False
        self.x = self._init(init)
        if history is None:
            history = History(self.n_chains, self.input_shape)
        elif isinstance(history, dict):
            history = History(self.n_chains, self.input_shape, **history)
        elif not isinstance(history, History):
            raise TypeError(f"history: expected a History or a dict, got {history!r}")
        self.history = history
        self.step_count = 0
        self.alive = torch.ones(self.n_chains, dtype=torch.bool, device=self.device)
        # Chains stopped since the last report and the step each stopped at, kept on the
        # device: reading them is a host-device sync, done every REPORT_EVERY steps.
        self._newly_stopped = torch.zeros_like(self.alive)
        self._stopped_at = torch.zeros(self.n_chains, dtype=torch.int64, device=self.device)
        self._unreported = 0
        self.n_accepted = torch.zeros(self.n_chains, device=self.device)
        self.n_proposed = 0
        self._cache = None  # (tradeoff, T, d_version, logp, grad, act, logd)
        self._gradient_checked = False
        with _EvalMode(self, [self.model, self._dmodule()]):
            self._validate(shape_arg)

    # --- settings ----------------------------------------------------------------------
    def _validate(self, shape_arg: str, example: torch.Tensor | None = None) -> None:
        """Check the objective on one chain's state (or ``example``): one forward pass, so
        that a wrong input shape fails here, named, and not inside the first step."""
        try:
            example = self.pictures()[:1] if example is None else example[:1].to(self.device)
            self.objective.validate(self.model, example)
        except torch.OutOfMemoryError:
            raise
        except (RuntimeError, IndexError) as err:  # the model's own complaint
            shape = f"the items of data, {self.input_shape}"
            if shape_arg != "data":
                shape = f"{self.input_shape}"
            declared = expected_input_shape(self.model)
            note = f" (it declares in_shape={declared})" if declared else ""
            raise ValueError(
                f"{shape_arg}: the model fails on one input of shape {shape}{note}: {err}. "
                "Pass input_shape= the shape of one input the model takes (or data= real "
                "inputs)"
            ) from err

    @staticmethod
    def _check_tradeoff(v) -> float:
        v = _number(v, "tradeoff")
        if v < 0:
            raise ValueError(f"tradeoff: the weight of log D must be >= 0, got {v}")
        return v

    @staticmethod
    def _check_t(v) -> float:
        return _positive(v, "temperature")

    @property
    def tradeoff(self) -> float:
        """λ, the weight of ``log D``; thread-safe, used from the next step on.

        >>> from nbviz.ldam import class_logit
        >>> from nbviz.models import LeNet300100
        >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(3), n_chains=2)
        >>> s.tradeoff = 4.0; s.tradeoff
        4.0
        """
        with self._lock:
            return self._tradeoff

    @tradeoff.setter
    def tradeoff(self, value) -> None:
        value = self._check_tradeoff(value)
        with self._lock:
            self._tradeoff = value

    @property
    def temperature(self) -> float:
        """T; thread-safe, used from the next step on."""
        with self._lock:
            return self._temperature

    @temperature.setter
    def temperature(self, value) -> None:
        value = self._check_t(value)
        with self._lock:
            self._temperature = value
            self.t_adapter = None  # the user's value wins over the warm-up's

    def step_size(self, t: int | None = None) -> float:
        """ε at step ``t`` (default: the next step)."""
        return float(self._eps_fn(self.step_count if t is None else t))

    @property
    def warming_up(self) -> bool:
        """Whether the warm-up still adapts the step size or cools the temperature."""
        return any(a is not None and not a.done for a in (self.adapter, self.t_adapter))

    @property
    def acceptance_rate(self) -> torch.Tensor:
        """Per-chain fraction of proposals accepted so far (1 for ULA, except clamping)."""
        return (self.n_accepted / max(self.n_proposed, 1)).cpu()

    @property
    def stopped_chains(self) -> list[int]:
        """Indices of chains stopped by a NaN or infinite density or gradient."""
        return (~self.alive).nonzero().flatten().tolist()

    @property
    def activation(self) -> torch.Tensor:
        """The objective at the current states ``(n_chains,)`` (CPU)."""
        self._ensure_cache(need_grad=False)
        return self._cache[5].cpu()

    @property
    def log_d(self) -> torch.Tensor:
        """log D at the current states ``(n_chains,)`` (zeros without a discriminator)."""
        self._ensure_cache(need_grad=False)
        return self._cache[6].cpu()

    def samples(self) -> torch.Tensor:
        """The current pictures of all chains, ``(n_chains, *input_shape)``: a CPU copy
        (changing it does not move the chains); under a generator, the decoded codes."""
        return self.pictures().to("cpu", copy=True)

    def checkpoint(self) -> dict:
        """Everything :meth:`restore` needs to put the chains back as they are now: states,
        step count, live and stopped chains, acceptance counts, the random generator and
        the :attr:`history` object (not a copy of it).

        >>> from nbviz.ldam import class_logit
        >>> from nbviz.models import LeNet300100
        >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(3), n_chains=2)
        >>> saved = s.checkpoint(); s.run(5); x5 = s.samples()
        5
        >>> s.restore(saved); s.step_count
        0
        >>> s.run(5); torch.equal(s.samples(), x5)  # the same noise draws again
        5
        True
        """
        return {
            "x": self.x.clone(),
            "cache": self._cache,  # replaced, never changed in place, by each step
            "step_count": self.step_count,
            "alive": self.alive.clone(),
            "newly_stopped": self._newly_stopped.clone(),
            "stopped_at": self._stopped_at.clone(),
            "unreported": self._unreported,
            "n_accepted": self.n_accepted.clone(),
            "n_proposed": self.n_proposed,
            "gen": self._gen.get_state(),
            "history": self.history,
            "adapter": None if self.adapter is None else self.adapter.state(),
            "t_adapter": None if self.t_adapter is None else self.t_adapter.state(),
            "dead_checked": self._dead_checked,
        }

    def restore(self, state: dict) -> None:
        """Put the chains back as :meth:`checkpoint` saw them (a checkpoint can be restored
        any number of times)."""
        self.x = state["x"].clone()
        self._cache = state["cache"]
        self.step_count = state["step_count"]
        self.alive = state["alive"].clone()
        self._newly_stopped = state["newly_stopped"].clone()
        self._stopped_at = state["stopped_at"].clone()
        self._unreported = state["unreported"]
        self.n_accepted = state["n_accepted"].clone()
        self.n_proposed = state["n_proposed"]
        self._gen.set_state(state["gen"])
        self.history = state["history"]
        if self.adapter is not None and state.get("adapter") is not None:
            self.adapter.load(state["adapter"])
        if self.t_adapter is not None and state.get("t_adapter") is not None:
            self.t_adapter.load(state["t_adapter"])
            with self._lock:
                self._temperature = self.t_adapter.temperature
        self._dead_checked = state.get("dead_checked", self._dead_checked)

    # --- set-up helpers ----------------------------------------------------------------
    def _dmodule(self):
        d = self.discriminator
        return None if d is None else getattr(d, "module", None)

    def _device(self, device) -> torch.device:
        own = model_device(self.model)
        if isinstance(device, str) and device == "auto" and own is not None:
            dev = own
        else:
            dev = _resolve_device(device)
        if own is not None and own != dev:
            self.model.to(dev)
        d = self._dmodule()
        if d is not None:
            dd = model_device(d)
            if dd is not None and dd != dev:
                if hasattr(self.discriminator, "to"):
                    self.discriminator.to(dev)
                else:
                    d.to(dev)
        if self.generator is not None and hasattr(self.generator, "to"):
            self.generator.to(dev)
        return dev

    def _score_reference(self, shape_arg: str) -> None:
        """Score the objective on up to REFERENCE_SIZE items of ``data`` (a fixed random
        subset); kept in :attr:`reference`."""
        x = self.data
        if len(x) > REFERENCE_SIZE:
            pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
            x = x[pick[:REFERENCE_SIZE]]
        with _EvalMode(self, [self.model]):
            self._validate(shape_arg, x)
            self.reference = _all_scores(self.model, self.objective, x, 256)
        self._reference_x = x

    def _init(self, init) -> torch.Tensor:
        if self.generator is not None:
            return self._init_codes(init)
        n, shape = self.n_chains, self.input_shape
        lo, hi = self.data_range
        kw = {"device": self.device, "dtype": self.dtype}
        if isinstance(init, str):
            if init == "auto":
                init = "top" if self.reference is not None else "uniform"
            if init == "top":
                return self._top_starts().to(**kw)
            if init in ("uniform", "noise"):
                u = torch.rand((n, *shape), generator=self._gen, **kw)
                return lo + (hi - lo) * u
            if init == "mid":
                return torch.full((n, *shape), (lo + hi) / 2, **kw)
            if init == "zeros":
                return torch.zeros((n, *shape), **kw)
            raise unknown_name_error(
                "init", init, ["auto", "top", "uniform", "noise", "mid", "zeros"], "init"
            )
        if not isinstance(init, torch.Tensor):
            raise TypeError(
                f"init: expected 'auto', 'top', 'uniform', 'noise', 'mid', 'zeros' or a tensor, "
                f"got {init!r}"
            )
        x = init.detach().to(**kw)
        if not bool(torch.isfinite(x).all()):
            raise ValueError("init: contains NaN or infinite values")
        if tuple(x.shape) == shape:
            return x.expand(n, *shape).clone()
        if x.ndim == len(shape) + 1 and tuple(x.shape[1:]) == shape and n % x.shape[0] == 0:
            return x.repeat_interleave(n // x.shape[0], dim=0).clone()
        raise ValueError(
            f"init: expected shape {shape}, ({n}, *{shape}) or (m, *{shape}) with m dividing "
            f"n_chains={n}; got {tuple(x.shape)}"
        )

    def _top_starts(self) -> torch.Tensor:
        if self.reference is None:
            raise ValueError("init='top' starts from real inputs: pass data=")
        return top_starts(self.reference, self._reference_x, self.groups)

    def _init_codes(self, init) -> torch.Tensor:
        """Starting codes under a generator: the codes of the top real images ("auto" with
        data, "top"), standard normal draws ("auto" without, "noise", "uniform"), zeros
        ("zeros", "mid"), or a tensor of codes or of images (encoded)."""
        n, shape = self.n_chains, self.state_shape
        kw = {"device": self.device, "dtype": self.dtype}
        g = self.generator
        if isinstance(init, str):
            if init == "auto":
                init = "top" if self.reference is not None else "noise"
            if init == "top":
                return g.encode(self._top_starts().to(**kw)).to(**kw)
            if init in ("noise", "uniform"):
                return torch.randn((n, *shape), generator=self._gen, **kw)
            if init in ("zeros", "mid"):
                return torch.zeros((n, *shape), **kw)
            raise unknown_name_error(
                "init", init, ["auto", "top", "noise", "uniform", "zeros", "mid"], "init"
            )
        if not isinstance(init, torch.Tensor):
            raise TypeError(f"init: expected a name or a tensor, got {init!r}")
        x = init.detach().to(**kw)
        if tuple(x.shape[-len(self.input_shape) :]) == self.input_shape:
            x = g.encode(x.reshape(-1, *self.input_shape)).to(**kw)
        if tuple(x.shape) == shape:
            return x.expand(n, *shape).clone()
        if x.ndim == 2 and x.shape[1] == shape[0] and n % x.shape[0] == 0:
            return x.repeat_interleave(n // x.shape[0], dim=0).clone()
        raise ValueError(
            f"init: expected codes {shape} or images {self.input_shape} (one, n_chains, or m "
            f"dividing n_chains={n}); got {tuple(x.shape)}"
        )

    def _pictures(self, x: torch.Tensor) -> torch.Tensor:
        """The model's inputs for chain states ``x``: ``x`` itself, or the decoded codes."""
        return x if self.generator is None else self.generator.decode(x)

    def pictures(self) -> torch.Tensor:
        """The chains' current pictures on the sampler's device (detached): the states, or
        under a generator the decoded codes."""
        with torch.no_grad():
            return self._pictures(self.x).detach()

    def latents(self) -> torch.Tensor:
        """The chains' current codes under a generator, ``(n_chains, latent_dim)`` (CPU)."""
        if self.generator is None:
            raise ValueError("latents: this sampler moves pixels; pass generator= for codes")
        return self.x.detach().to("cpu", copy=True)

    # --- density -----------------------------------------------------------------------
    def _evaluate(self, x: torch.Tensor, tradeoff: float, temp: float):
        """``(log p, ∇log p, a, log D)`` at ``x``, each per chain (one forward, one backward)."""
        # Gradients on even when the caller runs the sampler inside torch.no_grad().
        with torch.enable_grad():
            return self._evaluate_with_grad(x, tradeoff, temp)

    def _evaluate_with_grad(self, x: torch.Tensor, tradeoff: float, temp: float):
        try:
            x = x.detach().requires_grad_(True)
            inp = self._pictures(x)
            acts = capture(self.model, inp, self.objective.layers)
            a = self.objective.score(acts, self.groups)
            logp = a / temp
            if self.generator is not None:
                logp = logp + self.generator.log_prior(x)
            if self.discriminator is not None:
                if tradeoff > 0:
                    logd = self.discriminator.log_prob_real(inp)
                    logp = logp + tradeoff * logd
                else:
                    with torch.no_grad():
                        logd = self.discriminator.log_prob_real(inp)
            else:
                logd = torch.zeros_like(a)
            if not self._gradient_checked:
                self._check_gradient(a, x)
            if logp.requires_grad:
                (grad,) = torch.autograd.grad(logp.sum(), x)
            else:
                grad = torch.zeros_like(x)
        except torch.OutOfMemoryError as err:
            smaller = max(1, self.n_chains // 4)
            raise RuntimeError(
                f"Sampler: out of GPU memory with n_chains={self.n_chains} on {self.device}; "
                f"try n_chains={smaller} or fewer (or a smaller model / input)"
            ) from err
        return logp.detach(), grad, a.detach(), logd.detach()

    def _check_gradient(self, a: torch.Tensor, x: torch.Tensor) -> None:
        """Once, at the first evaluation: the objective must have a gradient with respect
        to the input (Langevin follows it; the prior's alone would hide a cut graph)."""
        grad = None
        if a.requires_grad:
            (grad,) = torch.autograd.grad(a.sum(), x, allow_unused=True, retain_graph=True)
        if grad is None:
            raise ValueError(
                f"model: the objective {self.objective!r} has no gradient with respect to the "
                "input: the forward pass cuts the graph (detach(), torch.no_grad(), argmax, "
                "integer or NumPy operations). Langevin sampling follows that gradient; "
                "for a non-differentiable model use top_k_real instead."
            )
        self._gradient_checked = True

    def _ensure_cache(self, need_grad: bool = True) -> None:
        tradeoff, temp = self._settings()
        version = getattr(self.discriminator, "version", 0)
        c = self._cache
        same = c is not None and c[0] == tradeoff and c[1] == temp and c[2] == version
        if same and (c[4] is not None or not need_grad):  # c[4] is None after an MH-GAN step
            return
        with _EvalMode(self, [self.model, self._dmodule()]):
            logp, grad, act, logd = self._evaluate(self.x, tradeoff, temp)
        bad = ~(torch.isfinite(logp) & torch.isfinite(grad.flatten(1)).all(1))
        self._kill(bad)
        self._cache = (tradeoff, temp, version, logp, grad, act, logd)

    #: Steps between two checks for newly stopped chains (each check waits for the device).
    REPORT_EVERY = 32

    def _kill(self, bad: torch.Tensor) -> None:
        """Stop the chains in ``bad`` now, on the device; warn about them at the next report."""
        newly = bad & self.alive
        self.alive &= ~bad
        self._newly_stopped |= newly
        self._stopped_at = torch.where(newly, self.step_count, self._stopped_at)
        self._unreported += 1
        if self._unreported >= self.REPORT_EVERY:
            self._report_stopped(stacklevel=5)  # _kill, _step, run, the caller

    def _report_stopped(self, stacklevel: int = 3) -> None:
        self._unreported = 0
        if not bool(self._newly_stopped.any()):
            return
        idx = self._newly_stopped.nonzero().flatten()
        steps = sorted(set(self._stopped_at[idx].tolist()))
        self._newly_stopped.zero_()
        when = f"step {steps[0]}" if len(steps) == 1 else f"steps {steps[0]}–{steps[-1]}"
        warnings.warn(
            f"Sampler: chain(s) {idx.tolist()} got a NaN or infinite density or gradient at "
            f"{when} and stopped (see Sampler.stopped_chains)",
            RuntimeWarning,
            stacklevel=stacklevel,
        )

    def _fold(self, y: torch.Tensor) -> torch.Tensor:
        lo, hi = self.data_range
        w = hi - lo
        r = torch.remainder(y - lo, 2 * w)
        return lo + torch.where(r > w, 2 * w - r, r)

    def _log_q(self, to: torch.Tensor, mean: torch.Tensor, eps: float) -> torch.Tensor:
        """log q(to | from) up to a constant, per chain, for the proposal mean ``mean``.

        With reflection the density per coordinate is the Gaussian at ``to`` plus its
        mirror images at both walls: ``d_lo² - d² = 4 (to - lo)(mean - lo)`` (and the
        same at ``hi``), so ``log q = -d²/2ε + log(1 + e^{-2(to-lo)(mean-lo)/ε} +
        e^{-2(hi-to)(hi-mean)/ε})``. Images folded more than once are left out: they lie
        more than the box width away and weigh ``exp(-w²/2ε)`` or less.
        """
        d2 = ((to - mean) ** 2).flatten(1).sum(1) / (-2 * eps)
        if self.clamp != "reflect":
            return d2
        lo, hi = self.data_range
        a = (to - lo) * (mean - lo) * (-2 / eps)
        b = (hi - to) * (hi - mean) * (-2 / eps)
        corr = torch.logaddexp(
            torch.logaddexp(a, b), torch.zeros((), dtype=a.dtype, device=a.device)
        )
        return d2 + corr.flatten(1).sum(1)

    # --- stepping ----------------------------------------------------------------------
    def _settings(self) -> tuple[float, float]:
        with self._lock:  # one consistent (λ, T) pair per step
            return self._tradeoff, self._temperature

    def _mh_gan_step(self) -> None:
        """One MH-GAN step: independent generator proposals, corrected by D's ratio."""
        self._ensure_cache(need_grad=False)
        tradeoff, temp, version, _, _, act, logd = self._cache
        y = torch.randn(self.x.shape, generator=self._gen, device=self.device, dtype=self.dtype)
        with torch.no_grad():
            inp = self.generator.decode(y)
            acts = capture(self.model, inp, self.objective.layers)
            act_y = self.objective.score(acts, self.groups)
            logit_y = self.discriminator.logit(inp)
        logd_y = F.logsigmoid(logit_y)
        # log r = log D - log(1 - D), from the cached log D of the current states
        logit_x = logd - torch.log((-torch.expm1(logd)).clamp_min(1e-30))
        log_alpha = (act_y - act) / temp + tradeoff * (logit_y - logit_x)
        finite = torch.isfinite(act_y) & torch.isfinite(logit_y)
        u = torch.rand(self.n_chains, generator=self._gen, device=self.device)
        accept = self.alive & finite & (torch.log(u) < log_alpha)
        m = accept.view(-1, *([1] * (self.x.ndim - 1)))
        self.x = torch.where(m, y, self.x)
        act = torch.where(accept, act_y, act)
        logd = torch.where(accept, logd_y, logd)
        self._cache = (tradeoff, temp, version, None, None, act, logd)
        self._after_step(accept, act, logd, tradeoff, 0.0)

    def _step(self, noise_scale: float = 1.0) -> None:
        if self.mh_gan and noise_scale == 1.0:
            self._mh_gan_step()
            return
        self._ensure_cache()
        tradeoff, temp, version, logp, grad, act, logd = self._cache
        eps = self.step_size()
        x = self.x
        mean = x + 0.5 * eps * grad
        noise = torch.randn(x.shape, generator=self._gen, device=self.device, dtype=self.dtype)
        y = mean + (noise_scale * math.sqrt(eps)) * noise
        lo, hi = self.data_range
        if self.clamp == "reflect":
            y = self._fold(y)
        logp_y, grad_y, act_y, logd_y = self._evaluate(y, tradeoff, temp)
        finite = torch.isfinite(logp_y) & torch.isfinite(grad_y.flatten(1)).all(1)
        self._kill(~finite)
        accept = self.alive.clone()
        if self.clamp == "reject":
            accept &= ((y >= lo) & (y <= hi)).flatten(1).all(1)
        adapting = self.adapter is not None and not self.adapter.done and noise_scale == 1.0
        if (self.mala and noise_scale == 1.0) or adapting:
            mean_y = y + 0.5 * eps * grad_y
            log_alpha = logp_y - logp + self._log_q(x, mean_y, eps) - self._log_q(y, mean, eps)
            if adapting:  # ULA adapts on the acceptance MALA would have had
                live = self.alive & finite
                alpha = torch.exp(torch.clamp(log_alpha, max=0.0)).nan_to_num(0.0)
                self.adapter.update(float(alpha[live].mean()) if bool(live.any()) else 0.0)
            if self.mala and noise_scale == 1.0:
                u = torch.rand(self.n_chains, generator=self._gen, device=self.device)
                accept &= torch.log(u) < log_alpha
        accept &= finite
        m = accept.view(-1, *([1] * (x.ndim - 1)))
        self.x = torch.where(m, y, x)
        logp = torch.where(accept, logp_y, logp)
        grad = torch.where(m, grad_y, grad)
        act = torch.where(accept, act_y, act)
        logd = torch.where(accept, logd_y, logd)
        self._cache = (tradeoff, temp, version, logp, grad, act, logd)
        self._after_step(accept, act, logd, tradeoff, eps)

    def _after_step(self, accept, act, logd, tradeoff: float, eps: float) -> None:
        """What every kind of step ends with: count it, record it in the history (with the
        pictures on the steps it keeps them), and the warm-up's work: cool T, and once the
        warm-up is over, look for a dead unit."""
        self.n_accepted += accept
        self.n_proposed += 1
        self.step_count += 1
        keep = self.step_count % self.history.sample_every == 0
        self.history.record(
            self.step_count, act, logd, accept, tradeoff=tradeoff, step_size=eps,
            samples=self.pictures() if keep else self.x,
        )  # fmt: skip
        self._adapt_temperature(act)
        warm = self.adapter if self.adapter is not None else self.t_adapter
        if warm is not None and warm.done and not self._dead_checked:
            self._dead_checked = True
            self._check_dead(act)

    def _adapt_temperature(self, act: torch.Tensor) -> None:
        """A warm-up step of ``temperature="auto"``: cool or warm T by where the chains'
        median activation sits among the real inputs'."""
        with self._lock:
            adapter = self.t_adapter
            if adapter is None or adapter.done or not bool(self.alive.any()):
                return
            pct = percentile_of(self._ref_sorted, act, self.groups)[self.alive]
            old = self._temperature
            self._temperature = adapter.update(float(pct.median()))
            if self.adapter is not None and self._temperature != old:
                self.adapter.rescale(self._temperature / old)

    def _check_dead(self, act: torch.Tensor) -> None:
        """After the warm-up: a unit that is constant on the reference inputs and on every
        chain has no picture to show; say so instead of showing noise."""
        ref = self.reference
        values = act[self.alive].double().cpu()
        if ref is not None:
            values = torch.cat([values, ref.double().flatten()])
        if len(values) and float(values.max() - values.min()) <= 1e-9 * (
            1.0 + float(values.abs().max())
        ):
            on = "" if ref is None else f" and on all {ref.shape[1]} real inputs"
            warnings.warn(
                f"Sampler: {self.objective!r} is {float(values[0]):.4g} on every chain at the "
                f"end of the warm-up (step {self.step_count}){on}: the unit does not depend "
                "on the input (a dead unit, such as a ReLU channel that never fires), so its "
                "samples are noise. Pick another unit.",
                RuntimeWarning,
                stacklevel=4,
            )

    def anneal(
        self,
        n_steps: int,
        *,
        callback: Callable[[Sampler], None] | None = None,
        should_stop=None,
        progress: bool = False,
    ) -> int:
        """Run ``n_steps`` more steps whose noise falls linearly to zero: the chains settle
        on a nearby mode of ``p`` and the last picture has no step noise in it. These steps
        are not a sampler's (no Metropolis test; the history records them as accepted);
        :meth:`run` afterwards samples again. Returns how many ran.

        >>> from nbviz.ldam import class_logit
        >>> from nbviz.models import LeNet300100
        >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(3), n_chains=2)
        >>> s.run(10), s.anneal(5), s.step_count
        (10, 5, 15)
        """
        n = check_positive_int(n_steps, "n_steps", minimum=0)
        return self._loop(n, lambda k: 1.0 - (k + 1) / n, callback, should_stop, progress, "anneal")

    def proposal_mean(self) -> torch.Tensor:
        """``x + ε/2 ∇log p(x)`` at the current states (CPU, clamped to the data range when
        clamping): where the next step would go without its noise; a less grainy picture
        of each chain than :meth:`samples`."""
        self._ensure_cache()
        mean = self.x + 0.5 * self.step_size() * self._cache[4]
        if self.clamp is not None:
            mean = mean.clamp(*self.data_range)
        with torch.no_grad():
            return self._pictures(mean).detach().to("cpu", copy=True)

    def activation_percentile(self) -> torch.Tensor:
        """Each chain's activation as a percentile (0-100) of its unit's scores on the real
        inputs of ``data``, ``(n_chains,)``.

        >>> from nbviz.data import digits
        >>> from nbviz.ldam import class_logit
        >>> from nbviz.models import LeNet300100
        >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(3), n_chains=2,
        ...             data=digits())
        >>> bool(((s.activation_percentile() >= 0) & (s.activation_percentile() <= 100)).all())
        True
        """
        if self.reference is None:
            raise ValueError("activation_percentile: pass data= (real inputs) to the Sampler")
        return percentile_of(self._ref_sorted, self.activation.to(self.device), self.groups).cpu()

    def step(self) -> None:
        """Advance every live chain by one Langevin (or MALA) step.

        >>> from nbviz.ldam import class_logit
        >>> from nbviz.models import LeNet300100
        >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(3), n_chains=2)
        >>> s.step(); s.step_count
        1
        """
        with _EvalMode(self, [self.model, self._dmodule()]):
            self._step()
            self._report_stopped()

    def run(
        self,
        n_steps: int,
        *,
        callback: Callable[[Sampler], None] | None = None,
        should_stop=None,
        progress: bool = False,
    ) -> int:
        """Run up to ``n_steps`` steps; return how many ran.

        ``should_stop`` (``None``, a ``threading.Event`` or a callable) is checked before
        every step; when it says stop, the run returns early and a later :meth:`run`
        continues the same chains. ``callback(sampler)`` is called after every step.

        >>> import threading
        >>> from nbviz.ldam import class_logit
        >>> from nbviz.models import LeNet300100
        >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(3), n_chains=2)
        >>> stop = threading.Event()
        >>> s.run(10, callback=lambda s: s.step_count == 4 and stop.set(), should_stop=stop)
        4
        >>> stop.clear(); s.run(2), s.step_count
        (2, 6)
        """
        n = check_positive_int(n_steps, "n_steps", minimum=0)
        return self._loop(n, lambda k: 1.0, callback, should_stop, progress, "ldam")

    def _loop(self, n_steps, noise_scale, callback, should_stop, progress, desc) -> int:
        """Up to ``n_steps`` steps, step k with noise ``noise_scale(k)``; how many ran."""
        progress = check_bool(progress, "progress")
        stop = stop_check(should_stop)
        done = 0
        with _EvalMode(self, [self.model, self._dmodule()]):
            for k in tqdm(range(n_steps), desc=desc, unit="step", disable=not progress):
                if stop():
                    break
                self._step(noise_scale=noise_scale(k))
                done += 1
                if callback is not None:
                    callback(self)
            self._report_stopped()
        return done

    def __repr__(self) -> str:
        kind = "MALA" if self.mala else "ULA"
        return (
            f"Sampler({kind}, {self.objective!r}, n_chains={self.n_chains}, "
            f"tradeoff={self.tradeoff}, T={self.temperature}, steps={self.step_count}, "
            f"device={self.device})"
        )
