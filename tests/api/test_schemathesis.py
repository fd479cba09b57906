"""Schema fuzzing: schemathesis generates requests for every operation of the OpenAPI document
and sends them in process (ASGI), authenticated; none may get a 5xx.

The document comes from an application built at import time over a store that is never opened
(building the OpenAPI document touches no store); the requests go to an application over a
real, migrated SQLite store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from skyaccord.api import create_app
from skyaccord.api.app import Services
from skyaccord.clock import ManualClock
from skyaccord.live import LiveRuntime
from skyaccord.services.auth import Role
from skyaccord.store import Store

T0 = 1_700_000_000.0


def _openapi() -> dict[str, Any]:
    unopened = Store(Path(tempfile.gettempdir()) / "skyaccord-openapi-never-opened.db")
    return create_app(Services.build(unopened, ManualClock(T0))).openapi()


schema = schemathesis.openapi.from_dict(_openapi())


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, FastAPI]]:
    store = Store(tmp_path_factory.mktemp("schemathesis") / "skyaccord.db")
    store.upgrade()
    services = Services.build(store, ManualClock(T0), rate_per_s=1e9, burst=1e9)
    for pid in ("israel", "russia"):
        services.auth.add_party(pid, pid.title())
    # The live engine as `skyaccord serve` has it, for /v1/tracks and /v1/picture; its cycles
    # are not started (no lifespan runs), which the routes do not need.
    services.runtime = LiveRuntime(services)
    try:
        yield services, create_app(services)
    finally:
        store.dispose()


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_server_errors(case: Any, target: tuple[Services, FastAPI]) -> None:
    services, app = target
    # A fresh token per case: the fuzzer may rotate or revoke the one it was given.
    _, token = services.auth.issue_token("israel", Role.ADMIN)
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
    )
