"""Volumes on the wire: ASTM F3548 ``Volume4D`` JSON and GeoJSON features, both ways.

Altitudes come as ``{"value": 19000, "units": "FT", "reference": "W84"}`` (units M, FT or FL;
F3548 uses M and W84) or as short strings ``"FL190"``, ``"19000 ft"``, ``"5800 m"``.  Times are
RFC 3339 strings or ``{"value": ..., "format": "RFC3339"}``.  GeoJSON positions are
``[lon, lat]``; a feature's ``properties`` carry ``altitude_lower``, ``altitude_upper``,
``time_start`` and ``time_end``.

>>> v = volume_from_f3548({
...     "volume": {
...         "outline_circle": {"center": {"lat": 35.9, "lng": 36.0},
...                            "radius": {"value": 2, "units": "NM"}},
...         "altitude_lower": "FL150", "altitude_upper": {"value": 6000, "units": "M"}},
...     "time_start": "2015-11-24T07:00:00Z", "time_end": "2015-11-24T08:00:00Z"})
>>> round(v.alt_lower_m), v.outline.circle.radius_m
(4572, 3704.0)
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from skyaccord.errors import ValidationError
from skyaccord.geo.validate import (
    Limits,
    check_band,
    check_finite,
    check_lat,
    check_lon,
    check_outline,
    check_volume,
    check_window,
    outline_from_vertices,
)
from skyaccord.geo.volumes import Outline, Volume4D, circle_outline
from skyaccord.timefmt import format_time, parse_time
from skyaccord.units import FLIGHT_LEVEL_M, from_metres, to_metres

ALTITUDE_REFERENCES = ("W84", "AMSL", "STD")
_ALT_TEXT = re.compile(
    r"^\s*(?:FL\s*(\d{1,3})|(-?\d+(?:\.\d+)?)\s*(ft|m|feet|metres|meters))\s*$", re.I
)


def _require(obj: object, key: str, field: str) -> Any:
    if not isinstance(obj, dict):
        raise ValidationError(field, f"expected an object, got {type(obj).__name__}")
    if key not in obj:
        raise ValidationError(f"{field}.{key}" if field else key, "is required")
    return obj[key]


def parse_altitude(value: object, field: str) -> tuple[float, str]:
    """An altitude in any accepted form → (metres, reference)."""
    if isinstance(value, str):
        m = _ALT_TEXT.match(value)
        if not m:
            raise ValidationError(field, f"not an altitude: {value!r} (try 'FL190', '19000 ft')")
        if m.group(1) is not None:
            return int(m.group(1)) * FLIGHT_LEVEL_M, "STD"
        return to_metres(float(m.group(2)), m.group(3), field), "W84"
    if isinstance(value, dict):
        number = check_finite(_require(value, "value", field), f"{field}.value")
        units = _require(value, "units", field)
        if not isinstance(units, str):
            raise ValidationError(f"{field}.units", "expected a string such as 'M', 'FT' or 'FL'")
        ref = value.get("reference", "STD" if units.upper() == "FL" else "W84")
        if ref not in ALTITUDE_REFERENCES:
            raise ValidationError(
                f"{field}.reference", f"unknown reference {ref!r}; valid: W84, AMSL, STD"
            )
        return to_metres(number, units, f"{field}.units"), str(ref)
    raise ValidationError(
        field, "expected {'value', 'units', 'reference'} or a string such as 'FL190'"
    )


def parse_wire_time(value: object, field: str) -> float:
    """``"2015-11-24T07:24:05Z"`` or ``{"value": ..., "format": "RFC3339"}`` → POSIX seconds."""
    if isinstance(value, dict):
        fmt = value.get("format", "RFC3339")
        if fmt != "RFC3339":
            raise ValidationError(f"{field}.format", f"unsupported time format {fmt!r}")
        return parse_time(_require(value, "value", field), f"{field}.value")
    return parse_time(value, field)


def _circle(obj: object, field: str, limits: Limits) -> Outline:
    centre = _require(obj, "center", field)
    lat = check_lat(_require(centre, "lat", f"{field}.center"), f"{field}.center.lat")
    lon = check_lon(_require(centre, "lng", f"{field}.center"), f"{field}.center.lng")
    return _circle_at(lat, lon, _require(obj, "radius", field), f"{field}.radius", field, limits)


def _circle_at(
    lat: float, lon: float, radius: object, rf: str, field: str, limits: Limits
) -> Outline:
    """A checked circle outline; ``rf`` is the field of ``radius``, ``field`` the outline's."""
    r_value = check_finite(_require(radius, "value", rf), f"{rf}.value")
    r_units = radius.get("units", "M") if isinstance(radius, dict) else "M"
    r = to_metres(r_value, str(r_units), f"{rf}.units")
    if not r > 0:
        raise ValidationError(f"{rf}.value", "radius must be positive")
    outline = circle_outline(lat, lon, r)
    check_outline(outline, field, limits)
    return outline


