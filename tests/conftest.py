"""Shared fixtures: stores on SQLite and on a real PostgreSQL server, a manual clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from skyaccord.clock import ManualClock
from skyaccord.store import Store
from skyaccord.testing import postgres

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z: a fixed "now" for tests


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server for this test session (per xdist worker).

    Skipped when PostgreSQL is not installed, unless SKYACCORD_REQUIRE_PG=1 (set by
    scripts/test.sh), in which case its absence is a failure.
    """
    if not postgres.available():
        if os.environ.get("SKYACCORD_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required but not installed")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def pg_template(pg_url: str) -> str:
    """A migrated database that each PostgreSQL test copies (CREATE DATABASE … TEMPLATE)."""
    name = "skyaccord_template"
    store = Store(postgres.fresh_database(pg_url, name))
    store.upgrade()
    store.dispose()
    return name


def make_store(kind: str, tmp_path: object, request: pytest.FixtureRequest) -> Store:
    if kind == "sqlite":
        store = Store(f"{tmp_path}/skyaccord.db")
    else:
        url = request.getfixturevalue("pg_url")
        template = request.getfixturevalue("pg_template")
        store = Store(postgres.fresh_database(url, "t_" + uuid.uuid4().hex[:12], template))
    store.upgrade()
    request.addfinalizer(store.dispose)
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Store:
    """An empty, migrated store: once on SQLite, once on PostgreSQL."""
    return make_store(request.param, tmp_path, request)


@pytest.fixture
def sqlite_store(request: pytest.FixtureRequest, tmp_path: object) -> Store:
    return make_store("sqlite", tmp_path, request)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)
