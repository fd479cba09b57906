"""Hotline items and the pure rules that govern them: severity, deadlines and escalation."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Final


class Severity(IntEnum):
    INFO = 0
    CAUTION = 1
    WARNING = 2
    URGENT = 3
    EMERGENCY = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Severity:
        return Severity[text.upper()]


class ItemKind(StrEnum):
    ALERT = "alert"
    FILING = "filing"
    NOTICE_VIOLATION = "notice_violation"
    MESSAGE = "message"
    EMERGENCY = "emergency"


class ItemState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


ACK_ROLES: Final = frozenset({"duty_officer", "admin"})
"""Roles that may acknowledge an item on behalf of their party."""

DEADLINE_S: Final[dict[Severity, float]] = {
    Severity.INFO: 900.0,
    Severity.CAUTION: 300.0,
    Severity.WARNING: 120.0,
    Severity.URGENT: 60.0,
    Severity.EMERGENCY: 30.0,
}
"""Time (s) each addressed party has to acknowledge an item of a given severity."""

ESCALATION_ROLES: Final[tuple[tuple[str, ...], ...]] = (
    ("duty_officer",),
    ("duty_officer", "admin"),
    ("duty_officer", "admin", "planner", "observer"),
)
"""Roles addressed at each escalation level (the last level repeats)."""


@dataclass(frozen=True)
class Policy:
    """Deadlines per severity (s), roles per escalation level and the pairs of parties the line
    connects for free messages (None: every pair); configurable per deployment.  Alerts, filing
    notices and emergency messages reach every party concerned whatever the links."""

    deadline_s: dict[Severity, float] = field(default_factory=lambda: dict(DEADLINE_S))
    roles: tuple[tuple[str, ...], ...] = ESCALATION_ROLES
    links: frozenset[frozenset[str]] | None = None

    def linked(self, a: str, b: str) -> bool:
        """Whether ``a`` may send free messages to ``b``."""
        return a != b and (self.links is None or frozenset((a, b)) in self.links)

    def deadline(self, severity: Severity, now: float) -> float:
        return now + self.deadline_s[severity]

    def roles_at(self, level: int) -> tuple[str, ...]:
        return self.roles[min(level, len(self.roles) - 1)]

    def escalate(self, severity: Severity, level: int, now: float) -> tuple[Severity, int, float]:
        """An unacknowledged item past its deadline: one severity up (emergency stays), one
        level up, and a new deadline at the new severity."""
        new = severity if severity >= Severity.URGENT else Severity(severity + 1)
        return new, level + 1, self.deadline(new, now)


def alert_severity(alert: dict[str, Any]) -> Severity:
    """How urgent an engine alert is, from its kind and how soon the event comes."""
    kind = alert.get("kind")
    if kind == "separation":
        t = alert.get("time_to_loss_s")
        if t is not None and t <= 60.0:
            return Severity.URGENT
        return Severity.WARNING
    if kind == "infringement":
        if (alert.get("depth_m") or 0.0) > 0.0 or (alert.get("time_to_entry_s") or 1e9) <= 60.0:
            return Severity.URGENT
        return Severity.WARNING
    return Severity.CAUTION


def alert_title(alert: dict[str, Any]) -> str:
    kind = alert.get("kind")
    tracks = ", ".join(alert.get("tracks", []))
    if kind == "separation":
        t = alert.get("time_to_loss_s")
        when = "now" if not t else f"in {t:.0f} s"
        return f"Loss of separation {when}: {tracks}"
    if kind == "infringement":
        if (alert.get("depth_m") or 0.0) > 0.0:
            return f"Airspace infringement: {tracks} inside {alert.get('airspace_id')}"
        return (
            f"Predicted infringement of {alert.get('airspace_id')} in "
            f"{alert.get('time_to_entry_s', 0):.0f} s: {tracks}"
        )
    return f"Nonconformance: {tracks} outside declared volumes"
