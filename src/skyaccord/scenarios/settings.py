"""A scenario's track-sharing policy and hotline settings (``sharing:`` and ``hotline:``).

Both sections are optional; the format is described in :mod:`skyaccord.scenarios.loader`.
They are checked whole here and handed, as plain values, to whoever runs the scenario (the
engine decides what a duty officer sees; the hotline delivers and escalates).

Examples
--------
>>> from skyaccord.scenarios.loader import Scenario
>>> sc = Scenario("s", None, {
...     "parties": [{"id": "israel"}, {"id": "russia"}, {"id": "syria"}],
...     "sharing": {"default": "none", "near": "20 NM",
...                 "pairs": [{"between": ["israel", "russia"], "policy": "near"},
...                           {"from": "russia", "to": "syria", "policy": "all"}]},
...     "hotline": {"deadlines": {"warning": "2min"}, "links": [["israel", "russia"]]}})
>>> s = sharing_policy(sc)
>>> s.policy("israel", "russia"), s.near_m("israel", "russia"), s.policy("syria", "russia")
('near', 37040.0, 'none')
>>> h = hotline_settings(sc)
>>> h.deadline_s, sorted(sorted(pair) for pair in h.links)
({'warning': 120.0}, [['israel', 'russia']])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from skyaccord.errors import ValidationError
from skyaccord.scenarios._fields import duration_s, length_m, no_unknown
from skyaccord.scenarios.loader import Scenario
from skyaccord.units import NAUTICAL_MILE_M

__all__ = [
    "POLICIES",
    "ROLES",
    "SEVERITIES",
    "HotlineSettings",
    "SharingPolicy",
    "hotline_settings",
    "party_pair",
    "sharing_policy",
]

POLICIES: Final = ("all", "near", "none")
"""Track-sharing policies: every track, only tracks near the receiver, none."""
SEVERITIES: Final = ("info", "caution", "warning", "urgent", "emergency")
"""Hotline severities, least urgent first (:class:`skyaccord.hotline.model.Severity`)."""
ROLES: Final = ("admin", "planner", "duty_officer", "observer")
"""Party roles an escalation level may address (:class:`skyaccord.services.auth.Role`)."""
DEFAULT_NEAR_M: Final = 50.0 * NAUTICAL_MILE_M


@dataclass(frozen=True)
class SharingPolicy:
    """Whose tracks each party sees.  ``pairs[(a, b)]`` is how ``a``'s tracks are shown to
    ``b``: a policy and, for ``near``, the distance (m) from ``b``'s own aircraft or protected
    airspace within which they are shown."""

    default: str = "all"
    default_near_m: float = DEFAULT_NEAR_M
    pairs: Mapping[tuple[str, str], tuple[str, float]] = field(default_factory=dict)

    def policy(self, owner: str, viewer: str) -> str:
        """How ``owner``'s tracks are shown to ``viewer``: ``all``, ``near`` or ``none``
        (a party always sees its own)."""
        if owner == viewer:
            return "all"
        return self.pairs.get((owner, viewer), (self.default, self.default_near_m))[0]

    def near_m(self, owner: str, viewer: str) -> float:
        """The ``near`` distance (m) for this pair."""
        return self.pairs.get((owner, viewer), (self.default, self.default_near_m))[1]


@dataclass(frozen=True)
class HotlineSettings:
    """Scenario overrides of the hotline policy.

    ``deadline_s``: acknowledgement deadline (s) per severity name (others keep the hotline's
    defaults); ``escalation``: roles addressed at each level (None: the hotline's default);
    ``links``: the pairs of parties the line connects (None: every pair).
    """

    deadline_s: Mapping[str, float] = field(default_factory=dict)
    escalation: tuple[tuple[str, ...], ...] | None = None
    links: frozenset[frozenset[str]] | None = None


def sharing_policy(scenario: Scenario) -> SharingPolicy:
    """The scenario's ``sharing`` section, checked (default: every track shared with all)."""
    raw = scenario.data.get("sharing")
    if raw is None:
        return SharingPolicy()
    if not isinstance(raw, dict):
        raise ValidationError("sharing", "expected a mapping with default, near and pairs")
    no_unknown(raw, {"default", "near", "pairs"}, "sharing")
    parties = _parties(scenario)
    default = _policy(raw.get("default", "all"), "sharing.default")
    near = _distance(raw["near"], "sharing.near") if "near" in raw else DEFAULT_NEAR_M
    pairs: dict[tuple[str, str], tuple[str, float]] = {}
    entries = raw.get("pairs") or []
    if not isinstance(entries, list):
        raise ValidationError("sharing.pairs", "expected a list")
    for i, entry in enumerate(entries):
        fld = f"sharing.pairs[{i}]"
        if not isinstance(entry, dict):
            raise ValidationError(fld, "expected {from, to, policy} or {between: [a, b], policy}")
        no_unknown(entry, {"from", "to", "between", "policy", "near"}, fld)
        if "between" in entry:
            if "from" in entry or "to" in entry:
                raise ValidationError(f"{fld}.between", "give 'between' or 'from'/'to', not both")
            a, b = party_pair(entry["between"], f"{fld}.between", parties)
            directed = [(a, b), (b, a)]
        else:
            a = _party(entry.get("from"), f"{fld}.from", parties)
            b = _party(entry.get("to"), f"{fld}.to", parties)
            if a == b:
                raise ValidationError(f"{fld}.to", "a party always sees its own tracks")
            directed = [(a, b)]
        policy = _policy(entry.get("policy"), f"{fld}.policy")
        dist = _distance(entry["near"], f"{fld}.near") if "near" in entry else near
        for key in directed:
            if key in pairs:
                raise ValidationError(fld, f"the pair {key[0]} → {key[1]} is given twice")
            pairs[key] = (policy, dist)
    return SharingPolicy(default, near, pairs)


def hotline_settings(scenario: Scenario) -> HotlineSettings:
    """The scenario's ``hotline`` section, checked (default: the hotline's own policy)."""
    raw = scenario.data.get("hotline")
    if raw is None:
        return HotlineSettings()
    if not isinstance(raw, dict):
        raise ValidationError("hotline", "expected a mapping with deadlines, escalation, links")
    no_unknown(raw, {"deadlines", "escalation", "links"}, "hotline")
    deadlines: dict[str, float] = {}
    raw_deadlines = raw.get("deadlines") or {}
    if not isinstance(raw_deadlines, dict):
        raise ValidationError("hotline.deadlines", "expected a mapping severity → duration")
    for name, value in raw_deadlines.items():
        fld = f"hotline.deadlines.{name}"
        if name not in SEVERITIES:
            raise ValidationError(fld, f"unknown severity; valid: {', '.join(SEVERITIES)}")
        seconds = duration_s(value, fld)
        if not seconds > 0:
            raise ValidationError(fld, "must be positive")
        deadlines[str(name)] = seconds
    escalation = None
    if "escalation" in raw:
        levels = raw["escalation"]
        if not isinstance(levels, list) or not levels:
            raise ValidationError("hotline.escalation", "expected a list of lists of roles")
        parsed = []
        for i, level in enumerate(levels):
            fld = f"hotline.escalation[{i}]"
            if not isinstance(level, list) or not level:
                raise ValidationError(fld, "expected a non-empty list of roles")
            for role in level:
                if role not in ROLES:
                    raise ValidationError(fld, f"unknown role {role!r}; valid: {', '.join(ROLES)}")
            parsed.append(tuple(str(r) for r in level))
        escalation = tuple(parsed)
    links = None
    if "links" in raw:
        items = raw["links"]
        if not isinstance(items, list):
            raise ValidationError("hotline.links", "expected a list of [party, party]")
        parties = _parties(scenario)
        links = frozenset(
            frozenset(party_pair(p, f"hotline.links[{i}]", parties)) for i, p in enumerate(items)
        )
    return HotlineSettings(deadlines, escalation, links)


def _parties(scenario: Scenario) -> set[str]:
    return {str(p["id"]) for p in scenario.data.get("parties", []) if isinstance(p, dict)}


def _party(value: object, fld: str, parties: set[str]) -> str:
    if not isinstance(value, str) or value not in parties:
        raise ValidationError(
            fld, f"{value!r} is not one of the parties ({', '.join(sorted(parties)) or 'none'})"
        )
    return value


def party_pair(value: object, fld: str, parties: set[str]) -> tuple[str, str]:
    """``[a, b]``: two different parties among ``parties`` (hotline links, sharing pairs)."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValidationError(fld, "expected two parties [a, b]")
    a, b = _party(value[0], f"{fld}[0]", parties), _party(value[1], f"{fld}[1]", parties)
    if a == b:
        raise ValidationError(fld, "expected two different parties")
    return a, b


def _policy(value: object, fld: str) -> str:
    if value not in POLICIES:
        raise ValidationError(fld, f"unknown policy {value!r}; valid: {', '.join(POLICIES)}")
    return str(value)


def _distance(value: object, fld: str) -> float:
    metres = length_m(value, fld)
    if not metres > 0:
        raise ValidationError(fld, f"expected a positive distance such as '50 NM', got {value!r}")
    return metres
