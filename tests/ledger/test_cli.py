"""``skyaccord ledger`` and ``skyaccord key`` through typer's CliRunner: generate and register a
key, sign an acknowledgement, verify, export, verify offline, tamper, and see the entry named."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from skyaccord.cli import keys as keys_cli
from skyaccord.cli import ledger as ledger_cli
from skyaccord.ledger import store as ls
from skyaccord.store import Store

T0 = 1_700_000_000.0

# The lead adds these two sub-apps to skyaccord.cli.app; this test app stands in for it.
cli = typer.Typer()
cli.add_typer(ledger_cli.app, name="ledger")
cli.add_typer(keys_cli.app, name="key")
runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(cli, list(args))


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_every_command_has_an_example() -> None:
    for group, app in (("ledger", ledger_cli.app), ("key", keys_cli.app)):
        for command in app.registered_commands:
            name = command.name or ""
            r = run(group, name, "--help")
            assert r.exit_code == 0, r.output
            assert "Example:" in r.output, f"{group} {name}"


def test_sign_acknowledge_verify_export_tamper(sqlite_ledger_store: Store, tmp_path: Path) -> None:
    db = sqlite_ledger_store.url
    prefix = tmp_path / "keys" / "russia-duty"
    prefix.parent.mkdir()

    r = run("key", "generate", str(prefix))
    assert r.exit_code == 0, r.output
    private, public = Path(f"{prefix}.private.pem"), Path(f"{prefix}.public.pem")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "BEGIN PUBLIC KEY" in public.read_text()
    r = run("key", "generate", str(prefix))
    assert r.exit_code == 2 and "exists" in flat(r.stderr)

    r = run("key", "register", "russia", str(public), "--db", db)
    assert r.exit_code == 0, r.output
    kid = r.stdout.split()[2]
    assert r.stdout.startswith(f"registered key {kid} for party russia")
    listed = json.loads(run("key", "list", "--json", "--db", db).stdout)
    assert [(k["key_id"], k["party_id"], k["revoked_at"]) for k in listed] == [
        (kid, "russia", None)
    ]
    assert kid in run("key", "list", "--db", db).stdout

    # The duty officer signs an acknowledgement with the party's own tools...
    ack = {"alert": "a-1", "version": 1, "acknowledged_at": "2030-09-17T18:39:12Z"}
    payload = tmp_path / "ack.json"
    payload.write_text(json.dumps(ack, indent=2))
    r = run("key", "sign", str(private), str(payload))
    assert r.exit_code == 0, r.output
    signature = r.stdout.strip()
    # ...and the hotline records it (through the library: the hotline is not in this package).
    sqlite_ledger_store.transact(
        lambda c: ls.append(c, "ack", "russia", ack, time=T0, signature=signature, key_id=kid)
    )

    r = run("ledger", "verify", "--db", db)
    assert r.exit_code == 0, r.output
    assert flat(r.stdout).startswith("ledger intact: 2 entries (1 signed, 1 party keys)")
    shown = json.loads(run("ledger", "show", "--last", "1", "--json", "--db", db).stdout)
    assert [(e["seq"], e["kind"], e["key_id"]) for e in shown] == [(2, "ack", kid)]
    table = run("ledger", "show", "--db", db)
    assert table.exit_code == 0 and shown[0]["hash"][:8] in table.stdout

    bundle = tmp_path / "ledger.jsonl"
    r = run("ledger", "export", str(bundle), "--db", db)
    assert r.exit_code == 0, r.output
    assert flat(r.stdout).startswith(f"exported 2 entries and 1 keys to {bundle}")
    sqlite_ledger_store.dispose()
    Path(db.removeprefix("sqlite:///")).unlink()  # offline: no database at all

    r = run("ledger", "verify", "--bundle", str(bundle))
    assert r.exit_code == 0, r.output
    report = json.loads(run("ledger", "verify", "--bundle", str(bundle), "--json").stdout)
    assert report["ok"] and report["signed"] == 1

    lines = bundle.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace('"version":1', '"version":2')  # entry 2: the acknowledgement
    bundle.write_text("".join(lines), encoding="utf-8")
    r = run("ledger", "verify", "--bundle", str(bundle))
    assert r.exit_code == 2
    assert "entry 2 (line 4): stored hash" in flat(r.stderr)
    assert "(the entry was altered)" in flat(r.stderr)
    r = run("ledger", "verify", "--bundle", str(bundle), "--json")
    assert r.exit_code == 2
    problem: dict[str, Any] = json.loads(r.stdout)["problem"]
    assert (problem["seq"], problem["line"], problem["code"]) == (2, 4, "hash_mismatch")


def test_key_errors_exit_with_their_codes(sqlite_ledger_store: Store, tmp_path: Path) -> None:
    db = sqlite_ledger_store.url
    prefix = str(tmp_path / "k")
    assert run("key", "generate", prefix).exit_code == 0
    public = f"{prefix}.public.pem"
    r = run("key", "register", "turkey", public, "--db", db)
    assert r.exit_code == 4 and "turkey" in r.stderr
    r = run("key", "register", "israel", str(tmp_path / "missing.pem"), "--db", db)
    assert r.exit_code == 2
    r = run("key", "register", "israel", f"{prefix}.private.pem", "--db", db)
    assert r.exit_code == 2 and "public_key" in r.stderr
    r = run("key", "register", "israel", public, "--db", db)
    kid = r.stdout.split()[2]
    assert run("key", "register", "russia", public, "--db", db).exit_code == 5
    r = run("key", "revoke", kid, "--db", db)
    assert r.exit_code == 0 and r.stdout.strip() == f"revoked key {kid}"
    assert run("key", "revoke", kid, "--db", db).exit_code == 5
    assert run("key", "revoke", "0" * 32, "--db", db).exit_code == 4
    assert json.loads(run("key", "list", "--json", "--db", db).stdout)[0]["revoked_at"]
    assert run("ledger", "verify", "--db", db).exit_code == 0

    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]")
    assert run("key", "sign", f"{prefix}.private.pem", str(bad)).exit_code == 2
    assert run("key", "sign", public, str(bad)).exit_code == 2
    assert run("ledger", "verify", "--bundle", str(tmp_path / "none.jsonl")).exit_code == 2


@pytest.mark.parametrize("args", [("ledger",), ("key",)])
def test_groups_show_help(args: tuple[str, ...]) -> None:
    r = run(*args)
    assert "Usage" in r.output
