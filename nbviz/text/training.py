"""Training a :class:`~nbviz.text.CharRNN`: truncated backpropagation through time, as
char-rnn does, with snapshots, a cache, and sampling.

The text is cut into ``batch_size`` streams that the batches walk along, ``seq_len``
characters a step; the recurrent state is carried from one step to the next (detached),
so the network learns dependencies longer than one sequence. Losses are in bits per
character.

>>> from nbviz.data import TextDataset
>>> from nbviz.text import CharRNN
>>> data = TextDataset("def f(x):\\n    return 'x'\\n" * 40)
>>> train_data, val = data.split(0.2)
>>> result = train_char_rnn(CharRNN(data.vocab_size, hidden=32), train_data, val,
...                         steps=30, seq_len=20, batch_size=4, eval_every=10, progress=False)
>>> len(result.history["step"]) > 0, result.history["val_bits"][-1] < result.history["val_bits"][0]
(True, True)
>>> len(sample(result.model, data, 40, prime="def", seed=0))
40
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .._checks import check_number, check_positive_int, check_seed, stop_check
from ..data import TextDataset, cache_dir
from ..models import load_weights, save_weights
from .model import CharRNN

__all__ = ["TextTrainResult", "char_rnn", "sample", "train_char_rnn", "validation_bits"]

_LN2 = math.log(2.0)


@dataclass
class TextTrainResult:
    """One :func:`train_char_rnn` run.

    Attributes:
        model: the trained network (trained in place; also returned by :func:`char_rnn`).
        settings: the training settings.
        history: lists under ``"step"``, ``"train_bits"`` (mean over the steps since the
            last entry), ``"val_bits"`` (NaN without validation text) and ``"seconds"``.
        snapshots: ``(step, state_dict)`` pairs (CPU copies), step 0 first.
    """

    model: CharRNN
    settings: dict
    history: dict = field(default_factory=lambda: {k: [] for k in _HISTORY})
    snapshots: list = field(default_factory=list)

    def figure(self):
        """The training and validation loss (bits per character) over the steps."""
        from ..plotting import new_figure

        fig = new_figure(figsize=(5, 3))
        ax = fig.subplots()
        h = self.history
        ax.plot(h["step"], h["train_bits"], label="training")
        ax.plot(h["step"], h["val_bits"], label="validation")
        ax.set(xlabel="step", ylabel="bits per character")
        ax.legend()
        return fig


_HISTORY = ("step", "train_bits", "val_bits", "seconds")


def _streams(codes: torch.Tensor, batch_size: int, seq_len: int) -> torch.Tensor:
    length = len(codes) // batch_size
    if length < seq_len + 1:
        raise ValueError(
            f"data: {len(codes):,} characters are too few for {batch_size} streams of "
            f"{seq_len + 1}; lower batch_size or seq_len"
        )
    return codes[: batch_size * length].view(batch_size, length)


@torch.no_grad()
def validation_bits(model: CharRNN, data: TextDataset, *, max_chars: int = 20_000) -> float:
    """Bits per character of ``model`` on (the first ``max_chars`` of) ``data``, read as 8
    streams carried through in 100-character pieces."""
    device = next(model.parameters()).device
    codes = data.codes[: max_chars + 1]
    streams = min(8, max(1, (len(codes) - 1) // 101))
    x = _streams(codes, streams, 100 if len(codes) > 200 else len(codes) // streams - 1)
    was = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    try:
        for s in range(0, x.shape[1] - 1, 100):
            inp = x[:, s : s + 100].to(device)
            tgt = x[:, s + 1 : s + 101].to(device)
            inp = inp[:, : tgt.shape[1]]
            if inp.shape[1] == 0:
                break
            logits, state = model(inp, state)
            total += float(F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), reduction="sum"))
            count += tgt.numel()
    finally:
        model.train(was)
    return total / max(1, count) / _LN2


def train_char_rnn(
    model: CharRNN,
    data: TextDataset,
    val: TextDataset | None = None,
    *,
    steps: int = 2000,
    seq_len: int = 100,
    batch_size: int = 32,
    lr: float = 2e-3,
    grad_clip: float = 5.0,
    eval_every: int = 100,
    snapshot_every: int | None = None,
    seed: int = 0,
    progress: bool = True,
    callback=None,
    should_stop=None,
) -> TextTrainResult:
    """Train ``model`` on ``data`` (a :class:`~nbviz.data.TextDataset` of its vocabulary)
    for ``steps`` steps of truncated backpropagation through time, with Adam and gradient
    clipping, and a tqdm bar.

    Every ``eval_every`` steps the history gets the training loss and, with ``val``, the
    validation loss; every ``snapshot_every`` steps (default: at each evaluation) a copy
    of the weights is kept. ``callback(result)`` runs after each evaluation (a live
    view's update); ``should_stop`` (an Event or a callable) ends the run early.
    """
    if not isinstance(model, CharRNN):
        raise TypeError(f"model: expected a CharRNN, got {type(model).__name__}")
    for name, d in (("data", data), ("val", val)):
        if d is not None and d.vocab_size != model.vocab_size:
            raise ValueError(
                f"{name}: its vocabulary has {d.vocab_size} characters, the model's "
                f"{model.vocab_size}"
            )
    steps = check_positive_int(steps, "steps")
    seq_len = check_positive_int(seq_len, "seq_len")
    batch_size = check_positive_int(batch_size, "batch_size")
    eval_every = check_positive_int(eval_every, "eval_every")
    snapshot_every = eval_every if snapshot_every is None else check_positive_int(
        snapshot_every, "snapshot_every"
    )  # fmt: skip
    lr = check_number(lr, "lr", positive=True)
    grad_clip = check_number(grad_clip, "grad_clip", positive=True)
    seed = check_seed(seed)
    stop = stop_check(should_stop)
    settings = dict(steps=steps, seq_len=seq_len, batch_size=batch_size, lr=lr,
                    grad_clip=grad_clip, seed=seed)  # fmt: skip
    result = TextTrainResult(model, settings)
    device = next(model.parameters()).device
    x = _streams(data.codes, batch_size, seq_len).to(device)
    span = x.shape[1] - 1
    gen = torch.Generator().manual_seed(seed)
    offset = int(torch.randint(0, max(1, span - seq_len), (1,), generator=gen))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    result.snapshots.append((0, copy.deepcopy(model.state_dict())))
    model.train()
    state, running, seen = None, 0.0, 0
    t0 = time.perf_counter()
    bar = tqdm(total=steps, desc="char-rnn", unit="step", disable=not progress)
    try:
        for step in range(1, steps + 1):
            if stop():
                break
            if offset + seq_len + 1 > x.shape[1]:
                offset, state = 0, None  # the streams' end: start over from fresh states
            inp = x[:, offset : offset + seq_len]
            tgt = x[:, offset + 1 : offset + seq_len + 1]
            offset += seq_len
            if state is not None:
                state = tuple(s.detach() for s in state) if isinstance(state, tuple) else (
                    state.detach()
                )  # fmt: skip
            logits, state = model(inp, state)
            loss = F.cross_entropy(logits.flatten(0, 1), tgt.flatten())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            opt.step()
            running += loss.item() / _LN2
            seen += 1
            bar.update(1)
            if step % eval_every == 0 or step == steps:
                val_bits = validation_bits(model, val) if val is not None else float("nan")
                h = result.history
                h["step"].append(step)
                h["train_bits"].append(running / seen)
                h["val_bits"].append(val_bits)
                h["seconds"].append(time.perf_counter() - t0)
                running, seen = 0.0, 0
                shown = f"{h['train_bits'][-1]:.2f} bits/char"
                bar.set_postfix_str(shown + (f", val {val_bits:.2f}" if val is not None else ""))
                if step % snapshot_every == 0 or step == steps:
                    result.snapshots.append((step, copy.deepcopy(model.state_dict())))
                if callback is not None:
                    callback(result)
    finally:
        bar.close()
        model.eval()
    return result


def char_rnn(
    data: TextDataset,
    val: TextDataset | None = None,
    *,
    hidden: int = 128,
    layers: int = 2,
    cell: str = "lstm",
    cache: bool = True,
    progress: bool = True,
    **settings,
) -> TextTrainResult:
    """A :class:`CharRNN` trained on ``data`` by :func:`train_char_rnn` (``settings`` are
    its keywords), cached under ``cache_dir()/models/`` by the text and the settings: the
    first call trains, later ones load the weights, history and snapshots."""
    model = CharRNN(data.vocab_size, hidden, layers, cell=cell)
    spec = dict(hidden=hidden, layers=layers, cell=cell, vocab=list(data.vocab),
                **{k: v for k, v in sorted(settings.items())})  # fmt: skip
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode())
    digest.update(data.text.encode("utf-8", "surrogatepass"))
    if val is not None:
        digest.update(b"\0val\0" + val.text.encode("utf-8", "surrogatepass"))
    stem = cache_dir() / "models" / f"char_rnn-{digest.hexdigest()[:20]}"
    weights, meta = stem.with_suffix(".pt"), stem.with_suffix(".json")
    if cache and weights.is_file() and meta.is_file():
        saved = load_weights(weights)
        model.load_state_dict(saved["final"])
        model.eval()
        info = json.loads(meta.read_text())
        snaps = [(int(s), saved["snapshots"][str(s)]) for s in info["snapshot_steps"]]
        return TextTrainResult(model, info["settings"], info["history"], snaps)
    torch.manual_seed(settings.get("seed", 0))
    model = CharRNN(data.vocab_size, hidden, layers, cell=cell)
    result = train_char_rnn(model, data, val, progress=progress, **settings)
    if cache:
        snapshots = {str(s): sd for s, sd in result.snapshots}
        save_weights({"final": model.state_dict(), "snapshots": snapshots}, weights)
        history = {
            k: [None if isinstance(v, float) and math.isnan(v) else v for v in vals]
            for k, vals in result.history.items()
        }
        steps_kept = [s for s, _ in result.snapshots]
        meta.write_text(json.dumps(
            {"settings": result.settings, "history": history, "snapshot_steps": steps_kept}
        ))  # fmt: skip
    return result


@torch.no_grad()
def sample(
    model: CharRNN,
    data: TextDataset,
    n: int = 500,
    *,
    prime: str = "\n",
    temperature: float = 1.0,
    seed: int | None = None,
) -> str:
    """``n`` characters drawn from ``model`` after ``prime``, each from the softmax of the
    logits over ``temperature`` (lower: more likely, less varied text)."""
    n = check_positive_int(n, "n")
    temperature = check_number(temperature, "temperature", positive=True)
    if not prime:
        raise ValueError("prime: expected at least one character to start from")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    device = next(model.parameters()).device
    was = model.training
    model.eval()
    try:
        logits, state = model(data.encode(prime)[None].to(device))
        out = []
        last = logits[0, -1]
        for _ in range(n):
            p = torch.softmax(last.float().cpu() / temperature, -1)
            k = int(torch.multinomial(p, 1, generator=gen))
            out.append(k)
            logits, state = model(torch.tensor([[k]], device=device), state)
            last = logits[0, -1]
    finally:
        model.train(was)
    return data.decode(out)
