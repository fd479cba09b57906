#!/usr/bin/env python
"""Strategic deconfliction benchmark: filing and area queries against a million active intents.

One command (SQLite and a throwaway PostgreSQL server from Debian's package)::

    .venv/bin/python bench/bench_strategic.py [--intents 1000000] [--filings 5000]
        [--backend sqlite|postgres|both] [--writers 1,2,4] [--quick] [--json FILE]

What it does, on each back end, with the same data:

1. **Loads** ``--intents`` active intents spread over the world (UAS-like volumes around cities,
   military-like volumes over regions, windows over the next two days; routes recur, each
   world outline flown by 10 intents at other times and heights) plus a congested
   2 km × 2 km area whose flights all differ, through the store's bulk path (:func:`skyaccord.store.intents.
   bulk_insert_intents`; coverings computed in worker processes).
2. **Files** ``--filings`` operational intents into the congested area through
   :meth:`IntentService.file` (full key rule and 4D conflict check, one serializable
   transaction each), presenting exactly the OVNs that a planner who had queried would present;
   every answer is checked against a brute-force 4D check held in memory.  Then the 409 path
   (key missing one OVN), and, with ``--writers``, several writer processes at once.
3. **Queries** areas and times through :meth:`IntentService.query`: 2 km × 2 km city areas, the
   congested area, 50 km × 50 km regions.
4. **Brute force** in the same run, on a sample: the same queries and conflict checks by a SQL
   scan without the cell index plus the exact check, and by the exact check over every stored
   volume in memory; answers must agree with the indexed ones.

It prints absolute figures *and* ratios measured in the same run, and the ratio to the peer's
published figure (not measured here, and labelled so).  No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from skyaccord.airspace.model import AirspaceKind, ProtectedAirspace
from skyaccord.clock import ManualClock
from skyaccord.errors import MissingKeys, StoreError
from skyaccord.geo import frames
from skyaccord.geo.intersect import intersect
from skyaccord.geo.validate import Limits, check_volume
from skyaccord.geo.volumes import (
    I64,
    Outline,
    Volume4D,
    VolumeArray,
    circle_outline,
    polygon_outline,
)
from skyaccord.intents.model import ACTIVE_STATES, Filing, Intent, State
from skyaccord.services.auth import AuthService
from skyaccord.services.intents import IntentService
from skyaccord.store import Store
from skyaccord.store import airspace as airspace_repo
from skyaccord.store.codec import covering_cells, volume_array_from_rows
from skyaccord.store.intents import bulk_insert_intents
from skyaccord.store.schema import intent_volumes, intents
from skyaccord.testing import postgres

# -- the peer: published figures, NOT measured in this run ------------------------------------

PEER = "InterUSS DSS (Go, CockroachDB)"
PEER_WRITES_PER_S = 3.0
PEER_WRITES_SOURCE = (
    "skyaccord DESIGN.md 'Performance: how we measure' and the benchmark issue: the InterUSS DSS "
    "manages 'a few writes per second per congested area under its locking' (taken as 3/s)"
)
PEER_CREATE_MEAN_S = 0.013
PEER_QUERY_MEAN_S = 0.004
PEER_TIMING_SOURCE = (
    "InterUSS uss_qualifier published report 'f3548_self_contained', Timing page (run "
    "TR-fe39f51, 2026-03-05): dss.createOperationalIntentReference mean 0.013 s, "
    "dss.queryOperationalIntentReferences mean 0.004 s (over HTTP, one writer, local test DSS)"
)

# -- the world --------------------------------------------------------------------------------

T_NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z, the benchmark's fixed "now"
HORIZON_S = 48 * 3600.0  # windows start within the next two days
CONGESTED = (48.8566, 2.3522)  # centre of the congested 2 km × 2 km area (central Paris)
CONGESTED_SIDE_M = 2000.0
N_USS = 12
MIL_SHARE = 0.08
CHUNK = 5000
REUSE = 10  # intents per distinct world outline (recurring routes)

# Approximate centres of large metropolitan areas (lat, lon, relative UAS traffic weight).
CITIES: tuple[tuple[float, float, float], ...] = (
    (48.86, 2.35, 3),  # Paris
    (51.51, -0.13, 3),  # London
    (52.52, 13.40, 2),  # Berlin
    (40.42, -3.70, 2),  # Madrid
    (41.90, 12.50, 2),  # Rome
    (52.37, 4.90, 1),  # Amsterdam
    (50.85, 4.35, 1),  # Brussels
    (48.21, 16.37, 1),  # Vienna
    (47.37, 8.54, 1),  # Zurich
    (59.33, 18.07, 1),  # Stockholm
    (55.76, 37.62, 2),  # Moscow
    (41.01, 28.98, 2),  # Istanbul
    (32.08, 34.78, 1),  # Tel Aviv
    (33.51, 36.29, 1),  # Damascus
    (30.04, 31.24, 2),  # Cairo
    (25.20, 55.27, 1),  # Dubai
    (19.08, 72.88, 3),  # Mumbai
    (28.61, 77.21, 3),  # Delhi
    (13.76, 100.50, 2),  # Bangkok
    (1.35, 103.82, 2),  # Singapore
    (-6.21, 106.85, 2),  # Jakarta
    (39.90, 116.40, 3),  # Beijing
    (31.23, 121.47, 3),  # Shanghai
    (22.32, 114.17, 2),  # Hong Kong
    (35.68, 139.69, 3),  # Tokyo
    (37.57, 126.98, 2),  # Seoul
    (-33.87, 151.21, 2),  # Sydney
    (-36.85, 174.76, 1),  # Auckland
    (40.71, -74.01, 3),  # New York
    (38.91, -77.04, 2),  # Washington
    (41.88, -87.63, 2),  # Chicago
    (32.78, -96.80, 2),  # Dallas
    (34.05, -118.24, 3),  # Los Angeles
    (37.77, -122.42, 2),  # San Francisco
    (47.61, -122.33, 1),  # Seattle
    (43.65, -79.38, 2),  # Toronto
    (19.43, -99.13, 2),  # Mexico City
    (4.71, -74.07, 1),  # Bogotá
    (-23.55, -46.63, 3),  # São Paulo
    (-34.60, -58.38, 2),  # Buenos Aires
    (-33.45, -70.67, 1),  # Santiago
    (6.52, 3.38, 2),  # Lagos
    (-1.29, 36.82, 1),  # Nairobi
    (-26.20, 28.05, 1),  # Johannesburg
    (64.15, -21.94, 1),  # Reykjavik
    (61.22, -149.90, 1),  # Anchorage
    (21.31, -157.86, 1),  # Honolulu
    (-17.54, -149.57, 1),  # Papeete
    (-18.14, 178.44, 1),  # Suva (near the antimeridian)
    (78.22, 15.65, 1),  # Longyearbyen (high latitude)
)
# Regions where military-like volumes concentrate (lat, lon).
MIL_REGIONS: tuple[tuple[float, float], ...] = (
    (35.0, 37.0),
    (36.5, 36.2),
    (33.0, 44.0),
    (50.0, 36.0),
    (55.0, 20.0),
    (45.0, 34.0),
    (38.0, 127.0),
    (24.0, 120.0),
    (18.0, 114.0),
    (26.0, 53.0),
    (15.0, 45.0),
    (60.0, 28.0),
    (35.0, -117.0),
    (31.0, -106.0),
    (64.0, -147.0),
    (51.0, -1.0),
)
_CITY_P = np.array([w for _, _, w in CITIES], dtype=np.float64)
_CITY_P /= _CITY_P.sum()


def _ovn(rng: np.random.Generator) -> str:
    return base64.urlsafe_b64encode(rng.bytes(18)).decode()


def box_outline(lat: float, lon: float, w: float, h: float, rot_deg: float) -> Outline:
    """A ``w`` × ``h`` m rectangle centred at (lat, lon), rotated by ``rot_deg``."""
    a = math.degrees(math.atan2(w, h))
    brg = rot_deg + np.array([a, 180.0 - a, 180.0 + a, 360.0 - a])
    la, lo = frames.destination(lat, lon, brg, 0.5 * math.hypot(w, h))
    return polygon_outline(la, lo)


def star_outline(rng: np.random.Generator, lat: float, lon: float, r: float) -> Outline:
    """An irregular polygon star-shaped about its centre (so always simple)."""
    n = int(rng.integers(5, 9))
    brg = (np.arange(n) + rng.uniform(0.15, 0.85, n)) * (360.0 / n)
    la, lo = frames.destination(lat, lon, brg, r * rng.uniform(0.6, 1.0, n))
    return polygon_outline(la, lo)


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    d = math.hypot(east_m, north_m)
    if d == 0.0:
        return lat, lon
    la, lo = frames.destination(lat, lon, math.degrees(math.atan2(east_m, north_m)), d)
    return float(la), float(lo)


def uas_volumes(
    rng: np.random.Generator,
    lat: float,
    lon: float,
    size: tuple[float, float],
    dur: tuple[float, float],
) -> tuple[Volume4D, ...]:
    """One or two legs of a small UAS flight near (lat, lon)."""
    legs = 1 if rng.random() < 0.7 else 2
    t = T_NOW + rng.uniform(300.0, HORIZON_S)
    lower = rng.uniform(0.0, 90.0)
    upper = lower + rng.uniform(20.0, 60.0)
    out = []
    for _ in range(legs):
        if rng.random() < 0.7:
            w, h = rng.uniform(*size), rng.uniform(*size)
            o = box_outline(lat, lon, w, h, rng.uniform(0.0, 90.0))
            step = max(w, h)
        else:
            r = 0.5 * rng.uniform(*size)
            o = circle_outline(lat, lon, r)
            step = 2.0 * r
        d = rng.uniform(*dur)
        out.append(Volume4D(o, lower, upper, t, t + d))
        t += d
        lat, lon = _offset(lat, lon, step * rng.uniform(-0.8, 0.8), step * rng.uniform(-0.8, 0.8))
    return tuple(out)


def military_volumes(rng: np.random.Generator) -> tuple[Volume4D, ...]:
    if rng.random() < 0.7:
        rlat, rlon = MIL_REGIONS[int(rng.integers(len(MIL_REGIONS)))]
        lat, lon = _offset(rlat, rlon, rng.normal(0.0, 300e3), rng.normal(0.0, 300e3))
    else:
        lat, lon = float(rng.uniform(-55.0, 70.0)), float(rng.uniform(-180.0, 180.0))
    t = T_NOW + rng.uniform(300.0, HORIZON_S)
    d = rng.uniform(3600.0, 6 * 3600.0)
    lower = rng.uniform(1500.0, 9000.0)
    upper = lower + rng.uniform(1000.0, 5000.0)
    if rng.random() < 0.6:
        o = star_outline(rng, lat, lon, rng.uniform(10e3, 60e3))
    else:
        o = circle_outline(lat, lon, rng.uniform(5e3, 40e3))
    vols = [Volume4D(o, lower, upper, t, t + d)]
    if rng.random() < 0.2:  # a second, higher block
        vols.append(Volume4D(o, upper, upper + rng.uniform(500.0, 3000.0), t, t + d))
    return tuple(vols)


def make_intent(
    rng: np.random.Generator, iid: str, owner: str, vols: tuple[Volume4D, ...]
) -> Intent:
    created = T_NOW - rng.uniform(0.0, 86400.0)
    state = State.ACTIVATED if rng.random() < 0.1 else State.ACCEPTED
    return Intent(iid, owner, state, 1, _ovn(rng), vols, created, created)


def reschedule(
    rng: np.random.Generator, vols: tuple[Volume4D, ...], mil: bool
) -> tuple[Volume4D, ...]:
    """The same route flown at another time and height (legs keep their relative timing)."""
    dt = T_NOW + rng.uniform(300.0, HORIZON_S) - vols[0].t_start
    lower = rng.uniform(1500.0, 9000.0) if mil else rng.uniform(0.0, 90.0)
    dz = lower - vols[0].alt_lower_m
    return tuple(
        Volume4D(v.outline, v.alt_lower_m + dz, v.alt_upper_m + dz, v.t_start + dt, v.t_end + dt)
        for v in vols
    )


def world_chunk(spec: tuple[int, int, int]) -> tuple[list[Intent], list[list[I64]]]:
    """Chunk ``index`` of the world (deterministic in ``seed``), with every volume's covering.

    Routes recur: each distinct outline is flown by :data:`REUSE` intents at other times and
    heights (by other parties), so coverings are computed once per outline.
    """
    seed, index, count = spec
    rng = np.random.default_rng([seed, 1, index])
    routes: list[tuple[bool, tuple[Volume4D, ...], list[I64]]] = []
    for _ in range(max(1, math.ceil(count / REUSE))):
        mil = bool(rng.random() < MIL_SHARE)
        if mil:
            vols = military_volumes(rng)
        else:
            clat, clon, _ = CITIES[int(rng.choice(len(CITIES), p=_CITY_P))]
            lat, lon = _offset(clat, clon, rng.normal(0.0, 15e3), rng.normal(0.0, 15e3))
            vols = uas_volumes(rng, lat, lon, (100.0, 1500.0), (600.0, 7200.0))
        routes.append((mil, vols, [covering_cells([v.outline]) for v in vols]))
    out: list[Intent] = []
    cells: list[list[I64]] = []
    for j in range(count):
        mil, vols, vcells = routes[j % len(routes)]
        if j >= len(routes):
            vols = reschedule(rng, vols, mil)
        mil_owner = f"mil-{'abc'[int(rng.integers(3))]}"
        owner = mil_owner if mil else f"uss-{int(rng.integers(1, N_USS + 1)):02d}"
        out.append(make_intent(rng, f"w{index:05d}x{j:05d}", owner, vols))
        cells.append(vcells)
    return out, cells


def congested_plan(
    seed: int, tag: int, n: int, prefix: str
) -> list[tuple[str, str, tuple[Volume4D, ...]]]:
    """``n`` UAS flights inside the congested 2 km × 2 km area: (id, owner, volumes)."""
    rng = np.random.default_rng([seed, 2, tag])
    half = 0.5 * CONGESTED_SIDE_M - 250.0  # keep legs inside the area
    out = []
    for j in range(n):
        owner = f"uss-{int(rng.integers(1, N_USS + 1)):02d}"
        lat, lon = _offset(*CONGESTED, rng.uniform(-half, half), rng.uniform(-half, half))
        vols = uas_volumes(rng, lat, lon, (80.0, 400.0), (300.0, 1800.0))
        out.append((f"{prefix}{j:06d}", owner, vols))
    return out


# -- volumes in memory: the brute-force reference ---------------------------------------------


def concat_arrays(parts: Sequence[VolumeArray]) -> VolumeArray:
    parts = [p for p in parts if len(p)]
    if not parts:
        return VolumeArray.from_volumes([])
    counts = np.concatenate([np.diff(p.offsets) for p in parts])
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    cat = np.concatenate
    return VolumeArray(
        lat=cat([p.lat for p in parts]),
        lon=cat([p.lon for p in parts]),
        offsets=offsets,
        centre=cat([p.centre for p in parts]),
        radius_rad=cat([p.radius_rad for p in parts]),
        alt_lower_m=cat([p.alt_lower_m for p in parts]),
        alt_upper_m=cat([p.alt_upper_m for p in parts]),
        t_start=cat([p.t_start for p in parts]),
        t_end=cat([p.t_end for p in parts]),
    )


@dataclass
class Reference:
    """Every stored volume in memory, with its intent id and owner (for the brute force)."""

    parts: list[VolumeArray] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # per volume
    owners: list[str] = field(default_factory=list)
    _array: VolumeArray | None = None

    def add(self, items: Sequence[tuple[str, str, tuple[Volume4D, ...]]]) -> None:
        vols = [v for _, _, vs in items for v in vs]
        self.parts.append(VolumeArray.from_volumes(vols))
        for iid, owner, vs in items:
            self.ids.extend([iid] * len(vs))
            self.owners.extend([owner] * len(vs))
        self._array = None

    @property
    def array(self) -> VolumeArray:
        if self._array is None:
            self._array = concat_arrays(self.parts)
            self.parts = [self._array]
        return self._array

    def hits(self, v: Volume4D) -> set[str]:
        return {self.ids[o.index] for o in intersect(v, self.array, geometry=False)}

    def copy(self) -> Reference:
        r = Reference(list(self.parts), list(self.ids), list(self.owners))
        r._array = self._array
        return r


def near(arr: VolumeArray, lat: float, lon: float, radius_m: float) -> I64:
    c = frames.unit_vectors(lat, lon)
    ang = frames.angle_between(arr.centre, c)
    return np.flatnonzero(ang <= arr.radius_rad + radius_m / frames.EARTH_RADIUS_M)


# -- statistics and output --------------------------------------------------------------------


def pct(xs: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs, dtype=np.float64), q)) if len(xs) else float("nan")


def summary(lat_s: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(lat_s),
        "p50_ms": pct(lat_s, 50) * 1e3,
        "p99_ms": pct(lat_s, 99) * 1e3,
        "mean_ms": float(np.mean(lat_s)) * 1e3 if len(lat_s) else float("nan"),
    }


def progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


# -- back ends --------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str
    store: Store
    ref: Reference = field(default_factory=Reference)
    ovn: dict[str, str] = field(default_factory=dict)  # what a planner has learned so far
    results: dict[str, Any] = field(default_factory=dict)


def open_backends(names: Sequence[str], stack: ExitStack, tmp: Path) -> list[Backend]:
    out = []
    for name in names:
        if name == "sqlite":
            url = str(tmp / "bench.db")
        else:
            server = stack.enter_context(postgres.postgres_server())
            url = postgres.fresh_database(server, "bench_" + uuid.uuid4().hex[:10])
        store = Store(url)
        if store.is_sqlite:  # a 2 GiB page cache while bulk-loading (memory only)

            @sa.event.listens_for(store.engine, "connect")
            def _big_cache(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.execute("PRAGMA cache_size=-2097152")

        store.upgrade()
        stack.callback(store.dispose)
        out.append(Backend(name, url, store))
    return out


def seed_static(b: Backend) -> None:
    """Parties, notice rules and a protected no-fly zone at the edge of the congested area."""
    clock = ManualClock(T_NOW - 86400.0)
    auth = AuthService(b.store, clock)
    for i in range(1, N_USS + 1):
        auth.add_party(f"uss-{i:02d}", f"UAS service provider {i}")
    for m in "abc":
        auth.add_party(f"mil-{m}", f"Air force {m.upper()}")
    auth.add_party("ansp", "Air navigation service provider")
    for i in (1, 2, 3):  # some providers owe the ANSP 30 minutes of notice
        auth.set_notice(f"uss-{i:02d}", "ansp", 1800.0)
    lat, lon = _offset(*CONGESTED, 600.0, -700.0)
    zone = ProtectedAirspace(
        "nfz-congested",
        "ansp",
        AirspaceKind.RESTRICTED,
        "No-fly zone at the edge of the congested area",
        (Volume4D(circle_outline(lat, lon, 150.0), 0.0, 300.0, 0.0, 253402300799.0),),
    )
    b.store.transact(lambda c: airspace_repo.insert_airspace(c, zone))


def insert(b: Backend, items: list[Intent], cells: list[list[I64]] | None) -> int:
    return b.store.transact(lambda c: bulk_insert_intents(c, items, cells))


def load(
    backends: list[Backend], cfg: Config, console: Console
) -> tuple[Reference, dict[str, str], list[tuple[str, str, tuple[Volume4D, ...]]]]:
    """Bulk-loads the world and the congested area's pre-filed intents into every back end.

    Returns the in-memory reference of everything loaded, the OVNs of the intents near the
    congested area (what a planner there would have learned by querying), and those intents.
    """
    ref = Reference()
    near_ovn: dict[str, str] = {}
    near_items: list[tuple[str, str, tuple[Volume4D, ...]]] = []
    for b in backends:
        seed_static(b)
    n_world = cfg.intents - cfg.congested
    specs = [
        (cfg.seed, i, min(CHUNK, n_world - i * CHUNK)) for i in range(math.ceil(n_world / CHUNK))
    ]
    stats = {"volumes": 0, "cells": 0}
    t0 = time.perf_counter()
    workers = max(1, min(cfg.workers, len(specs)))
    ctx = mp.get_context("spawn")
    with progress(console) as prog, ctx.Pool(workers) as pool:
        task = prog.add_task("bulk load (world)", total=n_world, rate="")
        done = 0
        for items, cells in pool.imap(world_chunk, specs):
            for b in backends:
                n_cells = insert(b, items, cells)
            stats["cells"] += n_cells
            stats["volumes"] += sum(len(it.volumes) for it in items)
            triples = [(it.id, it.owner, it.volumes) for it in items]
            ref.add(triples)
            part = ref.parts[-1]
            hit = near(part, *CONGESTED, 3000.0)
            if hit.size:
                base = len(ref.ids) - len(part)
                for iid in {ref.ids[base + int(k)] for k in hit}:
                    it = next(x for x in items if x.id == iid)
                    near_ovn[iid] = it.ovn
                    near_items.append((iid, it.owner, it.volumes))
            done += len(items)
            rate = done / (time.perf_counter() - t0)
            prog.update(task, advance=len(items), rate=f"{rate:,.0f} intents/s")
            if not console.is_terminal and done % 100_000 < len(items):
                console.print(f"  loaded {done:,} world intents ({rate:,.0f}/s)")
        # the congested area's pre-filed flights
        plan = congested_plan(cfg.seed, 0, cfg.congested, "c")
        rng = np.random.default_rng([cfg.seed, 3])
        pre = [make_intent(rng, iid, owner, vols) for iid, owner, vols in plan]
        task2 = prog.add_task("bulk load (congested area)", total=len(pre), rate="")
        for k in range(0, len(pre), CHUNK):
            part_items = pre[k : k + CHUNK]
            for b in backends:
                n_cells = insert(b, part_items, None)
            stats["cells"] += n_cells
            prog.update(task2, advance=len(part_items))
        stats["volumes"] += sum(len(it.volumes) for it in pre)
        ref.add(plan)
        for it in pre:
            near_ovn[it.id] = it.ovn
        near_items.extend(plan)
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for b in backends:
        with b.store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    analyze_s = time.perf_counter() - t1
    for b in backends:
        b.results["load"] = {
            "intents": cfg.intents,
            "volumes": stats["volumes"],
            "cell_rows": stats["cells"],
            "seconds_all_backends": load_s,
            "analyze_s": analyze_s,
            "intents_per_s": cfg.intents / load_s,
        }
    console.print(
        f"loaded {cfg.intents:,} intents ({stats['volumes']:,} volumes, {stats['cells']:,} cell "
        f"rows) into {', '.join(b.name for b in backends)} in {load_s:,.1f} s "
        f"({cfg.intents / load_s:,.0f} intents/s; ANALYZE {analyze_s:.1f} s)"
    )
    return ref, near_ovn, near_items


# -- filing -----------------------------------------------------------------------------------


@dataclass
class Config:
    intents: int
    filings: int
    congested: int
    queries: int
    brute: int
    rejects: int
    writers: tuple[int, ...]
    workers: int
    seed: int
    parallel_sqlite: bool = False


def expectations(
    plan: Sequence[tuple[str, str, tuple[Volume4D, ...]]], local: Reference
) -> list[set[str]]:
    """For each planned filing, the other parties' intents it meets in 4D (brute force)."""
    owners = dict(zip(local.ids, local.owners, strict=True))
    out = []
    for iid, owner, vols in plan:
        hit: set[str] = set()
        for v in vols:
            hit |= local.hits(v)
        out.append({h for h in hit if h != iid and owners[h] != owner})
    return out


