"""GrandTour widget: traits, binary buffers, validation, normalization and static output."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import traitlets
from ipywidgets.widgets.widget import _remove_buffers

from nbviz import GrandTour
from nbviz.plotting import PALETTE
from nbviz.tour.framing import normalize_points, reduce_frames


def _pts(n=40, d=6, frames=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, d) if frames is None else (frames, n, d)
    return rng.normal(size=shape)


# --- construction and state ------------------------------------------------------------
def test_two_d_points_become_one_frame_and_projection_starts_on_the_first_axes():
    tour = GrandTour(_pts(), labels=[0, 1] * 20, class_names=["a", "b"])
    assert tour.points.shape == (1, 40, 6) and tour.points.dtype == np.float32
    assert tour.labels.dtype == np.int32
    assert np.allclose(np.array(tour.projection), np.eye(6)[:, :2])
    assert tour.frame == 0.0 and tour.playing and tour.selection == []
    assert (tour.d, tour.n) == (6, 40)


def test_state_carries_binary_buffers_not_lists():
    thumbs = np.random.default_rng(0).random((300, 8, 8))
    tour = GrandTour(_pts(300, 10, frames=4), labels=np.arange(300) % 10, thumbnails=thumbs)
    state = tour.get_state()
    for key, dtype in [("points", "float32"), ("labels", "int32"), ("thumbnails", "uint8")]:
        assert isinstance(state[key]["buffer"], memoryview)
        assert state[key]["dtype"] == dtype
    assert state["points"]["shape"] == [4, 300, 10]
    stripped, paths, buffers = _remove_buffers(state)
    assert ["points", "buffer"] in paths
    assert sum(b.nbytes for b in buffers) == 4 * 300 * 10 * 4 + 300 * 4 + 300 * 64
    text = json.dumps({k: v for k, v in stripped.items() if k not in ("_esm", "_css")}, default=str)
    assert len(text) < 4000


def test_tensor_and_list_of_frames_are_accepted():
    t = GrandTour(torch.randn(3, 20, 4, requires_grad=True))
    assert t.points.shape == (3, 20, 4)
    t = GrandTour([np.ones((5, 3)) * k + np.eye(5, 3) for k in range(2)])
    assert t.points.shape == (2, 5, 3)


def test_normalization_centers_on_the_mean_and_scales_robustly():
    raw = _pts(500, 5, frames=2) * 7 + 3
    x, center, scale = normalize_points(raw.astype(np.float32))
    assert np.allclose(center, raw.reshape(-1, 5).mean(0), atol=1e-4)
    norms = np.linalg.norm(x.reshape(-1, 5), axis=1)
    assert abs(np.quantile(norms, 0.99) - 1) < 1e-4
    tour = GrandTour(raw)
    assert np.allclose(tour.points, x, atol=1e-5)
    assert np.allclose(tour.center, center) and tour.scale == pytest.approx(scale)


def test_ascii_esm_is_the_built_bundle():
    assert "render" in str(GrandTour(_pts())._esm)


# --- validation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "points, match",
    [
        (np.ones((10, 1)), r"at least 2 dims"),
        (np.ones((10, 129)), r"129 dims is more than GrandTour.MAX_DIM = 128.*from_activations"),
        (np.ones(10), r"\[n, d\] or \[T, n, d\]"),
        (np.zeros((0, 3)), r"at least one point"),
    ],
)
def test_bad_shapes_are_refused(points, match):
    with pytest.raises(ValueError, match=match):
        GrandTour(points)


def test_nan_and_inf_are_refused():
    p = _pts()
    p[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"data: contains 1 NaN"):
        GrandTour(p)
    p[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinite"):
        GrandTour(p)


def test_frames_with_different_point_counts_are_refused():
    with pytest.raises(ValueError, match=r"every frame needs the same number of points"):
        GrandTour([np.ones((5, 3)), np.ones((6, 3))])


def test_labels_thumbnails_and_names_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match=r"labels: expected 40 labels"):
        GrandTour(_pts(), labels=[0, 1, 2])
    with pytest.raises(ValueError, match=r"thumbnails: expected 40 images"):
        GrandTour(_pts(), thumbnails=np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match=r"dim_names: expected 6 names"):
        GrandTour(_pts(), dim_names=["a"])
    with pytest.raises(ValueError, match=r"frame_names: expected 1 names"):
        GrandTour(_pts(), frame_names=["a", "b"])
    with pytest.raises(ValueError, match=r"class_names: given without labels"):
        GrandTour(_pts(), class_names=["a"])


def test_more_classes_than_colours_are_allowed_and_cycle():
    tour = GrandTour(_pts(40), labels=np.arange(40) % 20)
    assert tour.labels.max() == 19
    fig = tour.figure()
    assert len(fig.axes[0].get_legend().get_texts()) == 20


# --- synced traits ----------------------------------------------------------------------
def test_projection_must_be_d_by_2_and_orthonormal():
    tour = GrandTour(_pts(d=4))
    q = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 2)))[0]
    tour.projection = q.tolist()
    assert np.allclose(tour.projection, q)
    with pytest.raises(traitlets.TraitError, match=r"orthonormal"):
        tour.projection = (2 * q).tolist()
    with pytest.raises(traitlets.TraitError, match=r"expected 4 rows"):
        tour.projection = q[:3].tolist()
    with pytest.raises(traitlets.TraitError, match=r"NaN"):
        tour.projection = [[np.nan, 0], [0, 1], [0, 0], [0, 0]]
    assert np.allclose(tour.projection, q)


def test_projection_from_the_view_is_validated():
    tour = GrandTour(_pts(d=3))
    tour.set_state({"projection": [[0, 1], [1, 0], [0, 0]]})
    assert tour.projection == [[0, 1], [1, 0], [0, 0]]


def test_frame_selection_and_sizes_are_checked():
    tour = GrandTour(_pts(frames=3))
    tour.frame = 1.5
    with pytest.raises(traitlets.TraitError, match=r"frame: expected 0..2"):
        tour.frame = 2.5
    tour.selection = [5, 1, 5]
    assert tour.selection == [1, 5]
    with pytest.raises(traitlets.TraitError, match=r"out of range for 40"):
        tour.selection = [40]
    with pytest.raises(traitlets.TraitError):
        tour.selection = [True]
    with pytest.raises(traitlets.TraitError, match=r"speed"):
        tour.speed = -1
    with pytest.raises(traitlets.TraitError, match=r"point_size"):
        tour.point_size = 0
    with pytest.raises(traitlets.TraitError, match=r"height"):
        tour.height = 10


def test_projected_interpolates_frames():
    p = np.zeros((2, 3, 2))
    p[1] = 2.0
    p[0, 0] = [1, -1]
    tour = GrandTour(p)
    mid = tour.projected(0.5)
    assert np.allclose(mid, (tour.points[0] + tour.points[1]) / 2)
    with pytest.raises(ValueError, match=r"frame"):
        tour.projected(3)


# --- from_activations ---------------------------------------------------------------------
def test_from_activations_reduces_wide_layers_by_pca_fitted_on_the_last_frame():
    rng = np.random.default_rng(0)
    acts = [rng.normal(size=(50, 4, 8, 8)) for _ in range(3)]  # 256 wide
    tour = GrandTour.from_activations(acts, labels=np.arange(50) % 5, dims=12)
    assert tour.points.shape == (3, 50, 12)
    assert tour.dim_names[0] == "PC1" and len(tour.dim_names) == 12
    assert tour.components.shape == (12, 256)
    reduced, fitted = reduce_frames(np.stack(acts).reshape(3, 50, -1), 12)
    comps = fitted.components.numpy()
    assert np.allclose(comps, tour.components, atol=1e-5)
    # The last frame's reduction has uncorrelated, decreasing-variance columns.
    var = reduced[-1].var(axis=0)
    assert np.all(np.diff(var) <= 1e-4)


def test_from_activations_keeps_narrow_layers_and_reads_one_frame_with_labels():
    acts = torch.randn(30, 7)
    tour = GrandTour.from_activations(acts, labels=torch.arange(30) % 3)
    assert tour.points.shape == (1, 30, 7) and tour.components is None
    images = torch.rand(30, 1, 8, 8)
    assert GrandTour.from_activations(images, torch.arange(30) % 3, dims=5).points.shape == (
        1,
        30,
        5,
    )
    with pytest.raises(ValueError, match=r"dims: expected 2..128"):
        GrandTour.from_activations(acts, dims=1)


# --- static output --------------------------------------------------------------------------
def test_figure_and_save(tmp_path):
    tour = GrandTour(
        _pts(60, 5, frames=2),
        labels=np.arange(60) % 3,
        class_names=["a", "b", "c"],
        dim_names=list("vwxyz"),
        frame_names=["epoch 0", "epoch 1"],
    )
    tour.selection = [1, 2]
    tour.hidden_classes = [2]
    tour.frame = 1.0
    fig = tour.figure()
    ax = fig.axes[0]
    assert ax.get_title() == "epoch 1"
    assert {t.get_text() for t in ax.texts} >= {"v", "w"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    for suffix in ("png", "svg"):
        path = tour.save(tmp_path / f"tour.{suffix}")
        assert path.stat().st_size > 1000


def test_repr():
    assert repr(GrandTour(_pts(frames=2))) == (
        "GrandTour(40 points in 6 dims, 2 frame(s), 0 selected)"
    )


def test_from_activations_with_fewer_points_than_dims():
    """50 points of 200 features reduced to 64 dims: the data spans < 64 axes, still works."""
    acts = np.random.default_rng(0).normal(size=(2, 50, 200)).astype(np.float32)
    tour = GrandTour.from_activations(acts, np.arange(50) % 3, dims=64)
    assert tour.points.shape == (2, 50, 64)
    assert len(tour.dim_names) == 64
    assert np.isfinite(tour.points).all()


# --- class colours, predictions, zoom --------------------------------------------------------
def test_class_colors_any_matplotlib_colour_stored_as_hex():
    pts = np.random.default_rng(0).normal(size=(6, 3))
    tour = GrandTour(pts, [0, 1, 2] * 2, class_colors=["red", (0, 0, 1), "#00ff00"])
    assert tour.class_colors == ["#ff0000", "#0000ff", "#00ff00"]
    assert tour.color_of(1) == "#0000ff" and tour.color_of(5) == PALETTE[5]
    tour.class_colors = ["tab:orange"]
    assert tour.class_colors == ["#ff7f0e"]
    with pytest.raises(ValueError, match=r"class_colors\[1\]: 'nope' is not a colour"):
        GrandTour(pts, class_colors=["red", "nope"])
    with pytest.raises(TypeError, match="class_colors: expected a sequence"):
        GrandTour(pts, class_colors="red")


def test_predictions_per_point_or_per_frame():
    pts = np.random.default_rng(0).normal(size=(3, 5, 4))
    tour = GrandTour(pts, [0, 1, 0, 1, 0], predictions=[1, 1, 0, 1, -1])
    assert tour.predictions.shape == (3, 5) and tour.predictions.dtype == np.int32
    assert tour.predictions[2].tolist() == [1, 1, 0, 1, -1]
    per_frame = np.arange(15).reshape(3, 5) % 2
    assert GrandTour(pts, predictions=per_frame).predictions.tolist() == per_frame.tolist()
    with pytest.raises(ValueError, match=r"predictions: expected shape \(5,\) or \(3, 5\)"):
        GrandTour(pts, predictions=[0, 1])
    with pytest.raises(TypeError, match="predictions: expected integer class indices"):
        GrandTour(pts, predictions=np.zeros(5))
    with pytest.raises(traitlets.TraitError, match="predictions: expected shape"):
        tour.predictions = np.zeros((2, 5), np.int32)


def _drawn_half_size(fig) -> float:
    """Half the larger side of the box from the 1st to the 99th percentile of the drawn
    points (the box the view fits), in plot units; its centre must be the plot's."""
    offsets = np.asarray(fig.axes[0].collections[0].get_offsets(), dtype=np.float64)
    lo, hi = np.quantile(offsets, [0.01, 0.99], axis=0)
    np.testing.assert_allclose((lo + hi) / 2, 0.0, atol=1e-6)
    return float((hi - lo).max() / 2)


