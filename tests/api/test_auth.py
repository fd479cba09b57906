"""Authentication and permissions: 401 for every bad token, 403 for what a role or party may not
do; need-to-know: another party's intent is a bare reference, and only if it conflicts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from skyaccord.services.auth import Role, hash_token

if TYPE_CHECKING:
    from tests.api.conftest import Api

SECRET = "mission-ZULU-91c2"


def _file(api: Api, who: str, iid: str, **kw: float) -> dict[str, object]:
    r = api.post(
        who, "/v1/intents", {"id": iid, "volumes": [api.volume(**kw)], "details": {"m": SECRET}}
    )
    assert r.status_code == 201, r.text
    return r.json()["intent"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sky_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "unknown", "basic", "empty"],
)
@pytest.mark.parametrize("path", ["/v1/me", "/v1/intents", "/v1/conflicts", "/v1/parties"])
def test_missing_or_wrong_token_is_401(shared_api: Api, headers: dict[str, str], path: str) -> None:
    r = shared_api.client.get(path, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] == "unauthenticated"
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_filing_without_a_token_is_401_and_stores_nothing(api: Api) -> None:
    before = api.counts()
    r = api.client.post("/v1/intents", json={"volumes": [api.volume()]})
    assert r.status_code == 401
    assert api.counts() == before


def test_expired_token_is_401(api: Api) -> None:
    _, token = api.services.auth.issue_token("israel", Role.PLANNER, ttl_s=60.0)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/me", headers=headers).status_code == 200
    api.clock.advance(60.0)
    r = api.client.get("/v1/me", headers=headers)
    assert r.status_code == 401 and "expired" in r.json()["message"]


def test_revoked_token_is_401(api: Api) -> None:
    assert api.get("russia", "/v1/me").status_code == 200
    api.services.auth.revoke(api.token_ids["russia"])
    r = api.get("russia", "/v1/me")
    assert r.status_code == 401 and "revoked" in r.json()["message"]


def test_tokens_are_stored_only_as_hashes(api: Api) -> None:
    import sqlalchemy as sa

    from skyaccord.store.schema import tokens

    rows = api.services.store.transact(lambda c: c.execute(sa.select(tokens)).all(), write=False)
    dump = json.dumps([list(r) for r in rows], default=str)
    for token in api.tokens.values():
        assert token not in dump
        assert hash_token(token) in dump


def test_observer_cannot_file_or_change(api: Api) -> None:
    r = api.post("observer", "/v1/intents", {"volumes": [api.volume()]})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    _file(api, "israel", "x")
    r = api.post("observer", "/v1/intents/x/state", {"state": "Ended", "version": 1})
    assert r.status_code == 403
    # ... but may read its party's intents.
    assert [i["id"] for i in api.get("observer", "/v1/intents").json()] == ["x"]


def test_operator_is_no_party(api: Api) -> None:
    assert api.post("operator", "/v1/intents", {"volumes": [api.volume()]}).status_code == 403
    assert api.get("operator", "/v1/intents").status_code == 403
    assert api.post("israel", "/v1/parties", {"id": "x", "name": "X"}).status_code == 403
    rule = {"from_party": "israel", "to_party": "russia", "min_notice_s": 1}
    assert (
        api.client.put("/v1/notice-rules", json=rule, headers=api.auth("israel")).status_code == 403
    )


def test_another_partys_intent_cannot_be_changed(api: Api) -> None:
    it = _file(api, "israel", "x")
    body = {"volumes": [api.volume(lat=40.0)], "version": 1}
    r = api.client.put("/v1/intents/x", json=body, headers=api.auth("russia"))
    assert r.status_code == 403
    r = api.post("russia", "/v1/intents/x/state", {"state": "Ended", "version": 1})
    assert r.status_code == 403
    own = api.get("israel", "/v1/intents/x").json()
    assert (own["version"], own["ovn"], own["state"]) == (1, it["ovn"], "Accepted")


def test_need_to_know(api: Api) -> None:
    x = _file(api, "israel", "x")
    _file(api, "israel", "far", lat=40.0)
    missing = api.post(
        "russia", "/v1/intents", {"id": "y", "volumes": [api.volume(lat=33.05, lon=35.55)]}
    )
    assert missing.status_code == 409
    r = api.post(
        "russia",
        "/v1/intents",
        {"id": "y", "volumes": [api.volume(lat=33.05, lon=35.55)], "key": [x["ovn"]]},
    )
    assert r.status_code == 201

    # Russia sees Israel's conflicting intent as a reference: no volumes, no details.
    ref = api.get("russia", "/v1/intents/x")
    assert ref.status_code == 200
    assert set(ref.json()) == {"id", "owner", "state", "version", "ovn", "time_start", "time_end"}
    assert ref.json()["ovn"] == x["ovn"]
    # Not Israel's intent that does not concern it, nor anything for a third party.
    assert api.get("russia", "/v1/intents/far").status_code in (403, 404)
    assert api.get("usa", "/v1/intents/x").status_code in (403, 404)
    # Own lists hold own intents only.
    assert [i["id"] for i in api.get("russia", "/v1/intents").json()] == ["y"]
    assert sorted(i["id"] for i in api.get("israel", "/v1/intents").json()) == ["far", "x"]

    query = {"area": api.volume(lat=32.9, lon=35.4, size=0.4)}
    q = api.post("russia", "/v1/intents/query", query)
    assert q.status_code == 200, q.text
    assert [i["id"] for i in q.json()["own"]] == ["y"]
    assert [o["id"] for o in q.json()["others"]] == ["x"]
    assert "volumes" not in q.json()["others"][0] and "details" not in q.json()["others"][0]

    for who in ("russia", "usa"):
        seen = [
            api.get(who, path).text
            for path in (
                "/v1/intents",
                "/v1/conflicts",
                "/v1/notices",
                "/v1/intents/x",
                "/v1/intents/far",
            )
        ]
        seen.append(api.post(who, "/v1/intents/query", query).text)
        assert all(SECRET not in s for s in seen), who
    assert SECRET in api.get("israel", "/v1/intents/x").text
