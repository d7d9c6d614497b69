"""TrainingDashboard in Python: a user's own MLP trained on digits in a plain loop with a
Recorder; the dashboard's wire arrays hold what the recorder kept, clicks select the
weights kept at a step, several runs overlay, and it streams from its own thread."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
import traitlets
from torch import nn

from nbviz import TrainingDashboard
from nbviz.data import digits
from nbviz.monitor import Recorder, distribution
from nbviz.widgets import training_dashboard as td

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class MLP(nn.Module):
    """A user's own small model: 8×8 digits, 10 classes."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.flatten(1))))


@pytest.fixture(scope="module")
def batches():
    ds = digits("train")
    x = ds.images.flatten(1) / 16.0
    y = torch.as_tensor(ds.labels)
    g = torch.Generator().manual_seed(0)
    return [(x[i], y[i]) for i in torch.randint(0, len(y), (400, 64), generator=g)]


def train(batches, steps, lr=0.1, name="run", every=10, snapshots=None, **rec_kw):
    """Train a fresh MLP for ``steps`` steps, recording; ``snapshots[step]`` gets a copy
    of fc1's weights after each step in it."""
    torch.manual_seed(0)
    model = MLP()
    rec = Recorder(model, every=every, name=name, **rec_kw)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for step, (x, y) in enumerate(batches[:steps], start=1):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec.step(loss=loss, acc=(model(x).argmax(1) == y).float().mean())
        if snapshots is not None and step in snapshots:
            snapshots[step] = model.fc1.weight.detach().clone()
    return rec


@pytest.fixture(scope="module")
def run_a(batches):
    snaps = dict.fromkeys([1, 30, 60])
    return train(batches, 60, name="lr 0.1", snapshots=snaps), snaps


@pytest.fixture(scope="module")
def run_b(batches):
    return train(batches, 60, lr=20.0, name="lr 20")


def test_state_after_steps_holds_what_the_recorder_kept(run_a):
    rec, _ = run_a
    board = TrainingDashboard(rec, refresh=0)
    try:
        assert board.runs == ["lr 0.1"]
        assert [s["tag"] for s in board.scalar_series] == ["loss", "acc", "grad_norm"]
        assert [s["length"] for s in board.scalar_series] == [60, 60, 60]
        steps, values = rec.scalar("loss")
        s = board.scalar_series[0]
        sl = slice(s["offset"], s["offset"] + s["length"])
        np.testing.assert_array_equal(board.scalar_steps[sl], steps)
        np.testing.assert_allclose(board.scalar_values[sl], values, rtol=1e-6)
        assert board.scalar_steps.dtype == np.float32 and board.scalar_values.dtype == np.float32

        tags = ["weight/fc1.weight", "weight/fc1.bias", "weight/fc2.weight", "weight/fc2.bias"]
        assert [h["tag"] for h in board.hist_series] == tags
        assert [h["layer"] for h in board.hist_series] == ["fc1", "fc1", "fc2", "fc2"]
        h = board.hist_series[0]
        hsteps, hists = rec.histograms("weight/fc1.weight")
        assert h["count"] == len(hsteps) == 7 and h["bins"] == td.BINS  # steps 1, 10, ..., 60
        total = sum(x["count"] for x in board.hist_series)
        assert board.hist_steps.shape == (total,)
        assert board.hist_density.shape == (total, td.BINS)
        assert board.bands.shape == (total, 9)
        sl = slice(h["offset"], h["offset"] + h["count"])
        np.testing.assert_array_equal(board.hist_steps[sl], hsteps)
        np.testing.assert_allclose(board.hist_density[sl].sum(axis=1), 1, rtol=1e-5)
        # bands: nbviz.monitor.distribution of each step's histogram
        want = np.array([distribution(x) for x in hists])
        np.testing.assert_allclose(board.bands[sl], want, rtol=1e-5, atol=1e-7)
        assert h["lo"] == pytest.approx(hists[:, 0, 0].min())
        assert h["hi"] == pytest.approx(hists[:, -1, 1].max())

        board.kind = "activation"
        assert [x["tag"] for x in board.hist_series] == ["activation/relu"]
        board.kind = "grad"
        assert [x["tag"] for x in board.hist_series] == [
            t.replace("weight/", "grad/", 1) for t in tags
        ]
        assert "1 run(s): lr 0.1" in repr(board)
    finally:
        board.close()


