"""Hypothesis strategies for outlines and 4D volumes anywhere on Earth, and adversarial pairs.

Every outline is built with its reference :class:`~tests.geo.reference.Shape` (vertices plus an
apex it is star-shaped about), so that the brute-force reference can judge it.  Vertices are
placed with the reference's own great-circle ``destination`` (not the implementation's).

Regions: ``anywhere`` (uniform on the sphere, with exact poles and ±180° mixed in),
``antimeridian`` (centres within 1° of ±180°), ``north_pole`` / ``south_pole`` (centres within
5° of the pole, or exactly on it), ``equator``.  Sizes run from tiny (10 m) to huge (2,000 km
radius).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from tests.geo import reference as ref

from skyaccord.geo.volumes import (
    CIRCLE_SEGMENTS,
    MAX_RADIUS_DEG,
    Volume4D,
    circle_outline,
    polygon_outline,
)

PROFILE_SCALE = {"geo-quick": 0.2, "geo-thorough": 10.0}
"""Example counts scale with the Hypothesis profile named by HYPOTHESIS_PROFILE (see conftest)."""


def examples(n: int) -> int:
    """``n`` examples, scaled by the selected profile (at least 2)."""
    return max(2, round(n * PROFILE_SCALE.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 1.0)))


Region = Literal["anywhere", "antimeridian", "north_pole", "south_pole", "equator"]
REGIONS: tuple[Region, ...] = ("anywhere", "antimeridian", "north_pole", "south_pole", "equator")

T0 = 1_700_000_000.0
TINY_M = 10.0
HUGE_M = 2_000_000.0


@dataclass(frozen=True)
class Vol:
    """A test volume: its reference shape, altitude band and time window; ``circle`` is
    ``(lat, lon, radius_m)`` when the outline is a circle (its shape is then the 64-gon)."""

    shape: ref.Shape
    alt_lower_m: float
    alt_upper_m: float
    t_start: float
    t_end: float
    circle: tuple[float, float, float] | None = None

    def volume(self) -> Volume4D:
        if self.circle is not None:
            outline = circle_outline(*self.circle)
        else:
            outline = polygon_outline(list(self.shape.lat), list(self.shape.lon))
        return Volume4D(outline, self.alt_lower_m, self.alt_upper_m, self.t_start, self.t_end)

    def ref(self) -> ref.RefVolume:
        return ref.RefVolume(
            self.shape, self.alt_lower_m, self.alt_upper_m, self.t_start, self.t_end
        )


# --- positions and sizes -------------------------------------------------------------------


def _lon_repr(lon: float, flip: bool) -> float:
    """±180° are the same meridian: write it either way."""
    if abs(lon) == 180.0:
        return -lon if flip else lon
    return lon


@st.composite
def centres(draw: st.DrawFn, region: Region = "anywhere") -> tuple[float, float]:
    """A (lat, lon) in ``region``; exact poles and ±180° are drawn often."""
    if region == "antimeridian":
        lat = draw(st.floats(-80.0, 80.0))
        off = draw(st.sampled_from([0.0, 1e-9, 1e-6]) | st.floats(0.0, 1.0))
        lon = 180.0 - off if draw(st.booleans()) else -180.0 + off
        return lat, _lon_repr(lon, draw(st.booleans()))
    if region in ("north_pole", "south_pole"):
        off = draw(st.sampled_from([0.0, 1e-9, 1e-5]) | st.floats(0.0, 5.0))
        lat = 90.0 - off if region == "north_pole" else -90.0 + off
        lon = draw(st.sampled_from([0.0, 180.0, -180.0]) | st.floats(-180.0, 180.0))
        return lat, lon
    if region == "equator":
        return draw(st.floats(-1.0, 1.0)), draw(st.floats(-180.0, 180.0))
    special = st.sampled_from([90.0, -90.0, 89.99999, -89.99999, 0.0])
    lat = draw(
        special | st.floats(-1.0, 1.0).map(lambda u: math.degrees(math.asin(u))),
    )
    lon = draw(st.sampled_from([180.0, -180.0, 179.9999, -179.9999]) | st.floats(-180.0, 180.0))
    return lat, lon


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: float(10.0**e))


def radii(lo: float = TINY_M, hi: float = HUGE_M) -> st.SearchStrategy[float]:
    """Radius in metres, log-uniform, with the extremes drawn often."""
    return st.sampled_from([lo, hi]) | log_uniform(lo, hi)


# --- outlines --------------------------------------------------------------------------------


def star(
    lat: float,
    lon: float,
    bearings: list[float],
    dists_m: list[float],
    flip180: bool = False,
    label: str = "star",
) -> ref.Shape:
    """The outline with vertices at ``dists_m`` along ``bearings`` from (lat, lon), in that order."""
    pts = [ref.destination_latlon(lat, lon, b, d) for b, d in zip(bearings, dists_m, strict=True)]
    return ref.Shape(
        tuple(p[0] for p in pts),
        tuple(_lon_repr(p[1], flip180) for p in pts),
        (lat, lon),
        label,
    )


@dataclass(frozen=True)
class StarSpec:
    """Parameters of a star-shaped outline, kept so adversarial builders can derive new ones."""

    lat: float
    lon: float
    bearings: tuple[float, ...]  # increasing (clockwise seen from above), span < 360°
    dists_m: tuple[float, ...]

    def shape(self, label: str = "star") -> ref.Shape:
        return star(self.lat, self.lon, list(self.bearings), list(self.dists_m), label=label)


@st.composite
def star_specs(
    draw: st.DrawFn,
    centre: tuple[float, float] | None = None,
    radius_m: float | None = None,
    region: Region = "anywhere",
    min_vertices: int = 3,
    max_vertices: int = 30,
) -> StarSpec:
    """A star-shaped simple polygon: vertices at increasing bearings (every gap < 180°, so the
    centre is inside), at 40–100 % of the radius."""
    lat, lon = centre if centre is not None else draw(centres(region))
    r = radius_m if radius_m is not None else draw(radii())
    n = draw(st.integers(min_vertices, max_vertices))
    top = min(4.0, n - 1.1)  # the largest gap stays below half the turn
    gaps = draw(st.lists(st.floats(1.0, top), min_size=n, max_size=n))
    start = draw(st.floats(0.0, 360.0))
    total = sum(gaps)
    bearings = [start + 360.0 * sum(gaps[:i]) / total for i in range(n)]
    ratios = draw(st.lists(st.floats(0.4, 1.0), min_size=n, max_size=n))
    return StarSpec(lat, lon, tuple(bearings), tuple(max(r * q, 3.0) for q in ratios))


def _fits(shape: ref.Shape) -> bool:
    """Within the implementation's documented size limit (bounding cap ≤ MAX_RADIUS_DEG)."""
    o = polygon_outline(list(shape.lat), list(shape.lon))
    return o.radius_rad <= math.radians(MAX_RADIUS_DEG) and ref.area_m2(shape) >= 4.0


