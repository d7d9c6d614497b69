import pytest
import torch

from nbviz.tour import attack_trajectory, fgsm, pgd


@pytest.fixture(scope="module")
def batch(digits_test):
    return digits_test.images[:128], digits_test.labels[:128]


def _grads_untouched(model):
    return all(p.grad is None for p in model.parameters())


def test_fgsm_raises_the_loss(trained_cnn, batch):
    x, y = batch
    res = fgsm(trained_cnn, x, y, eps=0.1)
    assert res.inputs.shape == (2, *x.shape)
    torch.testing.assert_close(res.inputs[0], x)
    assert res.loss[1].mean() > res.loss[0].mean()
    assert _grads_untouched(trained_cnn)
    assert not trained_cnn.training


def test_pgd_untargeted_drives_accuracy_down(trained_cnn, batch):
    x, y = batch
    res = pgd(trained_cnn, x, y, eps=0.3, alpha=0.05, steps=10)
    clean_acc = (res.predictions[0] == y).float().mean()
    adv_acc = (res.predictions[-1] == y).float().mean()
    assert clean_acc > 0.85
    assert adv_acc < 0.2
    assert res.inputs.shape == (11, *x.shape)
    assert res.predictions.shape == res.loss.shape == (11, len(x))
    assert _grads_untouched(trained_cnn)


def test_pgd_targeted_reaches_target(trained_cnn, batch):
    x, y = batch
    target = (y + 1) % 10
    res = pgd(trained_cnn, x, y, eps=0.4, alpha=0.05, steps=20, targeted=True, target=target)
    assert (res.predictions[-1] == target).float().mean() > 0.8


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("random_start", [False, True])
def test_ball_and_clamp_respected(trained_cnn, batch, norm, random_start):
    x, y = batch
    eps = 0.2 if norm == "linf" else 1.0
    res = pgd(trained_cnn, x, y, eps=eps, alpha=0.5, steps=4, random_start=random_start, norm=norm)
    for adv in res.inputs:
        assert adv.min() >= 0.0 and adv.max() <= 1.0
        if norm == "linf":
            assert (adv <= x + eps).all() and (adv >= x - eps).all()
        else:
            assert ((adv - x).flatten(1).norm(dim=1) <= eps * (1 + 1e-6)).all()
    custom = pgd(trained_cnn, x, y, eps=0.3, alpha=0.3, steps=1, clamp=(0.1, 0.7))
    assert custom.final.min() >= 0.1 and custom.final.max() <= 0.7
    free = pgd(trained_cnn, x, y, eps=0.3, alpha=0.3, steps=1, clamp=None)
    assert (((free.final - x).abs() - 0.3).abs() < 1e-6).float().mean() > 0.9  # sign(grad) != 0


def test_deterministic_with_seed(trained_cnn, batch):
    x, y = batch
    kw = dict(eps=0.2, alpha=0.05, steps=3, random_start=True)
    a = pgd(trained_cnn, x, y, seed=3, **kw)
    b = pgd(trained_cnn, x, y, seed=3, **kw)
    c = pgd(trained_cnn, x, y, seed=4, **kw)
    torch.testing.assert_close(a.inputs, b.inputs, atol=0, rtol=0)
    assert not torch.equal(a.inputs[1], c.inputs[1])


def test_model_mode_restored(trained_cnn, batch):
    x, y = batch
    trained_cnn.train()
    try:
        fgsm(trained_cnn, x[:4], y[:4], eps=0.1)
        assert trained_cnn.training and trained_cnn.bn1.training
    finally:
        trained_cnn.eval()


def test_attack_trajectory_activations(trained_cnn, batch):
    x, y = batch
    t = attack_trajectory(trained_cnn, x[:16], y[:16], "relu3", eps=0.2, alpha=0.05, steps=3)
    assert t.activations.shape == (4, 16, 128)
    assert t.inputs.shape == (4, 16, 1, 8, 8)
    with torch.no_grad():
        logits = trained_cnn(t.inputs[2])
    assert torch.equal(logits.argmax(1), t.predictions[2])
    f = attack_trajectory(trained_cnn, x[:16], y[:16], "conv1", method="fgsm", eps=0.1)
    assert f.activations.shape == (2, 16, 16, 8, 8)


