"""Sampled reference for the area proximity detector, independent of the implementation.

It imports nothing from ``skyaccord`` but reads :class:`~skyaccord.detect.Area`,
:class:`~skyaccord.detect.TrackStates` and :class:`~skyaccord.detect.AreaWarnings` as plain
containers (their fields only); it uses no shapely, no gnomonic plane, no grid and none of the
detector's geometry (``AreaIndex.contains``, ``boundary_distance_m``, ``path_intervals``, …).
Constants and scalar helpers come from :mod:`tests.geo.reference`, which is independent too.

Semantics, from the detector's documentation:

* a track's predicted path is the great circle through its position with its true track as
  initial direction, run at its ground speed, with altitude ``alt + vrate·t``;
* a point is in an *area* when it is in one of its polygons and ``lower ≤ alt ≤ upper``; a point is
  in a *polygon* when it is inside its exterior ring and inside none of its holes (the boundary
  is outside);
* a ring's interior is the smaller region it bounds.  Every ring of a valid area lies in a cap
  (about the normalised mean of its vertices) of radius below 90°; a cap that small is convex, so
  the ring's edges and interior lie in it too.  Inside the cap the ring never meets the antipode
  of a point, so the winding number of the ring about the point, summed from the signed angles
  the edges subtend in the point's tangent plane, is ±1 inside and 0 outside.  Outside the cap a
  point is outside.  (Without the cap the winding number is ±1 at the antipodes of the interior
  too: that was the flaw of the earlier ``abs(winding) > π`` test.)  A ring around a pole needs
  no special case;
* the horizontal depth is the great-circle distance to the nearest edge of the polygon the point
  is in (exterior or hole); each edge distance is the perpendicular distance to the edge's great
  circle when the foot falls on the arc (tested by the angle along the circle), else the distance
  to the nearer end.

:func:`check_warnings` samples every path densely and checks the detector's warnings against this
reference (see there).  Points within ``TOL_H_M`` of a boundary or ``TOL_V_M`` of an altitude
limit are *borderline*: either answer is accepted there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tests.geo.reference import EARTH_RADIUS_M

from skyaccord.detect import Area, AreaWarnings, TrackStates

F64 = NDArray[np.float64]
B = NDArray[np.bool_]

TOL_H_M = 1e-4
"""A point nearer than this (m) to a boundary is borderline horizontally."""
TOL_V_M = 1e-6
"""An altitude nearer than this (m) to a limit is borderline vertically."""
TOL_T_S = 1e-6
"""Slack on times when comparing with samples (s)."""
EPS_T_S = 1e-3
"""Step (s) before and after a reported entry or exit where the reference must change state."""
TOL_POINT_M = 1e-5
"""Largest distance (m) of a reported entry point from the reference path, and from the area's
boundary (horizontal, or the altitude limit); the detector's are within a few nanometres."""
N_SAMPLES = 1201
"""Samples along each path (a path of 600 s is sampled every 0.5 s)."""


# --- vectors --------------------------------------------------------------------------------
def unit_vectors(lat_deg: ArrayLike, lon_deg: ArrayLike) -> F64:
    la = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lo = np.radians(np.asarray(lon_deg, dtype=np.float64))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _cross(a: F64, b: F64) -> F64:
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), axis=-1)


def _dot(a: F64, b: F64) -> F64:
    return np.asarray(a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2])


def _angle(a: F64, b: F64) -> F64:
    """Angle (rad) between unit vectors, broadcasting; accurate near 0 and π."""
    c = _cross(a, b)
    return np.asarray(np.arctan2(np.sqrt(_dot(c, c)), _dot(a, b)))


def start_and_direction(lat_deg: float, lon_deg: float, track_deg: float) -> tuple[F64, F64]:
    """Unit vector of a position and of its initial direction of travel (true track).

    North and east are the derivatives of the position along latitude and longitude (at a pole:
    their limits along the meridian ``lon_deg``), as in :func:`tests.geo.reference.destination`.
    """
    la, lo, b = math.radians(lat_deg), math.radians(lon_deg), math.radians(track_deg)
    p = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    north = np.array([-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)])
    east = np.array([-math.sin(lo), math.cos(lo), 0.0])
    return p, math.cos(b) * north + math.sin(b) * east


