"""Clocks: the engine never reads the wall clock itself; a clock is injected.

Times are POSIX seconds (float, UTC) inside; RFC 3339 on the wire (see :mod:`skyaccord.timefmt`).
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Current time in POSIX seconds (UTC)."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to: replays, tests and benchmarks."""

    def __init__(self, start: float = 0.0) -> None:
        self._t = float(start)

    def now(self) -> float:
        return self._t

    def set(self, t: float) -> None:
        self._t = float(t)

    def advance(self, seconds: float) -> float:
        self._t += float(seconds)
        return self._t
