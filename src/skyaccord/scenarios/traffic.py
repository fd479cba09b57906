"""Scripted traffic: a scenario's ``traffic`` section → :class:`~skyaccord.tracks.updates.TrackUpdates`.

The format is described in :mod:`skyaccord.scenarios.loader`.  Parsing
(:func:`parse_traffic`) checks the whole section once and resolves every waypoint to a
position, an altitude and a time offset; generating (:meth:`ScriptedTraffic.updates`) is pure
and vectorized: the same script and base always give the same reports.

Kinematics, on the sphere of :data:`~skyaccord.geo.frames.EARTH_RADIUS_M` (the one used for
outlines, :func:`~skyaccord.geo.frames.great_circle_m` and
:func:`~skyaccord.geo.frames.destination`):

* between two waypoints an aircraft flies the great circle through them (spherical linear
  interpolation of their unit vectors) at constant ground speed, leg length over leg duration;
* its altitude changes linearly in time (constant vertical rate);
* the reported track angle is the direction of the great circle at the reported position,
  clockwise from true north; a report taken exactly at a waypoint carries the velocity of the
  leg that starts there (of the last leg at the last waypoint).

Reports are taken every ``period`` seconds from the first waypoint, and at every waypoint, so
a waypoint is always reported exactly.  Optional noise (Gaussian, on the reported position and
altitude only: the velocity stays the true one, as a tracker's smoothed output would), random
dropout and explicit gaps make the feed look like a real one; all are off by default.

Altitudes are reported in metres as given (a flight level is a pressure altitude, kept as
such: :func:`~skyaccord.geo.wire.parse_altitude`).

Examples
--------
>>> from skyaccord.scenarios.loader import Scenario
>>> sc = Scenario("demo", None, {"parties": [{"id": "russia", "name": "Russia"}], "traffic": {
...     "aircraft": [{"track_id": "russia/A1", "party": "russia", "callsign": "A1", "path": [
...         {"at": "+0s", "lat": 35.0, "lon": 36.0, "alt": "FL190"},
...         {"from": "previous", "bearing": 90, "distance": "2.5 km", "speed": "250 m/s"}]}]}})
>>> u = scenario_traffic(sc, base=1_448_348_400.0)
>>> len(u), round(float(u.gs_mps[0]), 6), round(float(u.track_deg[0]), 3), float(u.alt_m[0])
(11, 250.0, 90.0, 5791.2)
>>> [round(t, 6) for t in traffic_span(sc, base=0.0) or ()]
[0.0, 10.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyaccord.errors import ValidationError
from skyaccord.geo.frames import (
    EARTH_RADIUS_M,
    angle_between,
    destination,
    enu_basis,
    unit_vectors,
    vectors_to_latlon,
)
from skyaccord.geo.validate import check_finite, check_lat, check_lon
from skyaccord.geo.wire import parse_altitude
from skyaccord.scenarios._fields import duration_s, length_m, no_unknown, speed_mps, text
from skyaccord.scenarios.loader import Scenario, is_relative, offset
from skyaccord.timefmt import parse_time
from skyaccord.tracks.updates import NO_ICAO, TrackUpdates, parse_icao24

__all__ = [
    "PathStates",
    "ScriptedAircraft",
    "ScriptedTraffic",
    "Waypoint",
    "parse_points",
    "parse_traffic",
    "scenario_traffic",
    "traffic_span",
]

F64 = NDArray[np.float64]

DEFAULT_PERIOD_S: Final = 1.0
ARC_STEP_DEG: Final = 10.0
"""Largest turn (degrees) between two of the waypoints an ``arc`` is cut into."""
MAX_LEG_DEG: Final = 120.0
"""Longest leg (degrees of arc): longer ones must be split, the great circle being ambiguous
near 180°."""

_TRAFFIC_KEYS: Final = {"period", "noise", "dropout", "seed", "aircraft"}
_AIRCRAFT_KEYS: Final = {
    "track_id",
    "party",
    "callsign",
    "icao24",
    "speed",
    "period",
    "noise",
    "dropout",
    "gaps",
    "source",
    "delay",
    "path",
}
_WAYPOINT_KEYS: Final = {
    "name",
    "arc",
    "lat",
    "lon",
    "point",
    "from",
    "bearing",
    "distance",
    "alt",
    "at",
    "speed",
}


@dataclass(frozen=True)
class Waypoint:
    """A resolved waypoint: position (degrees), altitude (m) and time (s after the base)."""

    lat_deg: float
    lon_deg: float
    alt_m: float
    t_s: float
    name: str = ""


@dataclass(frozen=True)
class PathStates:
    """Positions and velocities along a scripted path, one element per time (arrays)."""

    time_s: F64
    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    gs_mps: F64
    track_deg: F64
    vrate_mps: F64


@dataclass(frozen=True)
class ScriptedAircraft:
    """One aircraft of a script: identity, waypoints and how its reports are sampled.

    Times are offsets (s) from the base the script is played at.
    """

    track_id: str
    party: str
    callsign: str
    waypoints: tuple[Waypoint, ...]
    icao24: int = NO_ICAO
    period_s: float = DEFAULT_PERIOD_S
    noise_m: float = 0.0
    noise_alt_m: float = 0.0
    dropout: float = 0.0
    gaps: tuple[tuple[float, float], ...] = ()
    source: str = "scenario"

    @property
    def t_start(self) -> float:
        """Offset (s) of the first waypoint."""
        return self.waypoints[0].t_s

    @property
    def t_end(self) -> float:
        """Offset (s) of the last waypoint."""
        return self.waypoints[-1].t_s

    def sample_times(self) -> F64:
        """Offsets (s) at which the aircraft reports before gaps and dropout: every period
        from the first waypoint, and every waypoint."""
        t0, t1 = self.t_start, self.t_end
        n = math.floor((t1 - t0) / self.period_s + 1e-9)
        grid = t0 + self.period_s * np.arange(n + 1, dtype=np.float64)
        wp = np.array([w.t_s for w in self.waypoints])
        # A grid point within a microsecond of a waypoint is that waypoint.
        at = np.searchsorted(wp, grid)
        near = np.zeros(grid.shape, dtype=bool)
        for k in (at - 1, at):
            near |= np.abs(grid - wp[np.clip(k, 0, len(wp) - 1)]) <= 1e-6
        return np.unique(np.concatenate([grid[~near], wp]))

    def states(self, t_s: ArrayLike) -> PathStates:
        """Exact position and velocity at offsets ``t_s`` (clamped to the path's time span)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        wt = np.array([w.t_s for w in self.waypoints])
        u = unit_vectors([w.lat_deg for w in self.waypoints], [w.lon_deg for w in self.waypoints])
        alt = np.array([w.alt_m for w in self.waypoints])
        tc = np.clip(t, wt[0], wt[-1])
        k = np.clip(np.searchsorted(wt, tc, side="right") - 1, 0, len(wt) - 2)
        dt = wt[k + 1] - wt[k]
        f = np.clip((tc - wt[k]) / dt, 0.0, 1.0)[:, None]
        u0, u1 = u[k], u[k + 1]
        omega = angle_between(u0, u1)[:, None]
        moving = omega[:, 0] > 1e-15
        s = np.where(moving[:, None], np.sin(omega), 1.0)
        a = np.where(moving[:, None], np.sin((1.0 - f) * omega) / s, 1.0 - f)
        b = np.where(moving[:, None], np.sin(f * omega) / s, f)
        p = a * u0 + b * u1
        p /= np.linalg.norm(p, axis=-1, keepdims=True)
        lat, lon = vectors_to_latlon(p)
        # Direction of motion: derivative of the interpolation with respect to f.
        tangent = np.cos(f * omega) * u1 - np.cos((1.0 - f) * omega) * u0
        east, north, _ = enu_basis(lat, lon)
        te = np.sum(tangent * east, axis=-1)
        tn = np.sum(tangent * north, axis=-1)
        track = np.where(moving, np.degrees(np.arctan2(te, tn)) % 360.0, np.nan)
        return PathStates(
            time_s=t,
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt[k] + f[:, 0] * (alt[k + 1] - alt[k]),
            gs_mps=omega[:, 0] * EARTH_RADIUS_M / dt,
            track_deg=track,
            vrate_mps=(alt[k + 1] - alt[k]) / dt,
        )

    def updates(self, base: float, seed: int | Sequence[int] = 0) -> TrackUpdates:
        """The aircraft's reports, played at ``base`` (POSIX s), in time order."""
        rng = np.random.default_rng(seed)
        t = self.sample_times()
        for g0, g1 in self.gaps:
            t = t[(t < g0) | (t >= g1)]
        if self.dropout > 0.0:
            t = t[rng.random(t.shape[0]) >= self.dropout]
        st = self.states(t)
        lat, lon, alt = st.lat_deg, st.lon_deg, st.alt_m
        if self.noise_m > 0.0:
            de, dn = rng.normal(0.0, self.noise_m, (2, t.shape[0]))
            lat = np.clip(lat + np.degrees(dn / EARTH_RADIUS_M), -90.0, 90.0)
            coslat = np.maximum(np.cos(np.radians(lat)), 1e-9)
            lon = (lon + np.degrees(de / (EARTH_RADIUS_M * coslat)) + 180.0) % 360.0 - 180.0
        if self.noise_alt_m > 0.0:
            alt = alt + rng.normal(0.0, self.noise_alt_m, t.shape[0])
        return TrackUpdates.from_columns(
            track_id=np.full(t.shape[0], self.track_id, dtype=object),
            party=self.party,
            icao24=self.icao24,
            callsign=self.callsign,
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt,
            gs_mps=st.gs_mps,
            track_deg=st.track_deg,
            vrate_mps=st.vrate_mps,
            time_s=base + t,
            source=self.source,
        )


@dataclass(frozen=True)
class ScriptedTraffic:
    """Every scripted aircraft of a scenario."""

    aircraft: tuple[ScriptedAircraft, ...] = ()
    seed: int = 0
    points: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def span(self, base: float) -> tuple[float, float] | None:
        """First and last report time (POSIX s) when played at ``base``; None if no traffic."""
        if not self.aircraft:
            return None
        return (
            base + min(a.t_start for a in self.aircraft),
            base + max(a.t_end for a in self.aircraft),
        )

    def updates(self, base: float) -> TrackUpdates:
        """Every aircraft's reports played at ``base`` (POSIX s), in time order (ties in the
        script's order)."""
        parts = [a.updates(base, (self.seed, i)) for i, a in enumerate(self.aircraft)]
        if not parts:
            return TrackUpdates.empty()
        rank = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
        batch = TrackUpdates.concat(parts)
        return batch.take(np.lexsort((rank, batch.time_s)))

    def by_track(self, track_id: str) -> ScriptedAircraft:
        """The aircraft with ``track_id``; ValidationError listing the ids if there is none."""
        for a in self.aircraft:
            if a.track_id == track_id:
                return a
        ids = ", ".join(a.track_id for a in self.aircraft) or "none"
        raise ValidationError("track_id", f"no scripted aircraft {track_id!r}; ids: {ids}")


def scenario_traffic(scenario: Scenario, base: float | None = None) -> TrackUpdates:
    """All of a scenario's scripted traffic as one time-ordered batch of track updates.

    ``base`` (POSIX s) is what relative times count from: by default the scenario's epoch.
    """
    return parse_traffic(scenario).updates(_base(scenario, base))


def traffic_span(scenario: Scenario, base: float | None = None) -> tuple[float, float] | None:
    """First and last scripted report (POSIX s) of a scenario, or None if it has no traffic."""
    return parse_traffic(scenario).span(_base(scenario, base))


def _base(scenario: Scenario, base: float | None) -> float:
    if base is not None:
        return base
    if scenario.epoch is None:
        raise ValidationError("epoch", "the scenario has no epoch: give the base time to play at")
    return scenario.epoch


# --- parsing -------------------------------------------------------------------------------


def parse_points(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The scenario's named points → (lat, lon) degrees; a point may be placed from an
    earlier one with ``from``, ``bearing`` and ``distance``."""
    raw = scenario.data.get("points") or {}
    if not isinstance(raw, dict):
        raise ValidationError("points", "expected a mapping of name → {lat, lon}")
    points: dict[str, tuple[float, float]] = {}
    for name, spec in raw.items():
        fld = f"points.{name}"
        if not isinstance(spec, dict):
            raise ValidationError(fld, "expected {lat, lon} or {from, bearing, distance}")
        points[str(name)] = _position(spec, fld, points, None)
    return points


def parse_traffic(scenario: Scenario) -> ScriptedTraffic:
    """The scenario's ``traffic`` section, checked whole; an empty script if there is none."""
    points = parse_points(scenario)
    raw = scenario.data.get("traffic")
    if raw is None:
        return ScriptedTraffic((), 0, points)
    if not isinstance(raw, dict):
        raise ValidationError("traffic", "expected a mapping with 'aircraft'")
    no_unknown(raw, _TRAFFIC_KEYS, "traffic")
    defaults = _sampling(raw, "traffic", _Sampling())
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError("traffic.seed", "expected a non-negative integer")
    items = raw.get("aircraft") or []
    if not isinstance(items, list):
        raise ValidationError("traffic.aircraft", "expected a list")
    parties = {p.get("id") for p in scenario.data.get("parties", []) if isinstance(p, dict)}
    aircraft: list[ScriptedAircraft] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        a = _aircraft(item, f"traffic.aircraft[{i}]", scenario, points, parties, defaults)
        if a.track_id in seen:
            raise ValidationError(
                f"traffic.aircraft[{i}].track_id", f"duplicate track id {a.track_id!r}"
            )
        seen.add(a.track_id)
        aircraft.append(a)
    return ScriptedTraffic(tuple(aircraft), seed, points)


@dataclass(frozen=True)
class _Sampling:
    period_s: float = DEFAULT_PERIOD_S
    noise_m: float = 0.0
    noise_alt_m: float = 0.0
    dropout: float = 0.0


def _sampling(raw: Mapping[str, Any], fld: str, inherit: _Sampling) -> _Sampling:
    period = inherit.period_s
    if "period" in raw:
        period = duration_s(raw["period"], f"{fld}.period")
        if not period > 0:
            raise ValidationError(f"{fld}.period", "must be positive")
    noise_m, noise_alt = inherit.noise_m, inherit.noise_alt_m
    if "noise" in raw:
        noise = raw["noise"]
        if not isinstance(noise, dict) or set(noise) - {"position", "altitude"}:
            raise ValidationError(f"{fld}.noise", "expected {position: '30 m', altitude: '10 m'}")
        noise_m = length_m(noise.get("position", 0), f"{fld}.noise.position")
        noise_alt = length_m(noise.get("altitude", 0), f"{fld}.noise.altitude")
        if noise_m < 0 or noise_alt < 0:
            raise ValidationError(f"{fld}.noise", "standard deviations must not be negative")
    dropout = inherit.dropout
    if "dropout" in raw:
        dropout = check_finite(raw["dropout"], f"{fld}.dropout")
        if not 0.0 <= dropout < 1.0:
            raise ValidationError(f"{fld}.dropout", "must be in [0, 1)")
    return _Sampling(period, noise_m, noise_alt, dropout)


def _aircraft(
    item: object,
    fld: str,
    scenario: Scenario,
    points: Mapping[str, tuple[float, float]],
    parties: set[Any],
    defaults: _Sampling,
) -> ScriptedAircraft:
    if not isinstance(item, dict):
        raise ValidationError(fld, "expected a mapping with track_id, party, callsign and path")
    no_unknown(item, _AIRCRAFT_KEYS, fld)
    track_id = text(item.get("track_id"), f"{fld}.track_id")
    party = text(item.get("party"), f"{fld}.party")
    if party not in parties:
        raise ValidationError(f"{fld}.party", f"{party!r} is not one of the scenario's parties")
    callsign = item.get("callsign", "")
    if not isinstance(callsign, str):
        raise ValidationError(f"{fld}.callsign", "expected a string")
    icao = NO_ICAO
    if item.get("icao24") is not None:
        try:
            icao = parse_icao24(str(item["icao24"]))
        except ValueError:
            raise ValidationError(f"{fld}.icao24", "expected six hexadecimal digits") from None
    source = item.get("source", "scenario")
    if not isinstance(source, str):
        raise ValidationError(f"{fld}.source", "expected a string")
    speed = speed_mps(item["speed"], f"{fld}.speed") if "speed" in item else None
    sampling = _sampling(item, fld, defaults)
    waypoints = _path(item.get("path"), f"{fld}.path", scenario, points, speed)
    if "delay" in item:
        value = item["delay"]
        delay = (
            offset(value, f"{fld}.delay")
            if is_relative(value)
            else duration_s(value, f"{fld}.delay")
        )
        waypoints = tuple(replace(w, t_s=w.t_s + delay) for w in waypoints)
    gaps = _gaps(item.get("gaps") or [], f"{fld}.gaps", scenario)
    return ScriptedAircraft(
        track_id=track_id,
        party=party,
        callsign=callsign.strip(),
        waypoints=waypoints,
        icao24=icao,
        period_s=sampling.period_s,
        noise_m=sampling.noise_m,
        noise_alt_m=sampling.noise_alt_m,
        dropout=sampling.dropout,
        gaps=gaps,
        source=source,
    )


def _path(
    raw: object,
    fld: str,
    scenario: Scenario,
    points: Mapping[str, tuple[float, float]],
    default_speed: float | None,
) -> tuple[Waypoint, ...]:
    if not isinstance(raw, list):
        raise ValidationError(fld, "expected a list of waypoints")
    steps = _expand(raw, fld, 0)
    if len(steps) < 2:
        raise ValidationError(fld, "expected at least two waypoints")
    named: dict[str, tuple[float, float]] = dict(points)
    out: list[Waypoint] = []
    for wf, wp in steps:
        prev = out[-1] if out else None
        if "arc" in wp:
            if {"lat", "lon", "point", "from"} & set(wp):
                raise ValidationError(f"{wf}.arc", "an arc gives no other position")
            if prev is None:
                raise ValidationError(f"{wf}.arc", "an arc cannot start a path")
            positions = _arc_positions(wp["arc"], f"{wf}.arc", named, prev)
        else:
            previous = (prev.lat_deg, prev.lon_deg) if prev else None
            positions = [_position(wp, wf, named, previous)]
        if "alt" in wp:
            alt, _ = parse_altitude(wp["alt"], f"{wf}.alt")
        elif prev is not None:
            alt = prev.alt_m
        else:
            raise ValidationError(f"{wf}.alt", "the first waypoint needs an altitude")
        if "at" in wp and "speed" in wp:
            raise ValidationError(f"{wf}.speed", "give 'at' or 'speed', not both")
        if prev is None:
            if "at" not in wp:
                raise ValidationError(f"{wf}.at", "the first waypoint needs a time")
            lat, lon = positions[0]
            out.append(Waypoint(lat, lon, alt, _time(wp["at"], f"{wf}.at", scenario), ""))
        else:
            out.extend(_legs(prev, positions, alt, wp, wf, scenario, default_speed))
        name = wp.get("name", "")
        if not isinstance(name, str):
            raise ValidationError(f"{wf}.name", "expected a string")
        if name:
            last = out[-1]
            out[-1] = Waypoint(last.lat_deg, last.lon_deg, last.alt_m, last.t_s, name)
            named[name] = (last.lat_deg, last.lon_deg)
    return tuple(out)


def _expand(raw: list[Any], fld: str, depth: int) -> list[tuple[str, dict[str, Any]]]:
    """Waypoint entries with every ``{repeat: N, path: [...]}`` unrolled, with field paths."""
    out: list[tuple[str, dict[str, Any]]] = []
    for j, wp in enumerate(raw):
        wf = f"{fld}[{j}]"
        if not isinstance(wp, dict):
            raise ValidationError(wf, "expected a waypoint mapping")
        if "repeat" not in wp:
            no_unknown(wp, _WAYPOINT_KEYS, wf)
            out.append((wf, wp))
            continue
        no_unknown(wp, {"repeat", "path"}, wf)
        count = wp["repeat"]
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
            raise ValidationError(f"{wf}.repeat", "expected a count from 1 to 1000")
        if depth > 3:
            raise ValidationError(wf, "repeats nest too deep")
        body = wp.get("path")
        if not isinstance(body, list) or not body:
            raise ValidationError(f"{wf}.path", "expected a non-empty list of waypoints")
        inner = _expand(body, f"{wf}.path", depth + 1)
        for f, w in inner:
            if "at" in w:
                raise ValidationError(f"{f}.at", "a repeated waypoint is timed by 'speed'")
        out.extend(inner * count)
    return out


def _legs(
    prev: Waypoint,
    positions: list[tuple[float, float]],
    alt: float,
    wp: Mapping[str, Any],
    wf: str,
    scenario: Scenario,
    default_speed: float | None,
) -> list[Waypoint]:
    """Waypoints reached from ``prev`` through ``positions`` (one, or the steps of an arc),
    timed by the entry's ``at`` (spread by distance) or speed; altitude linear in distance."""
    lats = np.array([prev.lat_deg] + [p[0] for p in positions])
    lons = np.array([prev.lon_deg] + [p[1] for p in positions])
    u = unit_vectors(lats, lons)
    arcs = angle_between(u[:-1], u[1:])
    longest = math.degrees(float(arcs.max()))
    if longest > MAX_LEG_DEG:
        raise ValidationError(
            wf, f"leg of {longest:.0f}° of arc is too long: add waypoints (≤ {MAX_LEG_DEG:.0f}°)"
        )
    dist = np.cumsum(arcs) * EARTH_RADIUS_M
    total = float(dist[-1])
    if "at" in wp:
        t_end = _time(wp["at"], f"{wf}.at", scenario)
    else:
        speed = speed_mps(wp["speed"], f"{wf}.speed") if "speed" in wp else default_speed
        if speed is None:
            raise ValidationError(f"{wf}.at", "needs 'at' or 'speed' (or an aircraft speed)")
        if not speed > 0:
            raise ValidationError(f"{wf}.speed", "must be positive")
        t_end = prev.t_s + total / speed
    if not t_end > prev.t_s:
        raise ValidationError(f"{wf}.at", "waypoint times must increase")
    frac = dist / total if total > 0 else np.linspace(0.0, 1.0, len(positions) + 1)[1:]
    return [
        Waypoint(
            float(lats[k + 1]),
            float(lons[k + 1]),
            prev.alt_m + float(frac[k]) * (alt - prev.alt_m),
            prev.t_s + float(frac[k]) * (t_end - prev.t_s),
        )
        for k in range(len(positions))
    ]


def _arc_positions(
    spec: object, fld: str, named: Mapping[str, tuple[float, float]], prev: Waypoint
) -> list[tuple[float, float]]:
    """The steps (at most :data:`ARC_STEP_DEG` apart) of a turn round a centre, from the
    previous waypoint to the bearing ``to`` from the centre."""
    if not isinstance(spec, dict):
        raise ValidationError(fld, "expected {centre: NAME, to: BEARING, turn: left|right}")
    no_unknown(spec, {"centre", "to", "turn"}, fld)
    ref = spec.get("centre")
    if not isinstance(ref, str) or ref not in named:
        known = ", ".join(sorted(named)) or "none"
        raise ValidationError(f"{fld}.centre", f"unknown point {ref!r}; known: {known}")
    turn = spec.get("turn")
    if turn not in ("left", "right"):
        raise ValidationError(f"{fld}.turn", "must be 'left' (anticlockwise) or 'right'")
    clat, clon = named[ref]
    radius = _angle(clat, clon, prev.lat_deg, prev.lon_deg) * EARTH_RADIUS_M
    if not radius > 1.0:
        raise ValidationError(f"{fld}.centre", "the previous waypoint is on the centre")
    start = _bearing(clat, clon, prev.lat_deg, prev.lon_deg)
    end = check_finite(spec.get("to"), f"{fld}.to")
    sweep = (end - start) % 360.0 if turn == "right" else (start - end) % 360.0
    if sweep < 1e-9:
        sweep = 360.0
    n = max(1, math.ceil(sweep / ARC_STEP_DEG - 1e-9))
    sign = 1.0 if turn == "right" else -1.0
    bearings = start + sign * sweep * np.arange(1, n + 1) / n
    lat, lon = destination(clat, clon, bearings, radius)
    return [(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing (degrees true) from point 1 to point 2."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def _position(
    spec: Mapping[str, Any],
    fld: str,
    named: Mapping[str, tuple[float, float]],
    previous: tuple[float, float] | None,
) -> tuple[float, float]:
    forms = [k for k in ("lat", "point", "from") if k in spec]
    if len(forms) != 1:
        raise ValidationError(fld, "give exactly one of lat/lon, point, or from/bearing/distance")
    if forms[0] == "lat":
        if "lon" not in spec:
            raise ValidationError(f"{fld}.lon", "is required with lat")
        return check_lat(spec["lat"], f"{fld}.lat"), check_lon(spec["lon"], f"{fld}.lon")
    key = forms[0]
    ref = spec[key]
    if ref == "previous" and key == "from":
        if previous is None:
            raise ValidationError(f"{fld}.from", "'previous' has no meaning on the first waypoint")
        origin = previous
    elif isinstance(ref, str) and ref in named:
        origin = named[ref]
    else:
        known = ", ".join(sorted(named)) or "none"
        raise ValidationError(f"{fld}.{key}", f"unknown point {ref!r}; known: {known}")
    if key == "point":
        return origin
    if "bearing" not in spec or "distance" not in spec:
        raise ValidationError(fld, "'from' needs 'bearing' (degrees true) and 'distance'")
    bearing = check_finite(spec["bearing"], f"{fld}.bearing")
    dist = length_m(spec["distance"], f"{fld}.distance")
    if dist < 0:
        raise ValidationError(f"{fld}.distance", "must not be negative")
    lat, lon = destination(origin[0], origin[1], bearing, dist)
    return float(lat), float(lon)


def _angle(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(angle_between(unit_vectors(lat1, lon1), unit_vectors(lat2, lon2)))


def _time(value: object, fld: str, scenario: Scenario) -> float:
    """A waypoint time → offset (s) from the base: relative, or absolute against the epoch."""
    if is_relative(value):
        return offset(str(value), fld)
    if isinstance(value, str) and scenario.epoch is not None:
        return parse_time(value, fld) - scenario.epoch
    raise ValidationError(
        fld, f"expected a relative time such as '+15min' (or RFC 3339 with an epoch), got {value!r}"
    )


def _gaps(raw: object, fld: str, scenario: Scenario) -> tuple[tuple[float, float], ...]:
    if not isinstance(raw, list):
        raise ValidationError(fld, "expected a list of {from, to}")
    out = []
    for i, g in enumerate(raw):
        if not isinstance(g, dict) or set(g) != {"from", "to"}:
            raise ValidationError(f"{fld}[{i}]", "expected {from: TIME, to: TIME}")
        g0, g1 = (
            _time(g["from"], f"{fld}[{i}].from", scenario),
            _time(g["to"], f"{fld}[{i}].to", scenario),
        )
        if not g1 > g0:
            raise ValidationError(f"{fld}[{i}].to", "must be after 'from'")
        out.append((g0, g1))
    return tuple(out)
