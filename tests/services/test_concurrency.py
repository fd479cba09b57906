"""Two OS processes, one per party, file overlapping intents at the same moment, 20 rounds.

Invariant (issue 2): never two active intents that overlap where neither presented the other's
OVN.  Since both file blind first, exactly one of each pair must be refused (409) and file again
with the other's OVN.  Run on SQLite (one file) and PostgreSQL (one database), each process
with its own :class:`Store`.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sys
from pathlib import Path
from typing import Any

import pytest

from skyaccord.geo.intersect import intersect
from skyaccord.geo.volumes import VolumeArray
from skyaccord.intents.model import ACTIVE_STATES
from skyaccord.services.auth import AuthService
from skyaccord.store import Store
from skyaccord.store import intents as intent_repo

ROUNDS = 20
PARTIES = ("israel", "russia")


@pytest.fixture
def race_worker(monkeypatch: pytest.MonkeyPatch) -> Any:
    # The spawned children inherit sys.path, so they can import the worker module too.
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    sys.modules.pop("_race_worker", None)
    import _race_worker

    return _race_worker


def _collect(procs: list[Any], out: Any, expected: int) -> list[tuple[Any, ...]]:
    got: list[tuple[Any, ...]] = []
    while len(got) < expected:
        try:
            item = out.get(timeout=180)
        except queue.Empty:
            pytest.fail(f"workers stalled after {len(got)} of {expected} filings")
        assert item[0] != "error", f"worker {item[1]} failed: {item[2]}"
        got.append(item)
    return got


def test_simultaneous_overlapping_filings_never_both_go_in_blind(
    store: Store, race_worker: Any
) -> None:
    auth = AuthService(store)
    for p in PARTIES:
        auth.add_party(p, p.title())
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(PARTIES))
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=race_worker.run, args=(store.url, p, i, ROUNDS, barrier, out), daemon=True
        )
        for i, p in enumerate(PARTIES)
    ]
    for p in procs:
        p.start()
    try:
        reports = _collect(procs, out, ROUNDS * len(PARTIES))
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    assert all(p.exitcode == 0 for p in procs)

    presented = {iid: set(key) for _, _, iid, _, key, _ in reports}
    by_round: dict[int, list[tuple[Any, ...]]] = {}
    for r in reports:
        by_round.setdefault(r[0], []).append(r)
    for k, pair in by_round.items():
        refused = sorted(r[1] for r in pair if r[5])
        assert len(refused) == 1, f"round {k}: refused {refused} (both filed blind?)"

    # The invariant, checked on what is stored, with an exact all-pairs overlap test.
    stored = store.transact(lambda c: intent_repo.list_intents(c, None), write=False)
    active = [i for i in stored if i.state in ACTIVE_STATES]
    assert len(active) == ROUNDS * len(PARTIES)
    ovn = {i.id: i.ovn for i in active}
    flat = [(i, v) for i in active for v in i.volumes]
    arr = VolumeArray.from_volumes([v for _, v in flat])
    pairs = set()
    for a, v in flat:
        for o in intersect(v, arr, geometry=False):
            b = flat[o.index][0]
            if a.owner != b.owner:
                pairs.add(tuple(sorted((a.id, b.id))))
    assert len(pairs) == ROUNDS  # one overlapping pair per round, as built
    for a, b in sorted(pairs):
        assert ovn[b] in presented[a] or ovn[a] in presented[b], (
            f"{a} and {b} overlap and neither presented the other's OVN"
        )
