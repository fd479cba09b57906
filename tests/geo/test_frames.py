"""Frames: geodetic ↔ ECEF (against pyproj and known points), unit vectors, tangent bases, the
gnomonic projection (round trip, great circles are straight), distances and destinations
(against known values and the reference's vector formulas), at the poles and the antimeridian.
"""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.geo import reference as ref
from tests.geo.strategies import centres, examples

from skyaccord.geo import frames

LATS = st.sampled_from([90.0, -90.0, 0.0, 89.999999, -89.999999]) | st.floats(-90.0, 90.0)
LONS = st.sampled_from([180.0, -180.0, 0.0, 179.999999]) | st.floats(-180.0, 180.0)
HEIGHTS = st.sampled_from([0.0, -1000.0, 100_000.0]) | st.floats(-1000.0, 100_000.0)
SETTINGS = settings(max_examples=examples(100), deadline=None)
ONE_DEG_M = math.pi * 6371008.8 / 180  # one degree of a great circle: 111,195.08 m


def test_mean_radius_is_the_reference_sphere() -> None:
    assert frames.EARTH_RADIUS_M == ref.EARTH_RADIUS_M == 6371008.8


# --- geodetic ↔ ECEF -----------------------------------------------------------------------


def test_ecef_known_points() -> None:
    b = frames.WGS84_A * (1 - frames.WGS84_F)
    np.testing.assert_allclose(frames.geodetic_to_ecef(0, 0, 0), [frames.WGS84_A, 0, 0], atol=1e-9)
    np.testing.assert_allclose(frames.geodetic_to_ecef(0, 90, 0), [0, frames.WGS84_A, 0], atol=1e-9)
    np.testing.assert_allclose(frames.geodetic_to_ecef(90, 17, 0), [0, 0, b], atol=1e-9)
    np.testing.assert_allclose(frames.geodetic_to_ecef(-90, 0, 100), [0, 0, -b - 100], atol=1e-9)
    np.testing.assert_allclose(
        frames.geodetic_to_ecef(0, 180, 10), [-frames.WGS84_A - 10, 0, 0], atol=1e-6
    )
    assert b == pytest.approx(6356752.314245, abs=1e-6)


@SETTINGS
@given(LATS, LONS, HEIGHTS)
def test_ecef_matches_pyproj(lat: float, lon: float, h: float) -> None:
    tr = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    x, y, z = tr.transform(lon, lat, h)
    np.testing.assert_allclose(frames.geodetic_to_ecef(lat, lon, h), [x, y, z], rtol=0, atol=1e-6)


@SETTINGS
@given(LATS, LONS, HEIGHTS)
def test_geodetic_ecef_round_trip(lat: float, lon: float, h: float) -> None:
    xyz = frames.geodetic_to_ecef(lat, lon, h)
    la, lo, hh = frames.ecef_to_geodetic(xyz)
    # Bowring's single step: sub-millimetre for heights up to 100 km
    assert float(hh) == pytest.approx(h, abs=1e-3)
    assert float(la) == pytest.approx(lat, abs=1e-9)
    if abs(lat) < 89.9999:  # longitude is undefined at the poles
        assert math.cos(math.radians(float(lo) - lon)) == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(frames.geodetic_to_ecef(la, lo, hh), xyz, rtol=0, atol=1e-3)


def test_ecef_is_vectorized() -> None:
    lat = np.array([[0.0, 45.0], [90.0, -30.0]])
    lon = np.array([[0.0, 10.0], [0.0, 179.0]])
    xyz = frames.geodetic_to_ecef(lat, lon, 500.0)
    assert xyz.shape == (2, 2, 3)
    la, _, h = frames.ecef_to_geodetic(xyz)
    np.testing.assert_allclose(la, lat, atol=1e-9)
    np.testing.assert_allclose(h, 500.0, atol=1e-3)


# --- unit vectors and bases ----------------------------------------------------------------


@SETTINGS
@given(LATS, LONS)
def test_unit_vectors_round_trip(lat: float, lon: float) -> None:
    v = frames.unit_vectors(lat, lon)
    assert float(np.linalg.norm(v)) == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(v, ref.unit(lat, lon), atol=1e-15)
    la, lo = frames.vectors_to_latlon(v * 7.5)  # any length
    assert float(la) == pytest.approx(lat, abs=1e-12)
    if abs(lat) < 89.9999:
        assert -180.0 <= float(lo) <= 180.0
        assert math.cos(math.radians(float(lo) - lon)) == pytest.approx(1.0, abs=1e-15)


