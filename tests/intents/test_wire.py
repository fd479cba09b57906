"""Filings from JSON/YAML objects: every bad one is a ValidationError naming the field and the
reason; random and malformed input never raises anything else."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyaccord.errors import ValidationError
from skyaccord.intents.model import State
from skyaccord.intents.wire import filing_from_json

START, END = "2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z"


def vertices(*pairs: tuple[float, float]) -> list[dict[str, float]]:
    return [{"lat": a, "lng": b} for a, b in pairs]


SQUARE = vertices((33.0, 35.0), (33.0, 35.1), (33.1, 35.1), (33.1, 35.0))


def f3548(**over: Any) -> dict[str, Any]:
    vol: dict[str, Any] = {
        "outline_polygon": {"vertices": copy.deepcopy(SQUARE)},
        "altitude_lower": {"value": 1000, "units": "M", "reference": "W84"},
        "altitude_upper": "FL200",
    }
    v4: dict[str, Any] = {
        "volume": vol,
        "time_start": START,
        "time_end": {"value": END, "format": "RFC3339"},
    }
    for k, val in over.items():
        (
            vol
            if k in ("outline_polygon", "outline_circle", "altitude_lower", "altitude_upper")
            else v4
        )[k] = val
    return {"volumes": [v4]}


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    p = {"altitude_lower": "FL150", "altitude_upper": "FL250", "time_start": START, "time_end": END}
    return {"type": "Feature", "properties": {**p, **props}, "geometry": geometry}


POLY = {
    "type": "Polygon",
    "coordinates": [[[35, 33], [35.1, 33], [35.1, 33.1], [35, 33.1], [35, 33]]],
}
VALID: list[dict[str, Any]] = [
    f3548(),
    {
        **f3548(),
        "id": "op-1",
        "key": ["abc"],
        "state": "Activated",
        "priority": 7,
        "details": {"m": 1},
    },
    f3548(
        outline_polygon=None,
        outline_circle={"center": {"lat": 33, "lng": 35}, "radius": {"value": 2, "units": "NM"}},
    ),
    {"geojson": feature(POLY)},
    feature({"type": "Point", "coordinates": [35, 33]}, radius={"value": 5, "units": "KM"}),
    {
        "type": "FeatureCollection",
        "features": [
            feature(POLY),
            feature({**POLY, "type": "MultiPolygon", "coordinates": [POLY["coordinates"]]}),
        ],
    },
]


@pytest.mark.parametrize("obj", VALID)
def test_valid_filings_parse(obj: dict[str, Any]) -> None:
    req = filing_from_json(obj)
    assert req.filing.volumes
    for v in req.filing.volumes:
        assert v.alt_lower_m < v.alt_upper_m and v.t_start < v.t_end


def test_filing_fields_are_kept() -> None:
    req = filing_from_json(VALID[1])
    assert (req.intent_id, req.version) == ("op-1", None)
    f = req.filing
    assert (f.key, f.state, f.priority, f.details) == (
        frozenset({"abc"}),
        State.ACTIVATED,
        7,
        {"m": 1},
    )
    assert f.volumes[0].alt_lower_m == 1000.0
    assert f.volumes[0].alt_upper_m == pytest.approx(20000 * 0.3048)


V0 = "volumes[0]"
VOL = "volumes[0].volume"
VERTS = "volumes[0].volume.outline_polygon.vertices"
BOWTIE = vertices((0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0))
BAD: list[tuple[str, Any, str]] = [
    ("not an object", [], "filing"),
    ("no volumes", {}, "volumes"),
    ("empty volumes", {"volumes": []}, "volumes"),
    ("volumes not a list", {"volumes": "everywhere"}, "volumes"),
    ("volume not an object", {"volumes": [7]}, V0),
    ("both volumes and geojson", {**f3548(), "geojson": feature(POLY)}, "volumes"),
    ("unknown field", {**f3548(), "colour": "red"}, "colour"),
    (
        "NaN latitude",
        f3548(outline_polygon={"vertices": vertices((math.nan, 35.0), (33.0, 35.1), (33.1, 35.1))}),
        f"{VERTS}[0].lat",
    ),
    (
        "infinite longitude",
        f3548(outline_polygon={"vertices": vertices((33.0, 35.0), (33.0, math.inf), (33.1, 35.1))}),
        f"{VERTS}[1].lng",
    ),
    (
        "latitude 91",
        f3548(outline_polygon={"vertices": vertices((33.0, 35.0), (91.0, 35.1), (33.1, 35.1))}),
        f"{VERTS}[1].lat",
    ),
    (
        "longitude as text",
        f3548(outline_polygon={"vertices": [{"lat": 33.0, "lng": "35"}, *SQUARE[1:]]}),
        f"{VERTS}[0].lng",
    ),
    (
        "missing lng",
        f3548(outline_polygon={"vertices": [{"lat": 33.0}, *SQUARE[1:]]}),
        f"{VERTS}[0].lng",
    ),
    (
        "two vertices",
        f3548(outline_polygon={"vertices": vertices((33.0, 35.0), (33.1, 35.1))}),
        VERTS,
    ),
    (
        "three vertices, two the same",
        f3548(outline_polygon={"vertices": vertices((33.0, 35.0), (33.0, 35.0), (33.1, 35.1))}),
        VERTS,
    ),
    ("self-intersecting", f3548(outline_polygon={"vertices": BOWTIE}), VERTS),
    ("no outline", f3548(outline_polygon=None), VOL),
    (
        "two outlines",
        f3548(
            outline_circle={"center": {"lat": 33, "lng": 35}, "radius": {"value": 1, "units": "KM"}}
        ),
        VOL,
    ),
    (
        "negative radius",
        f3548(
            outline_polygon=None,
            outline_circle={
                "center": {"lat": 33, "lng": 35},
                "radius": {"value": -1, "units": "KM"},
            },
        ),
        f"{VOL}.outline_circle.radius.value",
    ),
    (
        "unknown radius units",
        f3548(
            outline_polygon=None,
            outline_circle={
                "center": {"lat": 33, "lng": 35},
                "radius": {"value": 1, "units": "furlong"},
            },
        ),
        f"{VOL}.outline_circle.radius.units",
    ),
    ("lower equals upper", f3548(altitude_lower="FL200"), f"{VOL}.altitude_lower"),
    (
        "lower above upper",
        f3548(altitude_lower={"value": 9000, "units": "M"}),
        f"{VOL}.altitude_lower",
    ),
    ("altitude text", f3548(altitude_upper="high"), f"{VOL}.altitude_upper"),
    (
        "altitude units",
        f3548(altitude_upper={"value": 9000, "units": "parsec"}),
        f"{VOL}.altitude_upper.units",
    ),
    (
        "altitude reference",
        f3548(altitude_upper={"value": 9000, "units": "M", "reference": "AGL"}),
        f"{VOL}.altitude_upper.reference",
    ),
    (
        "altitude NaN",
        f3548(altitude_upper={"value": math.nan, "units": "M"}),
        f"{VOL}.altitude_upper.value",
    ),
    (
        "altitude above the limit",
        f3548(altitude_upper={"value": 200_000, "units": "M"}),
        f"{VOL}.altitude_upper",
    ),
    ("missing upper altitude", f3548(altitude_upper=None) | {}, f"{VOL}.altitude_upper"),
    ("start equals end", f3548(time_end=START), f"{V0}.time_start"),
    ("start after end", f3548(time_start=END, time_end=START), f"{V0}.time_start"),
    ("time without offset", f3548(time_start="2030-01-01T00:00:00"), f"{V0}.time_start"),
    ("time not a date", f3548(time_end="tomorrow"), f"{V0}.time_end"),
    ("time format", f3548(time_end={"value": END, "format": "unix"}), f"{V0}.time_end.format"),
    ("longer than a week", f3548(time_end="2030-01-09T00:00:00Z"), f"{V0}.time_end"),
    (
        "too large",
        f3548(outline_polygon={"vertices": vertices((0, 0), (0, 20), (20, 20), (20, 0))}),
        VERTS,
    ),
    ("key not a list", {**f3548(), "key": "abc"}, "key"),
    ("key of numbers", {**f3548(), "key": [1]}, "key"),
    ("state Ended", {**f3548(), "state": "Ended"}, "state"),
    ("priority 101", {**f3548(), "priority": 101}, "priority"),
    ("priority bool", {**f3548(), "priority": True}, "priority"),
    ("details a list", {**f3548(), "details": [1]}, "details"),
    ("version text", {**f3548(), "version": "2"}, "version"),
    ("id a number", {**f3548(), "id": 5}, "id"),
    (
        "geojson hole",
        {"geojson": feature({"type": "Polygon", "coordinates": [POLY["coordinates"][0]] * 2})},
        "geojson.geometry.coordinates[1]",
    ),
    (
        "geojson line",
        {"geojson": feature({"type": "LineString", "coordinates": [[35, 33], [36, 34]]})},
        "geojson.geometry.type",
    ),
    (
        "geojson lat 91",
        {
            "geojson": feature(
                {"type": "Polygon", "coordinates": [[[35, 33], [35.1, 91], [35.1, 33.1], [35, 33]]]}
            )
        },
        "geojson.geometry.coordinates[0][1][1]",
    ),
    (
        "geojson no times",
        {
            "geojson": feature(POLY, time_start=None)
            | {"properties": {"altitude_lower": "FL1", "altitude_upper": "FL2"}}
        },
        "geojson.properties.time_start",
    ),
    (
        "geojson point without radius",
        {"geojson": feature({"type": "Point", "coordinates": [35, 33]})},
        "geojson.properties.radius",
    ),
    ("geojson empty collection", {"type": "FeatureCollection", "features": []}, "geojson.features"),
    (
        "geojson bad feature",
        {"type": "FeatureCollection", "features": [feature(POLY), {"type": "Feature"}]},
        "geojson.features[1].geometry",
    ),
]


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def test_unknown_keys_of_any_type_are_named() -> None:
    """A YAML filing may carry non-string keys; they are unknown fields, not a crash."""
    import yaml

    obj = yaml.safe_load("volumes: []\n1: one\ncolour: red\n")
    with pytest.raises(ValidationError) as info:
        filing_from_json(obj)
    assert info.value.field == "1"


@pytest.mark.parametrize(("obj", "field"), [pytest.param(o, f, id=n) for n, o, f in BAD])
def test_bad_filing_names_the_field(obj: Any, field: str) -> None:
    obj = obj if field == "volumes" and "geojson" in obj else _drop_none(obj)
    with pytest.raises(ValidationError) as info:
        filing_from_json(obj)
    e = info.value
    assert e.field == field, e.message
    assert e.reason and e.message == f"{field}: {e.reason}"
    assert e.http_status == 422 and e.exit_code == 2


# --- property-based: random and malformed input ----------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
# YAML documents (CLI files, scenarios) may have keys that are not strings.
keys = st.text(max_size=10) | st.integers(-3, 3) | st.booleans() | st.none()
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def malformed(draw: st.DrawFn) -> Any:
    """A valid filing with one to three random edits: replace a node, delete it, add a key."""
    obj = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(obj)))
        op = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            obj = draw(json_values) if op == "replace" else obj
            continue
        parent = obj
        for p in path[:-1]:
            parent = parent[p]
        last = path[-1]
        if op == "replace":
            parent[last] = draw(json_values)
        elif op == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=8))] = draw(json_values)
    return obj


def _all_keys(obj: Any) -> set[Any]:
    if isinstance(obj, dict):
        return set(obj).union(*(_all_keys(v) for v in obj.values()))
    if isinstance(obj, list):
        return set().union(*(_all_keys(v) for v in obj))
    return set()


def _parses_or_names_a_field(obj: Any) -> None:
    try:
        req = filing_from_json(obj)
    except ValidationError as e:
        # The field is a path into the input (empty only for an unknown key named "").
        assert isinstance(e.field, str) and (e.field or "" in _all_keys(obj))
        assert isinstance(e.reason, str) and e.reason
        return
    for v in req.filing.volumes:
        assert math.isfinite(v.alt_lower_m) and v.alt_lower_m < v.alt_upper_m
        assert math.isfinite(v.t_start) and v.t_start < v.t_end


@pytest.mark.parametrize("props", [True, 5, "text", ["x"]])
def test_geojson_properties_that_are_not_an_object(props: Any) -> None:
    """Found by the fuzzer below: this was a TypeError/ValueError (HTTP 500)."""
    with pytest.raises(ValidationError) as info:
        filing_from_json({"geojson": {**feature(POLY), "properties": props}})
    assert info.value.field == "geojson.properties"


@settings(max_examples=200, deadline=None)
@given(malformed())
def test_malformed_filings_only_raise_validation_errors(obj: Any) -> None:
    _parses_or_names_a_field(obj)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_random_json_only_raises_validation_errors(obj: Any) -> None:
    _parses_or_names_a_field(obj)


coords = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-400, 400)


@settings(max_examples=200, deadline=None)
@given(
    verts=st.lists(st.tuples(coords, coords), min_size=0, max_size=7),
    lo=coords,
    hi=coords,
    t0=st.integers(0, 2**33) | st.just(-(2**40)),
    dt=st.integers(-3600, 10 * 86400),
)
def test_random_volumes_only_raise_validation_errors(
    verts: list[tuple[Any, Any]], lo: Any, hi: Any, t0: int, dt: int
) -> None:
    from skyaccord.timefmt import format_time

    try:
        start, end = format_time(t0), format_time(t0 + dt)
    except (ValueError, OverflowError, OSError):
        start, end = "0000-01-01T00:00:00Z", END
    obj = f3548(
        outline_polygon={"vertices": vertices(*verts)},
        altitude_lower={"value": lo, "units": "M"},
        altitude_upper={"value": hi, "units": "FT"},
        time_start=start,
        time_end=end,
    )
    _parses_or_names_a_field(obj)
