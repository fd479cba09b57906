"""Operational intents, their volumes and cell index, conflicts and notice violations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skyaccord.intents.model import ACTIVE_STATES, Intent, IntentRef, State
from skyaccord.intents.rules import Candidate, CandidateSet
from skyaccord.store.airspace import _candidate_set
from skyaccord.store.codec import (
    cell_match,
    cell_rows,
    covering_cells,
    volume_from_row,
    volume_row,
)
from skyaccord.store.schema import (
    conflicts,
    intent_cells,
    intent_volumes,
    intents,
    notice_violations,
)


def save_intent(conn: Connection, it: Intent, *, new: bool, reindex: bool = True) -> None:
    """Writes the current version of ``it``: its row, volumes and (while active) cell index."""
    head = {
        "owner": it.owner,
        "state": it.state.value,
        "version": it.version,
        "ovn": it.ovn,
        "priority": it.priority,
        "t_start": it.t_start,
        "t_end": it.t_end,
        "created_at": it.created_at,
        "updated_at": it.updated_at,
        "details": it.details,
        "ended_reason": it.ended_reason,
    }
    if new:
        conn.execute(intents.insert().values(id=it.id, **head))
    else:
        conn.execute(intents.update().where(intents.c.id == it.id).values(**head))
    if reindex or it.state not in ACTIVE_STATES:
        conn.execute(intent_cells.delete().where(intent_cells.c.intent_id == it.id))
    if reindex:
        if not new:
            conn.execute(intent_volumes.delete().where(intent_volumes.c.intent_id == it.id))
        conn.execute(
            intent_volumes.insert(),
            [{"intent_id": it.id, **volume_row(v, i)} for i, v in enumerate(it.volumes)],
        )
    if reindex and it.state in ACTIVE_STATES:
        rows: list[dict[str, Any]] = []
        for v in it.volumes:
            rows.extend(
                {"intent_id": it.id, "cell": c, "lo": lo, "t_start": v.t_start, "t_end": v.t_end}
                for c, lo in cell_rows(covering_cells([v.outline]))
            )
        conn.execute(intent_cells.insert(), rows)


def _intent(head: Any, vol_rows: Sequence[Any]) -> Intent:
    return Intent(
        id=head.id,
        owner=head.owner,
        state=State(head.state),
        version=head.version,
        ovn=head.ovn,
        volumes=tuple(volume_from_row(r) for r in vol_rows),
        created_at=head.created_at,
        updated_at=head.updated_at,
        priority=head.priority,
        details=dict(head.details or {}),
        ended_reason=head.ended_reason,
    )


def get_intents(conn: Connection, ids: Sequence[str]) -> list[Intent]:
    """The intents with these ids, in the order given (missing ones left out)."""
    if not ids:
        return []
    heads = {r.id: r for r in conn.execute(sa.select(intents).where(intents.c.id.in_(list(ids))))}
    vols: dict[str, list[Any]] = {}
    for r in conn.execute(
        sa.select(intent_volumes)
        .where(intent_volumes.c.intent_id.in_(list(heads)))
        .order_by(intent_volumes.c.intent_id, intent_volumes.c.idx)
    ):
        vols.setdefault(r.intent_id, []).append(r)
    return [_intent(heads[i], vols.get(i, [])) for i in ids if i in heads]


def get_intent(conn: Connection, intent_id: str) -> Intent | None:
    found = get_intents(conn, [intent_id])
    return found[0] if found else None


def list_intents(
    conn: Connection,
    owner: str | None,
    states: Sequence[State] | None = None,
    t0: float | None = None,
    t1: float | None = None,
    limit: int = 1000,
) -> list[Intent]:
    q = sa.select(intents.c.id).order_by(intents.c.t_start, intents.c.id).limit(limit)
    if owner is not None:
        q = q.where(intents.c.owner == owner)
    if states:
        q = q.where(intents.c.state.in_([s.value for s in states]))
    if t0 is not None:
        q = q.where(intents.c.t_end > t0)
    if t1 is not None:
        q = q.where(intents.c.t_start < t1)
    return get_intents(conn, [r.id for r in conn.execute(q)])


def candidate_ids(conn: Connection, cells: np.ndarray, t0: float, t1: float) -> list[str]:
    """Ids of active intents whose cells nest with ``cells`` and whose window meets [t0, t1)."""
    if cells.size == 0:
        return []
    q = (
        sa.select(intent_cells.c.intent_id)
        .where(
            cell_match(intent_cells, cells), intent_cells.c.t_end > t0, intent_cells.c.t_start < t1
        )
        .distinct()
    )
    return [r.intent_id for r in conn.execute(q)]


def intent_candidates(
    conn: Connection, cells: np.ndarray, t0: float, t1: float, exclude: str | None = None
) -> CandidateSet:
    """Active intents near ``cells`` in [t0, t1), as candidates carrying their references."""
    ids = [i for i in candidate_ids(conn, cells, t0, t1) if i != exclude]
    if not ids:
        return CandidateSet.empty()
    q = (
        sa.select(
            intent_volumes,
            intents.c.owner,
            intents.c.state,
            intents.c.version,
            intents.c.ovn,
            intents.c.t_start.label("i_start"),
            intents.c.t_end.label("i_end"),
        )
        .join(intents, intents.c.id == intent_volumes.c.intent_id)
        .where(intent_volumes.c.intent_id.in_(ids))
        .order_by(intent_volumes.c.intent_id, intent_volumes.c.idx)
    )
    rows = conn.execute(q).all()

    def make(r: Any) -> Candidate:
        ref = IntentRef(r.intent_id, r.owner, State(r.state), r.version, r.ovn, r.i_start, r.i_end)
        return Candidate("intent", r.intent_id, r.owner, ref)

    return _candidate_set(rows, "intent_id", make)


def insert_conflicts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(conflicts.insert(), rows)


def list_conflicts(
    conn: Connection, party: str | None, intent_id: str | None = None, limit: int = 1000
) -> list[Any]:
    q = sa.select(conflicts).order_by(conflicts.c.id.desc()).limit(limit)
    if party is not None:
        q = q.where(sa.or_(conflicts.c.intent_owner == party, conflicts.c.other_owner == party))
    if intent_id is not None:
        q = q.where(sa.or_(conflicts.c.intent_id == intent_id, conflicts.c.other_id == intent_id))
    return list(conn.execute(q).all())


def insert_notice_violations(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(notice_violations.insert(), rows)


def list_notice_violations(conn: Connection, party: str | None, limit: int = 1000) -> list[Any]:
    q = sa.select(notice_violations).order_by(notice_violations.c.id.desc()).limit(limit)
    if party is not None:
        q = q.where(
            sa.or_(notice_violations.c.from_party == party, notice_violations.c.to_party == party)
        )
    return list(conn.execute(q).all())
