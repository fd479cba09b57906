"""Bundles: export → verify offline → tamper → verification names the tampered entry.

The exhaustive test flips every byte of a real bundle, one at a time, and checks that the report
names exactly the line (and, on an entry line, the entry) that was changed.
"""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from skyaccord.errors import ValidationError
from skyaccord.ledger import store as ls
from skyaccord.ledger.bundle import (
    BundleHeader,
    export_bundle,
    verify_bundle,
    verify_bundle_bytes,
    write_bundle,
)
from skyaccord.ledger.canonical import canonical_bytes
from skyaccord.ledger.chain import GENESIS_HASH, Problem, entry_hash
from skyaccord.ledger.signing import generate_private_key, public_key_pem, sign_payload
from skyaccord.store import Store

T0 = 1_700_000_000.0


def fill(s: Store) -> None:
    """Two keys (one revoked), signed and unsigned entries, unicode and awkward numbers."""
    israel, russia = generate_private_key(), generate_private_key()
    ik = s.transact(lambda c: ls.register_key(c, "israel", public_key_pem(israel), time=T0))
    rk = s.transact(lambda c: ls.register_key(c, "russia", public_key_pem(russia), time=T0 + 1))
    events: list[tuple[str, str, dict[str, Any], Any]] = [
        ("intent.filed", "israel", {"id": "iaf-0917", "alt_m": [4572.0, 9144.0]}, israel),
        (
            "alert.raised",
            "server",
            {"alert": "a-1", "text": "Су-24 близ Yayladağı", "d": 2.19},
            None,
        ),
        ("ack", "russia", {"alert": "a-1", "version": 1, "note": "принято ✓"}, russia),
        ("message", "israel", {"text": '"quoted"\n\ttabbed \\ 😀', "n": 1e21}, None),
        ("alert.cleared", "server", {"alert": "a-1", "small": 1e-7, "neg": -0.5}, None),
    ]
    for i, (kind, actor, payload, key) in enumerate(events):
        kw: dict[str, Any] = {}
        if key is not None:
            kw = {"signature": sign_payload(key, payload), "key_id": ik if key is israel else rk}
        s.transact(
            partial(
                ls.append, kind=kind, actor=actor, payload=payload, time=T0 + 10 + i * 0.5, **kw
            )
        )
    s.transact(lambda c: ls.revoke_key(c, rk, time=T0 + 20, actor="operator"))


def export(s: Store, path: Path) -> BundleHeader:
    return s.transact(lambda c: export_bundle(c, path, exported_at=T0 + 30), write=False)


@pytest.fixture
def bundle(sqlite_ledger_store: Store, tmp_path: Path) -> Path:
    """A bundle exported from SQLite (exporting from PostgreSQL is tested on its own)."""
    fill(sqlite_ledger_store)
    path = tmp_path / "ledger.jsonl"
    export(sqlite_ledger_store, path)
    return path


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_export_then_verify_offline(ledger_store: Store, tmp_path: Path) -> None:
    fill(ledger_store)
    bundle = tmp_path / "ledger.jsonl"
    export(ledger_store, bundle)
    lines = lines_of(bundle)
    header, keys, entries = lines[0], lines[1:3], lines[3:]
    assert header["type"] == "header" and header["count"] == 8 == len(entries)
    assert [k["type"] for k in keys] == ["key", "key"] and keys[1]["revoked_at"] == T0 + 20
    assert [e["seq"] for e in entries] == list(range(1, 9))
    head = ledger_store.transact(ls.head, write=False)
    assert head is not None and header["head_hash"] == head.hash

    ledger_store.dispose()  # no store from here on
    report = verify_bundle(bundle)
    assert report.ok, report.problem
    assert (report.entries, report.signed, report.keys) == (8, 2, 2)
    assert report.head_hash == header["head_hash"]


def test_the_format_is_verifiable_without_skyaccord(bundle: Path) -> None:
    """The recipe in the module docstring, with hashlib and json only."""
    prev = "0" * 64
    for i, line in enumerate(bundle.read_bytes().splitlines()[3:], start=1):
        obj = json.loads(line)
        record = {k: v for k, v in obj.items() if k not in ("type", "hash")}
        text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        # json.dumps differs from JCS on floats; use our canonical form only where it must.
        assert canonical_bytes(record) == text.encode() or any(
            isinstance(v, float) for v in _leaves(record)
        )
        assert hashlib.sha256(canonical_bytes(record)).hexdigest() == obj["hash"]
        assert obj["seq"] == i and obj["prev_hash"] == prev
        prev = obj["hash"]


