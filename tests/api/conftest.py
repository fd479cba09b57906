"""The HTTP API in process: a TestClient over ``create_app(Services.build(store, clock))``, three
parties with planner tokens, an observer and the operator."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from tests.wire_volumes import box

from skyaccord.api import create_app
from skyaccord.api.app import Services
from skyaccord.clock import ManualClock
from skyaccord.services.auth import Role
from skyaccord.store import Store
from skyaccord.store.schema import (
    airspace,
    conflicts,
    intent_cells,
    intent_volumes,
    intents,
    notice_violations,
)

with warnings.catch_warnings():
    # Starlette prefers httpx2 for its test client; httpx (pinned) works the same.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

STORED_TABLES = (intents, intent_volumes, intent_cells, conflicts, notice_violations, airspace)


@dataclass
class Api:
    client: TestClient
    services: Services
    clock: ManualClock
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, who: str, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=body, headers=self.auth(who), **kw)

    def get(self, who: str, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.auth(who), **kw)

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
        """An F3548 Volume4D square (times as F3548 objects); ``start``/``end`` s from now."""
        now = self.clock.now()
        return box(
            lat,
            lon,
            size,
            lower=lower,
            upper=upper,
            start=now + start,
            end=now + end,
            time_objects=True,
        )

    def counts(self) -> tuple[int, ...]:
        def run(c: sa.Connection) -> tuple[int, ...]:
            return tuple(
                int(c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in STORED_TABLES
            )

        return self.services.store.transact(run, write=False)


def make_api(store: Store, clock: ManualClock, **client_kw: Any) -> Iterator[Api]:
    # No rate limit here: fuzzers send hundreds of requests a second with one token.
    services = Services.build(store, clock, rate_per_s=1e9, burst=1e9)
    api = Api(TestClient(create_app(services), **client_kw), services, clock)
    for pid in ("israel", "russia", "usa"):
        services.auth.add_party(pid, pid.title())
        api.token_ids[pid], api.tokens[pid] = services.auth.issue_token(pid, Role.PLANNER)
    api.token_ids["observer"], api.tokens["observer"] = services.auth.issue_token(
        "israel", Role.OBSERVER
    )
    api.token_ids["operator"], api.tokens["operator"] = services.auth.issue_token(
        None, Role.OPERATOR
    )
    with api.client:
        yield api


@pytest.fixture
def api(store: Store, clock: ManualClock) -> Iterator[Api]:
    """On SQLite and on PostgreSQL."""
    yield from make_api(store, clock)


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One SQLite-backed API for a whole module (for long parametrized matrices and fuzzers:
    they compare row counts before and after, so earlier tests' data does not matter); server
    errors come back as responses (500), not raised."""
    store = Store(tmp_path_factory.mktemp("api") / "skyaccord.db")
    store.upgrade()
    try:
        yield from make_api(store, ManualClock(1_700_000_000.0), raise_server_exceptions=False)
    finally:
        store.dispose()
