"""LDAMViewer in Python: the chains stream into its traits, λ from the view reaches the
running sampler, and the history scrubber shows kept frames."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
import traitlets

from nbviz.data import digits
from nbviz.ldam import Sampler, neurons
from nbviz.models import SmallCNN
from nbviz.widgets.ldam_viewer import LDAMViewer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sampler(**kw):
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).eval()
    kw = {"n_chains": 6, "step_size": 0.01, "history": {"sample_every": 5}, "seed": 0} | kw
    return Sampler(model, neurons("fc1", [3, 5]), **kw)


def test_run_streams_samples_traces_and_history():
    viewer = LDAMViewer(_sampler(), data=digits("test"), top_k=4, trace_window=15)
    assert viewer.samples.shape == (6, 8, 8, 1) and viewer.samples.dtype == np.uint8
    assert viewer.chain_groups.tolist() == [0, 0, 0, 1, 1, 1]
    assert viewer.group_names == ["fc1 unit 3", "fc1 unit 5"]
    assert viewer.top_images.shape == (8, 8, 8, 1)  # 2 groups x top 4
    from nbviz.ldam import top_k_real

    top = top_k_real(viewer.sampler.model, viewer.sampler.objective, digits("test"), k=4)
    assert len(viewer.top_captions) == 8
    assert viewer.top_captions[4] == f"#{int(top.indices[1, 0])} · activation " + format(
        float(top.scores[1, 0]), ".4g"
    )
    assert viewer.run(30, progress=False) == 30
    s = viewer.sampler
    assert viewer.sample_step == 30 == s.step_count
    lo, hi = s.data_range
    want = torch.round((s.x.clamp(lo, hi) - lo) / (hi - lo) * 255).permute(0, 2, 3, 1).numpy()
    assert np.abs(viewer.samples.astype(int) - want).max() <= 1
    assert viewer.traces.shape == (2, 6, 15) and viewer.trace_steps.tolist() == list(range(16, 31))
    assert np.allclose(viewer.traces[0, :, -1], s.activation.cpu().numpy(), atol=1e-4)
    assert viewer.history_len == 6 and viewer.acceptance == -1.0  # ULA
    # the scrubber: a kept frame, then live again
    viewer.history_index = 1
    snap = s.history.snapshot()
    assert viewer.sample_step == int(snap["sample_steps"][1])
    assert not np.array_equal(viewer.samples, want.astype(np.uint8))
    viewer.history_index = -1
    assert viewer.sample_step == 30
    with pytest.raises(traitlets.TraitError, match="history_index"):
        viewer.history_index = -2


def test_tradeoff_reaches_the_running_sampler():
    viewer = LDAMViewer(_sampler(tradeoff=0.0), steps=100_000)
    assert viewer.tradeoff == 0.0 and viewer.tradeoff_max == 10.0
    viewer.start()
    deadline = time.time() + 60
    while viewer.sampler.step_count < 10 and time.time() < deadline:
        time.sleep(0.01)
    viewer.tradeoff = 2.5  # as the slider writes it
    at = viewer.sampler.step_count
    while viewer.sampler.step_count < at + 10 and time.time() < deadline:
        time.sleep(0.01)
    viewer.stop()
    assert viewer.job_state == "stopped" and not viewer.running
    lams = viewer.sampler.history.snapshot()["tradeoff"].tolist()
    assert lams[0] == 0.0 and lams[-1] == 2.5  # the sampler used the new λ
    with pytest.raises(traitlets.TraitError, match="λ must be >= 0"):
        viewer.tradeoff = -1
    assert viewer.sampler.tradeoff == 2.5


def test_run_message_starts_and_mala_reports_acceptance():
    viewer = LDAMViewer(_sampler(mala=True, step_size=0.05), steps=20)
    viewer._handle_job_msg(viewer, {"type": "run"}, [])
    viewer.wait(60)
    assert viewer.sample_step == 20 and 0 < viewer.acceptance <= 1
    with pytest.raises(TypeError, match="Sampler"):
        LDAMViewer(object())
    fig = viewer.figure()
    assert len(fig.axes) == 8


def test_group_names_given_or_refused():
    viewer = LDAMViewer(_sampler(), group_names=["T-shirt", "Trouser"])
    assert viewer.group_names == ["T-shirt", "Trouser"]
    with pytest.raises(ValueError, match="2 names"):
        LDAMViewer(_sampler(), group_names=["only one"])
    with pytest.raises(ValueError, match="2 names"):
        LDAMViewer(_sampler(), group_names="ab")
    with pytest.raises(ValueError, match="2 names"):
        LDAMViewer(_sampler(), group_names=2)


@pytest.mark.parametrize("bad", [0, -5, 500, "fast", True])
def test_frame_rate_refused(bad):
    with pytest.raises(ValueError, match="frame_rate"):
        LDAMViewer(_sampler(), frame_rate=bad)


def test_each_picture_reaches_the_view_in_one_message(monkeypatch):
    viewer = LDAMViewer(_sampler())
    viewer.run(3, progress=False)
    sent = []
    real = viewer.send_state
    # a copy of the keys: ipywidgets clears its set of held names after sending
    monkeypatch.setattr(
        viewer, "send_state", lambda key=None: sent.append(set(key or ())) or real(key)
    )
    viewer.sampler.run(1)
    viewer._on_publish(4)  # what the job does for each picture
    assert len(sent) == 1 and {"samples", "sample_step"} <= set(sent[0])
    sent.clear()
    viewer._on_job_progress(0.5, "step 3")
    assert len(sent) == 1 and set(sent[0]) == {"job_progress", "job_message"}


@pytest.fixture(scope="module")
def by_prior():
    """none, discriminator and generator samplers of two fc1 units on digits (seeded)."""
    from nbviz.ldam import DiscriminatorPrior, GeneratorPrior, prior_samplers

    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).eval()
    train = digits("train")
    d = DiscriminatorPrior((1, 8, 8), kind="mlp", seed=0)
    d.pretrain(train, epochs=1)
    g = GeneratorPrior.fit(train, epochs=2, cache=False, progress=False)
    return lambda: prior_samplers(
        model, neurons("fc1", [3, 5]), 6, data=digits("test"), discriminator=d, generator=g,
        warmup=5, seed=0,
    )  # fmt: skip


def test_the_prior_picker_shows_and_steers_one_sampler(by_prior):
    samplers = by_prior()
    viewer = LDAMViewer(samplers, data=digits("test"), top_k=2)
    assert viewer.priors == ["none", "discriminator", "generator"] and viewer.prior == "none"
    assert viewer.sampler is samplers["none"] and viewer.chain_priors.tolist() == [0] * 6
    viewer.prior = "generator"  # as the view's picker writes it
    gen = samplers["generator"]
    assert viewer.run(8, progress=False) == 8
    assert gen.step_count == 8 and samplers["none"].step_count == 0  # only the one on show
    assert viewer.chain_priors.tolist() == [2] * 6 and viewer.samples.shape == (6, 8, 8, 1)
    lo, hi = gen.data_range
    want = torch.round((gen.pictures() - lo) / (hi - lo) * 255).permute(0, 2, 3, 1).numpy()
    assert np.abs(viewer.samples.astype(int) - want).max() <= 1  # the decoded pictures
    viewer.prior = "discriminator"
    assert viewer.tradeoff == samplers["discriminator"].tradeoff == 64.0  # its own λ on show
    viewer.tradeoff = 2.0
    assert samplers["discriminator"].tradeoff == 2.0 and gen.tradeoff == 0.0
    assert viewer.reached.shape == (3, 2)
    assert np.isfinite(viewer.reached[2]).all() and np.isnan(viewer.reached[0]).all()
    with pytest.raises(traitlets.TraitError, match="'gen' is not one of"):
        viewer.prior = "gen"


def test_showing_a_sampler_keeps_its_warm_up(by_prior):
    samplers = by_prior()
    viewer = LDAMViewer(samplers, prior="discriminator")
    viewer.prior = "generator"
    assert all(s.t_adapter is not None for s in samplers.values())  # still cooling
    viewer.run(12, progress=False)  # the view echoes each cooled T; it never sets it back
    twin = by_prior()["generator"]
    twin.run(12)
    assert samplers["generator"].temperature == twin.temperature < twin.t_adapter.floor / 0.01
    assert viewer.temperature == twin.temperature
    viewer.temperature = 0.5  # a hand-set T ends the cooling of the sampler on show only
    assert samplers["generator"].t_adapter is None
    assert samplers["generator"].temperature == 0.5
    assert samplers["none"].t_adapter is not None


def test_side_by_side_runs_every_prior_in_turn(by_prior):
    samplers = by_prior()
    viewer = LDAMViewer(samplers, side_by_side=True, trace_window=5)
    assert viewer.samples.shape == (18, 8, 8, 1)
    assert viewer.chain_priors.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    assert viewer.chain_groups.tolist() == [0, 0, 0, 1, 1, 1] * 3
    assert viewer.run(7, progress=False) == 7
    assert [s.step_count for s in samplers.values()] == [7, 7, 7]
    assert viewer.traces.shape == (2, 18, 5) and viewer.trace_steps.tolist() == [3, 4, 5, 6, 7]
    for k, s in enumerate(samplers.values()):
        got = viewer.traces[0, 6 * k : 6 * (k + 1), -1]
        assert np.allclose(got, s.activation.cpu().numpy(), atol=1e-4)
    # each prior's chains reach a percentile of the real images' activation
    for k, s in enumerate(samplers.values()):
        pct = s.activation_percentile()
        assert viewer.reached[k, 1] == pytest.approx(float(pct[3:].median()))
    viewer.history_index = 0  # a kept frame of every prior at once
    assert viewer.samples.shape == (18, 8, 8, 1)
    viewer.history_index = -1
    viewer.side_by_side = False
    assert viewer.samples.shape == (6, 8, 8, 1) and viewer.traces.shape[1] == 6


def test_priors_that_cannot_be_compared_are_refused(by_prior):
    samplers = by_prior()
    with pytest.raises(ValueError, match="Did you mean 'generator'"):
        LDAMViewer(samplers, prior="generater")
    samplers["other"] = _sampler()  # 6 chains on the same units, other input shape: fine
    LDAMViewer(samplers)
    samplers["other"] = _sampler(n_chains=4)
    with pytest.raises(ValueError, match="'none' and 'other' differ"):
        LDAMViewer(samplers)
    with pytest.raises(TypeError, match="for prior 'x'"):
        LDAMViewer({"x": object()})
    with pytest.raises(ValueError, match="empty"):
        LDAMViewer({})
    assert LDAMViewer(_sampler()).priors == ["none"]