def _leaves(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    if isinstance(x, list):
        return [leaf for v in x for leaf in _leaves(v)]
    return [x]


def test_every_single_byte_change_is_named(bundle: Path, tmp_path: Path) -> None:
    data = bundle.read_bytes()
    starts = [0, *[i + 1 for i, b in enumerate(data) if b == 0x0A][:-1]]
    n_keys = 2

    def line_of(pos: int) -> int:
        return sum(1 for s in starts if s <= pos)

    for pos in range(len(data)):
        for change in (lambda b: b ^ 0x01, *_others(pos)):
            new = change(data[pos])
            if new == data[pos]:
                continue
            r = verify_bundle_bytes(data[:pos] + bytes([new]) + data[pos + 1 :])
            line = line_of(pos)
            where = f"byte {pos} ({data[pos]:#x}→{new:#x}) on line {line}"
            assert r.problem is not None, f"{where}: not detected"
            assert r.problem.line == line, f"{where}: named {r.problem}"
            if line == 1:
                assert r.problem.code == "header", where
            elif line > 1 + n_keys:
                assert r.problem.seq == line - 1 - n_keys, f"{where}: named {r.problem}"
                assert str(r.problem).startswith(f"entry {line - 1 - n_keys} (line {line})")
    # the same through a file
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(data.replace(b'"version":1}', b'"version":2}', 1))
    assert verify_bundle(tampered).problem == verify_bundle_bytes(tampered.read_bytes()).problem
    assert verify_bundle_bytes(data).ok


def _others(pos: int) -> list[Any]:
    """Other replacements on every 11th byte: newline, space, digit, NUL, a UTF-8 lead byte."""
    if pos % 11:
        return []
    return [lambda b, v=v: v for v in (0x0A, 0x20, 0x30, 0x00, 0xC3)]


def _rewrite(path: Path, lineno: int, change: Any) -> None:
    lines = path.read_bytes().splitlines()
    obj = json.loads(lines[lineno - 1])
    change(obj)
    lines[lineno - 1] = canonical_bytes(obj)
    path.write_bytes(b"\n".join(lines) + b"\n")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time", T0 - 1),
        ("kind", "message"),
        ("actor", "usa"),
        ("payload", {"forged": True}),
        ("prev_hash", "f" * 64),
        ("hash", "a" * 64),
        ("seq", 42),
    ],
)
@pytest.mark.parametrize("seq", [1, 3, 5, 8])
def test_changing_any_field_of_any_entry_names_it(
    bundle: Path, field: str, value: Any, seq: int
) -> None:
    _rewrite(bundle, 3 + seq, lambda o: o.__setitem__(field, value))
    r = verify_bundle(bundle)
    assert r.problem is not None and (r.problem.seq, r.problem.line) == (seq, 3 + seq)
    assert r.entries == seq - 1


def test_signatures_and_key_lines(bundle: Path, tmp_path: Path) -> None:
    original = bundle.read_bytes()

    def check(lineno: int, change: Any, seq: int | None, code: str) -> None:
        bundle.write_bytes(original)
        _rewrite(bundle, lineno, change)
        r = verify_bundle(bundle)
        assert r.problem is not None
        assert (r.problem.line, r.problem.seq, r.problem.code) == (lineno, seq, code), r.problem

    # the ack (entry 5, line 8) re-signed by israel's key: hash mismatch first
    check(8, lambda o: o.__setitem__("key_id", lines_of(bundle)[1]["key_id"]), 5, "hash_mismatch")
    check(8, lambda o: (o.pop("signature"), o.pop("key_id")), 5, "hash_mismatch")
    check(8, lambda o: o.pop("key_id"), 5, "malformed")
    # the key list: each field of each key, named by its line and its registering entry
    check(2, lambda o: o.__setitem__("party_id", "usa"), 1, "key_list_mismatch")
    check(3, lambda o: o.__setitem__("revoked_at", None), 8, "key_list_mismatch")
    check(3, lambda o: o.__setitem__("created_at", 0), 2, "key_list_mismatch")
    other = public_key_pem(generate_private_key())
    check(2, lambda o: o.__setitem__("public_key_pem", other), 1, "key_list_mismatch")
    check(2, lambda o: o.__setitem__("key_id", "0" * 32), None, "key_list_mismatch")


