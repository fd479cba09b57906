"""The engine end to end: known encounters, protected airspace, conformance, stable ids, replay."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from skyaccord.airspace.build import airspace_from_geojson
from skyaccord.cli import app
from skyaccord.engine import Engine, EngineConfig
from skyaccord.geo import frames
from skyaccord.geo.volumes import Volume4D, polygon_outline
from skyaccord.intents.model import Intent, State
from skyaccord.replay.runner import run
from skyaccord.tracks.updates import TrackUpdates
from skyaccord.units import NAUTICAL_MILE_M

SAMPLES = Path(__file__).parents[1] / ".venv/lib/python3.11/site-packages/traffic/data/samples"


def straight(
    track_id: str,
    party: str,
    lat: float,
    lon: float,
    trk: float,
    gs: float,
    alt: float,
    t0: float,
    t1: float,
    step: float = 1.0,
    vrate: float = 0.0,
) -> TrackUpdates:
    """Reports of an aircraft flying a great circle at constant speed, every ``step`` s."""
    t = np.arange(t0, t1 + 1e-9, step)
    la, lo = frames.destination(lat, lon, trk, gs * (t - t0))
    # the track angle along a great circle changes; recompute it from consecutive points
    ahead_la, ahead_lo = frames.destination(lat, lon, trk, gs * (t - t0) + 1.0)
    u0, u1 = frames.unit_vectors(la, lo), frames.unit_vectors(ahead_la, ahead_lo)
    e, n, _ = frames.enu_basis(la, lo)
    d = u1 - u0
    track = np.degrees(np.arctan2(np.sum(d * e, -1), np.sum(d * n, -1))) % 360
    return TrackUpdates.from_columns(
        track_id=[track_id] * len(t),
        party=party,
        lat_deg=la,
        lon_deg=lo,
        alt_m=alt + vrate * (t - t0),
        gs_mps=gs,
        track_deg=track,
        vrate_mps=vrate,
        time_s=t,
        source="test",
    )


def events_of(engine: Engine, updates: TrackUpdates, step: float = 1.0) -> list[dict]:
    return [e for r in run(engine, updates, step) for e in r.events]


def test_head_on_pair_of_two_parties_is_predicted_with_known_times() -> None:
    # Two aircraft 40 NM apart closing at 2 × 250 m/s: loss of 5 NM at (40-5) NM / 500 m/s.
    gap = 40 * NAUTICAL_MILE_M
    lat_b, lon_b = frames.destination(10.0, 20.0, 90.0, gap)
    u = TrackUpdates.concat(
        [
            straight("a", "blue", 10.0, 20.0, 90.0, 250.0, 9000.0, 0, 10),
            straight("b", "red", float(lat_b), float(lon_b), 270.0, 250.0, 9000.0, 0, 10),
        ]
    )
    ev = events_of(Engine(), u)
    raised = [e for e in ev if e["event"] == "raised"]
    assert len(raised) == 1 and raised[0]["kind"] == "separation"
    assert raised[0]["parties"] == ["blue", "red"]
    assert raised[0]["time_to_loss_s"] == pytest.approx(
        (gap - 5 * NAUTICAL_MILE_M) / 500.0, rel=2e-3
    )
    assert raised[0]["tcpa_s"] == pytest.approx(gap / 500.0, rel=2e-3)
    # Straight-line extrapolation in the tangent plane vs. great circles: ~L²/8R ≈ 100 m at 40 NM.
    assert raised[0]["dcpa_m"] < 200.0
    # one alert id for the whole encounter
    assert len({e["alert_id"] for e in ev}) == 1


def test_same_party_pairs_only_when_asked() -> None:
    lat_b, lon_b = frames.destination(0.0, 0.0, 90.0, 30 * NAUTICAL_MILE_M)
    u = TrackUpdates.concat(
        [
            straight("a", "blue", 0.0, 0.0, 90.0, 250.0, 9000.0, 0, 5),
            straight("b", "blue", float(lat_b), float(lon_b), 270.0, 250.0, 9000.0, 0, 5),
        ]
    )
    assert events_of(Engine(), u) == []
    assert [e["kind"] for e in events_of(Engine(EngineConfig(same_party=True)), u)][:1] == [
        "separation"
    ]


def test_alert_clears_after_hysteresis_and_replay_is_deterministic() -> None:
    # Crossing at right angles, vertical 300 m apart (inside 1,000 ft) then one climbs away.
    u = TrackUpdates.concat(
        [
            straight("a", "blue", 0.0, -0.3, 90.0, 200.0, 9000.0, 0, 400),
            straight("b", "red", -0.3, 0.0, 0.0, 200.0, 9100.0, 0, 400, vrate=0.0),
        ]
    )
    first = events_of(Engine(EngineConfig(clear_after_cycles=3)), u)
    second = events_of(Engine(EngineConfig(clear_after_cycles=3)), u)
    assert first == second
    kinds = [e["event"] for e in first]
    assert kinds[0] == "raised" and kinds[-1] == "cleared"
    assert len({e["alert_id"] for e in first}) == 1


GOLAN = {
    "type": "Feature",
    "properties": {
        "id": "zone",
        "name": "Zone",
        "kind": "restricted",
        "altitude_lower": "0 m",
        "altitude_upper": "FL300",
    },
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[35.0, 33.0], [35.5, 33.0], [35.5, 33.5], [35.0, 33.5], [35.0, 33.0]]],
    },
}


def test_infringement_predicted_then_inside_with_depth() -> None:
    # Eastbound at 250 m/s towards the zone's west edge (35.0 E) from 35.0 - 0.5° at 33.25 N.
    start_lon = 34.5
    dist = frames.great_circle_m(33.25, start_lon, 33.25, 35.0)
    u = straight("su24", "russia", 33.25, start_lon, 90.0, 250.0, 5800.0, 0, 300)
    eng = Engine()
    eng.set_airspace(airspace_from_geojson(GOLAN, "israel"))
    ev = [e for e in events_of(eng, u) if e["kind"] == "infringement"]
    first = ev[0]
    assert first["event"] == "raised" and first["parties"] == ["israel", "russia"]
    assert first["airspace_id"] == "zone"
    # 0.5° of longitude at 33.25 N is ~46.5 km: at 250 m/s the entry is ~186 s ahead at t = 0.
    assert first["time"] == "1970-01-01T00:00:00Z"
    assert first["time_to_entry_s"] == pytest.approx(float(dist) / 250.0, rel=0.01)
    assert first["entry_point"][1] == pytest.approx(35.0, abs=1e-3)
    inside = [e for e in ev if e.get("depth_m", 0) > 0]
    assert inside, "the track went inside"
    # depth grows by about 250 m per second once inside
    depths = [e["depth_m"] for e in inside[:5]]
    assert all(b > a for a, b in itertools.pairwise(depths))


def test_nonconformance_outside_own_activated_intent() -> None:
    vol = Volume4D(
        polygon_outline([33.0, 33.0, 33.2, 33.2], [35.0, 35.2, 35.2, 35.0]), 0.0, 10000.0, -1e9, 1e9
    )
    it = Intent("op1", "israel", State.ACTIVATED, 1, "ovn", (vol,), 0.0, 0.0)
    eng = Engine()
    eng.set_intents([it])
    inside = straight("f16", "israel", 33.1, 35.1, 0.0, 100.0, 5000.0, 0, 3)
    assert events_of(eng, inside) == []
    eng2 = Engine()
    eng2.set_intents([it])
    outside = straight("f16", "israel", 33.5, 35.1, 0.0, 100.0, 5000.0, 0, 3)
    ev = events_of(eng2, outside)
    assert ev and ev[0]["kind"] == "nonconformance" and ev[0]["intent_id"] == "op1"


@pytest.mark.skipif(
    not (SAMPLES / "collections/quickstart.json.gz").exists(), reason="traffic samples missing"
)
def test_detect_cli_runs_the_paris_quickstart_sample(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "detect",
            str(SAMPLES / "collections/quickstart.json.gz"),
            "--same-party",
            "--step",
            "10s",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines, "real traffic around Paris has close pairs at 5 NM / 1,000 ft"
    for e in lines[:50]:
        assert {"event", "alert_id", "kind", "time", "parties", "tracks"} <= set(e)
        if e["kind"] == "separation":
            assert {"time_to_loss_s", "tcpa_s", "dcpa_m", "vertical_m"} <= set(e)
    raised = {e["alert_id"] for e in lines if e["event"] == "raised"}
    cleared = {e["alert_id"] for e in lines if e["event"] == "cleared"}
    assert cleared <= raised
