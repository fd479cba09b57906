"""What every command shares: the store option, output helpers, durations, error exits."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from skyaccord.errors import SkyaccordError, ValidationError
from skyaccord.store import Store

console = Console()
err_console = Console(stderr=True)

DEFAULT_DB = "skyaccord.db"

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="SKYACCORD_DB",
        help="SQLite file path (embedded default) or postgresql://user@host/db URL.",
        show_default=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

F = TypeVar("F", bound=Callable[..., Any])


def open_store(db: str) -> Store:
    """The store at ``db``, migrated to the newest schema."""
    store = Store(db)
    store.upgrade()
    return store


def exits_on_error(fn: F) -> F:
    """Turns a domain error into its message on stderr and its exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SkyaccordError as e:
            err_console.print(
                f"[bold red]error[/] ({e.code}): {escape(e.message)}", highlight=False
            )
            extra = {k: v for k, v in e.details.items() if k not in ("field", "reason")}
            if extra:
                err_console.print_json(json.dumps(extra, default=str))
            raise typer.Exit(e.exit_code) from None

    return wrapper  # type: ignore[return-value]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def read_document(path: Path, field: str = "file") -> Any:
    """A JSON, GeoJSON or YAML file → Python object; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ValidationError(field, f"cannot read {path}: {e.strerror}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        raise ValidationError(
            field, f"{path} is not valid {path.suffix.lstrip('.') or 'JSON'}: {e}"
        ) from None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*$", re.I)


def parse_duration(text: str, field: str = "duration") -> float:
    """``"15min"`` (or ``"15m"``), ``"90s"``, ``"2h"``, ``"1d"`` or plain seconds → seconds."""
    from skyaccord.units import to_seconds

    m = _DURATION.match(text)
    if not m:
        raise ValidationError(field, f"not a duration: {text!r} (try '15min', '90s', '2h')")
    unit = (m.group(2) or "s").lower()
    return to_seconds(float(m.group(1)), "min" if unit == "m" else unit, field)


_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z/]+)\s*$")


def parse_length(text: str, field: str) -> float:
    """``"5NM"``, ``"1000ft"``, ``"9.26 km"``, ``"FL190"`` → metres."""
    from skyaccord.units import to_metres

    t = text.strip()
    if t.upper().startswith("FL") and t[2:].strip().isdigit():
        return to_metres(float(t[2:]), "FL", field)
    m = _QUANTITY.match(t)
    if not m:
        raise ValidationError(field, f"not a length with units: {text!r} (try '5NM', '1000ft')")
    return to_metres(float(m.group(1)), m.group(2), field)
