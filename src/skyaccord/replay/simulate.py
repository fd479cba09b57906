"""The whole server on a simulated clock: engine, hotline, filings, acknowledgements.

A replay (``skyaccord replay``) and the demo (``skyaccord demo``) both run a :class:`Playback`:
recorded or scripted track updates and scheduled filings, released as the clock passes their
times, into the same :class:`~skyaccord.live.LiveRuntime` the live server uses.  The replay
drives it on a :class:`~skyaccord.clock.ManualClock` cycle by cycle (deterministic); the demo
on a clock that runs at ``speed`` × real time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skyaccord.clock import Clock, ManualClock
from skyaccord.errors import SkyaccordError
from skyaccord.replay.runner import cycle_times
from skyaccord.services.auth import Principal, Role
from skyaccord.services.intents import FilingResult
from skyaccord.timefmt import parse_time
from skyaccord.tracks.updates import TrackUpdates


class Playback:
    """Updates and filings released in time order as :meth:`advance` moves the clock."""

    def __init__(self, updates: TrackUpdates, filings: Sequence[Any] = ()) -> None:
        self.updates = updates.sorted_by_time()
        self.filings = sorted(filings, key=lambda f: f.at)
        self._next_update = 0
        self._next_filing = 0

    @property
    def span(self) -> tuple[float, float] | None:
        times = [f.at for f in self.filings]
        if len(self.updates):
            times += [float(self.updates.time_s[0]), float(self.updates.time_s[-1])]
        return (min(times), max(times)) if times else None

    def advance(self, t: float) -> tuple[TrackUpdates | None, list[Any]]:
        """Everything due at or before ``t`` that was not released yet."""
        hi = int(np.searchsorted(self.updates.time_s, t, side="right"))
        batch = None
        if hi > self._next_update:
            batch = self.updates.take(slice(self._next_update, hi))
            self._next_update = hi
        due = []
        while self._next_filing < len(self.filings) and self.filings[self._next_filing].at <= t:
            due.append(self.filings[self._next_filing])
            self._next_filing += 1
        return batch, due

    @property
    def done(self) -> bool:
        return self._next_update >= len(self.updates) and self._next_filing >= len(self.filings)


@dataclass
class SimulationResult:
    events: list[dict[str, Any]] = field(default_factory=list)
    filed: list[FilingResult] = field(default_factory=list)
    rejected_filings: list[dict[str, Any]] = field(default_factory=list)
    cycles: int = 0


def auto_acks(services: Any, delays: dict[str, float], now: float) -> int:
    """Duty officers who acknowledge every item ``delays[party]`` seconds after it appears.

    Items whose alert has cleared meanwhile are acknowledged too, as a duty officer would.
    """
    done = 0
    for party, delay in delays.items():
        who = Principal(party, Role.DUTY_OFFICER, f"simulated-{party}")
        for item in services.hotline.items(party, None, limit=1000, unacked=True):
            if parse_time(item["created_at"]) + delay <= now:
                services.hotline.ack(who, item["id"])
                done += 1
    return done


def file_due(
    services: Any,
    filings: Sequence[Any],
    file: Callable[[Any, Any], FilingResult],
    result: SimulationResult,
) -> None:
    for f in filings:
        try:
            result.filed.append(file(services.intents, f))
        except SkyaccordError as e:
            result.rejected_filings.append({"party": f.party, "at": f.at, **e.to_dict()})


def simulate(
    services: Any,
    playback: Playback,
    file: Callable[[Any, Any], FilingResult],
    *,
    step_s: float = 1.0,
    start: float | None = None,
    end: float | None = None,
    ack_delays: dict[str, float] | None = None,
    on_cycle: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Runs ``playback`` through ``services.runtime`` on ``services.clock`` (a ManualClock)."""
    clock: ManualClock = services.clock
    span = playback.span
    if span is None:
        return SimulationResult()
    t0 = math.floor((span[0] if start is None else start) / step_s) * step_s
    t1 = span[1] if end is None else end
    times = cycle_times(TrackUpdates.empty(), step_s, t0, t1)
    result = SimulationResult()
    for k, t in enumerate(times):
        clock.set(float(t))
        batch, due = playback.advance(float(t))
        file_due(services, due, file, result)
        if batch is not None and len(batch):
            services.runtime.ingest(batch)
        step = services.runtime.cycle(float(t))
        result.events.extend(step.events)
        if ack_delays:
            auto_acks(services, ack_delays, float(t))
        result.cycles += 1
        if on_cycle is not None:
            on_cycle(k + 1, len(times))
    return result


class ScaledClock:
    """Scenario time running at ``speed`` × real time from ``epoch`` (POSIX s)."""

    def __init__(self, epoch: float, speed: float = 1.0) -> None:
        self.epoch = epoch
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        return self.epoch + (time.monotonic() - self._t0) * self.speed

    def restart(self, epoch: float) -> None:
        """Scenario time ``epoch`` is now."""
        self.epoch = epoch
        self._t0 = time.monotonic()


class LivePlayer:
    """Releases a playback into a running server as its clock passes (the demo's feeder)."""

    def __init__(
        self,
        services: Any,
        playback: Playback,
        file: Callable[[Any, Any], FilingResult],
        clock: Clock,
        tick_s: float = 0.2,
    ) -> None:
        self.services = services
        self.playback = playback
        self.file = file
        self.clock = clock
        self.tick_s = tick_s
        self.result = SimulationResult()
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skyaccord-player", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set() and not self.playback.done:
            batch, due = self.playback.advance(self.clock.now())
            file_due(self.services, due, self.file, self.result)
            if batch is not None and len(batch):
                self.services.runtime.ingest(batch)
            self._stop.wait(self.tick_s)
        self.finished.set()
