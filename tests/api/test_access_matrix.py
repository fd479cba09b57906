"""The full access matrix: every principal against every route and WebSocket of the live app.

Principals: the roles admin, planner, duty_officer and observer of each of three parties
(alpha, bravo, charlie), the service operator, and no token, a wrong, an expired and a revoked
token.  Routes: every entry of ``app.routes`` of ``make_app`` (the API, the hotline, the live
routes, the console); :data:`MATRIX` gives each one or more cells (a resource: own, another
party's, shared, missing), and a route without an entry fails
:func:`test_every_route_is_in_the_matrix`.

Each cell asserts the exact status for every principal: HTTP status codes (through an in-process
client), and for WebSockets (through a real uvicorn server and a real client) ``"open"`` or
``"rejected"`` (the handshake is refused with 403 when the server closes before accepting),
plus, on the tracks stream, the answer to one frame.  Every 2xx body and every WebSocket message
is searched for what the caller must never see: another party's intent ``details``, the volumes
of an intent that does not concern it, hotline items (ids and texts) not addressed to it, tracks
the sharing policy hides.  Denied writes change nothing.

The world (one store, built once): sharing alpha→bravo ``all``, alpha→charlie ``none``,
bravo→alpha ``near`` 50 km, bravo→charlie ``none``, charlie→alpha ``none``, charlie→bravo
``all``; bravo's operation ``b-op`` and alpha's ``a-conflict`` overlap it (filed with the key),
alpha's ``a-private`` concerns nobody; charlie's ``c-op``; messages alpha→bravo, bravo→charlie,
charlie→alpha; stationary tracks (no alerts) that one engine cycle has seen.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from skyaccord.api.app import Services
from skyaccord.cli.server import make_app
from skyaccord.clock import ManualClock
from skyaccord.intents.wire import filing_from_json
from skyaccord.live import LiveRuntime
from skyaccord.services.auth import Role
from skyaccord.store import Store
from skyaccord.timefmt import format_time
from skyaccord.tracks.updates import TrackUpdates

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.xdist_group("access-matrix")

T0 = 1_700_000_000.0
PARTIES = ("alpha", "bravo", "charlie")
ROLES = ("admin", "planner", "duty_officer", "observer")
INVALID = ("none", "wrong", "expired", "revoked")
ACK_ROLES = {"admin", "duty_officer"}
FILE_ROLES = {"admin", "planner"}
FEED_ROLES = {"admin", "planner", "duty_officer"}
WRITE_HOTLINE = {"admin", "planner", "duty_officer"}

# Sharing (owner, viewer) → (mode, near_m); pairs not listed are never shared.
SHARING = {
    ("alpha", "bravo"): ("all", 0.0),
    ("alpha", "charlie"): ("none", 0.0),
    ("bravo", "alpha"): ("near", 50_000.0),
    ("bravo", "charlie"): ("none", 0.0),
    ("charlie", "alpha"): ("none", 0.0),
    ("charlie", "bravo"): ("all", 0.0),
}
# (party, id, lat, lon, alt_m): stationary, vertically far apart where close: no alert.
TRACKS = [
    ("alpha", "a1", 10.0, 10.0, 3000.0),
    ("alpha", "a2", 30.0, 30.0, 3000.0),
    ("bravo", "b-near", 10.3, 10.0, 9000.0),  # ~33 km from alpha's a1
    ("bravo", "b-far", -20.0, -20.0, 9000.0),
    ("charlie", "c1", 50.0, 50.0, 3000.0),
]
VISIBLE = {
    "alpha": {"alpha/a1", "alpha/a2", "bravo/b-near"},
    "bravo": {"alpha/a1", "alpha/a2", "bravo/b-near", "bravo/b-far", "charlie/c1"},
    "charlie": {"charlie/c1"},
}
PRIVATE_LAT = "41.9876"  # a-private's outline: nobody but alpha may ever see it
C_OP_LON = "150.4321"  # c-op's outline: nobody but charlie may ever see it
CONFLICT_AREA = (33.0, 35.5)


# -- the world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    name: str
    party: str | None = None
    role: str | None = None  # None: not authenticated
    token: str | None = None

    @property
    def valid(self) -> bool:
        return self.role is not None

    @property
    def operator(self) -> bool:
        return self.role == "operator"

    def headers(self, token: str | None = None) -> dict[str, str]:
        tok = token or self.token
        return {"Authorization": f"Bearer {tok}"} if tok else {}


@dataclass
class World:
    services: Services
    app: FastAPI
    client: TestClient
    ws_base: str
    clock: ManualClock
    principals: list[Who]
    ids: dict[str, str] = field(default_factory=dict)
    never: dict[str | None, set[str]] = field(default_factory=dict)  # party → must not see
    counter: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}"

    def volume(
        self, lat: float, lon: float, size: float = 0.05, start: float = 3600.0
    ) -> dict[str, Any]:
        now = self.clock.now()
        corners = [(lat, lon), (lat, lon + size), (lat + size, lon + size), (lat + size, lon)]
        return {
            "volume": {
                "outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in corners]},
                "altitude_lower": {"value": 1000.0, "units": "M", "reference": "W84"},
                "altitude_upper": {"value": 2000.0, "units": "M", "reference": "W84"},
            },
            "time_start": {"value": format_time(now + start), "format": "RFC3339"},
            "time_end": {"value": format_time(now + start + 3600), "format": "RFC3339"},
        }

    def free_spot(self) -> tuple[float, float]:
        """A place no other intent or airspace of the world touches."""
        k = next(self.counter)
        return -60.0 + 0.2 * (k // 200), -170.0 + 0.2 * (k % 200)

    def file(
        self, party: str, iid: str, lat: float, lon: float, keyed: bool = False, **kw: Any
    ) -> dict[str, Any]:
        """Files through the service; ``keyed``: with the OVN of every intent filed so far."""
        svc = self.services.intents
        body = {
            "volumes": [self.volume(lat, lon, **kw)],
            "details": {"secret": f"SECRET-{iid}"},
            "key": [it.ovn for p in PARTIES for it in svc.list_own(p)] if keyed else [],
        }
        res = svc.file(party, filing_from_json(body, svc.limits).filing, iid)
        return {"id": res.intent.id, "version": res.intent.version, "ovn": res.intent.ovn}

    def own_intent(self, party: str) -> str:
        lat, lon = self.free_spot()
        return str(self.file(party, self.fresh(f"{party}-x"), lat, lon)["id"])

    def zone(self, owner: str, aid: str, lat: float, lon: float) -> dict[str, Any]:
        ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
        return {
            "type": "Feature",
            "properties": {"id": aid, "name": f"{owner} zone", "kind": "restricted",
                           "lower": "0 m", "upper": "FL100"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }  # fmt: skip

    def own_airspace(self, owner: str) -> str:
        aid = self.fresh(f"{owner}-zone")
        lat, lon = self.free_spot()
        self.services.airspace.import_geojson(owner, self.zone(owner, aid, lat, lon))
        return aid

    def token(self, party: str | None, role: str, ttl_s: float | None = None) -> tuple[str, str]:
        return self.services.auth.issue_token(party, role, "matrix", ttl_s)

    def token_row(self, token_id: str) -> Any:
        return next(t for t in self.services.auth.tokens(None) if t.id == token_id)

    def item(self, item_id: str) -> Any:
        party = next(p for p in PARTIES if self.addressed(item_id, p))
        return self.services.hotline.item(party, item_id)

    def addressed(self, item_id: str, party: str) -> bool:
        import sqlalchemy as sa

        from skyaccord.store.hotline_schema import hotline_parties as hp

        q = sa.select(hp.c.party).where(hp.c.item_id == item_id, hp.c.party == party)
        return self.services.store.transact(lambda c: c.execute(q).first(), write=False) is not None

    def feed_count(self, party: str) -> int:
        return len(self.services.hotline.feed(party, 0, limit=100_000))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    store = Store(tmp_path_factory.mktemp("matrix") / "matrix.db")
    store.upgrade()
    clock = ManualClock(T0)
    # No rate limit: hundreds of requests per token are the point here.
    services = Services.build(store, clock, rate_per_s=1e9, burst=1e9)
    services.runtime = LiveRuntime(services)  # cycled by hand below, never started
    auth = services.auth
    principals: list[Who] = []
    for p in PARTIES:
        auth.add_party(p, p.title())
        for role in ROLES:
            principals.append(Who(f"{p}/{role}", p, role, auth.issue_token(p, role, "matrix")[1]))
    principals.append(Who("operator", None, "operator", auth.issue_token(None, Role.OPERATOR)[1]))
    _, expired = auth.issue_token("alpha", Role.ADMIN, "expires", ttl_s=60.0)
    revoked_id, revoked = auth.issue_token("alpha", Role.ADMIN, "revoked")
    auth.revoke(revoked_id)
    clock.advance(120.0)
    principals += [
        Who("none"),
        Who("wrong", token="sky_" + uuid.uuid4().hex),
        Who("expired", token=expired),
        Who("revoked", token=revoked),
    ]
    for (owner, viewer), (mode, near) in SHARING.items():
        services.sharing.set(owner, viewer, mode, near or 185_200.0)

    app = make_app(services)
    client = TestClient(app, raise_server_exceptions=False)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    w = World(services, app, client, f"ws://127.0.0.1:{port}", clock, principals)
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    assert server.started, "the WebSocket server did not start"

    # Intents: b-op, a-conflict over it (with the key), a-private alone, c-op alone.
    lat, lon = CONFLICT_AREA
    w.ids["b-op"] = w.file("bravo", "b-op", lat, lon, size=0.1)["id"]
    w.ids["a-conflict"] = w.file("alpha", "a-conflict", lat + 0.05, lon + 0.05, keyed=True)["id"]
    w.ids["a-private"] = w.file("alpha", "a-private", float(PRIVATE_LAT), 12.345)["id"]
    w.ids["c-op"] = w.file("charlie", "c-op", -33.0, float(C_OP_LON))["id"]
    assert services.intents.conflicts("bravo"), "a-conflict must conflict with b-op"
    # Protected airspace, far from every track.
    services.airspace.import_geojson("alpha", w.zone("alpha", "a-zone", -40.0, -40.0))
    services.airspace.import_geojson("bravo", w.zone("bravo", "b-zone", 0.0, 0.0))
    # Messages: each pair of parties has one the third must not see.
    hot = services.hotline
    senders = {p: next(x for x in principals if x.name == f"{p}/duty_officer") for p in PARTIES}
    for frm, to in (("alpha", "bravo"), ("bravo", "charlie"), ("charlie", "alpha")):
        who = auth.authenticate(senders[frm].token)
        item = hot.send(who, [to], f"SECRET-MSG-{frm}-{to}")
        w.ids[f"msg-{frm}-{to}"] = item["id"]
    # Tracks, seen by one cycle.
    now = clock.now()
    services.runtime.ingest(
        TrackUpdates.from_columns(
            track_id=[f"{p}/{t}" for p, t, *_ in TRACKS],
            party=[p for p, *_ in TRACKS],
            lat_deg=np.array([x[2] for x in TRACKS]),
            lon_deg=np.array([x[3] for x in TRACKS]),
            alt_m=np.array([x[4] for x in TRACKS]),
            gs_mps=np.zeros(len(TRACKS)),
            track_deg=np.zeros(len(TRACKS)),
            vrate_mps=np.zeros(len(TRACKS)),
            time_s=np.full(len(TRACKS), now),
            source="matrix",
        )
    )
    result = services.runtime.cycle(now)
    assert result.alerts == [], "the world's tracks must raise no alert"

    # What each party must never see in a 2xx body or a WebSocket message.
    filing_items = [i["id"] for i in hot.items("bravo") if i["kind"] == "filing"]
    assert filing_items, "the conflict must be on the hotline"
    all_tracks = {f"{p}/{t}" for p, t, *_ in TRACKS}
    secrets_of = {p: {f"SECRET-{i}" for i in w.ids if i.startswith(p[0] + "-")} for p in PARTIES}
    for p in PARTIES:
        never = set().union(*(secrets_of[q] for q in PARTIES if q != p))
        for name, item_id in w.ids.items():
            if name.startswith("msg-") and p not in name.split("-")[1:]:
                never |= {item_id, "SECRET-MSG-" + name.split("-", 1)[1]}
        never |= all_tracks - VISIBLE[p]
        if p != "alpha":
            never |= {PRIVATE_LAT, "a-private"}
        if p != "charlie":
            never.add(C_OP_LON)
        if p == "charlie":
            never |= set(filing_items)
        w.never[p] = never
    w.never[None] = set().union(*(secrets_of[q] for q in PARTIES)) | {
        f"SECRET-MSG-{a}-{b}" for a, b in (("alpha", "bravo"), ("bravo", "charlie"), ("charlie", "alpha"))
    }  # fmt: skip
    yield w
    server.should_exit = True
    thread.join(10)
    client.close()
    store.dispose()


# -- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    status: int | str
    text: str = ""
    messages: list[Any] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.text)


def http(w: World, who: Who, method: str, path: str, body: Any = None, token: str | None = None,
         **params: Any) -> Result:  # fmt: skip
    r = w.client.request(method, path, json=body, params=params or None, headers=who.headers(token))
    return Result(r.status_code, r.text)


def ws(w: World, who: Who, path: str, *, n: int = 1, send: Any = None) -> Result:
    """``"open"`` with the first ``n`` messages, or ``"rejected"`` (handshake refused)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(
            w.ws_base + path, additional_headers=who.headers(), open_timeout=20, proxy=None
        ) as conn:
            if send is not None:
                conn.send(json.dumps(send))
            msgs = [json.loads(conn.recv(timeout=20)) for _ in range(n)]
    except InvalidStatus as e:
        assert e.response.status_code == 403, e.response.status_code
        return Result("rejected")
    return Result("open", "\n".join(json.dumps(m) for m in msgs), msgs)