@st.composite
def star_shapes(
    draw: st.DrawFn,
    centre: tuple[float, float] | None = None,
    radius_m: float | None = None,
    region: Region = "anywhere",
) -> ref.Shape:
    """A star polygon, its vertex order rotated and perhaps reversed, ±180° written either way."""
    spec = draw(star_specs(centre, radius_m, region))
    shape = star(spec.lat, spec.lon, list(spec.bearings), list(spec.dists_m), draw(st.booleans()))
    assume(_fits(shape))
    k = draw(st.integers(0, len(shape.lat) - 1))
    lat, lon = list(shape.lat[k:] + shape.lat[:k]), list(shape.lon[k:] + shape.lon[:k])
    if draw(st.booleans()):
        lat.reverse()
        lon.reverse()
    return ref.Shape(tuple(lat), tuple(lon), shape.apex, "star")


def circle_shape(lat: float, lon: float, radius_m: float) -> ref.Shape:
    """The reference shape of a circle: the implementation's 64-gon (checked in test_volumes)."""
    o = circle_outline(lat, lon, radius_m)
    assert o.lat.size == CIRCLE_SEGMENTS
    return ref.Shape(tuple(map(float, o.lat)), tuple(map(float, o.lon)), (lat, lon), "circle")


# --- bands, windows, volumes -----------------------------------------------------------------


