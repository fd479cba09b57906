"""Services over the ``store`` fixture (SQLite and PostgreSQL), three parties, and a helper that
builds filings as a planner would write them (F3548 JSON through the wire parser)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from tests.wire_volumes import box

from skyaccord.clock import ManualClock
from skyaccord.intents.model import Filing
from skyaccord.intents.wire import filing_from_json
from skyaccord.services.container import Services
from skyaccord.services.intents import FilingResult
from skyaccord.store import Store


class Planner:
    """Files boxes relative to the clock: ``start``/``end`` are seconds from now."""

    def __init__(self, services: Services, clock: ManualClock) -> None:
        self.services = services
        self.clock = clock

    def volume(
        self,
        lat: float = 33.0,
        lon: float = 35.5,
        size: float = 0.1,
        *,
        lower: float = 1000.0,
        upper: float = 2000.0,
        start: float = 3600.0,
        end: float = 7200.0,
    ) -> dict[str, Any]:
        now = self.clock.now()
        return box(lat, lon, size, lower=lower, upper=upper, start=now + start, end=now + end)

    def filing(
        self,
        *volumes: dict[str, Any],
        key: Iterable[str] = (),
        state: str = "Accepted",
        details: dict[str, Any] | None = None,
        **one: Any,
    ) -> Filing:
        vols = list(volumes) or [self.volume(**one)]
        obj = {"volumes": vols, "key": list(key), "state": state, "details": details or {}}
        return filing_from_json(obj, self.services.intents.limits).filing

    def file(
        self,
        party: str,
        *volumes: dict[str, Any],
        intent_id: str | None = None,
        key: Iterable[str] = (),
        state: str = "Accepted",
        details: dict[str, Any] | None = None,
        dry_run: bool = False,
        **one: Any,
    ) -> FilingResult:
        f = self.filing(*volumes, key=key, state=state, details=details, **one)
        return self.services.intents.file(party, f, intent_id, dry_run=dry_run)


@pytest.fixture
def services(store: Store, clock: ManualClock) -> Services:
    s = Services.build(store, clock)
    for pid, name in (("israel", "Israel"), ("russia", "Russia"), ("usa", "United States")):
        s.auth.add_party(pid, name)
    return s


@pytest.fixture
def planner(services: Services, clock: ManualClock) -> Planner:
    return Planner(services, clock)
