"""The FastAPI application: error mapping, authentication, and the routers.

Errors: every :class:`~skyaccord.errors.SkyaccordError` maps to its HTTP status with
``{"error", "message", "error_id", ...details}``; request-shape errors become 422 with the
field path; anything unexpected is a 500 whose ``error_id`` matches the logged traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from skyaccord import __version__
from skyaccord.errors import RateLimited, SkyaccordError, Unavailable
from skyaccord.services.container import Services

log = logging.getLogger("skyaccord.api")


def _union_tags() -> frozenset[str]:
    """Names pydantic puts into an error's location for the member of a union that failed
    (``altitude_upper.Altitude.reference``); they are not fields of the input."""
    from pydantic import BaseModel

    from skyaccord.api import schemas

    models = {
        name
        for name, obj in vars(schemas).items()
        if isinstance(obj, type) and issubclass(obj, BaseModel)
    }
    return frozenset(models | {"str", "int", "float", "bool", "none"})


_UNION_TAGS = _union_tags()


def _field_of(loc: tuple[Any, ...], kind: str = "") -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    # A union member's tag is no field, except as the last part of an unknown-key error.
    parts = [
        p
        for i, p in enumerate(parts)
        if p not in _UNION_TAGS or (kind == "extra_forbidden" and i == len(parts) - 1)
    ]
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
    from skyaccord.api import hotline_routes, live_routes, routes

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if services.runtime is not None:
            services.runtime.start()
            tasks = [asyncio.create_task(f()) for f in services.runtime.background]
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(BaseException):
                    await t
            if services.runtime is not None:
                services.runtime.stop()

    app = FastAPI(
        lifespan=lifespan,
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

    @app.middleware("http")
    async def _limit_and_count(request: Request, call_next: Any) -> Any:
        auth = request.headers.get("authorization", "")
        key = (
            hashlib.sha256(auth.encode()).hexdigest()
            if auth
            else (request.client.host if request.client else "-")
        )
        if not services.limiter.allow(key, time.monotonic()):
            services.metrics.http_requests.labels(status="429").inc()
            return error_response(RateLimited("too many requests; slow down and retry"))
        response = await call_next(request)
        services.metrics.http_requests.labels(status=str(response.status_code)).inc()
        return response

    @app.exception_handler(SkyaccordError)
    async def _domain(_: Request, exc: SkyaccordError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _shape(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        reason = str(first.get("msg", "invalid"))
        if first.get("type") == "json_invalid":  # loc holds the character position
            fieldname = "body"
            ctx = first.get("ctx")
            detail = ctx.get("error") if isinstance(ctx, dict) else None
            reason = f"{reason}: {detail}" if detail else reason
        else:
            fieldname = _field_of(tuple(first.get("loc", ("body",))), str(first.get("type", "")))
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

    @app.get("/readyz", tags=["operations"], summary="The store answers and the engine cycles")
    def readyz() -> dict[str, str]:
        services.store.transact(lambda c: c.exec_driver_sql("SELECT 1").scalar(), write=False)
        stalled = services.runtime.stalled_s() if services.runtime is not None else None
        if stalled is not None:
            raise Unavailable(f"the engine has not completed a cycle for {stalled:.0f} s")
        return {"status": "ready"}

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    def metrics() -> Response:
        return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(routes.router)
    app.include_router(hotline_routes.router)
    app.include_router(live_routes.router)
    return app
