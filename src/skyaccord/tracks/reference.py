"""A brute-force, record-by-record implementation of the track table's semantics.

:class:`ReferenceTable` is the yardstick the vectorized :class:`~skyaccord.tracks.table.TrackTable`
is tested against (hypothesis, on random update streams) and benchmarked against.  It keeps one
dict per track, loops over records in Python, and does its geometry with the ``math`` module on
scalars, written independently of :mod:`skyaccord.geo.frames`.  It is deliberately simple and slow;
never use it in the service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from skyaccord.tracks.updates import NO_ICAO, UNKNOWN_PARTY, TrackUpdates
from skyaccord.units import wrap_360

_A = 6378137.0
_F = 1.0 / 298.257223563
_E2 = _F * (2.0 - _F)
_R_SPHERE = 6371008.8


def _ecef(lat_deg: float, lon_deg: float) -> tuple[float, float, float]:
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    n = _A / math.sqrt(1.0 - _E2 * math.sin(lat) ** 2)
    return (
        n * math.cos(lat) * math.cos(lon),
        n * math.cos(lat) * math.sin(lon),
        n * (1.0 - _E2) * math.sin(lat),
    )


def scalar_velocity(
    lat0: float,
    lon0: float,
    alt0: float,
    t0: float,
    lat1: float,
    lon1: float,
    alt1: float,
    t1: float,
) -> tuple[float, float, float]:
    """Ground speed (m/s), track (deg, NaN if no motion), vertical rate (m/s) between two fixes."""
    x0, x1 = _ecef(lat0, lon0), _ecef(lat1, lon1)
    d = (x1[0] - x0[0], x1[1] - x0[1], x1[2] - x0[2])
    la, lo = math.radians(lat1), math.radians(lon1)
    e = -math.sin(lo) * d[0] + math.cos(lo) * d[1]
    nn = (
        -math.sin(la) * math.cos(lo) * d[0]
        - math.sin(la) * math.sin(lo) * d[1]
        + math.cos(la) * d[2]
    )
    dt = t1 - t0
    h = math.hypot(e, nn)
    trk = float(wrap_360(math.degrees(math.atan2(e, nn)))) if h > 0 else math.nan
    return h / dt, trk, (alt1 - alt0) / dt


def scalar_destination(
    lat_deg: float, lon_deg: float, bearing_deg: float, dist_m: float
) -> tuple[float, float]:
    """Great-circle destination on the mean sphere."""
    lat, lon, b = math.radians(lat_deg), math.radians(lon_deg), math.radians(bearing_deg)
    d = dist_m / _R_SPHERE
    lat2 = math.asin(math.sin(lat) * math.cos(d) + math.cos(lat) * math.sin(d) * math.cos(b))
    lon2 = lon + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(lat), math.cos(d) - math.sin(lat) * math.sin(lat2)
    )
    lon2 = (lon2 + math.pi) % (2 * math.pi) - math.pi
    return math.degrees(lat2), math.degrees(lon2)


@dataclass
class ReferenceCounts:
    """Per-batch outcome counts, as :class:`~skyaccord.tracks.table.ApplyResult` has them."""

    applied: int = 0
    created: int = 0
    superseded: int = 0
    duplicate: int = 0
    stale: int = 0
    invalid: int = 0
    updated_ids: list[str] = field(default_factory=list)


class ReferenceTable:
    """Dict-of-dicts track table processing one record at a time (same parameters, same rules)."""

    def __init__(
        self,
        *,
        coast_s: float = 15.0,
        drop_s: float = 60.0,
        min_diff_s: float = 1.0,
        max_diff_s: float = 30.0,
        max_future_s: float = 30.0,
    ) -> None:
        self.coast_s = coast_s
        self.drop_s = drop_s
        self.min_diff_s = min_diff_s
        self.max_diff_s = max_diff_s
        self.max_future_s = max_future_s
        self.tracks: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.tracks)

    def apply(self, u: TrackUpdates, now: float | None = None) -> ReferenceCounts:
        """Apply a batch: newest record per track wins; see :mod:`skyaccord.tracks.table`."""
        out = ReferenceCounts()
        groups: dict[str, list[int]] = {}
        for i in range(len(u)):
            tid = u.track_id[i]
            t, lat, lon = float(u.time_s[i]), float(u.lat_deg[i]), float(u.lon_deg[i])
            ok = (
                isinstance(tid, str)
                and tid != ""
                and math.isfinite(t)
                and math.isfinite(lat)
                and math.isfinite(lon)
                and abs(lat) <= 90.0
                and abs(lon) <= 180.0
                and (now is None or t <= now + self.max_future_s)
            )
            if not ok:
                out.invalid += 1
                continue
            groups.setdefault(tid, []).append(i)
        for tid, idxs in groups.items():
            if tid not in self.tracks:
                out.created += 1
                self.tracks[tid] = self._new_state(tid)
            st = self.tracks[tid]
            stored_t = st["time_s"]
            winner = idxs[0]
            for i in idxs[1:]:
                if u.time_s[i] > u.time_s[winner]:
                    winner = i
            seen_times: set[float] = set()
            for i in idxs:
                ti = float(u.time_s[i])
                if i == winner and ti > stored_t:
                    out.applied += 1
                elif ti == stored_t or ti in seen_times:
                    out.duplicate += 1
                elif ti < stored_t:
                    out.stale += 1
                else:
                    out.superseded += 1
                seen_times.add(ti)
            if float(u.time_s[winner]) > stored_t:
                self._write(st, u, winner)
                out.updated_ids.append(tid)
        return out

    @staticmethod
    def _new_state(tid: str) -> dict[str, Any]:
        nan = math.nan
        return {
            "track_id": tid,
            "party": UNKNOWN_PARTY,
            "icao24": NO_ICAO,
            "callsign": "",
            "source": "",
            "lat_deg": nan,
            "lon_deg": nan,
            "alt_m": nan,
            "gs_mps": nan,
            "track_deg": nan,
            "vrate_mps": nan,
            "time_s": -math.inf,
            "velocity_derived": False,
            "vrate_derived": False,
            "coasting": False,
            "anchor": None,
        }

    def _write(self, st: dict[str, Any], u: TrackUpdates, i: int) -> None:
        lat = float(u.lat_deg[i])
        lon = float(u.lon_deg[i])
        alt = float(u.alt_m[i])
        t = float(u.time_s[i])
        gs = float(u.gs_mps[i])
        trk = float(wrap_360(u.track_deg[i]))
        vr = float(u.vrate_mps[i])
        h_given = math.isfinite(gs) and (math.isfinite(trk) or gs == 0.0)
        v_given = math.isfinite(vr)
        h_derived = v_derived = False
        anchor = st["anchor"]
        move_anchor = True
        if anchor is not None:
            a_lat, a_lon, a_alt, a_t = anchor
            dt = t - a_t
            if dt < self.min_diff_s:
                move_anchor = False
                if not h_given:
                    gs, trk, h_derived = st["gs_mps"], st["track_deg"], st["velocity_derived"]
                if not v_given:
                    vr, v_derived = st["vrate_mps"], st["vrate_derived"]
            elif dt <= self.max_diff_s and not (h_given and v_given):
                d_gs, d_trk, d_vr = scalar_velocity(a_lat, a_lon, a_alt, a_t, lat, lon, alt, t)
                if not h_given:
                    gs, trk, h_derived = d_gs, d_trk, True
                if not v_given and math.isfinite(d_vr):
                    vr, v_derived = d_vr, True
        if move_anchor:
            st["anchor"] = (lat, lon, alt, t)
        st.update(
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt,
            time_s=t,
            gs_mps=gs,
            track_deg=trk,
            vrate_mps=vr,
            velocity_derived=h_derived,
            vrate_derived=v_derived,
            coasting=False,
            source=u.source[i],
        )
        if u.callsign[i]:
            st["callsign"] = u.callsign[i]
        if u.party[i] and u.party[i] != UNKNOWN_PARTY:
            st["party"] = u.party[i]
        if u.icao24[i] >= 0:
            st["icao24"] = int(u.icao24[i])

    def expire(self, now: float) -> list[str]:
        """Flag coasting tracks, drop old ones; returns the dropped ids."""
        dropped = []
        for tid in list(self.tracks):
            st = self.tracks[tid]
            age = now - st["time_s"]
            st["coasting"] = age > self.coast_s
            if age > self.drop_s or age < -self.max_future_s:
                dropped.append(tid)
                del self.tracks[tid]
        return dropped

    def snapshot(self, now: float) -> dict[str, dict[str, float]]:
        """Live tracks extrapolated to ``now``: ``{track_id: {lat_deg, lon_deg, alt_m, ...}}``."""
        out = {}
        for tid, st in self.tracks.items():
            age = now - st["time_s"]
            if age > self.drop_s:
                continue
            lat, lon, alt = st["lat_deg"], st["lon_deg"], st["alt_m"]
            gs, trk, vr = st["gs_mps"], st["track_deg"], st["vrate_mps"]
            if math.isfinite(gs) and math.isfinite(trk) and gs > 0.0 and age != 0.0:
                lat, lon = scalar_destination(lat, lon, trk, gs * age)
            if math.isfinite(vr) and math.isfinite(alt):
                alt = alt + vr * age
            out[tid] = {
                "lat_deg": lat,
                "lon_deg": lon,
                "alt_m": alt,
                "age_s": age,
                "coasting": age > self.coast_s,
                "party": st["party"],
            }
        return out
