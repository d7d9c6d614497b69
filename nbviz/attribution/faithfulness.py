"""How faithful a heatmap is: pixel flipping and relevance conservation.

:func:`pixel_flipping` (Bach et al. 2015; Samek et al. 2017, "deletion") removes the
pixels a heatmap ranks highest first, a few percent at a time, and records the class
score after each step. The faster the score falls, the better the heatmap found the
evidence the model uses. The area under that curve compares methods on the same images
(lower is better). :func:`conservation` compares the relevance a heatmap hands out with
the output it explains, which LRP's rules keep equal up to what biases absorb.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
>>> x = torch.ones(1, 1, 2, 2)
>>> curve = pixel_flipping(net, x, torch.rand(1, 1, 2, 2), target=0, steps=4)
>>> curve.fractions.tolist()
[0.0, 0.25, 0.5, 0.75, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .._checks import check_positive_int
from .methods import targets_for

__all__ = ["FlipCurve", "conservation", "pixel_flipping"]


@dataclass
class FlipCurve:
    """The class score as pixels are removed in a heatmap's order.

    Attributes:
        fractions: the share of pixels removed at each point, ``(steps + 1,)`` from 0 to 1.
        scores: the mean class score over the images at each point.
        per_image: each image's score at each point, ``(N, steps + 1)``.
    """

    fractions: torch.Tensor
    scores: torch.Tensor
    per_image: torch.Tensor

    @property
    def auc(self) -> float:
        """The area under the mean curve (trapezoid rule); lower: a more faithful map."""
        return float(torch.trapezoid(self.scores, self.fractions))


def pixel_flipping(
    model: nn.Module,
    data: torch.Tensor,
    attributions: torch.Tensor,
    target="predicted",
    *,
    steps: int = 20,
    baseline: float = 0.0,
) -> FlipCurve:
    """Remove the pixels of each image of ``data`` ``(N, C, H, W)`` in order of their
    relevance in ``attributions`` (summed over channels, highest first), ``1/steps`` of
    them at a time, setting them to ``baseline``; the class score at each step.
    ``target`` as in :func:`~nbviz.attribution.attribute` (the class is fixed from the
    intact images).
    """
    steps = check_positive_int(steps, "steps")
    x = torch.as_tensor(data, dtype=torch.float32)
    a = torch.as_tensor(attributions, dtype=torch.float32).to(x.device)
    if x.ndim != 4 or a.shape != x.shape:
        raise ValueError(
            f"attributions: expected the shape of data {tuple(x.shape)} (N, C, H, W), "
            f"got {tuple(a.shape)}"
        )
    was = model.training
    model.eval()
    try:
        t = targets_for(model, x, target)
        n, c, h, w = x.shape
        order = a.sum(1).flatten(1).argsort(dim=1, descending=True)  # (N, H·W)
        counts = [round(k * h * w / steps) for k in range(steps + 1)]
        scores = torch.empty(n, steps + 1)
        flipped = x.clone()
        rows = torch.arange(n, device=x.device)[:, None]
        with torch.no_grad():
            for k, count in enumerate(counts):
                if k:
                    idx = order[:, counts[k - 1] : count]
                    view = flipped.view(n, c, h * w)
                    view[rows, :, idx] = baseline
                scores[:, k] = model(flipped).gather(1, t[:, None]).squeeze(1).cpu()
    finally:
        model.train(was)
    fractions = torch.tensor(counts, dtype=torch.float32) / (h * w)
    return FlipCurve(fractions=fractions, scores=scores.mean(0), per_image=scores)


def conservation(model: nn.Module, data: torch.Tensor, attributions, target) -> torch.Tensor:
    """Each image's total relevance over the class score it explains, ``(N,)``: 1 when
    a heatmap hands out exactly the output (LRP-0 without biases), less when biases or ε
    absorb some.

    >>> net = nn.Linear(3, 2, bias=False)
    >>> x = torch.ones(1, 3)
    >>> conservation(net, x, x * net.weight[0], target=0).tolist()
    [1.0]
    """
    x = torch.as_tensor(data, dtype=torch.float32)
    with torch.no_grad():
        t = targets_for(model, x, target)
        out = model(x).gather(1, t[:, None]).squeeze(1)
    total = torch.as_tensor(attributions).detach().flatten(1).sum(1).to(out.device)
    return (total / out).cpu()
