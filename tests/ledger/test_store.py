"""The ledger in the store, on SQLite and PostgreSQL: appends inside the caller's transaction,
signed acknowledgements, party keys, tampering with the database, two processes appending at
once, and ``kill -9`` of a writer."""

from __future__ import annotations

import os
import signal
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from skyaccord.errors import ConflictError, NotFound, StoreError, ValidationError
from skyaccord.ledger import store as ls
from skyaccord.ledger.chain import GENESIS_HASH, KEY_REGISTERED, KEY_REVOKED
from skyaccord.ledger.signing import (
    generate_private_key,
    key_id,
    public_key_pem,
    sign_payload,
)
from skyaccord.store import Store
from skyaccord.store.migrate import alembic_config, current_revision, upgrade
from skyaccord.store.schema import ledger, party_keys
from skyaccord.testing import postgres

T0 = 1_700_000_000.0
ACK = {"alert": "a-17", "version": 3, "acknowledged_at": "2030-09-17T18:39:12Z"}


def add(store: Store, kind: str, actor: str, payload: dict[str, Any], **kw: Any) -> Any:
    kw.setdefault("time", T0)
    return store.transact(lambda c: ls.append(c, kind, actor, payload, **kw))


def report(store: Store) -> Any:
    return store.transact(ls.verify_chain, write=False)


def sql(store: Store, statement: Any) -> None:
    """Change the database behind the ledger's back (what an intruder would do)."""
    with store.engine.begin() as conn:
        conn.execute(statement)


def test_append_read_verify(ledger_store: Store) -> None:
    s = ledger_store
    assert report(s).ok and report(s).head_hash == GENESIS_HASH
    payloads: list[dict[str, Any]] = [
        {"intent": "iaf-0917", "volumes": [{"alt": 4572.0, "t": T0 + 0.125}]},
        {"alert": "a-1", "text": "Су-24 над Яйладагы 😀", "deep_m": 2190},
        {"nothing": None, "flags": [True, False], "big": 1e21, "small": 1e-7, "z": -0.0},
    ]
    for i, p in enumerate(payloads):
        e = add(s, "message", "israel", p, time=T0 + i)
        assert e.seq == i + 1
    got = s.transact(lambda c: ls.read(c), write=False)
    assert [e.seq for e in got] == [1, 2, 3]
    assert got[0].prev_hash == GENESIS_HASH and got[1].prev_hash == got[0].hash
    assert got[1].payload == payloads[1]
    assert got[2].payload == {**payloads[2], "z": 0}
    assert [e.seq for e in s.transact(lambda c: ls.read(c, 1, 1), write=False)] == [2]
    assert [e.seq for e in s.transact(lambda c: ls.last(c, 2), write=False)] == [2, 3]
    assert s.transact(ls.head, write=False) == got[-1]
    r = report(s)
    assert r.ok and (r.entries, r.head_seq, r.head_hash) == (3, 3, got[-1].hash)


def test_append_commits_and_rolls_back_with_the_callers_transaction(ledger_store: Store) -> None:
    s = ledger_store

    def fails(c: Connection) -> None:
        ls.append(c, "intent.filed", "israel", {"id": "x"}, time=T0)
        raise ConflictError("later check failed")

    with pytest.raises(ConflictError):
        s.transact(fails)
    assert s.transact(ls.head, write=False) is None
    assert add(s, "intent.filed", "israel", {"id": "y"}).seq == 1  # the seq was not used up


