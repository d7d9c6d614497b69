"""The Recorder on a user's own model: what it records and when, its bounded memory, its
alerts on runs that really go wrong, and its plugs into nbviz's training loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nbviz.data import digits
from nbviz.lottery import fit
from nbviz.models import train
from nbviz.monitor import Recorder, ThinnedSeries, distribution, histogram


class TinyMLP(nn.Module):
    """The user's own model: 64 → 32 → 16 → 10 with ReLU modules."""

    def __init__(self):
        super().__init__()
        self.fc1, self.act1 = nn.Linear(64, 32), nn.ReLU()
        self.fc2, self.act2 = nn.Linear(32, 16), nn.ReLU()
        self.out = nn.Linear(16, 10)

    def forward(self, x):
        x = self.act1(self.fc1(x.flatten(1)))
        return self.out(self.act2(self.fc2(x)))


@pytest.fixture(scope="module")
def data():
    ds = digits("train")
    return ds.images.flatten(1), ds.labels


def plain_loop(model, rec, x, y, steps, lr=0.05, batch=64, optimizer=torch.optim.SGD):
    """The user's own loop, with the Recorder's one line."""
    opt = optimizer(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec.step(loss=loss, lr=lr)
        losses.append(float(loss.detach()))
    return losses


def test_records_scalars_every_step_and_histograms_every_k(data):
    x, y = data
    torch.manual_seed(0)
    model = TinyMLP()
    rec = Recorder(model, every=10, name="mine")
    losses = plain_loop(model, rec, x, y, steps=35)
    assert rec.layers == ["act1", "act2"]  # the activation modules, by default
    steps, values = rec.scalar("loss")
    assert steps.tolist() == list(range(1, 36))
    np.testing.assert_allclose(values, losses, rtol=1e-6)
    assert rec.scalar_tags() == ["loss", "lr", "grad_norm"]
    # grad_norm is the norm clip_grad_norm_ reports, of the last step's gradients
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
    assert rec.scalar("grad_norm")[1][-1] == pytest.approx(float(total), rel=1e-5)

    tags = rec.histogram_tags()
    assert tags[:2] == ["weight/fc1.weight", "weight/fc1.bias"]
    assert {"grad/out.weight", "activation/act1", "activation/act2"} <= set(tags)
    h_steps, hists = rec.histograms("activation/act1")
    assert h_steps.tolist() == [1, 10, 20, 30] and hists.shape == (4, 30, 3)
    assert (hists[:, :, 2].sum(1) == 64 * 32).all()  # one count per unit per example
    assert (hists[:, 0, 0] >= 0).all()  # after a ReLU

    # The weight histogram at step 30 is the histogram of the weights kept at step 30,
    # and the latest kept values are the model's weights after the last histogram step.
    w30 = rec.values_at("weight/fc1.weight", 34)
    np.testing.assert_allclose(rec.histograms("weight/fc1.weight")[1][-1], histogram(w30))
    assert rec.values_at("activation/act1", 30) is None
    assert rec.values_at("weight/fc1.weight", 0) is None  # nothing kept before step 1
    bands = distribution(hists[-1])
    assert bands[0] == hists[-1, 0, 0] and np.all(np.diff(bands) >= 0)

    # eval-mode passes (a test-set evaluation) are not recorded
    model.eval()
    with torch.no_grad():
        model(x)
    model.train()
    plain_loop(model, rec, x, y, steps=5)
    assert rec.histograms("activation/act1")[1][-1, :, 2].sum() == 64 * 32
    rec.close()
    assert not model._forward_hooks and not model.act1._forward_hooks


def test_memory_stays_bounded_and_old_steps_thin_out(data):
    x, y = data
    model = TinyMLP()
    rec = Recorder(model, every=1, keep=8, keep_scalars=16, keep_values=4)
    plain_loop(model, rec, x, y, steps=100)
    steps, _ = rec.histograms("grad/fc2.weight")
    assert len(steps) <= 8 and steps[0] == 1 and steps[-1] == 100
    assert np.all(np.diff(steps) > 0)
    assert (np.diff(steps)[-3:] == 1).all()  # the recent ones dense
    s_steps, _ = rec.scalar("loss")
    assert len(s_steps) <= 16 and s_steps[0] == 1 and s_steps[-1] == 100
    assert len(rec._values["weight/fc1.weight"]) <= 4

    series = ThinnedSeries(keep=6)
    for step in range(1, 1001):
        series.append(step, step)
    assert len(series) <= 6 and series.steps[0] == 1 and series.steps[-1] == 1000


def test_alerts_on_runs_that_go_wrong(data):
    x, y = data

    def dead_count(rec):
        found = [a for a in rec.alerts() if a.kind == "dead_units" and a.layer == "act2"]
        return int(found[0].message.split()[0]) if found else 0

    # A healthy run: no gradient or NaN alerts (a unit or two of a small layer may be
    # dead from the start; this seed has one in act2).
    torch.manual_seed(0)
    model = TinyMLP()
    rec = Recorder(model, dead_after=30)
    plain_loop(model, rec, x, y, steps=60)
    assert {a.kind for a in rec.alerts()} <= {"dead_units"}
    healthy = dead_count(rec)
    assert healthy <= 2

    # Dead ReLUs: fc2's biases pushed far below zero kill act2's units for good.
    torch.manual_seed(0)
    model = TinyMLP()
    with torch.no_grad():
        model.fc2.bias[:6] = -100.0
    rec = Recorder(model, dead_after=30)
    plain_loop(model, rec, x, y, steps=60)
    [dead] = [a for a in rec.alerts() if a.kind == "dead_units" and a.layer == "act2"]
    assert dead.tag == "activation/act2" and dead.step == 60
    assert 6 <= dead_count(rec) <= 6 + healthy and " of 16 units" in dead.message

    # A far too high learning rate (SGD at 5, 100x the healthy run's): the gradients
    # explode within the first steps; then the dead network's gradients vanish.
    torch.manual_seed(0)
    model = TinyMLP()
    rec = Recorder(model)
    plain_loop(model, rec, x, y, steps=60, lr=5.0)
    exploding = [a for a in rec.alerts() if a.kind == "exploding"]
    assert exploding and min(a.step for a in exploding) <= 10, rec.alerts()
    a = exploding[0]
    steps, norms = rec.gradient_norms()[a.tag.removeprefix("grad/")]
    assert norms[steps == a.step][0] > 10 * np.median(norms[steps < a.step])

    # A NaN loss: reported at its step, once.
    rec.step(loss=float("nan"))
    rec.step(loss=float("nan"))
    [nan] = [a for a in rec.alerts() if a.kind == "nan"]
    assert (nan.step, nan.tag) == (61, "loss")

    # Vanishing gradients: a deep sigmoid net's first layer learns orders of magnitude
    # slower than its last (Glorot & Bengio 2010).
    torch.manual_seed(0)
    layers = [nn.Flatten(), nn.Linear(64, 32), nn.Sigmoid()]
    for _ in range(10):
        layers += [nn.Linear(32, 32), nn.Sigmoid()]
    deep = nn.Sequential(*layers, nn.Linear(32, 10))
    rec = Recorder(deep, vanish=1e-3)
    plain_loop(deep, rec, x, y, steps=20)
    vanishing = [a.tag for a in rec.alerts() if a.kind == "vanishing"]
    assert "grad/1.weight" in vanishing and "grad/23.weight" not in vanishing


def test_nbviz_training_loops_take_it_as_on_step(data):
    ds = digits("train").subset(512, seed=0)
    torch.manual_seed(0)
    model = TinyMLP()
    rec = Recorder(model, every=4)
    result = train(model, ds, epochs=2, batch_size=64, lr=3e-3, progress=False, on_step=rec)
    assert rec.steps_done == 16
    steps, acc = rec.scalar("acc")
    assert steps.tolist() == list(range(1, 17)) and ((acc >= 0) & (acc <= 1)).all()
    # the epoch's mean of the batch losses is the epoch's training loss
    assert rec.scalar("loss")[1][8:].mean() == pytest.approx(result.history["train_loss"][-1])
    assert rec.scalar("lr")[1].tolist() == [3e-3] * 16

    torch.manual_seed(0)
    other = TinyMLP()
    rec2 = Recorder(other, every=4)
    fit(other, ds, epochs=1, batch_size=64, device="cpu", on_step=rec2)
    assert rec2.steps_done == 8 and rec2.histograms("grad/out.weight")[0].tolist() == [1, 4, 8]
    # the last step of a run always gets its histograms
    train(model, ds, epochs=1, batch_size=100, progress=False, on_step=rec)
    assert rec.histograms("activation/act1")[0].tolist()[-3:] == [16, 20, 22]
    with pytest.raises(ValueError, match="different model"):
        train(TinyMLP(), ds, epochs=1, progress=False, on_step=rec2)


def test_bad_input():
    model = TinyMLP()
    with pytest.raises(ValueError, match="'fc1'"):
        Recorder(model, layers=["fc_1"])
    with pytest.raises(ValueError, match="no trainable parameters"):
        Recorder(nn.ReLU())
    with pytest.raises(ValueError, match="every"):
        Recorder(model, every=0)
    with pytest.raises(ValueError, match="explode"):
        Recorder(model, explode=-1)
    rec = Recorder(model)
    with pytest.raises(ValueError, match="1-element"):
        rec.step(loss=torch.ones(3))
    rec.step(loss=1.0)
    with pytest.raises(ValueError, match="'loss'"):
        rec.scalar("los")
