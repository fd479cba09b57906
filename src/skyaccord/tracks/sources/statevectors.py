"""Decoded trajectories: OpenSky state vectors (CSV, Parquet), ``traffic`` JSON, readsb traces.

Every format is turned into columns, converted to SI units and screened in one vectorized pass.

**OpenSky state vectors** (CSV or Parquet, as in the historical dataset):
``time, icao24, lat, lon, velocity, heading, vertrate, callsign, onground, alert, spi, squawk,
baroaltitude, geoaltitude, lastposupdate, lastcontact``; SI units already (m, m/s).  The position
is timed by ``lastposupdate`` when present (a state vector repeats a position until a new one is
received, and the table then ignores the repeats as duplicates), else by ``time``.  Altitude is
barometric, geometric where the barometric one is missing.

**traffic JSON** (the ``traffic`` package's samples: a JSON array of records, JSON lines, or
pandas' column-oriented object; plain or gzip): ``timestamp`` (epoch seconds, milli-, micro- or
nanoseconds, told apart by magnitude, or an RFC 3339 string), ``icao24, callsign, latitude,
longitude``, ``altitude`` and ``geoaltitude`` in feet, ``groundspeed`` in knots, ``track`` in
degrees, ``vertical_rate`` in ft/min, ``onground``.

**readsb trace files** (``trace_full_<icao>.json``): ``timestamp`` plus a ``trace`` of
``[dt, lat, lon, alt_ft | "ground", gs_kt, track, flags, vrate_fpm, details, ...]`` rows.

An optional ``party`` column (string) sets ownership explicitly; otherwise the rules decide.
Rows without a position are skipped; rows on the ground are skipped unless ``keep_ground``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from skyaccord.errors import ValidationError
from skyaccord.timefmt import parse_time
from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources._records import (
    clean_callsign,
    finish,
    icao_or_none,
    load_file,
    number,
)
from skyaccord.tracks.updates import IngestStats, TrackUpdates, icao_track_id
from skyaccord.units import FEET_PER_MINUTE_MS, FOOT_M, KNOT_MS

F64 = NDArray[np.float64]
Bool = NDArray[np.bool_]
Column = Sequence[object] | NDArray[Any]

OPENSKY_COLUMNS: Final = (
    "time",
    "icao24",
    "lat",
    "lon",
    "velocity",
    "heading",
    "vertrate",
    "callsign",
    "onground",
    "alert",
    "spi",
    "squawk",
    "baroaltitude",
    "geoaltitude",
    "lastposupdate",
    "lastcontact",
)
_TRUE: Final = frozenset(("true", "t", "1", "-1", "yes"))
_FALSE: Final = frozenset(("false", "f", "0", "no", ""))


@dataclass(frozen=True, slots=True)
class Schema:
    """Where a format keeps each quantity, and the factor to SI units."""

    time: str
    position_time: str | None
    lat: str
    lon: str
    alt: tuple[str, ...]
    alt_factor: float
    gs: str
    gs_factor: float
    track: str
    vrate: str
    vrate_factor: float
    icao24: str = "icao24"
    callsign: str = "callsign"
    onground: str = "onground"
    party: str = "party"


OPENSKY: Final = Schema(
    time="time",
    position_time="lastposupdate",
    lat="lat",
    lon="lon",
    alt=("baroaltitude", "geoaltitude"),
    alt_factor=1.0,
    gs="velocity",
    gs_factor=1.0,
    track="heading",
    vrate="vertrate",
    vrate_factor=1.0,
)
TRAFFIC: Final = Schema(
    time="timestamp",
    position_time="last_position",
    lat="latitude",
    lon="longitude",
    alt=("altitude", "geoaltitude"),
    alt_factor=FOOT_M,
    gs="groundspeed",
    gs_factor=KNOT_MS,
    track="track",
    vrate="vertical_rate",
    vrate_factor=FEET_PER_MINUTE_MS,
)


class _Screen:
    """Bad-row bookkeeping while converting columns: first reason per row is counted."""

    def __init__(self, n: int, where: NDArray[np.object_], stats: IngestStats) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.where = where
        self.stats = stats

    def reject(self, mask: Bool, reason: str, values: Column) -> None:
        first = mask & ~self.bad
        if first.any():
            idx = np.flatnonzero(first)
            examples = [f"{self.where[i]}: {values[i]!r}"[:80] for i in idx[:3]]
            self.stats.reject_many(reason, examples, len(idx))
        self.bad |= mask

    def floats(self, values: Column | None, name: str, n: int) -> F64:
        """A column of numbers (numeric strings, None/"" as missing) → float64, NaN if missing."""
        if values is None:
            return np.full(n, np.nan)
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
            return values.astype(np.float64)
        vals = list(values)
        kinds = set(map(type, vals))
        try:
            if kinds <= {float, int, type(None)}:
                return np.array(vals, dtype=np.float64)
            if kinds == {str}:
                return np.array([v or "nan" for v in vals], dtype=np.float64)
        except (ValueError, OverflowError):
            pass
        out = np.empty(n)
        bad = np.zeros(n, dtype=bool)
        for i, v in enumerate(vals):
            try:
                out[i] = number(v)
            except (ValueError, OverflowError):
                out[i] = np.nan
                bad[i] = True
        self.reject(bad, f"{name}: not a number", vals)
        return out

    def bools(self, values: Column | None, name: str, n: int) -> Bool:
        if values is None:
            return np.zeros(n, dtype=bool)
        out = np.zeros(n, dtype=bool)
        bad = np.zeros(n, dtype=bool)
        for i, v in enumerate(values):
            if v is None or v is False or (isinstance(v, float) and math.isnan(v)):
                continue
            if v is True:
                out[i] = True
                continue
            s = str(v).strip().lower()
            if s in _TRUE:
                out[i] = True
            elif s not in _FALSE:
                bad[i] = True
        self.reject(bad, f"{name}: not a boolean", list(values))
        return out

    def times(self, values: Column | None, name: str, n: int) -> F64:
        """Epoch seconds/ms/µs/ns by magnitude, or RFC 3339 strings → POSIX seconds."""
        if values is None:
            return np.full(n, np.nan)
        vals = values if isinstance(values, np.ndarray) else list(values)
        if isinstance(vals, list) and any(isinstance(v, str) and not _numeric(v) for v in vals):
            out = np.empty(n)
            bad = np.zeros(n, dtype=bool)
            cache: dict[str, float] = {}
            for i, v in enumerate(vals):
                if isinstance(v, str) and not _numeric(v):
                    t = cache.get(v)
                    if t is None:
                        try:
                            t = cache[v] = parse_time(v, name)
                        except ValidationError:
                            t = math.nan
                            bad[i] = True
                    out[i] = t
                else:
                    try:
                        out[i] = _epoch_s(number(v))
                    except (ValueError, OverflowError):
                        out[i] = math.nan
                        bad[i] = True
            self.reject(bad, f"{name}: not a time", vals)
            return out
        raw = self.floats(vals, name, n)
        with np.errstate(invalid="ignore"):
            scale: F64 = np.select([raw > 1e17, raw > 1e14, raw > 1e11], [1e-9, 1e-6, 1e-3], 1.0)
        return raw * scale


def _numeric(s: str) -> bool:
    try:
        float(s or "nan")
    except ValueError:
        return False
    return True


def _epoch_s(x: float) -> float:
    for limit, scale in ((1e17, 1e-9), (1e14, 1e-6), (1e11, 1e-3)):
        if x > limit:
            return x * scale
    return x


def _strings(values: Column | None, n: int) -> NDArray[np.object_]:
    out = np.empty(n, dtype=object)
    if values is None:
        out[:] = ""
        return out
    out[:] = ["" if v is None or isinstance(v, float) else str(v) for v in values]
    return out


def _per_unique(values: NDArray[np.object_], fn: Any, dtype: Any) -> NDArray[Any]:
    uniq, inverse = np.unique(values.astype(str), return_inverse=True)
    mapped = np.array([fn(str(u)) for u in uniq], dtype=dtype)
    return mapped[inverse.reshape(-1)] if len(uniq) else np.empty(0, dtype=dtype)


def columns_to_updates(
    cols: Mapping[str, Column],
    n: int,
    schema: Schema,
    *,
    where: NDArray[np.object_] | None = None,
    stats: IngestStats | None = None,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "statevectors",
) -> tuple[TrackUpdates, IngestStats]:
    """Columns of one of the formats above (``schema``) → screened updates in SI units."""
    stats = stats if stats is not None else IngestStats()
    if where is None:
        where = np.array([f"row {i}" for i in range(n)], dtype=object)
    if n == 0:
        return TrackUpdates.empty(), stats
    sc = _Screen(n, where, stats)
    t = sc.times(cols.get(schema.time), schema.time, n)
    if schema.position_time and schema.position_time in cols:
        t_pos = sc.times(cols[schema.position_time], schema.position_time, n)
        t = np.where(np.isfinite(t_pos), t_pos, t)
    lat = sc.floats(cols.get(schema.lat), schema.lat, n)
    lon = sc.floats(cols.get(schema.lon), schema.lon, n)
    alt = np.full(n, np.nan)
    for name in reversed(schema.alt):
        a = sc.floats(cols.get(name), name, n)
        alt = np.where(np.isfinite(a), a, alt)
    alt *= schema.alt_factor
    gs = sc.floats(cols.get(schema.gs), schema.gs, n) * schema.gs_factor
    trk = sc.floats(cols.get(schema.track), schema.track, n)
    vr = sc.floats(cols.get(schema.vrate), schema.vrate, n) * schema.vrate_factor
    ground = sc.bools(cols.get(schema.onground), schema.onground, n)

    icao_text = _strings(cols.get(schema.icao24), n)
    icao = _per_unique(icao_text, icao_or_none, np.int32)
    sc.reject(icao < 0, f"{schema.icao24}: not 6 hex digits", icao_text)
    callsign = _per_unique(_strings(cols.get(schema.callsign), n), clean_callsign, object)
    explicit = schema.party in cols
    party = _strings(cols.get(schema.party), n) if explicit else np.full(n, "", dtype=object)

    keep = ~sc.bad
    no_pos = keep & (np.isnan(lat) | np.isnan(lon))
    if no_pos.any():
        stats.skip("no position", int(np.count_nonzero(no_pos)))
    keep &= ~no_pos
    if not keep_ground:
        on_ground = keep & ground
        if on_ground.any():
            stats.skip("on ground", int(np.count_nonzero(on_ground)))
        keep &= ~ground
    idx = np.flatnonzero(keep)
    track_ids = _per_unique(icao_text[idx], lambda s: icao_track_id(icao_or_none(s)), object)
    src = np.empty(len(idx), dtype=object)
    src[:] = source
    updates = TrackUpdates(
        track_id=track_ids,
        party=party[idx],
        icao24=icao[idx],
        callsign=callsign[idx],
        lat_deg=lat[idx],
        lon_deg=lon[idx],
        alt_m=alt[idx],
        gs_mps=gs[idx],
        track_deg=trk[idx],
        vrate_mps=vr[idx],
        time_s=t[idx],
        source=src,
    )
    return finish(updates, where[idx], stats, rules, explicit_party=explicit), stats


def _read_text(path: str | Path, stats: IngestStats) -> str:
    return load_file(path, stats).decode("utf-8", "replace")


def parse_opensky_csv(
    lines: Iterable[str],
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "opensky",
) -> tuple[TrackUpdates, IngestStats]:
    """OpenSky state-vector CSV text (header line first) → updates."""
    stats = IngestStats()
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return TrackUpdates.empty(), stats
    missing = {"icao24", "lat", "lon"} - set(header)
    if missing or ("time" not in header and "lastposupdate" not in header):
        stats.reject("header: not OpenSky state vectors", f"line 1: {','.join(header)[:60]}")
        return TrackUpdates.empty(), stats
    width = len(header)
    data: list[list[str]] = [[] for _ in header]
    where: list[str] = []
    line_no = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            line_no += 1
            stats.reject("bad CSV line", f"line {line_no}: {str(e)[:40]}")
            continue
        line_no = reader.line_num
        if not row:
            continue
        if len(row) != width:
            stats.reject("wrong number of columns", f"line {line_no}: {len(row)} of {width}")
            continue
        for col, value in zip(data, row, strict=True):
            col.append(value.strip())
        where.append(f"line {line_no}")
    cols = dict(zip(header, data, strict=True))
    return columns_to_updates(
        cols,
        len(where),
        OPENSKY,
        where=np.array(where, dtype=object),
        stats=stats,
        rules=rules,
        keep_ground=keep_ground,
        source=source,
    )


def read_opensky_csv(
    path: str | Path,
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "opensky",
) -> tuple[TrackUpdates, IngestStats]:
    """An OpenSky state-vector CSV file (plain or gzip) → updates."""
    file_stats = IngestStats()
    lines = _read_text(path, file_stats).splitlines()
    updates, stats = parse_opensky_csv(lines, rules=rules, keep_ground=keep_ground, source=source)
    return updates, stats.merge(file_stats)


def read_opensky_parquet(
    path: str | Path,
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "opensky",
) -> tuple[TrackUpdates, IngestStats]:
    """An OpenSky state-vector Parquet file → updates (pyarrow, no pandas)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    stats = IngestStats()
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        stats.reject("not a readable Parquet file", str(e)[:80])
        return TrackUpdates.empty(), stats
    cols: dict[str, Column] = {}
    for name in table.column_names:
        key = name.lower()
        if key not in (*OPENSKY_COLUMNS, "party"):
            continue
        col = table.column(name)
        typ = col.type
        if pa.types.is_timestamp(typ):
            col = pc.divide(pc.cast(pc.cast(col, pa.timestamp("us")), pa.int64()), 1_000_000.0)
            typ = col.type
        if pa.types.is_integer(typ) or pa.types.is_floating(typ):
            cols[key] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        else:
            cols[key] = col.to_pylist()
    return columns_to_updates(
        cols,
        table.num_rows,
        OPENSKY,
        stats=stats,
        rules=rules,
        keep_ground=keep_ground,
        source=source,
    )


