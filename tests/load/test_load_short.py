"""``scripts/load_live.py --short``: the live server under a track feed and hotline clients.

Runs the script (a real ``skyaccord serve`` subprocess, a feeder process, a clients process) and
checks the facts of its report: every client's stream is complete (gapless, no duplicate, every
item addressed to its party), every scripted encounter raised an alert that reached every
addressed client, nothing was rejected or failed, and the server's state stays bounded.  It
asserts no time: the latency figures are reported, not tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load_live.py"
PARTIES = ("alpha", "bravo", "charlie")  # clients are dealt to them round robin


@pytest.mark.slow
def test_short_load_every_stream_complete_and_state_bounded(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--short", "--json", str(out), "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    r = json.loads(out.read_text())
    detail = run.stdout[-3000:]
    assert r["errors"] == [], detail

    s = r["streams"]
    assert (s["missing_entries"], s["missing_created"]) == (0, 0), detail
    assert (s["duplicates"], s["out_of_order"], s["foreign_entries"]) == (0, 0, 0), detail

    cfg, lat = r["config"], r["latency"]
    assert lat["encounters_not_alerted"] == 0 and lat["alerts_not_delivered"] == 0, detail
    assert lat["unexpected_alerts"] == 0, detail
    # Each encounter's alert reached every client of both parties it involves.
    clients_of = {p: len(range(k, cfg["clients"], 3)) for k, p in enumerate(PARTIES)}
    pairs = [e["parties"] for e in lat["per_encounter"]]
    assert lat["samples"] == sum(clients_of[a] + clients_of[b] for a, b in pairs), detail
    assert r["items_per_client"]["acks_sent"] > 0

    # Every record sent was taken; the engine holds no more tracks than were fed.
    feed = r["feed"]
    assert feed["rejected"] == 0
    assert feed["accepted"] == sum(feed["records_sent"].values())
    assert r["tracks_gauge_end"] is not None and r["tracks_gauge_end"] <= r["tracks_fed"]
    # Memory: a generous ceiling for 1,000 tracks (the report gives the real figures).
    assert 0 < r["memory"]["rss_max_mib"] < 1024
    assert run.returncode == 0, detail
