"""``skyaccord serve``, ``skyaccord demo`` and ``skyaccord db``."""

from __future__ import annotations

import time as _time
from dataclasses import replace
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
from skyaccord.timefmt import format_time

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
    links: list[str] | None = None,
    clock: Any = None,
) -> Any:
    """Services with the live engine attached (not yet started: the app's lifespan starts it).

    ``links`` (``"A,B"`` each) restrict free messages to those pairs of parties."""
    from skyaccord.engine import EngineConfig
    from skyaccord.live import LiveRuntime
    from skyaccord.services.container import Services

    services = Services.build(open_store(db), clock)
    if links:
        from skyaccord.scenarios.settings import party_pair

        known = {p.id for p in services.auth.parties()}
        pairs = (party_pair([n.strip() for n in x.split(",")], "link", known) for x in links)
        services.hotline.policy = replace(
            services.hotline.policy, links=frozenset(frozenset(p) for p in pairs)
        )
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
        link: Annotated[
            list[str] | None,
            typer.Option(
                help="Two parties whose duty officers may send each other free messages, A,B; "
                "repeatable (default: every pair). Alerts, filing notices and emergency "
                "messages reach every party concerned regardless."
            ),
        ] = None,
        log_format: Annotated[str, typer.Option(help="Log lines as 'text' or 'json'.")] = "text",
    ) -> None:
        """Run the server: HTTP API, hotline, console at /, and the engine fed by live tracks.

        Tracks arrive over POST /v1/tracks, the WebSocket /v1/tracks/stream, and any --sbs feed.
        OpenAPI at /openapi.json, Prometheus metrics at /metrics.

        Examples:

          skyaccord serve --db skyaccord.db --port 8000 --sbs localhost:30003

          skyaccord serve --link israel,russia --link russia,turkey
        """
        from skyaccord.logs import configure

        configure(log_format)
        services = build_live(
            db,
            cycle=cycle,
            hmin=hmin,
            vmin=vmin,
            lookahead=lookahead,
            sbs=sbs or [],
            links=link or [],
        )
        console.print(f"skyaccord serving on http://{host}:{port}  (OpenAPI: /openapi.json)")
        _run(make_app(services), host, port)

    @root.command("demo")
    @exits_on_error
    def demo(
        scenario: Annotated[
            str,
            typer.Option(
                help="Built-in scenario (yayladagi-2015, golan-2015, latakia-2018, example) or a YAML file."
            ),
        ] = "yayladagi-2015",
        speed: Annotated[
            float, typer.Option(help="Scenario time per real second (1 = real time).")
        ] = 1.0,
        start: Annotated[
            str, typer.Option(help="Skip this much of the scenario's start, e.g. '20min'.")
        ] = "0s",
        headless: Annotated[
            bool,
            typer.Option("--headless", help="Print the hotline in the terminal; exit at the end."),
        ] = False,
        db: Annotated[
            str, typer.Option("--db", help="Demo database file (recreated).")
        ] = "skyaccord-demo.db",
        host: HostOption = "127.0.0.1",
        port: PortOption = 8000,
    ) -> None:
        """Play a scenario on a fresh embedded store: its parties, borders and operations, its
        traffic in real time (or --speed × faster) through the engine and the hotline, with the
        console at / and each duty officer's sign-in link printed.

        Examples:

          skyaccord demo                                   # Yayladağı, 24 Nov 2015, real time

          skyaccord demo --scenario latakia-2018 --speed 10

          skyaccord demo --headless --speed 20 --start 20min
        """
        from skyaccord.replay.scenario_run import prepare
        from skyaccord.replay.simulate import LivePlayer, ScaledClock
        from skyaccord.scenarios.loader import load
        from skyaccord.scenarios.seed import file_scheduled

        if not speed > 0:
            raise ValidationError("speed", "must be positive")
        sc = load(scenario)
        if "://" not in db:
            for suffix in ("", "-wal", "-shm"):
                Path(db + suffix).unlink(missing_ok=True)
        store = open_store(db)
        base = sc.epoch if sc.epoch is not None else _time.time()
        clock = ScaledClock(base, speed)
        p = prepare(sc, store, clock, base=base, cycle_s=1.0 / speed)
        span = p.playback.span
        # Start the scenario clock just before its first event (plus --start).
        clock.restart((span[0] if span else base) + parse_duration(start, "start") - 5.0)
        player = LivePlayer(
            p.services, p.playback, file_scheduled, clock, tick_s=min(0.2, 0.5 / speed)
        )
        end = p.playback.span[1] if p.playback.span else clock.now()
        console.print(f"[bold]skyaccord demo[/] — {sc.name}  ({speed:g}× real time)")
        console.print(f"store: {store.url}")
        console.print(
            f"scenario clock starts at {format_time(clock.now())}, ends at {format_time(end)}"
        )
        if headless:
            _headless(p, player, end)
            return
        base_url = f"http://{host}:{port}"
        console.print(
            f"\nconsole: {base_url}/   API: {base_url}/v1   OpenAPI: {base_url}/openapi.json"
        )
        for party, token in p.tokens.items():
            typer.echo(f"  {party:10} duty officer: {base_url}/#token={token}")
        player.start()
        _run(make_app(p.services), host, port)
        player.stop()


def _headless(p: Any, player: Any, end: float) -> None:
    """Runs the scenario without a web server, printing each hotline event as it happens."""
    services = p.services
    runtime = services.runtime
    cursors = dict.fromkeys(p.tokens, 0)
    runtime.start()
    player.start()
    try:
        while True:
            batch = []
            for party in cursors:
                for e in services.hotline.feed(party, cursors[party]):
                    cursors[party] = e["seq"]
                    batch.append((e["time"], party, e))
            for when, party, e in sorted(batch, key=lambda x: (x[0], x[1])):
                it = e["item"]
                typer.echo(
                    f"{when}  {party:>10} ← {e['event']:<14} [{it['severity']}] {it['title']}"
                )
                if e["event"] == "item.created":
                    services.hotline.delivered(party, [it["id"]])
            if player.finished.is_set() and services.clock.now() > end + 30.0:
                break
            _time.sleep(0.1)
    finally:
        player.stop()
        runtime.stop()
    items = {i["id"]: i for party in cursors for i in services.hotline.items(party, None, 10_000)}
    console.print(f"end of scenario: {len(items)} hotline items")
