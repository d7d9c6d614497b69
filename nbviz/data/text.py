"""Text for character-level models: Python's own source, and Karpathy's tiny Shakespeare.

* :func:`python_source` — the ``.py`` files of the running Python's standard library,
  concatenated in a fixed order: on every machine, no download, and full of what makes a
  recurrent net's cells interpretable (quotes, brackets, indentation, comments), as the
  Linux source was for Karpathy, Johnson and Fei-Fei (2015).
* :func:`tiny_shakespeare` — the 1,115,394 characters of Karpathy's ``char-rnn`` data,
  downloaded once into the cache with a SHA-256 check (``$NBVIZ_DATA_URL`` serves it from
  a mirror laid out as ``<url>/tiny_shakespeare/input.txt``).

Both give a :class:`TextDataset`: the text, its vocabulary, ``encode``/``decode``, and a
train/validation split.

>>> ds = TextDataset("print('hello')\\n")
>>> ds.vocab_size, ds.decode(ds.encode("hello"))
(14, 'hello')
>>> train, val = TextDataset("abcdefghij" * 10).split(0.2)
>>> len(train), len(val)
(80, 20)
"""

from __future__ import annotations

import functools
import sysconfig
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .._checks import check_bool, check_fraction, check_positive_int
from .sources import TINY_SHAKESPEARE, locate

__all__ = ["UNKNOWN", "TextDataset", "python_source", "tiny_shakespeare"]

#: The character unknown characters are encoded as (always in a vocabulary).
UNKNOWN = "\ufffd"


class TextDataset:
    """A text and its character vocabulary.

    Args:
        text: the text (a non-empty ``str``).
        vocab: the characters to encode, in code order (default: the text's own, sorted);
            :data:`UNKNOWN` is added when missing, and characters outside the vocabulary
            are encoded as it (with one warning per call naming a few).
        name: what the text is (shown in reprs and the views).

    Attributes:
        codes: the text encoded, int64 ``(len(text),)``.
    """

    def __init__(self, text: str, vocab: Sequence[str] | None = None, name: str = "text"):
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        if not text:
            raise ValueError("text: expected at least one character, got an empty text")
        if vocab is None:
            vocab = sorted(set(text))
        vocab = list(vocab)
        if not vocab or not all(isinstance(c, str) and len(c) == 1 for c in vocab):
            raise ValueError("vocab: expected a non-empty list of single characters")
        if len(set(vocab)) != len(vocab):
            raise ValueError("vocab: a character appears twice")
        if UNKNOWN not in vocab:
            vocab.append(UNKNOWN)
        self.text = text
        self.vocab = tuple(vocab)
        self.name = str(name)
        self._index = {c: i for i, c in enumerate(self.vocab)}
        self.codes = self.encode(text)

    @property
    def vocab_size(self) -> int:
        """How many characters the vocabulary has (:data:`UNKNOWN` included)."""
        return len(self.vocab)

    def encode(self, text: str) -> torch.Tensor:
        """``text`` as int64 codes; characters outside the vocabulary become
        :data:`UNKNOWN` (a warning names them)."""
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        if not text:
            return torch.zeros(0, dtype=torch.int64)
        # by code point, through the distinct characters only (a million in ~0.1 s)
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
        distinct, where = np.unique(points, return_inverse=True)
        table = np.array([self._index.get(chr(p), -1) for p in distinct], np.int64)
        missing = [chr(p) for p, k in zip(distinct, table, strict=True) if k < 0]
        if missing:
            shown = ", ".join(repr(c) for c in missing[:5]) + (" ..." if len(missing) > 5 else "")
            warnings.warn(
                f"{self.name}: {len(missing)} character(s) outside the vocabulary ({shown}) "
                f"encoded as {UNKNOWN!r}",
                stacklevel=2,
            )
            table[table < 0] = self._index[UNKNOWN]
        return torch.from_numpy(table[where.reshape(-1)])

    def decode(self, codes) -> str:
        """Codes (a tensor or a sequence of ints) back to text."""
        codes = torch.as_tensor(codes).reshape(-1).tolist()
        n = len(self.vocab)
        bad = [k for k in codes if not 0 <= k < n]
        if bad:
            raise ValueError(f"codes: {bad[0]} is outside the vocabulary's 0..{n - 1}")
        return "".join(self.vocab[k] for k in codes)

    def split(self, val_fraction: float = 0.1) -> tuple[TextDataset, TextDataset]:
        """``(train, validation)``: the text's first and last parts, on the same vocabulary
        (held-out text is the end, as char-rnn does, not a random sample of characters)."""
        val_fraction = check_fraction(val_fraction, "val_fraction")
        cut = len(self.text) - max(1, round(len(self.text) * val_fraction))
        if cut < 1:
            raise ValueError(f"val_fraction: {val_fraction} leaves no training text")
        return (
            TextDataset(self.text[:cut], self.vocab, f"{self.name} (train)"),
            TextDataset(self.text[cut:], self.vocab, f"{self.name} (validation)"),
        )

    def __len__(self) -> int:
        return len(self.text)

    def __repr__(self) -> str:
        return f"TextDataset({self.name!r}, chars={len(self.text):,}, vocab={self.vocab_size})"


@functools.cache
def _stdlib_files() -> tuple[Path, ...]:
    # walking the whole standard library takes about a second: once per process
    root = Path(sysconfig.get_paths()["stdlib"])
    return tuple(
        sorted(
            (p for p in root.rglob("*.py") if "site-packages" not in p.relative_to(root).parts),
            key=lambda p: p.relative_to(root).as_posix(),
        )
    )


def python_source(max_chars: int | None = 1_000_000) -> TextDataset:
    """The standard library's ``.py`` files, in path order, joined by newlines, up to
    ``max_chars`` characters (``None``: all of them, tens of millions).

    The same Python version gives the same text on every machine.
    """
    if max_chars is not None:
        max_chars = check_positive_int(max_chars, "max_chars")
    parts, total = [], 0
    for path in _stdlib_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # a few test files are deliberately not UTF-8
        parts.append(text)
        total += len(text) + 1
        if max_chars is not None and total >= max_chars:
            break
    if not parts:
        raise FileNotFoundError(
            f"python_source: no .py files under {sysconfig.get_paths()['stdlib']}"
        )
    joined = "\n".join(parts)
    return TextDataset(joined if max_chars is None else joined[:max_chars], name="python source")


def tiny_shakespeare(*, download: bool = True, progress: bool = True) -> TextDataset:
    """Karpathy's tiny Shakespeare (1,115,394 characters, 65 distinct), from the cache,
    else downloaded once with its SHA-256 checked."""
    check_bool(download, "download")
    check_bool(progress, "progress")
    (file,) = TINY_SHAKESPEARE.files["all"]
    path = locate(TINY_SHAKESPEARE, file, allow_download=download, progress=progress)
    return TextDataset(path.read_text(encoding="utf-8"), name="tiny shakespeare")
