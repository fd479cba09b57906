"""Validation: every check names the field and the reason; malformed values raise only
``ValidationError``; outlines across the antimeridian and around the poles are accepted."""

from __future__ import annotations

import math
import re
from contextlib import AbstractContextManager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.geo import reference as ref
from tests.geo.strategies import REGIONS, T0, Region, examples, star_shapes

from skyaccord.errors import ValidationError
from skyaccord.geo.validate import (
    Limits,
    check_finite,
    check_lat,
    check_lon,
    check_outline,
    check_volume,
    distinct_ring,
    outline_from_vertices,
)
from skyaccord.geo.volumes import Volume4D, circle_outline, polygon_outline

LIMITS = Limits()
SQUARE = polygon_outline([0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0])


def rejects(
    field: str, reason: str
) -> AbstractContextManager[pytest.ExceptionInfo[ValidationError]]:
    """``pytest.raises`` for a ValidationError with exactly this field and a reason matching."""
    return pytest.raises(ValidationError, match=rf"^{re.escape(field)}: {reason}")


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1.5", "expected a number, got str"),
        (None, "expected a number, got NoneType"),
        (True, "expected a number, got bool"),
        ([1.0], "expected a number, got list"),
        ({"value": 1}, "expected a number, got dict"),
        (math.nan, "must be a finite number, got nan"),
        (math.inf, "must be a finite number, got inf"),
        (-math.inf, "must be a finite number, got -inf"),
        (10**400, "must be a finite number"),
    ],
)
def test_check_finite_names_field_and_reason(value: object, reason: str) -> None:
    with rejects("a.b[3].lat", re.escape(reason)):
        check_finite(value, "a.b[3].lat")


def test_check_finite_accepts_numbers() -> None:
    assert check_finite(3, "x") == 3.0
    assert check_finite(-2.5, "x") == -2.5
    assert check_finite(np.float64(1.25), "x") == 1.25
    assert check_finite(10**300, "x") == 1e300


@pytest.mark.parametrize("lat", [-90.0, 90.0, 0.0, -89.999, 45])
def test_check_lat_accepts(lat: float) -> None:
    assert check_lat(lat, "lat") == lat


@pytest.mark.parametrize("lat", [90.0000001, -90.5, 180.0, 1e300])
def test_check_lat_rejects(lat: float) -> None:
    with rejects("v[0].lat", r"latitude .* is outside \[-90, 90\]"):
        check_lat(lat, "v[0].lat")


@pytest.mark.parametrize("lon", [-180.0, 180.0, 0.0, 179.9999])
def test_check_lon_accepts(lon: float) -> None:
    assert check_lon(lon, "lng") == lon


@pytest.mark.parametrize("lon", [180.0000001, -181.0, 360.0])
def test_check_lon_rejects(lon: float) -> None:
    with rejects("v[2].lng", r"longitude .* is outside \[-180, 180\]"):
        check_lon(lon, "v[2].lng")


# --- rings -----------------------------------------------------------------------------------


def test_distinct_ring_drops_closing_and_repeated_vertices() -> None:
    lat, lon = distinct_ring([0, 0, 0, 1, 1, 0], [0, 1, 1, 1, 0, 0], "ring")
    assert (lat, lon) == ([0, 0, 1, 1], [0, 1, 1, 0])
    # ±180° is one meridian; a pole is one point whatever its longitude
    lat, lon = distinct_ring([0, 0, 1, 0], [180, 179, 179, -180], "ring")
    assert (lat, lon) == ([0, 0, 1], [180, 179, 179])
    lat, lon = distinct_ring([90, 90, 80, 80], [0, 45, 0, 90], "ring")
    assert (lat, lon) == ([90, 80, 80], [0, 0, 90])


@pytest.mark.parametrize(
    ("lat", "lon", "count"),
    [
        ([0, 1], [0, 1], 2),
        ([0, 1, 0], [0, 1, 0], 2),  # closed ring of two points
        ([0, 1, 0, 1], [0, 1, 0, 1], 2),  # two points, back and forth
        ([5, 5, 5, 5], [1, 1, 1, 1], 1),
        ([90, 0, 90], [0, 0, 45], 2),  # the pole twice
        ([0, 1, 0], [180, 1, -180], 2),  # ±180° twice
    ],
)
def test_distinct_ring_needs_three_distinct_vertices(
    lat: list[float], lon: list[float], count: int
) -> None:
    with rejects(
        "volume.outline_polygon.vertices", f"needs at least 3 distinct vertices, got {count}$"
    ):
        distinct_ring(lat, lon, "volume.outline_polygon.vertices")


