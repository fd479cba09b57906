"""Alembic migrations bring an empty database to the head revision on SQLite and PostgreSQL,
and the migrated schema is exactly the one the code declares."""

from __future__ import annotations

import importlib
import pkgutil

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from skyaccord.store import Store
from skyaccord.store.migrate import current_revision, head_revision, upgrade
from skyaccord.store.schema import metadata


def test_upgrade_reaches_head(store: Store) -> None:
    head = head_revision()
    assert head is not None
    assert current_revision(store) == head


def test_every_declared_table_exists(store: Store) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= names


def _declare_every_table() -> None:
    """Import every store module, so that ``metadata`` holds every table any of them declares."""
    import skyaccord.store

    for m in pkgutil.iter_modules(skyaccord.store.__path__, "skyaccord.store."):
        if not m.name.endswith(".migrations"):
            importlib.import_module(m.name)


def test_migrated_schema_matches_the_declared_one(store: Store) -> None:
    _declare_every_table()
    with store.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == []


def test_upgrade_is_idempotent_and_keeps_data(store: Store) -> None:
    from skyaccord.store.schema import parties

    store.transact(
        lambda c: c.execute(parties.insert().values(id="p", name="P", contact="", created_at=1.0))
    )
    upgrade(store)
    store.upgrade()
    assert current_revision(store) == head_revision()
    rows = store.transact(lambda c: c.execute(sa.select(parties.c.id)).scalars().all(), write=False)
    assert rows == ["p"]


def test_fresh_store_has_no_revision(tmp_path: object) -> None:
    empty = Store(f"{tmp_path}/empty.db")
    try:
        assert current_revision(empty) is None
        empty.upgrade()
        assert current_revision(empty) == head_revision()
    finally:
        empty.dispose()
