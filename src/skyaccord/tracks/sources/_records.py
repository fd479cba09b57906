"""Shared machinery of the readers: row building, range screening, callsigns, ownership.

Readers parse their format into rows (or columns) in SI units, then hand them to
:func:`finish`, which screens every value against the physical ranges below in one vectorized
pass, counts and drops the bad rows with a reason, and sets each row's party from the ownership
rules.  One screen for every format keeps the acceptance rules identical whatever the source.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.updates import NO_ICAO, IngestStats, TrackUpdates
from skyaccord.units import wrap_360

F64 = NDArray[np.float64]

ALT_RANGE_M: Final = (-1500.0, 60000.0)
"""Accepted altitudes, metres: below the Dead Sea shore at high pressure, up to high balloons."""
GS_RANGE_MPS: Final = (0.0, 1500.0)
"""Accepted ground speeds, m/s (about Mach 4.5)."""
VRATE_LIMIT_MPS: Final = 500.0
"""Accepted vertical rates, ±m/s."""
TIME_RANGE_S: Final = (0.0, 4102444800.0)
"""Accepted times, POSIX seconds: 1970 up to 2100 (relative receiver clocks start near 0)."""
TRACK_RANGE_DEG: Final = (-360.0, 360.0)
"""Accepted track angles, degrees; stored modulo 360 (some sources use -180..180)."""

_NO_RULES: Final = OwnershipRules()
_CALLSIGN_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")

Row = tuple[str, str, int, str, float, float, float, float, float, float, float, str]
"""track_id, party, icao24, callsign, lat, lon, alt_m, gs_mps, track_deg, vrate_mps, time_s, where."""


def clean_callsign(raw: object) -> str:
    """Callsign as broadcast (``"ELY1747 "``, ``"AFR_34ZG"``) → ``"ELY1747"``; ``""`` if not valid.

    ADS-B callsigns are up to 8 characters from A–Z and 0–9, padded with spaces (``_`` or ``#``
    in some decoders).  Anything else is not a callsign and is dropped rather than guessed at.
    """
    if not isinstance(raw, str):
        return ""
    s = raw.strip().strip("_#").strip().upper()
    if not s or len(s) > 8 or not _CALLSIGN_CHARS.issuperset(s):
        return ""
    return s


def number(value: object) -> float:
    """A JSON/CSV value → float: numbers and numeric strings; ``None``/``""`` → NaN.

    Raises ValueError for anything else (booleans included: ``true`` is not a speed).
    """
    if value is None or value == "":
        return math.nan
    if isinstance(value, bool):
        raise ValueError("boolean where a number is expected")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value)
    raise ValueError(f"{type(value).__name__} where a number is expected")


class RowBuilder:
    """Collects rows (already in SI units) from a line-by-line parser; cheap to append to."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self, source: str) -> tuple[TrackUpdates, NDArray[np.object_]]:
        """The rows as a batch (party column as given) and their ``where`` labels."""
        if not self.rows:
            return TrackUpdates.empty(), np.empty(0, dtype=object)
        cols = list(zip(*self.rows, strict=True))
        n = len(self.rows)

        def obj(c: Sequence[object]) -> NDArray[np.object_]:
            a = np.empty(n, dtype=object)
            a[:] = c
            return a

        updates = TrackUpdates(
            track_id=obj(cols[0]),
            party=obj(cols[1]),
            icao24=np.asarray(cols[2], dtype=np.int32),
            callsign=obj(cols[3]),
            lat_deg=np.asarray(cols[4], dtype=np.float64),
            lon_deg=np.asarray(cols[5], dtype=np.float64),
            alt_m=np.asarray(cols[6], dtype=np.float64),
            gs_mps=np.asarray(cols[7], dtype=np.float64),
            track_deg=np.asarray(cols[8], dtype=np.float64),
            vrate_mps=np.asarray(cols[9], dtype=np.float64),
            time_s=np.asarray(cols[10], dtype=np.float64),
            source=obj([source] * n),
        )
        return updates, obj(cols[11])


def _screen_mask(
    stats: IngestStats,
    where: NDArray[np.object_],
    values: F64,
    bad: NDArray[np.bool_],
    reason: str,
    name: str,
) -> None:
    if bad.any():
        idx = np.flatnonzero(bad)
        examples = [f"{where[i]}: {name}={values[i]!r}" for i in idx[: IngestStats.max_examples]]
        stats.reject_many(reason, examples, len(idx))


