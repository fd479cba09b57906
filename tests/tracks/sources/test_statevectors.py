"""OpenSky state vectors (CSV, Parquet), traffic JSON in its three layouts, readsb traces."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources.statevectors import (
    OPENSKY_COLUMNS,
    parse_opensky_csv,
    parse_readsb_trace,
    parse_traffic_json,
    read_opensky_csv,
    read_opensky_parquet,
    read_traffic_json,
)

HEADER = ",".join(OPENSKY_COLUMNS)
RULES = OwnershipRules.by_country({"israel": ["IL"], "russia": ["RU"]})


def sv(**kw: Any) -> str:
    row = {
        "time": "1448349850",
        "icao24": "738043",
        "lat": "32.0",
        "lon": "34.9",
        "velocity": "120.5",
        "heading": "45.0",
        "vertrate": "-3.25",
        "callsign": "ELY1747 ",
        "onground": "False",
        "alert": "False",
        "spi": "False",
        "squawk": "1000",
        "baroaltitude": "3000.0",
        "geoaltitude": "3100.0",
        "lastposupdate": "1448349848.5",
        "lastcontact": "1448349849.9",
    }
    row.update(kw)
    return ",".join(row[c] for c in OPENSKY_COLUMNS)


def test_opensky_csv_known_answers() -> None:
    u, stats = parse_opensky_csv(
        [
            HEADER,
            sv(),
            sv(icao24="151234", baroaltitude="", lastposupdate="", callsign=""),
        ],
        rules=RULES,
    )
    assert stats.accepted == 2 and stats.n_rejected == 0
    assert u.track_id.tolist() == ["icao:738043", "icao:151234"]
    assert u.party.tolist() == ["israel", "russia"]
    assert u.time_s.tolist() == [1448349848.5, 1448349850.0]  # lastposupdate first
    assert u.alt_m.tolist() == [3000.0, 3100.0]  # barometric, else geometric
    assert (u.gs_mps[0], u.track_deg[0], u.vrate_mps[0]) == (120.5, 45.0, -3.25)
    assert u.callsign.tolist() == ["ELY1747", ""]
    assert u.source.tolist() == ["opensky", "opensky"]


def test_opensky_csv_skips_and_rejects() -> None:
    lines = [
        HEADER,
        sv(lat="", lon=""),
        sv(onground="True"),
        sv(lat="abc"),
        sv(icao24="73804"),
        sv(heading="400"),
        sv(onground="maybe"),
        "1,2,3",
        sv(),
    ]
    u, stats = parse_opensky_csv(lines)
    assert len(u) == 1
    assert stats.skipped == {"no position": 1, "on ground": 1}
    assert dict(stats.rejected) == {
        "lat: not a number": 1,
        "icao24: not 6 hex digits": 1,
        "track_deg: out of range [-360, 360]": 1,
        "onground: not a boolean": 1,
        "wrong number of columns": 1,
    }
    assert stats.examples["lat: not a number"] == ["line 4: 'abc'"]


def test_opensky_csv_bad_header_and_empty() -> None:
    _, stats = parse_opensky_csv(["a,b,c", "1,2,3"])
    assert "header: not OpenSky state vectors" in stats.rejected
    u, stats = parse_opensky_csv([])
    assert len(u) == 0 and stats.n_rejected == 0


def test_party_column_sets_ownership(tmp_path: Path) -> None:
    text = HEADER + ",party\n" + sv() + ",russia\n" + sv(icao24="738044") + ",\n"
    (tmp_path / "s.csv.gz").write_bytes(gzip.compress(text.encode()))
    u, _ = read_opensky_csv(tmp_path / "s.csv.gz", rules=RULES)
    assert u.party.tolist() == ["russia", "israel"]


def test_opensky_parquet(tmp_path: Path) -> None:
    table = pa.table(
        {
            "time": pa.array([1448349850, 1448349860, 1448349870], pa.int64()),
            "icao24": ["738043", "738043", "15125a"],
            "lat": [32.0, None, 33.0],
            "lon": [34.9, None, 35.0],
            "velocity": [120.5, 121.0, None],
            "heading": [45.0, 46.0, None],
            "vertrate": [0.0, 0.0, None],
            "callsign": ["ELY1747", "ELY1747", None],
            "onground": [False, False, None],
            "baroaltitude": [3000.0, 3010.0, None],
            "geoaltitude": [3100.0, 3110.0, 5000.0],
            "lastposupdate": pa.array([1448349849.0, None, None], pa.float64()),
            "hour": pa.array([1448348400] * 3, pa.timestamp("s", tz="UTC")),
        }
    )
    pq.write_table(table, tmp_path / "s.parquet")
    u, stats = read_opensky_parquet(tmp_path / "s.parquet", rules=RULES)
    assert stats.accepted == 2 and stats.skipped == {"no position": 1}
    assert u.time_s.tolist() == [1448349849.0, 1448349870.0]
    assert u.alt_m.tolist() == [3000.0, 5000.0]
    assert u.party.tolist() == ["israel", "russia"]
    assert math.isnan(u.gs_mps[1])
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    u, stats = read_opensky_parquet(tmp_path / "bad.parquet")
    assert len(u) == 0 and "not a readable Parquet file" in stats.rejected


def test_parquet_with_timestamp_time_column(tmp_path: Path) -> None:
    table = pa.table(
        {
            "time": pa.array([1448349850_000_000], pa.timestamp("us", tz="UTC")),
            "icao24": ["738043"],
            "lat": [32.0],
            "lon": [34.9],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    u, _ = read_opensky_parquet(tmp_path / "t.parquet")
    assert u.time_s.tolist() == [1448349850.0]


TRAFFIC_RECORDS = [
    {
        "timestamp": 1572773290000,
        "icao24": "738043",
        "latitude": 41.79,
        "longitude": 12.24,
        "groundspeed": 450.0,
        "track": 120.0,
        "vertical_rate": 1000.0,
        "callsign": "ELY1747",
        "altitude": 35000.0,
        "onground": False,
    },
    {
        "timestamp": "2019-11-03T09:28:20Z",
        "icao24": "738043",
        "latitude": 41.8,
        "longitude": 12.25,
        "groundspeed": None,
        "track": None,
        "vertical_rate": None,
        "callsign": "ELY1747",
        "altitude": None,
        "geoaltitude": 36000.0,
        "party": "israel",
    },
]


def check_traffic(u: Any) -> None:
    assert u.time_s.tolist() == [1572773290.0, 1572773300.0]
    assert u.alt_m[0] == pytest.approx(35000 * 0.3048)
    assert u.alt_m[1] == pytest.approx(36000 * 0.3048)
    assert u.gs_mps[0] == pytest.approx(450 * 1852 / 3600)
    assert u.vrate_mps[0] == pytest.approx(5.08)
    assert math.isnan(u.gs_mps[1])
    assert u.party.tolist() == ["unknown", "israel"]


def test_traffic_json_records_lines_and_columns(tmp_path: Path) -> None:
    u, stats = parse_traffic_json(json.dumps(TRAFFIC_RECORDS))
    assert stats.accepted == 2
    check_traffic(u)
    jsonl = "\n".join(json.dumps(r) for r in TRAFFIC_RECORDS) + "\n\n{broken\n"
    u, stats = parse_traffic_json(jsonl)
    check_traffic(u)
    assert dict(stats.rejected) == {"bad JSON line": 1}
    keys = sorted({k for r in TRAFFIC_RECORDS for k in r})
    columns = {k: {str(i): r.get(k) for i, r in enumerate(TRAFFIC_RECORDS)} for k in keys}
    u, _ = parse_traffic_json(json.dumps(columns))
    check_traffic(u)
    (tmp_path / "t.json.gz").write_bytes(gzip.compress(json.dumps(TRAFFIC_RECORDS).encode()))
    u, _ = read_traffic_json(tmp_path / "t.json.gz")
    check_traffic(u)


def test_traffic_json_time_units_and_bad_values() -> None:
    base = TRAFFIC_RECORDS[0]
    recs = [
        {**base, "timestamp": 1572773290},
        {**base, "timestamp": 1572773290_000_000},
        {**base, "timestamp": 1572773290_000_000_000},
        {**base, "timestamp": "yesterday"},
        {**base, "latitude": "north"},
        {**base, "groundspeed": True},
        {**base, "longitude": 200.0},
        {**base, "onground": True},
        "not an object",
    ]
    u, stats = parse_traffic_json(json.dumps(recs))
    assert u.time_s.tolist() == [1572773290.0] * 3
    assert dict(stats.rejected) == {
        "timestamp: not a time": 1,
        "latitude: not a number": 1,
        "groundspeed: not a number": 1,
        "lon_deg: out of range [-180, 180]": 1,
        "record: not an object": 1,
    }
    assert stats.skipped == {"on ground": 1}


def test_readsb_trace() -> None:
    trace = {
        "icao": "ac671b",
        "timestamp": 1738703622.619,
        "trace": [
            [0.0, 16.77, -88.03, 32000, 478.6, 327.8, 1, 0, None, "adsb_icao"],
            [9.0, 16.79, -88.04, 32000, 482.0, 336.8, 0, 64, {"flight": "DAL1812 "}, "adsb_icao"],
            [20.0, 16.80, -88.05, "ground", 10.0, 336.8, 0, None, None, "adsb_icao"],
            [21.0, 16.81],
            ["x", 16.8, -88.0, 1000, 1, 1, 0, 0],
        ],
    }
    u, stats = parse_readsb_trace(trace)
    assert stats.accepted == 2
    assert u.time_s.tolist() == pytest.approx([1738703622.619, 1738703631.619])
    assert u.alt_m[0] == pytest.approx(32000 * 0.3048)
    assert u.callsign.tolist() == ["", "DAL1812"]
    assert u.vrate_mps[1] == pytest.approx(64 * 0.3048 / 60)
    assert stats.skipped == {"on ground": 1}
    assert dict(stats.rejected) == {"trace: bad point": 1, "trace: bad time offset": 1}
    _, stats = parse_readsb_trace({"trace": [[0, 1, 2, 3, 4, 5, 6, 7]]})
    assert "trace: no base timestamp" in stats.rejected
    _, stats = parse_readsb_trace([1, 2])
    assert "not a readsb trace" in stats.rejected
    assert np.asarray(u.icao24).tolist() == [0xAC671B, 0xAC671B]
