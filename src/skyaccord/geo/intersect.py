"""Exact 4D intersection of one volume with many candidates, vectorized.

Two volumes conflict when their time windows overlap for a positive duration, their altitude
bands overlap for a positive height, and their outlines overlap with an area of at least
:data:`MIN_OVERLAP_M2` (touching edges are not a conflict).  Outlines are intersected in the
gnomonic plane about the query's centre, where their great-circle edges are straight lines, so
the result is exact anywhere on Earth; the overlap is mapped back to latitude/longitude, and
its area is the spherical excess of the mapped-back rings (exact, at any size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray

from skyaccord.geo import frames
from skyaccord.geo.volumes import F64, I64, Volume4D, VolumeArray

MIN_OVERLAP_M2: Final = 1.0
"""Smallest outline overlap (m²) that counts as a conflict; below it, outlines only touch."""

Ring = tuple[F64, F64]  # (lat_deg, lon_deg), open


@dataclass(frozen=True)
class Overlap:
    """Where a query volume meets one candidate: outline pieces, altitude band, time window."""

    index: int  # position of the candidate in the array passed in
    rings: list[Ring]  # outer rings of the overlap polygon(s), counter-clockwise
    area_m2: float
    alt_lower_m: float
    alt_upper_m: float
    t_start: float
    t_end: float


def band_mask(query: Volume4D, cands: VolumeArray) -> NDArray[np.bool_]:
    """Candidates whose altitude band and time window overlap the query's (open intervals)."""
    return (np.maximum(cands.t_start, query.t_start) < np.minimum(cands.t_end, query.t_end)) & (
        np.maximum(cands.alt_lower_m, query.alt_lower_m)
        < np.minimum(cands.alt_upper_m, query.alt_upper_m)
    )


def cap_mask(query: Volume4D, cands: VolumeArray) -> NDArray[np.bool_]:
    """Candidates whose bounding cap touches the query's (a sound, cheap pre-filter)."""
    ang = frames.angle_between(cands.centre, query.outline.centre)
    return np.asarray(ang <= cands.radius_rad + query.outline.radius_rad + 1e-12)


def _rows_dot(a: F64, b: F64) -> F64:
    return np.asarray(np.einsum("ij,ij->i", a, b))


def _spherical_areas_m2(geoms: NDArray[np.object_], centre: F64) -> F64:
    """Area (m²) on the sphere of each polygonal geometry drawn in the gnomonic plane about
    ``centre`` (lines and points count zero).

    Every ring is mapped back to unit vectors, where its straight edges are great-circle arcs,
    and its spherical excess is summed from the solid angles of the triangles (first vertex,
    v_i, v_i+1) (Van Oosterom & Strackee, determinant from differences); holes subtract.  Exact,
    unlike scaling the planar area by the gnomonic area element at one point.
    """
    out = np.zeros(len(geoms))
    parts, owner = shapely.get_parts(geoms, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)  # collections may hold multis
    owner = owner[sub]
    is_poly = shapely.get_type_id(parts) == 3
    parts, owner = parts[is_poly], owner[is_poly]
    if len(parts) == 0:
        return out
    rings, ring_part = shapely.get_rings(parts, return_index=True)  # exterior first, then holes
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)  # closed rings
    v = frames.gnomonic_inverse(xy, centre)
    same = ring_of[:-1] == ring_of[1:]
    a, b, r = v[:-1][same], v[1:][same], ring_of[:-1][same]
    o = v[np.searchsorted(ring_of, np.arange(len(rings)))][r]
    num = _rows_dot(o, np.cross(a - o, b - o))
    den = 1.0 + _rows_dot(o, a) + _rows_dot(a, b) + _rows_dot(b, o)
    omega = np.bincount(r, weights=2.0 * np.arctan2(num, den), minlength=len(rings))
    ring_area = np.abs(omega) * np.where(exterior, 1.0, -1.0)
    part_area = np.bincount(ring_part, weights=ring_area, minlength=len(parts))
    out += np.bincount(owner, weights=part_area, minlength=len(geoms))
    return np.asarray(out * frames.EARTH_RADIUS_M**2)


def overlapping(query: Volume4D, cands: VolumeArray) -> I64:
    """Indices of candidates that conflict with ``query`` in 4D (no overlap geometry)."""
    return np.array([o.index for o in intersect(query, cands, geometry=False)], dtype=np.int64)


def intersect(query: Volume4D, cands: VolumeArray, geometry: bool = True) -> list[Overlap]:
    """Every candidate that conflicts with ``query``, with the overlap when ``geometry``."""
    if len(cands) == 0:
        return []
    idx = np.flatnonzero(band_mask(query, cands) & cap_mask(query, cands))
    if idx.size == 0:
        return []
    sub = cands.take(idx)
    c = query.outline.centre
    qpoly = query.outline.planar(c)
    polys = sub.planar(c)
    hit = shapely.intersects(qpoly, polys)
    if not hit.any():
        return []
    idx, polys = idx[hit], polys[hit]
    inter = shapely.intersection(qpoly, polys)
    areas = _spherical_areas_m2(inter, c)
    keep = np.flatnonzero(areas >= MIN_OVERLAP_M2)
    all_rings = _shells_latlon(inter[keep], c) if geometry else [[] for _ in keep]
    out: list[Overlap] = []
    for k, rings in zip(keep, all_rings, strict=True):
        i = int(idx[k])
        out.append(
            Overlap(
                index=i,
                rings=rings,
                area_m2=float(areas[k]),
                alt_lower_m=max(float(cands.alt_lower_m[i]), query.alt_lower_m),
                alt_upper_m=min(float(cands.alt_upper_m[i]), query.alt_upper_m),
                t_start=max(float(cands.t_start[i]), query.t_start),
                t_end=min(float(cands.t_end[i]), query.t_end),
            )
        )
    return out


def _shells_latlon(geoms: NDArray[np.object_], centre: F64) -> list[list[Ring]]:
    """The outer rings of every polygon in each geometry (gnomonic plane about ``centre``) as
    counter-clockwise (lat, lon) rings, mapped back in one vectorized pass."""
    out: list[list[Ring]] = [[] for _ in range(len(geoms))]
    parts, owner = shapely.get_parts(geoms, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)  # collections may hold multis
    owner = owner[sub]
    is_poly = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, owner = parts[is_poly], owner[is_poly]
    if len(parts) == 0:
        return out
    xy, ring_of = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
    last = np.r_[ring_of[1:] != ring_of[:-1], True]  # the closing repeat of each ring
    xy, ring_of = xy[~last], ring_of[~last]
    starts = np.searchsorted(ring_of, np.arange(len(parts)))
    nxt = np.arange(len(xy)) + 1
    ends = np.r_[starts[1:], len(xy)]
    nxt[ends - 1] = starts  # wrap each ring
    cross = xy[:, 0] * xy[nxt, 1] - xy[:, 1] * xy[nxt, 0]
    clockwise = (
        np.bincount(ring_of, weights=cross, minlength=len(parts)) < 0
    )  # GEOS: clockwise shells
    lat, lon = frames.vectors_to_latlon(frames.gnomonic_inverse(xy, centre))
    for r in range(len(parts)):
        sl = slice(starts[r], ends[r])
        la, lo = lat[sl], lon[sl]
        if clockwise[r]:
            la, lo = la[::-1], lo[::-1]
        out[int(owner[r])].append((la, lo))
    return out
