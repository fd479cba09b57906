"""Volumes on the wire: F3548 ``Volume4D`` and GeoJSON, both ways.

Round trips (F3548 exact up to the documented 3-decimal altitude rounding; GeoJSON up to its
8-decimal coordinates), compatibility with PyPI ``uas-standards``, the altitude and time
forms, a field path and reason for every error, and malformed input (random JSON trees,
mutations of valid documents: junk of the wrong type, NaN/inf, huge integers, strings for
numbers, missing keys) that must raise ``ValidationError`` naming the mutated place, and
nothing else.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from implicitdict import ImplicitDict, StringBasedDateTime  # type: ignore[import-untyped]
from tests.geo import reference as ref
from tests.geo.strategies import REGIONS, T0, centres, examples, radii, star_shapes
from uas_standards.astm.f3548.v21 import api

from skyaccord.errors import ValidationError
from skyaccord.geo.volumes import Volume4D, circle_outline, polygon_outline
from skyaccord.geo.wire import (
    parse_altitude,
    parse_wire_time,
    volume_from_f3548,
    volume_to_f3548,
    volume_to_geojson,
    volumes_from_geojson,
)
from skyaccord.units import FLIGHT_LEVEL_M, FOOT_M

FT = FOOT_M
T_START = "2015-11-24T07:00:00Z"
T_END = "2015-11-24T08:00:00Z"
T_START_S = 1448348400.0


def rejects(
    field: str, reason: str
) -> AbstractContextManager[pytest.ExceptionInfo[ValidationError]]:
    return pytest.raises(ValidationError, match=rf"^{re.escape(field)}: {reason}")


# --- altitudes and times -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "metres", "reference"),
    [
        ("FL190", 190 * FLIGHT_LEVEL_M, "STD"),
        ("fl 190", 190 * FLIGHT_LEVEL_M, "STD"),
        ("FL050", 50 * FLIGHT_LEVEL_M, "STD"),
        ("19000 ft", 19000 * FT, "W84"),
        ("19000 feet", 19000 * FT, "W84"),
        ("19000FT", 19000 * FT, "W84"),
        ("5800 m", 5800.0, "W84"),
        (" 120.5 metres ", 120.5, "W84"),
        ("-10 meters", -10.0, "W84"),
        ({"value": 19000, "units": "FT"}, 19000 * FT, "W84"),
        ({"value": 190, "units": "FL"}, 190 * FLIGHT_LEVEL_M, "STD"),
        ({"value": 190, "units": "fl"}, 190 * FLIGHT_LEVEL_M, "STD"),
        ({"value": 5800, "units": "M", "reference": "W84"}, 5800.0, "W84"),
        ({"value": 5800.25, "units": "M", "reference": "AMSL"}, 5800.25, "AMSL"),
        ({"value": 3, "units": "KM"}, 3000.0, "W84"),
        ({"value": 19000, "units": "feet", "reference": "STD"}, 19000 * FT, "STD"),
    ],
)
def test_altitude_forms(value: object, metres: float, reference: str) -> None:
    got, got_ref = parse_altitude(value, "alt")
    assert got == pytest.approx(metres, rel=1e-15)
    assert got_ref == reference


def test_the_su24_altitude() -> None:
    """19,000 ft (the Su-24s over Yayladağı) is FL190 is 5,791.2 m."""
    assert parse_altitude("19000 ft", "a")[0] == pytest.approx(5791.2, abs=1e-9)
    assert parse_altitude("FL190", "a")[0] == pytest.approx(5791.2, abs=1e-9)


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        ("FL", "alt", "not an altitude: 'FL'"),
        ("FL1900", "alt", "not an altitude"),
        ("19000", "alt", "not an altitude"),
        ("19000 furlongs", "alt", "not an altitude"),
        ("", "alt", "not an altitude"),
        (None, "alt", "expected {'value', 'units', 'reference'} or a string such as 'FL190'"),
        (5800, "alt", "expected {'value', 'units', 'reference'}"),
        ([5800, "M"], "alt", "expected {'value', 'units', 'reference'}"),
        ({"units": "M"}, "alt.value", "is required"),
        ({"value": 1}, "alt.units", "is required"),
        ({"value": "1", "units": "M"}, "alt.value", "expected a number, got str"),
        ({"value": math.nan, "units": "M"}, "alt.value", "must be a finite number"),
        ({"value": 10**400, "units": "M"}, "alt.value", "must be a finite number"),
        ({"value": 1, "units": 5}, "alt.units", "expected a string such as 'M', 'FT' or 'FL'"),
        ({"value": 1, "units": "parsec"}, "alt.units", r"unknown length unit 'parsec'; valid: "),
        (
            {"value": 1, "units": "M", "reference": "AGL"},
            "alt.reference",
            "unknown reference 'AGL'; valid: W84, AMSL, STD",
        ),
        ({"value": 1, "units": "M", "reference": ["W84"]}, "alt.reference", "unknown reference"),
    ],
)
def test_altitude_errors(value: object, field: str, reason: str) -> None:
    with rejects(field, re.escape(reason) if "valid: " not in reason else reason):
        parse_altitude(value, "alt")


def test_time_forms_and_errors() -> None:
    assert parse_wire_time(T_START, "t") == T_START_S
    assert parse_wire_time({"value": T_START, "format": "RFC3339"}, "t") == T_START_S
    assert parse_wire_time({"value": "2015-11-24T09:00:00+02:00"}, "t") == T_START_S
    assert parse_wire_time("2015-11-24T07:00:00.250Z", "t") == T_START_S + 0.25
    with rejects("t.format", "unsupported time format 'unix'"):
        parse_wire_time({"value": T_START, "format": "unix"}, "t")
    with rejects("t.value", "is required"):
        parse_wire_time({"format": "RFC3339"}, "t")
    with rejects("t", "time has no UTC offset"):
        parse_wire_time("2015-11-24T07:00:00.000", "t")
    with rejects("t", "not an RFC 3339 date-time"):
        parse_wire_time("2015-11-24T07:00:00", "t")
    with rejects("t", "expected an RFC 3339 string, got int"):
        parse_wire_time(1448348400, "t")
    with rejects("t.value", "not an RFC 3339 date-time"):
        parse_wire_time({"value": "2015-13-24T07:00:00Z"}, "t")


# --- F3548 ---------------------------------------------------------------------------------


def f3548(**over: Any) -> dict[str, Any]:
    """A valid F3548 polygon volume (a 1°×1° square), with top-level keys overridden."""
    doc: dict[str, Any] = {
        "volume": {
            "outline_polygon": {
                "vertices": [
                    {"lat": 35.0, "lng": 36.0},
                    {"lat": 35.0, "lng": 37.0},
                    {"lat": 36.0, "lng": 37.0},
                    {"lat": 36.0, "lng": 36.0},
                ]
            },
            "altitude_lower": {"value": 0, "units": "M", "reference": "W84"},
            "altitude_upper": {"value": 6000, "units": "M", "reference": "W84"},
        },
        "time_start": {"value": T_START, "format": "RFC3339"},
        "time_end": {"value": T_END, "format": "RFC3339"},
    }
    doc.update(over)
    return doc


def f3548_circle() -> dict[str, Any]:
    doc = f3548()
    doc["volume"].pop("outline_polygon")
    doc["volume"]["outline_circle"] = {
        "center": {"lat": 35.9, "lng": 36.0},
        "radius": {"value": 2, "units": "NM"},
    }
    return doc


def test_f3548_known_volume() -> None:
    v = volume_from_f3548(f3548())
    assert v.outline.lat.tolist() == [35.0, 35.0, 36.0, 36.0]
    assert (v.alt_lower_m, v.alt_upper_m, v.alt_reference) == (0.0, 6000.0, "W84")
    assert (v.t_start, v.t_end) == (T_START_S, T_START_S + 3600)
    c = volume_from_f3548(f3548_circle())
    assert c.outline.circle is not None and c.outline.circle.radius_m == 3704.0


def edit(path: str, value: Any, base: Callable[[], dict[str, Any]] = f3548) -> dict[str, Any]:
    """``base()`` with the value at dotted ``path`` (``[i]`` for list items) replaced; the
    sentinel ``DELETE`` removes the key."""
    doc = base()
    keys = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]
    node: Any = doc
    for k in keys[:-1]:
        node = node[k]
    if value is DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


DELETE = object()
P = "volume4d.volume.outline_polygon.vertices"
C = "volume4d.volume.outline_circle"
BOWTIE = [{"lat": 0, "lng": 0}, {"lat": 1, "lng": 1}, {"lat": 0, "lng": 1}, {"lat": 1, "lng": 0}]

F3548_ERRORS: list[tuple[object, str, str]] = [
    ([f3548()], "volume4d", "expected an object, got list"),
    (edit("volume", DELETE), "volume4d.volume", "is required"),
    (
        edit("volume.outline_circle", {"center": {"lat": 0, "lng": 0}, "radius": {"value": 1}}),
        "volume4d.volume",
        "exactly one of outline_polygon and outline_circle is required",
    ),
    (edit("volume.outline_polygon", DELETE), "volume4d.volume", "exactly one of"),
    (edit("volume.outline_polygon", None), "volume4d.volume", "exactly one of"),
    (edit("volume", "square"), "volume4d.volume", "exactly one of"),
    (edit("volume.outline_polygon.vertices", {"lat": 1}), P, "expected a list"),
    (edit("volume.outline_polygon.vertices", DELETE), P, "is required"),
    (edit("volume.outline_polygon.vertices", []), P, "expected a non-empty list of vertices"),
    (edit("volume.outline_polygon.vertices[1].lng", DELETE), f"{P}[1].lng", "is required"),
    (
        edit("volume.outline_polygon.vertices[1]", [35.0, 37.0]),
        f"{P}[1]",
        "expected an object, got list",
    ),
    (
        edit("volume.outline_polygon.vertices[2].lat", "36.0"),
        f"{P}[2].lat",
        "expected a number, got str",
    ),
    (
        edit("volume.outline_polygon.vertices[2].lat", True),
        f"{P}[2].lat",
        "expected a number, got bool",
    ),
    (edit("volume.outline_polygon.vertices[0].lat", 95), f"{P}[0].lat", "latitude 95.0 is outside"),
    (
        edit("volume.outline_polygon.vertices[3].lng", -181),
        f"{P}[3].lng",
        "longitude -181.0 is outside",
    ),
    (
        edit("volume.outline_polygon.vertices[3].lng", math.inf),
        f"{P}[3].lng",
        "must be a finite number, got inf",
    ),
    (
        edit("volume.outline_polygon.vertices", [{"lat": 0, "lng": 0}, {"lat": 1, "lng": 1}]),
        P,
        "needs at least 3 distinct vertices, got 2",
    ),
    (edit("volume.outline_polygon.vertices", BOWTIE), P, "outline intersects itself near"),
    (
        edit(
            "volume.outline_polygon.vertices",
            [{"lat": -30, "lng": 0}, {"lat": -30, "lng": 120}, {"lat": -30, "lng": -120}],
        ),
        P,
        "spans",
    ),
    (edit("volume.outline_circle.center", DELETE, f3548_circle), f"{C}.center", "is required"),
    (
        edit("volume.outline_circle.center.lat", math.nan, f3548_circle),
        f"{C}.center.lat",
        "must be a finite number",
    ),
    (
        edit("volume.outline_circle.center.lng", 200, f3548_circle),
        f"{C}.center.lng",
        "longitude 200.0",
    ),
    (
        edit("volume.outline_circle.radius", 5, f3548_circle),
        f"{C}.radius",
        "expected an object, got int",
    ),
    (
        edit("volume.outline_circle.radius.value", -1, f3548_circle),
        f"{C}.radius.value",
        "radius must be positive",
    ),
    (
        edit("volume.outline_circle.radius.value", 0, f3548_circle),
        f"{C}.radius.value",
        "radius must be positive",
    ),
    (
        edit("volume.outline_circle.radius.units", "parsec", f3548_circle),
        f"{C}.radius.units",
        "unknown length unit",
    ),
    (edit("volume.outline_circle.radius.value", 4000, f3548_circle), C, "spans"),
    (
        edit("volume.outline_circle.radius.value", 1e-4, f3548_circle),
        C,
        "area .* is below the minimum",
    ),
    (edit("volume.altitude_lower", DELETE), "volume4d.volume.altitude_lower", "is required"),
    (edit("volume.altitude_upper", "FL"), "volume4d.volume.altitude_upper", "not an altitude"),
    (
        edit("volume.altitude_lower", "FL250"),
        "volume4d.volume.altitude_lower",
        "lower altitude 7620 m must be below upper altitude 6000 m",
    ),
    (
        edit("volume.altitude_upper.value", 200_000),
        "volume4d.volume.altitude_upper",
        r"200000 m is outside \[-1000, 100000\] m",
    ),
    (
        edit("volume.altitude_upper.units", "ly"),
        "volume4d.volume.altitude_upper.units",
        "unknown length unit",
    ),
    (edit("time_start", DELETE), "volume4d.time_start", "is required"),
    (edit("time_end", "yesterday"), "volume4d.time_end", "not an RFC 3339 date-time"),
    (edit("time_end.format", "unix"), "volume4d.time_end.format", "unsupported time format"),
    (edit("time_end.value", T_START), "volume4d.time_start", "time_start must be before time_end"),
    (
        edit("time_end.value", "2015-12-24T07:00:00Z"),
        "volume4d.time_end",
        r"duration 720.0 h exceeds the limit 168.0 h",
    ),
]


@pytest.mark.parametrize(("doc", "field", "reason"), F3548_ERRORS)
def test_f3548_errors_name_the_field(doc: object, field: str, reason: str) -> None:
    with rejects(field, reason):
        volume_from_f3548(doc)


@st.composite
def wire_volumes(draw: st.DrawFn) -> Volume4D:
    """A valid volume within the default limits (radius ≤ 400 km), polygon or circle, any
    reference, times on the millisecond (the wire's resolution)."""
    region = draw(st.sampled_from(REGIONS))
    r = draw(radii(10.0, 400_000.0))
    if draw(st.booleans()):
        outline = circle_outline(*draw(centres(region)), r)
    else:
        s = draw(star_shapes(radius_m=r, region=region))
        outline = polygon_outline(list(s.lat), list(s.lon))
    reference = draw(st.sampled_from(["W84", "AMSL", "STD"]))
    # 2 cm away from the altitude limits: the wire rounds to 0.001 FL (1.5 cm), which can push
    # a value at a limit across it (test_std_altitude_rounding_can_invalidate_a_volume)
    lo = draw(st.floats(-1000.0 + 0.02, 99_000.0))
    hi = draw(st.floats(lo + 0.1, 100_000.0 - 0.02))
    t0 = (T0 * 1000 + draw(st.integers(0, 10**9))) / 1000
    t1 = (t0 * 1000 + draw(st.integers(1, 7 * 86400 * 1000))) / 1000
    return Volume4D(outline, lo, hi, t0, t1, reference)


def altitude_tolerance(reference: str) -> float:
    """Altitudes go out with 3 decimals: of metres, or of flight levels (30.48 m) for STD."""
    return (0.5e-3 * FLIGHT_LEVEL_M if reference == "STD" else 0.5e-3) * (1 + 1e-9)


def assert_same(got: Volume4D, want: Volume4D, coord_tol: float = 0.0) -> None:
    np.testing.assert_allclose(got.outline.lat, want.outline.lat, rtol=0, atol=coord_tol)
    dlon = (got.outline.lon - want.outline.lon + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(dlon, 0.0, rtol=0, atol=coord_tol)
    tol = altitude_tolerance(want.alt_reference)
    assert got.alt_lower_m == pytest.approx(want.alt_lower_m, abs=tol)
    assert got.alt_upper_m == pytest.approx(want.alt_upper_m, abs=tol)
    assert got.alt_reference == want.alt_reference
    assert (got.t_start, got.t_end) == (want.t_start, want.t_end)


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_volumes())
def test_f3548_round_trip(v: Volume4D) -> None:
    doc = json.loads(json.dumps(volume_to_f3548(v)))
    back = volume_from_f3548(doc)
    assert_same(back, v)
    np.testing.assert_array_equal(back.outline.lat, v.outline.lat)  # vertices exactly
    np.testing.assert_array_equal(back.outline.lon, v.outline.lon)
    assert back.outline.circle == v.outline.circle
    # what we write in W84 metres is valid F3548 for uas-standards too
    if v.alt_reference == "W84":
        parsed = ImplicitDict.parse(doc, api.Volume4D)
        assert parsed.time_start.value.datetime.timestamp() == v.t_start
        if v.outline.circle is None:
            assert len(parsed.volume.outline_polygon.vertices) == v.outline.lat.size


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 100_000.0), (1000.0, 1000.003)])
def test_std_altitudes_round_trip_exactly_even_at_the_limits(lo: float, hi: float) -> None:
    v = Volume4D(SQUARE, lo, hi, T_START_S, T_START_S + 60, "STD")
    volume_from_f3548(volume_to_f3548(v))  # valid out ...
    back = volume_from_f3548(json.loads(json.dumps(volume_to_f3548(v))))  # ... valid back in
    assert (back.alt_lower_m, back.alt_upper_m) == pytest.approx((lo, hi), abs=1e-6)


