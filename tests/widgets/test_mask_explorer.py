"""MaskExplorer in Python: rounds stream into its traits, and the inspected round's mask,
weights and overlaps are what nbviz.lottery computes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import traitlets

from nbviz.data import digits
from nbviz.lottery.visual import jaccard
from nbviz.models import LeNet300100
from nbviz.widgets.mask_explorer import MaskExplorer

FAST = {"epochs": 2, "batch_size": 64, "lr": 3e-3, "device": "cpu"}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def explored():
    torch.manual_seed(0)
    ex = MaskExplorer(LeNet300100(in_shape=(1, 8, 8)), digits("train"), digits("test"),
                      rounds=3, rate=0.5, start=False, **FAST)  # fmt: skip
    ex.run(progress=False)
    return ex


def test_rounds_fill_the_records_and_the_newest_is_inspected(explored):
    ex = explored
    assert [r["round"] for r in ex.records] == [0, 1, 2, 3]
    assert ex.variants == ["rewind", "reinit"] and ex.layers == ["fc1", "fc2", "logits"]
    dens = [r["density"] for r in ex.records]
    assert dens[0] == 1.0 and all(b < a for a, b in itertools.pairwise(dens))
    assert ex.dense_accuracy == ex.records[0]["accuracy"]["rewind"] > 0.8
    assert set(ex.records[2]["accuracy"]) == {"rewind", "reinit"}
    assert ex.round == 3 and ex.job_state == "done" and len(ex.result.records) == 4


def test_the_mask_picture_is_the_rounds_mask(explored):
    ex = explored
    ex.round, ex.layer = 1, "fc1"
    mask = ex.result.records[1].masks["fc1"]  # (300, 64): 300 receptive fields of 8x8
    th, tw, rows, cols, gap = ex.mask_tiles
    assert (th, tw, gap) == (8, 8, 1) and rows * cols >= 300
    tile7 = ex.mask_image[0:8, 7 * 9 : 7 * 9 + 8]  # unit 7: row 0, column 7
    assert np.array_equal(tile7 == 255, mask[7].reshape(8, 8).numpy())
    assert "fc1 · round 1" in ex.mask_caption and "receptive field" in ex.mask_caption
    ex.layer = "fc2"  # not on the input: the (100, 300) matrix itself
    assert ex.mask_tiles == [] and ex.mask_image.shape == (100, 300)
    assert np.array_equal(ex.mask_image == 255, ex.result.records[1].masks["fc2"].numpy())


def test_weights_scatter_is_coloured_by_the_next_rounds_mask(explored):
    ex = explored
    ex.layer, ex.round = "fc2", 1
    rec, nxt = ex.result.records[1], ex.result.records[2]
    start, _ = rec.weights["fc2"]
    alive = rec.masks["fc2"]
    assert len(ex.weights) == len(ex.kept) == int(alive.sum())  # under the 20,000 limit
    assert np.allclose(np.sort(ex.weights[:, 0]), np.sort(start[alive].numpy()))
    assert ex.kept.sum() == int(nxt.masks["fc2"].sum())
    # large_final: every kept weight ends larger in magnitude than every pruned one
    kept, pruned = ex.weights[ex.kept == 1, 1], ex.weights[ex.kept == 0, 1]
    assert np.abs(kept).min() >= np.abs(pruned).max()


def test_overlaps_between_rounds_and_between_criteria(explored):
    ex = explored
    ex.layer, ex.round, ex.overlap_mode = "fc1", 2, "rounds"
    masks = [r.masks["fc1"] for r in ex.result.records]
    assert ex.overlap.shape == (4, 4) and ex.overlap_labels[3] == "round 3"
    assert np.allclose(np.diag(ex.overlap), 1)
    # nested masks: the overlap of round r and r+1 is the fraction of r's weights kept
    assert ex.overlap[1, 2] == pytest.approx(jaccard(masks[1], masks[2]))
    assert ex.overlap[1, 2] == pytest.approx(float(masks[2].sum() / masks[1].sum()), rel=1e-6)
    ex.overlap_mode = "criteria"
    assert ex.overlap.shape == (9, 9) and "movement" in ex.overlap_labels
    i, j = ex.overlap_labels.index("large_final"), ex.overlap_labels.index("small_final")
    assert ex.overlap[i, j] < 0.2 < ex.overlap[i, ex.overlap_labels.index("large_init_large_final")]


def test_bad_settings_fail_before_training():
    model = LeNet300100(in_shape=(1, 8, 8))
    data = digits("test")
    with pytest.raises(ValueError, match="rate"):
        MaskExplorer(model, data, data, rate=1.5, start=False)
    with pytest.raises(ValueError, match="rounds"):
        MaskExplorer(model, data, data, rounds=0, start=False)
    with pytest.raises(ValueError, match=r"criterion.*'large_final'"):
        MaskExplorer(model, data, data, criterion="large_finale", start=False)
    with pytest.raises(ValueError, match=r"fc3.*'fc1'"):
        MaskExplorer(model, data, data, layers=["fc3"], start=False)
    ex = MaskExplorer(model, data, data, start=False)
    with pytest.raises(traitlets.TraitError, match=r"round: expected 0\.\.-1"):
        ex.round = 2
    with pytest.raises(traitlets.TraitError, match="layer"):
        ex.layer = "fc9"


def test_background_run_can_stop_and_reports_errors():
    torch.manual_seed(0)
    data = digits("train")
    ex = MaskExplorer(LeNet300100(in_shape=(1, 8, 8)), data, digits("test"), rounds=30,
                      rate=0.1, **FAST)  # fmt: skip
    import time

    deadline = time.time() + 60
    while len(ex.records) < 2 and time.time() < deadline:
        time.sleep(0.05)
    ex.stop()
    assert ex.job_state in ("stopped", "done")
    assert 2 <= len(ex.records) < 31 and ex.result is not None and ex.result.stopped
    bad = MaskExplorer(LeNet300100(in_shape=(1, 8, 8)), data, digits("test"), rounds=1,
                       optimizer="adamm", start=False)  # fmt: skip
    bad.start()
    with pytest.raises(Exception, match="optimizer"):
        bad.wait(60)
    assert "optimizer" in bad.job_error
