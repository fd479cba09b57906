"""Brute-force reference geometry on the sphere, for the tests of :mod:`skyaccord.geo`.

Written from first principles and **independently of the implementation**: it imports nothing
from ``skyaccord.geo``, uses neither shapely nor a gnomonic projection, and works on unit vectors
with cross and dot products only (numpy is used as an array container for the all-pairs loops).
It is deliberately slow and simple; it mirrors the documented semantics:

* outline edges are great-circle arcs; the interior is the smaller region the ring bounds;
* two volumes conflict when their time windows overlap for a positive duration, their altitude
  bands for a positive height, and their outlines overlap with an area of at least 1 m²;
* circles are their circumscribed 64-gons (the tests build those vertices once and check them
  separately in ``test_volumes.py``).

How outline overlap is decided (:func:`outlines_overlap`): the interiors of two outlines meet
when two great-circle edges cross properly (each edge has the other's endpoints strictly on
opposite sides, and the crossing is not at the antipode), or a *witness* point of one lies
strictly inside the other.  Witnesses are the vertices (the brief's criterion), plus every edge
midpoint and one interior point: with those, identical outlines and outlines that share every
vertex are decided right too.  (The criterion can still miss interiors that meet only through
edges passing exactly through vertices of the other outline; no generator here builds those.)
"Strictly" means farther than :data:`EPS_RAD` (about 64 nm on the ground) from the boundary, so
that shared edges and vertices, whose computed positions differ by rounding, count as touching.

The reference area (:func:`area_m2`) is a signed sum of triangle solid angles about an apex,
with the determinant computed from differences of vectors so that it stays accurate for 10 m
triangles.  The reference area of an *intersection* (:func:`intersection_area_m2`) clips every
convex fan triangle of one outline against every fan triangle of the other on the sphere
(Sutherland–Hodgman with great-circle half-spaces) and sums the solid angles of the pieces.
It needs each outline to be star-shaped about a known apex (:class:`Shape`), which holds for
every outline the strategies build.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
Vec = tuple[float, float, float]

EARTH_RADIUS_M = 6371008.8
"""Mean Earth radius (IUGG), the sphere of the documented semantics."""
MIN_OVERLAP_M2 = 1.0
"""Smallest outline overlap that is a conflict (the documented threshold)."""
EPS_RAD = 1e-14
"""Boundary tolerance: a point closer than this (radians, ≈ 64 nm) to an edge is on it."""


# --- plain vector algebra (tuples) -----------------------------------------------------------


def unit(lat_deg: float, lon_deg: float) -> Vec:
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def latlon(v: Vec) -> tuple[float, float]:
    return (
        math.degrees(math.atan2(v[2], math.hypot(v[0], v[1]))),
        math.degrees(math.atan2(v[1], v[0])),
    )


def add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def scale(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(a: Vec) -> float:
    return math.sqrt(dot(a, a))


def normalize(a: Vec) -> Vec:
    return scale(a, 1.0 / norm(a))


def angle(a: Vec, b: Vec) -> float:
    """Angle (rad) between unit vectors; accurate for tiny and near-π angles."""
    return math.atan2(norm(cross(a, b)), dot(a, b))


def det(a: Vec, b: Vec, c: Vec) -> float:
    """det[a, b, c] = a · (b × c), from differences so that it is accurate for tiny triangles."""
    return dot(a, cross(sub(b, a), sub(c, a)))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return angle(unit(lat1, lon1), unit(lat2, lon2)) * EARTH_RADIUS_M


def destination(lat_deg: float, lon_deg: float, bearing_deg: float, dist_m: float) -> Vec:
    """Unit vector reached along a great circle: rotate the start towards the bearing direction.

    North and east are the tangent vectors of the meridian and parallel through the start; at a
    pole they are the limits along the start's meridian, so the poles need no special case.
    """
    la, lo, b = math.radians(lat_deg), math.radians(lon_deg), math.radians(bearing_deg)
    p = unit(lat_deg, lon_deg)
    north = (-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la))
    east = (-math.sin(lo), math.cos(lo), 0.0)
    d = dist_m / EARTH_RADIUS_M
    t = add(scale(north, math.cos(b)), scale(east, math.sin(b)))
    return normalize(add(scale(p, math.cos(d)), scale(t, math.sin(d))))


def destination_latlon(
    lat_deg: float, lon_deg: float, bearing_deg: float, dist_m: float
) -> tuple[float, float]:
    return latlon(destination(lat_deg, lon_deg, bearing_deg, dist_m))


# --- triangles and convex pieces --------------------------------------------------------------


def solid_angle(a: Vec, b: Vec, c: Vec) -> float:
    """Signed solid angle (sr) of the spherical triangle a, b, c (positive counter-clockwise)."""
    num = det(a, b, c)
    den = 1.0 + dot(a, b) + dot(b, c) + dot(c, a)
    return 2.0 * math.atan2(num, den)


def lhuilier(a: Vec, b: Vec, c: Vec) -> float:
    """Unsigned solid angle of a triangle by l'Huilier's theorem (a second, independent formula)."""
    x, y, z = angle(b, c), angle(c, a), angle(a, b)
    s = 0.5 * (x + y + z)
    t = math.tan(s / 2) * math.tan((s - x) / 2) * math.tan((s - y) / 2) * math.tan((s - z) / 2)
    return 4.0 * math.atan(math.sqrt(max(t, 0.0)))


def fan_area_sr(points: list[Vec], apex: Vec) -> float:
    """Signed solid angle of a ring, as the sum of triangles (apex, p_i, p_i+1).

    Exact for great-circle edges whenever the ring lies in the open hemisphere around ``apex``.
    """
    n = len(points)
    return sum(solid_angle(apex, points[i], points[(i + 1) % n]) for i in range(n))


def clip(poly: list[Vec], a: Vec, b: Vec) -> list[Vec]:
    """The part of convex ``poly`` left of the great circle a → b (Sutherland–Hodgman)."""
    n = cross(a, sub(b, a))  # = a × b, normal pointing to the left of a → b
    out: list[Vec] = []
    k = len(poly)
    for i in range(k):
        cur, prev = poly[i], poly[i - 1]
        sc, sp = dot(n, sub(cur, a)), dot(n, sub(prev, a))
        if (sc >= 0.0) != (sp >= 0.0):
            # the point of arc prev → cur on the great circle: n · (sp·cur − sc·prev) = 0, with
            # weights normalised to sum 1 (both are ≥ 0) so that tiny sides cannot underflow
            w = sp / (sp - sc)
            out.append(normalize(add(scale(cur, w), scale(prev, 1.0 - w))))
        if sc >= 0.0:
            out.append(cur)
    return out


# --- shapes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """A simple outline (open ring of lat/lon vertices, great-circle edges), star-shaped about
    ``apex``: every triangle (apex, v_i, v_i+1) is convex or degenerate, all of one orientation.

    ``apex`` may be inside the outline or one of its vertices.
    """

    lat: tuple[float, ...]
    lon: tuple[float, ...]
    apex: tuple[float, float]
    label: str = "polygon"

    def __post_init__(self) -> None:
        assert len(self.lat) == len(self.lon) >= 3
        dets = [det(self.apex_vec, a, b) for a, b in self.edges]
        big = max(abs(d) for d in dets)
        signs = {d > 0 for d in dets if abs(d) > 1e-9 * big}
        assert len(signs) == 1, "outline is not star-shaped about its apex"

    @cached_property
    def vertices(self) -> list[Vec]:
        return [unit(a, b) for a, b in zip(self.lat, self.lon, strict=True)]

    @cached_property
    def apex_vec(self) -> Vec:
        return unit(*self.apex)

    @cached_property
    def array(self) -> F64:
        return np.array(self.vertices, dtype=np.float64)

    @cached_property
    def edges(self) -> list[tuple[Vec, Vec]]:
        v = self.vertices
        return [(v[i], v[(i + 1) % len(v)]) for i in range(len(v))]

    @cached_property
    def triangles(self) -> list[tuple[Vec, Vec, Vec]]:
        """Non-degenerate fan triangles, each counter-clockwise; they tile the outline."""
        o = self.apex_vec
        dets = [det(o, a, b) for a, b in self.edges]
        big = max(abs(d) for d in dets)
        tris: list[tuple[Vec, Vec, Vec]] = []
        for (a, b), d in zip(self.edges, dets, strict=True):
            if abs(d) <= 1e-12 * big:
                continue  # degenerate: the apex is on this edge's great circle
            tris.append((o, a, b) if d > 0 else (o, b, a))
        return tris

    @cached_property
    def ccw(self) -> bool:
        """Is the vertex order counter-clockwise seen from above (interior on the left)?"""
        return fan_area_sr(self.vertices, self.apex_vec) > 0

    @cached_property
    def interior_point(self) -> Vec:
        """A point strictly inside: the apex if it is not a vertex, else a fan triangle's centroid."""
        o = self.apex_vec
        if all(angle(o, v) > EPS_RAD for v in self.vertices):
            return o
        big = max(self.triangles, key=lambda t: solid_angle(*t))
        return normalize(add(add(big[0], big[1]), big[2]))

    @cached_property
    def cap(self) -> tuple[Vec, float]:
        """A cap (centre, angular radius) holding the outline: about the apex (star-shaped)."""
        o = self.apex_vec
        return o, max(angle(o, v) for v in self.vertices)

    @cached_property
    def witnesses(self) -> F64:
        """Vertices, edge midpoints and one interior point: (k, 3)."""
        v = self.array
        mid = v + np.roll(v, -1, axis=0)
        mid /= np.linalg.norm(mid, axis=1, keepdims=True)
        return np.vstack([v, mid, np.array([self.interior_point])])


