"""The command line on a SQLite file: parties, tokens, notice rules, airspace, filings from
GeoJSON and YAML files with the 409 and its key, bad files (exit 2, nothing stored), listing,
ending, schema upgrades, and an example in every command's help."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from skyaccord.airspace.borders import available_sources
from skyaccord.cli import app
from skyaccord.cli.server import build_live
from skyaccord.services.auth import AuthService
from skyaccord.store import Store
from skyaccord.store.migrate import head_revision
from skyaccord.timefmt import format_time

HOUR = 3600.0
needs_ne10m = pytest.mark.skipif(
    "ne10m" not in available_sources(),
    reason="Natural Earth 1:10m (npm world-atlas) not installed: scripts/install-data.sh",
)


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.db = str(tmp_path / "cli.db")
        self.dir = tmp_path
        self.runner = CliRunner()
        self.now = time.time()  # the CLI runs on the system clock

    def __call__(self, *args: str, code: int = 0) -> Any:
        result = self.runner.invoke(app, [*args, "--db", self.db])
        assert result.exit_code == code, (result.exit_code, result.output, result.exception)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def write(self, name: str, obj: Any) -> str:
        path = self.dir / name
        if name.endswith((".yaml", ".yml")):
            path.write_text(yaml.safe_dump(obj), encoding="utf-8")
        else:
            path.write_text(json.dumps(obj), encoding="utf-8")
        return str(path)

    def feature(
        self,
        lon: float,
        lat: float,
        size: float = 0.1,
        start: float = HOUR,
        end: float = 3 * HOUR,
        **props: Any,
    ) -> dict[str, Any]:
        ring = [
            [lon, lat],
            [lon + size, lat],
            [lon + size, lat + size],
            [lon, lat + size],
            [lon, lat],
        ]
        return {
            "type": "Feature",
            "properties": {
                "altitude_lower": "FL150",
                "altitude_upper": "FL250",
                "time_start": format_time(self.now + start),
                "time_end": format_time(self.now + end),
                **props,
            },
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }  # fmt: skip


def flat(text: str) -> str:
    """Output with line wrapping undone (rich wraps at the terminal width)."""
    return " ".join(text.split())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    c("party", "add", "israel", "Israeli Air Force", "--contact", "+972 3 000 0000")
    c("party", "add", "russia", "Russian Aerospace Forces")
    return c


def test_parties_tokens_and_notice(cli: Cli) -> None:
    listed = cli.json("party", "list")
    assert [(p["id"], p["name"]) for p in listed] == [
        ("israel", "Israeli Air Force"),
        ("russia", "Russian Aerospace Forces"),
    ]
    assert "Israeli Air Force" in cli("party", "list").stdout
    dup = cli("party", "add", "israel", "Again", code=5)
    assert "israel" in dup.output and "already exists" in dup.output
    bad = cli("party", "add", "bad id", "Bad", code=2)
    assert "id:" in bad.output

    out = cli("party", "token", "israel", "--role", "planner", "--ttl", "12h").stdout
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("sky_")
    store = Store(cli.db)
    try:
        who = AuthService(store).authenticate(secret)
        assert (who.party, who.role.value) == ("israel", "planner")
        assert "ttl" in cli("party", "token", "israel", "--ttl", "soon", code=2).output
        assert "party" in cli("party", "token", "nobody", code=4).output.lower()

        cli("party", "notice", "israel", "russia", "15min")
        assert AuthService(store).notice_rules() == [("israel", "russia", 900.0)]
        assert "minimum" in cli("party", "notice", "israel", "russia", "a while", code=2).output
    finally:
        store.dispose()


@needs_ne10m
def test_airspace_import_from_geojson_and_country(cli: Cli) -> None:
    zone = cli.feature(35.9, 35.3, 0.2, id="hmeimim-zone", name="Hmeimim zone", kind="restricted")
    for k in ("time_start", "time_end"):
        del zone["properties"][k]  # permanent
    out = cli("airspace", "import", "--owner", "russia", cli.write("zone.geojson", zone)).stdout
    assert "hmeimim-zone" in out and "restricted" in out

    out = cli(
        "airspace", "import", "--owner", "israel", "--country", "IL", "--source", "ne10m"
    ).stdout
    assert "imported" in out and "Israel" in out
    listed = {a["id"]: a for a in cli.json("airspace", "list")}
    assert listed["hmeimim-zone"]["owner"] == "russia"
    (il,) = [a for a in listed.values() if a["owner"] == "israel"]
    assert il["kind"] == "sovereign" and il["volumes"] >= 1

    both = cli(
        "airspace",
        "import",
        "--owner",
        "israel",
        "--country",
        "IL",
        cli.write("z.geojson", zone),
        code=2,
    )
    assert "file" in both.output
    unknown = cli(
        "airspace", "import", "--owner", "israel", "--country", "XX", "--source", "ne10m", code=2
    )
    assert "country: unknown country code 'XX'" in flat(unknown.output)


@needs_ne10m
def test_file_conflict_key_list_end(cli: Cli) -> None:
    cli(
        "airspace",
        "import",
        "--owner",
        "israel",
        "--country",
        "IL",
        "--source",
        "ne10m",
        "--id",
        "il",
    )
    # Russia files over the Golan Heights (GeoJSON): a conflict with Israel's airspace.
    ru = cli.feature(35.7, 33.0, 0.1, details=None)
    del ru["properties"]["details"]
    out = flat(cli("intent", "file", cli.write("ru.geojson", ru), "--party", "russia").stdout)
    assert "filed intent" in out
    assert "conflict with airspace il of israel" in out
    (ru_intent,) = cli.json("intent", "list", "--party", "russia")
    ru_ovn = ru_intent["ovn"]
    assert ru_ovn in out

    # Israel files over it (YAML) without the key: 409, exit 5, the missing list with the OVN.
    il = {
        "id": "il-1",
        "details": {"mission": "private"},
        "geojson": cli.feature(35.75, 33.05, 0.1, start=2 * HOUR),
    }
    path = cli.write("il.yaml", il)
    refused = cli("intent", "file", path, "--party", "israel", code=5)
    text = flat(refused.output)
    assert ru_intent["id"] in text and "russia" in text
    assert f"--key {ru_ovn}" in text
    assert cli.json("intent", "list", "--party", "israel") == []
    as_json = cli.runner.invoke(
        app, ["intent", "file", path, "--party", "israel", "--json", "--db", cli.db]
    )
    assert as_json.exit_code == 5
    assert [m["ovn"] for m in json.loads(as_json.stdout)["missing"]] == [ru_ovn]

    # With the key: filed, and the conflict with Russia's intent printed with its overlap.
    out = flat(cli("intent", "file", path, "--party", "israel", "--key", ru_ovn).stdout)
    assert "filed intent il-1 version 1 (Accepted)" in out
    assert f"conflict with intent {ru_intent['id']} of russia" in out
    assert "km²" in out and "4572–7620 m" in out.replace(",", "")
    (il_intent,) = cli.json("intent", "list", "--party", "israel")
    assert (il_intent["id"], il_intent["state"], il_intent["details"]) == (
        "il-1",
        "Accepted",
        {"mission": "private"},
    )
    assert "private" not in out

    table = cli("intent", "list", "--party", "israel").stdout
    assert "il-1" in table and "Accepted" in table

    cli("intent", "activate", "il-1", "--party", "israel")
    out = cli("intent", "end", "il-1", "--party", "israel", "--cancel").stdout
    assert "cancelled" in out
    (ended,) = cli.json("intent", "list", "--party", "israel", "--state", "Ended")
    assert (ended["version"], ended["ended_reason"]) == (3, "cancelled")
    again = cli("intent", "end", "il-1", "--party", "israel", code=5)
    assert "state" in again.output
    other = cli("intent", "end", ru_intent["id"], "--party", "israel", code=3)
    assert "belongs to another party" in flat(other.output)


def test_dry_run_and_modification_from_a_file(cli: Cli) -> None:
    f = cli.feature(20.0, 10.0)
    out = cli("intent", "file", cli.write("a.geojson", f), "--party", "israel", "--dry-run").stdout
    assert "checked (dry run)" in out
    assert cli.json("intent", "list", "--party", "israel") == []
    cli("intent", "file", cli.write("b.yaml", {"id": "op", "geojson": f}), "--party", "israel")
    moved = {"id": "op", "version": 1, "geojson": cli.feature(20.5, 10.5)}
    out = cli("intent", "file", cli.write("c.yaml", moved), "--party", "israel").stdout
    assert "version 2" in out
    stale = cli("intent", "file", cli.write("c.yaml", moved), "--party", "israel", code=5)
    assert "version" in stale.output


_SQUARE = [[35, 33], [35.1, 33], [35.1, 33.1], [35, 33.1], [35, 33]]
_WINDOW = {"time_start": "2030-01-01T00:00:00Z", "time_end": "2030-01-01T01:00:00Z"}


def _geojson(coords: Any, **props: Any) -> str:
    feature = {
        "type": "Feature",
        "properties": {"altitude_lower": "FL100", "altitude_upper": "FL200", **_WINDOW, **props},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }
    return json.dumps(feature)


_TWO_VERTICES = {
    "volumes": [
        {
            "volume": {
                "outline_polygon": {"vertices": [{"lat": 1, "lng": 1}, {"lat": 2, "lng": 2}]},
                "altitude_lower": "FL1",
                "altitude_upper": "FL2",
            },
            **_WINDOW,
        }
    ]
}
_POINT = {
    "type": "Feature",
    "properties": {"altitude_lower": "FL1", "altitude_upper": "FL2", **_WINDOW},
    "geometry": {"type": "Point", "coordinates": [35, 33]},
}
BAD_FILES: list[tuple[str, str, str]] = [
    (
        "lat.geojson",
        _geojson([[35, 33], [35.1, 91], [35.1, 33.1], [35, 33]]),
        "geojson.geometry.coordinates[0][1][1]",
    ),
    (
        "band.geojson",
        _geojson(_SQUARE, altitude_lower="FL300"),
        "geojson.properties.altitude_lower",
    ),
    ("unknown.yaml", "colour: red\nvolumes: []\n", "colour"),
    ("empty.yaml", "", "filing"),
    ("list.json", "[1, 2]", "filing"),
    ("broken.json", '{"volumes": [', "file"),
    ("broken.yaml", "volumes: [\n", "file"),
    ("twovertices.json", json.dumps(_TWO_VERTICES), "volumes[0].volume.outline_polygon.vertices"),
    ("point.yaml", yaml.safe_dump({"geojson": _POINT}), "geojson.properties.radius"),
]


@pytest.mark.parametrize(("name", "content", "field"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_exit_2_naming_the_field_and_stores_nothing(
    cli: Cli, name: str, content: str, field: str
) -> None:
    cli("intent", "file", cli.write("ok.geojson", cli.feature(20.0, 10.0)), "--party", "israel")
    before = cli.json("intent", "list", "--party", "israel")
    path = cli.dir / name
    path.write_text(content, encoding="utf-8")
    result = cli("intent", "file", str(path), "--party", "israel", code=2)
    assert f"{field}:" in flat(result.output)
    assert "Traceback" not in result.output
    assert cli.json("intent", "list", "--party", "israel") == before


def test_missing_file_is_exit_2(cli: Cli) -> None:
    result = cli("intent", "file", str(cli.dir / "nope.yaml"), "--party", "israel", code=2)
    assert "nope.yaml" in flat(result.output)


def test_serve_links_restrict_free_messages_to_the_pairs_given(cli: Cli) -> None:
    cli("party", "add", "turkey", "Turkish Air Force")
    services = build_live(cli.db, links=["israel,russia", " russia , turkey "])
    policy = services.hotline.policy
    assert policy.linked("russia", "israel") and policy.linked("turkey", "russia")
    assert not policy.linked("israel", "turkey")
    assert build_live(cli.db).hotline.policy.linked("israel", "turkey")  # default: every pair


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("israel,nobody", "'nobody' is not one of the parties (israel, russia)"),
        ("israel,israel", "expected two different parties"),
        ("israel", "expected two parties [a, b]"),
        ("israel,russia,usa", "expected two parties [a, b]"),
    ],
)
def test_serve_refuses_a_bad_link_before_serving(cli: Cli, spec: str, reason: str) -> None:
    out = cli("serve", "--link", spec, "--port", "1", code=2).output
    assert "link" in out and reason in flat(out)


def test_db_upgrade(tmp_path: Path) -> None:
    out = Cli(tmp_path)("db", "upgrade").stdout
    assert f"schema at revision {head_revision()}" in out
    out = Cli(tmp_path)("db", "upgrade").stdout  # idempotent
    assert f"schema at revision {head_revision()}" in out


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            out += _commands(cmd, (*path, name))
        else:
            out.append((*path, name))
    return out


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_the_commands_the_issue_names_exist() -> None:
    for cmd in [("party", "add"), ("party", "list"), ("party", "token"), ("party", "notice"),
                ("airspace", "import"), ("intent", "file"), ("intent", "list"), ("intent", "end"),
                ("db", "upgrade"), ("demo",)]:  # fmt: skip
        assert cmd in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_help_has_an_example(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
