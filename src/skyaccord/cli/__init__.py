"""The ``skyaccord`` command line: a thin shell over the services.

Exit codes: 0 success, 1 unexpected error, 2 bad input (names the field and the reason),
3 not allowed, 4 not found, 5 conflict with the current state (e.g. a 409 for missing OVNs),
6 rate limited, 7 store unavailable.
"""

from __future__ import annotations

import typer

from skyaccord.cli import airspace, detect, intents, keys, ledger, parties, replay
from skyaccord.cli.server import register as register_server

app = typer.Typer(
    name="skyaccord",
    help=(
        "Airspace deconfliction between independent parties.\n\n"
        "Quick start: `skyaccord demo` starts a server with a built-in example and prints how "
        "to reach it. Every command takes --db (a SQLite file, the default, or a "
        "postgresql:// URL; env SKYACCORD_DB)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(parties.app, name="party")
app.add_typer(airspace.app, name="airspace")
app.add_typer(intents.app, name="intent")
app.add_typer(ledger.app, name="ledger")
app.add_typer(keys.app, name="key")
register_server(app)
app.command("detect")(detect.command)
app.command("replay")(replay.command)


def main() -> None:
    app()