def area_sr(shape: Shape) -> float:
    return abs(fan_area_sr(shape.vertices, shape.apex_vec))


def area_m2(shape: Shape) -> float:
    """Reference area of an outline (m²)."""
    return area_sr(shape) * EARTH_RADIUS_M**2


def ring_area_m2(lat: list[float] | F64, lon: list[float] | F64) -> float:
    """Signed area (m², positive counter-clockwise) of any ring, apex at its first vertex."""
    pts = [unit(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
    return fan_area_sr(pts, pts[0]) * EARTH_RADIUS_M**2


# --- predicates, vectorized over edges ---------------------------------------------------------


def _rows_dot(a: F64, b: F64) -> F64:
    return np.asarray(a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2])


def _cross(a: F64, b: F64) -> F64:
    """Cross product along the last axis, with broadcasting (plain component formulas)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), axis=-1)


def _sides(v: F64, w: F64, q: F64) -> F64:
    """Signed sine-distance of points q (m, 3) from the great circles of arcs v_i → w_i (n, 3):
    (n, m), positive to the left.  det[v, w, q] from differences, over |v × w|."""
    d = w - v  # (n, 3)
    rel = q[None, :, :] - v[:, None, :]  # (n, m, 3)
    dets = _rows_dot(v[:, None, :], _cross(d[:, None, :], rel))
    length = np.linalg.norm(_cross(v, d), axis=1)  # |v × w|
    return np.asarray(dets / length[:, None], dtype=np.float64)


def _on_boundary(ring: F64, q: F64) -> NDArray[np.bool_]:
    """For each point q (m, 3): within EPS_RAD of an edge of ``ring`` (n, 3)?"""
    v, w = ring, np.roll(ring, -1, axis=0)
    s = _sides(v, w, q)  # (n, m)
    nrm = _cross(v, w - v)  # (n, 3)
    # q projects inside arc v → w iff it is "after" v and "before" w along the normal's sense
    after = _rows_dot(nrm[:, None, :], _cross(v[:, None, :], q[None, :, :] - v[:, None, :]))
    before = _rows_dot(nrm[:, None, :], _cross(q[None, :, :] - w[:, None, :], w[:, None, :]))
    near_edge = (np.abs(s) <= EPS_RAD) & (after >= 0) & (before >= 0)
    chord = np.linalg.norm(q[None, :, :] - v[:, None, :], axis=2)
    near_vertex = chord <= EPS_RAD
    return np.asarray((near_edge | near_vertex).any(axis=0))


def _winding(ring: F64, q: F64) -> NDArray[np.int64]:
    """Winding number of ``ring`` around each point q, from the signed angles each edge subtends
    at q (tangent-plane angles; valid while the ring avoids the antipode of q)."""
    d = ring[:, None, :] - q[None, :, :]  # v_i − q, (n, m, 3)
    e = np.roll(ring, -1, axis=0)[:, None, :] - q[None, :, :]
    num = _rows_dot(np.broadcast_to(q[None, :, :], d.shape), _cross(d, e))
    dq = -0.5 * _rows_dot(d, d)  # d · q = v·q − 1 = −|v − q|²/2
    eq = -0.5 * _rows_dot(e, e)
    den = _rows_dot(d, e) - dq * eq
    total = np.arctan2(num, den).sum(axis=0)
    return np.asarray(np.rint(total / (2 * math.pi)), dtype=np.int64)


def strictly_inside(shape: Shape, q: F64) -> NDArray[np.bool_]:
    """For each point q (m, 3): strictly inside ``shape`` (not within EPS_RAD of its boundary)?"""
    q = np.atleast_2d(np.asarray(q, dtype=np.float64))
    centre, radius = shape.cap
    c = np.array(centre)
    ang = np.arctan2(np.linalg.norm(_cross(q, c), axis=1), q @ c)
    in_cap = ang <= radius + 1e-12
    out = np.zeros(len(q), dtype=bool)
    if in_cap.any():
        qq = q[in_cap]
        out[in_cap] = (_winding(shape.array, qq) != 0) & ~_on_boundary(shape.array, qq)
    return out


def inside_or_on(shape: Shape, q: F64, tol_rad: float) -> NDArray[np.bool_]:
    """Inside, or within ``tol_rad`` of the boundary (distance to the nearest edge arc)."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float64))
    return strictly_inside(shape, q) | (boundary_distance_rad(shape, q) <= tol_rad)


def boundary_distance_rad(shape: Shape, q: F64) -> F64:
    """Angular distance (rad) from each point q to the nearest edge arc of ``shape``."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float64))
    v = shape.array
    w = np.roll(v, -1, axis=0)
    s = np.abs(_sides(v, w, q))
    nrm = _cross(v, w - v)
    after = _rows_dot(nrm[:, None, :], _cross(v[:, None, :], q[None, :, :] - v[:, None, :]))
    before = _rows_dot(nrm[:, None, :], _cross(q[None, :, :] - w[:, None, :], w[:, None, :]))
    edge = np.where((after >= 0) & (before >= 0), np.arcsin(np.minimum(s, 1.0)), np.inf)
    chord = np.linalg.norm(q[None, :, :] - v[:, None, :], axis=2)
    vert = 2 * np.arcsin(np.minimum(chord / 2, 1.0))
    return np.asarray(np.minimum(edge, vert).min(axis=0), dtype=np.float64)


def proper_crossings(a: Shape, b: Shape) -> int:
    """Number of pairs of edges (one of each outline) that cross properly."""
    va, wa = a.array, np.roll(a.array, -1, axis=0)
    vb, wb = b.array, np.roll(b.array, -1, axis=0)
    s0, s1 = _sides(va, wa, vb), _sides(va, wa, wb)  # b's endpoints vs a's edges, (na, nb)
    t0, t1 = _sides(vb, wb, va).T, _sides(vb, wb, wa).T  # a's endpoints vs b's edges, (na, nb)
    strict = (np.abs(s0) > EPS_RAD) & (np.abs(s1) > EPS_RAD)
    strict &= (np.abs(t0) > EPS_RAD) & (np.abs(t1) > EPS_RAD)
    cand = strict & (s0 * s1 < 0) & (t0 * t1 < 0)
    count = 0
    for i, j in zip(*np.nonzero(cand), strict=True):
        # the great circles meet at ±y; the crossing is real if the point on arc a is on arc b
        y = _cross(_cross(va[i], wa[i]), _cross(vb[j], wb[j]))
        if y @ (va[i] + wa[i]) < 0:
            y = -y
        if y @ (vb[j] + wb[j]) > 0:
            count += 1
    return count


def caps_apart(a: Shape, b: Shape) -> bool:
    (ca, ra), (cb, rb) = a.cap, b.cap
    return angle(ca, cb) > ra + rb + 1e-12


def outlines_overlap(a: Shape, b: Shape) -> bool:
    """Do the interiors of two outlines meet?  (Crossing edges or a witness strictly inside.)"""
    if caps_apart(a, b):
        return False
    if proper_crossings(a, b) > 0:
        return True
    return bool(strictly_inside(b, a.witnesses).any() or strictly_inside(a, b.witnesses).any())


def _tri_cap(t: tuple[Vec, Vec, Vec]) -> tuple[Vec, float]:
    c = normalize(add(add(t[0], t[1]), t[2]))
    return c, max(angle(c, p) for p in t)


def intersection_area_m2(a: Shape, b: Shape) -> float:
    """Reference area (m²) of the intersection of two outlines: convex fan pieces clipped pairwise."""
    if caps_apart(a, b):
        return 0.0
    ta = [(t, *_tri_cap(t)) for t in a.triangles]
    tb = [(t, *_tri_cap(t)) for t in b.triangles]
    total = 0.0
    for t1, c1, r1 in ta:
        for t2, c2, r2 in tb:
            if angle(c1, c2) > r1 + r2 + 1e-12:
                continue
            poly = list(t1)
            for k in range(3):
                poly = clip(poly, t2[k], t2[(k + 1) % 3])
                if len(poly) < 3:
                    break
            else:
                total += fan_area_sr(poly, poly[0])
    return total * EARTH_RADIUS_M**2


# --- 4D volumes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefVolume:
    shape: Shape
    alt_lower_m: float
    alt_upper_m: float
    t_start: float
    t_end: float


def times_overlap(a: RefVolume, b: RefVolume) -> bool:
    """Positive-duration overlap of [start, end) windows."""
    return max(a.t_start, b.t_start) < min(a.t_end, b.t_end)


def bands_overlap(a: RefVolume, b: RefVolume) -> bool:
    """Positive-height overlap of [lower, upper] bands."""
    return max(a.alt_lower_m, b.alt_lower_m) < min(a.alt_upper_m, b.alt_upper_m)


@dataclass
class Verdict:
    """The reference's view of one pair, next to what the implementation said."""

    expected: bool
    borderline: bool  # the true overlap area is within AREA_TOL_M2 of the threshold
    area_m2: float | None  # reference overlap area, when it had to be computed


AREA_TOL_M2 = 0.05
"""Tolerance at the 1 m² threshold: when the reference overlap area is within this of
:data:`MIN_OVERLAP_M2`, either answer is accepted (and counted as borderline by the tests)."""


def judge(a: RefVolume, b: RefVolume, claimed: bool, claimed_area: float | None) -> Verdict:
    """Expected conflict of a pair, from the reference alone: the (slow) reference overlap area
    is computed whenever the windows, bands and outlines overlap, whatever was ``claimed``."""
    if not (times_overlap(a, b) and bands_overlap(a, b)):
        return Verdict(False, False, None)
    if not outlines_overlap(a.shape, b.shape):
        return Verdict(False, False, None)
    area = intersection_area_m2(a.shape, b.shape)
    border = abs(area - MIN_OVERLAP_M2) <= AREA_TOL_M2
    return Verdict(area >= MIN_OVERLAP_M2, border, area)
