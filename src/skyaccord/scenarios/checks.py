"""Measuring a scripted path against an outline: when it is inside, for how long, how deep.

Used to design and check scenarios against the border data (e.g. the Su-24 paths of
``yayladagi-2015`` against Turkey: inside for about 17 s, about 2 km deep).  The measure is
horizontal (altitude is not looked at) and exact to the sampling:

* the outline's polygons near the path are cut to the path's bounding box widened by
  :data:`CLIP_MARGIN_DEG` and put in a gnomonic plane about the path, where their edges, great
  circles on the sphere as everywhere in skyaccord, are straight;
* the path is sampled every ``step_s``; each change between outside and inside is refined by
  bisection on the exact path to :data:`TIME_TOLERANCE_S`;
* depth is the great-circle distance from a position inside to the nearest point of the
  outline's boundary (plane distances are within 10⁻⁵ of sphere distances at these ranges);
  a depth greater than the clip margin (about 100 km) would be under-reported.

Run as a module to print the figures of a scenario's aircraft against a country, for each
installed source (times in UTC, played at the scenario's epoch)::

    python -m skyaccord.scenarios.checks yayladagi-2015 --country TR --source dcw --source ne10m

Examples
--------
>>> from skyaccord.scenarios.loader import Scenario
>>> from skyaccord.scenarios.traffic import parse_traffic
>>> sc = Scenario("s", None, {"parties": [{"id": "a"}], "traffic": {"aircraft": [
...     {"track_id": "a/1", "party": "a", "path": [
...         {"at": "+0s", "lat": 0.0, "lon": -0.1, "alt": "0 m"},
...         {"at": "+100s", "lat": 0.0, "lon": 0.1, "alt": "0 m"}]}]}})
>>> square = [[(np.array([-0.05, -0.05, 0.05, 0.05]), np.array([-0.05, 0.05, 0.05, -0.05]))]]
>>> r = path_in_polygons(parse_traffic(sc).aircraft[0], square)
>>> round(r.inside_s, 3), round(r.max_depth_m), [(round(a, 3), round(b, 3)) for a, b in r.intervals]
(50.0, 5560, [(25.0, 75.0)])
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray

from skyaccord.airspace.borders import Ring, load_country
from skyaccord.errors import SkyaccordError, ValidationError
from skyaccord.geo.frames import EARTH_RADIUS_M, destination, gnomonic_forward, unit_vectors
from skyaccord.scenarios.loader import Scenario, load, read_geojson
from skyaccord.scenarios.traffic import ScriptedAircraft, parse_traffic
from skyaccord.timefmt import format_time
from skyaccord.units import to_metres

__all__ = [
    "CLIP_MARGIN_DEG",
    "PathInArea",
    "path_in_country",
    "path_in_polygons",
    "scenario_area_polygons",
]

F64 = NDArray[np.float64]
Polygons = Sequence[Sequence[Ring]]
"""Polygons as :class:`~skyaccord.airspace.borders.CountryOutline` has them: per polygon
``[outer, *holes]``, each ring ``(lat_deg, lon_deg)`` arrays, open."""

CLIP_MARGIN_DEG: Final = 1.0
CIRCLE_VERTICES: Final = 360
"""Vertices of the polygon standing for a circular area (a chord error under 0.004 %)."""
TIME_TOLERANCE_S: Final = 1e-4


@dataclass(frozen=True)
class PathInArea:
    """How a scripted path meets an area.  Times are offsets (s) from the script's base.

    ``intervals``: (entry, exit) of each stay inside, in order (an exit at the end of the
    path means it ends inside); ``inside_s``: their total duration; ``max_depth_m``: greatest
    distance from the boundary while inside (0 if never inside) and ``deepest_s`` when;
    ``min_depth_m``: smallest such distance among the samples inside (NaN if never inside).
    """

    track_id: str
    intervals: tuple[tuple[float, float], ...]
    inside_s: float
    max_depth_m: float
    deepest_s: float
    min_depth_m: float

    @property
    def entered(self) -> bool:
        return bool(self.intervals)


def path_in_polygons(
    aircraft: ScriptedAircraft, polygons: Polygons, *, step_s: float = 0.05
) -> PathInArea:
    """Measure ``aircraft``'s path against ``polygons`` (see :data:`Polygons`)."""
    if not step_s > 0:
        raise ValidationError("step_s", "must be positive")
    t0, t1 = aircraft.t_start, aircraft.t_end
    n = max(2, math.ceil((t1 - t0) / step_s) + 1)
    t = np.unique(np.concatenate([np.linspace(t0, t1, n), [w.t_s for w in aircraft.waypoints]]))
    st = aircraft.states(t)
    centre = unit_vectors(st.lat_deg, st.lon_deg).mean(axis=0)
    centre /= np.linalg.norm(centre)
    area = _plane_area(polygons, st.lat_deg, st.lon_deg, centre)
    if area is None:
        return PathInArea(aircraft.track_id, (), 0.0, 0.0, math.nan, math.nan)

    def inside(times: F64) -> NDArray[np.bool_]:
        s = aircraft.states(times)
        xy = _plane(s.lat_deg, s.lon_deg, centre)
        return np.asarray(shapely.contains_xy(area, xy[:, 0], xy[:, 1]), dtype=bool)

    mask = inside(t)
    change = np.flatnonzero(mask[1:] != mask[:-1])
    lo, hi = t[change].copy(), t[change + 1].copy()
    lo_in = mask[change]
    while lo.size and np.max(hi - lo) > TIME_TOLERANCE_S:
        mid = 0.5 * (lo + hi)
        same = inside(mid) == lo_in
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    edges = 0.5 * (lo + hi)
    starts = list(edges[~lo_in])
    ends = list(edges[lo_in])
    if mask[0]:
        starts.insert(0, float(t0))
    if mask[-1]:
        ends.append(float(t1))
    intervals = tuple((float(a), float(b)) for a, b in zip(starts, ends, strict=True))
    if not mask.any():
        return PathInArea(aircraft.track_id, intervals, 0.0, 0.0, math.nan, math.nan)
    xy = _plane(st.lat_deg[mask], st.lon_deg[mask], centre)
    depth = shapely.distance(area.boundary, shapely.points(xy))
    k = int(np.argmax(depth))
    return PathInArea(
        aircraft.track_id,
        intervals,
        float(sum(b - a for a, b in intervals)),
        float(depth[k]),
        float(t[mask][k]),
        float(np.min(depth)),
    )


