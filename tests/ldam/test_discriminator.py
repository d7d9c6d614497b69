"""The discriminator prior: pre-training, GAN-style updates, calibration, the sampler link."""

from __future__ import annotations

import pytest
import torch

from nbviz.ldam import (
    Discriminator,
    DiscriminatorPrior,
    Sampler,
    calibration_metrics,
    class_logit,
    perturb,
    train_with_sampler,
)


@pytest.fixture
def prior():
    torch.manual_seed(0)
    return DiscriminatorPrior((1, 8, 8), device="cpu", seed=0)


def test_pretrain_separates_real_from_perturbed(prior, digits_train):
    real = digits_train.images
    losses = prior.pretrain(real[:800], epochs=3, batch_size=64)
    assert losses[-1] < losses[0]
    m = prior.calibration(real[800:1200])
    assert m["accuracy"] > 0.8, m
    # log D is higher on real held-out digits than on uniform noise
    held = real[800:900]
    assert prior.log_prob_real(held).mean() > prior.log_prob_real(torch.rand(100, 1, 8, 8)).mean()


@pytest.mark.parametrize("method", ["platt", "temperature"])
def test_calibration_improves_an_overconfident_discriminator(prior, digits_train, method):
    real = digits_train.images
    prior.pretrain(real[:800], epochs=3, batch_size=64)
    with torch.no_grad():  # make it over-confident: logits x 20
        prior.module.net[-1].weight.mul_(20)
        prior.module.net[-1].bias.mul_(20)
    v = prior.version
    report = prior.calibrate(real[800:1200], method=method)
    assert prior.version == v + 1
    assert report["after"]["brier"] <= report["before"]["brier"] + 1e-9
    assert report["after"]["ece"] < report["before"]["ece"]
    if method == "temperature":
        assert report["bias"] == 0.0 and report["scale"] < 1


def test_update_trains_against_given_fakes(prior, digits_train):
    real = digits_train.images[:64]
    fake = torch.rand(64, 1, 8, 8)
    first = prior.update(real, fake)
    for _ in range(20):
        last = prior.update(real, fake)
    assert last["loss"] < first["loss"]
    assert prior.version == 21


def test_sampler_follows_discriminator_changes(cnn, prior, digits_train):
    s = Sampler(cnn, class_logit(0), n_chains=8, discriminator=prior, tradeoff=1.0, seed=0)
    s.run(2)
    before = s.log_d.clone()
    prior.update(digits_train.images[:64], s.samples())
    after = s.log_d  # re-evaluated: the cache follows prior.version
    assert not torch.allclose(before, after)
    stats = train_with_sampler(s, prior, digits_train, rounds=3, sample_steps=2,
                               calibrate_every=3)  # fmt: skip
    assert [r["round"] for r in stats] == [1, 2, 3]
    assert "calibration" in stats[-1] and s.step_count == 10  # + 2 steps for calibration


def test_perturbations_and_metrics():
    x = torch.rand(4, 1, 8, 8)
    for kind in ("noise", "blur", "uniform"):
        y = perturb(x, kind)
        assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 1
    blurred = perturb(torch.ones(2, 1, 8, 8), "blur")
    torch.testing.assert_close(blurred, torch.ones(2, 1, 8, 8))
    m = calibration_metrics(torch.tensor([1.0, 0.0]), torch.tensor([1, 0]))
    assert m["ece"] == 0 and m["brier"] == 0


def test_bad_input(prior):
    with pytest.raises(ValueError, match="unknown kind 'gru'"):
        Discriminator((1, 8, 8), kind="gru")
    with pytest.raises(ValueError, match="in_shape"):
        Discriminator((8, 8))
    with pytest.raises(ValueError, match="unknown perturbation"):
        perturb(torch.zeros(1, 1, 8, 8), "jpeg")
    with pytest.raises(ValueError, match="unknown method"):
        prior.calibrate(torch.rand(10, 1, 8, 8), method="isotonic")
    with pytest.raises(ValueError, match="NaN"):
        prior.update(torch.full((2, 1, 8, 8), float("nan")), torch.rand(2, 1, 8, 8))


def test_to_keeps_the_global_random_state_and_stays_seeded():
    torch.manual_seed(123)
    a = DiscriminatorPrior((1, 8, 8), kind="mlp", seed=5)  # its weights draw from torch's
    before = torch.get_rng_state()
    a.to("cpu")
    assert torch.equal(torch.get_rng_state(), before)
    b = DiscriminatorPrior((1, 8, 8), kind="mlp", seed=5).to("cpu")
    assert torch.equal(a._gen.get_state(), b._gen.get_state())


def test_the_recipe_makes_a_prior_that_smooths_the_chains(cnn, digits_train, tmp_path, monkeypatch):
    """DiscriminatorPrior.fit: trained against its own chains, calibrated, cached; under
    it a sampler's pictures are smoother than without it, and D finds them more real."""
    from nbviz.data import digits
    from nbviz.ldam import roughness

    monkeypatch.setenv("NBVIZ_CACHE", str(tmp_path))
    kw = {"rounds": 60, "chains": 32, "heldout": 300, "progress": False}
    prior = DiscriminatorPrior.fit(digits_train, **kw)
    test = digits("test").images
    m = prior.calibration(test, torch.rand(len(test), 1, 8, 8))
    assert m["accuracy"] > 0.9, m
    runs = {}
    for lam in (0.0, 64.0):
        s = Sampler(cnn, class_logit(3), n_chains=32, data=test, discriminator=prior,
                    tradeoff=lam, seed=0)  # fmt: skip
        s.run(150)
        runs[lam] = s.samples()
    rough = {lam: roughness(x) for lam, x in runs.items()}
    with torch.no_grad():
        logd = {lam: float(prior.log_prob_real(x).mean()) for lam, x in runs.items()}
    # the prior takes away at least a third of the grain the chains have beyond real
    # digits (measured: 0.376 without, 0.308 with, 0.238 real), and D finds them real
    excess = {lam: r - roughness(test) for lam, r in rough.items()}
    assert excess[64.0] < 0.67 * excess[0.0], rough
    assert logd[64.0] > -1.0 > logd[0.0] + 5, logd

    files = list((tmp_path / "priors").glob("discriminator-*.pt"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    again = DiscriminatorPrior.fit(digits_train, **kw)
    assert files[0].stat().st_mtime_ns == stamp  # loaded, not trained again
    assert (again.scale, again.bias) == (prior.scale, prior.bias)
    assert torch.equal(again.logit(test[:5]), prior.logit(test[:5]))


def test_the_recipe_refuses_bad_settings(digits_train):
    with pytest.raises(ValueError, match="at least 2 × heldout"):
        DiscriminatorPrior.fit(digits_train, heldout=1000, cache=False)
    with pytest.raises(ValueError, match="restart must be in"):
        DiscriminatorPrior.fit(digits_train, restart=2.0, heldout=100, cache=False)
    with pytest.raises(ValueError, match="images"):
        DiscriminatorPrior.fit(torch.rand(500, 64), heldout=100, cache=False)
