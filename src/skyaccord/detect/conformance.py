"""Nonconformance: tracks of a party with active intents flying outside all of them.

The geometric test only (the state changes of intents are the intent workflow's job).  A party
*has active intents* at ``now`` when at least one of its areas in the intent index is ``active``
and its time window contains ``now``.  Each valid track of such a party must be inside at least
one of them, with tolerances: horizontally inside the polygon or within ``h_tol_m`` of it
(great-circle distance), vertically within ``[lower − v_tol, upper + v_tol]``.  Tracks that are
not are reported, with the nearest of their party's intents within the index's search radius
(:attr:`~skyaccord.detect.areas.AreaIndex.search_radius_m`: its reach plus ``√3·cell_m``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyaccord.detect.areas import AreaIndex
from skyaccord.detect.states import TrackStates
from skyaccord.errors import ValidationError

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = ["Nonconformance", "detect_nonconformance", "usable_intents"]


@dataclass(frozen=True)
class Nonconformance:
    """Tracks outside all active intents of their party, sorted by row.

    ``nearest_area`` is the closest intent of the party within the index's search radius (−1 if
    none);
    ``h_out_m``/``v_out_m`` how far outside it the track is horizontally (0 when inside the
    polygon) and vertically (0 when inside the band); ``nan`` when there is no nearest intent.
    """

    row: I64
    nearest_area: I64
    h_out_m: F64
    v_out_m: F64

    def __len__(self) -> int:
        return int(self.row.shape[0])


def usable_intents(index: AreaIndex, now_s: float) -> B:
    """Areas of the index that are active and whose time window contains ``now_s``."""
    return np.asarray(index.active & (index.start_s <= now_s) & (now_s <= index.end_s))


def detect_nonconformance(
    states: TrackStates,
    intents: AreaIndex,
    now_s: float,
    *,
    h_tol_m: float = 0.0,
    v_tol_m: float = 0.0,
) -> Nonconformance:
    """Tracks of parties with active intents that are outside all of them (with tolerances).

    ``now_s`` is the cycle time on the clock of the intents' time windows (s).  The index must
    have been built with ``reach_m ≥ h_tol_m``.
    """
    if h_tol_m < 0.0 or v_tol_m < 0.0:
        raise ValidationError("h_tol_m", "tolerances must be non-negative")
    if intents.reach_m < h_tol_m:
        raise ValidationError("h_tol_m", "larger than the reach the intent index was built for")
    usable = usable_intents(intents, now_s)
    parties = np.unique(intents.party[usable])
    rows = np.flatnonzero(states.valid & np.isin(states.party, parties))
    u = np.take(states.up, rows, axis=0)
    radius = intents.search_radius_m
    loc, part, bound, slack = intents.lookup(u)
    area = intents.part_area[part]
    keep = (
        usable[area] & (intents.party[area] == states.party[rows[loc]]) & (-bound - slack <= radius)
    )
    idx = np.flatnonzero(keep)
    loc, part, area, bound, slack = loc[idx], part[idx], area[idx], bound[idx], slack[idx]
    alt = states.alt_m[rows[loc]]
    v_out = np.maximum(np.maximum(intents.lower_m[area] - alt, alt - intents.upper_m[area]), 0.0)
    h_out = np.zeros(loc.shape[0])
    unsure = np.flatnonzero(bound - slack <= 0.0)  # not known to be inside: test exactly
    if unsure.shape[0]:
        uu = u[loc[unsure]]
        pu = part[unsure]
        inside = intents.contains(pu, uu)
        out = ~inside
        h_out[unsure[out]] = intents.boundary_distance_m(pu[out], uu[out])
    near = h_out <= radius  # the nearest intent is looked for within the search radius
    loc, area, h_out, v_out = loc[near], area[near], h_out[near], v_out[near]
    ok = (h_out <= h_tol_m) & (v_out <= v_tol_m)
    conforming = np.zeros(rows.shape[0], dtype=bool)
    conforming[loc[ok]] = True
    bad = np.flatnonzero(~conforming)
    # Nearest intent per nonconforming track (by horizontal, then vertical distance).
    nearest = np.full(rows.shape[0], -1, dtype=np.int64)
    hn = np.full(rows.shape[0], np.nan)
    vn = np.full(rows.shape[0], np.nan)
    order = np.lexsort((v_out, h_out, loc))
    lo_sorted = loc[order]
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = lo_sorted[1:] != lo_sorted[:-1]
    best = order[first]
    nearest[loc[best]] = area[best]
    hn[loc[best]] = h_out[best]
    vn[loc[best]] = v_out[best]
    return Nonconformance(
        row=rows[bad], nearest_area=nearest[bad], h_out_m=hn[bad], v_out_m=vn[bad]
    )
