"""Receptive fields against the support of the input gradient (brute force), and the max
tracker's streaming top-k against all activations at once."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.attribution import receptive_fields, top_units
from nbviz.data import digits
from nbviz.models import SmallCNN, capture_activations

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _gradient_support(net, layer_index: int, shape, row: int, col: int):
    """The input pixels whose gradient on one output position is nonzero: its true field
    when no ReLU is dead (positive weights and inputs) and pooling averages."""
    x = torch.rand(1, *shape).add(0.1).requires_grad_(True)
    out = net[: layer_index + 1](x)
    out[0, 0, row, col].backward()
    rows, cols = (x.grad[0, 0] != 0).nonzero(as_tuple=True)
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


@pytest.mark.parametrize(
    ("layers", "last"),
    [
        (
            [
                nn.Conv2d(1, 2, 3, padding=1),
                nn.ReLU(),
                nn.AvgPool2d(2),
                nn.Conv2d(2, 2, 3, padding=1),
                nn.ReLU(),
            ],
            3,
        ),
        (
            [
                nn.Conv2d(1, 2, 5, stride=2, padding=2),
                nn.ReLU(),
                nn.Conv2d(2, 2, 3, dilation=2, padding=2),
            ],
            2,
        ),
        ([nn.Conv2d(1, 2, 3), nn.AvgPool2d(3, stride=2), nn.Conv2d(2, 2, 3)], 2),
    ],
)
def test_each_box_is_the_support_of_the_input_gradient(layers, last):
    torch.manual_seed(0)
    net = nn.Sequential(*layers)
    for m in net:
        if isinstance(m, nn.Conv2d):
            nn.init.uniform_(m.weight, 0.1, 1.0)  # every path positive: no dead ReLU
    shape = (1, 20, 20)
    rf = receptive_fields(net, str(last), shape)
    out_h, out_w = net[: last + 1](torch.zeros(1, *shape)).shape[2:]
    for row in range(out_h):
        for col in range(out_w):
            assert rf.box(row, col) == _gradient_support(net, last, shape, row, col), (row, col)


def test_fields_of_the_zoo_cnn_and_what_has_none():
    model = SmallCNN(in_shape=(1, 28, 28))
    rf = receptive_fields(model, "relu2", (1, 28, 28))  # conv, pool, bn, relu, conv, pool
    assert (rf.size, rf.jump, rf.start) == (10, (4, 4), (-3, -3))
    assert rf.box(0, 0) == (0, 0, 7, 7) and rf.box(6, 6) == (21, 21, 28, 28)
    with pytest.raises(ValueError, match=r"'flatten' \(Flatten\) before 'fc1' mixes positions"):
        receptive_fields(model, "fc1", (1, 28, 28))
    with pytest.raises(ValueError, match="Did you mean 'conv2'"):
        receptive_fields(model, "conv3", (1, 28, 28))


def test_the_streaming_top_k_equals_sorting_every_activation():
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).eval()
    data = digits("test")
    top = top_units(model, "conv2", data, k=5, batch_size=50, progress=False)
    acts = capture_activations(model, data, "conv2")["conv2"]  # (N, 32, 4, 4)
    best = acts.flatten(2).max(2).values.T  # (32, N)
    want_v, want_i = best.topk(5, dim=1)
    torch.testing.assert_close(top.values, want_v)
    assert torch.equal(top.indices, want_i)
    # the position is where the maximum is
    for unit in (0, 7):
        for j in range(5):
            r, c = top.positions[unit, j].tolist()
            assert acts[top.indices[unit, j], unit, r, c] == top.values[unit, j]
    fields = receptive_fields(model, "conv2", (1, 8, 8))
    crops = top.crops(data, 3, fields)
    assert len(crops) == 5
    for crop, (r, c) in zip(crops, top.positions[3].tolist(), strict=True):
        t, left, b, right = fields.box(r, c)
        assert crop.shape == (1, b - t, right - left)
    dense = top_units(model, "fc1", data, k=3, progress=False)
    assert dense.positions is None and dense.values.shape == (128, 3)
    assert [tuple(c.shape) for c in dense.crops(data, 0)] == [(1, 8, 8)] * 3
    calls = []
    part = top_units(model, "conv2", data, batch_size=100, progress=False,
                     should_stop=lambda: calls.append(1) or len(calls) > 3)  # fmt: skip
    assert part.seen == 300 and int(part.indices.max()) < 300
    with pytest.raises(ValueError, match="saw no images"):
        top_units(model, "conv2", data, should_stop=lambda: True, progress=False)