@SETTINGS
@given(LATS, LONS)
def test_enu_basis_orthonormal_and_geodetic(lat: float, lon: float) -> None:
    e, n, u = frames.enu_basis(lat, lon)
    m = np.array([e, n, u])
    np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-15)
    np.testing.assert_allclose(np.cross(e, n), u, atol=1e-15)  # right-handed
    np.testing.assert_allclose(u, frames.unit_vectors(lat, lon), atol=1e-15)  # ellipsoid normal
    if abs(lat) < 89.0:
        # moving north / east on the ellipsoid moves along north / east
        step = 1e-6
        dn = frames.geodetic_to_ecef(lat + step, lon) - frames.geodetic_to_ecef(lat - step, lon)
        de = frames.geodetic_to_ecef(lat, lon + step) - frames.geodetic_to_ecef(lat, lon - step)
        assert float(dn @ n) / float(np.linalg.norm(dn)) == pytest.approx(1.0, abs=1e-9)
        assert float(de @ e) / float(np.linalg.norm(de)) == pytest.approx(1.0, abs=1e-9)


@SETTINGS
@given(LATS, LONS)
def test_tangent_basis_orthonormal(lat: float, lon: float) -> None:
    c = frames.unit_vectors(lat, lon)
    e, n = frames.tangent_basis(c)
    m = np.array([e, n, c])
    np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-15)
    np.testing.assert_allclose(np.cross(e, n), c, atol=1e-15)


def test_tangent_basis_at_the_poles() -> None:
    for z in (1.0, -1.0):
        e, n = frames.tangent_basis(np.array([0.0, 0.0, z]))
        np.testing.assert_allclose(e, [0, 1, 0])
        np.testing.assert_allclose(np.cross(e, n), [0, 0, z], atol=1e-15)


