"""H3 cell coverings of outlines, for candidate look-up in the store (exact check afterwards).

A covering is the set of H3 cells whose boundary overlaps the outline, at the finest resolution
(≤ :data:`FINE_RES`, cells of about 1 km) that keeps it under :data:`MAX_CELLS` cells.  Cell
boundaries are great-circle arcs, so overlap is tested exactly in the outline's gnomonic plane.
Coverings of different resolutions are compared through the H3 hierarchy; because a cell's
descendants spill slightly outside it, a covering coarser than :data:`FINE_RES` also holds the
ring of neighbours around its cells, which keeps look-up sound (tested in ``tests/geo``).

For SQL range look-ups each cell maps to ``[lo, hi]``: the interval of resolution-15 index values
of its descendants.  Intervals nest exactly like the hierarchy, so "stored cell is a descendant of
query cell ``q``" is ``lo BETWEEN q.lo AND q.hi`` and "is an ancestor" is ``cell IN ancestors(q)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import h3
import numpy as np
import shapely

from skyaccord.geo import frames
from skyaccord.geo.volumes import F64, I64, Outline

FINE_RES: Final = 8
"""Finest covering resolution: H3 resolution 8 cells are about 1 km across (edge 0.53 km)."""
MAX_CELLS: Final = 400

_RES_SHIFT: Final = 52
_RES_MASK: Final = 0xF << _RES_SHIFT
_DIGITS_MASK: Final = (1 << 45) - 1


@dataclass(frozen=True)
class Covering:
    res: int
    cells: I64  # H3 indexes as signed 64-bit integers (the top bit of an H3 index is always 0)


def _res_for(outline: Outline) -> int:
    radius_m = outline.radius_rad * frames.EARTH_RADIUS_M
    area = math.pi * (radius_m + 1.0) ** 2
    for res in range(FINE_RES, -1, -1):
        if area / (h3.average_hexagon_area(res, "m^2")) <= MAX_CELLS / 4:
            return res
    return 0


def cover(outline: Outline, res: int | None = None) -> Covering:
    """The cells overlapping ``outline`` (plus a neighbour ring below :data:`FINE_RES`)."""
    r = _res_for(outline) if res is None else res
    clat, clon = frames.vectors_to_latlon(outline.centre)
    centre_cell = h3.latlng_to_cell(float(clat), float(clon), r)
    spacing = h3.average_hexagon_edge_length(r, "m") * math.sqrt(3.0) * 0.5  # inradius, worst
    k = math.ceil(outline.radius_rad * frames.EARTH_RADIUS_M / spacing) + 2
    cand = h3.grid_disk(centre_cell, k)
    counts, v = _boundaries(tuple(cand))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    ok = v @ outline.centre > 0.05
    poly = outline.planar()
    if ok.all():
        xy = frames.gnomonic_forward(v, outline.centre)
        rings = shapely.linearrings(xy, indices=np.repeat(np.arange(len(cand)), counts))
        hit = shapely.intersects(poly, shapely.polygons(rings))
    else:  # some candidate reaches past the horizon: test only the ones fully in view
        in_view = np.add.reduceat(ok.astype(np.int64), starts) == counts
        hit = np.zeros(len(cand), dtype=bool)
        for j in np.flatnonzero(in_view):
            xy = frames.gnomonic_forward(v[starts[j] : starts[j] + counts[j]], outline.centre)
            hit[j] = shapely.intersects(poly, shapely.Polygon(xy))
    cells = {h3.str_to_int(c) for c, h in zip(cand, hit, strict=True) if h}
    if r < FINE_RES and cells:
        ring: set[str] = set()
        for c in cells:
            ring.update(h3.grid_disk(h3.int_to_str(c), 1))
        cells |= {h3.str_to_int(c) for c in ring}
    return Covering(r, np.array(sorted(cells), dtype=np.int64))


@lru_cache(maxsize=4096)
def _boundary(cell: str) -> F64:
    b = np.array(h3.cell_to_boundary(cell), dtype=np.float64)
    return frames.unit_vectors(b[:, 0], b[:, 1])


def _boundaries(cells: tuple[str, ...]) -> tuple[I64, F64]:
    """Vertex counts and concatenated boundary unit vectors of ``cells`` (cached per cell)."""
    parts = [_boundary(c) for c in cells]
    counts = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    return counts, np.concatenate(parts)


def cell_ranges(cells: I64) -> tuple[I64, I64]:
    """Each cell → ``(lo, hi)``: the span of resolution-15 indexes of its descendants."""
    c = np.asarray(cells, dtype=np.int64)
    res = (c >> _RES_SHIFT) & 0xF
    free_bits = 3 * (15 - res)  # digits below the cell's resolution
    low_mask = (np.int64(1) << free_bits) - 1
    base = (c & ~np.int64(_RES_MASK)) | (np.int64(15) << _RES_SHIFT)
    lo = base & ~low_mask
    hi = lo | low_mask
    return lo.astype(np.int64), hi.astype(np.int64)


def ancestors(cells: I64) -> I64:
    """Every cell and all its ancestors down to resolution 0, deduplicated."""
    out: set[int] = set()
    for c in np.asarray(cells, dtype=np.int64).tolist():
        s = h3.int_to_str(c)
        r = h3.get_resolution(s)
        out.add(c)
        for pr in range(r):
            out.add(h3.str_to_int(h3.cell_to_parent(s, pr)))
    return np.array(sorted(out), dtype=np.int64)


def match(stored: I64, query: I64) -> bool:
    """Reference look-up: does any stored cell nest with (or equal) any query cell?"""
    slo, shi = cell_ranges(stored)
    qlo, qhi = cell_ranges(query)
    return bool(np.any((slo[:, None] <= qhi[None, :]) & (shi[:, None] >= qlo[None, :])))