# -- expectations -----------------------------------------------------------------------------

Expect = Callable[[Who], "int | str"]


def anyone(ok: int | str) -> Expect:
    return lambda who: ok


def party(ok: int | str, denied: int | str = 403) -> Expect:
    """Any party's role: ``ok``; the operator: ``denied``."""
    return lambda who: denied if who.operator else ok


def roles(allowed: set[str], ok: int | str = 200, denied: int | str = 403) -> Expect:
    return lambda who: ok if who.role in allowed and not who.operator else denied


def operator_only(ok: int | str) -> Expect:
    return lambda who: ok if who.operator else 403


Check = Callable[[World, Who, Result], list[str]]
Call = Callable[[World, Who], "tuple[Result, Check | None]"]


@dataclass(frozen=True)
class Cell:
    method: str  # an HTTP method, "WS" or "MOUNT"
    path: str  # as in app.routes
    label: str
    call: Call
    expect: Expect
    public: bool = False


def _plain(fn: Callable[[World, Who], Result], check: Check | None = None) -> Call:
    return lambda w, who: (fn(w, who), check)


def _unchanged(before: Callable[[World], Any]) -> Callable[[Callable[[World, Who], Result]], Call]:
    """A call that, when denied, must leave ``before(world)`` as it was."""

    def wrap(fn: Callable[[World, Who], Result]) -> Call:
        def call(w: World, who: Who) -> tuple[Result, Check | None]:
            b = before(w)
            r = fn(w, who)

            def check(w: World, who: Who, r: Result) -> list[str]:
                if isinstance(r.status, int) and r.status >= 400 and before(w) != b:
                    return ["a denied request changed the store"]
                return []

            return r, check

        return call

    return wrap


