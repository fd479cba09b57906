"""The Levant scenarios and real recorded traffic through the whole server on simulated time:
the facts a joint review would check, read from the replay report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from skyaccord.airspace.borders import available_sources, load_country
from skyaccord.cli.replay import run_replay
from skyaccord.engine import EngineConfig
from skyaccord.timefmt import parse_time
from skyaccord.tracks.sources import open_source

SAMPLES = Path(__file__).parents[2] / ".venv/lib/python3.11/site-packages/traffic/data/samples"
needs_dcw = pytest.mark.skipif(
    "dcw" not in available_sources(), reason="Debian gmt-dcw is not installed"
)


def replay(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    return run_replay(out_dir=tmp_path / "report", progress=False, **kw)


@needs_dcw
def test_yayladagi_warning_fires_a_minute_ahead_and_reaches_russia_and_turkey(
    tmp_path: Path,
) -> None:
    report = replay(tmp_path, files=[], scenario="yayladagi-2015", auto_ack_s=20.0)
    entries = [e for e in report["encounters"] if e["kind"] == "infringement" and e["event_at"]]
    assert entries, "the Su-24 path enters Turkish airspace"
    for e in entries:
        assert e["warning_time_s"] >= 60.0, e
        assert set(e["parties"]) == {"russia", "turkey"}
        assert e["airspace_id"] == "turkey-sovereign"
    lead = min(entries, key=lambda e: parse_time(e["event_at"]))
    assert parse_time(lead["event_at"]) == pytest.approx(
        parse_time("2015-11-24T07:24:05Z"), abs=3.0
    )
    assert max(e["max_depth_m"] for e in entries) == pytest.approx(2190.0, abs=300.0)
    # both parties got (and acknowledged) the alert items
    alert_acks = [
        a
        for a in report["acknowledgements"]
        if a["kind"] == "alert" and "infringement" in a["title"]
    ]
    assert {a["party"] for a in alert_acks} == {"russia", "turkey"}
    assert all(
        a["ack_delay_s"] == pytest.approx(20.0, abs=1.5) for a in alert_acks if a["acked_at"]
    )
    html = (tmp_path / "report" / "report.html").read_text()
    assert "<svg" in html and "turkey-sovereign" in html


def test_latakia_notice_violation_at_filing_time_with_60_s(tmp_path: Path) -> None:
    report = replay(tmp_path, files=[], scenario="latakia-2018")
    nv = [
        n
        for n in report["notice_violations"]
        if n["from_party"] == "israel" and n["to_party"] == "russia"
    ]
    assert len(nv) == 1
    assert nv[0]["notice_s"] == pytest.approx(60.0)
    assert (
        nv[0]["filed_at"] == "2018-09-17T18:39:00Z" and nv[0]["start_at"] == "2018-09-17T18:40:00Z"
    )
    items = [a for a in report["acknowledgements"] if a["kind"] == "notice_violation"]
    assert {a["party"] for a in items} == {"israel", "russia"}
    assert all(a["created_at"] == "2018-09-17T18:39:00Z" for a in items)


def test_golan_alert_reaches_israel_and_russia_and_clears_after_the_turn(tmp_path: Path) -> None:
    report = replay(tmp_path, files=[], scenario="golan-2015")
    inf = [e for e in report["encounters"] if e["kind"] == "infringement"]
    assert inf
    for e in inf:
        assert set(e["parties"]) == {"israel", "russia"}
    entered = [e for e in inf if e["event_at"]]
    assert entered and all(e["cleared_at"] for e in entered)
    assert all(parse_time(e["cleared_at"]) > parse_time(e["event_at"]) for e in entered)
    alert_parties = {a["party"] for a in report["acknowledgements"] if a["kind"] == "alert"}
    assert alert_parties == {"israel", "russia"}


@needs_dcw
@pytest.mark.skipif(
    not (SAMPLES / "featured/elal747.json.gz").exists(), reason="traffic samples missing"
)
def test_elal747_entry_into_israeli_airspace_at_the_border_crossing(tmp_path: Path) -> None:
    path = SAMPLES / "featured/elal747.json.gz"
    report = replay(tmp_path, files=[path], countries=["IL:israel"], step_s=5.0)
    entries = [e for e in report["encounters"] if e["kind"] == "infringement" and e["event_at"]]
    assert len(entries) == 1
    # Independently: the first report inside DCW Israel (lon/lat plane; edges here are short).
    u, _ = open_source(path)
    order = np.argsort(u.time_s)
    outline = load_country("IL", "dcw")
    israel = shapely.MultiPolygon(
        [shapely.Polygon(np.column_stack([r[0][1], r[0][0]])) for r in outline.polygons]
    )
    inside = shapely.contains_xy(israel, u.lon_deg[order], u.lat_deg[order])
    k = int(np.argmax(inside))
    t_in, t_before = float(u.time_s[order][k]), float(u.time_s[order][k - 1])
    event = parse_time(entries[0]["event_at"])
    assert t_before - 5.0 <= event <= t_in + 5.0, (event - t_before, t_in - t_before)
    assert entries[0]["warning_time_s"] > 60.0


@pytest.mark.skipif(
    not (SAMPLES / "collections/quickstart.json.gz").exists(), reason="traffic samples missing"
)
def test_paris_quickstart_replay_finishes_with_a_report(tmp_path: Path) -> None:
    report = replay(
        tmp_path,
        files=[SAMPLES / "collections/quickstart.json.gz"],
        step_s=10.0,
        config=EngineConfig(same_party=True),
    )
    assert report["summary"]["alerts"] > 0
    written = json.loads((tmp_path / "report" / "report.json").read_text())
    assert written["summary"] == report["summary"]
    lines = (tmp_path / "report" / "alerts.jsonl").read_text().splitlines()
    assert len(lines) >= report["summary"]["alerts"]
    assert (tmp_path / "report" / "report.html").read_text().startswith("<!doctype html>")