def test_self_intersection_is_named_with_its_place() -> None:
    """A bow-tie: the reason says where the edges cross (on the sphere, near 0.5°N 0.5°E)."""
    bow = polygon_outline([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0])
    with pytest.raises(ValidationError) as err:
        check_outline(bow, "f.vertices", LIMITS)
    assert err.value.field == "f.vertices"
    m = re.fullmatch(r"outline intersects itself near \((-?[\d.]+), (-?[\d.]+)\)", err.value.reason)
    assert m, err.value.reason
    # where the great circles (0,0)-(1,1) and (1,0)-(0,1) meet: (0.500057, 0.5)
    a, b, c, d = ref.unit(0, 0), ref.unit(1, 1), ref.unit(0, 1), ref.unit(1, 0)
    lat, lon = ref.latlon(ref.normalize(ref.cross(ref.cross(a, b), ref.cross(c, d))))
    assert float(m.group(1)) == pytest.approx(lat, abs=1e-5)
    assert float(m.group(2)) == pytest.approx(lon, abs=1e-5)


def test_self_intersection_across_the_antimeridian_and_a_pole() -> None:
    bow = polygon_outline([0.0, 1.0, 0.0, 1.0], [179.5, -179.5, -179.5, 179.5])
    with rejects("o", "outline intersects itself"):
        check_outline(bow, "o", LIMITS)
    polar = polygon_outline([80.0, 80.0, 80.0, 80.0], [0.0, 180.0, 90.0, -90.0])
    with rejects("o", "outline intersects itself"):
        check_outline(polar, "o", LIMITS)


def test_ring_that_touches_itself_is_rejected() -> None:
    # a vertex visited twice (figure of eight sharing a vertex)
    eight = polygon_outline([0, 1, 1, 0, -1, -1], [0, 1, -1, 0, 1, -1])
    with pytest.raises(ValidationError) as err:
        check_outline(eight, "o", LIMITS)
    assert err.value.field == "o"
    assert "itself" in err.value.reason or "not a valid polygon" in err.value.reason


def test_size_limits() -> None:
    with rejects("o", "has 5 vertices, more than the limit 4"):
        check_outline(
            polygon_outline([0, 0, 1, 1.5, 1], [0, 1, 1, 0.5, 0]), "o", Limits(max_vertices=4)
        )
    big = circle_outline(0.0, 0.0, 3_000_000.0)
    with rejects("o", "spans 3,004 km from its centre, more than the 2,780 km limit; split it"):
        check_outline(big, "o", LIMITS)
    with rejects("o", r"area 1\.24e\+10 m² is below the minimum 1e\+11 m²"):
        check_outline(SQUARE, "o", Limits(min_area_m2=1e11))
    with rejects("o", "area 12,364 km² exceeds the limit 10,000 km²"):
        check_outline(SQUARE, "o", Limits(max_area_m2=1e10))
    tiny = polygon_outline([0.0, 0.0, 1e-6], [0.0, 1e-6, 0.0])  # ≈ 0.006 m²
    with rejects("o", r"area .* m² is below the minimum 1 m²"):
        check_outline(tiny, "o", LIMITS)


@pytest.mark.parametrize("region", REGIONS)
@settings(max_examples=examples(20), deadline=None)
@given(data=st.data())
def test_star_outlines_anywhere_are_accepted(region: Region, data: st.DataObject) -> None:
    """Valid outlines (simple, within the size limit) pass: across ±180°, around both poles.
    (The default area limit, 10⁶ km², is lifted: the strategies reach 2,000 km radius.)"""
    shape = data.draw(star_shapes(region=region))
    verts: list[tuple[object, object]] = list(zip(shape.lat, shape.lon, strict=True))
    o = outline_from_vertices(verts, "v", Limits(max_area_m2=math.inf))
    assert o.lat.size == len(verts)
    assert ref.Shape(tuple(o.lat.tolist()), tuple(o.lon.tolist()), shape.apex).ccw


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        ([85.0, 85.0, 85.0, 85.0], [0.0, 90.0, 180.0, -90.0]),  # around the north pole
        ([-85.0, -85.0, -85.0], [0.0, 120.0, -120.0]),  # around the south pole
        ([90.0, 80.0, 80.0], [0.0, 0.0, 90.0]),  # a vertex on the pole
        ([0.0, 0.0, 1.0, 1.0], [179.5, -179.5, -179.5, 179.5]),  # across ±180°
        ([0.0, 0.0, 1.0, 1.0], [180.0, -179.0, -179.0, -180.0]),  # on ±180°, written both ways
    ],
)
def test_polar_and_antimeridian_outlines_are_accepted(lat: list[float], lon: list[float]) -> None:
    o = outline_from_vertices(list(zip(lat, lon, strict=True)), "v", LIMITS)
    assert ref.ring_area_m2(o.lat, o.lon) > 1e9