# -- the cells --------------------------------------------------------------------------------


def _intent_keys(w: World, who: Who, r: Result) -> list[str]:
    """Another party's intent comes as a bare reference: no volumes, no details."""
    if r.status != 200:
        return []
    body = r.json()
    if body["owner"] != who.party:
        extra = set(body) - {"id", "owner", "state", "version", "ovn", "time_start", "time_end"}
        return [f"reference of another party's intent has {sorted(extra)}"] if extra else []
    return [] if "details" in body and "volumes" in body else ["own intent without details"]


def _lists_only_addressed(w: World, who: Who, r: Result) -> list[str]:
    if r.status != 200 or who.party is None:
        return []
    items = r.json()
    bad = [i["id"] for i in items if who.party not in {p["party"] for p in i["parties"]}]
    want = {i["id"] for i in w.services.hotline.items(who.party, None, 1000)}
    got = {i["id"] for i in items}
    return ([f"items not addressed: {bad}"] if bad else []) + (
        [f"list differs from the addressed items: {sorted(want ^ got)}"] if want != got else []
    )


def _own_intents_only(w: World, who: Who, r: Result) -> list[str]:
    if r.status != 200:
        return []
    return [f"foreign intent {i['id']}" for i in r.json() if i["owner"] != who.party]


def _conflicts_involve_caller(w: World, who: Who, r: Result) -> list[str]:
    if r.status != 200:
        return []
    rows = r.json()
    bad = [c for c in rows if who.party not in (c["intent_owner"], c["other_owner"])]
    want = 1 if who.party in ("alpha", "bravo") else 0
    return [f"foreign conflicts {bad}"] * bool(bad) + (
        [f"{len(rows)} conflicts, expected {want}"] if len(rows) != want else []
    )


