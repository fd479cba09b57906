"""Malformed input of every kind is counted and skipped: never an exception, never a bad value."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyaccord.errors import ValidationError
from skyaccord.tracks.sources import open_source
from skyaccord.tracks.sources.json_batch import parse_json_batch
from skyaccord.tracks.sources.modes import ModeSDecoder, iter_beast_frames
from skyaccord.tracks.sources.sbs import SbsDecoder, parse_sbs
from skyaccord.tracks.sources.statevectors import (
    OPENSKY_COLUMNS,
    parse_opensky_csv,
    parse_readsb_trace,
    parse_traffic_json,
)
from skyaccord.tracks.updates import IngestStats, TrackUpdates

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SBS_LINE = (
    "MSG,3,1,1,738043,1,2015/11/24,07:24:05.000,2015/11/24,07:24:05.000,ELY1,19000,,,"
    "36.1,35.95,,,0,0,0,0"
)
RAW_LINE = "1720249213.623154,8f393322581370a9928b24aef404"
CSV_LINE = (
    "1448349850,738043,32.0,34.9,120.5,45.0,-3.25,ELY1747,False,False,False,1000,"
    "3000.0,3100.0,1448349848.5,1448349849.9"
)
JSON_REC = {"track_id": "T1", "time": "2015-11-24T07:24:05Z", "lat_deg": 36.1, "lon_deg": 35.9}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


def sane(u: TrackUpdates, stats: IngestStats) -> None:
    """Whatever came through is within the screened ranges and counted once."""
    assert len(u) == stats.accepted
    if len(u):
        assert np.all(np.isfinite(u.time_s))
        assert np.all(np.abs(u.lat_deg) <= 90) and np.all(np.abs(u.lon_deg) <= 180)
        assert not np.any(u.gs_mps < 0) and not np.any(np.isinf(u.alt_m))
        t = u.track_deg[np.isfinite(u.track_deg)]
        assert np.all((t >= 0) & (t < 360))
        assert all(isinstance(x, str) and x for x in u.track_id.tolist())


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    sane(*parse_json_batch(data, party="p"))
    sane(*SbsDecoder().feed_bytes(data))
    dec = ModeSDecoder(reference=(45.0, 5.0))
    sane(*dec.feed_bytes(data, now_s=1.0))
    sane(*dec.feed_beast(data))
    sane(*dec.feed_beast(data, final=True))
    list(iter_beast_frames(data))
    text = data.decode("utf-8", "replace")
    sane(*parse_traffic_json(text))
    sane(*parse_opensky_csv([",".join(OPENSKY_COLUMNS), *text.splitlines()]))


@FUZZ
@given(json_values)
def test_random_json(value: Any) -> None:
    sane(*parse_json_batch([value, value], party="p"))
    sane(*parse_readsb_trace(value))
    sane(*parse_readsb_trace({"timestamp": 1.7e9, "trace": [value, [0, value, value, value]]}))
    try:
        text = json.dumps(value)
    except ValueError:
        return
    sane(*parse_traffic_json(text))
    sane(*parse_traffic_json("[" + text + "]"))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from([*JSON_REC, "alt_m", "alt_ft", "gs_kt", "track_deg", "vrate_fpm"]),
        st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.text(max_size=30),
    )
)
def test_json_batch_fields_with_nan_inf_and_garbage(over: dict[str, Any]) -> None:
    u, stats = parse_json_batch([{**JSON_REC, **over}], party="p")
    sane(u, stats)
    assert stats.accepted + stats.n_rejected == 1


@FUZZ
@given(st.data())
def test_truncated_and_mutated_lines(data: st.DataObject) -> None:
    for line in (SBS_LINE, RAW_LINE, CSV_LINE):
        cut = data.draw(st.integers(0, len(line)))
        pos = data.draw(st.integers(0, len(line) - 1))
        char = data.draw(st.characters(codec="utf-8"))
        for variant in (line[:cut], line[:pos] + char + line[pos + 1 :]):
            sane(*parse_sbs([variant, SBS_LINE]))
            sane(*ModeSDecoder(reference=(49.0, 2.5)).feed_lines([variant, RAW_LINE]))
            sane(*parse_opensky_csv([",".join(OPENSKY_COLUMNS), variant]))


@FUZZ
@given(st.text(alphabet="0123456789abcdefABCDEFxyz*@;,. ", max_size=40))
def test_bad_hex_frames(frame: str) -> None:
    dec = ModeSDecoder()
    u, stats = dec.feed_lines([f"1.0,{frame}", f"*{frame};", frame], default_time_s=2.0)
    sane(u, stats)
    assert stats.accepted + stats.n_rejected + stats.n_skipped <= 3


@FUZZ
@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_out_of_range_numbers_in_text_formats(lat: float, lon: float, alt: float) -> None:
    line = SBS_LINE.replace("36.1,35.95", f"{lat},{lon}").replace(",19000,", f",{alt},")
    u, stats = parse_sbs([line])
    sane(u, stats)
    ok = math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180
    if not ok:
        assert len(u) == 0


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02", b"\x1f\x8b\x08broken gzip", b"PAR1xxxx", b"{", b"[1,2", b"MSG,3"],
)
def test_open_source_on_broken_files(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "feed.dat"
    p.write_bytes(content)
    try:
        u, stats = open_source(p)
    except ValidationError:
        return  # format could not be told: a clear error naming the file
    sane(u, stats)


@pytest.mark.parametrize(
    ("given", "stored"), [(-1e-20, 0.0), (-0.0, 0.0), (360.0, 0.0), (-90.0, 270.0)]
)
def test_track_angles_are_stored_in_0_to_360_half_open(given: float, stored: float) -> None:
    """-1e-20 % 360 is 360.0 in floating point; the [0, 360) convention must still hold."""
    u, stats = parse_json_batch([{**JSON_REC, "track_deg": given, "gs_kt": 300}], party="p")
    assert stats.accepted == 1 and u.track_deg.tolist() == [stored]
