"""Protected airspace: volumes and their cell index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skyaccord.airspace.model import AirspaceKind, ProtectedAirspace
from skyaccord.errors import ConflictError
from skyaccord.intents.rules import Candidate, CandidateSet
from skyaccord.store.codec import (
    cell_match,
    cell_rows,
    covering_cells,
    volume_array_from_rows,
    volume_from_row,
    volume_row,
)
from skyaccord.store.schema import airspace, airspace_cells, airspace_volumes


def insert_airspace(conn: Connection, a: ProtectedAirspace, *, replace: bool = False) -> None:
    """Stores ``a``; an existing id is an error unless ``replace`` (then it must be the same owner)."""
    old = conn.execute(sa.select(airspace.c.owner).where(airspace.c.id == a.id)).first()
    if old is not None:
        if not replace or old.owner != a.owner:
            raise ConflictError(f"id: airspace {a.id!r} already exists", field="id")
        delete_airspace(conn, a.id)
    conn.execute(
        airspace.insert().values(
            id=a.id,
            owner=a.owner,
            kind=a.kind.value,
            name=a.name,
            source=a.source,
            created_at=a.created_at,
            properties=a.properties,
        )
    )
    conn.execute(
        airspace_volumes.insert(),
        [{"airspace_id": a.id, **volume_row(v, i)} for i, v in enumerate(a.volumes)],
    )
    rows: list[dict[str, Any]] = []
    for i, v in enumerate(a.volumes):
        rows.extend(
            {"airspace_id": a.id, "idx": i, "cell": c, "lo": lo}
            for c, lo in cell_rows(covering_cells([v.outline]))
        )
    conn.execute(airspace_cells.insert(), rows)


def delete_airspace(conn: Connection, airspace_id: str) -> None:
    conn.execute(airspace_cells.delete().where(airspace_cells.c.airspace_id == airspace_id))
    conn.execute(airspace_volumes.delete().where(airspace_volumes.c.airspace_id == airspace_id))
    conn.execute(airspace.delete().where(airspace.c.id == airspace_id))


def _assemble(conn: Connection, heads: list[Any]) -> list[ProtectedAirspace]:
    if not heads:
        return []
    ids = [h.id for h in heads]
    vrows = conn.execute(
        sa.select(airspace_volumes)
        .where(airspace_volumes.c.airspace_id.in_(ids))
        .order_by(airspace_volumes.c.airspace_id, airspace_volumes.c.idx)
    ).all()
    by_id: dict[str, list[Any]] = {}
    for r in vrows:
        by_id.setdefault(r.airspace_id, []).append(volume_from_row(r))
    return [
        ProtectedAirspace(
            h.id,
            h.owner,
            AirspaceKind(h.kind),
            h.name,
            tuple(by_id.get(h.id, [])),
            h.source,
            h.created_at,
            dict(h.properties or {}),
        )
        for h in heads
    ]


def get_airspace(conn: Connection, airspace_id: str) -> ProtectedAirspace | None:
    heads = conn.execute(sa.select(airspace).where(airspace.c.id == airspace_id)).all()
    found = _assemble(conn, list(heads))
    return found[0] if found else None


def list_airspace(conn: Connection, owner: str | None = None) -> list[ProtectedAirspace]:
    q = sa.select(airspace).order_by(airspace.c.id)
    if owner is not None:
        q = q.where(airspace.c.owner == owner)
    return _assemble(conn, list(conn.execute(q).all()))


def airspace_candidates(
    conn: Connection, cells: np.ndarray, t0: float, t1: float, exclude_owner: str | None
) -> CandidateSet:
    """Protected airspace volumes whose cells nest with ``cells`` and whose window meets [t0, t1)."""
    if cells.size == 0:
        return CandidateSet.empty()
    hits = (
        sa.select(airspace_cells.c.airspace_id, airspace_cells.c.idx)
        .where(cell_match(airspace_cells, cells))
        .distinct()
        .subquery()
    )
    q = (
        sa.select(airspace_volumes, airspace.c.owner)
        .join(
            hits,
            sa.and_(
                hits.c.airspace_id == airspace_volumes.c.airspace_id,
                hits.c.idx == airspace_volumes.c.idx,
            ),
        )
        .join(airspace, airspace.c.id == airspace_volumes.c.airspace_id)
        .where(airspace_volumes.c.t_start < t1, airspace_volumes.c.t_end > t0)
        .order_by(airspace_volumes.c.airspace_id, airspace_volumes.c.idx)
    )
    if exclude_owner is not None:
        q = q.where(airspace.c.owner != exclude_owner)
    rows = conn.execute(q).all()
    return _candidate_set(
        rows, "airspace_id", lambda r: Candidate("airspace", r.airspace_id, r.owner)
    )


def _candidate_set(rows: Sequence[Any], key: str, make: Any) -> CandidateSet:
    items: list[Candidate] = []
    item_of = np.empty(len(rows), dtype=np.int64)
    index: dict[str, int] = {}
    for j, r in enumerate(rows):
        k = getattr(r, key)
        if k not in index:
            index[k] = len(items)
            items.append(make(r))
        item_of[j] = index[k]
    return CandidateSet(tuple(items), volume_array_from_rows(rows), item_of)
