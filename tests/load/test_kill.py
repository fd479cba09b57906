"""``kill -9`` of the live server during a write load loses no acknowledged write.

The first tests run ``scripts/kill_live.py`` (a real ``skyaccord serve`` subprocess, killed with
SIGKILL mid-load and restarted on the same store) and check its report: every write answered
2xx is in the store after every kill, ``skyaccord ledger verify`` passes, and every party's
stream delivers again — after a reconnection from its last cursor, and from cursor 0 — whatever
had not been delivered or acknowledged.

The last tests put the server in the state a kill at the worst moment leaves, in process, and
check what a restart makes of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skyaccord.clock import ManualClock
from skyaccord.intents.wire import filing_from_json
from skyaccord.live import LiveRuntime
from skyaccord.services.container import Services
from skyaccord.store import Store
from skyaccord.timefmt import format_time
from skyaccord.tracks.updates import TrackUpdates

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "kill_live.py"


def _run(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--json", str(out), "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    assert run.returncode == 0, run.stdout[-4000:]
    return report, run.stdout[-4000:]


def _check(r: dict[str, Any], kills: int, detail: str) -> None:
    assert len(r["kills"]) == kills
    for k in r["kills"]:
        assert k["missing"] == [], detail
        assert k["ledger_ok"], detail
    # The load wrote before each kill (else the kill proves nothing).
    acked = r["acknowledged"]
    assert (
        acked["intents"] and acked["message_items"] and acked["thread_messages"] and acked["acks"]
    )
    assert r["kills"][-1]["acknowledged_so_far"]["intents"] > 0
    assert r["missing_acknowledged"] == [], detail
    assert r["ledger_verify_exit"] == 0, r["ledger_verify_output"]
    assert "ledger intact" in r["ledger_verify_output"]
    for party, s in r["streams"].items():
        assert s["feed_entries"] > 0, party
        assert s["listener_connections"] >= kills + 1, (party, s)  # it came back each time
        for key in ("listener_missing", "listener_duplicates", "listener_out_of_order"):
            assert s[key] == 0, (party, key, s)
        for key in ("replay_missing", "replay_missing_items", "replay_missing_unacknowledged"):
            assert s[key] == 0, (party, key, s)
    assert r["server_5xx"] == [], detail


@pytest.mark.slow
def test_kill_9_on_sqlite_loses_no_acknowledged_write(tmp_path: Path) -> None:
    r, detail = _run(tmp_path, "--short")
    _check(r, 2, detail)


@pytest.mark.slow
@pytest.mark.postgres
def test_kill_9_on_postgresql_loses_no_acknowledged_write(tmp_path: Path, pg_url: str) -> None:
    r, detail = _run(tmp_path, "--kills", "1", "--writes", "10", "--db", pg_url)
    assert r["store"] == "postgresql"
    _check(r, 1, detail)


# -- the worst moments, in process -----------------------------------------------------------

T0 = 1_700_000_000.0


class _Killed(BaseException):
    """The process dies here (a BaseException, as nothing may catch a SIGKILL)."""


def _services(store: Store, clock: ManualClock) -> Services:
    return Services.build(store, clock)


def _filing(svc: Services, lat: float, lon: float, key: list[str] | None = None) -> Any:
    now = svc.clock.now()
    corners = [(lat, lon), (lat, lon + 0.1), (lat + 0.1, lon + 0.1), (lat + 0.1, lon)]
    body = {
        "volumes": [
            {
                "volume": {
                    "outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in corners]},
                    "altitude_lower": {"value": 1000.0, "units": "M", "reference": "W84"},
                    "altitude_upper": {"value": 2000.0, "units": "M", "reference": "W84"},
                },
                "time_start": format_time(now + 3600),
                "time_end": format_time(now + 7200),
            }
        ],
        "key": key or [],
    }
    return filing_from_json(body, svc.intents.limits).filing


def test_a_filing_and_its_hotline_notice_land_together(sqlite_store: Store) -> None:
    clock = ManualClock(T0)
    svc = _services(sqlite_store, clock)
    for p in ("alpha", "bravo"):
        svc.auth.add_party(p, p.title())
    b = svc.intents.file("bravo", _filing(svc, 33.0, 35.5), "b-op")

    def killed(*args: Any, **kw: Any) -> str:
        raise _Killed

    svc.hotline.raise_item = killed  # type: ignore[method-assign]
    with pytest.raises(_Killed):
        svc.intents.file("alpha", _filing(svc, 33.05, 35.55, [b.intent.ovn]), "a-op")
    # Restart on the same store.
    again = _services(sqlite_store, clock)
    stored = [i.id for i in again.intents.list_own("alpha")]
    notices = [i for i in again.hotline.items("bravo") if i["kind"] == "filing"]
    assert stored == [] or notices, f"filing {stored} is stored, its notice is not"


def _encounter(at: float) -> TrackUpdates:
    """Two aircraft of two parties head-on 40 km apart at the same level: an alert at once."""
    return TrackUpdates.from_columns(
        track_id=["alpha/a", "bravo/b"],
        party=["alpha", "bravo"],
        lat_deg=np.array([10.0, 10.0]),
        lon_deg=np.array([10.0, 10.365]),
        alt_m=np.array([7000.0, 7000.0]),
        gs_mps=np.array([220.0, 220.0]),
        track_deg=np.array([90.0, 270.0]),
        vrate_mps=np.zeros(2),
        time_s=np.array([at, at]),
        source="test",
    )


def _open_alerts(svc: Services) -> list[dict[str, Any]]:
    return [i for i in svc.hotline.items("alpha", "open") if i["kind"] == "alert"]


def test_alert_items_open_at_a_kill_are_resolved_after_the_restart(sqlite_store: Store) -> None:
    clock = ManualClock(T0)
    svc = _services(sqlite_store, clock)
    for p in ("alpha", "bravo"):
        svc.auth.add_party(p, p.title())
    first = LiveRuntime(svc)
    first.ingest(_encounter(clock.now()))
    first.cycle(clock.now())
    assert len(_open_alerts(svc)) == 1
    # kill -9: the runtime is gone without a word; a new server starts on the same store,
    # the same two aircraft are reported again, then no more.
    clock.advance(5.0)
    again = _services(sqlite_store, clock)
    second = LiveRuntime(again)
    second.ingest(_encounter(clock.now()))
    second.cycle(clock.now())
    assert len(_open_alerts(again)) == 1, "one encounter, one open alert item"
    for _ in range(120):  # the tracks go stale, are dropped, the alert clears
        clock.advance(1.0)
        second.cycle(clock.now())
    assert _open_alerts(again) == [], "no alert item left open once the encounter is over"
