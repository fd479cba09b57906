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

Method: candidates come from the :class:`~skyaccord.detect.areas.AreaIndex` grid; for tracks near
a boundary the path is a straight segment in the part's gnomonic plane, cut by the polygon edges
(exact segment intersection), and each piece is classified inside/outside at its midpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from skyaccord.detect.areas import AreaIndex, cross, path_points, tangent_directions
from skyaccord.detect.states import TrackStates
from skyaccord.geo.frames import EARTH_RADIUS_M, vectors_to_latlon

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = ["AreaWarnings", "detect_area_proximity", "path_inside_intervals"]


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


def _cross2(ax: F64, ay: F64, bx: F64, by: F64) -> F64:
    return np.asarray(ax * by - ay * bx)


def path_inside_intervals(
    index: AreaIndex, part: int, u0: F64, e0: F64, omega: F64, horizon_s: F64
) -> tuple[I64, F64, F64]:
    """Horizontal inside intervals of great-circle paths against one polygon part.

    Returns ``(path, t_from, t_to)``: for each interval (s) during which path ``path`` is inside
    the part, within ``[0, horizon_s]``.  Paths are given by start unit vector ``u0``, initial
    direction ``e0`` and angular rate ``omega`` (rad/s).
    """
    p = index.part(part)
    m = u0.shape[0]
    end = path_points(u0, e0, omega, horizon_s)
    xy0 = p.forward(u0)
    xy1 = p.forward(end)
    d = xy1 - xy0
    segs = shapely.linestrings(np.stack([xy0, xy1], axis=1))
    si, ei = p.edge_tree.query(segs)
    ex = p.edge_xy[ei]
    qx, qy = ex[:, 0] - xy0[si, 0], ex[:, 1] - xy0[si, 1]
    fx, fy = ex[:, 2] - ex[:, 0], ex[:, 3] - ex[:, 1]
    den = _cross2(d[si, 0], d[si, 1], fx, fy)
    ok = np.abs(den) > 1e-300
    sden = np.where(ok, den, 1.0)
    s = _cross2(qx, qy, fx, fy) / sden
    r = _cross2(qx, qy, d[si, 0], d[si, 1]) / sden
    hit = ok & (s > 0.0) & (s < 1.0) & (r >= 0.0) & (r <= 1.0)
    cut_path = np.concatenate([si[hit], np.arange(m), np.arange(m)])
    cut_s = np.concatenate([s[hit], np.zeros(m), np.ones(m)])
    order = np.lexsort((cut_s, cut_path))
    cut_path, cut_s = cut_path[order], cut_s[order]
    same = cut_path[1:] == cut_path[:-1]
    pa = cut_path[:-1][same]
    sa = cut_s[:-1][same]
    sb = cut_s[1:][same]
    mid = 0.5 * (sa + sb)
    mx = xy0[pa, 0] + mid * d[pa, 0]
    my = xy0[pa, 1] + mid * d[pa, 1]
    inside = shapely.contains_xy(p.polygon, mx, my)
    pa, sa, sb = pa[inside], sa[inside], sb[inside]

    def to_time(path: I64, sv: F64) -> F64:
        q = p.inverse(xy0[path] + sv[:, None] * d[path])
        c = cross(u0[path], q)
        ang = np.arctan2(np.sqrt(np.einsum("ij,ij->i", c, c)), np.einsum("ij,ij->i", u0[path], q))
        w = omega[path]
        moving = w > 0.0
        t = np.where(moving, ang / np.where(moving, w, 1.0), sv * horizon_s[path])
        return np.asarray(np.clip(t, 0.0, horizon_s[path]))

    ta = np.where(sa <= 0.0, 0.0, to_time(pa, sa))
    tb = np.where(sb >= 1.0, horizon_s[pa], to_time(pa, sb))
    return pa, ta, tb


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
    n = len(states)
    horizon_all = np.broadcast_to(np.asarray(lookahead_s, dtype=np.float64), (n,))
    rows = np.flatnonzero(states.valid)
    u0, e0 = tangent_directions(states.lat_deg[rows], states.lon_deg[rows], states.track_deg[rows])
    gs = states.gs_mps[rows]
    omega = gs / EARTH_RADIUS_M
    horizon = horizon_all[rows]
    a0 = states.alt_m[rows]
    vr = states.vrate_mps[rows]
    loc, part, near = index.candidates(u0, np.arange(rows.shape[0]), gs * horizon)
    area = index.part_area[part]
    keep = np.ones(loc.shape[0], dtype=bool)
    if not include_owner:
        keep &= index.party[area] != states.party[rows[loc]]
    t0, t1 = _vertical_window(
        a0[loc], vr[loc], index.lower_m[area], index.upper_m[area], horizon[loc]
    )
    keep &= t0 <= t1
    loc, part, near, area, t0, t1 = (
        loc[keep],
        part[keep],
        near[keep],
        area[keep],
        t0[keep],
        t1[keep],
    )

    # Horizontal inside intervals: the whole horizon for interior cells, computed near edges.
    c_idx = [np.flatnonzero(~near)]
    c_ta = [np.zeros(c_idx[0].shape[0])]
    c_tb = [horizon[loc[c_idx[0]]]]
    nidx = np.flatnonzero(near)
    if nidx.shape[0]:
        order = nidx[np.argsort(part[nidx], kind="stable")]
        parts_sorted = part[order]
        bounds = np.flatnonzero(np.diff(parts_sorted)) + 1
        for grp in np.split(order, bounds):
            k = int(part[grp[0]])
            lr = loc[grp]
            pth, ta, tb = path_inside_intervals(index, k, u0[lr], e0[lr], omega[lr], horizon[lr])
            c_idx.append(grp[pth])
            c_ta.append(ta)
            c_tb.append(tb)
    ci = np.concatenate(c_idx)
    ta = np.concatenate(c_ta)
    tb = np.concatenate(c_tb)
    start = np.maximum(ta, t0[ci])
    stop = np.minimum(tb, t1[ci])
    ok = (start < stop) | ((start == stop) & (start == 0.0))
    ci, start, stop = ci[ok], start[ok], stop[ok]
    # First entry per (track, area): sort by (row, area, start).
    r = rows[loc[ci]]
    ar = area[ci]
    order = np.lexsort((start, ar, r))
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
        pk = part[ci[ins]]
        for k in np.unique(pk):
            sel = ins[pk == k]
            depth[sel] = index.distance_to_boundary_m(int(k), u0[lr[sel]])
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