def service(b: Backend) -> IntentService:
    return IntentService(b.store, ManualClock(T_NOW))


def file_single(
    b: Backend,
    plan: Sequence[tuple[str, str, tuple[Volume4D, ...]]],
    expect: Sequence[set[str]],
    console: Console,
) -> None:
    svc = service(b)
    lat: list[float] = []
    mismatched = 0
    n_conf = n_air = 0
    with progress(console) as prog:
        task = prog.add_task(f"[{b.name}] filing, one writer", total=len(plan), rate="")
        t_start = time.perf_counter()
        for i, ((iid, owner, vols), exp) in enumerate(zip(plan, expect, strict=True)):
            present = {x for x in exp if x in b.ovn}
            filing = Filing(vols, key=frozenset(b.ovn[x] for x in present))
            t = time.perf_counter()
            res = svc.file(owner, filing, iid)
            lat.append(time.perf_counter() - t)
            b.ovn[iid] = res.intent.ovn
            got = {c.other_id for c in res.conflicts if c.kind == "intent"}
            n_conf += len(got)
            n_air += sum(1 for c in res.conflicts if c.kind == "airspace")
            mismatched += got != present
            if i % 200 == 199:
                prog.update(task, completed=i + 1, rate=f"{(i + 1) / sum(lat):,.0f} filings/s")
        wall = time.perf_counter() - t_start
        prog.update(task, completed=len(plan))
    b.results["filing"] = {
        **summary(lat),
        "throughput_per_s": len(lat) / wall,
        "service_time_per_s": len(lat) / sum(lat),
        "wall_s": wall,
        "conflicts_per_filing": n_conf / len(plan),
        "airspace_conflicts_per_filing": n_air / len(plan),
        "disagreements_with_brute_force": mismatched,
    }