@st.composite
def bands(draw: st.DrawFn) -> tuple[float, float]:
    """Altitude band (m): on a coarse grid (so bands often touch exactly) or anywhere."""
    if draw(st.booleans()):
        lo = draw(st.sampled_from([0.0, 100.0, 150.0, 300.0]))
        return lo, lo + draw(st.sampled_from([50.0, 150.0, 200.0]))
    lo = draw(st.floats(-1000.0, 20_000.0))
    return lo, lo + draw(st.floats(1.0, 5000.0))


@st.composite
def windows(draw: st.DrawFn) -> tuple[float, float]:
    """Time window (POSIX s): on a coarse grid (so windows often touch exactly) or anywhere."""
    if draw(st.booleans()):
        t0 = T0 + draw(st.sampled_from([0.0, 600.0, 1200.0, 1800.0]))
        return t0, t0 + draw(st.sampled_from([600.0, 1200.0, 3600.0]))
    t0 = T0 + draw(st.floats(0.0, 7200.0))
    return t0, t0 + draw(st.floats(0.001, 7200.0))


@st.composite
def vols(
    draw: st.DrawFn,
    centre: tuple[float, float] | None = None,
    radius_m: float | None = None,
    region: Region = "anywhere",
    circles: bool = True,
    band: tuple[float, float] | None = None,
    window: tuple[float, float] | None = None,
) -> Vol:
    """A volume: star polygon or circle (1 in 4), with a band and a window."""
    lo, hi = band if band is not None else draw(bands())
    t0, t1 = window if window is not None else draw(windows())
    if circles and draw(st.integers(0, 3)) == 0:
        lat, lon = centre if centre is not None else draw(centres(region))
        r = radius_m if radius_m is not None else draw(radii())
        return Vol(circle_shape(lat, lon, r), lo, hi, t0, t1, (lat, lon, r))
    return Vol(draw(star_shapes(centre, radius_m, region)), lo, hi, t0, t1)


@st.composite
def volume_sets(draw: st.DrawFn, region: Region = "anywhere", max_size: int = 7) -> list[Vol]:
    """2..max_size volumes clustered so that many pairs overlap: one size scale per set, a
    spread of sizes around it, some tiny ones dropped among big ones; in half the sets the
    volumes share one band and window (so that outlines decide), else each has its own."""
    clat, clon = draw(centres(region))
    s = draw(radii())
    n = draw(st.integers(2, max_size))
    shared = draw(st.booleans())
    band = draw(bands()) if shared else None
    window = draw(windows()) if shared else None
    out: list[Vol] = []
    for _ in range(n):
        if draw(st.integers(0, 4)) == 0:
            r = draw(radii(TINY_M, 50.0))
        else:
            r = min(max(s * draw(log_uniform(0.01, 1.0)), TINY_M), HUGE_M)
        d = s * draw(st.floats(0.0, 2.0))
        c = ref.destination_latlon(clat, clon, draw(st.floats(0.0, 360.0)), d)
        out.append(draw(vols(centre=c, radius_m=r, band=band, window=window)))
    return out


# --- adversarial pairs -------------------------------------------------------------------------

PairKind = Literal[
    "identical",
    "shared_edges",
    "t_junction",
    "nested",
    "sliver_overlap",
    "sliver_gap",
    "straddle_edge",
    "times_touch",
    "bands_touch",
]
PAIR_KINDS: tuple[PairKind, ...] = (
    "identical",
    "shared_edges",
    "t_junction",
    "nested",
    "sliver_overlap",
    "sliver_gap",
    "straddle_edge",
    "times_touch",
    "bands_touch",
)
KNOWN: dict[PairKind, bool | None] = {
    "identical": True,
    "shared_edges": False,
    "t_junction": False,
    "nested": True,
    "sliver_overlap": None,  # depends on the sliver's area: decided by the reference area
    "sliver_gap": False,
    "straddle_edge": None,  # the small outline sits on the big one's edge: reference area
    "times_touch": False,
    "bands_touch": False,
}
"""The known answer for each kind of pair (None: decided by the reference)."""


