"""Broad phase of conflict detection: space-time hashing of swept boxes in an Earth-centred frame.

Why: the narrow phase is exact but costs a few dozen flops per *pair*; all pairs is O(N²).  A pair
can only lose separation within the look-ahead if, at the moment it does, the two aircraft are
within the horizontal minimum of each other *and* within the vertical minimum.  So:

1. The look-ahead ``[0, T]`` is cut into ``K`` time slices.  In each slice every track sweeps a
   short straight segment (ECEF, foot point + horizontal velocity × t) and an altitude interval.
2. Each sweep is enclosed in a 4-D box (ECEF x, y, z and altitude), grown by half the horizontal
   reach ``r`` and half the vertical minimum.  If two tracks are in conflict at time ``t`` of slice
   ``k``, their boxes of slice ``k`` overlap (proof in :func:`horizontal_reach_m`).
3. Boxes are inserted into every cell of a uniform 4-D grid they touch; one sort of packed integer
   keys groups them by cell; pairs that share a cell and whose boxes overlap are candidates.
4. A pair sharing several cells is generated in each but kept only in its *canonical* cell: the
   one whose coordinate in every dimension is the larger of the two boxes' first cells (the only
   shared cell in which, in every dimension, one of the two boxes starts).  Each entry carries a
   4-bit mask of the dimensions in which its box starts in that cell, so the test is one ``or``
   of two masks.  Pairs from different slices are merged by one more sort.
5. Pairs that can never be reported (two tracks of the same party, unless asked for) are never
   generated: tracks are numbered in party order, so within a cell the entries of one party are
   contiguous and each entry pairs only with the entries of later parties.  In traffic where most
   neighbours fly for the same party (a country's own traffic) this removes most of the work.

Everything is vectorized (no per-track Python loop; short loops over the ``K`` slices and the 16
shapes of a box's cell block).  The grid is Earth-centred, so nothing special happens at the
antimeridian or the poles.  With cells about the size of a box, the work is proportional to the
number of tracks times the local density, i.e. near-linear at realistic densities; the number of
pairs that *are* close grows with the square of the local density whatever the method.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = ["candidate_pairs", "horizontal_reach_m"]

MIN_CURVATURE_RADIUS_M: Final = 6.335e6
"""Smallest radius of curvature of the WGS84 ellipsoid (meridian, at the equator), m, rounded down."""

_CELL_FACTOR: Final = 1.0  # spatial cell / (reach + typical slice sweep), tuned
_ALT_CELL_FACTOR: Final = 1.5  # altitude cell / (vmin + typical slice climb), tuned
_SLICE_FACTOR: Final = 0.125  # slices ≈ this × typical path length / reach, tuned
_MASK_BITS: Final = 4  # low bits of a packed entry: the dimensions in which its box starts there


def horizontal_reach_m(hmin_m: float, max_gs_mps: float, lookahead_s: float) -> float:
    """Distance (m) within which two ECEF sweeps must come for a horizontal intrusion to be possible.

    The narrow phase measures horizontal distance in the tangent plane of the pair (normal ``n``,
    the mean of the two up vectors).  The broad phase compares full 3-D distances between the two
    straight sweeps, which also contain the component along ``n``.  That component is bounded by
    (a) the tilt of each track's velocity against ``n``: at most ``gs · sin φ · t``, where ``2φ``
    is the angle between the two up vectors and ``2φ ≤ D / R_min`` for a pair ``D`` metres apart
    (and ``D ≤ hmin + 2·gs_max·T`` for any pair that can conflict), and (b) the departure of the
    ellipsoid chord from the tangent plane, below ``0.0014 · D · φ`` (measured; 0.01 used).  So a
    horizontal distance below ``hmin`` implies a 3-D distance below the returned reach.
    """
    d_max = hmin_m + 2.0 * max_gs_mps * lookahead_s
    phi = 0.5 * d_max / MIN_CURVATURE_RADIUS_M
    tilt = 2.0 * max_gs_mps * math.sin(phi) * lookahead_s + 0.01 * d_max * phi + 1e-3
    return math.hypot(hmin_m, tilt) * (1.0 + 1e-9) + 1e-6


_CORNERS: Final = np.array(
    [[(c >> d) & 1 for d in range(4)] for c in range(16)], dtype=np.int64
)  # the 16 corners of a 2×2×2×2 block of cells, one row each (bit d of the row number: dim d)


def _entries(c_lo: I64, c_hi: I64, stride: I64, idx_bits: int) -> I64:
    """One packed entry per (box, cell touched): ``((cell key << idx_bits) | box) << 4 | mask``.

    ``c_lo``/``c_hi`` (shape (M, 4)) are the boxes' first and last cells, relative to the grid
    origin; ``stride`` the mixed-radix weights of the cell key.  Bit ``d`` of ``mask`` is set when
    the box starts in that cell in dimension ``d``.  Boxes spanning at most two cells per dimension
    (nearly all, as cells are sized for them) are grouped by which dimensions they span two cells
    in, and each group is expanded by broadcasting over exactly its corners; the rest one by one.
    """
    m = c_lo.shape[0]
    span = c_hi - c_lo
    head = (((c_lo @ stride) << idx_bits) | np.arange(m, dtype=np.int64)) << _MASK_BITS
    small = (span <= 1).all(axis=1)
    pattern = (span[:, 0] | (span[:, 1] << 1) | (span[:, 2] << 2) | (span[:, 3] << 3)).astype(
        np.uint8
    )
    rows_s = np.flatnonzero(small)
    order = rows_s[np.argsort(pattern[rows_s], kind="stable")]
    counts = np.bincount(pattern[rows_s], minlength=16)
    corner_key = (_CORNERS @ stride) << (idx_bits + _MASK_BITS)
    corner_id = np.arange(16, dtype=np.int64)
    parts: list[I64] = []
    start = 0
    for pat in range(16):
        cnt = int(counts[pat])
        if cnt == 0:
            continue
        rows = order[start : start + cnt]
        start += cnt
        corners = corner_id[(corner_id & ~pat) == 0]
        offs = corner_key[corners] | (15 ^ corners)
        parts.append((head[rows, None] + offs[None, :]).ravel())
    big = np.flatnonzero(~small)
    if big.shape[0]:
        size = span[big] + 1
        count = np.prod(size, axis=1)
        total = int(count.sum())
        row = np.repeat(big, count)
        local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        key = np.zeros(total, dtype=np.int64)
        mask = np.zeros(total, dtype=np.int64)
        for d in range(4):
            sd = size[:, d].repeat(count)
            off = local % sd
            key += (c_lo[row, d] + off) * stride[d]
            mask |= (off == 0).astype(np.int64) << d
            local //= sd
        parts.append((((key << idx_bits) | row) << _MASK_BITS) | mask)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _run_ends(change: B) -> I64:
    """For each position of a sorted sequence, the end (exclusive) of its run of equal values.

    ``change[k]`` is True where position ``k`` starts a new run (``change[0]`` is True).
    """
    n = change.shape[0]
    starts = np.flatnonzero(change)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1:] = n
    return np.repeat(ends, ends - starts)


def _cell_pairs(
    packed: I64, idx_bits: int, group: I64 | None, alt_lo: F64, alt_hi: F64
) -> tuple[I64, I64]:
    """Canonical pairs ``(a, b)``, ``a < b``, of boxes sharing a cell, from sorted entries.

    Within a cell, an entry pairs with every later entry of a *different* ``group`` (boxes are
    numbered in group order, so each group's entries are contiguous); with ``group`` None, with
    every later entry.  Only pairs whose start masks cover all four dimensions, and whose
    altitude intervals ``alt_lo``..``alt_hi`` (per box) overlap, are kept.
    """
    n = packed.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    cell = packed >> (idx_bits + _MASK_BITS)
    member = (packed >> _MASK_BITS) & ((1 << idx_bits) - 1)
    new_cell = np.empty(n, dtype=bool)
    new_cell[0] = True
    np.not_equal(cell[1:], cell[:-1], out=new_cell[1:])
    if not new_cell.all():
        end_cell = _run_ends(new_cell)
    else:
        return empty, empty
    if group is None:
        end_sub = np.arange(1, n + 1, dtype=np.int64)
    else:
        gm = group[member]
        new_sub = new_cell.copy()
        new_sub[1:] |= gm[1:] != gm[:-1]
        end_sub = _run_ends(new_sub)
    count = end_cell - end_sub
    total = int(count.sum())
    if total == 0:
        return empty, empty
    first = np.cumsum(count) - count
    p = np.repeat(np.arange(n, dtype=np.int64), count)
    q = np.arange(total, dtype=np.int64) + np.repeat(end_sub - first, count)
    mask = (packed & 15).astype(np.uint8)
    keep = np.flatnonzero((mask[p] | mask[q]) == 15)
    p, q = p[keep], q[keep]
    # Altitude overlap, on per-entry copies so that the gathers stay local.
    lo_e = alt_lo[member]
    hi_e = alt_hi[member]
    keep = np.flatnonzero(np.maximum(lo_e[p], lo_e[q]) <= np.minimum(hi_e[p], hi_e[q]))
    return member[p[keep]], member[q[keep]]


def _may_meet(
    i: I64,
    j: I64,
    pos: list[F64],
    vel: list[F64],
    *,
    reach_m: float,
    vmin_m: float,
    lookahead_s: float,
) -> B:
    """Pairs whose straight ECEF sweeps come within ``reach_m`` while within ``vmin_m`` vertically.

    ``pos`` and ``vel`` are the columns x, y, z (ECEF, m and m/s) and altitude (m, m/s).  The
    vertical window is the (closed) time interval in ``[0, T]`` during which the altitude
    difference is at most ``vmin_m``; the pair is kept when the 3-D distance of the two sweeps
    reaches ``reach_m`` or less at some time of that window.  Every pair in conflict passes: at
    the start of its intrusion (or now, if it has begun) both distances are within the minima,
    and a horizontal distance within the minimum implies a 3-D one within the reach.  Closed
    intervals and small margins keep the test conservative under rounding.
    """
    dz = pos[3][j] - pos[3][i]
    dvz = vel[3][j] - vel[3][i]
    vm = vmin_m + 1e-3
    climbing = np.abs(dvz) > 1e-9
    safe = np.where(climbing, dvz, 1.0)
    ta = (-vm - dz) / safe
    tb = (vm - dz) / safe
    t0 = np.where(climbing, np.minimum(ta, tb), 0.0)
    t1 = np.where(climbing, np.maximum(ta, tb), np.where(np.abs(dz) <= vm, lookahead_s, -1.0))
    np.maximum(t0, 0.0, out=t0)
    np.minimum(t1, lookahead_s, out=t1)
    ok = t0 <= t1 + 1e-6
    idx = np.flatnonzero(ok)
    i, j, t0, t1 = i[idx], j[idx], t0[idx], t1[idx]
    d = [pos[k][j] - pos[k][i] for k in range(3)]
    w = [vel[k][j] - vel[k][i] for k in range(3)]
    ww = w[0] * w[0] + w[1] * w[1] + w[2] * w[2]
    dw = d[0] * w[0] + d[1] * w[1] + d[2] * w[2]
    moving = ww > 0.0
    tc = np.where(moving, -dw / np.where(moving, ww, 1.0), 0.0)
    np.maximum(tc, t0, out=tc)
    np.minimum(tc, t1, out=tc)
    r2 = np.zeros(tc.shape[0])
    for k in range(3):
        r = d[k] + w[k] * tc
        r2 += r * r
    ok[idx] = r2 <= reach_m * reach_m
    return ok


def candidate_pairs(
    foot_ecef: F64,
    velocity_ecef: F64,
    alt_m: F64,
    vrate_mps: F64,
    active: B,
    *,
    reach_m: float,
    vmin_m: float,
    lookahead_s: float,
    slices: int | None = None,
    exclude_group: I64 | None = None,
) -> tuple[I64, I64]:
    """Candidate pairs ``(i, j)``, ``i < j``, sorted, that may be in conflict within the look-ahead.

    Parameters
    ----------
    foot_ecef, velocity_ecef
        ECEF foot points (m) and horizontal velocities (m/s), shape (N, 3).
    alt_m, vrate_mps
        Altitude (m) and vertical rate (m/s), shape (N,).
    active
        Rows to consider, shape (N,).
    reach_m
        Horizontal reach, from :func:`horizontal_reach_m` with the *largest* horizontal minimum.
    vmin_m, lookahead_s
        The largest vertical minimum (m) and look-ahead (s) of any pair.
    slices
        Number of time slices; by default chosen so that a slice moves a typical track about
        eight reaches, one slice for airliners at 5 NM (a tuning knob only: the result does not
        depend on it).
    exclude_group
        Optional labels, shape (N,): pairs of rows with equal labels are not returned (e.g. the
        party, when same-party pairs are not wanted).

    Every pair that the narrow phase can find in conflict is returned (a superset), except pairs
    excluded by ``exclude_group``.
    """
    rows = np.flatnonzero(active)
    empty = np.zeros(0, dtype=np.int64)
    n_act = rows.shape[0]
    if n_act < 2:
        return empty, empty
    group: I64 | None = None
    if exclude_group is not None:
        g = np.asarray(exclude_group, dtype=np.int64)[rows]
        order = np.argsort(g, kind="stable")
        rows, group = rows[order], g[order]
        if group[0] == group[-1]:
            return empty, empty
    b = foot_ecef[rows]
    v = velocity_ecef[rows]
    a = alt_m[rows]
    vr = vrate_mps[rows]
    speed = np.sqrt(np.einsum("ij,ij->i", v, v))
    typical = float(np.percentile(speed, 75))
    if slices is None:
        path = _SLICE_FACTOR * typical * lookahead_s / reach_m
        slices = int(min(32, max(1, math.ceil(path))))
    slices = max(1, int(slices))
    tau = lookahead_s / slices
    cell_s = _CELL_FACTOR * (reach_m + typical * tau)
    vr_typ = float(np.percentile(np.abs(vr), 75))
    cell_a = _ALT_CELL_FACTOR * max(2.0 * vmin_m, vmin_m + vr_typ * tau)
    idx_bits = max(1, int(n_act - 1).bit_length())

    cols = [np.ascontiguousarray(b[:, d]) for d in range(3)] + [a]
    rates = [np.ascontiguousarray(v[:, d]) for d in range(3)] + [vr]
    halves = (0.5 * reach_m,) * 3 + (0.5 * vmin_m,)
    codes: list[I64] = []
    for k in range(slices):
        t0 = k * tau
        t1 = (k + 1) * tau
        lo = np.empty((n_act, 4))
        hi = np.empty((n_act, 4))
        for d in range(4):
            e0 = cols[d] + rates[d] * t0
            e1 = cols[d] + rates[d] * t1
            np.subtract(np.minimum(e0, e1), halves[d], out=lo[:, d])
            np.add(np.maximum(e0, e1), halves[d], out=hi[:, d])
        scale = np.array([cell_s, cell_s, cell_s, cell_a])
        while True:  # coarser cells if the packed keys would not fit in 63 bits
            c_lo = np.floor(lo / scale).astype(np.int64)
            c_hi = np.floor(hi / scale).astype(np.int64)
            base = c_lo.min(axis=0)
            radix = (c_hi.max(axis=0) - base + 1).tolist()
            if math.prod(radix).bit_length() + idx_bits + _MASK_BITS <= 62:
                break
            scale = scale * 2.0
        stride = np.array(
            [radix[1] * radix[2] * radix[3], radix[2] * radix[3], radix[3], 1], dtype=np.int64
        )
        packed = _entries(c_lo - base, c_hi - base, stride, idx_bits)
        packed.sort()
        i, j = _cell_pairs(packed, idx_bits, group, lo[:, 3], hi[:, 3])
        if i.shape[0]:
            codes.append(i * n_act + j)
    if not codes:
        return empty, empty
    code = np.concatenate(codes)
    if len(codes) > 1:
        code.sort()
        code = code[np.concatenate(([True], code[1:] != code[:-1]))]
    i = code // n_act
    j = code - i * n_act
    keep = _may_meet(i, j, cols, rates, reach_m=reach_m, vmin_m=vmin_m, lookahead_s=lookahead_s)
    code = code[keep]
    ri = rows[code // n_act]
    rj = rows[code % n_act]
    lo_r = np.minimum(ri, rj)
    hi_r = np.maximum(ri, rj)
    order = np.argsort(lo_r * int(foot_ecef.shape[0]) + hi_r)
    return lo_r[order], hi_r[order]