def _query_shape(w: World, who: Who, r: Result) -> list[str]:
    if r.status != 200:
        return []
    body = r.json()
    out = [f"foreign intent in own: {i['id']}" for i in body["own"] if i["owner"] != who.party]
    for o in body["others"]:
        if o["owner"] == who.party or "details" in o or "volumes" in o:
            out.append(f"other's intent {o['id']} shown with {sorted(o)}")
    return out


def _picture_tracks(w: World, who: Who, r: Result) -> list[str]:
    if r.status not in (200, "open") or who.party is None:
        return []
    pic = r.json() if r.status == 200 else r.messages[0]
    got = {t["id"] for t in pic["tracks"]}
    want = VISIBLE[who.party]
    return [] if got == want else [f"tracks {sorted(got)}, expected {sorted(want)}"]


def _stream_addressed(w: World, who: Who, r: Result) -> list[str]:
    if r.status != "open":
        return []
    return [
        f"entry {m['seq']} for item {m['item']['id']} not addressed to {who.party}"
        for m in r.messages
        if who.party not in {p["party"] for p in m["item"]["parties"]}
    ]


def _ack_tracks(w: World, who: Who, r: Result) -> list[str]:
    if r.status != "open":
        return []
    (reply,) = r.messages
    if who.role in FEED_ROLES:
        return [] if reply.get("accepted") == 1 else [f"frame answered {reply}"]
    return [] if reply.get("error") == "forbidden" else [f"frame answered {reply}"]


def _new_party(w: World, who: Who) -> Result:
    pid = w.fresh("newparty")
    r = http(w, who, "POST", "/v1/parties", {"id": pid, "name": "New"})
    if r.status != 201 and any(p.id == pid for p in w.services.auth.parties()):
        r.text += " [party was added anyway]"
        r.status = 599
    return r


def _notice_rule(w: World, who: Who) -> Result:
    rule = {"from_party": "charlie", "to_party": "bravo", "min_notice_s": 60}
    return http(w, who, "PUT", "/v1/notice-rules", rule)


def _import_airspace(w: World, who: Who) -> Result:
    lat, lon = w.free_spot()
    owner = who.party or "x"
    return http(w, who, "POST", "/v1/airspace", w.zone(owner, w.fresh("imp"), lat, lon))


def _import_country(w: World, who: Who) -> Result:
    body = {"country": "CY", "source": "ne110m", "id": w.fresh("cy")}
    return http(w, who, "POST", "/v1/airspace/country", body)


def _airspace_count(w: World) -> int:
    return len(w.services.airspace.list())


def _delete_airspace(owner_of: Callable[[Who], str | None]) -> Call:
    def call(w: World, who: Who) -> tuple[Result, Check | None]:
        owner = owner_of(who)
        aid = w.own_airspace(owner) if owner else "no-such-zone"
        r = http(w, who, "DELETE", f"/v1/airspace/{aid}")

        def check(w: World, who: Who, r: Result) -> list[str]:
            exists = any(a.id == aid for a in w.services.airspace.list())
            if owner and (r.status == 204) == exists:
                return [f"airspace {aid} exists={exists} after {r.status}"]
            return []

        return r, check

    return call


def _caller_or_alpha(who: Who) -> str:
    return who.party or "alpha"


def _other_party(who: Who) -> str:
    return PARTIES[(PARTIES.index(who.party) + 1) % 3] if who.party else "bravo"


def _file_new(w: World, who: Who) -> Result:
    lat, lon = w.free_spot()
    iid = w.fresh("filed")
    r = http(w, who, "POST", "/v1/intents", {"id": iid, "volumes": [w.volume(lat, lon)]})
    if r.status != 201 and _intent_version(w, iid) is not None:
        r.text += " [the intent was stored anyway]"
        r.status = 599
    return r


def _intent_version(w: World, iid: str) -> int | None:
    from skyaccord.store import intents as repo

    it = w.services.store.transact(lambda c: repo.get_intent(c, iid), write=False)
    return None if it is None else it.version


def _modify(kind: str, target: Callable[[World, Who], str]) -> Call:
    def call(w: World, who: Who) -> tuple[Result, Check | None]:
        iid = target(w, who)
        v = _intent_version(w, iid) or 1
        if kind == "put":
            lat, lon = w.free_spot()
            r = http(
                w, who, "PUT", f"/v1/intents/{iid}", {"version": v, "volumes": [w.volume(lat, lon)]}
            )
        else:
            r = http(w, who, "POST", f"/v1/intents/{iid}/state", {"state": "Ended", "version": v})

        def check(w: World, who: Who, r: Result) -> list[str]:
            after = _intent_version(w, iid)
            if r.status == 200 and after != v + 1:
                return [f"{iid} at version {after} after 200"]
            if r.status != 200 and after not in (None, v):
                return [f"{iid} changed to version {after} by a denied request"]
            return []

        return r, check

    return call


