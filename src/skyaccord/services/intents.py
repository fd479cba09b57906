"""Filing, modifying and ending operational intents, with the strategic checks, in one transaction.

Each filing runs, inside one serializable transaction: candidate look-up by cell and time,
exact 4D conflict check against other parties' intents and protected airspace, the F3548 key
rule, the minimum-notice rule, and the write.  Either all of it lands or none of it does.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from skyaccord.airspace.model import check_id
from skyaccord.clock import Clock, SystemClock
from skyaccord.errors import (
    MissingKeys,
    NotFound,
    PermissionDenied,
    ValidationError,
    VersionMismatch,
)
from skyaccord.geo.cells import lock_cells
from skyaccord.geo.intersect import Overlap
from skyaccord.geo.validate import Limits
from skyaccord.geo.volumes import Volume4D
from skyaccord.geo.wire import geojson_ring
from skyaccord.intents.model import (
    KEYED_STATES,
    Filing,
    Intent,
    IntentRef,
    State,
    check_transition,
)
from skyaccord.intents.rules import (
    Conflict,
    NoticeViolation,
    find_conflicts,
    missing_keys,
    notice_violations,
)
from skyaccord.services.recording import LedgerHook
from skyaccord.store import Store
from skyaccord.store import intents as repo
from skyaccord.store import parties as party_repo
from skyaccord.store.codec import covering_cells
from skyaccord.timefmt import format_time


@dataclass(frozen=True)
class FilingResult:
    intent: Intent
    conflicts: tuple[Conflict, ...]
    notice_violations: tuple[NoticeViolation, ...]
    dry_run: bool = False


EventSink = Callable[[str, dict[str, Any]], None]


def overlap_json(o: Overlap) -> dict[str, Any]:
    """An overlap as the wire shows it: GeoJSON geometry (lon, lat) plus band and window."""
    polys = [[geojson_ring(la, lo)] for la, lo in o.rings]
    geometry: dict[str, Any] = (
        {"type": "Polygon", "coordinates": polys[0]}
        if len(polys) == 1
        else {"type": "MultiPolygon", "coordinates": polys}
    )
    return {
        "geometry": geometry,
        "area_m2": round(o.area_m2, 1),
        "altitude_lower": {"value": round(o.alt_lower_m, 2), "units": "M", "reference": "W84"},
        "altitude_upper": {"value": round(o.alt_upper_m, 2), "units": "M", "reference": "W84"},
        "time_start": format_time(o.t_start),
        "time_end": format_time(o.t_end),
    }


def conflict_json(c: Conflict) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "id": c.other_id,
        "owner": c.other_owner,
        "overlaps": [overlap_json(o) for o in c.overlaps],
    }


def ref_json(ref: IntentRef) -> dict[str, Any]:
    return {
        "id": ref.id,
        "owner": ref.owner,
        "state": ref.state.value,
        "version": ref.version,
        "ovn": ref.ovn,
        "time_start": format_time(ref.t_start),
        "time_end": format_time(ref.t_end),
    }


class IntentService:
    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        limits: Limits | None = None,
        events: Sequence[EventSink] = (),
        ledger: LedgerHook | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.limits = limits or Limits()
        self.events = list(events)
        self.ledger = ledger
        # Run inside each (non-dry-run) filing's transaction, after its writes: whatever must
        # land with the filing or not at all (e.g. the hotline notices it causes).
        self.within: list[Callable[[Connection, FilingResult], None]] = []

    # -- filing ---------------------------------------------------------------------------

    def file(
        self, party: str, filing: Filing, intent_id: str | None = None, *, dry_run: bool = False
    ) -> FilingResult:
        """Files a new intent for ``party``; MissingKeys (409) if it overlaps blind."""
        iid = check_id(intent_id, "id") if intent_id is not None else uuid.uuid4().hex
        self._check_filing(filing)
        covering = _coverings(filing.volumes)  # pure: outside the transaction, once

        def run(conn: Connection) -> FilingResult:
            # A fresh uuid4 cannot be taken already; an id the filer chose may be.
            if intent_id is not None and repo.intent_exists(conn, iid):
                raise VersionMismatch(f"id: intent {iid!r} already exists", field="id")
            check_transition(None, filing.state)
            now = self.clock.now()
            it = Intent(
                iid,
                party,
                filing.state,
                1,
                secrets.token_urlsafe(18),
                filing.volumes,
                now,
                now,
                filing.priority,
                filing.details,
            )
            return self._check_and_write(conn, it, filing, None, dry_run, covering)

        result = self._transact(run, dry_run, covering)
        self._emit(result)
        return result

    def modify(
        self, party: str, intent_id: str, version: int, filing: Filing, *, dry_run: bool = False
    ) -> FilingResult:
        """Replaces the volumes (and state) of an own intent at ``version``."""
        self._check_filing(filing)
        covering = _coverings(filing.volumes)

        def run(conn: Connection) -> FilingResult:
            old = self._own(conn, party, intent_id)
            if old.version != version:
                raise VersionMismatch(
                    f"version: intent {intent_id!r} is at version {old.version}, not {version}",
                    field="version",
                    current_version=old.version,
                )
            check_transition(old.state, filing.state)
            now = self.clock.now()
            it = replace(
                old,
                state=filing.state,
                version=old.version + 1,
                ovn=secrets.token_urlsafe(18),
                volumes=filing.volumes,
                updated_at=now,
                priority=filing.priority,
                details=filing.details,
            )
            return self._check_and_write(conn, it, filing, old, dry_run, covering)

        result = self._transact(run, dry_run, covering)
        self._emit(result)
        return result

    def set_state(
        self, party: str, intent_id: str, version: int, state: State, reason: str | None = None
    ) -> Intent:
        """Activate, end, cancel, or declare an own intent Nonconforming/Contingent."""

        def run(conn: Connection) -> Intent:
            old = self._own(conn, party, intent_id)
            if old.version != version:
                raise VersionMismatch(
                    f"version: intent {intent_id!r} is at version {old.version}, not {version}",
                    field="version",
                    current_version=old.version,
                )
            check_transition(old.state, state)
            it = replace(
                old,
                state=state,
                version=old.version + 1,
                ovn=secrets.token_urlsafe(18),
                updated_at=self.clock.now(),
                ended_reason=(reason or "ended") if state is State.ENDED else None,
            )
            repo.save_intent(conn, it, new=False, reindex=False)
            if self.ledger is not None:
                self.ledger(
                    conn,
                    "intent.state",
                    party,
                    {
                        "intent_id": it.id,
                        "version": it.version,
                        "ovn": it.ovn,
                        "state": it.state.value,
                        "reason": it.ended_reason,
                    },
                    it.updated_at,
                )
            return it

        it = self.store.transact(run)
        for sink in self.events:
            sink("intent.state", {"intent": it})
        return it

    def _check_filing(self, filing: Filing) -> None:
        if not filing.volumes:
            raise ValidationError("volumes", "at least one volume is required")
        if len(filing.volumes) > self.limits.max_volumes:
            raise ValidationError(
                "volumes",
                f"{len(filing.volumes)} volumes exceed the limit {self.limits.max_volumes}",
            )
        now = self.clock.now()
        for i, v in enumerate(filing.volumes):
            if v.t_end <= now:
                raise ValidationError(f"volumes[{i}].time_end", "is in the past")

    def _own(self, conn: Connection, party: str, intent_id: str) -> Intent:
        it = repo.get_intent(conn, intent_id)
        if it is None:
            raise NotFound(f"intent {intent_id!r} does not exist")
        if it.owner != party:
            raise PermissionDenied(f"intent {intent_id!r} belongs to another party")
        return it

    def _check_and_write(
        self,
        conn: Connection,
        it: Intent,
        filing: Filing,
        old: Intent | None,
        dry_run: bool,
        covering: list[np.ndarray] | None = None,
    ) -> FilingResult:
        per_volume = covering or _coverings(it.volumes)
        cells = per_volume[0] if len(per_volume) == 1 else np.unique(np.concatenate(per_volume))
        # Other parties' intents and protected airspace near the cells, in one round trip.
        cands, air = repo.strategic_candidates(
            conn, cells, it.t_start, it.t_end, exclude=it.id, owner=it.owner
        )
        found = find_conflicts(it.volumes, cands)
        if it.state in KEYED_STATES:
            missing = missing_keys(found, cands, set(filing.key))
            if missing:
                by_id = {c.other_id: c for c in found}
                raise MissingKeys(
                    [{**ref_json(r), "conflict": conflict_json(by_id[r.id])} for r in missing]
                )
        found += find_conflicts(it.volumes, air)
        starts_sooner = old is None or it.t_start < old.t_start
        notices = (
            notice_violations(
                it.owner, it.t_start, it.updated_at, party_repo.notice_rules_from(conn, it.owner)
            )
            if starts_sooner
            else []
        )
        if not dry_run:
            repo.save_intent(conn, it, new=old is None, cells=per_volume)
            repo.insert_conflicts(conn, [_conflict_row(it, c) for c in found])
            repo.insert_notice_violations(
                conn,
                [
                    {
                        "intent_id": it.id,
                        "intent_version": it.version,
                        "from_party": n.from_party,
                        "to_party": n.to_party,
                        "filed_at": n.filed_at,
                        "start_at": n.start_at,
                        "notice_s": n.notice_s,
                        "required_s": n.required_s,
                    }
                    for n in notices
                ],
            )
            self._record(conn, it, filing, found, notices, old is None)
        result = FilingResult(it, tuple(found), tuple(notices), dry_run)
        if not dry_run:
            for hook in self.within:
                hook(conn, result)
        return result

    def _record(
        self,
        conn: Connection,
        it: Intent,
        filing: Filing,
        found: Sequence[Conflict],
        notices: Sequence[NoticeViolation],
        new: bool,
    ) -> None:
        """Ledger entries of a filing: the party's signed body (if signed), then the outcome."""
        if self.ledger is None:
            if filing.signature is not None:
                raise ValidationError(
                    "signature", "this server keeps no ledger to check signatures"
                )
            return
        if filing.signature is not None or filing.key_id is not None:
            self.ledger(
                conn,
                "intent.filing",
                it.owner,
                filing.signed_body or {},
                it.updated_at,
                filing.signature,
                filing.key_id,
            )
        self.ledger(
            conn,
            "intent.filed" if new else "intent.modified",
            it.owner,
            {
                "intent_id": it.id,
                "version": it.version,
                "ovn": it.ovn,
                "state": it.state.value,
                "time_start": format_time(it.t_start),
                "time_end": format_time(it.t_end),
                "signed": filing.signature is not None,
                "conflicts": [
                    {
                        "kind": c.kind,
                        "id": c.other_id,
                        "owner": c.other_owner,
                        "area_m2": round(sum(o.area_m2 for o in c.overlaps), 1),
                    }
                    for c in found
                ],
                "notice_violations": [
                    {
                        "to_party": n.to_party,
                        "filed_at": format_time(n.filed_at),
                        "start_at": format_time(n.start_at),
                        "notice_s": n.notice_s,
                        "required_s": n.required_s,
                    }
                    for n in notices
                ],
            },
            it.updated_at,
        )

    def _transact(
        self,
        fn: Callable[[Connection], FilingResult],
        dry_run: bool,
        covering: list[np.ndarray] | None = None,
    ) -> FilingResult:
        # Writers to the same area queue on its lock rather than abort each other.
        locks = [] if dry_run or not covering else lock_cells(np.concatenate(covering))
        return self.store.transact(fn, write=not dry_run, locks=locks)

    def _emit(self, result: FilingResult) -> None:
        if result.dry_run:
            return
        for sink in self.events:
            sink("intent.filed", {"result": result})

    # -- reading --------------------------------------------------------------------------

    def get(self, party: str, intent_id: str) -> Intent | IntentRef:
        """An own intent in full; another party's only as a reference, and only if it is in a
        conflict with one of ``party``'s intents."""

        def run(conn: Connection) -> Intent | IntentRef:
            it = repo.get_intent(conn, intent_id)
            if it is None:
                raise NotFound(f"intent {intent_id!r} does not exist")
            if it.owner == party:
                return it
            if not any(
                party in (r.intent_owner, r.other_owner)
                for r in repo.list_conflicts(conn, party, intent_id)
            ):
                raise PermissionDenied(f"intent {intent_id!r} belongs to another party")
            return _ref(it)

        return self.store.transact(run, write=False)

    def list_own(
        self, party: str, states: Sequence[State] | None = None, limit: int = 1000
    ) -> list[Intent]:
        return self.store.transact(
            lambda c: repo.list_intents(c, party, states, limit=limit), write=False
        )

    def query(
        self, party: str, area: Volume4D
    ) -> tuple[list[Intent], list[tuple[IntentRef, list[Overlap]]]]:
        """Active intents meeting ``area`` in 4D: own ones in full, others' as references with
        the overlap (F3548: what a planner needs for the key, nothing more)."""

        def run(conn: Connection) -> tuple[list[Intent], list[tuple[IntentRef, list[Overlap]]]]:
            cells = covering_cells([area.outline])
            cands = repo.intent_candidates(conn, cells, area.t_start, area.t_end)
            hits = find_conflicts([area], cands)
            refs = {c.id: c.ref for c in cands.items}
            own_ids = [h.other_id for h in hits if h.other_owner == party]
            own = repo.get_intents(conn, own_ids)
            others = [
                (r, list(h.overlaps))
                for h in hits
                if h.other_owner != party and (r := refs.get(h.other_id)) is not None
            ]
            return own, others

        return self.store.transact(run, write=False)

    def conflicts(self, party: str, intent_id: str | None = None) -> list[Any]:
        return self.store.transact(lambda c: repo.list_conflicts(c, party, intent_id), write=False)

    def notices(self, party: str) -> list[Any]:
        return self.store.transact(lambda c: repo.list_notice_violations(c, party), write=False)


def _coverings(volumes: Sequence[Volume4D]) -> list[np.ndarray]:
    """The cell covering of each volume's outline."""
    return [covering_cells([v.outline]) for v in volumes]


def _ref(it: Intent) -> IntentRef:
    return IntentRef(it.id, it.owner, it.state, it.version, it.ovn, it.t_start, it.t_end)


def _conflict_row(it: Intent, c: Conflict) -> dict[str, Any]:
    return {
        "intent_id": it.id,
        "intent_version": it.version,
        "intent_owner": it.owner,
        "other_kind": c.kind,
        "other_id": c.other_id,
        "other_owner": c.other_owner,
        "overlap": [overlap_json(o) for o in c.overlaps],
        "area_m2": sum(o.area_m2 for o in c.overlaps),
        "alt_lower_m": min(o.alt_lower_m for o in c.overlaps),
        "alt_upper_m": max(o.alt_upper_m for o in c.overlaps),
        "t_start": min(o.t_start for o in c.overlaps),
        "t_end": max(o.t_end for o in c.overlaps),
        "detected_at": it.updated_at,
    }
