"""ImageGrid: layouts and values, binary state, selection, labels, bad input, figure."""

import json

import numpy as np
import pytest
import torch
import traitlets
from ipywidgets.widgets.widget import _remove_buffers

from nbviz import ImageGrid
from nbviz.widgets.convert import images_to_uint8, labels_to_codes


@pytest.fixture(scope="module")
def digits():
    """(images (N, 1, 8, 8) float in [0, 1], labels (N,), class_names), from nbviz.data if ready."""
    try:
        from nbviz.data import digits as load

        ds = load()
        return ds.images, ds.labels, list(ds.class_names)
    except ImportError:  # nbviz.data not there yet: the same shapes from scikit-learn
        from sklearn.datasets import load_digits

        d = load_digits()
        images = torch.tensor(d.images / 16.0, dtype=torch.float32)[:, None]
        return images, torch.tensor(d.target), [str(k) for k in range(10)]


# --- layouts and values --------------------------------------------------------------
def _ramp(n, h, w, c):
    """Distinct values per image, row, column and channel (all < 256)."""
    return (np.arange(n * h * w * c) % 251).astype(np.uint8).reshape(n, h, w, c)


@pytest.mark.parametrize("c", [1, 3])
def test_channels_first_and_last_give_the_same_stack(c):
    nhwc = _ramp(4, 5, 6, c)
    nchw = np.ascontiguousarray(np.moveaxis(nhwc, -1, 1))
    for given in (nhwc, nchw, torch.from_numpy(nchw)):
        out = ImageGrid(given).images
        assert out.shape == (4, 5, 6, c)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, nhwc)


def test_three_d_is_grayscale():
    a = _ramp(3, 4, 5, 1)[..., 0]
    out = ImageGrid(a).images
    assert out.shape == (3, 4, 5, 1)
    np.testing.assert_array_equal(out[..., 0], a)


def test_channels_first_wins_when_both_axes_could_be_channels():
    # (N, 3, 5, 3): axis 1 is taken as channels (PyTorch layout is checked first).
    assert ImageGrid(np.zeros((2, 3, 5, 3), np.uint8)).images.shape == (2, 5, 3, 3)


def test_digits_tensor(digits):
    images, labels, names = digits
    grid = ImageGrid(images[:100], labels=labels[:100], class_names=names)
    assert grid.images.shape == (100, 8, 8, 1)
    assert grid.cell_size == 28  # 2 x 8 clamped up to 28
    assert grid.labels.dtype == np.int32
    np.testing.assert_array_equal(grid.labels, np.asarray(labels[:100]))
    assert grid.class_names == names


def test_float_in_unit_range_scales_by_255():
    a = np.array([0.0, 0.25, 0.5, 1.0], np.float32).reshape(1, 1, 4)
    np.testing.assert_array_equal(ImageGrid(a).images.ravel(), [0, 64, 128, 255])


def test_float_outside_unit_range_stretches_min_to_max():
    a = np.array([-1.0, 0.0, 1.0], np.float64).reshape(1, 1, 3)
    np.testing.assert_array_equal(images_to_uint8(a).ravel(), [0, 128, 255])


def test_constant_images_outside_the_range_are_black():
    np.testing.assert_array_equal(images_to_uint8(np.full((2, 2, 2), 7.0)), 0)


def test_vmin_vmax_map_and_clip():
    a = np.array([0.0, 8.0, 16.0, 20.0, -3.0]).reshape(1, 1, 5)
    np.testing.assert_array_equal(ImageGrid(a, vmax=16).images.ravel(), [0, 128, 255, 255, 0])
    np.testing.assert_array_equal(
        images_to_uint8(np.array([[[2, 4, 6]]], np.int64), vmin=2, vmax=6).ravel(), [0, 128, 255]
    )


def test_uint8_is_kept_and_bool_is_black_and_white():
    a = _ramp(2, 4, 5, 3)
    np.testing.assert_array_equal(ImageGrid(a).images, a)
    b = np.array([[[True, False]]])
    np.testing.assert_array_equal(ImageGrid(b).images.ravel(), [255, 0])


def test_integers_in_byte_range_are_kept_others_stretched():
    np.testing.assert_array_equal(images_to_uint8(np.array([[[0, 16, 255]]])).ravel(), [0, 16, 255])
    np.testing.assert_array_equal(
        images_to_uint8(np.array([[[0, 500, 1000]]])).ravel(), [0, 128, 255]
    )


