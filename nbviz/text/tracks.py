"""Hypothesis tracks: what a cell might be tracking, computed from the text itself.

Karpathy, Johnson and Fei-Fei (2015) found LSTM cells that turn on inside quotes, count
the position in a line, or follow the depth of nested brackets. A *track* is such a
hypothesis as a number per character; :func:`~nbviz.text.track_correlations` then finds
the cells that follow it.

Source code (:data:`PYTHON_TRACKS`): ``in_string`` (1 inside a string literal, its
quotes included), ``in_comment``, ``bracket_depth`` (open ``( [ {`` outside strings and
comments), ``in_brackets``, ``line_position`` (characters since the line began),
``indentation`` (the line's leading spaces). Prose (:data:`PROSE_TRACKS`):
``speaker_line`` (1 on a line that names a speaker, ``"ROMEO:"``), ``line_position``.

>>> t = tracks('x = f("a(b", 1)  # c\\n', ["in_string", "bracket_depth", "in_comment"])
>>> "".join(str(int(v)) for v in t["in_string"])
'000000111110000000000'
>>> "".join(str(int(v)) for v in t["bracket_depth"])
'000001111111111000000'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._checks import unknown_name_error

__all__ = ["PROSE_TRACKS", "PYTHON_TRACKS", "TRACKS", "python_tracks", "tracks"]


def python_tracks(text: str) -> dict[str, np.ndarray]:
    """Every source-code track of ``text`` (one float32 value per character), from one
    pass of a small lexer: strings (single, double, triple quotes, backslash escapes;
    a single-quoted string ends at the end of its line), comments, brackets, lines. A
    bracket counts as inside the pair it opens or closes."""
    n = len(text)
    in_string = np.zeros(n, np.float32)
    in_comment = np.zeros(n, np.float32)
    depth = np.zeros(n, np.float32)
    quote = ""  # the open string's delimiter: one or three quote characters
    comment = escaped = False
    level = 0
    i = 0
    while i < n:
        ch = text[i]
        depth[i] = level
        if quote:
            in_string[i] = 1
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif text.startswith(quote, i):
                in_string[i : i + len(quote)] = 1
                depth[i : i + len(quote)] = level
                i += len(quote)
                quote = ""
                continue
            elif ch == "\n" and len(quote) == 1:
                quote = ""  # an unterminated single-line string ends with its line
        elif comment:
            in_comment[i] = ch != "\n"
            comment = ch != "\n"
        elif ch == "#":
            comment = True
            in_comment[i] = 1
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            in_string[i : i + len(quote)] = 1
            depth[i : i + len(quote)] = level
            i += len(quote)
            continue
        elif ch in "([{":
            level += 1
            depth[i] = level
        elif ch in ")]}":
            level = max(0, level - 1)
        i += 1
    line_pos, indent = _line_position(text), _indentation(text)
    return {
        "in_string": in_string,
        "in_comment": in_comment,
        "bracket_depth": depth,
        "in_brackets": (depth > 0).astype(np.float32),
        "line_position": line_pos,
        "indentation": indent,
    }


def _indentation(text: str) -> np.ndarray:
    """Each character's line's leading spaces (tabs count as one)."""
    out = np.zeros(len(text), np.float32)
    start = 0
    for line in text.split("\n"):
        out[start : start + len(line) + 1] = len(line) - len(line.lstrip(" \t"))
        start += len(line) + 1
    return out[: len(text)]


def _line_position(text: str) -> np.ndarray:
    out = np.zeros(len(text), np.float32)
    col = 0
    for i, ch in enumerate(text):
        out[i] = col
        col = 0 if ch == "\n" else col + 1
    return out


def _speaker_line(text: str) -> np.ndarray:
    """1 on each character of a line that is a speaker's name: a short line of capitals
    ending in a colon (``"ROMEO:"``, ``"First Citizen:"`` too: words with capitals)."""
    out = np.zeros(len(text), np.float32)
    start = 0
    for line in text.split("\n"):
        body = line.strip()
        words = body[:-1].split()
        if body.endswith(":") and 0 < len(words) <= 4 and all(w[:1].isupper() for w in words):
            out[start : start + len(line)] = 1
        start += len(line) + 1
    return out


#: The source-code tracks, by name (each computed by :func:`python_tracks`).
PYTHON_TRACKS = (
    "in_string", "in_comment", "bracket_depth", "in_brackets", "line_position", "indentation",
)  # fmt: skip
#: The prose tracks, by name.
PROSE_TRACKS = ("speaker_line", "line_position")
#: Every track name → a function of the text giving one float32 per character.
TRACKS: dict[str, Callable[[str], np.ndarray]] = {
    **{name: (lambda text, name=name: python_tracks(text)[name]) for name in PYTHON_TRACKS},
    "line_position": _line_position,
    "speaker_line": _speaker_line,
}


def tracks(text: str, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The tracks ``names`` (default: the source-code ones) of ``text``.

    Raises:
        ValueError: an unknown track name (with the closest ones).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    names = list(PYTHON_TRACKS if names is None else names)
    for name in names:
        if name not in TRACKS:
            raise unknown_name_error("track", str(name), list(TRACKS), "names")
    lexed = python_tracks(text) if any(n in PYTHON_TRACKS for n in names) else {}
    return {name: lexed[name] if name in lexed else TRACKS[name](text) for name in names}
