"""Building protected airspace from outlines: GeoJSON features and country borders.

Large outlines (countries) are cut into tiles of at most :data:`TILE_DEG` degrees so that every
volume stays within the geometry core's size limit and look-ups stay tight.  Cuts along parallels
are densified every :data:`DENSIFY_DEG` degrees so that the great-circle edges of the tiles follow
the parallel to within a metre.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Final

import numpy as np
import shapely

from skyaccord.airspace.borders import load_country
from skyaccord.airspace.model import (
    ALWAYS_END,
    ALWAYS_START,
    AirspaceKind,
    ProtectedAirspace,
    check_id,
)
from skyaccord.errors import ValidationError
from skyaccord.geo.validate import Limits, check_lat, check_lon, check_volume
from skyaccord.geo.volumes import F64, Volume4D, polygon_outline
from skyaccord.geo.wire import parse_altitude, parse_wire_time, volumes_from_geojson
from skyaccord.timefmt import format_time

TILE_DEG: Final = 5.0
DENSIFY_DEG: Final = 0.05
AIRSPACE_LIMITS: Final = Limits(
    max_area_m2=5.0e12, min_area_m2=1.0, max_duration_s=math.inf, max_vertices=500_000
)


def tiles_of_polygon(
    lon: F64, lat: F64, holes: Sequence[tuple[F64, F64]] = ()
) -> list[tuple[F64, F64]]:
    """A lon/lat polygon (no antimeridian jump) → hole-free pieces no wider than a tile.

    Holes are cut out exactly: pieces are taken from the polygon minus its holes, then made
    hole-free by splitting along tile lines, which always separates a hole from its shell.
    """
    poly = shapely.Polygon(
        np.column_stack([lon, lat]), [np.column_stack([h[0], h[1]]) for h in holes]
    )
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
    minx, miny, maxx, maxy = poly.bounds
    step = TILE_DEG if (maxx - minx > TILE_DEG or maxy - miny > TILE_DEG or holes) else None
    pieces: list[shapely.Polygon] = []
    if step is None:
        pieces = [p for p in shapely.get_parts(poly) if isinstance(p, shapely.Polygon)]
    else:
        xs = np.arange(math.floor(minx / step) * step, maxx + step, step)
        ys = np.arange(math.floor(miny / step) * step, maxy + step, step)
        for x0 in xs:
            for y0 in ys:
                part = shapely.clip_by_rect(poly, x0, y0, x0 + step, y0 + step)
                pieces.extend(_hole_free(part))
    out: list[tuple[F64, F64]] = []
    for p in pieces:
        if p.is_empty or p.area <= 0:
            continue
        q = shapely.segmentize(p, DENSIFY_DEG) if step is not None else p
        xy = np.asarray(q.exterior.coords)[:-1]
        out.append((xy[:, 0].copy(), xy[:, 1].copy()))
    return out


def _hole_free(geom: shapely.Geometry) -> list[shapely.Polygon]:
    parts = [
        p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and not p.is_empty
    ]
    out: list[shapely.Polygon] = []
    for p in parts:
        if not p.interiors:
            out.append(p)
            continue
        # Split through the first hole's centroid; recursion ends as every split removes holes.
        hx = shapely.centroid(shapely.Polygon(p.interiors[0])).x
        minx, miny, maxx, maxy = p.bounds
        left = shapely.clip_by_rect(p, minx - 1, miny - 1, hx, maxy + 1)
        right = shapely.clip_by_rect(p, hx, miny - 1, maxx + 1, maxy + 1)
        out.extend(_hole_free(left))
        out.extend(_hole_free(right))
    return out


def _band(props: dict[str, Any], field: str) -> tuple[float, float, str]:
    lo, ref = parse_altitude(props.get("altitude_lower", "0 m"), f"{field}.altitude_lower")
    hi, _ = parse_altitude(props.get("altitude_upper", "FL660"), f"{field}.altitude_upper")
    return lo, hi, ref


def _window(props: dict[str, Any], field: str) -> tuple[float, float]:
    t0 = props.get("time_start")
    t1 = props.get("time_end")
    return (
        ALWAYS_START if t0 is None else parse_wire_time(t0, f"{field}.time_start"),
        ALWAYS_END if t1 is None else parse_wire_time(t1, f"{field}.time_end"),
    )


def volumes_from_rings(
    rings: Iterable[tuple[F64, F64]],
    lo: float,
    hi: float,
    t0: float,
    t1: float,
    ref: str,
    field: str,
) -> tuple[Volume4D, ...]:
    """Hole-free (lon, lat) rings → checked volumes sharing one altitude band and window."""
    vols = []
    for i, (lon, lat) in enumerate(rings):
        v = Volume4D(polygon_outline(lat, lon), lo, hi, t0, t1, ref)
        check_volume(v, f"{field}[{i}]", AIRSPACE_LIMITS)
        vols.append(v)
    if not vols:
        raise ValidationError(field, "no area left after cutting")
    return tuple(vols)


def country_airspace(
    code: str,
    owner: str,
    *,
    source: str = "auto",
    airspace_id: str | None = None,
    altitude_lower: object = "0 m",
    altitude_upper: object = "FL660",
    now: float = 0.0,
) -> ProtectedAirspace:
    """Sovereign airspace of a country from installed border data, owned by ``owner``."""
    outline = load_country(code, source)
    lo, ref = parse_altitude(altitude_lower, "altitude_lower")
    hi, _ = parse_altitude(altitude_upper, "altitude_upper")
    rings: list[tuple[F64, F64]] = []
    for poly in outline.polygons:
        (olat, olon), *holes = poly
        rings.extend(tiles_of_polygon(olon, olat, [(h[1], h[0]) for h in holes]))
    aid = check_id(airspace_id or f"{outline.iso_a3.lower()}-{outline.source}", "id")
    return ProtectedAirspace(
        id=aid,
        owner=owner,
        kind=AirspaceKind.SOVEREIGN,
        name=f"{outline.name} ({outline.source})",
        volumes=volumes_from_rings(rings, lo, hi, ALWAYS_START, ALWAYS_END, ref, "country"),
        source=f"{outline.source}:{outline.iso_a3}",
        created_at=now,
        properties={"iso_a2": outline.iso_a2, "iso_a3": outline.iso_a3},
    )


def airspace_from_geojson(
    obj: object, owner: str, *, now: float = 0.0, field: str = "geojson"
) -> list[ProtectedAirspace]:
    """GeoJSON Feature(Collection) → protected airspace, one per feature.

    Feature properties: ``id`` and ``name`` (required), ``kind`` (sovereign, buffer, restricted,
    reservation; default restricted), ``altitude_lower``/``altitude_upper`` (default surface to
    FL660), ``time_start``/``time_end`` (default: permanent).
    """
    if not isinstance(obj, dict):
        raise ValidationError(field, "expected a GeoJSON object")
    feats = obj.get("features") if obj.get("type") == "FeatureCollection" else [obj]
    if not isinstance(feats, list) or not feats:
        raise ValidationError(f"{field}.features", "expected a non-empty list of features")
    out = []
    for i, f in enumerate(feats):
        ff = f"{field}.features[{i}]" if obj.get("type") == "FeatureCollection" else field
        if not isinstance(f, dict):
            raise ValidationError(ff, "expected a Feature")
        raw_props = f.get("properties") or {}
        if not isinstance(raw_props, dict):
            raise ValidationError(f"{ff}.properties", "expected an object")
        props = dict(raw_props)
        aid = check_id(props.get("id", f.get("id")), f"{ff}.properties.id")
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"{ff}.properties.name", "is required")
        try:
            kind = AirspaceKind(props.get("kind", "restricted"))
        except ValueError:
            valid = ", ".join(k.value for k in AirspaceKind)
            raise ValidationError(f"{ff}.properties.kind", f"must be one of {valid}") from None
        lo, hi, ref = _band(props, f"{ff}.properties")
        t0, t1 = _window(props, f"{ff}.properties")
        geom = f.get("geometry")
        gtype = geom.get("type") if isinstance(geom, dict) else None
        if isinstance(geom, dict) and gtype in ("Polygon", "MultiPolygon"):
            vols = _polygon_volumes(geom, lo, hi, t0, t1, ref, f"{ff}.geometry")
        else:
            defaults = {
                "altitude_lower": {"value": lo, "units": "M", "reference": ref},
                "altitude_upper": {"value": hi, "units": "M", "reference": ref},
                "time_start": format_time(t0),
                "time_end": format_time(t1),
            }
            clean = {**f, "properties": {k: v for k, v in props.items() if k == "radius"}}
            vols = tuple(volumes_from_geojson(clean, ff, AIRSPACE_LIMITS, defaults))
        extra = {k: v for k, v in props.items() if k not in ("id", "name", "kind")}
        out.append(ProtectedAirspace(aid, owner, kind, name.strip(), vols, "geojson", now, extra))
    ids = [a.id for a in out]
    if len(set(ids)) != len(ids):
        raise ValidationError(f"{field}.features", "feature ids must be unique")
    return out


def _polygon_volumes(
    geom: dict[str, Any], lo: float, hi: float, t0: float, t1: float, ref: str, field: str
) -> tuple[Volume4D, ...]:
    polys = geom.get("coordinates")
    if geom["type"] == "Polygon":
        polys = [polys]
    if not isinstance(polys, list) or not polys:
        raise ValidationError(f"{field}.coordinates", "expected a non-empty list")
    rings: list[tuple[F64, F64]] = []
    for i, poly in enumerate(polys):
        pf = f"{field}.coordinates" + (f"[{i}]" if geom["type"] == "MultiPolygon" else "")
        if not isinstance(poly, list) or not poly:
            raise ValidationError(pf, "expected a list of rings")
        parsed = [_ring(r, f"{pf}[{j}]") for j, r in enumerate(poly)]
        rings.extend(tiles_of_polygon(parsed[0][0], parsed[0][1], parsed[1:]))
    return volumes_from_rings(rings, lo, hi, t0, t1, ref, field)


def _ring(ring: object, field: str) -> tuple[F64, F64]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(field, "a ring needs at least 4 positions (closed)")
    lon = np.empty(len(ring))
    lat = np.empty(len(ring))
    for k, p in enumerate(ring):
        if not isinstance(p, list | tuple) or len(p) < 2:
            raise ValidationError(f"{field}[{k}]", "expected a position [lon, lat]")
        lon[k] = check_lon(p[0], f"{field}[{k}][0]")
        lat[k] = check_lat(p[1], f"{field}[{k}][1]")
    return lon, lat
