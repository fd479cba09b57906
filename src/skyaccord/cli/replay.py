"""``skyaccord replay``: recorded tracks and intents (or a scenario) through the whole server on
simulated time, written as a report for a joint review (HTML + JSON + alert events)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from skyaccord.cli.common import (
    err_console,
    exits_on_error,
    parse_duration,
    parse_length,
    read_document,
)
from skyaccord.cli.detect import load_airspace, load_tracks
from skyaccord.clock import ManualClock
from skyaccord.engine import EngineConfig
from skyaccord.errors import ValidationError
from skyaccord.replay.html import render
from skyaccord.replay.report import build_report
from skyaccord.replay.simulate import Playback, SimulationResult, simulate
from skyaccord.scenarios.seed import ScheduledFiling, file_scheduled
from skyaccord.store import Store
from skyaccord.timefmt import format_time
from skyaccord.tracks.updates import TrackUpdates


def _all_items(services: Any, parties: list[str]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for p in parties:
        for it in services.hotline.items(p, None, 100_000):
            seen[it["id"]] = it
    return sorted(seen.values(), key=lambda i: (i["created_at"], i["id"]))


def _all_notices(services: Any, parties: list[str]) -> list[dict[str, Any]]:
    from skyaccord.api.views import notice_json

    seen = {}
    for p in parties:
        for r in services.intents.notices(p):
            seen[r.id] = notice_json(r)
    return list(seen.values())


def run_replay(
    *,
    files: list[Path],
    scenario: str | None = None,
    countries: list[str] | None = None,
    airspace: list[str] | None = None,
    intents: list[str] | None = None,
    out_dir: Path,
    step_s: float = 1.0,
    auto_ack_s: float | None = None,
    config: EngineConfig | None = None,
    fmt: str | None = None,
    party: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Runs a replay and writes ``report.html``, ``report.json`` and ``alerts.jsonl``."""
    from skyaccord.live import LiveRuntime
    from skyaccord.services.container import Services

    out_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="skyaccord-replay-"))
    store = Store(workdir / "replay.db")
    store.upgrade()
    updates = load_tracks(files, fmt, party)[0] if files else TrackUpdates.empty()
    clock = ManualClock(float(updates.time_s.min()) if len(updates) else 0.0)
    meta: dict[str, Any] = {"inputs": ", ".join(p.name for p in files) or "-"}
    if scenario is not None:
        from skyaccord.replay.scenario_run import prepare
        from skyaccord.scenarios.loader import load

        sc = load(scenario)
        prepared = prepare(sc, store, clock, config=config)
        services = prepared.services
        playback = prepared.playback
        if len(updates):
            playback = Playback(TrackUpdates.concat([playback.updates, updates]), playback.filings)
        meta["scenario"] = sc.name
    else:
        services = Services.build(store, clock)
        services.runtime = LiveRuntime(services, config)
        areas = load_airspace(airspace or [], countries or [])
        filings = []
        for spec in intents or []:
            path, _, owner = spec.rpartition(":")
            if not path or not owner:
                raise ValidationError("intent", f"expected FILE:PARTY, got {spec}")
            filings.append(
                ScheduledFiling(clock.now(), owner, read_document(Path(path), "intent"), True)
            )
        owners = (
            {a.owner for a in areas}
            | {f.party for f in filings}
            | {str(p) for p in set(updates.party)}
        )
        for o in sorted(owners):
            services.auth.add_party(o, o)
        if areas:
            services.airspace.add(areas)
        playback = Playback(updates, filings)
    parties = [p.id for p in services.auth.parties()]
    acks = {p: auto_ack_s for p in parties} if auto_ack_s is not None else None
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not progress,
    ) as bar:
        task = bar.add_task("replay", total=None)
        result: SimulationResult = simulate(
            services,
            playback,
            file_scheduled,
            step_s=step_s,
            ack_delays=acks,
            on_cycle=lambda d, t: bar.update(task, completed=d, total=t),
        )
    span = playback.span
    meta.update(
        {
            "from": format_time(span[0]) if span else "-",
            "to": format_time(span[1]) if span else "-",
            "track updates": len(playback.updates),
            "cycles": result.cycles,
            "step": f"{step_s:g} s",
        }
    )
    report = build_report(
        result.events, _all_items(services, parties), _all_notices(services, parties), meta
    )
    if result.rejected_filings:
        report["rejected_filings"] = result.rejected_filings
    (out_dir / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    with (out_dir / "alerts.jsonl").open("w", encoding="utf-8") as f:
        for e in result.events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    title = f"skyaccord replay — {meta.get('scenario', meta['inputs'])}"
    page = render(report, playback.updates, services.airspace.list(), title)
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    services.store.dispose()
    return report


def command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Recorded tracks in any ingest format.")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option(help="A built-in scenario (or YAML file) to replay.")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="A country's airspace as CODE:PARTY (repeatable).")
    ] = None,
    airspace: Annotated[
        list[str] | None, typer.Option(help="Protected airspace GeoJSON as FILE:PARTY.")
    ] = None,
    intent: Annotated[
        list[str] | None,
        typer.Option(help="A filing as FILE:PARTY, filed at the start."),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Directory for report.html, report.json, alerts.jsonl."),
    ] = Path("replay-report"),
    step: Annotated[str, typer.Option(help="Cycle period on simulated time.")] = "1s",
    auto_ack: Annotated[
        str | None, typer.Option(help="Simulated duty officers acknowledge after this delay.")
    ] = None,
    hmin: Annotated[str, typer.Option(help="Horizontal separation minimum.")] = "5NM",
    vmin: Annotated[str, typer.Option(help="Vertical separation minimum.")] = "1000ft",
    lookahead: Annotated[str, typer.Option(help="Look-ahead time.")] = "300s",
    same_party: Annotated[bool, typer.Option(help="Also pairs of the same party.")] = False,
    fmt: Annotated[str | None, typer.Option("--format", help="Force the input format.")] = None,
    party: Annotated[str | None, typer.Option(help="Owning party of JSON batch files.")] = None,
) -> None:
    """Replay recorded traffic (or a scenario) through the engine and the hotline on simulated
    time, and write a report: a map of each encounter, a timeline of alerts, warning times (how
    long before each infringement or loss of separation the first alert fired) and
    acknowledgement delays, as HTML and JSON.

    Examples:

      skyaccord replay --scenario yayladagi-2015 --auto-ack 20s -o yayladagi/

      skyaccord replay elal747.json.gz --country IL:israel -o elal/
    """
    _command(
        files or [],
        scenario,
        country or [],
        airspace or [],
        intent or [],
        out,
        step,
        auto_ack,
        hmin,
        vmin,
        lookahead,
        same_party,
        fmt,
        party,
    )