def _missing(w: World, who: Who) -> str:
    return "no-such-op"


def _own_fresh_intent(w: World, who: Who) -> str:
    return w.own_intent(_caller_or_alpha(who))


def _others_intent(w: World, who: Who) -> str:
    return w.own_intent(_other_party(who))


def _ack(item: str) -> Call:
    def call(w: World, who: Who) -> tuple[Result, Check | None]:
        iid = w.ids.get(item, item)
        r = http(w, who, "POST", f"/v1/hotline/items/{iid}/ack", {})

        def check(w: World, who: Who, r: Result) -> list[str]:
            if r.status != 200 or who.party is None:
                return []
            mine = [p for p in r.json()["parties"] if p["party"] == who.party]
            return [] if mine and mine[0]["acked_at"] else ["ack not recorded"]

        return r, check

    return call


def _thread(item: str) -> Call:
    def call(w: World, who: Who) -> tuple[Result, Check | None]:
        iid = w.ids.get(item, item)
        text = w.fresh("thread line")
        r = http(w, who, "POST", f"/v1/hotline/items/{iid}/messages", {"text": text})

        def check(w: World, who: Who, r: Result) -> list[str]:
            if item not in w.ids:
                return []
            texts = [m["text"] for m in w.item(iid)["messages"]]
            if (r.status == 201) != (text in texts):
                return [f"thread line stored={text in texts} after {r.status}"]
            return []

        return r, check

    return call


def _send(w: World, who: Who) -> Result:
    return http(
        w, who, "POST", "/v1/hotline/messages", {"to": [_other_party(who)], "text": "hello"}
    )


def _webhook_put(w: World, who: Who) -> Result:
    return http(w, who, "PUT", "/v1/webhook", {"url": "http://127.0.0.1:9/hook"})


def _sharing_put(w: World, who: Who) -> Result:
    viewer = {"alpha": "bravo", "bravo": "alpha", "charlie": "bravo"}.get(who.party or "", "bravo")
    mode, near = SHARING[(who.party, viewer)] if who.party else ("all", 0.0)
    body = {"viewer": viewer, "mode": mode, "near_m": near or 185_200.0}
    return http(w, who, "PUT", "/v1/sharing", body)


def _token_count(w: World) -> int:
    return len(w.services.auth.tokens(None))


def _issue(role: str, **extra: Any) -> Callable[[World, Who], Result]:
    return lambda w, who: http(w, who, "POST", "/v1/tokens", {"role": role, **extra})


def _rotate(w: World, who: Who) -> tuple[Result, Check | None]:
    """Rotation revokes the token used: every valid principal rotates a copy of its own."""
    token = None
    if who.valid:
        _, token = w.token(who.party, who.role or "")
    r = http(w, who, "POST", "/v1/tokens/rotate", token=token)

    def check(w: World, who: Who, r: Result) -> list[str]:
        if r.status != 201:
            return []
        body = r.json()
        if (body["party"], body["role"]) != (who.party, who.role):
            return [f"rotation changed party/role to {body['party']}/{body['role']}"]
        me = http(w, who, "GET", "/v1/me", token=body["token"])
        old = http(w, who, "GET", "/v1/me", token=token)
        return (
            [] if (me.status, old.status) == (200, 401) else [f"new {me.status} old {old.status}"]
        )

    return r, check


def _revoke(owner_of: Callable[[Who], str | None]) -> Call:
    def call(w: World, who: Who) -> tuple[Result, Check | None]:
        owner = owner_of(who)
        tid = w.token(owner, "planner")[0] if owner else "no-such-token"
        r = http(w, who, "DELETE", f"/v1/tokens/{tid}")

        def check(w: World, who: Who, r: Result) -> list[str]:
            if not owner:
                return []
            revoked = w.token_row(tid).revoked_at is not None
            return [] if revoked == (r.status == 204) else [f"revoked={revoked} after {r.status}"]

        return r, check

    return call


def _track(w: World, who: Who) -> Result:
    rec = {"track_id": w.fresh("t"), "time": format_time(w.clock.now()), "lat_deg": -80.0,
           "lon_deg": 0.0, "alt_m": 100.0}  # fmt: skip
    return http(w, who, "POST", "/v1/tracks", {"tracks": [rec]})


def _hotline_ws(w: World, who: Who) -> Result:
    """The browser's way: the token as the query parameter ``access_token``."""
    n = w.feed_count(who.party) if who.party else 1
    query = f"?access_token={who.token}" if who.token else ""
    return ws(w, Who(who.name), f"/v1/hotline/stream{query}", n=n)


def _static_file(mount: Mount) -> str | None:
    app = mount.app
    if not isinstance(app, StaticFiles) or app.directory is None:
        return None
    files = sorted(p for p in Path(app.directory).rglob("*") if p.is_file())
    return None if not files else f"{mount.path}/{files[0].relative_to(app.directory).as_posix()}"


def get(path: str, check: Check | None = None, **params: Any) -> Call:
    """``GET path`` (``{name}`` is replaced by the world's id of that name)."""
    return lambda w, who: (http(w, who, "GET", path.format(**w.ids), **params), check)


def delete(path: str) -> Call:
    return lambda w, who: (http(w, who, "DELETE", path), None)


