"""The live runtime on a manual clock: alerts become hotline items for every party concerned,
filings and notices reach the hotline, nonconformance marks the intent, the picture honours
sharing policies."""

from __future__ import annotations

import time

import numpy as np
import pytest

from skyaccord.clock import ManualClock
from skyaccord.errors import StoreError
from skyaccord.geo import frames
from skyaccord.intents.model import State
from skyaccord.intents.wire import filing_from_json
from skyaccord.live import LiveRuntime
from skyaccord.services.container import Services
from skyaccord.store import Store
from skyaccord.timefmt import format_time
from skyaccord.tracks.updates import TrackUpdates

T0 = 1_700_000_000.0


@pytest.fixture
def svc(sqlite_store: Store) -> Services:
    s = Services.build(sqlite_store, ManualClock(T0))
    s.runtime = LiveRuntime(s)
    for p in ("israel", "russia", "syria"):
        s.auth.add_party(p, p.title())
    return s


def track(
    tid: str, party: str, lat: float, lon: float, trk: float, t: float, alt: float = 6000.0
) -> TrackUpdates:
    return TrackUpdates.from_columns(
        track_id=[f"{party}/{tid}"],
        party=party,
        lat_deg=[lat],
        lon_deg=[lon],
        alt_m=[alt],
        gs_mps=[230.0],
        track_deg=[trk],
        vrate_mps=[0.0],
        time_s=[t],
        source="test",
    )


def test_separation_alert_reaches_both_parties_and_clears(svc: Services) -> None:
    rt = svc.runtime
    rt.ingest(
        TrackUpdates.concat(
            [
                track("f16", "israel", 33.0, 35.5, 90, T0),
                track("su24", "russia", 33.0, 35.8, 270, T0),
            ]
        )
    )
    result = rt.cycle(T0)
    assert [e["event"] for e in result.events] == ["raised"]
    feeds = {p: svc.hotline.feed(p, 0) for p in ("israel", "russia", "syria")}
    assert len(feeds["israel"]) == len(feeds["russia"]) == 1 and feeds["syria"] == []
    assert feeds["israel"][0]["item"]["id"] == feeds["russia"][0]["item"]["id"]
    assert feeds["israel"][0]["item"]["alert"]["kind"] == "separation"
    # both turn away and diverge: the alert clears after the hysteresis, the item too
    for k in range(1, 8):
        t = T0 + 10 * k
        la, lo = frames.destination(33.0, 35.5, 270.0, 230.0 * 10 * k)
        lb, lob = frames.destination(33.0, 35.8, 90.0, 230.0 * 10 * k)
        svc.clock.set(t)
        rt.ingest(
            TrackUpdates.concat(
                [
                    track("f16", "israel", float(la), float(lo), 270, t),
                    track("su24", "russia", float(lb), float(lob), 90, t),
                ]
            )
        )
        rt.cycle(t)
    item = svc.hotline.item("israel", feeds["israel"][0]["item"]["id"])
    assert item["state"] == "cleared"


def test_an_alert_whose_raise_failed_reaches_the_hotline_with_its_next_update(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = svc.runtime
    real = svc.hotline.raise_item
    calls = []

    def flaky(*a: object, **k: object) -> str:
        calls.append(a)
        if len(calls) == 1:
            raise StoreError("store error: database is locked")
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(svc.hotline, "raise_item", flaky)
    for k in range(3):
        t = T0 + k
        la, lo = frames.destination(33.0, 35.5, 90.0, 230.0 * k)
        lb, lob = frames.destination(33.0, 35.8, 270.0, 230.0 * k)
        svc.clock.set(t)
        rt.ingest(
            TrackUpdates.concat(
                [
                    track("f16", "israel", float(la), float(lo), 90, t),
                    track("su24", "russia", float(lb), float(lob), 270, t),
                ]
            )
        )
        events = rt.cycle(t).events
        if k == 0:
            assert [e["event"] for e in events] == ["raised"]
            assert svc.hotline.feed("israel", 0) == []  # the raise failed
    assert len(calls) == 2  # retried once, with the next update
    feeds = {p: svc.hotline.feed(p, 0) for p in ("israel", "russia")}
    assert [e["item"]["kind"] for e in feeds["israel"]][:1] == ["alert"]
    assert feeds["israel"][0]["item"]["id"] == feeds["russia"][0]["item"]["id"]


def test_filing_conflict_and_notice_violation_on_the_hotline(svc: Services) -> None:
    svc.auth.set_notice("israel", "russia", 900.0)

    def filing(lon: float, start: float) -> dict:
        return {
            "geojson": {
                "type": "Feature",
                "properties": {
                    "altitude_lower": "FL100",
                    "altitude_upper": "FL200",
                    "time_start": format_time(start),
                    "time_end": format_time(start + 3600),
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[lon, 33], [lon + 0.5, 33], [lon + 0.5, 33.5], [lon, 33]]],
                },
            }
        }

    ru = svc.intents.file("russia", filing_from_json(filing(35.0, T0 + 3600)).filing, "ru-1")
    req = filing_from_json({**filing(35.2, T0 + 60), "key": [ru.intent.ovn]})
    svc.intents.file("israel", req.filing, "il-1")
    kinds = sorted(e["item"]["kind"] for e in svc.hotline.feed("russia", 0))
    assert kinds == ["filing", "notice_violation"]
    nv = next(
        e["item"] for e in svc.hotline.feed("israel", 0) if e["item"]["kind"] == "notice_violation"
    )
    assert nv["body"]["notice_s"] == pytest.approx(60.0) and nv["body"]["required_s"] == 900.0
    fil = next(e["item"] for e in svc.hotline.feed("russia", 0) if e["item"]["kind"] == "filing")
    assert "details" not in str(fil["body"]) and fil["body"]["conflicts"][0]["overlaps"]


