"""Area proximity against the independent sampled reference of :mod:`proximity_reference`.

Random worlds with holes (one around a pole), multi-part areas (across the antimeridian, a part
inside another's hole), areas around both poles and tiny areas whose antipodes tracks visit;
tracks near vertices, passing vertices by 10 cm, at and through the poles; per-track and scalar
look-ahead, with and without the owner's areas, and index reaches that make the detector cut
paths into pieces (or use caps).  Every warning's presence, inside flag, entry time and point,
exit time, depth and vertical depth are checked, and no warning may be missing.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.detect import proximity_reference as pref
from tests.detect.worlds import (
    adversarial_tracks,
    bearing_deg,
    concat,
    extra_areas,
    random_tracks,
    random_world,
    ring_about,
    tracks,
)
from tests.geo import reference as georef

from skyaccord.detect import (
    Area,
    AreaIndex,
    AreaWarnings,
    TrackStates,
    detect_area_proximity,
    detect_area_proximity_brute_force,
)
from skyaccord.geo.frames import destination

SQUARE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]])  # lat, lon


def old_inside_sphere(p: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """The earlier sampled reference's test (``abs(winding) > π`` with no hemisphere)."""
    v = pref.unit_vectors(ring[:, 0], ring[:, 1])
    total = np.zeros(p.shape[0])
    for k in range(v.shape[0]):
        a, b = v[k], v[(k + 1) % v.shape[0]]
        total += np.arctan2(np.cross(a, b) @ p.T, a @ b - (p @ a) * (p @ b))
    return np.asarray(np.abs(total) > math.pi)


# --- the reference itself ----------------------------------------------------------------
def inside(area: Area, lat: list[float], lon: list[float]) -> list[bool]:
    ref = pref.RefArea.from_area(area)
    return [bool(x) for x in ref.signed_distance_m(pref.unit_vectors(lat, lon)) > 0.0]


def test_reference_point_in_polygon_antipodes_poles_and_holes() -> None:
    sq = Area("SQ", [[SQUARE]], 0.0, 1.0, party=1)
    lat, lon = [0.5, -0.5, 1.5, 0.5], [0.5, -179.5, 0.5, 180.5]
    assert inside(sq, lat, lon) == [True, False, False, False]
    # the earlier test called the antipode of the square's centre inside
    assert old_inside_sphere(pref.unit_vectors([-0.5], [-179.5]), SQUARE).tolist() == [True]
    # a ring around the north pole (any vertex order), and a south polar annulus
    pole = ring_about(90.0, 0.0, 5e5, 12)
    for ring in (pole, pole[::-1]):
        a = Area("P", [[ring]], 0.0, 1.0, party=1)
        assert inside(a, [90.0, 89.0, 84.0, -90.0, -89.0], [0.0, 77.0, 0.0, 0.0, 77.0]) == [
            True,
            True,
            False,
            False,
            False,
        ]
    ann = Area("A", [[ring_about(-90, 0, 1e6, 36), ring_about(-90, 0, 4e5, 24)]], 0.0, 1.0, party=1)
    assert inside(ann, [-90.0, -87.0, -85.0, -80.0, 85.0], [0.0, 10.0, -170.0, 0.0, 0.0]) == [
        False,
        False,
        True,
        False,
        False,
    ]
    # two parts, one in the other's hole
    two = Area(
        "T",
        [[ring_about(0, 180, 2e5, 40), ring_about(0, 180, 1e5, 30)], [ring_about(0, 180, 4e4, 20)]],
        0.0,
        1.0,
        party=1,
    )
    km = 1000.0 / (math.pi / 180 * georef.EARTH_RADIUS_M)
    assert inside(two, [0.0, 0.0, 0.0, 0.0], [180.0, 180 + 60 * km, -180 + 150 * km, 0.0]) == [
        True,
        False,
        True,
        False,
    ]


