"""The track table: the latest state of every track, held in numpy arrays.

One row per track, columns as preallocated arrays that grow by doubling, and a dict from track id
to row.  Everything that touches many tracks is vectorized; the only per-record Python work is the
dict look-up of each update's track id (done by ``map`` in C).

Semantics of :meth:`TrackTable.apply` for one batch of updates
-----------------------------------------------------------------

* Records with a non-finite or out-of-range time, latitude or longitude, or no track id, or
  (when ``now`` is given) dated more than ``max_future_s`` ahead of it, are **invalid** and ignored.
* Per track, only the **newest** record of the batch is applied (ties: the first one given); the
  others are **superseded** (older) or **duplicate** (same time).  A record whose time is older
  than the track's stored time is **stale**; equal is **duplicate**.  Both are ignored, so a feed
  may repeat itself or arrive out of order.
* A record without ground speed and track angle gets them by **differencing** its position with
  the track's *anchor*, the last fix at least ``min_diff_s`` older; likewise the vertical rate from
  altitudes.  The geometry is done on ECEF vectors projected onto the local east/north plane at the
  new position, so it holds across the antimeridian and near the poles.  If the anchor is younger
  than ``min_diff_s`` the previous velocity is kept (the anchor stays), so a fast feed still
  differences over at least ``min_diff_s``; if it is older than ``max_diff_s`` the velocity is
  unknown (NaN) and the anchor restarts.
* An empty callsign, ICAO address ``-1`` or party ``"unknown"`` in a record keeps the stored value.

Coasting and dropping (:meth:`TrackTable.expire`): a track not updated for more than ``coast_s``
seconds is *coasting* (its position is extrapolated on demand); after ``drop_s`` seconds it is
removed and its row reused (the last rows move into the holes).

:meth:`TrackTable.snapshot` hands the live tracks to detection as plain arrays
(:class:`TrackSnapshot`), extrapolated to a common time; ``party_codes()`` and
``kinematics_known()`` give the integer parties and the validity mask array-based detectors take.

>>> from skyaccord.tracks.updates import TrackUpdates
>>> table = TrackTable(coast_s=10.0, drop_s=60.0)
>>> r = table.apply(TrackUpdates.from_columns(
...     track_id=["a", "a"], lat_deg=[0.0, 0.0], lon_deg=[179.99, -179.99], time_s=[0.0, 10.0],
...     alt_m=[1000.0, 1000.0]))
>>> r.applied, r.superseded
(1, 1)
>>> r = table.apply(TrackUpdates.from_columns(
...     track_id=["a"], lat_deg=[0.0], lon_deg=[179.99], time_s=[0.0], alt_m=[1000.0]))
>>> r.stale
1
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields
from itertools import repeat
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from skyaccord.errors import ValidationError
from skyaccord.geo.frames import WGS84_A, WGS84_E2, destination, geodetic_to_ecef
from skyaccord.tracks.updates import NO_ICAO, UNKNOWN_PARTY, TrackUpdates
from skyaccord.units import wrap_360

F64 = NDArray[np.float64]
Obj = NDArray[np.object_]
Idx = NDArray[np.intp]

# Float columns (rows of self._f): the state, then the differencing anchor.
_LAT, _LON, _ALT, _GS, _TRK, _VR, _T, _A_LAT, _A_LON, _A_ALT, _A_T = range(11)
_N_FLOAT: Final = 11
# Object columns (rows of self._o).
_ID, _PARTY, _CALLSIGN, _SOURCE = range(4)
_N_OBJ: Final = 4
# Bits of self._flags.
_H_DERIVED: Final = 1
_V_DERIVED: Final = 2
_COASTING: Final = 4


def velocity_between(
    lat0: F64, lon0: F64, alt0: F64, t0: F64, lat1: F64, lon1: F64, alt1: F64, t1: F64
) -> tuple[F64, F64, F64]:
    """Ground speed (m/s), track angle (deg) and vertical rate (m/s) from fix 0 to fix 1.

    The displacement is the WGS84 ECEF chord at zero height, projected onto the east/north plane
    at fix 1: its direction is the great-circle track on arrival, valid across the antimeridian
    and near the poles.  Track angle is NaN when the two positions coincide; vertical rate is NaN
    without both altitudes.  (Written out component-wise: this is the hot path of differencing.)
    """
    p0, l0 = np.radians(lat0), np.radians(lon0)
    p1, l1 = np.radians(lat1), np.radians(lon1)
    s0, c0, s1, c1 = np.sin(p0), np.cos(p0), np.sin(p1), np.cos(p1)
    n0 = WGS84_A / np.sqrt(1.0 - WGS84_E2 * s0 * s0)
    n1 = WGS84_A / np.sqrt(1.0 - WGS84_E2 * s1 * s1)
    sl1, cl1 = np.sin(l1), np.cos(l1)
    dx = n1 * c1 * cl1 - n0 * c0 * np.cos(l0)
    dy = n1 * c1 * sl1 - n0 * c0 * np.sin(l0)
    dz = (1.0 - WGS84_E2) * (n1 * s1 - n0 * s0)
    de = -sl1 * dx + cl1 * dy
    dn = -s1 * cl1 * dx - s1 * sl1 * dy + c1 * dz
    dt = np.asarray(t1, dtype=np.float64) - np.asarray(t0, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        horizontal = np.hypot(de, dn)
        gs = horizontal / dt
        trk = np.where(horizontal > 0.0, wrap_360(np.degrees(np.arctan2(de, dn))), np.nan)
        vr = (np.asarray(alt1, dtype=np.float64) - np.asarray(alt0, dtype=np.float64)) / dt
    return gs, trk, vr


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What :meth:`TrackTable.apply` did with each record of a batch (counts sum to its length)."""

    applied: int
    created: int
    superseded: int
    duplicate: int
    stale: int
    invalid: int
    updated_ids: Obj
    """Ids of the tracks whose state changed."""

    @property
    def received(self) -> int:
        """Number of records in the batch."""
        return self.applied + self.superseded + self.duplicate + self.stale + self.invalid


