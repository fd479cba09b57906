"""A small stand-in for the live API of ``docs/api-live.md``, for testing the console against
the contract while the real server side is being written.

It follows the contract's shapes (TrackIn, Picture, Alert, Item, Message, stream events) and
nothing more: every party sees every track, a separation alert is raised for two tracks of
different parties converging within 5 NM and 1,000 ft in the next 5 minutes, and each alert
becomes a hotline item addressed to both parties. The browser tests run against it, and
against the real server as soon as it serves ``/v1/picture``.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request, WebSocket, WebSocketDisconnect

from skyaccord.api.app import Services
from skyaccord.api.routes import Caller
from skyaccord.errors import AuthenticationError, NotFound, PermissionDenied
from skyaccord.timefmt import format_time

R = 6371008.8
SEP_M = 9260.0
VSEP_M = 304.8
LOOKAHEAD_S = 300.0
DEADLINE_S = {"info": 900, "caution": 300, "warning": 120, "urgent": 60, "emergency": 30}


def _enu(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    x = math.radians(lon - lon0) * R * math.cos(math.radians(lat0))
    y = math.radians(lat - lat0) * R
    return x, y


def _latlon(lat0: float, lon0: float, x: float, y: float) -> list[float]:
    return [
        round(lat0 + math.degrees(y / R), 6),
        round(lon0 + math.degrees(x / (R * math.cos(math.radians(lat0)))), 6),
    ]


class FakeLive:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.tracks: dict[str, dict[str, Any]] = {}
        self.alerts: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.feed: list[dict[str, Any]] = []  # {"seq", "event", "time", "item", "_to": {...}}
        self.queues: list[tuple[str, asyncio.Queue[dict[str, Any]]]] = []
        self.cycle = 0

    def now(self) -> float:
        return self.services.clock.now()

    # -- tracks and detection -------------------------------------------------------------------

    def accept(self, party: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        ok, bad, reasons = 0, 0, {}
        for r in records:
            try:
                tid = f"{party}:{r['track_id']}"
                alt = r["alt_m"] if "alt_m" in r else r["alt_ft"] * 0.3048
                gs = r.get("gs_mps", r.get("gs_kt", 0) * 0.514444)
                old = self.tracks.get(tid)
                trail = ([*old["trail"], [old["lat_deg"], old["lon_deg"]]] if old else [])[-10:]
                self.tracks[tid] = {
                    "id": tid,
                    "party": party,
                    "callsign": r.get("callsign"),
                    "icao24": r.get("icao24"),
                    "lat_deg": float(r["lat_deg"]),
                    "lon_deg": float(r["lon_deg"]),
                    "alt_m": float(alt),
                    "gs_mps": float(gs),
                    "track_deg": float(r.get("track_deg", 0.0)),
                    "vrate_mps": float(r.get("vrate_mps", 0.0)),
                    "coasting": False,
                    "trail": trail,
                }
                ok += 1
            except (KeyError, TypeError, ValueError):
                bad += 1
                reasons["invalid"] = reasons.get("invalid", 0) + 1
        self.detect()
        return {"accepted": ok, "rejected": bad, "reasons": reasons}

    def detect(self) -> None:
        now = self.now()
        tracks = list(self.tracks.values())
        for i, a in enumerate(tracks):
            for b in tracks[i + 1 :]:
                if a["party"] == b["party"] or abs(a["alt_m"] - b["alt_m"]) > VSEP_M:
                    continue
                bx, by = _enu(a["lat_deg"], a["lon_deg"], b["lat_deg"], b["lon_deg"])
                va = [
                    a["gs_mps"] * math.sin(math.radians(a["track_deg"])),
                    a["gs_mps"] * math.cos(math.radians(a["track_deg"])),
                ]
                vb = [
                    b["gs_mps"] * math.sin(math.radians(b["track_deg"])),
                    b["gs_mps"] * math.cos(math.radians(b["track_deg"])),
                ]
                dvx, dvy = vb[0] - va[0], vb[1] - va[1]
                dv2 = dvx * dvx + dvy * dvy
                tcpa = 0.0 if dv2 == 0 else max(0.0, -(bx * dvx + by * dvy) / dv2)
                dx, dy = bx + dvx * tcpa, by + dvy * tcpa
                dcpa = math.hypot(dx, dy)
                if dcpa >= SEP_M or tcpa > LOOKAHEAD_S:
                    continue
                # time to loss: when the distance first falls below SEP_M
                a2, b2 = dv2, 2 * (bx * dvx + by * dvy)
                c2 = bx * bx + by * by - SEP_M * SEP_M
                disc = b2 * b2 - 4 * a2 * c2
                ttl = (
                    0.0
                    if c2 <= 0 or a2 == 0
                    else max(0.0, (-b2 - math.sqrt(max(disc, 0))) / (2 * a2))
                )
                aid = "sep-" + "-".join(sorted([a["id"], b["id"]])).replace(":", "_")
                alert = self.alerts.get(aid) or {"alert_id": aid, "raised_at": format_time(now)}
                alert.update(
                    kind="separation",
                    parties=sorted({a["party"], b["party"]}),
                    tracks=[a["id"], b["id"]],
                    updated_at=format_time(now),
                    active=True,
                    time_to_loss_s=round(ttl, 1),
                    tcpa_s=round(tcpa, 1),
                    dcpa_m=round(dcpa, 1),
                    vertical_m=round(abs(a["alt_m"] - b["alt_m"]), 1),
                    cpa=[
                        _latlon(a["lat_deg"], a["lon_deg"], va[0] * tcpa, va[1] * tcpa),
                        _latlon(a["lat_deg"], a["lon_deg"], bx + vb[0] * tcpa, by + vb[1] * tcpa),
                    ],
                    airspace_id=None,
                    intent_id=None,
                )
                new = aid not in self.alerts
                self.alerts[aid] = alert
                if new:
                    sev = "urgent" if ttl <= 60 else "warning"
                    self.new_item(
                        "alert",
                        sev,
                        f"Loss of separation in {ttl:.0f} s: "
                        f"{a['callsign'] or a['id']}, {b['callsign'] or b['id']}",
                        alert["parties"],
                        alert=alert,
                    )
                else:
                    for it in self.items.values():
                        if it["alert"] and it["alert"]["alert_id"] == aid:
                            it["alert"] = alert

    def picture(self, party: str) -> dict[str, Any]:
        return {
            "time": format_time(self.now()),
            "cycle": self.cycle,
            "tracks": list(self.tracks.values()),
            "alerts": [a for a in self.alerts.values() if party in a["parties"]],
        }

    # -- hotline --------------------------------------------------------------------------------

    def new_item(
        self,
        kind: str,
        severity: str,
        title: str,
        parties: list[str],
        *,
        alert: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        now = self.now()
        item = {
            "id": uuid.uuid4().hex[:12],
            "kind": kind,
            "severity": severity,
            "title": title,
            "created_at": format_time(now),
            "updated_at": format_time(now),
            "deadline_at": format_time(now + DEADLINE_S[severity]),
            "escalation_level": 0,
            "state": "open",
            "parties": [
                {
                    "party": p,
                    "roles": ["duty_officer"],
                    "acked_at": None,
                    "acked_by": None,
                    "signed": False,
                }
                for p in parties
            ],
            "alert": alert,
            "body": body or {},
            "messages": [],
        }
        self.items[item["id"]] = item
        self.publish("item.created", item)
        return item

    def publish(self, event: str, item: dict[str, Any]) -> None:
        ev = {
            "seq": len(self.feed) + 1,
            "event": event,
            "time": format_time(self.now()),
            "item": item,
        }
        to = {p["party"] for p in item["parties"]}
        self.feed.append({**ev, "_to": to})
        for party, q in self.queues:
            if party in to:
                q.put_nowait(ev)

    def item_for(self, party: str, item_id: str) -> dict[str, Any]:
        it = self.items.get(item_id)
        if it is None or party not in {p["party"] for p in it["parties"]}:
            raise NotFound(f"item {item_id!r} does not exist")
        return it

    def ack(self, party: str, role: str, item_id: str) -> dict[str, Any]:
        if role not in ("duty_officer", "admin"):
            raise PermissionDenied(f"role {role} may not acknowledge")
        it = self.item_for(party, item_id)
        for p in it["parties"]:
            if p["party"] == party and p["acked_at"] is None:
                p["acked_at"] = format_time(self.now())
                p["acked_by"] = role
        if all(p["acked_at"] for p in it["parties"]):
            it["state"] = "acknowledged"
        it["updated_at"] = format_time(self.now())
        self.publish("item.acked", it)
        return it

    def say(self, party: str, role: str, item_id: str, text: str) -> dict[str, Any]:
        it = self.item_for(party, item_id)
        m = {
            "id": uuid.uuid4().hex[:12],
            "item_id": item_id,
            "party": party,
            "role": role,
            "text": text,
            "time": format_time(self.now()),
        }
        it["messages"].append(m)
        self.publish("message", it)
        return m

    # -- the router -----------------------------------------------------------------------------

    def router(self) -> APIRouter:
        r = APIRouter(prefix="/v1")
        services = self.services

        def ws_party(ws: WebSocket) -> str:
            p = services.auth.authenticate(ws.query_params.get("access_token"))
            if p.party is None:
                raise AuthenticationError("a party's token is needed")
            return p.party

        @r.post("/tracks")
        async def post_tracks(caller: Caller, request: Request) -> dict[str, Any]:
            body = await request.json()
            return self.accept(caller.require_party(), body.get("tracks", []))

        @r.get("/picture")
        async def get_picture(caller: Caller) -> dict[str, Any]:
            return self.picture(caller.require_party())

        @r.websocket("/picture/stream")
        async def picture_stream(ws: WebSocket) -> None:
            try:
                party = ws_party(ws)
            except AuthenticationError:
                await ws.close(code=4401)
                return
            await ws.accept()
            try:
                while True:
                    self.cycle += 1
                    await ws.send_json(self.picture(party))
                    await asyncio.sleep(1.0)
            except (WebSocketDisconnect, RuntimeError):
                return

        @r.get("/hotline/items")
        async def list_items(
            caller: Caller, state: str | None = None, limit: int = Query(100, le=1000)
        ) -> list[dict[str, Any]]:
            party = caller.require_party()
            out = [
                it
                for it in self.items.values()
                if party in {p["party"] for p in it["parties"]}
                and (state is None or it["state"] == state)
            ]
            return sorted(out, key=lambda i: i["created_at"], reverse=True)[:limit]

        @r.get("/hotline/items/{item_id}")
        async def get_item(caller: Caller, item_id: str) -> dict[str, Any]:
            return self.item_for(caller.require_party(), item_id)

        @r.post("/hotline/items/{item_id}/ack")
        async def ack(caller: Caller, item_id: str) -> dict[str, Any]:
            return self.ack(caller.require_party(), caller.role.value, item_id)

        @r.post("/hotline/items/{item_id}/messages")
        async def message(caller: Caller, item_id: str, request: Request) -> dict[str, Any]:
            body = await request.json()
            return self.say(caller.require_party(), caller.role.value, item_id, body["text"])

        @r.post("/hotline/messages")
        async def free_message(caller: Caller, request: Request) -> dict[str, Any]:
            party = caller.require_party()
            body = await request.json()
            emergency = bool(body.get("emergency"))
            to = sorted({party, *body["to"]})
            item = self.new_item(
                "emergency" if emergency else "message",
                "emergency" if emergency else "info",
                f"{'EMERGENCY from' if emergency else 'Message from'} {party}",
                to,
                body={"text": body["text"], "from": party},
            )
            return self.ack(party, caller.role.value, item["id"])  # the sender has seen it

        @r.websocket("/hotline/stream")
        async def hotline_stream(ws: WebSocket, cursor: int = 0) -> None:
            try:
                party = ws_party(ws)
            except AuthenticationError:
                await ws.close(code=4401)
                return
            await ws.accept()
            q: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            entry = (party, q)
            self.queues.append(entry)
            role = services.auth.authenticate(ws.query_params.get("access_token")).role.value

            async def pump() -> None:
                for ev in list(self.feed):
                    if ev["seq"] > cursor and party in ev["_to"]:
                        await ws.send_json({k: v for k, v in ev.items() if k != "_to"})
                while True:
                    await ws.send_json(await q.get())

            async def receive() -> None:
                while True:
                    msg = await ws.receive_json()
                    if isinstance(msg, dict) and msg.get("type") == "ack":
                        self.ack(party, role, str(msg.get("item_id")))

            tasks = {asyncio.create_task(pump()), asyncio.create_task(receive())}
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                self.queues.remove(entry)

        return r


def install(app: FastAPI, services: Services) -> FakeLive:
    fake = FakeLive(services)
    before = len(app.router.routes)
    app.include_router(fake.router())
    # the stand-in takes precedence over whatever live routes the server already has
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[:0] = added
    app.state.fake_live = fake
    return fake
