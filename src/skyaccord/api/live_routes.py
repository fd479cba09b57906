"""``/v1/tracks`` (ingest over HTTP and WebSocket) and ``/v1/picture`` (what the map draws)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from skyaccord.api.hotline_routes import ws_principal, ws_still_authenticated
from skyaccord.api.routes import Caller, RecordsBody, services
from skyaccord.errors import SkyaccordError, Unavailable, ValidationError
from skyaccord.services.auth import Principal, Role
from skyaccord.tracks.sources import parse_json_batch

router = APIRouter(prefix="/v1")
FEED_ROLES = frozenset({Role.ADMIN, Role.PLANNER, Role.DUTY_OFFICER})


def _runtime(svc: Any) -> Any:
    if svc.runtime is None:
        raise Unavailable(
            "the live engine is not running on this server (start it with `skyaccord serve`)"
        )
    return svc.runtime


def ingest_batch(svc: Any, who: Principal, body: Any) -> dict[str, Any]:
    """One JSON batch from ``who``'s party into the engine; bad records counted, never fatal."""
    party = who.require(FEED_ROLES, "feed tracks")
    runtime = _runtime(svc)
    records = body.get("tracks") if isinstance(body, dict) else body
    if not isinstance(records, list):
        raise ValidationError(
            "tracks", "expected a JSON array of track reports (or {'tracks': [...]})"
        )
    updates, stats = parse_json_batch(
        records, party=party, source=f"{party}/api", now_s=svc.clock.now()
    )
    if len(updates):
        runtime.ingest(updates, stats)
    return {
        "accepted": stats.accepted,
        "rejected": stats.n_rejected,
        "reasons": dict(stats.rejected),
    }


@router.post("/tracks", tags=["tracks"], summary="Feed a batch of the caller's party's tracks")
def post_tracks(request: Request, caller: Caller, raw: RecordsBody) -> dict[str, Any]:
    """Body: a JSON array of reports (see the JSON batch format), or ``{"tracks": [...]}``."""
    return ingest_batch(services(request), caller, raw)


@router.websocket("/tracks/stream")
async def tracks_stream(ws: WebSocket) -> None:
    """Each text frame is a batch; each is answered with its summary."""
    who = await ws_principal(ws)
    if who is None:
        return
    await ws.accept()
    svc = ws.app.state.services
    try:
        while True:
            text = await ws.receive_text()
            if not await ws_still_authenticated(ws):
                return
            try:
                body = json.loads(text)
                reply = await run_in_threadpool(ingest_batch, svc, who, body)
            except json.JSONDecodeError as e:
                reply = {"error": "invalid", "message": f"frame is not JSON: {e}"}
            except SkyaccordError as e:
                reply = e.to_dict()
            await ws.send_json(reply)
    except WebSocketDisconnect:
        pass


@router.get("/picture", tags=["tracks"], summary="Tracks and alerts the caller may see, now")
def picture(request: Request, caller: Caller) -> dict[str, Any]:
    party = caller.require_party()
    out: dict[str, Any] = _runtime(services(request)).picture(party)
    return out


@router.websocket("/picture/stream")
async def picture_stream(ws: WebSocket) -> None:
    """The caller's picture, pushed after every engine cycle."""
    who = await ws_principal(ws)
    if who is None:
        return
    svc = ws.app.state.services
    if who.party is None:
        await ws.close(code=1008, reason="the operator has no picture")
        return
    if svc.runtime is None:
        await ws.close(code=1011, reason="the live engine is not running")
        return
    await ws.accept()
    runtime = svc.runtime
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def on_cycle(_: Any) -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(wake.set)

    runtime.cycle_listeners.append(on_cycle)
    try:
        while True:
            wake.clear()
            picture = await run_in_threadpool(runtime.picture, who.party)
            if not await ws_still_authenticated(ws):  # after the read, as for the hotline
                return
            await ws.send_json(picture)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=5.0)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        with contextlib.suppress(ValueError):
            runtime.cycle_listeners.remove(on_cycle)
