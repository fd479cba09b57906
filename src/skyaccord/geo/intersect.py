"""Exact 4D intersection of one volume with many candidates, vectorized.

Two volumes conflict when their time windows overlap for a positive duration, their altitude
bands overlap for a positive height, and their outlines overlap with an area of at least
:data:`MIN_OVERLAP_M2` (touching edges are not a conflict).  Outlines are intersected in the
gnomonic plane about the query's centre, where their great-circle edges are straight lines, so
the result is exact anywhere on Earth; the overlap is mapped back to latitude/longitude.
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


def _area_scale(xy_centroids: F64) -> F64:
    # Gnomonic area element is sec³θ: planar area × cos³θ × R² gives m² (exact at the centroid).
    cos_t = 1.0 / np.sqrt(1.0 + np.sum(xy_centroids**2, axis=-1))
    return np.asarray(cos_t**3 * frames.EARTH_RADIUS_M**2)


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
    cen = shapely.get_coordinates(shapely.centroid(inter))
    areas = np.zeros(len(inter))
    nonempty = ~shapely.is_empty(inter)
    if nonempty.any():
        areas[nonempty] = shapely.area(inter[nonempty]) * _area_scale(cen)
    keep = areas >= MIN_OVERLAP_M2
    out: list[Overlap] = []
    for k in np.flatnonzero(keep):
        i = int(idx[k])
        rings = _rings_latlon(inter[k], c) if geometry else []
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


def _rings_latlon(geom: shapely.Geometry, centre: F64) -> list[Ring]:
    polys = shapely.get_parts(geom)
    rings: list[Ring] = []
    for p in polys:
        if not isinstance(p, shapely.Polygon) or p.is_empty:
            continue
        xy = np.asarray(p.exterior.coords)[:-1]
        la, lo = frames.vectors_to_latlon(frames.gnomonic_inverse(xy, centre))
        rings.append((la, lo))
    return rings
