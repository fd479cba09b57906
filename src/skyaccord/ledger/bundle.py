"""Ledger bundles: one file that a third party verifies offline, without skyaccord's store.

Format (version 1): UTF-8 JSON lines, each line one canonical JSON object
(:mod:`skyaccord.ledger.canonical`) followed by ``\\n``:

1. a header::

     {"checksum": "<hex>", "count": 3, "exported_at": "2030-09-17T18:45:00Z",
      "format": "skyaccord-ledger-bundle", "head_hash": "<hex>", "head_seq": 3, "keys": 1,
      "type": "header", "version": 1}

   ``checksum`` is the SHA-256 of the canonical JSON of the header without ``checksum``.  It
   catches damage to the header, nothing more: anyone can recompute it.  What makes the bundle
   tamper-evident is the chain, and ``head_hash``, which a party can compare with the head hash
   it was shown when it acknowledged;
2. one line per party key, ``{"type": "key", "key_id", "party_id", "public_key_pem",
   "created_at", "revoked_at"}``;
3. one line per entry, entry 1 first: the entry's record, its ``hash`` and ``"type": "entry"``
   (see :mod:`skyaccord.ledger.chain`).

To verify without skyaccord: check each line is canonical JSON; for each entry line, drop
``type`` and ``hash``, hash the canonical JSON of the rest with SHA-256 and compare with ``hash``;
check ``seq`` counts from 1, ``prev_hash`` is the previous ``hash`` (64 zeros for entry 1);
check signatures (Ed25519 over the canonical JSON of ``payload``) with the keys registered by
earlier ``key.registered`` entries; compare the key lines and the header with the chain.

:func:`verify_bundle` does all this and names the first broken entry and its line.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from sqlalchemy.engine import Connection

from skyaccord.errors import ValidationError
from skyaccord.ledger import store as ledger_store
from skyaccord.ledger.canonical import canonical_bytes, loads
from skyaccord.ledger.chain import (
    GENESIS_HASH,
    ChainVerifier,
    Entry,
    PartyKey,
    Problem,
    VerifyReport,
    entry_from_json,
)
from skyaccord.timefmt import format_time, parse_time

__all__ = [
    "FORMAT",
    "VERSION",
    "BundleHeader",
    "export_bundle",
    "verify_bundle",
    "verify_bundle_bytes",
    "write_bundle",
]

FORMAT: Final = "skyaccord-ledger-bundle"
VERSION: Final = 1
_HEADER_FIELDS = frozenset(
    {
        "type",
        "format",
        "version",
        "exported_at",
        "count",
        "head_seq",
        "head_hash",
        "keys",
        "checksum",
    }
)
_KEY_FIELDS = frozenset(
    {"type", "key_id", "party_id", "public_key_pem", "created_at", "revoked_at"}
)


@dataclass(frozen=True)
class BundleHeader:
    """What the first line of a bundle says."""

    exported_at: float
    count: int
    head_seq: int
    head_hash: str
    keys: int

    def to_json(self) -> dict[str, Any]:
        h: dict[str, Any] = {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "exported_at": format_time(self.exported_at),
            "count": self.count,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "keys": self.keys,
        }
        h["checksum"] = _checksum(h)
        return h


def _checksum(header: dict[str, Any]) -> str:
    body = {k: v for k, v in header.items() if k != "checksum"}
    return hashlib.sha256(canonical_bytes(body, "header")).hexdigest()


# --- writing ---------------------------------------------------------------------------------


def write_bundle(
    path: str | Path,
    header: BundleHeader,
    keys: Sequence[PartyKey],
    entries: Iterable[Entry],
) -> None:
    """Write a bundle atomically (a temporary file renamed over ``path`` once complete)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(canonical_bytes(header.to_json()) + b"\n")
            for k in keys:
                f.write(canonical_bytes({"type": "key", **k.to_json()}) + b"\n")
            for e in entries:
                f.write(canonical_bytes({"type": "entry", **e.to_json()}) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(target)
    except OSError as e:
        raise ValidationError("out", f"cannot write {target}: {e.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def export_bundle(conn: Connection, path: str | Path, *, exported_at: float) -> BundleHeader:
    """Write the whole ledger and the key table, as of the caller's transaction, to ``path``.

    Run it in one transaction (``store.transact(..., write=False)``) so that the header, the
    keys and the entries are one consistent snapshot.  Entries are exported as stored, broken
    links and wrong hashes included, so the bundle shows what the store holds; a row whose
    payload is no longer JSON cannot be written and raises StoreError.
    """
    top = ledger_store.head(conn)
    keys = ledger_store.keys(conn)
    header = BundleHeader(
        exported_at,
        ledger_store.count(conn),
        0 if top is None else int(top.seq),
        GENESIS_HASH if top is None else str(top.hash),
        len(keys),
    )
    write_bundle(path, header, keys, ledger_store.iter_entries(conn))
    return header


# --- verifying -------------------------------------------------------------------------------


def verify_bundle(path: str | Path) -> VerifyReport:
    """Verify a bundle file offline; the report names the first broken entry (or key, or header).

    An unreadable file is a ValidationError; everything wrong *inside* the file is a report.
    """
    try:
        with Path(path).open("rb") as f:
            return _verify_lines(enumerate(f, start=1))
    except OSError as e:
        raise ValidationError("bundle", f"cannot read {path}: {e.strerror}") from None


def verify_bundle_bytes(data: bytes) -> VerifyReport:
    """:func:`verify_bundle` for a bundle held in memory (e.g. one received over HTTP)."""
    lines = data.split(b"\n")
    with_newlines = [line + b"\n" for line in lines[:-1]]
    if lines[-1]:
        with_newlines.append(lines[-1])  # a last line without its newline
    return _verify_lines(enumerate(with_newlines, start=1))


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _line_object(lineno: int, raw: bytes, what: str, seq: int | None) -> dict[str, Any]:
    """The JSON object on a line that must be canonical JSON ending in a newline."""

    def bad(reason: str) -> _Stop:
        code = "header" if what == "header" else "malformed"
        return _Stop(Problem(code, f"{what} line: {reason}", seq, lineno))

    if not raw.endswith(b"\n"):
        raise bad("does not end with a newline (truncated or altered)")
    body = raw[:-1]
    try:
        obj = loads(body, what)
    except ValidationError as e:
        raise bad(e.reason) from None
    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    try:
        canonical = canonical_bytes(obj, what)
    except ValidationError as e:
        raise bad(e.reason) from None
    if canonical != body:
        raise bad("not in canonical JSON form (altered)")
    return obj


def _header(lineno: int, raw: bytes) -> dict[str, Any]:
    h = _line_object(lineno, raw, "header", None)

    def bad(reason: str) -> _Stop:
        return _Stop(Problem("header", reason, None, lineno))

    if h.get("type") != "header" or h.get("format") != FORMAT:
        raise bad(f"not a {FORMAT} header")
    if h.get("version") != VERSION:
        raise bad(f"bundle version {h.get('version')!r}; this skyaccord reads version {VERSION}")
    if set(h) != _HEADER_FIELDS:
        raise bad(f"fields must be exactly {', '.join(sorted(_HEADER_FIELDS))}")
    if h["checksum"] != _checksum(h):
        raise bad("checksum does not match the header (the header was altered)")
    for name in ("count", "head_seq", "keys"):
        if not isinstance(h[name], int) or h[name] < 0:
            raise bad(f"{name} must be a count")
    try:
        parse_time(h["exported_at"], "exported_at")
    except ValidationError as e:
        raise bad(e.message) from None
    return h


def _key(obj: dict[str, Any], lineno: int) -> PartyKey:
    def bad(reason: str) -> _Stop:
        kid = obj.get("key_id") if isinstance(obj.get("key_id"), str) else None
        return _Stop(Problem("malformed", f"key line: {reason}", None, lineno, kid))

    if set(obj) != _KEY_FIELDS:
        raise bad(f"fields must be exactly {', '.join(sorted(_KEY_FIELDS))}")
    for name in ("key_id", "party_id", "public_key_pem"):
        if not isinstance(obj[name], str):
            raise bad(f"{name} must be a string")
    created, revoked = obj["created_at"], obj["revoked_at"]
    if not isinstance(created, int | float) or isinstance(created, bool):
        raise bad("created_at must be POSIX seconds")
    if revoked is not None and (not isinstance(revoked, int | float) or isinstance(revoked, bool)):
        raise bad("revoked_at must be POSIX seconds or null")
    return PartyKey(
        obj["key_id"],
        obj["party_id"],
        obj["public_key_pem"],
        float(created),
        None if revoked is None else float(revoked),
    )


def _verify_lines(lines: Iterator[tuple[int, bytes]]) -> VerifyReport:
    v = ChainVerifier()
    try:
        _walk(v, lines)
    except _Stop as stop:
        v.problem = stop.problem  # the first problem, now with its line
    return v.report()


def _walk(v: ChainVerifier, lines: Iterator[tuple[int, bytes]]) -> None:
    first = next(lines, None)
    if first is None:
        raise _Stop(Problem("header", "the file is empty", None, 1))
    header = _header(*first)
    keys: list[PartyKey] = []
    key_line: dict[str, int] = {}
    entry_line: dict[int, int] = {}
    in_entries = False
    for lineno, raw in lines:
        # Which line this should be if it cannot be read: the header's key count decides.
        as_entry = in_entries or len(keys) >= header["keys"]
        seq = v.next_seq if as_entry else None
        what = "entry" if as_entry else "key"
        obj = _line_object(lineno, raw, what, seq)
        kind = obj.get("type")
        if kind == "key" and not in_entries:
            k = _key(obj, lineno)
            keys.append(k)
            key_line.setdefault(k.key_id, lineno)
        elif kind == "entry":
            in_entries = True
            body = {name: value for name, value in obj.items() if name != "type"}
            try:
                entry = entry_from_json(body)
            except ValidationError as e:
                raise _Stop(
                    Problem("malformed", f"entry line: {e.message}", v.next_seq, lineno)
                ) from None
            seq = v.next_seq
            entry_line[seq] = lineno
            problem = v.feed(entry)
            if problem is not None:
                raise _Stop(replace(problem, line=lineno))
        else:
            reason = f"unexpected line of type {kind!r}"
            if kind == "key":
                reason = "a key line after the entries"
            raise _Stop(Problem("malformed", f"{what} line: {reason}", seq, lineno))
    facts = {
        "keys": len(keys),
        "count": v.entries,
        "head_seq": v.entries,
        "head_hash": v.head_hash,
    }
    for name, actual in facts.items():
        if header[name] != actual:
            raise _Stop(
                Problem(
                    "header",
                    f"{name} is {header[name]!r} but the bundle has {actual!r}",
                    None,
                    1,
                )
            )
    problem = v.check_keys(keys)
    if problem is not None:
        line = key_line.get(problem.key_id or "")
        if line is None and problem.seq is not None:
            line = entry_line.get(problem.seq)
        raise _Stop(replace(problem, line=line))
