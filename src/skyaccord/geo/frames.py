"""Coordinate frames: WGS84 geodetic ↔ Earth-centred (ECEF), unit vectors, local tangent frames.

All functions are array in, array out (numpy broadcasting); angles in degrees at the interface,
lengths in metres.

Two models are used, each where it is exact enough for its job:

* **Ellipsoid (WGS84)** for positions of aircraft (:func:`geodetic_to_ecef`,
  :func:`enu_basis`), so separation is measured in true metres.
* **Sphere** (radius :data:`EARTH_RADIUS_M`) for outlines of volumes, whose edges are great-circle
  arcs.  The gnomonic projection maps great circles to straight lines, so polygon operations in
  a gnomonic plane are exact for such outlines, anywhere on Earth (poles, antimeridian), as long
  as everything lies within the hemisphere around the projection centre.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]

WGS84_A: Final = 6378137.0
WGS84_F: Final = 1.0 / 298.257223563
WGS84_E2: Final = WGS84_F * (2.0 - WGS84_F)
EARTH_RADIUS_M: Final = 6371008.8
"""Mean Earth radius (IUGG), metres: the sphere used for outlines and their areas."""


def geodetic_to_ecef(lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike = 0.0) -> F64:
    """WGS84 latitude, longitude (degrees) and ellipsoidal height (m) → ECEF x, y, z (m), shape (..., 3)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(alt_m, dtype=np.float64)
    slat, clat = np.sin(lat), np.cos(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * slat * slat)
    x = (n + h) * clat * np.cos(lon)
    y = (n + h) * clat * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * slat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(xyz: ArrayLike) -> tuple[F64, F64, F64]:
    """ECEF (m), shape (..., 3) → WGS84 latitude, longitude (degrees), height (m); Bowring's method."""
    p = np.asarray(xyz, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    b = WGS84_A * (1.0 - WGS84_F)
    ep2 = (WGS84_A**2 - b**2) / b**2
    r = np.hypot(x, y)
    theta = np.arctan2(z * WGS84_A, r * b)
    lat = np.arctan2(z + ep2 * b * np.sin(theta) ** 3, r - WGS84_E2 * WGS84_A * np.cos(theta) ** 3)
    lon = np.arctan2(y, x)
    slat = np.sin(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * slat * slat)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(
            np.abs(np.cos(lat)) > 1e-9,
            r / np.cos(lat) - n,
            np.abs(z) - b,
        )
    return np.degrees(lat), np.degrees(lon), h


def unit_vectors(lat_deg: ArrayLike, lon_deg: ArrayLike) -> F64:
    """Latitude, longitude (degrees) → unit vectors on the sphere, shape (..., 3)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    clat = np.cos(lat)
    return np.stack(
        np.broadcast_arrays(clat * np.cos(lon), clat * np.sin(lon), np.sin(lat)), axis=-1
    )


def vectors_to_latlon(v: ArrayLike) -> tuple[F64, F64]:
    """Vectors (any length), shape (..., 3) → latitude, longitude (degrees); longitude in [-180, 180]."""
    a = np.asarray(v, dtype=np.float64)
    lat = np.degrees(np.arctan2(a[..., 2], np.hypot(a[..., 0], a[..., 1])))
    lon = np.degrees(np.arctan2(a[..., 1], a[..., 0]))
    return lat, lon


def enu_basis(lat_deg: ArrayLike, lon_deg: ArrayLike) -> tuple[F64, F64, F64]:
    """East, north and up unit vectors (ECEF components) at each position, each shape (..., 3).

    At a pole east is taken along +y (longitude 90°) so the basis stays defined.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    slat, clat = np.sin(lat), np.cos(lat)
    slon, clon = np.sin(lon), np.cos(lon)
    zero = np.zeros_like(slat * slon)
    east = np.stack(np.broadcast_arrays(-slon, clon, zero), axis=-1)
    north = np.stack(np.broadcast_arrays(-slat * clon, -slat * slon, clat), axis=-1)
    up = np.stack(np.broadcast_arrays(clat * clon, clat * slon, slat), axis=-1)
    return east, north, up


def tangent_basis(centre: ArrayLike) -> tuple[F64, F64]:
    """Orthonormal east-like and north-like vectors perpendicular to unit vector(s) ``centre``.

    Well defined everywhere, including the poles (where "east" is taken along +y).  Written out
    by components: ``np.cross`` costs more than the arithmetic on the small arrays used here.
    """
    c = np.asarray(centre, dtype=np.float64)
    c = c / np.linalg.norm(c, axis=-1, keepdims=True)
    cx, cy, cz = c[..., 0], c[..., 1], c[..., 2]
    norm = np.hypot(cx, cy)  # |ez × c|
    polar = norm < 1e-12
    safe = np.where(polar, 1.0, norm)
    ex = np.where(polar, 0.0, -cy / safe)
    ey = np.where(polar, 1.0, cx / safe)
    ez = np.zeros_like(ex)
    east = np.stack((ex, ey, ez), axis=-1)
    north = np.stack((cy * ez - cz * ey, cz * ex - cx * ez, cx * ey - cy * ex), axis=-1)
    return east, north


def gnomonic_forward(v: ArrayLike, centre: ArrayLike) -> F64:
    """Unit vectors ``v`` (..., 3) → gnomonic plane coordinates (..., 2) about unit vector ``centre``.

    Coordinates are dimensionless (tangent of the angle from the centre); great circles map to
    straight lines.  Points at or beyond 90° from the centre have no image: the caller must keep
    everything within the hemisphere (``v · centre > 0``).
    """
    vv = np.asarray(v, dtype=np.float64)
    c = np.asarray(centre, dtype=np.float64)
    east, north = tangent_basis(c)
    d = vv @ c
    return np.stack((vv @ east / d, vv @ north / d), axis=-1)


def gnomonic_inverse(xy: ArrayLike, centre: ArrayLike) -> F64:
    """Gnomonic plane coordinates (..., 2) about ``centre`` → unit vectors (..., 3)."""
    p = np.asarray(xy, dtype=np.float64)
    c = np.asarray(centre, dtype=np.float64)
    east, north = tangent_basis(c)
    v = c + p[..., 0:1] * east + p[..., 1:2] * north
    return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True), dtype=np.float64)


