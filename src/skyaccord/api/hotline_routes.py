"""``/v1/hotline``: items, acknowledgements, threads, messages, and the resumable stream;
plus the party settings that govern delivery (webhook, track sharing, tokens)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from skyaccord.api.routes import Caller, services
from skyaccord.errors import AuthenticationError, PermissionDenied, SkyaccordError
from skyaccord.services.auth import Principal, Role
from skyaccord.services.sharing import DEFAULT_NEAR_M

router = APIRouter(prefix="/v1")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class AckIn(_Body):
    signature: str | None = Field(None, max_length=200, description="base64 Ed25519 signature")
    key_id: str | None = Field(None, max_length=64)


class MessageIn(_Body):
    text: str = Field(min_length=1, max_length=4000)


class SendIn(_Body):
    to: list[str] = Field(min_length=1, max_length=50)
    text: str = Field(min_length=1, max_length=4000)
    emergency: bool = False


class WebhookIn(_Body):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    secret: str | None = Field(None, min_length=16, max_length=128)


class SharingIn(_Body):
    viewer: str
    mode: Literal["all", "near", "none"]
    near_m: float = Field(DEFAULT_NEAR_M, ge=0, le=5_000_000, description="'near' radius, m")


class TokenIn(_Body):
    role: Literal["admin", "planner", "duty_officer", "observer"]
    label: str = Field("", max_length=200)
    ttl_s: float | None = Field(None, gt=0, le=366 * 86400)


def _hotline(request: Request) -> Any:
    return services(request).hotline


@router.get("/hotline/items", tags=["hotline"], summary="Items addressed to the caller's party")
def list_items(
    request: Request,
    caller: Caller,
    state: Literal["open", "acknowledged", "cleared"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = _hotline(request).items(caller.require_party(), state, limit)
    return out


@router.get("/hotline/items/{item_id}", tags=["hotline"])
def get_item(request: Request, caller: Caller, item_id: str) -> dict[str, Any]:
    out: dict[str, Any] = _hotline(request).item(caller.require_party(), item_id)
    return out


@router.post(
    "/hotline/items/{item_id}/ack", tags=["hotline"], summary="Acknowledge (optionally signed)"
)
def ack_item(request: Request, caller: Caller, item_id: str, body: AckIn) -> dict[str, Any]:
    out: dict[str, Any] = _hotline(request).ack(caller, item_id, body.signature, body.key_id)
    return out


@router.post("/hotline/items/{item_id}/messages", tags=["hotline"], status_code=201)
def post_message(request: Request, caller: Caller, item_id: str, body: MessageIn) -> dict[str, Any]:
    out: dict[str, Any] = _hotline(request).post_message(caller, item_id, body.text)
    return out


@router.post(
    "/hotline/messages", tags=["hotline"], status_code=201, summary="A message or an emergency"
)
def send_message(request: Request, caller: Caller, body: SendIn) -> dict[str, Any]:
    svc = services(request)
    for p in body.to:
        svc.auth.party(p)
    out: dict[str, Any] = _hotline(request).send(caller, body.to, body.text, body.emergency)
    return out


def _token_of(ws: WebSocket) -> str | None:
    token = ws.query_params.get("access_token")
    if token:
        return token
    auth = ws.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


async def ws_principal(ws: WebSocket) -> Principal | None:
    """Authenticates a WebSocket before accepting it; closes it with 1008 on failure."""
    try:
        p: Principal = await run_in_threadpool(
            ws.app.state.services.auth.authenticate, _token_of(ws)
        )
    except SkyaccordError as e:
        await ws.close(code=1008, reason=e.message[:120])
        return None
    return p


async def ws_still_authenticated(ws: WebSocket) -> bool:
    """Checks the token of an open WebSocket again (it may have been revoked, or have expired,
    since the connection opened); closes the socket with 1008 when it no longer authenticates."""
    try:
        await run_in_threadpool(ws.app.state.services.auth.authenticate, _token_of(ws))
    except AuthenticationError as e:
        with contextlib.suppress(RuntimeError):  # already closed
            await ws.close(code=1008, reason=e.message[:120])
        return False
    return True


@router.websocket("/hotline/stream")
async def hotline_stream(ws: WebSocket) -> None:
    """Feed entries after ``?cursor=`` then live ones; clients may send acks on the socket."""
    who = await ws_principal(ws)
    if who is None:
        return
    if who.party is None:
        await ws.close(code=1008, reason="the operator has no hotline")
        return
    party = who.party
    hot = ws.app.state.services.hotline
    try:
        cursor = int(ws.query_params.get("cursor", "0"))
    except ValueError:
        cursor = -1
    if not 0 <= cursor < 2**63:
        await ws.close(code=1008, reason="cursor must be an integer in [0, 2^63)")
        return
    await ws.accept()
    wake = hot.notifier.register()

    async def receive() -> None:
        while True:
            try:
                msg = await ws.receive_json()
            except (json.JSONDecodeError, KeyError) as e:  # not JSON, or a binary frame
                await ws.send_json({"event": "error", "error": "invalid", "message": str(e)})
                continue
            if isinstance(msg, dict) and msg.get("type") == "ack":
                if not await ws_still_authenticated(ws):
                    return
                try:
                    await run_in_threadpool(
                        hot.ack,
                        who,
                        str(msg.get("item_id")),
                        msg.get("signature"),
                        msg.get("key_id"),
                    )
                except SkyaccordError as e:
                    await ws.send_json({"event": "error", **e.to_dict()})

    reader = asyncio.create_task(receive())
    try:
        while not reader.done():
            wake.clear()
            entries = await run_in_threadpool(hot.feed, party, cursor)
            # checked after the read: a token revoked before an entry was written sees none of it
            if not await ws_still_authenticated(ws):
                break
            for e in entries:
                await ws.send_json(e)
                cursor = e["seq"]
            if entries:
                await run_in_threadpool(
                    hot.delivered, party, sorted({e["item"]["id"] for e in entries})
                )
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=2.0)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hot.notifier.unregister(wake)
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader


# -- party settings ---------------------------------------------------------------------------


@router.put("/webhook", tags=["delivery"], summary="Deliver the caller's feed to a URL (admin)")
def set_webhook(request: Request, caller: Caller, body: WebhookIn) -> dict[str, Any]:
    party = caller.require(frozenset({Role.ADMIN}), "configure webhooks")
    out: dict[str, Any] = services(request).delivery.set_webhook(party, body.url, body.secret)
    return out


@router.delete("/webhook", tags=["delivery"], status_code=204)
def delete_webhook(request: Request, caller: Caller) -> None:
    party = caller.require(frozenset({Role.ADMIN}), "configure webhooks")
    services(request).delivery.delete_webhook(party)


@router.put("/sharing", tags=["delivery"], summary="How much of the caller's tracks a party sees")
def set_sharing(request: Request, caller: Caller, body: SharingIn) -> dict[str, Any]:
    party = caller.require(frozenset({Role.ADMIN}), "set sharing policies")
    svc = services(request)
    svc.auth.party(body.viewer)
    svc.sharing.set(party, body.viewer, body.mode, body.near_m)
    return {"owner": party, **body.model_dump()}


@router.post(
    "/tokens", tags=["parties"], status_code=201, summary="Issue a token for the own party (admin)"
)
def issue_token(request: Request, caller: Caller, body: TokenIn) -> dict[str, Any]:
    party = caller.require(frozenset({Role.ADMIN}), "issue tokens")
    tid, secret = services(request).auth.issue_token(party, body.role, body.label, body.ttl_s)
    return {"token_id": tid, "token": secret, "party": party, "role": body.role}


@router.post(
    "/tokens/rotate", tags=["parties"], status_code=201, summary="Replace the caller's token"
)
def rotate_token(request: Request, caller: Caller) -> dict[str, Any]:
    """Issues a new token with the same party, role and remaining lifetime, and revokes the one
    used for this call."""
    tid, secret = services(request).auth.rotate(caller.token_id)
    return {"token_id": tid, "token": secret, "party": caller.party, "role": caller.role.value}


@router.delete("/tokens/{token_id}", tags=["parties"], status_code=204)
def revoke_token(request: Request, caller: Caller, token_id: str) -> None:
    """An admin revokes a token of its own party; the operator any token."""
    auth = services(request).auth
    if caller.role is not Role.OPERATOR:
        party = caller.require(frozenset({Role.ADMIN}), "revoke tokens")
        if token_id not in {t.id for t in auth.tokens(party)}:
            raise PermissionDenied(f"token {token_id!r} is not one of {party}'s")
    auth.revoke(token_id)