def test_settings_are_validated():
    rec = Recorder(MLP(), name="a")
    board = TrainingDashboard(rec, refresh=0, smoothing=0.9, mode="histograms", height=200)
    try:
        assert (board.smoothing, board.mode, board.height, board.kind) == (
            0.9,
            "histograms",
            200,
            "weight",
        )
        with pytest.raises(traitlets.TraitError, match=r"smoothing: expected 0\.\.0\.99, got 1\.5"):
            board.smoothing = 1.5
        with pytest.raises(traitlets.TraitError, match=r"step: expected at least -1, got -2"):
            board.step = -2
        with pytest.raises(traitlets.TraitError, match="kind"):
            board.kind = "bias"
        with pytest.raises(traitlets.TraitError, match="mode"):
            board.mode = "scalars"
        board.step = 40
        assert board.step == 40
        with pytest.raises(
            TypeError, match=r"unexpected keyword 'hieght'; did you mean 'height'\?"
        ):
            TrainingDashboard(rec, hieght=300)
        with pytest.raises(
            TypeError, match=r"unexpected keyword 'smooth'; did you mean 'smoothing'"
        ):
            TrainingDashboard(rec, smooth=0.3)
    finally:
        board.close()


def test_a_click_selects_the_weights_kept_at_that_step(run_a):
    rec, snaps = run_a
    board = TrainingDashboard(rec, refresh=0)
    try:
        board.clicked = {"run": "lr 0.1", "tag": "weight/fc1.weight", "step": 30}
        sel = board.selected
        assert (sel["run"], sel["tag"], sel["kind"], sel["layer"], sel["step"]) == (
            "lr 0.1", "weight/fc1.weight", "weight", "fc1", 30,
        )  # fmt: skip
        torch.testing.assert_close(sel["values"], snaps[30])
        assert not torch.equal(sel["values"], snaps[60])
        steps, hists = rec.histograms("weight/fc1.weight")
        np.testing.assert_array_equal(sel["histogram"], hists[list(steps).index(30)])
        # a step between two kept ones: the one before
        assert board.select("lr 0.1", "weight/fc1.weight", 35)["step"] == 30
        torch.testing.assert_close(
            board.select("lr 0.1", "weight/fc1.weight", 1)["values"], snaps[1]
        )
        # gradients are kept too; activations have no values
        assert board.select("lr 0.1", "grad/fc2.bias", 60)["values"].shape == (10,)
        assert board.select("lr 0.1", "activation/relu", 60)["values"] is None

        with pytest.raises(ValueError, match=r"unknown run 'lr 0\.2'.*'lr 0\.1'"):
            board.select("lr 0.2", "weight/fc1.weight", 30)
        with pytest.raises(ValueError, match=r"weight/fc1\.weight"):
            board.select("lr 0.1", "weight/fc1.weihgt", 30)
        with pytest.raises(ValueError, match=r"no histogram at or before step 0 \(first: 1\)"):
            board.select("lr 0.1", "weight/fc1.weight", 0)
        with pytest.raises(TypeError, match="step: expected an int"):
            board.select("lr 0.1", "weight/fc1.weight", "30")
        # a bad click from the view does not raise in the kernel: it says so in `error`
        board.clicked = {"run": "nope", "tag": "weight/fc1.weight", "step": 30}
        assert "click: run: unknown run 'nope'" in board.error
        assert board.selected["tag"] == "activation/relu"  # the last good selection stays
    finally:
        board.close()