def finish(
    updates: TrackUpdates,
    where: NDArray[np.object_],
    stats: IngestStats,
    rules: OwnershipRules | None,
    *,
    explicit_party: bool = False,
) -> TrackUpdates:
    """Screen a parsed batch, count rejects in ``stats``, set owners; return the good rows.

    ``where`` labels each row for the examples (``"line 12"``).  With ``explicit_party`` the
    ``party`` column holds owners given by the source, which take precedence over the rules;
    otherwise it is ignored.  Each row is checked once and counted under its first failure.
    """
    n = len(updates)
    if n == 0:
        return updates
    ok = np.ones(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        checks: list[tuple[str, F64, NDArray[np.bool_], str]] = [
            ("time_s", updates.time_s, ~np.isfinite(updates.time_s), "time: not finite"),
            (
                "time_s",
                updates.time_s,
                (updates.time_s < TIME_RANGE_S[0]) | (updates.time_s >= TIME_RANGE_S[1]),
                "time: outside 1970-2100",
            ),
            ("lat_deg", updates.lat_deg, ~np.isfinite(updates.lat_deg), "lat_deg: not finite"),
            (
                "lat_deg",
                updates.lat_deg,
                np.abs(updates.lat_deg) > 90.0,
                "lat_deg: out of range [-90, 90]",
            ),
            ("lon_deg", updates.lon_deg, ~np.isfinite(updates.lon_deg), "lon_deg: not finite"),
            (
                "lon_deg",
                updates.lon_deg,
                np.abs(updates.lon_deg) > 180.0,
                "lon_deg: out of range [-180, 180]",
            ),
            (
                "alt_m",
                updates.alt_m,
                np.isinf(updates.alt_m)
                | (updates.alt_m < ALT_RANGE_M[0])
                | (updates.alt_m > ALT_RANGE_M[1]),
                f"alt_m: out of range [{ALT_RANGE_M[0]:g}, {ALT_RANGE_M[1]:g}]",
            ),
            (
                "gs_mps",
                updates.gs_mps,
                np.isinf(updates.gs_mps)
                | (updates.gs_mps < GS_RANGE_MPS[0])
                | (updates.gs_mps > GS_RANGE_MPS[1]),
                f"gs_mps: out of range [{GS_RANGE_MPS[0]:g}, {GS_RANGE_MPS[1]:g}]",
            ),
            (
                "track_deg",
                updates.track_deg,
                np.isinf(updates.track_deg)
                | (updates.track_deg < TRACK_RANGE_DEG[0])
                | (updates.track_deg > TRACK_RANGE_DEG[1]),
                "track_deg: out of range [-360, 360]",
            ),
            (
                "vrate_mps",
                updates.vrate_mps,
                np.isinf(updates.vrate_mps) | (np.abs(updates.vrate_mps) > VRATE_LIMIT_MPS),
                f"vrate_mps: out of range ±{VRATE_LIMIT_MPS:g}",
            ),
        ]
    for name, values, bad, reason in checks:
        first = bad & ok
        _screen_mask(stats, where, values, first, reason, name)
        ok &= ~bad
    good = updates.take(ok) if not ok.all() else updates
    if len(good):
        good = good.with_party(
            (rules or _NO_RULES).resolve(
                good.icao24, good.callsign, good.party if explicit_party else None
            )
        )
        # 360° is north too; keep the documented [0, 360) convention.
        good.track_deg[:] = wrap_360(good.track_deg)
    stats.accepted += len(good)
    return good


class LineBuffer:
    """Splits a byte stream into text lines, keeping an incomplete last line for the next chunk.

    Lines longer than ``max_line_bytes`` are dropped (and counted by the caller): a stream of
    garbage without line ends must not grow the buffer without bound.
    """

    __slots__ = ("_max", "_tail")

    def __init__(self, max_line_bytes: int = 4096) -> None:
        self._tail = b""
        self._max = max_line_bytes

    def feed(self, data: bytes) -> tuple[list[str], int]:
        """Complete lines in ``data`` (after what was kept), and how many were too long."""
        parts = (self._tail + data).split(b"\n")
        self._tail = parts.pop()
        too_long = 0
        if len(self._tail) > self._max:
            self._tail = b""
            too_long += 1
        lines = []
        for p in parts:
            if len(p) > self._max:
                too_long += 1
            else:
                lines.append(p.decode("ascii", "replace"))
        return lines, too_long

    def flush(self) -> list[str]:
        """The incomplete last line, if any (at the end of the stream)."""
        tail, self._tail = self._tail, b""
        return [tail.decode("ascii", "replace")] if tail.strip() else []


def load_file(path: str | Path, stats: IngestStats) -> bytes:
    """A file's bytes, gunzipped if it is gzip (several members allowed).

    A truncated or corrupt gzip file yields what could be decompressed before the damage, and
    one reject (``"file: corrupt gzip"``) in ``stats``: a recording cut short is still usable.
    """
    data = Path(path).read_bytes()
    if data[:2] != b"\x1f\x8b":
        return data
    out: list[bytes] = []
    while data:
        d = zlib.decompressobj(wbits=31)
        try:
            out.append(d.decompress(data))
        except zlib.error as e:
            stats.reject("file: corrupt gzip", str(e)[:60])
            break
        if not d.eof:
            stats.reject("file: corrupt gzip", "truncated")
            break
        data = d.unused_data.lstrip(b"\x00")
    return b"".join(out)


def icao_or_none(text: str) -> int:
    """Six hex digits → address; anything else → :data:`NO_ICAO`."""
    s = text.strip()
    if len(s) != 6 or not _HEX_DIGITS.issuperset(s):
        return NO_ICAO
    return int(s, 16)