SQUARE = polygon_outline([35.0, 35.0, 36.0, 36.0], [36.0, 37.0, 37.0, 36.0])


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_volumes())
def test_uas_standards_volume4d_is_accepted(v: Volume4D) -> None:
    """A Volume4D built with PyPI uas-standards' types, serialised to JSON, parses to the
    same volume (W84 metres: the only reference and unit F3548 defines)."""
    c = v.outline.circle
    if c is not None:
        v3 = api.Volume3D(
            outline_circle=api.Circle(
                center=api.LatLngPoint(lat=c.lat_deg, lng=c.lon_deg),
                radius=api.Radius(value=c.radius_m, units=api.RadiusUnits.M),
            )
        )
    else:
        pts = [
            api.LatLngPoint(lat=float(a), lng=float(b))
            for a, b in zip(v.outline.lat, v.outline.lon, strict=True)
        ]
        v3 = api.Volume3D(outline_polygon=api.Polygon(vertices=pts))
    v3.altitude_lower = api.Altitude(value=v.alt_lower_m, reference="W84", units="M")
    v3.altitude_upper = api.Altitude(value=v.alt_upper_m, reference="W84", units="M")
    when = [dt.datetime.fromtimestamp(t, tz=dt.UTC) for t in (v.t_start, v.t_end)]
    v4 = api.Volume4D(
        volume=v3,
        time_start=api.Time(value=StringBasedDateTime(when[0])),
        time_end=api.Time(value=StringBasedDateTime(when[1])),
    )
    back = volume_from_f3548(json.loads(json.dumps(v4)))
    np.testing.assert_array_equal(back.outline.lat, v.outline.lat)
    np.testing.assert_array_equal(back.outline.lon, v.outline.lon)
    assert back.outline.circle == c
    assert (back.alt_lower_m, back.alt_upper_m, back.alt_reference) == (
        v.alt_lower_m,
        v.alt_upper_m,
        "W84",
    )
    assert back.t_start == pytest.approx(v.t_start, abs=1e-6)
    assert back.t_end == pytest.approx(v.t_end, abs=1e-6)


