"""Track updates as a struct of arrays, and the ingest statistics that go with them.

A :class:`TrackUpdates` batch is what every reader produces and what
:meth:`skyaccord.tracks.table.TrackTable.apply` consumes: one numpy array per field, all of the
same length, one element per position report.  Units are SI inside (metres, seconds, metres per
second), latitude, longitude and track angle in degrees; unknown values are NaN (floats), ``-1``
(ICAO address) or ``""`` (callsign).

Track ids are the table's key and must be unique across parties.  Two conventions keep them so:

* ``icao:4ca2d6`` for anything identified by its ICAO 24-bit address (ADS-B, Mode S, SBS-1,
  state vectors), see :func:`icao_track_id`, so that two feeds of the same aircraft merge;
* ``<party>/<id>`` for a party's own feed, see :func:`party_track_id`, so that two parties may
  both call a track ``"T1"``.

>>> u = TrackUpdates.from_columns(track_id=["icao:738043"], lat_deg=[32.0], lon_deg=[34.8],
...                               time_s=[1572773290.0], alt_m=[3048.0])
>>> len(u), int(u.icao24[0]), bool(np.isnan(u.gs_mps[0]))
(1, -1, True)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyaccord.errors import ValidationError

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
Obj = NDArray[np.object_]

UNKNOWN_PARTY: Final = "unknown"
"""Owner of a track no rule could attribute; it counts as a party of its own."""

NO_ICAO: Final = -1
"""Value of ``icao24`` when a track has no ICAO 24-bit address."""

_FLOAT_FIELDS: Final = (
    "lat_deg",
    "lon_deg",
    "alt_m",
    "gs_mps",
    "track_deg",
    "vrate_mps",
    "time_s",
)
_OBJECT_FIELDS: Final = ("track_id", "party", "callsign", "source")


def icao_track_id(icao24: int) -> str:
    """Track id of an aircraft known by its ICAO 24-bit address.

    >>> icao_track_id(0x738043)
    'icao:738043'
    """
    return f"icao:{icao24:06x}"


def party_track_id(party: str, local_id: str) -> str:
    """Track id of a track a party reports under its own id ``local_id``.

    >>> party_track_id("israel", "F16-1")
    'israel/F16-1'
    """
    return f"{party}/{local_id}"


def parse_icao24(text: str) -> int:
    """Six hexadecimal digits (``"4CA2D6"``, ``"4ca2d6"``) → integer address; ValueError otherwise.

    >>> hex(parse_icao24("738043"))
    '0x738043'
    """
    s = text.strip()
    if len(s) != 6:
        raise ValueError(f"ICAO 24-bit address must be 6 hex digits, got {text!r}")
    return int(s, 16)


def format_icao24(icao24: int) -> str:
    """Integer address → six lower-case hex digits, ``""`` for :data:`NO_ICAO`."""
    return "" if icao24 < 0 else f"{icao24:06x}"


def _as_object(values: ArrayLike, n: int, name: str) -> Obj:
    arr = np.empty(n, dtype=object)
    src = np.asarray(values, dtype=object)
    if src.shape != (n,):
        raise ValidationError(name, f"expected {n} values, got shape {src.shape}")
    arr[:] = src
    return arr


@dataclass(frozen=True, slots=True, eq=False)
class TrackUpdates:
    """A batch of position reports, one array per field, all of the same length.

    ``track_id``, ``party``, ``callsign`` and ``source`` are object arrays of ``str``;
    ``icao24`` is int32 (``-1`` when none); the rest are float64:

    ============  ==========================================================
    lat_deg       WGS84 latitude, degrees, [-90, 90]
    lon_deg       WGS84 longitude, degrees, [-180, 180]
    alt_m         altitude, metres (barometric where the source has it); NaN if unknown
    gs_mps        ground speed, m/s; NaN if unknown
    track_deg     track angle over ground, degrees clockwise from true north; NaN if unknown
    vrate_mps     vertical rate, m/s, positive up; NaN if unknown
    time_s        time of the position, POSIX seconds (UTC)
    ============  ==========================================================
    """

    track_id: Obj
    party: Obj
    icao24: I32
    callsign: Obj
    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    gs_mps: F64
    track_deg: F64
    vrate_mps: F64
    time_s: F64
    source: Obj

    def __post_init__(self) -> None:
        n = np.shape(self.track_id)[0] if np.ndim(self.track_id) == 1 else -1
        if n < 0:
            raise ValidationError("track_id", "must be a one-dimensional array")
        for name in _OBJECT_FIELDS:
            value = getattr(self, name)
            if not (isinstance(value, np.ndarray) and value.dtype == object):
                object.__setattr__(self, name, _as_object(value, n, name))
            elif value.shape != (n,):
                raise ValidationError(name, f"expected {n} values, got shape {value.shape}")
        for name in _FLOAT_FIELDS:
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (n,):
                raise ValidationError(name, f"expected {n} values, got shape {arr.shape}")
            object.__setattr__(self, name, arr)
        icao = np.asarray(self.icao24, dtype=np.int32)
        if icao.shape != (n,):
            raise ValidationError("icao24", f"expected {n} values, got shape {icao.shape}")
        object.__setattr__(self, "icao24", icao)

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @classmethod
    def from_columns(
        cls,
        *,
        track_id: ArrayLike,
        lat_deg: ArrayLike,
        lon_deg: ArrayLike,
        time_s: ArrayLike,
        party: ArrayLike | str = UNKNOWN_PARTY,
        icao24: ArrayLike | int = NO_ICAO,
        callsign: ArrayLike | str = "",
        alt_m: ArrayLike | float = math.nan,
        gs_mps: ArrayLike | float = math.nan,
        track_deg: ArrayLike | float = math.nan,
        vrate_mps: ArrayLike | float = math.nan,
        source: ArrayLike | str = "",
    ) -> TrackUpdates:
        """Build a batch from columns; scalars are broadcast, missing fields take their defaults."""
        ids = np.asarray(track_id, dtype=object).reshape(-1)
        n = ids.shape[0]

        def obj(v: ArrayLike | str, name: str) -> Obj:
            if isinstance(v, str):
                a = np.empty(n, dtype=object)
                a[:] = v
                return a
            return _as_object(v, n, name)

        def num(v: ArrayLike | float, name: str, dtype: type[np.generic]) -> NDArray[Any]:
            try:
                return np.array(np.broadcast_to(np.asarray(v, dtype=dtype), (n,)))
            except ValueError:
                raise ValidationError(name, f"expected {n} values or one") from None

        return cls(
            track_id=ids,
            party=obj(party, "party"),
            icao24=num(icao24, "icao24", np.int32),
            callsign=obj(callsign, "callsign"),
            lat_deg=num(lat_deg, "lat_deg", np.float64),
            lon_deg=num(lon_deg, "lon_deg", np.float64),
            alt_m=num(alt_m, "alt_m", np.float64),
            gs_mps=num(gs_mps, "gs_mps", np.float64),
            track_deg=num(track_deg, "track_deg", np.float64),
            vrate_mps=num(vrate_mps, "vrate_mps", np.float64),
            time_s=num(time_s, "time_s", np.float64),
            source=obj(source, "source"),
        )

    @classmethod
    def empty(cls) -> TrackUpdates:
        """A batch of length 0."""
        return cls.from_columns(track_id=[], lat_deg=[], lon_deg=[], time_s=[])

    def take(self, index: ArrayLike | slice) -> TrackUpdates:
        """The records selected by a slice, or an integer or boolean index, as a new batch."""
        idx = index if isinstance(index, slice) else np.asarray(index)
        return TrackUpdates(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[TrackUpdates]) -> TrackUpdates:
        """Several batches end to end."""
        if not parts:
            return TrackUpdates.empty()
        if len(parts) == 1:
            return parts[0]
        return TrackUpdates(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(TrackUpdates)
            }
        )

    def with_party(self, party: Obj) -> TrackUpdates:
        """The same batch with its ``party`` column replaced."""
        return replace(self, party=party)

    def sorted_by_time(self) -> TrackUpdates:
        """The batch in ascending time order (stable)."""
        return self.take(np.argsort(self.time_s, kind="stable"))

    def time_batches(self, window_s: float) -> Iterator[TrackUpdates]:
        """Consecutive batches covering ``window_s`` seconds each, in time order: a replay.

        Feeding a recording to a :class:`~skyaccord.tracks.table.TrackTable` batch by batch
        reproduces what a live feed delivering every ``window_s`` seconds would have produced.
        """
        if not window_s > 0:
            raise ValidationError("window_s", "must be > 0")
        ordered = self.sorted_by_time()
        t = ordered.time_s
        if len(t) == 0:
            return
        # Window number of each record; a new batch starts wherever it changes (O(n), however
        # long the recording or wide its gaps).
        k = np.floor((t - t[0]) / window_s)
        cuts = np.flatnonzero(k[1:] != k[:-1]) + 1
        start = 0
        for stop in [*cuts.tolist(), len(t)]:
            yield ordered.take(slice(start, stop))
            start = stop


@dataclass(slots=True)
class IngestStats:
    """What a reader did with its input: counts by outcome, and the first few examples.

    * ``accepted`` — records turned into track updates;
    * ``rejected`` — bad records, by reason (``"lat_deg: out of range [-90, 90]"``);
    * ``skipped`` — valid records that carry no position of their own, by reason (identification
      or velocity messages merged into the aircraft state, ground traffic when not kept, ...).

    ``examples[reason]`` holds up to :attr:`max_examples` strings naming where the record was
    (``"line 12"``, ``"[3]"``) and what was wrong with it.
    """

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    max_examples: ClassVar[int] = 3

    def reject(self, reason: str, example: str = "", count: int = 1) -> None:
        """Count ``count`` bad records for ``reason``, keeping ``example`` if there is room."""
        self.rejected[reason] += count
        if example:
            kept = self.examples.setdefault(reason, [])
            if len(kept) < self.max_examples:
                kept.append(example)

    def reject_many(self, reason: str, examples: Iterable[str], count: int) -> None:
        """Count ``count`` bad records for ``reason`` with a few of their examples."""
        self.rejected[reason] += count
        kept = self.examples.setdefault(reason, [])
        for ex in examples:
            if len(kept) >= self.max_examples:
                break
            kept.append(ex)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count ``count`` records consumed without producing an update."""
        self.skipped[reason] += count

    @property
    def n_rejected(self) -> int:
        """Total number of rejected records."""
        return sum(self.rejected.values())

    @property
    def n_skipped(self) -> int:
        """Total number of skipped records."""
        return sum(self.skipped.values())

    def merge(self, other: IngestStats) -> IngestStats:
        """Add ``other``'s counts and examples to these; returns ``self``."""
        self.accepted += other.accepted
        self.skipped.update(other.skipped)
        for reason, count in other.rejected.items():
            self.reject_many(reason, other.examples.get(reason, ()), count)
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, e.g. for an HTTP response or a log line."""
        return {
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "skipped": dict(self.skipped),
            "examples": {k: list(v) for k, v in self.examples.items()},
        }
