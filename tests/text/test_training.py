"""Training a CharRNN: the loss falls, the state is carried across steps, the cache gives
the same net back, sampling, and bad input."""

from __future__ import annotations

import math

import pytest
import torch

from nbviz.data import TextDataset
from nbviz.text import CharRNN
from nbviz.text.training import char_rnn, sample, train_char_rnn, validation_bits

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CODE = "for i in range(10):\n    print('i', (i + 1))\n" * 60


def test_training_lowers_the_validation_loss_below_chance():
    data, val = TextDataset(CODE).split(0.2)
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=48, layers=2)
    before = validation_bits(model, val)
    seen = []
    result = train_char_rnn(model, data, val, steps=150, seq_len=40, batch_size=8,
                            eval_every=50, progress=False, callback=seen.append)  # fmt: skip
    h = result.history
    assert h["step"] == [50, 100, 150] and len(seen) == 3
    assert before == pytest.approx(math.log2(data.vocab_size), abs=0.3)  # chance, untrained
    assert h["val_bits"][-1] < 1.0 < before  # the repeated line is learnt
    assert [s for s, _ in result.snapshots] == [0, 50, 100, 150]
    assert not torch.equal(result.snapshots[0][1]["head.weight"], model.head.weight)


def test_the_cache_gives_the_same_net_and_history(tmp_path, monkeypatch):
    monkeypatch.setenv("NBVIZ_CACHE", str(tmp_path))
    data, val = TextDataset(CODE).split(0.2)
    kw = dict(hidden=16, layers=1, steps=20, seq_len=20, batch_size=4, eval_every=10)
    first = char_rnn(data, val, progress=False, **kw)
    second = char_rnn(data, val, progress=False, **kw)
    assert second.history["val_bits"] == pytest.approx(first.history["val_bits"])
    for k, v in first.model.state_dict().items():
        assert torch.equal(second.model.state_dict()[k], v)
    assert [s for s, _ in second.snapshots] == [0, 10, 20]
    assert len(list((tmp_path / "models").glob("char_rnn-*.pt"))) == 1


def test_sampling_follows_the_temperature():
    data = TextDataset(CODE)
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=32, layers=1)
    train_char_rnn(model, data, steps=120, seq_len=40, batch_size=8, progress=False)
    cold = sample(model, data, 200, prime="for", temperature=0.2, seed=1)
    assert len(cold) == 200 and set(cold) <= set(data.vocab)
    assert "print" in cold  # near-greedy sampling of a learnt line


def test_bad_input_says_what_is_wrong():
    data = TextDataset(CODE)
    model = CharRNN(data.vocab_size, hidden=8)
    with pytest.raises(ValueError, match="its vocabulary has 4 characters, the model's"):
        train_char_rnn(model, TextDataset("abc"), steps=1)
    with pytest.raises(ValueError, match="too few for 32 streams"):
        train_char_rnn(model, TextDataset(CODE[:500], data.vocab), steps=1, progress=False)
    with pytest.raises(ValueError, match="steps"):
        train_char_rnn(model, data, steps=0)
    with pytest.raises(ValueError, match="Did you mean 'lstm'"):
        CharRNN(10, cell="lsmt")
    with pytest.raises(ValueError, match="prime"):
        sample(model, data, 5, prime="")


def test_char_attribution_is_causal_and_complete():
    from nbviz.text import char_attribution

    data = TextDataset(CODE)
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, hidden=24, layers=2)
    train_char_rnn(model, data, steps=60, seq_len=40, batch_size=8, progress=False)
    text = CODE[:120]
    pos = text.index("print") + 1  # after "pr": the evidence for "i"
    ex = char_attribution(model, data, text, pos, steps=256)
    assert ex.target == "i" and 0 < ex.probability <= 1
    assert (ex.values[pos + 1 :] == 0).all()  # nothing after the position
    # completeness: the relevance sums to the logit minus its value on zero embeddings
    with torch.no_grad():
        zero = model.head(model.rnn(torch.zeros(1, pos + 1, model.embed.embedding_dim))[0][:, -1])
    want = ex.score - float(zero[0, data.vocab.index("i")])
    assert float(ex.values.sum()) == pytest.approx(want, rel=0.02, abs=0.02)
    ixg = char_attribution(model, data, text, pos, method="input_x_gradient", target="r")
    assert ixg.target == "r" and (ixg.values[pos + 1 :] == 0).all()
    with pytest.raises(ValueError, match="Did you mean 'input_x_gradient'"):
        char_attribution(model, data, text, pos, method="input_gradient")
    with pytest.raises(ValueError, match="position: 500 is outside"):
        char_attribution(model, data, text, 500)
