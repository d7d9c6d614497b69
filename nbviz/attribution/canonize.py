"""Canonization: rewrite a network into an equivalent one whose layers LRP's rules fit.

LRP's rules are stated for plain linear layers followed by a ReLU. A BatchNorm right after
a convolution or a linear layer is an affine map per channel, so it folds into that layer's
weights and bias without changing the function (``torch.fx``'s fusion, built on
``torch.nn.utils.fusion``). After folding, a rule acts on the layer the network really
computes, instead of splitting relevance between the layer and a separate normalization.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU()).eval()
>>> folded = fold_batchnorm(net)
>>> [type(m).__name__ for m in folded.children()]
['Conv2d', 'ReLU']
>>> x = torch.randn(2, 1, 8, 8)
>>> bool(torch.allclose(net(x), folded(x), atol=1e-5))
True
"""

from __future__ import annotations

from torch import fx, nn
from torch.fx.experimental.optimization import fuse

__all__ = ["fold_batchnorm", "folded_norms"]

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every BatchNorm that directly follows a convolution or a
    linear layer folded into it (eval mode: the running statistics). ``model`` itself is
    not changed. A BatchNorm after anything else (a pooling layer, say) stays, and LRP
    treats it as a layer of its own.

    Raises:
        ValueError: the model's forward cannot be traced by ``torch.fx`` (data-dependent
            control flow); the message names the reason. Pass ``canonize=False`` to the
            attribution to skip folding.
    """
    if not any(isinstance(m, _NORMS) for m in model.modules()):
        return model
    was = model.training
    model.eval()
    try:
        return fuse(model)
    except (fx.proxy.TraceError, TypeError, NotImplementedError, RuntimeError) as err:
        raise ValueError(
            f"model: cannot fold its BatchNorm layers, torch.fx could not trace its forward "
            f"({type(err).__name__}: {err}); pass canonize=False to attribute unfolded"
        ) from err
    finally:
        model.train(was)


def folded_norms(model: nn.Module, folded: nn.Module) -> int:
    """How many BatchNorm layers folding removed (``model`` against ``fold_batchnorm``'s
    copy of it)."""
    count = lambda m: sum(isinstance(x, _NORMS) for x in m.modules())  # noqa: E731
    return count(model) - count(folded)