def file_rejected(
    b: Backend,
    plan: Sequence[tuple[str, str, tuple[Volume4D, ...]]],
    expect: Sequence[set[str]],
) -> None:
    """The 409 path: each filing presents its key less one OVN and must be refused."""
    svc = service(b)
    lat: list[float] = []
    wrong = 0
    for (iid, owner, vols), exp in zip(plan, expect, strict=True):
        present = sorted(x for x in exp if x in b.ovn)
        if not present:
            continue
        key = frozenset(b.ovn[x] for x in present[1:])
        t = time.perf_counter()
        try:
            svc.file(owner, Filing(vols, key=key), iid)
            wrong += 1
        except MissingKeys as e:
            lat.append(time.perf_counter() - t)
            wrong += [m["id"] for m in e.missing] != [present[0]]
    b.results["reject_409"] = {**summary(lat), "wrong_answers": wrong}


def _writer(
    url: str,
    plan: list[tuple[str, str, tuple[Volume4D, ...]]],
    expect: list[set[str]],
    known: dict[str, str],
    barrier: Any,
    out: Any,
) -> None:
    store = Store(url)
    svc = IntentService(store, ManualClock(T_NOW))
    lat: list[float] = []
    refused = gave_up = 0
    filed: dict[str, str] = {}
    barrier.wait()
    t0 = time.perf_counter()
    for (iid, owner, vols), exp in zip(plan, expect, strict=True):
        key = {known[x] for x in exp if x in known}
        t = time.perf_counter()
        while True:
            try:
                res = svc.file(owner, Filing(vols, key=frozenset(key)), iid)
            except MissingKeys as e:  # another writer filed meanwhile: learn its OVN, retry
                refused += 1
                for m in e.missing:
                    known[m["id"]] = m["ovn"]
                    key.add(m["ovn"])
                continue
            except StoreError:  # contended beyond Store.transact's retries: counted, not fatal
                gave_up += 1
                break
            lat.append(time.perf_counter() - t)
            known[iid] = filed[iid] = res.intent.ovn
            break
    t1 = time.perf_counter()
    out.put((lat, refused, store.contention_retries, t0, t1, filed, gave_up))
    store.dispose()


