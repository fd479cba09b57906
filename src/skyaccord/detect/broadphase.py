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
   keys groups them by cell; pairs that share a cell and whose boxes overlap are candidates.  A
   pair sharing several cells is kept only in the cell holding the low corner of the boxes'
   intersection, so each overlapping pair appears once per slice; pairs from different slices are
   merged by one more sort.

Everything is vectorized (no per-track Python loop; one short loop over the ``K`` slices).  The
grid is Earth-centred, so nothing special happens at the antimeridian or the poles.  With cells
about the size of a box, the work is proportional to the number of tracks times the local density,
i.e. near-linear at realistic densities.
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


def _pairs_in_groups(keys: I64) -> tuple[I64, I64]:
    """Positions ``(p, q)``, ``p < q``, of every two elements of sorted ``keys`` that are equal."""
    n = keys.shape[0]
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [n]))
    sizes = ends - starts
    # Element at position p of a group ending at e pairs with p+1 .. e-1.
    end_of = np.repeat(ends, sizes)
    count = end_of - np.arange(n) - 1
    total = int(count.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    p = np.repeat(np.arange(n, dtype=np.int64), count)
    first = np.cumsum(count) - count
    q = np.arange(total, dtype=np.int64) - np.repeat(first, count) + p + 1
    return p, q


_CORNERS: Final = np.array(
    [[(c >> d) & 1 for d in range(4)] for c in range(16)], dtype=np.int64
)  # the 16 corners of a 2×2×2×2 block of cells, one row each


def _cell_keys(c_lo: I64, c_hi: I64, idx_bits: int) -> tuple[I64, I64, list[int]]:
    """Expand 4-D boxes (cell ranges ``c_lo..c_hi``, shape (M, 4)) into one entry per cell touched.

    Returns the packed sort keys (mixed-radix cell key shifted left by ``idx_bits``, box row in the
    low bits), and the per-dimension origin and radix, so that any cell can be keyed the same way.
    Boxes spanning at most two cells per dimension (nearly all, as cells are sized for them) are
    expanded by broadcasting over the 16 corners of their 2×2×2×2 block; the rest one by one in
    mixed radix.
    """
    m, dims = c_lo.shape
    base = c_lo.min(axis=0)
    top = c_hi.max(axis=0)
    radix = [int(top[d] - base[d] + 1) for d in range(dims)]
    if sum(r.bit_length() for r in radix) + idx_bits > 62:  # pragma: no cover - absurd spreads
        raise OverflowError("broad-phase grid too fine for packed keys")
    stride = np.ones(dims, dtype=np.int64)
    for d in range(dims - 2, -1, -1):
        stride[d] = stride[d + 1] * radix[d + 1]
    span = c_hi - c_lo + 1
    key_lo = (c_lo - base) @ stride
    packed_lo = (key_lo << idx_bits) | np.arange(m, dtype=np.int64)
    small = (span <= 2).all(axis=1)
    rows_s = np.flatnonzero(small)
    ncorner = 1 << dims
    corner_keys = (_CORNERS[:ncorner, :dims] @ stride) << idx_bits
    # Bit d of a corner id is its offset in dimension d; a box has that corner iff every set bit
    # is a dimension in which it spans two cells.
    two = ((span[rows_s] == 2) * (1 << np.arange(dims, dtype=np.int64))).sum(axis=1)
    corner_id = np.arange(ncorner, dtype=np.int64)
    inside = (corner_id[None, :] & ~two[:, None]) == 0
    parts = [(packed_lo[rows_s, None] + corner_keys[None, :])[inside]]
    big = np.flatnonzero(~small)
    if big.shape[0]:
        count = np.prod(span[big], axis=1)
        total = int(count.sum())
        row = np.repeat(big, count)
        local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        key = np.zeros(total, dtype=np.int64)
        for d in range(dims):
            sd = span[row, d]
            key += (c_lo[row, d] - base[d] + local % sd) * stride[d]
            local //= sd
        parts.append((key << idx_bits) | row)
    return np.concatenate(parts), base, radix


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
        Number of time slices; by default chosen so that a slice moves a typical track about two
        reaches (a tuning knob only: the result does not depend on it).

    Every pair that the narrow phase can find in conflict is returned (a superset).
    """
    rows = np.flatnonzero(active)
    n_act = rows.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    if n_act < 2:
        return empty, empty
    b = foot_ecef[rows]
    v = velocity_ecef[rows]
    a = alt_m[rows]
    vr = vrate_mps[rows]
    speed = np.sqrt(np.einsum("ij,ij->i", v, v))
    typical = float(np.percentile(speed, 75)) if n_act else 0.0
    if slices is None:
        slices = int(min(32, max(1, math.ceil(0.5 * typical * lookahead_s / reach_m))))
    slices = max(1, int(slices))
    tau = lookahead_s / slices
    half = 0.5 * reach_m
    half_v = 0.5 * vmin_m
    cell_s = _CELL_FACTOR * (reach_m + typical * tau)
    vr_typ = float(np.percentile(np.abs(vr), 75))
    cell_a = _ALT_CELL_FACTOR * max(2.0 * vmin_m, vmin_m + vr_typ * tau)
    idx_bits = max(1, int(n_act - 1).bit_length())

    cols = [np.ascontiguousarray(b[:, d]) for d in range(3)] + [a]
    rates = [np.ascontiguousarray(v[:, d]) for d in range(3)] + [vr]
    halves = (half, half, half, half_v)
    scale = np.array([cell_s, cell_s, cell_s, cell_a])
    out_i: list[I64] = []
    out_j: list[I64] = []
    for k in range(slices):
        t0 = k * tau
        t1 = (k + 1) * tau
        lo: list[F64] = []
        hi: list[F64] = []
        for d in range(4):
            e0 = cols[d] + rates[d] * t0
            e1 = cols[d] + rates[d] * t1
            lo.append(np.minimum(e0, e1) - halves[d])
            hi.append(np.maximum(e0, e1) + halves[d])
        c_lo = np.floor(np.stack(lo, axis=1) / scale).astype(np.int64)
        c_hi = np.floor(np.stack(hi, axis=1) / scale).astype(np.int64)
        packed, base, radix = _cell_keys(c_lo, c_hi, idx_bits)
        packed.sort()
        cell_key = packed >> idx_bits
        member = packed & ((1 << idx_bits) - 1)
        p, q = _pairs_in_groups(cell_key)
        if p.shape[0] == 0:
            continue
        i = member[p]
        j = member[q]
        group = cell_key[p]
        # Overlap of the boxes, altitude first (the most selective in layered traffic); the
        # canonical cell is the one holding the low corner of the intersection.
        corner: dict[int, F64] = {}
        for d in (3, 0, 1, 2):
            lo_d = np.maximum(lo[d][i], lo[d][j])
            ok = lo_d <= np.minimum(hi[d][i], hi[d][j])
            i, j, group = i[ok], j[ok], group[ok]
            corner = {e: c[ok] for e, c in corner.items()}
            corner[d] = lo_d[ok]
        ck = np.zeros(i.shape[0], dtype=np.int64)
        for d in range(4):
            ck = ck * radix[d] + (np.floor(corner[d] / scale[d]).astype(np.int64) - base[d])
        keep = ck == group
        i, j = i[keep], j[keep]
        out_i.append(np.minimum(i, j))
        out_j.append(np.maximum(i, j))
    if not out_i:
        return empty, empty
    ii = np.concatenate(out_i)
    jj = np.concatenate(out_j)
    pair = np.sort(ii * n_act + jj)
    if pair.shape[0] > 1:
        pair = pair[np.concatenate(([True], pair[1:] != pair[:-1]))]
    return rows[pair // n_act], rows[pair % n_act]
