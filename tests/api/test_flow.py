"""The issue's done-when flow through the HTTP API, on SQLite and PostgreSQL: a new operator
creates two parties, they file two overlapping operations, the second sees the 409 with what is
missing, files again with the key, and both see the conflict with its overlap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skyaccord.services.auth import Role

if TYPE_CHECKING:
    from tests.api.conftest import Api


def test_two_parties_two_overlapping_operations(api: Api) -> None:
    r = api.post("operator", "/v1/parties", {"id": "turkey", "name": "Turkey", "contact": "CRC"})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "turkey"
    assert api.post("operator", "/v1/parties", {"id": "syria", "name": "Syria"}).status_code == 201
    for pid in ("turkey", "syria"):
        _, api.tokens[pid] = api.services.auth.issue_token(pid, Role.PLANNER)
    assert {p["id"] for p in api.get("turkey", "/v1/parties").json()} >= {"turkey", "syria"}
    me = api.get("syria", "/v1/me").json()
    assert (me["party"], me["role"]) == ("syria", "planner")

    first = api.post(
        "turkey",
        "/v1/intents",
        {"id": "tr-cap", "volumes": [api.volume()], "details": {"m": "CAP"}},
    )
    assert first.status_code == 201, first.text
    tr = first.json()["intent"]
    assert (tr["id"], tr["owner"], tr["state"], tr["version"]) == (
        "tr-cap",
        "turkey",
        "Accepted",
        1,
    )
    assert first.json()["conflicts"] == []

    blind = {"id": "sy-patrol", "volumes": [api.volume(lat=33.05, lon=35.55)]}
    refused = api.post("syria", "/v1/intents", blind)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "missing_operational_intents"
    assert "key" in body["message"] and body["error_id"]
    (missing,) = body["missing"]
    assert (missing["id"], missing["owner"], missing["ovn"]) == ("tr-cap", "turkey", tr["ovn"])
    (overlap,) = missing["conflict"]["overlaps"]
    assert overlap["area_m2"] > 0 and overlap["geometry"]["type"] == "Polygon"
    assert "details" not in str(body) and "CAP" not in str(body)
    assert api.get("syria", "/v1/intents").json() == []  # nothing stored

    keyed = api.post("syria", "/v1/intents", {**blind, "key": [missing["ovn"]]})
    assert keyed.status_code == 201, keyed.text
    (conflict,) = keyed.json()["conflicts"]
    assert (conflict["kind"], conflict["id"], conflict["owner"]) == ("intent", "tr-cap", "turkey")
    assert conflict["overlaps"] == missing["conflict"]["overlaps"]

    for party in ("turkey", "syria"):
        (row,) = api.get(party, "/v1/conflicts").json()
        assert (row["intent_id"], row["other_id"]) == ("sy-patrol", "tr-cap")
        assert (row["intent_owner"], row["other_owner"]) == ("syria", "turkey")
        assert row["overlaps"] == conflict["overlaps"]
        assert row["area_m2"] == overlap["area_m2"]
    assert api.get("turkey", "/v1/conflicts", params={"intent_id": "tr-cap"}).json() != []
    assert api.get("usa", "/v1/conflicts").json() == []


def test_modify_activate_end_over_http(api: Api) -> None:
    r = api.post("israel", "/v1/intents", {"id": "x", "volumes": [api.volume()]})
    assert r.status_code == 201
    moved = {"volumes": [api.volume(lat=34.0)], "version": 1}
    r = api.client.put("/v1/intents/x", json=moved, headers=api.auth("israel"))
    assert r.status_code == 200, r.text
    assert r.json()["intent"]["version"] == 2
    stale = api.client.put("/v1/intents/x", json=moved, headers=api.auth("israel"))
    assert stale.status_code == 409
    assert (stale.json()["error"], stale.json()["current_version"]) == ("version_mismatch", 2)
    no_version = api.client.put(
        "/v1/intents/x", json={"volumes": [api.volume()]}, headers=api.auth("israel")
    )
    assert no_version.status_code == 422 and no_version.json()["field"] == "version"

    r = api.post("israel", "/v1/intents/x/state", {"state": "Activated", "version": 2})
    assert r.status_code == 200 and r.json()["state"] == "Activated"
    bad = api.post("israel", "/v1/intents/x/state", {"state": "Accepted", "version": 3})
    assert bad.status_code == 409 and bad.json()["error"] == "invalid_transition"
    r = api.post(
        "israel", "/v1/intents/x/state", {"state": "Ended", "version": 3, "reason": "cancelled"}
    )
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["ended_reason"]) == ("Ended", "cancelled")
    states = api.get("israel", "/v1/intents", params={"state": "Ended"}).json()
    assert [i["id"] for i in states] == ["x"]
    assert api.get("israel", "/v1/intents", params={"state": "Accepted"}).json() == []


def test_notice_rule_and_violation_over_http(api: Api) -> None:
    rule = {"from_party": "israel", "to_party": "russia", "min_notice_s": 900}
    r = api.client.put("/v1/notice-rules", json=rule, headers=api.auth("operator"))
    assert r.status_code == 200, r.text
    assert api.get("israel", "/v1/notice-rules").json() == [rule]
    r = api.post("israel", "/v1/intents", {"id": "x", "volumes": [api.volume(start=600.0)]})
    (n,) = r.json()["notice_violations"]
    assert (n["to_party"], n["notice_s"], n["required_s"]) == ("russia", 600.0, 900.0)
    (stored,) = api.get("russia", "/v1/notices").json()
    assert stored["intent_id"] == "x" and stored["filed_at"] == r.json()["intent"]["created_at"]
    assert api.get("usa", "/v1/notices").json() == []


def test_dry_run_over_http_stores_nothing(api: Api) -> None:
    before = api.counts()
    r = api.post("israel", "/v1/intents", {"volumes": [api.volume()]}, params={"dry_run": True})
    assert r.status_code == 201 and r.json()["dry_run"] is True
    assert api.counts() == before


def test_health(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}
