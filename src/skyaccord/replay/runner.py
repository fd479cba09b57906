"""Driving the engine over recorded updates on simulated time.

Cycles run every ``step_s`` seconds from the first record to the last; before each cycle at
time *t* the engine receives every record with a time at or before *t* (so each track takes its
latest record at or before the cycle).  Deterministic: the same inputs give the same events.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from skyaccord.engine import Engine, StepResult
from skyaccord.tracks.updates import TrackUpdates


def cycle_times(
    updates: TrackUpdates, step_s: float, start: float | None = None, end: float | None = None
) -> np.ndarray:
    """Cycle times (POSIX s): ``start`` (default: first record, rounded down to ``step_s``)
    to ``end`` (default: last record) every ``step_s``."""
    if len(updates) == 0 and (start is None or end is None):
        return np.zeros(0)
    t0 = math.floor(float(np.min(updates.time_s)) / step_s) * step_s if start is None else start
    t1 = float(np.max(updates.time_s)) if end is None else end
    n = math.floor((t1 - t0) / step_s + 1e-9) + 1
    return t0 + step_s * np.arange(max(n, 0))


def run(
    engine: Engine,
    updates: TrackUpdates,
    step_s: float = 1.0,
    *,
    start: float | None = None,
    end: float | None = None,
    on_cycle: Callable[[int, int], None] | None = None,
) -> Iterator[StepResult]:
    """Yields the result of every cycle; ``on_cycle(done, total)`` reports progress."""
    ordered = updates.sorted_by_time()
    times = cycle_times(ordered, step_s, start, end)
    cut = np.searchsorted(ordered.time_s, times, side="right")
    prev = 0
    for k, (t, hi) in enumerate(zip(times, cut, strict=True)):
        if hi > prev:
            engine.ingest(ordered.take(slice(prev, int(hi))))
            prev = int(hi)
        yield engine.step(float(t))
        if on_cycle is not None:
            on_cycle(k + 1, len(times))
