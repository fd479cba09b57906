"""The tactical engine: one detection cycle over every track, with an injected clock.

``Engine.step(now)`` expires stale tracks, extrapolates the rest to ``now``, runs separation,
area proximity (protected airspace of other parties) and conformance (own active intents), and
returns the alert changes of the cycle.  It does no I/O: the live server, ``skyaccord detect``,
the replay tool, the benchmarks and the tests all drive this same object, so a replay of the
same inputs gives the same alerts with the same ids.

>>> from skyaccord.tracks.updates import TrackUpdates
>>> eng = Engine()
>>> _ = eng.ingest(TrackUpdates.from_columns(
...     track_id=["a", "b"], party=["blue", "red"], lat_deg=[0.0, 0.0], lon_deg=[0.0, 0.5],
...     alt_m=[9000.0, 9000.0], gs_mps=[250.0, 250.0], track_deg=[90.0, 270.0],
...     vrate_mps=[0.0, 0.0], time_s=[0.0, 0.0], source="test"))
>>> [(e["event"], e["kind"], e["parties"]) for e in eng.step(0.0).events]
[('raised', 'separation', ['blue', 'red'])]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from skyaccord.airspace.model import ProtectedAirspace
from skyaccord.detect import (
    AlertEvent,
    AlertTracker,
    Area,
    AreaIndex,
    SeparationMinima,
    TrackStates,
    area_conditions,
    conflict_conditions,
    detect_area_proximity,
    detect_conflicts,
    detect_nonconformance,
    nonconformance_conditions,
)
from skyaccord.geo import frames
from skyaccord.geo.volumes import Outline, Volume4D
from skyaccord.intents.model import ACTIVE_STATES, Intent
from skyaccord.timefmt import format_time
from skyaccord.tracks.table import ApplyResult, TrackSnapshot, TrackTable
from skyaccord.tracks.updates import TrackUpdates
from skyaccord.units import FOOT_M, NAUTICAL_MILE_M

F64 = NDArray[np.float64]

KIND_NAMES = {
    "conflict": "separation",
    "airspace": "infringement",
    "nonconformance": "nonconformance",
}


@dataclass(frozen=True)
class MinimaArea:
    """Separation minima that apply inside an outline (any altitude), e.g. a terminal area."""

    outline: Outline
    hmin_m: float
    vmin_m: float


@dataclass(frozen=True)
class EngineConfig:
    """Detection settings (SI units).  Defaults: 5 NM, 1,000 ft, 300 s look-ahead."""

    hmin_m: float = 5.0 * NAUTICAL_MILE_M
    vmin_m: float = 1000.0 * FOOT_M
    lookahead_s: float = 300.0
    same_party: bool = False
    clear_after_cycles: int = 3
    coast_s: float = 15.0
    drop_s: float = 60.0
    conformance_h_tol_m: float = 1.0 * NAUTICAL_MILE_M
    conformance_v_tol_m: float = 500.0 * FOOT_M
    minima_areas: tuple[MinimaArea, ...] = ()


@dataclass
class StepResult:
    """What one cycle produced: alert events (wire dicts), the open alerts, and the picture."""

    time: float
    events: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    snapshot: TrackSnapshot


def _group_key(v: Volume4D) -> tuple[float, float, float, float]:
    return (v.alt_lower_m, v.alt_upper_m, v.t_start, v.t_end)


def _rings(v: Volume4D) -> NDArray[np.float64]:
    return np.column_stack([v.outline.lat, v.outline.lon])


def airspace_areas(items: Sequence[ProtectedAirspace], code: dict[str, int]) -> list[Area]:
    """Protected airspace → detector areas.  Tiles of one airspace that share a band and window
    are merged back into whole polygons (no artificial inner borders for depth)."""
    out: list[Area] = []
    for a in items:
        groups: dict[tuple[float, float, float, float], list[Volume4D]] = {}
        for v in a.volumes:
            groups.setdefault(_group_key(v), []).append(v)
        for k, (key, vols) in enumerate(sorted(groups.items())):
            polys = _merged(vols)
            out.append(
                Area(
                    id=a.id if len(groups) == 1 else f"{a.id}#{k}",
                    polygons=polys,
                    lower_m=key[0],
                    upper_m=key[1],
                    party=code.setdefault(a.owner, len(code)),
                    start_s=key[2],
                    end_s=key[3],
                )
            )
    return out


def _merged(vols: list[Volume4D]) -> list[list[NDArray[np.float64]]]:
    if len(vols) == 1:
        return [[_rings(vols[0])]]
    # Tiles were cut in the lon/lat plane; their union there restores the original outline.
    lon_shift = [np.degrees(np.unwrap(np.radians(v.outline.lon))) for v in vols]
    pieces = [
        shapely.Polygon(np.column_stack([lo, v.outline.lat]))
        for lo, v in zip(lon_shift, vols, strict=True)
    ]
    union = shapely.unary_union(shapely.make_valid(np.array(pieces, dtype=object)))
    polys: list[list[NDArray[np.float64]]] = []
    for p in shapely.get_parts(union):
        if not isinstance(p, shapely.Polygon) or p.is_empty:
            continue
        rings = [p.exterior, *p.interiors]
        polys.append(
            [
                np.column_stack(
                    [np.asarray(r.coords)[:-1, 1], frames.wrap_lon(np.asarray(r.coords)[:-1, 0])]
                )
                for r in rings
            ]
        )
    return polys


def intent_areas(intents: Sequence[Intent], code: dict[str, int]) -> list[Area]:
    """Active intents → conformance areas (one per volume; id ``intent`` or ``intent#k``)."""
    out: list[Area] = []
    for it in intents:
        active = it.state in ACTIVE_STATES
        for k, v in enumerate(it.volumes):
            out.append(
                Area(
                    id=it.id if len(it.volumes) == 1 else f"{it.id}#{k}",
                    polygons=[[_rings(v)]],
                    lower_m=v.alt_lower_m,
                    upper_m=v.alt_upper_m,
                    party=code.setdefault(it.owner, len(code)),
                    start_s=v.t_start,
                    end_s=v.t_end,
                    active=active,
                )
            )
    return out


class Engine:
    """Tracks in, alert changes out; see the module docstring."""

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        c = self.config
        self.table = TrackTable(coast_s=c.coast_s, drop_s=c.drop_s)
        self.tracker = AlertTracker(c.clear_after_cycles)
        self.cycle = 0
        self._party_code: dict[str, int] = {}
        self._track_code: dict[str, int] = {}
        self._track_name: list[str] = []
        self._airspace: AreaIndex | None = None
        self._airspace_owner: dict[str, str] = {}
        self._intents: AreaIndex | None = None
        self._open: dict[str, dict[str, Any]] = {}

    # -- inputs -------------------------------------------------------------------------------

    def ingest(self, updates: TrackUpdates) -> ApplyResult:
        return self.table.apply(updates)

    def set_airspace(self, items: Sequence[ProtectedAirspace]) -> None:
        areas = airspace_areas(items, self._party_code)
        reach = max(self.config.lookahead_s * 350.0, 1000.0)
        self._airspace = AreaIndex(areas, reach_m=reach) if areas else None
        self._airspace_owner = {ar.id: self._party_name(ar.party) for ar in areas}

    def set_intents(self, intents: Sequence[Intent]) -> None:
        areas = intent_areas(intents, self._party_code)
        self._intents = (
            AreaIndex(areas, reach_m=max(self.config.conformance_h_tol_m, 1.0)) if areas else None
        )

    def _party_name(self, code: int) -> str:
        for k, v in self._party_code.items():
            if v == code:
                return k
        return "unknown"

    # -- the cycle ----------------------------------------------------------------------------

    def states(self, snap: TrackSnapshot) -> TrackStates:
        """The snapshot as detector inputs: party and track codes that stay stable over time."""
        pc = self._party_code
        party = np.fromiter((pc.setdefault(p, len(pc)) for p in snap.party), np.int64, len(snap))
        ids = np.empty(len(snap), dtype=np.int64)
        for k, t in enumerate(snap.track_id):
            code = self._track_code.get(t)
            if code is None:
                code = self._track_code[t] = len(self._track_name)
                self._track_name.append(t)
            ids[k] = code
        alt = snap.alt_m
        valid = np.isfinite(snap.lat_deg) & np.isfinite(snap.lon_deg) & np.isfinite(alt)
        return TrackStates.from_arrays(
            lat_deg=snap.lat_deg,
            lon_deg=snap.lon_deg,
            alt_m=np.nan_to_num(alt),
            gs_mps=np.nan_to_num(snap.gs_mps),
            track_deg=np.nan_to_num(snap.track_deg),
            vrate_mps=np.nan_to_num(snap.vrate_mps),
            party=party,
            valid=valid,
            ids=ids,
        )

    def _minima(self, states: TrackStates) -> SeparationMinima:
        c = self.config
        if not c.minima_areas:
            return SeparationMinima(c.hmin_m, c.vmin_m, c.lookahead_s)
        h = np.full(len(states), c.hmin_m)
        v = np.full(len(states), c.vmin_m)
        u = frames.unit_vectors(states.lat_deg, states.lon_deg)
        for area in c.minima_areas:
            ok = u @ area.outline.centre > 0.2
            xy = frames.gnomonic_forward(u[ok], area.outline.centre)
            inside = np.zeros(len(states), dtype=bool)
            inside[ok] = shapely.contains_xy(area.outline.planar(), xy[:, 0], xy[:, 1])
            h[inside] = area.hmin_m
            v[inside] = area.vmin_m
        return SeparationMinima(h, v, c.lookahead_s)

    def step(self, now: float) -> StepResult:
        """One detection cycle at ``now`` (POSIX s); returns the alert changes."""
        self.cycle += 1
        self.table.expire(now)
        snap = self.table.snapshot(now, extrapolate=True)
        st = self.states(snap)
        conds = conflict_conditions(
            detect_conflicts(st, self._minima(st), same_party=self.config.same_party), st
        )
        if self._airspace is not None:
            warn = detect_area_proximity(st, self._airspace, lookahead_s=self.config.lookahead_s)
            conds += area_conditions(warn, st, self._airspace)
        if self._intents is not None:
            nc = detect_nonconformance(
                st,
                self._intents,
                now,
                h_tol_m=self.config.conformance_h_tol_m,
                v_tol_m=self.config.conformance_v_tol_m,
            )
            conds += nonconformance_conditions(nc, st, self._intents)
        row_of = {int(i): k for k, i in enumerate(st.ids)}
        events = []
        for ev in self.tracker.update(conds, now):
            alert = self._alert(ev, snap, row_of, now)
            if ev.type == "cleared":
                self._open.pop(alert["alert_id"], None)
            else:
                self._open[alert["alert_id"]] = alert
            events.append({"event": ev.type, **alert})
        return StepResult(now, events, list(self._open.values()), snap)

    # -- alerts on the wire ---------------------------------------------------------------------

    def _alert(
        self, ev: AlertEvent, snap: TrackSnapshot, row_of: dict[int, int], now: float
    ) -> dict[str, Any]:
        c = ev.condition
        d = dict(c.data)
        kind = KIND_NAMES.get(c.kind, c.kind)
        # Ids name the tracks (and airspace), not the engine's internal codes: readable and
        # still deterministic, since the tracker numbers repeated conditions.
        names = [self._track_name[_code(k)] for k in c.key if not isinstance(k, str)]
        names += [str(k) for k in c.key if isinstance(k, str)]
        out: dict[str, Any] = {
            "alert_id": f"{kind}:{'+'.join(names)}:{ev.alert_id.rsplit(':', 1)[1]}",
            "kind": kind,
            "time": format_time(now),
            "raised_at": format_time(ev.since),
            "updated_at": format_time(now),
            "phase": c.phase,
            "active": ev.type != "cleared",
        }
        if c.kind == "conflict":
            a, b = (self._track_name[_code(k)] for k in c.key)
            rows = [row_of.get(_code(k)) for k in c.key]
            out["tracks"] = [a, b]
            out["parties"] = sorted({str(snap.party[r]) for r in rows if r is not None})
            tcpa = max(_num(d.get("tcpa_s")), 0.0)
            out.update(
                time_to_loss_s=round(max(_num(d.get("t_los_s")), 0.0), 3),
                tcpa_s=round(_num(d.get("tcpa_s")), 3),
                dcpa_m=round(_num(d.get("dcpa_m")), 2),
                vertical_m=round(abs(_num(d.get("dz_cpa_m"))), 2),
                distance_m=round(_num(d.get("dist_m")), 2),
                cpa=[_ahead(snap, r, tcpa) for r in rows if r is not None],
            )
        elif c.kind == "airspace":
            track = self._track_name[_code(c.key[0])]
            area_id = str(c.key[1])
            r = row_of.get(_code(c.key[0]))
            party = str(snap.party[r]) if r is not None else "unknown"
            owner = self._airspace_owner.get(area_id, "unknown")
            inside = c.phase == "inside"
            out.update(
                tracks=[track],
                parties=sorted({party, owner}),
                airspace_id=area_id.split("#")[0],
                airspace_owner=owner,
                time_to_entry_s=0.0 if inside else round(_num(d.get("t_entry_s")), 3),
                entry_point=[
                    round(_num(d.get("entry_lat_deg")), 6),
                    round(_num(d.get("entry_lon_deg")), 6),
                ],
                entry_alt_m=round(_num(d.get("entry_alt_m")), 1),
                depth_m=round(_num(d.get("depth_m", 0.0)), 2),
                time_inside_s=round(now - ev.phase_since, 3) if inside else 0.0,
            )
        else:
            track = self._track_name[_code(c.key[0])]
            r = row_of.get(_code(c.key[0]))
            party = str(snap.party[r]) if r is not None else "unknown"
            out.update(
                tracks=[track],
                parties=[party],
                intent_id=d.get("nearest_intent"),
                h_out_m=d.get("h_out_m"),
                v_out_m=d.get("v_out_m"),
            )
        return out


def _code(k: Any) -> int:
    return int(k)


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    return v if math.isfinite(v) else 0.0


def _ahead(snap: TrackSnapshot, r: int, dt: float) -> list[float]:
    """Where track row ``r`` will be after ``dt`` s on its current great circle (lat, lon)."""
    gs = float(np.nan_to_num(snap.gs_mps[r]))
    trk = float(np.nan_to_num(snap.track_deg[r]))
    la, lo = frames.destination(snap.lat_deg[r], snap.lon_deg[r], trk, gs * dt)
    return [round(float(la), 6), round(float(lo), 6)]
