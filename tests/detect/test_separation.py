"""Separation detector: hand-built encounters and equality with an all-pairs scalar reference."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.detect.worlds import (
    dense_antimeridian_traffic,
    fast_traffic,
    global_hub_traffic,
    subset,
    tracks,
)

from skyaccord.detect import SeparationMinima, TrackStates, detect_conflicts
from skyaccord.detect.broadphase import candidate_pairs, horizontal_reach_m
from skyaccord.detect.separation import detect_conflicts_brute_force
from skyaccord.errors import ValidationError
from skyaccord.geo.frames import destination

NM = 1852.0
FT = 0.3048
A = 6378137.0
E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)


# --- scalar reference: every pair, plain floats ----------------------------------------------
def _vec(lat: float, lon: float) -> tuple[list[float], list[float], list[float], list[float]]:
    la, lo = math.radians(lat), math.radians(lon)
    n = A / math.sqrt(1 - E2 * math.sin(la) ** 2)
    foot = [
        n * math.cos(la) * math.cos(lo),
        n * math.cos(la) * math.sin(lo),
        n * (1 - E2) * math.sin(la),
    ]
    east = [-math.sin(lo), math.cos(lo), 0.0]
    north = [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)]
    up = [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)]
    return foot, east, north, up


def _dot(a: list[float], b: list[float]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


REL = 1e-9
"""Relative tolerance at the thresholds: a pair whose verdict changes when the minima move by
this fraction (or its times by this fraction of their size) is borderline; either verdict goes."""
GUARD_M = 1e-6  # separations within this of a minimum count as separated (documented)
STILL2 = 1e-9  # (m/s)²: a smaller squared relative speed counts as none (documented)
STILL = 1e-9  # m/s: a smaller relative vertical rate counts as none


DV_REL = 1e-13
"""Bound on the relative difference of the velocities computed here and by the detector: the
relative velocity ``w`` of a pair may differ by ``DV_REL·(|v_i| + |v_j|)``, which matters when
the two fly nearly the same velocity (tcpa and dcpa are then ill-conditioned)."""


@dataclass(frozen=True)
class RefPair:
    t_los: float  # at the nominal thresholds (nan if only the looser ones give a conflict)
    tcpa: float
    dcpa: float
    dw: float  # bound on the difference of |w| (m/s)
    cond: float  # dw / |w|: the relative uncertainty of w


@dataclass
class RefConflicts:
    """Every pair in conflict under the looser thresholds, with its values at the nominal ones,
    and the pairs in conflict under the stricter thresholds too (``sure``)."""

    values: dict[tuple[int, int], RefPair]
    sure: set[tuple[int, int]]


def _per_track(x: float | np.ndarray, n: int) -> list[float]:
    return [float(v) for v in np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))]


def _cpa(d: list[float], w: list[float], moving: bool) -> tuple[float, float]:
    """Time and distance of the closest approach of r(t) = d + w·t (t = 0 when not moving)."""
    tcpa = -_dot(d, w) / _dot(w, w) if moving else 0.0
    rc = [d[c] + w[c] * tcpa for c in range(3)]
    return tcpa, math.sqrt(_dot(rc, rc))


def _verdict(
    moving: bool,
    d: list[float],
    w: list[float],
    dz: float,
    dvz: float,
    hm: float,
    vm: float,
    look: float,
    slack: float,
) -> float | None:
    """Time to loss of separation, or None: the horizontal interval |d + w·t| < hm about the
    closest approach (tcpa ± √((hm² − dcpa²)/|w|²)), the vertical one |dz + dvz·t| < vm,
    overlapping in (t_in, t_out) with t_out > 0 and t_in ≤ look; times compared with ``slack``
    (relative)."""
    tcpa, dcpa = _cpa(d, w, moving)
    if dcpa >= hm:
        return None
    if moving:
        half = math.sqrt((hm - dcpa) * (hm + dcpa) / _dot(w, w))
        h0, h1 = tcpa - half, tcpa + half
    else:
        h0, h1 = -math.inf, math.inf
    if abs(dvz) > STILL:
        ta, tb = (-vm - dz) / dvz, (vm - dz) / dvz
        v0, v1 = min(ta, tb), max(ta, tb)
    else:
        if abs(dz) >= vm:
            return None
        v0, v1 = -math.inf, math.inf
    t_in, t_out = max(h0, v0), min(h1, v1)
    tau = slack * max([1.0, look, *(abs(t) for t in (t_in, t_out) if math.isfinite(t))])
    if t_in < t_out + tau and t_out > -tau and t_in <= look + tau:
        return max(t_in, 0.0)
    return None


def reference(
    s: TrackStates, minima: SeparationMinima | None = None, *, same_party: bool = False
) -> RefConflicts:
    """Every pair of valid tracks tested with plain floats; minima scalar or per track, a pair
    taking the larger value of its two tracks for each (as documented)."""
    n = len(s)
    m = minima or SeparationMinima()
    hmin, vmin, look = (_per_track(x, n) for x in (m.hmin_m, m.vmin_m, m.lookahead_s))
    info = []
    for k in range(n):
        foot, east, north, up = _vec(float(s.lat_deg[k]), float(s.lon_deg[k]))
        t = math.radians(float(s.track_deg[k]))
        g = float(s.gs_mps[k])
        v = [g * (math.sin(t) * east[c] + math.cos(t) * north[c]) for c in range(3)]
        info.append((foot, v, up, float(s.alt_m[k]), float(s.vrate_mps[k])))
    valid = s.valid.tolist()
    party = s.party.tolist()
    out = RefConflicts({}, set())
    for i in range(n):
        for j in range(i + 1, n):
            if not (valid[i] and valid[j]) or (party[i] == party[j] and not same_party):
                continue
            (fi, vi, ui, zi, vzi), (fj, vj, uj, zj, vzj) = info[i], info[j]
            nv = [ui[c] + uj[c] for c in range(3)]
            nn = math.sqrt(_dot(nv, nv))
            nv = [x / nn for x in nv] if nn > 1e-9 else ui
            d = [fj[c] - fi[c] for c in range(3)]
            dn = _dot(d, nv)
            d = [d[c] - dn * nv[c] for c in range(3)]
            w = [vj[c] - vi[c] for c in range(3)]
            wn = _dot(w, nv)
            w = [w[c] - wn * nv[c] for c in range(3)]
            a = _dot(w, w)
            moving = a > STILL2
            dz, dvz = zj - zi, vzj - vzi
            hm = max(hmin[i], hmin[j]) - GUARD_M
            vm = max(vmin[i], vmin[j]) - GUARD_M
            tl = max(look[i], look[j])
            # within rounding of the "no relative motion" threshold: either regime goes
            regimes = [moving, not moving] if abs(a - STILL2) <= 1e-3 * STILL2 else [moving]
            lo, hi = 1.0 - REL, 1.0 + REL
            loose = [_verdict(r, d, w, dz, dvz, hm * hi, vm * hi, tl, REL) for r in regimes]
            if all(x is None for x in loose):
                continue
            t_los = _verdict(moving, d, w, dz, dvz, hm, vm, tl, 0.0)
            tcpa, dcpa = _cpa(d, w, moving)
            dw = DV_REL * (math.sqrt(_dot(vi, vi)) + math.sqrt(_dot(vj, vj)))
            out.values[(i, j)] = RefPair(
                math.nan if t_los is None else t_los,
                tcpa,
                dcpa,
                dw,
                dw / math.sqrt(a) if a else 0.0,
            )
            strict = [_verdict(r, d, w, dz, dvz, hm * lo, vm * lo, tl, -REL) for r in regimes]
            if all(x is not None for x in strict):
                out.sure.add((i, j))
    return out


def states(
    rows: list[tuple[float, float, float, float, float, float]], party: list[int] | None = None
) -> TrackStates:
    return tracks(rows, party if party is not None else list(range(len(rows))))


def place(lat: float, lon: float, brg: float, dist: float) -> tuple[float, float]:
    la, lo = destination(lat, lon, brg, dist)
    return float(la), float(lo)


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing (degrees) from point 1 to point 2."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def assert_matches_reference(
    s: TrackStates, m: SeparationMinima | None = None, *, same_party: bool = False
) -> tuple[int, int]:
    """The detector's pairs lie between the reference's sure and loose pairs, with the same
    t_los (sure pairs), tcpa and dcpa (to 1e-6 relative, more where a pair's relative velocity
    is nearly zero); returns (pairs in conflict, borderline pairs)."""
    got = detect_conflicts(s, m, same_party=same_party)
    ref = reference(s, m, same_party=same_party)
    pairs = set(zip(got.i.tolist(), got.j.tolist(), strict=True))
    assert ref.sure <= pairs, f"missed: {sorted(ref.sure - pairs)[:5]}"
    assert pairs <= set(ref.values), f"not in conflict: {sorted(pairs - set(ref.values))[:5]}"
    for k in range(len(got)):
        key = (int(got.i[k]), int(got.j[k]))
        r = ref.values[key]
        # 1e-6 relative, and what an uncertainty ``dw`` of the relative velocity moves them by
        tol = 1e-6 * (1.0 + abs(r.tcpa)) + 2.0 * abs(r.tcpa) * r.cond
        assert abs(got.tcpa_s[k] - r.tcpa) <= tol, (key, got.tcpa_s[k], r)
        tol = 1e-6 * (1.0 + r.dcpa) + 2.0 * abs(r.tcpa) * r.dw
        assert abs(got.dcpa_m[k] - r.dcpa) <= tol, (key, got.dcpa_m[k], r)
        if key in ref.sure:
            tol = 1e-6 * (1.0 + r.t_los) + 2.0 * (abs(r.tcpa) + abs(r.t_los - r.tcpa)) * r.cond
            assert abs(got.t_los_s[k] - r.t_los) <= tol, (key, got.t_los_s[k], r)
    return len(pairs), len(set(ref.values) - ref.sure)


# --- hand-built encounters -------------------------------------------------------------------
def test_head_on() -> None:
    # Positions are placed on the sphere and measured on WGS84: figures agree to ~0.3 %.
    lat2, lon2 = place(45.0, 7.0, 90.0, 60_000.0)
    back = bearing(lat2, lon2, 45.0, 7.0)
    s = states([(45.0, 7.0, 10000, 200, 90, 0), (lat2, lon2, 10000, 200, back, 0)])
    c = detect_conflicts(s)
    assert len(c) == 1
    assert c.tcpa_s[0] == pytest.approx(150.0, rel=5e-3)
    assert c.t_los_s[0] == pytest.approx((60_000 - 5 * NM) / 400.0, rel=5e-3)
    assert c.dcpa_m[0] < 50.0
    assert c.dz_cpa_m[0] == 0.0
    assert_matches_reference(s)


def test_crossing_at_right_angles() -> None:
    # B 30 km north of the crossing point flying south, A 30 km west flying east: meet at 150 s.
    lat_a, lon_a = place(10.0, 20.0, 270.0, 30_000.0)
    lat_b, lon_b = place(10.0, 20.0, 0.0, 30_000.0)
    s = states(
        [
            (lat_a, lon_a, 9000, 200, bearing(lat_a, lon_a, 10.0, 20.0), 0),
            (lat_b, lon_b, 9000, 200, bearing(lat_b, lon_b, 10.0, 20.0), 0),
        ]
    )
    c = detect_conflicts(s)
    assert len(c) == 1
    assert c.tcpa_s[0] == pytest.approx(150.0, rel=5e-3)
    assert c.dcpa_m[0] < 300.0
    assert_matches_reference(s)


def test_overtaking() -> None:
    lat2, lon2 = place(30.0, 0.0, 0.0, 20_000.0)
    s = states([(30.0, 0.0, 8000, 250, 0, 0), (lat2, lon2, 8000, 200, 0, 0)])
    c = detect_conflicts(s)
    assert len(c) == 1
    assert c.t_los_s[0] == pytest.approx((20_000 - 5 * NM) / 50.0, rel=1e-2)
    assert c.tcpa_s[0] == pytest.approx(400.0, rel=5e-3)
    assert_matches_reference(s)


def test_climb_through() -> None:
    # Same position track-wise, B 3,000 ft above, A climbs at 2,000 ft/min: vertical loss at 60 s.
    lat2, lon2 = place(50.0, 10.0, 90.0, 2_000.0)
    s = states(
        [(50.0, 10.0, 3000, 150, 90, 2000 * FT / 60), (lat2, lon2, 3000 + 3000 * FT, 150, 90, 0)]
    )
    c = detect_conflicts(s)
    assert len(c) == 1
    assert c.t_los_s[0] == pytest.approx(60.0, rel=1e-6)
    assert c.t_end_s[0] == pytest.approx(120.0, rel=1e-6)
    assert_matches_reference(s)


@pytest.mark.parametrize(
    "centre", [(40.0, -30.0), (89.9, 0.0), (-89.95, 123.0), (0.0, 180.0), (45.0, -179.99)]
)
@pytest.mark.parametrize("trk", [0.0, 90.0, 225.0])
@pytest.mark.parametrize(("gap_nm", "expected"), [(4.9, 1), (5.1, 0)])
def test_parallel_tracks(
    gap_nm: float, expected: int, trk: float, centre: tuple[float, float]
) -> None:
    """B abeam A (to the right), flying parallel: square to the geodesic joining them, as A
    does.  Near a pole that is not the same true track, and the pair passes over the pole."""
    a = (*centre, 11000.0, 230.0, trk, 0.0)
    s = states([a, abeam(a, gap_nm * NM, 1.0, parallel=True)])
    assert len(detect_conflicts(s)) == expected
    assert_matches_reference(s)


def test_vertical_minimum_exactly_is_separated() -> None:
    s = states([(0.0, 0.0, 35000 * FT, 200, 90, 0), (0.0, 0.01, 36000 * FT, 200, 270, 0)])
    assert len(detect_conflicts(s)) == 0


def test_antimeridian_head_on() -> None:
    lat2, lon2 = place(-15.0, 179.9, 90.0, 40_000.0)
    assert lon2 < 0  # across the antimeridian
    back = bearing(lat2, lon2, -15.0, 179.9)
    s = states([(-15.0, 179.9, 10000, 200, 90, 0), (lat2, lon2, 10000, 200, back, 0)])
    c = detect_conflicts(s)
    assert len(c) == 1
    assert c.tcpa_s[0] == pytest.approx(100.0, rel=5e-3)
    assert_matches_reference(s)


def test_near_north_pole() -> None:
    # Both 10 km from the pole on opposite meridians, flying north (towards each other).
    s = states([(89.91, 0.0, 10000, 200, 0, 0), (89.91, 180.0, 10000, 200, 0, 0)])
    c = detect_conflicts(s)
    assert len(c) == 1
    d0 = float(c.dist_m[0])
    assert c.tcpa_s[0] == pytest.approx(d0 / 400.0, rel=1e-3)
    assert c.dcpa_m[0] < 1.0
    assert_matches_reference(s)


def test_at_the_pole_and_same_party() -> None:
    s = states([(90.0, 0.0, 10000, 0, 0, 0), (89.99, 45.0, 10000, 0, 0, 0)], party=[1, 1])
    assert len(detect_conflicts(s)) == 0
    assert len(detect_conflicts(s, same_party=True)) == 1


def test_per_track_minima_take_the_larger() -> None:
    lat2, lon2 = place(0.0, 0.0, 90.0, 7 * NM)
    s = states([(0.0, 0.0, 10000, 100, 0, 0), (lat2, lon2, 10000, 100, 0, 0)])
    assert len(detect_conflicts(s)) == 0
    m = SeparationMinima(hmin_m=np.array([5 * NM, 8 * NM]))
    assert len(detect_conflicts(s, m)) == 1
    assert assert_matches_reference(s, m) == (1, 0)
    assert assert_matches_reference(s, SeparationMinima(hmin_m=np.array([8 * NM, 5 * NM]))) == (
        1,
        0,
    )


def test_invalid_rows_ignored_and_bad_input_rejected() -> None:
    s = TrackStates.from_arrays(
        lat_deg=[0, 0],
        lon_deg=[0, 0.01],
        alt_m=[0, 0],
        gs_mps=[0, np.nan],
        track_deg=[0, 0],
        vrate_mps=[0, 0],
        party=[1, 2],
        valid=[True, False],
    )
    assert len(detect_conflicts(s)) == 0
    with pytest.raises(ValidationError):
        TrackStates.from_arrays(
            lat_deg=[0, 0],
            lon_deg=[0],
            alt_m=[0, 0],
            gs_mps=[0, 0],
            track_deg=[0, 0],
            vrate_mps=[0, 0],
            party=[1, 2],
        )
    with pytest.raises(ValidationError):
        detect_conflicts(s, SeparationMinima(hmin_m=-1.0))


# --- random and adversarial traffic ---------------------------------------------------------
CENTRES = [(0.0, 0.0), (0.0, 180.0), (89.9, 0.0), (-89.95, 123.0), (45.0, -179.99), (60.0, 30.0)]
centres = st.sampled_from(CENTRES)


def abeam(
    row: tuple[float, float, float, float, float, float], dist: float, side: float, parallel: bool
) -> tuple[float, float, float, float, float, float]:
    """A copy of ``row`` (same speed, altitude, vertical rate) ``dist`` abeam (side +1: right).

    Its track is the same true track, or with ``parallel`` the direction parallel to the
    original's: square to the geodesic joining them, as the original is (at a pole or across
    the antimeridian the two differ)."""
    lat, lon, alt, gs, trk, vr = row
    lat2, lon2 = place(lat, lon, trk + 90.0 * side, dist)
    if parallel:
        final = (bearing(lat2, lon2, lat, lon) + 180.0) % 360.0  # the geodesic's bearing there
        trk = (final - 90.0 * side) % 360.0
    return (lat2, lon2, alt, gs, trk, vr)


@st.composite
def abeam_copies(
    draw: st.DrawFn,
    rows: list[tuple[float, float, float, float, float, float]],
    party: list[int],
    hmin: list[float],
) -> None:
    """Append to ``rows`` (and ``party``, ``hmin``) copies of some aircraft abeam at
    hmin·(1 ± δ), δ ∈ {0.02, 1e-3}, of another party, flying the same track or parallel."""
    for _ in range(draw(st.integers(0, 3))):
        k = draw(st.integers(0, len(rows) - 1))
        delta = draw(st.sampled_from([0.02, 1e-3]))
        sign = draw(st.sampled_from([-1.0, 1.0]))
        side = draw(st.sampled_from([-1.0, 1.0]))
        copy = abeam(rows[k], hmin[k] * (1.0 + sign * delta), side, draw(st.booleans()))
        rows.append(copy)
        party.append((party[k] + 1) % 4)
        hmin.append(hmin[k])


@st.composite
def traffic_and_minima(
    draw: st.DrawFn, per_track: bool = False, fast: bool = False
) -> tuple[TrackStates, SeparationMinima]:
    """Tracks about one of the centres (poles, antimeridian), with abeam copies; the default
    minima, or per-track minima down to 30 m; speeds to 300 m/s, or (``fast``) to 3000 m/s."""
    lat0, lon0 = draw(centres)
    n = draw(st.integers(2, 40))
    spread = draw(st.sampled_from([2_000.0, 20_000.0, 150_000.0]))
    speed = st.one_of(st.just(0.0), st.floats(0, 300))
    climb = st.one_of(st.just(0.0), st.floats(-20, 20))
    if fast:
        speed = st.one_of(speed, st.floats(300, 3000))
        climb = st.one_of(climb, st.floats(-200, 200))
    rows = []
    for _ in range(n):
        brg = draw(st.floats(0, 360))
        dist = draw(st.floats(0, spread))
        lat, lon = place(lat0, lon0, brg, dist)
        alt = draw(
            st.one_of(st.sampled_from([3000.0, 3000 + 1000 * FT, 3100.0]), st.floats(0, 4000))
        )
        gs = draw(speed)
        trk = draw(st.one_of(st.sampled_from([0.0, 90.0, 180.0, 270.0]), st.floats(0, 360)))
        vr = draw(climb)
        rows.append((lat, lon, alt, gs, trk, vr))
    party = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    h = st.sampled_from([30.0, 500.0, 5 * NM, 8 * NM]) if per_track else st.just(5 * NM)
    hmin = draw(st.lists(h, min_size=n, max_size=n))
    draw(abeam_copies(rows, party, hmin))
    if not per_track:
        return states(rows, party), SeparationMinima()
    m = len(rows)
    vmin = draw(st.lists(st.sampled_from([10.0, 300 * FT, 1000 * FT]), min_size=m, max_size=m))
    look = draw(st.lists(st.sampled_from([30.0, 120.0, 300.0]), min_size=m, max_size=m))
    return states(rows, party), SeparationMinima(
        hmin_m=np.array(hmin), vmin_m=np.array(vmin), lookahead_s=np.array(look)
    )


@st.composite
def traffic(draw: st.DrawFn) -> TrackStates:
    """Tracks about one of the centres with the default minima (and copies abeam at 5 NM)."""
    return draw(traffic_and_minima())[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic())
def test_equals_all_pairs_reference(s: TrackStates) -> None:
    assert_matches_reference(s)


@settings(max_examples=40, deadline=None)
@given(traffic(), st.integers(1, 12))
def test_result_does_not_depend_on_slices(s: TrackStates, k: int) -> None:
    a = detect_conflicts(s)
    b = detect_conflicts(s, slices=k)
    assert a.i.tolist() == b.i.tolist() and a.j.tolist() == b.j.tolist()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic_and_minima(per_track=True, fast=True), st.booleans())
def test_per_track_minima_and_high_speeds_equal_the_reference(
    sm: tuple[TrackStates, SeparationMinima], same_party: bool
) -> None:
    assert_matches_reference(*sm, same_party=same_party)


@pytest.mark.parametrize("centre", CENTRES)
def test_abeam_copies_at_every_centre(centre: tuple[float, float]) -> None:
    """Copies abeam at 5 NM·(1 ± δ), to either side, on the same or a parallel track, in every
    direction, each pair at its own level (1,000 m apart): parallel pairs are in conflict
    exactly when closer than 5 NM (δ = 2 %), and every pair is as the reference says."""
    rows: list[tuple[float, float, float, float, float, float]] = []
    party: list[int] = []
    expect = {}
    level = 0.0
    for trk in (0.0, 45.0, 90.0, 180.0, 270.0):
        for delta in (0.02, 1e-3):
            for sign in (-1.0, 1.0):
                for side in (-1.0, 1.0):
                    for parallel in (False, True):
                        row = (*centre, level, 230.0, trk, 0.0)
                        rows += [row, abeam(row, 5 * NM * (1 + sign * delta), side, parallel)]
                        party += [1, 2]
                        if parallel and delta == 0.02:
                            expect[(len(rows) - 2, len(rows) - 1)] = sign < 0
                        level += 1000.0
    s = states(rows, party)
    got = detect_conflicts(s)
    pairs = set(zip(got.i.tolist(), got.j.tolist(), strict=True))
    assert all(j == i + 1 for i, j in pairs)  # each pair alone at its level
    assert {k for k, v in expect.items() if v} == {k for k in expect if k in pairs}
    assert_matches_reference(s)


def test_broad_phase_is_a_superset_on_dense_random_traffic() -> None:
    s = dense_antimeridian_traffic(np.random.default_rng(7))
    fast = detect_conflicts(s)
    brute = detect_conflicts_brute_force(s)
    assert len(brute) > 20
    assert fast.i.tolist() == brute.i.tolist() and fast.j.tolist() == brute.j.tolist()
    np.testing.assert_allclose(fast.tcpa_s, brute.tcpa_s, rtol=1e-12)
    reach = horizontal_reach_m(5 * NM, 300.0, 300.0)
    i, j = candidate_pairs(
        s.foot_ecef,
        s.velocity_ecef,
        s.alt_m,
        s.vrate_mps,
        s.valid,
        reach_m=reach,
        vmin_m=1000 * FT,
        lookahead_s=300.0,
    )
    assert set(zip(brute.i.tolist(), brute.j.tolist(), strict=True)) <= set(
        zip(i.tolist(), j.tolist(), strict=True)
    )


# --- the brute-force tests' data sets, subsampled, against the scalar reference --------------
def nearest(s: TrackStates, k: int, rng: np.random.Generator) -> np.ndarray:
    """The ``k`` tracks nearest a random one (sorted rows): a subset as dense as the whole."""
    c = s.up[rng.integers(0, len(s))]
    return np.sort(np.argsort(-(s.up @ c))[:k])


def per_track(
    rng: np.random.Generator, n: int, h: list[float], v: list[float], t: list[float]
) -> SeparationMinima:
    return SeparationMinima(
        hmin_m=rng.choice(h, n), vmin_m=rng.choice(v, n), lookahead_s=rng.choice(t, n)
    )


@pytest.mark.parametrize("per_track_minima", [False, True])
def test_dense_antimeridian_traffic_against_reference(per_track_minima: bool) -> None:
    rng = np.random.default_rng(17)
    full = dense_antimeridian_traffic(rng)
    s = subset(full, nearest(full, 300, rng))
    m = (
        per_track(
            rng,
            len(s),
            [3 * NM, 5 * NM, 8 * NM],
            [500 * FT, 1000 * FT, 2000 * FT],
            [120.0, 300.0, 600.0],
        )
        if per_track_minima
        else None
    )
    count, border = assert_matches_reference(s, m)
    print("dense", per_track_minima, count, border)
    assert count > 20


@pytest.mark.parametrize("per_track_minima", [False, True])
def test_global_hubs_with_tiny_minima_against_reference(per_track_minima: bool) -> None:
    rng = np.random.default_rng(5)
    full, hub = global_hub_traffic(rng)
    s = subset(full, np.flatnonzero(hub < 4))
    m = (
        per_track(rng, len(s), [20.0, 50.0, 120.0], [10.0, 15.0, 40.0], [60.0, 120.0, 240.0])
        if per_track_minima
        else SeparationMinima(hmin_m=50.0, vmin_m=15.0, lookahead_s=120.0)
    )
    count, border = assert_matches_reference(s, m)
    print("hubs", per_track_minima, len(s), count, border)
    assert count > 5


@pytest.mark.parametrize("per_track_minima", [False, True])
def test_very_fast_tracks_against_reference(per_track_minima: bool) -> None:
    rng = np.random.default_rng(8)
    full = fast_traffic(rng)
    fast = np.flatnonzero(full.gs_mps > 1000.0)
    slow = rng.choice(np.flatnonzero(full.gs_mps <= 1000.0), 260, replace=False)
    s = subset(full, np.sort(np.concatenate([fast, slow])))
    m = (
        per_track(rng, len(s), [1 * NM, 5 * NM, 10 * NM], [300 * FT, 1000 * FT], [60.0, 300.0])
        if per_track_minima
        else None
    )
    count, border = assert_matches_reference(s, m)
    print("fast", per_track_minima, len(s), count, border)
    assert count > 5
