"""Loading scenarios and seeding a store with them.

A scenario is a YAML file (see ``data/*.yaml``); GeoJSON files next to it may hold its areas::

    name: …                # title
    description: …
    sources: [...]         # public sources of the facts it uses: {title, url, date, facts}
    reconstructed: [...]   # what is reconstructed (invented) rather than known
    epoch: "2015-11-24T07:00:00Z"   # optional; times "+15min" are relative to it (default: now)
    parties: [{id, name, contact}]
    notice: [{from, to, minimum: "15min"}]
    airspace: [{owner, country: TR, source: auto, id, lower: "0 m", upper: FL660,
                properties: {...}}
               | {owner, geojson: {...} | file: zone.geojson}]
    intents: [{party, at: "+0s", filing: {...filing object...}}]
    points: {name: {lat, lon} | {from: name, bearing: 90, distance: "5 km"}}
    traffic: {period: 1s, noise: {...}, dropout: 0, seed: 0, aircraft: [...]}
    sharing: {default: all, near: "50 NM", pairs: [{from, to, policy, near}]}
    hotline: {deadlines: {warning: 2min}, escalation: [[duty_officer], ...], links: [[a, b]]}

Only ``parties`` is required.  Relative times (``"+15min"``, ``"-2h"``, ``"+24min5s"``) may
appear wherever a time is expected; they are offsets from the *base* a caller picks (the
``epoch`` to replay history, or now for a live demo).

Airspace
--------
A ``country`` entry imports sovereign airspace from installed border data
(:func:`skyaccord.airspace.build.country_airspace`): ``source`` is ``dcw`` (the Digital Chart of
the World 1:1M, Debian ``gmt-dcw``), ``ne10m``/``ne50m``/``ne110m`` (Natural Earth via npm
``world-atlas``) or ``auto`` (the most accurate installed, DCW first); ``properties``
(free-form) are stored with it.  A ``geojson``/``file`` entry is a Feature or FeatureCollection whose properties carry
``id``, ``name``, ``kind`` (sovereign, buffer, restricted, reservation), ``altitude_lower``,
``altitude_upper`` and optionally ``time_start``/``time_end``.

Traffic (scripted tracks, :mod:`skyaccord.scenarios.traffic`)
------------------------------------------------------------
::

    traffic:
      period: 1s                 # sampling period (default 1 s)
      noise: {position: "0 m", altitude: "0 m"}   # standard deviations; off by default
      dropout: 0.0               # fraction of samples lost at random; off by default
      seed: 0                    # for noise and dropout (the output is deterministic)
      aircraft:
        - track_id: russia/SU24-1          # unique; convention "<party>/<id>" or "icao:<hex>"
          party: russia
          callsign: "SU24-1"
          icao24: "15a0b1"                 # optional, six hex digits
          speed: "450 kt"                  # optional default ground speed for untimed legs
          period: 1s                       # optional overrides of the traffic-wide settings
          gaps: [{from: "+20min", to: "+20min30s"}]   # optional: no reports in [from, to)
          delay: 15s                       # optional: the whole path flown that much later
          path:
            - {at: "+0s", lat: 35.401, lon: 35.948, alt: "150 ft"}
            - {from: hmeimim, bearing: 30, distance: "40 km", alt: FL150, speed: "420 kt"}
            - {name: ip, lat: 35.85, lon: 36.40, alt: FL190, at: "+21min"}
            - {from: ip, bearing: 270, distance: "30 NM", at: "+25min30s"}
            - {arc: {centre: hmeimim, to: 180, turn: left}, speed: "400 kt"}
            - {repeat: 3, path: [{arc: {centre: cap, to: 0, turn: right}, speed: "420 kt"}]}

Each waypoint gives its position as ``lat``/``lon`` (degrees), as ``point: NAME``, or as
``from: NAME`` with ``bearing`` (degrees true) and ``distance`` (``"5 km"``, ``"3 NM"``,
``"800 m"``), where NAME is one of the scenario's ``points``, an earlier waypoint's ``name`` in
the same path, or ``previous``.  An ``arc`` turns round the point ``centre`` at the distance of
the previous waypoint, ``left`` (anticlockwise) or ``right``, until the bearing ``to`` from the
centre (all the way round when it is already there); it is flown as chords of at most 10°.
``{repeat: N, path: [...]}`` flies its waypoints N times (timed by speed only: an orbit).

``alt`` (``"FL190"``, ``"19000 ft"``, ``"5800 m"``) is required on the first waypoint and kept
when omitted.  The first waypoint needs ``at``; each later one either ``at`` (a relative time,
or an RFC 3339 time when the scenario has an epoch) or ``speed`` (ground speed on the leg that
ends there: ``"450 kt"``, ``"250 m/s"``, ``"900 km/h"``), else the aircraft's ``speed``.
Between waypoints an aircraft flies the great circle at constant ground speed and constant
vertical rate; reports are taken every ``period`` from the first waypoint and at every
waypoint.  A YAML anchor (``path: &lead`` … ``path: *lead``) with a ``delay`` gives a formation
flying in trail.

Sharing and hotline (:mod:`skyaccord.scenarios.settings`)
---------------------------------------------------------
``sharing`` says whose tracks each party sees: ``all``, ``near`` (only while within ``near`` of
the receiving party's own aircraft or protected airspace) or ``none``; ``pairs`` entries are
directed (``from``'s tracks shown to ``to``) or symmetric (``between: [a, b]``).  ``hotline``
sets acknowledgement deadlines per severity (info, caution, warning, urgent, emergency), the
roles addressed at each escalation level, and which pairs of parties the line connects
(default: every pair).
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
from skyaccord.units import to_seconds

_REL = re.compile(r"^([+-])\s*((?:\d+(?:\.\d+)?\s*(?:s|min|h|d)\s*)+)$")
_REL_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(s|min|h|d)")


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
    """``"+15min"`` → 900.0 seconds; parts add up (``"+24min5s"`` → 1445.0).

    >>> offset("+15min"), offset("-2h"), offset("+24min5s"), offset("+1h 0.5s")
    (900.0, -7200.0, 1445.0, 3600.5)
    """
    m = _REL.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValidationError(field, f"not a relative time: {text!r} (e.g. '+15min')")
    value = sum(to_seconds(float(n), unit) for n, unit in _REL_PART.findall(m.group(2)))
    return value if m.group(1) == "+" else -value


def is_relative(value: object) -> bool:
    """Whether ``value`` is a relative time string such as ``"+15min"``."""
    return isinstance(value, str) and _REL.match(value.strip()) is not None


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
