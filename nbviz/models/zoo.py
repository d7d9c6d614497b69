"""The model zoo: small networks that train in seconds on a CPU, with readable layer names.

Views address layers by the names ``model.named_modules()`` gives, so every zoo model
keeps each step (linear map, normalization, non-linearity, pooling) in its own
top-level submodule: ``conv1``, ``relu1``, ``pool1``, ``fc1``, ``logits`` ...

>>> from nbviz.models import build
>>> model = build("small_cnn", in_shape=(1, 8, 8))
>>> [name for name, _ in model.named_children()][:4]
['conv1', 'pool1', 'bn1', 'relu1']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from .._checks import check_bool, check_positive_int, unknown_name_error

__all__ = ["LeNet300100", "SmallCNN", "available_models", "build", "register_model"]


def _check_in_shape(in_shape, arg: str = "in_shape") -> tuple[int, int, int]:
    if (
        not isinstance(in_shape, (tuple, list))
        or len(in_shape) != 3
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in in_shape)
    ):
        raise TypeError(f"{arg}: expected a (channels, height, width) tuple, got {in_shape!r}")
    if min(in_shape) < 1:
        raise ValueError(f"{arg}: expected positive sizes, got {tuple(in_shape)}")
    return tuple(int(s) for s in in_shape)


class LeNet300100(nn.Module):
    """LeNet-300-100: the fully connected network of the lottery-ticket papers.

    ``flatten → fc1 (300) → relu1 → fc2 (100) → relu2 → logits``.

    Args:
        in_shape: ``(C, H, W)`` of one input image.
        num_classes: the number of outputs.

    >>> import torch
    >>> model = LeNet300100(in_shape=(1, 8, 8))
    >>> model(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 10])
    """

    def __init__(self, in_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10):
        super().__init__()
        self.in_shape = _check_in_shape(in_shape)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        c, h, w = self.in_shape
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(c * h * w, 300)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(300, 100)
        self.relu2 = nn.ReLU()
        self.logits = nn.Linear(100, self.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (unnormalized logits) of shape ``(N, num_classes)``."""
        x = self.relu1(self.fc1(self.flatten(x)))
        x = self.relu2(self.fc2(x))
        return self.logits(x)


class SmallCNN(nn.Module):
    """A small convolutional network for 28×28 (Fashion-MNIST, MNIST) and 8×8 (digits) images.

    Two blocks of 3×3 convolution (padding 1), 2×2 max pooling, batch norm and ReLU,
    then a hidden fully connected layer:
    ``conv1 → pool1 → bn1 → relu1 → conv2 → pool2 → bn2 → relu2 → flatten → fc1 →
    relu3 → logits``. Pooling comes before the normalization and the ReLU so that
    those run on a quarter of the pixels (a third less training time on a CPU). On
    Fashion-MNIST it reaches about 90% test accuracy in one epoch (see
    :func:`nbviz.models.pretrained`).

    Args:
        in_shape: ``(C, H, W)`` of one input image; height and width at least 4.
        num_classes: the number of outputs.
        channels: output channels of ``conv1`` and ``conv2``.
        hidden: width of ``fc1``.
        batch_norm: put ``bn1``/``bn2`` after the convolutions (they make training
            converge in fewer epochs); without them those names are absent.

    >>> import torch
    >>> model = SmallCNN(in_shape=(1, 8, 8))
    >>> model(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        in_shape: Sequence[int] = (1, 28, 28),
        num_classes: int = 10,
        *,
        channels: Sequence[int] = (16, 32),
        hidden: int = 128,
        batch_norm: bool = True,
    ):
        super().__init__()
        self.in_shape = _check_in_shape(in_shape)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        c, h, w = self.in_shape
        if h < 4 or w < 4:
            raise ValueError(f"in_shape: height and width must be at least 4, got {(h, w)}")
        if not isinstance(channels, (tuple, list)) or len(channels) != 2:
            raise TypeError(f"channels: expected two channel counts, got {channels!r}")
        c1 = check_positive_int(channels[0], "channels[0]")
        c2 = check_positive_int(channels[1], "channels[1]")
        hidden = check_positive_int(hidden, "hidden")
        batch_norm = check_bool(batch_norm, "batch_norm")

        self.conv1 = nn.Conv2d(c, c1, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2)
        if batch_norm:
            self.bn1 = nn.BatchNorm2d(c1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.pool2 = nn.MaxPool2d(2)
        if batch_norm:
            self.bn2 = nn.BatchNorm2d(c2)
        self.relu2 = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(c2 * (h // 4) * (w // 4), hidden)
        self.relu3 = nn.ReLU()
        self.logits = nn.Linear(hidden, self.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (unnormalized logits) of shape ``(N, num_classes)``."""
        # Registration order is the forward order, so run the children in sequence.
        for layer in self.children():
            x = layer(x)
        return x


_REGISTRY: dict[str, Callable[..., nn.Module]] = {
    "lenet_300_100": LeNet300100,
    "small_cnn": SmallCNN,
}


def register_model(name: str, factory: Callable[..., nn.Module]) -> None:
    """Add a model to the zoo under ``name``, so :func:`build` and ``pretrained`` know it.

    ``factory(in_shape=(C, H, W), num_classes=K, **kw)`` must return an ``nn.Module``.

    >>> from torch import nn
    >>> def tiny_linear(in_shape=(1, 8, 8), num_classes=10):
    ...     c, h, w = in_shape
    ...     return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, num_classes))
    >>> register_model("tiny_linear", tiny_linear)
    >>> build("tiny_linear", num_classes=3)[1].out_features
    3
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"factory: expected a callable returning an nn.Module, got {factory!r}")
    _REGISTRY[name] = factory


def available_models() -> list[str]:
    """The names :func:`build` accepts, sorted.

    >>> available_models()[:2]
    ['lenet_300_100', 'small_cnn']
    """
    return sorted(_REGISTRY)


def build(name: str, **kwargs) -> nn.Module:
    """A freshly initialized zoo model (seed with ``torch.manual_seed`` first to repeat it).

    Args:
        name: one of :func:`available_models` (``"lenet_300_100"``, ``"small_cnn"``).
        **kwargs: passed to the model's constructor (``in_shape``, ``num_classes``, ...).

    Raises ``ValueError`` for an unknown name, listing the closest known ones.

    >>> build("small_cnn", in_shape=(1, 8, 8), num_classes=10).fc1.in_features
    128
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a model name (str), got {type(name).__name__}")
    factory = _REGISTRY.get(name)
    if factory is None:
        raise unknown_name_error("model", name, available_models(), "name")
    model = factory(**kwargs)
    if not isinstance(model, nn.Module):
        raise TypeError(f"the factory for {name!r} returned {type(model).__name__}, not a Module")
    return model
