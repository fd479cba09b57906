"""Validation of outlines and 4D volumes: small composable checks that name the field and the reason.

Everything that enters skyaccord as geometry passes through here once; inside, volumes are
trusted.  Limits are configurable (:class:`Limits`).

>>> from skyaccord.geo.volumes import polygon_outline
>>> check_outline(polygon_outline([0, 0, 1], [0, 1, 1]), "outline", Limits())
>>> check_outline(polygon_outline([0, 1, 0, 1], [0, 1, 1, 0]), "outline", Limits())
Traceback (most recent call last):
...
skyaccord.errors.ValidationError: outline: outline intersects itself near (0.50006, 0.50000)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from skyaccord.errors import ValidationError
from skyaccord.geo import frames
from skyaccord.geo.volumes import (
    MAX_RADIUS_DEG,
    Outline,
    Volume4D,
    outline_area_m2,
    polygon_outline,
)
from skyaccord.units import wrap_360


@dataclass(frozen=True)
class Limits:
    """Configurable bounds on what a filing may contain (SI units)."""

    max_area_m2: float = 1.0e12  # 1,000,000 km²
    min_area_m2: float = 1.0
    max_duration_s: float = 7 * 24 * 3600.0
    min_alt_m: float = -1000.0
    max_alt_m: float = 100_000.0
    max_vertices: int = 10_000
    max_volumes: int = 100


def check_finite(value: object, field: str) -> float:
    """``value`` as a finite float, or a ValidationError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"expected a number, got {type(value).__name__}")
    try:
        x = float(value)
    except OverflowError:  # an int beyond the float range (JSON allows any number of digits)
        raise ValidationError(field, "must be a finite number, got an integer too large") from None
    if not math.isfinite(x):
        raise ValidationError(field, f"must be a finite number, got {value!r}")
    return x


def check_lat(value: object, field: str) -> float:
    x = check_finite(value, field)
    if not -90.0 <= x <= 90.0:
        raise ValidationError(field, f"latitude {x} is outside [-90, 90]")
    return x


def check_lon(value: object, field: str) -> float:
    x = check_finite(value, field)
    if not -180.0 <= x <= 180.0:
        raise ValidationError(field, f"longitude {x} is outside [-180, 180]")
    return x


def distinct_ring(
    lat: list[float], lon: list[float], field: str
) -> tuple[list[float], list[float]]:
    """Drops a closing vertex and consecutive repeats; needs at least 3 distinct vertices, and
    refuses a ring through the same point twice (also when spelled two ways: ±180°, or a pole
    at two longitudes, which the planar validity check would see as two points)."""
    pts: list[tuple[float, float]] = []
    for p in zip(lat, lon, strict=True):
        if not pts or not _same_point(pts[-1], p):
            pts.append(p)
    while len(pts) > 1 and _same_point(pts[0], pts[-1]):
        pts.pop()
    wrapped = wrap_360([b for _, b in pts]).tolist()
    keys = [(a, 0.0 if abs(a) == 90.0 else w) for (a, _), w in zip(pts, wrapped, strict=True)]
    distinct = len({(round(a, 12), round(b, 12) % 360.0) for a, b in keys})
    if distinct < 3:
        raise ValidationError(field, f"needs at least 3 distinct vertices, got {distinct}")
    seen: set[tuple[float, float]] = set()
    for (a, b), key in zip(pts, keys, strict=True):
        if key in seen:
            raise ValidationError(field, f"outline intersects itself near ({a:.5f}, {b:.5f})")
        seen.add(key)
    return [p[0] for p in pts], [p[1] for p in pts]


def _same_point(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] == b[0] and (abs(a[0]) == 90.0 or (a[1] - b[1]) % 360.0 == 0.0)


