"""Ledger fixtures: a store with parties, and a helper to run appends in another process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial

import pytest

from skyaccord.airspace.model import Party
from skyaccord.store import Store
from skyaccord.store.parties import insert_party

PARTIES = ("israel", "russia")

# Appends ``n`` entries (or forever when n < 0) as actor ``tag``, one transaction each, printing
# each committed seq: a printed seq is an acknowledged write.  Waits for file ``go`` first so
# that concurrent workers start together.
WORKER = r"""
import os, sys, time
from skyaccord.store import Store
from skyaccord.ledger.store import append

url, tag, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = Store(url)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.002)
i = 0
while n < 0 or i < n:
    entry = store.transact(
        lambda c: append(c, "message", tag, {"tag": tag, "i": i}, time=time.time())
    )
    print(entry.seq, i, flush=True)
    i += 1
store.dispose()
"""


def start_worker(url: str, tag: str, n: int, go: str) -> subprocess.Popen[str]:
    """Start a worker process; returns once it is ready (connected, waiting for ``go``)."""
    p = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, tag, str(n), go],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    if line.strip() != "ready":
        p.kill()
        _, err = p.communicate()
        raise AssertionError(f"worker did not start: {line!r} {err}")
    return p


def _with_parties(store: Store) -> Store:
    for pid in PARTIES:
        store.transact(partial(insert_party, party=Party(pid, pid.title(), "", 0.0)))
    return store


@pytest.fixture
def ledger_store(store: Store) -> Store:
    """An empty, migrated store (SQLite and PostgreSQL) with parties israel and russia."""
    return _with_parties(store)


@pytest.fixture
def sqlite_ledger_store(sqlite_store: Store) -> Store:
    """The same on SQLite only: for tests of what happens after the store (bundles, CLI)."""
    return _with_parties(sqlite_store)


Spawn = Callable[[str, str, int, str], "subprocess.Popen[str]"]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """``spawn(url, tag, n, go)`` starts a worker; all are killed at the end of the test."""
    started: list[subprocess.Popen[str]] = []

    def _spawn(url: str, tag: str, n: int, go: str) -> subprocess.Popen[str]:
        p = start_worker(url, tag, n, go)
        started.append(p)
        return p

    yield _spawn
    for p in started:
        if p.poll() is None:
            p.kill()
        p.communicate()
