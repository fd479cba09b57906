"""The hash chain, pure: random event sequences verify; every tampering names the tampered entry;
signatures with unknown, other parties' and revoked keys fail; the key list is cross-checked."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyaccord.ledger.chain import (
    GENESIS_HASH,
    KEY_REGISTERED,
    KEY_REVOKED,
    Entry,
    PartyKey,
    next_entry,
    verify_entries,
)
from skyaccord.ledger.signing import (
    Ed25519PrivateKey,
    generate_private_key,
    key_id,
    public_key_pem,
    sign_payload,
)

PARTIES = ("israel", "russia", "usa")
KEYS: dict[str, Ed25519PrivateKey] = {p: generate_private_key() for p in PARTIES}
KIDS = {p: key_id(k) for p, k in KEYS.items()}


class Chain:
    """Builds a chain entry by entry, as the store would."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.t = 1_700_000_000.0

    def add(self, kind: str, actor: str, payload: dict[str, Any], **kw: Any) -> Entry:
        self.t += 1.25
        prev = self.entries[-1] if self.entries else None
        e = next_entry(prev, kind, actor, payload, time=self.t, **kw)
        self.entries.append(e)
        return e

    def register(self, party: str, key: Ed25519PrivateKey | None = None) -> Entry:
        key = key or KEYS[party]
        payload = {"key_id": key_id(key), "party": party, "public_key_pem": public_key_pem(key)}
        return self.add(KEY_REGISTERED, "operator", payload)

    def revoke(self, party: str) -> Entry:
        return self.add(KEY_REVOKED, party, {"key_id": KIDS[party], "party": party})

    def signed(self, party: str, payload: dict[str, Any], key: str | None = None) -> Entry:
        signer = KEYS[key or party]
        return self.add(
            "ack",
            party,
            payload,
            signature=sign_payload(signer, payload),
            key_id=key_id(signer),
        )

    def key_list(self) -> list[PartyKey]:
        out: dict[str, PartyKey] = {}
        for e in self.entries:
            if e.kind == KEY_REGISTERED:
                p = e.payload
                out[p["key_id"]] = PartyKey(p["key_id"], p["party"], p["public_key_pem"], e.time)
            elif e.kind == KEY_REVOKED:
                k = out[e.payload["key_id"]]
                out[k.key_id] = dataclasses.replace(k, revoked_at=e.time)
        return list(out.values())


def rebuilt(entry: Entry, **changes: Any) -> Entry:
    return dataclasses.replace(entry, **changes)


# --- random event sequences ------------------------------------------------------------------

_payload = st.dictionaries(
    st.text(max_size=6),
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.lists(st.integers(-(2**53), 2**53), max_size=3),
    max_size=4,
)
_event = st.tuples(
    st.sampled_from(["intent.filed", "alert.raised", "alert.cleared", "ack", "message"]),
    st.sampled_from(PARTIES),
    _payload,
    st.booleans(),
)


def build(events: list[tuple[str, str, dict[str, Any], bool]]) -> Chain:
    c = Chain()
    for p in PARTIES:
        c.register(p)
    for kind, actor, payload, sign in events:
        if sign:
            c.signed(actor, payload)
        else:
            c.add(kind, actor, payload)
    return c


@settings(max_examples=60, deadline=None)
@given(st.lists(_event, min_size=1, max_size=12))
def test_random_sequences_verify(events: list[tuple[str, str, dict[str, Any], bool]]) -> None:
    c = build(events)
    report = verify_entries(c.entries, c.key_list())
    assert report.ok, report.problem
    assert report.entries == report.head_seq == len(c.entries)
    assert report.head_hash == c.entries[-1].hash
    assert report.signed == sum(1 for *_, s in events if s)
    assert report.keys == len(PARTIES)


_MUTATIONS = [
    "payload",
    "time",
    "kind",
    "actor",
    "prev_hash",
    "hash",
    "signature",
    "seq",
    "drop",
    "swap",
    "unsign",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(_event, min_size=2, max_size=10), st.data())
