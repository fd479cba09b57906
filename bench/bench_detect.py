"""Benchmark of tactical detection: against BlueSky's C++ detector, and scaling on global traffic.

Run (one command, from the repository root)::

    .venv/bin/python bench/bench_detect.py            # full run (a few minutes)
    .venv/bin/python bench/bench_detect.py --quick    # smaller sizes, for a smoke test

Times are the best of several runs, measured in this run; no threshold is asserted.  Both CPU
time (``time.process_time``, what the work costs) and wall time are printed: on a machine shared
with other work (see the load average printed at the start and end) wall times stretch while CPU
times do not, so ratios are taken between CPU times.

Part 1 — peer: BlueSky ``CSTATEBASED`` (PyPI ``bluesky-simulator`` 1.1.1, its compiled
``cstatebased`` module, called directly) on the same random traffic in a 1,000 km box, N = 1k,
2k, 5k, 10k.  BlueSky measures distances flat-earth (equirectangular) on a sphere of 6,371 km;
skyaccord measures in the tangent plane of each pair on the WGS84 ellipsoid.  So the agreement is
checked in two steps:

* BlueSky against skyaccord run on BlueSky's sphere (``SphereStates``): the detection logic alone.
  A pair found by one side only is *borderline* at δ when scaling the thresholds (minima and
  look-ahead) by 1 ± δ flips skyaccord's verdict; all should be within 0.1 % (what remains is the
  flat-earth approximation: equirectangular distances, east/north frames of the two aircraft
  taken as parallel).
* skyaccord on the sphere against skyaccord on WGS84: the Earth model alone.  WGS84's radii of
  curvature differ from 6,371 km by −0.56 % (north–south, near the equator) to +0.11 %
  (east–west), so the current distance of a pair differs between the models by up to ~0.6 %, and
  so does its closest approach within the look-ahead *as a fraction of that distance* (up to
  several per cent of 5 NM for pairs still 100 km apart).  Every pair that flips is one whose
  closest approach lies between the two models' values, on either side of the minimum; the
  table shows the largest of these shifts.  Every difference between BlueSky and skyaccord on
  WGS84 must be one of the two kinds above ("unexpl." counts those that are not).

Part 2 — scaling: a realistic global distribution (hubs in countries, en-route traffic on
semicircular flight levels, climbs and descents, low-level traffic), N = 10k, 50k, 100k: one full
cycle — separation, proximity against ~250 country and zone polygons, conformance against
operation volumes — run as two threads (separation | proximity + conformance), and the ratio to
brute force where feasible (separation: all pairs, N ≤ 10k; proximity: every (track, polygon
part) path tested exactly, all N), with the results compared.  "2-core est." is the cycle's
critical path in CPU time: the serial part plus the busier thread, i.e. the wall time of the
cycle on two otherwise idle cores (assuming the threads do not wait for each other).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import math
import os
import sys
import time
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from skyaccord.detect import (
    Area,
    AreaIndex,
    AreaWarnings,
    SeparationMinima,
    TrackStates,
    detect_area_proximity,
    detect_area_proximity_brute_force,
    detect_conflicts,
    detect_conflicts_brute_force,
    detect_nonconformance,
)
from skyaccord.detect.separation import pair_geometry, pair_minima
from skyaccord.geo.frames import (
    EARTH_RADIUS_M,
    destination,
    gnomonic_forward,
    unit_vectors,
)

ROOT = Path(__file__).resolve().parent.parent
NM = 1852.0
FT = 0.3048
HMIN, VMIN, LOOK = 5 * NM, 1000 * FT, 300.0


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall time and best CPU time (s) of ``repeat`` calls, and the last result."""
    wall, cpu, out = math.inf, math.inf, None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        cpu = min(cpu, time.process_time() - c)
        wall = min(wall, time.perf_counter() - t)
    return wall, cpu, out


