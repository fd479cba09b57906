"""Format detection and dispatch of open_source on hand-built files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from skyaccord.errors import ValidationError
from skyaccord.tracks.sources import detect_format, open_source

FILES = {
    "a.sbs": b"MSG,3,1,1,738043,1,2015/11/24,07:24:05.000,2015/11/24,07:24:05.000,,19000,,,"
    b"36.1,35.95,,,0,0,0,0\n",
    "a.avr": b"@000000B71B008D40621D58C382D690C8AC2863A7;\n",
    "a.csv": b"timestamp,rawmsg\n1.5,8D40621D58C382D690C8AC2863A7\n",
    "b.csv": b"time,icao24,lat,lon\n1448349850,738043,32.0,34.9\n",
    "a.bin": b"\x1a\x33" + bytes(21),
    "a.jsonl": b'{"timestamp": 1.5, "frame": "8D40621D58C382D690C8AC2863A7"}\n',
    "t.json": json.dumps(
        [{"timestamp": 1e12, "icao24": "738043", "latitude": 32.0, "longitude": 34.9}]
    ).encode(),
    "r.json": b'{"icao": "738043", "timestamp": 1.0, "trace": []}',
    "batch.json": json.dumps(
        [{"track_id": "T", "time": "2015-11-24T07:24:05Z", "lat_deg": 1, "lon_deg": 2}]
    ).encode(),
}
EXPECTED = {
    "a.sbs": "sbs",
    "a.avr": "raw",
    "a.csv": "raw",
    "b.csv": "opensky-csv",
    "a.bin": "beast",
    "a.jsonl": "raw",
    "t.json": "traffic",
    "r.json": "readsb",
    "batch.json": "json-batch",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_detect_and_open(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(FILES[name])
    gz = tmp_path / (name + ".gz")
    gz.write_bytes(gzip.compress(FILES[name]))
    assert detect_format(p) == detect_format(gz) == EXPECTED[name]
    u, stats = open_source(p, party="israel", reference=(52.0, 4.0))
    assert len(u) == stats.accepted
    if name in ("a.sbs", "b.csv", "t.json", "batch.json"):
        assert len(u) == 1


def test_json_batch_needs_a_party(tmp_path: Path) -> None:
    p = tmp_path / "batch.json"
    p.write_bytes(FILES["batch.json"])
    with pytest.raises(ValidationError, match="party"):
        open_source(p)
    u, _ = open_source(p, party="israel")
    assert u.track_id.tolist() == ["israel/T"]


def test_unknown_format(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("hello world\n")
    assert detect_format(p) is None
    with pytest.raises(ValidationError, match="format"):
        open_source(p)
    with pytest.raises(ValidationError, match="valid"):
        open_source(p, kind="nope")  # type: ignore[arg-type]
    u, stats = open_source(p, kind="sbs")
    assert len(u) == 0 and stats.rejected["not an SBS-1 line"] == 1
