"""Training any ``nn.Module`` inside a random d-dimensional subspace of its parameters.

:class:`SubspaceModel` wraps a network: its only trainable parameter is ``theta_d``
(zeros at the start, so it starts as the network); a forward pass builds the network's
parameters as ``θ₀ + P θ_d`` and runs the network on them through
``torch.func.functional_call``. Its buffers (BatchNorm's running statistics) stay the
network's own. Train it with any loop or optimizer: nbviz's ``train``/``fit`` too.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> sub = SubspaceModel(net, d=5, projection="dense", seed=0)
>>> sub.D, [n for n, p in sub.named_parameters()]
(67, ['theta_d'])
>>> x = torch.randn(2, 4)
>>> bool(torch.equal(sub(x), net(x)))   # θ_d = 0: the network itself
True
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

from .._checks import check_seed
from .projections import make_projection

__all__ = ["SubspaceModel"]


class SubspaceModel(nn.Module):
    """``model`` with its trainable parameters restricted to ``θ₀ + P θ_d``.

    Args:
        model: any ``nn.Module``; its trainable parameters at the time of wrapping are
            θ₀ (copied; the model itself is left as it is and is not trained).
        d: the subspace's dimension, 1 ≤ d ≤ D.
        projection: ``"dense"``, ``"sparse"`` or ``"fastfood"`` (see
            :mod:`nbviz.intrinsic.projections`), or a projection module.
        seed: draws the projection.
        **options: for the projection (``orthogonal=True`` for dense ...).

    Attributes:
        theta_d: the trainable ``[d]`` parameter.
        D: the number of parameters projected into.
        projection: the projection module.

    Raises:
        ValueError: d out of 1..D, an unknown projection (with the closest), a model with
            no trainable parameters.
    """

    def __init__(self, model: nn.Module, d: int, projection="dense", *, seed: int = 0, **options):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError("model: has no trainable parameters to project into")
        self.names = [n for n, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.D = sum(self.sizes)
        self.net = _frozen_copy(model)
        with torch.no_grad():
            theta0 = torch.cat([p.detach().reshape(-1) for _, p in named])
        self.register_buffer("theta0", theta0.clone())
        if isinstance(projection, nn.Module):
            if getattr(projection, "D", None) != self.D or getattr(projection, "d", None) != d:
                raise ValueError(
                    f"projection: maps {getattr(projection, 'd', '?')} → "
                    f"{getattr(projection, 'D', '?')} dimensions; this model needs {d} → {self.D}"
                )
            self.projection = projection
        else:
            options.setdefault("dtype", theta0.dtype)
            self.projection = make_projection(projection, self.D, d, seed=check_seed(seed),
                                              **options)  # fmt: skip
        self.d = self.projection.d
        self.theta_d = nn.Parameter(torch.zeros(self.d, dtype=theta0.dtype))

    def parameters_now(self) -> dict[str, torch.Tensor]:
        """The network's parameters ``θ₀ + P θ_d``, by name (differentiable in θ_d)."""
        flat = self.theta0 + self.projection(self.theta_d)
        chunks = zip(self.names, flat.split(self.sizes), self.shapes, strict=True)
        return {name: chunk.view(shape) for name, chunk, shape in chunks}

    def forward(self, *args, **kwargs):
        """The network's forward pass at ``θ₀ + P θ_d``."""
        return functional_call(self.net, self.parameters_now(), args, kwargs)

    def to_model(self) -> nn.Module:
        """A plain copy of the network with ``θ₀ + P θ_d`` as its (trainable) parameters."""
        import copy

        out = copy.deepcopy(self.net)
        with torch.no_grad():
            for name, value in self.parameters_now().items():
                owner_name, _, leaf = name.rpartition(".")
                owner = out.get_submodule(owner_name)
                delattr(owner, leaf)
                owner.register_parameter(leaf, nn.Parameter(value.detach().clone()))
        return out

    def extra_repr(self) -> str:
        return f"d={self.d:,}, D={self.D:,}, compression {self.D / self.d:,.1f}×"


def _frozen_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose parameters are buffers (not trained, not in
    ``parameters()``; they move with ``.to()``)."""
    import copy

    net = copy.deepcopy(model)
    for name, p in list(net.named_parameters()):
        owner_name, _, leaf = name.rpartition(".")
        owner = net.get_submodule(owner_name)
        delattr(owner, leaf)
        owner.register_buffer(leaf, p.detach(), persistent=False)
    return net
