"""One :class:`~nbviz.ldam.Sampler` per prior, to put the LDAM paper's baselines side by side.

:func:`prior_samplers` builds, on one model, objective, data and seed, the sampler with no
prior, the one under a discriminator prior (``λ log D``) and the one on a generator's
codes, as a dict an :class:`~nbviz.LDAMViewer` takes (its prior picker and "side by
side"), or that a script runs in turn.

>>> from nbviz.data import digits
>>> from nbviz.ldam import DiscriminatorPrior, class_logit
>>> from nbviz.models import SmallCNN
>>> model = SmallCNN(in_shape=(1, 8, 8)).eval()
>>> d = DiscriminatorPrior((1, 8, 8), kind="mlp")
>>> samplers = prior_samplers(model, class_logit(3), data=digits("test"), discriminator=d)
>>> list(samplers), samplers["discriminator"].tradeoff
(['none', 'discriminator'], 64.0)
"""

from __future__ import annotations

from .sampler import Sampler

__all__ = ["DISCRIMINATOR_TRADEOFF", "prior_samplers"]

#: λ of the discriminator prior's sampler by default (the weight of ``log D`` against
#: ``a(x)/T`` under the automatic temperature).
DISCRIMINATOR_TRADEOFF = 64.0


def prior_samplers(
    model,
    objective,
    n_chains: int = 16,
    *,
    data=None,
    discriminator=None,
    generator=None,
    tradeoff: float = DISCRIMINATOR_TRADEOFF,
    **options,
) -> dict[str, Sampler]:
    """The samplers of ``objective`` on ``model`` under each prior given, by name:
    ``"none"`` always, ``"discriminator"`` (``λ = tradeoff``) with ``discriminator``, and
    ``"generator"`` (chains on the codes) with ``generator``.

    Every sampler gets the same ``n_chains``, ``data`` and ``options`` (any other
    :class:`~nbviz.ldam.Sampler` keyword: ``seed``, ``mala``, ``warmup`` ...), so each
    chain group differs only by its prior.
    """
    if discriminator is None and generator is None:
        raise ValueError(
            "prior_samplers: pass discriminator= and/or generator= (a DiscriminatorPrior, "
            "a GeneratorPrior); with neither there is nothing to compare"
        )
    out = {"none": Sampler(model, objective, n_chains, data=data, **options)}
    if discriminator is not None:
        out["discriminator"] = Sampler(
            model, objective, n_chains, data=data, discriminator=discriminator,
            tradeoff=tradeoff, **options,
        )  # fmt: skip
    if generator is not None:
        out["generator"] = Sampler(
            model, objective, n_chains, data=data, generator=generator, **options
        )
    return out
