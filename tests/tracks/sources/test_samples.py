"""Every reader on the real sample files shipped with the ``traffic`` package.

The files are read directly (``traffic`` itself is never imported).  Tests are skipped, with the
reason, when the bench dependency group is not installed.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from pyModeS.position import airborne_position_pair

from skyaccord.geo.frames import great_circle_m
from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources import detect_format, open_source
from skyaccord.tracks.sources.modes import iter_beast_frames
from skyaccord.tracks.table import TrackTable

SAMPLES = Path(sys.prefix) / "lib/python3.11/site-packages/traffic/data/samples"
RULES = OwnershipRules.by_country(
    {"israel": ["IL"], "france": ["FR"], "netherlands": ["NL"], "usa": ["US"]},
    callsign_prefixes={"ELY": "israel", "AFR": "france"},
)
TOULOUSE = (43.6294, 1.3678)  # LFBO


def sample(rel: str) -> Path:
    p = SAMPLES / rel
    if not p.exists():
        pytest.skip(f"traffic sample {rel} not installed (uv sync --group bench)")
    return p


def test_quickstart_paris() -> None:
    p = sample("collections/quickstart.json.gz")
    records = json.loads(gzip.decompress(p.read_bytes()))
    u, stats = open_source(p, rules=RULES)
    assert detect_format(p) == "traffic"
    on_ground = sum(1 for r in records if r["onground"])
    assert stats.n_rejected == 0
    assert stats.accepted == len(records) - on_ground == len(u)
    assert stats.skipped == {"on ground": on_ground}
    assert (u.lat_deg.min(), u.lat_deg.max()) > (46.0, 0.0) and u.lat_deg.max() < 51.0
    # A few altitude glitches of the real feed are kept (within the physical screen).
    assert np.nanpercentile(u.alt_m, 99.9) < 15_000 and np.nanmin(u.gs_mps) >= 0
    assert len(set(u.track_id.tolist())) == len({r["icao24"] for r in records if not r["onground"]})
    parties = Counter(u.party.tolist())
    assert parties["france"] > parties["israel"] > 0 and parties["unknown"] > 0

    table = TrackTable()
    for batch in u.time_batches(10.0):
        table.apply(batch)
    last: dict[str, dict[str, object]] = {}  # newest airborne record per aircraft, first of ties
    for r in records:
        key = "icao:" + r["icao24"]
        if not r["onground"] and (key not in last or r["timestamp"] > last[key]["timestamp"]):
            last[key] = r
    for tid, r in list(last.items())[:50]:
        state = table.state(tid)
        assert state is not None
        assert state["time_s"] == r["timestamp"] / 1000  # type: ignore[operator]
        assert state["lat_deg"] == r["latitude"] and state["lon_deg"] == r["longitude"]


def test_elal747_rome_to_tel_aviv() -> None:
    p = sample("featured/elal747.json.gz")
    u, stats = open_source(p, rules=RULES)
    assert stats.accepted == len(u) == 2110 and stats.n_rejected == 0
    assert set(u.party.tolist()) == {"israel"} and set(u.callsign.tolist()) == {"ELY1747"}
    end = int(np.argmax(u.time_s))
    assert float(great_circle_m(u.lat_deg[end], u.lon_deg[end], 32.0114, 34.8867)) < 20_000
    assert np.nanmax(u.alt_m) == pytest.approx(u.alt_m.max())


def test_dump1090_beast_binary_near_toulouse() -> None:
    p = sample("dump1090/sample_dump1090.bin")
    assert detect_format(p) == "beast"
    u, stats = open_source(p, rules=RULES, reference=TOULOUSE, base_time_s=1.6e9)
    assert stats.n_rejected == 0 and stats.accepted == len(u) == 4
    assert set(u.track_id.tolist()) == {"icao:48520a"}
    assert set(u.party.tolist()) == {"netherlands"}  # 0x48520A is in the Dutch block
    assert u.callsign[-1] == "TRA89M"
    assert u.gs_mps == pytest.approx(np.full(4, 395 * 1852 / 3600))
    assert u.alt_m == pytest.approx(np.full(4, 38000 * 0.3048))
    # The reference-decoded positions agree with the globally unambiguous even/odd pair.
    frames = [f for f in iter_beast_frames(p.read_bytes()) if isinstance(f, tuple)]
    pos = [f for f in frames if f[1].startswith("8d48520a58")]
    even, odd = pos[0][1], pos[1][1]

    def cpr(h: str) -> tuple[int, int]:
        bits = int(h[8:22], 16)
        return (bits >> 17) & 0x1FFFF, bits & 0x1FFFF

    (elat, elon), (olat, olon) = cpr(even), cpr(odd)
    pair = airborne_position_pair(elat, elon, olat, olon, even_is_newer=False)
    assert pair is not None
    assert (u.lat_deg[1], u.lon_deg[1]) == pytest.approx(pair, abs=1e-9)
    # Consecutive positions agree with the broadcast ground speed.
    d = great_circle_m(u.lat_deg[0], u.lon_deg[0], u.lat_deg[-1], u.lon_deg[-1])
    assert float(d) / (u.time_s[-1] - u.time_s[0]) == pytest.approx(203, rel=0.05)


def test_rs1090_frames_decode_to_rs1090_positions() -> None:
    p = sample("rs1090/full_flight_short.jsonl")
    assert detect_format(p) == "raw"
    u, stats = open_source(p, rules=RULES)
    assert stats.n_rejected == 0 and len(u) > 6000
    assert set(u.party.tolist()) == {"france"} and "AFR34ZG" in set(u.callsign.tolist())
    theirs = {}
    for line in p.read_text().splitlines():
        r = json.loads(line)
        if r.get("bds") == "05" and r.get("latitude") is not None:
            theirs[r["timestamp"]] = (r["latitude"], r["longitude"])
    matched = 0
    for t, lat, lon in zip(u.time_s.tolist(), u.lat_deg.tolist(), u.lon_deg.tolist(), strict=True):
        if t in theirs:
            matched += 1
            assert (lat, lon) == pytest.approx(theirs[t], abs=1e-4)
    assert matched > 0.95 * len(u)
    table = TrackTable()
    for batch in u.time_batches(1.0):
        table.apply(batch)
    state = table.state("icao:393322")
    assert state is not None and state["callsign"] == "AFR34ZG" and state["gs_mps"] > 0


def test_readsb_trace_full() -> None:
    p = sample("readsb/trace_full_ac671b.json")
    assert detect_format(p) == "readsb"
    u, stats = open_source(p, rules=RULES)
    assert stats.n_rejected == 0 and len(u) == stats.accepted > 2000
    assert set(u.party.tolist()) == {"usa"} and "DAL1812" in set(u.callsign.tolist())
    assert np.all(np.diff(u.time_s) >= 0)


@pytest.mark.parametrize(
    "rel",
    [
        "collections/switzerland.json.gz",
        "collections/savan.json.gz",
        "noisy/noisy_ground.json.gz",
        "military/aircraft_carrier.json.gz",
        "calibration/ajaccio.json.gz",
        "onground/zurich_airport.json.gz",
    ],
)
def test_other_traffic_samples_load(rel: str) -> None:
    p = sample(rel)
    u, stats = open_source(p)
    assert stats.n_rejected == 0 and len(u) == stats.accepted > 0
    table = TrackTable()
    r = table.apply(u)
    assert r.invalid == 0 and len(table) > 0