def test_every_tampering_names_the_tampered_entry(
    events: list[tuple[str, str, dict[str, Any], bool]], data: st.DataObject
) -> None:
    c = build(events)
    entries = list(c.entries)
    i = data.draw(st.integers(0, len(entries) - 1), label="index")
    e = entries[i]
    how = data.draw(st.sampled_from(_MUTATIONS), label="mutation")
    if how == "payload":
        entries[i] = rebuilt(e, payload={**e.payload, "tampered": True})
    elif how == "time":
        entries[i] = rebuilt(e, time=e.time + 0.001)
    elif how == "kind":
        entries[i] = rebuilt(e, kind=e.kind + "x")
    elif how == "actor":
        entries[i] = rebuilt(e, actor="turkey")
    elif how == "prev_hash":
        entries[i] = rebuilt(e, prev_hash=("f" if e.prev_hash[0] != "f" else "e") + e.prev_hash[1:])
    elif how == "hash":
        entries[i] = rebuilt(e, hash=("1" if e.hash[0] != "1" else "2") + e.hash[1:])
    elif how == "signature":
        other = sign_payload(KEYS["usa"], {"x": 1})
        entries[i] = rebuilt(e, signature=other, key_id=e.key_id or KIDS["usa"])
    elif how == "seq":
        entries[i] = rebuilt(e, seq=e.seq + 7)
    elif how == "drop":
        if i + 1 == len(entries):  # dropping the head leaves a valid, shorter chain (see below)
            i -= 1
        del entries[i]
    elif how == "swap":
        if i + 1 == len(entries):
            i -= 1
        entries[i], entries[i + 1] = entries[i + 1], entries[i]
    elif how == "unsign":
        entries[i] = rebuilt(e, signature=None, key_id=None)
        if not e.signed:
            entries[i] = rebuilt(e, payload={**e.payload, "x": 1})
    report = verify_entries(entries, c.key_list())
    assert not report.ok
    assert report.problem is not None
    assert report.problem.seq == i + 1, (how, report.problem)
    assert report.entries == i  # everything before it verified
    assert str(report.problem).startswith(f"entry {i + 1}")


def test_dropping_the_head_is_only_visible_against_a_known_head() -> None:
    """Truncation leaves a valid chain: a party detects it by the head hash it was given."""
    c = build([("message", "usa", {"n": 1}, False), ("message", "usa", {"n": 2}, False)])
    shorter = verify_entries(c.entries[:-1], c.key_list())
    assert shorter.ok
    assert shorter.head_hash != c.entries[-1].hash


def test_rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link() -> None:
    c = build([("message", "usa", {"n": n}, False) for n in range(4)])
    e = c.entries[4]
    forged = next_entry(c.entries[3], e.kind, e.actor, {"n": 99}, time=e.time)
    report = verify_entries([*c.entries[:4], forged, *c.entries[5:]])
    assert report.problem is not None
    assert report.problem.code == "broken_link"
    assert report.problem.seq == 6
    assert "entry 5 rewritten" in report.problem.reason


def test_genesis() -> None:
    e1 = next_entry(None, "message", "usa", {}, time=1.0)
    assert e1.seq == 1 and e1.prev_hash == GENESIS_HASH
    assert verify_entries([]).ok and verify_entries([]).head_hash == GENESIS_HASH
    wrong = verify_entries([rebuilt(e1, prev_hash="a" * 64)])
    assert wrong.problem is not None and wrong.problem.code == "broken_link"
    assert wrong.problem.seq == 1
    later = next_entry(e1, "message", "usa", {}, time=2.0)
    gap = verify_entries([later])
    assert gap.problem is not None and gap.problem.code == "sequence_gap"


# --- signatures and keys ---------------------------------------------------------------------


def test_signatures_need_a_registered_key_of_the_actor() -> None:
    c = Chain()
    c.register("israel")
    c.signed("israel", {"alert": "a-1"})
    assert verify_entries(c.entries).ok

    unknown = Chain()
    unknown.signed("russia", {"alert": "a-1"})
    p = verify_entries(unknown.entries).problem
    assert p is not None and (p.code, p.seq, p.key_id) == ("unknown_key", 1, KIDS["russia"])

    other = Chain()
    other.register("israel")
    other.signed("russia", {"alert": "a-1"}, key="israel")  # russia signs with israel's key
    p = verify_entries(other.entries).problem
    assert p is not None and (p.code, p.seq) == ("wrong_party_key", 2)

    bad = Chain()
    bad.register("israel")
    e = bad.signed("israel", {"alert": "a-1"})
    # A signature of another payload, with the hash recomputed so only the signature is wrong.
    forged = next_entry(
        bad.entries[0],
        e.kind,
        e.actor,
        e.payload,
        time=e.time,
        signature=sign_payload(KEYS["israel"], {"alert": "a-2"}),
        key_id=e.key_id,
    )
    p = verify_entries([bad.entries[0], forged]).problem
    assert p is not None and (p.code, p.seq) == ("bad_signature", 2)


