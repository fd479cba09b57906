"""``skyaccord detect``: recorded traffic through the tactical engine, alerts as JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from skyaccord.airspace.build import airspace_from_geojson, country_airspace
from skyaccord.airspace.model import ProtectedAirspace
from skyaccord.cli.common import (
    err_console,
    exits_on_error,
    parse_duration,
    parse_length,
    read_document,
)
from skyaccord.engine import Engine, EngineConfig
from skyaccord.errors import ValidationError
from skyaccord.replay.runner import run
from skyaccord.tracks.sources import open_source
from skyaccord.tracks.updates import IngestStats, TrackUpdates


def load_tracks(
    paths: list[Path], fmt: str | None, party: str | None
) -> tuple[TrackUpdates, IngestStats]:
    """Every file through its reader; bad records are counted, never fatal."""
    parts, stats = [], IngestStats()
    for p in paths:
        if not p.exists():
            raise ValidationError("file", f"{p} does not exist")
        u, s = open_source(p, kind=fmt, party=party)  # type: ignore[arg-type]
        parts.append(u)
        stats = stats.merge(s)
    return TrackUpdates.concat(parts), stats


def load_airspace(
    geojson: list[str], countries: list[str], now: float = 0.0
) -> list[ProtectedAirspace]:
    """``--airspace FILE:party`` and ``--country CODE:party`` options → protected airspace."""
    out: list[ProtectedAirspace] = []
    for spec in geojson:
        path, _, owner = spec.rpartition(":")
        if not path or not owner:
            raise ValidationError("airspace", f"expected FILE:PARTY, got {spec}")
        out.extend(airspace_from_geojson(read_document(Path(path), "airspace"), owner, now=now))
    for spec in countries:
        code, _, owner = spec.partition(":")
        if not owner:
            raise ValidationError("country", f"expected CODE:PARTY, got {spec}")
        out.append(country_airspace(code, owner, now=now))
    return out


def command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Recorded tracks: SBS-1, raw Mode S/Beast, OpenSky CSV/Parquet, traffic JSON, JSON batches."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Alert events file (JSON lines; default stdout)."),
    ] = None,
    hmin: Annotated[str, typer.Option(help="Horizontal separation minimum.")] = "5NM",
    vmin: Annotated[str, typer.Option(help="Vertical separation minimum.")] = "1000ft",
    lookahead: Annotated[str, typer.Option(help="Look-ahead time.")] = "300s",
    step: Annotated[str, typer.Option(help="Cycle period on simulated time.")] = "1s",
    same_party: Annotated[
        bool, typer.Option(help="Also pairs of the same party (e.g. all 'unknown').")
    ] = False,
    airspace: Annotated[
        list[str] | None,
        typer.Option(help="Protected airspace GeoJSON as FILE:PARTY (repeatable)."),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(help="A country's airspace as CODE:PARTY, e.g. IL:israel (repeatable)."),
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Force the input format.")] = None,
    party: Annotated[str | None, typer.Option(help="Owning party of JSON batch files.")] = None,
) -> None:
    """Run recorded traffic through the engine on simulated time and write alert events.

    Each line: event (raised/updated/cleared), alert_id, kind (separation, infringement,
    nonconformance), time (RFC 3339), parties, tracks and the kind's figures (time_to_loss_s,
    tcpa_s, dcpa_m, vertical_m; time_to_entry_s, entry_point, depth_m, airspace_id).

    Example:

      skyaccord detect quickstart.json.gz --same-party --hmin 3NM -o alerts.jsonl
    """
    _run(
        files,
        out,
        hmin,
        vmin,
        lookahead,
        step,
        same_party,
        airspace or [],
        country or [],
        fmt,
        party,
    )


@exits_on_error
def _run(
    files: list[Path],
    out: Path | None,
    hmin: str,
    vmin: str,
    lookahead: str,
    step: str,
    same_party: bool,
    airspace: list[str],
    country: list[str],
    fmt: str | None,
    party: str | None,
) -> None:
    config = EngineConfig(
        hmin_m=parse_length(hmin, "hmin"),
        vmin_m=parse_length(vmin, "vmin"),
        lookahead_s=parse_duration(lookahead, "lookahead"),
        same_party=same_party,
    )
    step_s = parse_duration(step, "step")
    if not step_s > 0:
        raise ValidationError("step", "must be positive")
    updates, stats = load_tracks(files, fmt, party)
    err_console.print(
        f"read {stats.accepted} track updates"
        + (
            f", rejected {stats.n_rejected} ({', '.join(f'{k}: {v}' for k, v in stats.rejected.items())})"
            if stats.n_rejected
            else ""
        )
        + (
            f", skipped {stats.n_skipped} ({', '.join(f'{k}: {v}' for k, v in stats.skipped.items())})"
            if stats.n_skipped
            else ""
        ),
        highlight=False,
    )
    engine = Engine(config)
    areas = load_airspace(airspace, country)
    if areas:
        engine.set_airspace(areas)
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    counts = {"raised": 0, "updated": 0, "cleared": 0}
    try:
        with Progress(
            TextColumn("cycles"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=out is None,
        ) as bar:
            task = bar.add_task("detect", total=None)
            for result in run(
                engine,
                updates,
                step_s,
                on_cycle=lambda d, t: bar.update(task, completed=d, total=t),
            ):
                for e in result.events:
                    counts[e["event"]] += 1
                    sink.write(json.dumps(e, separators=(",", ":")) + "\n")
    finally:
        if out:
            sink.close()
    err_console.print(
        f"{counts['raised']} alerts raised, {counts['updated']} updates, {counts['cleared']} cleared"
        + (f"; written to {out}" if out else ""),
        highlight=False,
    )
