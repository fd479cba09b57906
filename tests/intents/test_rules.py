"""Pure strategic rules: conflicts, the key rule and minimum notice, without a store."""

from __future__ import annotations

import numpy as np

from skyaccord.geo.volumes import Volume4D, VolumeArray, polygon_outline
from skyaccord.intents.model import IntentRef, State
from skyaccord.intents.rules import (
    Candidate,
    CandidateSet,
    NoticeViolation,
    find_conflicts,
    missing_keys,
    notice_violations,
)

T = 1_700_000_000.0


def _box(
    lat: float, lon: float, size: float = 0.1, t0: float = T, t1: float = T + 3600
) -> Volume4D:
    la = [lat, lat, lat + size, lat + size]
    lo = [lon, lon + size, lon + size, lon]
    return Volume4D(polygon_outline(la, lo), 0.0, 1000.0, t0, t1)


def _cands(*items: tuple[str, str, str, list[Volume4D]]) -> CandidateSet:
    cands, vols, owner_of = [], [], []
    for i, (kind, cid, owner, vs) in enumerate(items):
        ref = (
            IntentRef(cid, owner, State.ACCEPTED, 1, f"ovn-{cid}", T, T + 3600)
            if kind == "intent"
            else None
        )
        cands.append(Candidate(kind, cid, owner, ref))
        vols.extend(vs)
        owner_of.extend([i] * len(vs))
    return CandidateSet(
        tuple(cands), VolumeArray.from_volumes(vols), np.array(owner_of, dtype=np.int64)
    )


def test_find_conflicts_groups_overlaps_by_candidate() -> None:
    cands = _cands(
        ("intent", "a", "p", [_box(0.05, 0.05), _box(0.0, 0.0, 0.02), _box(5.0, 5.0)]),
        ("intent", "b", "q", [_box(1.0, 1.0)]),
        ("airspace", "z", "r", [_box(-0.05, -0.05)]),
        ("intent", "later", "q", [_box(0.0, 0.0, t0=T + 3600, t1=T + 7200)]),
    )
    found = find_conflicts([_box(0.0, 0.0)], cands)
    assert [(c.kind, c.other_id, c.other_owner, len(c.overlaps)) for c in found] == [
        ("intent", "a", "p", 2),
        ("airspace", "z", "r", 1),
    ]
    assert find_conflicts([_box(20.0, 20.0)], cands) == []
    assert find_conflicts([_box(0.0, 0.0)], CandidateSet.empty()) == []


def test_missing_keys_lists_intents_whose_ovn_was_not_presented() -> None:
    cands = _cands(
        ("intent", "a", "p", [_box(0.0, 0.0)]),
        ("intent", "b", "q", [_box(0.02, 0.02)]),
        ("airspace", "z", "r", [_box(0.0, 0.0)]),
    )
    found = find_conflicts([_box(0.01, 0.01)], cands)
    assert [r.id for r in missing_keys(found, cands, set())] == ["a", "b"]
    assert [r.id for r in missing_keys(found, cands, {"ovn-a", "ovn-z"})] == ["b"]
    assert missing_keys(found, cands, {"ovn-a", "ovn-b"}) == []


def test_notice_violations_are_exact() -> None:
    rules = {"russia": 900.0, "usa": 300.0, "uk": 0.0}
    got = notice_violations("israel", T + 600.0, T, rules)
    assert got == [NoticeViolation("israel", "russia", T, T + 600.0, 600.0, 900.0)]
    assert notice_violations("israel", T + 900.0, T, rules) == []  # exactly enough
    late = notice_violations("israel", T - 10.0, T, rules)  # already started
    assert [(n.to_party, n.notice_s) for n in late] == [
        ("russia", -10.0),
        ("uk", -10.0),
        ("usa", -10.0),
    ]