def _replace_bravos_zone(w: World, who: Who) -> Result:
    zone = w.zone(who.party or "x", "b-zone", 0.0, 0.0)
    return http(w, who, "POST", "/v1/airspace", zone, replace=True)


def _b_zone(w: World) -> Any:
    return w.services.airspace.get("b-zone").volumes[0].outline.lat.tolist()


def _query(w: World, who: Who) -> Result:
    lat, lon = CONFLICT_AREA
    body = {"area": w.volume(lat - 0.1, lon - 0.1, size=0.4, start=0.0)}
    return http(w, who, "POST", "/v1/intents/query", body)


def _frame(w: World, who: Who) -> Result:
    rec = {"track_id": w.fresh("t"), "time": format_time(w.clock.now()), "lat_deg": -80.0,
           "lon_deg": 1.0}  # fmt: skip
    return ws(w, who, "/v1/tracks/stream", send={"tracks": [rec]})


def _picture_ws(w: World, who: Who) -> Result:
    return ws(w, who, "/v1/picture/stream")


def _alpha_bravo(who: Who) -> int:
    return 403 if who.operator or who.party == "charlie" else 200


def _only(party: str) -> Expect:
    return lambda who: 200 if who.party == party else 403


def _addressed_to(parties: tuple[str, ...], allowed: set[str], ok: int) -> Expect:
    return lambda who: ok if who.party in parties and who.role in allowed else 403


def _admin_replace(who: Who) -> int:
    if who.role != "admin":
        return 403
    return 201 if who.party == "bravo" else 409


ADMIN = {"admin"}
AB = ("alpha", "bravo")
BC = ("bravo", "charlie")
_ = _plain

