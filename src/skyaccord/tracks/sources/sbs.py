"""SBS-1 (BaseStation) text lines, as dump1090 and readsb serve on TCP port 30003.

Each line is 22 comma-separated fields::

    MSG,3,1,1,4CA2D6,1,2019/03/12,13:33:39.227,2019/03/12,13:33:39.227,,37000,,,51.4768,-0.4612,,,0,0,0,0

``MSG,3`` (airborne position) and ``MSG,2`` (surface position) become track updates; ``MSG,1``
(callsign) and ``MSG,4`` (ground speed, track, vertical rate) only update the aircraft's state and
are merged into its next positions, as long as the velocity is at most ``velocity_max_age_s`` old.
Units on the wire: altitude in feet, speed in knots, vertical rate in ft/min.

The format carries no time zone: dump1090 writes the receiver's local time.  Times are read as UTC
plus ``utc_offset_s`` (set it to the receiver's offset, e.g. ``7200`` for UTC+2, or run the
receiver in UTC).

Parsing is pure apart from the per-aircraft state kept in :class:`SbsDecoder`, so it can be fed
from a file, a socket (:func:`skyaccord.tracks.sources.stream.stream_tcp`) or a test.

>>> dec = SbsDecoder()
>>> u, stats = dec.feed([
...     "MSG,4,1,1,738043,1,2019/11/03,09:28:10.000,2019/11/03,09:28:10.000,,,450,185.0,,,-640,,,,,0",
...     "MSG,3,1,1,738043,1,2019/11/03,09:28:10.500,2019/11/03,09:28:10.500,,19000,,,36.1,35.95,,,0,0,0,0",
... ])
>>> u.track_id.tolist(), round(float(u.alt_m[0])), round(float(u.gs_mps[0]), 1), stats.accepted
(['icao:738043'], 5791, 231.5, 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources._records import (
    LineBuffer,
    RowBuilder,
    clean_callsign,
    finish,
    icao_or_none,
    load_file,
)
from skyaccord.tracks.updates import IngestStats, TrackUpdates, icao_track_id
from skyaccord.units import FEET_PER_MINUTE_MS, FOOT_M, KNOT_MS

N_FIELDS: Final = 22
_EVICT_EVERY: Final = 10_000
_EVICT_AFTER_S: Final = 600.0
"""Aircraft not heard of for this long are forgotten (bounded memory on an endless stream)."""
_OTHER_KINDS: Final = frozenset(("SEL", "ID", "AIR", "STA", "CLK"))
_NAN: Final = math.nan


class _Bad(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class _Aircraft:
    """What the decoder remembers of one aircraft between lines."""

    __slots__ = ("callsign", "gs_mps", "last_seen", "t_velocity", "track_deg", "vrate_mps")

    def __init__(self) -> None:
        self.last_seen = -math.inf
        self.callsign = ""
        self.gs_mps = _NAN
        self.track_deg = _NAN
        self.vrate_mps = _NAN
        self.t_velocity = -math.inf


_Row = tuple[str, str, int, str, float, float, float, float, float, float, float]


def _float(text: str, name: str) -> float:
    if not text:
        return _NAN
    try:
        return float(text)
    except ValueError:
        raise _Bad(f"{name}: not a number", text[:20]) from None


class SbsDecoder:
    """Turns SBS-1 lines into track updates, keeping each aircraft's callsign and velocity.

    ``keep_ground`` — keep surface positions (``MSG,2`` and positions flagged on ground); they
    are skipped by default since ground traffic is not deconflicted.
    """

    __slots__ = (
        "_aircraft",
        "_buffer",
        "_days",
        "_keep_ground",
        "_line_no",
        "_rules",
        "_source",
        "_utc_offset_s",
        "_velocity_max_age_s",
    )

    def __init__(
        self,
        *,
        rules: OwnershipRules | None = None,
        source: str = "sbs",
        utc_offset_s: float = 0.0,
        keep_ground: bool = False,
        velocity_max_age_s: float = 10.0,
    ) -> None:
        self._rules = rules
        self._source = source
        self._utc_offset_s = float(utc_offset_s)
        self._keep_ground = keep_ground
        self._velocity_max_age_s = float(velocity_max_age_s)
        self._aircraft: dict[int, _Aircraft] = {}
        self._days: dict[str, float] = {}
        self._line_no = 0
        self._buffer = LineBuffer()

    def _time(self, date: str, clock: str) -> float:
        day = self._days.get(date)
        if day is None:
            parts = date.split("/")
            try:
                y, mo, d = (int(p) for p in parts)
                day = datetime(y, mo, d, tzinfo=UTC).timestamp() - self._utc_offset_s
            except ValueError:
                raise _Bad("time: bad date", date[:20]) from None
            if len(self._days) > 64:
                self._days.clear()
            self._days[date] = day
        hms = clock.split(":")
        try:
            h, m, s = int(hms[0]), int(hms[1]), float(hms[2])
        except (ValueError, IndexError):
            raise _Bad("time: bad time of day", clock[:20]) from None
        if not (0 <= h < 24 and 0 <= m < 60 and 0.0 <= s < 61.0):
            raise _Bad("time: bad time of day", clock[:20])
        return day + h * 3600 + m * 60 + s

    def feed(self, lines: Iterable[str | bytes]) -> tuple[TrackUpdates, IngestStats]:
        """Parse lines (``str`` or ``bytes``, with or without line ends) into a batch of updates."""
        stats = IngestStats()
        rows = RowBuilder()
        append = rows.rows.append
        aircraft = self._aircraft
        for raw in lines:
            self._line_no += 1
            where = f"line {self._line_no}"
            line = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
            line = line.strip()
            if not line:
                continue
            f = line.split(",")
            kind = f[0]
            if kind != "MSG":
                if kind in _OTHER_KINDS:
                    stats.skip(f"{kind}: not a position")
                else:
                    stats.reject("not an SBS-1 line", f"{where}: {line[:40]!r}")
                continue
            if len(f) < N_FIELDS:
                stats.reject("truncated line", f"{where}: {len(f)} fields")
                continue
            try:
                row = self._message(f, aircraft, stats)
            except _Bad as b:
                stats.reject(b.reason, f"{where}: {b.detail}" if b.detail else where)
                continue
            if row is not None:
                append((*row, where))
            if self._line_no % _EVICT_EVERY == 0:
                self._evict()
        updates, labels = rows.columns(self._source)
        return finish(updates, labels, stats, self._rules), stats

    def _evict(self) -> None:
        if not self._aircraft:
            return
        now = max(a.last_seen for a in self._aircraft.values())
        old = [k for k, a in self._aircraft.items() if now - a.last_seen > _EVICT_AFTER_S]
        for k in old:
            del self._aircraft[k]

    def feed_bytes(
        self, data: bytes, now_s: float | None = None
    ) -> tuple[TrackUpdates, IngestStats]:
        """Parse a chunk of a byte stream; an incomplete last line waits for the next chunk."""
        lines, too_long = self._buffer.feed(data)
        updates, stats = self.feed(lines)
        if too_long:
            stats.reject("line too long", count=too_long)
        return updates, stats

    def _message(
        self, f: list[str], aircraft: dict[int, _Aircraft], stats: IngestStats
    ) -> _Row | None:
        ttype = f[1]
        if ttype not in ("1", "2", "3", "4", "5", "6", "7", "8"):
            raise _Bad("transmission type: not 1-8", ttype[:10])
        icao = icao_or_none(f[4])
        if icao < 0:
            raise _Bad("hex ident: not 6 hex digits", f[4][:10])
        if f[6] and f[7]:
            t = self._time(f[6], f[7])
        elif f[8] and f[9]:
            t = self._time(f[8], f[9])
        else:
            raise _Bad("time: missing")
        state = aircraft.get(icao)
        if state is None:
            state = aircraft[icao] = _Aircraft()
        if t > state.last_seen:
            state.last_seen = t
        callsign = clean_callsign(f[10])
        if callsign:
            state.callsign = callsign
        if ttype == "1":
            stats.skip("MSG,1: identification (merged)")
            return None
        if ttype == "4":
            gs = _float(f[12], "ground speed") * KNOT_MS
            trk = _float(f[13], "track")
            vr = _float(f[16], "vertical rate") * FEET_PER_MINUTE_MS
            if t >= state.t_velocity:
                state.gs_mps, state.track_deg, state.vrate_mps = gs, trk, vr
                state.t_velocity = t
            stats.skip("MSG,4: velocity (merged)")
            return None
        if ttype not in ("2", "3"):
            stats.skip(f"MSG,{ttype}: no position")
            return None
        on_ground = ttype == "2" or f[21] in ("-1", "1")
        if on_ground and not self._keep_ground:
            stats.skip("on ground")
            return None
        if not f[14] or not f[15]:
            stats.skip(f"MSG,{ttype}: no position")
            return None
        lat = _float(f[14], "lat_deg")
        lon = _float(f[15], "lon_deg")
        alt = _float(f[11], "altitude") * FOOT_M
        gs = _float(f[12], "ground speed") * KNOT_MS
        trk = _float(f[13], "track")
        vr = _float(f[16], "vertical rate") * FEET_PER_MINUTE_MS
        if abs(t - state.t_velocity) <= self._velocity_max_age_s:
            if math.isnan(gs) or math.isnan(trk):
                gs, trk = state.gs_mps, state.track_deg
            if math.isnan(vr):
                vr = state.vrate_mps
        return (icao_track_id(icao), "", icao, state.callsign, lat, lon, alt, gs, trk, vr, t)


def parse_sbs(
    lines: Iterable[str | bytes],
    *,
    rules: OwnershipRules | None = None,
    source: str = "sbs",
    utc_offset_s: float = 0.0,
    keep_ground: bool = False,
) -> tuple[TrackUpdates, IngestStats]:
    """Parse a whole set of SBS-1 lines at once (a fresh :class:`SbsDecoder`)."""
    dec = SbsDecoder(rules=rules, source=source, utc_offset_s=utc_offset_s, keep_ground=keep_ground)
    return dec.feed(lines)


def read_sbs(
    path: str | Path,
    *,
    rules: OwnershipRules | None = None,
    source: str = "sbs",
    utc_offset_s: float = 0.0,
    keep_ground: bool = False,
) -> tuple[TrackUpdates, IngestStats]:
    """Read an SBS-1 recording (plain or gzip) from a file."""
    file_stats = IngestStats()
    text = load_file(path, file_stats).decode("ascii", "replace")
    updates, stats = parse_sbs(
        text.splitlines(),
        rules=rules,
        source=source,
        utc_offset_s=utc_offset_s,
        keep_ground=keep_ground,
    )
    return updates, stats.merge(file_stats)
