"""4D volumes (ASTM F3548-21 ``Volume4D``): an outline × altitude band × time window.

An outline is a polygon on the sphere whose edges are **great-circle arcs** (the interior is the
smaller of the two regions the ring bounds), or a circle given by centre and radius, held as its
circumscribed 64-gon so that coverage is never understated.  Altitudes are metres, times POSIX
seconds.  :class:`VolumeArray` packs many volumes into flat arrays for vectorized work.

Units: lat/lon degrees; altitude m (reference recorded, values compared as given); time s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray

from skyaccord.geo import frames

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

CIRCLE_SEGMENTS: Final = 64
"""Vertices of the polygon that stands in for a circle (circumscribed: ≤ 0.12 % larger)."""

MAX_RADIUS_DEG: Final = 25.0
"""Hard limit on a volume's angular radius (≈ 2,780 km), so any two candidate volumes fit in one
gnomonic hemisphere (3 × 25° < 90°).  Larger areas (big countries) are split into tiles."""


@dataclass(frozen=True)
class Circle:
    lat_deg: float
    lon_deg: float
    radius_m: float


@dataclass(frozen=True, eq=False)
class Outline:
    """A closed outline: open ring of vertices (first vertex not repeated), great-circle edges.

    ``circle`` is set when the outline was given as a circle; ``lat``/``lon`` then hold its
    circumscribed polygon.  Build with :func:`polygon_outline` or :func:`circle_outline`, which
    compute the bounding cap used by every fast test.
    """

    lat: F64
    lon: F64
    circle: Circle | None = None
    centre: F64 = field(default_factory=lambda: np.zeros(3))
    radius_rad: float = 0.0

    @property
    def vectors(self) -> F64:
        return frames.unit_vectors(self.lat, self.lon)

    def planar(self, centre: F64 | None = None) -> shapely.Polygon:
        """The outline as a shapely polygon in the gnomonic plane about ``centre`` (default: own)."""
        c = self.centre if centre is None else centre
        xy = frames.gnomonic_forward(self.vectors, c)
        return shapely.Polygon(xy)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Outline)
            and np.array_equal(self.lat, other.lat)
            and np.array_equal(self.lon, other.lon)
            and self.circle == other.circle
        )

    def __hash__(self) -> int:
        return hash((self.lat.tobytes(), self.lon.tobytes(), self.circle))


def bounding_cap(v: F64) -> tuple[F64, float]:
    """Centre (unit vector) and angular radius (rad) of a cap holding every vector in ``v``."""
    s = v.sum(axis=0)
    n = float(np.linalg.norm(s))
    c = s / n if n > 1e-12 else v[0]
    r = float(np.max(frames.angle_between(v, c)))
    return c, r


def polygon_outline(lat: Sequence[float] | F64, lon: Sequence[float] | F64) -> Outline:
    """Outline from vertices (open or closed ring, any orientation); no validation here."""
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    if la.size > 1 and la[0] == la[-1] and lo[0] == lo[-1]:
        la, lo = la[:-1], lo[:-1]
    c, r = bounding_cap(frames.unit_vectors(la, lo))
    xy = frames.gnomonic_forward(frames.unit_vectors(la, lo), c)
    if la.size >= 3 and _signed_area(xy) < 0:  # store counter-clockwise (seen from above)
        la, lo = la[::-1].copy(), lo[::-1].copy()
    return Outline(la, lo, None, c, r)


def circle_outline(lat_deg: float, lon_deg: float, radius_m: float) -> Outline:
    """Outline of a circle, as its circumscribed polygon of :data:`CIRCLE_SEGMENTS` vertices."""
    k = np.arange(CIRCLE_SEGMENTS)
    bearings = 360.0 - k * (360.0 / CIRCLE_SEGMENTS)  # counter-clockwise
    # A vertex at r / cos(π/n) puts every edge midpoint at ≥ r (exact on the plane, tangent-close
    # on the sphere for the radii allowed).
    rv = radius_m / np.cos(np.pi / CIRCLE_SEGMENTS)
    la, lo = frames.destination(lat_deg, lon_deg, bearings, rv)
    c = frames.unit_vectors(lat_deg, lon_deg)
    r = rv / frames.EARTH_RADIUS_M
    return Outline(la, lo, Circle(lat_deg, lon_deg, radius_m), c, float(r))


def _signed_area(xy: F64) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def outline_area_m2(outline: Outline) -> float:
    """Area (m²) on the mean sphere, by the spherical excess of the great-circle polygon."""
    v = outline.vectors
    return _spherical_area(v) * frames.EARTH_RADIUS_M**2


def _spherical_area(v: F64) -> float:
    # Sum of signed solid angles of triangles (c, v_i, v_i+1) about the cap centre; exact for
    # great-circle edges (Van Oosterom & Strackee).
    c, _ = bounding_cap(v)
    a = v
    b = np.roll(v, -1, axis=0)
    num = np.einsum("ij,ij->i", c[None, :].repeat(len(a), 0), np.cross(a, b))
    den = 1.0 + a @ c + b @ c + np.einsum("ij,ij->i", a, b)
    return abs(float(np.sum(2.0 * np.arctan2(num, den))))


@dataclass(frozen=True)
class Volume4D:
    """Outline × altitude band [lower, upper] (m) × time window [start, end) (POSIX s)."""

    outline: Outline
    alt_lower_m: float
    alt_upper_m: float
    t_start: float
    t_end: float
    alt_reference: str = "W84"


@dataclass(frozen=True)
class VolumeArray:
    """Many volumes as flat arrays: vertices concatenated, ``offsets[i]:offsets[i+1]`` per volume."""

    lat: F64
    lon: F64
    offsets: I64
    centre: F64  # (n, 3) unit vectors
    radius_rad: F64
    alt_lower_m: F64
    alt_upper_m: F64
    t_start: F64
    t_end: F64

    def __len__(self) -> int:
        return len(self.radius_rad)

    @staticmethod
    def from_volumes(volumes: Sequence[Volume4D]) -> VolumeArray:
        n = len(volumes)
        counts = np.fromiter((v.outline.lat.size for v in volumes), dtype=np.int64, count=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        lat = np.concatenate([v.outline.lat for v in volumes]) if n else np.zeros(0)
        lon = np.concatenate([v.outline.lon for v in volumes]) if n else np.zeros(0)
        centre = np.array([v.outline.centre for v in volumes]).reshape(n, 3)
        return VolumeArray(
            lat=lat,
            lon=lon,
            offsets=offsets,
            centre=centre,
            radius_rad=np.fromiter((v.outline.radius_rad for v in volumes), np.float64, n),
            alt_lower_m=np.fromiter((v.alt_lower_m for v in volumes), np.float64, n),
            alt_upper_m=np.fromiter((v.alt_upper_m for v in volumes), np.float64, n),
            t_start=np.fromiter((v.t_start for v in volumes), np.float64, n),
            t_end=np.fromiter((v.t_end for v in volumes), np.float64, n),
        )

    def take(self, idx: I64) -> VolumeArray:
        """The volumes at positions ``idx``, packed again."""
        idx = np.asarray(idx, dtype=np.int64)
        counts = self.offsets[idx + 1] - self.offsets[idx]
        offsets = np.zeros(idx.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        starts = np.repeat(self.offsets[idx], counts)
        within = np.arange(int(offsets[-1])) - np.repeat(offsets[:-1], counts)
        src = starts + within
        return VolumeArray(
            lat=self.lat[src],
            lon=self.lon[src],
            offsets=offsets,
            centre=self.centre[idx],
            radius_rad=self.radius_rad[idx],
            alt_lower_m=self.alt_lower_m[idx],
            alt_upper_m=self.alt_upper_m[idx],
            t_start=self.t_start[idx],
            t_end=self.t_end[idx],
        )

    def volume(self, i: int) -> Volume4D:
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        outline = Outline(
            self.lat[a:b].copy(),
            self.lon[a:b].copy(),
            None,
            self.centre[i].copy(),
            float(self.radius_rad[i]),
        )
        return Volume4D(
            outline,
            float(self.alt_lower_m[i]),
            float(self.alt_upper_m[i]),
            float(self.t_start[i]),
            float(self.t_end[i]),
        )

    def planar(self, centre: F64) -> NDArray[np.object_]:
        """Every outline as a shapely polygon in the gnomonic plane about ``centre`` (vectorized).

        The caller guarantees every vertex lies within 90° of ``centre``.
        """
        if len(self) == 0:
            return np.empty(0, dtype=object)
        xy = frames.gnomonic_forward(frames.unit_vectors(self.lat, self.lon), centre)
        counts = np.diff(self.offsets)
        ring_idx = np.repeat(np.arange(len(self)), counts)
        rings = shapely.linearrings(xy, indices=ring_idx)
        return np.asarray(shapely.polygons(rings))