# --- GeoJSON -------------------------------------------------------------------------------

GEO_TOL = 0.5e-8 * (1 + 1e-9)
"""GeoJSON coordinates go out rounded to 8 decimals (≈ 1 mm)."""


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_volumes())
def test_geojson_round_trip(v: Volume4D) -> None:
    doc = json.loads(json.dumps(volume_to_geojson(v, {"name": "x"})))
    assert doc["properties"]["name"] == "x"
    ring = doc["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == v.outline.lat.size + 1
    (back,) = volumes_from_geojson(doc)
    assert_same(back, v, coord_tol=GEO_TOL)
    assert back.outline.circle is None  # GeoJSON has no circle: the 64-gon goes out
    # each vertex moves by up to 0.5e-8° (≈ 0.56 mm per axis): the area by ≤ perimeter × 0.8 mm
    pts = [ref.unit(float(a), float(b)) for a, b in zip(v.outline.lat, v.outline.lon, strict=True)]
    perimeter = sum(ref.angle(p, q) for p, q in zip(pts, pts[1:] + pts[:1], strict=True))
    shift_m = math.radians(GEO_TOL) * ref.EARTH_RADIUS_M * math.sqrt(2)
    slack = perimeter * ref.EARTH_RADIUS_M * shift_m + 0.01
    got = ref.ring_area_m2(back.outline.lat, back.outline.lon)
    want = ref.ring_area_m2(v.outline.lat, v.outline.lon)
    assert got == pytest.approx(want, abs=slack)


def test_geojson_round_trip_across_the_antimeridian() -> None:
    o = polygon_outline([0.0, 0.0, 1.0, 1.0], [179.5, -179.5, -179.5, 179.5])
    v = Volume4D(o, 0.0, 100.0, T_START_S, T_START_S + 60)
    (back,) = volumes_from_geojson(json.loads(json.dumps(volume_to_geojson(v))))
    assert_same(back, v, coord_tol=GEO_TOL)


def feature(geometry: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    base = {
        "altitude_lower": "FL100",
        "altitude_upper": "FL200",
        "time_start": T_START,
        "time_end": T_END,
    }
    base.update(props)
    geom = geometry or {
        "type": "Polygon",
        "coordinates": [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]],
    }
    return {"type": "Feature", "geometry": geom, "properties": base}


def test_geojson_forms() -> None:
    (v,) = volumes_from_geojson(feature())
    assert v.outline.lat.tolist() == [35.0, 35.0, 36.0, 36.0]
    assert v.alt_reference == "STD" and v.alt_lower_m == pytest.approx(3048.0)
    sq = [[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 35.0]]
    multi = feature({"type": "MultiPolygon", "coordinates": [[sq], [[[0, 0], [1, 0], [1, 1]]]]})
    assert len(volumes_from_geojson(multi)) == 2
    point = feature(
        {"type": "Point", "coordinates": [36.0, 35.9]}, radius={"value": 2, "units": "NM"}
    )
    (c,) = volumes_from_geojson(point)
    assert c.outline.circle is not None and c.outline.circle.radius_m == 3704.0
    coll = {"type": "FeatureCollection", "features": [feature(), point]}
    assert len(volumes_from_geojson(coll)) == 2
    bare = {
        "type": "Feature",
        "geometry": feature()["geometry"],
        "properties": {"altitude_lower": "0 m", "altitude_upper": "100 m"},
    }
    (d,) = volumes_from_geojson(bare, defaults={"time_start": T_START, "time_end": T_END})
    assert d.t_start == T_START_S


G = "geojson"
GP = "geojson.geometry.coordinates"
POLY = [[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]


def with_ring(ring: list[Any]) -> dict[str, Any]:
    return feature({"type": "Polygon", "coordinates": [ring]})


def with_point(coords: Any = (36.0, 35.9), **props: Any) -> dict[str, Any]:
    return feature({"type": "Point", "coordinates": list(coords)}, **props)


GEOJSON_ERRORS: list[tuple[object, str, str]] = [
    ("Feature", G, "expected a GeoJSON object"),
    ({"type": "Geometry"}, f"{G}.type", "expected 'Feature' or 'FeatureCollection'"),
    ({"type": "FeatureCollection", "features": []}, f"{G}.features", "expected a non-empty list"),
    (
        {"type": "FeatureCollection", "features": [feature(), {"type": "Feature"}]},
        f"{G}.features[1].geometry",
        "is required",
    ),
    (
        {"type": "Feature", "geometry": {"type": "Polygon"}},
        f"{G}.geometry.coordinates",
        "is required",
    ),
    (
        feature({"type": "LineString", "coordinates": POLY}),
        f"{G}.geometry.type",
        "unsupported geometry 'LineString'",
    ),
    (feature({"type": "Polygon", "coordinates": {}}), GP, "expected a list of rings"),
    (
        feature({"type": "Polygon", "coordinates": [POLY, POLY]}),
        f"{GP}[1]",
        "holes are not supported",
    ),
    (
        feature({"type": "Polygon", "coordinates": ["ring"]}),
        f"{GP}[0]",
        "expected a list of positions",
    ),
    (with_ring([*POLY[:2], [37.0], *POLY[3:]]), f"{GP}[0][2]", r"expected a position \[lon, lat\]"),
    (with_ring([*POLY[:2], [37.0, 95.0], *POLY[3:]]), f"{GP}[0][2][1]", "latitude 95.0 is outside"),
    (
        with_ring([*POLY[:2], [200.0, 36.0], *POLY[3:]]),
        f"{GP}[0][2][0]",
        "longitude 200.0 is outside",
    ),
    (
        with_ring([*POLY[:2], ["37", 36.0], *POLY[3:]]),
        f"{GP}[0][2][0]",
        "expected a number, got str",
    ),
    (
        feature({"type": "MultiPolygon", "coordinates": [[POLY], [[*POLY[:3], [0.0, math.nan]]]]}),
        f"{GP}[1][0][3][1]",
        "must be a finite number",
    ),
    (with_ring(POLY[:2] + POLY[:1]), f"{GP}[0]", "needs at least 3 distinct vertices"),
    (with_point(), f"{G}.properties.radius", "a Point needs a radius"),
    (with_point((36.0, 95.0), radius={"value": 1, "units": "KM"}), f"{GP}[1]", "latitude 95.0"),
    (with_point((-190.0, 5.0), radius={"value": 1, "units": "KM"}), f"{GP}[0]", "longitude -190.0"),
    (with_point((36.0,), radius={"value": 1}), GP, "expected a position"),
    (
        with_point(radius={"value": -1, "units": "KM"}),
        f"{G}.properties.radius.value",
        "radius must be positive",
    ),
    (
        with_point(radius={"value": 1, "units": "cubits"}),
        f"{G}.properties.radius.units",
        "unknown length unit",
    ),
    (with_point(radius={"units": "KM"}), f"{G}.properties.radius.value", "is required"),
    (with_point(radius="1 km"), f"{G}.properties.radius", "expected an object, got str"),
    ({**feature(), "properties": [1, 2]}, f"{G}.properties", "expected an object"),
    ({**feature(), "properties": "FL100"}, f"{G}.properties", "expected an object"),
    (feature(altitude_lower=None), f"{G}.properties.altitude_lower", "expected {'value'"),
    ({**feature(), "properties": {}}, f"{G}.properties.altitude_lower", "is required"),
    (
        feature(altitude_lower="FL300"),
        f"{G}.properties.altitude_lower",
        "lower altitude 9144 m must be below upper altitude 6096 m",
    ),
    (feature(altitude_upper="400000 ft"), f"{G}.properties.altitude_upper", r"121920 m is outside"),
    (feature(time_end=T_START), f"{G}.properties.time_start", "time_start must be before time_end"),
    (feature(time_end="2016-11-24T08:00:00Z"), f"{G}.properties.time_end", "duration"),
    (feature(time_start=5), f"{G}.properties.time_start", "expected an RFC 3339 string"),
]


@pytest.mark.parametrize(("doc", "field", "reason"), GEOJSON_ERRORS)
def test_geojson_errors_name_the_field(doc: object, field: str, reason: str) -> None:
    with rejects(field, reason):
        volumes_from_geojson(doc)


# --- malformed input ---------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.sampled_from([10**400, -(10**400), math.nan, math.inf, -math.inf, 0, -0.0, 1e308])
    | st.floats()
    | st.text(max_size=10)
)
TREES = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=12), kids, max_size=5)
    ),
    max_leaves=25,
)
KEYS = st.sampled_from(
    [
        "volume",
        "outline_polygon",
        "outline_circle",
        "vertices",
        "lat",
        "lng",
        "center",
        "radius",
        "value",
        "units",
        "reference",
        "altitude_lower",
        "altitude_upper",
        "time_start",
        "time_end",
        "format",
        "type",
        "features",
        "geometry",
        "coordinates",
        "properties",
    ]
)
SHAPED = st.recursive(
    SCALARS
    | st.sampled_from(
        ["Feature", "FeatureCollection", "Polygon", "Point", "M", "FL", "W84", T_START]
    ),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(KEYS, kids, max_size=6),
    max_leaves=30,
)