def test_zoom_is_relative_to_the_views_fit():
    rng = np.random.default_rng(0)
    narrow = GrandTour(rng.normal(size=(500, 2)))
    wide = GrandTour(rng.normal(size=(500, 100)))
    assert narrow.zoom == wide.zoom == 1.0  # "auto": the fitted view, whatever the width
    assert GrandTour(rng.normal(size=(50, 10)), zoom=2.5).zoom == 2.5
    # The figure fits the projected cloud as the view does: a 2-D view of 100 isotropic
    # dims holds ~sqrt(2/100) of the norms, yet fills the plot; zoom magnifies the fit.
    assert np.quantile(np.linalg.norm(wide.projected(), axis=1), 0.99) < 0.4
    assert _drawn_half_size(wide.figure()) == pytest.approx(1.0, rel=1e-3)
    wide.zoom = 2.0
    assert _drawn_half_size(wide.figure()) == pytest.approx(2.0, rel=1e-3)
    with pytest.raises(traitlets.TraitError, match=r"zoom: expected 0\.1\.\.100"):
        wide.zoom = 0
    with pytest.raises(ValueError, match="zoom: expected a number or 'auto'"):
        GrandTour(rng.normal(size=(50, 10)), zoom="fit")


def test_setting_the_same_projection_again_still_reaches_the_view():
    tour = GrandTour(np.random.default_rng(0).normal(size=(20, 4)))
    sent = []
    tour.observe(lambda c: sent.append(c["name"]), names=["projection", "_projection_set"])
    p = np.eye(4)[:, [1, 2]].tolist()
    tour.projection = p
    assert sent == ["projection"]
    tour.projection = p  # the view may have toured on: it must hear of it again
    assert sent == ["projection", "_projection_set"]
    with tour._lock_property(projection=p):  # a write from the view itself: no bump
        tour.set_state({"projection": p})
    assert sent == ["projection", "_projection_set"]