def volume_from_f3548(
    obj: object, field: str = "volume4d", limits: Limits | None = None
) -> Volume4D:
    """An F3548 ``Volume4D`` object → a checked :class:`Volume4D`."""
    limits = limits or Limits()
    vol = _require(obj, "volume", field)
    vf = f"{field}.volume"
    has_poly = isinstance(vol, dict) and vol.get("outline_polygon") is not None
    has_circle = isinstance(vol, dict) and vol.get("outline_circle") is not None
    if has_poly == has_circle:
        raise ValidationError(vf, "exactly one of outline_polygon and outline_circle is required")
    if has_poly:
        verts = _require(vol["outline_polygon"], "vertices", f"{vf}.outline_polygon")
        if not isinstance(verts, list):
            raise ValidationError(f"{vf}.outline_polygon.vertices", "expected a list")
        pf = f"{vf}.outline_polygon.vertices"
        pairs = [
            (_require(p, "lat", f"{pf}[{i}]"), _require(p, "lng", f"{pf}[{i}]"))
            for i, p in enumerate(verts)
        ]
        outline = outline_from_vertices(pairs, pf, limits)
    else:
        outline = _circle(vol["outline_circle"], f"{vf}.outline_circle", limits)
    lo, ref = parse_altitude(_require(vol, "altitude_lower", vf), f"{vf}.altitude_lower")
    hi, _ = parse_altitude(_require(vol, "altitude_upper", vf), f"{vf}.altitude_upper")
    t0 = parse_wire_time(_require(obj, "time_start", field), f"{field}.time_start")
    t1 = parse_wire_time(_require(obj, "time_end", field), f"{field}.time_end")
    v = Volume4D(outline, lo, hi, t0, t1, ref)
    check_volume(v, field, limits)
    return v


def _altitude_out(metres: float, reference: str) -> dict[str, Any]:
    if reference == "STD":
        return {"value": from_metres(metres, "FL"), "units": "FL", "reference": "STD"}
    return {"value": round(metres, 3), "units": "M", "reference": reference}


def volume_to_f3548(v: Volume4D) -> dict[str, Any]:
    """A :class:`Volume4D` → F3548 JSON (circles stay circles)."""
    out: dict[str, Any]
    c = v.outline.circle
    if c is not None:
        out = {
            "outline_circle": {
                "center": {"lat": c.lat_deg, "lng": c.lon_deg},
                "radius": {"value": c.radius_m, "units": "M"},
            }
        }
    else:
        out = {
            "outline_polygon": {
                "vertices": [
                    {"lat": float(a), "lng": float(b)}
                    for a, b in zip(v.outline.lat, v.outline.lon, strict=True)
                ]
            }
        }
    out["altitude_lower"] = _altitude_out(v.alt_lower_m, v.alt_reference)
    out["altitude_upper"] = _altitude_out(v.alt_upper_m, v.alt_reference)
    return {
        "volume": out,
        "time_start": {"value": format_time(v.t_start), "format": "RFC3339"},
        "time_end": {"value": format_time(v.t_end), "format": "RFC3339"},
    }