def only_validation_errors(fn: Callable[[object], object], doc: object, root: str) -> None:
    try:
        fn(doc)
    except ValidationError as e:
        assert e.field.startswith(root) and e.reason, e
        json.dumps(e.to_dict(), default=str)  # the error travels as JSON


@settings(max_examples=examples(150), deadline=None)
@given(TREES | SHAPED)
def test_random_trees_raise_only_validation_errors(doc: object) -> None:
    only_validation_errors(volume_from_f3548, doc, "volume4d")
    only_validation_errors(volumes_from_geojson, doc, "geojson")


Path = tuple[str | int, ...]


def nodes(doc: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    out = [(path, doc)]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += nodes(v, (*path, i))
    return out


def path_str(root: str, path: Path) -> str:
    return root + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)


def related(a: str, b: str) -> bool:
    """Is one path the other or an ancestor of it?"""

    def under(x: str, y: str) -> bool:
        return x == y or x.startswith((y + ".", y + "["))

    return under(a, b) or under(b, a)


NOT_NUMBER = (
    st.none()
    | st.booleans()
    | st.text(max_size=6)
    | st.lists(st.integers(), max_size=2)
    | st.sampled_from([math.nan, math.inf, -math.inf, 10**400, {}])
)
NOT_STRING = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.lists(st.text(max_size=3), max_size=2)
    | st.just({"a": 1})
)
NOT_CONTAINER = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
OPTIONAL_KEYS = {"reference", "format", "properties"}


