"""The baselines LDAM is compared with: classic activation maximization and real images.

* :func:`activation_maximization`: gradient ascent on the input (Erhan et al.; Yosinski
  et al. 2015) with small composable pieces: *transforms* applied to the image before
  each forward pass (:class:`Jitter`), *post-step* operations on the image
  (:class:`L2Decay`, :class:`Blur` every k steps), and penalties written as objectives
  on ``"input"`` (``obj - 0.01 * total_variation()``).
* :func:`top_k_real`: the real images that score highest, per chain group.
* :func:`multifaceted_init`: cluster the top-activating real images with :func:`kmeans`
  and start one chain group from each cluster's mean image (multifaceted feature
  visualization, Nguyen, Yosinski, Clune, arXiv:1602.03616).

>>> import torch
>>> from nbviz.ldam import class_logit, total_variation
>>> from nbviz.models import LeNet300100
>>> _ = torch.manual_seed(0)
>>> model = LeNet300100(in_shape=(1, 8, 8))
>>> res = activation_maximization(model, class_logit(2) - 0.01 * total_variation(), n=4,
...                               steps=30, post=[L2Decay(0.01), Blur(0.5, every=5)])
>>> res.images.shape, bool(res.trace[-1].mean() > res.trace[0].mean())
(torch.Size([4, 1, 8, 8]), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .._checks import check_positive_int, check_seed, unknown_name_error
from ..models._inputs import (
    as_tensors,
    expected_input_shape,
    model_device,
    model_float_dtype,
    probe_forward,
    runnable_model,
)
from ..plotting import new_figure
from ._shapes import resolve_input_shape
from .discriminator import _gaussian_blur
from .objectives import Objective, capture, default_groups

__all__ = [
    "AMResult",
    "Blur",
    "Jitter",
    "L2Decay",
    "TopK",
    "activation_maximization",
    "kmeans",
    "multifaceted_init",
    "top_k_real",
]


class Jitter:
    """Transform: shift the whole batch by a random offset of up to ``pixels`` (``roll``).

    >>> Jitter(2)(torch.zeros(1, 1, 4, 4), torch.Generator()).shape
    torch.Size([1, 1, 4, 4])
    """

    def __init__(self, pixels: int = 1):
        self.pixels = check_positive_int(pixels, "pixels", minimum=0)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.pixels == 0 or x.ndim < 3:
            return x
        dy, dx = (
            int(v) for v in torch.randint(-self.pixels, self.pixels + 1, (2,), generator=generator)
        )
        return torch.roll(x, shifts=(dy, dx), dims=(-2, -1))


class L2Decay:
    """Post-step: ``x ← center + (1 - rate)(x - center)`` (Yosinski et al.'s L2 decay).

    >>> L2Decay(0.5)(torch.ones(1, 2), step=1).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, rate: float = 0.01, center: float = 0.0):
        if not 0 <= float(rate) < 1:
            raise ValueError(f"rate: expected a number in [0, 1), got {rate!r}")
        self.rate, self.center = float(rate), float(center)

    def __call__(self, x: torch.Tensor, step: int) -> torch.Tensor:
        return self.center + (1 - self.rate) * (x - self.center)


class Blur:
    """Post-step: Gaussian blur of width ``sigma`` pixels every ``every`` steps.

    >>> Blur(1.0, every=1)(torch.eye(5)[None, None], step=1).sum().round()
    tensor(5.)
    """

    def __init__(self, sigma: float = 0.5, every: int = 4):
        if not float(sigma) > 0:
            raise ValueError(f"sigma: expected a number > 0, got {sigma!r}")
        self.sigma = float(sigma)
        self.every = check_positive_int(every, "every")

    def __call__(self, x: torch.Tensor, step: int) -> torch.Tensor:
        if step % self.every or x.ndim != 4:
            return x
        return _gaussian_blur(x, torch.full((len(x),), self.sigma, device=x.device, dtype=x.dtype))


@dataclass
class AMResult:
    """What :func:`activation_maximization` returns.

    ``images`` ``(n, *shape)``, ``scores`` ``(n,)`` (the objective at the end, without
    transforms), ``trace`` ``(steps, n)`` (the objective each step), ``groups`` ``(n,)``.
    """

    images: torch.Tensor
    scores: torch.Tensor
    trace: torch.Tensor
    groups: torch.Tensor

    def figure(self, max_images: int = 16):
        """The images in a row, each titled with its score (a matplotlib figure)."""
        return _image_row(self.images[:max_images], self.scores[:max_images])


def _image_row(images: torch.Tensor, scores: torch.Tensor | None = None):
    n = len(images)
    fig = new_figure(figsize=(1.2 * n, 1.5))
    for i in range(n):
        ax = fig.add_subplot(1, n, i + 1)
        img = images[i]
        img = img[0] if img.shape[0] == 1 else img.permute(1, 2, 0)
        ax.imshow(img.numpy(), cmap="gray")
        ax.set_axis_off()
        if scores is not None:
            ax.set_title(f"{float(scores[i]):.2f}", fontsize=7)
    return fig


