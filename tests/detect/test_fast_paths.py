"""The fast paths of detection against their references.

* proximity: the grid with its distance bounds, long paths cut into reach-long pieces, and very
  long paths by caps, against the brute-force detector and the independent sampled reference
  (:mod:`tests.detect.proximity_reference`);
* the grid itself: every cube of the sphere is found, and its distance bounds hold;
* conformance: the nearest intent within the index's search radius;
* separation: the broad phase where its cells grow coarse (global traffic with tiny minima) and
  where a few boxes span many cells, against all pairs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.detect import proximity_reference as pref
from tests.detect.worlds import (
    fast_traffic,
    global_hub_traffic,
    random_tracks,
    random_world,
    tracks,
)

from skyaccord.detect import (
    Area,
    AreaIndex,
    AreaWarnings,
    SeparationMinima,
    TrackStates,
    detect_area_proximity,
    detect_area_proximity_brute_force,
    detect_conflicts,
    detect_conflicts_brute_force,
    detect_nonconformance,
)
from skyaccord.detect.areas import _shell
from skyaccord.detect.proximity import MAX_PIECES
from skyaccord.geo.frames import EARTH_RADIUS_M, destination, unit_vectors


@st.composite
def scene(draw: st.DrawFn) -> tuple[TrackStates, np.ndarray, float, float]:
    """A star-shaped polygon (equator, antimeridian, near a pole) and tracks up to 150 km away."""
    lat0, lon0 = draw(st.sampled_from([(0.0, 0.0), (10.0, 180.0), (88.0, 0.0), (-60.0, -179.5)]))
    k = draw(st.integers(3, 9))
    radii = [draw(st.floats(5e3, 60e3)) for _ in range(k)]
    brg = np.arange(k) * 360.0 / k + np.array([draw(st.floats(0, 200.0 / k)) for _ in range(k)])
    la, lo = destination(lat0, lon0, brg, np.array(radii))
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        a, b = destination(lat0, lon0, draw(st.floats(0, 360)), draw(st.floats(0, 150e3)))
        rows.append(
            (
                float(a),
                float(b),
                draw(st.floats(0, 3000)),
                draw(st.floats(0, 320)),
                draw(st.floats(0, 360)),
                draw(st.sampled_from([0.0, 5.0, -8.0])),
            )
        )
    return tracks(rows, [1] * len(rows)), np.c_[la, lo], 500.0, 2500.0


def assert_same_warnings(a: AreaWarnings, b: AreaWarnings) -> None:
    assert a.row.tolist() == b.row.tolist()
    assert a.area.tolist() == b.area.tolist()
    assert a.inside.tolist() == b.inside.tolist()
    for name in ("t_entry_s", "t_exit_s", "entry_lat_deg", "entry_lon_deg", "entry_alt_m"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.depth_m, b.depth_m, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(a.vdepth_m, b.vdepth_m)


@pytest.mark.parametrize("reach_m", [100_000.0, 30_000.0, 900.0])
def test_fast_and_brute_force_proximity_agree_on_random_traffic(reach_m: float) -> None:
    rng = np.random.default_rng(int(reach_m))
    areas = random_world(rng)
    index = AreaIndex(areas, reach_m=reach_m)
    s = random_tracks(areas, 3000, rng)
    look = rng.choice([120.0, 300.0, 600.0], len(s))
    for include_owner in (False, True):
        fast = detect_area_proximity(s, index, lookahead_s=look, include_owner=include_owner)
        brute = detect_area_proximity_brute_force(
            s, index, lookahead_s=look, include_owner=include_owner
        )
        assert len(fast) > 100 and fast.inside.any() and not fast.inside.all()
        assert_same_warnings(fast, brute)
        # the brute force shares the exact tests with the grid: check against the independent
        # reference too (on every 20th track)
        pref.check_warnings(
            s, areas, fast, lookahead_s=look, include_owner=include_owner, rows=range(0, len(s), 20)
        )
    if reach_m < 1000.0:  # some paths were cut in more than MAX_PIECES pieces: the cap method
        assert float((s.gs_mps * look).max()) / reach_m > MAX_PIECES


@pytest.mark.parametrize("reach_m", [15_000.0, 400.0])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scene())
def test_long_paths_agree_with_sampled_reference(
    sc: tuple[TrackStates, np.ndarray, float, float], reach_m: float
) -> None:
    """Paths longer than the reach (cut in pieces, or by caps beyond MAX_PIECES pieces)."""
    s, ring, lower, upper = sc
    areas = [Area("Z", [[ring]], lower, upper, party=2)]
    idx = AreaIndex(areas, reach_m=reach_m)
    w = detect_area_proximity(s, idx, lookahead_s=300.0)
    assert_same_warnings(w, detect_area_proximity_brute_force(s, idx, lookahead_s=300.0))
    pref.check_warnings(s, areas, w, lookahead_s=300.0)


def test_a_long_inside_path_is_one_interval() -> None:
    """A track crossing a 400 km square in many pieces: one entry, one exit, joined."""
    sq = np.array([[0.0, 0.0], [0.0, 4.0], [4.0, 4.0], [4.0, 0.0]])
    idx = AreaIndex([Area("SQ", [[sq]], 0.0, 20000.0, party=9)], reach_m=10_000.0)
    s = tracks([(2.0, -0.5, 9000, 300, 90, 0), (2.0, 1.0, 9000, 300, 90, 0)], party=[1, 1])
    w = detect_area_proximity(s, idx, lookahead_s=3000.0)
    assert w.row.tolist() == [0, 1] and w.inside.tolist() == [False, True]
    deg = math.pi / 180 * EARTH_RADIUS_M * math.cos(math.radians(2.0))
    assert w.t_entry_s[0] == pytest.approx(0.5 * deg / 300.0, rel=2e-3)
    assert w.t_exit_s[0] == pytest.approx(4.5 * deg / 300.0, rel=2e-3)
    assert w.t_exit_s[1] == pytest.approx(3.0 * deg / 300.0, rel=2e-3)
    assert_same_warnings(w, detect_area_proximity_brute_force(s, idx, lookahead_s=3000.0))


@pytest.mark.parametrize("cell_m", [25_000.0, 61_000.0, 1e6])
def test_every_point_of_the_sphere_has_a_cube(cell_m: float) -> None:
    rng = np.random.default_rng(3)
    u = rng.normal(size=(20000, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    axes = np.concatenate([np.eye(3), -np.eye(3)])
    grid = unit_vectors(*np.meshgrid(np.arange(-90, 91, 15.0), np.arange(-180, 181, 15.0)))
    u = np.concatenate([u, axes, grid.reshape(-1, 3)])
    sh = _shell(cell_m)
    cube, centre = sh.lookup(u)
    assert (cube >= 0).all()
    np.testing.assert_array_equal(sh.centre_of(cube), centre)
    # The cube's projected centre is within the slack of the point.
    d = np.linalg.norm(u - centre, axis=1) * EARTH_RADIUS_M
    assert (d <= sh.slack_m).all()
    assert np.unique(cube).shape[0] > 1


def test_grid_bounds_hold_and_nothing_within_the_search_radius_is_missed() -> None:
    rng = np.random.default_rng(11)
    areas = random_world(rng)
    index = AreaIndex(areas, reach_m=40_000.0)
    s = random_tracks(areas, 4000, rng)
    u = s.up
    who, part, b, slack = index.lookup(u)
    inside = index.contains(part, u[who])
    dist = index.boundary_distance_m(part, u[who])
    signed = np.where(inside, dist, -dist)
    pos = b > 0
    assert (signed[pos] >= b[pos] - slack[pos] - 1e-6).all()
    assert (-signed[~pos] >= -b[~pos] - slack[~pos] - 1e-6).all()
    # Brute force: every part within the search radius (or containing the track) is returned.
    got = set(zip(who.tolist(), part.tolist(), strict=True))
    for k in range(len(index.parts)):
        kk = np.full(len(s), k)
        near = index.part_dot(kk, u) > math.cos(math.radians(60.0))
        rows = np.flatnonzero(near)
        d = index.boundary_distance_m(kk[rows], u[rows])
        ins = index.contains(kk[rows], u[rows])
        need = rows[ins | (d <= index.search_radius_m)]
        assert {(int(r), k) for r in need} <= got


def test_nearest_intent_is_looked_for_within_the_search_radius() -> None:
    sq = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    idx = AreaIndex([Area("OP", [[sq]], 0.0, 1000.0, party=3)], reach_m=1000.0)
    km = 1000.0 / (math.pi / 180 * EARTH_RADIUS_M)
    near_km = 0.8 * idx.search_radius_m / 1000.0
    far_km = 1.2 * idx.search_radius_m / 1000.0
    s = tracks(
        [(0.5, -near_km * km, 500, 50, 0, 0), (0.5, -far_km * km, 500, 50, 0, 0)], party=[3, 3]
    )
    nc = detect_nonconformance(s, idx, 0.0, h_tol_m=1000.0)
    assert nc.row.tolist() == [0, 1]
    assert nc.nearest_area.tolist() == [0, -1]
    assert nc.h_out_m[0] == pytest.approx(near_km * 1000.0, rel=1e-3)
    assert np.isnan(nc.h_out_m[1])


def test_broad_phase_with_tiny_minima_on_global_traffic() -> None:
    """Cells of a few hundred metres over the whole Earth: the grid coarsens to fit its keys."""
    s, _ = global_hub_traffic(np.random.default_rng(5))
    m = SeparationMinima(hmin_m=50.0, vmin_m=15.0, lookahead_s=120.0)
    fast = detect_conflicts(s, m)
    brute = detect_conflicts_brute_force(s, m)
    assert len(brute) > 20
    assert fast.i.tolist() == brute.i.tolist() and fast.j.tolist() == brute.j.tolist()


def test_broad_phase_with_a_few_very_fast_tracks() -> None:
    """Boxes many cells wide (a few tracks far faster than the typical one)."""
    s = fast_traffic(np.random.default_rng(8))
    brute = detect_conflicts_brute_force(s)
    assert len(brute) > 20
    for k in (None, 1, 5):
        fast = detect_conflicts(s, slices=k)
        assert fast.i.tolist() == brute.i.tolist() and fast.j.tolist() == brute.j.tolist()
    same = detect_conflicts(s, same_party=True)
    brute_same = detect_conflicts_brute_force(s, same_party=True)
    assert same.i.tolist() == brute_same.i.tolist() and len(same) > len(brute)
