"""The store's one entry point: :class:`Store` opens SQLite or PostgreSQL and runs transactions.

Every read and write goes through :meth:`Store.transact`, which gives the callback a connection
inside a transaction that is *serializable* on both back ends:

* SQLite (embedded default, one file, WAL): write transactions start with ``BEGIN IMMEDIATE``,
  so writers queue on the database lock and never interleave.
* PostgreSQL (scale-out): ``SERIALIZABLE`` isolation; serialization failures and deadlocks are
  retried with jittered back-off, so two processes filing overlapping intents at once end as if
  one had filed first.

Driver errors never leave this module except as :class:`~skyaccord.errors.StoreError`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from skyaccord.errors import SkyaccordError, StoreError

T = TypeVar("T")

PG_SESSION_OPTIONS = "-c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"
"""PostgreSQL settings of skyaccord's sessions.  The cell look-ups are index probes on data that
lives in memory or on SSD; at the default random_page_cost (4, for spinning disks) the planner
over-estimates a look-up's hits in a busy area and joins them by a parallel scan of every
intent.  Short transactions gain nothing from parallel workers but their start-up time.  With
1,000,000 intents (bench/bench_strategic.py) the two made area look-ups' SQL p99 2-6× faster."""

_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def normalize_url(url_or_path: str | Path) -> str:
    """A database URL, or a file path meaning SQLite, → a SQLAlchemy URL."""
    s = str(url_or_path)
    if "://" in s:
        if s.startswith("postgresql://") or s.startswith("postgres://"):
            return "postgresql+psycopg://" + s.split("://", 1)[1]
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


class Store:
    """A database holding everything skyaccord persists."""

    def __init__(self, url: str | Path, *, echo: bool = False, pool_size: int = 5) -> None:
        self.url = normalize_url(url)
        self.contention_retries = 0
        """Transactions run again after a serialization failure, deadlock or lock time-out."""
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = self.url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(
                self.url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = sa.create_engine(
                self.url,
                echo=echo,
                isolation_level="SERIALIZABLE",
                pool_size=pool_size,
                connect_args={"options": PG_SESSION_OPTIONS},
            )
            _ping_when_idle(self.engine)

    def transact(
        self,
        fn: Callable[[Connection], T],
        *,
        write: bool = True,
        retries: int = 30,
        locks: Sequence[int] = (),
    ) -> T:
        """Run ``fn(conn)`` in one serializable transaction; retry it on contention.

        ``locks`` (64-bit keys, e.g. the cells of the area a filing touches) make transactions
        on the same keys queue instead of aborting each other: on PostgreSQL each key is taken
        as a session advisory lock *before* the transaction starts (so its snapshot already
        sees the previous holder's commit) and released after it ends.  Serializable isolation
        still guarantees correctness; the locks only turn a hot spot's abort-and-retry storm
        into a queue.  SQLite needs none: its writers queue on ``BEGIN IMMEDIATE``.
        """
        delay = 0.002
        keys = sorted(set(locks)) if locks and not self.is_sqlite else []
        for attempt in range(retries + 1):
            try:
                with self.engine.connect() as conn:
                    if self.is_sqlite:
                        conn.info["sqlite_begin"] = "BEGIN IMMEDIATE" if write else "BEGIN"
                    if keys:
                        _advisory(conn, "pg_advisory_lock", keys)
                    try:
                        with conn.begin():
                            return fn(conn)
                    finally:
                        if keys:
                            _release(conn, keys)
            except SkyaccordError:
                raise
            except sa.exc.DBAPIError as e:
                if attempt < retries and _retryable(e):
                    self.contention_retries += 1
                    time.sleep(delay * (1 + random.random()))
                    delay = min(delay * 2, 0.25)
                    continue
                raise StoreError(f"store error: {_describe(e)}") from e
        raise StoreError("store contended beyond retries")  # pragma: no cover

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (Alembic)."""
        from skyaccord.store.migrate import upgrade

        upgrade(self)

    def dispose(self) -> None:
        self.engine.dispose()


def _retryable(e: sa.exc.DBAPIError) -> bool:
    code = getattr(e.orig, "sqlstate", None) or getattr(e.orig, "pgcode", None)
    if code in _RETRY_SQLSTATES:
        return True
    msg = str(e.orig).lower()
    return "database is locked" in msg or "database table is locked" in msg


def _describe(e: sa.exc.DBAPIError) -> str:
    return str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)


def _advisory(conn: Connection, fn: str, keys: Sequence[int]) -> None:
    """Session advisory locks taken or released outside any transaction, in key order."""
    conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        for k in keys:
            conn.exec_driver_sql(f"SELECT {fn}(%(k)s)", {"k": k})
        conn.commit()  # ends SQLAlchemy's autobegun (driver-level autocommit) transaction
    finally:
        conn.execution_options(isolation_level="SERIALIZABLE")


def _release(conn: Connection, keys: Sequence[int]) -> None:
    try:
        _advisory(conn, "pg_advisory_unlock", keys)
    except Exception:  # the session is unusable: dropping it releases its locks
        conn.invalidate()


_IDLE_PING_S = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling that costs nothing under load: a pooled connection idle
    for more than :data:`_IDLE_PING_S` is pinged on checkout and replaced if the server has
    gone (``pool_pre_ping`` would add a ``SELECT 1`` round trip to every transaction)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= _IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:
            raise sa.exc.DisconnectionError(f"stale pooled connection: {e}") from e


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # A page cache of up to 256 MiB (the default is 2 MiB): the cell index of a large
        # store is read on every filing.  Memory only; durability is unchanged.
        cur.execute("PRAGMA cache_size=-262144")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.info.pop("sqlite_begin", "BEGIN IMMEDIATE"))