def test_several_runs_overlay_in_order_with_their_alerts(run_a, run_b):
    rec_a, _ = run_a
    board = TrainingDashboard({"slow": rec_a, "fast": run_b}, refresh=0)
    try:
        assert board.runs == ["slow", "fast"]
        assert [s["run"] for s in board.scalar_series] == ["slow"] * 3 + ["fast"] * 3
        assert [s["run"] for s in board.hist_series] == ["slow"] * 4 + ["fast"] * 4
        offsets = [s["offset"] for s in board.hist_series]
        counts = [s["count"] for s in board.hist_series]
        assert offsets == list(np.cumsum([0, *counts[:-1]]))
        # lr 20 blows the ReLUs up: the recorder's alerts come through, named by run
        fast = [a for a in board.alerts if a["run"] == "fast"]
        assert fast and fast == [
            {"run": "fast", "kind": a.kind, "tag": a.tag, "layer": a.layer, "step": a.step,
             "message": a.message}
            for a in run_b.alerts()
        ]  # fmt: skip
        assert all(a["run"] == "fast" for a in board.alerts)

        # a list names runs by their recorders (a repeated name made unique); add_run adds
        two = TrainingDashboard([rec_a, rec_a], refresh=0)
        assert two.runs == ["lr 0.1", "lr 0.1 (2)"]
        assert two.add_run(run_b) == "lr 20"
        assert two.add_run(run_b, name="again") == "again"
        assert two.runs == ["lr 0.1", "lr 0.1 (2)", "lr 20", "again"]
        assert len(two.hist_series) == 16
        two.close()
    finally:
        board.close()


def test_bad_input_is_refused_clearly(run_a):
    rec, _ = run_a
    with pytest.raises(
        TypeError, match=r"recorders: expected an nbviz\.monitor\.Recorder.*got int"
    ):
        TrainingDashboard(3)
    with pytest.raises(TypeError, match=r"recorders\[1\]: .*got Linear \(it has no name, version"):
        TrainingDashboard([rec, nn.Linear(2, 2)])
    with pytest.raises(ValueError, match=r"recorders: .*got no runs"):
        TrainingDashboard([])
    with pytest.raises(TypeError, match="run names must be strings"):
        TrainingDashboard({1: rec})
    with pytest.raises(ValueError, match=r"refresh: expected a number >= 0, got -1"):
        TrainingDashboard(rec, refresh=-1)
    with pytest.raises(TypeError, match="refresh: expected a number, got str"):
        TrainingDashboard(rec, refresh="fast")
    with pytest.raises(TypeError, match=r"recorders\['b'\]"):
        TrainingDashboard({"a": rec, "b": "rec"})
    board = TrainingDashboard(rec, refresh=0)
    try:
        with pytest.raises(TypeError, match="name: expected a string"):
            board.add_run(rec, name=3)
        with pytest.raises(TypeError, match="recorder: expected one run"):
            board.add_run([rec, rec])
        with pytest.raises(TypeError, match="recorders: expected an nbviz"):
            board.add_run("rec")
    finally:
        board.close()


def test_a_run_that_fails_to_read_is_named_and_the_others_stay(run_a):
    rec, _ = run_a

    class Broken:
        name, version, lock = "broken", 1, __import__("threading").RLock()
        scalar_tags = rec.scalar_tags
        scalar = rec.scalar
        histogram_tags = rec.histogram_tags
        values_at = rec.values_at
        alerts = rec.alerts

        def histograms(self, tag):
            raise RuntimeError("disk gone")

    board = TrainingDashboard([rec, Broken()], refresh=0)
    try:
        assert board.error == "broken: RuntimeError: disk gone"
        assert [s["run"] for s in board.hist_series] == ["lr 0.1"] * 4
        assert board.update() is False  # not retried until it records again
    finally:
        board.close()


def test_it_streams_from_its_thread_while_training_runs(batches):
    torch.manual_seed(0)
    model = MLP()
    rec = Recorder(model, every=5, name="live")
    board = TrainingDashboard(rec, refresh=0.02)
    sent = []
    board.observe(lambda c: sent.append(len(c["new"])), names="scalar_values")
    try:
        assert board.polling
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in batches[:80]:  # the loop blocks this thread, as a cell does
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            rec.step(loss=loss)
            time.sleep(0.002)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not sent or sent[-1] != 160):
            time.sleep(0.02)
        assert sent[-1] == 160  # loss and grad_norm, 80 steps each
        assert len(sent) >= 3 and sent == sorted(sent), sent  # several updates, growing
        # nothing new: nothing is sent (the same array objects stay)
        before = (board.scalar_values, board.hist_density, board.bands)
        n = len(sent)
        time.sleep(0.2)
        assert len(sent) == n and (board.scalar_values, board.hist_density, board.bands) == before
        assert board.update() is False
    finally:
        board.close()
    assert not board.polling
    # with refresh=0 there is no thread; setting refresh starts one
    quiet = TrainingDashboard(rec, refresh=0)
    assert not quiet.polling
    quiet.refresh = 0.05
    assert quiet.polling
    quiet.close()
    assert not quiet.polling


