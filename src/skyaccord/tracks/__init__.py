"""Live tracks: ingest from real formats, and the table of the latest state of every track.

Data flows one way::

    bytes / lines / files ──> sources.* (parse, validate, own) ──> TrackUpdates + IngestStats
                                                                        │
                                        TrackTable.apply / expire / snapshot ──> TrackSnapshot
                                                                                  (to detect)

* :mod:`~skyaccord.tracks.updates` — :class:`TrackUpdates` (a batch as a struct of arrays, SI
  units) and :class:`IngestStats`;
* :mod:`~skyaccord.tracks.ownership` — :class:`OwnershipRules` (ICAO address blocks, callsign
  prefixes);
* :mod:`~skyaccord.tracks.table` — :class:`TrackTable` and :class:`TrackSnapshot`;
* :mod:`~skyaccord.tracks.sources` — the readers and :func:`~skyaccord.tracks.sources.open_source`;
* :mod:`~skyaccord.tracks.reference` — a slow per-record table, the yardstick for tests and
  benchmarks.
"""

from __future__ import annotations

from skyaccord.tracks.ownership import ICAO_COUNTRY_BLOCKS, IcaoBlock, OwnershipRules
from skyaccord.tracks.table import (
    ApplyResult,
    ExpireResult,
    TrackSnapshot,
    TrackTable,
    velocity_between,
)
from skyaccord.tracks.updates import (
    NO_ICAO,
    UNKNOWN_PARTY,
    IngestStats,
    TrackUpdates,
    icao_track_id,
    party_track_id,
)

__all__ = [
    "ICAO_COUNTRY_BLOCKS",
    "NO_ICAO",
    "UNKNOWN_PARTY",
    "ApplyResult",
    "ExpireResult",
    "IcaoBlock",
    "IngestStats",
    "OwnershipRules",
    "TrackSnapshot",
    "TrackTable",
    "TrackUpdates",
    "icao_track_id",
    "party_track_id",
    "velocity_between",
]