def path_in_country(
    aircraft: ScriptedAircraft, country: str, source: str = "auto", *, step_s: float = 0.05
) -> PathInArea:
    """Measure ``aircraft``'s path against a country outline from installed border data."""
    return path_in_polygons(aircraft, load_country(country, source).polygons, step_s=step_s)


def scenario_area_polygons(scenario: Scenario, airspace_id: str) -> list[list[Ring]]:
    """The polygons of a GeoJSON airspace feature of the scenario, by its ``id`` (a circle,
    a Point with a ``radius``, as a polygon of :data:`CIRCLE_VERTICES` vertices)."""
    for entry in scenario.data.get("airspace", []):
        if not isinstance(entry, dict) or "country" in entry:
            continue
        obj = read_geojson(entry, scenario)
        feats = obj.get("features", []) if obj.get("type") == "FeatureCollection" else [obj]
        for f in feats:
            props = f.get("properties") or {}
            if props.get("id", f.get("id")) == airspace_id:
                return _geojson_polygons(f.get("geometry") or {}, props, airspace_id)
    raise ValidationError("airspace", f"no GeoJSON airspace {airspace_id!r} in the scenario")


def _geojson_polygons(
    geometry: dict[str, Any], props: dict[str, Any], airspace_id: str
) -> list[list[Ring]]:
    kind = geometry.get("type")
    coords: Any = geometry.get("coordinates") or []
    if kind == "Point" and isinstance(props.get("radius"), dict):
        radius = props["radius"]
        metres = to_metres(float(radius["value"]), str(radius["units"]), "radius")
        bearings = np.arange(0.0, 360.0, 360.0 / CIRCLE_VERTICES)
        lat, lon = destination(float(coords[1]), float(coords[0]), bearings, metres)
        return [[(lat, lon)]]
    if kind == "Polygon":
        polys: list[Any] = [coords]
    elif kind == "MultiPolygon":
        polys = list(coords)
    else:
        raise ValidationError("airspace", f"{airspace_id!r} is a {kind}, not a (multi)polygon")
    out = []
    for poly in polys:
        rings = []
        for ring in poly:
            xy = np.asarray(ring, dtype=np.float64)[:-1]
            rings.append((xy[:, 1].copy(), xy[:, 0].copy()))
        out.append(rings)
    return out