def load() -> str:
    """The machine's load average (1 min), with its number of cores."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


# ---------------------------------------------------------------------------------------------
# Part 1: BlueSky
# ---------------------------------------------------------------------------------------------
def load_cstatebased() -> Any:
    """BlueSky's compiled ``cstatebased`` module, loaded from its file (no BlueSky start-up)."""
    spec0 = importlib.util.find_spec("bluesky")
    if spec0 is None or spec0.submodule_search_locations is None:
        raise SystemExit("bluesky-simulator is not installed (uv sync --group bench)")
    base = Path(next(iter(spec0.submodule_search_locations))) / "traffic" / "asas"
    path = next(base.glob("cstatebased*.so"))
    loader = importlib.machinery.ExtensionFileLoader("cstatebased", str(path))
    spec = importlib.util.spec_from_file_location("cstatebased", str(path), loader=loader)
    assert spec is not None
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class SphereStates(TrackStates):
    """Track states on BlueSky's Earth (sphere of 6,371 km): to isolate the Earth model."""

    @cached_property
    def foot_ecef(self) -> Any:
        return unit_vectors(self.lat_deg, self.lon_deg) * 6371000.0

    @cached_property
    def up(self) -> Any:
        return unit_vectors(self.lat_deg, self.lon_deg)


def box_traffic(n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Uniform random traffic in a 1,000 km box (0–9° N, 0–9° E) as BlueSky's examples do."""
    return {
        "lat_deg": rng.uniform(0.0, 9.0, n),
        "lon_deg": rng.uniform(0.0, 9.0, n),
        "alt_m": rng.uniform(0.0, 12000.0, n),
        "gs_mps": rng.uniform(100.0, 250.0, n),
        "track_deg": rng.uniform(0.0, 360.0, n),
        "vrate_mps": rng.uniform(-10.0, 10.0, n),
        "party": np.arange(n),
    }


def borderline(states: TrackStates, i: Any, j: Any, ladder: list[float]) -> list[float]:
    """Smallest δ of ``ladder`` at which scaling the thresholds by 1 ± δ flips each pair's verdict."""
    m = SeparationMinima().validated(len(states))
    h, v, t = pair_minima(m, i, j)
    out = [math.inf] * len(i)
    for d in ladder:
        lenient, _ = pair_geometry(states, i, j, h * (1 + d), v * (1 + d), t * (1 + d))
        strict, _ = pair_geometry(states, i, j, h * (1 - d), v * (1 - d), t * (1 - d))
        for k in np.flatnonzero(lenient & ~strict):
            out[k] = min(out[k], d)
    return out


def approach(states: TrackStates, i: Any, j: Any) -> tuple[Any, Any]:
    """Distance now, and closest horizontal approach while within the vertical minimum in
    ``[0, look-ahead]`` (m; ``inf`` when never within it), in the pair's tangent plane."""
    up, b, vel = states.up, states.foot_ecef, states.velocity_ecef
    n = up[i] + up[j]
    n /= np.linalg.norm(n, axis=1)[:, None]
    d = b[j] - b[i]
    d -= np.einsum("ij,ij->i", d, n)[:, None] * n
    w = vel[j] - vel[i]
    w -= np.einsum("ij,ij->i", w, n)[:, None] * n
    dz = states.alt_m[j] - states.alt_m[i]
    dvz = states.vrate_mps[j] - states.vrate_mps[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        ta, tb = (-VMIN - dz) / dvz, (VMIN - dz) / dvz
        lo = np.where(dvz != 0, np.minimum(ta, tb), np.where(np.abs(dz) < VMIN, -np.inf, np.inf))
        hi = np.where(dvz != 0, np.maximum(ta, tb), np.where(np.abs(dz) < VMIN, np.inf, -np.inf))
        lo, hi = np.maximum(lo, 0.0), np.minimum(hi, LOOK)
        ww = np.einsum("ij,ij->i", w, w)
        tc = np.clip(np.where(ww > 0, -np.einsum("ij,ij->i", d, w) / ww, 0.0), lo, hi)
    r = d + w * np.where(lo <= hi, tc, 0.0)[:, None]
    dmin = np.where(lo <= hi, np.linalg.norm(r, axis=1), np.inf)
    return np.linalg.norm(d, axis=1), dmin


def pairs_of(c: Any) -> set[tuple[int, int]]:
    return set(zip(c.i.tolist(), c.j.tolist(), strict=True))


def as_arrays(pairs: list[tuple[int, int]]) -> tuple[Any, Any]:
    return (
        np.array([p[0] for p in pairs], dtype=np.int64),
        np.array([p[1] for p in pairs], dtype=np.int64),
    )


def part1(sizes: list[int], rng: np.random.Generator) -> None:
    cs = load_cstatebased()
    print("Part 1 — same random traffic in a 1,000 km box; BlueSky CSTATEBASED (C++) vs skyaccord")
    print(f"  minima 5 NM / 1,000 ft, look-ahead 300 s; best of several runs; {load()}\n")
    print(
        f"  {'N':>6} {'BlueSky':>8} {'skyaccord':>10} {'ratio':>7} | {'pairs BS':>8} "
        f"{'sphere':>7} {'differ':>6} {'≤0.1%':>6} {'max δ':>6} | {'WGS84':>6} "
        f"{'vs sph.':>7} {'Δdist':>6} {'Δclose':>7} {'unexpl.':>7}"
    )
    ladder = [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]
    for n in sizes:
        t = box_traffic(n, rng)
        ac = types.SimpleNamespace(
            lat=t["lat_deg"],
            lon=t["lon_deg"],
            trk=t["track_deg"],
            gs=t["gs_mps"],
            alt=t["alt_m"],
            vs=t["vrate_mps"],
            id=list(range(n)),
        )
        rpz, hpz, tlook = np.full(n, HMIN), np.full(n, VMIN), np.full(n, LOOK)
        _, c_bs, res = best_of(
            lambda ac=ac, r=rpz, h=hpz, tl=tlook: cs.detect(ac, ac, r, h, tl),
            1 if n >= 10_000 else 2,
        )
        bs = {(a, b) for a, b in res[0] if a < b}
        wgs = TrackStates.from_arrays(**t)
        detect_conflicts(wgs)  # warm-up
        _, c_us, c = best_of(lambda t=t: detect_conflicts(TrackStates.from_arrays(**t)), 5)
        ours = pairs_of(c)
        sph = SphereStates.from_arrays(**t)
        ours_sph = pairs_of(detect_conflicts(sph))
        # BlueSky vs skyaccord on BlueSky's sphere: the detection logic.
        d_logic = sorted(ours_sph ^ bs)
        deltas = borderline(sph, *as_arrays(d_logic), ladder)
        within = sum(d <= 1e-3 for d in deltas)
        worst = max(deltas, default=0.0)
        # skyaccord on the sphere vs on WGS84: the Earth model.
        d_model = sorted(ours_sph ^ ours)
        i, j = as_arrays(d_model)
        dist_s, close_s = approach(sph, i, j)
        dist_w, close_w = approach(wgs, i, j)
        straddle = (np.minimum(close_s, close_w) <= HMIN) & (np.maximum(close_s, close_w) >= HMIN)
        ddist = float(np.max(np.abs(dist_w / dist_s - 1.0), initial=0.0))
        dclose = float(np.max(np.abs(close_w - close_s) / HMIN, initial=0.0))
        unexplained = len((ours ^ bs) - set(d_logic) - set(d_model)) + int((~straddle).sum())
        print(
            f"  {n:>6} {c_bs:>7.3f}s {c_us:>9.4f}s {c_bs / c_us:>6.0f}× | {len(bs):>8} "
            f"{len(ours_sph):>7} {len(d_logic):>6} {within:>6} {worst:>6.2%} | {len(ours):>6} "
            f"{len(d_model):>7} {ddist:>6.2%} {dclose:>7.2%} {unexplained:>7}"
        )
    print(
        "\n  times: CPU s; BlueSky tests all pairs in C++ (O(N²)), skyaccord hashes space-time"
        " (numpy).\n  sphere: skyaccord on BlueSky's 6,371 km sphere; differ: pairs found by one"
        " of the two only;\n  ≤0.1%: of those, borderline within 0.1 % of a threshold; max δ: the"
        " largest threshold change needed.\n  WGS84: skyaccord as shipped; vs sph.: pairs that"
        " the Earth model flips; Δdist: largest relative\n  change of their current distance"
        " between the models; Δclose: largest change of their closest\n  approach, in % of 5 NM"
        " (each flip straddles 5 NM); unexpl.: differences not of these two kinds."
    )


# ---------------------------------------------------------------------------------------------
# Part 2: scaling on global traffic
# ---------------------------------------------------------------------------------------------
def _topojson_polygons(path: Path) -> list[tuple[str, list[list[np.ndarray]]]]:
    """Countries of a world-atlas TopoJSON file as (name, polygons of (lat, lon) rings)."""
    topo = json.loads(path.read_text())
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        a = np.cumsum(np.asarray(arc, dtype=np.float64), axis=0)
        arcs.append(np.c_[a[:, 1] * sy + ty, a[:, 0] * sx + tx])  # lat, lon

    def ring(idx: list[int]) -> np.ndarray:
        pts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in idx]
        return np.concatenate([p if k == 0 else p[1:] for k, p in enumerate(pts)])

    out = []
    for g in topo["objects"]["countries"]["geometries"]:
        name = g.get("properties", {}).get("name", g.get("id", "?"))
        if g["type"] == "Polygon":
            polys = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polys = g["arcs"]
        else:
            continue
        out.append((name, [[ring(r) for r in p] for p in polys]))
    return out


def _circle(lat: float, lon: float, radius_m: float, k: int = 32) -> np.ndarray:
    la, lo = destination(lat, lon, np.linspace(0, 360, k, endpoint=False), radius_m)
    return np.c_[la, lo]


def country_at(lat: Any, lon: Any, countries: AreaIndex) -> Any:
    """Party of the country containing each point (−1 where none): for assigning owners."""
    u = unit_vectors(lat, lon)
    rows, part, near = countries.candidates(u, np.arange(u.shape[0]))
    out = np.full(u.shape[0], -1, dtype=np.int64)
    inside = ~near
    for k in np.unique(part[near]):
        sel = np.flatnonzero(near & (part == k))
        pp = countries.part(int(k))
        xy = gnomonic_forward(u[rows[sel]], pp.centre)
        inside[sel] = shapely.contains_xy(pp.polygon, xy[:, 0], xy[:, 1])
    out[rows[inside]] = countries.party[countries.part_area[part[inside]]]
    return out


def build_world(rng: np.random.Generator) -> tuple[list[Area], list[Area], list[str]]:
    """~250 protected areas: Natural Earth 1:110m countries (world-atlas) and circular zones."""
    notes = []
    src = ROOT / "node_modules" / "world-atlas" / "countries-110m.json"
    shapes: list[tuple[str, list[list[np.ndarray]]]] = []
    if src.exists():
        shapes += _topojson_polygons(src)
    else:
        notes.append("world-atlas missing (scripts/install-data.sh): synthetic countries used")
        for k in range(170):
            lat, lon = float(rng.uniform(-55, 70)), float(rng.uniform(-180, 180))
            shapes.append((f"C{k}", [[_circle(lat, lon, float(rng.uniform(1e5, 8e5)), 40)]]))
    n_countries = len(shapes)
    while len(shapes) < 250:
        lat, lon = float(rng.uniform(-40, 65)), float(rng.uniform(-180, 180))
        shapes.append((f"ZONE{len(shapes)}", [[_circle(lat, lon, float(rng.uniform(2e4, 1.5e5)))]]))
    areas: list[Area] = []
    skipped = 0
    for k, (name, polys) in enumerate(shapes):
        a = Area(f"{name}#{k}", polys, lower_m=0.0, upper_m=20000.0, party=k)
        try:
            AreaIndex([a], reach_m=1.0, cell_m=1e6)
        except Exception:
            skipped += 1
            continue
        areas.append(a)
    # Each country is its own party; a zone belongs to the country around its centre (a tenth
    # of them to another party: buffer zones of a neighbour).
    countries = [a for a in areas if a.party < n_countries]
    cindex = AreaIndex(countries, reach_m=1.0, cell_m=200e3)
    fixed = []
    for a in areas:
        if a.party >= n_countries:
            ring = np.asarray(a.polygons[0][0])
            v = unit_vectors(ring[:, 0], ring[:, 1]).sum(axis=0)
            la, lo = (
                np.degrees(np.arctan2(v[2], np.hypot(v[0], v[1]))),
                np.degrees(np.arctan2(v[1], v[0])),
            )
            owner = int(country_at(np.array([la]), np.array([lo]), cindex)[0])
            if owner < 0 or (a.id.startswith("ZONE") and rng.random() < 0.1):
                owner = int(rng.integers(0, n_countries))
            a = Area(a.id, a.polygons, a.lower_m, a.upper_m, party=owner)
        fixed.append(a)
    areas = fixed
    if skipped:
        notes.append(f"{skipped} polygon(s) not representable (e.g. Antarctica around the pole)")
    return areas, countries, notes


def _random_point_in(area: Area, rng: np.random.Generator) -> tuple[float, float] | None:
    ring = np.asarray(area.polygons[0][0])
    u = unit_vectors(ring[:, 0], ring[:, 1])
    c = u.sum(axis=0)
    c /= np.linalg.norm(c)
    xy = gnomonic_forward(u, c)
    poly = shapely.Polygon(xy)
    if not poly.is_valid or poly.area == 0:
        return None
    x0, y0, x1, y1 = poly.bounds
    for _ in range(50):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(poly, x, y):
            from skyaccord.geo.frames import gnomonic_inverse, vectors_to_latlon

            la, lo = vectors_to_latlon(gnomonic_inverse(np.array([x, y]), c))
            return float(la), float(lo)
    return None


def global_traffic(
    n: int, areas: list[Area], countries_index: AreaIndex, rng: np.random.Generator
) -> tuple[dict[str, Any], list[Area]]:
    """Realistic global traffic and operation volumes (intents) for conformance."""
    countries = list(countries_index.areas)
    sizes = np.array([len(a.polygons[0][0]) for a in countries], dtype=float)
    w = np.sqrt(sizes)
    w /= w.sum()
    hubs: list[tuple[float, float, int]] = []
    while len(hubs) < 300:
        a = countries[int(rng.choice(len(countries), p=w))]
        p = _random_point_in(a, rng)
        if p is not None:
            hubs.append((p[0], p[1], a.party))
    hub = rng.integers(0, len(hubs), n)
    hlat = np.array([hubs[h][0] for h in hub])
    hlon = np.array([hubs[h][1] for h in hub])
    kind = rng.choice(3, n, p=[0.55, 0.30, 0.15])  # en-route, climb/descent, low level
    sigma = np.array([300e3, 120e3, 50e3])[kind]
    dist = np.abs(rng.normal(0.0, 1.0, n)) * sigma
    lat, lon = destination(hlat, hlon, rng.uniform(0, 360, n), dist)
    # A track belongs to the country it flies over (its hub's over the sea); 3 % are foreign.
    party = country_at(lat, lon, countries_index)
    hub_party = np.array([hubs[h][2] for h in hub], dtype=np.int64)
    party = np.where(party < 0, hub_party, party)
    foreign = rng.random(n) < 0.03
    party[foreign] = rng.integers(0, len(areas), int(foreign.sum()))
    trk = rng.uniform(0, 360, n)
    gs = np.where(
        kind == 0,
        rng.uniform(210, 260, n),
        np.where(kind == 1, rng.uniform(130, 220, n), rng.uniform(30, 90, n)),
    )
    # Semicircular rule: odd thousands of feet eastbound, even westbound, FL290–FL410.
    level = rng.integers(14, 21, n) * 2 + np.where(trk < 180, 1, 0)
    alt_enroute = level * 1000 * FT
    alt = np.where(
        kind == 0,
        alt_enroute,
        np.where(kind == 1, rng.uniform(1000, 9000, n), rng.uniform(150, 1500, n)),
    )
    alt = np.round(alt / (25 * FT)) * 25 * FT  # Mode S altitude quantum
    vr = np.where(
        kind == 1,
        rng.choice([-1, 1], n) * rng.uniform(5, 15, n),
        np.where(kind == 2, rng.uniform(-2, 2, n), 0.0),
    )
    # Operation volumes around 1 % of low-level tracks; tracks near them fly for that operation.
    low = np.flatnonzero(kind == 2)
    ops = (
        rng.choice(low, size=max(1, len(low) // 100), replace=False)
        if len(low)
        else np.array([], int)
    )
    intents: list[Area] = []
    uc = unit_vectors(lat, lon)
    for k, t in enumerate(ops):
        op_party = 100_000 + k
        ring = _circle(float(lat[t]), float(lon[t]), 60_000.0)
        intents.append(Area(f"OP{k}", [[ring]], 0.0, 2000.0, party=op_party))
        near = (kind == 2) & (uc @ uc[t] > math.cos(70_000.0 / EARTH_RADIUS_M))
        party[near] = op_party
    return {
        "lat_deg": lat,
        "lon_deg": lon,
        "alt_m": alt,
        "gs_mps": gs,
        "track_deg": trk,
        "vrate_mps": vr,
        "party": party,
    }, intents


def compare_warnings(fast: AreaWarnings, brute: AreaWarnings) -> str:
    """'same' when both report the same (track, area, inside) rows, with the largest difference
    of the times (s), else the number of rows that differ."""
    a = set(zip(fast.row.tolist(), fast.area.tolist(), fast.inside.tolist(), strict=True))
    b = set(zip(brute.row.tolist(), brute.area.tolist(), brute.inside.tolist(), strict=True))
    if a != b:
        return f"{len(a ^ b)} differ"
    with np.errstate(invalid="ignore"):  # inf − inf: both never leave
        dt = max(
            float(np.max(np.abs(np.nan_to_num(x - y, posinf=0.0, neginf=0.0)), initial=0.0))
            for x, y in ((fast.t_entry_s, brute.t_entry_s), (fast.t_exit_s, brute.t_exit_s))
        )
    return f"same ±{dt:.0e}s"


def part2(sizes: list[int], brute_max: int, rng: np.random.Generator) -> None:
    print(f"\nPart 2 — scaling, realistic global traffic, one full cycle on 2 threads; {load()}")
    areas, countries, notes = build_world(rng)
    t_idx, c_idx, index = best_of(lambda: AreaIndex(areas), 1)
    t_re, c_re, _ = best_of(lambda: AreaIndex(areas), 1)
    countries_index = AreaIndex(countries, reach_m=1.0, cell_m=200e3)
    print(
        f"  {len(areas)} protected areas ({len(index.parts)} polygon parts); index built in "
        f"{c_idx:.2f} s CPU ({t_idx:.2f} s wall), rebuilt in {c_re:.2f} s CPU ({t_re:.2f} s wall)"
    )
    for note in notes:
        print(f"  note: {note}")
    print(
        f"\n  {'':>7} {'CPU s, best of 5':^41} | {'cycle on 2 threads':^26} |\n"
        f"  {'N':>7} {'states':>7} {'separ.':>7} {'proxim.':>8} {'conform.':>8} {'sum':>7} | "
        f"{'CPU':>6} {'2-core est.':>11} {'wall':>7} | {'conflicts':>9} {'area warn.':>10} "
        f"{'noncon.':>7} | {'sep brute':>9} {'ratio':>6} | {'prox brute':>10} {'ratio':>6} "
        f"{'agreement':>13}"
    )
    pool = ThreadPoolExecutor(max_workers=2)
    walls: list[str] = []
    for n in sizes:
        tr, intents = global_traffic(n, areas, countries_index, rng)
        intent_index = AreaIndex(intents, reach_m=5_000.0)

        def states(tr: dict[str, Any] = tr) -> TrackStates:
            return TrackStates.from_arrays(**tr)

        def derived(st: TrackStates) -> TrackStates:
            st.foot_ecef, st.up, st.velocity_ecef, st.direction_ecef  # noqa: B018
            return st

        def conform(st: TrackStates, ii: AreaIndex = intent_index) -> Any:
            return detect_nonconformance(st, ii, 0.0, h_tol_m=1_000.0, v_tol_m=100.0)

        s0 = derived(states())  # the derived arrays are cached: the detectors alone below
        detect_conflicts(s0)  # warm-up
        w_st, c_st, _ = best_of(lambda: derived(states()), 5)
        w_sep, c_sep, conf = best_of(lambda s0=s0: detect_conflicts(s0), 5)
        w_prox, c_prox, warn = best_of(lambda s0=s0: detect_area_proximity(s0, index), 5)
        w_conf, c_conf, nc = best_of(lambda s0=s0: conform(s0), 5)
        c_sum = c_st + c_sep + c_prox + c_conf

        def timed(fn: Callable[[], Any]) -> float:
            c = time.thread_time()
            fn()
            return time.thread_time() - c

        def cycle() -> float:
            c = time.thread_time()
            st = states()
            serial = time.thread_time() - c
            f1 = pool.submit(timed, lambda: detect_conflicts(st))
            f2 = pool.submit(timed, lambda: (detect_area_proximity(st, index), conform(st)))
            return serial + max(f1.result(), f2.result())

        cycles = [best_of(cycle, 1) for _ in range(5)]
        w_cyc = min(c[0] for c in cycles)
        c_cyc = min(c[1] for c in cycles)
        crit = min(c[2] for c in cycles)
        sep_b = r_sep = "—"
        if n <= brute_max:
            _, cb, cbf = best_of(lambda s0=s0: detect_conflicts_brute_force(s0), 1)
            assert cbf.i.tolist() == conf.i.tolist() and cbf.j.tolist() == conf.j.tolist()
            sep_b, r_sep = f"{cb:.2f}", f"{cb / c_sep:.0f}×"
        _, pb, wb = best_of(lambda s0=s0: detect_area_proximity_brute_force(s0, index), 1)
        prox_b, r_prox = f"{pb:.2f}", f"{pb / c_prox:.0f}×"
        agree = compare_warnings(warn, wb)
        print(
            f"  {n:>7} {c_st:>7.3f} {c_sep:>7.3f} {c_prox:>8.3f} "
            f"{c_conf:>8.3f} {c_sum:>7.3f} | {c_cyc:>6.3f} {crit:>11.3f} {w_cyc:>7.3f} | "
            f"{len(conf):>9} {len(warn):>10} {len(nc):>7} | {sep_b:>9} {r_sep:>6} | "
            f"{prox_b:>10} {r_prox:>6} {agree:>13}"
        )
        walls.append(
            f"  {n:>7}: wall best of 5: states {w_st:.3f}, separation {w_sep:.3f}, proximity "
            f"{w_prox:.3f}, conformance {w_conf:.3f}, cycle {w_cyc:.3f} s"
        )
    pool.shutdown()
    print(
        "\n  states: TrackStates.from_arrays and the derived ECEF arrays (shared by the"
        " detectors, included\n  once in sum); separ./proxim./conform.: each detector alone"
        " on those states; sum: the four;\n  cycle CPU: both threads; 2-core est.: serial part"
        " + busier thread (see the module doc);\n  brute: separation all pairs (results"
        " asserted identical), proximity every (track, part) path\n  exactly (agreement: same"
        " (track, area, inside) rows, largest difference of entry/exit times)."
    )
    print("  Wall times (stretched by other work on the machine when it is loaded):")
    print("\n".join(walls))
    print(f"  {load()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--seed", type=int, default=20151124)
    ap.add_argument("--skip-bluesky", action="store_true")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    if args.quick:
        p1, p2, brute = [1000, 2000], [10_000], 10_000
    else:
        p1, p2, brute = [1000, 2000, 5000, 10_000], [10_000, 50_000, 100_000], 10_000
    if not args.skip_bluesky:
        part1(p1, rng)
    part2(p2, brute, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