def angle_between(a: ArrayLike, b: ArrayLike) -> F64:
    """Angle (radians) between unit vectors, numerically stable for tiny and near-π angles."""
    u = np.asarray(a, dtype=np.float64)
    w = np.asarray(b, dtype=np.float64)
    ux, uy, uz = u[..., 0], u[..., 1], u[..., 2]
    wx, wy, wz = w[..., 0], w[..., 1], w[..., 2]
    cross = np.sqrt((uy * wz - uz * wy) ** 2 + (uz * wx - ux * wz) ** 2 + (ux * wy - uy * wx) ** 2)
    dot = ux * wx + uy * wy + uz * wz
    return np.asarray(np.arctan2(cross, dot), dtype=np.float64)


def great_circle_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> F64:
    """Great-circle distance (m) on the mean sphere."""
    return angle_between(unit_vectors(lat1, lon1), unit_vectors(lat2, lon2)) * EARTH_RADIUS_M


def destination(
    lat_deg: ArrayLike, lon_deg: ArrayLike, bearing_deg: ArrayLike, distance_m: ArrayLike
) -> tuple[F64, F64]:
    """Point reached from a start along a great circle with the given initial bearing (sphere).

    Computed on vectors: the start ``p`` turns by ``δ = distance / R`` towards the tangent
    direction ``t = cos(bearing)·north + sin(bearing)·east``, ``q = cos δ·p + sin δ·t``.  This
    holds at the poles, where north and east are the limits along the start's meridian (from the
    north pole, bearing 180° runs down meridian ``lon_deg``); the usual arcsin/arctan2 formula
    loses the longitude there (a circle centred on a pole collapsed onto one meridian).
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    brg = np.radians(np.asarray(bearing_deg, dtype=np.float64))
    delta = np.asarray(distance_m, dtype=np.float64) / EARTH_RADIUS_M
    slat, clat, slon, clon = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    sb, cb, sd, cd = np.sin(brg), np.cos(brg), np.sin(delta), np.cos(delta)
    x = cd * clat * clon - sd * (cb * slat * clon + sb * slon)
    y = cd * clat * slon - sd * (cb * slat * slon - sb * clon)
    z = cd * slat + sd * cb * clat
    lat2 = np.arctan2(z, np.hypot(x, y))
    lon2 = (np.arctan2(y, x) + np.pi) % (2 * np.pi) - np.pi
    return np.degrees(lat2), np.degrees(lon2)


def wrap_lon(lon_deg: ArrayLike) -> F64:
    """Longitude(s) wrapped into [-180, 180)."""
    return np.asarray((np.asarray(lon_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0)
