"""``skyaccord key``: the Ed25519 keys parties sign filings and acknowledgements with."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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
from skyaccord.clock import SystemClock
from skyaccord.errors import ValidationError
from skyaccord.ledger import signing
from skyaccord.ledger import store as ledger_store
from skyaccord.timefmt import format_time

app = typer.Typer(
    help="Parties' signing keys (Ed25519): generate, register, list, revoke, sign.",
    no_args_is_help=True,
)


def _write(path: Path, text: str, mode: int, force: bool) -> None:
    """Create ``path`` with permissions ``mode`` (never wider, even briefly)."""
    if force:
        path.unlink(missing_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise ValidationError("out_prefix", f"{path} exists (use --force to overwrite)") from None
    except OSError as e:
        raise ValidationError("out_prefix", f"cannot write {path}: {e.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)


def _read_text(path: Path, field: str) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise ValidationError(field, f"cannot read {path}: {e}") from None


@app.command("generate")
@exits_on_error
def generate(
    out_prefix: Annotated[
        str, typer.Argument(help="Writes OUT_PREFIX.private.pem and OUT_PREFIX.public.pem.")
    ],
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Generate an Ed25519 key pair for a party (PEM files; the private one readable by you only).

    Keep the private key with the party; register the public one at the server.

    Example: skyaccord key generate keys/israel-duty
    """
    key = signing.generate_private_key()
    private, public = Path(f"{out_prefix}.private.pem"), Path(f"{out_prefix}.public.pem")
    for p in (private, public):
        if p.exists() and not force:
            raise ValidationError("out_prefix", f"{p} exists (use --force to overwrite)")
    _write(private, signing.private_key_pem(key), 0o600, force)
    _write(public, signing.public_key_pem(key), 0o644, force)
    console.print(
        f"key {signing.key_id(key)}: private {private}, public {public}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("register")
@exits_on_error
def register(
    party: Annotated[str, typer.Argument(help="The party the key belongs to.")],
    public_key: Annotated[Path, typer.Argument(help="The party's public key (PEM).")],
    db: DbOption = _DB,
) -> None:
    """Register a party's public key; the ledger records the registration.

    From then on the party may sign what it submits with the matching private key.

    Example: skyaccord key register israel keys/israel-duty.public.pem
    """
    pem = _read_text(public_key, "public_key")
    now = SystemClock().now()
    kid = open_store(db).transact(lambda c: ledger_store.register_key(c, party, pem, time=now))
    console.print(f"registered key {kid} for party {party}", highlight=False)


@app.command("list")
@exits_on_error
def list_(
    party: Annotated[str | None, typer.Option(help="Only this party's keys.")] = None,
    db: DbOption = _DB,
    as_json: JsonOption = False,
) -> None:
    """List registered keys, revoked ones included.

    Example: skyaccord key list --party israel
    """
    found = open_store(db).transact(lambda c: ledger_store.keys(c, party), write=False)
    if as_json:
        print_json([k.to_json() for k in found])
        return
    t = Table("party", "registered", "revoked")
    t.add_column("key id", no_wrap=True, min_width=32)  # whole, so it can be copied
    for k in found:
        revoked = "" if k.revoked_at is None else format_time(k.revoked_at)
        t.add_row(k.party_id, format_time(k.created_at), revoked, k.key_id)
    console.print(t)


@app.command("revoke")
@exits_on_error
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see `skyaccord key list`).")],
    db: DbOption = _DB,
) -> None:
    """Revoke a key from now on; what it signed before stays valid.

    Example: skyaccord key revoke 9f1c2a7b0d3e4f5a6b7c8d9e0f1a2b3c
    """
    now = SystemClock().now()
    open_store(db).transact(lambda c: ledger_store.revoke_key(c, key_id, time=now))
    console.print(f"revoked key {key_id}", highlight=False)


@app.command("sign")
@exits_on_error
def sign(
    private_key: Annotated[Path, typer.Argument(help="The party's private key (PEM).")],
    payload: Annotated[Path, typer.Argument(help="The payload to sign (JSON or YAML).")],
) -> None:
    """Print the base64 signature of a payload's canonical JSON (what the ledger checks).

    Example: skyaccord key sign keys/israel-duty.private.pem ack.json
    """
    key = signing.load_private_key(_read_text(private_key, "private_key"))
    document = read_document(payload, "payload")
    if not isinstance(document, dict):
        raise ValidationError("payload", "must be a JSON object")
    signature = signing.sign_payload(key, document)
    err_console.print(f"signed with key {signing.key_id(key)}", highlight=False)
    typer.echo(signature)
