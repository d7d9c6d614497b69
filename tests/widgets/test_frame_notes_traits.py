"""The scatter's per-frame axis names and notes: frame_dim_names, frame_dim_notes (or
dim_notes for every frame) and frame_notes, checked, reset with the points, passed on by
the tour's builders."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import traitlets

from nbviz import GrandTour

NAMES = [["a·pc1", "a·pc2", "a·pc3"], ["b·pc2", "b·pc1", "b·pc3"]]
NOTES = [[f"{n}: note" for n in row] for row in NAMES]


@pytest.fixture
def points():
    return np.random.default_rng(0).normal(size=(2, 20, 3))


def test_per_frame_names_notes_and_lines_are_kept(points):
    tour = GrandTour(points, frame_dim_names=NAMES, frame_dim_notes=NOTES,
                     frame_notes=["first", "second"])  # fmt: skip
    assert tour.frame_dim_names == NAMES and tour.frame_dim_notes == NOTES
    assert tour.frame_notes == ["first", "second"]
    assert [tour.dim_name(i, frame=1) for i in range(3)] == NAMES[1]
    tour.frame = 0.4  # rounds to the nearest frame
    assert tour.dim_name(0) == "a·pc1"
    plain = GrandTour(points, dim_names=["u", "v", "w"])
    assert plain.frame_dim_names == plain.frame_dim_notes == plain.frame_notes == []
    assert plain.dim_name(2, frame=1) == "w" and GrandTour(points).dim_name(2) == "x2"


def test_dim_notes_hold_in_every_frame(points):
    tour = GrandTour(points, dim_notes=["one", "two", "three"])
    assert tour.frame_dim_notes == [["one", "two", "three"]] * 2
    with pytest.raises(ValueError, match="dim_notes, frame_dim_notes: pass one of them"):
        GrandTour(points, dim_notes=["one", "two", "three"], frame_dim_notes=NOTES)
    with pytest.raises(ValueError, match=r"dim_notes: expected 3 notes \(one per dim\), got 2"):
        GrandTour(points, dim_notes=["one", "two"])


def test_wrong_lengths_are_refused(points):
    with pytest.raises(ValueError, match=r"frame_dim_names: expected 2 lists \(one per frame\)"):
        GrandTour(points, frame_dim_names=NAMES[:1])
    with pytest.raises(ValueError, match=r"frame_dim_notes\[1\]: expected 3 notes"):
        GrandTour(points, frame_dim_notes=[NOTES[0], NOTES[1][:2]])
    with pytest.raises(TypeError, match="frame_dim_names: expected 2 lists"):
        GrandTour(points, frame_dim_names="a·pc1")
    with pytest.raises(ValueError, match=r"frame_notes: expected 2 notes \(one per frame\)"):
        GrandTour(points, frame_notes=["only one"])
    tour = GrandTour(points)
    with pytest.raises(traitlets.TraitError, match=r"frame_dim_names\[0\]: expected 3 names"):
        tour.frame_dim_names = [["x", "y"], ["x", "y"]]
    with pytest.raises(traitlets.TraitError, match=r"frame_notes: expected 2 notes"):
        tour.frame_notes = ["a", "b", "c"]
    tour.frame_dim_notes = NOTES  # the right shape is taken
    assert tour.frame_dim_notes == NOTES


def test_new_points_of_another_shape_reset_them(points):
    tour = GrandTour(points, frame_dim_names=NAMES, frame_dim_notes=NOTES,
                     frame_notes=["first", "second"])  # fmt: skip
    tour.points = (points * 2).astype(np.float32)  # same shape: kept
    assert tour.frame_dim_names == NAMES and tour.frame_notes == ["first", "second"]
    tour.points = np.zeros((3, 20, 3), np.float32) + np.arange(20.0)[:, None]  # 3 frames
    assert tour.frame_dim_names == tour.frame_dim_notes == tour.frame_notes == []
    tour.frame_dim_names = [["p", "q", "r"]] * 3
    tour.points = np.zeros((3, 20, 2), np.float32) + np.arange(20.0)[:, None]  # 2 dims
    assert tour.frame_dim_names == []


def test_builders_pass_them_on():
    wide = GrandTour.from_activations(torch.randn(2, 40, 30), dims=5)
    assert len(wide.frame_dim_notes) == 2 and wide.frame_dim_notes[0] == wide.frame_dim_notes[1]
    share = [float(n.split(": ")[1].split("%")[0]) for n in wide.frame_dim_notes[0]]
    assert wide.frame_dim_notes[0][0].startswith("PC1: ") and share == sorted(share)[::-1]
    assert 0 < sum(share) <= 100 + 1e-6
    own = GrandTour.from_activations(torch.randn(2, 40, 30), dims=5, dim_notes=list("abcde"))
    assert own.frame_dim_notes == [list("abcde")] * 2  # the caller's notes win
    narrow = GrandTour.from_activations(torch.randn(2, 40, 4), dims=5)
    assert narrow.frame_dim_notes == []  # nothing reduced, nothing to say


def test_figure_says_when_all_points_are_at_one_place():
    frames = np.random.default_rng(1).normal(size=(2, 30, 3))
    frames[1] = frames[1, :1]  # the second frame: every point at one place
    tour = GrandTour(frames, frame_notes=["spread", "collapsed"])
    texts = [t.get_text() for t in tour.figure(frame=1).axes[0].texts]
    assert "all points at one place in this frame · collapsed" in texts
    texts = [t.get_text() for t in tour.figure(frame=0).axes[0].texts]
    assert "spread" in texts