# --- gnomonic projection -------------------------------------------------------------------


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A projection centre and a point up to 85° from it."""
    clat, clon = draw(centres())
    d = draw(st.floats(0.0, 85.0)) * math.pi / 180 * ref.EARTH_RADIUS_M
    p = ref.destination(clat, clon, draw(st.floats(0.0, 360.0)), d)
    return np.array(ref.unit(clat, clon)), np.array(p)


@SETTINGS
@given(near_pairs())
def test_gnomonic_round_trip(pair: tuple[np.ndarray, np.ndarray]) -> None:
    c, p = pair
    xy = frames.gnomonic_forward(p, c)
    # the plane coordinate's length is the tangent of the angle from the centre
    assert float(np.hypot(*xy)) == pytest.approx(math.tan(ref.angle(tuple(c), tuple(p))), rel=1e-9)
    np.testing.assert_allclose(frames.gnomonic_inverse(xy, c), p, atol=1e-14)
    np.testing.assert_allclose(frames.gnomonic_forward(c, c), [0.0, 0.0], atol=1e-15)


@SETTINGS
@given(centres(), st.floats(0.0, 360.0), st.floats(0.0, 360.0), st.floats(1e-6, 60.0))
def test_gnomonic_maps_great_circles_to_lines(
    centre: tuple[float, float], b1: float, b2: float, dist_deg: float
) -> None:
    """Points of the great-circle arc between two points project onto the segment between
    their images (collinear and in order)."""
    d = math.radians(dist_deg) * ref.EARTH_RADIUS_M
    a = np.array(ref.destination(*centre, b1, d))
    b = np.array(ref.destination(*centre, b2, d))
    om = ref.angle(tuple(a), tuple(b))
    if om < 1e-9:
        return
    t = np.linspace(0.0, 1.0, 11)[:, None]
    arc = (np.sin((1 - t) * om) * a + np.sin(t * om) * b) / math.sin(om)  # slerp
    c = np.array(ref.unit(*centre))
    xy = frames.gnomonic_forward(arc, c)
    p0, p1 = xy[0], xy[-1]
    seg = p1 - p0
    length = float(np.hypot(*seg))
    off = (xy[:, 0] - p0[0]) * seg[1] - (xy[:, 1] - p0[1]) * seg[0]
    assert np.all(np.abs(off) <= 1e-12 * max(length, 1e-12) * (1 + float(np.abs(xy).max())))
    along = (xy - p0) @ seg / length**2
    assert np.all(np.diff(along) > 0)


# --- angles, distances, destinations -------------------------------------------------------


def test_known_distances() -> None:
    r = ref.EARTH_RADIUS_M
    # one degree of latitude on the mean sphere: 111,195.08 m
    assert float(frames.great_circle_m(10, 20, 11, 20)) == pytest.approx(111_195.08, abs=0.01)
    assert float(frames.great_circle_m(0, 0, 0, 90)) == pytest.approx(math.pi * r / 2, rel=1e-15)
    assert float(frames.great_circle_m(0, 0, 0, 180)) == pytest.approx(math.pi * r, rel=1e-15)
    assert float(frames.great_circle_m(90, 0, -90, 33)) == pytest.approx(math.pi * r, rel=1e-15)
    assert float(frames.great_circle_m(0, 179.5, 0, -179.5)) == pytest.approx(ONE_DEG_M, abs=0.01)
    assert float(frames.great_circle_m(89.5, 0, 89.5, 180)) == pytest.approx(ONE_DEG_M, abs=0.01)


def test_angle_between_tiny_and_near_pi() -> None:
    a = np.array([1.0, 0.0, 0.0])
    for ang in (1e-12, 1e-9, 1e-6, 1.0, math.pi - 1e-9):
        b = np.array([math.cos(ang), math.sin(ang), 0.0])
        assert float(frames.angle_between(a, b)) == pytest.approx(ang, rel=1e-9)


@SETTINGS
@given(LATS, LONS, st.floats(0.0, 360.0), st.floats(0.0, 19_000_000.0))
def test_destination_matches_reference(lat: float, lon: float, brg: float, d: float) -> None:
    la, lo = frames.destination(lat, lon, brg, d)
    expect = ref.destination(lat, lon, brg, d)
    got = ref.unit(float(la), float(lo))
    assert ref.angle(got, expect) * ref.EARTH_RADIUS_M < 1e-6  # metres
    assert -180.0 <= float(lo) < 180.0
    assert float(frames.great_circle_m(lat, lon, la, lo)) == pytest.approx(d, abs=1e-6)


@SETTINGS
@given(LATS, LONS, st.floats(0.0, 360.0), st.floats(0.0, 180.0), st.floats(1.0, 5_000_000.0))
def test_destination_fans_out_consistently(
    lat: float, lon: float, b1: float, turn: float, d: float
) -> None:
    """Two destinations at the same distance, bearings ``turn`` apart, are as far apart as the
    spherical law of cosines says: true at the poles too, whatever their bearing convention."""
    p = frames.destination(lat, lon, b1, d)
    q = frames.destination(lat, lon, b1 + turn, d)
    delta = d / ref.EARTH_RADIUS_M
    cos_x = math.cos(delta) ** 2 + math.sin(delta) ** 2 * math.cos(math.radians(turn))
    # law of haversines: sin(x/2) = sin δ · sin(turn/2), accurate for small x
    x = 2 * math.asin(min(1.0, math.sin(delta) * math.sin(math.radians(turn) / 2)))
    assert math.cos(x) == pytest.approx(cos_x, abs=1e-12)
    got = float(frames.great_circle_m(*p, *q))
    assert got == pytest.approx(x * ref.EARTH_RADIUS_M, abs=1e-6)


def test_destination_from_a_pole_follows_the_start_meridian() -> None:
    """From a pole, bearing 180° (north pole) / 0° (south pole) runs down the meridian of the
    start longitude: the limit of the usual bearing as the start approaches the pole."""
    for lon in (0.0, 36.0, 180.0, -120.0):
        la, lo = frames.destination(90.0, lon, 180.0, ONE_DEG_M)
        assert float(la) == pytest.approx(89.0, abs=1e-6)
        assert math.cos(math.radians(float(lo) - lon)) == pytest.approx(1.0, abs=1e-12)
        la, lo = frames.destination(-90.0, lon, 0.0, ONE_DEG_M)
        assert float(la) == pytest.approx(-89.0, abs=1e-6)
        assert math.cos(math.radians(float(lo) - lon)) == pytest.approx(1.0, abs=1e-12)


def test_destination_is_vectorized() -> None:
    la, lo = frames.destination(np.zeros(4), np.zeros(4), [0, 90, 180, 270], ONE_DEG_M)
    np.testing.assert_allclose(la, [1, 0, -1, 0], atol=1e-6)
    np.testing.assert_allclose(lo, [0, 1, 0, -1], atol=1e-6)


@SETTINGS
@given(st.floats(-1e6, 1e6))
def test_wrap_lon(lon: float) -> None:
    w = float(frames.wrap_lon(lon))
    assert -180.0 <= w < 180.0
    assert math.cos(math.radians(w - lon)) == pytest.approx(1.0, abs=1e-9)
    assert float(frames.wrap_lon(w)) == w


def test_wrap_lon_known() -> None:
    np.testing.assert_array_equal(
        frames.wrap_lon([180.0, -180.0, 540.0, 0.0]), [-180, -180, -180, 0]
    )