def test_bfloat16_and_grad_tensors_are_accepted():
    t = torch.rand(2, 1, 4, 4, requires_grad=True)
    assert ImageGrid(t).images.shape == (2, 4, 4, 1)
    assert ImageGrid(t.detach().to(torch.bfloat16)).images.shape == (2, 4, 4, 1)


def test_default_cell_size_is_twice_the_image_clamped():
    assert ImageGrid(np.zeros((1, 28, 28))).cell_size == 56
    assert ImageGrid(np.zeros((1, 200, 100))).cell_size == 96
    assert ImageGrid(np.zeros((1, 8, 8)), cell_size=40).cell_size == 40


# --- synced state --------------------------------------------------------------------
def test_state_carries_binary_buffers_not_lists(digits):
    images, labels, names = digits
    grid = ImageGrid(images[:500], labels=labels[:500], class_names=names)
    state = grid.get_state()
    assert isinstance(state["images"]["buffer"], memoryview)
    assert state["images"]["dtype"] == "uint8"
    assert state["images"]["shape"] == [500, 8, 8, 1]
    assert isinstance(state["labels"]["buffer"], memoryview)
    assert state["labels"]["dtype"] == "int32"
    stripped, paths, buffers = _remove_buffers(state)
    assert ["images", "buffer"] in paths and ["labels", "buffer"] in paths
    assert sum(b.nbytes for b in buffers) == 500 * 64 + 500 * 4
    # Without the buffers the JSON is tiny: no pixel went into it.
    text = json.dumps({k: v for k, v in stripped.items() if k not in ("_esm", "_css")}, default=str)
    assert len(text) < 3000


def test_esm_is_the_built_bundle_or_a_clear_message():
    esm = str(ImageGrid(np.zeros((1, 2, 2)))._esm)
    assert "render" in esm


def test_without_labels_the_label_traits_are_empty():
    grid = ImageGrid(np.zeros((3, 2, 2)))
    assert grid.labels is None
    assert grid.class_names == []
    assert grid.label_names() is None


# --- selection -----------------------------------------------------------------------
def test_selection_is_deduplicated_and_sorted():
    grid = ImageGrid(np.zeros((10, 2, 2)))
    grid.selection = [7, 2, 7, np.int64(5)]
    assert grid.selection == [2, 5, 7]


@pytest.mark.parametrize("bad", [[10], [-1], [1, 99]])
def test_selection_out_of_range_is_refused(bad):
    grid = ImageGrid(np.zeros((10, 2, 2)))
    with pytest.raises(
        traitlets.TraitError, match=r"selection: index -?\d+ is out of range for 10"
    ):
        grid.selection = bad
    assert grid.selection == []


def test_selection_of_non_integers_is_refused():
    grid = ImageGrid(np.zeros((10, 2, 2)))
    with pytest.raises(traitlets.TraitError):
        grid.selection = ["1"]
    with pytest.raises(traitlets.TraitError):
        grid.selection = [True]


def test_selection_from_the_view_is_validated():
    grid = ImageGrid(np.zeros((10, 2, 2)))
    grid.set_state({"selection": [4, 1]})
    assert grid.selection == [1, 4]


def test_selection_is_observable():
    grid = ImageGrid(np.zeros((10, 2, 2)))
    seen = []
    grid.observe(lambda c: seen.append(c["new"]), names="selection")
    grid.selection = [3]
    assert seen == [[3]]


# --- labels --------------------------------------------------------------------------
def test_string_labels_become_codes_with_sorted_names():
    grid = ImageGrid(np.zeros((4, 2, 2)), labels=["dog", "cat", "dog", "emu"])
    assert grid.class_names == ["cat", "dog", "emu"]
    np.testing.assert_array_equal(grid.labels, [1, 0, 1, 2])
    assert grid.label_names() == ["dog", "cat", "dog", "emu"]


def test_string_labels_follow_given_class_names():
    codes, names = labels_to_codes(["b", "a"], 2, ["b", "a", "c"])
    np.testing.assert_array_equal(codes, [0, 1])
    assert names == ["b", "a", "c"]


def test_int_labels_without_names_are_shown_as_numbers():
    grid = ImageGrid(np.zeros((3, 2, 2)), labels=torch.tensor([3, -1, 12]))
    np.testing.assert_array_equal(grid.labels, [3, -1, 12])
    assert grid.label_names() == ["3", "-1", "12"]


def test_int_labels_with_names():
    grid = ImageGrid(np.zeros((3, 2, 2)), labels=[0, 2, 1], class_names=("a", "b", "c"))
    assert grid.label_names() == ["a", "c", "b"]


