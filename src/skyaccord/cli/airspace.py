"""``skyaccord airspace``: import and list protected airspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from skyaccord.airspace.borders import available_sources
from skyaccord.cli.common import DEFAULT_DB as _DB
from skyaccord.cli.common import (
    DbOption,
    JsonOption,
    console,
    exits_on_error,
    open_store,
    print_json,
    read_document,
)
from skyaccord.errors import ValidationError
from skyaccord.services.airspace import AirspaceService

app = typer.Typer(
    help="Protected airspace: borders, buffer zones, restricted areas.", no_args_is_help=True
)


@app.command("import")
@exits_on_error
def import_(
    owner: Annotated[str, typer.Option("--owner", help="The party that protects this airspace.")],
    file: Annotated[Path | None, typer.Argument(help="GeoJSON Feature(Collection) file.")] = None,
    country: Annotated[
        str | None, typer.Option(help="ISO code (TR, TUR or 792) of a country's borders.")
    ] = None,
    source: Annotated[
        str, typer.Option(help="Border data: auto, dcw, ne10m, ne50m, ne110m.")
    ] = "auto",
    airspace_id: Annotated[
        str | None, typer.Option("--id", help="Id for a country import.")
    ] = None,
    lower: Annotated[str, typer.Option(help="Lower altitude of a country import.")] = "0 m",
    upper: Annotated[str, typer.Option(help="Upper altitude of a country import.")] = "FL660",
    replace: Annotated[bool, typer.Option(help="Replace airspace with the same id.")] = False,
    db: DbOption = _DB,
) -> None:
    """Import protected airspace from GeoJSON or from installed country-border data.

    GeoJSON features need properties 'id' and 'name'; optional 'kind' (sovereign, buffer,
    restricted, reservation), 'altitude_lower'/'altitude_upper' (e.g. "FL190") and
    'time_start'/'time_end' (RFC 3339; default permanent).

    Examples:

      skyaccord airspace import --owner turkey --country TR --source dcw

      skyaccord airspace import --owner israel golan-buffer.geojson
    """
    svc = AirspaceService(open_store(db))
    if (file is None) == (country is None):
        raise ValidationError("file", "give a GeoJSON FILE or --country, not both")
    if country is not None:
        a = svc.import_country(
            owner,
            country,
            source=source,
            airspace_id=airspace_id,
            altitude_lower=lower,
            altitude_upper=upper,
            replace=replace,
        )
        console.print(f"imported [bold]{a.id}[/]: {a.name}, {len(a.volumes)} volume(s)")
        return
    assert file is not None
    added = svc.import_geojson(owner, read_document(file), replace=replace)
    for a in added:
        console.print(
            f"imported [bold]{a.id}[/] ({a.kind.value}): {a.name}, {len(a.volumes)} volume(s)"
        )


@app.command("list")
@exits_on_error
def list_(
    owner: Annotated[str | None, typer.Option(help="Only this party's airspace.")] = None,
    db: DbOption = _DB,
    as_json: JsonOption = False,
) -> None:
    """List protected airspace.

    Example: skyaccord airspace list --owner turkey
    """
    items = AirspaceService(open_store(db)).list(owner)
    if as_json:
        print_json(
            [
                {
                    "id": a.id,
                    "owner": a.owner,
                    "kind": a.kind.value,
                    "name": a.name,
                    "volumes": len(a.volumes),
                }
                for a in items
            ]
        )
        return
    t = Table("id", "owner", "kind", "name", "volumes", "source")
    for a in items:
        t.add_row(a.id, a.owner, a.kind.value, a.name, str(len(a.volumes)), a.source)
    console.print(t)


@app.command("sources")
def sources() -> None:
    """Show which country-border data sets are installed.

    Example: skyaccord airspace sources
    """
    found = available_sources()
    for s in ("dcw", "ne10m", "ne50m", "ne110m"):
        console.print(f"{s:7} {'installed' if s in found else 'missing (scripts/install-data.sh)'}")