@exits_on_error
def _command(
    files: list[Path],
    scenario: str | None,
    country: list[str],
    airspace: list[str],
    intent: list[str],
    out: Path,
    step: str,
    auto_ack: str | None,
    hmin: str,
    vmin: str,
    lookahead: str,
    same_party: bool,
    fmt: str | None,
    party: str | None,
) -> None:
    if not files and scenario is None:
        raise ValidationError("files", "give recorded track files, or --scenario")
    config = EngineConfig(
        hmin_m=parse_length(hmin, "hmin"),
        vmin_m=parse_length(vmin, "vmin"),
        lookahead_s=parse_duration(lookahead, "lookahead"),
        same_party=same_party,
    )
    report = run_replay(
        files=files,
        scenario=scenario,
        countries=country,
        airspace=airspace,
        intents=intent,
        out_dir=out,
        step_s=parse_duration(step, "step"),
        auto_ack_s=parse_duration(auto_ack, "auto_ack") if auto_ack else None,
        config=config,
        fmt=fmt,
        party=party,
    )
    s = report["summary"]
    err_console.print(
        f"{s['alerts']} alerts ({', '.join(f'{k}: {v}' for k, v in s['by_kind'].items()) or 'none'}), "
        f"{s['events_happened']} events happened, shortest warning "
        f"{'—' if s['min_warning_time_s'] is None else format(s['min_warning_time_s'], '.0f') + ' s'}, "
        f"{s['hotline_items']} hotline items, {s['notice_violations']} notice violations",
        highlight=False,
    )
    err_console.print(f"report: {out / 'report.html'}  facts: {out / 'report.json'}")