def file_parallel(
    b: Backend,
    writers: int,
    plan: list[tuple[str, str, tuple[Volume4D, ...]]],
    expect: list[set[str]],
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers)
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=_writer,
            args=(b.url, plan[w::writers], expect[w::writers], dict(b.ovn), barrier, out),
        )
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    parts = [out.get() for _ in procs]
    for p in procs:
        p.join()
    lat = [x for part in parts for x in part[0]]
    wall = max(p[4] for p in parts) - min(p[3] for p in parts)
    for part in parts:
        b.ovn.update(part[5])
    return {
        "writers": writers,
        **summary(lat),
        "throughput_per_s": len(lat) / wall,
        "refused_409_then_retried": sum(p[1] for p in parts),
        "serialization_retries": sum(p[2] for p in parts),
        "gave_up_after_retries": sum(p[6] for p in parts),
        "filed_ids": sorted(i for p in parts for i in p[5]),
    }


# -- queries ----------------------------------------------------------------------------------


def query_areas(seed: int, kind: str, n: int) -> list[Volume4D]:
    rng = np.random.default_rng([seed, 4, list(QUERY_KINDS).index(kind)])
    out = []
    for _ in range(n):
        t = T_NOW + rng.uniform(0.0, HORIZON_S)
        if kind == "city":
            clat, clon, _ = CITIES[int(rng.choice(len(CITIES), p=_CITY_P))]
            lat, lon = _offset(clat, clon, rng.normal(0.0, 10e3), rng.normal(0.0, 10e3))
            out.append(
                Volume4D(box_outline(lat, lon, 2000.0, 2000.0, 0.0), 0.0, 150.0, t, t + 3600.0)
            )
        elif kind == "congested":
            o = box_outline(*CONGESTED, CONGESTED_SIDE_M, CONGESTED_SIDE_M, 0.0)
            out.append(Volume4D(o, 0.0, 150.0, t, t + 3600.0))
        else:  # region
            rlat, rlon = MIL_REGIONS[int(rng.integers(len(MIL_REGIONS)))]
            lat, lon = _offset(rlat, rlon, rng.normal(0.0, 200e3), rng.normal(0.0, 200e3))
            o = box_outline(lat, lon, 50e3, 50e3, 0.0)
            out.append(Volume4D(o, 0.0, 15000.0, t, t + 7200.0))
    return out