def test_revocation_is_not_retroactive() -> None:
    c = Chain()
    c.register("israel")
    c.signed("israel", {"alert": "a-1"})  # before revocation: stays valid
    c.revoke("israel")
    assert verify_entries(c.entries, c.key_list()).ok
    c.signed("israel", {"alert": "a-2"})  # after: refused
    p = verify_entries(c.entries).problem
    assert p is not None and (p.code, p.seq) == ("revoked_key", 4)
    assert "revoked by entry 3" in p.reason


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("twice", "already registered by entry 1"),
        ("wrong_id", "is not the id of this public key"),
        ("revoke_unknown", "which no earlier entry registered"),
        ("revoke_twice", "already revoked by entry 2"),
        ("revoke_other_party", "of party 'israel' as 'russia'"),
        ("unknown_kind", "unknown ledger kind"),
        ("bad_pem", "public_key_pem"),
    ],
)
def test_key_events_are_checked(setup: str, reason: str) -> None:
    c = Chain()
    c.register("israel")
    pem = public_key_pem(KEYS["russia"])
    if setup == "twice":
        c.register("israel")
    elif setup == "wrong_id":
        c.add(
            KEY_REGISTERED,
            "operator",
            {"key_id": "0" * 32, "party": "russia", "public_key_pem": pem},
        )
    elif setup == "revoke_unknown":
        c.revoke("russia")
    elif setup == "revoke_twice":
        c.revoke("israel")
        c.revoke("israel")
    elif setup == "revoke_other_party":
        c.add(KEY_REVOKED, "russia", {"key_id": KIDS["israel"], "party": "russia"})
    elif setup == "unknown_kind":
        c.add("key.rotated", "israel", {})
    elif setup == "bad_pem":
        c.add(
            KEY_REGISTERED,
            "operator",
            {
                "key_id": KIDS["russia"],
                "party": "russia",
                "public_key_pem": pem.replace("\n", "\r\n"),
            },
        )
    p = verify_entries(c.entries).problem
    assert p is not None and p.code == "bad_key_event", p
    assert p.seq == len(c.entries)
    assert reason in p.reason


def test_key_list_is_cross_checked_against_the_chain() -> None:
    c = Chain()
    c.register("israel")
    c.register("russia")
    c.revoke("russia")
    good = c.key_list()
    assert verify_entries(c.entries, good).ok

    def problem(keys: list[PartyKey]) -> tuple[str, int | None, str | None]:
        p = verify_entries(c.entries, keys).problem
        assert p is not None
        assert p.code == "key_list_mismatch"
        return p.reason, p.seq, p.key_id

    israel, russia = good
    reason, seq, kid = problem([dataclasses.replace(israel, party_id="usa"), russia])
    assert (seq, kid) == (1, israel.key_id) and "party" in reason
    reason, seq, _ = problem([israel, dataclasses.replace(russia, revoked_at=None)])
    assert seq == 3 and "revoked_at" in reason  # names the revoking entry
    reason, seq, _ = problem([israel, dataclasses.replace(russia, created_at=0.0)])
    assert seq == 2 and "created_at" in reason
    reason, seq, _ = problem(
        [dataclasses.replace(israel, public_key_pem=public_key_pem(KEYS["usa"])), russia]
    )
    assert seq == 1 and "public key" in reason
    reason, seq, _ = problem([israel])
    assert seq == 2 and "missing from the key list" in reason
    stray = PartyKey(KIDS["usa"], "usa", public_key_pem(KEYS["usa"]), 1.0)
    reason, seq, kid = problem([israel, russia, stray])
    assert seq is None and kid == KIDS["usa"] and "no entry" in reason
    reason, _, _ = problem([israel, israel, russia])
    assert "twice" in reason


def test_malformed_entries_are_named() -> None:
    c = build([("message", "usa", {"n": 1}, False)] * 2)
    e = c.entries[3]
    for change in (
        {"kind": ""},
        {"actor": "with space"},
        {"payload": ["not", "an", "object"]},
        {"time": float("nan")},
        {"signature": "x"},  # without key_id
        {"prev_hash": "XYZ"},
    ):
        p = verify_entries([*c.entries[:3], rebuilt(e, **change)]).problem
        assert p is not None and (p.code, p.seq) == ("malformed", 4), change


def test_report_serializes() -> None:
    c = build([("message", "usa", {"n": 1}, False)])
    report = verify_entries(c.entries)
    d = report.to_dict()
    assert d["ok"] is True and d["problem"] is None and d["head_seq"] == len(c.entries)
    assert report.summary().startswith(f"ledger intact: {len(c.entries)} entries")
    broken = verify_entries([rebuilt(c.entries[0], time=0.0)])
    assert broken.to_dict()["problem"]["seq"] == 1
    assert broken.summary().startswith("ledger broken at entry 1: ")
