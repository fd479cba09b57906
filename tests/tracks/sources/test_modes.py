"""Raw Mode S / ADS-B: framings, CPR decoding with pairs and references, merging, bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from skyaccord.tracks.sources.modes import (
    BeastBuffer,
    ModeSDecoder,
    iter_beast_frames,
    read_raw,
    split_raw_line,
)

T = 1720249200.0
# Real frames of Air France AFR34ZG (393322) climbing out of Paris CDG, with the positions,
# speeds and callsign the rs1090 decoder gave for them (traffic's rs1090 sample).
IDENT = "8f393322200464b3d1a1e03df1bf"
VELOCITY = "8f39332299149581a0c0880b8c79"  # 148.49 kt, 265.36 deg, +3008 ft/min
POSITIONS = [  # (time offset, frame, lat, lon, altitude ft)
    (13.623154, "8f393322581370a9928b24aef404", 48.99357604980469, 2.5085449218749996, 2775),
    (14.715690, "8f3933225813941e3087826c1784", 48.99343716896186, 2.5073402806332235, 2825),
    (15.265298, "8f3933225813a0a9888b0c8f872b", 48.99334716796875, 2.5068547175480766, 2850),
    (16.958428, "8f3933225813d41e2a8764038aa3", 48.99329751224841, 2.505171926398026, 2925),
]
CDG = (49.0097, 2.5479)


def lines() -> list[str]:
    out = [f"{T + 1:.6f},{IDENT}", f"{T + 13.0:.6f},{VELOCITY}"]
    out += [f"{T + dt:.6f},{frame}" for dt, frame, *_ in POSITIONS]
    return out


def test_reference_decodes_single_frames_with_known_answers() -> None:
    u, stats = ModeSDecoder(reference=CDG).feed_lines(lines())
    assert stats.accepted == 4 and stats.n_rejected == 0
    for i, (dt, _, lat, lon, alt_ft) in enumerate(POSITIONS):
        assert u.lat_deg[i] == pytest.approx(lat, abs=1e-9)
        assert u.lon_deg[i] == pytest.approx(lon, abs=1e-9)
        assert u.alt_m[i] == pytest.approx(alt_ft * 0.3048)
        assert u.time_s[i] == pytest.approx(T + dt)
    assert set(u.callsign.tolist()) == {"AFR34ZG"}
    assert u.gs_mps[0] == pytest.approx(148.49 * 1852 / 3600, abs=0.3)
    assert u.track_deg[0] == pytest.approx(265.36, abs=0.01)
    assert u.vrate_mps[0] == pytest.approx(3008 * 0.3048 / 60, abs=0.01)
    assert u.track_id[0] == "icao:393322" and u.icao24[0] == 0x393322


def test_without_reference_positions_wait_for_cpr_pairs() -> None:
    dec = ModeSDecoder()
    _, stats = dec.feed_lines(lines()[:3])
    assert stats.skipped["position pending (CPR pair)"] == 1 and stats.accepted == 0


def test_textbook_pair_with_reference() -> None:
    # The worked example of "The 1090 MHz Riddle" (Junzi Sun): even 52.25720, 3.91937.
    u, _ = ModeSDecoder(reference=(52.0, 4.0)).feed_lines(
        ["*8D40621D58C382D690C8AC2863A7;", "*8D40621D58C386435CC412692AD6;"], default_time_s=100.0
    )
    assert u.lat_deg[0] == pytest.approx(52.25720, abs=1e-5)
    assert u.lon_deg[0] == pytest.approx(3.91937, abs=1e-5)
    assert u.lat_deg[1] == pytest.approx(52.26578, abs=1e-5)
    assert u.alt_m[0] == pytest.approx(38000 * 0.3048)


def test_positions_beyond_receiver_range_are_rejected() -> None:
    dec = ModeSDecoder(reference=(48.0, 2.5), max_range_m=50_000)
    u, stats = dec.feed_lines(lines())
    assert len(u) == 0 and stats.rejected["position beyond receiver range"] == 4


def test_crc_failure_and_bad_frames() -> None:
    corrupt = POSITIONS[0][1][:-1] + ("0" if POSITIONS[0][1][-1] != "0" else "1")
    u, stats = ModeSDecoder(reference=CDG).feed_lines(
        [
            f"{T},{corrupt}",
            f"{T},8f39332258137",
            f"{T},zz393322581370a9928b24aef404",
            f"{T},2000",
            f"{T},{'8' * 30}",
            "timestamp,rawmsg",
            f"now,{IDENT}",
            f"inf,{IDENT}",
            f"{IDENT}",
            f"*{IDENT};",
            "@00000;",
            '{"timestamp": "x"}',
            "{not json",
            "[1]",
        ]
    )
    assert len(u) == 0
    assert dict(stats.rejected) == {
        "CRC failed": 1,
        "bad hex": 1,
        "bad length": 2,
        "bad timestamp": 3,
        "no timestamp": 3,
        "JSON line without timestamp and frame": 1,
        "bad JSON line": 1,
    }
    assert stats.skipped == {"Mode A/C reply": 1, "header line": 1}


def test_framings() -> None:
    assert split_raw_line(f"*{IDENT};", default_time_s=5.0) == (5.0, IDENT)
    assert split_raw_line(f"@000000B71B00{IDENT};", base_time_s=100.0) == (101.0, IDENT)
    assert split_raw_line(f"{IDENT},1.5") == (1.5, IDENT)
    assert split_raw_line(f'{{"timestamp": 2.5, "frame": "{IDENT}"}}') == (2.5, IDENT)
    assert split_raw_line("  ") is None
    with pytest.raises(ValueError, match="no timestamp"):
        split_raw_line(f"*{IDENT};")


def test_non_adsb_downlink_formats_are_skipped() -> None:
    _, stats = ModeSDecoder().feed_lines(["1.0,5D48401E3E2C4B", "1.0,20000F1F684A6C"])
    assert stats.skipped == {"DF11: no track data": 1, "DF4: no track data": 1}


def beast(kind: int, ticks: int, frame_hex: str, signal: int = 0x20) -> bytes:
    payload = ticks.to_bytes(6, "big") + bytes([signal]) + bytes.fromhex(frame_hex)
    return b"\x1a" + bytes([kind]) + payload.replace(b"\x1a", b"\x1a\x1a")


def test_beast_binary_frames_with_escapes_and_damage() -> None:
    good = beast(0x33, 0x1A1A1A, POSITIONS[0][1], signal=0x1A)  # escapes in clock and signal
    short = beast(0x32, 12_000_000, "5d48401e3e2c4b")
    mode_ac = beast(0x31, 1, "1234")
    cut = beast(0x33, 5, POSITIONS[1][1])[:12]  # lost bytes: the next escape starts a frame
    frames = list(iter_beast_frames(b"\x00junk" + good + cut + short + mode_ac + b"\x1a\x34xx"))
    assert frames == [
        "garbage between frames",
        (0x1A1A1A, POSITIONS[0][1]),
        "truncated Beast frame",
        (12_000_000, "5d48401e3e2c4b"),
        (1, "1234"),
    ]


def test_beast_stream_split_anywhere_and_timed() -> None:
    data = b"".join(beast(0x33, int((dt) * 12e6), frame) for dt, frame, *_ in POSITIONS)
    buf = BeastBuffer()
    got: list[object] = []
    for k in range(0, len(data), 5):
        got += buf.feed(data[k : k + 5])
    assert [f[1] for f in got if isinstance(f, tuple)] == [p[1] for p in POSITIONS]
    dec = ModeSDecoder(reference=CDG, base_time_s=T)
    u, _ = dec.feed_beast(data, final=True)
    assert u.time_s.tolist() == pytest.approx([T + p[0] for p in POSITIONS], abs=1e-6)
    u, _ = ModeSDecoder(reference=CDG).feed_beast(data, now_s=5.0)
    assert set(u.time_s.tolist()) == {5.0}


def test_avr_byte_stream() -> None:
    data = "".join(f"*{p[1]};\r\n" for p in POSITIONS).encode()
    dec = ModeSDecoder(reference=CDG)
    n = 0
    for k in range(0, len(data), 7):
        u, _ = dec.feed_bytes(data[k : k + 7], now_s=T)
        n += len(u)
    assert n == 4


def test_read_raw_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("\n".join(lines()))
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress("\n".join(lines()).encode()))
    data = b"".join(beast(0x33, int(dt * 12e6), f) for dt, f, *_ in POSITIONS)
    (tmp_path / "a.bin").write_bytes(data)
    for name in ("a.txt", "a.txt.gz", "a.bin"):
        u, _stats = read_raw(tmp_path / name, reference=CDG, base_time_s=T)
        assert len(u) == 4, name
        assert not np.isnan(u.lat_deg).any()