# --- rings, polygons, areas -----------------------------------------------------------------
@dataclass(frozen=True)
class RefRing:
    """A ring of unit vectors (no repeated closing vertex), with a cap that holds it."""

    v: F64
    centre: F64
    radius: float

    @classmethod
    def from_latlon(cls, ring: ArrayLike) -> RefRing:
        r = np.asarray(ring, dtype=np.float64)
        v = unit_vectors(r[:, 0], r[:, 1])
        keep = np.ones(v.shape[0], dtype=bool)  # drop repeated points (the closing one too)
        keep[1:] = np.linalg.norm(v[1:] - v[:-1], axis=1) > 0.0
        v = v[keep]
        if np.linalg.norm(v[-1] - v[0]) == 0.0:
            v = v[:-1]
        c = v.sum(axis=0)
        c = c / np.linalg.norm(c)
        radius = float(_angle(c[None, :], v).max())
        assert radius < math.radians(85.0), "the reference needs rings within a cap below 90°"
        return cls(v, c, radius)

    def in_cap(self, q: F64) -> B:
        return np.asarray(_angle(q, self.centre[None, :]) <= self.radius + 1e-12)

    def winding(self, q: F64) -> NDArray[np.int64]:
        """Winding number about points q (m, 3) in the cap: the sum of the signed angles each edge
        subtends in q's tangent plane (the projections of a and b there: a − (a·q)q …)."""
        a = self.v[:, None, :]
        b = np.roll(self.v, -1, axis=0)[:, None, :]
        qq = q[None, :, :]
        num = _dot(_cross(a, b), qq)
        den = _dot(a, b) - _dot(a, qq) * _dot(b, qq)
        total = np.arctan2(num, den).sum(axis=0)
        return np.asarray(np.rint(total / (2.0 * math.pi)), dtype=np.int64)

    def distance_rad(self, q: F64) -> F64:
        """Angular distance from points q (m, 3) to the nearest edge (an arc) of the ring."""
        a = self.v
        b = np.roll(self.v, -1, axis=0)
        m = b - _dot(a, b)[:, None] * a  # in the edge's plane, perpendicular to a, towards b
        m = m / np.linalg.norm(m, axis=1)[:, None]
        n = _cross(a, m)
        theta_b = np.arctan2(_dot(b, m), _dot(b, a))  # the arc runs over [0, theta_b] from a
        qa = q @ a.T  # (m, k)
        qm = q @ m.T
        qn = q @ n.T
        theta_q = np.arctan2(qm, qa)  # the foot of q on the edge's great circle
        on_arc = (theta_q >= 0.0) & (theta_q <= theta_b[None, :])
        perp = np.arctan2(np.abs(qn), np.hypot(qa, qm))
        chord = np.linalg.norm(q[:, None, :] - a[None, :, :], axis=2)  # to the vertices
        to_vertex = 2.0 * np.arcsin(np.minimum(0.5 * chord, 1.0))
        ends = np.minimum(to_vertex, np.roll(to_vertex, -1, axis=1))  # a_i and b_i = a_(i+1)
        return np.asarray(np.where(on_arc, perp, ends).min(axis=1))


@dataclass(frozen=True)
class RefPolygon:
    exterior: RefRing
    holes: tuple[RefRing, ...]

    def signed_distance_m(self, q: F64, exact: bool = True) -> F64:
        """Distance (m) to the polygon's boundary, positive inside, negative outside.

        Outside the exterior's cap only a lower bound of the distance (the angle beyond the cap);
        with ``exact=False`` only the sign (±inf) within the cap.
        """
        ext = self.exterior
        ang = _angle(q, ext.centre[None, :])
        out = -(ang - ext.radius) * EARTH_RADIUS_M
        near = np.flatnonzero(ang <= ext.radius + 1e-9)
        if near.shape[0]:
            qn = q[near]
            inside = ext.winding(qn) != 0
            for h in self.holes:  # in the exterior's cap, the hole's winding number is valid
                inside &= h.winding(qn) == 0
            if exact:
                d = ext.distance_rad(qn)
                for h in self.holes:
                    d = np.minimum(d, h.distance_rad(qn))
                out[near] = np.where(inside, d, -d) * EARTH_RADIUS_M
            else:
                out[near] = np.where(inside, np.inf, -np.inf)
        return np.asarray(out)


