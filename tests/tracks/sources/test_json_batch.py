"""The party JSON batch parser: known answers and every rejection reason."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from skyaccord.errors import ValidationError
from skyaccord.tracks.sources.json_batch import parse_json_batch

T = "2015-11-24T07:24:05Z"
T_S = 1448349845.0


def rec(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"track_id": "T1", "time": T, "lat_deg": 36.1, "lon_deg": 35.95}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not ...}


def test_full_record_in_feet_knots_fpm() -> None:
    body = json.dumps(
        [
            rec(
                alt_ft=19000,
                gs_kt=450,
                track_deg=185.0,
                vrate_fpm=-1000,
                icao24="15125A",
                callsign="rsd01 ",
            )
        ]
    ).encode()
    u, stats = parse_json_batch(body, party="russia", source="hmeimim")
    assert stats.accepted == 1 and stats.n_rejected == 0
    assert u.track_id.tolist() == ["russia/T1"] and u.party.tolist() == ["russia"]
    assert u.alt_m[0] == pytest.approx(5791.2)
    assert u.gs_mps[0] == pytest.approx(450 * 1852 / 3600)
    assert u.vrate_mps[0] == pytest.approx(-5.08)
    assert (u.track_deg[0], u.time_s[0], u.icao24[0]) == (185.0, T_S, 0x15125A)
    assert u.callsign[0] == "RSD01"


def test_si_units_and_optional_fields() -> None:
    u, stats = parse_json_batch(
        [rec(alt_m=1000.0, gs_mps=100, vrate_mps=2.5), rec(track_id="T2")], party="israel"
    )
    assert stats.accepted == 2
    assert (u.alt_m[0], u.gs_mps[0], u.vrate_mps[0]) == (1000.0, 100.0, 2.5)
    assert math.isnan(u.alt_m[1]) and u.icao24[1] == -1 and u.callsign[1] == ""


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (rec(lat_deg=...), "lat_deg: missing"),
        (rec(time=None), "time: missing"),
        (rec(alt=1000), "record: unknown field"),
        (rec(alt_m=1, alt_ft=3), "alt: give only one of alt_m, alt_ft"),
        (rec(gs_kt=1, gs_mps=3), "gs: give only one of gs_mps, gs_kt"),
        (rec(lat_deg="36.1"), "lat_deg: not a number"),
        (rec(gs_kt=True), "gs_kt: not a number"),
        (rec(lat_deg=96.0), "lat_deg: out of range [-90, 90]"),
        (rec(lat_deg=10**400), "lat_deg: not finite"),  # beyond a double: no OverflowError
        (rec(gs_kt=-(10**309)), "gs_kt: not finite"),
        (rec(lon_deg=-180.5), "lon_deg: out of range [-180, 180]"),
        (rec(alt_ft=300000), "alt_m: out of range [-1500, 60000]"),
        (rec(gs_kt=-5), "gs_mps: out of range [0, 1500]"),
        (rec(track_deg=361), "track_deg: out of range [-360, 360]"),
        (rec(vrate_fpm=200000), "vrate_mps: out of range ±500"),
        (rec(time="2015-11-24T07:24:05"), "time: not an RFC 3339 date-time with offset"),
        (rec(time=1448349845), "time: not an RFC 3339 date-time with offset"),
        (rec(track_id=""), "track_id: not 1-64 printable characters"),
        (rec(track_id="x" * 65), "track_id: not 1-64 printable characters"),
        (rec(track_id=7), "track_id: not 1-64 printable characters"),
        (rec(icao24="73804"), "icao24: not 6 hex digits"),
        (rec(icao24=0x738043), "icao24: not 6 hex digits"),
        (rec(callsign="TOO-LONG-CALLSIGN"), "callsign: not up to 8 letters and digits"),
        ([1, 2], "record: not an object"),
    ],
)
def test_bad_records_are_counted_with_their_reason(record: Any, reason: str) -> None:
    u, stats = parse_json_batch([rec(track_id="good"), record], party="turkey")
    assert u.track_id.tolist() == ["turkey/good"]
    assert dict(stats.rejected) == {reason: 1}
    assert stats.examples[reason][0].startswith("[1]")


def test_unknown_field_suggests_the_unit_variants() -> None:
    _, stats = parse_json_batch([rec(altitude=1000)], party="usa")
    assert "alt_m or alt_ft" in stats.examples["record: unknown field"][0]


def test_nan_literal_is_not_finite() -> None:
    _, stats = parse_json_batch(
        b'[{"track_id":"a","time":"2015-11-24T07:24:05Z","lat_deg":NaN,"lon_deg":0}]', party="p"
    )
    assert dict(stats.rejected) == {"lat_deg: not finite": 1}


def test_future_times_are_rejected_when_now_is_given() -> None:
    later = "2015-11-24T07:25:05Z"
    u, stats = parse_json_batch([rec(), rec(time=later)], party="p", now_s=T_S, max_future_s=10)
    assert len(u) == 1 and dict(stats.rejected) == {"time: in the future": 1}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body: not valid JSON"),
        (b'{"track_id": "a"}', "body: not a JSON array of objects"),
        (b"\xff\xfe", "body: not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "body: not valid JSON"),
    ],
)
def test_bad_bodies(body: bytes | str, reason: str) -> None:
    u, stats = parse_json_batch(body, party="p")
    assert len(u) == 0 and reason in stats.rejected


def test_too_many_records() -> None:
    u, stats = parse_json_batch([rec()] * 5, party="p", max_records=4)
    assert len(u) == 0 and stats.n_rejected == 5


@pytest.mark.parametrize("party", ["", "unknown", "a/b"])
def test_bad_party_is_a_caller_error(party: str) -> None:
    with pytest.raises(ValidationError):
        parse_json_batch([rec()], party=party)
