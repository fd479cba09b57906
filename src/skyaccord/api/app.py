"""The FastAPI application: error mapping, authentication, and the routers.

Errors: every :class:`~skyaccord.errors.SkyaccordError` maps to its HTTP status with
``{"error", "message", "error_id", ...details}``; request-shape errors become 422 with the
field path; anything unexpected is a 500 whose ``error_id`` matches the logged traceback.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from skyaccord import __version__
from skyaccord.clock import Clock, SystemClock
from skyaccord.errors import SkyaccordError
from skyaccord.geo.validate import Limits
from skyaccord.services.airspace import AirspaceService
from skyaccord.services.auth import AuthService
from skyaccord.services.intents import IntentService
from skyaccord.store import Store

log = logging.getLogger("skyaccord.api")


@dataclass
class Services:
    """Everything a request handler may use; one per application."""

    store: Store
    clock: Clock
    auth: AuthService
    intents: IntentService
    airspace: AirspaceService
    extra: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def build(store: Store, clock: Clock | None = None, limits: Limits | None = None) -> Services:
        clk = clock or SystemClock()
        return Services(
            store=store,
            clock=clk,
            auth=AuthService(store, clk),
            intents=IntentService(store, clk, limits),
            airspace=AirspaceService(store, clk),
        )


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def error_response(err: SkyaccordError) -> JSONResponse:
    body = {**err.to_dict(), "error_id": uuid.uuid4().hex[:12]}
    headers = {"WWW-Authenticate": "Bearer"} if err.http_status == 401 else None
    return JSONResponse(body, status_code=err.http_status, headers=headers)


def create_app(services: Services) -> FastAPI:
    """The API over ``services`` (the live server adds the hotline and the console)."""
    from skyaccord.api import routes

    app = FastAPI(
        title="skyaccord",
        version=__version__,
        description=(
            "Airspace deconfliction between independent parties. Authenticate with "
            "`Authorization: Bearer <token>` (tokens: `skyaccord party token`)."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services

    @app.exception_handler(SkyaccordError)
    async def _domain(_: Request, exc: SkyaccordError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _shape(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        fieldname = _field_of(tuple(first.get("loc", ("body",))))
        reason = str(first.get("msg", "invalid"))
        body = {
            "error": "invalid",
            "message": f"{fieldname}: {reason}",
            "field": fieldname,
            "reason": reason,
            "error_id": uuid.uuid4().hex[:12],
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http", "message": str(exc.detail), "error_id": uuid.uuid4().hex[:12]},
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        eid = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s", eid, exc_info=exc)
        return JSONResponse(
            {"error": "internal", "message": "internal error", "error_id": eid}, status_code=500
        )

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The store answers")
    def readyz() -> dict[str, str]:
        services.store.transact(lambda c: c.exec_driver_sql("SELECT 1").scalar(), write=False)
        return {"status": "ready"}

    app.include_router(routes.router)
    return app
