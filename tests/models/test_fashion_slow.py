"""The default Fashion-MNIST SmallCNN reaches its accuracy target (trains ~12 s on 2 cores)."""

from __future__ import annotations

import pytest

from nbviz.models import pretrained


@pytest.mark.slow
def test_default_fashion_mnist_small_cnn_reaches_88_percent():
    model, result = pretrained("small_cnn", "fashion_mnist", cache=False, with_result=True)
    print(f"SmallCNN on Fashion-MNIST: {result}")
    assert result.final_test_acc >= 0.88
    assert not model.training
