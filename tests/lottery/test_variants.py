"""Re-init variants: each one's defining property; frozen pruned weights; tickets."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nbviz.lottery import (
    FrozenPruning,
    Variant,
    fresh_init,
    make_ticket,
    parse_variant,
    start_weights,
)
from nbviz.models import train

from .conftest import FAST


@pytest.fixture
def layer_and_mask():
    torch.manual_seed(1)
    layer = nn.Linear(50, 40)
    mask = torch.rand(40, 50) < 0.3
    return layer, mask


def test_rewind_is_mask_times_weights(layer_and_mask):
    layer, mask = layer_and_mask
    w = layer.weight.detach()
    assert torch.equal(start_weights("rewind", w, mask), w * mask)


def test_signed_constant_keeps_signs_with_magnitude_sigma(layer_and_mask):
    layer, mask = layer_and_mask
    w = layer.weight.detach()
    out = start_weights("signed_constant", w, mask)
    sigma = w.std()
    assert torch.allclose(out[mask].abs(), sigma.expand(int(mask.sum())))
    assert torch.equal(out[mask].sign(), w[mask].sign())
    assert bool((out[~mask] == 0).all())


def test_random_signed_constant_has_magnitude_sigma_and_seeded_signs(layer_and_mask):
    layer, mask = layer_and_mask
    w = layer.weight.detach()
    out = start_weights("random_signed_constant", w, mask, seed=5)
    assert torch.allclose(out[mask].abs(), w.std().expand(int(mask.sum())))
    agree = (out[mask].sign() == w[mask].sign()).float().mean()
    assert 0.35 < float(agree) < 0.65  # signs independent of the original ones
    assert torch.equal(out, start_weights("random_signed_constant", w, mask, seed=5))
    assert not torch.equal(out, start_weights("random_signed_constant", w, mask, seed=6))


def test_reshuffle_is_a_permutation_of_the_kept_values(layer_and_mask):
    layer, mask = layer_and_mask
    w = layer.weight.detach()
    out = start_weights("reshuffle", w, mask, seed=2)
    assert torch.equal(out[mask].sort().values, w[mask].sort().values)
    assert bool((out[~mask] == 0).all())
    assert float((out[mask] == w[mask]).float().mean()) < 0.1  # really moved


def test_reinit_draws_fresh_values_from_the_layer_initializer(layer_and_mask):
    layer, mask = layer_and_mask
    w = layer.weight.detach().clone()
    rng_before = torch.get_rng_state()
    out = start_weights("reinit", w, mask, seed=3, module=layer)
    assert torch.equal(torch.get_rng_state(), rng_before)  # the global RNG is untouched
    assert torch.equal(layer.weight, w)  # the layer is untouched
    bound = 1 / 50**0.5  # nn.Linear's kaiming-uniform bound for fan_in 50
    assert float(out.abs().max()) <= bound
    assert float(out[mask].abs().max()) > 0.8 * bound
    assert float((out[mask] == w[mask]).float().mean()) == 0.0
    assert torch.equal(fresh_init(layer, 3), fresh_init(layer, 3))


def test_variant_names_parse_and_bad_names_fail():
    assert parse_variant("reinit+frozen") == Variant("reinit", "frozen")
    assert parse_variant("reshuffle").name == "reshuffle"
    with pytest.raises(ValueError, match="variants") as err:
        parse_variant("rewnd")
    assert "'rewind'" in str(err.value)
    with pytest.raises(ValueError, match="variants"):
        parse_variant("rewind+melted")
    with pytest.raises(TypeError, match="variants"):
        parse_variant(3)


def test_frozen_pruning_gives_pruned_weights_their_value_and_no_gradient():
    layer = nn.Linear(3, 2, bias=False)
    mask = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    frozen = torch.full((2, 3), 5.0)
    FrozenPruning.apply(layer, "weight", mask=mask, frozen=frozen)
    out = layer(torch.ones(1, 3)).sum()
    out.backward()
    assert torch.equal(layer.weight[mask == 0], torch.full((2,), 5.0))
    assert torch.equal(layer.weight_orig.grad, mask)  # d(sum)/d(orig) = mask


def test_ticket_rewinds_to_mask_times_initial_weights(lenet):
    torch.manual_seed(2)
    masks = {n: torch.rand(m.weight.shape) < 0.2 for n, m in lenet.named_children()
             if isinstance(m, nn.Linear)}  # fmt: skip
    before = {k: v.clone() for k, v in lenet.state_dict().items()}
    ticket = make_ticket(lenet, masks, "rewind")
    for name, mask in masks.items():
        layer = getattr(ticket, name)
        assert torch.equal(layer.weight, getattr(lenet, name).weight * mask)
        assert torch.equal(layer.weight_mask.bool(), mask)
        assert torch.equal(layer.bias, getattr(lenet, name).bias)
    assert all(torch.equal(v, lenet.state_dict()[k]) for k, v in before.items())


def test_ticket_rewinds_to_a_given_state(lenet):
    state = {k: v + 1.0 for k, v in lenet.state_dict().items()}
    mask = torch.rand(300, 64) < 0.5
    ticket = make_ticket(lenet, {"fc1": mask}, "rewind", rewind_state=state)
    assert torch.equal(ticket.fc1.weight, state["fc1.weight"] * mask)
    assert torch.equal(ticket.fc2.weight, state["fc2.weight"])  # not masked, rewound


def test_frozen_pruned_weights_do_not_move_in_training(lenet, digits_train):
    torch.manual_seed(3)
    masks = {n: torch.rand(getattr(lenet, n).weight.shape) < 0.3 for n in ("fc1", "fc2")}
    ticket = make_ticket(lenet, masks, "rewind+frozen")
    train(ticket, digits_train, **FAST)
    for name, mask in masks.items():
        w0 = getattr(lenet, name).weight.detach()
        w = getattr(ticket, name).weight.detach()
        assert torch.equal(w[~mask], w0[~mask])  # pruned: frozen at init, and used
        assert float((w[mask] != w0[mask]).float().mean()) > 0.5  # kept: trained (not all:
        # some digits pixels are always 0, so their fc1 weights get no gradient)
    zero = make_ticket(lenet, masks, "rewind")
    x = digits_train.images[:5]
    assert not torch.allclose(zero.eval()(x), make_ticket(lenet, masks, "rewind+frozen")(x))


def test_zero_pruned_weights_stay_zero_in_training(lenet, digits_train):
    masks = {"fc1": torch.rand(300, 64) < 0.3}
    ticket = make_ticket(lenet, masks, "reshuffle")
    train(ticket, digits_train, **FAST)
    assert bool((ticket.fc1.weight[~masks["fc1"]] == 0).all())


def test_ticket_bad_masks(lenet):
    with pytest.raises(ValueError, match=r"masks\['fc1'\]"):
        make_ticket(lenet, {"fc1": torch.ones(3, 3)})
    with pytest.raises(ValueError, match="layers"):
        make_ticket(lenet, {"fc9": torch.ones(3, 3)})
    with pytest.raises(TypeError, match="masks"):
        make_ticket(lenet, {})


def test_zero_pruning_matches_custom_from_mask_and_keeps_pruned_at_zero():
    from torch.nn.utils import prune

    from nbviz.lottery import ZeroPruning

    torch.manual_seed(4)
    ref, fast = nn.Linear(6, 5), nn.Linear(6, 5)
    fast.load_state_dict(ref.state_dict())
    mask = (torch.rand(5, 6) < 0.5).float()
    prune.custom_from_mask(ref, "weight", mask)
    ZeroPruning.apply(fast, "weight", mask=mask)
    x = torch.randn(7, 6)
    (ref(x) ** 2).sum().backward()
    (fast(x) ** 2).sum().backward()
    assert torch.allclose(fast(x), ref(x))
    assert torch.allclose(fast.weight_orig.grad, ref.weight_orig.grad)
    assert bool((fast.weight_orig.grad[mask == 0] == 0).all())
    opt = torch.optim.AdamW(fast.parameters(), lr=0.1, weight_decay=0.5)
    for _ in range(5):
        opt.zero_grad()
        (fast(x) ** 2).sum().backward()
        opt.step()
    assert bool((fast.weight_orig[mask == 0] == 0).all())
    assert bool((fast.weight[mask == 0] == 0).all())
    with torch.no_grad():  # a hand-written value in a pruned entry never reaches the output
        fast.weight_orig[mask == 0] = 3.0
        assert torch.allclose(fast(x), x @ (fast.weight_orig * mask).T + fast.bias)


def test_zero_pruning_masks_gradients_until_removed():
    from torch.nn.utils import prune

    from nbviz.lottery import ZeroPruning

    layer = torch.nn.Linear(3, 2, bias=False)
    mask = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    ZeroPruning.apply(layer, "weight", mask=mask)
    assert "weight" not in dict(layer.named_parameters())  # a view, not a new parameter
    layer(torch.ones(4, 3)).sum().backward()
    assert torch.equal(layer.weight_orig.grad == 0, mask == 0)
    prune.remove(layer, "weight")
    layer.weight.grad = None
    layer(torch.ones(4, 3)).sum().backward()
    assert (layer.weight.grad != 0).all()  # a plain dense weight again