def _records_to_columns(
    labelled: Sequence[tuple[str, object]], keys: Iterable[str], stats: IngestStats
) -> tuple[dict[str, Column], NDArray[np.object_]]:
    good: list[tuple[str, dict[str, Any]]] = []
    for label, rec in labelled:
        if isinstance(rec, dict):
            good.append((label, rec))
        else:
            stats.reject("record: not an object", label)
    cols: dict[str, Column] = {
        k: [r.get(k) for _, r in good] for k in keys if any(k in r for _, r in good)
    }
    return cols, np.array([label for label, _ in good], dtype=object)


_TRAFFIC_KEYS: Final = (
    TRAFFIC.time,
    "last_position",
    TRAFFIC.lat,
    TRAFFIC.lon,
    *TRAFFIC.alt,
    TRAFFIC.gs,
    TRAFFIC.track,
    TRAFFIC.vrate,
    "icao24",
    "callsign",
    "onground",
    "party",
)
_NOT_JSON: Final = object()


def parse_traffic_json(
    text: str,
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "traffic",
) -> tuple[TrackUpdates, IngestStats]:
    """``traffic`` JSON text — array of records, JSON lines or column-oriented — → updates."""
    stats = IngestStats()
    opts: dict[str, Any] = {"rules": rules, "keep_ground": keep_ground, "source": source}
    try:
        obj: object = json.loads(text)
    except (ValueError, RecursionError):
        obj = _NOT_JSON
    labelled: list[tuple[str, object]] = []
    if obj is _NOT_JSON:
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                labelled.append((f"line {i}", json.loads(line)))
            except (ValueError, RecursionError):
                stats.reject("bad JSON line", f"line {i}")
    elif isinstance(obj, dict) and obj and all(isinstance(v, dict) for v in obj.values()):
        # pandas' column-oriented JSON: {column: {row index: value}}
        index = list(next(iter(obj.values())).keys())
        cols: dict[str, Column] = {
            k: [v.get(i) for i in index] for k, v in obj.items() if k in _TRAFFIC_KEYS
        }
        where = np.array([f"row {i}" for i in index], dtype=object)
        return columns_to_updates(cols, len(index), TRAFFIC, where=where, stats=stats, **opts)
    else:
        records = obj if isinstance(obj, list) else [obj]
        labelled = [(f"record {i}", r) for i, r in enumerate(records)]
    cols, where = _records_to_columns(labelled, _TRAFFIC_KEYS, stats)
    return columns_to_updates(cols, len(where), TRAFFIC, where=where, stats=stats, **opts)