def test_reference_distances_and_paths() -> None:
    ref = pref.RefArea.from_area(Area("SQ", [[SQUARE]], 0.0, 1.0, party=1))
    deg = math.pi / 180 * georef.EARTH_RADIUS_M
    # (0.5, 0.2): nearest edge the meridian lon = 0: asin(cos(lat)·sin(Δlon)); (-0.1, 0.5): outside,
    # 0.1° from the edge on the equator
    d = ref.signed_distance_m(pref.unit_vectors([0.5, -0.1], [0.2, 0.5]))
    exact = math.asin(math.cos(math.radians(0.5)) * math.sin(math.radians(0.2)))
    assert d[0] == pytest.approx(exact * georef.EARTH_RADIUS_M, rel=1e-12)
    assert d[1] == pytest.approx(-0.1 * deg, rel=1e-12)
    # in a polygon whose hole is the square, (-0.3, -0.4) is nearest the hole's vertex (0, 0)
    big = np.array([[-2.0, -2.0], [-2.0, 3.0], [3.0, 3.0], [3.0, -2.0]])
    holed = pref.RefArea.from_area(Area("H", [[big, SQUARE]], 0.0, 1.0, party=1))
    d = holed.signed_distance_m(pref.unit_vectors([-0.3, 0.5], [-0.4, 0.5]))
    assert d[0] == pytest.approx(georef.distance_m(-0.3, -0.4, 0.0, 0.0), rel=1e-12)
    half = math.asin(math.cos(math.radians(0.5)) * math.sin(math.radians(0.5)))
    assert d[1] == pytest.approx(-half * georef.EARTH_RADIUS_M, rel=1e-12)  # in the hole
    # sampled paths follow tests.geo.reference.destination, at the poles too
    for lat, lon, trk in [(10.0, 20.0, 33.0), (90.0, 40.0, 180.0), (-90.0, 0.0, 10.0)]:
        p0, e0 = pref.start_and_direction(lat, lon, trk)
        for dist in (0.0, 1e4, 2e6):
            a = dist / georef.EARTH_RADIUS_M
            got = math.cos(a) * p0 + math.sin(a) * e0
            want = np.array(georef.destination(lat, lon, trk, dist))
            assert np.linalg.norm(got - want) < 1e-12


# --- the detector against the reference ---------------------------------------------------
AREA_FIELDS = [f.name for f in dataclasses.fields(AreaWarnings)]


def world(seed: int) -> list[Area]:
    rng = np.random.default_rng(seed)
    return random_world(rng) + extra_areas(rng)


