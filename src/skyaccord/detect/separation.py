"""Predicted loss of separation between tracks (the tactical conflict detector).

Model (state-based, linear extrapolation of the current states):

* **Horizontal**: the two foot points (on the WGS84 ellipsoid) and horizontal ground velocities
  are projected on the tangent plane of the pair, whose normal is the normalised sum of the two
  geodetic up vectors.  Relative position ``r(t) = r₀ + w·t`` in that plane.  The plane depends
  only on the two positions, so the geometry is the same at the antimeridian and at the poles.
* **Vertical**: altitude difference ``Δz(t) = Δz₀ + Δvz·t`` taken directly from altitudes and
  vertical rates, so the curvature of the Earth never leaks into the vertical.
* A pair is **in conflict** when the open horizontal intrusion interval (``|r(t)| < hmin``) and the
  open vertical intrusion interval (``|Δz(t)| < vmin``) overlap in ``(t_in, t_out)`` with
  ``t_out > 0`` and ``t_in ≤ lookahead``.  Minima closer than :data:`MINIMUM_GUARD_M` count as
  separated (so altitudes reported at exactly 1,000 ft apart never flicker into conflict).
* Pair minima are the larger of the two tracks' values, so each track may carry the minima of
  the area it flies in (see :func:`pair_minima`).

The broad phase (:mod:`skyaccord.detect.broadphase`) keeps the cost near-linear; the narrow phase
(:func:`pair_geometry`) is vectorized over candidate pairs.

Examples
--------
Two aircraft head-on at the same level, 40 km apart, 200 m/s each: loss of 5 NM after
(40 000 − 9 260) / 400 ≈ 76.9 s, closest point of approach at 100 s.

>>> from skyaccord.detect.states import TrackStates
>>> s = TrackStates.from_arrays(lat_deg=[0.0, 0.0], lon_deg=[0.0, 0.359326], alt_m=[10000.0] * 2,
...                             gs_mps=[200.0] * 2, track_deg=[90.0, 270.0], vrate_mps=[0.0] * 2,
...                             party=[1, 2])
>>> c = detect_conflicts(s)
>>> len(c), round(float(c.t_los_s[0]), 1), round(float(c.tcpa_s[0]), 1), round(float(c.dcpa_m[0]))
(1, 76.9, 100.0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyaccord.detect.broadphase import candidate_pairs, horizontal_reach_m
from skyaccord.detect.states import TrackStates
from skyaccord.errors import ValidationError
from skyaccord.units import FOOT_M, NAUTICAL_MILE_M

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = [
    "DEFAULT_HMIN_M",
    "DEFAULT_LOOKAHEAD_S",
    "DEFAULT_VMIN_M",
    "MINIMUM_GUARD_M",
    "Conflicts",
    "SeparationMinima",
    "detect_conflicts",
    "detect_conflicts_brute_force",
    "pair_geometry",
    "pair_minima",
]

DEFAULT_HMIN_M: Final = 5.0 * NAUTICAL_MILE_M
DEFAULT_VMIN_M: Final = 1000.0 * FOOT_M
DEFAULT_LOOKAHEAD_S: Final = 300.0
MINIMUM_GUARD_M: Final = 1e-6
"""Separations within this many metres of a minimum count as separated (robust to float noise)."""

_STILL2: Final = 1e-9  # (m/s)²: relative horizontal speed below ~3e-5 m/s counts as none
_STILL: Final = 1e-9  # m/s: relative vertical rate below this counts as none


@dataclass(frozen=True)
class SeparationMinima:
    """Separation minima and look-ahead, each a scalar or one value per track (row-aligned).

    A pair uses the larger value of its two tracks for each field, so per-area minima are set by
    giving each track the minima of the area it is in.
    """

    hmin_m: float | F64 = DEFAULT_HMIN_M
    vmin_m: float | F64 = DEFAULT_VMIN_M
    lookahead_s: float | F64 = DEFAULT_LOOKAHEAD_S

    def validated(self, n: int) -> SeparationMinima:
        """Arrays of length ``n`` (scalars broadcast); raises ``ValidationError`` on bad values."""
        out: dict[str, F64] = {}
        for name in ("hmin_m", "vmin_m", "lookahead_s"):
            a = np.asarray(getattr(self, name), dtype=np.float64)
            if a.ndim == 0:
                a = np.full(n, float(a))
            if a.shape != (n,):
                raise ValidationError(name, f"expected a scalar or {n} values, got {a.shape}")
            if not np.all(np.isfinite(a)) or np.any(a <= 0.0):
                raise ValidationError(name, "must be finite and positive")
            out[name] = a
        return SeparationMinima(**out)


@dataclass(frozen=True)
class Conflicts:
    """Pairs in predicted (or current) loss of separation, one row per pair, ``i < j``.

    ``i``, ``j`` are row indices into the :class:`TrackStates` given to the detector.  Times are
    seconds from the cycle time; distances in metres.
    """

    i: I64
    j: I64
    t_los_s: F64
    """Time to loss of separation (0 when separation is already lost)."""
    t_end_s: F64
    """End of the predicted loss of separation (``inf`` when it never ends under the model)."""
    tcpa_s: F64
    """Time of horizontal closest approach (negative when the pair is already diverging)."""
    dcpa_m: F64
    """Horizontal distance at the closest point of approach."""
    dz_cpa_m: F64
    """Vertical distance ``alt_j − alt_i`` at ``tcpa``."""
    dist_m: F64
    """Horizontal distance now."""
    dz_m: F64
    """Vertical distance ``alt_j − alt_i`` now."""
    hmin_m: F64
    vmin_m: F64
    lookahead_s: F64

    def __len__(self) -> int:
        return int(self.i.shape[0])

    @property
    def los_now(self) -> B:
        """Pairs whose separation is lost at the cycle time."""
        return np.asarray(self.t_los_s <= 0.0)


def pair_minima(minima: SeparationMinima, i: I64, j: I64) -> tuple[F64, F64, F64]:
    """Horizontal minimum, vertical minimum and look-ahead of each pair: the larger of the two."""
    h = np.asarray(minima.hmin_m, dtype=np.float64)
    v = np.asarray(minima.vmin_m, dtype=np.float64)
    t = np.asarray(minima.lookahead_s, dtype=np.float64)
    return np.maximum(h[i], h[j]), np.maximum(v[i], v[j]), np.maximum(t[i], t[j])


def _dot(a: F64, b: F64) -> F64:
    return np.asarray(np.einsum("ij,ij->i", a, b), dtype=np.float64)


def pair_geometry(
    states: TrackStates,
    i: I64,
    j: I64,
    hmin_m: F64,
    vmin_m: F64,
    lookahead_s: F64,
) -> tuple[B, Conflicts]:
    """Narrow phase: the exact state-based test for the given pairs (vectorized over pairs).

    Returns a mask of pairs in conflict and a :class:`Conflicts` holding *every* given pair (so the
    caller can inspect near misses); ``t_los_s``/``t_end_s`` are ``nan`` where there is no
    intrusion interval.
    """
    b = states.foot_ecef
    vel = states.velocity_ecef
    up = states.up
    n = up[i] + up[j]
    norm = np.sqrt(_dot(n, n))
    antipodal = norm < 1e-9  # only brute force meets these; any plane will do
    n = np.where(antipodal[:, None], up[i], n / np.where(antipodal, 1.0, norm)[:, None])
    d = b[j] - b[i]
    d -= _dot(d, n)[:, None] * n
    w = vel[j] - vel[i]
    w -= _dot(w, n)[:, None] * n
    aa = _dot(w, w)
    bb = _dot(d, w)
    cc = _dot(d, d)
    moving = aa > _STILL2
    safe_a = np.where(moving, aa, 1.0)
    tcpa = np.where(moving, -bb / safe_a, 0.0)
    rc = d + w * tcpa[:, None]
    dcpa = np.sqrt(_dot(rc, rc))
    hm = hmin_m - MINIMUM_GUARD_M
    vm = vmin_m - MINIMUM_GUARD_M
    # Horizontal interval: |d + w t|² < hm²  ⇔  a t² + 2 b t + (c − hm²) < 0.
    disc = bb * bb - aa * (cc - hm * hm)
    with np.errstate(invalid="ignore"):
        sq = np.sqrt(np.where(disc > 0.0, disc, 0.0))
    h_in = np.where(moving, (-bb - sq) / safe_a, -np.inf)
    h_out = np.where(moving, (-bb + sq) / safe_a, np.inf)
    h_any = np.where(moving, disc > 0.0, cc < hm * hm)
    # Vertical interval: |dz + dvz t| < vm.
    dz = states.alt_m[j] - states.alt_m[i]
    dvz = states.vrate_mps[j] - states.vrate_mps[i]
    climbing = np.abs(dvz) > _STILL
    safe_v = np.where(climbing, dvz, 1.0)
    ta = (-vm - dz) / safe_v
    tb = (vm - dz) / safe_v
    v_in = np.where(climbing, np.minimum(ta, tb), -np.inf)
    v_out = np.where(climbing, np.maximum(ta, tb), np.inf)
    v_any = climbing | (np.abs(dz) < vm)
    t_in = np.maximum(h_in, v_in)
    t_out = np.minimum(h_out, v_out)
    hit = h_any & v_any & (t_in < t_out) & (t_out > 0.0) & (t_in <= lookahead_s)
    nan = np.full(t_in.shape, np.nan)
    both = h_any & v_any & (t_in < t_out)
    result = Conflicts(
        i=i,
        j=j,
        t_los_s=np.where(both, np.maximum(t_in, 0.0), nan),
        t_end_s=np.where(both, t_out, nan),
        tcpa_s=tcpa,
        dcpa_m=dcpa,
        dz_cpa_m=dz + dvz * tcpa,
        dist_m=np.sqrt(cc),
        dz_m=dz,
        hmin_m=hmin_m,
        vmin_m=vmin_m,
        lookahead_s=lookahead_s,
    )
    return hit, result


def _select(c: Conflicts, mask: B) -> Conflicts:
    return Conflicts(**{k: getattr(c, k)[mask] for k in c.__dataclass_fields__})


def detect_conflicts(
    states: TrackStates,
    minima: SeparationMinima | None = None,
    *,
    same_party: bool = False,
    slices: int | None = None,
) -> Conflicts:
    """All pairs of valid tracks predicted to lose separation within the look-ahead.

    Parameters
    ----------
    states
        Track states at the cycle time.
    minima
        Separation minima (defaults 5 NM, 1,000 ft, 300 s), scalars or per track.
    same_party
        Also report pairs of tracks of the same party (off by default: each party separates
        its own aircraft).
    slices
        Time slices of the broad phase (tuning only; results do not depend on it).

    Returns
    -------
    Conflicts
        Sorted by ``(i, j)``.
    """
    n = len(states)
    m = (minima or SeparationMinima()).validated(n)
    hm = np.asarray(m.hmin_m)
    vm = np.asarray(m.vmin_m)
    tm = np.asarray(m.lookahead_s)
    active = states.valid
    if n == 0 or not active.any():
        z = np.zeros(0, dtype=np.int64)
        return _select(pair_geometry(states, z, z, hm[z], vm[z], tm[z])[1], np.zeros(0, bool))
    sel = np.flatnonzero(active)
    gs_max = float(states.gs_mps[sel].max())
    t_max = float(tm[sel].max())
    reach = horizontal_reach_m(float(hm[sel].max()), gs_max, t_max)
    i, j = candidate_pairs(
        states.foot_ecef,
        states.velocity_ecef,
        states.alt_m,
        states.vrate_mps,
        active,
        reach_m=reach,
        vmin_m=float(vm[sel].max()),
        lookahead_s=t_max,
        slices=slices,
        exclude_group=None if same_party else states.party,
    )
    h, v, t = pair_minima(m, i, j)
    hit, all_pairs = pair_geometry(states, i, j, h, v, t)
    return _select(all_pairs, hit)


def detect_conflicts_brute_force(
    states: TrackStates,
    minima: SeparationMinima | None = None,
    *,
    same_party: bool = False,
    chunk: int = 1 << 21,
) -> Conflicts:
    """The same result as :func:`detect_conflicts` by testing every pair: O(N²), for reference."""
    n = len(states)
    m = (minima or SeparationMinima()).validated(n)
    rows = np.flatnonzero(states.valid)
    ii, jj = np.triu_indices(rows.shape[0], k=1)
    parts: list[Conflicts] = []
    for s in range(0, max(ii.shape[0], 1), chunk):
        i = rows[ii[s : s + chunk]]
        j = rows[jj[s : s + chunk]]
        if not same_party:
            other = states.party[i] != states.party[j]
            i, j = i[other], j[other]
        h, v, t = pair_minima(m, i, j)
        hit, c = pair_geometry(states, i, j, h, v, t)
        parts.append(_select(c, hit))
    return Conflicts(
        **{
            k: np.concatenate([getattr(p, k) for p in parts])
            for k in Conflicts.__dataclass_fields__
        }
    )