@st.composite
def mutated(draw: st.DrawFn, docs: list[dict[str, Any]]) -> tuple[Any, Path, str]:
    """A valid document with one node replaced by junk of another type, or one key deleted."""
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    path, value = draw(st.sampled_from(nodes(doc)))
    parent_is_dict = bool(path) and isinstance(nodes_get(doc, path[:-1]), dict)
    if parent_is_dict and draw(st.booleans()):
        del nodes_get(doc, path[:-1])[path[-1]]
        return doc, path, "delete"
    if isinstance(value, int | float):
        junk = draw(NOT_NUMBER)
    elif isinstance(value, str):
        junk = draw(NOT_STRING)
    elif isinstance(value, list):
        junk = draw(NOT_CONTAINER | st.text(max_size=4) | st.just({"a": 1}))
    else:
        junk = draw(NOT_CONTAINER | st.lists(st.integers(), max_size=2))
    if not path:
        return junk, path, "replace"
    nodes_get(doc, path[:-1])[path[-1]] = junk
    return doc, path, "replace"


def nodes_get(doc: Any, path: Path) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def valid_f3548() -> list[dict[str, Any]]:
    std = f3548()
    std["volume"]["altitude_lower"] = {"value": 50, "units": "FL", "reference": "STD"}
    std["volume"]["altitude_upper"] = "FL190"
    return [f3548(), f3548_circle(), std]