# --- bad input -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.zeros(5), r"data: expected \(N, H, W\), \(N, C, H, W\) or \(N, H, W, C\)"),
        (np.zeros((8, 8)), r"pass images\[None\]"),
        (np.zeros((2, 3, 4, 5, 6)), r"data: expected .* 5-D"),
        (np.zeros((2, 4, 5, 5)), r"data: expected .* C = 1 or 3"),
        (np.zeros((2, 8, 8, 4)), r"drop the alpha channel"),
        (np.zeros((2, 2, 8, 8)), r"data: expected"),
    ],
)
def test_wrong_shape_is_a_value_error_naming_images(bad, match):
    with pytest.raises(ValueError, match=match):
        ImageGrid(bad)


@pytest.mark.parametrize("shape", [(0, 8, 8), (3, 0, 8), (3, 8, 0), (0, 1, 8, 8)])
def test_empty_is_a_value_error(shape):
    with pytest.raises(ValueError, match=r"data: expected at least one non-empty image"):
        ImageGrid(np.zeros(shape))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_is_a_value_error(value):
    a = np.zeros((2, 3, 3))
    a[1, 2, 0] = value
    with pytest.raises(ValueError, match=r"data: contains 1 NaN or infinite value"):
        ImageGrid(a)


def test_labels_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"labels: expected 3 labels \(one per item\), got 2"):
        ImageGrid(np.zeros((3, 2, 2)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"labels: expected a 1-D"):
        ImageGrid(np.zeros((3, 2, 2)), labels=[[0], [1], [2]])


def test_too_many_images_names_the_limit_and_suggests_a_subset():
    n = ImageGrid.MAX_IMAGES + 1
    with pytest.raises(ValueError, match=r"MAX_IMAGES = 10000.*subset"):
        ImageGrid(np.zeros((n, 1, 1), np.uint8))
    assert ImageGrid(np.zeros((ImageGrid.MAX_IMAGES, 1, 1), np.uint8)).images.shape[0] == 10_000


def test_too_many_pixels(monkeypatch):
    monkeypatch.setattr(ImageGrid, "MAX_PIXELS", 100)
    with pytest.raises(ValueError, match=r"MAX_PIXELS"):
        ImageGrid(np.zeros((2, 8, 8)))


@pytest.mark.parametrize("bad", ["not images", 42, object(), None, {"a": 1}])
def test_non_array_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"data: expected"):
        ImageGrid(bad)


@pytest.mark.parametrize("bad", [np.array([[["a"]]]), np.ones((1, 2, 2), np.complex64)])
def test_non_numeric_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"data: expected numeric or bool pixel values"):
        ImageGrid(bad)


def test_class_names_too_short():
    with pytest.raises(ValueError, match=r"class_names: has 2 names, but labels go up to 4"):
        ImageGrid(np.zeros((3, 2, 2)), labels=[0, 1, 4], class_names=["a", "b"])


def test_class_names_problems():
    z = np.zeros((2, 2, 2))
    with pytest.raises(ValueError, match=r"class_names: given without labels"):
        ImageGrid(z, class_names=["a"])
    with pytest.raises(ValueError, match=r"class_names: has no entry for the label\(s\) 'x'"):
        ImageGrid(z, labels=["a", "x"], class_names=["a"])
    with pytest.raises(ValueError, match=r"labels: expected indices into class_names"):
        ImageGrid(z, labels=[-1, 0], class_names=["a"])
    with pytest.raises(TypeError, match=r"class_names: expected a sequence of strings"):
        ImageGrid(z, labels=[0, 0], class_names="ab")
    with pytest.raises(TypeError, match=r"class_names: expected every name to be a string"):
        ImageGrid(z, labels=[0, 0], class_names=[1, 2])
    with pytest.raises(ValueError, match=r"class_names: names must be distinct"):
        ImageGrid(z, labels=[0, 0], class_names=["a", "a"])


def test_bad_labels_type():
    with pytest.raises(ValueError, match=r"labels: expected integer or string labels"):
        ImageGrid(np.zeros((2, 2, 2)), labels=[0.5, 1.0])


def test_bad_vmin_vmax():
    with pytest.raises(ValueError, match=r"vmin/vmax: expected finite numbers with vmin < vmax"):
        ImageGrid(np.zeros((1, 2, 2)), vmin=1, vmax=1)
    with pytest.raises(ValueError, match=r"vmin/vmax: not used with bool images"):
        ImageGrid(np.zeros((1, 2, 2), bool), vmax=2)