def _pie(
    spec: StarSpec, j: int, delta_deg: float = 0.0, midpoint: bool = False
) -> tuple[ref.Shape, ref.Shape]:
    """Split a star along the radial edges to vertices 0 and j: A = (K, v0..vj), B = (K, vj..v0').

    v0' is v0 turned by ``delta_deg`` about K (positive: into A, a sliver of overlap; negative:
    away, a gap).  With ``midpoint`` B gets an extra vertex half-way along K → vj (a T-junction
    against A's edge).
    """
    k_lat, k_lon = spec.lat, spec.lon
    b, d = list(spec.bearings), list(spec.dists_m)
    pa = [ref.destination_latlon(k_lat, k_lon, b[i], d[i]) for i in range(j + 1)]
    pb = [ref.destination_latlon(k_lat, k_lon, b[i], d[i]) for i in range(j, len(b))]
    pb.append(ref.destination_latlon(k_lat, k_lon, b[0] + 360.0 + delta_deg, d[0]))
    ring_b = [(k_lat, k_lon)]
    if midpoint:
        ring_b.append(ref.destination_latlon(k_lat, k_lon, b[j], d[j] / 2))
    ring_b += pb
    ring_a = [(k_lat, k_lon), *pa]
    a = ref.Shape(tuple(p[0] for p in ring_a), tuple(p[1] for p in ring_a), (k_lat, k_lon), "pie")
    bb = ref.Shape(tuple(p[0] for p in ring_b), tuple(p[1] for p in ring_b), (k_lat, k_lon), "pie")
    return a, bb


@st.composite
def adversarial_pairs(
    draw: st.DrawFn, kind: PairKind, region: Region = "anywhere"
) -> tuple[Vol, Vol]:
    """A pair of volumes of the given kind (see :data:`KNOWN` for the expected answer)."""
    lo, hi = draw(bands())
    t0, t1 = draw(windows())

    def vol(shape: ref.Shape, circle: tuple[float, float, float] | None = None) -> Vol:
        return Vol(shape, lo, hi, t0, t1, circle)

    if kind in ("identical", "times_touch", "bands_touch"):
        a = draw(vols(region=region))
        a = replace(a, alt_lower_m=lo, alt_upper_m=hi, t_start=t0, t_end=t1)
        b = a
        if a.circle is None and kind == "identical":  # same outline, written differently
            s = a.shape
            k = draw(st.integers(0, len(s.lat) - 1))
            lat, lon = list(s.lat[k:] + s.lat[:k]), list(s.lon[k:] + s.lon[:k])
            if draw(st.booleans()):
                lat.reverse()
                lon.reverse()
            lon = [_lon_repr(x, True) for x in lon]
            b = replace(a, shape=ref.Shape(tuple(lat), tuple(lon), s.apex, s.label))
        if kind == "times_touch":
            dur = draw(st.floats(1.0, 3600.0))
            b = replace(b, t_start=t1, t_end=t1 + dur)
            if draw(st.booleans()):
                a, b = b, a
        if kind == "bands_touch":
            b = replace(b, alt_lower_m=hi, alt_upper_m=hi + draw(st.floats(1.0, 500.0)))
            if draw(st.booleans()):
                a, b = b, a
        return a, b

    spec = draw(star_specs(region=region, min_vertices=4))
    assume(_fits(spec.shape()))
    n = len(spec.bearings)
    if kind == "nested":
        outer = spec.shape()
        smallest = min(spec.dists_m)
        f = draw(log_uniform(min(0.99, max(20.0 / smallest, 1e-6)), 0.99))
        inner = StarSpec(spec.lat, spec.lon, spec.bearings, tuple(x * f for x in spec.dists_m))
        pair = (vol(outer), vol(inner.shape()))
    elif kind == "straddle_edge":
        outer = spec.shape()
        i = draw(st.integers(0, n - 1))
        va, vb = outer.vertices[i], outer.vertices[(i + 1) % n]
        on = ref.normalize(ref.add(va, vb)) if draw(st.booleans()) else va
        c = ref.latlon(on)
        r = draw(radii(TINY_M, max(TINY_M, 0.05 * min(spec.dists_m))))
        small = draw(star_shapes(centre=c, radius_m=r))
        pair = (vol(outer), vol(small))
    else:
        j = draw(st.integers(1, n - 2))
        if kind == "shared_edges":
            sa, sb = _pie(spec, j)
        elif kind == "t_junction":
            sa, sb = _pie(spec, j, midpoint=True)
        else:
            gap0 = spec.bearings[1] - spec.bearings[0]
            gap_last = 360.0 - (spec.bearings[-1] - spec.bearings[0])
            # wedge area ≈ ½ δ r²: aim at 1e-3 .. 1e3 m² but not within 20 % of the 1 m² threshold
            # (the exact threshold is tested by hand), within the neighbouring gaps
            target = draw(log_uniform(1e-3, 0.8) | log_uniform(1.25, 1e3))
            r0 = spec.dists_m[0] / ref.EARTH_RADIUS_M
            delta = math.degrees(2 * target / ref.EARTH_RADIUS_M**2 / r0**2)
            room = 0.5 * min(gap0, gap_last, 180.0 - gap_last)
            delta = min(delta, room)
            assume(delta > 1e-12)
            sa, sb = _pie(spec, j, delta if kind == "sliver_overlap" else -delta)
        pair = (vol(sa), vol(sb))
    if draw(st.booleans()):
        pair = (pair[1], pair[0])
    return pair


