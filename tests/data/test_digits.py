"""digits(): shapes, values, class names and the fixed train/test split."""

from collections import Counter

import pytest
import torch

from nbviz.data import ImageDataset, digits


def test_all_split_shapes_values_and_names():
    ds = digits()
    assert isinstance(ds, ImageDataset)
    assert (ds.name, ds.split) == ("digits", "all")
    assert ds.images.shape == (1797, 1, 8, 8)
    assert ds.images.dtype == torch.float32 and ds.labels.dtype == torch.int64
    assert ds.images.min() == 0.0 and ds.images.max() == 1.0
    # sklearn's digits hold integers 0..16, divided by 16.
    assert torch.equal(ds.images * 16, (ds.images * 16).round())
    assert ds.class_names == tuple(str(d) for d in range(10))
    assert ds.labels.bincount().tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_train_test_sizes_and_stratification():
    train, test = digits("train"), digits("test")
    assert (len(train), len(test)) == (1438, 359)
    assert (train.split, test.split) == ("train", "test")
    all_counts = digits().labels.bincount()
    test_counts = test.labels.bincount()
    assert torch.equal(train.labels.bincount() + test_counts, all_counts)
    # 20% of each class, rounded.
    assert test_counts.tolist() == [int(0.2 * n + 0.5) for n in all_counts.tolist()]


def test_train_and_test_partition_all():
    def rows(ds):
        return Counter(
            (bytes(img.numpy().tobytes()), int(lbl))
            for img, lbl in zip(ds.images, ds.labels, strict=True)
        )

    assert rows(digits("train")) + rows(digits("test")) == rows(digits())


def test_split_is_deterministic_and_pinned():
    a, b = digits("test"), digits("test")
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    # Pinned so that a change of the split (which would change every result
    # computed on it) cannot pass unnoticed.
    assert a.labels[:12].tolist() == [3, 7, 3, 9, 0, 8, 7, 0, 8, 0, 3, 3]


def test_each_call_returns_fresh_tensors():
    a = digits("train")
    a.images.zero_()
    assert digits("train").images.max() == 1.0


def test_dataset_protocol():
    ds = digits("test")
    image, label = ds[0]
    assert image.shape == (1, 8, 8) and int(label) == 3
    assert len(ds.subset(10, seed=1)) == 10
    assert ds.flat().shape == (359, 64)


def test_unknown_split_lists_valid_ones():
    with pytest.raises(ValueError, match=r"split: unknown split 'tain'.*'train'.*Valid: 'all'"):
        digits("tain")


def test_split_of_wrong_type():
    with pytest.raises(TypeError, match="split: expected a string"):
        digits(0)
