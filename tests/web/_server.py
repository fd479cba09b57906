"""A real skyaccord server in a thread, on a temporary SQLite store, for the browser tests.

The app is built as ``skyaccord serve`` builds it, plus :func:`skyaccord.web.mount_console`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from skyaccord.api import create_app
from skyaccord.api.app import Services
from skyaccord.services.auth import Role
from skyaccord.store import Store
from skyaccord.timefmt import format_time
from skyaccord.web import mount_console

PARTIES = {"israel": "Israel", "russia": "Russia"}
PRIVATE = {
    "russia": "patrol (private to Russia)",
    "israel": "training (private to Israel)",
}

GOLAN_BUFFER = {
    "type": "Feature",
    "properties": {
        "id": "golan-buffer",
        "name": "Golan buffer zone",
        "kind": "buffer",
        "altitude_lower": "0 m",
        "altitude_upper": "FL450",
    },
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [
                [35.80, 32.70],
                [35.95, 32.70],
                [36.00, 33.00],
                [35.90, 33.35],
                [35.75, 33.30],
                [35.80, 32.70],
            ]
        ],
    },
}
HMEIMIM = {
    "type": "Feature",
    "properties": {
        "id": "hmeimim-zone",
        "name": "Hmeimim air base zone",
        "kind": "restricted",
        "altitude_lower": "0 m",
        "altitude_upper": "FL200",
        "radius": {"value": 30, "units": "KM"},
    },
    "geometry": {"type": "Point", "coordinates": [35.948, 35.401]},
}
RU_PATROL = [[36.05, 32.90], [36.40, 32.90], [36.40, 33.30], [36.05, 33.30], [36.05, 32.90]]
# overlaps RU_PATROL between 36.05 and 36.15 E
IL_TRAINING = [[35.70, 32.95], [36.15, 32.95], [36.15, 33.20], [35.70, 33.20], [35.70, 32.95]]


@dataclass
class Seeded:
    services: Services
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)  # (party, role) -> token
    now: float = 0.0

    def token(self, party: str, role: str = "duty_officer") -> str:
        return self.tokens[(party, role)]


def seed(services: Services, *, country: bool = True, patrol: bool = True) -> Seeded:
    """Israel and Russia with a token per role, protected airspace and a Russian patrol."""
    s = Seeded(services, now=services.clock.now())
    for pid, name in PARTIES.items():
        services.auth.add_party(pid, name)
        for role in (Role.DUTY_OFFICER, Role.PLANNER, Role.ADMIN, Role.OBSERVER):
            _, s.tokens[(pid, role.value)] = services.auth.issue_token(pid, role, "browser test")
    if country:
        services.airspace.import_country("israel", "IL", airspace_id="israel-sovereign")
    services.airspace.import_geojson("israel", GOLAN_BUFFER)
    services.airspace.import_geojson("russia", HMEIMIM)
    if patrol:
        file_geojson(
            services,
            "russia",
            "ru-patrol-1",
            RU_PATROL,
            "FL150",
            "FL250",
            s.now + 1800,
            s.now + 7200,
            {"mission": PRIVATE["russia"], "callsign": "RFF1234"},
        )
    return s


def file_geojson(
    services: Services,
    party: str,
    intent_id: str,
    ring: list[list[float]],
    lower: str,
    upper: str,
    t0: float,
    t1: float,
    details: dict[str, Any],
    key: list[str] | None = None,
) -> Any:
    from skyaccord.intents.wire import filing_from_json

    body = {
        "geojson": feature(ring, lower, upper, t0, t1),
        "details": details,
        "key": key or [],
    }
    filing = filing_from_json(body, services.intents.limits).filing
    return services.intents.file(party, filing, intent_id)


def feature(
    ring: list[list[float]], lower: str, upper: str, t0: float, t1: float
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "altitude_lower": lower,
            "altitude_upper": upper,
            "time_start": format_time(t0),
            "time_end": format_time(t1),
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="websockets-sansio",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def attach_runtime(services: Services) -> bool:
    """Attach the real live engine as ``skyaccord serve`` does (the app's lifespan starts it);
    False when this version of the server has none."""
    try:
        from skyaccord.engine import EngineConfig
        from skyaccord.live import LiveRuntime
    except ImportError:
        return False
    config = EngineConfig(hmin_m=9260.0, vmin_m=304.8, lookahead_s=300.0)
    services.runtime = LiveRuntime(services, config, cycle_s=1.0)  # type: ignore[attr-defined]
    return True


def build_app(
    db: Path,
    *,
    extra: Callable[[FastAPI, Services], None] | None = None,
    live: bool = False,
    **seed_args: Any,
) -> tuple[FastAPI, Seeded]:
    store = Store(db)
    store.upgrade()
    services = Services.build(store)
    if live:
        attach_runtime(services)
    seeded = seed(services, **seed_args)
    app = create_app(services)
    if extra is not None:
        extra(app, services)
    mount_console(app)
    return app, seeded
