"""Volumes ↔ rows, and H3 cell rows for look-up (see :mod:`skyaccord.geo.cells`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from skyaccord.geo.cells import FINE_RES, ancestors, cell_ranges, cover
from skyaccord.geo.volumes import Circle, Outline, Volume4D, VolumeArray


def volume_row(v: Volume4D, idx: int) -> dict[str, Any]:
    """One volume as a row of ``*_volumes`` (without the owner's id column)."""
    c = v.outline.circle
    return {
        "idx": idx,
        "lat": np.ascontiguousarray(v.outline.lat, dtype="<f8").tobytes(),
        "lon": np.ascontiguousarray(v.outline.lon, dtype="<f8").tobytes(),
        "circle": None
        if c is None
        else {"lat": c.lat_deg, "lon": c.lon_deg, "radius_m": c.radius_m},
        "cx": float(v.outline.centre[0]),
        "cy": float(v.outline.centre[1]),
        "cz": float(v.outline.centre[2]),
        "radius_rad": v.outline.radius_rad,
        "alt_lower_m": v.alt_lower_m,
        "alt_upper_m": v.alt_upper_m,
        "alt_reference": v.alt_reference,
        "t_start": v.t_start,
        "t_end": v.t_end,
    }


def volume_from_row(r: Any) -> Volume4D:
    circle = (
        None if r.circle is None else Circle(r.circle["lat"], r.circle["lon"], r.circle["radius_m"])
    )
    outline = Outline(
        np.frombuffer(r.lat, dtype="<f8"),
        np.frombuffer(r.lon, dtype="<f8"),
        circle,
        np.array([r.cx, r.cy, r.cz]),
        float(r.radius_rad),
    )
    return Volume4D(outline, r.alt_lower_m, r.alt_upper_m, r.t_start, r.t_end, r.alt_reference)


def volume_array_from_rows(rows: Sequence[Any]) -> VolumeArray:
    """Rows of a ``*_volumes`` table → one :class:`VolumeArray`, decoded in bulk."""
    n = len(rows)
    if n == 0:
        return VolumeArray.from_volumes([])
    lat = np.frombuffer(b"".join(r.lat for r in rows), dtype="<f8")
    lon = np.frombuffer(b"".join(r.lon for r in rows), dtype="<f8")
    counts = np.fromiter((len(r.lat) // 8 for r in rows), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    cols = np.array(
        [
            (r.cx, r.cy, r.cz, r.radius_rad, r.alt_lower_m, r.alt_upper_m, r.t_start, r.t_end)
            for r in rows
        ],
        dtype=np.float64,
    )
    return VolumeArray(
        lat=lat,
        lon=lon,
        offsets=offsets,
        centre=cols[:, 0:3].copy(),
        radius_rad=cols[:, 3].copy(),
        alt_lower_m=cols[:, 4].copy(),
        alt_upper_m=cols[:, 5].copy(),
        t_start=cols[:, 6].copy(),
        t_end=cols[:, 7].copy(),
    )


def covering_cells(outlines: Iterable[Outline]) -> np.ndarray:
    """The union of the cell coverings of ``outlines`` (each at its own resolution)."""
    parts = [cover(o).cells for o in outlines]
    if len(parts) == 1:
        return parts[0]  # a covering is sorted and free of duplicates already
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def cell_rows(cells: np.ndarray) -> list[tuple[int, int]]:
    """(cell, lo) pairs for insertion."""
    lo, _ = cell_ranges(cells)
    return list(zip(cells.tolist(), lo.tolist(), strict=True))


def match_terms(query_cells: np.ndarray) -> tuple[list[int], list[tuple[int, int]]]:
    """What :func:`cell_match` compares with: the query cells with all their ancestors (stored
    cell equal to one of them), and the ``lo`` ranges of the query cells coarser than
    :data:`FINE_RES` (stored cell a descendant), contiguous ranges merged."""
    anc = ancestors(query_cells).tolist()
    res = (query_cells >> 52) & 0xF
    coarse = query_cells[res < FINE_RES]
    if not coarse.size:
        return anc, []
    lo, hi = cell_ranges(coarse)
    order = np.argsort(lo, kind="stable")
    ranges: list[tuple[int, int]] = []
    for a, b in zip(lo[order].tolist(), hi[order].tolist(), strict=True):
        if ranges and a <= ranges[-1][1] + 1:
            if b > ranges[-1][1]:
                ranges[-1] = (ranges[-1][0], b)
        else:
            ranges.append((a, b))
    return anc, ranges


def cell_match(table: sa.Table, query_cells: np.ndarray) -> ColumnElement[bool]:
    """SQL condition: a stored cell of ``table`` nests with (or equals) some query cell."""
    anc, ranges = match_terms(query_cells)
    # One expanding parameter for the whole list: SQLAlchemy would otherwise coerce every
    # element into its own bound parameter.
    conds: list[ColumnElement[bool]] = [
        table.c.cell.in_(sa.bindparam("cells", anc, expanding=True, unique=True))
    ]
    conds.extend(
        table.c.lo.between(
            sa.bindparam("lo", a, type_=sa.BigInteger, unique=True),
            sa.bindparam("hi", b, type_=sa.BigInteger, unique=True),
        )
        for a, b in ranges
    )
    return sa.or_(*conds)
