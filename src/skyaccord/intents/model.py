"""Operational intents (ASTM F3548 ``OperationalIntent``): types and the state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from skyaccord.errors import InvalidTransition
from skyaccord.geo.volumes import Volume4D


class State(StrEnum):
    ACCEPTED = "Accepted"
    ACTIVATED = "Activated"
    NONCONFORMING = "Nonconforming"
    CONTINGENT = "Contingent"
    ENDED = "Ended"


ACTIVE_STATES: frozenset[State] = frozenset(
    {State.ACCEPTED, State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT}
)
KEYED_STATES: frozenset[State] = frozenset({State.ACCEPTED, State.ACTIVATED})
"""States whose filing must present every overlapping intent's current OVN (F3548 key rule);
off-nominal states are not held to it, so a party in trouble can always tell the others."""

_TRANSITIONS: dict[State | None, frozenset[State]] = {
    None: frozenset({State.ACCEPTED, State.ACTIVATED}),
    State.ACCEPTED: frozenset({State.ACCEPTED, State.ACTIVATED, State.ENDED}),
    State.ACTIVATED: frozenset(
        {State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT, State.ENDED}
    ),
    State.NONCONFORMING: frozenset(
        {State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT, State.ENDED}
    ),
    State.CONTINGENT: frozenset({State.CONTINGENT, State.ENDED}),
    State.ENDED: frozenset(),
}


def check_transition(current: State | None, new: State) -> None:
    """Raises :class:`InvalidTransition` unless ``current → new`` is allowed."""
    if new not in _TRANSITIONS[current]:
        allowed = ", ".join(sorted(_TRANSITIONS[current])) or "none (it has ended)"
        where = f"from {current.value}" if current else "for a new intent"
        raise InvalidTransition(
            f"state: {new.value} is not allowed {where}; allowed: {allowed}",
            field="state",
            current=current.value if current else None,
            requested=new.value,
        )


@dataclass(frozen=True)
class Intent:
    """One version of an operational intent as its owner sees it."""

    id: str
    owner: str
    state: State
    version: int
    ovn: str
    volumes: tuple[Volume4D, ...]
    created_at: float
    updated_at: float
    priority: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    ended_reason: str | None = None

    @property
    def t_start(self) -> float:
        return min(v.t_start for v in self.volumes)

    @property
    def t_end(self) -> float:
        return max(v.t_end for v in self.volumes)


@dataclass(frozen=True)
class IntentRef:
    """What another party may know of an intent: who, when, which version — not what or why."""

    id: str
    owner: str
    state: State
    version: int
    ovn: str
    t_start: float
    t_end: float


@dataclass(frozen=True)
class Filing:
    """A request to file (or modify) an intent, already parsed and validated."""

    volumes: tuple[Volume4D, ...]
    key: frozenset[str] = frozenset()
    state: State = State.ACCEPTED
    priority: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    signature: str | None = None  # Ed25519 (base64) over the canonical JSON of ``signed_body``
    key_id: str | None = None
    signed_body: dict[str, Any] | None = None


@dataclass(frozen=True)
class FilingRequest:
    """A filing as read from the wire or a file: the filing plus the id and version it names."""

    filing: Filing
    intent_id: str | None = None
    version: int | None = None
