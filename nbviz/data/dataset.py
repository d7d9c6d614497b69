"""The in-memory image dataset every loader returns."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import check_positive_int

__all__ = ["ImageDataset"]


@dataclass(frozen=True, eq=False)
class ImageDataset(torch.utils.data.Dataset):
    """A labelled image dataset held in memory as tensors.

    Attributes:
        images: float32 tensor of shape ``(N, C, H, W)`` with values in ``[0, 1]``.
        labels: int64 tensor of shape ``(N,)``, values in ``range(len(class_names))``.
        class_names: one human-readable name per class.
        name: the dataset's name (``"fashion_mnist"``, ``"digits"`` ...).
        split: ``"train"``, ``"test"`` or ``"all"``.

    It is a ``torch.utils.data.Dataset`` (indexing gives ``(image, label)``), so it
    plugs straight into a ``DataLoader``.

    >>> from nbviz.data import digits
    >>> ds = digits()
    >>> ds.images.shape, ds.class_names[3]
    (torch.Size([1797, 1, 8, 8]), '3')
    >>> len(ds.subset(100, seed=0))
    100
    """

    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    name: str
    split: str

    def __post_init__(self):
        if self.images.ndim != 4:
            raise ValueError(f"images: expected shape (N, C, H, W), got {tuple(self.images.shape)}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"labels: expected shape ({self.images.shape[0]},), got {tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

    @property
    def num_classes(self) -> int:
        """The number of classes."""
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one image."""
        return tuple(self.images.shape[1:])

    def subset(self, n: int, seed: int = 0) -> ImageDataset:
        """A random subset of ``n`` items (all of them if ``n >= len(self)``), seeded."""
        n = check_positive_int(n, "n")
        if n >= len(self):
            return self
        g = torch.Generator().manual_seed(seed)
        idx = torch.randperm(len(self), generator=g)[:n].sort().values
        return ImageDataset(
            self.images[idx], self.labels[idx], self.class_names, self.name, self.split
        )

    def flat(self) -> torch.Tensor:
        """The images as an ``(N, C*H*W)`` float32 matrix (a view when possible)."""
        return self.images.reshape(len(self), -1)

    def __repr__(self) -> str:
        c, h, w = self.image_shape
        return (
            f"ImageDataset({self.name!r}, split={self.split!r}, n={len(self)}, "
            f"image=({c}, {h}, {w}), classes={self.num_classes})"
        )