MATRIX: list[Cell] = [
    # operations and the console: public
    Cell("GET", "/healthz", "-", get("/healthz"), anyone(200), public=True),
    Cell("GET", "/readyz", "-", get("/readyz"), anyone(200), public=True),
    Cell("GET", "/metrics", "-", get("/metrics"), anyone(200), public=True),
    Cell("GET", "/openapi.json", "-", get("/openapi.json"), anyone(200), public=True),
    Cell("GET", "/", "console", get("/"), anyone(200), public=True),
    # parties
    Cell("GET", "/v1/me", "-", get("/v1/me"), anyone(200)),
    Cell("GET", "/v1/parties", "-", get("/v1/parties"), anyone(200)),
    Cell("POST", "/v1/parties", "new party", _(_new_party), operator_only(201)),
    Cell("GET", "/v1/parties/{party_id}", "bravo", get("/v1/parties/bravo"), anyone(200)),
    Cell("GET", "/v1/parties/{party_id}", "missing", get("/v1/parties/nobody"), anyone(404)),
    Cell("PUT", "/v1/notice-rules", "-", _unchanged(lambda w: w.services.auth.notice_rules())(_notice_rule),
         operator_only(200)),
    Cell("GET", "/v1/notice-rules", "-", get("/v1/notice-rules"), anyone(200)),
    # protected airspace: every party's is shared; only a party's admin writes, and only its own
    Cell("GET", "/v1/airspace", "-", get("/v1/airspace"), anyone(200)),
    Cell("GET", "/v1/airspace/{airspace_id}", "b-zone", get("/v1/airspace/b-zone"), anyone(200)),
    Cell("GET", "/v1/airspace/{airspace_id}", "missing", get("/v1/airspace/nowhere"), anyone(404)),
    Cell("POST", "/v1/airspace", "new zone", _unchanged(_airspace_count)(_import_airspace), roles(ADMIN, 201)),
    Cell("POST", "/v1/airspace", "replace bravo's", _unchanged(_b_zone)(_replace_bravos_zone), _admin_replace),
    Cell("POST", "/v1/airspace/country", "CY", _unchanged(_airspace_count)(_import_country), roles(ADMIN, 201)),
    Cell("DELETE", "/v1/airspace/{airspace_id}", "own", _delete_airspace(_caller_or_alpha), roles(ADMIN, 204)),
    Cell("DELETE", "/v1/airspace/{airspace_id}", "another party's", _delete_airspace(_other_party), anyone(403)),
    Cell("DELETE", "/v1/airspace/{airspace_id}", "missing", _delete_airspace(lambda who: None), roles(ADMIN, 404)),
    # operational intents
    Cell("POST", "/v1/intents", "new", _(_file_new), roles(FILE_ROLES, 201)),
    Cell("PUT", "/v1/intents/{intent_id}", "own", _modify("put", _own_fresh_intent), roles(FILE_ROLES, 200)),
    Cell("PUT", "/v1/intents/{intent_id}", "another party's", _modify("put", _others_intent), anyone(403)),
    Cell("PUT", "/v1/intents/{intent_id}", "missing", _modify("put", _missing), roles(FILE_ROLES, 404)),
    Cell("POST", "/v1/intents/{intent_id}/state", "own", _modify("state", _own_fresh_intent), roles(FILE_ROLES, 200)),
    Cell("POST", "/v1/intents/{intent_id}/state", "another party's", _modify("state", _others_intent), anyone(403)),
    Cell("POST", "/v1/intents/{intent_id}/state", "missing", _modify("state", _missing), roles(FILE_ROLES, 404)),
    Cell("GET", "/v1/intents", "-", get("/v1/intents", _own_intents_only), party(200)),
    Cell("GET", "/v1/intents/{intent_id}", "a-conflict", get("/v1/intents/a-conflict", _intent_keys), _alpha_bravo),
    Cell("GET", "/v1/intents/{intent_id}", "b-op", get("/v1/intents/b-op", _intent_keys), _alpha_bravo),
    Cell("GET", "/v1/intents/{intent_id}", "a-private", get("/v1/intents/a-private", _intent_keys), _only("alpha")),
    Cell("GET", "/v1/intents/{intent_id}", "c-op", get("/v1/intents/c-op", _intent_keys), _only("charlie")),
    Cell("GET", "/v1/intents/{intent_id}", "missing", get("/v1/intents/no-such-op"), party(404)),
    Cell("POST", "/v1/intents/query", "conflict area", _(_query, _query_shape), party(200)),
    Cell("GET", "/v1/conflicts", "-", get("/v1/conflicts", _conflicts_involve_caller), party(200)),
    Cell("GET", "/v1/notices", "-", get("/v1/notices"), party(200)),
    # hotline
    Cell("GET", "/v1/hotline/items", "-", get("/v1/hotline/items", _lists_only_addressed, limit=1000), party(200)),
    Cell("GET", "/v1/hotline/items/{item_id}", "alpha+bravo", get("/v1/hotline/items/{msg-alpha-bravo}"),
         _addressed_to(AB, set(ROLES), 200)),
    Cell("GET", "/v1/hotline/items/{item_id}", "missing", get("/v1/hotline/items/nothing"), party(404)),
    Cell("POST", "/v1/hotline/items/{item_id}/ack", "alpha+bravo", _ack("msg-alpha-bravo"),
         _addressed_to(AB, ACK_ROLES, 200)),
    Cell("POST", "/v1/hotline/items/{item_id}/ack", "missing", _ack("nothing"), roles(ACK_ROLES, 404)),
    Cell("POST", "/v1/hotline/items/{item_id}/messages", "bravo+charlie", _thread("msg-bravo-charlie"),
         _addressed_to(BC, WRITE_HOTLINE, 201)),
    Cell("POST", "/v1/hotline/items/{item_id}/messages", "missing", _thread("nothing"), roles(WRITE_HOTLINE, 404)),
    Cell("POST", "/v1/hotline/messages", "to the next party", _(_send), roles(WRITE_HOTLINE, 201)),
    Cell("WS", "/v1/hotline/stream", "from 0", _(_hotline_ws, _stream_addressed), party("open", "rejected")),
    # party settings and tokens
    Cell("PUT", "/v1/webhook", "-", _(_webhook_put), roles(ADMIN, 200)),
    Cell("DELETE", "/v1/webhook", "-", delete("/v1/webhook"), roles(ADMIN, 204)),
    Cell("PUT", "/v1/sharing", "as it is", _(_sharing_put), roles(ADMIN, 200)),
    Cell("POST", "/v1/tokens", "planner", _unchanged(_token_count)(_issue("planner")), roles(ADMIN, 201)),
    Cell("POST", "/v1/tokens", "admin", _unchanged(_token_count)(_issue("admin")), roles(ADMIN, 201)),
    # a body no role may send: refused as invalid (422) whoever sends it, and nothing is issued
    Cell("POST", "/v1/tokens", "operator", _unchanged(_token_count)(_issue("operator")), anyone(422)),
    Cell("POST", "/v1/tokens", "for another party", _unchanged(_token_count)(_issue("planner", party="bravo")),
         anyone(422)),
    Cell("POST", "/v1/tokens/rotate", "own token", _rotate, anyone(201)),
    Cell("DELETE", "/v1/tokens/{token_id}", "own party's", _revoke(_caller_or_alpha),
         lambda who: 204 if who.role in ("admin", "operator") else 403),
    Cell("DELETE", "/v1/tokens/{token_id}", "another party's", _revoke(_other_party), operator_only(204)),
    Cell("DELETE", "/v1/tokens/{token_id}", "missing", _revoke(lambda who: None),
         lambda who: 404 if who.operator else 403),
    # live
    Cell("POST", "/v1/tracks", "one track", _(_track), roles(FEED_ROLES, 200)),
    Cell("WS", "/v1/tracks/stream", "one frame", _(_frame, _ack_tracks), anyone("open")),
    Cell("GET", "/v1/picture", "-", get("/v1/picture", _picture_tracks), party(200)),
    Cell("WS", "/v1/picture/stream", "first picture", _(_picture_ws, _picture_tracks), party("open", "rejected")),
]  # fmt: skip
"""Every route, and for routes with a resource one cell per kind of resource."""