def test_what_is_sent_is_capped_and_thinned_evenly(batches):
    rec = train(batches, 150, every=1, keep=400)
    board = TrainingDashboard(rec, refresh=0)
    try:
        h = board.hist_series[0]
        steps = board.hist_steps[h["offset"] : h["offset"] + h["count"]]
        assert h["count"] == td.MAX_HIST_STEPS
        assert steps[0] == 1 and steps[-1] == 150 and (np.diff(steps) > 0).all()
        assert np.diff(steps).max() <= 2
    finally:
        board.close()
    assert len(td._thin(5000, td.MAX_SCALAR_POINTS)) == td.MAX_SCALAR_POINTS


def test_rebinning_keeps_each_steps_mass_and_mean():
    rng = np.random.default_rng(0)
    from nbviz.monitor import histogram

    hists = np.stack([histogram(rng.normal(m, 1, 5000), 30) for m in (-1.0, 0.0, 2.0)])
    lo, hi = hists[:, 0, 0].min(), hists[:, -1, 1].max()
    out = td._rebin(hists, lo, hi, 40)
    np.testing.assert_allclose(out.sum(axis=1), 1)
    centres = lo + (np.arange(40) + 0.5) * (hi - lo) / 40
    np.testing.assert_allclose(out @ centres, [-1.0, 0.0, 2.0], atol=0.1)
    # a histogram of one repeated value (zero-width buckets) lands in one bin; empty: zeros
    point = np.zeros((2, 3, 3))
    point[0, :, :2], point[0, -1, 2] = 0.5, 7
    out = td._rebin(point, 0.0, 1.0, 4)
    assert out[0].tolist() == [0, 0, 1, 0] and out[1].tolist() == [0, 0, 0, 0]


def test_smoothing_is_tensorboards():
    v = np.array([1.0, 2.0, 3.0, np.nan, 4.0])
    w = 0.6
    want, last, k = [], 0.0, 0
    for x in v:  # TensorBoard's resmoothDataset
        if not np.isfinite(x):
            want.append(x)
            continue
        last, k = last * w + (1 - w) * x, k + 1
        want.append(last / (1 - w**k))
    np.testing.assert_allclose(td._smooth(v, w), want)
    assert td._smooth([2.0, 2.0], 0.9).tolist() == [2.0, 2.0]


def test_a_tensorboard_run_shows_the_same(run_a, tmp_path):
    pytest.importorskip("tensorboard")
    from nbviz.monitor import read_tensorboard, write_tensorboard

    rec, _ = run_a
    write_tensorboard(rec, tmp_path)
    [tb] = read_tensorboard(tmp_path)
    board = TrainingDashboard([rec, tb], refresh=0)
    try:
        assert board.runs == ["lr 0.1", "lr 0.1 (2)"]
        a, b = board.scalar_series[0], board.scalar_series[3]
        assert a["tag"] == b["tag"] == "loss"
        np.testing.assert_allclose(
            board.scalar_values[a["offset"] : a["offset"] + a["length"]],
            board.scalar_values[b["offset"] : b["offset"] + b["length"]],
            rtol=1e-6,
        )
        sel = board.select("lr 0.1 (2)", "weight/fc1.weight", 60)
        assert sel["step"] == 60 and sel["values"] is None
    finally:
        board.close()


def test_figure_draws_scalars_and_bands(run_a, run_b, tmp_path):
    board = TrainingDashboard([run_a[0], run_b], refresh=0)
    try:
        fig = board.figure()
        titles = [ax.get_title() for ax in fig.axes if ax.axison]
        assert titles[:3] == ["loss", "acc", "grad_norm"]
        assert "lr 20 · weight/fc1.weight" in titles
        assert board.save(tmp_path / "board.png").stat().st_size > 10_000
    finally:
        board.close()
