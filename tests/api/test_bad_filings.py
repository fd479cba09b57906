"""Every bad filing gets a 4xx whose body names the field and the reason, and nothing is stored;
random malformed filings never get a 5xx."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from tests.api.conftest import Api

V = "volumes[0]"
VERTS = "volumes[0].volume.outline_polygon.vertices"


def _edit(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``body`` with the value at dotted ``path`` (``volumes.0.volume.x``) replaced; a value of
    ``...`` deletes it."""
    out = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = out
    for p in parents:
        node = node[int(p) if p.isdigit() else p]
    key = int(last) if last.isdigit() else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return out


def _verts(*pairs: tuple[float, float]) -> list[dict[str, float]]:
    return [{"lat": a, "lng": b} for a, b in pairs]


# (name, edits to a valid body, the field the error must name)
CASES: list[tuple[str, list[tuple[str, Any]], str]] = [
    ("volumes not a list", [("volumes", "everywhere")], "volumes"),
    ("volume not an object", [("volumes", [7])], V),
    ("empty volumes", [("volumes", [])], "volumes"),
    ("lat 91", [("volumes.0.volume.outline_polygon.vertices.1.lat", 91)], f"{VERTS}[1].lat"),
    ("lng -181", [("volumes.0.volume.outline_polygon.vertices.2.lng", -181)], f"{VERTS}[2].lng"),
    (
        "lat as text",
        [("volumes.0.volume.outline_polygon.vertices.0.lat", "north")],
        f"{VERTS}[0].lat",
    ),
    (
        "two vertices",
        [("volumes.0.volume.outline_polygon.vertices", _verts((33, 35), (33.1, 35.1)))],
        VERTS,
    ),
    (
        "self-intersecting",
        [
            (
                "volumes.0.volume.outline_polygon.vertices",
                _verts((33, 35), (33.1, 35.1), (33, 35.1), (33.1, 35)),
            )
        ],
        VERTS,
    ),
    (
        "lower equals upper",
        [("volumes.0.volume.altitude_lower.value", 2000.0)],
        f"{V}.volume.altitude_lower",
    ),
    (
        "lower above upper",
        [("volumes.0.volume.altitude_lower.value", 9000.0)],
        f"{V}.volume.altitude_lower",
    ),
    (
        "altitude units",
        [("volumes.0.volume.altitude_upper.units", "parsec")],
        f"{V}.volume.altitude_upper.units",
    ),
    (
        "altitude reference",
        [("volumes.0.volume.altitude_upper.reference", "AGL")],
        f"{V}.volume.altitude_upper.reference",
    ),
    ("no upper altitude", [("volumes.0.volume.altitude_upper", ...)], f"{V}.volume.altitude_upper"),
    ("start equals end", [("volumes.0.time_end", "@start")], f"{V}.time_start"),
    (
        "start after end",
        [("volumes.0.time_start", "@end"), ("volumes.0.time_end", "@start")],
        f"{V}.time_start",
    ),
    (
        "time without offset",
        [("volumes.0.time_start.value", "2030-01-01T00:00:00")],
        f"{V}.time_start.value",
    ),
    ("time format", [("volumes.0.time_start.format", "unix")], f"{V}.time_start.format"),
    (
        "in the past",
        [
            ("volumes.0.time_start", "2001-01-01T00:00:00Z"),
            ("volumes.0.time_end", "2001-01-01T01:00:00Z"),
        ],
        f"{V}.time_end",
    ),
    ("unknown top-level field", [("colour", "red")], "colour"),
    ("unknown volume field", [("volumes.0.volume.colour", "red")], f"{V}.volume.colour"),
    (
        "unknown vertex field",
        [("volumes.0.volume.outline_polygon.vertices.0.alt", 1)],
        f"{VERTS}[0].alt",
    ),
    ("both volumes and geojson", [("geojson", {"type": "Feature"})], "volumes"),
    (
        "geojson LineString",
        [
            ("volumes", ...),
            (
                "geojson",
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "LineString", "coordinates": [[35, 33], [36, 34]]},
                },
            ),
        ],
        "geojson.geometry.type",
    ),
    ("state Ended", [("state", "Ended")], "state"),
    ("priority 101", [("priority", 101)], "priority"),
    ("key a string", [("key", "abc")], "key"),
    ("details a list", [("details", [1])], "details"),
    ("bad id", [("id", "has spaces")], "id"),
]


def _body(api: Api) -> dict[str, Any]:
    return {"id": "op-1", "volumes": [api.volume()], "details": {"m": 1}}