@pytest.mark.parametrize(
    ("kwargs", "err", "needle"),
    [
        (dict(eps=0.0, alpha=0.1, steps=1), ValueError, "eps"),
        (dict(eps=-1.0, alpha=0.1, steps=1), ValueError, "eps"),
        (dict(eps=float("nan"), alpha=0.1, steps=1), ValueError, "eps"),
        (dict(eps=0.1, alpha=0.0, steps=1), ValueError, "alpha"),
        (dict(eps=0.1, alpha=0.1, steps=0), ValueError, "steps"),
        (dict(eps=0.1, alpha=0.1, steps=1.5), TypeError, "steps"),
        (dict(eps=0.1, alpha=0.1, steps=1, norm="l3"), ValueError, "norm"),
        (dict(eps=0.1, alpha=0.1, steps=1, targeted=True), ValueError, "target"),
        (dict(eps=0.1, alpha=0.1, steps=1, target=3), ValueError, "target"),
        (dict(eps=0.1, alpha=0.1, steps=1, clamp=(1, 0)), ValueError, "clamp"),
    ],
)
def test_pgd_bad_arguments(trained_cnn, batch, kwargs, err, needle):
    x, y = batch
    with pytest.raises(err, match=needle):
        pgd(trained_cnn, x[:4], y[:4], **kwargs)


def test_bad_inputs_and_labels(trained_cnn, batch):
    x, y = batch
    bad = x[:4].clone()
    bad[0, 0, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="data"):
        fgsm(trained_cnn, bad, y[:4], eps=0.1)
    with pytest.raises(ValueError, match="labels"):
        fgsm(trained_cnn, x[:4], y[:3], eps=0.1)
    with pytest.raises(TypeError, match="labels"):
        fgsm(trained_cnn, x[:4], y[:4].float(), eps=0.1)
    with pytest.raises(ValueError, match="labels must lie"):
        fgsm(trained_cnn, x[:4], y[:4] + 20, eps=0.1)
    with pytest.raises(TypeError, match="data"):
        fgsm(trained_cnn, x[:4].numpy(), y[:4], eps=0.1)
    with pytest.raises(ValueError, match="layers: unknown layer 'relu9'"):
        attack_trajectory(trained_cnn, x[:4], y[:4], "relu9", eps=0.1, alpha=0.1, steps=1)
    with pytest.raises(ValueError, match="method"):
        attack_trajectory(trained_cnn, x[:4], y[:4], "relu3", method="cw", eps=0.1)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_pgd_on_cuda_matches_cpu(trained_cnn, batch):
    import copy

    x, y = batch
    model = copy.deepcopy(trained_cnn).cuda()
    res = pgd(model, x, y, eps=0.2, alpha=0.05, steps=3)
    assert res.inputs.device.type == "cpu"
    ref = pgd(trained_cnn, x, y, eps=0.2, alpha=0.05, steps=3)
    assert (res.predictions[-1] == ref.predictions[-1]).float().mean() > 0.9
    t = attack_trajectory(model, x[:8], y[:8], "relu3", eps=0.2, alpha=0.05, steps=2)
    assert t.activations.shape == (3, 8, 128)


def test_flags_must_be_bools_and_numpy_seeds_count(trained_cnn, batch):
    import numpy as np

    x, y = batch
    with pytest.raises(TypeError, match="targeted: expected True or False"):
        fgsm(trained_cnn, x[:4], y[:4], eps=0.1, targeted="no")
    with pytest.raises(TypeError, match="random_start"):
        pgd(trained_cnn, x[:4], y[:4], eps=0.1, alpha=0.1, steps=1, random_start=1)
    a = pgd(trained_cnn, x[:4], y[:4], eps=0.1, alpha=0.1, steps=1, random_start=True,
            seed=np.int64(3))  # fmt: skip
    b = pgd(trained_cnn, x[:4], y[:4], eps=0.1, alpha=0.1, steps=1, random_start=True, seed=3)
    assert torch.equal(a.inputs, b.inputs)


def test_model_on_the_meta_device_is_named(batch):
    from nbviz.models import SmallCNN

    x, y = batch
    with torch.device("meta"):
        meta = SmallCNN(in_shape=(1, 8, 8))
    with pytest.raises(ValueError, match=r"model: its parameters are on the meta device.*to_empty"):
        fgsm(meta, x[:4], y[:4], eps=0.1)
    with pytest.raises(ValueError, match="meta device"):
        attack_trajectory(meta, x[:4], y[:4], "relu3", method="fgsm", eps=0.1)


def test_data_and_labels_are_the_argument_names(trained_cnn, batch):
    x, y = batch
    res = fgsm(trained_cnn, data=x[:4], labels=y[:4], eps=0.1)
    t = attack_trajectory(trained_cnn, data=x[:4], labels=y[:4], layer="relu3", method="fgsm",
                          eps=0.1)  # fmt: skip
    torch.testing.assert_close(t.inputs, res.inputs)
