"""Not-so-Clevr: positions, squares, one-hot pixels, the two splits and the three tasks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nbviz.data import (
    CoordinateSet,
    NotSoClevr,
    not_so_clevr,
    one_hot_pixels,
    render_squares,
    square_positions,
)


def _as_set(positions: torch.Tensor) -> set[tuple[int, int]]:
    return {tuple(p) for p in positions.tolist()}


def test_3136_positions_each_a_square_of_81_pixels_inside_the_canvas():
    pos = square_positions()
    assert pos.shape == (3136, 2) and pos.dtype == torch.int64
    assert len(_as_set(pos)) == 3136
    assert pos.min().item() == 4 and pos.max().item() == 59
    images = render_squares(pos)
    assert images.shape == (3136, 1, 64, 64) and images.dtype == torch.float32
    assert images.sum(dim=(1, 2, 3)).unique().tolist() == [81.0]
    # Only the 56 squares centred on row 4 reach the top row of the canvas.
    assert images[:, 0, 0, :].sum(1).nonzero().shape[0] == 56
    assert set(images.unique().tolist()) == {0.0, 1.0}


def test_square_is_centred_on_row_and_column_not_swapped():
    # A square near the top (row 4) and right (column 59): rows 0..8, columns 55..63.
    img = render_squares([[4, 59]])[0, 0]
    rows, cols = img.nonzero().unbind(1)
    assert (rows.min().item(), rows.max().item()) == (0, 8)
    assert (cols.min().item(), cols.max().item()) == (55, 63)
    assert img[4, 59].item() == 1.0


def test_one_hot_pixel_sits_at_row_column_and_class_row_times_64_plus_column():
    img = one_hot_pixels(torch.tensor([[3, 50], [50, 3]]))
    assert img.shape == (2, 1, 64, 64)
    assert img[0, 0, 3, 50].item() == 1.0 and img[0, 0, 50, 3].item() == 0.0
    assert img[1, 0, 50, 3].item() == 1.0 and img.sum().item() == 2.0
    assert img.flatten(1).argmax(1).tolist() == [3 * 64 + 50, 50 * 64 + 3]


@pytest.mark.parametrize("quadrant", [0, 1, 2, 3])
def test_quadrant_split_holds_out_exactly_that_quadrant(quadrant):
    ds = not_so_clevr("classification", "quadrant", quadrant=quadrant)
    assert isinstance(ds, NotSoClevr) and isinstance(ds.test, CoordinateSet)
    assert (len(ds.train), len(ds.test)) == (2352, 784)
    bottom, right = quadrant >= 2, quadrant % 2 == 1
    expected = {
        (r, c)
        for r in range(4, 60)
        for c in range(4, 60)
        if (r >= 32) == bottom and (c >= 32) == right
    }
    assert len(expected) == 784
    assert _as_set(ds.test.positions) == expected
    assert not _as_set(ds.train.positions) & expected
    assert _as_set(ds.train.positions) | expected == _as_set(square_positions())
    assert ds.quadrant == quadrant and ds.seed is None


def test_quadrant_3_is_bottom_right_rows_and_columns_32_to_59():
    test = not_so_clevr(split="quadrant").test
    assert (test.row.min().item(), test.row.max().item()) == (32, 59)
    assert (test.column.min().item(), test.column.max().item()) == (32, 59)


def test_uniform_split_is_disjoint_covering_and_seeded():
    a = not_so_clevr(split="uniform", seed=0)
    assert (len(a.train), len(a.test)) == (2509, 627)
    train, test = _as_set(a.train.positions), _as_set(a.test.positions)
    assert not train & test and len(train | test) == 3136
    again = not_so_clevr(split="uniform", seed=0)
    assert torch.equal(again.test.positions, a.test.positions)
    other = not_so_clevr(split="uniform", seed=1)
    assert not torch.equal(other.test.positions, a.test.positions)
    assert a.seed == 0 and a.quadrant is None
    # The test positions are spread over the canvas, not bunched in one quadrant.
    per_quadrant = torch.bincount(2 * (a.test.row >= 32) + (a.test.column >= 32))
    assert per_quadrant.min() > 100, per_quadrant
    assert len(not_so_clevr(split="uniform", test_fraction=0.5).test) == 1568


def test_classification_coordinates_match_the_one_hot_pixel():
    ds = not_so_clevr("classification", "quadrant")
    for side in (ds.train, ds.test):
        assert side.data.shape == (len(side), 2) and side.data.dtype == torch.float32
        assert torch.equal(side.data, side.positions.float())
        assert side.targets.shape == (len(side), 1, 64, 64)
        assert side.targets.sum(dim=(1, 2, 3)).unique().tolist() == [1.0]
        hot = side.targets[:, 0].nonzero()  # (n, row, column), in n order
        assert torch.equal(hot[:, 0], torch.arange(len(side)))
        assert torch.equal(hot[:, 1], side.row) and torch.equal(hot[:, 2], side.column)
        assert torch.equal(side.targets.flatten(1).argmax(1), side.labels)
    data, target = ds.test[0]
    assert data.tolist() == [32.0, 32.0] and target[0, 32, 32].item() == 1.0


def test_rendering_and_regression_tasks():
    render = not_so_clevr("rendering", "quadrant", quadrant=0)
    assert torch.equal(render.test.targets, render_squares(render.test.positions))
    assert torch.equal(render.test.data, render.test.positions.float())
    # The square's centre pixel is lit; 5 pixels off along either axis is not.
    n = torch.arange(len(render.test))
    r, c = render.test.row, render.test.column
    assert render.test.targets[n, 0, r, c].eq(1).all()
    assert render.test.targets[n, 0, r + 5, c].eq(0).all()
    assert render.test.targets[n, 0, r, c + 5].eq(0).all()
    reg = not_so_clevr("regression", "uniform", seed=3)
    assert torch.equal(reg.train.data, one_hot_pixels(reg.train.positions))
    assert torch.equal(reg.train.targets, reg.train.positions.float())
    assert reg.train.targets.dtype == torch.float32
    loader = torch.utils.data.DataLoader(reg.test, batch_size=10)
    images, coords = next(iter(loader))
    assert images.shape == (10, 1, 64, 64) and coords.shape == (10, 2)


def test_repr():
    assert repr(not_so_clevr("regression", "quadrant", quadrant=1)) == (
        "NotSoClevr('regression', split='quadrant', quadrant=1, train=2352, test=784)"
    )


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"quadrant: expected 0, 1, 2 or 3 .*got 4"):
        not_so_clevr(split="quadrant", quadrant=4)
    with pytest.raises(ValueError, match="got -1"):
        not_so_clevr(split="quadrant", quadrant=-1)
    with pytest.raises(TypeError, match="quadrant"):
        not_so_clevr(split="quadrant", quadrant=1.0)
    assert not_so_clevr(split="quadrant", quadrant=np.int64(2)).quadrant == 2
    with pytest.raises(ValueError, match="Did you mean 'quadrant'"):
        not_so_clevr(split="quadrants")
    with pytest.raises(ValueError, match="Did you mean 'regression'"):
        not_so_clevr("regresion")
    with pytest.raises(ValueError, match="test_fraction"):
        not_so_clevr(test_fraction=1.0)
    with pytest.raises(ValueError, match="square must fit"):
        render_squares([[3, 10]])
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        one_hot_pixels([1, 2])
    with pytest.raises(TypeError, match="integer"):
        one_hot_pixels([[1.5, 2.0]])
    with pytest.raises(ValueError, match=r"0\.\.63"):
        one_hot_pixels([[0, 64]])
