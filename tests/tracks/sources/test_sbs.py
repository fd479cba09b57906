"""SBS-1 / BaseStation lines: known answers, merging of callsign and velocity, bad lines."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pytest

from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources.sbs import SbsDecoder, parse_sbs, read_sbs

D = "2015/11/24"
T_S = 1448349845.0  # 2015-11-24T07:24:05Z


def msg(kind: int, icao: str = "15125A", clock: str = "07:24:05.000", **f: str) -> str:
    fields = ["MSG", str(kind), "1", "1", icao, "1", D, clock, D, clock] + [""] * 12
    names = [
        "callsign",
        "alt",
        "gs",
        "trk",
        "lat",
        "lon",
        "vr",
        "sq",
        "alert",
        "emerg",
        "spi",
        "gnd",
    ]
    for k, v in f.items():
        fields[10 + names.index(k)] = v
    return ",".join(fields)


def test_position_gets_callsign_and_recent_velocity() -> None:
    rules = OwnershipRules.by_country({"russia": ["RU"]})
    u, stats = parse_sbs(
        [
            msg(1, callsign="RSD01   "),
            msg(4, clock="07:24:04.000", gs="470", trk="185.5", vr="-1000"),
            msg(3, clock="07:24:05.500", alt="19000", lat="36.1", lon="35.95", gnd="0"),
        ],
        rules=rules,
    )
    assert stats.accepted == 1 and stats.n_rejected == 0
    assert stats.skipped == {
        "MSG,1: identification (merged)": 1,
        "MSG,4: velocity (merged)": 1,
    }
    assert u.track_id.tolist() == ["icao:15125a"] and u.icao24[0] == 0x15125A
    assert (u.callsign[0], u.party[0]) == ("RSD01", "russia")
    assert u.time_s[0] == T_S + 0.5
    assert u.alt_m[0] == pytest.approx(5791.2)
    assert u.gs_mps[0] == pytest.approx(470 * 1852 / 3600)
    assert (u.track_deg[0], u.vrate_mps[0]) == (185.5, pytest.approx(-5.08))
    assert (u.lat_deg[0], u.lon_deg[0]) == (36.1, 35.95)


def test_old_velocity_is_not_merged() -> None:
    u, _ = parse_sbs(
        [
            msg(4, clock="07:23:00.000", gs="470", trk="185", vr="0"),
            msg(3, alt="19000", lat="36.1", lon="35.95"),
        ]
    )
    assert math.isnan(u.gs_mps[0]) and math.isnan(u.vrate_mps[0])


def test_velocity_in_the_position_line_is_used() -> None:
    u, _ = parse_sbs([msg(3, alt="1000", gs="100", trk="90", lat="1", lon="2", vr="64")])
    assert u.gs_mps[0] == pytest.approx(51.444, abs=1e-3) and u.track_deg[0] == 90.0
    assert u.vrate_mps[0] == pytest.approx(0.32512)


def test_ground_positions_are_skipped_unless_kept() -> None:
    lines = [
        msg(2, gs="10", trk="90", lat="33.4", lon="36.5", gnd="-1"),
        msg(3, alt="0", lat="33.4", lon="36.5", gnd="-1"),
    ]
    u, stats = parse_sbs(lines)
    assert len(u) == 0 and stats.skipped["on ground"] == 2
    u, stats = parse_sbs(lines, keep_ground=True)
    assert len(u) == 2 and math.isnan(u.alt_m[0]) and u.alt_m[1] == 0.0


def test_utc_offset() -> None:
    u, _ = parse_sbs([msg(3, alt="1", lat="1", lon="1")], utc_offset_s=7200)
    assert u.time_s[0] == T_S - 7200


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("MSG,3,1,1,15125A,1", "truncated line"),
        ("hello world", "not an SBS-1 line"),
        (msg(9), "transmission type: not 1-8"),
        (msg(3, icao="15125G", lat="1", lon="1"), "hex ident: not 6 hex digits"),
        (msg(3, icao="-12345", lat="1", lon="1"), "hex ident: not 6 hex digits"),
        (msg(3, lat="north", lon="1"), "lat_deg: not a number"),
        (msg(3, alt="high", lat="1", lon="1"), "altitude: not a number"),
        (msg(3, lat="91", lon="1"), "lat_deg: out of range [-90, 90]"),
        (msg(3, lat="nan", lon="1"), "lat_deg: not finite"),
        (msg(3, clock="25:00:00.000", lat="1", lon="1"), "time: bad time of day"),
        (msg(3, clock="noon", lat="1", lon="1"), "time: bad time of day"),
        (msg(3, lat="1", lon="1").replace(D, "2015/13/45"), "time: bad date"),
        (msg(3, lat="1", lon="1").replace(D, ""), "time: missing"),
    ],
)
def test_bad_lines(line: str, reason: str) -> None:
    good = msg(3, alt="1000", lat="1", lon="1")
    u, stats = parse_sbs([good, line, good])
    assert dict(stats.rejected) == {reason: 1}
    assert stats.examples[reason][0].startswith("line 2")
    assert len(u) == 2


def test_other_kinds_and_positionless_messages_are_skipped() -> None:
    u, stats = parse_sbs(["STA,,1,1,15125A,1,2015/11/24", "", msg(5, alt="1000"), msg(3)])
    assert len(u) == 0 and stats.n_rejected == 0
    assert stats.skipped == {
        "STA: not a position": 1,
        "MSG,5: no position": 1,
        "MSG,3: no position": 1,
    }


def test_byte_stream_split_anywhere() -> None:
    lines = [msg(3, alt="1000", lat=str(i), lon="1", clock=f"07:24:{i:02d}.000") for i in range(9)]
    data = ("\r\n".join(lines) + "\r\n").encode()
    dec = SbsDecoder()
    got = []
    for k in range(0, len(data), 37):
        u, _ = dec.feed_bytes(data[k : k + 37])
        got += u.lat_deg.tolist()
    assert got == [float(i) for i in range(9)]
    u, stats = dec.feed_bytes(b"x" * 5000 + b"\n")
    assert stats.rejected["line too long"] == 1


def test_read_plain_and_gzip(tmp_path: Path) -> None:
    text = "\n".join([msg(3, alt="1000", lat="1", lon="2"), msg(3, alt="1000")]) + "\n"
    (tmp_path / "a.sbs").write_text(text)
    (tmp_path / "a.sbs.gz").write_bytes(gzip.compress(text.encode()))
    for name in ("a.sbs", "a.sbs.gz"):
        u, stats = read_sbs(tmp_path / name)
        assert len(u) == 1 and stats.skipped["MSG,3: no position"] == 1


def test_forgotten_aircraft_state_is_bounded() -> None:
    dec = SbsDecoder()
    lines = [msg(1, icao=f"{i:06X}", callsign="X1") for i in range(20_000)]
    lines += [msg(3, icao="15125A", clock="08:00:00.000", alt="1", lat="1", lon="1")] * 10_000
    dec.feed(lines)
    assert len(dec._aircraft) < 20_000
