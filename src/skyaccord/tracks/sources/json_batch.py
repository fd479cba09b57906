"""JSON batches from a party's own feed: parse and validate, nothing else (no I/O).

The body is a JSON array of objects, one per position report; every quantity carries its unit in
its field name, and exactly one unit variant of each quantity may be given::

    [{"track_id": "F16-1", "time": "2015-11-24T07:24:05Z",
      "lat_deg": 36.10, "lon_deg": 35.95, "alt_ft": 19000,
      "gs_kt": 450, "track_deg": 185.0, "vrate_fpm": 0,
      "icao24": "738043", "callsign": "IAF01"}]

============================  ==========  =============================================
field                         required    meaning
============================  ==========  =============================================
track_id                      yes         the party's id for the track (1–64 printable chars)
time                          yes         RFC 3339 with offset, e.g. ``...Z``
lat_deg, lon_deg              yes         WGS84 degrees
alt_m | alt_ft                no          altitude (barometric if known)
gs_mps | gs_kt                no          ground speed
track_deg                     no          track angle over ground, degrees from true north
vrate_mps | vrate_fpm         no          vertical rate, positive up
icao24                        no          6 hex digits
callsign                      no          up to 8 letters and digits
============================  ==========  =============================================

Every track in the batch is owned by the feeding party and keyed ``<party>/<track_id>``.  A bad
record is skipped whole and counted with its reason and index; the others are kept.  The HTTP
endpoint calls :func:`parse_json_batch` and may answer 422 when nothing was accepted.

>>> u, stats = parse_json_batch(
...     b'[{"track_id": "T1", "time": "2015-11-24T07:24:05Z", "lat_deg": 36.1,'
...     b'  "lon_deg": 35.95, "alt_ft": 19000},'
...     b' {"track_id": "T2", "time": "2015-11-24T07:24:05Z", "lat_deg": 96, "lon_deg": 0}]',
...     party="russia")
>>> u.track_id.tolist(), round(float(u.alt_m[0]), 1), stats.accepted, dict(stats.rejected)
(['russia/T1'], 5791.2, 1, {'lat_deg: out of range [-90, 90]': 1})
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

from skyaccord.errors import ValidationError
from skyaccord.timefmt import parse_time
from skyaccord.tracks.sources._records import RowBuilder, clean_callsign, finish, icao_or_none
from skyaccord.tracks.updates import (
    NO_ICAO,
    UNKNOWN_PARTY,
    IngestStats,
    TrackUpdates,
    party_track_id,
)
from skyaccord.units import FEET_PER_MINUTE_MS, FOOT_M, KNOT_MS

REQUIRED_FIELDS: Final = ("track_id", "time", "lat_deg", "lon_deg")
UNIT_VARIANTS: Final[dict[str, dict[str, float]]] = {
    "alt": {"alt_m": 1.0, "alt_ft": FOOT_M},
    "gs": {"gs_mps": 1.0, "gs_kt": KNOT_MS},
    "vrate": {"vrate_mps": 1.0, "vrate_fpm": FEET_PER_MINUTE_MS},
}
"""Quantity → {field name: factor to SI}."""
OPTIONAL_FIELDS: Final = (
    *(name for variants in UNIT_VARIANTS.values() for name in variants),
    "track_deg",
    "icao24",
    "callsign",
)
ALLOWED_FIELDS: Final = frozenset((*REQUIRED_FIELDS, *OPTIONAL_FIELDS))
_HINTS: Final = {
    "alt": "alt_m or alt_ft",
    "altitude": "alt_m or alt_ft",
    "gs": "gs_mps or gs_kt",
    "groundspeed": "gs_mps or gs_kt",
    "speed": "gs_mps or gs_kt",
    "vrate": "vrate_mps or vrate_fpm",
    "vertical_rate": "vrate_mps or vrate_fpm",
    "lat": "lat_deg",
    "latitude": "lat_deg",
    "lon": "lon_deg",
    "longitude": "lon_deg",
    "track": "track_deg",
    "heading": "track_deg",
    "timestamp": "time",
}
MAX_TRACK_ID_LEN: Final = 64


class _Reject(Exception):
    """A record is bad: ``reason`` is the count key, ``detail`` goes into the example."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _num(rec: Mapping[str, Any], name: str) -> float:
    v = rec.get(name)
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _Reject(f"{name}: not a number", repr(v)[:40])
    try:
        x = float(v)
    except OverflowError:  # an integer too large for a double
        raise _Reject(f"{name}: not finite", repr(v)[:40]) from None
    if not math.isfinite(x):
        raise _Reject(f"{name}: not finite", repr(v))
    return x


