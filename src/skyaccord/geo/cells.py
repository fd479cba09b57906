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
from typing import Final

import h3
import numpy as np
import shapely
from h3.api import basic_int as _h3
from numpy.typing import NDArray

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
        if area / _AREA_M2[res] <= MAX_CELLS / 4:
            return res
    return 0


def cover(outline: Outline, res: int | None = None) -> Covering:
    """The cells overlapping ``outline`` (plus a neighbour ring below :data:`FINE_RES`).

    Candidates are the grid disk about the cell of the outline's centre, out to a radius
    :math:`k_{max}` that surely holds every overlapping cell.  Most outlines need far less, so
    the disk starts smaller and grows only when a hit lies on its outer ring: the overlapping
    cells form a connected set (a connected outline covered by closed cells; cells that share
    a boundary point are grid neighbours), so if some lie inside the disk and none on its outer
    ring, none lie beyond it.  The result is the same as testing the whole :math:`k_{max}` disk.
    """
    r = _res_for(outline) if res is None else res
    clat, clon = frames.vectors_to_latlon(outline.centre)
    centre_cell = _h3.latlng_to_cell(float(clat), float(clon), r)
    radius_m = outline.radius_rad * frames.EARTH_RADIUS_M
    spacing = _INRADIUS_M[r]  # inradius of an average cell: a worst-case step between centres
    k_max = math.ceil(radius_m / spacing) + 2
    k = min(k_max, math.ceil(radius_m / (2.0 * spacing)) + 1)  # centres are 2 inradii apart
    c = outline.centre
    basis = _tangent_basis(c)
    poly = shapely.Polygon(_gnomonic(outline.vectors, c, basis))
    while True:
        cand: list[int] = _h3.grid_disk(centre_cell, k)
        hit, complete = _overlapping(cand, poly, c, basis)
        if k >= k_max:
            break
        if complete:
            inner = set(_h3.grid_disk(centre_cell, k - 1))
            hits = [cell for cell, h in zip(cand, hit.tolist(), strict=True) if h]
            if hits and all(cell in inner for cell in hits):
                break
            k = min(k_max, k + 1 + k // 2)
        else:
            k = k_max
    cells = np.array(cand, dtype=np.uint64)[hit].astype(np.int64)
    if r < FINE_RES and cells.size:
        ring = [n for cell in cells.tolist() for n in _h3.grid_disk(cell, 1)]
        cells = np.concatenate([cells, np.array(ring, dtype=np.uint64).astype(np.int64)])
    return Covering(r, np.unique(cells))


def _overlapping(
    cand: list[int], poly: shapely.Polygon, c: F64, basis: tuple[F64, F64]
) -> tuple[NDArray[np.bool_], bool]:
    """Which candidate cells overlap ``poly`` (drawn in the gnomonic plane about ``c``), and
    whether every candidate could be tested (some may reach past the horizon)."""
    counts, v = _boundaries(cand)
    d = v @ c
    ok = d > 0.05
    if ok.all():
        xy = _gnomonic(v, c, basis, d)
        rings = shapely.linearrings(xy, indices=np.repeat(np.arange(len(cand)), counts))
        return np.asarray(shapely.intersects(poly, shapely.polygons(rings))), True
    # some candidate reaches past the horizon: test only the ones fully in view
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    in_view = np.add.reduceat(ok.astype(np.int64), starts) == counts
    hit = np.zeros(len(cand), dtype=bool)
    for j in np.flatnonzero(in_view):
        xy = _gnomonic(v[starts[j] : starts[j] + counts[j]], c, basis)
        hit[j] = shapely.intersects(poly, shapely.Polygon(xy))
    return hit, False


def _tangent_basis(c: F64) -> tuple[F64, F64]:
    """:func:`frames.tangent_basis` of one unit vector in scalar arithmetic: the same operations
    in the same order (so the same values) without numpy's per-call overhead."""
    x, y, z = (float(t) for t in c)
    n = math.sqrt(x * x + y * y + z * z)
    cx, cy, cz = x / n, y / n, z / n
    ne = math.sqrt(cy * cy + cx * cx)
    if ne < 1e-12:
        return frames.tangent_basis(c)
    ex, ey = -cy / ne, cx / ne
    east = np.array([ex, ey, 0.0])
    north = np.array([cy * 0.0 - cz * ey, cz * ex - cx * 0.0, cx * ey - cy * ex])
    return east, north


def _gnomonic(v: F64, c: F64, basis: tuple[F64, F64], d: F64 | None = None) -> F64:
    """:func:`frames.gnomonic_forward` with the basis computed once."""
    east, north = basis
    if d is None:
        d = v @ c
    return np.stack((v @ east / d, v @ north / d), axis=-1)


_AREA_M2: Final = tuple(h3.average_hexagon_area(r, "m^2") for r in range(16))
_INRADIUS_M: Final = tuple(
    h3.average_hexagon_edge_length(r, "m") * math.sqrt(3.0) * 0.5 for r in range(16)
)
_BOUNDARY_CACHE: dict[int, F64] = {}
_BOUNDARY_CACHE_MAX: Final = 1 << 16


def _boundaries(cells: list[int]) -> tuple[I64, F64]:
    """Vertex counts and concatenated boundary unit vectors of ``cells`` (cached per cell).

    Cache misses are converted to unit vectors in one vectorized call.
    """
    cache = _BOUNDARY_CACHE
    parts: list[F64 | None] = [cache.get(c) for c in cells]
    miss = [j for j, p in enumerate(parts) if p is None]
    if miss:
        pts: list[tuple[float, float]] = []
        nv: list[int] = []
        for j in miss:
            b = _h3.cell_to_boundary(cells[j])
            pts.extend(b)
            nv.append(len(b))
        ll = np.array(pts, dtype=np.float64)
        vec = frames.unit_vectors(ll[:, 0], ll[:, 1])
        if len(cache) + len(miss) > _BOUNDARY_CACHE_MAX:
            cache.clear()
        a = 0
        for j, n in zip(miss, nv, strict=True):
            part = vec[a : a + n]
            a += n
            parts[j] = part
            cache[cells[j]] = part
    full = [p for p in parts if p is not None]
    counts = np.fromiter((len(p) for p in full), dtype=np.int64, count=len(full))
    return counts, np.concatenate(full)


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
    """Every cell and all its ancestors down to resolution 0, deduplicated (sorted).

    A parent index is the cell's index with the resolution field lowered and the digits below
    it set to 7 (unused), so this is pure integer arithmetic.
    """
    c = np.unique(np.asarray(cells, dtype=np.int64))
    if c.size == 0:
        return c
    res = (c >> _RES_SHIFT) & 0xF
    parts = [c]
    body = c & ~np.int64(_RES_MASK)
    for pr in range(int(res.max())):
        sel = res > pr
        unused = (np.int64(1) << np.int64(3 * (15 - pr))) - 1
        parts.append((body[sel] | (np.int64(pr) << _RES_SHIFT)) | unused)
    return np.unique(np.concatenate(parts))


LOCK_RES: Final = 5
"""Resolution of the areas whose filings queue on one lock (cells of about 250 km²)."""


def lock_cells(cells: I64, res: int = LOCK_RES) -> list[int]:
    """The ancestors at ``res`` of ``cells`` (cells coarser than ``res`` stand for themselves).

    Two coverings with nesting cells at resolution ``res`` or finer share one of these, so
    filings that may conflict take a common lock.
    """
    c = np.asarray(cells, dtype=np.int64)
    r = (c >> _RES_SHIFT) & 0xF
    unused = (np.int64(1) << np.int64(3 * (15 - res))) - 1
    parent = ((c & ~np.int64(_RES_MASK)) | (np.int64(res) << _RES_SHIFT)) | unused
    return sorted(set(np.where(r > res, parent, c).tolist()))


def match(stored: I64, query: I64) -> bool:
    """Reference look-up: does any stored cell nest with (or equal) any query cell?"""
    slo, shi = cell_ranges(stored)
    qlo, qhi = cell_ranges(query)
    return bool(np.any((slo[:, None] <= qhi[None, :]) & (shi[:, None] >= qlo[None, :])))