def check_outline(outline: Outline, field: str, limits: Limits) -> None:
    """Size, simplicity and area of an outline (its edges are great-circle arcs)."""
    n = outline.lat.size
    if n > limits.max_vertices:
        raise ValidationError(field, f"has {n} vertices, more than the limit {limits.max_vertices}")
    if outline.radius_rad > math.radians(MAX_RADIUS_DEG):
        km = outline.radius_rad * frames.EARTH_RADIUS_M / 1000.0
        raise ValidationError(
            field,
            f"spans {km:,.0f} km from its centre, more than the "
            f"{math.radians(MAX_RADIUS_DEG) * frames.EARTH_RADIUS_M / 1000:,.0f} km limit; "
            "split it into smaller volumes",
        )
    if outline.circle is None:
        poly = outline.planar()
        if not poly.is_valid:
            reason = shapely.is_valid_reason(poly)
            where = ""
            if "[" in reason:
                xy = [float(t) for t in reason.split("[", 1)[1].rstrip("]").split()]
                la, lo = frames.vectors_to_latlon(frames.gnomonic_inverse(xy, outline.centre))
                where = f" near ({float(la):.5f}, {float(lo):.5f})"
            if reason.startswith(("Self-intersection", "Ring Self-intersection")):
                raise ValidationError(field, f"outline intersects itself{where}")
            raise ValidationError(field, f"outline is not a valid polygon: {reason}")
    area = outline_area_m2(outline)
    if area < limits.min_area_m2:
        raise ValidationError(
            field, f"area {area:.3g} m² is below the minimum {limits.min_area_m2:g} m²"
        )
    if area > limits.max_area_m2:
        raise ValidationError(
            field,
            f"area {area / 1e6:,.0f} km² exceeds the limit {limits.max_area_m2 / 1e6:,.0f} km²",
        )


def check_volume(volume: Volume4D, field: str, limits: Limits) -> None:
    """Outline, altitude band and time window of one volume (F3548 field names)."""
    check_outline(volume.outline, f"{field}.volume.outline", limits)
    check_band(
        volume.alt_lower_m,
        volume.alt_upper_m,
        f"{field}.volume.altitude_lower",
        f"{field}.volume.altitude_upper",
        limits,
    )
    check_window(volume.t_start, volume.t_end, f"{field}.time_start", f"{field}.time_end", limits)


def check_band(lo: float, hi: float, lower_field: str, upper_field: str, limits: Limits) -> None:
    """Altitude band [lo, hi] (m): both within the limits, lower below upper."""
    for name, value in ((lower_field, lo), (upper_field, hi)):
        if not limits.min_alt_m <= value <= limits.max_alt_m:
            raise ValidationError(
                name, f"{value:g} m is outside [{limits.min_alt_m:g}, {limits.max_alt_m:g}] m"
            )
    if not lo < hi:
        raise ValidationError(
            lower_field, f"lower altitude {lo:g} m must be below upper altitude {hi:g} m"
        )


def check_window(
    t_start: float, t_end: float, start_field: str, end_field: str, limits: Limits
) -> None:
    """Time window [t_start, t_end) (POSIX s): start before end, duration within the limit."""
    if not t_start < t_end:
        raise ValidationError(start_field, "time_start must be before time_end")
    duration = t_end - t_start
    if duration > limits.max_duration_s:
        raise ValidationError(
            end_field,
            f"duration {duration / 3600:.1f} h exceeds the limit "
            f"{limits.max_duration_s / 3600:.1f} h",
        )


def outline_from_vertices(
    vertices: list[tuple[object, object]],
    field: str,
    limits: Limits,
    names: tuple[str, str] = (".lat", ".lng"),
) -> Outline:
    """Vertices as (lat, lon) pairs of raw values → a checked outline.

    ``names`` are the path suffixes of a vertex's latitude and longitude in error fields:
    ``(".lat", ".lng")`` for F3548 objects, ``("[1]", "[0]")`` for GeoJSON positions.
    """
    if not isinstance(vertices, list) or not vertices:
        raise ValidationError(field, "expected a non-empty list of vertices")
    if len(vertices) > limits.max_vertices + 1:
        raise ValidationError(
            field, f"has {len(vertices)} vertices, more than the limit {limits.max_vertices}"
        )
    lat = [check_lat(a, f"{field}[{i}]{names[0]}") for i, (a, _) in enumerate(vertices)]
    lon = [check_lon(b, f"{field}[{i}]{names[1]}") for i, (_, b) in enumerate(vertices)]
    lat, lon = distinct_ring(lat, lon, field)
    outline = polygon_outline(np.array(lat), np.array(lon))
    check_outline(outline, field, limits)
    return outline
