"""Stable alerts: one id per persisting condition, updates as it evolves, clearing with hysteresis.

Detectors are stateless: each cycle they report the *conditions* that hold (a pair in conflict, a
track in or heading into an area, a track outside its intents).  :class:`AlertTracker` turns that
stream into alert events without flicker:

* a condition is identified by ``(kind, key)`` — e.g. ``("conflict", (id_a, id_b))`` with the
  track ids sorted — and keeps one alert id while it persists, whatever its figures do;
* a new condition **raises** an alert; a persisting one whose phase or figures changed is
  **updated**; a condition absent for ``clear_after_cycles`` consecutive cycles is **cleared**
  (a condition that comes back before that continues the same alert);
* alert ids are deterministic: ``kind:key:n`` where ``n`` counts earlier alerts of the same
  condition, so a replay of the same inputs yields the same ids;
* ``since`` is when the alert was raised and ``phase_since`` when its current phase began (e.g.
  how long a track has been *inside* protected airspace).

Examples
--------
>>> t = AlertTracker(clear_after_cycles=2)
>>> [e.type for e in t.update([Condition("conflict", (1, 2), "predicted")], now=0.0)]
['raised']
>>> [e.type for e in t.update([], now=1.0)]  # absent once: kept
[]
>>> [(e.type, e.alert_id) for e in t.update([Condition("conflict", (1, 2), "los")], now=2.0)]
[('updated', 'conflict:1-2:0')]
>>> [e.type for e in t.update([], now=3.0)] + [e.type for e in t.update([], now=4.0)]
['cleared']
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from skyaccord.detect.areas import AreaIndex
from skyaccord.detect.conformance import Nonconformance
from skyaccord.detect.proximity import AreaWarnings
from skyaccord.detect.separation import Conflicts
from skyaccord.detect.states import TrackStates
from skyaccord.errors import ValidationError

__all__ = [
    "AlertEvent",
    "AlertTracker",
    "Condition",
    "area_conditions",
    "conflict_conditions",
    "nonconformance_conditions",
]

EventType = Literal["raised", "updated", "cleared"]


@dataclass(frozen=True)
class Condition:
    """A condition that holds this cycle: its identity ``(kind, key)``, a phase and its figures."""

    kind: str
    key: tuple[Hashable, ...]
    phase: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertEvent:
    """What happened to an alert this cycle; ``condition`` is the latest one seen."""

    type: EventType
    alert_id: str
    condition: Condition
    since: float
    phase_since: float
    now: float


@dataclass
class _Alert:
    alert_id: str
    condition: Condition
    since: float
    phase_since: float
    missing: int = 0


class AlertTracker:
    """Turns per-cycle conditions into raised/updated/cleared alert events (see module doc).

    ``clear_after_cycles`` is the number of consecutive cycles a condition must be absent before
    its alert clears (≥ 1; 1 clears at the first absence).
    """

    def __init__(self, clear_after_cycles: int = 3) -> None:
        if clear_after_cycles < 1:
            raise ValidationError("clear_after_cycles", "must be at least 1")
        self.clear_after_cycles = clear_after_cycles
        self._open: dict[tuple[str, tuple[Hashable, ...]], _Alert] = {}
        self._count: dict[tuple[str, tuple[Hashable, ...]], int] = {}

    @property
    def open_alerts(self) -> list[AlertEvent]:
        """The alerts currently open (as events of type ``updated``), sorted by id."""
        return [
            AlertEvent("updated", a.alert_id, a.condition, a.since, a.phase_since, a.since)
            for a in sorted(self._open.values(), key=lambda a: a.alert_id)
        ]

    def update(self, conditions: Iterable[Condition], now: float) -> list[AlertEvent]:
        """Feed the conditions of one cycle at time ``now`` (s); returns events sorted by id.

        Raises ``ValidationError`` if two conditions of one cycle share ``(kind, key)``.
        """
        seen: set[tuple[str, tuple[Hashable, ...]]] = set()
        events: list[AlertEvent] = []
        for c in conditions:
            ident = (c.kind, c.key)
            if ident in seen:
                raise ValidationError("conditions", f"duplicate condition {c.kind} {c.key}")
            seen.add(ident)
            a = self._open.get(ident)
            if a is None:
                n = self._count.get(ident, 0)
                self._count[ident] = n + 1
                key = "-".join(str(k) for k in c.key)
                a = _Alert(f"{c.kind}:{key}:{n}", c, now, now)
                self._open[ident] = a
                events.append(AlertEvent("raised", a.alert_id, c, now, now, now))
                continue
            a.missing = 0
            if c.phase != a.condition.phase:
                a.phase_since = now
            if c != a.condition:
                a.condition = c
                events.append(AlertEvent("updated", a.alert_id, c, a.since, a.phase_since, now))
        for ident in [i for i in self._open if i not in seen]:
            a = self._open[ident]
            a.missing += 1
            if a.missing >= self.clear_after_cycles:
                del self._open[ident]
                events.append(
                    AlertEvent("cleared", a.alert_id, a.condition, a.since, a.phase_since, now)
                )
        events.sort(key=lambda e: e.alert_id)
        return events


def _f(x: Any) -> float:
    return float(x)


def conflict_conditions(conflicts: Conflicts, states: TrackStates) -> list[Condition]:
    """One ``conflict`` condition per pair, keyed by the sorted track ids; phase ``los`` or
    ``predicted``; figures in SI units."""
    out = []
    ids = states.ids
    for k in range(len(conflicts)):
        a, b = int(ids[conflicts.i[k]]), int(ids[conflicts.j[k]])
        key = (a, b) if a <= b else (b, a)
        los = bool(conflicts.t_los_s[k] <= 0.0)
        out.append(
            Condition(
                "conflict",
                key,
                "los" if los else "predicted",
                {
                    "t_los_s": _f(conflicts.t_los_s[k]),
                    "tcpa_s": _f(conflicts.tcpa_s[k]),
                    "dcpa_m": _f(conflicts.dcpa_m[k]),
                    "dz_cpa_m": _f(conflicts.dz_cpa_m[k]),
                    "dist_m": _f(conflicts.dist_m[k]),
                    "dz_m": _f(conflicts.dz_m[k]),
                },
            )
        )
    return out


def area_conditions(
    warnings: AreaWarnings, states: TrackStates, index: AreaIndex
) -> list[Condition]:
    """One ``airspace`` condition per (track id, area id); phase ``inside`` or ``predicted``."""
    out = []
    for k in range(len(warnings)):
        inside = bool(warnings.inside[k])
        data = {
            "t_entry_s": _f(warnings.t_entry_s[k]),
            "entry_lat_deg": _f(warnings.entry_lat_deg[k]),
            "entry_lon_deg": _f(warnings.entry_lon_deg[k]),
            "entry_alt_m": _f(warnings.entry_alt_m[k]),
            "t_exit_s": _f(warnings.t_exit_s[k]),
        }
        if inside:
            data["depth_m"] = _f(warnings.depth_m[k])
            data["vdepth_m"] = _f(warnings.vdepth_m[k])
        key = (int(states.ids[warnings.row[k]]), index.ids[int(warnings.area[k])])
        out.append(Condition("airspace", key, "inside" if inside else "predicted", data))
    return out


def nonconformance_conditions(
    nc: Nonconformance, states: TrackStates, index: AreaIndex
) -> list[Condition]:
    """One ``nonconformance`` condition per track id."""
    out = []
    for k in range(len(nc)):
        near = int(nc.nearest_area[k])
        data: dict[str, Any] = {
            "nearest_intent": index.ids[near] if near >= 0 else None,
            "h_out_m": None if np.isnan(nc.h_out_m[k]) else _f(nc.h_out_m[k]),
            "v_out_m": None if np.isnan(nc.v_out_m[k]) else _f(nc.v_out_m[k]),
        }
        out.append(Condition("nonconformance", (int(states.ids[nc.row[k]]),), "outside", data))
    return out