def test_nonconformance_marks_the_activated_intent(svc: Services) -> None:
    f = {
        "geojson": {
            "type": "Feature",
            "properties": {
                "altitude_lower": "0 m",
                "altitude_upper": "FL300",
                "time_start": format_time(T0 - 60),
                "time_end": format_time(T0 + 3600),
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[35, 33], [35.2, 33], [35.2, 33.2], [35, 33.2], [35, 33]]],
            },
        }
    }
    it = svc.intents.file(
        "israel", filing_from_json({**f, "state": "Activated"}).filing, "il-op"
    ).intent
    assert it.state is State.ACTIVATED
    svc.runtime.ingest(track("f16", "israel", 34.0, 35.1, 0, T0))  # 90 km north of its volume
    result = svc.runtime.cycle(T0)
    assert [e["kind"] for e in result.events] == ["nonconformance"]
    assert svc.intents.get("israel", "il-op").state is State.NONCONFORMING
    assert svc.hotline.feed("israel", 0)[0]["item"]["alert"]["intent_id"] == "il-op"


def test_picture_follows_sharing_policies(svc: Services) -> None:
    far_lat, far_lon = frames.destination(33.0, 35.0, 0.0, 500_000.0)
    svc.runtime.ingest(
        TrackUpdates.concat(
            [
                track("own", "israel", 33.0, 35.0, 0, T0),
                track("near", "russia", 33.3, 35.0, 0, T0),
                track("far", "russia", float(far_lat), float(far_lon), 0, T0),
                track("syr", "syria", 33.1, 35.1, 0, T0),
            ]
        )
    )
    svc.sharing.set("syria", "israel", "none")
    svc.runtime.cycle(T0)
    ids = {t["id"] for t in svc.runtime.picture("israel")["tracks"]}
    assert ids == {"israel/own", "russia/near"}  # default "near" 100 NM; syria shares none
    svc.sharing.set("russia", "israel", "all")
    ids = {t["id"] for t in svc.runtime.picture("israel")["tracks"]}
    assert ids == {"israel/own", "russia/near", "russia/far"}
    assert np.all([len(t["trail"]) >= 1 for t in svc.runtime.picture("israel")["tracks"]])


def test_an_engine_that_stops_cycling_is_not_ready(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warnings

    from skyaccord.api.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Starlette prefers httpx2; httpx works
        from fastapi.testclient import TestClient

    rt = LiveRuntime(svc, cycle_s=0.05, min_cycle_s=0.01)
    svc.runtime = rt
    client = TestClient(create_app(svc))
    rt.start()
    try:
        time.sleep(0.3)
        assert rt.stalled_s() is None and client.get("/readyz").status_code == 200

        def broken(now: float | None = None) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(rt, "cycle", broken)
        time.sleep(1.5)
        stalled = rt.stalled_s()
        assert stalled is not None and stalled > 1.0
        r = client.get("/readyz")
        assert r.status_code == 503 and "has not completed a cycle" in r.json()["message"]
        assert svc.metrics.cycle_failures._value.get() > 5
    finally:
        rt.stop()
    assert rt.stalled_s() is None  # stopped: cycles are driven by hand
