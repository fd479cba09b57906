"""Country outlines for protected sovereign airspace, read offline from installed data packages.

Sources, best first (see ``DESIGN.md``, "Offline data"):

=========  ==========================================================  ==========================
source     data                                                        installed by
=========  ==========================================================  ==========================
``dcw``    Digital Chart of the World 1:1M (DCW-GMT netCDF-4/HDF5)     ``apt-get install gmt-dcw``
``ne10m``  Natural Earth 1:10m admin-0 countries, TopoJSON             npm ``world-atlas@2.0.2``
``ne50m``  Natural Earth 1:50m                                         npm ``world-atlas@2.0.2``
``ne110m`` Natural Earth 1:110m                                        npm ``world-atlas@2.0.2``
=========  ==========================================================  ==========================

``scripts/install-data.sh`` installs both.  Nothing is downloaded at run time.

Coordinates are WGS84 latitude and longitude in degrees, longitudes in [-180, 180].  A ring is
``(lat_deg, lon_deg)``, two read-only float64 arrays, open (the first vertex is not repeated);
outer rings run counter-clockwise and holes clockwise in the (lon, lat) plane.

No simplification is applied: every vertex of the source is kept, except exact consecutive
duplicates.  Rings that bound no area are dropped: those left with fewer than three distinct
vertices or zero area (DCW has islets collapsed onto one grid line by its quantization), and
circles round a pole within 0.01° of it (an artefact of world-atlas's stitching, see below).
The sources themselves are quantized, which bounds their resolution:

* DCW stores each country on a 16-bit grid spanning its bounding box (Turkey: 0.00029° of
  longitude by 0.0001° of latitude, about 26 m by 11 m; Russia: 0.0026° of longitude, about
  150 m at 60°N).
* world-atlas stores every file on a 10⁵ × 10⁵ grid over the world (0.0036° of longitude by
  0.0017° of latitude, about 320 m by 190 m at 36°N), and its build may have simplified lines.

Antimeridian
------------
Rings are first made continuous in longitude (each step taken modulo 360° to the shorter way),
which removes the 360° jumps that world-atlas has (its build stitched Natural Earth's ±180° cuts
back together) and reads DCW's continuous 0–360° longitudes as they are.  A polygon that then
extends beyond [-180, 180] (Russia's Chukotka, Fiji, Wrangel Island) is cut at ±180° with
:func:`shapely.clip_by_rect` and each piece shifted back by 360°: the pieces are returned as
separate polygons, which is correct (their edges on ±180° are cuts, not borders).  A ring that
goes once around a pole (Antarctica) is closed through that pole before the cut, so such a
polygon has an edge along latitude ±90° (the pole itself), the one edge allowed to span more
than 180° of longitude.

Caching
-------
Parsed files and decoded countries are cached (:func:`functools.lru_cache`) by path and
modification time; the arrays are read-only, so an outline may be shared.

Errors
------
An unknown country code or source raises :class:`~skyaccord.errors.ValidationError`
(field ``country`` or ``source``); a source that is not installed, or a country that a source
does not have, raises :class:`~skyaccord.errors.NotFound` naming the package to install.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import pycountry
import shapely
from numpy.typing import NDArray

from skyaccord.errors import NotFound, SkyaccordError, ValidationError

__all__ = [
    "DCW_PATHS",
    "SOURCES",
    "CountryOutline",
    "Ring",
    "available_sources",
    "data_paths",
    "load_country",
]

F64 = NDArray[np.float64]
Ring = tuple[F64, F64]
"""(lat_deg, lon_deg): an open ring, the first vertex not repeated."""

SOURCES: Final = ("dcw", "ne10m", "ne50m", "ne110m")
"""Every source, most accurate first; ``"auto"`` picks the first one installed."""

DCW_PATHS: Final = (
    Path("/usr/share/gmt-dcw/dcw-gmt.nc"),
    Path("/usr/share/gmt/dcw/dcw-gmt.nc"),
    Path("/usr/local/share/gmt-dcw/dcw-gmt.nc"),
    Path("/usr/local/share/gmt/dcw/dcw-gmt.nc"),
)
"""Where Debian's ``gmt-dcw`` (and GMT's own layout) put the DCW file."""

_NE_FILES: Final = {
    "ne10m": "countries-10m.json",
    "ne50m": "countries-50m.json",
    "ne110m": "countries-110m.json",
}
_INSTALL: Final = {
    "dcw": "install the Debian package gmt-dcw (apt-get install gmt-dcw, or run "
    "scripts/install-data.sh), or set SKYACCORD_DCW to the path of dcw-gmt.nc",
    "ne": "install the npm package world-atlas@2.0.2 (npm ci at the repository root, or run "
    "scripts/install-data.sh), or set SKYACCORD_WORLD_ATLAS to its directory",
}
# Codes outside ISO 3166-1 that the sources use: user-assigned, as the EU and IMF use them.
# Natural Earth gives such features no id, so they are found by name there.
_EXTRA_CODES: Final = {"XK": ("XK", "XKX", "", "Kosovo")}  # alpha-2, alpha-3, numeric, name
_DCW_SEPARATOR: Final = 65535  # a longitude code of 65535 starts a new ring
_DCW_HOLE: Final = 1  # ... and its latitude code is 1 if that ring is a hole
_LON_EPS: Final = 1e-9  # degrees
_POLE_CIRCLE_DEG: Final = 0.01  # a ring round a pole within this of it is a stitching artefact


@dataclass(frozen=True, eq=False)
class CountryOutline:
    """The territory of one country as polygons on the WGS84 ellipsoid (degrees).

    ``polygons`` holds ``[outer ring, *holes]`` per polygon; each ring is ``(lat_deg, lon_deg)``,
    open, outer rings counter-clockwise and holes clockwise in the (lon, lat) plane, longitudes
    in [-180, 180].  ``source`` is ``"dcw"``, ``"ne10m"``, ``"ne50m"`` or ``"ne110m"``.
    Equality is identity (the rings are arrays).
    """

    iso_a2: str
    iso_a3: str
    name: str
    source: str
    polygons: list[list[Ring]]

    @property
    def n_vertices(self) -> int:
        """Number of vertices over all rings."""
        return sum(len(lat) for polygon in self.polygons for lat, _ in polygon)


def data_paths() -> dict[str, Path | None]:
    """The data file of each source (keys: :data:`SOURCES`), or ``None`` if not installed.

    DCW: ``$SKYACCORD_DCW`` if set (and then only there), else the first of :data:`DCW_PATHS`
    that exists.  Natural Earth: in ``$SKYACCORD_WORLD_ATLAS`` if set (and then only there), else
    in the first ``node_modules/world-atlas`` found walking up from this package's directory,
    then from the current directory.

    Examples
    --------
    >>> sorted(data_paths())
    ['dcw', 'ne10m', 'ne110m', 'ne50m']
    """
    paths: dict[str, Path | None] = {"dcw": _dcw_path()}
    atlas = _world_atlas_dir()
    for source, filename in _NE_FILES.items():
        path = atlas / filename if atlas is not None else None
        paths[source] = path if path is not None and path.is_file() else None
    return paths


def available_sources() -> list[str]:
    """The installed sources, most accurate first (a subset of :data:`SOURCES`).

    Examples
    --------
    >>> set(available_sources()) <= {"dcw", "ne10m", "ne50m", "ne110m"}
    True
    """
    paths = data_paths()
    return [source for source in SOURCES if paths[source] is not None]


def load_country(code: str, source: str = "auto") -> CountryOutline:
    """The outline of a country, by ISO 3166-1 alpha-2, alpha-3 or numeric code.

    Parameters
    ----------
    code
        ``"TR"``, ``"TUR"`` or ``"792"`` (case and surrounding blanks ignored; ``"XK"``/``"XKX"``
        for Kosovo, which has no ISO code).
    source
        ``"dcw"``, ``"ne10m"``, ``"ne50m"``, ``"ne110m"``, or ``"auto"``: the first installed
        source, in that order, that has the country (the result's ``source`` says which).

    Raises
    ------
    ValidationError
        ``country`` for an unknown code, ``source`` for an unknown source.
    NotFound
        The source is not installed (the message says which package to install), or it has no
        outline for this country.

    Examples
    --------
    >>> tr = load_country("tur")
    >>> tr.iso_a2, tr.iso_a3, tr.source in available_sources()
    ('TR', 'TUR', True)
    """
    a2, a3, numeric, name = _resolve_code(code)
    if source == "auto":
        installed = available_sources()
        if not installed:
            raise NotFound(
                f"no country-border data is installed: {_INSTALL['dcw']}; or {_INSTALL['ne']}"
            )
        for candidate in installed:
            try:
                return _load(a2, a3, numeric, name, candidate)
            except NotFound:
                continue
        raise NotFound(
            f"country {a2}: no outline in the installed sources ({', '.join(installed)})"
        )
    if source not in SOURCES:
        valid = ", ".join(("auto", *SOURCES))
        raise ValidationError("source", f"unknown source {source!r}; valid: {valid}")
    return _load(a2, a3, numeric, name, source)


# --- codes and paths ---------------------------------------------------------------------


def _resolve_code(code: str) -> tuple[str, str, str, str]:
    """ISO code → (alpha-2, alpha-3, numeric, name); :class:`ValidationError` if unknown."""
    key = str(code).strip().upper()
    for extra in _EXTRA_CODES.values():
        if key in extra[:2]:
            return extra
    country: Any = None
    if key.isdigit() and len(key) <= 3:
        country = pycountry.countries.get(numeric=key.zfill(3))
    elif len(key) == 2 and key.isalpha():
        country = pycountry.countries.get(alpha_2=key)
    elif len(key) == 3 and key.isalpha():
        country = pycountry.countries.get(alpha_3=key)
    if country is None:
        raise ValidationError(
            "country",
            f"unknown country code {code!r}: expected ISO 3166-1 alpha-2, alpha-3 or numeric",
        )
    name = getattr(country, "common_name", None) or country.name
    return str(country.alpha_2), str(country.alpha_3), str(country.numeric), str(name)


def _dcw_path() -> Path | None:
    env = os.environ.get("SKYACCORD_DCW")
    candidates = (Path(env),) if env else DCW_PATHS
    return next((path for path in candidates if path.is_file()), None)


def _world_atlas_dir() -> Path | None:
    env = os.environ.get("SKYACCORD_WORLD_ATLAS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for directory in (start, *start.parents):
            candidate = directory / "node_modules" / "world-atlas"
            if candidate.is_dir():
                return candidate
    return None


def _load(a2: str, a3: str, numeric: str, name: str, source: str) -> CountryOutline:
    path = data_paths()[source]
    if path is None:
        package = _INSTALL["dcw" if source == "dcw" else "ne"]
        raise NotFound(f"source {source!r} is not installed: {package}")
    key = (str(path), path.stat().st_mtime_ns)
    if source == "dcw":
        polygons = _dcw_country(*key, a2)
    else:
        ne_name = next((extra[3] for extra in _EXTRA_CODES.values() if extra[0] == a2), "")
        polygons = _ne_country(*key, numeric, ne_name)
    if not polygons:
        raise NotFound(f"country {a2}: no outline in source {source!r} ({path})")
    # Fresh lists around shared read-only arrays: callers may edit the lists safely.
    return CountryOutline(a2, a3, name, source, [list(polygon) for polygon in polygons])


# --- DCW (netCDF-4 / HDF5) -------------------------------------------------------------------


@lru_cache(maxsize=64)
def _dcw_country(path: str, mtime_ns: int, a2: str) -> tuple[tuple[Ring, ...], ...]:
    """Decode one country of ``dcw-gmt.nc``.

    Each country ``XX`` has variables ``XX_lon`` and ``XX_lat``: uint16 codes with attributes
    ``min`` and ``scale`` such that degrees = ``min + code / scale`` (longitudes may run past
    180°, continuously).  A longitude code of 65535 starts a ring; its latitude code is 1 if the
    ring is a hole.  Holes come after all outer rings, so each is given to the smallest outer
    ring that contains it.
    """
    import h5py

    del mtime_ns  # part of the cache key only
    try:
        with h5py.File(path, "r") as nc:
            if f"{a2}_lon" not in nc:
                return ()
            xvar, yvar = nc[f"{a2}_lon"], nc[f"{a2}_lat"]
            xq = np.asarray(xvar[...], dtype=np.int64)
            yq = np.asarray(yvar[...], dtype=np.int64)
            lon0, lon_scale = _attr(xvar, "min"), _attr(xvar, "scale")
            lat0, lat_scale = _attr(yvar, "min"), _attr(yvar, "scale")
    except (OSError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise SkyaccordError(f"cannot read {a2} from the DCW file {path}: {exc}") from exc
    starts = np.flatnonzero(xq == _DCW_SEPARATOR)
    ends = np.append(starts[1:], len(xq))
    lon = lon0 + xq / lon_scale
    lat = lat0 + yq / lat_scale
    outers: list[list[tuple[F64, F64]]] = []
    holes: list[tuple[F64, F64]] = []
    for start, end in zip(starts, ends, strict=True):
        ring = _clean_ring(lon[start + 1 : end], lat[start + 1 : end])
        if ring is None:
            continue
        if yq[start] == _DCW_HOLE:
            holes.append(ring)
        else:
            outers.append([ring])
    for hole in holes:
        _attach_hole(outers, hole, a2)
    return _finish(outers)


def _attr(variable: Any, name: str) -> float:
    return float(np.ravel(variable.attrs[name])[0])


def _attach_hole(outers: list[list[tuple[F64, F64]]], hole: tuple[F64, F64], a2: str) -> None:
    x, y = float(hole[0][0]), float(hole[1][0])
    best: tuple[float, int] | None = None
    for index, polygon in enumerate(outers):
        lon, lat = polygon[0]
        if _point_in_ring(x, y, lon, lat):
            area = abs(_signed_area(lon, lat))
            if best is None or area < best[0]:
                best = (area, index)
    if best is None:
        raise SkyaccordError(f"DCW data for {a2}: a hole at ({y:.5f}, {x:.5f}) is in no outer ring")
    outers[best[1]].append(hole)


# --- Natural Earth (world-atlas TopoJSON) -----------------------------------------------------


@dataclass(frozen=True)
class _Topology:
    arcs: list[F64]  # each (n, 2): absolute lon, lat in degrees
    by_id: dict[str, list[Mapping[str, Any]]]
    by_name: dict[str, list[Mapping[str, Any]]]


@lru_cache(maxsize=4)
def _topology(path: str, mtime_ns: int) -> _Topology:
    del mtime_ns  # part of the cache key only
    try:
        with open(path, encoding="utf-8") as f:
            topo = json.load(f)
        arcs = _decode_arcs(topo)
        geometries = topo["objects"]["countries"]["geometries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SkyaccordError(f"cannot read the world-atlas file {path}: {exc}") from exc
    by_id: dict[str, list[Mapping[str, Any]]] = {}
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for geometry in geometries:
        if geometry.get("id") is not None:
            by_id.setdefault(str(geometry["id"]), []).append(geometry)
        name = (geometry.get("properties") or {}).get("name")
        if name:
            by_name.setdefault(str(name), []).append(geometry)
    return _Topology(arcs, by_id, by_name)


def _decode_arcs(topo: Mapping[str, Any]) -> list[F64]:
    """TopoJSON arcs → absolute (lon, lat) arrays.

    With a ``transform``, positions are quantized and delta-encoded: the running sum of the
    integer pairs, times ``scale``, plus ``translate``.  Without one they are absolute.
    """
    transform = topo.get("transform")
    arcs: list[F64] = []
    for arc in topo["arcs"]:
        points = np.asarray(arc, dtype=np.float64).reshape(len(arc), -1)[:, :2]  # drop any z
        if transform is not None:
            points = np.cumsum(points, axis=0) * np.asarray(transform["scale"], dtype=np.float64)
            points = points + np.asarray(transform["translate"], dtype=np.float64)
        arcs.append(points)
    return arcs


def _arc_ring(arcs: Sequence[F64], indexes: Sequence[int]) -> F64:
    """Concatenate arcs into one ring; index ``~i`` (that is ``-i - 1``) is arc ``i`` reversed.

    Consecutive arcs share their joining point, which is kept once.
    """
    pieces: list[F64] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        pieces.append(arc if not pieces else arc[1:])
    return np.concatenate(pieces) if pieces else np.empty((0, 2))


@lru_cache(maxsize=64)
def _ne_country(path: str, mtime_ns: int, numeric: str, name: str) -> tuple[tuple[Ring, ...], ...]:
    """Every (Multi)Polygon feature with ISO numeric id ``numeric`` (or, if it has none in
    Natural Earth, the given ``name``), decoded.  Several features may share an id (Australia
    and its Ashmore and Cartier Islands): their polygons are all returned."""
    topology = _topology(path, mtime_ns)
    geometries = topology.by_id.get(numeric) or (topology.by_name.get(name, []) if name else [])
    outers: list[list[tuple[F64, F64]]] = []
    for geometry in geometries:
        for polygon in _polygons_of(geometry):
            rings = [_clean_ring(*_arc_ring(topology.arcs, ring).T) for ring in polygon]
            if rings and rings[0] is not None:
                outers.append([rings[0], *(r for r in rings[1:] if r is not None)])
    return _finish(outers)


def _polygons_of(geometry: Mapping[str, Any]) -> Iterator[Sequence[Sequence[int]]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        yield geometry["arcs"]
    elif kind == "MultiPolygon":
        yield from geometry["arcs"]
    elif kind == "GeometryCollection":
        for member in geometry.get("geometries", []):
            yield from _polygons_of(member)


# --- rings: cleaning, orientation, antimeridian ----------------------------------------------


def _clean_ring(lon: F64, lat: F64, unwrap: bool = True) -> tuple[F64, F64] | None:
    """(lon, lat) → open ring without exact consecutive duplicates, longitude made continuous
    unless ``unwrap`` is false; ``None`` if fewer than three distinct vertices remain."""
    points = np.column_stack((lon, lat)).astype(np.float64)
    if len(points) > 1:
        repeated = np.zeros(len(points), dtype=bool)
        repeated[1:] = np.all(points[1:] == points[:-1], axis=1)
        points = points[~repeated]
    while len(points) > 1 and np.array_equal(points[0], points[-1]):
        points = points[:-1]
    if len(points) < 3:
        return None
    lon_out = _unwrap(points[:, 0]) if unwrap else points[:, 0].copy()
    return lon_out, points[:, 1].copy()


def _unwrap(lon: F64) -> F64:
    """Longitudes made continuous: each step taken modulo 360° into [-180, 180)."""
    steps = np.diff(lon)
    steps = (steps + 180.0) % 360.0 - 180.0
    return np.concatenate(([lon[0]], lon[0] + np.cumsum(steps)))


def _winding_turns(lon: F64) -> int:
    """How many times a continuous ring goes round the pole (0 for an ordinary ring)."""
    closing = (lon[0] - lon[-1] + 180.0) % 360.0 - 180.0
    return round(float(lon[-1] + closing - lon[0]) / 360.0)


def _signed_area(lon: F64, lat: F64) -> float:
    """Shoelace area in the (lon, lat) plane, square degrees; positive if counter-clockwise."""
    x, y = lon - lon[0], lat - lat[0]  # relative to a vertex: exact zero for collapsed rings
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _collapsed(lon: F64, lat: F64) -> bool:
    """Whether a ring bounds no area: its vertices on one line (up to rounding)."""
    extent = float(np.ptp(lon)) * float(np.ptp(lat))
    return abs(_signed_area(lon, lat)) <= 1e-9 * extent


def _point_in_ring(x: float, y: float, lon: F64, lat: F64) -> bool:
    """Even-odd rule, planar (lon, lat)."""
    lon2, lat2 = np.roll(lon, -1), np.roll(lat, -1)
    straddles = (lat > y) != (lat2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_x = lon + (y - lat) * (lon2 - lon) / (lat2 - lat)
    return bool(np.count_nonzero(straddles & (x < cross_x)) % 2)


def _close_polar(lon: F64, lat: F64, turns: int) -> tuple[F64, F64]:
    """A ring going once round a pole → a ring over 360° of longitude closed through that pole
    (the pole of the ring's hemisphere)."""
    pole = math.copysign(90.0, float(np.mean(lat)))
    end = float(lon[0]) + 360.0 * turns
    tail_lon, tail_lat = [end, end, float(lon[0])], [float(lat[0]), pole, pole]
    if lon[-1] == end and lat[-1] == lat[0]:  # the ring already repeats its start, 360° on
        tail_lon, tail_lat = tail_lon[1:], tail_lat[1:]
    return np.append(lon, tail_lon), np.append(lat, tail_lat)


def _finish(polygons: list[list[tuple[F64, F64]]]) -> tuple[tuple[Ring, ...], ...]:
    """Polygons of continuous (lon, lat) rings → oriented (lat, lon) rings in [-180, 180]."""
    result: list[tuple[Ring, ...]] = []
    for rings in polygons:
        for outer, holes in _regroup(rings):
            result.extend(_place(outer, holes))
    return tuple(result)


def _regroup(
    rings: list[tuple[F64, F64]],
) -> Iterator[tuple[tuple[F64, F64], list[tuple[F64, F64]]]]:
    """Drop circles round a pole closer than :data:`_POLE_CIRCLE_DEG` to it (world-atlas 1:50m
    gives Antarctica such a circle at 89.999°S as outer ring and its coast as a hole): they
    bound no area once a cap ring is closed through the pole.  If the outer ring was one, each
    remaining ring is a polygon of its own."""
    kept = [r for r in rings if not (_winding_turns(r[0]) and _near_pole(r[1]))]
    if len(kept) == len(rings) or (kept and kept[0] is rings[0]):
        if kept:
            yield kept[0], kept[1:]
    else:
        for ring in kept:
            yield ring, []


def _near_pole(lat: F64) -> bool:
    return bool(np.all(np.abs(lat) >= 90.0 - _POLE_CIRCLE_DEG))


def _place(outer: tuple[F64, F64], holes: list[tuple[F64, F64]]) -> Iterator[tuple[Ring, ...]]:
    """One polygon → its piece(s) within [-180, 180]; zero-area rings dropped."""
    lon, lat = outer
    turns = _winding_turns(lon)
    if turns:
        lon, lat = _close_polar(lon, lat, turns)
    if _collapsed(lon, lat):
        return
    # Bring the holes next to their outer ring (they may be 360° off after unwrapping).
    centre = 0.5 * (float(lon.min()) + float(lon.max()))
    holes = [
        (h - 360.0 * round((float(h.mean()) - centre) / 360.0), v)
        for h, v in holes
        if not _collapsed(h, v)
    ]
    # Windows [-180, 180] + 360°k holding the westernmost and easternmost vertex.
    # Within _LON_EPS of a window edge counts as on it (rounding in the sources' transforms).
    low = math.floor((float(lon.min()) + 180.0 + _LON_EPS) / 360.0)
    high = max(low, math.ceil((float(lon.max()) - 180.0 - _LON_EPS) / 360.0))
    if high == low:  # within one window: shift it into [-180, 180]
        shift = 360.0 * low
        rings = [(lon, lat), *holes]
        yield tuple(_oriented(_rewrap(x, shift), y, k == 0) for k, (x, y) in enumerate(rings))
    else:
        yield from _split(lon, lat, holes, range(low, high + 1))


def _split(
    lon: F64, lat: F64, holes: list[tuple[F64, F64]], windows: range
) -> Iterator[tuple[Ring, ...]]:
    """Cut a polygon spanning several 360° windows at each ±180° + 360°k and shift the pieces."""
    shell = np.column_stack((lon, lat))
    polygon = shapely.Polygon(shell, [np.column_stack(hole) for hole in holes])
    for window in windows:
        shift = 360.0 * window
        piece = shapely.clip_by_rect(polygon, shift - 180.0, -90.0, shift + 180.0, 90.0)
        for part in shapely.get_parts(piece):
            if not isinstance(part, shapely.Polygon) or part.is_empty or part.area <= 0.0:
                continue
            rings = [part.exterior, *part.interiors]
            cleaned = [_clean_ring(*_xy(ring), unwrap=False) for ring in rings]
            if cleaned[0] is None:
                continue
            yield tuple(
                _oriented(_rewrap(r[0], shift), r[1], k == 0)
                for k, r in enumerate(cleaned)
                if r is not None
            )


def _xy(ring: shapely.LinearRing) -> tuple[F64, F64]:
    coords = np.asarray(ring.coords, dtype=np.float64)
    return coords[:, 0], coords[:, 1]


def _rewrap(lon: F64, shift: float) -> F64:
    return np.clip(lon - shift, -180.0, 180.0)


def _oriented(lon: F64, lat: F64, outer: bool) -> Ring:
    """(lat, lon) ring, read-only, counter-clockwise if ``outer`` else clockwise."""
    if (_signed_area(lon, lat) > 0.0) != outer:
        lon, lat = lon[::-1], lat[::-1]
    lat_out = np.ascontiguousarray(lat, dtype=np.float64)
    lon_out = np.ascontiguousarray(lon, dtype=np.float64)
    lat_out.flags.writeable = False
    lon_out.flags.writeable = False
    return lat_out, lon_out