@st.composite
def proximity_cases(
    draw: st.DrawFn,
) -> tuple[int, float, int, int, str, float, bool]:
    return (
        draw(st.integers(0, 2**32 - 1)),
        draw(st.sampled_from([100_000.0, 15_000.0, 900.0])),
        draw(st.integers(0, 80)),
        draw(st.integers(1, 60)),
        draw(st.sampled_from(["scalar", "per-track"])),
        draw(st.sampled_from([60.0, 300.0, 1800.0])),
        draw(st.booleans()),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(proximity_cases())
def test_proximity_agrees_with_independent_reference(
    case: tuple[int, float, int, int, str, float, bool],
) -> None:
    seed, reach_m, n_random, n_adv, look_mode, look_s, owner = case
    rng = np.random.default_rng(seed)
    areas = random_world(rng) + extra_areas(rng)
    index = AreaIndex(areas, reach_m=reach_m)
    s = concat(random_tracks(areas, n_random, rng), adversarial_tracks(areas, n_adv, rng))
    look: float | np.ndarray = look_s
    if look_mode == "per-track":
        look = rng.choice([0.0, 60.0, 300.0, 600.0, 1800.0], len(s))
    w = detect_area_proximity(s, index, lookahead_s=look, include_owner=owner)
    pref.check_warnings(s, areas, w, lookahead_s=look, include_owner=owner)


@pytest.mark.parametrize("reach_m", [100_000.0, 900.0])
def test_every_kind_of_area_is_entered_and_infringed(reach_m: float) -> None:
    """A fixed world where the reference sees entries into and infringements of holed, multi-part
    and polar areas (so the random test above is known to reach them)."""
    rng = np.random.default_rng(2024)
    areas = world(99)
    index = AreaIndex(areas, reach_m=reach_m)
    special = ("HOLE", "TWO", "POLE", "SPOLE", "NPOLE", "MULTI", "TINY")
    s = concat(random_tracks(areas, 150, rng), adversarial_tracks(areas, 100, rng))
    for a in areas:  # and 25 near the vertices of each special area
        if a.id in special:
            s = concat(s, adversarial_tracks([a], 25, rng))
    look = rng.choice([60.0, 300.0, 600.0, 1800.0], len(s))
    total = pref.Stats()
    for owner in (False, True):
        w = detect_area_proximity(s, index, lookahead_s=look, include_owner=owner)
        total.merge(pref.check_warnings(s, areas, w, lookahead_s=look, include_owner=owner))
    entered = {areas[a].id for a in total.areas_entered}
    infringed = {areas[a].id for a in total.areas_infringed}
    assert set(special) <= entered & infringed
    assert total.entries > 50 and total.inside > 100 and total.exits > 50
    assert total.max_point_m < 1e-6 and total.max_depth_err_m < 1e-5


def test_hand_built_holes_parts_and_poles() -> None:
    """Leaving a part into a hole, entering a part inside a hole, entering a ring over a pole."""
    r = georef.EARTH_RADIUS_M
    km = 1000.0 / (math.pi / 180 * r)
    areas = [
        Area(
            "T",
            [
                [ring_about(0, 180, 2e5, 40), ring_about(0, 180, 1e5, 30)],
                [ring_about(0, 180, 4e4, 20)],  # the island, in the hole; vertices every 18°
            ],
            0.0,
            9000.0,
            party=1,
        ),
        Area(  # the hole's vertices every 15° from the pole (meridians 0°, 15°, … 180°)
            "S", [[ring_about(-90, 0, 1e6, 36), ring_about(-90, 0, 4e5, 24)]], 0.0, 9e3, party=1
        ),
    ]
    s = tracks(
        [
            (0.0, 180.0, 5000, 200, 90, 0),  # in the island: leaves at its vertex, 40 km east
            (0.0, 180 - 70 * km, 5000, 200, 90, 0),  # in the hole: enters the island after 30 km
            (-87.0, 0.0, 5000, 250, 180, 0),  # over the pole, to the hole's vertex on 180°
            (-85.0, 90.0, 5000, 0, 0, 0),  # in the annulus, still
        ],
        party=[2, 2, 2, 2],
    )
    index = AreaIndex(areas)
    w = detect_area_proximity(s, index, lookahead_s=3600.0)
    pref.check_warnings(s, areas, w, lookahead_s=3600.0)
    assert list(zip(w.row.tolist(), w.area.tolist(), strict=True)) == [
        (0, 0),
        (1, 0),
        (2, 1),
        (3, 1),
    ]
    assert w.inside.tolist() == [True, False, False, True]
    assert w.t_exit_s[0] == pytest.approx(40e3 / 200.0, rel=1e-9)
    assert w.t_entry_s[1] == pytest.approx(30e3 / 200.0, rel=1e-9)
    assert w.t_entry_s[2] == pytest.approx((3 * math.pi / 180 * r + 4e5) / 250.0, rel=1e-9)
    assert w.entry_lon_deg[2] == pytest.approx(180.0, abs=1e-6) or w.entry_lon_deg[
        2
    ] == pytest.approx(-180.0, abs=1e-6)
    # depth: 5° from the pole, 400 km from the hole's vertex on meridian 90°
    assert w.depth_m[3] == pytest.approx(5 * math.pi / 180 * r - 4e5, rel=1e-9)
    brute = detect_area_proximity_brute_force(s, index, lookahead_s=3600.0)
    assert w.row.tolist() == brute.row.tolist()


NOTCHED = np.array(  # a square with a notch; (0.5, 0.5) is a reflex vertex
    [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.6], [0.5, 0.5], [1.0, 0.4], [1.0, 0.0]]
)


def direct_to_reflex_vertex() -> tuple[TrackStates, np.ndarray]:
    """Tracks inside the notched square flying direct to its reflex vertex, where they stay
    inside (their bearings keep clear of the notch): (tracks, time to reach the vertex)."""
    rng = np.random.default_rng(1)
    lat = np.round(rng.uniform(0.05, 0.45, 400), 3)
    lon = np.round(rng.uniform(0.05, 0.3, 400), 3)
    trk = bearing_deg(lat, lon, np.full(400, 0.5), np.full(400, 0.5))
    keep = trk > 25.0  # the notch spans bearings ±11.3° from the vertex
    lat, lon, trk = lat[keep], lon[keep], trk[keep]
    n = lat.shape[0]
    s = TrackStates.from_arrays(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=np.full(n, 5000.0),
        gs_mps=np.full(n, 200.0),
        track_deg=trk,
        vrate_mps=np.zeros(n),
        party=np.ones(n, dtype=np.int64),
    )
    t_vertex = np.array([georef.distance_m(a, b, 0.5, 0.5) for a, b in zip(lat, lon, strict=True)])
    return s, t_vertex / 200.0