def _plane(lat: F64, lon: F64, centre: F64) -> F64:
    return np.asarray(gnomonic_forward(unit_vectors(lat, lon), centre) * EARTH_RADIUS_M)


def _plane_area(polygons: Polygons, lat: F64, lon: F64, centre: F64) -> Any:
    """The polygons near the path, cut and put in the path's gnomonic plane (metres)."""
    box = shapely.box(
        float(lon.min()) - CLIP_MARGIN_DEG,
        float(lat.min()) - CLIP_MARGIN_DEG,
        float(lon.max()) + CLIP_MARGIN_DEG,
        float(lat.max()) + CLIP_MARGIN_DEG,
    )
    parts = []
    for poly in polygons:
        (olat, olon), *holes = poly
        shell = shapely.Polygon(
            np.column_stack([olon, olat]), [np.column_stack([h[1], h[0]]) for h in holes]
        )
        if not shell.intersects(box):
            continue
        for piece in shapely.get_parts(shapely.intersection(shell, box)):
            if isinstance(piece, shapely.Polygon) and not piece.is_empty:
                parts.append(piece)
    if not parts:
        return None
    projected = []
    for piece in parts:
        rings = [piece.exterior, *piece.interiors]
        xy = [np.asarray(r.coords, dtype=np.float64) for r in rings]
        plane = [_plane(r[:, 1], r[:, 0], centre) for r in xy]
        projected.append(shapely.Polygon(plane[0], plane[1:]))
    area = shapely.union_all(projected)
    shapely.prepare(area)
    return area


# --- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Print, for each aircraft of a scenario, its stays inside a country per border source."""
    parser = argparse.ArgumentParser(
        prog="python -m skyaccord.scenarios.checks",
        description="Time inside and depth of a scenario's scripted paths against a country.",
    )
    parser.add_argument("scenario", help="built-in scenario name or YAML file")
    parser.add_argument("--country", required=True, help="ISO code, e.g. TR")
    parser.add_argument(
        "--source", action="append", help="border source (repeatable; default: auto)"
    )
    parser.add_argument("--track", action="append", help="track id (repeatable; default: all)")
    parser.add_argument("--step", type=float, default=0.05, help="sampling step, s")
    args = parser.parse_args(argv)
    try:
        sc = load(args.scenario)
        traffic = parse_traffic(sc)
        base = sc.epoch or 0.0
        aircraft = [traffic.by_track(t) for t in args.track] if args.track else traffic.aircraft
        print(f"{sc.name}: paths against {args.country.upper()}")
        for source in args.source or ["auto"]:
            outline = load_country(args.country, source)
            for a in aircraft:
                r = path_in_polygons(a, outline.polygons, step_s=args.step)
                stays = ", ".join(
                    f"{format_time(base + t_in)} → {format_time(base + t_out)}"
                    for t_in, t_out in r.intervals
                )
                print(
                    f"  [{outline.source}] {a.track_id}: inside {r.inside_s:.1f} s, "
                    f"max depth {r.max_depth_m / 1000:.2f} km"
                    + (f" at {format_time(base + r.deepest_s)}" if r.entered else "")
                    + (f"; {stays}" if stays else "; never inside")
                )
    except SkyaccordError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
