"""Operational intents, their volumes and cell index, conflicts and notice violations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skyaccord.geo.cells import cell_ranges
from skyaccord.geo.volumes import VolumeArray
from skyaccord.intents.model import ACTIVE_STATES, Intent, IntentRef, State
from skyaccord.intents.rules import Candidate, CandidateSet
from skyaccord.store.codec import (
    cell_rows,
    covering_cells,
    match_terms,
    volume_from_row,
    volume_row,
)
from skyaccord.store.schema import (
    airspace,
    airspace_cells,
    airspace_volumes,
    conflicts,
    intent_cells,
    intent_volumes,
    intents,
    notice_violations,
)

_INSERT_INTENT = intents.insert()
_INSERT_VOLUMES = intent_volumes.insert()
_INSERT_CELLS = intent_cells.insert()
_INSERT_CONFLICTS = conflicts.insert()
_INSERT_NOTICES = notice_violations.insert()


def save_intent(
    conn: Connection,
    it: Intent,
    *,
    new: bool,
    reindex: bool = True,
    cells: Sequence[np.ndarray] | None = None,
) -> None:
    """Writes the current version of ``it``: its row, volumes and (while active) cell index.

    ``cells``, when given, are the coverings of ``it.volumes`` (one array per volume, as
    :func:`~skyaccord.store.codec.covering_cells` gives them), so a caller that has computed
    them already does not pay for them twice.
    """
    head = _head_row(it)
    if new:
        conn.execute(_INSERT_INTENT, {"id": it.id, **head})
    else:
        conn.execute(intents.update().where(intents.c.id == it.id).values(**head))
    # A new intent has no cell rows yet (its id was free), so only an update clears them.
    if not new and (reindex or it.state not in ACTIVE_STATES):
        conn.execute(intent_cells.delete().where(intent_cells.c.intent_id == it.id))
    if reindex:
        if not new:
            conn.execute(intent_volumes.delete().where(intent_volumes.c.intent_id == it.id))
        conn.execute(
            _INSERT_VOLUMES,
            [{"intent_id": it.id, **volume_row(v, i)} for i, v in enumerate(it.volumes)],
        )
    if reindex and it.state in ACTIVE_STATES:
        if cells is None:
            cells = [covering_cells([v.outline]) for v in it.volumes]
        rows: list[dict[str, Any]] = []
        for v, vc in zip(it.volumes, cells, strict=True):
            rows.extend(
                {"intent_id": it.id, "cell": c, "lo": lo, "t_start": v.t_start, "t_end": v.t_end}
                for c, lo in cell_rows(vc)
            )
        conn.execute(_INSERT_CELLS, rows)


def _head_row(it: Intent) -> dict[str, Any]:
    return {
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


# Column order of the tables, which the row tuples below follow.
_INTENT_COLS = [c.name for c in intents.columns]
_VOLUME_COLS = [c.name for c in intent_volumes.columns]
_CELL_COLS = [c.name for c in intent_cells.columns]


def bulk_insert_intents(
    conn: Connection,
    items: Sequence[Intent],
    cells: Sequence[Sequence[np.ndarray]] | None = None,
) -> int:
    """Inserts many *new* intents at once: rows, volumes and (for active ones) cell index.

    The same rows as :func:`save_intent` with ``new=True`` writes, sent in bulk: ``COPY`` on
    PostgreSQL, one ``executemany`` per table on SQLite.  ``cells[i][j]`` is the covering of
    volume ``j`` of ``items[i]`` (computed here when not given; computing them in worker
    processes is the caller's choice).  No check is made: ids must be new.  Returns the number
    of cell rows written.
    """
    if not items:
        return 0
    irows: list[tuple[Any, ...]] = []
    vrows: list[tuple[Any, ...]] = []
    crows: list[tuple[Any, ...]] = []
    null = json.dumps(None)
    for n, it in enumerate(items):
        irows.append(
            (
                it.id,
                it.owner,
                it.state.value,
                it.version,
                it.ovn,
                it.priority,
                it.t_start,
                it.t_end,
                it.created_at,
                it.updated_at,
                json.dumps(it.details),
                it.ended_reason,
            )
        )
        active = it.state in ACTIVE_STATES
        for i, v in enumerate(it.volumes):
            o = v.outline
            c = o.circle
            vrows.append(
                (
                    it.id,
                    i,
                    np.ascontiguousarray(o.lat, dtype="<f8").tobytes(),
                    np.ascontiguousarray(o.lon, dtype="<f8").tobytes(),
                    null
                    if c is None
                    else json.dumps({"lat": c.lat_deg, "lon": c.lon_deg, "radius_m": c.radius_m}),
                    float(o.centre[0]),
                    float(o.centre[1]),
                    float(o.centre[2]),
                    o.radius_rad,
                    v.alt_lower_m,
                    v.alt_upper_m,
                    v.alt_reference,
                    v.t_start,
                    v.t_end,
                )
            )
            if active:
                vc = covering_cells([o]) if cells is None else cells[n][i]
                lo, _ = cell_ranges(vc)
                crows.extend(
                    (it.id, c_, l_, v.t_start, v.t_end)
                    for c_, l_ in zip(vc.tolist(), lo.tolist(), strict=True)
                )
    _copy_rows(conn, "intents", _INTENT_COLS, irows)
    _copy_rows(conn, "intent_volumes", _VOLUME_COLS, vrows)
    _copy_rows(conn, "intent_cells", _CELL_COLS, crows)
    return len(crows)


def _copy_rows(
    conn: Connection, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    names = ", ".join(cols)
    if conn.dialect.name == "postgresql":
        dbapi = conn.connection.driver_connection
        with dbapi.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for r in rows:
                copy.write_row(r)
    else:
        marks = ", ".join("?" * len(cols))
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))


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


_SELECT_HEADS = sa.select(intents).where(intents.c.id.in_(sa.bindparam("ids", expanding=True)))
_SELECT_VOLUMES = (
    sa.select(intent_volumes)
    .where(intent_volumes.c.intent_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(intent_volumes.c.intent_id, intent_volumes.c.idx)
)
_EXISTS = sa.select(intents.c.id).where(intents.c.id == sa.bindparam("id"))


def intent_exists(conn: Connection, intent_id: str) -> bool:
    """Whether an intent (in any state, ended included) has this id."""
    return conn.execute(_EXISTS, {"id": intent_id}).first() is not None


def get_intents(conn: Connection, ids: Sequence[str]) -> list[Intent]:
    """The intents with these ids, in the order given (missing ones left out)."""
    if not ids:
        return []
    heads = {r.id: r for r in conn.execute(_SELECT_HEADS, {"ids": list(ids)})}
    if not heads:
        return []
    vols: dict[str, list[Any]] = {}
    for r in conn.execute(_SELECT_VOLUMES, {"ids": list(heads)}):
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


@lru_cache(maxsize=256)
def _cell_hits(n_ranges: int) -> sa.Select[tuple[str]]:
    """Cell rows nesting with the query cells and meeting [t0, t1): one prebuilt statement per
    number of ``lo`` ranges, parameters ``cells`` (expanding), ``lo<i>``/``hi<i>``, ``t0``,
    ``t1`` (built and cache-keyed once, not on every look-up)."""
    c = intent_cells.c
    match = sa.or_(
        c.cell.in_(sa.bindparam("cells", expanding=True)),
        *(
            c.lo.between(
                sa.bindparam(f"lo{i}", type_=sa.BigInteger),
                sa.bindparam(f"hi{i}", type_=sa.BigInteger),
            )
            for i in range(n_ranges)
        ),
    )
    return sa.select(c.intent_id).where(
        match,
        c.t_end > sa.bindparam("t0", type_=sa.Float),
        c.t_start < sa.bindparam("t1", type_=sa.Float),
    )


def _hit_params(cells: np.ndarray, t0: float, t1: float) -> tuple[int, dict[str, Any]]:
    anc, ranges = match_terms(cells)
    params: dict[str, Any] = {"cells": anc, "t0": t0, "t1": t1}
    for i, (lo, hi) in enumerate(ranges):
        params[f"lo{i}"] = lo
        params[f"hi{i}"] = hi
    return len(ranges), params


def candidate_ids(conn: Connection, cells: np.ndarray, t0: float, t1: float) -> list[str]:
    """Ids of active intents whose cells nest with ``cells`` and whose window meets [t0, t1)."""
    if cells.size == 0:
        return []
    n, params = _hit_params(cells, t0, t1)
    return [r.intent_id for r in conn.execute(_cell_hits(n).distinct(), params)]


_CANDIDATE_COLS = (
    intent_volumes.c.intent_id,
    intent_volumes.c.idx,
    intent_volumes.c.lat,
    intent_volumes.c.lon,
    intent_volumes.c.cx,
    intent_volumes.c.cy,
    intent_volumes.c.cz,
    intent_volumes.c.radius_rad,
    intent_volumes.c.alt_lower_m,
    intent_volumes.c.alt_upper_m,
    intent_volumes.c.t_start,
    intent_volumes.c.t_end,
    intents.c.owner,
    intents.c.state,
    intents.c.version,
    intents.c.ovn,
    intents.c.t_start.label("i_start"),
    intents.c.t_end.label("i_end"),
)


@lru_cache(maxsize=256)
def _candidates_stmt(n_ranges: int) -> sa.Select[Any]:
    return (
        sa.select(*_CANDIDATE_COLS)
        .join(intents, intents.c.id == intent_volumes.c.intent_id)
        .where(
            intent_volumes.c.intent_id.in_(_cell_hits(n_ranges)),
            intent_volumes.c.intent_id != sa.bindparam("exclude"),
        )
        .order_by(intent_volumes.c.intent_id, intent_volumes.c.idx)
    )


def intent_candidates(
    conn: Connection, cells: np.ndarray, t0: float, t1: float, exclude: str | None = None
) -> CandidateSet:
    """Active intents near ``cells`` in [t0, t1), as candidates carrying their references.

    One round trip: the cell look-up is a sub-query of the volume fetch.
    """
    if cells.size == 0:
        return CandidateSet.empty()
    n, params = _hit_params(cells, t0, t1)
    params["exclude"] = "" if exclude is None else exclude  # no intent has an empty id
    return _candidates(conn.execute(_candidates_stmt(n), params).all(), 0, "intent")


_ID_OF_KIND = {"intent": "intent_id", "airspace": "airspace_id"}


@lru_cache(maxsize=256)
def _strategic_stmt(n_ranges: int) -> sa.Select[Any]:
    """Other parties' active intents and protected airspace volumes near the query cells, in
    one statement (``UNION ALL``), ordered by kind, id and volume index."""
    v, a = intent_volumes.c, airspace_volumes.c
    t0, t1 = sa.bindparam("t0", type_=sa.Float), sa.bindparam("t1", type_=sa.Float)
    intent_part = (
        sa.select(
            sa.literal("intent", sa.String).label("kind"),
            v.intent_id.label("id"),
            *_volume_array_cols(intent_volumes),
            intents.c.owner,
            intents.c.state,
            intents.c.version,
            intents.c.ovn,
            intents.c.t_start.label("i_start"),
            intents.c.t_end.label("i_end"),
        )
        .join(intents, intents.c.id == v.intent_id)
        .where(
            v.intent_id.in_(_cell_hits(n_ranges)),
            v.intent_id != sa.bindparam("exclude"),
            intents.c.owner != sa.bindparam("owner"),
        )
    )
    ac = airspace_cells.c
    air_match = sa.or_(
        ac.cell.in_(sa.bindparam("cells", expanding=True)),
        *(
            ac.lo.between(
                sa.bindparam(f"lo{i}", type_=sa.BigInteger),
                sa.bindparam(f"hi{i}", type_=sa.BigInteger),
            )
            for i in range(n_ranges)
        ),
    )
    hits = sa.select(ac.airspace_id, ac.idx).where(air_match).distinct().subquery()
    air_part = (
        sa.select(
            sa.literal("airspace", sa.String).label("kind"),
            a.airspace_id.label("id"),
            *_volume_array_cols(airspace_volumes),
            airspace.c.owner,
            sa.cast(sa.null(), sa.String).label("state"),
            sa.cast(sa.null(), sa.Integer).label("version"),
            sa.cast(sa.null(), sa.String).label("ovn"),
            sa.cast(sa.null(), sa.Float).label("i_start"),
            sa.cast(sa.null(), sa.Float).label("i_end"),
        )
        .join(hits, sa.and_(hits.c.airspace_id == a.airspace_id, hits.c.idx == a.idx))
        .join(airspace, airspace.c.id == a.airspace_id)
        .where(a.t_start < t1, a.t_end > t0, airspace.c.owner != sa.bindparam("owner"))
    )
    u = sa.union_all(intent_part, air_part).subquery()
    return sa.select(u).order_by(u.c.kind.desc(), u.c.id, u.c.idx)  # intents first


def _volume_array_cols(t: sa.Table) -> tuple[sa.ColumnElement[Any], ...]:
    c = t.c
    return (
        c.idx,
        c.lat,
        c.lon,
        c.cx,
        c.cy,
        c.cz,
        c.radius_rad,
        c.alt_lower_m,
        c.alt_upper_m,
        c.t_start,
        c.t_end,
    )


def strategic_candidates(
    conn: Connection, cells: np.ndarray, t0: float, t1: float, *, exclude: str, owner: str
) -> tuple[CandidateSet, CandidateSet]:
    """What a filing by ``owner`` of intent ``exclude`` must be checked against, in one round
    trip: other parties' active intents near ``cells`` in [t0, t1) (as
    :func:`intent_candidates` less ``owner``'s own and ``exclude``) and other parties' protected
    airspace (as :func:`skyaccord.store.airspace.airspace_candidates`)."""
    if cells.size == 0:
        return CandidateSet.empty(), CandidateSet.empty()
    n, params = _hit_params(cells, t0, t1)
    params["exclude"] = exclude
    params["owner"] = owner
    rows = conn.execute(_strategic_stmt(n), params).all()
    split = next((j for j, r in enumerate(rows) if r[0] != "intent"), len(rows))
    return _candidates(rows[:split], 1, "intent"), _candidates(rows[split:], 1, "airspace")


def _candidates(rows: Sequence[Any], o: int, kind: str) -> CandidateSet:
    """Candidate rows (ordered by id, then volume index) → a :class:`CandidateSet`.

    Columns from position ``o``: id, idx, lat, lon, cx, cy, cz, radius_rad, alt_lower_m,
    alt_upper_m, t_start, t_end, owner, then for intents state, version, ovn, i_start, i_end.
    Read by position and decoded in bulk: this runs for every filing and query.
    """
    n = len(rows)
    if n == 0:
        return CandidateSet.empty()
    items: list[Candidate] = []
    item_of = np.empty(n, dtype=np.int64)
    prev: str | None = None
    k = -1
    for j, r in enumerate(rows):
        iid = r[o]
        if iid != prev:
            prev = iid
            k += 1
            owner = r[o + 12]
            if kind == "intent":
                ref = IntentRef(
                    iid, owner, State(r[o + 13]), r[o + 14], r[o + 15], r[o + 16], r[o + 17]
                )
                items.append(Candidate("intent", iid, owner, ref))
            else:
                items.append(Candidate(kind, iid, owner))
        item_of[j] = k
    lat_blobs = [r[o + 2] for r in rows]
    counts = np.fromiter((len(b) >> 3 for b in lat_blobs), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    cols = np.array([r[o + 4 : o + 12] for r in rows], dtype=np.float64)
    volumes = VolumeArray(
        lat=np.frombuffer(b"".join(lat_blobs), dtype="<f8"),
        lon=np.frombuffer(b"".join([r[o + 3] for r in rows]), dtype="<f8"),
        offsets=offsets,
        centre=cols[:, 0:3].copy(),
        radius_rad=cols[:, 3].copy(),
        alt_lower_m=cols[:, 4].copy(),
        alt_upper_m=cols[:, 5].copy(),
        t_start=cols[:, 6].copy(),
        t_end=cols[:, 7].copy(),
    )
    return CandidateSet(tuple(items), volumes, item_of)


def insert_conflicts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_INSERT_CONFLICTS, rows)


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
        conn.execute(_INSERT_NOTICES, rows)


def list_notice_violations(conn: Connection, party: str | None, limit: int = 1000) -> list[Any]:
    q = sa.select(notice_violations).order_by(notice_violations.c.id.desc()).limit(limit)
    if party is not None:
        q = q.where(
            sa.or_(notice_violations.c.from_party == party, notice_violations.c.to_party == party)
        )
    return list(conn.execute(q).all())
