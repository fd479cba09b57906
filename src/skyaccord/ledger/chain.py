"""The hash chain: entries, their hashes, and verification that names the first broken entry.

Pure: no store, no clock, no files.  The store (:mod:`skyaccord.ledger.store`) and the offline
bundle (:mod:`skyaccord.ledger.bundle`) both feed entries through :class:`ChainVerifier`.

An entry's hash is the lower-case hex SHA-256 of the canonical JSON
(:mod:`skyaccord.ledger.canonical`) of its *record*::

    {"seq": 17, "time": 1700000000.25, "kind": "alert.raised", "actor": "server",
     "payload": {...}, "prev_hash": "<hash of entry 16>"}

plus ``"signature"`` and ``"key_id"`` when, and only when, the entry is signed.  ``seq`` counts
from 1 without gaps; entry 1's ``prev_hash`` is 64 zeros (:data:`GENESIS_HASH`); ``time`` is
POSIX seconds (UTC).

Party keys live in the chain itself: ``key.registered`` (payload ``{"key_id", "party",
"public_key_pem"}``) and ``key.revoked`` (payload ``{"key_id", "party"}``) entries.  A signed
entry verifies only if its key was registered by an *earlier* entry, not revoked by an earlier
entry, belongs to the entry's actor, and its signature over the canonical JSON of the payload
checks (:mod:`skyaccord.ledger.signing`).  "Earlier" is chain order, not clock time, so clock skew
between servers never invalidates a signature.  The key list a store or a bundle carries beside
the chain is cross-checked against these entries.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from skyaccord.errors import ValidationError
from skyaccord.ledger import signing
from skyaccord.ledger.canonical import canonical_bytes
from skyaccord.ledger.signing import Ed25519PublicKey
from skyaccord.timefmt import format_time

__all__ = [
    "GENESIS_HASH",
    "KEY_REGISTERED",
    "KEY_REVOKED",
    "PROBLEM_CODES",
    "RESERVED_KIND_PREFIX",
    "ChainVerifier",
    "Entry",
    "KeyState",
    "PartyKey",
    "Problem",
    "VerifyReport",
    "build_entry",
    "entry_from_json",
    "entry_hash",
    "next_entry",
    "signature_problem",
    "verify_entries",
]

GENESIS_HASH: Final = "0" * 64
KEY_REGISTERED: Final = "key.registered"
KEY_REVOKED: Final = "key.revoked"
RESERVED_KIND_PREFIX: Final = "key."
"""Kinds the ledger writes itself; :func:`skyaccord.ledger.store.append` refuses them."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{32}$")
_RECORD_FIELDS = frozenset({"seq", "time", "kind", "actor", "payload", "prev_hash"})
_SIGNED_FIELDS = frozenset({"signature", "key_id"})


@dataclass(frozen=True)
class Entry:
    """One ledger entry.  ``payload`` is a JSON object (treat it as read-only)."""

    seq: int
    time: float
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    signature: str | None = None
    key_id: str | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    def record(self) -> dict[str, Any]:
        """The fields the hash covers, exactly as hashed."""
        return _record(
            self.seq,
            self.time,
            self.kind,
            self.actor,
            self.payload,
            self.prev_hash,
            self.signature,
            self.key_id,
        )

    def to_json(self) -> dict[str, Any]:
        """The record and its hash: how entries travel (bundles, the API)."""
        return {**self.record(), "hash": self.hash}


@dataclass(frozen=True)
class PartyKey:
    """A party's public key as a store or a bundle lists it (times in POSIX seconds)."""

    key_id: str
    party_id: str
    public_key_pem: str
    created_at: float
    revoked_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "party_id": self.party_id,
            "public_key_pem": self.public_key_pem,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


PROBLEM_CODES: Final = (
    "malformed",  # an entry (or bundle line) is not well formed
    "sequence_gap",  # seq is not the previous seq + 1
    "broken_link",  # prev_hash is not the previous entry's hash
    "hash_mismatch",  # the stored hash is not the hash of the entry's record
    "unknown_key",  # signed with a key no earlier entry registered
    "wrong_party_key",  # signed with another party's key
    "revoked_key",  # signed with a key an earlier entry revoked
    "bad_signature",  # the signature does not verify
    "bad_key_event",  # a key.registered / key.revoked entry that contradicts the chain
    "key_list_mismatch",  # the key list beside the chain disagrees with the chain
    "header",  # a bundle's header is wrong (format, counts, head hash, checksum)
)