def _resolve(api: Api, body: dict[str, Any], edits: list[tuple[str, Any]]) -> dict[str, Any]:
    v = body["volumes"][0]
    marks = {"@start": v["time_start"]["value"], "@end": v["time_end"]["value"]}
    for path, value in edits:
        body = _edit(body, path, marks.get(value, value) if isinstance(value, str) else value)
    return body


def test_the_valid_body_is_valid(shared_api: Api) -> None:
    r = shared_api.post("israel", "/v1/intents", _body(shared_api), params={"dry_run": True})
    assert r.status_code == 201, r.text


def _check_refused(api: Api, edits: list[tuple[str, Any]], field: str) -> None:
    if api.get("israel", "/v1/intents/base").status_code == 404:
        r = api.post("israel", "/v1/intents", {"id": "base", "volumes": [api.volume(lat=40.0)]})
        assert r.status_code == 201, r.text
    before = api.counts()
    body = _resolve(api, _body(api), edits)
    r = api.post("israel", "/v1/intents", body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["error"] == "invalid" and err["reason"] and err["error_id"]
    assert err["field"] == field, err
    assert err["message"] == f"{field}: {err['reason']}"
    assert api.counts() == before
    if field != "id":  # a modification ignores the body's id
        put = api.client.put(
            "/v1/intents/base", json={**body, "version": 1}, headers=api.auth("israel")
        )
        assert put.status_code == 422 and put.json()["field"] == field, put.text
        assert api.get("israel", "/v1/intents/base").json()["version"] == 1
        assert api.counts() == before


@pytest.mark.parametrize(("edits", "field"), [pytest.param(e, f, id=n) for n, e, f in CASES])
def test_bad_filing_is_422_naming_the_field_and_stores_nothing(
    shared_api: Api, edits: list[tuple[str, Any]], field: str
) -> None:
    _check_refused(shared_api, edits, field)


def test_bad_filings_store_nothing_on_either_store(api: Api) -> None:
    for name in ("self-intersecting", "lat 91", "unknown volume field", "lower above upper"):
        (edits, field), *_ = [(e, f) for n, e, f in CASES if n == name]
        _check_refused(api, edits, field)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{", "body"),
        (b"[]", "body"),
        (b'"filing"', "body"),
        (b"null", "body"),
        (b"", "body"),
    ],
)
def test_malformed_json_is_422(shared_api: Api, raw: bytes, field: str) -> None:
    api = shared_api
    before = api.counts()
    headers = {**api.auth("israel"), "Content-Type": "application/json"}
    r = api.client.post("/v1/intents", content=raw, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and r.json()["reason"]
    assert api.counts() == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("volumes.0.volume.outline_polygon.vertices.0.lat", f"{VERTS}[0].lat"),
        ("volumes.0.volume.altitude_upper.value", f"{V}.volume.altitude_upper"),
        ("details.m", "details.m"),  # free-form details too: they could not be stored as sent
    ],
)
def test_non_finite_numbers_are_422(shared_api: Api, literal: str, path: str, field: str) -> None:
    api = shared_api
    before = api.counts()
    body = _edit(_body(api), path, "@@")
    raw = json.dumps(body).replace('"@@"', literal).encode()
    headers = {**api.auth("israel"), "Content-Type": "application/json"}
    r = api.client.post("/v1/intents", content=raw, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(field), r.json()
    assert api.counts() == before


# --- property-based: mutated filings never get a 5xx ----------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**66), 2**66)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    )
    for k, v in items:
        out += _paths(v, (*prefix, k))
    return out


@st.composite
def mutated_bodies(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """``base`` with one to three random edits: a node replaced by random JSON, or deleted."""
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        node = body
        for p in parents:
            node = node[p]
        if draw(st.integers(0, 3)) == 0:
            del node[last]
        else:
            node[last] = draw(json_values)
    return body


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_filings_never_get_a_server_error(shared_api: Api, data: st.DataObject) -> None:
    api = shared_api
    geo = {
        "type": "Feature",
        "properties": {"altitude_lower": "FL10", "altitude_upper": "FL20", **{
            k: api.volume()[k]["value"] for k in ("time_start", "time_end")}},
        "geometry": {"type": "Polygon", "coordinates": [[[35, 33], [35.1, 33], [35.1, 33.1], [35, 33]]]},
    }  # fmt: skip
    base = data.draw(st.sampled_from([_body(api), {"geojson": geo, "key": ["k"]}]))
    body = data.draw(mutated_bodies(base))
    before = api.counts()
    r = api.post("israel", "/v1/intents", body, params={"dry_run": data.draw(st.booleans())})
    assert r.status_code < 500, (r.status_code, r.text, body)
    if r.status_code >= 400:
        assert r.json().get("message"), r.text
        assert api.counts() == before
        if r.status_code == 422:
            assert r.json()["field"] and r.json()["reason"]
