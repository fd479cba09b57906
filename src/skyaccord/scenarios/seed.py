"""Putting a scenario's parties, airspace, notice rules and operations into a store."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from skyaccord.airspace.build import country_airspace
from skyaccord.clock import ManualClock
from skyaccord.errors import MissingKeys, ValidationError
from skyaccord.intents.model import Filing
from skyaccord.intents.wire import filing_from_json
from skyaccord.scenarios.loader import Scenario, offset, read_geojson, resolve_times
from skyaccord.scenarios.settings import hotline_settings, sharing_policy
from skyaccord.scenarios.traffic import parse_traffic
from skyaccord.services.airspace import AirspaceService
from skyaccord.services.auth import AuthService, Role
from skyaccord.services.intents import FilingResult, IntentService


@dataclass
class ScheduledFiling:
    """A scripted filing: ``party`` files ``filing`` at ``at`` (POSIX s)."""

    at: float
    party: str
    filing: dict[str, Any]
    auto_key: bool


@dataclass
class Seeded:
    tokens: dict[str, str] = field(default_factory=dict)  # party -> duty officer token
    filed: list[FilingResult] = field(default_factory=list)
    pending: list[ScheduledFiling] = field(default_factory=list)


def seed_static(
    scenario: Scenario, auth: AuthService, airspace: AirspaceService, base: float
) -> dict[str, str]:
    """Parties, notice rules and protected airspace; returns a duty-officer token per party.

    The ``traffic``, ``sharing`` and ``hotline`` sections are checked first, so that a scenario
    with a mistake in any section is rejected before anything is written.
    """
    check_sections(scenario)
    data = scenario.data
    tokens: dict[str, str] = {}
    for p in data.get("parties", []):
        auth.add_party(p["id"], p["name"], p.get("contact", ""))
        _, tokens[p["id"]] = auth.issue_token(p["id"], Role.ADMIN, "demo")
    for rule in data.get("notice", []):
        auth.set_notice(rule["from"], rule["to"], offset("+" + str(rule["minimum"]), "minimum"))
    for entry in data.get("airspace", []):
        if "country" in entry:
            extra = entry.get("properties") or {}
            if not isinstance(extra, dict):
                raise ValidationError("airspace.properties", "expected a mapping")
            item = country_airspace(
                entry["country"],
                entry["owner"],
                source=entry.get("source", "auto"),
                airspace_id=entry.get("id"),
                altitude_lower=entry.get("lower", "0 m"),
                altitude_upper=entry.get("upper", "FL660"),
                now=airspace.clock.now(),
            )
            airspace.add([replace(item, properties={**item.properties, **extra})])
        else:
            airspace.import_geojson(
                entry["owner"], resolve_times(read_geojson(entry, scenario), base)
            )
    return tokens


def check_sections(scenario: Scenario) -> None:
    """Parse the ``points``, ``traffic``, ``sharing`` and ``hotline`` sections (ValidationError
    naming the field if any is wrong)."""
    parse_traffic(scenario)
    sharing_policy(scenario)
    hotline_settings(scenario)


def scheduled_filings(scenario: Scenario, base: float) -> list[ScheduledFiling]:
    out = []
    for i, entry in enumerate(scenario.data.get("intents", [])):
        if not isinstance(entry, dict) or "party" not in entry or "filing" not in entry:
            raise ValidationError(f"intents[{i}]", "needs 'party' and 'filing'")
        filing = resolve_times(entry["filing"], base)
        auto = filing.get("key") == "auto"
        if auto:
            filing = {k: v for k, v in filing.items() if k != "key"}
        out.append(
            ScheduledFiling(base + offset(entry.get("at", "+0s")), entry["party"], filing, auto)
        )
    return sorted(out, key=lambda s: s.at)


def file_scheduled(intents: IntentService, s: ScheduledFiling) -> FilingResult:
    """Files one scripted filing; with ``key: auto`` it presents what the 409 lists, as a
    planner who has looked at the conflicts would."""
    req = filing_from_json(s.filing, intents.limits)
    try:
        return intents.file(s.party, req.filing, req.intent_id)
    except MissingKeys as e:
        if not s.auto_key:
            raise
        f = req.filing
        keyed = Filing(
            f.volumes, f.key | {m["ovn"] for m in e.missing}, f.state, f.priority, f.details
        )
        return intents.file(s.party, keyed, req.intent_id)


def seed(
    scenario: Scenario,
    auth: AuthService,
    airspace: AirspaceService,
    intents: IntentService,
    base: float,
    now: float,
    *,
    clock: ManualClock | None = None,
) -> Seeded:
    """Everything static, plus every filing scheduled at or before ``now``.

    Relative times count from ``base`` (POSIX s): the scenario's epoch to replay history, or
    the present for a live demo.  Without ``clock`` each filing is made at the services'
    current time.  With the :class:`~skyaccord.clock.ManualClock` the services run on (a
    replay), the clock is moved to each filing's scripted time before it is made, so the
    notice it gives is the scripted one (e.g. 60 s at Latakia); it is left at ``now``.
    """
    if clock is not None and intents.clock is not clock:
        raise ValidationError("clock", "must be the clock the intent service runs on")
    out = Seeded(tokens=seed_static(scenario, auth, airspace, base))
    for s in scheduled_filings(scenario, base):
        if s.at <= now:
            if clock is not None and s.at > clock.now():
                clock.set(s.at)
            out.filed.append(file_scheduled(intents, s))
        else:
            out.pending.append(s)
    if clock is not None and now > clock.now():
        clock.set(now)
    return out
