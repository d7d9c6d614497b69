"""ImageGrid: a scrollable grid of up to 10,000 images, with hover, click and brush selection.

>>> import numpy as np
>>> grid = ImageGrid(np.zeros((4, 8, 8)), labels=[0, 1, 1, 0], class_names=["a", "b"])
>>> grid.images.shape, grid.images.dtype
((4, 8, 8, 1), dtype('uint8'))
>>> grid.selection = [3, 1, 3]
>>> grid.selection
[1, 3]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import traitlets

from .._checks import check_positive_int
from .base import NbvizWidget
from .convert import check_indices, images_to_uint8, labels_to_codes, split_data
from .messages import MESSAGES
from .traits import ArrayTrait, Int

__all__ = ["ImageGrid"]


class _WireStack(np.ndarray):
    """Marks a stack :func:`images_to_uint8` already made, so it is not converted twice.

    Converting twice would be wrong, not just slow: a (N, 3, W, 1) stack read again by
    the layout rule would be taken as channels-first.
    """


class _ImageStack(ArrayTrait):
    """An image stack, converted on assignment by :func:`images_to_uint8`.

    The stack it last returned passes through unchanged when set again (traitlets sets
    constructor values twice), for the same reason as :class:`_WireStack`.
    """

    info_text = "an image stack"

    def validate(self, obj, value):
        if value is None:
            return super().validate(obj, value)
        if value is obj.__dict__.get("_last_stack"):
            return value
        # A _WireStack is already converted; np.asarray makes it a plain ndarray view.
        out = (
            np.asarray(value)
            if isinstance(value, _WireStack)
            else images_to_uint8(value, name="images")
        )
        obj.__dict__["_last_stack"] = out
        return out


class ImageGrid(NbvizWidget):
    """A scrollable grid of images: hover for index and label, click or brush to select.

    Args:
        data: ``N`` images (``N`` ≤ :attr:`MAX_IMAGES`): an ``ImageDataset`` (its labels
            and class names come along), an ``(images, labels)`` pair, or a tensor or array
            laid out as ``(N, H, W)``, ``(N, C, H, W)`` or ``(N, H, W, C)`` with ``C`` 1
            (gray) or 3 (RGB). A 4-D array is channels-first when its axis 1 has size 1 or
            3 (PyTorch's layout, checked first), else channels-last when its axis 3 does.
        labels: one label per image, integers or strings (default: the data's).
        class_names: the name of each integer label (``labels`` index into it). With
            string labels it fixes the order of the classes; without it they are sorted.
        cell_size: display size of each image in CSS pixels (default: twice the image
            size, clamped to 28..96). Each cell adds a 4 px ring for outlines.
        columns: images per row; 0 fits as many as the width allows.
        height: height of the scrolling viewport in pixels.
        vmin, vmax: the values shown as black and white (others are clipped). By
            default uint8 is shown as is, bool as black/white, floats in [0, 1] and
            integers in [0, 255] as they are, and anything else is stretched from its
            global minimum to its global maximum.

    Traits (synced): ``images`` (uint8 ``(N, H, W, C)``), ``labels`` (int32 ``(N,)`` or
    None), ``class_names``, ``cell_size``, ``columns``, ``height``, ``show_labels``
    (colour each image's border by label) and ``selection`` (sorted indices; set by
    clicking and brushing in the view, or from Python).

    In the view: click selects an image, shift/ctrl/cmd-click toggles one, dragging a
    rectangle selects every image it touches (shift adds), Escape or a click on empty
    space clears. From Python, :meth:`set_images` replaces images and labels together,
    :meth:`scroll_to` brings an image into view, and :meth:`figure` / ``save(path)``
    draw the grid with matplotlib.

    Raises:
        TypeError: ``images`` is not an array or tensor of numbers or bools.
        ValueError: a shape other than those above, no images, NaN or infinity, more
            than :attr:`MAX_IMAGES` images (or :attr:`MAX_PIXELS` pixels), labels of
            the wrong length, or ``class_names`` that do not cover the labels.

    Example:
        >>> from nbviz.data import digits
        >>> ds = digits()
        >>> grid = ImageGrid(ds.subset(200, seed=0))
        >>> grid.images.shape
        (200, 8, 8, 1)
        >>> grid.selection = [0, 5]
        >>> fig = grid.figure(selected_only=True)
    """

    _bundle = "image_grid"

    #: The most images one grid takes; pass a subset (``images[:10000]``) for more.
    MAX_IMAGES: ClassVar[int] = 10_000
    #: The most pixels (N · H · W) one grid takes; the browser keeps them all in memory.
    MAX_PIXELS: ClassVar[int] = 50_000_000
    #: The largest image side in pixels.
    MAX_SIDE: ClassVar[int] = 4096

    _not_settable: ClassVar[frozenset[str]] = frozenset({"images"})

    images = _ImageStack(dtype="uint8", ndim=4, help="the images, uint8 (N, H, W, C)").tag(
        sync=True
    )
    labels = ArrayTrait(dtype="int32", ndim=1, help="a class code per image").tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode(), help="a name per class").tag(sync=True)
    cell_size = Int(56, min=4, max=512, unit=" px", help="display size of each image, CSS px").tag(
        sync=True
    )
    columns = Int(0, min=0, help="images per row; 0 fits the width").tag(sync=True)
    height = Int(400, min=40, unit=" px", help="viewport height, px").tag(sync=True)
    show_labels = traitlets.Bool(True, help="colour each image's border by label").tag(sync=True)
    selection = traitlets.List(traitlets.Int(), help="selected indices, sorted").tag(sync=True)

    def __init__(
        self,
        data,
        labels=None,
        class_names: Sequence[str] | None = None,
        *,
        cell_size: int | None = None,
        columns: int = 0,
        height: int = 400,
        vmin: float | None = None,
        vmax: float | None = None,
        **kwargs,
    ):
        images, labels, class_names = split_data(data, labels, class_names)
        stack = self._check_stack(images_to_uint8(images, vmin, vmax), "data").view(_WireStack)
        codes, names = self._labels_for(labels, class_names, len(stack))
        if cell_size is None:
            cell_size = int(np.clip(2 * max(stack.shape[1:3]), 28, 96))
        super().__init__(
            images=stack,
            labels=codes,
            class_names=names,
            cell_size=cell_size,
            columns=columns,
            height=height,
            **kwargs,
        )

    # --- validation ----------------------------------------------------------------
    @classmethod
    def _check_stack(cls, stack: np.ndarray, name: str = "images") -> np.ndarray:
        n, h, w, _ = stack.shape
        if n > cls.MAX_IMAGES:
            raise ValueError(
                f"{name}: {n} images is more than ImageGrid.MAX_IMAGES = {cls.MAX_IMAGES}; "
                f"show a subset, e.g. images[:{cls.MAX_IMAGES}] or a random sample"
            )
        if max(h, w) > cls.MAX_SIDE:
            raise ValueError(f"{name}: sides of at most {cls.MAX_SIDE} px, got {h}x{w}")
        if n * h * w > cls.MAX_PIXELS:
            raise ValueError(
                f"{name}: {n} images of {h}x{w} is {n * h * w:,} pixels, more than "
                f"ImageGrid.MAX_PIXELS = {cls.MAX_PIXELS:,}; show fewer or smaller images"
            )
        return stack

    @staticmethod
    def _labels_for(labels, class_names, n):
        if labels is None:
            if class_names is not None:
                raise ValueError("class_names: given without labels; pass labels= as well")
            return None, []
        return labels_to_codes(labels, n, class_names)

    @traitlets.validate("images")
    def _valid_images(self, proposal):
        stack = self._check_stack(proposal["value"])
        labels = self.labels
        if labels is not None and len(labels) != len(stack):
            raise traitlets.TraitError(
                f"images: {len(stack)} images but {len(labels)} labels; "
                "use set_images(images, labels) to change both"
            )
        return stack

    @traitlets.validate("labels")
    def _valid_labels(self, proposal):
        labels = proposal["value"]
        if labels is not None and self.images is not None and len(labels) != len(self.images):
            raise traitlets.TraitError(
                f"labels: expected {len(self.images)} labels (one per image), got {len(labels)}"
            )
        return labels

    @traitlets.validate("selection")
    def _valid_selection(self, proposal):
        n = 0 if self.images is None else len(self.images)
        return check_indices(proposal["value"], n, "selection", "images")

    @traitlets.observe("images")
    def _drop_stale_selection(self, change):
        n = 0 if change["new"] is None else len(change["new"])
        kept = [i for i in self.selection if i < n]
        if kept != self.selection:
            self.selection = kept

    # --- public --------------------------------------------------------------------
    def set_images(
        self,
        data,
        labels=None,
        class_names: Sequence[str] | None = None,
        *,
        vmin: float | None = None,
        vmax: float | None = None,
    ) -> None:
        """Replace the images (and their labels) in one update of the view.

        Takes the same arguments, with the same rules, as the constructor. The selection
        keeps only indices that still exist.
        """
        images, labels, class_names = split_data(data, labels, class_names)
        stack = self._check_stack(images_to_uint8(images, vmin, vmax), "data").view(_WireStack)
        codes, names = self._labels_for(labels, class_names, len(stack))
        with self.batched():
            self.images = stack
            self.labels = codes
            self.class_names = names

    def scroll_to(self, index: int) -> None:
        """Scroll every view of this grid so that image ``index`` is in the middle."""
        n = len(self.images)
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise TypeError(f"index: expected an integer, got {type(index).__name__}")
        if not 0 <= index < n:
            raise ValueError(f"index: expected 0 <= index < {n}, got {index}")
        self.send({"type": MESSAGES["scroll_to"], "index": int(index)})

    def label_names(self) -> list[str] | None:
        """The label of each image as text (its class name when known), or None."""
        if self.labels is None:
            return None
        names = self.class_names
        return [names[k] if 0 <= k < len(names) else str(k) for k in self.labels.tolist()]

    def figure(self, max_images: int = 100, selected_only: bool = False, columns: int = 10):
        """The grid as a matplotlib figure: the first ``max_images`` images, titled by label.

        Args:
            max_images: the most images drawn.
            selected_only: draw only the selected images (the selection must not be empty).
            columns: images per row.
        """
        from ..plotting import new_figure

        max_images = check_positive_int(max_images, "max_images")
        columns = check_positive_int(columns, "columns")
        if selected_only:
            if not self.selection:
                raise ValueError("selected_only: the selection is empty; select images first")
            indices = list(self.selection)
        else:
            indices = list(range(len(self.images)))
        total = len(indices)
        indices = indices[:max_images]
        names = self.label_names()

        ncols = min(columns, len(indices))
        nrows = math.ceil(len(indices) / ncols)
        titled = names is not None
        fig = new_figure(
            figsize=(1.1 * ncols, (1.3 if titled else 1.1) * nrows + 0.3), layout="constrained"
        )
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax in axes.flat:
            ax.set_axis_off()
        for ax, i in zip(axes.flat, indices, strict=False):
            img = self.images[i]
            if img.shape[-1] == 1:
                ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            else:
                ax.imshow(img, interpolation="nearest")
            if titled:
                ax.set_title(f"{names[i]}", fontsize=8)
        what = "selected images" if selected_only else "images"
        if total > len(indices):
            fig.suptitle(f"first {len(indices)} of {total} {what}", fontsize=9)
        return fig

    def __repr__(self):
        n, h, w, c = self.images.shape
        return f"ImageGrid({n} images of {h}x{w}x{c}, {len(self.selection)} selected)"
