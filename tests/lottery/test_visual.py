"""Mask pictures, weight samples and overlaps (nbviz.lottery.visual) on hand-made masks."""

import numpy as np
import pytest
import torch

from nbviz.lottery.visual import criteria_overlap, jaccard, mask_mosaic, weight_sample


def test_linear_on_an_image_gives_one_receptive_field_per_unit():
    mask = torch.zeros(5, 2 * 3 * 4, dtype=torch.bool)
    mask[3, :12] = True  # unit 3 keeps channel 0 everywhere, channel 1 nowhere
    image, (th, tw, rows, cols, gap) = mask_mosaic(mask, input_shape=(2, 3, 4))
    assert (th, tw, gap) == (3, 4, 1) and rows * cols >= 5
    r, c = divmod(3, cols)
    tile = image[r * 4 : r * 4 + 3, c * 5 : c * 5 + 4]
    assert (tile == 128).all()  # channels averaged: half kept
    assert image.sum() == 128 * 12


def test_conv_kernels_tile_by_output_and_input_channel():
    mask = torch.zeros(3, 2, 3, 3, dtype=torch.bool)
    mask[2, 1] = True
    image, tiles = mask_mosaic(mask)
    assert tiles == (3, 3, 3, 2, 1) and image.shape == (11, 7)
    assert (image[8:11, 4:7] == 255).all() and image.sum() == 255 * 9


def test_plain_and_blocked_matrices():
    mask = torch.rand(10, 7, generator=torch.Generator().manual_seed(0)) > 0.5
    image, tiles = mask_mosaic(mask)
    assert tiles == () and np.array_equal(image == 255, mask.numpy())
    wide = torch.ones(4, 3000, dtype=torch.bool)
    wide[:, ::2] = False
    image, _ = mask_mosaic(wide)
    assert image.shape == (4, 1000) and (np.abs(image.astype(int) - 85) <= 86).all()
    assert image.mean() == pytest.approx(255 / 2, abs=1)  # blocks of 3: grey = kept fraction


def test_weight_sample_limits_and_keeps_pairs_together():
    start, final = torch.arange(100.0), -torch.arange(100.0)
    alive = torch.arange(100) % 2 == 0
    pairs, kept = weight_sample(start, final, alive, alive & (torch.arange(100) < 50), limit=10)
    assert pairs.shape == (10, 2) and np.array_equal(pairs[:, 1], -pairs[:, 0])
    assert (pairs[:, 0] % 2 == 0).all() and np.array_equal(kept == 1, pairs[:, 0] < 50)


def test_jaccard_and_criteria_overlap():
    a = torch.tensor([1, 1, 1, 0], dtype=torch.bool)
    assert jaccard(a, a) == 1.0 and jaccard(a, ~a) == 0.0
    with pytest.raises(ValueError, match="one shape"):
        jaccard(a, torch.ones(3, dtype=torch.bool))
    w0 = torch.tensor([0.1, -0.2, 0.3, -0.4, 0.5, -0.6])
    w1 = torch.tensor([0.6, -0.5, 0.4, -0.3, 0.2, -0.1])
    alive = torch.ones(6, dtype=torch.bool)
    o, names = criteria_overlap(w0, w1, alive, 2, ["large_final", "large_init", "small_init"])
    # large_final keeps {0, 1}, large_init {4, 5}, small_init {0, 1}
    assert names == ["large_final", "large_init", "small_init"]
    assert o[0, 1] == 0 and o[0, 2] == 1 and o[1, 2] == 0
    with pytest.raises(ValueError, match=r"keep: expected 0\.\.6"):
        criteria_overlap(w0, w1, alive, 7)
    with pytest.raises(ValueError, match="criteria"):
        criteria_overlap(w0, w1, alive, 2, ["largest"])