def _quantity(rec: Mapping[str, Any], quantity: str) -> float:
    present = [name for name in UNIT_VARIANTS[quantity] if rec.get(name) is not None]
    if not present:
        return math.nan
    if len(present) > 1:
        raise _Reject(f"{quantity}: give only one of {', '.join(UNIT_VARIANTS[quantity])}")
    name = present[0]
    return _num(rec, name) * UNIT_VARIANTS[quantity][name]


def _record(rec: object, party: str, now_s: float | None, max_future_s: float) -> tuple[Any, ...]:
    if not isinstance(rec, dict):
        raise _Reject("record: not an object", type(rec).__name__)
    unknown = rec.keys() - ALLOWED_FIELDS
    if unknown:
        name = sorted(map(str, unknown))[0]
        hint = _HINTS.get(name.lower())
        detail = f"{name!r}" + (f" (did you mean {hint}?)" if hint else "")
        raise _Reject("record: unknown field", detail)
    for name in REQUIRED_FIELDS:
        if rec.get(name) is None:
            raise _Reject(f"{name}: missing")
    tid = rec["track_id"]
    if not isinstance(tid, str) or not 0 < len(tid) <= MAX_TRACK_ID_LEN or not tid.isprintable():
        raise _Reject("track_id: not 1-64 printable characters", repr(tid)[:80])
    try:
        t = parse_time(rec["time"])
    except ValidationError as e:
        raise _Reject("time: not an RFC 3339 date-time with offset", e.reason[:80]) from None
    if now_s is not None and t > now_s + max_future_s:
        raise _Reject("time: in the future", f"{t - now_s:.1f} s ahead")
    lat = _num(rec, "lat_deg")
    lon = _num(rec, "lon_deg")
    alt = _quantity(rec, "alt")
    gs = _quantity(rec, "gs")
    trk = _num(rec, "track_deg")
    vr = _quantity(rec, "vrate")
    icao = NO_ICAO
    raw_icao = rec.get("icao24")
    if raw_icao is not None:
        icao = icao_or_none(raw_icao) if isinstance(raw_icao, str) else NO_ICAO
        if icao == NO_ICAO:
            raise _Reject("icao24: not 6 hex digits", repr(raw_icao)[:40])
    callsign = ""
    raw_cs = rec.get("callsign")
    if raw_cs is not None:
        callsign = clean_callsign(raw_cs)
        if not callsign and (not isinstance(raw_cs, str) or raw_cs.strip()):
            raise _Reject("callsign: not up to 8 letters and digits", repr(raw_cs)[:40])
    return (party_track_id(party, tid), party, icao, callsign, lat, lon, alt, gs, trk, vr, t)


def parse_json_batch(
    body: bytes | str | list[Any],
    *,
    party: str,
    source: str = "json",
    now_s: float | None = None,
    max_future_s: float = 10.0,
    max_records: int = 100_000,
) -> tuple[TrackUpdates, IngestStats]:
    """Parse and validate one JSON batch from ``party``'s feed (see the module docstring).

    ``body`` is the raw request body or the already-decoded list.  With ``now_s`` (POSIX seconds),
    records more than ``max_future_s`` ahead of it are rejected.  Never raises on bad data; raises
    :class:`~skyaccord.errors.ValidationError` only for a bad ``party`` (a caller's mistake).
    """
    if not isinstance(party, str) or not party or party == UNKNOWN_PARTY or "/" in party:
        raise ValidationError("party", f"not a valid party name: {party!r}")
    stats = IngestStats()
    records: object = body
    if isinstance(body, bytes | str):
        try:
            records = json.loads(body)
        except (ValueError, RecursionError) as e:
            stats.reject("body: not valid JSON", str(e)[:80])
            return TrackUpdates.empty(), stats
    if not isinstance(records, list):
        stats.reject("body: not a JSON array of objects", type(records).__name__)
        return TrackUpdates.empty(), stats
    if len(records) > max_records:
        stats.reject(f"body: more than {max_records} records", str(len(records)), len(records))
        return TrackUpdates.empty(), stats
    rows = RowBuilder()
    for i, rec in enumerate(records):
        try:
            rows.rows.append((*_record(rec, party, now_s, max_future_s), f"[{i}]"))
        except _Reject as r:
            stats.reject(r.reason, f"[{i}]: {r.detail}" if r.detail else f"[{i}]")
    updates, where = rows.columns(source)
    # Every row carries the feeding party as its explicit owner, so no rule can override it.
    return finish(updates, where, stats, None, explicit_party=True), stats
