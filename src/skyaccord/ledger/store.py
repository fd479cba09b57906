"""The ledger in the store: append within the caller's transaction, read, verify; party keys.

Every function takes the :class:`~sqlalchemy.engine.Connection` of a transaction the caller
opened with :meth:`skyaccord.store.Store.transact`, so that an event and the change it records
commit together or not at all::

    store.transact(lambda conn: (save_intent(conn, it, new=True),
                                 append(conn, "intent.filed", it.owner, payload, time=now)))

Why appends never fork and never repeat a sequence number: :func:`append` reads the head
(highest ``seq``), reads the row it is about to write, and inserts ``seq + 1`` whose
``prev_hash`` is the head's hash; ``seq`` is the primary key.  On SQLite, write transactions
start with ``BEGIN IMMEDIATE`` and so run one at a time.  On PostgreSQL they run ``SERIALIZABLE``:
of two transactions that read the same head, the second to commit fails with a serialization
failure (or, at worst, a duplicate key) and :meth:`Store.transact` runs it again on the new head.
Because every append touches the head, appends are totally ordered; the price is that
concurrent writers that append are serialized on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skyaccord.errors import ConflictError, NotFound, StoreError, ValidationError
from skyaccord.ledger.canonical import canonical_json, loads
from skyaccord.ledger.chain import (
    GENESIS_HASH,
    KEY_REGISTERED,
    KEY_REVOKED,
    RESERVED_KIND_PREFIX,
    ChainVerifier,
    Entry,
    KeyState,
    PartyKey,
    Problem,
    VerifyReport,
    build_entry,
    signature_problem,
)
from skyaccord.ledger.signing import key_id as compute_key_id
from skyaccord.ledger.signing import load_public_key, public_key_pem
from skyaccord.store.schema import ledger, parties, party_keys

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "append",
    "get_key",
    "head",
    "iter_entries",
    "keys",
    "last",
    "read",
    "register_key",
    "revoke_key",
    "verify_chain",
]

MAX_PAYLOAD_BYTES: Final = 1_000_000
"""Largest payload (canonical JSON, UTF-8) one entry may carry."""


def append(
    conn: Connection,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    *,
    time: float,
    signature: str | None = None,
    key_id: str | None = None,
) -> Entry:
    """Append an event to the ledger inside the caller's open transaction; returns the entry.

    ``kind`` names the event (``intent.filed``, ``alert.raised``, ``ack``…; ``key.*`` is
    reserved), ``actor`` who caused it (a party id, or e.g. ``server``), ``payload`` a JSON
    object, ``time`` POSIX seconds.  A ``signature`` (base64, see
    :mod:`skyaccord.ledger.signing`) with its ``key_id`` must be the actor's own registered,
    unrevoked key's signature of ``payload``; anything else is a ValidationError and nothing is
    written.
    """
    if isinstance(kind, str) and kind.startswith(RESERVED_KIND_PREFIX):
        raise ValidationError("kind", f"kinds starting {RESERVED_KIND_PREFIX!r} are reserved")
    if signature is not None or key_id is not None:
        if signature is None or key_id is None:
            raise ValidationError("signature", "a signature and its key_id come together")
        row = conn.execute(sa.select(party_keys).where(party_keys.c.key_id == key_id)).first()
        state = None if row is None else _key_state(_party_key(row))
        bad = signature_problem(state, key_id, actor, payload, signature)
        if bad is not None:
            raise ValidationError(
                "key_id" if bad[0] == "unknown_key" else "signature", bad[1], problem=bad[0]
            )
    return _append(conn, kind, actor, payload, time, signature, key_id)


def _append(
    conn: Connection,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    time: float,
    signature: str | None,
    key_id: str | None,
) -> Entry:
    top = conn.execute(
        sa.select(ledger.c.seq, ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    seq = 1 if top is None else int(top.seq) + 1
    prev_hash = GENESIS_HASH if top is None else str(top.hash)
    entry = build_entry(seq, prev_hash, kind, actor, payload, time, signature, key_id)
    text = canonical_json(entry.payload, "payload")
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValidationError("payload", f"larger than {MAX_PAYLOAD_BYTES} bytes")
    # Read the very row we are about to write: under SERIALIZABLE this makes a concurrent
    # append of the same seq a serialization failure (retried) rather than a duplicate key.
    if conn.execute(sa.select(ledger.c.seq).where(ledger.c.seq == seq)).first() is not None:
        raise StoreError(f"ledger entry {seq} appeared under a running transaction")
    conn.execute(
        ledger.insert().values(
            seq=seq,
            time=entry.time,
            kind=entry.kind,
            actor=entry.actor,
            payload=text,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
            signature=entry.signature,
            key_id=entry.key_id,
        )
    )
    return entry


# --- reading ---------------------------------------------------------------------------------


def _entry(row: Any) -> Entry:
    """A row → Entry; a payload that is not canonical JSON raises ValidationError."""
    text = str(row.payload)
    payload = loads(text, "payload")
    if not isinstance(payload, dict):
        raise ValidationError("payload", "is not a JSON object")
    if canonical_json(payload, "payload") != text:
        raise ValidationError("payload", "is not stored in canonical form")
    return Entry(
        int(row.seq),
        float(row.time),
        str(row.kind),
        str(row.actor),
        payload,
        str(row.prev_hash),
        str(row.hash),
        None if row.signature is None else str(row.signature),
        None if row.key_id is None else str(row.key_id),
    )


def _checked(row: Any) -> Entry:
    try:
        return _entry(row)
    except ValidationError as e:
        raise StoreError(
            f"ledger entry {row.seq} is damaged ({e.message}); run `skyaccord ledger verify`"
        ) from None


def read(conn: Connection, after_seq: int = 0, limit: int | None = None) -> list[Entry]:
    """Entries with ``seq > after_seq`` in order, at most ``limit`` of them."""
    q = sa.select(ledger).where(ledger.c.seq > after_seq).order_by(ledger.c.seq)
    if limit is not None:
        q = q.limit(limit)
    return [_checked(r) for r in conn.execute(q)]


def last(conn: Connection, n: int) -> list[Entry]:
    """The newest ``n`` entries, oldest first."""
    rows = conn.execute(sa.select(ledger).order_by(ledger.c.seq.desc()).limit(max(n, 0))).all()
    return [_checked(r) for r in reversed(rows)]


def head(conn: Connection) -> Entry | None:
    """The newest entry (None for an empty ledger)."""
    found = last(conn, 1)
    return found[0] if found else None


def count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(ledger)).scalar_one())


def iter_rows(conn: Connection, batch: int = 1000) -> Iterator[Any]:
    """Every row in seq order, fetched ``batch`` at a time (keyset pagination)."""
    after: int | None = None
    while True:
        q = sa.select(ledger).order_by(ledger.c.seq).limit(batch)
        if after is not None:
            q = q.where(ledger.c.seq > after)
        rows = conn.execute(q).all()
        yield from rows
        if len(rows) < batch:
            return
        after = int(rows[-1].seq)


def iter_entries(conn: Connection, batch: int = 1000) -> Iterator[Entry]:
    """Every entry in order (a damaged row raises StoreError; :func:`verify_chain` reports it)."""
    for row in iter_rows(conn, batch):
        yield _checked(row)


def verify_chain(conn: Connection, batch: int = 1000) -> VerifyReport:
    """Verify the stored chain and the key table against it; names the first broken entry."""
    v = ChainVerifier()
    for row in iter_rows(conn, batch):
        try:
            entry = _entry(row)
        except ValidationError as e:
            v.fail(Problem("malformed", f"stored {e.message}", v.next_seq))
            break
        if v.feed(entry) is not None:
            break
    v.check_keys(keys(conn))
    return v.report()


# --- party keys ------------------------------------------------------------------------------


def _party_key(row: Any) -> PartyKey:
    return PartyKey(
        str(row.key_id),
        str(row.party_id),
        str(row.public_key_pem),
        float(row.created_at),
        None if row.revoked_at is None else float(row.revoked_at),
    )


def _key_state(k: PartyKey) -> KeyState:
    return KeyState(
        k.key_id,
        k.party_id,
        k.public_key_pem,
        load_public_key(k.public_key_pem),
        0,
        k.created_at,
        None,
        k.revoked_at,
    )


def register_key(
    conn: Connection,
    party: str,
    public_key_pem_text: str,
    *,
    time: float,
    actor: str | None = None,
) -> str:
    """Register ``party``'s Ed25519 public key (PEM); returns its key id.

    Also appends a ``key.registered`` entry (by ``actor``, default the party), so the chain
    itself records which key each party signs with.  A key is registered once: registering it
    again, or for another party, or after it was revoked, is a ConflictError.
    """
    if conn.execute(sa.select(parties.c.id).where(parties.c.id == party)).first() is None:
        raise NotFound(f"party {party!r} does not exist")
    pub = load_public_key(public_key_pem_text)
    kid = compute_key_id(pub)
    pem = public_key_pem(pub)
    old = get_key(conn, kid)
    if old is not None:
        state = "revoked" if old.revoked_at is not None else "registered"
        raise ConflictError(
            f"public_key: key {kid} is already {state} for party {old.party_id!r}",
            field="public_key",
            key_id=kid,
        )
    conn.execute(
        party_keys.insert().values(
            key_id=kid, party_id=party, public_key_pem=pem, created_at=float(time)
        )
    )
    _append(
        conn,
        KEY_REGISTERED,
        actor or party,
        {"key_id": kid, "party": party, "public_key_pem": pem},
        time,
        None,
        None,
    )
    return kid


def revoke_key(conn: Connection, key_id: str, *, time: float, actor: str | None = None) -> None:
    """Revoke a key from now on (signatures made before stay valid); appends ``key.revoked``."""
    old = get_key(conn, key_id)
    if old is None:
        raise NotFound(f"key {key_id!r} is not registered")
    if old.revoked_at is not None:
        raise ConflictError(f"key_id: key {key_id} is already revoked", field="key_id")
    conn.execute(
        party_keys.update().where(party_keys.c.key_id == key_id).values(revoked_at=float(time))
    )
    _append(
        conn,
        KEY_REVOKED,
        actor or old.party_id,
        {"key_id": key_id, "party": old.party_id},
        time,
        None,
        None,
    )


def get_key(conn: Connection, key_id: str) -> PartyKey | None:
    row = conn.execute(sa.select(party_keys).where(party_keys.c.key_id == key_id)).first()
    return None if row is None else _party_key(row)


def keys(conn: Connection, party: str | None = None) -> list[PartyKey]:
    """Registered keys (revoked ones too), oldest first; only ``party``'s when given."""
    q = sa.select(party_keys).order_by(party_keys.c.created_at, party_keys.c.key_id)
    if party is not None:
        q = q.where(party_keys.c.party_id == party)
    return [_party_key(r) for r in conn.execute(q)]