def test_rewriting_history_with_fresh_hashes(bundle: Path) -> None:
    """Recomputing hashes moves the break to the next link, then to the header; a signed
    payload cannot be rewritten at all; the header's head hash is what parties must keep."""
    original = [json.loads(line) for line in bundle.read_bytes().splitlines()]

    def rehash(o: dict[str, Any]) -> None:
        rec = {k: v for k, v in o.items() if k not in ("type", "hash")}
        o["hash"] = entry_hash(**rec)

    def forge(seq: int, payload: dict[str, Any], through: int) -> Problem | None:
        lines = json.loads(json.dumps(original))
        lines[2 + seq]["payload"] = payload
        for i in range(2 + seq, 3 + through):
            lines[i]["prev_hash"] = lines[i - 1]["hash"] if i > 3 else GENESIS_HASH
            rehash(lines[i])
        bundle.write_bytes(b"".join(canonical_bytes(o) + b"\n" for o in lines))
        return verify_bundle(bundle).problem

    # entry 4 (unsigned) rewritten with a fresh hash: the link from entry 5 breaks
    p = forge(4, {"alert": "a-1", "text": "nothing happened"}, through=4)
    assert p is not None and (p.seq, p.code, p.line) == (5, "broken_link", 8)
    assert "entry 4 rewritten" in p.reason
    # ... and the whole tail rehashed: only the header's head hash gives it away
    p = forge(4, {"alert": "a-1", "text": "nothing happened"}, through=8)
    assert p is not None and (p.code, p.line) == ("header", 1) and "head_hash" in p.reason
    # entry 5, an acknowledgement signed by russia, cannot be rewritten even then
    p = forge(5, {"alert": "a-1", "version": 1, "note": "не принято"}, through=8)
    assert p is not None and (p.seq, p.code, p.line) == (5, "bad_signature", 8)


@pytest.mark.parametrize(
    ("mangle", "line", "code"),
    [
        (lambda ls: ls[:-1], 1, "header"),  # the last entry dropped: count and head differ
        (lambda ls: ls[:4] + ls[5:], 5, "sequence_gap"),  # entry 2 dropped
        (lambda ls: [*ls[:4], ls[5], ls[4], *ls[6:]], 5, "sequence_gap"),  # swapped
        (lambda ls: ls[:1] + ls[2:], 1, "header"),  # a key line dropped: the key count differs
        (lambda ls: [*ls, ls[1]], 12, "malformed"),  # a key line after the entries
        (lambda ls: [*ls, b"{}"], 12, "malformed"),
        (lambda ls: [*ls, b""], 12, "malformed"),  # a blank line
        (lambda ls: [], 1, "header"),
    ],
)
def test_lines_dropped_moved_or_added(bundle: Path, mangle: Any, line: int, code: str) -> None:
    lines = bundle.read_bytes().splitlines()
    bundle.write_bytes(b"".join(line + b"\n" for line in mangle(lines)))
    p = verify_bundle(bundle).problem
    assert p is not None and (p.line, p.code) == (line, code), p


def test_a_key_line_dropped_names_the_registering_entry(bundle: Path) -> None:
    lines = bundle.read_bytes().splitlines()
    header = json.loads(lines[0])
    header["keys"] = 1
    header["checksum"] = hashlib.sha256(
        canonical_bytes({k: v for k, v in header.items() if k != "checksum"})
    ).hexdigest()
    bundle.write_bytes(b"".join(x + b"\n" for x in [canonical_bytes(header), *lines[2:]]))
    p = verify_bundle(bundle).problem
    assert p is not None and (p.code, p.seq, p.line) == ("key_list_mismatch", 1, 3)
    assert "missing from the key list" in p.reason


def test_header_checks(bundle: Path) -> None:
    original = bundle.read_bytes()

    def check(change: Any, reason: str, fix_checksum: bool = True) -> None:
        lines = original.splitlines()
        header = json.loads(lines[0])
        change(header)
        if fix_checksum:
            body = {k: v for k, v in header.items() if k != "checksum"}
            header["checksum"] = hashlib.sha256(canonical_bytes(body)).hexdigest()
        bundle.write_bytes(b"".join(x + b"\n" for x in [canonical_bytes(header), *lines[1:]]))
        p = verify_bundle(bundle).problem
        assert p is not None and (p.code, p.line) == ("header", 1)
        assert reason in p.reason, p

    check(lambda h: h.__setitem__("version", 2), "this skyaccord reads version 1")
    check(lambda h: h.__setitem__("format", "other"), "not a skyaccord-ledger-bundle header")
    check(lambda h: h.__setitem__("count", 7), "count is 7 but the bundle has 8")
    check(lambda h: h.__setitem__("exported_at", "yesterday"), "exported_at")
    check(lambda h: h.__setitem__("extra", 1), "fields must be exactly")
    check(lambda h: h.__setitem__("exported_at", "2031-01-01T00:00:00Z"), "checksum", False)


def test_empty_ledger_and_unreadable_files(ledger_store: Store, tmp_path: Path) -> None:
    tmp_path = tmp_path / "bundles"
    tmp_path.mkdir()
    path = tmp_path / "empty.jsonl"
    header = export(ledger_store, path)
    assert (header.count, header.head_hash) == (0, GENESIS_HASH)
    assert verify_bundle(path).ok
    with pytest.raises(ValidationError, match="cannot read"):
        verify_bundle(tmp_path / "missing.jsonl")
    with pytest.raises(ValidationError, match="cannot write"):
        write_bundle(tmp_path / "no" / "such" / "dir.jsonl", header, [], [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]  # no temporary left
