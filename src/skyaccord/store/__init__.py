"""Persistence: SQLAlchemy Core tables, Alembic migrations and per-entity repositories.

SQLite (WAL) is the embedded default; PostgreSQL is the scale-out store.  Everything goes
through :meth:`skyaccord.store.db.Store.transact`.
"""

from skyaccord.store import hotline_schema as _hotline_schema  # noqa: F401
from skyaccord.store.db import Store

__all__ = ["Store"]