def test_bad_display_traits():
    grid = ImageGrid(np.zeros((1, 2, 2)))
    with pytest.raises(traitlets.TraitError, match=r"cell_size: expected 4..512"):
        grid.cell_size = 2
    with pytest.raises(traitlets.TraitError, match=r"columns: expected 0"):
        grid.columns = -1
    with pytest.raises(traitlets.TraitError, match=r"height: expected at least 40"):
        grid.height = 10


# --- updating ------------------------------------------------------------------------
def test_set_images_replaces_both_and_trims_the_selection():
    grid = ImageGrid(np.zeros((10, 2, 2)), labels=list(range(10)))
    grid.selection = [1, 8]
    grid.set_images(np.ones((5, 3, 3)), labels=["x"] * 5)
    assert grid.images.shape == (5, 3, 3, 1)
    assert grid.class_names == ["x"]
    np.testing.assert_array_equal(grid.labels, [0] * 5)
    assert grid.selection == [1]


def test_assigning_images_converts_and_checks_label_count():
    grid = ImageGrid(np.zeros((4, 2, 2)))
    grid.images = np.full((6, 1, 3, 3), 0.5)
    assert grid.images.shape == (6, 3, 3, 1) and grid.images.max() == 128
    labelled = ImageGrid(np.zeros((4, 2, 2)), labels=[0, 1, 0, 1])
    with pytest.raises(traitlets.TraitError, match=r"use set_images"):
        labelled.images = np.zeros((5, 2, 2))
    assert labelled.images.shape[0] == 4


def test_scroll_to_sends_a_message(monkeypatch):
    grid = ImageGrid(np.zeros((10, 2, 2)))
    sent = []
    monkeypatch.setattr(grid, "send", lambda content, buffers=None: sent.append(content))
    grid.scroll_to(7)
    assert sent == [{"type": "scroll_to", "index": 7}]
    with pytest.raises(ValueError, match=r"index: expected 0 <= index < 10"):
        grid.scroll_to(10)
    with pytest.raises(TypeError, match=r"index: expected an integer"):
        grid.scroll_to(1.5)


# --- static output -------------------------------------------------------------------
def test_figure_titles_images_by_label(digits):
    images, labels, names = digits
    grid = ImageGrid(images[:30], labels=labels[:30], class_names=names)
    fig = grid.figure(max_images=12)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 12
    assert [ax.get_title() for ax in shown] == [names[int(k)] for k in labels[:12]]
    assert "first 12 of 30" in fig._suptitle.get_text()


def test_figure_selected_only():
    grid = ImageGrid(np.random.default_rng(0).random((20, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"selected_only: the selection is empty"):
        grid.figure(selected_only=True)
    grid.selection = [3, 9, 11]
    fig = grid.figure(selected_only=True)
    assert len([ax for ax in fig.axes if ax.images]) == 3
    with pytest.raises(ValueError, match=r"max_images"):
        grid.figure(max_images=0)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_save_writes_a_file(tmp_path, digits, suffix):
    images, labels, names = digits
    grid = ImageGrid(images[:20], labels=labels[:20], class_names=names)
    path = grid.save(tmp_path / f"grid{suffix}")
    data = path.read_bytes()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert b"<svg" in data[:2000]


def test_save_refuses_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match=r"path: expected a .png, .svg or .pdf"):
        ImageGrid(np.zeros((1, 2, 2))).save(tmp_path / "x.jpg")


def test_repr():
    assert repr(ImageGrid(np.zeros((3, 4, 5)))) == "ImageGrid(3 images of 4x5x1, 0 selected)"


def test_public_names():
    import nbviz
    import nbviz.widgets

    assert nbviz.widgets.ImageGrid is ImageGrid
    assert nbviz.ImageGrid is ImageGrid


@pytest.mark.parametrize("h", [1, 3])
def test_images_only_one_or_three_rows_high_keep_their_layout(h):
    # An (N, H, W) stack with H of 1 or 3 becomes (N, H, W, 1) once, not re-read as (N, C, ...).
    a = _ramp(4, h, 5, 1)[..., 0]
    grid = ImageGrid(a)
    assert grid.images.shape == (4, h, 5, 1)
    assert type(grid.images) is np.ndarray
    grid.images = grid.images  # setting the current stack again changes nothing
    assert grid.images.shape == (4, h, 5, 1)
    grid.set_images(a[:2])
    assert grid.images.shape == (2, h, 5, 1)
    np.testing.assert_array_equal(grid.images[..., 0], a[:2])