QUERY_KINDS = {
    "city": "2 km × 2 km city area, 1 h, 0-150 m",
    "congested": "the congested 2 km × 2 km area, 1 h, 0-150 m",
    "region": "50 km × 50 km region, 2 h, 0-15 km",
}


def run_queries(b: Backend, cfg: Config, console: Console) -> dict[str, list[Volume4D]]:
    svc = service(b)
    areas = {k: query_areas(cfg.seed, k, cfg.queries) for k in QUERY_KINDS}
    b.results["query"] = {}
    with progress(console) as prog:
        for kind, qs in areas.items():
            task = prog.add_task(f"[{b.name}] query: {kind}", total=len(qs), rate="")
            lat: list[float] = []
            hits = 0
            for q in qs:
                t = time.perf_counter()
                own, others = svc.query("uss-01", q)
                lat.append(time.perf_counter() - t)
                hits += len(own) + len(others)
                prog.advance(task)
            b.results["query"][kind] = {**summary(lat), "hits_per_query": hits / len(qs)}
    return areas


_SCAN = (
    sa.select(
        intent_volumes.c.intent_id,
        intent_volumes.c.lat,
        intent_volumes.c.lon,
        intent_volumes.c.cx,
        intent_volumes.c.cy,
        intent_volumes.c.cz,
        intent_volumes.c.radius_rad,
        intent_volumes.c.alt_lower_m,
        intent_volumes.c.alt_upper_m,
        intent_volumes.c.t_start,
        intent_volumes.c.t_end,
        intents.c.owner,
    )
    .join(intents, intents.c.id == intent_volumes.c.intent_id)
    .where(
        intents.c.state.in_([s.value for s in ACTIVE_STATES]),
        intent_volumes.c.t_start < sa.bindparam("t1"),
        intent_volumes.c.t_end > sa.bindparam("t0"),
    )
)


