"""``skyaccord party``: parties, their tokens and minimum-notice rules."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from skyaccord.cli.common import DEFAULT_DB as _DB
from skyaccord.cli.common import (
    DbOption,
    JsonOption,
    console,
    exits_on_error,
    open_store,
    parse_duration,
    print_json,
)
from skyaccord.services.auth import AuthService, Role
from skyaccord.timefmt import format_time

app = typer.Typer(
    help="Parties, their tokens and the notice they owe each other.", no_args_is_help=True
)


@app.command("add")
@exits_on_error
def add(
    party_id: Annotated[str, typer.Argument(help="Short id, e.g. 'israel'.")],
    name: Annotated[str, typer.Argument(help="Display name, e.g. 'Israeli Air Force'.")],
    contact: Annotated[str, typer.Option(help="How to reach the party's duty officer.")] = "",
    db: DbOption = _DB,
) -> None:
    """Add a party.

    Example: skyaccord party add israel "Israeli Air Force" --contact "+972 3 000 0000"
    """
    p = AuthService(open_store(db)).add_party(party_id, name, contact)
    console.print(f"added party [bold]{p.id}[/] ({p.name})")


@app.command("list")
@exits_on_error
def list_(db: DbOption = _DB, as_json: JsonOption = False) -> None:
    """List parties.

    Example: skyaccord party list --json
    """
    parties = AuthService(open_store(db)).parties()
    if as_json:
        print_json([p.__dict__ for p in parties])
        return
    t = Table("id", "name", "contact", "created")
    for p in parties:
        t.add_row(p.id, p.name, p.contact, format_time(p.created_at))
    console.print(t)


@app.command("token")
@exits_on_error
def token(
    party_id: Annotated[
        str, typer.Argument(help="The party, or 'operator' for the service operator.")
    ],
    role: Annotated[Role, typer.Option(help="What the token may do.")] = Role.ADMIN,
    label: Annotated[str, typer.Option(help="A note to recognise the token later.")] = "",
    ttl: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. '12h' (default: no expiry).")
    ] = None,
    db: DbOption = _DB,
) -> None:
    """Issue a bearer token; it is shown once and stored only as a hash.

    Example: skyaccord party token israel --role planner --ttl 30d
    """
    auth = AuthService(open_store(db))
    party = None if party_id == "operator" else party_id
    r = Role.OPERATOR if party is None else role
    tid, secret = auth.issue_token(party, r, label, parse_duration(ttl, "ttl") if ttl else None)
    console.print(
        f"token id {tid} for {party_id} ({r.value}); keep the secret safe:", highlight=False
    )
    typer.echo(secret)


@app.command("revoke")
@exits_on_error
def revoke(
    token_id: Annotated[str, typer.Argument(help="Token id (not the secret).")], db: DbOption = _DB
) -> None:
    """Revoke a token at once.

    Example: skyaccord party revoke 3f2a9c0d1e4b5a6c
    """
    AuthService(open_store(db)).revoke(token_id)
    console.print(f"revoked token {token_id}")


@app.command("notice")
@exits_on_error
def notice(
    from_party: Annotated[str, typer.Argument(help="The party that files operations.")],
    to_party: Annotated[str, typer.Argument(help="The party owed notice.")],
    minimum: Annotated[str, typer.Argument(help="Minimum notice, e.g. '15min'.")],
    db: DbOption = _DB,
) -> None:
    """Set the minimum notice FROM_PARTY owes TO_PARTY before an operation starts.

    A filing that starts sooner is accepted but records a notice violation with exact times.

    Example: skyaccord party notice israel russia 15min
    """
    s = parse_duration(minimum, "minimum")
    AuthService(open_store(db)).set_notice(from_party, to_party, s)
    console.print(f"{from_party} owes {to_party} at least {s:g} s of notice")


@app.command("sharing")
@exits_on_error
def sharing(
    owner: Annotated[str, typer.Argument(help="The party whose tracks are shared.")],
    viewer: Annotated[str, typer.Argument(help="The party that sees them.")],
    mode: Annotated[str, typer.Argument(help="all, near or none.")],
    near: Annotated[
        str, typer.Option(help="Radius for 'near', from the viewer's own tracks and airspace.")
    ] = "100NM",
    db: DbOption = _DB,
) -> None:
    """Set how much of OWNER's tracks VIEWER sees (default without a rule: near, 100 NM).

    Example: skyaccord party sharing israel russia near --near 50NM
    """
    from skyaccord.cli.common import parse_length
    from skyaccord.services.sharing import SharingService

    store = open_store(db)
    auth = AuthService(store)
    auth.party(owner)
    auth.party(viewer)
    SharingService(store).set(owner, viewer, mode, parse_length(near, "near"))
    console.print(
        f"{viewer} sees {owner}'s tracks: {mode}" + (f" (within {near})" if mode == "near" else "")
    )


@app.command("rotate")
@exits_on_error
def rotate(
    token_id: Annotated[str, typer.Argument(help="Token id to replace.")], db: DbOption = _DB
) -> None:
    """Replace a token: a new secret with the same party, role and expiry; the old one is revoked.

    Example: skyaccord party rotate 3f2a9c0d1e4b5a6c
    """
    tid, secret = AuthService(open_store(db)).rotate(token_id, f"rotated from {token_id}")
    console.print(
        f"token {token_id} revoked; new token id {tid}, same party, role and expiry:",
        highlight=False,
    )
    typer.echo(secret)
