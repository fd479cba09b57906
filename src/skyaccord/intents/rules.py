"""Pure strategic rules: 4D conflicts, the F3548 key rule and minimum notice.

No I/O: the caller gathers candidates from the store and passes them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from skyaccord.geo.intersect import Overlap, intersect
from skyaccord.geo.volumes import I64, Volume4D, VolumeArray
from skyaccord.intents.model import IntentRef


@dataclass(frozen=True)
class Candidate:
    """Something a filing may conflict with: another party's intent or protected airspace."""

    kind: str  # "intent" | "airspace"
    id: str
    owner: str
    ref: IntentRef | None = None  # for intents: what the filer may learn of it


@dataclass(frozen=True)
class CandidateSet:
    """Candidates and all their volumes in one array; ``item_of[j]`` owns volume ``j``."""

    items: tuple[Candidate, ...]
    volumes: VolumeArray
    item_of: I64

    @staticmethod
    def empty() -> CandidateSet:
        return CandidateSet((), VolumeArray.from_volumes([]), np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class Conflict:
    kind: str
    other_id: str
    other_owner: str
    overlaps: tuple[Overlap, ...]  # one per (own volume, other volume) pair that meets


@dataclass(frozen=True)
class NoticeViolation:
    from_party: str
    to_party: str
    filed_at: float
    start_at: float
    notice_s: float
    required_s: float


def find_conflicts(volumes: Sequence[Volume4D], cands: CandidateSet) -> list[Conflict]:
    """Every candidate meeting any of ``volumes`` in 4D, with the overlaps (exact, vectorized
    over all candidate volumes at once)."""
    found: dict[int, list[Overlap]] = {}
    for v in volumes:
        for o in intersect(v, cands.volumes):
            found.setdefault(int(cands.item_of[o.index]), []).append(o)
    return [
        Conflict(cands.items[i].kind, cands.items[i].id, cands.items[i].owner, tuple(found[i]))
        for i in sorted(found)
    ]


def missing_keys(
    conflicts: Sequence[Conflict], cands: CandidateSet, key: set[str]
) -> list[IntentRef]:
    """Overlapping intents of other parties whose current OVN the filer did not present."""
    refs = {c.id: c.ref for c in cands.items if c.kind == "intent" and c.ref is not None}
    return [
        ref
        for c in conflicts
        if c.kind == "intent" and (ref := refs.get(c.other_id)) is not None and ref.ovn not in key
    ]


def notice_violations(
    filer: str, start_at: float, filed_at: float, rules: dict[str, float]
) -> list[NoticeViolation]:
    """For each party ``filer`` owes notice to (``rules``: party → minimum seconds), a violation
    when the operation starts sooner than that after ``filed_at``."""
    notice = start_at - filed_at
    return [
        NoticeViolation(filer, to, filed_at, start_at, notice, req)
        for to, req in sorted(rules.items())
        if notice < req
    ]