# --- outline_from_vertices: field paths --------------------------------------------------------


@pytest.mark.parametrize(
    ("vertices", "field", "reason"),
    [
        ([], "v", "expected a non-empty list of vertices"),
        ([(0, 0), (0, 1), ("1", 1)], "v[2].lat", "expected a number, got str"),
        ([(0, 0), (0, 1), (1, None)], "v[2].lng", "expected a number, got NoneType"),
        ([(0, 0), (0, math.nan), (1, 1)], "v[1].lng", "must be a finite number"),
        ([(0, 0), (91, 1), (1, 1)], "v[1].lat", r"latitude 91.0 is outside"),
        ([(0, 0), (1, 1), (0, 181)], "v[2].lng", r"longitude 181.0 is outside"),
        ([(0, 0), (0, 1), (0, 0)], "v", "needs at least 3 distinct vertices, got 2"),
    ],
)
def test_outline_from_vertices_names_the_field(
    vertices: list[tuple[object, object]], field: str, reason: str
) -> None:
    with rejects(field, reason):
        outline_from_vertices(vertices, "v", LIMITS)


def test_outline_from_vertices_vertex_limit() -> None:
    verts: list[tuple[object, object]] = [(0.0, float(i) * 1e-3) for i in range(12)]
    with rejects("v", "has 12 vertices, more than the limit 10"):
        outline_from_vertices(verts, "v", Limits(max_vertices=10))


# --- volumes ---------------------------------------------------------------------------------


def volume(lo: float = 0.0, hi: float = 100.0, t0: float = T0, t1: float = T0 + 60) -> Volume4D:
    return Volume4D(SQUARE, lo, hi, t0, t1)


@pytest.mark.parametrize(
    ("v", "field", "reason"),
    [
        (
            volume(lo=-1001.0),
            "q[0].volume.altitude_lower",
            r"-1001 m is outside \[-1000, 100000\] m",
        ),
        (volume(hi=100_001.0), "q[0].volume.altitude_upper", r"100001 m is outside"),
        (
            volume(lo=100.0, hi=100.0),
            "q[0].volume.altitude_lower",
            "lower altitude 100 m must be below",
        ),
        (
            volume(lo=200.0, hi=100.0),
            "q[0].volume.altitude_lower",
            "lower altitude 200 m must be below upper altitude 100 m",
        ),
        (volume(t0=T0, t1=T0), "q[0].time_start", "time_start must be before time_end"),
        (volume(t0=T0 + 1, t1=T0), "q[0].time_start", "time_start must be before time_end"),
        (volume(t1=T0 + 8 * 86400), "q[0].time_end", r"duration 192.0 h exceeds the limit 168.0 h"),
    ],
)
def test_check_volume_names_the_field(v: Volume4D, field: str, reason: str) -> None:
    with rejects(field, reason):
        check_volume(v, "q[0]", LIMITS)


def test_check_volume_accepts_and_checks_the_outline_first() -> None:
    check_volume(volume(), "q", LIMITS)
    bad = Volume4D(polygon_outline([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]), 0, 1, 0, 1)
    with rejects("q.volume.outline", "outline intersects itself"):
        check_volume(bad, "q", LIMITS)


# --- malformed input -----------------------------------------------------------------------

JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**400), 10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=4), kids, max_size=4)
    ),
    max_leaves=8,
)
NEAR = st.floats(-200.0, 200.0) | st.sampled_from([90.0, -90.0, 180.0, -180.0, 0.0])


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.tuples(NEAR | JUNK, NEAR | JUNK), max_size=8))
def test_malformed_vertices_raise_only_validation_errors(
    verts: list[tuple[object, object]],
) -> None:
    try:
        o = outline_from_vertices(verts, "v", LIMITS)
    except ValidationError as e:
        assert e.field.startswith("v")
        assert e.reason
    else:
        assert o.lat.size >= 3
