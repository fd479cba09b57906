"""Raw Mode S / ADS-B messages, decoded with pyModeS 3 into track updates.

Accepted framings (one message per line for the text ones):

* Beast-AVR text, as dump1090 serves on port 30002: ``*8D4840D6202CC371C32CE0576098;``
  (no time: the caller's ``default_time_s`` is used) and ``@0000AB12CD348D4840D6...;`` (a 48-bit
  12 MHz receiver clock, counted from ``base_time_s``);
* ``timestamp,hex`` (or ``hex,timestamp``) lines, POSIX seconds; a header line is skipped;
* JSON lines with ``timestamp`` and ``frame`` fields (rs1090/jet1090 output);
* Beast binary (port 30005, dump1090 ``--net-bo``): ``<esc> "1"|"2"|"3"``, 6-byte 12 MHz clock,
  1-byte signal level, then the 2/7/14-byte frame, with ``<esc>`` (0x1A) doubled inside.

Decoding uses :class:`pyModeS.PipeDecoder`, which pairs even/odd CPR frames (globally unambiguous
positions), then decodes single frames against each aircraft's last position, and rejects
positions that contradict the recent motion.  Until an aircraft has a first pair-decoded
position, a known receiver ``reference=(lat, lon)`` decodes single airborne frames locally (valid
within 180 NM of the receiver) and surface frames (within 45 NM); positions farther than
``max_range_m`` from the receiver are rejected as phantoms.

Only CRC-checked DF17/18 extended squitters make tracks: airborne (and, with ``keep_ground``,
surface) positions become updates, carrying the latest callsign (BDS 0,8) and ground velocity
(BDS 0,9) of the aircraft when the velocity is at most ``velocity_max_age_s`` old.  Everything else
is counted as skipped; undecodable input is counted as rejected, never raised.

>>> dec = ModeSDecoder()
>>> u, stats = dec.feed_lines(["1700000000.0,8D40621D58C382D690C8AC2863A7",
...                            "1700000001.0,8D40621D58C386435CC412692AD6"])
>>> stats.skipped["position pending (CPR pair)"]
2
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import pyModeS
from pyModeS.position import airborne_position_with_ref

from skyaccord.geo.frames import great_circle_m
from skyaccord.tracks.ownership import OwnershipRules
from skyaccord.tracks.sources._records import (
    LineBuffer,
    RowBuilder,
    clean_callsign,
    finish,
    load_file,
)
from skyaccord.tracks.updates import IngestStats, TrackUpdates, icao_track_id
from skyaccord.units import FEET_PER_MINUTE_MS, FOOT_M, KNOT_MS

BEAST_CLOCK_HZ: Final = 12_000_000.0
"""Tick rate of the 48-bit receiver clock in Beast and ``@`` AVR framings (dump1090)."""
_BEAST_ESC: Final = 0x1A
_BEAST_SIZES: Final = {0x31: 2, 0x32: 7, 0x33: 14}
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_NAN: Final = math.nan
_HEADER_NAMES: Final = frozenset(("rawmsg", "msg", "message", "frame", "hex", "raw", "timestamp"))
_EVICT_EVERY: Final = 10_000
_EVICT_AFTER_S: Final = 600.0

RawMessage = tuple[float, str, str]
"""(time in POSIX seconds, hex frame, where it came from for error examples)."""


class _Bad(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_hex(frame: str) -> str:
    if not frame or not _HEX.issuperset(frame):
        raise _Bad("bad hex", frame[:32])
    if len(frame) == 4:
        raise _Skip("Mode A/C reply")
    if len(frame) not in (14, 28):
        raise _Bad("bad length", f"{len(frame)} hex digits")
    return frame


def split_raw_line(
    line: str, *, base_time_s: float = 0.0, default_time_s: float | None = None
) -> tuple[float, str] | None:
    """One text line → ``(time_s, hex)``; ``None`` for a blank or header line.

    Raises ``ValueError`` (with a short reason) for a line that is not a raw message.
    """
    try:
        return _split(line.strip(), base_time_s, default_time_s)
    except _Bad as b:
        raise ValueError(b.reason) from None
    except _Skip:
        return None


def _split(s: str, base_time_s: float, default_time_s: float | None) -> tuple[float, str] | None:
    if not s:
        return None
    head = s[0]
    if head == "*" or head == "@":
        body = s[1:].rstrip(";").strip()
        if head == "@":
            clock = body[:12]
            if len(clock) < 12 or not _HEX.issuperset(clock):
                raise _Bad("bad timestamp", clock)
            return base_time_s + int(clock, 16) / BEAST_CLOCK_HZ, _check_hex(body[12:])
        if default_time_s is None:
            raise _Bad("no timestamp")
        return default_time_s, _check_hex(body)
    if head == "{":
        try:
            obj = json.loads(s)
        except ValueError:
            raise _Bad("bad JSON line", s[:32]) from None
        if not isinstance(obj, dict):
            raise _Bad("bad JSON line", s[:32])
        t, frame = obj.get("timestamp"), obj.get("frame", obj.get("rawmsg"))
        if isinstance(t, bool) or not isinstance(t, int | float) or not isinstance(frame, str):
            raise _Bad("JSON line without timestamp and frame", s[:32])
        return float(t), _check_hex(frame)
    if "," in s:
        a, _, b = s.partition(",")
        a, b = a.strip(), b.split(",")[0].strip()
        ts, frame = (b, a) if _HEX.issuperset(a) and len(a) >= 14 else (a, b)
        try:
            t = float(ts)
        except ValueError:
            if frame.lower() in _HEADER_NAMES:
                raise _Skip("header line") from None
            raise _Bad("bad timestamp", ts[:20]) from None
        if not math.isfinite(t):
            raise _Bad("bad timestamp", ts[:20])
        return t, _check_hex(frame)
    if default_time_s is None:
        raise _Bad("no timestamp")
    return default_time_s, _check_hex(s)


def iter_beast_frames(data: bytes) -> Iterator[tuple[int, str] | str]:
    """Beast binary → ``(clock ticks, hex frame)`` per frame, or a reason string per bad frame.

    A frame cut short by a new ``<esc>`` + type (lost bytes) is reported and decoding resumes
    there.  Use :class:`BeastBuffer` for a stream delivered in chunks.
    """
    frames, _rest = _beast_frames(data, final=True)
    yield from frames


def _beast_frames(data: bytes, *, final: bool) -> tuple[list[tuple[int, str] | str], bytes]:
    out: list[tuple[int, str] | str] = []
    n = len(data)
    i = data.find(_BEAST_ESC)
    if i < 0:
        return (["garbage between frames"] if data.strip(b"\x00") else []), b""
    if i > 0:
        out.append("garbage between frames")
    while i < n:
        if data[i] != _BEAST_ESC:
            j = data.find(_BEAST_ESC, i)
            out.append("garbage between frames")
            if j < 0:
                return out, b""
            i = j
            continue
        if i + 1 >= n:
            return out, (b"" if final else data[i:])
        kind = data[i + 1]
        size = _BEAST_SIZES.get(kind)
        if size is None:
            # 0x34 status frames and stray bytes: resynchronise on the next escape.
            j = data.find(_BEAST_ESC, i + 2)
            if kind != 0x34:
                out.append("unknown Beast frame type")
            if j < 0:
                return out, b""
            i = j
            continue
        need = 7 + size
        payload = bytearray()
        j = i + 2
        cut = False
        while len(payload) < need and j < n:
            b = data[j]
            if b == _BEAST_ESC:
                if j + 1 >= n:
                    break
                if data[j + 1] != _BEAST_ESC:
                    cut = True
                    break
                j += 1
            payload.append(data[j])
            j += 1
        if cut:
            out.append("truncated Beast frame")
            i = j
            continue
        if len(payload) < need:
            if final:
                out.append("truncated Beast frame")
                return out, b""
            return out, data[i:]
        ticks = int.from_bytes(payload[:6], "big")
        out.append((ticks, payload[7:].hex()))
        i = j
    return out, b""


class BeastBuffer:
    """Beast binary stream → frames, keeping a frame cut by a chunk boundary for the next chunk."""

    __slots__ = ("_rest",)

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> list[tuple[int, str] | str]:
        """Complete frames (or bad-frame reasons) found in what was kept plus ``data``."""
        frames, self._rest = _beast_frames(self._rest + data, final=False)
        if len(self._rest) > 1 << 16:
            self._rest = b""
            frames.append("garbage between frames")
        return frames


class _Aircraft:
    __slots__ = ("callsign", "gs_mps", "last_seen", "t_velocity", "track_deg", "vrate_mps")

    def __init__(self) -> None:
        self.callsign = ""
        self.gs_mps = _NAN
        self.track_deg = _NAN
        self.vrate_mps = _NAN
        self.t_velocity = -math.inf
        self.last_seen = -math.inf


_Row = tuple[str, str, int, str, float, float, float, float, float, float, float]


class ModeSDecoder:
    """Stateful decoder of raw Mode S messages into track updates (see the module docstring).

    ``reference`` — receiver position (lat, lon) in degrees, if known; ``max_range_m`` — farthest
    believable position from it (default 600 km); ``keep_ground`` — keep surface positions
    (needs ``reference``); ``base_time_s`` — POSIX time at which the receiver's 12 MHz clock read 0.
    """

    __slots__ = (
        "_aircraft",
        "_base_time_s",
        "_beast",
        "_count",
        "_keep_ground",
        "_lines",
        "_max_range_m",
        "_pipe",
        "_positioned",
        "_reference",
        "_rules",
        "_seq",
        "_source",
        "_velocity_max_age_s",
    )

    def __init__(
        self,
        *,
        reference: tuple[float, float] | None = None,
        max_range_m: float = 600_000.0,
        rules: OwnershipRules | None = None,
        source: str = "modes",
        keep_ground: bool = False,
        base_time_s: float = 0.0,
        velocity_max_age_s: float = 10.0,
    ) -> None:
        self._reference = reference
        self._max_range_m = float(max_range_m)
        self._rules = rules
        self._source = source
        self._keep_ground = keep_ground
        self._base_time_s = float(base_time_s)
        self._velocity_max_age_s = float(velocity_max_age_s)
        self._pipe = pyModeS.PipeDecoder(surface_ref=reference)
        self._aircraft: dict[int, _Aircraft] = {}
        self._positioned: set[int] = set()
        self._count = 0
        self._seq = 0
        self._lines = LineBuffer()
        self._beast = BeastBuffer()

    # ---------------------------------------------------------------- entry points

    def feed(self, messages: Iterable[RawMessage]) -> tuple[TrackUpdates, IngestStats]:
        """Decode ``(time_s, hex, where)`` messages into a batch of updates."""
        stats = IngestStats()
        rows = RowBuilder()
        self._decode_into(messages, rows, stats)
        updates, labels = rows.columns(self._source)
        return finish(updates, labels, stats, self._rules), stats

    def feed_lines(
        self, lines: Iterable[str], *, default_time_s: float | None = None
    ) -> tuple[TrackUpdates, IngestStats]:
        """Decode text lines (AVR, ``timestamp,hex``, JSON lines); see :func:`split_raw_line`."""
        stats = IngestStats()
        rows = RowBuilder()
        self._decode_into(self._split_lines(lines, default_time_s, stats), rows, stats)
        updates, labels = rows.columns(self._source)
        return finish(updates, labels, stats, self._rules), stats

    def feed_bytes(
        self, data: bytes, now_s: float | None = None
    ) -> tuple[TrackUpdates, IngestStats]:
        """A chunk of an AVR text stream (port 30002); ``now_s`` times the ``*...;`` lines."""
        lines, too_long = self._lines.feed(data)
        updates, stats = self.feed_lines(lines, default_time_s=now_s)
        if too_long:
            stats.reject("line too long", count=too_long)
        return updates, stats

    def feed_beast(
        self, data: bytes, now_s: float | None = None, *, final: bool = False
    ) -> tuple[TrackUpdates, IngestStats]:
        """A chunk of a Beast binary stream (port 30005), or with ``final`` a whole recording.

        With ``now_s`` (a live socket) frames are timed by arrival, as receiver clocks are not
        synchronised to UTC; without it, by the receiver clock from ``base_time_s`` (a recording).
        """
        stats = IngestStats()
        rows = RowBuilder()
        frames = list(iter_beast_frames(data)) if final else self._beast.feed(data)
        self._decode_into(self._beast_messages(frames, now_s, stats), rows, stats)
        updates, labels = rows.columns(self._source)
        return finish(updates, labels, stats, self._rules), stats

    # ---------------------------------------------------------------- internals

    def _next_where(self, kind: str) -> str:
        self._seq += 1
        return f"{kind} {self._seq}"

    def _split_lines(
        self, lines: Iterable[str], default_time_s: float | None, stats: IngestStats
    ) -> Iterator[RawMessage]:
        for line in lines:
            where = self._next_where("line")
            try:
                parsed = _split(line.strip(), self._base_time_s, default_time_s)
            except _Bad as b:
                stats.reject(b.reason, f"{where}: {b.detail}" if b.detail else where)
                continue
            except _Skip as s:
                stats.skip(s.reason)
                continue
            if parsed is not None:
                yield parsed[0], parsed[1], where

    def _beast_messages(
        self, frames: Iterable[tuple[int, str] | str], now_s: float | None, stats: IngestStats
    ) -> Iterator[RawMessage]:
        for frame in frames:
            where = self._next_where("frame")
            if isinstance(frame, str):
                stats.reject(frame, where)
                continue
            ticks, hexmsg = frame
            if len(hexmsg) == 4:
                stats.skip("Mode A/C reply")
                continue
            t = now_s if now_s is not None else self._base_time_s + ticks / BEAST_CLOCK_HZ
            yield t, hexmsg, where

    def _decode_into(
        self, messages: Iterable[RawMessage], rows: RowBuilder, stats: IngestStats
    ) -> None:
        append = rows.rows.append
        for t, msg, where in messages:
            try:
                row = self._one(t, msg)
            except _Bad as b:
                stats.reject(b.reason, f"{where}: {b.detail}" if b.detail else where)
                continue
            except _Skip as s:
                stats.skip(s.reason)
                continue
            append((*row, where))
            self._count += 1
            if self._count % _EVICT_EVERY == 0:
                self._evict(t)

    def _evict(self, now: float) -> None:
        old = [k for k, a in self._aircraft.items() if now - a.last_seen > _EVICT_AFTER_S]
        for k in old:
            del self._aircraft[k]
            self._positioned.discard(k)

    def _one(self, t: float, msg: str) -> _Row:
        if not math.isfinite(t):
            raise _Bad("bad timestamp", repr(t))
        _check_hex(msg)
        try:
            r: dict[str, Any] = self._pipe.decode(msg, timestamp=t)
        except Exception as e:  # a third-party decoder on hostile input must not stop the feed
            raise _Bad("decoder error", type(e).__name__) from None
        if "error" in r:
            raise _Bad("bad message", str(r["error"])[:40])
        df = r.get("df")
        if df not in (17, 18):
            raise _Skip(f"DF{df}: no track data")
        if r.get("crc_valid") is not True:
            raise _Bad("CRC failed")
        icao = int(r["icao"], 16)
        ac = self._aircraft.get(icao)
        if ac is None:
            ac = self._aircraft[icao] = _Aircraft()
        ac.last_seen = max(ac.last_seen, t)
        bds = r.get("bds")
        if bds == "0,8":
            cs = clean_callsign(r.get("callsign"))
            if cs:
                ac.callsign = cs
            raise _Skip("identification (merged)")
        if bds == "0,9":
            gs, trk, vr = r.get("groundspeed"), r.get("track"), r.get("vertical_rate")
            if gs is not None and trk is not None and t >= ac.t_velocity:
                ac.gs_mps = gs * KNOT_MS
                ac.track_deg = float(trk)
                ac.vrate_mps = _NAN if vr is None else vr * FEET_PER_MINUTE_MS
                ac.t_velocity = t
            raise _Skip("velocity (merged)")
        if bds == "0,6":
            return self._surface(t, icao, ac, r)
        if bds == "0,5":
            return self._airborne(t, icao, ac, r)
        raise _Skip("other extended squitter")

    def _airborne(self, t: float, icao: int, ac: _Aircraft, r: dict[str, Any]) -> _Row:
        lat, lon = r.get("latitude"), r.get("longitude")
        if lat is None or lon is None:
            if self._reference is None or icao in self._positioned or "cpr_format" not in r:
                raise _Skip("position pending (CPR pair)")
            try:
                lat, lon = airborne_position_with_ref(
                    r["cpr_format"], r["cpr_lat"], r["cpr_lon"], *self._reference
                )
            except Exception as e:  # see _one
                raise _Bad("decoder error", type(e).__name__) from None
        else:
            self._positioned.add(icao)
        self._check_range(lat, lon)
        alt_ft = r.get("altitude")
        alt = _NAN if alt_ft is None else alt_ft * FOOT_M
        gs = trk = vr = _NAN
        if abs(t - ac.t_velocity) <= self._velocity_max_age_s:
            gs, trk, vr = ac.gs_mps, ac.track_deg, ac.vrate_mps
        return (icao_track_id(icao), "", icao, ac.callsign, lat, lon, alt, gs, trk, vr, t)

    def _surface(self, t: float, icao: int, ac: _Aircraft, r: dict[str, Any]) -> _Row:
        if not self._keep_ground:
            raise _Skip("on ground")
        lat, lon = r.get("latitude"), r.get("longitude")
        if lat is None or lon is None:
            raise _Skip("position pending (CPR pair)")
        self._check_range(lat, lon)
        gs_kt, trk = r.get("groundspeed"), r.get("track")
        gs = _NAN if gs_kt is None else gs_kt * KNOT_MS
        track = _NAN if trk is None else float(trk)
        return (icao_track_id(icao), "", icao, ac.callsign, lat, lon, _NAN, gs, track, 0.0, t)

    def _check_range(self, lat: float, lon: float) -> None:
        if self._reference is None:
            return
        d = float(great_circle_m(self._reference[0], self._reference[1], lat, lon))
        if d > self._max_range_m:
            raise _Bad("position beyond receiver range", f"{d / 1000:.0f} km")


def read_raw(
    path: str | Path,
    *,
    reference: tuple[float, float] | None = None,
    rules: OwnershipRules | None = None,
    source: str = "modes",
    keep_ground: bool = False,
    base_time_s: float = 0.0,
    default_time_s: float | None = None,
) -> tuple[TrackUpdates, IngestStats]:
    """Decode a recording of raw messages: Beast binary, AVR text, ``timestamp,hex`` or JSON lines.

    Plain or gzip.  ``base_time_s`` dates the receiver clock (Beast, ``@`` lines);
    ``default_time_s`` dates lines without any time (``*...;``).
    """
    file_stats = IngestStats()
    data = load_file(path, file_stats)
    dec = ModeSDecoder(
        reference=reference,
        rules=rules,
        source=source,
        keep_ground=keep_ground,
        base_time_s=base_time_s,
    )
    if data[:1] == bytes([_BEAST_ESC]):
        updates, stats = dec.feed_beast(data, final=True)
    else:
        text = data.decode("ascii", "replace").splitlines()
        updates, stats = dec.feed_lines(text, default_time_s=default_time_s)
    return updates, stats.merge(file_stats)
