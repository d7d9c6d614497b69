"""Langevin Dynamics Activation Maximization (LDAM, arXiv:1812.04604): the compute half.

Sample the set of inputs that drive a neuron high, ``p(x) ∝ exp(a(x)/T) · D(x)^λ``,
with a discriminator ``D`` as the prior that keeps the samples looking like data.

* Objectives (:mod:`~nbviz.ldam.objectives`): :func:`neuron`, :func:`neurons` (one chain
  group per unit), :func:`channel`, :func:`channels`, :func:`class_logit`,
  :func:`class_logits`, :func:`direction`, :func:`custom`, :func:`l2`,
  :func:`total_variation`; they add and scale (``2 * a - b``).
* :class:`Sampler`: many ULA or MALA chains in one batch; with ``data`` it needs no
  settings (:mod:`~nbviz.ldam.tuning`: step size and temperature from a warm-up, starts
  at the top real images), ``anneal()`` ends noise-free; ``step()`` / ``run()`` with
  ``callback`` and ``should_stop``, thread-safe ``tradeoff`` (λ) and ``temperature``, clamping,
  :class:`PolyDecay` step sizes and a bounded :class:`History`.
* :class:`GeneratorPrior` (:class:`VAE`): ``GeneratorPrior.fit(data)`` trains and caches
  a small VAE; ``Sampler(..., generator=prior)`` runs the chains on its codes and shows
  the decoded pictures (DGN-AM / PPGN's generator prior).
* :func:`prior_samplers`: one sampler per prior (none, discriminator, generator) on the
  same objective and data, for the viewer's prior picker and side-by-side view.
* :class:`DiscriminatorPrior` (:class:`Discriminator`): pre-training on real against
  perturbed data, GAN-style :meth:`~DiscriminatorPrior.update` against the chains,
  Platt / temperature calibration with ECE and Brier; :func:`train_with_sampler`.
* Baselines: :func:`activation_maximization` (gradient ascent with :class:`Jitter`,
  :class:`Blur`, :class:`L2Decay` and a total-variation penalty),
  :func:`top_k_real`, :func:`multifaceted_init`.
* Diagnostics: :func:`autocorrelation`, :func:`effective_sample_size`,
  :func:`split_rhat`, :func:`mean_pairwise_distance`, :func:`roughness`, :func:`summarize`,
  :func:`tradeoff_curve` (:class:`TradeoffCurve` with ``figure()``), :func:`trace_figure`.

Nothing here imports ipywidgets: the widget drives :meth:`Sampler.run` from its worker.

>>> import torch
>>> from nbviz.ldam import Sampler, neurons, split_rhat
>>> from nbviz.models import SmallCNN
>>> _ = torch.manual_seed(0)
>>> s = Sampler(SmallCNN(in_shape=(1, 8, 8)).eval(), neurons("fc1", [0, 1]), n_chains=8,
...             step_size=0.01, mala=True, seed=0)
>>> s.run(20)
20
>>> s.history.activation.shape
torch.Size([20, 8])
"""

from .baselines import (
    AMResult,
    Blur,
    Jitter,
    L2Decay,
    TopK,
    activation_maximization,
    kmeans,
    multifaceted_init,
    top_k_real,
)
from .diagnostics import (
    TradeoffCurve,
    autocorrelation,
    effective_sample_size,
    mean_pairwise_distance,
    roughness,
    split_rhat,
    summarize,
    trace_figure,
    tradeoff_curve,
)
from .discriminator import (
    CALIBRATIONS,
    PERTURBATIONS,
    Discriminator,
    DiscriminatorPrior,
    calibration_metrics,
    perturb,
    train_with_sampler,
)
from .generator import VAE, GeneratorPrior
from .history import History
from .objectives import (
    INPUT,
    OUTPUT,
    Objective,
    capture,
    channel,
    channels,
    class_logit,
    class_logits,
    custom,
    default_groups,
    direction,
    l2,
    neuron,
    neurons,
    objective_layers,
    total_variation,
)
from .priors import DISCRIMINATOR_TRADEOFF, prior_samplers
from .sampler import CLAMPS, PolyDecay, Sampler

__all__ = [
    "CALIBRATIONS",
    "CLAMPS",
    "DISCRIMINATOR_TRADEOFF",
    "INPUT",
    "OUTPUT",
    "PERTURBATIONS",
    "VAE",
    "AMResult",
    "Blur",
    "Discriminator",
    "DiscriminatorPrior",
    "GeneratorPrior",
    "History",
    "Jitter",
    "L2Decay",
    "Objective",
    "PolyDecay",
    "Sampler",
    "TopK",
    "TradeoffCurve",
    "activation_maximization",
    "autocorrelation",
    "calibration_metrics",
    "capture",
    "channel",
    "channels",
    "class_logit",
    "class_logits",
    "custom",
    "default_groups",
    "direction",
    "effective_sample_size",
    "kmeans",
    "l2",
    "mean_pairwise_distance",
    "multifaceted_init",
    "neuron",
    "neurons",
    "objective_layers",
    "perturb",
    "prior_samplers",
    "roughness",
    "split_rhat",
    "summarize",
    "top_k_real",
    "total_variation",
    "trace_figure",
    "tradeoff_curve",
    "train_with_sampler",
]