def geojson_ring(lat: np.ndarray, lon: np.ndarray) -> list[list[float]]:
    """A closed GeoJSON ring ``[[lon, lat], ...]``, longitudes in [-180, 180].

    Edges are great-circle arcs, as everywhere in skyaccord: a ring that crosses the
    antimeridian is written as it is (e.g. 179.5 → -179.5), which spherical readers such as
    d3-geo draw correctly; it reads back unchanged.
    """
    lon_w = (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0
    pts = [[round(float(b), 8), round(float(a), 8)] for a, b in zip(lat, lon_w, strict=True)]
    return [*pts, pts[0]]


def volume_to_geojson(v: Volume4D, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """A :class:`Volume4D` → a GeoJSON Feature (Polygon) with altitude and time properties."""
    props: dict[str, Any] = {
        "altitude_lower": _altitude_out(v.alt_lower_m, v.alt_reference),
        "altitude_upper": _altitude_out(v.alt_upper_m, v.alt_reference),
        "time_start": format_time(v.t_start),
        "time_end": format_time(v.t_end),
    }
    if properties:
        props.update(properties)
    return {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [geojson_ring(v.outline.lat, v.outline.lon)],
        },
        "properties": props,
    }


def volumes_from_geojson(
    obj: object,
    field: str = "geojson",
    limits: Limits | None = None,
    defaults: dict[str, Any] | None = None,
) -> list[Volume4D]:
    """A GeoJSON Feature or FeatureCollection → volumes (one per polygon).

    Polygon holes are refused (an operation volume has none); a ``Point`` with a ``radius``
    property (``{"value": 2, "units": "NM"}``) is a circle.  ``defaults`` supplies properties
    missing from a feature (e.g. times given once for a whole file).
    """
    limits = limits or Limits()
    if not isinstance(obj, dict):
        raise ValidationError(field, "expected a GeoJSON object")
    if obj.get("type") == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list) or not feats:
            raise ValidationError(f"{field}.features", "expected a non-empty list of features")
        out: list[Volume4D] = []
        for i, f in enumerate(feats):
            out.extend(volumes_from_geojson(f, f"{field}.features[{i}]", limits, defaults))
        return out
    if obj.get("type") != "Feature":
        raise ValidationError(f"{field}.type", "expected 'Feature' or 'FeatureCollection'")
    props = dict(defaults or {})
    given_props = obj.get("properties")
    if given_props is not None and not isinstance(given_props, dict):
        raise ValidationError(f"{field}.properties", "expected an object")
    props.update(given_props or {})
    geom = _require(obj, "geometry", field)
    gf = f"{field}.geometry"
    gtype = _require(geom, "type", gf)
    coords = _require(geom, "coordinates", gf)
    outlines: list[Outline] = []
    if gtype == "Point":
        radius = props.get("radius")
        if radius is None:
            raise ValidationError(f"{field}.properties.radius", "a Point needs a radius")
        lon_raw, lat_raw = _pos(coords, f"{gf}.coordinates")
        lat = check_lat(lat_raw, f"{gf}.coordinates[1]")
        lon = check_lon(lon_raw, f"{gf}.coordinates[0]")
        outlines.append(_circle_at(lat, lon, radius, f"{field}.properties.radius", gf, limits))
    elif gtype in ("Polygon", "MultiPolygon"):
        polys = [coords] if gtype == "Polygon" else coords
        if not isinstance(polys, list) or not polys:
            raise ValidationError(f"{gf}.coordinates", "expected a non-empty list")
        for i, rings in enumerate(polys):
            pf = f"{gf}.coordinates" + (f"[{i}]" if gtype == "MultiPolygon" else "")
            if not isinstance(rings, list) or not rings:
                raise ValidationError(pf, "expected a list of rings")
            if len(rings) > 1:
                raise ValidationError(f"{pf}[1]", "holes are not supported in a volume")
            ring = rings[0]
            if not isinstance(ring, list):
                raise ValidationError(f"{pf}[0]", "expected a list of positions")
            pts = [_pos(p, f"{pf}[0][{j}]") for j, p in enumerate(ring)]
            outlines.append(
                outline_from_vertices([(b, a) for a, b in pts], f"{pf}[0]", limits, ("[1]", "[0]"))
            )
    else:
        raise ValidationError(
            f"{gf}.type", f"unsupported geometry {gtype!r}; use Polygon, MultiPolygon or Point"
        )
    pf = f"{field}.properties"
    lo, ref = parse_altitude(_require(props, "altitude_lower", pf), f"{pf}.altitude_lower")
    hi, _ = parse_altitude(_require(props, "altitude_upper", pf), f"{pf}.altitude_upper")
    t0 = parse_wire_time(_require(props, "time_start", pf), f"{pf}.time_start")
    t1 = parse_wire_time(_require(props, "time_end", pf), f"{pf}.time_end")
    check_band(lo, hi, f"{pf}.altitude_lower", f"{pf}.altitude_upper", limits)
    check_window(t0, t1, f"{pf}.time_start", f"{pf}.time_end", limits)
    return [Volume4D(o, lo, hi, t0, t1, ref) for o in outlines]  # outlines checked above


def _pos(p: object, field: str) -> tuple[object, object]:
    if not isinstance(p, list | tuple) or len(p) < 2:
        raise ValidationError(field, "expected a position [lon, lat]")
    return p[0], p[1]
