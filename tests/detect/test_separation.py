"""Separation detector: hand-built encounters and equality with an all-pairs scalar reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def reference(
    s: TrackStates, hmin: float, vmin: float, look: float
) -> dict[tuple[int, int], tuple[float, float, float]]:
    """(i, j) → (t_los, tcpa, dcpa) for every pair in conflict, by testing all pairs."""
    n = len(s)
    info = []
    for k in range(n):
        foot, east, north, up = _vec(float(s.lat_deg[k]), float(s.lon_deg[k]))
        t = math.radians(float(s.track_deg[k]))
        g = float(s.gs_mps[k])
        v = [g * (math.sin(t) * east[c] + math.cos(t) * north[c]) for c in range(3)]
        info.append((foot, v, up))
    out = {}
    hm, vm = hmin - 1e-6, vmin - 1e-6
    for i in range(n):
        for j in range(i + 1, n):
            if not (s.valid[i] and s.valid[j]) or s.party[i] == s.party[j]:
                continue
            (fi, vi, ui), (fj, vj, uj) = info[i], info[j]
            nv = [ui[c] + uj[c] for c in range(3)]
            nn = math.sqrt(_dot(nv, nv))
            nv = [x / nn for x in nv] if nn > 1e-9 else ui
            d = [fj[c] - fi[c] for c in range(3)]
            dn = _dot(d, nv)
            d = [d[c] - dn * nv[c] for c in range(3)]
            w = [vj[c] - vi[c] for c in range(3)]
            wn = _dot(w, nv)
            w = [w[c] - wn * nv[c] for c in range(3)]
            a, b, c0 = _dot(w, w), _dot(d, w), _dot(d, d)
            if a > 1e-9:
                tcpa = -b / a
                disc = b * b - a * (c0 - hm * hm)
                if disc <= 0:
                    continue
                h0, h1 = (-b - math.sqrt(disc)) / a, (-b + math.sqrt(disc)) / a
            else:
                tcpa = 0.0
                if c0 >= hm * hm:
                    continue
                h0, h1 = -math.inf, math.inf
            rc = [d[c] + w[c] * tcpa for c in range(3)]
            dcpa = math.sqrt(_dot(rc, rc))
            dz = float(s.alt_m[j] - s.alt_m[i])
            dvz = float(s.vrate_mps[j] - s.vrate_mps[i])
            if abs(dvz) > 1e-9:
                ta, tb = (-vm - dz) / dvz, (vm - dz) / dvz
                v0, v1 = min(ta, tb), max(ta, tb)
            else:
                if abs(dz) >= vm:
                    continue
                v0, v1 = -math.inf, math.inf
            t_in, t_out = max(h0, v0), min(h1, v1)
            if t_in < t_out and t_out > 0 and t_in <= look:
                out[(i, j)] = (max(t_in, 0.0), tcpa, dcpa)
    return out


def states(
    rows: list[tuple[float, float, float, float, float, float]], party: list[int] | None = None
) -> TrackStates:
    a = np.array(rows, dtype=float)
    return TrackStates.from_arrays(
        lat_deg=a[:, 0],
        lon_deg=a[:, 1],
        alt_m=a[:, 2],
        gs_mps=a[:, 3],
        track_deg=a[:, 4],
        vrate_mps=a[:, 5],
        party=party if party is not None else list(range(len(rows))),
    )


def place(lat: float, lon: float, brg: float, dist: float) -> tuple[float, float]:
    la, lo = destination(lat, lon, brg, dist)
    return float(la), float(lo)


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing (degrees) from point 1 to point 2."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def assert_matches_reference(s: TrackStates, m: SeparationMinima | None = None) -> None:
    m = m or SeparationMinima()
    got = detect_conflicts(s, m)
    ref = reference(s, float(m.hmin_m), float(m.vmin_m), float(m.lookahead_s))  # type: ignore[arg-type]
    pairs = set(zip(got.i.tolist(), got.j.tolist(), strict=True))
    assert pairs == set(ref)
    for k in range(len(got)):
        t_los, tcpa, dcpa = ref[(int(got.i[k]), int(got.j[k]))]
        assert got.t_los_s[k] == pytest.approx(t_los, rel=1e-6, abs=1e-6)
        assert got.tcpa_s[k] == pytest.approx(tcpa, rel=1e-6, abs=1e-6)
        assert got.dcpa_m[k] == pytest.approx(dcpa, rel=1e-6, abs=1e-3)


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


@pytest.mark.parametrize(("gap_nm", "expected"), [(4.9, 1), (5.1, 0)])
def test_parallel_tracks(gap_nm: float, expected: int) -> None:
    lat2, lon2 = place(40.0, -30.0, 90.0, gap_nm * NM)
    s = states([(40.0, -30.0, 11000, 230, 0, 0), (lat2, lon2, 11000, 230, 0, 0)])
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
    assert_matches_reference(s, SeparationMinima(hmin_m=8 * NM))


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
centres = st.sampled_from(
    [(0.0, 0.0), (0.0, 180.0), (89.9, 0.0), (-89.95, 123.0), (45.0, -179.99), (60.0, 30.0)]
)


@st.composite
def traffic(draw: st.DrawFn) -> TrackStates:
    lat0, lon0 = draw(centres)
    n = draw(st.integers(2, 40))
    spread = draw(st.sampled_from([2_000.0, 20_000.0, 150_000.0]))
    rows = []
    for _ in range(n):
        brg = draw(st.floats(0, 360))
        dist = draw(st.floats(0, spread))
        lat, lon = place(lat0, lon0, brg, dist)
        alt = draw(
            st.one_of(st.sampled_from([3000.0, 3000 + 1000 * FT, 3100.0]), st.floats(0, 4000))
        )
        gs = draw(st.one_of(st.just(0.0), st.floats(0, 300)))
        trk = draw(st.one_of(st.sampled_from([0.0, 90.0, 180.0, 270.0]), st.floats(0, 360)))
        vr = draw(st.one_of(st.just(0.0), st.floats(-20, 20)))
        rows.append((lat, lon, alt, gs, trk, vr))
    party = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    return states(rows, party)


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


def test_broad_phase_is_a_superset_on_dense_random_traffic() -> None:
    rng = np.random.default_rng(7)
    n = 800
    s = TrackStates.from_arrays(
        lat_deg=rng.uniform(-1, 1, n),
        lon_deg=rng.uniform(179, 181, n),
        alt_m=rng.uniform(0, 3000, n),
        gs_mps=rng.uniform(0, 300, n),
        track_deg=rng.uniform(0, 360, n),
        vrate_mps=rng.uniform(-15, 15, n),
        party=rng.integers(0, 3, n),
    )
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
