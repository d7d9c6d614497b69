"""Chain diagnostics: autocorrelation, effective sample size, split R-hat, diversity,
and the interpretability / activation trade-off curve as the tradeoff λ sweeps.

Traces are ``(T, n_chains)`` arrays (steps down, chains across), as
:class:`~nbviz.ldam.History` gives them.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> iid = rng.normal(size=(1000, 4))
>>> round(split_rhat(iid), 2), bool(effective_sample_size(iid).mean() > 800)
(1.0, True)
>>> stuck = iid + np.array([0.0, 0.0, 5.0, 5.0])   # two chains in another mode
>>> split_rhat(stuck) > 1.1
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._checks import as_numpy, check_bool, check_finite
from ..plotting import new_figure
from .history import History

__all__ = [
    "TradeoffCurve",
    "autocorrelation",
    "effective_sample_size",
    "mean_pairwise_distance",
    "roughness",
    "split_rhat",
    "summarize",
    "trace_figure",
    "tradeoff_curve",
]


def _trace(trace, arg="trace") -> np.ndarray:
    a = as_numpy(trace, arg).astype(np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{arg}: expected (steps, chains), got shape {a.shape}")
    if a.shape[0] < 4:
        raise ValueError(f"{arg}: expected at least 4 steps, got {a.shape[0]}")
    check_finite(a, arg)
    return a


def autocorrelation(trace, max_lag: int | None = None) -> np.ndarray:
    """Per-chain autocorrelation ``(max_lag + 1, n_chains)`` by FFT (lag 0 is 1).

    >>> autocorrelation(np.array([1.0, -1.0] * 50), max_lag=2)[:, 0].round(2).tolist()
    [1.0, -0.99, 0.98]
    """
    a = _trace(trace)
    t = a.shape[0]
    max_lag = t - 1 if max_lag is None else min(int(max_lag), t - 1)
    x = a - a.mean(0)
    n = 1 << (2 * t - 1).bit_length()
    f = np.fft.rfft(x, n=n, axis=0)
    acov = np.fft.irfft(f * np.conj(f), n=n, axis=0)[:t] / t
    var = acov[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(var > 0, acov / np.where(var > 0, var, 1), 0.0)
    rho[0] = 1.0
    return rho[: max_lag + 1]


def effective_sample_size(trace) -> np.ndarray:
    """Per-chain effective sample size ``T / τ``, ``τ`` by Geyer's initial monotone
    sequence (sums of lag pairs, made non-increasing, cut at the first non-positive).

    >>> rng = np.random.default_rng(0)
    >>> ar = np.zeros(4000); e = rng.normal(size=4000)
    >>> for t in range(1, 4000): ar[t] = 0.9 * ar[t - 1] + e[t]
    >>> bool(100 < effective_sample_size(ar)[0] < 320)   # theory: 4000 · 0.1/1.9 ≈ 211
    True
    """
    a = _trace(trace)
    t, c = a.shape
    rho = autocorrelation(a)
    out = np.empty(c)
    for j in range(c):
        r = rho[:, j]
        tau, last = -1.0, np.inf
        for k in range(0, t - 1, 2):
            pair = min(r[k] + r[k + 1], last)  # initial monotone sequence
            if pair <= 0:
                break
            tau += 2 * pair
            last = pair
        out[j] = t / max(tau, 1e-12) if np.var(a[:, j]) > 0 else float(t)
    return out


def split_rhat(trace) -> float:
    """Split R-hat (Gelman et al.): each chain cut in halves, between- against within-chain
    variance. About 1 for mixed chains; above ~1.1 means they have not mixed.

    >>> split_rhat(np.tile(np.arange(10.0), (2, 1)).T)   # both chains trend: halves differ
    2.03...
    """
    a = _trace(trace)
    n = a.shape[0] // 2
    halves = np.concatenate([a[:n], a[a.shape[0] - n :]], axis=1)
    means = halves.mean(0)
    w = halves.var(0, ddof=1).mean()
    b = n * means.var(ddof=1)
    if w == 0:
        return 1.0 if b == 0 else float("inf")
    var_hat = (n - 1) / n * w + b / n
    return float(np.sqrt(var_hat / w))


def roughness(data) -> float:
    """Mean absolute difference of neighbouring pixels, across and down, averaged: how
    grainy the images ``data`` ``(..., H, W)`` are (uniform noise in [0, 1] scores 1/3,
    Fashion-MNIST about 0.08).

    >>> roughness(torch.tensor([[0.0, 1.0], [0.0, 1.0]]))
    0.5
    """
    x = torch.as_tensor(data).detach().float()
    across = (x[..., :, 1:] - x[..., :, :-1]).abs().mean()
    down = (x[..., 1:, :] - x[..., :-1, :]).abs().mean()
    return float((across + down) / 2)


def mean_pairwise_distance(samples) -> float:
    """Mean Euclidean distance between all pairs of samples ``(N, ...)`` (diversity).

    >>> mean_pairwise_distance(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    5.0
    """
    x = torch.as_tensor(samples).detach().float().reshape(len(samples), -1).cpu()
    if len(x) < 2:
        raise ValueError(f"samples: expected at least 2 samples, got {len(x)}")
    d = torch.cdist(x, x)
    n = len(x)
    return float(d.sum() / (n * (n - 1)))


def summarize(sampler, burn_in: float = 0.5) -> dict:
    """Diagnostics of a :class:`~nbviz.ldam.Sampler` from its history, per chain group.

    The first ``burn_in`` fraction of the kept traces is dropped. Returns
    ``{"steps", "acceptance", "activation", "log_d", "ess", "rhat", "diversity",
    "stopped_chains"}``, the per-group entries as lists (one value per group).

    >>> import torch
    >>> from torch import nn
    >>> from nbviz.ldam import Sampler, custom
    >>> s = Sampler(nn.Identity(), custom("output", lambda a: -(a**2).sum(1)), n_chains=8,
    ...             input_shape=(2,), step_size=0.3, mala=True, clamp=None)
    >>> _ = s.run(60)
    >>> sorted(summarize(s))[:3]
    ['acceptance', 'activation', 'diversity']
    """
    h = sampler.history
    act, logd, acc = h.activation, h.log_d, h.accepted
    if len(act) < 8:
        raise ValueError(f"sampler: needs at least 8 recorded steps, has {len(act)}")
    start = int(len(act) * burn_in)
    act, logd, acc = act[start:], logd[start:], acc[start:]
    groups = sampler.groups.cpu()
    x = sampler.samples()
    out = {k: [] for k in ("acceptance", "activation", "log_d", "ess", "rhat", "diversity")}
    for g in range(int(groups.max()) + 1):
        m = (groups == g) & sampler.alive.cpu()
        if not bool(m.any()):
            for v in out.values():
                v.append(float("nan"))
            continue
        a = act[:, m].numpy()
        out["acceptance"].append(float(acc[:, m].mean()))
        out["activation"].append(float(a.mean()))
        out["log_d"].append(float(logd[:, m].mean()))
        out["ess"].append(float(effective_sample_size(a).sum()))
        out["rhat"].append(split_rhat(a) if a.shape[1] > 1 else float("nan"))
        out["diversity"].append(mean_pairwise_distance(x[m]) if int(m.sum()) > 1 else 0.0)
    out["steps"] = int(h.steps[-1]) if len(h) else 0
    out["stopped_chains"] = sampler.stopped_chains
    return out


@dataclass
class TradeoffCurve:
    """Activation reached against mean ``log D`` as the tradeoff λ sweeps (:func:`tradeoff_curve`).

    ``tradeoffs``, ``activation``, ``log_d``, ``diversity``: one entry per λ; ``samples``:
    the chains' states at the end of each λ's run (CPU tensors ``(n_chains, *shape)``).
    """

    tradeoffs: list
    activation: list
    log_d: list
    diversity: list
    samples: list = field(default_factory=list)

    def figure(self):
        """The curve: mean ``log D`` (x) against mean activation (y), points labelled by λ.

        >>> curve = TradeoffCurve([0, 1], [2.0, 1.0], [-3.0, -1.0], [1.0, 0.5])
        >>> curve.figure().axes[0].get_xlabel()
        'mean log D (realism)'
        """
        fig = new_figure(figsize=(4.5, 3.5))
        ax = fig.add_subplot()
        ax.plot(self.log_d, self.activation, "o-")
        for tradeoff, xd, ya in zip(self.tradeoffs, self.log_d, self.activation, strict=True):
            ax.annotate(f"λ={tradeoff:g}", (xd, ya), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)  # fmt: skip
        ax.set_xlabel("mean log D (realism)")
        ax.set_ylabel("mean activation")
        ax.set_title("LDAM trade-off")
        fig.tight_layout()
        return fig


def tradeoff_curve(
    sampler, tradeoffs, steps: int = 50, burn_in: float = 0.5, *, restart: bool = False
) -> TradeoffCurve:
    """Run ``sampler`` ``steps`` steps at each λ in ``tradeoffs`` and record the mean
    activation, mean ``log D`` (over the live chains, averaged over the last
    ``1 - burn_in`` of each run), the diversity and the samples at the end of each run.
    The sampler's :attr:`~nbviz.ldam.Sampler.tradeoff` is restored afterwards.

    ``restart=False`` continues the chains from λ to λ (warm starts: each value mixes the
    effect of λ with the time the chains have run, and the sampler keeps the new states).
    ``restart=True`` starts every λ from the chains' states at the call, with the same
    noise draws (the sampler's random generator is rewound too), so the runs differ only
    in λ; the sampler is then put back as it was (states, step count, acceptance counts,
    random generator) and its :attr:`~nbviz.ldam.Sampler.history` records none of it.

    >>> import torch
    >>> from nbviz.ldam import DiscriminatorPrior, Sampler, class_logit
    >>> from nbviz.models import LeNet300100
    >>> s = Sampler(LeNet300100(in_shape=(1, 8, 8)).eval(), class_logit(0), n_chains=4,
    ...             discriminator=DiscriminatorPrior((1, 8, 8), kind="mlp"))
    >>> curve = tradeoff_curve(s, [0.0, 1.0], steps=4)
    >>> len(curve.activation), s.tradeoff, s.step_count
    (2, 0.0, 8)
    >>> x0 = s.samples()
    >>> curve = tradeoff_curve(s, [0.0, 0.0], steps=4, restart=True)
    >>> curve.activation[0] == curve.activation[1], s.step_count, torch.equal(s.samples(), x0)
    (True, 8, True)
    """
    restart = check_bool(restart, "restart")
    before = sampler.tradeoff
    curve = TradeoffCurve([], [], [], [], [])
    saved = sampler.checkpoint() if restart else None
    try:
        for tradeoff in tradeoffs:
            if saved is not None:
                sampler.restore(saved)
                n = max(int(steps), 1)  # a throwaway history: the sampler's own keeps none
                sampler.history = History(
                    sampler.n_chains,
                    sampler.input_shape,
                    trace_capacity=n,
                    sample_capacity=1,
                    sample_every=n,
                )
            sampler.tradeoff = tradeoff
            acts, logds, seen = [], [], [0]
            keep_from = int(steps * burn_in)

            def cb(s, acts=acts, logds=logds, seen=seen, keep_from=keep_from):
                seen[0] += 1
                if seen[0] > keep_from:
                    live = s.alive.cpu()
                    acts.append(float(s.activation[live].mean()))
                    logds.append(float(s.log_d[live].mean()))

            sampler.run(steps, callback=cb)
            curve.tradeoffs.append(float(tradeoff))
            curve.activation.append(float(np.mean(acts)) if acts else float("nan"))
            curve.log_d.append(float(np.mean(logds)) if logds else float("nan"))
            x = sampler.samples()
            curve.samples.append(x)
            live = x[sampler.alive.cpu()]
            curve.diversity.append(mean_pairwise_distance(live) if len(live) > 1 else 0.0)
    finally:
        if saved is not None:
            sampler.restore(saved)
        sampler.tradeoff = before
    return curve


def trace_figure(history, chains=None):
    """Per-chain traces of activation and ``log D``, and the running acceptance rate.

    >>> from nbviz.ldam import History
    >>> h = History(2, (1,))
    >>> for t in range(1, 5):
    ...     h.record(t, torch.rand(2), torch.rand(2), torch.ones(2, dtype=torch.bool),
    ...              tradeoff=0.0, step_size=0.1, samples=torch.zeros(2, 1))
    >>> len(trace_figure(h).axes)
    3
    """
    steps = history.steps.numpy()
    act, logd, acc = history.activation, history.log_d, history.accepted
    if chains is not None:
        act, logd, acc = act[:, chains], logd[:, chains], acc[:, chains]
    fig = new_figure(figsize=(8, 2.6))
    for i, (data, label) in enumerate([(act, "activation"), (logd, "log D")]):
        ax = fig.add_subplot(1, 3, i + 1)
        ax.plot(steps, data.numpy(), lw=0.7, alpha=0.7)
        ax.set_xlabel("step")
        ax.set_title(label, fontsize=9)
    ax = fig.add_subplot(1, 3, 3)
    if len(acc):
        running = acc.mean(1).cumsum(0) / torch.arange(1, len(acc) + 1)
        ax.plot(steps, running.numpy())
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("step")
    ax.set_title("acceptance (running)", fontsize=9)
    fig.tight_layout()
    return fig
