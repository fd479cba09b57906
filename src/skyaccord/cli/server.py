"""``skyaccord serve``, ``skyaccord demo`` and ``skyaccord db``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from skyaccord.cli.common import DEFAULT_DB as _DB
from skyaccord.cli.common import (
    DbOption,
    console,
    exits_on_error,
    open_store,
    parse_duration,
    parse_length,
)
from skyaccord.errors import ValidationError

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="TCP port to listen on.")]


def _run(app: object, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")  # type: ignore[arg-type]


def build_live(
    db: str,
    *,
    cycle: str = "1s",
    hmin: str = "5NM",
    vmin: str = "1000ft",
    lookahead: str = "300s",
    sbs: list[str] | None = None,
    clock: Any = None,
) -> Any:
    """Services with the live engine attached (not yet started: the app's lifespan starts it)."""
    from skyaccord.api.app import Services
    from skyaccord.engine import EngineConfig
    from skyaccord.live import LiveRuntime

    services = Services.build(open_store(db), clock)
    config = EngineConfig(
        hmin_m=parse_length(hmin, "hmin"),
        vmin_m=parse_length(vmin, "vmin"),
        lookahead_s=parse_duration(lookahead, "lookahead"),
    )
    services.runtime = LiveRuntime(services, config, cycle_s=parse_duration(cycle, "cycle"))
    if sbs:
        from skyaccord.live_feeds import sbs_feeds

        services.runtime.background.extend(
            sbs_feeds(services.runtime, [_parse_hostport(x) for x in sbs])
        )
    return services


def _parse_hostport(spec: str) -> tuple[str, int]:
    host, _, port = spec.rpartition(":")
    if not host or not port.isdigit():
        raise ValidationError("sbs", f"expected HOST:PORT, got {spec!r}")
    return host, int(port)


def make_app(services: Any) -> Any:
    """The API plus the console and any live TCP feeds of ``services.runtime``."""
    from skyaccord.api import create_app

    app = create_app(services)
    try:
        from skyaccord.web import mount_console
    except ImportError:  # pragma: no cover - the console is optional
        pass
    else:
        mount_console(app)
    return app


def register(root: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
    root.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    @exits_on_error
    def upgrade(db: DbOption = _DB) -> None:
        """Create the schema or migrate it to the newest version (Alembic).

        Example: skyaccord db upgrade --db postgresql://skyaccord@localhost/skyaccord
        """
        from skyaccord.store.migrate import current_revision

        store = open_store(db)
        console.print(f"schema at revision {current_revision(store)}")

    @root.command("serve")
    @exits_on_error
    def serve(
        db: DbOption = _DB,
        host: HostOption = "127.0.0.1",
        port: PortOption = 8000,
        cycle: Annotated[str, typer.Option(help="Engine cycle period.")] = "1s",
        hmin: Annotated[str, typer.Option(help="Horizontal separation minimum.")] = "5NM",
        vmin: Annotated[str, typer.Option(help="Vertical separation minimum.")] = "1000ft",
        lookahead: Annotated[str, typer.Option(help="Look-ahead of predictions.")] = "300s",
        sbs: Annotated[
            list[str] | None,
            typer.Option(help="SBS-1 feed to read, HOST:PORT (dump1090: port 30003); repeatable."),
        ] = None,
        log_format: Annotated[str, typer.Option(help="Log lines as 'text' or 'json'.")] = "text",
    ) -> None:
        """Run the server: HTTP API, hotline, console at /, and the engine fed by live tracks.

        Tracks arrive over POST /v1/tracks, the WebSocket /v1/tracks/stream, and any --sbs feed.
        OpenAPI at /openapi.json, Prometheus metrics at /metrics.

        Example: skyaccord serve --db skyaccord.db --port 8000 --sbs localhost:30003
        """
        from skyaccord.logs import configure

        configure(log_format)
        services = build_live(
            db, cycle=cycle, hmin=hmin, vmin=vmin, lookahead=lookahead, sbs=sbs or []
        )
        console.print(f"skyaccord serving on http://{host}:{port}  (OpenAPI: /openapi.json)")
        _run(make_app(services), host, port)

    @root.command("demo")
    @exits_on_error
    def demo(
        db: Annotated[
            str, typer.Option("--db", help="Demo database file (recreated).")
        ] = "skyaccord-demo.db",
        scenario: Annotated[
            str, typer.Option(help="Built-in scenario name or a YAML file.")
        ] = "example",
        host: HostOption = "127.0.0.1",
        port: PortOption = 8000,
        no_serve: Annotated[
            bool, typer.Option("--no-serve", help="Seed and print, then exit.")
        ] = False,
    ) -> None:
        """Start a server on a fresh embedded store seeded with an example and show how to use it.

        Example: skyaccord demo --port 8000
        """
        from skyaccord.api import create_app
        from skyaccord.api.app import Services
        from skyaccord.scenarios.loader import load
        from skyaccord.scenarios.seed import seed

        path = Path(db)
        if "://" not in db:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        services = Services.build(open_store(db))
        sc = load(scenario)
        now = services.clock.now()
        seeded = seed(sc, services.auth, services.airspace, services.intents, sc.epoch or now, now)
        base = f"http://{host}:{port}"
        console.print(f"[bold]skyaccord demo[/] — {sc.name}")
        console.print(f"store: {services.store.url}")
        for r in seeded.filed:
            console.print(
                f"  {r.intent.owner} filed {r.intent.id}: {len(r.conflicts)} conflict(s), "
                f"{len(r.notice_violations)} notice violation(s)"
            )
        console.print(f"\nAPI: {base}/v1   OpenAPI: {base}/openapi.json")
        for party, token in seeded.tokens.items():
            console.print(f"  {party:10} token: {token}", highlight=False)
        first = next(iter(seeded.tokens.items()), None)
        if first:
            typer.echo(f"\nTry:\n  curl -H 'Authorization: Bearer {first[1]}' {base}/v1/conflicts")
        if no_serve:
            return
        os.environ.setdefault("SKYACCORD_DB", db)
        _run(create_app(services), host, port)
