"""``skyaccord intent``: file, list and end operational intents from files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from skyaccord.api.views import filing_json, intent_json
from skyaccord.cli.common import DEFAULT_DB as _DB
from skyaccord.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    exits_on_error,
    open_store,
    print_json,
    read_document,
)
from skyaccord.errors import MissingKeys, ValidationError
from skyaccord.intents.model import State
from skyaccord.intents.wire import filing_from_json
from skyaccord.services.intents import IntentService
from skyaccord.timefmt import format_time

app = typer.Typer(help="Operational intents: planned 4D operations.", no_args_is_help=True)

PartyOption = Annotated[str, typer.Option("--party", help="The party filing (its planner).")]


@app.command("file")
@exits_on_error
def file(
    path: Annotated[Path, typer.Argument(help="Filing as GeoJSON, JSON or YAML.")],
    party: PartyOption,
    key: Annotated[
        list[str] | None, typer.Option("--key", help="OVN of an overlapping intent (repeatable).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check only; store nothing.")] = False,
    db: DbOption = _DB,
    as_json: JsonOption = False,
) -> None:
    """File an operational intent (or modify one: give 'id' and 'version' in the file).

    The filing is checked against every other party's intents and protected airspace. If it
    overlaps an intent whose current OVN you did not give with --key, it is refused (exit 5)
    with the list of what is missing; otherwise every conflict is listed.

    Example (YAML):

      id: iaf-0917
      geojson: {type: Feature, properties: {altitude_lower: FL150, altitude_upper: FL300,
        time_start: "2030-09-17T18:40:00Z", time_end: "2030-09-17T19:30:00Z"},
        geometry: {type: Polygon, coordinates: [[[35.2,35.3],[35.6,35.3],[35.6,35.6],[35.2,35.3]]]}}

      skyaccord intent file op.yaml --party israel --key <ovn>
    """
    svc = IntentService(open_store(db))
    req = filing_from_json(read_document(path), svc.limits)
    filing = req.filing
    if key:
        filing = type(filing)(
            filing.volumes, filing.key | set(key), filing.state, filing.priority, filing.details
        )
    try:
        if req.version is not None:
            if req.intent_id is None:
                raise ValidationError("id", "a modification needs the intent's id with its version")
            result = svc.modify(party, req.intent_id, req.version, filing, dry_run=dry_run)
        else:
            result = svc.file(party, filing, req.intent_id, dry_run=dry_run)
    except MissingKeys as e:
        if as_json:
            print_json(e.to_dict())
        else:
            _print_missing(e)
        raise typer.Exit(e.exit_code) from None
    if as_json:
        print_json(filing_json(result))
        return
    it = result.intent
    verb = "checked (dry run)" if dry_run else "filed"
    console.print(
        f"{verb} intent [bold]{it.id}[/] version {it.version} ({it.state.value}), OVN {it.ovn}"
    )
    if not result.conflicts:
        console.print("no conflicts")
    for c in result.conflicts:
        for o in c.overlaps:
            console.print(
                f"[yellow]conflict[/] with {c.kind} [bold]{c.other_id}[/] of {c.other_owner}: "
                f"{o.area_m2 / 1e6:.3f} km², {o.alt_lower_m:.0f}–{o.alt_upper_m:.0f} m, "
                f"{format_time(o.t_start)} – {format_time(o.t_end)}"
            )
    for n in result.notice_violations:
        console.print(
            f"[red]notice violation[/]: {n.to_party} is owed {n.required_s:g} s of notice, "
            f"got {n.notice_s:.0f} s (filed {format_time(n.filed_at)}, starts {format_time(n.start_at)})"
        )


def _print_missing(e: MissingKeys) -> None:
    err_console.print(f"[bold red]refused[/] (409 {e.code}): {e.message}", highlight=False)
    t = Table(
        "id", "owner", "ovn", "overlap km²", "band (m)", "window", title="present with --key OVN"
    )
    for m in e.missing:
        for o in m["conflict"]["overlaps"]:
            t.add_row(
                m["id"],
                m["owner"],
                m["ovn"],
                f"{o['area_m2'] / 1e6:.3f}",
                f"{o['altitude_lower']['value']:.0f}–{o['altitude_upper']['value']:.0f}",
                f"{o['time_start']} – {o['time_end']}",
            )
    err_console.print(t)
    # Tables shorten long cells to fit the terminal; the OVNs must come out whole.
    keys = " ".join(f"--key {m['ovn']}" for m in e.missing)
    err_console.print(f"file again with: {keys}", soft_wrap=True, highlight=False, markup=False)


@app.command("list")
@exits_on_error
def list_(
    party: PartyOption,
    state: Annotated[
        list[State] | None, typer.Option(help="Only these states (repeatable).")
    ] = None,
    db: DbOption = _DB,
    as_json: JsonOption = False,
) -> None:
    """List a party's own intents.

    Example: skyaccord intent list --party israel --state Accepted --state Activated
    """
    items = IntentService(open_store(db)).list_own(party, state)
    if as_json:
        print_json([intent_json(i) for i in items])
        return
    t = Table("id", "state", "version", "start", "end", "volumes", "ovn")
    for i in items:
        t.add_row(
            i.id,
            i.state.value,
            str(i.version),
            format_time(i.t_start),
            format_time(i.t_end),
            str(len(i.volumes)),
            i.ovn,
        )
    console.print(t)


@app.command("end")
@exits_on_error
def end(
    intent_id: Annotated[str, typer.Argument(help="The intent to end.")],
    party: PartyOption,
    cancel: Annotated[bool, typer.Option(help="Record it as cancelled rather than ended.")] = False,
    db: DbOption = _DB,
) -> None:
    """End (or cancel) an own intent; it stops taking part in conflict checks.

    Example: skyaccord intent end iaf-0917 --party israel
    """
    svc = IntentService(open_store(db))
    current = svc.get(party, intent_id)
    it = svc.set_state(
        party, intent_id, current.version, State.ENDED, "cancelled" if cancel else "ended"
    )
    console.print(f"intent {it.id} {it.ended_reason} (version {it.version})")


@app.command("activate")
@exits_on_error
def activate(
    intent_id: Annotated[str, typer.Argument()], party: PartyOption, db: DbOption = _DB
) -> None:
    """Mark an own Accepted intent as Activated (the operation has begun).

    Example: skyaccord intent activate iaf-0917 --party israel
    """
    svc = IntentService(open_store(db))
    current = svc.get(party, intent_id)
    it = svc.set_state(party, intent_id, current.version, State.ACTIVATED)
    console.print(f"intent {it.id} activated (version {it.version})")