def read_traffic_json(
    path: str | Path,
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "traffic",
) -> tuple[TrackUpdates, IngestStats]:
    """A ``traffic`` JSON / JSON-lines file (plain or gzip) → updates."""
    file_stats = IngestStats()
    text = _read_text(path, file_stats)
    updates, stats = parse_traffic_json(text, rules=rules, keep_ground=keep_ground, source=source)
    return updates, stats.merge(file_stats)


def parse_readsb_trace(
    obj: object,
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "readsb",
) -> tuple[TrackUpdates, IngestStats]:
    """A decoded readsb ``trace_full_*.json`` object → updates."""
    stats = IngestStats()
    if not isinstance(obj, dict) or not isinstance(obj.get("trace"), list):
        stats.reject("not a readsb trace", type(obj).__name__)
        return TrackUpdates.empty(), stats
    base = obj.get("timestamp")
    if isinstance(base, bool) or not isinstance(base, int | float):
        stats.reject("trace: no base timestamp", repr(base)[:40], len(obj["trace"]))
        return TrackUpdates.empty(), stats
    icao_hex = str(obj.get("icao", ""))
    times: list[object] = []
    lat: list[object] = []
    lon: list[object] = []
    alt: list[object] = []
    ground: list[bool] = []
    gs: list[object] = []
    trk: list[object] = []
    vr: list[object] = []
    cs: list[str] = []
    callsign = ""
    kept: list[int] = []
    for i, point in enumerate(obj["trace"]):
        if not isinstance(point, list) or len(point) < 8:
            stats.reject("trace: bad point", f"point {i}")
            continue
        details = point[8] if len(point) > 8 else None
        if isinstance(details, dict) and isinstance(details.get("flight"), str):
            callsign = details["flight"]
        dt = point[0]
        try:
            times.append(float(base) + number(dt))
        except (ValueError, OverflowError):
            stats.reject("trace: bad time offset", f"point {i}")
            continue
        lat.append(point[1])
        lon.append(point[2])
        on_ground = point[3] == "ground"
        ground.append(on_ground)
        alt.append(None if on_ground else point[3])
        gs.append(point[4])
        trk.append(point[5])
        vr.append(point[7])
        cs.append(callsign)
        kept.append(i)
    n = len(kept)
    cols: dict[str, Column] = {
        "timestamp": times,
        "latitude": lat,
        "longitude": lon,
        "altitude": alt,
        "groundspeed": gs,
        "track": trk,
        "vertical_rate": vr,
        "onground": ground,
        "icao24": [icao_hex] * n,
        "callsign": cs,
    }
    where = np.array([f"point {i}" for i in kept], dtype=object)
    return columns_to_updates(
        cols,
        n,
        TRAFFIC,
        where=where,
        stats=stats,
        rules=rules,
        keep_ground=keep_ground,
        source=source,
    )


def read_readsb_trace(
    path: str | Path,
    *,
    rules: OwnershipRules | None = None,
    keep_ground: bool = False,
    source: str = "readsb",
) -> tuple[TrackUpdates, IngestStats]:
    """A readsb ``trace_full_*.json`` file (plain or gzip) → updates."""
    file_stats = IngestStats()
    text = _read_text(path, file_stats)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as e:
        file_stats.reject("not valid JSON", str(e)[:80])
        return TrackUpdates.empty(), file_stats
    updates, stats = parse_readsb_trace(obj, rules=rules, keep_ground=keep_ground, source=source)
    return updates, stats.merge(file_stats)