def sql_scan(b: Backend, vols: Sequence[Volume4D]) -> set[str]:
    """Brute force in the store: every active volume in the time window (no cell index), each
    through the exact 4D check."""
    t0 = min(v.t_start for v in vols)
    t1 = max(v.t_end for v in vols)

    def run(conn: sa.Connection) -> set[str]:
        rows = conn.execute(_SCAN, {"t0": t0, "t1": t1}).all()
        arr = volume_array_from_rows(rows)
        found: set[str] = set()
        for v in vols:
            found |= {rows[o.index].intent_id for o in intersect(v, arr, geometry=False)}
        return found

    return b.store.transact(run, write=False)


def brute_force(
    b: Backend,
    areas: dict[str, list[Volume4D]],
    check_plan: Sequence[tuple[str, str, tuple[Volume4D, ...]]],
    check_expect: Sequence[set[str]],
    cfg: Config,
    console: Console,
) -> None:
    svc = service(b)
    ref = b.ref
    ref.array  # noqa: B018 - build the in-memory array before timing
    out: dict[str, Any] = {}
    disagree = 0
    with progress(console) as prog:
        for kind, qs in areas.items():
            sample = qs[: cfg.brute]
            task = prog.add_task(f"[{b.name}] brute force: {kind}", total=len(sample), rate="")
            t_idx: list[float] = []
            t_sql: list[float] = []
            t_mem: list[float] = []
            for q in sample:
                t = time.perf_counter()
                own, others = svc.query("uss-01", q)
                t_idx.append(time.perf_counter() - t)
                idx_ids = {i.id for i in own} | {r.id for r, _ in others}
                t = time.perf_counter()
                sql_ids = sql_scan(b, [q])
                t_sql.append(time.perf_counter() - t)
                t = time.perf_counter()
                mem_ids = ref.hits(q)
                t_mem.append(time.perf_counter() - t)
                disagree += not (idx_ids == sql_ids == mem_ids)
                prog.advance(task)
            out[kind] = {
                "n": len(sample),
                "indexed_p50_ms": pct(t_idx, 50) * 1e3,
                "sql_scan_p50_ms": pct(t_sql, 50) * 1e3,
                "memory_scan_p50_ms": pct(t_mem, 50) * 1e3,
                "sql_scan_ratio": pct(t_sql, 50) / pct(t_idx, 50),
                "memory_scan_ratio": pct(t_mem, 50) / pct(t_idx, 50),
            }
        # conflict check of a filing: indexed (dry run) vs SQL scan + exact check
        sample_f = list(check_plan[: cfg.brute])
        task = prog.add_task(f"[{b.name}] brute force: filing check", total=len(sample_f), rate="")
        t_idx, t_sql = [], []
        owners = dict(zip(ref.ids, ref.owners, strict=True))
        for (iid, owner, vols), exp in zip(sample_f, check_expect, strict=False):
            key = frozenset(b.ovn[x] for x in exp if x in b.ovn)
            t = time.perf_counter()
            res = svc.file(owner, Filing(vols, key=key), iid, dry_run=True)
            t_idx.append(time.perf_counter() - t)
            idx_ids = {c.other_id for c in res.conflicts if c.kind == "intent"}
            t = time.perf_counter()
            sql_ids = sql_scan(b, vols)
            sql_ids = {x for x in sql_ids if owners.get(x) != owner}
            t_sql.append(time.perf_counter() - t)
            disagree += idx_ids != sql_ids
            prog.advance(task)
        out["filing_check"] = {
            "n": len(sample_f),
            "indexed_p50_ms": pct(t_idx, 50) * 1e3,
            "sql_scan_p50_ms": pct(t_sql, 50) * 1e3,
            "sql_scan_ratio": pct(t_sql, 50) / pct(t_idx, 50),
        }
    out["disagreements"] = disagree
    b.results["brute_force"] = out