class _RecordingComm:
    """Stands in for the kernel comm: records what the widget sends, in order."""

    kernel = object()
    comm_id = "recording-comm"

    def __init__(self):
        self.sent = []

    def on_msg(self, callback):
        pass

    def close(self, *args, **kwargs):
        pass

    def send(self, data=None, buffers=None, **kwargs):
        self.sent.append(data)


def test_large_points_are_announced_before_they_are_sent():
    rng = np.random.default_rng(0)
    tour = GrandTour(rng.normal(size=(100, 4)))
    tour.comm = comm = _RecordingComm()
    tour.points = rng.normal(size=(1, 100, 4)).astype(np.float32)  # 1.6 kB: not announced
    assert [m["method"] for m in comm.sent] == ["update"]
    comm.sent.clear()
    big = rng.normal(size=(1, 20_000, 4)).astype(np.float32)  # 320 kB
    tour.points = big
    kinds = [(m["method"], m.get("content", {}).get("type")) for m in comm.sent]
    assert kinds[0] == ("custom", "points_incoming"), kinds
    assert kinds[1][0] == "update" and "points" in comm.sent[1]["state"]
    assert comm.sent[0]["content"]["bytes"] == big.nbytes


def test_new_points_must_fit_the_per_point_traits_or_come_with_them():
    rng = np.random.default_rng(0)
    tour = GrandTour(rng.normal(size=(2, 30, 5)), [0, 1, 2] * 10, predictions=np.zeros(30, int),
                     frame_names=["a", "b"], dim_names=list("vwxyz"))  # fmt: skip
    tour.selection = [3, 25]
    tour.frame = 1.0
    with pytest.raises(traitlets.TraitError, match=r"points: 1 frame\(s\) of 10 points do not "
                       r"fit the 30 labels, predictions of shape \(2, 30\)"):  # fmt: skip
        tour.points = rng.normal(size=(1, 10, 5)).astype(np.float32)
    assert tour.points.shape == (2, 30, 5)  # unchanged
    with tour.batched():
        tour.points = rng.normal(size=(1, 10, 3)).astype(np.float32)
        tour.labels = np.zeros(10, np.int32)
        tour.predictions = None
    # what indexed the old points, frames or dims follows the new ones
    assert tour.selection == [3] and tour.frame == 0.0 and tour.frame_names == []
    assert tour.dim_names == [] and np.allclose(tour.projection, np.eye(3)[:, :2])
    with pytest.raises(traitlets.TraitError, match="thumbnails: expected 10 images"):
        tour.thumbnails = np.zeros((4, 8, 8, 1), np.uint8)
