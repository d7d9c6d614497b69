"""The Sampler's contract: stop/continue, λ at the next step, NaN chains, eval mode,
bounded history, groups, bad input and out-of-memory messages."""

from __future__ import annotations

import threading
import warnings

import pytest
import torch
from torch import nn

from nbviz.ldam import (
    DiscriminatorPrior,
    PolyDecay,
    Sampler,
    class_logit,
    custom,
    neuron,
    neurons,
)
from nbviz.models import SmallCNN


class _QuadPrior:
    """log D = -|x|²/2: a Gaussian prior with unit precision."""

    module = None
    version = 0

    def log_prob_real(self, x):
        return -0.5 * (x**2).sum(1)


def _nan_beyond(threshold: float):
    """A quadratic objective that is NaN wherever the first coordinate exceeds ``threshold``."""

    def fn(a):
        out = -0.5 * (a**2).sum(1)
        return torch.where(a[:, 0] > threshold, torch.full_like(out, float("nan")), out)

    return custom("output", fn)


def make(cnn, **kw):
    kw.setdefault("n_chains", 6)
    kw.setdefault("step_size", 0.01)
    kw.setdefault("seed", 0)
    return Sampler(cnn, kw.pop("objective", neuron("fc1", 2)), **kw)


def test_stop_and_run_again_continues_the_same_chains(cnn):
    one = make(cnn, mala=True)
    one.run(10)
    two = make(cnn, mala=True)
    stop = threading.Event()
    done = two.run(10, callback=lambda s: s.step_count == 4 and stop.set(), should_stop=stop)
    assert done == 4 and two.step_count == 4
    stop.clear()
    assert two.run(6) == 6
    torch.testing.assert_close(one.x, two.x)
    assert two.history.steps.tolist() == list(range(1, 11))


def test_tradeoff_change_is_used_from_the_next_step(cnn):
    prior = DiscriminatorPrior((1, 8, 8), kind="mlp", device="cpu")
    s = make(cnn, discriminator=prior, tradeoff=0.0)

    def cb(s):
        if s.step_count == 3:
            s.tradeoff = 2.5

    s.run(6, callback=cb)
    assert s.history.tradeoff.tolist() == [0, 0, 0, 2.5, 2.5, 2.5]
    # set from another thread between steps
    t = threading.Thread(target=lambda: setattr(s, "tradeoff", 0.5))
    t.start()
    t.join()
    s.step()
    assert s.history.tradeoff[-1] == 0.5 and s.tradeoff == 0.5
    s.temperature = 2.0
    assert s.temperature == 2.0
    with pytest.raises(ValueError, match="tradeoff: the weight of log D must be >= 0"):
        s.tradeoff = -1
    with pytest.raises(ValueError, match="temperature"):
        s.temperature = 0


def test_tradeoff_set_from_another_thread_while_running(cnn):
    prior = DiscriminatorPrior((1, 8, 8), kind="mlp", device="cpu")
    s = make(cnn, discriminator=prior, tradeoff=0.0, n_chains=2)
    stop, reached = threading.Event(), threading.Event()

    def cb(s):
        if s.step_count >= 5:
            reached.set()
        if s.step_count >= 400:
            stop.set()

    worker = threading.Thread(target=s.run, args=(10_000,), kwargs={"callback": cb,
                              "should_stop": stop})  # fmt: skip
    worker.start()
    assert reached.wait(30)
    s.tradeoff = 1.5  # the slider moves while the chains run
    stop.set()
    worker.join(30)
    tradeoffs = s.history.tradeoff.tolist()
    assert not worker.is_alive() and tradeoffs[0] == 0.0
    first = tradeoffs.index(1.5) if 1.5 in tradeoffs else len(tradeoffs)
    assert set(tradeoffs[:first]) == {0.0} and set(tradeoffs[first:]) <= {1.5}


def test_tradeoff_change_re_evaluates_the_density_so_mala_stays_exact(identity):
    """After λ changes, the cached log p must be recomputed; with a discriminator whose
    log D is a fixed quadratic, the target is still Gaussian with the new precision."""

    obj = custom("output", lambda a: -0.5 * (a**2).sum(1))
    s = Sampler(identity, obj, n_chains=400, input_shape=(2,), discriminator=_QuadPrior(),
                tradeoff=0.0, step_size=0.5, mala=True, clamp=None, seed=0,
                history={"sample_every": 1, "sample_capacity": 150})  # fmt: skip
    s.run(150)
    assert abs(float(s.history.samples.var()) - 1.0) < 0.08
    s.tradeoff = 3.0  # precision 1 + 3 = 4: variance 0.25
    s.run(300)
    assert abs(float(s.history.samples.var()) - 0.25) < 0.025


