"""A record over training steps that keeps bounded memory by thinning its older part.

TensorBoard keeps a bounded reservoir per tag (1,000 scalars, 500 histograms by default),
sampled at random. A :class:`ThinnedSeries` keeps at most ``keep`` entries
deterministically instead: the latest ``keep // 2`` entries all, and of the older ones
every ``stride``-th (counting appends from the first, which always stays), the stride
doubling whenever the older part would pass ``keep // 2``. Recent steps stay dense and
older ones evenly spaced.

>>> s = ThinnedSeries(keep=8)
>>> for step in range(1, 21):
...     s.append(step, step * 10)
>>> s.steps
[1, 5, 9, 13, 17, 18, 19, 20]
>>> s.at_or_before(14)
(13, 130)
"""

from __future__ import annotations

import bisect
from collections import deque
from typing import Any

from .._checks import check_positive_int

__all__ = ["ThinnedSeries"]


class ThinnedSeries:
    """Values by increasing step, at most ``keep`` of them (``keep`` ≥ 4).

    >>> s = ThinnedSeries(keep=4)
    >>> for step in range(10):
    ...     s.append(step, None)
    >>> s.steps, s.stride
    ([0, 4, 8, 9], 4)
    """

    def __init__(self, keep: int):
        self.keep = check_positive_int(keep, "keep", minimum=4)
        self.stride = 1
        self._old: list[tuple[int, int, Any]] = []  # (append number, step, value)
        self._recent: deque[tuple[int, int, Any]] = deque()
        self._appended = 0

    def __len__(self) -> int:
        return len(self._old) + len(self._recent)

    @property
    def steps(self) -> list[int]:
        """The kept steps, increasing."""
        return [s for _, s, _ in [*self._old, *self._recent]]

    @property
    def values(self) -> list[Any]:
        """The value kept at each of :attr:`steps`."""
        return [v for _, _, v in [*self._old, *self._recent]]

    def append(self, step: int, value) -> None:
        """Add ``value`` at ``step`` (later than the last; the same step replaces it)."""
        last = self._recent[-1] if self._recent else None
        if last is not None and step <= last[1]:
            if step == last[1]:
                self._recent[-1] = (last[0], step, value)
                return
            raise ValueError(f"step {step}: steps must increase (last was {last[1]})")
        self._recent.append((self._appended, step, value))
        self._appended += 1
        if len(self._recent) > self.keep // 2:
            n, s, v = self._recent.popleft()
            if n % self.stride == 0:
                self._old.append((n, s, v))
            if len(self._old) > self.keep - self.keep // 2:
                self.stride *= 2
                self._old = [e for e in self._old if e[0] % self.stride == 0]

    def at_or_before(self, step: int) -> tuple[int, Any] | None:
        """The kept ``(step, value)`` nearest to ``step`` from below, or None."""
        steps = self.steps
        i = bisect.bisect_right(steps, step) - 1
        return (steps[i], self.values[i]) if i >= 0 else None