# --- many volumes at once (seeded numpy, for sizes hypothesis should not have to generate) ------


def random_centre(rng: np.random.Generator, region: Region) -> tuple[float, float]:
    c: tuple[float, float]
    if region == "antimeridian":
        c = (rng.uniform(-80, 80), 180.0 - rng.uniform(0, 1) if rng.random() < 0.5 else -180.0)
    elif region in ("north_pole", "south_pole"):
        lat = 90.0 - rng.uniform(0, 5)
        c = (lat if region == "north_pole" else -lat, rng.uniform(-180, 180))
    elif region == "equator":
        c = (rng.uniform(-1, 1), rng.uniform(-180, 180))
    else:
        c = (math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180))
    return float(c[0]), float(c[1])


def random_vols(
    rng: np.random.Generator, region: Region, n: int, centre: tuple[float, float] | None = None
) -> list[Vol]:
    """``n`` volumes clustered in ``region`` like :func:`volume_sets`, from a seeded generator."""
    c = centre if centre is not None else random_centre(rng, region)
    scale = 10 ** rng.uniform(1, math.log10(HUGE_M))
    out: list[Vol] = []
    while len(out) < n:
        r = float(min(max(scale * 10 ** rng.uniform(-2, 0), TINY_M), HUGE_M))
        if rng.random() < 0.2:
            r = float(10 ** rng.uniform(1, math.log10(50)))
        k = ref.destination_latlon(*c, rng.uniform(0, 360), scale * rng.uniform(0, 2))
        lo = float(rng.choice([0.0, 100.0, 150.0, 300.0]))
        t0 = T0 + float(rng.choice([0.0, 600.0, 1200.0]))
        band, window = (lo, lo + float(rng.choice([50.0, 150.0]))), (t0, t0 + 1200.0)
        if rng.random() < 0.25:
            out.append(Vol(circle_shape(*k, r), *band, *window, (k[0], k[1], r)))
            continue
        m = int(rng.integers(3, 31))
        gaps = rng.uniform(1.0, min(4.0, m - 1.1), m)
        b = rng.uniform(0, 360) + 360.0 * np.r_[0.0, np.cumsum(gaps)[:-1]] / gaps.sum()
        d = np.maximum(r * rng.uniform(0.4, 1.0, m), 3.0)
        shape = star(k[0], k[1], b.tolist(), d.tolist())
        if _fits(shape):
            out.append(Vol(shape, *band, *window))
    return out


# --- points ------------------------------------------------------------------------------------


def points_inside(shape: ref.Shape, rng: np.random.Generator, k: int) -> list[ref.Vec]:
    """``k`` random points inside ``shape`` (random fan triangle, random barycentric weights)."""
    tris = shape.triangles
    w = np.array([ref.solid_angle(*t) for t in tris])
    out: list[ref.Vec] = []
    for i in rng.choice(len(tris), size=k, p=w / w.sum()):
        a, b, c = tris[int(i)]
        u, v = rng.random(2)
        if u + v > 1:
            u, v = 1 - u, 1 - v
        p = ref.add(ref.add(ref.scale(a, 1 - u - v), ref.scale(b, u)), ref.scale(c, v))
        out.append(ref.normalize(p))
    return out