def test_paths_near_a_reflex_vertex_keep_their_exit() -> None:
    """Tracks passing 1 m beside the reflex vertex, on the inside, leave at the far edge."""
    s, t_vertex = direct_to_reflex_vertex()
    lat, lon = destination(s.lat_deg, s.lon_deg, s.track_deg + 90.0, 1.0)  # 1 m to the right
    s = TrackStates.from_arrays(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=s.alt_m,
        gs_mps=s.gs_mps,
        track_deg=s.track_deg,
        vrate_mps=s.vrate_mps,
        party=s.party,
    )
    areas = [Area("N", [[NOTCHED]], 0.0, 10000.0, party=9)]
    w = detect_area_proximity(s, AreaIndex(areas), lookahead_s=600.0)
    pref.check_warnings(s, areas, w, lookahead_s=600.0)
    assert w.inside.all() and len(w) == len(s)
    assert (w.t_exit_s > t_vertex + 10.0).all()


def test_paths_through_a_reflex_vertex_do_not_exit_there() -> None:
    """Direct to the reflex vertex: the path touches the boundary there and goes on inside."""
    s, t_vertex = direct_to_reflex_vertex()
    areas = [Area("N", [[NOTCHED]], 0.0, 10000.0, party=9)]
    w = detect_area_proximity(s, AreaIndex(areas), lookahead_s=600.0)
    assert w.inside.all() and len(w) == len(s)
    at_vertex = np.abs(w.t_exit_s - t_vertex) < 1e-3
    assert not at_vertex.any(), f"{int(at_vertex.sum())} of {len(s)} tracks exit at the vertex"


PERTURBATIONS = [
    ("t_entry_s", "entry", 0.01),  # 2–3 m along the path
    ("t_entry_s", "entry", -0.01),
    ("t_exit_s", "exit", 0.01),
    ("t_exit_s", "exit", -0.01),
    ("entry_lat_deg", "entry", 1e-7),  # 1 cm
    ("entry_lon_deg", "inside", 1e-7),
    ("entry_alt_m", "entry", 1e-3),
    ("depth_m", "inside", 1e-3),
    ("vdepth_m", "inside", 1e-3),
    ("inside", "entry", True),
    ("row", "drop", 0),
]


def test_the_reference_catches_small_errors() -> None:
    """The check has teeth: a small change to any field of one warning, or a missing warning,
    is caught (the detector's own warnings pass)."""
    rng = np.random.default_rng(5)
    areas = world(7)
    s = concat(random_tracks(areas, 150, rng), adversarial_tracks(areas, 100, rng))
    w = detect_area_proximity(s, AreaIndex(areas), lookahead_s=600.0)
    pref.check_warnings(s, areas, w, lookahead_s=600.0)
    pick = {
        "entry": ~w.inside,
        "exit": np.isfinite(w.t_exit_s) & (w.t_exit_s < 590.0),
        "inside": w.inside & (w.depth_m > 1.0) & (w.depth_m < 1e5),
        "drop": w.t_exit_s - w.t_entry_s > 10.0,
    }
    for field, kind, delta in PERTURBATIONS:
        chosen = np.flatnonzero(pick[kind])[:5]
        assert chosen.shape[0] == 5, kind
        for j in chosen:
            if kind == "drop":
                keep = np.arange(len(w)) != j
                bad = AreaWarnings(**{f: getattr(w, f)[keep] for f in AREA_FIELDS})
            else:
                a = getattr(w, field).copy()
                a[j] = (not a[j]) if a.dtype == bool else a[j] + delta
                bad = dataclasses.replace(w, **{field: a})
            with pytest.raises(AssertionError):
                pref.check_warnings(s, areas, bad, lookahead_s=600.0, rows=[int(w.row[j])])