def valid_geojson() -> list[dict[str, Any]]:
    point = with_point(radius={"value": 2, "units": "NM"})
    multi = feature(
        {"type": "MultiPolygon", "coordinates": [[POLY], [[[0, 0], [1, 0], [1, 1], [0, 0]]]]}
    )
    coll = {"type": "FeatureCollection", "features": [feature(), point]}
    return [feature(), point, multi, coll]


def check_mutation(
    fn: Callable[[object], object], mutation: tuple[Any, Path, str], root: str
) -> None:
    doc, path, op = mutation
    where = path_str(root, path)
    try:
        fn(doc)
    except ValidationError as e:
        assert related(e.field, where), f"{op} at {where}, error names {e.field}: {e.reason}"
    else:
        # junk of the wrong type is never valid; only an optional key may go missing
        assert op == "delete" and path and path[-1] in OPTIONAL_KEYS | {"units"}, (
            f"{op} at {where} was accepted"
        )


@settings(max_examples=examples(200), deadline=None)
@given(mutated(valid_f3548()))
def test_mutated_f3548_raise_validation_errors_at_the_place(
    mutation: tuple[Any, Path, str],
) -> None:
    for doc in valid_f3548():
        volume_from_f3548(doc)  # the originals are valid
    check_mutation(volume_from_f3548, mutation, "volume4d")


@settings(max_examples=examples(200), deadline=None)
@given(mutated(valid_geojson()))
def test_mutated_geojson_raise_validation_errors_at_the_place(
    mutation: tuple[Any, Path, str],
) -> None:
    for doc in valid_geojson():
        volumes_from_geojson(doc)
    check_mutation(volumes_from_geojson, mutation, "geojson")