def _start(init, n, shape, data_range, device, dtype, gen) -> torch.Tensor:
    lo, hi = data_range
    if isinstance(init, str):
        if init == "uniform":
            return lo + (hi - lo) * torch.rand((n, *shape), generator=gen).to(device, dtype)
        if init == "mid":
            return torch.full((n, *shape), (lo + hi) / 2, device=device, dtype=dtype)
        raise unknown_name_error("init", init, ["uniform", "mid"], "init")
    x = torch.as_tensor(init).to(device, dtype)
    if tuple(x.shape) == tuple(shape):
        return x.expand(n, *shape).clone()
    if tuple(x.shape[1:]) == tuple(shape) and n % len(x) == 0:
        return x.repeat_interleave(n // len(x), 0).clone()
    raise ValueError(f"init: expected shape {tuple(shape)} or (m, *{tuple(shape)}), got {x.shape}")


def activation_maximization(
    model: nn.Module,
    objective: Objective,
    n: int = 8,
    *,
    steps: int = 200,
    lr: float = 0.05,
    transforms=(),
    post=(),
    data_range=(0.0, 1.0),
    init="uniform",
    input_shape=None,
    seed: int = 0,
) -> AMResult:
    """Classic activation maximization: ``n`` images by gradient ascent (Adam) on the input.

    Each step: ``x_t = transforms(x)`` (e.g. :class:`Jitter`), ascend ``objective`` at
    ``x_t``, then the ``post`` operations (:class:`L2Decay`, :class:`Blur`) and a clamp
    to ``data_range``. Group objectives give ``n / n_groups`` images per unit. The
    model runs in eval mode (its flags restored after). ``input_shape``: the shape of one
    input; default the model's ``in_shape``, else what its first layer fixes (as for
    :class:`~nbviz.ldam.Sampler`).
    """
    model = runnable_model(model)
    n = check_positive_int(n, "n")
    steps = check_positive_int(steps, "steps")
    seed = check_seed(seed)
    shape, shape_arg = resolve_input_shape(model, input_shape)
    device = model_device(model) or torch.device("cpu")
    dtype = model_float_dtype(model)
    gen = torch.Generator().manual_seed(seed)
    x = _start(init, n, shape, data_range, device, dtype, gen)
    probe_forward(model, x[:1], shape_arg, "; pass input_shape= the shape of one input")
    objective.validate(model, x[:1])
    groups = default_groups(n, objective.n_groups, device)
    x.requires_grad_(True)
    opt = torch.optim.Adam([x], lr=float(lr))
    lo, hi = data_range
    trace = torch.empty(steps, n)
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        # gradient ascent works inside a caller's torch.no_grad() too
        with torch.enable_grad():
            for t in range(1, steps + 1):
                xt = x
                for tr in transforms:
                    xt = tr(xt, gen)
                score = objective.score(capture(model, xt, objective.layers), groups)
                opt.zero_grad(set_to_none=True)
                (-score.sum()).backward()
                opt.step()
                trace[t - 1] = score.detach().cpu()
                with torch.no_grad():
                    y = x
                    for op in post:
                        y = op(y, t)
                    x.copy_(y.clamp(lo, hi))
        with torch.no_grad():
            final = objective.score(capture(model, x, objective.layers), groups)
    finally:
        for m, f in flags:
            m.training = f
    return AMResult(x.detach().cpu(), final.cpu(), trace, groups.cpu())


@dataclass
class TopK:
    """What :func:`top_k_real` returns: ``images`` ``(G, k, *shape)``, ``indices`` and
    ``scores`` ``(G, k)``, best first, one row per chain group (unit)."""

    images: torch.Tensor
    indices: torch.Tensor
    scores: torch.Tensor


def _all_scores(model, objective, x, batch_size) -> torch.Tensor:
    """(G, N): every image scored on every group's unit."""
    out = []
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    device = model_device(model) or torch.device("cpu")
    try:
        with torch.no_grad():
            for s in range(0, len(x), batch_size):
                xb = x[s : s + batch_size].to(device)
                acts = capture(model, xb, objective.layers)
                out.append(
                    torch.stack(
                        [
                            objective.score(acts, torch.full((len(xb),), g, device=device))
                            for g in range(objective.n_groups)
                        ]
                    ).cpu()
                )
    finally:
        for m, f in flags:
            m.training = f
    return torch.cat(out, 1)


def top_k_real(
    model: nn.Module,
    objective: Objective,
    data,
    k: int = 9,
    batch_size=512,
    *,
    input_shape=None,
) -> TopK:
    """The ``k`` images of ``data`` that score highest on ``objective``, per group.

    ``input_shape``: the shape of one input the model takes (a sampler's
    ``input_shape``); default the model's ``in_shape``. Items of ``data`` of another
    shape are a ``ValueError``; without either, one forward pass of one item checks them.

    >>> from nbviz.data import digits
    >>> from nbviz.ldam import class_logits
    >>> from nbviz.models import LeNet300100
    >>> top = top_k_real(LeNet300100(in_shape=(1, 8, 8)), class_logits([0, 1]), digits(), k=3)
    >>> top.images.shape, bool((top.scores[:, 0] >= top.scores[:, 1]).all())
    (torch.Size([2, 3, 1, 8, 8]), True)
    """
    model = runnable_model(model)
    k = check_positive_int(k, "k")
    x, _ = as_tensors(data, "data", labels="ignore", dtype=model_float_dtype(model))
    _check_items(model, x, input_shape)
    objective.validate(model, x[:1].to(model_device(model) or "cpu"))
    scores = _all_scores(model, objective, x, check_positive_int(batch_size, "batch_size"))
    k = min(k, len(x))
    top, idx = scores.topk(k, dim=1)
    return TopK(x[idx], idx, top)


def _check_items(model: nn.Module, x: torch.Tensor, input_shape) -> None:
    """Raise ``ValueError`` naming ``data`` unless its items fit the model."""
    want = input_shape if input_shape is not None else expected_input_shape(model)
    if want is not None:
        want = tuple(int(s) for s in want)
        if tuple(x.shape[1:]) != want:
            raise ValueError(
                f"data: expected items of shape {want} (one input of the model), got "
                f"{tuple(x.shape[1:])} (data of shape {tuple(x.shape)})"
            )
        return
    probe_forward(model, x[:1], "data", "; pass images of the shape the model takes")


def kmeans(data: torch.Tensor, k: int, *, iters: int = 25, seed: int = 0):
    """k-means (k-means++ start, Lloyd steps) of the items of ``data`` (each flattened to a
    row); ``(centres, labels)``.

    >>> pts = torch.tensor([[0.0], [0.1], [5.0], [5.1]])
    >>> c, lab = kmeans(pts, 2)
    >>> sorted(round(float(v), 2) for v in c.flatten()), lab[0] == lab[1] != lab[2]
    ([0.05, 5.05], tensor(True))
    """
    k = check_positive_int(k, "k")
    x = torch.as_tensor(data).reshape(len(data), -1).float()
    if k > len(x):
        raise ValueError(f"k: {k} clusters need at least {k} points, got {len(x)}")
    gen = torch.Generator().manual_seed(seed)
    xc = x.cpu()
    centres = [xc[int(torch.randint(len(xc), (1,), generator=gen))]]
    for _ in range(1, k):
        d2 = torch.cdist(xc, torch.stack(centres)).min(1).values ** 2
        p = d2 / d2.sum() if float(d2.sum()) > 0 else torch.full_like(d2, 1 / len(d2))
        centres.append(xc[int(torch.multinomial(p, 1, generator=gen))])
    c = torch.stack(centres)
    for _ in range(iters):
        labels = torch.cdist(xc, c).argmin(1)
        new = torch.stack(
            [xc[labels == j].mean(0) if bool((labels == j).any()) else c[j] for j in range(k)]
        )
        if torch.allclose(new, c):
            break
        c = new
    labels = torch.cdist(xc, c).argmin(1)
    return c, labels


def multifaceted_init(
    model: nn.Module,
    objective: Objective,
    data,
    n_facets: int = 4,
    *,
    top: int = 100,
    layer: str | None = None,
    seed: int = 0,
) -> torch.Tensor:
    """Chain starts from the facets of each unit: ``(n_groups · n_facets, *shape)``.

    For each group (unit), the ``top`` highest-scoring images of ``data`` are clustered
    with :func:`kmeans` into ``n_facets`` clusters in the activation space of ``layer``
    (default: the objective's first layer), and each cluster's mean *image* is a start.
    Rows are group-major, so ``Sampler(init=starts, n_chains=m * len(starts))`` gives
    every facet ``m`` chains inside the right chain group.

    >>> from nbviz.data import digits
    >>> from nbviz.ldam import neuron
    >>> from nbviz.models import LeNet300100
    >>> starts = multifaceted_init(LeNet300100(in_shape=(1, 8, 8)), neuron("fc1", 0),
    ...                            digits(), n_facets=3, top=30)
    >>> starts.shape
    torch.Size([3, 1, 8, 8])
    """
    model = runnable_model(model)
    n_facets = check_positive_int(n_facets, "n_facets")
    top = check_positive_int(top, "top")
    if top < n_facets:
        raise ValueError(f"top: expected at least n_facets={n_facets} images, got {top}")
    best = top_k_real(model, objective, data, k=top)
    layer = layer or objective.layers[0]
    device = model_device(model) or torch.device("cpu")
    starts = []
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        for g in range(objective.n_groups):
            imgs = best.images[g]
            with torch.no_grad():
                feats = capture(model, imgs.to(device), [layer])[layer].reshape(len(imgs), -1)
            k = min(n_facets, len(imgs))
            _, labels = kmeans(feats.cpu(), k, seed=seed)
            for j in range(n_facets):
                members = imgs[labels == j] if j < k else imgs
                starts.append(members.mean(0) if len(members) else imgs.mean(0))
    finally:
        for m, f in flags:
            m.training = f
    return torch.stack(starts)