@dataclass(frozen=True)
class RefArea:
    polygons: tuple[RefPolygon, ...]
    lower_m: float
    upper_m: float
    party: int

    @classmethod
    def from_area(cls, a: Area) -> RefArea:
        polys = []
        for rings in a.polygons:
            rr = [RefRing.from_latlon(r) for r in rings]
            polys.append(RefPolygon(rr[0], tuple(rr[1:])))
        return cls(tuple(polys), float(a.lower_m), float(a.upper_m), int(a.party))

    @property
    def caps(self) -> tuple[F64, F64]:
        """Centres (p, 3) and radii (p,) of the caps of the polygons."""
        return (
            np.array([p.exterior.centre for p in self.polygons]),
            np.array([p.exterior.radius for p in self.polygons]),
        )

    def signed_distance_m(self, q: F64, exact: bool = True) -> F64:
        """Signed horizontal distance (m) to the union of the polygons (positive inside); with
        ``exact=False`` only its sign (±inf) near the polygons."""
        return np.asarray(np.max([p.signed_distance_m(q, exact) for p in self.polygons], axis=0))

    def state(self, q: F64, alt: F64) -> tuple[F64, F64]:
        """Horizontal and vertical margins (m; > 0 inside): in the area iff both are positive
        (the vertical limits themselves count as inside)."""
        return self.signed_distance_m(q), np.minimum(alt - self.lower_m, self.upper_m - alt)

    def sampled_state(self, q: F64, alt: F64) -> tuple[F64, F64]:
        """:meth:`state` along a densely sampled path, the horizontal distance computed only at
        the first point and on both sides of every change of side (elsewhere ±inf: a sample
        within ``TOL_H_M`` of the boundary with no change of side next to it is improbable)."""
        mh = self.signed_distance_m(q, exact=False)
        side = mh > 0.0
        near = np.zeros(q.shape[0], dtype=bool)
        near[0] = True
        change = np.flatnonzero(side[1:] != side[:-1])
        near[change] = near[change + 1] = True
        sel = np.flatnonzero(near)
        mh[sel] = self.signed_distance_m(q[sel])
        return mh, np.minimum(alt - self.lower_m, self.upper_m - alt)


def robust_in(mh: F64, mv: F64) -> B:
    return np.asarray((mh > TOL_H_M) & (mv > TOL_V_M))


def robust_out(mh: F64, mv: F64) -> B:
    return np.asarray((mh < -TOL_H_M) | (mv < -TOL_V_M))


# --- the check ------------------------------------------------------------------------------
@dataclass
class Stats:
    """What a check saw (for the tests to assert that their inputs exercise the detector)."""

    pairs: int = 0  # (track, area) pairs sampled
    entries: int = 0  # predicted entries checked
    inside: int = 0  # infringements checked (depth compared)
    exits: int = 0  # finite exits checked
    areas_entered: set[int] = field(default_factory=set)  # with a predicted entry checked
    areas_infringed: set[int] = field(default_factory=set)  # with an infringement checked
    max_point_m: float = 0.0  # largest entry point distance from the reference path / boundary
    max_depth_err_m: float = 0.0

    def merge(self, o: Stats) -> None:
        self.pairs += o.pairs
        self.entries += o.entries
        self.inside += o.inside
        self.exits += o.exits
        self.areas_entered |= o.areas_entered
        self.areas_infringed |= o.areas_infringed
        self.max_point_m = max(self.max_point_m, o.max_point_m)
        self.max_depth_err_m = max(self.max_depth_err_m, o.max_depth_err_m)


