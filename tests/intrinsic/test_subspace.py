"""Subspace training: the projections' columns and memory, the paper's toy problem (the
exact solution exists iff d ≥ 10), and d = D with an orthonormal P reproducing ordinary
training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nbviz.intrinsic import (
    PROJECTIONS,
    FastfoodProjection,
    SparseProjection,
    SubspaceModel,
    fwht,
    make_projection,
)


class GroupSums(nn.Module):
    """Li et al.'s toy problem: D = 1000 parameters in 10 groups of 100; the outputs are
    the groups' sums, which must equal 10 targets."""

    def __init__(self, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.theta = nn.Parameter(torch.randn(1000, generator=g, dtype=torch.float64))

    def forward(self):
        return self.theta.view(10, 100).sum(1)


TARGETS = torch.linspace(-3, 3, 10, dtype=torch.float64)


def lowest_loss(projection: str, d: int) -> float:
    """The least-squares loss L-BFGS reaches training only θ_d."""
    sub = SubspaceModel(GroupSums(), d, projection, seed=d)  # float64, as the model
    opt = torch.optim.LBFGS([sub.theta_d], lr=1, max_iter=200, tolerance_grad=1e-14,
                            tolerance_change=1e-16, line_search_fn="strong_wolfe")  # fmt: skip

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(sub(), TARGETS, reduction="sum")
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    with torch.no_grad():
        return float(F.mse_loss(sub(), TARGETS, reduction="sum"))


@pytest.mark.parametrize("projection", PROJECTIONS)
def test_the_toy_problem_is_solved_exactly_from_d_10(projection):
    below = {d: lowest_loss(projection, d) for d in (1, 5, 9)}
    above = {d: lowest_loss(projection, d) for d in (10, 12, 40)}
    # Below 10 a residual stays: 10 constraints, fewer directions. From 10 on: solved.
    assert min(below.values()) > 1e-2, below
    assert max(above.values()) < 1e-8, above


def test_dense_orthonormal_d_equal_D_is_ordinary_training():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    x = torch.randn(64, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (64,))
    D = sum(p.numel() for p in net.parameters())
    sub = SubspaceModel(net, D, "dense", orthogonal=True, seed=1)
    ordinary = SubspaceModel(net, D, "dense", orthogonal=True, seed=1).to_model()  # = net
    opt_sub = torch.optim.SGD(sub.parameters(), lr=0.1, momentum=0.9)
    opt_net = torch.optim.SGD(ordinary.parameters(), lr=0.1, momentum=0.9)
    for step in range(50):
        for model, opt in ((sub, opt_sub), (ordinary, opt_net)):
            opt.zero_grad()
            F.cross_entropy(model(x[step % 4 :: 4]), y[step % 4 :: 4]).backward()
            opt.step()
    trained = sub.to_model()
    for (name, a), b in zip(trained.named_parameters(), ordinary.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10, msg=name)
    assert not torch.equal(trained[0].weight, net[0].weight)  # it did train


@pytest.mark.parametrize("projection", PROJECTIONS)
def test_columns_have_unit_length_and_are_nearly_orthogonal(projection):
    p = make_projection(projection, 4096, 32, seed=0)
    cols = p.matrix().double()
    norms = torch.linalg.vector_norm(cols, dim=0)
    if projection == "fastfood":  # unit length over the 4096 = L entries: none truncated
        torch.testing.assert_close(norms, torch.ones(32, dtype=torch.float64), rtol=0.2, atol=0)
    else:
        torch.testing.assert_close(norms, torch.ones(32, dtype=torch.float64), rtol=1e-5, atol=0)
    gram = cols.T @ cols - torch.diag(norms**2)
    assert gram.abs().max() < 0.25  # random high-dimensional directions: nearly orthogonal
    # the same seed, the same projection; another seed, another one
    again = make_projection(projection, 4096, 32, seed=0).matrix().double()
    assert torch.equal(cols, again)
    assert not torch.equal(cols, make_projection(projection, 4096, 32, seed=1).matrix().double())


def test_fastfood_memory_is_order_D_and_the_transform_is_hadamard():
    p = FastfoodProjection(270_000, 1000, seed=0)
    stored = sum(b.numel() for b in p.buffers())
    assert stored == 3 * 2**19  # three vectors of L = 2^19 ≥ D, whatever d
    h = torch.tensor([[1.0, 1.0], [1.0, -1.0]])
    h8 = torch.kron(torch.kron(h, h), h)
    x = torch.randn(3, 8)
    torch.testing.assert_close(fwht(x), x @ h8.T)
    s = SparseProjection(270_000, 1000, seed=0)
    assert 0.5 * 1000 * 520 < s.nnz < 1.5 * 1000 * 520  # about d·√D nonzeros


def test_bad_input():
    net = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="1 <= d <= D = 8"):
        SubspaceModel(net, 9)
    with pytest.raises(ValueError, match="1 <= d <= D"):
        SubspaceModel(net, 0)
    with pytest.raises(ValueError, match="'fastfood'"):
        SubspaceModel(net, 2, "fastfod")
    frozen = nn.Linear(3, 2).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        SubspaceModel(frozen, 1)
    with pytest.raises(ValueError, match="needs 2 → 8"):
        SubspaceModel(net, 2, make_projection("dense", 10, 2))
    with pytest.raises(ValueError, match="power of two"):
        fwht(torch.zeros(6))
    assert np.isclose(SubspaceModel(net, 2).D / 2, 4.0)