@pytest.mark.parametrize(
    ("kind", "actor", "payload", "field"),
    [
        ("key.registered", "israel", {}, "kind"),
        ("", "israel", {}, "kind"),
        ("ack", "no spaces", {}, "actor"),
        ("ack", "israel", ["list"], "payload"),
        ("ack", "israel", {"x": float("nan")}, "payload.x"),
    ],
)
def test_bad_appends_write_nothing(
    ledger_store: Store, kind: str, actor: str, payload: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as e:
        add(ledger_store, kind, actor, payload)
    assert e.value.field == field
    assert ledger_store.transact(ls.head, write=False) is None


def test_payload_size_limit(ledger_store: Store) -> None:
    with pytest.raises(ValidationError, match="larger than"):
        add(ledger_store, "message", "israel", {"x": "a" * ls.MAX_PAYLOAD_BYTES})


def test_signed_acknowledgements(ledger_store: Store) -> None:
    s = ledger_store
    israel, russia = generate_private_key(), generate_private_key()
    kid = s.transact(
        lambda c: ls.register_key(c, "israel", public_key_pem(israel), time=T0, actor="operator")
    )
    assert kid == key_id(israel)
    rkid = s.transact(lambda c: ls.register_key(c, "russia", public_key_pem(russia), time=T0))
    e = add(s, "ack", "israel", ACK, signature=sign_payload(israel, ACK), key_id=kid)
    assert e.signed and e.key_id == kid

    def refused(actor: str, signature: str, k: str, field: str, problem: str) -> None:
        with pytest.raises(ValidationError) as err:
            add(s, "ack", actor, ACK, signature=signature, key_id=k)
        assert (err.value.field, err.value.details["problem"]) == (field, problem)

    refused("israel", sign_payload(russia, ACK), kid, "signature", "bad_signature")
    refused("israel", sign_payload(russia, ACK), rkid, "signature", "wrong_party_key")
    refused(
        "israel", sign_payload(israel, {**ACK, "version": 4}), kid, "signature", "bad_signature"
    )
    refused("israel", sign_payload(israel, ACK), "0" * 32, "key_id", "unknown_key")
    with pytest.raises(ValidationError, match="come together"):
        add(s, "ack", "israel", ACK, signature=sign_payload(israel, ACK))

    s.transact(lambda c: ls.revoke_key(c, kid, time=T0 + 60, actor="operator"))
    refused("israel", sign_payload(israel, ACK), kid, "signature", "revoked_key")

    r = report(s)
    assert r.ok and (r.entries, r.signed, r.keys) == (4, 1, 2)
    kinds = [e.kind for e in s.transact(lambda c: ls.read(c), write=False)]
    assert kinds == [KEY_REGISTERED, KEY_REGISTERED, "ack", KEY_REVOKED]
    listed = s.transact(lambda c: ls.keys(c), write=False)
    assert [(k.key_id, k.party_id, k.revoked_at) for k in listed] == sorted(
        [(kid, "israel", T0 + 60), (rkid, "russia", None)]
    )  # same created_at: ordered by key id
    assert [k.key_id for k in s.transact(lambda c: ls.keys(c, "russia"), write=False)] == [rkid]


def test_key_registration_rules(ledger_store: Store) -> None:
    s = ledger_store
    key = generate_private_key()
    pem = public_key_pem(key)
    with pytest.raises(NotFound):
        s.transact(lambda c: ls.register_key(c, "turkey", pem, time=T0))
    with pytest.raises(ValidationError) as e:
        s.transact(lambda c: ls.register_key(c, "israel", "not a key", time=T0))
    assert e.value.field == "public_key"
    kid = s.transact(lambda c: ls.register_key(c, "israel", pem, time=T0))
    for party in ("israel", "russia"):
        with pytest.raises(ConflictError, match="already registered"):
            s.transact(partial(ls.register_key, party=party, public_key_pem_text=pem, time=T0))
    s.transact(lambda c: ls.revoke_key(c, kid, time=T0 + 1))
    with pytest.raises(ConflictError, match="already revoked"):
        s.transact(lambda c: ls.revoke_key(c, kid, time=T0 + 2))
    with pytest.raises(ConflictError, match="already revoked"):
        s.transact(lambda c: ls.register_key(c, "israel", pem, time=T0 + 3))
    with pytest.raises(NotFound):
        s.transact(lambda c: ls.revoke_key(c, "f" * 32, time=T0))
    revoked = s.transact(lambda c: ls.get_key(c, kid), write=False)
    assert revoked is not None and revoked.revoked_at == T0 + 1
    assert report(s).ok


# --- tampering with the database -------------------------------------------------------------


def _filled(s: Store) -> str:
    key = generate_private_key()
    kid = s.transact(lambda c: ls.register_key(c, "israel", public_key_pem(key), time=T0))
    for i in range(5):
        add(s, "message", "russia", {"i": i}, time=T0 + i)
    add(s, "ack", "israel", ACK, signature=sign_payload(key, ACK), key_id=kid, time=T0 + 9)
    return kid


@pytest.mark.parametrize(
    ("change", "seq", "code"),
    [
        (sa.update(ledger).where(ledger.c.seq == 3).values(payload='{"i":99}'), 3, "hash_mismatch"),
        (sa.update(ledger).where(ledger.c.seq == 4).values(time=T0), 4, "hash_mismatch"),
        (sa.update(ledger).where(ledger.c.seq == 5).values(actor="israel"), 5, "hash_mismatch"),
        (sa.update(ledger).where(ledger.c.seq == 2).values(hash="0" * 64), 2, "hash_mismatch"),
        (sa.update(ledger).where(ledger.c.seq == 4).values(prev_hash="1" * 64), 4, "broken_link"),
        (sa.delete(ledger).where(ledger.c.seq == 3), 3, "sequence_gap"),
        (sa.update(ledger).where(ledger.c.seq == 2).values(payload="{not json"), 2, "malformed"),
        (sa.update(ledger).where(ledger.c.seq == 2).values(payload='{"i": 0}'), 2, "malformed"),
        (
            sa.update(ledger).where(ledger.c.seq == 7).values(signature=None, key_id=None),
            7,
            "hash_mismatch",
        ),
        (sa.update(party_keys).values(revoked_at=T0 + 5), None, "key_list_mismatch"),
        (sa.update(party_keys).values(party_id="russia"), 1, "key_list_mismatch"),
        (sa.delete(party_keys), 1, "key_list_mismatch"),
    ],
)
def test_tampering_with_the_database_names_the_entry(
    ledger_store: Store, change: Any, seq: int | None, code: str
) -> None:
    _filled(ledger_store)
    assert report(ledger_store).ok
    sql(ledger_store, change)
    r = report(ledger_store)
    assert r.problem is not None
    assert (r.problem.seq, r.problem.code) == (seq, code), r.problem
    assert r.entries == (7 if code == "key_list_mismatch" or seq is None else seq - 1)


def test_damaged_rows_are_a_store_error_when_read(ledger_store: Store) -> None:
    _filled(ledger_store)
    sql(ledger_store, sa.update(ledger).where(ledger.c.seq == 2).values(payload="[]"))
    with pytest.raises(StoreError, match="ledger entry 2 is damaged"):
        ledger_store.transact(lambda c: ls.read(c), write=False)


# --- concurrency and crashes -----------------------------------------------------------------


def _go(tmp_path: Path) -> str:
    return str(tmp_path / "go")


def test_two_processes_appending_at_once_never_fork(
    ledger_store: Store, spawn: Any, tmp_path: Path
) -> None:
    n = 40
    go = _go(tmp_path)
    workers = [spawn(ledger_store.url, tag, n, go) for tag in ("israel", "russia")]
    Path(go).touch()
    acked: dict[str, list[int]] = {}
    for tag, p in zip(("israel", "russia"), workers, strict=True):
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        acked[tag] = [int(line.split()[0]) for line in out.splitlines()]
    entries = ledger_store.transact(lambda c: ls.read(c), write=False)
    assert [e.seq for e in entries] == list(range(1, 2 * n + 1))  # gapless, no duplicates
    for tag in ("israel", "russia"):
        mine = [e for e in entries if e.actor == tag]
        assert [e.payload["i"] for e in mine] == list(range(n))  # each in its own order
        assert sorted(acked[tag]) == [e.seq for e in mine]  # every acknowledged seq is theirs
    assert len({e.hash for e in entries}) == 2 * n
    r = report(ledger_store)
    assert r.ok and r.entries == 2 * n


def test_kill_9_during_writes_loses_no_acknowledged_write(
    ledger_store: Store, spawn: Any, tmp_path: Path
) -> None:
    go = _go(tmp_path)
    steady = spawn(ledger_store.url, "israel", -1, go)
    victim = spawn(ledger_store.url, "russia", -1, go)
    Path(go).touch()
    assert victim.stdout is not None
    acked: list[tuple[int, int]] = []
    deadline = time.monotonic() + 120
    while len(acked) < 30 and time.monotonic() < deadline:
        seq, i = victim.stdout.readline().split()
        acked.append((int(seq), int(i)))
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    # Whatever the victim printed after the ones we read was acknowledged too.
    rest = victim.stdout.read()
    acked += [(int(a), int(b)) for a, b in (line.split() for line in rest.splitlines())]
    time.sleep(0.2)  # the other writer carries on past the crash
    os.kill(steady.pid, signal.SIGKILL)
    steady.wait()

    fresh = Store(ledger_store.url)  # as a restarted server would
    try:
        r = fresh.transact(ls.verify_chain, write=False)
        assert r.ok, r.problem
        entries = {e.seq: e for e in fresh.transact(lambda c: ls.read(c), write=False)}
        assert sorted(entries) == list(range(1, len(entries) + 1))
        for seq, i in acked:
            assert entries[seq].actor == "russia" and entries[seq].payload["i"] == i
        assert add(fresh, "message", "israel", {"after": "restart"}).seq == len(entries) + 1
    finally:
        fresh.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migration_0002_goes_down_and_up(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The hand-written migration alone (later ones not applied): up, down to 0001, up."""
    if kind == "sqlite":
        store = Store(tmp_path / "migrate.db")
    else:
        url = request.getfixturevalue("pg_url")
        store = Store(postgres.fresh_database(url, "m_" + uuid.uuid4().hex[:12]))
    request.addfinalizer(store.dispose)

    def tables() -> set[str]:
        with store.engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())

    upgrade(store, "0002")
    assert current_revision(store) == "0002"
    assert {"ledger", "party_keys", "parties"} <= tables()
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert current_revision(store) == "0001"
    assert not {"ledger", "party_keys"} & tables() and "parties" in tables()
    upgrade(store, "0002")
    assert add(store, "message", "server", {"back": True}).seq == 1