# -- report -----------------------------------------------------------------------------------


def report(backends: list[Backend], cfg: Config, console: Console) -> None:
    console.rule("[bold]skyaccord strategic benchmark")
    la = os.getloadavg()
    console.print(
        f"load average at the end {la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f} on {os.cpu_count()} "
        f"cores (other work on the machine inflates every absolute time; ratios are same-run)"
    )
    console.print(
        f"{cfg.intents:,} active intents loaded; {cfg.congested:,} of them pre-filed in the "
        f"congested {CONGESTED_SIDE_M / 1000:.0f} km × {CONGESTED_SIDE_M / 1000:.0f} km area; "
        f"{cfg.filings:,} filings into it; machine: {os.cpu_count()} cores"
    )
    t = Table(title="Filing into the congested area (full key rule + 4D conflict check + write)")
    for col in ("back end", "writers", "filings/s", "p50 ms", "p99 ms", "notes"):
        t.add_column(col, justify="right" if col not in ("back end", "notes") else "left")
    for b in backends:
        f = b.results["filing"]
        t.add_row(
            b.name,
            "1",
            f"{f['throughput_per_s']:,.0f}",
            f"{f['p50_ms']:.2f}",
            f"{f['p99_ms']:.2f}",
            f"{f['conflicts_per_filing']:.1f} conflicts/filing; "
            f"{f['disagreements_with_brute_force']} disagreements with brute force",
        )
        for p in b.results.get("parallel", []):
            t.add_row(
                b.name,
                str(p["writers"]),
                f"{p['throughput_per_s']:,.0f}",
                f"{p['p50_ms']:.2f}",
                f"{p['p99_ms']:.2f}",
                f"{p['refused_409_then_retried']} 409s learnt+retried, "
                f"{p['serialization_retries']} serialization retries, "
                f"{p['gave_up_after_retries']} gave up after 30 retries",
            )
        r = b.results["reject_409"]
        t.add_row(
            b.name,
            "1",
            "(409 path)",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"key missing one OVN: {r['n']} refused, {r['wrong_answers']} wrong answers",
        )
    console.print(t)
    q = Table(title="Query by area and time (IntentService.query)")
    for col in ("back end", "area", "p50 ms", "p99 ms", "hits/query", "brute SQL ×", "brute mem ×"):
        q.add_column(col, justify="left" if col in ("back end", "area") else "right")
    for b in backends:
        for kind, r in b.results["query"].items():
            bf = b.results["brute_force"][kind]
            q.add_row(
                b.name,
                QUERY_KINDS[kind],
                f"{r['p50_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                f"{r['hits_per_query']:.1f}",
                f"{bf['sql_scan_ratio']:,.0f}",
                f"{bf['memory_scan_ratio']:,.1f}",
            )
    console.print(q)
    console.print("[bold]Ratios measured in this run[/bold]")
    for b in backends:
        f = b.results["filing"]
        bf = b.results["brute_force"]
        fc = bf["filing_check"]
        best = max(
            [f["throughput_per_s"]] + [p["throughput_per_s"] for p in b.results.get("parallel", [])]
        )
        console.print(
            f"  {b.name}: filing throughput / target 1,000/s = {f['throughput_per_s'] / 1000:.2f} "
            f"(best with more writers {best / 1000:.2f}); "
            f"area query p99 / target 10 ms = "
            + ", ".join(f"{k} {r['p99_ms'] / 10:.2f}" for k, r in b.results["query"].items())
        )
        console.print(
            f"  {b.name}: brute force / indexed (p50, same queries, same run): "
            + "; ".join(
                f"{k}: SQL scan {bf[k]['sql_scan_ratio']:,.0f}×, in-memory exact scan "
                f"{bf[k]['memory_scan_ratio']:,.1f}×"
                for k in QUERY_KINDS
            )
            + f"; filing conflict check: SQL scan {fc['sql_scan_p50_ms']:,.1f} ms vs indexed dry run "
            f"{fc['indexed_p50_ms']:.2f} ms = {fc['sql_scan_ratio']:,.0f}×; "
            f"answers disagreeing: {bf['disagreements']}"
        )
    console.print(f"[bold]Peer: {PEER} — published figures, NOT measured in this run[/bold]")
    console.print(f"  writes: {PEER_WRITES_SOURCE}")
    console.print(f"  timing: {PEER_TIMING_SOURCE}")
    for b in backends:
        f = b.results["filing"]
        qc = b.results["query"]["city"]
        best = max(
            [f["throughput_per_s"]] + [p["throughput_per_s"] for p in b.results.get("parallel", [])]
        )
        b.results["peer"] = {
            "writes_ratio": best / PEER_WRITES_PER_S,
            "create_mean_ratio": PEER_CREATE_MEAN_S / (f["mean_ms"] / 1e3),
            "query_mean_ratio": PEER_QUERY_MEAN_S / (qc["mean_ms"] / 1e3),
        }
        console.print(
            f"  {b.name} vs peer (not same run): congested-area writes/s "
            f"{best:,.0f} / {PEER_WRITES_PER_S:.0f} = {best / PEER_WRITES_PER_S:,.0f}×; "
            f"mean filing {f['mean_ms']:.2f} ms vs DSS create mean {PEER_CREATE_MEAN_S * 1e3:.0f} ms "
            f"= {b.results['peer']['create_mean_ratio']:.1f}× (in-process vs over HTTP: orientation "
            f"only); city query mean {qc['mean_ms']:.2f} ms vs DSS query mean "
            f"{PEER_QUERY_MEAN_S * 1e3:.0f} ms = {b.results['peer']['query_mean_ratio']:.1f}×"
        )
    console.print(
        "  durability: SQLite WAL + synchronous=NORMAL (committed transactions survive a process "
        "crash); the throwaway PostgreSQL server runs with fsync=off (testing/postgres.py)"
    )