@dataclass(frozen=True, slots=True)
class ExpireResult:
    """What :meth:`TrackTable.expire` did: ids dropped, and how many tracks coast or are live."""

    dropped_ids: Obj
    coasting: int
    live: int


@dataclass(frozen=True, slots=True, eq=False)
class TrackSnapshot:
    """The live tracks at one moment, as plain arrays (copies), one element per track.

    Positions are extrapolated to ``time_s`` along the great circle of the track angle at the
    ground speed, and altitude along the vertical rate, when the snapshot was taken with
    ``extrapolate=True``; otherwise they are as last reported (``time_s`` is then NaN unless given).

    ====================  =====================================================================
    track_id, party       str (object arrays); party ``"unknown"`` when no rule applied
    icao24                int32, -1 when none
    callsign, source      str (object arrays), callsign ``""`` when none
    lat_deg, lon_deg      WGS84 degrees
    alt_m                 metres (barometric when the source has it), NaN when unknown
    gs_mps, track_deg     ground speed m/s, track angle degrees from true north; NaN unknown
                          (track_deg is 0 for a stationary track reported without one)
    vrate_mps             vertical rate m/s, positive up; NaN when unknown
    report_time_s         POSIX time of the last report
    age_s                 ``time_s - report_time_s`` (NaN without a time)
    coasting              bool: no report for more than the table's ``coast_s``
    velocity_derived      bool: ground speed and track come from differencing positions
    ====================  =====================================================================
    """

    time_s: float
    track_id: Obj
    party: Obj
    icao24: NDArray[np.int32]
    callsign: Obj
    source: Obj
    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    gs_mps: F64
    track_deg: F64
    vrate_mps: F64
    report_time_s: F64
    age_s: F64
    coasting: NDArray[np.bool_]
    velocity_derived: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def kinematics_known(self) -> NDArray[np.bool_]:
        """Tracks whose position, altitude, ground speed, track angle and vertical rate are all known.

        Detection that needs full 3-D kinematics should use this as its ``valid`` mask; the others
        (no altitude from a primary radar, no velocity yet) still count for area checks.
        """
        return (
            np.isfinite(self.lat_deg)
            & np.isfinite(self.lon_deg)
            & np.isfinite(self.alt_m)
            & np.isfinite(self.gs_mps)
            & np.isfinite(self.track_deg)
            & np.isfinite(self.vrate_mps)
        )

    def party_codes(self) -> tuple[NDArray[np.int64], list[str]]:
        """Parties as integer codes and the sorted names they index: ``names[codes[i]]``.

        >>> snap = TrackTable().snapshot()
        >>> snap.party_codes()
        (array([], dtype=int64), [])
        """
        names, codes = np.unique(self.party.astype(str), return_inverse=True)
        return codes.astype(np.int64).reshape(-1), [str(n) for n in names]

    def velocity_enu(self) -> tuple[F64, F64, F64]:
        """East, north, up velocity components (m/s); 0 where the ground speed is 0, else NaN if unknown."""
        with np.errstate(invalid="ignore"):
            rad = np.radians(self.track_deg)
            ve = np.where(self.gs_mps == 0.0, 0.0, self.gs_mps * np.sin(rad))
            vn = np.where(self.gs_mps == 0.0, 0.0, self.gs_mps * np.cos(rad))
        return ve, vn, self.vrate_mps.copy()

    def ecef_m(self) -> F64:
        """Positions as WGS84 ECEF (m), shape (n, 3); unknown altitude is taken as 0."""
        return geodetic_to_ecef(self.lat_deg, self.lon_deg, np.nan_to_num(self.alt_m))

    def select(self, mask: NDArray[np.bool_]) -> TrackSnapshot:
        """The tracks where ``mask`` is true, e.g. ``snap.select(snap.party == "israel")``."""
        kw: dict[str, Any] = {"time_s": self.time_s}
        for f in fields(self):
            if f.name != "time_s":
                kw[f.name] = getattr(self, f.name)[mask]
        return TrackSnapshot(**kw)