@dataclass(frozen=True)
class Problem:
    """Why verification stopped, and where: entry ``seq``, bundle ``line``, key ``key_id``."""

    code: str
    reason: str
    seq: int | None = None
    line: int | None = None
    key_id: str | None = None

    @property
    def where(self) -> str:
        if self.seq is not None:
            return f"entry {self.seq}"
        if self.key_id is not None:
            return f"key {self.key_id}"
        return "bundle header" if self.code == "header" else "ledger"

    def __str__(self) -> str:
        at = f" (line {self.line})" if self.line is not None else ""
        return f"{self.where}{at}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "reason": self.reason,
            "seq": self.seq,
            "line": self.line,
            "key_id": self.key_id,
            "message": str(self),
        }


@dataclass(frozen=True)
class VerifyReport:
    """The outcome: how much verified, the head reached, and the first problem if any.

    ``entries``/``head_seq``/``head_hash`` describe the intact prefix: everything up to the
    first problem (the whole chain when :attr:`ok`).
    """

    entries: int
    signed: int
    keys: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is None:
            return (
                f"ledger intact: {self.entries} entries ({self.signed} signed, "
                f"{self.keys} party keys), head {self.head_seq} {self.head_hash}"
            )
        return f"ledger broken at {self.problem}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "signed": self.signed,
            "keys": self.keys,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "problem": None if self.problem is None else self.problem.to_dict(),
        }


# --- building entries ----------------------------------------------------------------------


