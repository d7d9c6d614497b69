r"""LRP rules Captum lacks, as Captum ``PropagationRule``\ s: the z^B (box) rule and
the α-β rule.

Captum's rules change a layer's weights and let the gradient do the rest, which gives
``R_i = x_i Σ_j w'_ij R_j / z'_j`` for one modified weight ``w'``. Two rules of the LRP
literature need more than one weight (Montavon et al., "Explaining nonlinear
classification decisions with deep Taylor decomposition", 2017):

* :class:`BoxRule` (z^B, for the first layer, whose inputs lie in a box
  ``[low, high]``, pixels): ``R_i = Σ_j (x_i w_ij - l_i w⁺_ij - h_i w⁻_ij) / z_j · R_j``,
  ``z_j`` the sum of the same terms over ``i``;
* :class:`AlphaBetaRule` (``α - β = 1``, e.g. α2β1): positive and negative contributions
  ``z⁺_j = Σ_i (x_i w_ij)⁺`` and ``z⁻_j = Σ_i (x_i w_ij)⁻`` each take their own share,
  ``R_i = Σ_j (α (x_i w_ij)⁺ / z⁺_j - β (x_i w_ij)⁻ / z⁻_j) R_j``.

Both leave the bias out of the shares, so a layer hands all of its relevance to its
inputs (up to the stabilizer; α-β where an output has both kinds of contribution); each
computes the products with ``w⁺`` and ``w⁻`` in the backward hook of the layer's input,
so they run inside Captum's ``LRP`` like its own rules.

>>> import torch
>>> from torch import nn
>>> from captum.attr import LRP
>>> net = nn.Sequential(nn.Linear(3, 2))
>>> net[0].rule = BoxRule(0.0, 1.0)
>>> x = torch.rand(4, 3)
>>> r = LRP(net).attribute(x, target=0)
>>> bool(torch.allclose(r.sum(1), net(x)[:, 0], atol=1e-5))  # all of the output handed out
True
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from captum.attr._utils.lrp_rules import PropagationRule
from torch import nn

__all__ = ["AlphaBetaRule", "BoxRule"]

_STAB = 1e-9


def _forward(module: nn.Module, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The module's linear map with another weight and no bias."""
    if isinstance(module, nn.Linear):
        return F.linear(x, weight)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return module._conv_forward(x, weight, None)
    raise TypeError(f"{type(module).__name__}: the box and α-β rules take Linear or Conv layers")


def _transposed(module, weight, s: torch.Tensor, shape) -> torch.Tensor:
    """``Wᵀ s``: the gradient of ``<W x, s>`` in ``x`` of ``shape``, for ``weight``."""
    with torch.enable_grad():
        x = torch.zeros(shape, dtype=s.dtype, device=s.device, requires_grad=True)
        (g,) = torch.autograd.grad(_forward(module, x, weight), x, s)
    return g


def _stabilize(z: torch.Tensor) -> torch.Tensor:
    return z + torch.where(z >= 0, _STAB, -_STAB)


class _TwoWeightRule(PropagationRule):
    """A rule that computes the input relevance itself from the output relevance."""

    def _manipulate_weights(self, module, inputs, outputs) -> None:
        self._module = module

    def forward_hook(self, module, inputs, outputs):
        """Remember the layer's input, then let Captum hook the tensors."""
        self._module = module
        self._x = inputs[0].data
        return super().forward_hook(module, inputs, outputs)

    def _create_backward_hook_output(self, outputs: torch.Tensor):
        def hook(grad):
            self.relevance_output[grad.device] = grad.data
            self._r_out = grad
            return grad  # what flows into the layer's own backward is not used

        return hook

    def _create_backward_hook_input(self, inputs):
        def hook(grad):
            relevance = self._relevance(self._module, self._x, self._r_out)
            device = grad.device
            if self._has_single_input:
                self.relevance_input[device] = relevance.data
            else:
                self.relevance_input[device].append(relevance.data)
            grad.replace_out = relevance
            return relevance

        return hook

    def _relevance(self, module, x, r_out):
        raise NotImplementedError


class BoxRule(_TwoWeightRule):
    """The z^B rule for a first layer whose inputs lie in ``[low, high]``."""

    def __init__(self, low: float = 0.0, high: float = 1.0) -> None:
        if not low < high:
            raise ValueError(f"low, high: expected low < high, got {low}, {high}")
        self.low, self.high = float(low), float(high)

    def _relevance(self, module, x, r_out):
        w = module.weight
        wp, wn = w.clamp(min=0), w.clamp(max=0)
        lo, hi = torch.full_like(x, self.low), torch.full_like(x, self.high)
        z = _forward(module, x, w) - _forward(module, lo, wp) - _forward(module, hi, wn)
        s = r_out / _stabilize(z)
        return (
            x * _transposed(module, w, s, x.shape)
            - lo * _transposed(module, wp, s, x.shape)
            - hi * _transposed(module, wn, s, x.shape)
        )

    def __repr__(self) -> str:
        return f"BoxRule(low={self.low}, high={self.high})"


class AlphaBetaRule(_TwoWeightRule):
    """The α-β rule (``alpha - beta = 1``): positive contributions weighted by α,
    negative ones by β."""

    def __init__(self, alpha: float = 2.0, beta: float = 1.0) -> None:
        if abs((alpha - beta) - 1.0) > 1e-9 or beta < 0:
            raise ValueError(
                f"alpha, beta: expected alpha - beta = 1, beta >= 0; got {alpha}, {beta}"
            )
        self.alpha, self.beta = float(alpha), float(beta)

    def _relevance(self, module, x, r_out):
        w = module.weight
        wp, wn = w.clamp(min=0), w.clamp(max=0)
        xp, xn = x.clamp(min=0), x.clamp(max=0)
        z_pos = _forward(module, xp, wp) + _forward(module, xn, wn)
        z_neg = _forward(module, xp, wn) + _forward(module, xn, wp)
        s_pos = r_out / _stabilize(z_pos)
        s_neg = r_out / _stabilize(z_neg)
        pos = xp * _transposed(module, wp, s_pos, x.shape) + xn * _transposed(
            module, wn, s_pos, x.shape
        )
        neg = xp * _transposed(module, wn, s_neg, x.shape) + xn * _transposed(
            module, wp, s_neg, x.shape
        )
        return self.alpha * pos - self.beta * neg

    def __repr__(self) -> str:
        return f"AlphaBetaRule(alpha={self.alpha}, beta={self.beta})"