def _route_keys(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route, ``("WS", path)`` of WebSockets, ``("MOUNT", path)`` of
    mounts; routers included with ``include_router`` are walked (FastAPI keeps them whole)."""
    keys: set[tuple[str, str]] = set()
    for r in routes:
        if hasattr(r, "original_router") and hasattr(r, "include_context"):
            keys |= _route_keys(r.original_router.routes, prefix + r.include_context.prefix)
        elif isinstance(r, Mount):
            keys.add(("MOUNT", prefix + r.path))
        elif isinstance(r, Route):
            keys |= {(m, prefix + r.path) for m in r.methods or () if m != "HEAD"}
        elif isinstance(r, WebSocketRoute):
            keys.add(("WS", prefix + r.path))
        else:
            raise AssertionError(f"a route of an unknown kind: {r!r}")
    return keys


# Static mounts: served to anyone, and only these (the console's files and its npm packages).
ALLOWED_MOUNTS = {"/static"} | {
    f"/vendor/{p}" for p in ("d3-geo", "d3-array", "topojson-client", "world-atlas")
}


def test_every_route_is_in_the_matrix(world: World) -> None:
    routes = _route_keys(world.app.routes)
    cells = {(c.method, c.path) for c in MATRIX}
    mounts = {k for k in routes if k[0] == "MOUNT"}
    assert routes - mounts - cells == set(), "routes without a cell in MATRIX"
    assert cells - routes == set(), "cells for routes that do not exist"
    assert {p for _, p in mounts} <= ALLOWED_MOUNTS


def _expected(cell: Cell, who: Who) -> int | str:
    if who.valid or cell.public:
        return cell.expect(who)
    return "rejected" if cell.method == "WS" else 401


def _leaks(w: World, who: Who, r: Result) -> list[str]:
    ok = r.status == "open" or (isinstance(r.status, int) and 200 <= r.status < 300)
    if not ok or not who.valid:
        return []
    return [f"leaks {s!r}" for s in sorted(w.never[who.party]) if s in r.text]


def _run(w: World, cell: Cell) -> list[str]:
    problems = []
    for who in w.principals:
        want = _expected(cell, who)
        result, check = cell.call(w, who)
        if result.status != want:
            problems.append(
                f"{who.name:22} got {result.status}, expected {want}: {result.text[:160]}"
            )
            continue
        found = _leaks(w, who, result) + (check(w, who, result) if check else [])
        problems += [f"{who.name:22} {p}" for p in found]
    return problems


@pytest.mark.parametrize("cell", MATRIX, ids=[f"{c.method} {c.path} [{c.label}]" for c in MATRIX])
def test_access(world: World, cell: Cell) -> None:
    problems = _run(world, cell)
    assert not problems, f"{cell.method} {cell.path} [{cell.label}]:\n" + "\n".join(problems)


def test_static_mounts_are_public(world: World) -> None:
    for r in world.app.routes:
        if isinstance(r, Mount):
            path = _static_file(r)
            if path is None:
                continue
            for who in world.principals:
                got = http(world, who, "GET", path).status
                assert got == 200, f"{who.name} GET {path}: {got}"


# -- need-to-know beyond single requests -------------------------------------------------------


def test_the_markers_show_where_they_may(world: World) -> None:
    """The leak checks search for markers; each one does appear, as written, to whom it may."""
    w = world
    who = {x.name: x for x in w.principals}
    shown = [
        ("alpha/observer", "/v1/intents/a-private", [PRIVATE_LAT, "SECRET-a-private"]),
        ("alpha/observer", "/v1/intents/a-conflict", ["SECRET-a-conflict"]),
        ("charlie/observer", "/v1/intents/c-op", [C_OP_LON, "SECRET-c-op"]),
        (
            "bravo/observer",
            f"/v1/hotline/items/{w.ids['msg-alpha-bravo']}",
            ["SECRET-MSG-alpha-bravo"],
        ),
        ("bravo/observer", "/v1/picture", ["bravo/b-far", "charlie/c1"]),
        ("alpha/observer", "/v1/hotline/items?limit=1000", [w.ids["msg-charlie-alpha"]]),
    ]
    for name, path, markers in shown:
        text = http(w, who[name], "GET", path).text
        assert all(m in text for m in markers), (name, path, markers)


def test_a_party_sees_the_overlap_not_the_details_of_a_conflicting_intent(world: World) -> None:
    w = world
    bravo = next(x for x in w.principals if x.name == "bravo/observer")
    (row,) = http(w, bravo, "GET", "/v1/conflicts").json()
    assert {row["intent_owner"], row["other_owner"]} == {"alpha", "bravo"}
    assert row["overlaps"] and row["overlaps"][0]["area_m2"] > 0
    filing = [
        i
        for i in http(w, bravo, "GET", "/v1/hotline/items", limit=1000).json()
        if i["kind"] == "filing"
    ]
    assert filing and all("SECRET" not in json.dumps(i) for i in filing)


@pytest.mark.parametrize("stream", ["hotline", "picture", "tracks"])
def test_revoking_a_token_closes_what_it_opened(world: World, stream: str) -> None:
    """A WebSocket opened with a token that is then revoked is closed (1008) and receives
    nothing more: here a hotline message sent after the revocation."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    w = world
    tid, token = w.token("charlie", "duty_officer")
    url = f"{w.ws_base}/v1/{stream}/stream?access_token={token}"
    sender = next(x.token for x in w.principals if x.name == "alpha/admin")
    got: list[str] = []
    code = None
    with connect(url, proxy=None) as conn:
        for _ in range({"hotline": w.feed_count("charlie"), "picture": 1, "tracks": 0}[stream]):
            conn.recv(timeout=20)
        w.services.auth.revoke(tid)
        w.services.hotline.send(w.services.auth.authenticate(sender), ["charlie"], "SECRET-late")
        deadline = time.monotonic() + 12  # the picture stream pushes at least every 5 s
        try:
            if stream == "tracks":
                conn.send(json.dumps({"tracks": []}))
            while time.monotonic() < deadline:
                got.append(str(conn.recv(timeout=deadline - time.monotonic())))
        except ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd is not None else None
        except TimeoutError:
            pass
    assert not any("SECRET-late" in g or '"accepted"' in g for g in got), got
    assert code == 1008, f"still open after the revocation; received {len(got)} messages"


def test_rotating_a_token_keeps_its_expiry(world: World) -> None:
    """A short-lived token cannot be rotated into one that never expires."""
    w = world
    tid, token = w.token("alpha", "planner", ttl_s=600.0)
    old = w.token_row(tid)
    r = w.client.post("/v1/tokens/rotate", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    new = w.token_row(r.json()["token_id"])
    assert new.expires_at is not None and new.expires_at <= old.expires_at
