"""Not-so-Clevr: the coordinate-transform data of CoordConv (Liu et al. 2018, arXiv:1807.03247).

One 9 × 9 white square on a 64 × 64 black canvas, at each of the 56 × 56 = 3,136
positions where it fits. Made in code, in a fraction of a second; nothing is downloaded.

**Axis conventions** (the same everywhere in this module):

* A position is the square's **centre pixel** as ``(row, column)``: ``row`` indexes
  ``H`` (dim ``-2`` of an image, top to bottom), ``column`` indexes ``W`` (dim ``-1``,
  left to right). In (x, y) terms, x is the column and y the row, with y growing
  downwards. Centres run from 4 to 59 on both axes (the square covers
  ``row - 4 .. row + 4`` and ``column - 4 .. column + 4``).
* Coordinates handed to or asked from a model are ``[N, 2]`` float32 with column 0 the
  row and column 1 the column, in pixels.
* Images are ``[N, 1, 64, 64]`` float32 in ``{0, 1}``; a one-hot image has its single 1
  at ``[n, 0, row, column]``, which is class ``row * 64 + column`` of the flattened
  (row-major) 4,096 pixels (:attr:`CoordinateSet.labels`).
* Grid quadrants (of the 56 × 56 positions, 28 × 28 each) are numbered in reading
  order: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right (the one the paper's
  figures hold out): ``quadrant = 2 * (row >= 32) + (column >= 32)``.

The paper's three tasks (:func:`not_so_clevr`):

=================  ======================================  ==================================
task               ``data``                                ``targets``
=================  ======================================  ==================================
classification     coordinates ``[N, 2]``                  one-hot images ``[N, 1, 64, 64]``
rendering          coordinates ``[N, 2]``                  square images ``[N, 1, 64, 64]``
regression         one-hot images ``[N, 1, 64, 64]``       coordinates ``[N, 2]``
=================  ======================================  ==================================

and its two splits: ``"uniform"`` (a seeded random 80/20 split of the positions) and
``"quadrant"`` (test: every position in one quadrant; train: the other three).

>>> ds = not_so_clevr("classification", "quadrant")
>>> ds
NotSoClevr('classification', split='quadrant', quadrant=3, train=2352, test=784)
>>> ds.test.data[0], ds.test.positions[0]            # coordinates (row, column)
(tensor([32., 32.]), tensor([32, 32]))
>>> ds.test.targets[0, 0, 32, 32].item(), ds.test.targets[0].sum().item()
(1.0, 1.0)
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._checks import as_numpy, check_fraction, check_seed, unknown_name_error

__all__ = [
    "CoordinateSet",
    "NotSoClevr",
    "not_so_clevr",
    "one_hot_pixels",
    "render_squares",
    "square_positions",
]

#: The canvas's side, in pixels.
CANVAS = 64
#: The square's side, in pixels (odd, so that it has a centre pixel).
SQUARE = 9
#: Positions along each axis: 64 - 9 + 1 = 56.
GRID = CANVAS - SQUARE + 1
_HALF = SQUARE // 2
TASKS = ("classification", "rendering", "regression")
SPLITS = ("uniform", "quadrant")
QUADRANT_NAMES = ("top-left", "top-right", "bottom-left", "bottom-right")


def square_positions() -> torch.Tensor:
    """Every square's centre, ``[3136, 2]`` int64 ``(row, column)``, in row-major order.

    >>> p = square_positions()
    >>> p.shape, p[0].tolist(), p[1].tolist(), p[-1].tolist()
    (torch.Size([3136, 2]), [4, 4], [4, 5], [59, 59])
    """
    idx = torch.arange(GRID)
    row, column = torch.meshgrid(idx, idx, indexing="ij")
    return torch.stack([row.reshape(-1), column.reshape(-1)], dim=1) + _HALF


def _check_positions(positions, *, margin: int) -> torch.Tensor:
    arr = as_numpy(positions, "positions")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"positions: expected shape (N, 2) of (row, column) pairs, got {tuple(arr.shape)}"
        )
    if arr.dtype.kind not in "iu":
        raise TypeError(f"positions: expected integer pixel indices, got dtype {arr.dtype}")
    pos = torch.as_tensor(arr, dtype=torch.int64)
    bad = (pos < margin) | (pos > CANVAS - 1 - margin)
    if bad.any():
        first = pos[bad.any(dim=1)][0].tolist()
        raise ValueError(
            f"positions: expected rows and columns in {margin}..{CANVAS - 1 - margin}"
            + (" (the square must fit on the canvas)" if margin else "")
            + f", got {first}"
        )
    return pos


def render_squares(positions) -> torch.Tensor:
    """Images ``[N, 1, 64, 64]`` float32 of the 9 × 9 square centred at each position.

    ``positions`` are ``(row, column)`` integer pairs, ``[N, 2]``, each in 4..59 so that
    the square fits on the canvas.

    >>> img = render_squares([[4, 10]])
    >>> img.shape, img.sum().item()
    (torch.Size([1, 1, 64, 64]), 81.0)
    >>> img[0, 0, 0:9, 6:15].min().item(), img[0, 0, 9, 10].item(), img[0, 0, 4, 15].item()
    (1.0, 0.0, 0.0)
    """
    pos = _check_positions(positions, margin=_HALF)
    pixels = torch.arange(CANVAS)
    in_row = (pixels[None, :] - pos[:, :1]).abs() <= _HALF  # [N, 64] over H
    in_column = (pixels[None, :] - pos[:, 1:]).abs() <= _HALF  # [N, 64] over W
    return (in_row[:, :, None] & in_column[:, None, :]).unsqueeze(1).float()


def one_hot_pixels(positions) -> torch.Tensor:
    """One-hot images ``[N, 1, 64, 64]`` float32: a single 1 at ``[n, 0, row, column]``.

    ``positions`` are ``(row, column)`` integer pairs, ``[N, 2]``, each in 0..63.

    >>> img = one_hot_pixels([[2, 60]])
    >>> img[0, 0, 2, 60].item(), img.sum().item(), img.flatten(1).argmax(1).item()
    (1.0, 1.0, 188)
    """
    pos = _check_positions(positions, margin=0)
    out = torch.zeros(len(pos), CANVAS * CANVAS)
    out[torch.arange(len(pos)), pos[:, 0] * CANVAS + pos[:, 1]] = 1.0
    return out.reshape(len(pos), 1, CANVAS, CANVAS)


def _quadrant_of(pos: torch.Tensor) -> torch.Tensor:
    first = _HALF + GRID // 2  # 32: the first centre of the lower / right half of the grid
    return 2 * (pos[:, 0] >= first).long() + (pos[:, 1] >= first).long()


@dataclass(frozen=True, eq=False)
class CoordinateSet(torch.utils.data.Dataset):
    """One side (train or test) of a Not-so-Clevr task.

    Attributes:
        data: the model's inputs: coordinates ``[N, 2]`` float32 ``(row, column)`` in
            pixels, or one-hot images ``[N, 1, 64, 64]`` (regression).
        targets: what the model should give: one-hot images (classification), square
            images (rendering), or coordinates ``[N, 2]`` (regression).
        positions: the square centres ``[N, 2]`` int64 ``(row, column)``, in row-major
            order.

    Indexing gives ``(data[i], targets[i])``, so it plugs into a ``DataLoader``.

    >>> test = not_so_clevr("regression", "quadrant", quadrant=1).test
    >>> len(test), test.data.shape, test.targets[0].tolist()
    (784, torch.Size([784, 1, 64, 64]), [4.0, 32.0])
    >>> int(test.row.max()), int(test.column.min())     # the top-right quadrant
    (31, 32)
    """

    data: torch.Tensor
    targets: torch.Tensor
    positions: torch.Tensor

    def __len__(self) -> int:
        return self.positions.shape[0]

    def __getitem__(self, index):
        return self.data[index], self.targets[index]

    @property
    def row(self) -> torch.Tensor:
        """The square centres' rows (the ``H`` index), int64 ``[N]``.

        >>> not_so_clevr(split="quadrant", quadrant=2).test.row.unique().tolist()[:3]
        [32, 33, 34]
        """
        return self.positions[:, 0]

    @property
    def column(self) -> torch.Tensor:
        """The square centres' columns (the ``W`` index), int64 ``[N]``.

        >>> not_so_clevr(split="quadrant", quadrant=2).test.column.unique().tolist()[:3]
        [4, 5, 6]
        """
        return self.positions[:, 1]

    @property
    def labels(self) -> torch.Tensor:
        """The centre pixel as a class of the flattened canvas: ``row * 64 + column``.

        The class a softmax over the 4,096 pixels (row-major, as ``flatten`` orders them)
        should pick in the classification task.

        >>> not_so_clevr(split="quadrant").train.labels[:3].tolist()
        [260, 261, 262]
        """
        return self.positions[:, 0] * CANVAS + self.positions[:, 1]


@dataclass(frozen=True, eq=False)
class NotSoClevr:
    """A Not-so-Clevr task on one split: what :func:`not_so_clevr` returns.

    Attributes:
        train: the training :class:`CoordinateSet`.
        test: the test :class:`CoordinateSet`.
        task: ``"classification"``, ``"rendering"`` or ``"regression"``.
        split: ``"uniform"`` or ``"quadrant"``.
        quadrant: the held-out quadrant (0 top-left, 1 top-right, 2 bottom-left,
            3 bottom-right) for the quadrant split, else ``None``.
        seed: the seed of the uniform split (``None`` for the quadrant split).

    >>> ds = not_so_clevr("rendering", seed=1)
    >>> ds
    NotSoClevr('rendering', split='uniform', seed=1, train=2509, test=627)
    >>> ds.train.targets.shape, ds.train.targets.sum(dim=(1, 2, 3)).unique().tolist()
    (torch.Size([2509, 1, 64, 64]), [81.0])
    """

    train: CoordinateSet
    test: CoordinateSet
    task: str
    split: str
    quadrant: int | None = None
    seed: int | None = None

    def __repr__(self) -> str:
        where = f"quadrant={self.quadrant}" if self.split == "quadrant" else f"seed={self.seed}"
        return (
            f"NotSoClevr({self.task!r}, split={self.split!r}, {where}, "
            f"train={len(self.train)}, test={len(self.test)})"
        )


def _task_set(task: str, pos: torch.Tensor) -> CoordinateSet:
    coords = pos.float()
    if task == "classification":
        return CoordinateSet(coords, one_hot_pixels(pos), pos)
    if task == "rendering":
        return CoordinateSet(coords, render_squares(pos), pos)
    return CoordinateSet(one_hot_pixels(pos), coords, pos)


def not_so_clevr(
    task: str = "classification",
    split: str = "uniform",
    *,
    quadrant: int = 3,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> NotSoClevr:
    """Not-so-Clevr's train and test tensors for one task and one split.

    Args:
        task: ``"classification"`` (coordinates → one-hot image of the centre pixel; the
            paper's Supervised Coordinate Classification, a softmax over the 4,096
            pixels: :attr:`CoordinateSet.labels`), ``"rendering"`` (coordinates → image
            of the square) or ``"regression"`` (one-hot image → coordinates).
        split: ``"uniform"`` (a random ``test_fraction`` of the 3,136 positions is the
            test set, drawn with ``seed``) or ``"quadrant"`` (the test set is every
            position in ``quadrant``: 784 of them; the training set the other 2,352).
        quadrant: the quadrant of the 56 × 56 grid of positions held out by the quadrant
            split, in reading order: 0 top-left, 1 top-right, 2 bottom-left,
            3 bottom-right (the paper's). Ignored by the uniform split.
        test_fraction: the uniform split's test share, in (0, 1); rounded to whole
            positions (0.2: 627 test, 2,509 train).
        seed: the uniform split's random seed; the same seed gives the same split.

    Returns:
        A :class:`NotSoClevr` with ``train`` and ``test`` :class:`CoordinateSet`; the
        positions of each side in row-major order. Coordinates are ``(row, column)`` in
        pixels (see the module's axis conventions).

    >>> ds = not_so_clevr("classification", "uniform", seed=0)
    >>> len(ds.train), len(ds.test)
    (2509, 627)
    >>> n = ds.train.positions[5]
    >>> ds.train.data[5].tolist() == n.float().tolist(), ds.train.targets[5, 0, n[0], n[1]].item()
    (True, 1.0)
    >>> not_so_clevr(split="quadrant", quadrant=4)
    Traceback (most recent call last):
    ...
    ValueError: quadrant: expected 0, 1, 2 or 3 (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right), got 4
    """  # noqa: E501
    if not isinstance(task, str):
        raise TypeError(f"task: expected one of {TASKS}, got {type(task).__name__}")
    if task not in TASKS:
        raise unknown_name_error("task", task, TASKS, "task")
    if not isinstance(split, str):
        raise TypeError(f"split: expected one of {SPLITS}, got {type(split).__name__}")
    if split not in SPLITS:
        raise unknown_name_error("split", split, SPLITS, "split")
    seed = check_seed(seed)
    test_fraction = check_fraction(test_fraction, "test_fraction")
    if not isinstance(quadrant, numbers.Integral) or isinstance(quadrant, (bool, np.bool_)):
        raise TypeError(f"quadrant: expected an int 0..3, got {type(quadrant).__name__}")
    quadrant = int(quadrant)
    if quadrant not in range(4):
        names = ", ".join(f"{i} {n}" for i, n in enumerate(QUADRANT_NAMES))
        raise ValueError(f"quadrant: expected 0, 1, 2 or 3 ({names}), got {quadrant}")

    pos = square_positions()
    if split == "quadrant":
        in_test = _quadrant_of(pos) == quadrant
    else:
        n_test = round(test_fraction * len(pos))
        if not 0 < n_test < len(pos):
            raise ValueError(
                f"test_fraction: {test_fraction} of {len(pos)} positions leaves an empty side"
            )
        order = torch.randperm(len(pos), generator=torch.Generator().manual_seed(seed))
        in_test = torch.zeros(len(pos), dtype=torch.bool)
        in_test[order[:n_test]] = True
    return NotSoClevr(
        train=_task_set(task, pos[~in_test]),
        test=_task_set(task, pos[in_test]),
        task=task,
        split=split,
        quadrant=quadrant if split == "quadrant" else None,
        seed=seed if split == "uniform" else None,
    )
