"""Loading scenarios and seeding a store with them.

A scenario is a YAML file (see ``data/*.yaml``)::

    name: …                # title
    description: …
    sources: [...]         # public sources of the facts it uses
    reconstructed: [...]   # what is reconstructed rather than known
    epoch: "2015-11-24T07:00:00Z"   # optional; times "+15min" are relative to it (default: now)
    parties: [{id, name, contact}]
    notice: [{from, to, minimum: "15min"}]
    airspace: [{owner, country: TR, source: auto, lower: "0 m", upper: FL660}
               | {owner, geojson: {...} | file: zone.geojson}]
    intents: [{party, at: "+0s", filing: {...filing object...}}]

Relative times (``"+15min"``, ``"-2h"``) may appear wherever a time is expected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from skyaccord.errors import NotFound, ValidationError
from skyaccord.timefmt import format_time, parse_time

_REL = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*(s|min|h|d)$")
_SCALE = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


@dataclass
class Scenario:
    name: str
    path: Path | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def epoch(self) -> float | None:
        e = self.data.get("epoch")
        return None if e is None else parse_time(e, "epoch")


def builtin_names() -> list[str]:
    root = resources.files("skyaccord.scenarios") / "data"
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario YAML file by path."""
    p = Path(name_or_path)
    if not p.exists():
        root = resources.files("skyaccord.scenarios") / "data"
        candidate = root / f"{name_or_path}.yaml"
        if not candidate.is_file():
            raise NotFound(
                f"scenario {name_or_path!r} not found; built-in: {', '.join(builtin_names())}"
            )
        p = Path(str(candidate))
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ValidationError("scenario", f"{p} is not valid YAML: {e}") from None
    if not isinstance(data, dict) or "parties" not in data:
        raise ValidationError("scenario", f"{p} needs at least 'parties'")
    return Scenario(str(data.get("name", p.stem)), p, data)


def offset(text: str, field: str = "time") -> float:
    """``"+15min"`` → 900.0 seconds."""
    m = _REL.match(text.strip())
    if not m:
        raise ValidationError(field, f"not a relative time: {text!r} (e.g. '+15min')")
    value = float(m.group(2)) * _SCALE[m.group(3)]
    return value if m.group(1) == "+" else -value


def resolve_times(obj: Any, base: float) -> Any:
    """Every relative time string in ``obj`` → RFC 3339 relative to ``base`` (POSIX s)."""
    if isinstance(obj, str) and _REL.match(obj.strip()):
        return format_time(base + offset(obj))
    if isinstance(obj, dict):
        return {k: resolve_times(v, base) for k, v in obj.items()}
    if isinstance(obj, list):
        return [resolve_times(v, base) for v in obj]
    return obj


def read_geojson(entry: dict[str, Any], scenario: Scenario) -> Any:
    if "geojson" in entry:
        return entry["geojson"]
    if "file" in entry:
        base = scenario.path.parent if scenario.path else Path.cwd()
        return json.loads((base / entry["file"]).read_text(encoding="utf-8"))
    raise ValidationError("airspace", "an airspace entry needs 'country', 'geojson' or 'file'")
