"""``skyaccord ledger``: verify, export and show the tamper-evident record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from skyaccord.cli.common import DEFAULT_DB as _DB
from skyaccord.cli.common import (
    DbOption,
    JsonOption,
    console,
    exits_on_error,
    open_store,
    print_json,
)
from skyaccord.clock import SystemClock
from skyaccord.errors import ValidationError
from skyaccord.ledger import store as ledger_store
from skyaccord.ledger.bundle import export_bundle, verify_bundle
from skyaccord.ledger.canonical import canonical_json
from skyaccord.ledger.chain import VerifyReport
from skyaccord.timefmt import format_time

app = typer.Typer(
    help="The tamper-evident ledger: verify it, export it for others, show recent entries.",
    no_args_is_help=True,
)


def _fail(report: VerifyReport) -> ValidationError:
    """A broken ledger as the error the CLI exits with (exit 2), naming the first broken entry."""
    p = report.problem
    if p is None:  # pragma: no cover - only called for broken ledgers
        raise RuntimeError("the ledger is intact")
    where = p.where + (f" (line {p.line})" if p.line is not None else "")
    return ValidationError(where, p.reason, problem=p.code, seq=p.seq, line=p.line)


@app.command("verify")
@exits_on_error
def verify(
    db: DbOption = _DB,
    bundle: Annotated[
        Path | None,
        typer.Option("--bundle", help="Verify this exported bundle offline instead of --db."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the hash chain, every signature and the key list; name the first broken entry.

    Exits 0 when the ledger is intact. Otherwise exits 2 and names the first broken entry (its
    sequence number, and its line in a bundle) and why: altered content, a broken link, a gap,
    a bad signature or an unknown or revoked key. With --bundle no database is needed.

    Example: skyaccord ledger verify --bundle ledger.jsonl
    """
    if bundle is not None:
        report = verify_bundle(bundle)
    else:
        report = open_store(db).transact(ledger_store.verify_chain, write=False)
    if as_json:
        print_json(report.to_dict())
        if not report.ok:
            raise typer.Exit(_fail(report).exit_code)
        return
    if not report.ok:
        raise _fail(report)
    console.print(report.summary(), highlight=False, soft_wrap=True)


@app.command("export")
@exits_on_error
def export(
    out: Annotated[Path, typer.Argument(help="The bundle file to write (JSON lines).")],
    db: DbOption = _DB,
) -> None:
    """Write the whole ledger and the parties' public keys to one file for offline checking.

    Anyone can check the file with `skyaccord ledger verify --bundle FILE`, or with their own
    tools (the format is described in skyaccord.ledger.bundle).

    Example: skyaccord ledger export ledger.jsonl --db skyaccord.db
    """
    now = SystemClock().now()
    header = open_store(db).transact(lambda c: export_bundle(c, out, exported_at=now), write=False)
    console.print(
        f"exported {header.count} entries and {header.keys} keys to {out}; "
        f"head {header.head_seq} {header.head_hash}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("show")
@exits_on_error
def show(
    last: Annotated[int, typer.Option("--last", min=1, help="How many recent entries.")] = 20,
    db: DbOption = _DB,
    as_json: JsonOption = False,
) -> None:
    """Show the most recent entries, oldest first (key: the signer's key id, if signed).

    Example: skyaccord ledger show --last 50
    """
    entries = open_store(db).transact(lambda c: ledger_store.last(c, last), write=False)
    if as_json:
        print_json([e.to_json() for e in entries])
        return
    rows = [
        (
            str(e.seq),
            format_time(e.time),
            e.kind,
            e.actor,
            (e.key_id or "")[:8],
            e.hash[:8],
            canonical_json(e.payload),
        )
        for e in entries
    ]
    names = ("seq", "time", "kind", "actor", "key", "hash", "payload")
    # Every column whole but the payload, which is cut to what is left of the terminal.
    fixed = sum(max([len(n), *(len(r[i]) for r in rows)]) + 2 for i, n in enumerate(names[:-1]))
    room = max(console.width - fixed - 4, 16)
    t = Table(*names, box=box.SIMPLE_HEAD)
    for row in rows:
        payload = row[-1] if len(row[-1]) <= room else row[-1][: room - 1] + "…"
        t.add_row(*row[:-1], payload)
    console.print(t)
