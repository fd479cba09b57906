"""Tactical detection: pure functions over arrays of track states, plus stable alerts.

One cycle, as the engine runs it (every function is pure; only the tracker keeps state)::

    states = TrackStates.from_arrays(...)                 # states at the cycle time
    conflicts = detect_conflicts(states, SeparationMinima(...))
    warnings = detect_area_proximity(states, protected_index, lookahead_s=300.0)
    outside = detect_nonconformance(states, intent_index, now_s, h_tol_m=..., v_tol_m=...)
    events = tracker.update(
        conflict_conditions(conflicts, states)
        + area_conditions(warnings, states, protected_index)
        + nonconformance_conditions(outside, states, intent_index),
        now_s,
    )

``AreaIndex`` is built once per set of areas (protected airspace, intents) and reused.
"""

from skyaccord.detect.alerts import (
    AlertEvent,
    AlertTracker,
    Condition,
    area_conditions,
    conflict_conditions,
    nonconformance_conditions,
)
from skyaccord.detect.areas import Area, AreaIndex
from skyaccord.detect.conformance import Nonconformance, detect_nonconformance
from skyaccord.detect.proximity import (
    AreaWarnings,
    detect_area_proximity,
    detect_area_proximity_brute_force,
)
from skyaccord.detect.separation import (
    DEFAULT_HMIN_M,
    DEFAULT_LOOKAHEAD_S,
    DEFAULT_VMIN_M,
    Conflicts,
    SeparationMinima,
    detect_conflicts,
    detect_conflicts_brute_force,
)
from skyaccord.detect.states import TrackStates

__all__ = [
    "DEFAULT_HMIN_M",
    "DEFAULT_LOOKAHEAD_S",
    "DEFAULT_VMIN_M",
    "AlertEvent",
    "AlertTracker",
    "Area",
    "AreaIndex",
    "AreaWarnings",
    "Condition",
    "Conflicts",
    "Nonconformance",
    "SeparationMinima",
    "TrackStates",
    "area_conditions",
    "conflict_conditions",
    "detect_area_proximity",
    "detect_area_proximity_brute_force",
    "detect_conflicts",
    "detect_conflicts_brute_force",
    "detect_nonconformance",
    "nonconformance_conditions",
]