def test_nan_chains_stop_and_are_reported(identity):
    def fn(a):
        out = -0.5 * (a**2).sum(1)
        bad = torch.zeros_like(out, dtype=torch.bool)
        bad[[1, 4]] = True
        return torch.where(bad & (a[:, 0] > -100), torch.full_like(out, float("nan")), out)

    s = Sampler(identity, custom("output", fn), n_chains=6, input_shape=(3,), step_size=0.1,
                clamp=None, seed=0)  # fmt: skip
    x0 = s.x.clone()
    with pytest.warns(RuntimeWarning, match=r"chain\(s\) \[1, 4\]"):
        s.run(5)
    assert s.stopped_chains == [1, 4]
    torch.testing.assert_close(s.x[[1, 4]], x0[[1, 4]])
    assert not torch.equal(s.x[0], x0[0])
    assert s.history.accepted[:, [1, 4]].sum() == 0


def test_model_runs_in_eval_mode_and_its_mode_is_restored():
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).train()
    seen = []
    model.bn1.register_forward_hook(lambda m, i, o: seen.append(m.training))
    with pytest.warns(UserWarning, match="train mode"):
        s = Sampler(model, neuron("fc1", 0), n_chains=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per sampler
        s.run(2)
        s.step()
    assert model.training and model.bn1.training
    assert seen and not any(seen)
    before = model.bn1.running_mean.clone()
    s.run(2)
    torch.testing.assert_close(model.bn1.running_mean, before)


def test_no_warning_for_a_model_whose_mode_changes_nothing(identity):
    assert identity.training
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Sampler(identity, custom("output", lambda a: a.sum(1)), n_chains=2, input_shape=(2,))
        s.run(2)
    assert identity.training


def test_history_is_a_bounded_ring_buffer(cnn):
    s = make(cnn, history={"trace_capacity": 7, "sample_capacity": 3, "sample_every": 2})
    s.run(20)
    h = s.history
    assert len(h) == 7 and h.activation.shape == (7, 6)
    assert h.steps.tolist() == list(range(14, 21))
    assert h.samples.shape == (3, 6, 1, 8, 8)
    assert h.sample_steps.tolist() == [16, 18, 20]
    torch.testing.assert_close(h.samples[-1], s.samples())
    torch.testing.assert_close(h.activation[-1], s.activation)
    assert h.nbytes == 7 * 4 * (3 * 6 + 3) + 3 * 4 * (6 * 64 + 1)
    for ring in (h._act, h._samples):
        assert ring.data.shape[0] == ring.capacity  # allocated once, never grows


def test_groups_sample_their_own_units(cnn):
    obj = neurons("fc1", [0, 1, 2])
    s = make(cnn, objective=obj, n_chains=7, step_size=0.05)
    assert s.groups.tolist() == [0, 0, 0, 1, 1, 2, 2]
    s.run(3)
    acts = cnn.fc1(cnn.flatten(cnn.relu2(cnn.bn2(cnn.pool2(cnn.conv2(
        cnn.relu1(cnn.bn1(cnn.pool1(cnn.conv1(s.x)))))))))).detach()  # fmt: skip
    want = acts[torch.arange(7), torch.tensor([0, 0, 0, 1, 1, 2, 2])]
    torch.testing.assert_close(s.activation, want)


def test_activation_rises_under_ula(cnn):
    s = make(cnn, objective=class_logit(3), n_chains=8, step_size=1e-3, temperature=1e-3)
    a0 = float(s.activation.mean())
    s.run(30)
    assert float(s.activation.mean()) > a0 + 0.005  # an untrained net: small logits


def test_init_forms_and_step_schedules(cnn):
    starts = torch.rand(2, 1, 8, 8)
    s = make(cnn, init=starts, n_chains=6, step_size=PolyDecay(0.1, gamma=1.0, t0=1))
    torch.testing.assert_close(s.x[:3], starts[0].expand(3, 1, 8, 8))
    torch.testing.assert_close(s.x[3:], starts[1].expand(3, 1, 8, 8))
    s.run(3)
    assert s.history.step_size.tolist() == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert make(cnn, init="mid").x.unique().tolist() == [0.5]
    with pytest.raises(ValueError, match="init: expected shape"):
        make(cnn, init=torch.rand(4, 1, 8, 8))


def test_bad_input(cnn, identity):
    with pytest.raises(ValueError, match="tradeoff: the weight of log D must be >= 0"):
        make(cnn, tradeoff=-0.1)
    with pytest.raises(ValueError, match="temperature"):
        make(cnn, temperature=0)
    with pytest.raises(ValueError, match="step_size"):
        make(cnn, step_size=-1)
    with pytest.raises(ValueError, match="unknown clamp 'clip'"):
        make(cnn, clamp="clip")
    with pytest.raises(TypeError, match="objective"):
        Sampler(cnn, "fc1")
    with pytest.raises(TypeError, match="model"):
        Sampler("model", neuron("fc1", 0))
    with pytest.raises(TypeError, match="n_chains"):
        make(cnn, n_chains=2.5)
    with pytest.raises(ValueError, match="n_chains >= 3"):
        make(cnn, objective=neurons("fc1", [0, 1, 2]), n_chains=2)
    with pytest.raises(ValueError, match="input_shape"):
        Sampler(identity, custom("output", lambda a: a.sum(1)))
    with pytest.raises(ValueError, match="'fc1' of width 128"):
        make(cnn, objective=neuron("fc1", 500))
    with pytest.raises(ValueError, match="Did you mean 'fc1'"):
        make(cnn, objective=neuron("fc", 0))
    with pytest.raises(ValueError, match="data_range"):
        make(cnn, data_range=(1, 0))
    with pytest.raises(TypeError, match="discriminator"):
        make(cnn, discriminator=nn.Linear(2, 2))
    with pytest.raises(TypeError, match="should_stop"):
        make(cnn).run(2, should_stop=3)


def test_out_of_memory_says_to_use_fewer_chains(identity):
    class Hungry(nn.Module):
        calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls > 1:  # let the validation pass, fail in the first step
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
            return x

    s = Sampler(
        Hungry().eval(), custom("output", lambda a: a.sum(1)), n_chains=64, input_shape=(3,)
    )
    with pytest.raises(RuntimeError, match=r"n_chains=64.*try n_chains=16"):
        s.run(1)


def test_steps_do_not_wait_for_the_device(identity, monkeypatch):
    """A step reads nothing back from the device (each read is a sync that stalls a GPU
    run); newly stopped chains are checked every REPORT_EVERY steps and after a run."""
    s = Sampler(identity, custom("output", lambda a: -0.5 * (a**2).sum(1)), n_chains=4,
                input_shape=(3,), step_size=0.1, clamp=None, seed=0)  # fmt: skip
    s.run(2)
    reads = []
    for name in ("__bool__", "__float__", "__int__", "__index__", "item", "tolist"):
        real = getattr(torch.Tensor, name)
        monkeypatch.setattr(
            torch.Tensor, name, lambda t, *a, _real=real, _n=name: reads.append(_n) or _real(t, *a)
        )
    n = Sampler.REPORT_EVERY
    for _ in range(n - 1):
        s._step()
    assert reads == []
    s._step()
    assert reads == ["__bool__"]  # the periodic check
    monkeypatch.undo()


def test_nan_report_names_the_steps(identity):
    s = Sampler(identity, _nan_beyond(5), n_chains=3, input_shape=(3,), step_size=0.1,
                clamp=None, seed=0)  # fmt: skip
    s.run(3)
    with torch.no_grad():
        s.x[2, 0] = 4.999  # one step from the NaN region: it stops within a few steps
    with pytest.warns(RuntimeWarning, match=r"chain\(s\) \[2\] .* at steps? \d+"):
        s.run(40)
    assert s.stopped_chains == [2]


class _Detached(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x.detach())


class _NoGrad(_Detached):
    def forward(self, x):
        with torch.no_grad():
            return self.fc(x)


class _Argmax(nn.Module):
    def forward(self, x):
        return nn.functional.one_hot(x.argmax(1), 4).float()


@pytest.mark.parametrize("model", [_Detached(), _NoGrad(), _Argmax()])
@pytest.mark.parametrize("with_prior", [False, True])
def test_non_differentiable_model_is_refused(model, with_prior):
    prior = _QuadPrior() if with_prior else None  # its gradient alone must not hide the cut
    s = Sampler(model.eval(), class_logit(1), n_chains=2, input_shape=(4,), discriminator=prior)
    with pytest.raises(ValueError, match="no gradient with respect to the input"):
        s.run(1)


def test_samples_is_a_copy_and_checkpoint_restores_everything(identity):
    s = Sampler(identity, _nan_beyond(1.0), n_chains=4, input_shape=(3,), step_size=0.05,
                clamp=None, seed=0)  # fmt: skip
    s.samples()[:] = 7.0
    assert not (s.x == 7.0).any()
    saved = s.checkpoint()
    with torch.no_grad():
        s.x[1, 0] = 0.99  # close to the NaN region: chain 1 is likely to stop
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s.run(40)
    assert s.step_count == 40 and s.stopped_chains
    s.restore(saved)
    assert s.step_count == 0 and s.stopped_chains == [] and s.n_proposed == 0
    torch.testing.assert_close(s.x, saved["x"])
    assert not s._newly_stopped.any()  # nothing stale left to report


def test_runs_the_same_inside_no_grad(cnn):
    """Sampling needs input gradients; a caller's torch.no_grad() must not switch them off."""
    a = Sampler(cnn, class_logit(3), n_chains=3, step_size=0.01, seed=0)
    b = Sampler(cnn, class_logit(3), n_chains=3, step_size=0.01, seed=0)
    a.run(5)
    with torch.no_grad():
        b.run(5)
    torch.testing.assert_close(a.samples(), b.samples())
