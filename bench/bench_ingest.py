"""Ingest benchmark: table update rate, SBS-1 parse rate, memory per track.

Run from the repository root::

    .venv/bin/python bench/bench_ingest.py            # full run (about a minute)
    .venv/bin/python bench/bench_ingest.py --quick    # smaller, for a smoke test

Prints, measured in the same run:

* track updates applied per second by the vectorized :class:`TrackTable` on a synthetic stream
  (1 s batches of every aircraft, half of them position-only so velocities are differenced, with
  duplicates and out-of-order records), and by the per-record :class:`ReferenceTable` on the first
  batches of the same stream — and their ratio; both tables must end in the same state;
* the same for a replay of ``traffic``'s ``quickstart`` sample (real ADS-B, Paris), if installed,
  in 1 s and 10 s batches (it is sparse: about 20 updates a second, so per-call overhead shows);
* SBS-1 lines parsed per second (lines generated from the synthetic stream);
* bytes per track held by a table of 100,000 tracks (tracemalloc: arrays, strings, id index).

Targets: ≥ 200,000 updates/s into the table, ≥ 20,000 SBS-1 lines/s, ≤ 1 KiB per track.
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from skyaccord.tracks.reference import ReferenceTable
from skyaccord.tracks.sources.sbs import parse_sbs
from skyaccord.tracks.sources.statevectors import read_traffic_json
from skyaccord.tracks.table import TrackTable
from skyaccord.tracks.updates import TrackUpdates

SAMPLES = Path(sys.prefix) / "lib/python3.11/site-packages/traffic/data/samples"
T0 = 1_448_349_845.0  # 2015-11-24T07:24:05Z


def synthetic_stream(n_aircraft: int, seconds: int, seed: int = 1) -> list[TrackUpdates]:
    """One batch per second; every aircraft reports once per second, in shuffled order.

    Aircraft fly straight great circles from random points (some across the antimeridian) at
    100-300 m/s.  Half the aircraft send position only.  2 % of records are repeated (duplicates)
    and 2 % are a one-second-old record sent late (out of order).
    """
    rng = np.random.default_rng(seed)
    lat0 = rng.uniform(-70, 70, n_aircraft)
    lon0 = rng.uniform(-180, 180, n_aircraft)
    trk = rng.uniform(0, 360, n_aircraft)
    gs = rng.uniform(100, 300, n_aircraft)
    alt = rng.uniform(1000, 12000, n_aircraft)
    vr = rng.uniform(-10, 10, n_aircraft)
    pos_only = rng.random(n_aircraft) < 0.5
    icao = rng.choice(0xFFFFFF, n_aircraft, replace=False).astype(np.int32)
    ids = np.array([f"icao:{a:06x}" for a in icao], dtype=object)
    callsigns = np.array([f"TST{i:04d}" for i in range(n_aircraft)], dtype=object)
    from skyaccord.geo.frames import destination

    batches = []
    for s in range(seconds):
        lat, lon = destination(lat0, lon0, trk, gs * s)
        t = np.full(n_aircraft, T0 + s) + rng.uniform(0, 0.5, n_aircraft)
        idx = rng.permutation(n_aircraft)
        dup = idx[: n_aircraft // 50]
        late = idx[n_aircraft // 50 : n_aircraft // 25]
        rows = np.concatenate([idx, dup, late])
        times = np.concatenate([t[idx], t[dup], t[late] - 1.0])
        if s > 0:
            lat_l, lon_l = destination(lat0[late], lon0[late], trk[late], gs[late] * (s - 1))
        else:
            lat_l, lon_l = lat[late], lon[late]
        lats = np.concatenate([lat[idx], lat[dup], lat_l])
        lons = np.concatenate([lon[idx], lon[dup], lon_l])
        po = pos_only[rows]
        batches.append(
            TrackUpdates.from_columns(
                track_id=ids[rows],
                party="unknown",
                icao24=icao[rows],
                callsign=callsigns[rows],
                lat_deg=lats,
                lon_deg=lons,
                alt_m=alt[rows] + vr[rows] * (times - T0),
                gs_mps=np.where(po, np.nan, gs[rows]),
                track_deg=np.where(po, np.nan, trk[rows]),
                vrate_mps=np.where(po, np.nan, vr[rows]),
                time_s=times,
                source="bench",
            )
        )
    return batches


def run_table(batches: list[TrackUpdates], table: TrackTable | ReferenceTable) -> float:
    """Seconds spent applying (and expiring once per batch)."""
    gc.collect()
    start = time.perf_counter()
    for b in batches:
        table.apply(b)
        table.expire(float(b.time_s.max()))
    return time.perf_counter() - start


def same_state(table: TrackTable, ref: ReferenceTable) -> bool:
    if len(table) != len(ref):
        return False
    for tid, st in ref.tracks.items():
        mine = table.state(tid)
        if mine is None:
            return False
        for key in ("lat_deg", "lon_deg", "alt_m", "gs_mps", "track_deg", "vrate_mps", "time_s"):
            a, b = mine[key], st[key]
            if not (math.isnan(a) and math.isnan(b)) and not math.isclose(
                a, b, rel_tol=1e-9, abs_tol=1e-6
            ):
                return False
    return True


def sbs_lines(batches: list[TrackUpdates]) -> list[str]:
    """MSG,4 (velocity) then MSG,3 (position) per record, dump1090 style."""
    lines = []
    for b in batches:
        for i in range(len(b)):
            dt = datetime.fromtimestamp(float(b.time_s[i]), tz=UTC)
            d = dt.strftime("%Y/%m/%d")
            c = dt.strftime("%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"
            h = f"{int(b.icao24[i]):06X}"
            gs = b.gs_mps[i] / 0.514444 if math.isfinite(b.gs_mps[i]) else 250.0
            lines.append(
                f"MSG,4,1,1,{h},1,{d},{c},{d},{c},,,{gs:.0f},{b.track_deg[i] or 0:.1f},,,64,,,,,0"
            )
            lines.append(
                f"MSG,3,1,1,{h},1,{d},{c},{d},{c},{b.callsign[i]},{b.alt_m[i] / 0.3048:.0f},,,"
                f"{b.lat_deg[i]:.5f},{b.lon_deg[i]:.5f},,,0,0,0,0"
            )
    return lines


def bytes_per_track(n: int) -> tuple[float, float]:
    """(bytes per track measured by tracemalloc, array bytes per track) for ``n`` tracks."""
    rng = np.random.default_rng(7)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    table = TrackTable(capacity=16)
    for chunk in range(0, n, 10_000):
        k = min(10_000, n - chunk)
        u = TrackUpdates.from_columns(
            track_id=[f"icao:{chunk + i:06x}" for i in range(k)],
            callsign=[f"AFR{chunk + i:05d}" for i in range(k)],
            party="france",
            icao24=np.arange(chunk, chunk + k),
            lat_deg=rng.uniform(-60, 60, k),
            lon_deg=rng.uniform(-180, 180, k),
            alt_m=rng.uniform(0, 12000, k),
            gs_mps=rng.uniform(50, 300, k),
            track_deg=rng.uniform(0, 360, k),
            vrate_mps=0.0,
            time_s=T0,
            source="sbs",
        )
        table.apply(u)
        del u
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / len(table), table.nbytes / len(table)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aircraft", type=int, default=20_000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--reference-seconds", type=int, default=4)
    ap.add_argument("--quick", action="store_true", help="2,000 aircraft, 10 s")
    args = ap.parse_args(argv)
    if args.quick:
        args.aircraft, args.seconds, args.reference_seconds = 2_000, 10, 3

    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    batches = synthetic_stream(args.aircraft, args.seconds)
    n_upd = sum(len(b) for b in batches)
    t_vec = run_table(batches, TrackTable())
    rate_vec = n_upd / t_vec

    ref_batches = batches[: args.reference_seconds]
    n_ref = sum(len(b) for b in ref_batches)
    ref = ReferenceTable()
    t_ref = run_table(ref_batches, ref)
    rate_ref = n_ref / t_ref
    check = TrackTable()
    run_table(ref_batches, check)
    agree = same_state(check, ref)
    print(
        f"\nsynthetic stream: {args.aircraft:,} aircraft x {args.seconds} s = {n_upd:,} updates"
        f" (1 s batches, 50% position-only, 2% duplicates, 2% late)"
    )
    print(f"  TrackTable      {rate_vec:12,.0f} updates/s   (target >= 200,000)")
    print(f"  ReferenceTable  {rate_ref:12,.0f} updates/s   (per-record, first {n_ref:,})")
    print(f"  ratio           {rate_vec / rate_ref:12.1f} x      same final state: {agree}")

    quick = SAMPLES / "collections" / "quickstart.json.gz"
    if quick.exists():
        t = time.perf_counter()
        upd, _ = read_traffic_json(quick)
        t_read = time.perf_counter() - t
        nq = len(upd)
        print(f"\ntraffic quickstart replay (real ADS-B, Paris): {nq:,} airborne updates")
        print(f"  read + validate {nq / t_read:12,.0f} records/s   (gunzip + JSON + screen)")
        for window in (1.0, 10.0):
            replay = list(upd.time_batches(window))
            rate_q = nq / run_table(replay, TrackTable())
            rate_qr = nq / run_table(replay, ReferenceTable())
            print(
                f"  {window:4.0f} s batches ({nq / len(replay):5.0f} updates each):"
                f" TrackTable {rate_q:10,.0f}/s, ReferenceTable {rate_qr:10,.0f}/s,"
                f" ratio {rate_q / rate_qr:5.1f} x"
            )
    else:
        print(f"\n(traffic samples not found under {SAMPLES}: real-data replay skipped)")

    sbs_src = batches[: max(1, 100_000 // max(1, len(batches[0])))]
    lines = sbs_lines(sbs_src)
    gc.collect()
    t = time.perf_counter()
    _upd_sbs, st_sbs = parse_sbs(lines)
    t_sbs = time.perf_counter() - t
    print(f"\nSBS-1: {len(lines):,} lines (MSG,4 + MSG,3 pairs)")
    print(f"  parse_sbs       {len(lines) / t_sbs:12,.0f} lines/s   (target >= 20,000)")
    print(f"  accepted {st_sbs.accepted:,}, rejected {st_sbs.n_rejected:,}")

    n_tracks = 20_000 if args.quick else 100_000
    per_track, arrays = bytes_per_track(n_tracks)
    print(f"\nmemory, {n_tracks:,} tracks (tracemalloc: arrays + strings + id index)")
    print(f"  {per_track:12,.0f} bytes/track   (arrays alone {arrays:,.0f}; target <= 1,024)")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
