"""Volumes: outlines (orientation, bounding cap, area against the reference), circles (the
circumscribed 64-gon really circumscribes its circle, anywhere incl. the poles), and the
VolumeArray packing (pack, take, unpack round trips)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.geo import reference as ref
from tests.geo.strategies import REGIONS, Region, Vol, centres, examples, radii, star_shapes, vols

from skyaccord.geo import volumes
from skyaccord.geo.volumes import (
    CIRCLE_SEGMENTS,
    Circle,
    Volume4D,
    VolumeArray,
    circle_outline,
    outline_area_m2,
    polygon_outline,
)

SETTINGS = settings(max_examples=examples(50), deadline=None)
AREA_ABS_M2 = 0.01
"""Absolute slack on outline areas: the implementation's triple products about the cap centre
lose ≈ 1e-16·R² ≈ 0.004 m² to cancellation; it shows only on outlines under ~1e4 m²."""


def ring_of(o: volumes.Outline, apex: tuple[float, float]) -> ref.Shape:
    return ref.Shape(tuple(map(float, o.lat)), tuple(map(float, o.lon)), apex)


# --- polygons ------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
@SETTINGS
@given(data=st.data())
def test_polygon_outline_orientation_cap_and_area(region: Region, data: st.DataObject) -> None:
    shape = data.draw(star_shapes(region=region))
    o = polygon_outline(list(shape.lat), list(shape.lon))
    # same ring, stored counter-clockwise seen from above (interior on the left)
    got = list(zip(o.lat.tolist(), o.lon.tolist(), strict=True))
    given_ring = list(zip(shape.lat, shape.lon, strict=True))
    k = given_ring.index(got[0])
    rotated = given_ring[k:] + given_ring[:k]
    back = [rotated[0], *rotated[:0:-1]]
    assert got in (rotated, back)
    assert ring_of(o, shape.apex).ccw
    # the bounding cap holds every vertex
    assert float(np.linalg.norm(o.centre)) == pytest.approx(1.0, abs=1e-15)
    for v in shape.vertices:
        assert ref.angle(tuple(o.centre), v) <= o.radius_rad + 1e-15
    # area: spherical excess, against the reference's fan of solid angles
    assert outline_area_m2(o) == pytest.approx(ref.area_m2(shape), rel=1e-9, abs=AREA_ABS_M2)


def test_polygon_outline_drops_the_closing_vertex() -> None:
    o = polygon_outline([0, 0, 1, 1, 0], [0, 1, 1, 0, 0])
    assert o.lat.size == 4
    assert o.circle is None


def test_polygon_outline_reverses_clockwise_input() -> None:
    cw = polygon_outline([0, 1, 1, 0], [0, 0, 1, 1])  # clockwise seen from above
    ccw = polygon_outline([0, 0, 1, 1], [0, 1, 1, 0])
    assert ccw.lat.tolist() == [0, 0, 1, 1]
    assert cw.lat.tolist() == [0, 1, 1, 0][::-1]
    assert cw.lon.tolist() == [0, 0, 1, 1][::-1]


def test_known_areas() -> None:
    # the octant of the sphere: 4πR²/8
    octant = polygon_outline([0, 0, 90], [0, 90, 0])
    assert outline_area_m2(octant) == pytest.approx(math.pi * ref.EARTH_RADIUS_M**2 / 2, rel=1e-12)
    # a 1°×1° "square" at the equator (great-circle edges): ≈ 12,364 km²
    sq = polygon_outline([0, 0, 1, 1], [0, 1, 1, 0])
    assert outline_area_m2(sq) == pytest.approx(1.2364e10, rel=1e-4)
    # the same square across the antimeridian and around the pole (cap of 10° radius)
    am = polygon_outline([0, 0, 1, 1], [179.5, -179.5, -179.5, 179.5])
    assert outline_area_m2(am) == pytest.approx(outline_area_m2(sq), rel=1e-9)
    cap = polygon_outline([80.0] * 360, np.arange(360.0) - 180.0)
    cap_area = 2 * math.pi * ref.EARTH_RADIUS_M**2 * (1 - math.cos(math.radians(10)))
    assert outline_area_m2(cap) == pytest.approx(cap_area, rel=2e-4)  # 360 chords, inscribed
    assert outline_area_m2(cap) < cap_area


# --- circles -------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
@settings(max_examples=examples(15), deadline=None)
@given(data=st.data())
def test_circle_circumscribes_its_circle(region: Region, data: st.DataObject) -> None:
    lat, lon = data.draw(centres(region))
    r = data.draw(radii())
    o = circle_outline(lat, lon, r)
    assert o.circle == Circle(lat, lon, r)
    assert o.lat.size == CIRCLE_SEGMENTS
    shape = ring_of(o, (lat, lon))
    assert shape.ccw  # counter-clockwise, and star-shaped about the centre (checked by Shape)
    rv = r / math.cos(math.pi / CIRCLE_SEGMENTS)
    dist = [ref.distance_m(lat, lon, a, b) for a, b in zip(o.lat, o.lon, strict=True)]
    np.testing.assert_allclose(dist, rv, rtol=1e-9, atol=1e-6)
    # the vertices are evenly spaced: equal chords
    chords = np.linalg.norm(shape.array - np.roll(shape.array, -1, axis=0), axis=1)
    np.testing.assert_allclose(chords, chords.mean(), rtol=1e-6)
    # the bounding cap is the vertex circle
    np.testing.assert_allclose(o.centre, ref.unit(lat, lon), atol=1e-15)
    assert o.radius_rad == pytest.approx(rv / ref.EARTH_RADIUS_M, rel=1e-12)
    # every point at radius r is inside: 360 bearings, plus each edge's midpoint bearing (where
    # the circle touches the 64-gon; for a 10 m circle the margin there is ~1e-14 m, so the
    # reference may see it on the boundary: allowed to 1 µm)
    bearings = np.r_[np.arange(360.0), np.arange(CIRCLE_SEGMENTS) * 360 / CIRCLE_SEGMENTS]
    bearings = np.r_[bearings, bearings + 180 / CIRCLE_SEGMENTS]
    pts = np.array([ref.destination(lat, lon, float(b), r) for b in bearings])
    ok = ref.inside_or_on(shape, pts, tol_rad=1e-6 / ref.EARTH_RADIUS_M)
    assert ok.all(), f"{(~ok).sum()} points at radius r outside the 64-gon"
    # and points 0.2 % beyond the vertex radius are all outside
    far = np.array([ref.destination(lat, lon, float(b), rv * 1.002) for b in bearings])
    assert not ref.strictly_inside(shape, far).any()
    # its area is the 64-gon's: between the cap's and 0.12 % more
    cap = 2 * math.pi * ref.EARTH_RADIUS_M**2 * (1 - math.cos(r / ref.EARTH_RADIUS_M))
    assert cap <= outline_area_m2(o) <= 1.0012 * cap
    assert outline_area_m2(o) == pytest.approx(ref.area_m2(shape), rel=1e-9, abs=AREA_ABS_M2)


@pytest.mark.parametrize("lat", [90.0, -90.0, 89.9999999, 0.0])
def test_circle_at_the_poles_is_a_real_circle(lat: float) -> None:
    """A circle centred on a pole (it used to collapse onto one meridian: zero area)."""
    o = circle_outline(lat, 10.0, 5000.0)
    area = outline_area_m2(o)
    assert area == pytest.approx(math.pi * 5000.0**2 * 1.0008, rel=2e-4)
    assert o.planar().is_valid


# --- VolumeArray ---------------------------------------------------------------------------


def assert_same_volume(got: Volume4D, want: Volume4D) -> None:
    """Every field VolumeArray keeps (it keeps neither ``circle`` nor ``alt_reference``)."""
    np.testing.assert_array_equal(got.outline.lat, want.outline.lat)
    np.testing.assert_array_equal(got.outline.lon, want.outline.lon)
    np.testing.assert_array_equal(got.outline.centre, want.outline.centre)
    assert got.outline.radius_rad == want.outline.radius_rad
    assert (got.alt_lower_m, got.alt_upper_m) == (want.alt_lower_m, want.alt_upper_m)
    assert (got.t_start, got.t_end) == (want.t_start, want.t_end)


@settings(max_examples=examples(25), deadline=None)
@given(st.lists(vols(), min_size=0, max_size=8), st.data())
def test_volume_array_round_trips(vs: list[Vol], data: st.DataObject) -> None:
    volumes_ = [v.volume() for v in vs]
    arr = VolumeArray.from_volumes(volumes_)
    assert len(arr) == len(volumes_)
    assert arr.offsets[0] == 0 and arr.offsets[-1] == arr.lat.size
    for i, v in enumerate(volumes_):
        assert_same_volume(arr.volume(i), v)
        assert (
            arr.volume(i).outline.circle is None
        )  # documented loss: a packed circle is its 64-gon
    idx = np.array(
        data.draw(st.lists(st.integers(0, max(len(vs) - 1, 0)), max_size=10)) if vs else [],
        dtype=np.int64,
    )
    sub = arr.take(idx)
    assert len(sub) == idx.size
    for k, i in enumerate(idx.tolist()):
        assert_same_volume(sub.volume(k), volumes_[i])
    # take(all) is the identity; take of a take composes
    ident = arr.take(np.arange(len(arr)))
    for name in ("lat", "lon", "offsets", "centre", "radius_rad", "t_start", "alt_upper_m"):
        np.testing.assert_array_equal(getattr(ident, name), getattr(arr, name))
    if idx.size:
        again = sub.take(np.arange(idx.size)[::-1])
        for k, i in enumerate(idx[::-1].tolist()):
            assert_same_volume(again.volume(k), volumes_[i])


@settings(max_examples=examples(15), deadline=None)
@given(st.lists(vols(region="equator"), min_size=1, max_size=6))
def test_volume_array_planar_matches_each_outline(vs: list[Vol]) -> None:
    volumes_ = [v.volume() for v in vs]
    arr = VolumeArray.from_volumes(volumes_)
    c = np.array(ref.unit(0.0, 0.0))
    polys = arr.planar(c)
    for p, v in zip(polys, volumes_, strict=True):
        assert p.equals_exact(v.outline.planar(c), tolerance=0.0)


def test_empty_volume_array() -> None:
    arr = VolumeArray.from_volumes([])
    assert len(arr) == 0
    assert arr.centre.shape == (0, 3)
    assert len(arr.planar(np.array([1.0, 0.0, 0.0]))) == 0
    assert len(arr.take(np.zeros(0, dtype=np.int64))) == 0
