"""Which earlier characters carried the evidence for a predicted character.

:func:`char_attribution` explains the model's score for one next character (by default the
one that follows in the text) by integrated gradients or input × gradient through Captum,
on the character embeddings: each character's relevance is its embedding's attribution
summed over the embedding's dimensions. Characters after the explained position get 0 (the
network reads left to right). The result colours the text as a cell does.

>>> import torch
>>> from nbviz.data import TextDataset
>>> from nbviz.text import CharRNN
>>> data = TextDataset("print('hi')\\n" * 3)
>>> ex = char_attribution(CharRNN(data.vocab_size, hidden=8), data, data.text, 9)
>>> ex.values.shape, ex.target
((36,), ')')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._checks import check_positive_int, unknown_name_error

__all__ = ["TEXT_METHODS", "CharAttribution", "char_attribution"]

#: The methods :func:`char_attribution` takes.
TEXT_METHODS = ("integrated_gradients", "input_x_gradient")


@dataclass
class CharAttribution:
    """The evidence for one predicted character.

    Attributes:
        values: each character's relevance ``(T,)`` (0 after ``position``).
        position: the character after which the prediction is made.
        target: the character explained.
        probability: the model's probability of ``target`` there.
        score: the logit explained; with integrated gradients, ``values`` sum to it minus
            its value on all-zero embeddings (the completeness check).
    """

    values: np.ndarray
    position: int
    target: str
    probability: float
    score: float


def char_attribution(
    model,
    data,
    text: str,
    position: int,
    *,
    target: str | None = None,
    method: str = "integrated_gradients",
    steps: int = 64,
) -> CharAttribution:
    """Explain ``model``'s score for the character after ``text[position]``: ``target``
    (default: the next character of ``text``, or the predicted one at its end).

    Raises:
        ValueError: an unknown method (with the closest), a position outside the text, a
            target outside the vocabulary.
    """
    from captum.attr import InputXGradient, IntegratedGradients

    if method not in TEXT_METHODS:
        raise unknown_name_error("method", str(method), TEXT_METHODS, "method")
    if not isinstance(text, str) or not text:
        raise ValueError("text: expected a non-empty str")
    position = int(position)
    if not 0 <= position < len(text):
        raise ValueError(f"position: {position} is outside the text (0 to {len(text) - 1})")
    steps = check_positive_int(steps, "steps")
    device = next(model.parameters()).device
    codes = data.encode(text[: position + 1]).to(device)
    was = model.training
    model.eval()

    def score(emb):
        out, _ = model.rnn(emb)
        return model.head(out[:, -1])

    try:
        with torch.no_grad():
            emb = model.embed(codes[None])
            logits = score(emb)[0]
        if target is None:
            nxt = text[position + 1] if position + 1 < len(text) else None
            k = int(logits.argmax()) if nxt is None else int(data.encode(nxt)[0])
        else:
            if len(target) != 1 or target not in data.vocab:
                raise ValueError(f"target: {target!r} is not a character of the vocabulary")
            k = data.vocab.index(target)
        x = emb.detach().clone().requires_grad_(True)
        with torch.backends.cudnn.flags(enabled=False):  # RNN backward in eval mode
            if method == "integrated_gradients":
                attr = IntegratedGradients(score).attribute(x, baselines=0.0, target=k,
                                                            n_steps=steps)  # fmt: skip
            else:
                attr = InputXGradient(score).attribute(x, target=k)
    finally:
        model.train(was)
    values = np.zeros(len(text), np.float32)
    values[: position + 1] = attr[0].sum(-1).detach().float().cpu().numpy()
    return CharAttribution(
        values=values,
        position=position,
        target=data.vocab[k],
        probability=float(logits.softmax(-1)[k]),
        score=float(logits[k]),
    )