def _record(
    seq: int,
    time: float,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    prev_hash: str,
    signature: str | None,
    key_id: str | None,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "seq": seq,
        "time": time,
        "kind": kind,
        "actor": actor,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    if signature is not None or key_id is not None:
        rec["signature"] = signature
        rec["key_id"] = key_id
    return rec


def entry_hash(
    seq: int,
    time: float,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    prev_hash: str,
    signature: str | None = None,
    key_id: str | None = None,
) -> str:
    """SHA-256 (hex) of the canonical JSON of the record (see the module docstring)."""
    rec = _record(seq, time, kind, actor, payload, prev_hash, signature, key_id)
    return hashlib.sha256(canonical_bytes(rec, "entry")).hexdigest()


def _shape_error(
    seq: object,
    time: object,
    kind: object,
    actor: object,
    payload: object,
    prev_hash: object,
    signature: object,
    key_id: object,
) -> tuple[str, str] | None:
    """(field, reason) for the first field that is not well formed, or None."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "seq", "must be an integer ≥ 1"
    if not isinstance(time, int | float) or isinstance(time, bool) or not math.isfinite(time):
        return "time", "must be a finite number of POSIX seconds"
    for name, value in (("kind", kind), ("actor", actor)):
        if not isinstance(value, str) or not _NAME.match(value):
            return name, "must be 1-64 characters of letters, digits, '_', '.', ':', '-'"
    if not isinstance(payload, dict):
        return "payload", "must be a JSON object"
    if not isinstance(prev_hash, str) or not _HASH.match(prev_hash):
        return "prev_hash", "must be 64 lower-case hex digits"
    if (signature is None) != (key_id is None):
        return "signature", "a signature and its key_id come together"
    if signature is not None and not isinstance(signature, str):
        return "signature", "must be a base64 string"
    if key_id is not None and (not isinstance(key_id, str) or not _KEY_ID.match(key_id)):
        return "key_id", "must be 32 lower-case hex digits"
    return None


def next_entry(
    prev: Entry | None,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    *,
    time: float,
    signature: str | None = None,
    key_id: str | None = None,
) -> Entry:
    """The entry that follows ``prev`` (the first entry when ``prev`` is None).

    Checks the fields and that the payload has a canonical form (raising
    :class:`~skyaccord.errors.ValidationError` naming the field); does not check signatures.
    """
    seq = 1 if prev is None else prev.seq + 1
    prev_hash = GENESIS_HASH if prev is None else prev.hash
    return build_entry(seq, prev_hash, kind, actor, payload, time, signature, key_id)


def build_entry(
    seq: int,
    prev_hash: str,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    time: float,
    signature: str | None = None,
    key_id: str | None = None,
) -> Entry:
    """An entry at ``seq`` after the entry hashed ``prev_hash``; fields checked, hash computed."""
    body = dict(payload) if isinstance(payload, Mapping) else payload
    bad = _shape_error(seq, time, kind, actor, body, prev_hash, signature, key_id)
    if bad is not None:
        raise ValidationError(*bad)
    canonical_bytes(body, "payload")  # errors name the payload's own path
    t = float(time)
    h = entry_hash(seq, t, kind, actor, body, prev_hash, signature, key_id)
    return Entry(seq, t, kind, actor, body, prev_hash, h, signature, key_id)


def entry_from_json(obj: object) -> Entry:
    """An entry as :meth:`Entry.to_json` wrote it; exactly those fields, well formed.

    The hash is taken as given (verification compares it); raises ValidationError otherwise.
    """
    if not isinstance(obj, dict):
        raise ValidationError("entry", "must be a JSON object")
    signed = "signature" in obj or "key_id" in obj
    expected = _RECORD_FIELDS | {"hash"} | (_SIGNED_FIELDS if signed else frozenset())
    if set(obj) != expected:
        missing = sorted(expected - set(obj))
        extra = sorted(set(obj) - expected)
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else []
        )
        raise ValidationError("entry", "; ".join(parts))
    bad = _shape_error(
        obj["seq"],
        obj["time"],
        obj["kind"],
        obj["actor"],
        obj["payload"],
        obj["prev_hash"],
        obj.get("signature"),
        obj.get("key_id"),
    )
    if bad is not None:
        raise ValidationError(*bad)
    if signed and (obj["signature"] is None or obj["key_id"] is None):
        raise ValidationError("signature", "signature and key_id must not be null")
    if not isinstance(obj["hash"], str) or not _HASH.match(obj["hash"]):
        raise ValidationError("hash", "must be 64 lower-case hex digits")
    return Entry(
        obj["seq"],
        float(obj["time"]),
        obj["kind"],
        obj["actor"],
        obj["payload"],
        obj["prev_hash"],
        obj["hash"],
        obj.get("signature"),
        obj.get("key_id"),
    )


# --- signatures ------------------------------------------------------------------------------


@dataclass
class KeyState:
    """What the chain says about one key so far."""

    key_id: str
    party: str
    pem: str
    public_key: Ed25519PublicKey
    registered_seq: int  # 0 when the state comes from the store's key table, not the chain
    registered_time: float
    revoked_seq: int | None = None
    revoked_time: float | None = None


def signature_problem(
    key: KeyState | None,
    key_id: str,
    actor: str,
    payload: Mapping[str, Any],
    signature: str,
) -> tuple[str, str] | None:
    """(code, reason) if ``signature`` by key ``key_id`` is not acceptable for ``actor``.

    ``key`` is the key's current state (None: unknown).  Shared by verification (key state
    from the chain) and by appends (key state from the store).
    """
    if key is None:
        return "unknown_key", f"signed with key {key_id}, which is not registered"
    if key.party != actor:
        return (
            "wrong_party_key",
            f"signed with key {key_id} of party {key.party!r}, but the actor is {actor!r}",
        )
    if key.revoked_seq is not None:
        return "revoked_key", f"signed with key {key_id}, revoked by entry {key.revoked_seq}"
    if key.revoked_time is not None:
        return (
            "revoked_key",
            f"signed with key {key_id}, revoked at {format_time(key.revoked_time)}",
        )
    if not signing.verify_signature(key.public_key, payload, signature):
        return "bad_signature", f"the signature does not verify with key {key_id}"
    return None


# --- verification ----------------------------------------------------------------------------


@dataclass
class ChainVerifier:
    """Verifies entries fed in order, from entry 1; remembers the first problem and stops.

    >>> v = ChainVerifier()
    >>> e1 = next_entry(None, "message", "israel", {"text": "shalom"}, time=1.0)
    >>> v.feed(e1) is None
    True
    >>> v.feed(next_entry(None, "message", "russia", {}, time=2.0))  # doctest: +ELLIPSIS
    Problem(code='sequence_gap', reason='expected entry 2, found entry 1', seq=2, ...)
    """

    entries: int = 0
    signed: int = 0
    head_hash: str = GENESIS_HASH
    problem: Problem | None = None
    keys: dict[str, KeyState] = field(default_factory=dict)

    @property
    def next_seq(self) -> int:
        """The seq the next entry must have."""
        return self.entries + 1

    def fail(self, problem: Problem) -> Problem:
        """Record ``problem`` (found by the caller, e.g. an unreadable line) unless one is known."""
        if self.problem is None:
            self.problem = problem
        return self.problem

    def feed(self, entry: Entry) -> Problem | None:
        """Check the next entry; returns the first problem so far (None while all is well)."""
        if self.problem is not None:
            return self.problem
        expected = self.next_seq
        bad = _shape_error(
            entry.seq,
            entry.time,
            entry.kind,
            entry.actor,
            entry.payload,
            entry.prev_hash,
            entry.signature,
            entry.key_id,
        )
        if bad is not None:
            return self.fail(Problem("malformed", f"{bad[0]}: {bad[1]}", expected))
        if entry.seq != expected:
            return self.fail(
                Problem(
                    "sequence_gap", f"expected entry {expected}, found entry {entry.seq}", expected
                )
            )
        if entry.prev_hash != self.head_hash:
            if expected == 1:
                reason = f"prev_hash {entry.prev_hash[:16]}… is not the genesis hash (all zeros)"
            else:
                reason = (
                    f"prev_hash {entry.prev_hash[:16]}… is not entry {expected - 1}'s hash "
                    f"{self.head_hash[:16]}… (entry {expected} altered, or entry "
                    f"{expected - 1} rewritten)"
                )
            return self.fail(Problem("broken_link", reason, expected))
        try:
            actual = entry_hash(*_fields(entry))
        except ValidationError as e:
            return self.fail(Problem("malformed", e.message, expected))
        if actual != entry.hash:
            return self.fail(
                Problem(
                    "hash_mismatch",
                    f"stored hash {entry.hash[:16]}… but the entry hashes to {actual[:16]}… "
                    "(the entry was altered)",
                    expected,
                )
            )
        if entry.signature is not None and entry.key_id is not None:
            sig = signature_problem(
                self.keys.get(entry.key_id),
                entry.key_id,
                entry.actor,
                entry.payload,
                entry.signature,
            )
            if sig is not None:
                return self.fail(Problem(sig[0], sig[1], expected, key_id=entry.key_id))
            self.signed += 1
        if entry.kind.startswith(RESERVED_KIND_PREFIX):
            wrong = self._key_event(entry)
            if wrong is not None:
                return self.fail(Problem("bad_key_event", wrong, expected))
        self.entries = expected
        self.head_hash = entry.hash
        return None

    def _key_event(self, entry: Entry) -> str | None:
        p = entry.payload
        if entry.kind == KEY_REGISTERED:
            if set(p) != {"key_id", "party", "public_key_pem"}:
                return "a key.registered payload has exactly key_id, party, public_key_pem"
            kid, party, pem = p["key_id"], p["party"], p["public_key_pem"]
            if not isinstance(party, str) or not _NAME.match(party):
                return "payload.party: not a party id"
            if not isinstance(pem, str):
                return "payload.public_key_pem: must be a string"
            try:
                pub = signing.load_public_key(pem, "payload.public_key_pem")
            except ValidationError as e:
                return e.message
            if pem != signing.public_key_pem(pub):
                return "payload.public_key_pem: not in the normalized PEM form"
            if kid != signing.key_id(pub):
                return f"payload.key_id: {kid!r} is not the id of this public key"
            if kid in self.keys:
                return f"key {kid} was already registered by entry {self.keys[kid].registered_seq}"
            self.keys[kid] = KeyState(kid, party, pem, pub, entry.seq, entry.time)
            return None
        if entry.kind == KEY_REVOKED:
            if set(p) != {"key_id", "party"}:
                return "a key.revoked payload has exactly key_id, party"
            state = self.keys.get(p["key_id"]) if isinstance(p["key_id"], str) else None
            if state is None:
                return f"revokes key {p['key_id']!r}, which no earlier entry registered"
            if state.party != p["party"]:
                return f"revokes key {state.key_id} of party {state.party!r} as {p['party']!r}'s"
            if state.revoked_seq is not None:
                return f"key {state.key_id} was already revoked by entry {state.revoked_seq}"
            state.revoked_seq, state.revoked_time = entry.seq, entry.time
            return None
        return f"unknown ledger kind {entry.kind!r} (kinds starting 'key.' are reserved)"

    def check_keys(self, keys: Iterable[PartyKey]) -> Problem | None:
        """Cross-check a key list (a store's or a bundle's) against the key entries of the chain.

        Call after the last entry.  Names the registering (or revoking) entry of a key the list
        gets wrong, and the key itself when the chain never registered it.
        """
        if self.problem is not None:
            return self.problem
        seen: set[str] = set()
        for k in keys:
            if k.key_id in seen:
                return self.fail(
                    Problem("key_list_mismatch", "listed twice in the key list", key_id=k.key_id)
                )
            seen.add(k.key_id)
            st = self.keys.get(k.key_id)
            if st is None:
                return self.fail(
                    Problem(
                        "key_list_mismatch",
                        "listed in the key list, but no entry of the ledger registered it",
                        key_id=k.key_id,
                    )
                )
            wrong = [
                name
                for name, same in (
                    ("party", k.party_id == st.party),
                    ("public key", k.public_key_pem == st.pem),
                    ("created_at", k.created_at == st.registered_time),
                    ("revoked_at", k.revoked_at == st.revoked_time),
                )
                if not same
            ]
            if wrong == ["revoked_at"] and st.revoked_seq is None:
                return self.fail(
                    Problem(
                        "key_list_mismatch",
                        f"the key list says key {k.key_id} was revoked, but no entry revokes it",
                        None,
                        key_id=k.key_id,
                    )
                )
            if wrong:
                seq = st.revoked_seq if wrong == ["revoked_at"] else st.registered_seq
                return self.fail(
                    Problem(
                        "key_list_mismatch",
                        f"the key list gives key {k.key_id} a different {', '.join(wrong)} "
                        f"than this entry recorded",
                        seq,
                        key_id=k.key_id,
                    )
                )
        for kid, st in self.keys.items():
            if kid not in seen:
                return self.fail(
                    Problem(
                        "key_list_mismatch",
                        f"registers key {kid}, which is missing from the key list",
                        st.registered_seq,
                        key_id=kid,
                    )
                )
        return None

    def report(self) -> VerifyReport:
        return VerifyReport(
            self.entries, self.signed, len(self.keys), self.entries, self.head_hash, self.problem
        )


def _fields(e: Entry) -> tuple[int, float, str, str, dict[str, Any], str, str | None, str | None]:
    return (e.seq, e.time, e.kind, e.actor, e.payload, e.prev_hash, e.signature, e.key_id)


def verify_entries(
    entries: Iterable[Entry], keys: Sequence[PartyKey] | None = None
) -> VerifyReport:
    """Verify a whole chain from entry 1 (and, if given, the key list beside it).

    >>> e1 = next_entry(None, "message", "israel", {"text": "shalom"}, time=1.0)
    >>> e2 = next_entry(e1, "message", "russia", {"text": "privet"}, time=2.0)
    >>> verify_entries([e1, e2]).ok
    True
    >>> forged = Entry(**{**e2.__dict__, "payload": {"text": "poka"}})
    >>> print(verify_entries([e1, forged]).problem)  # doctest: +ELLIPSIS
    entry 2: stored hash ... but the entry hashes to ... (the entry was altered)
    """
    v = ChainVerifier()
    for e in entries:
        if v.feed(e) is not None:
            break
    if keys is not None:
        v.check_keys(keys)
    return v.report()