class TrackTable:
    """Latest state of every track; see the module docstring for the exact semantics.

    Parameters (seconds): ``coast_s`` — age after which a track coasts; ``drop_s`` — age after
    which :meth:`expire` removes it; ``min_diff_s``/``max_diff_s`` — bounds on the time between
    two fixes used to difference a velocity; ``max_future_s`` — how far ahead of ``now`` a report
    may be (clock skew) before it is refused, so that one mis-dated report cannot freeze a track;
    ``capacity`` — initial number of rows.
    """

    __slots__ = (
        "_cap",
        "_coast_s",
        "_drop_s",
        "_f",
        "_flags",
        "_icao",
        "_index",
        "_initial_cap",
        "_max_diff_s",
        "_max_future_s",
        "_min_diff_s",
        "_n",
        "_o",
    )

    def __init__(
        self,
        *,
        coast_s: float = 15.0,
        drop_s: float = 60.0,
        min_diff_s: float = 1.0,
        max_diff_s: float = 30.0,
        max_future_s: float = 30.0,
        capacity: int = 1024,
    ) -> None:
        if not 0.0 < coast_s <= drop_s < math.inf:
            raise ValidationError("coast_s", "need 0 < coast_s <= drop_s < inf")
        if not 0.0 <= min_diff_s < max_diff_s < math.inf:
            raise ValidationError("min_diff_s", "need 0 <= min_diff_s < max_diff_s < inf")
        self._coast_s = float(coast_s)
        self._drop_s = float(drop_s)
        self._min_diff_s = float(min_diff_s)
        self._max_diff_s = float(max_diff_s)
        if not max_future_s >= 0.0:
            raise ValidationError("max_future_s", "must be >= 0")
        self._max_future_s = float(max_future_s)
        self._initial_cap = max(16, int(capacity))
        self._cap = 0
        self._n = 0
        self._index: dict[str, int] = {}
        self._f: F64 = np.empty((_N_FLOAT, 0))
        self._o: Obj = np.empty((_N_OBJ, 0), dtype=object)
        self._icao: NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._flags: NDArray[np.uint8] = np.empty(0, dtype=np.uint8)
        self._resize(self._initial_cap)

    # ------------------------------------------------------------------ storage

    def _resize(self, cap: int) -> None:
        n = self._n
        f = np.full((_N_FLOAT, cap), np.nan)
        o = np.empty((_N_OBJ, cap), dtype=object)
        icao = np.full(cap, NO_ICAO, dtype=np.int32)
        flags = np.zeros(cap, dtype=np.uint8)
        f[:, :n] = self._f[:, :n]
        o[:, :n] = self._o[:, :n]
        icao[:n] = self._icao[:n]
        flags[:n] = self._flags[:n]
        self._f, self._o, self._icao, self._flags, self._cap = f, o, icao, flags, cap

    def _add_rows(self, ids: list[str]) -> None:
        n0, k = self._n, len(ids)
        if n0 + k > self._cap:
            self._resize(max(n0 + k, 2 * self._cap))
        stop = n0 + k
        self._f[:, n0:stop] = np.nan
        self._f[_T, n0:stop] = -np.inf
        self._o[_ID, n0:stop] = ids
        self._o[_PARTY, n0:stop] = UNKNOWN_PARTY
        self._o[_CALLSIGN, n0:stop] = ""
        self._o[_SOURCE, n0:stop] = ""
        self._icao[n0:stop] = NO_ICAO
        self._flags[n0:stop] = 0
        self._index.update(zip(ids, range(n0, stop), strict=True))
        self._n = stop

    # ------------------------------------------------------------------ properties

    @property
    def coast_s(self) -> float:
        """Age (s) after which a track is coasting."""
        return self._coast_s

    @property
    def drop_s(self) -> float:
        """Age (s) after which :meth:`expire` drops a track."""
        return self._drop_s

    def __len__(self) -> int:
        return self._n

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._index

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return self._cap

    @property
    def nbytes(self) -> int:
        """Bytes held by the column arrays (not the strings they point to, nor the id index)."""
        return int(self._f.nbytes + self._o.nbytes + self._icao.nbytes + self._flags.nbytes)

    def state(self, track_id: str) -> dict[str, Any] | None:
        """The stored state of one track as a dict (``None`` if unknown): for tests and debugging."""
        row = self._index.get(track_id)
        if row is None:
            return None
        f = self._f[:, row]
        return {
            "track_id": self._o[_ID, row],
            "party": self._o[_PARTY, row],
            "icao24": int(self._icao[row]),
            "callsign": self._o[_CALLSIGN, row],
            "source": self._o[_SOURCE, row],
            "lat_deg": float(f[_LAT]),
            "lon_deg": float(f[_LON]),
            "alt_m": float(f[_ALT]),
            "gs_mps": float(f[_GS]),
            "track_deg": float(f[_TRK]),
            "vrate_mps": float(f[_VR]),
            "time_s": float(f[_T]),
            "velocity_derived": bool(self._flags[row] & _H_DERIVED),
            "vrate_derived": bool(self._flags[row] & _V_DERIVED),
            "coasting": bool(self._flags[row] & _COASTING),
        }

    # ------------------------------------------------------------------ apply

    def apply(self, updates: TrackUpdates, now: float | None = None) -> ApplyResult:
        """Merge a batch of updates into the table (vectorized); see the module docstring.

        With ``now`` (POSIX seconds), records more than ``max_future_s`` ahead of it are invalid.
        """
        n = len(updates)
        if n == 0:
            return ApplyResult(0, 0, 0, 0, 0, 0, np.empty(0, dtype=object))
        ids = updates.track_id
        t = updates.time_s
        lat = updates.lat_deg
        lon = updates.lon_deg
        with np.errstate(invalid="ignore"):
            valid = (
                np.isfinite(t)
                & np.isfinite(lat)
                & np.isfinite(lon)
                & (np.abs(lat) <= 90.0)
                & (np.abs(lon) <= 180.0)
            )
        valid &= (ids != "") & (ids != None)  # noqa: E711 - element-wise on an object array
        if now is not None:
            valid &= t <= now + self._max_future_s
        id_list = ids.tolist()
        rows = np.fromiter(map(self._index.get, id_list, repeat(-1)), dtype=np.intp, count=n)
        new = valid & (rows < 0)
        created = 0
        if new.any():
            new_ids = ids[new].tolist()
            fresh = list(dict.fromkeys(new_ids))
            self._add_rows(fresh)
            created = len(fresh)
            rows[new] = np.fromiter(
                map(self._index.__getitem__, new_ids), dtype=np.intp, count=len(new_ids)
            )

        vidx = np.flatnonzero(valid)
        m = len(vidx)
        invalid = n - m
        if m == 0:
            return ApplyResult(0, 0, 0, 0, 0, invalid, np.empty(0, dtype=object))
        # Sort by track row, then time, then input order *descending*: the last element of each
        # group is the newest record, and among equal times the first one given.
        order = np.lexsort((-vidx, t[vidx], rows[vidx]))
        s_i = vidx[order]
        s_r = rows[s_i]
        s_t = t[s_i]
        last = np.empty(m, dtype=bool)
        last[-1] = True
        np.not_equal(s_r[:-1], s_r[1:], out=last[:-1])
        tie = np.zeros(m, dtype=bool)
        tie[:-1] = ~last[:-1] & (s_t[:-1] == s_t[1:])
        stored_t = self._f[_T, s_r]
        win = last & (s_t > stored_t)
        dup = ~win & (tie | (s_t == stored_t))
        stale = ~win & ~dup & (s_t < stored_t)
        n_win = int(np.count_nonzero(win))
        n_dup = int(np.count_nonzero(dup))
        n_stale = int(np.count_nonzero(stale))

        a_i = s_i[win]
        a_r = s_r[win]
        self._write(updates, a_i, a_r)
        return ApplyResult(
            applied=n_win,
            created=created,
            superseded=m - n_win - n_dup - n_stale,
            duplicate=n_dup,
            stale=n_stale,
            invalid=invalid,
            updated_ids=ids[a_i],
        )

    def _write(self, u: TrackUpdates, a_i: Idx, a_r: Idx) -> None:
        """Write the accepted records ``a_i`` of ``u`` into rows ``a_r`` (one record per row)."""
        old = self._f[:, a_r]
        old_flags = self._flags[a_r]
        lat = u.lat_deg[a_i]
        lon = u.lon_deg[a_i]
        alt = u.alt_m[a_i]
        t = u.time_s[a_i]
        gs = u.gs_mps[a_i]
        trk = wrap_360(u.track_deg[a_i])
        vr = u.vrate_mps[a_i]

        h_given = np.isfinite(gs) & (np.isfinite(trk) | (gs == 0.0))
        v_given = np.isfinite(vr)
        dt = t - old[_A_T]  # NaN without an anchor
        carry = dt < self._min_diff_s
        diffable = (dt >= self._min_diff_s) & (dt <= self._max_diff_s)
        need = diffable & ~(h_given & v_given)
        h_derived = np.zeros(len(a_i), dtype=bool)
        v_derived = np.zeros(len(a_i), dtype=bool)
        if need.any():
            d_gs, d_trk, d_vr = velocity_between(
                old[_A_LAT, need],
                old[_A_LON, need],
                old[_A_ALT, need],
                old[_A_T, need],
                lat[need],
                lon[need],
                alt[need],
                t[need],
            )
            h_fill = ~h_given[need]
            v_fill = ~v_given[need] & np.isfinite(d_vr)
            sel = np.flatnonzero(need)
            gs[sel[h_fill]] = d_gs[h_fill]
            trk[sel[h_fill]] = d_trk[h_fill]
            vr[sel[v_fill]] = d_vr[v_fill]
            h_derived[sel[h_fill]] = True
            v_derived[sel[v_fill]] = True
        h_carry = carry & ~h_given
        v_carry = carry & ~v_given
        gs = np.where(h_carry, old[_GS], gs)
        trk = np.where(h_carry, old[_TRK], trk)
        vr = np.where(v_carry, old[_VR], vr)
        h_derived |= h_carry & ((old_flags & _H_DERIVED) != 0)
        v_derived |= v_carry & ((old_flags & _V_DERIVED) != 0)
        move = ~carry
        new = np.empty_like(old)
        new[_LAT], new[_LON], new[_ALT], new[_T] = lat, lon, alt, t
        new[_GS], new[_TRK], new[_VR] = gs, trk, vr
        new[_A_LAT] = np.where(move, lat, old[_A_LAT])
        new[_A_LON] = np.where(move, lon, old[_A_LON])
        new[_A_ALT] = np.where(move, alt, old[_A_ALT])
        new[_A_T] = np.where(move, t, old[_A_T])
        self._f[:, a_r] = new
        self._flags[a_r] = h_derived * _H_DERIVED + v_derived * _V_DERIVED

        cs = u.callsign[a_i]
        keep_cs = (cs == "") | (cs == None)  # noqa: E711
        self._o[_CALLSIGN, a_r] = np.where(keep_cs, self._o[_CALLSIGN, a_r], cs)
        party = u.party[a_i]
        keep_party = (party == UNKNOWN_PARTY) | (party == "") | (party == None)  # noqa: E711
        self._o[_PARTY, a_r] = np.where(keep_party, self._o[_PARTY, a_r], party)
        self._o[_SOURCE, a_r] = u.source[a_i]
        icao = u.icao24[a_i]
        self._icao[a_r] = np.where(icao >= 0, icao, self._icao[a_r])

    # ------------------------------------------------------------------ expire

    def expire(self, now: float) -> ExpireResult:
        """Flag tracks older than ``coast_s`` as coasting, drop those older than ``drop_s``.

        Tracks dated more than ``max_future_s`` ahead of ``now`` are dropped too.  Dropped rows
        are filled with the last rows of the table (swap-remove), so the arrays stay dense; the
        arrays shrink when fewer than a quarter of the rows are in use.
        """
        n = self._n
        age = now - self._f[_T, :n]
        coasting = age > self._coast_s
        self._flags[:n] = np.where(
            coasting, self._flags[:n] | _COASTING, self._flags[:n] & ~np.uint8(_COASTING)
        )
        drop = (age > self._drop_s) | (age < -self._max_future_s)
        dropped_rows = np.flatnonzero(drop)
        k = len(dropped_rows)
        dropped_ids = self._o[_ID, dropped_rows]
        if k:
            keep_n = n - k
            holes = dropped_rows[dropped_rows < keep_n]
            movers = np.flatnonzero(~drop[keep_n:]) + keep_n
            deque(map(self._index.__delitem__, dropped_ids.tolist()), maxlen=0)
            self._f[:, holes] = self._f[:, movers]
            self._o[:, holes] = self._o[:, movers]
            self._icao[holes] = self._icao[movers]
            self._flags[holes] = self._flags[movers]
            self._index.update(zip(self._o[_ID, holes].tolist(), holes.tolist(), strict=True))
            self._o[:, keep_n:n] = None
            self._f[:, keep_n:n] = np.nan
            self._n = keep_n
            if self._cap > self._initial_cap and keep_n < self._cap // 4:
                self._resize(max(self._initial_cap, 2 * keep_n))
        n_coast = int(np.count_nonzero(coasting & ~drop))
        return ExpireResult(dropped_ids=dropped_ids, coasting=n_coast, live=self._n)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self, now: float | None = None, *, extrapolate: bool = True) -> TrackSnapshot:
        """Copies of the live tracks' arrays, positions extrapolated to ``now`` if asked.

        With ``now`` given, tracks older than ``drop_s`` are left out even if :meth:`expire` has
        not run yet, and ``coasting`` is computed from ``now``; without it, everything stored is
        returned with the ``coasting`` flag of the last :meth:`expire`.
        """
        n = self._n
        f = self._f[:, :n]
        if now is None:
            sel: Idx | slice = slice(0, n)
            age = np.full(n, np.nan)
            coasting = (self._flags[:n] & _COASTING) != 0
            t_snap = math.nan
        else:
            all_age = now - f[_T]
            sel = np.flatnonzero(all_age <= self._drop_s)
            age = all_age[sel]
            coasting = age > self._coast_s
            t_snap = float(now)
        lat = f[_LAT, sel].copy()
        lon = f[_LON, sel].copy()
        alt = f[_ALT, sel].copy()
        gs = f[_GS, sel].copy()
        trk = f[_TRK, sel].copy()
        trk[(gs == 0.0) & np.isnan(trk)] = 0.0
        vr = f[_VR, sel].copy()
        if extrapolate and now is not None:
            moving = np.isfinite(gs) & np.isfinite(trk) & (gs > 0.0) & (age != 0.0)
            if moving.any():
                lat[moving], lon[moving] = destination(
                    lat[moving], lon[moving], trk[moving], gs[moving] * age[moving]
                )
            climbing = np.isfinite(vr) & np.isfinite(alt)
            alt[climbing] += vr[climbing] * age[climbing]
        return TrackSnapshot(
            time_s=t_snap,
            track_id=self._o[_ID, :n][sel].copy(),
            party=self._o[_PARTY, :n][sel].copy(),
            icao24=self._icao[:n][sel].copy(),
            callsign=self._o[_CALLSIGN, :n][sel].copy(),
            source=self._o[_SOURCE, :n][sel].copy(),
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt,
            gs_mps=gs,
            track_deg=trk,
            vrate_mps=vr,
            report_time_s=f[_T, sel].copy(),
            age_s=np.asarray(age, dtype=np.float64),
            coasting=np.asarray(coasting, dtype=bool),
            velocity_derived=(self._flags[:n][sel] & _H_DERIVED) != 0,
        )