# -- main -------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> tuple[Config, list[str], Path | None]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--intents", type=int, default=None, help="active intents to load (1,000,000)")
    ap.add_argument("--filings", type=int, default=None, help="filings into the congested area")
    ap.add_argument("--congested", type=int, default=None, help="pre-filed intents in the area")
    ap.add_argument("--queries", type=int, default=None, help="queries per kind of area")
    ap.add_argument("--brute", type=int, default=None, help="queries per kind for brute force")
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--writers", default=None, help="writer process counts, e.g. 1,2,4")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="loader processes")
    ap.add_argument("--seed", type=int, default=20151124)
    ap.add_argument(
        "--parallel-sqlite", action="store_true", help="also run several writers on SQLite"
    )
    ap.add_argument("--quick", action="store_true", help="small run (20k intents), under a minute")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = ap.parse_args(argv)
    n = a.intents or (20_000 if a.quick else 1_000_000)
    filings = a.filings or (500 if a.quick else 5000)
    cfg = Config(
        intents=n,
        filings=filings,
        congested=a.congested if a.congested is not None else max(500, min(n // 100, 10_000)),
        queries=a.queries or (100 if a.quick else 1000),
        brute=a.brute or 5,
        rejects=max(50, filings // 10),
        writers=tuple(int(x) for x in (a.writers or ("1,2" if a.quick else "1,2,4")).split(",")),
        workers=a.workers,
        seed=a.seed,
        parallel_sqlite=a.parallel_sqlite,
    )
    backends = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    if "postgres" in backends and not postgres.available():
        print(
            "PostgreSQL is not installed (apt-get install postgresql); skipping it", file=sys.stderr
        )
        backends.remove("postgres")
    if not backends:
        ap.error("no back end to run")
    return cfg, backends, a.json


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    cfg, names, json_path = parse(argv)
    console = Console(stderr=False, width=160)
    t_all = time.perf_counter()
    la = os.getloadavg()
    console.print(
        f"skyaccord strategic benchmark: {cfg.intents:,} intents, {cfg.filings:,} filings, "
        f"{cfg.congested:,} pre-filed in the congested area, back ends {', '.join(names)}, "
        f"writers {cfg.writers}; load average at start {la[0]:.1f} on {os.cpu_count()} cores"
    )
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="skyaccord-bench-") as tmp:
        backends = open_backends(names, stack, Path(tmp))
        base_ref, near_ovn, near_items = load(backends, cfg, console)
        # Flights to file (A), flights for the 409 path and the brute-force check (C), flights
        # for the parallel writers (B); expectations by brute force over everything near.
        plan_a = congested_plan(cfg.seed, 1, cfg.filings, "a")
        plan_c = congested_plan(cfg.seed, 3, cfg.rejects, "r")
        par_writers = [w for w in cfg.writers if w > 1]
        plan_b = congested_plan(cfg.seed, 2, cfg.filings * len(par_writers), "b")
        local = Reference()
        local.add(near_items)
        local.add(plan_a)
        local.add(plan_b)
        t = time.perf_counter()
        exp_a = expectations(plan_a, local)
        exp_b = expectations(plan_b, local)
        exp_c = expectations(plan_c, local)
        console.print(
            f"brute-force expectations for {len(plan_a) + len(plan_b) + len(plan_c):,} "
            f"filings in {time.perf_counter() - t:.1f} s"
        )
        limits = Limits()
        for _, _, vols in plan_a[:50]:
            for i, v in enumerate(vols):
                check_volume(v, f"volumes[{i}]", limits)

        def phase(b: Backend, name: str) -> None:
            """One line per finished phase, and the results so far on disk (a long run that is
            stopped early still leaves its figures)."""
            console.print(f"[{b.name}] {name}: {json.dumps(b.results.get(name), default=str)}")
            if json_path is not None:
                partial = {x.name: x.results for x in backends}
                json_path.write_text(json.dumps({"partial": partial}, indent=1, default=str))

        for b in backends:
            b.ovn = dict(near_ovn)
            b.ref = base_ref.copy()
            file_single(b, plan_a, exp_a, console)
            b.ref.add(plan_a)
            phase(b, "filing")
            file_rejected(b, plan_c, exp_c)
            phase(b, "reject_409")
            b.results["parallel"] = []
            # Several writers only where they can run at once: SQLite writers queue on the
            # database lock (BEGIN IMMEDIATE), unless asked for with --parallel-sqlite.
            for k, w in enumerate(
                par_writers if b.name == "postgres" or cfg.parallel_sqlite else []
            ):
                part = plan_b[k * cfg.filings : (k + 1) * cfg.filings]
                part_exp = exp_b[k * cfg.filings : (k + 1) * cfg.filings]
                b.store.contention_retries = 0
                res = file_parallel(b, w, part, part_exp)
                filed = set(res.pop("filed_ids"))
                b.results["parallel"].append(res)
                b.ref.add([p for p in part if p[0] in filed])
                phase(b, "parallel")
            areas = run_queries(b, cfg, console)
            phase(b, "query")
            brute_force(b, areas, plan_c, exp_c, cfg, console)
            phase(b, "brute_force")
        report(backends, cfg, console)
        results: dict[str, Any] = {
            "config": cfg.__dict__,
            "backends": {b.name: b.results for b in backends},
            "peer": {
                "name": PEER,
                "writes_per_s": PEER_WRITES_PER_S,
                "writes_source": PEER_WRITES_SOURCE,
                "create_mean_s": PEER_CREATE_MEAN_S,
                "query_mean_s": PEER_QUERY_MEAN_S,
                "timing_source": PEER_TIMING_SOURCE,
                "measured_in_this_run": False,
            },
            "total_s": time.perf_counter() - t_all,
            "loadavg_end": os.getloadavg(),
        }
    console.print(f"total {results['total_s']:,.1f} s")
    if json_path is not None:
        json_path.write_text(json.dumps(results, indent=2, default=list))
    return results


if __name__ == "__main__":
    main()
