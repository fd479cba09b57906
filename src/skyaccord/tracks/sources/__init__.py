"""Readers turning real track formats into :class:`~skyaccord.tracks.updates.TrackUpdates`.

Each reader returns ``(updates, stats)``: the good records, and an
:class:`~skyaccord.tracks.updates.IngestStats` counting what was accepted, rejected (with reasons
and examples) and skipped.  No reader raises on bad data.

=====================  ==============================================  ==========================
format                 reader                                          module
=====================  ==============================================  ==========================
party JSON batch       :func:`parse_json_batch`                        ``json_batch``
SBS-1 / BaseStation    :class:`SbsDecoder`, :func:`read_sbs`           ``sbs``
raw Mode S / ADS-B     :class:`ModeSDecoder`, :func:`read_raw`         ``modes``
OpenSky state vectors  :func:`read_opensky_csv`, ``_parquet``          ``statevectors``
traffic JSON           :func:`read_traffic_json`                       ``statevectors``
readsb trace           :func:`read_readsb_trace`                       ``statevectors``
=====================  ==============================================  ==========================

:func:`open_source` picks the reader of a file from its extension and first bytes.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Final, Literal

from skyaccord.errors import ValidationError
from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources._records import load_file
from skyaccord.tracks.sources.json_batch import parse_json_batch
from skyaccord.tracks.sources.modes import ModeSDecoder, read_raw
from skyaccord.tracks.sources.sbs import SbsDecoder, parse_sbs, read_sbs
from skyaccord.tracks.sources.statevectors import (
    parse_opensky_csv,
    parse_readsb_trace,
    parse_traffic_json,
    read_opensky_csv,
    read_opensky_parquet,
    read_readsb_trace,
    read_traffic_json,
)
from skyaccord.tracks.updates import IngestStats, TrackUpdates

__all__ = [
    "Format",
    "ModeSDecoder",
    "SbsDecoder",
    "detect_format",
    "open_source",
    "parse_json_batch",
    "parse_opensky_csv",
    "parse_readsb_trace",
    "parse_sbs",
    "parse_traffic_json",
    "read_opensky_csv",
    "read_opensky_parquet",
    "read_raw",
    "read_readsb_trace",
    "read_sbs",
    "read_traffic_json",
]

Format = Literal[
    "json-batch", "sbs", "raw", "beast", "opensky-csv", "opensky-parquet", "traffic", "readsb"
]
FORMATS: Final[tuple[Format, ...]] = (
    "json-batch",
    "sbs",
    "raw",
    "beast",
    "opensky-csv",
    "opensky-parquet",
    "traffic",
    "readsb",
)
_SBS_KINDS: Final = ("MSG,", "SEL,", "ID,", "AIR,", "STA,", "CLK,")
_HEAD_BYTES: Final = 8192


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as gz:
                return gz.read(_HEAD_BYTES)
        except (OSError, EOFError, zlib.error):
            return b""
    return head


def detect_format(path: str | Path) -> Format | None:
    """The format of a file, from its extension and first bytes (gzip is looked through)."""
    p = Path(path)
    head = _head(p)
    if head[:4] == b"PAR1" or p.suffix.lower() == ".parquet":
        return "opensky-parquet"
    if head[:1] == b"\x1a":
        return "beast"
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first.startswith(_SBS_KINDS):
        return "sbs"
    if first[:1] in ("*", "@"):
        return "raw"
    if first[:1] in ("[", "{"):
        if '"trace"' in text:
            return "readsb"
        if '"frame"' in text or '"rawmsg"' in text:
            return "raw"
        if '"lat_deg"' in text:
            return "json-batch"
        return "traffic"
    header = {h.strip().lower() for h in first.split(",")}
    if {"icao24", "lat", "lon"} <= header:
        return "opensky-csv"
    if "," in first or all(c in "0123456789abcdefABCDEF" for c in first):
        return "raw"
    return None


def open_source(
    path: str | Path,
    *,
    kind: Format | None = None,
    rules: OwnershipRules | None = None,
    party: str | None = None,
    keep_ground: bool = False,
    reference: tuple[float, float] | None = None,
    base_time_s: float = 0.0,
    utc_offset_s: float = 0.0,
) -> tuple[TrackUpdates, IngestStats]:
    """Read a recorded feed of any supported format into updates.

    ``kind`` overrides detection; ``party`` is required for a JSON batch (its feeding party);
    ``reference`` (receiver lat, lon), ``base_time_s`` (receiver clock epoch) apply to raw Mode S
    and Beast; ``utc_offset_s`` to SBS-1.  Raises :class:`~skyaccord.errors.ValidationError` if
    the format cannot be told or an option it needs is missing; a missing file raises ``OSError``.
    """
    p = Path(path)
    fmt = kind or detect_format(p)
    if fmt is None:
        raise ValidationError("path", f"cannot tell the format of {p.name}; pass kind=")
    if fmt not in FORMATS:
        raise ValidationError("kind", f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    if fmt == "json-batch":
        if party is None:
            raise ValidationError("party", "a JSON batch needs the party that fed it")
        file_stats = IngestStats()
        data = load_file(p, file_stats)
        updates, stats = parse_json_batch(data, party=party, source=p.name)
        return updates, stats.merge(file_stats)
    if fmt == "sbs":
        return read_sbs(p, rules=rules, keep_ground=keep_ground, utc_offset_s=utc_offset_s)
    if fmt in ("raw", "beast"):
        return read_raw(
            p, reference=reference, rules=rules, keep_ground=keep_ground, base_time_s=base_time_s
        )
    if fmt == "opensky-csv":
        return read_opensky_csv(p, rules=rules, keep_ground=keep_ground)
    if fmt == "opensky-parquet":
        return read_opensky_parquet(p, rules=rules, keep_ground=keep_ground)
    if fmt == "readsb":
        return read_readsb_trace(p, rules=rules, keep_ground=keep_ground)
    return read_traffic_json(p, rules=rules, keep_ground=keep_ground)