def check_warnings(
    states: TrackStates,
    areas: Sequence[Area],
    w: AreaWarnings,
    *,
    lookahead_s: float | ArrayLike,
    include_owner: bool = False,
    rows: Sequence[int] | None = None,
    n_samples: int = N_SAMPLES,
) -> Stats:
    """Check warnings ``w`` of the detector against the sampled reference; raise on a mismatch.

    For every valid track and every area of another party (any party with ``include_owner``)
    whose caps its path can reach, the path is sampled at ``n_samples`` times over the track's
    look-ahead, and:

    * no warning: no sample is (robustly) in the area;
    * a warning with first inside interval ``[t_entry, end]`` (``end`` the exit, or the
      look-ahead): no sample before ``t_entry`` is in the area; no sample within the interval,
      nor its quarter points, nor the points ``EPS_T_S`` after the entry and before the exit,
      is out of it; within ``EPS_T_S`` before the entry and after a (finite) exit the track is
      out of the area at some point (64 points each); ``inside`` is whether ``t_entry == 0``,
      and agrees with the reference at t=0;
    * the entry point is the reference path's position at ``t_entry``; a predicted entry's
      point lies on the area's boundary (horizontally, or at an altitude limit), within
      ``TOL_POINT_M``; the entry altitude follows the vertical rate;
    * an infringement's ``depth_m`` is the reference distance to the boundary of the polygon the
      track is in, and ``vdepth_m`` the distance to the nearer altitude limit.

    Tracks and areas not sampled (invalid tracks, own areas, areas beyond reach) have no warning.
    ``rows``: check only these tracks (all by default).
    """
    n = len(states)
    look = np.broadcast_to(np.asarray(lookahead_s, dtype=np.float64), (n,))
    refs = [RefArea.from_area(a) for a in areas]
    caps = [ra.caps for ra in refs]
    cap_centre = np.concatenate([c for c, _ in caps])
    cap_radius = np.concatenate([r for _, r in caps])
    cap_area = np.repeat(np.arange(len(refs)), [r.shape[0] for _, r in caps])
    keys = list(zip(w.row.tolist(), w.area.tolist(), strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "one row per (track, area)"
    reported = {key: j for j, key in enumerate(keys)}
    stats = Stats()
    for k in range(n) if rows is None else rows:
        if not states.valid[k]:
            assert all(r != k for r, _ in keys), f"invalid track {k} reported"
            continue
        p0, e0 = start_and_direction(
            float(states.lat_deg[k]), float(states.lon_deg[k]), float(states.track_deg[k])
        )
        omega = float(states.gs_mps[k]) / EARTH_RADIUS_M
        horizon = float(look[k])
        a0, vr = float(states.alt_m[k]), float(states.vrate_mps[k])

        def path(t: F64, p0: F64 = p0, e0: F64 = e0, omega: float = omega) -> F64:
            return np.asarray(
                np.cos(omega * t)[:, None] * p0[None, :] + np.sin(omega * t)[:, None] * e0[None, :]
            )

        t = np.linspace(0.0, horizon, n_samples)
        pos = None
        # Areas the path can come within 1e-6 rad of: a cap within the path's length.
        gap = _angle(p0[None, :], cap_centre) - cap_radius
        reach = set(cap_area[gap <= omega * horizon + 1e-6].tolist())
        for ai, ra in enumerate(refs):
            j = reported.get((k, ai))
            where = f"track {k} area {ai} ({areas[ai].id})"
            if not include_owner and ra.party == int(states.party[k]):
                assert j is None, f"{where}: own area reported"
                continue
            if ai not in reach:
                assert j is None, f"{where}: reported, but its path cannot reach the area"
                continue
            if pos is None:
                pos = path(t)
            mh, mv = ra.sampled_state(pos, a0 + vr * t)
            rin, rout = robust_in(mh, mv), robust_out(mh, mv)
            stats.pairs += 1
            if j is None:
                assert not rin.any(), f"{where}: missed, in the area at t={t[np.argmax(rin)]:.6g}"
                continue
            te = float(w.t_entry_s[j])
            tx = float(w.t_exit_s[j])
            end = min(tx, horizon)
            assert 0.0 <= te <= end <= horizon, f"{where}: bad interval {te}, {tx}"
            assert bool(w.inside[j]) == (te == 0.0), f"{where}: inside flag"
            assert not (rin & (t < te - TOL_T_S)).any(), (
                f"{where}: entry at {te} but in the area at {t[np.argmax(rin)]:.6g}"
            )
            within = (t > te + TOL_T_S) & (t < end - TOL_T_S)
            assert not (rout & within).any(), (
                f"{where}: out of the area at {t[np.argmax(rout & within)]:.6g} in [{te}, {end}]"
            )
            if rin[0]:
                assert te == 0.0, f"{where}: in the area now, entry reported at {te}"
            if rout[0]:
                assert te > 0.0, f"{where}: out of the area now, reported inside"
            # Within the interval, just after the entry and before the exit: not out of the area.
            # Just before the entry and after the exit: out of it at some point (the path may
            # graze a corner, so a point sampled EPS_T_S away may well be back in).
            probe: list[float] = []
            span = end - te
            if span > 2.0 * TOL_T_S:
                eps = min(EPS_T_S, 0.5 * span)
                probe += [te + eps, te + 0.25 * span, te + 0.5 * span, te + 0.75 * span, end - eps]
            gaps: list[tuple[str, F64]] = []
            if te > 0.0:
                gaps.append(("before the entry", np.linspace(max(te - EPS_T_S, 0.0), te, 65)[:-1]))
            if math.isfinite(tx):
                assert tx < horizon, f"{where}: exit {tx} beyond the look-ahead {horizon}"
                gaps.append(("after the exit", np.linspace(tx, tx + EPS_T_S, 65)[1:]))
                stats.exits += 1
            tp = np.concatenate([np.array(probe), *(g for _, g in gaps)])
            if tp.shape[0]:
                ph, pv = ra.state(path(tp), a0 + vr * tp)
                out, inn = robust_out(ph, pv), robust_in(ph, pv)
                bad = np.flatnonzero(out[: len(probe)])
                assert bad.shape[0] == 0, (
                    f"{where}: out of the area at {tp[bad[0]]} in [{te}, {end}]"
                )
                at = len(probe)
                for name, g in gaps:
                    assert not inn[at : at + g.shape[0]].all(), (
                        f"{where}: in the area all through [{g[0]}, {g[-1]}], {name} ({te}, {tx})"
                    )
                    at += g.shape[0]
            # The entry point.
            q = unit_vectors(float(w.entry_lat_deg[j]), float(w.entry_lon_deg[j]))[None, :]
            on_path = float(_angle(q, path(np.array([te])))[0]) * EARTH_RADIUS_M
            assert on_path <= TOL_POINT_M, f"{where}: entry point {on_path} m off the path"
            assert abs(float(w.entry_alt_m[j]) - (a0 + vr * te)) <= 1e-9 * (
                1.0 + abs(a0) + abs(vr * te)
            ), where
            stats.max_point_m = max(stats.max_point_m, on_path)
            if te > 0.0:
                eh, ev = ra.state(q, np.array([float(w.entry_alt_m[j])]))
                off = min(abs(float(eh[0])), abs(float(ev[0])))
                assert off <= TOL_POINT_M, f"{where}: entry point {off} m from the boundary"
                stats.max_point_m = max(stats.max_point_m, off)
                stats.entries += 1
                stats.areas_entered.add(ai)
                assert math.isnan(w.depth_m[j]) and math.isnan(w.vdepth_m[j]), where
            else:
                d_err = abs(float(w.depth_m[j]) - abs(float(mh[0])))
                assert d_err <= 1e-9 * abs(float(mh[0])) + 1e-5, (
                    f"{where}: depth {w.depth_m[j]}, reference {mh[0]}"
                )
                assert float(w.vdepth_m[j]) == float(mv[0]) or abs(
                    float(w.vdepth_m[j]) - float(mv[0])
                ) <= 1e-9 * (1.0 + abs(a0)), f"{where}: vdepth {w.vdepth_m[j]}, reference {mv[0]}"
                stats.max_depth_err_m = max(stats.max_depth_err_m, d_err)
                stats.inside += 1
                stats.areas_infringed.add(ai)
    for r, a in keys:  # every warning was looked at above
        assert states.valid[r] and (include_owner or refs[a].party != int(states.party[r]))
    return stats
