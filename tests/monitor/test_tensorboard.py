"""TensorBoard interop with the real ``tensorboard`` package: the Recorder's records
written as event files and read back equal (to TensorBoard's float32), a log directory
written by ``torch.utils.tensorboard`` itself read in, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")

from torch.utils.tensorboard import SummaryWriter

from nbviz.monitor import Recorder, read_tensorboard, write_tensorboard


def recorded_run(name="good", lr=0.05, steps=30, logdir=None):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 12), nn.ReLU(), nn.Linear(12, 3))
    rec = Recorder(model, every=5, name=name, logdir=logdir)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(32, 10, generator=g)
        y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec.step(loss=loss, lr=lr)
    return rec


def assert_same_records(rec, run):
    assert run.name == rec.name and run.steps_done == rec.steps_done
    assert set(run.scalar_tags()) == set(rec.scalar_tags())
    for tag in rec.scalar_tags():
        steps, values = run.scalar(tag)
        want_steps, want = rec.scalar(tag)
        np.testing.assert_array_equal(steps, want_steps)
        np.testing.assert_allclose(values, want, rtol=1e-6)  # TensorBoard keeps float32
    assert set(run.histogram_tags()) == set(rec.histogram_tags())
    for tag in rec.histogram_tags():
        steps, hists = run.histograms(tag)
        want_steps, want = rec.histograms(tag)
        np.testing.assert_array_equal(steps, want_steps)
        np.testing.assert_allclose(hists, want, rtol=1e-6, atol=1e-7)


def test_written_records_read_back_equal(tmp_path):
    good, bad = recorded_run("good"), recorded_run("bad lr", lr=3.0)
    for rec in (good, bad):
        write_tensorboard(rec, tmp_path)
    runs = read_tensorboard(tmp_path)
    assert [r.name for r in runs] == ["bad lr", "good"]
    assert_same_records(bad, runs[0])
    assert_same_records(good, runs[1])
    assert runs[1].values_at("weight/0.weight", 30) is None  # event files keep no weights


def test_live_writing_during_training(tmp_path):
    rec = recorded_run("live", logdir=tmp_path / "live")
    rec.close()  # flushes the event file
    [run] = read_tensorboard(tmp_path)
    assert_same_records(rec, run)


def test_a_log_written_by_torch_utils_tensorboard(tmp_path):
    """A user's past run, logged the usual way (add_scalar, add_histogram)."""
    writer = SummaryWriter(log_dir=str(tmp_path / "past"))
    rng = np.random.default_rng(0)
    for step in range(0, 50, 10):
        writer.add_scalar("train/loss", 1.0 / (1 + step), step)
        writer.add_histogram("fc1/weights", rng.normal(0, 1 + step / 10, 1000), step)
    writer.add_scalar("train/loss", float("nan"), 50)
    writer.close()
    [run] = read_tensorboard(tmp_path)
    assert run.name == "past" and run.scalar_tags() == ["train/loss"]
    steps, hists = run.histograms("fc1/weights")
    assert steps.tolist() == [0, 10, 20, 30, 40]
    assert (hists[:, :, 2].sum(1) == 1000).all()
    # TensorBoard's conversion: outer edges at the data's min and max, not ±DBL_MAX
    assert np.isfinite(hists).all() and (np.abs(hists[:, :, :2]) < 100).all()
    assert (
        hists[-1, :, 1].max() - hists[-1, :, 0].min() > hists[0, :, 1].max() - hists[0, :, 0].min()
    )
    [alert] = run.alerts()
    assert (alert.kind, alert.tag, alert.step) == ("nan", "train/loss", 50)


def test_bad_log_directories(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        read_tensorboard(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no events here")
    with pytest.raises(FileNotFoundError, match="no TensorBoard event files"):
        read_tensorboard(tmp_path / "empty")
    [run] = read_tensorboard(write_tensorboard(recorded_run("x", steps=2), tmp_path / "one"))
    with pytest.raises(ValueError, match="'loss'"):
        run.scalar("los")
