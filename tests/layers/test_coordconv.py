"""AddCoords and CoordConv2d: the coordinate channels' axes, ranges, dtypes, devices, errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nbviz.layers import AddCoords, CoordConv2d, coordinate_channels

H, W = 6, 14  # not square: a swapped row / column would have the wrong length


def test_row_channel_varies_along_h_only_and_column_along_w_only():
    data = torch.randn(2, 3, H, W, dtype=torch.float64)
    out = AddCoords()(data)
    assert out.shape == (2, 5, H, W)
    assert torch.equal(out[:, :3], data)  # the input's channels come first, untouched
    row, col = out[:, 3], out[:, 4]
    for channel in (row, col):
        assert channel.min().item() == -1.0 and channel.max().item() == 1.0
    # The row coordinate is constant along W and is exactly linspace(-1, 1, H) down H.
    assert torch.equal(row, row[:, :, :1].expand(-1, -1, W))
    assert torch.equal(row[0, :, 0], torch.linspace(-1, 1, H, dtype=torch.float64))
    # The column coordinate is constant along H and is exactly linspace(-1, 1, W) along W.
    assert torch.equal(col, col[:, :1, :].expand(-1, H, -1))
    assert torch.equal(col[0, 0, :], torch.linspace(-1, 1, W, dtype=torch.float64))
    # Top-left is (-1, -1); bottom-left is row 1, column -1; top-right is row -1, column 1.
    assert (row[0, 0, 0].item(), col[0, 0, 0].item()) == (-1.0, -1.0)
    assert (row[0, -1, 0].item(), col[0, -1, 0].item()) == (1.0, -1.0)
    assert (row[0, 0, -1].item(), col[0, 0, -1].item()) == (-1.0, 1.0)


def test_tall_input_too():
    out = AddCoords()(torch.zeros(1, 1, W, H))
    assert torch.equal(out[0, 1, :, 0], torch.linspace(-1, 1, W))
    assert torch.equal(out[0, 2, 0, :], torch.linspace(-1, 1, H))


def test_radius_channel_is_the_scaled_distance_from_the_centre():
    out = AddCoords(with_r=True)(torch.zeros(1, 1, H, W, dtype=torch.float64))
    assert out.shape == (1, 4, H, W)
    row, col, r = out[0, 1], out[0, 2], out[0, 3]
    assert torch.allclose(r, torch.sqrt(row**2 + col**2) / math.sqrt(2), atol=0, rtol=1e-15)
    assert r.min() >= 0 and r.max().item() == 1.0
    assert r[0, 0].item() == r[-1, -1].item() == 1.0  # the corners
    odd = coordinate_channels(5, 7, with_r=True)  # an odd size has a centre pixel
    assert odd[2, 2, 3].item() == pytest.approx(0.0, abs=1e-7)  # linspace's rounding


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
def test_dtype_is_kept_and_values_are_float32_linspace_rounded(dtype):
    out = AddCoords(with_r=True)(torch.zeros(1, 2, H, W, dtype=dtype))
    assert out.dtype == dtype
    work = torch.float64 if dtype == torch.float64 else torch.float32
    assert torch.equal(out[0, 2, :, 0], torch.linspace(-1, 1, H, dtype=work).to(dtype))
    assert torch.equal(out[0, 3, 0, :], torch.linspace(-1, 1, W, dtype=work).to(dtype))
    assert out[0, 2].min().item() == -1 and out[0, 3].max().item() == 1


def test_coordinates_are_built_from_each_input_shape():
    layer = AddCoords()
    small, big = layer(torch.zeros(1, 1, 2, 3)), layer(torch.zeros(4, 1, 5, 9))
    assert small.shape == (1, 3, 2, 3) and big.shape == (4, 3, 5, 9)
    assert torch.equal(big[3, 2, 4], torch.linspace(-1, 1, 9))
    assert list(layer.parameters()) == [] and list(layer.buffers()) == []


def test_coordconv2d_shape_channels_and_gradients():
    layer = CoordConv2d(3, 8, 3, padding=1, bias=False)
    assert isinstance(layer.conv, nn.Conv2d)
    assert layer.conv.in_channels == 5 and layer.out_channels == 8 and not layer.with_r
    assert CoordConv2d(3, 8, 1, with_r=True).conv.in_channels == 6
    data = torch.randn(2, 3, H, W, requires_grad=True)
    out = layer(data)
    assert out.shape == (2, 8, H, W)
    out.square().mean().backward()
    assert data.grad is not None and data.grad.shape == data.shape
    assert layer.conv.weight.grad is not None
    assert layer.conv.weight.grad[:, 3:].abs().sum() > 0  # the coordinates' weights learn
    # It is exactly the conv applied to the input with the coordinate channels appended.
    with torch.no_grad():
        expected = layer.conv(AddCoords()(data))
    assert torch.equal(out.detach(), expected)


def test_coordconv2d_passes_conv_arguments_on():
    layer = CoordConv2d(1, 2, kernel_size=3, stride=2, dtype=torch.float64)
    assert layer.conv.stride == (2, 2) and layer.conv.weight.dtype == torch.float64
    assert layer(torch.zeros(1, 1, 9, 15, dtype=torch.float64)).shape == (1, 2, 4, 7)


def test_a_coordconv_output_depends_on_position_a_conv_output_does_not():
    torch.manual_seed(0)
    flat = torch.ones(1, 1, H, W)
    assert layer_output_is_constant(nn.Conv2d(1, 1, 1), flat)
    assert not layer_output_is_constant(CoordConv2d(1, 1, 1), flat)


def layer_output_is_constant(layer, data):
    with torch.no_grad():
        out = layer(data)
    return bool((out == out.flatten()[0]).all())


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((3, H, W), "4-D batch"),
        ((1, 3, 1, W), "single pixel"),
        ((1, 3, H, 1), "single pixel"),
        ((1, 3, 1, 1), "single pixel"),
    ],
)
def test_bad_shapes_are_clear_errors(shape, message):
    for layer in (AddCoords(), CoordConv2d(3, 2, 1)):
        with pytest.raises(ValueError, match=message):
            layer(torch.zeros(shape))


def test_wrong_channel_count_names_in_channels():
    with pytest.raises(ValueError, match=r"expected 3 channels \(in_channels\), got 5"):
        CoordConv2d(3, 2, 1)(torch.zeros(1, 5, H, W))


def test_bad_arguments():
    with pytest.raises(TypeError, match="floating-point"):
        AddCoords()(torch.zeros(1, 1, H, W, dtype=torch.int64))
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        AddCoords()([[[[0.0]]]])
    with pytest.raises(TypeError, match="with_r"):
        AddCoords(with_r="yes")
    with pytest.raises(TypeError, match="did you mean 'padding'"):
        CoordConv2d(1, 1, 3, paddin=1)
    with pytest.raises(ValueError, match="in_channels"):
        CoordConv2d(0, 1, 3)
    with pytest.raises(ValueError, match="height: expected at least 2 pixels"):
        coordinate_channels(1, 5)
    with pytest.raises(TypeError, match="dtype"):
        coordinate_channels(2, 5, dtype=torch.int32)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_cuda_input_gets_cuda_coordinates(dtype):
    layer = CoordConv2d(2, 4, 3, padding=1, with_r=True).to("cuda", dtype)
    data = torch.randn(3, 2, H, W, device="cuda", dtype=dtype)
    coords = layer.add_coords(data)
    assert coords.device.type == "cuda" and coords.dtype == dtype
    assert torch.equal(coords[0, 2, :, 0].cpu(), torch.linspace(-1, 1, H).to(dtype))
    assert torch.equal(coords[0, 3, 0, :].cpu(), torch.linspace(-1, 1, W).to(dtype))
    assert layer(data).shape == (3, 4, H, W)
