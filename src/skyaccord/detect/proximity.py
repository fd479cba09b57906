"""Area proximity warnings: predicted entry into, and current infringement of, protected airspace.

A track is *in* an area when its position is inside one of the area's polygons (great-circle
edges, sphere) and its altitude is within ``[lower_m, upper_m]``.  The predicted path of a track
is its current state extrapolated: along the great circle of its true track at its ground speed
(the path a straight line in an Earth-centred frame projects to), with altitude changing at its
vertical rate.  Within the look-ahead the detector reports, for every track and every area of
*another* party:

* **infringement** (the track is in the area now): horizontal depth (great-circle distance to the
  polygon boundary, m), vertical depth (distance to the nearer altitude limit, m), and the time
  until it leaves along its path (``inf`` if not within the look-ahead);
* **predicted entry** (it will be in the area within the look-ahead): time to entry (s) and the
  entry point (latitude, longitude, altitude), the altitude band respected along the climbing or
  descending path.

How long a track has been inside is the age of its alert, kept by
:class:`~skyaccord.detect.alerts.AlertTracker` (``phase_since``).

Method: candidates come from the :class:`~skyaccord.detect.areas.AreaIndex` grid, which also
bounds each track's distance to each nearby boundary; a track that stays on one side of a boundary
for its whole path is settled there, and only tracks that may cross it get the exact test: the
path is a straight segment in the part's gnomonic plane, cut by the polygon edges (exact segment
intersection), and each piece is classified inside/outside at its midpoint.  The exact tests of
all parts run together (:meth:`~skyaccord.detect.areas.AreaIndex.path_intervals`).  A path
longer than the index reach is cut into consecutive pieces no longer than the reach (each looked
up in the grid like a track of its own), or, when that would take more than
:data:`MAX_PIECES` pieces, into pieces of at most 5° tested against every part whose cap they can
reach; the inside intervals of consecutive pieces are joined again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyaccord.detect.areas import AreaIndex, path_points
from skyaccord.detect.states import TrackStates
from skyaccord.geo.frames import EARTH_RADIUS_M, vectors_to_latlon

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = [
    "MAX_PIECES",
    "AreaWarnings",
    "detect_area_proximity",
    "detect_area_proximity_brute_force",
    "path_inside_intervals",
]


@dataclass(frozen=True)
class AreaWarnings:
    """One row per (track, area) in or predicted to enter the area; sorted by (row, area).

    ``row`` indexes the :class:`TrackStates`, ``area`` the :class:`AreaIndex`.
    """

    row: I64
    area: I64
    inside: B
    """True: infringing now.  False: predicted entry."""
    t_entry_s: F64
    """Time to entry (0 when inside)."""
    entry_lat_deg: F64
    entry_lon_deg: F64
    entry_alt_m: F64
    t_exit_s: F64
    """Predicted time of leaving (``inf`` when not within the look-ahead)."""
    depth_m: F64
    """Horizontal depth inside (distance to the boundary, m); ``nan`` for predicted entries."""
    vdepth_m: F64
    """Vertical depth inside (distance to the nearer altitude limit, m); ``nan`` if predicted."""

    def __len__(self) -> int:
        return int(self.row.shape[0])


def path_inside_intervals(
    index: AreaIndex, part: int, u0: F64, e0: F64, omega: F64, horizon_s: F64
) -> tuple[I64, F64, F64]:
    """Horizontal inside intervals of great-circle paths against one polygon part.

    Returns ``(path, t_from, t_to)``: for each interval (s) during which path ``path`` is inside
    the part, within ``[0, horizon_s]``.  Paths are given by start unit vector ``u0``, initial
    direction ``e0`` and angular rate ``omega`` (rad/s).  (One part; the detector runs
    :meth:`AreaIndex.path_intervals` on many parts at once.)
    """
    parts = np.full(u0.shape[0], part, dtype=np.int64)
    return index.path_intervals(parts, u0, e0, omega, horizon_s)


def _join(track: I64, part: I64, ci: I64, ta: F64, tb: F64) -> tuple[I64, F64, F64]:
    """Join intervals of one (track, part) where one ends exactly where the next begins."""
    if ci.shape[0] == 0:
        return ci, ta, tb
    order = np.lexsort((ta, part, track))
    track, part, ci, ta, tb = track[order], part[order], ci[order], ta[order], tb[order]
    link = np.zeros(ci.shape[0], dtype=bool)
    link[1:] = (track[1:] == track[:-1]) & (part[1:] == part[:-1]) & (ta[1:] == tb[:-1])
    first = np.flatnonzero(~link)
    last = np.concatenate((first[1:], [ci.shape[0]])) - 1
    return ci[first], ta[first], tb[last]


def _vertical_window(a0: F64, vr: F64, lower: F64, upper: F64, horizon: F64) -> tuple[F64, F64]:
    """Times ``[t0, t1]`` within ``[0, horizon]`` with ``lower ≤ a0 + vr·t ≤ upper`` (t0 > t1: none)."""
    moving = np.abs(vr) > 1e-12
    sv = np.where(moving, vr, 1.0)
    ta = (lower - a0) / sv
    tb = (upper - a0) / sv
    inside_now = (a0 >= lower) & (a0 <= upper)
    t0 = np.where(moving, np.minimum(ta, tb), np.where(inside_now, 0.0, np.inf))
    t1 = np.where(moving, np.maximum(ta, tb), np.where(inside_now, horizon, -np.inf))
    return np.maximum(t0, 0.0), np.minimum(t1, horizon)


MAX_PIECES: Final = 64
"""Largest number of reach-long pieces a long path is cut into before the cap method is used."""

_CAP_PIECE_RAD: Final = math.radians(5.0)


def _pieces(
    index: AreaIndex,
    u0: F64,
    e0: F64,
    omega: F64,
    horizon: F64,
    length: F64,
    *,
    brute: bool = False,
) -> tuple[I64, F64, F64, F64, F64, F64, B]:
    """Cut paths longer than the index reach into consecutive pieces.

    Returns, per piece: its track, start and end time (absolute, s), start position and
    direction, and whether it is paired with parts by their caps (``True``) or by the grid.
    A path within the reach is one piece, identical to the path.  ``brute``: every path is cut
    into pieces of at most 5° paired by caps (the reference, no grid).
    """
    n = u0.shape[0]
    reach = index.reach_m
    count = np.ones(n, dtype=np.int64)
    cap = np.zeros(n, dtype=bool)
    if brute:
        cap[:] = True
        m_cap = np.ceil(length / (_CAP_PIECE_RAD * EARTH_RADIUS_M))
        count = np.maximum(m_cap, 1).astype(np.int64)
        long = np.flatnonzero(count > 1)
    else:
        long = np.flatnonzero(length > reach)
    if long.shape[0] and not brute:
        with np.errstate(divide="ignore"):
            m = np.ceil(length[long] / reach) if reach > 0.0 else np.full(long.shape[0], np.inf)
        by_cap = m > MAX_PIECES
        m_cap = np.ceil(length[long] / (_CAP_PIECE_RAD * EARTH_RADIUS_M))
        count[long] = np.where(by_cap, m_cap, m).astype(np.int64)
        cap[long] = by_cap
    if long.shape[0] == 0:
        zero = np.zeros(n)
        return np.arange(n, dtype=np.int64), zero, horizon, u0, e0, horizon, cap
    track = np.repeat(np.arange(n, dtype=np.int64), count)
    k = np.arange(track.shape[0], dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    tau = horizon[track] / count[track]
    t_start = k * tau
    t_end = np.where(k == count[track] - 1, horizon[track], (k + 1) * tau)
    single = count[track] == 1
    a = omega[track] * t_start
    ca, sa = np.cos(a)[:, None], np.sin(a)[:, None]
    u = np.where(single[:, None], u0[track], ca * u0[track] + sa * e0[track])
    e = np.where(single[:, None], e0[track], ca * e0[track] - sa * u0[track])
    return track, t_start, t_end, u, e, t_end - t_start, cap[track]


def _pairs(index: AreaIndex, u: F64, length: F64, cap: B) -> tuple[I64, I64, B]:
    """(piece, part, settled inside) of every part a piece may be inside of along its path."""
    grid = np.flatnonzero(~cap)
    who, part, b, s = index.lookup(u[grid])
    who = grid[who]
    lw = length[who]
    inside_all = b - s > lw
    keep = inside_all | (-b - s <= lw)
    who, part, inside_all = who[keep], part[keep], inside_all[keep]
    by_cap = np.flatnonzero(cap)
    if by_cap.shape[0] and index.parts:
        ang = np.arccos(np.clip(index.part_cos_max, -1.0, 1.0))
        lim = length[by_cap][:, None] / EARTH_RADIUS_M + ang[None, :] + 1e-6
        ti, pi = np.nonzero(u[by_cap] @ index.part_centre.T >= np.cos(np.minimum(lim, np.pi)))
        who = np.concatenate([who, by_cap[ti]])
        part = np.concatenate([part, pi.astype(np.int64)])
        inside_all = np.concatenate([inside_all, np.zeros(ti.shape[0], dtype=bool)])
    return who, part, inside_all


def detect_area_proximity_brute_force(
    states: TrackStates,
    index: AreaIndex,
    *,
    lookahead_s: float | ArrayLike = 300.0,
    include_owner: bool = False,
) -> AreaWarnings:
    """The same result as :func:`detect_area_proximity` without the grid, for reference.

    Every path (cut into pieces of at most 5°) is tested exactly against every part whose cap it
    can reach: O(tracks × parts).
    """
    return _proximity(states, index, lookahead_s, include_owner, brute=True)


def detect_area_proximity(
    states: TrackStates,
    index: AreaIndex,
    *,
    lookahead_s: float | ArrayLike = 300.0,
    include_owner: bool = False,
) -> AreaWarnings:
    """Tracks inside, or predicted to enter within the look-ahead, areas of other parties.

    Parameters
    ----------
    states
        Track states at the cycle time.
    index
        The protected areas (``party`` is the owner).
    lookahead_s
        Look-ahead (s), scalar or per track.
    include_owner
        Also report a party's own tracks in its own areas (off by default).
    """
    return _proximity(states, index, lookahead_s, include_owner, brute=False)


def _proximity(
    states: TrackStates,
    index: AreaIndex,
    lookahead_s: float | ArrayLike,
    include_owner: bool,
    *,
    brute: bool,
) -> AreaWarnings:
    n = len(states)
    horizon_all = np.broadcast_to(np.asarray(lookahead_s, dtype=np.float64), (n,))
    rows = np.flatnonzero(states.valid)
    all_rows = rows.shape[0] == n
    u0 = states.up if all_rows else np.take(states.up, rows, axis=0)
    e0 = states.direction_ecef if all_rows else np.take(states.direction_ecef, rows, axis=0)
    gs = states.gs_mps[rows]
    omega = gs / EARTH_RADIUS_M
    horizon = horizon_all[rows]
    a0 = states.alt_m[rows]
    vr = states.vrate_mps[rows]
    pc_track, pc_t0, pc_t1, pc_u, pc_e, pc_h, pc_cap = _pieces(
        index, u0, e0, omega, horizon, gs * horizon, brute=brute
    )
    piece, part, settled = _pairs(index, pc_u, gs[pc_track] * pc_h, pc_cap)
    loc = pc_track[piece]
    area = index.part_area[part]
    keep = np.ones(loc.shape[0], dtype=bool)
    if not include_owner:
        keep &= index.party[area] != states.party[rows[loc]]
    t0, t1 = _vertical_window(
        a0[loc], vr[loc], index.lower_m[area], index.upper_m[area], horizon[loc]
    )
    keep &= (t0 <= t1) & (t0 <= pc_t1[piece]) & (t1 >= pc_t0[piece])
    idx = np.flatnonzero(keep)
    piece, part, settled, loc, area, t0, t1 = (
        piece[idx],
        part[idx],
        settled[idx],
        loc[idx],
        area[idx],
        t0[idx],
        t1[idx],
    )

    # Horizontal inside intervals: the whole piece where settled inside, computed elsewhere.
    c_idx = [np.flatnonzero(settled)]
    c_ta = [pc_t0[piece[c_idx[0]]]]
    c_tb = [pc_t1[piece[c_idx[0]]]]
    nidx = np.flatnonzero(~settled)
    if nidx.shape[0]:
        pp = piece[nidx]
        pth, ta, tb = index.path_intervals(
            part[nidx], pc_u[pp], pc_e[pp], omega[pc_track[pp]], pc_h[pp]
        )
        pq = pp[pth]
        c_idx.append(nidx[pth])
        c_ta.append(np.where(ta <= 0.0, pc_t0[pq], pc_t0[pq] + ta))
        c_tb.append(np.where(tb >= pc_h[pq], pc_t1[pq], pc_t0[pq] + tb))
    ci = np.concatenate(c_idx)
    ta = np.concatenate(c_ta)
    tb = np.concatenate(c_tb)
    if pc_track.shape[0] > rows.shape[0]:  # join the intervals of consecutive pieces
        ci, ta, tb = _join(loc[ci], part[ci], ci, ta, tb)
    start = np.maximum(ta, t0[ci])
    stop = np.minimum(tb, t1[ci])
    ok = (start < stop) | ((start == stop) & (start == 0.0))
    ci, start, stop = ci[ok], start[ok], stop[ok]
    # First entry per (track, area): sort by (row, area, start).
    r = rows[loc[ci]]
    ar = area[ci]
    order = np.lexsort((part[ci], start, ar, r))
    ci, start, stop, r, ar = ci[order], start[order], stop[order], r[order], ar[order]
    first = np.ones(ci.shape[0], dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (ar[1:] != ar[:-1])
    ci, start, stop, r, ar = ci[first], start[first], stop[first], r[first], ar[first]
    lr = loc[ci]
    h = horizon[lr]
    pos = path_points(u0[lr], e0[lr], omega[lr], start)
    lat, lon = vectors_to_latlon(pos)
    alt = a0[lr] + vr[lr] * start
    inside = start <= 0.0
    depth = np.full(ci.shape[0], np.nan)
    vdepth = np.full(ci.shape[0], np.nan)
    ins = np.flatnonzero(inside)
    if ins.shape[0]:
        depth[ins] = index.boundary_distance_m(part[ci[ins]], u0[lr[ins]])
        vdepth[ins] = np.minimum(
            a0[lr[ins]] - index.lower_m[ar[ins]], index.upper_m[ar[ins]] - a0[lr[ins]]
        )
    t_exit = np.where(stop < h, stop, np.inf)
    return AreaWarnings(
        row=r,
        area=ar,
        inside=inside,
        t_entry_s=start,
        entry_lat_deg=lat,
        entry_lon_deg=lon,
        entry_alt_m=alt,
        t_exit_s=t_exit,
        depth_m=depth,
        vdepth_m=vdepth,
    )
