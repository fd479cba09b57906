"""The Levant scenarios as data, the scripted-traffic generator and the path checks.

* every built-in scenario loads, checks and seeds a fresh SQLite store, and plays its traffic;
* the generator against a brute-force reference (positions on the great circle between
  waypoints, speeds, tracks and vertical rates from the waypoints, time order, waypoint hits);
* the figures the scenarios are built on: Yayladağı (inside Turkey ≈ 17 s, ≈ 2 km deep on the
  DCW border), Latakia (filed at 18:39 UTC for 18:40: 60 s of notice recorded at filing), Golan
  (into the Israeli-controlled volume about a mile, and out again).

Tests on the DCW border skip, saying what to install, when it is missing, unless
SKYACCORD_REQUIRE_DCW=1 (CI), which makes them fail instead.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyaccord.airspace.borders import available_sources
from skyaccord.clock import ManualClock
from skyaccord.errors import ValidationError
from skyaccord.geo.frames import EARTH_RADIUS_M, destination, great_circle_m, unit_vectors
from skyaccord.scenarios._fields import duration_s, length_m, speed_mps
from skyaccord.scenarios.checks import (
    main,
    path_in_country,
    path_in_polygons,
    scenario_area_polygons,
)
from skyaccord.scenarios.loader import Scenario, builtin_names, load, offset
from skyaccord.scenarios.seed import Seeded, seed
from skyaccord.scenarios.settings import hotline_settings, sharing_policy
from skyaccord.scenarios.traffic import (
    ScriptedAircraft,
    parse_traffic,
    scenario_traffic,
    traffic_span,
)
from skyaccord.services.container import Services
from skyaccord.store import Store
from skyaccord.timefmt import parse_time
from skyaccord.units import KNOT_MS

LEVANT = ("golan-2015", "yayladagi-2015", "latakia-2018")
T0 = 1_700_000_000.0

DCW_REQUIRED = os.environ.get("SKYACCORD_REQUIRE_DCW") == "1"
needs_dcw = pytest.mark.skipif(
    "dcw" not in available_sources() and not DCW_REQUIRED,
    reason="DCW data not installed: apt-get install gmt-dcw (or run scripts/install-data.sh)",
)
needs_borders = pytest.mark.skipif(
    not available_sources() and not DCW_REQUIRED,
    reason="no border data installed: run scripts/install-data.sh (gmt-dcw, npm world-atlas)",
)


def mini(traffic: dict[str, Any], **extra: Any) -> Scenario:
    """A scenario with two parties and the given traffic section."""
    data = {"parties": [{"id": "red", "name": "Red"}, {"id": "blue", "name": "Blue"}]}
    return Scenario("mini", None, {**data, "traffic": traffic, **extra})


def one(path: list[dict[str, Any]], **fields: Any) -> ScriptedAircraft:
    sc = mini({"aircraft": [{"track_id": "red/1", "party": "red", "path": path, **fields}]})
    return parse_traffic(sc).aircraft[0]


# --- every built-in scenario -----------------------------------------------------------------


def test_the_levant_scenarios_are_built_in() -> None:
    assert set(LEVANT) <= set(builtin_names())


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_documents_sources_and_reconstruction(name: str) -> None:
    sc = load(name)
    assert sc.data.get("sources") and sc.data.get("reconstructed")
    if name in LEVANT:
        assert sc.epoch is not None
        for s in sc.data["sources"]:
            assert {"title", "url", "date", "facts"} <= set(s), s
            assert str(s["url"]).startswith(("http://", "https://"))


@needs_borders
@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_seeds_a_fresh_sqlite_store(name: str, sqlite_store: Store) -> None:
    sc = load(name)
    base = sc.epoch or T0
    span = traffic_span(sc, base)
    now = max(base + 3 * 3600.0, span[1] if span else base)
    clock = ManualClock(base)
    services = Services.build(sqlite_store, clock)
    seeded = seed(sc, services.auth, services.airspace, services.intents, base, now, clock=clock)
    parties = {p["id"] for p in sc.data["parties"]}
    assert set(seeded.tokens) == parties
    assert {p.id for p in services.auth.parties()} == parties
    assert len(services.airspace.list()) >= len(sc.data.get("airspace", []))
    assert len(seeded.filed) == len(sc.data.get("intents", [])) and not seeded.pending
    assert clock.now() == now
    updates = scenario_traffic(sc, base)
    if span is None:
        assert len(updates) == 0
        return
    assert len(updates) > 0
    assert np.all(np.diff(updates.time_s) >= 0)
    assert updates.time_s[0] == span[0] and updates.time_s[-1] == span[1]
    assert set(updates.party) <= parties
    assert np.isfinite(updates.gs_mps).all() and np.isfinite(updates.alt_m).all()


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_settings_parse(name: str) -> None:
    sc = load(name)
    sharing_policy(sc)
    hotline_settings(sc)


# --- the generator against a brute-force reference -------------------------------------------


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def reference(a: ScriptedAircraft, t: float) -> tuple[float, float, float, float, float, float]:
    """Brute force, one time at a time: scan for the leg, then walk the great circle from the
    leg's start with the initial bearing (a different method from the generator's)."""
    w = a.waypoints
    k = next(i for i in range(len(w) - 1) if w[i].t_s <= t < w[i + 1].t_s or i == len(w) - 2)
    w0, w1 = w[k], w[k + 1]
    dt = w1.t_s - w0.t_s
    f = (t - w0.t_s) / dt
    dist = _haversine(w0.lat_deg, w0.lon_deg, w1.lat_deg, w1.lon_deg)
    brg = _bearing(w0.lat_deg, w0.lon_deg, w1.lat_deg, w1.lon_deg)
    lat, lon = (float(x) for x in destination(w0.lat_deg, w0.lon_deg, brg, f * dist))
    track = _bearing(lat, lon, w1.lat_deg, w1.lon_deg) if f < 1 - 1e-9 else math.nan
    alt = w0.alt_m + f * (w1.alt_m - w0.alt_m)
    return lat, lon, alt, dist / dt, track, (w1.alt_m - w0.alt_m) / dt


legs = st.lists(
    st.tuples(
        st.floats(0.0, 360.0, exclude_max=True),  # bearing
        st.floats(1.0, 2_000_000.0),  # distance, m
        st.floats(40.0, 700.0),  # speed, m/s
        st.floats(0.0, 15_000.0),  # altitude at the end of the leg, m
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-80.0, 80.0),
    lon=st.floats(-180.0, 180.0),
    legs=legs,
    period=st.sampled_from([0.5, 1.0, 7.0, 60.0]),
)
def test_generator_matches_brute_force(
    lat: float, lon: float, legs: list[tuple[float, float, float, float]], period: float
) -> None:
    path: list[dict[str, Any]] = [{"at": "+10s", "lat": lat, "lon": lon, "alt": "1000 m"}]
    for brg, dist, speed, alt in legs:
        path.append(
            {
                "from": "previous",
                "bearing": brg,
                "distance": dist,
                "speed": speed,
                "alt": {"value": alt, "units": "M"},
            }
        )
    a = one(path, period=f"{period}s")
    u = a.updates(base=0.0)  # (a base of ~1.7e9 s would round times to 0.2 µs)
    t = u.time_s
    # Time order, the sampling grid, and every waypoint reported exactly.
    assert np.all(np.diff(t) > 0)
    wt = np.array([w.t_s for w in a.waypoints])
    assert t[0] == wt[0] and t[-1] == wt[-1]
    assert np.isin(wt, t).all()
    on_grid = np.abs((t - wt[0]) / period - np.round((t - wt[0]) / period)) < 1e-6
    assert np.all(on_grid | np.isin(t, wt))
    for w in a.waypoints:
        i = int(np.flatnonzero(t == w.t_s)[0])
        assert _haversine(u.lat_deg[i], u.lon_deg[i], w.lat_deg, w.lon_deg) < 1e-6
        assert u.alt_m[i] == pytest.approx(w.alt_m, abs=1e-6)
    # Every sample against the reference, and on the great circle of its leg.
    n = len(t)
    for i in np.unique(np.linspace(0, n - 1, min(n, 40)).astype(int)):
        lat_r, lon_r, alt_r, gs_r, trk_r, vr_r = reference(a, float(t[i]))
        miss = _haversine(u.lat_deg[i], u.lon_deg[i], lat_r, lon_r)
        assert miss < 1e-3 + 1e-9 * gs_r * (t[-1] - t[0]), (i, miss)
        assert u.alt_m[i] == pytest.approx(alt_r, abs=1e-6)
        assert u.gs_mps[i] == pytest.approx(gs_r, rel=1e-6)
        assert u.vrate_mps[i] == pytest.approx(vr_r, abs=1e-9)
        if not math.isnan(trk_r) and gs_r * (wt[-1] - t[i]) > 10.0:
            diff = (u.track_deg[i] - trk_r + 180.0) % 360.0 - 180.0
            assert abs(diff) < 1e-4 + 0.2 / max(_leg_left(a, float(t[i])), 1.0), (i, diff)
    k = np.clip(np.searchsorted(wt, t, side="right") - 1, 0, len(wt) - 2)
    u0 = unit_vectors([w.lat_deg for w in a.waypoints], [w.lon_deg for w in a.waypoints])
    normal = np.cross(u0[k], u0[k + 1])
    norm = np.linalg.norm(normal, axis=1)
    ok = norm > 1e-4  # legs over ~600 m: the normal of a shorter one is ill-conditioned
    p = unit_vectors(u.lat_deg, u.lon_deg)
    off_track = np.abs(np.einsum("ij,ij->i", p[ok], normal[ok] / norm[ok, None])) * EARTH_RADIUS_M
    assert np.all(off_track < 1e-3)
    # Speeds match the distances flown between consecutive samples of the same leg.
    same = k[1:] == k[:-1]
    step = great_circle_m(u.lat_deg[:-1], u.lon_deg[:-1], u.lat_deg[1:], u.lon_deg[1:])
    expected = u.gs_mps[:-1] * np.diff(t)
    assert np.allclose(step[same], expected[same], rtol=1e-6, atol=1e-3)


def _leg_left(a: ScriptedAircraft, t: float) -> float:
    """Metres left to the end of the leg flown at ``t`` (the track angle of the reference, a
    bearing to that end, loses precision as it comes close)."""
    w = a.waypoints
    k = next(i for i in range(len(w) - 1) if w[i].t_s <= t < w[i + 1].t_s or i == len(w) - 2)
    st_ = a.states([t])
    return _haversine(
        float(st_.lat_deg[0]), float(st_.lon_deg[0]), w[k + 1].lat_deg, w[k + 1].lon_deg
    )


def test_generator_crosses_the_antimeridian_on_the_short_side() -> None:
    a = one(
        [
            {"at": "+0s", "lat": 60.0, "lon": 179.5, "alt": "FL350"},
            {"lat": 60.0, "lon": -179.5, "speed": "480 kt"},
        ]
    )
    s = a.states(np.linspace(a.t_start, a.t_end, 50))
    assert np.all(np.abs(s.lon_deg) >= 179.4)
    assert great_circle_m(60.0, 179.5, 60.0, -179.5) / (480 * KNOT_MS) == pytest.approx(a.t_end)


def test_traffic_of_several_aircraft_is_time_ordered_with_ties_in_script_order() -> None:
    sc = mini(
        {
            "aircraft": [
                {
                    "track_id": tid,
                    "party": party,
                    "path": [
                        {"at": f"+{start}s", "lat": 35.0, "lon": 36.0 + i, "alt": "FL100"},
                        {
                            "from": "previous",
                            "bearing": 90,
                            "distance": "10 km",
                            "speed": "200 m/s",
                        },
                    ],
                }
                for i, (tid, party, start) in enumerate(
                    [("red/a", "red", 3), ("blue/b", "blue", 0), ("red/c", "red", 3)]
                )
            ]
        }
    )
    u = scenario_traffic(sc, base=100.0)
    assert np.all(np.diff(u.time_s) >= 0)
    at_103 = u.track_id[u.time_s == 103.0].tolist()
    assert at_103 == ["red/a", "blue/b", "red/c"]
    assert traffic_span(sc, base=100.0) == (100.0, pytest.approx(153.0))


def test_named_points_relative_positions_arcs_repeats_and_delay() -> None:
    sc = mini(
        {
            "aircraft": [
                {
                    "track_id": "red/orbit",
                    "party": "red",
                    "callsign": " RED1 ",
                    "icao24": "15A0B1",
                    "delay": "-30s",
                    "path": [
                        {
                            "at": "+1min",
                            "from": "c",
                            "bearing": 0,
                            "distance": "5 km",
                            "alt": "FL100",
                        },
                        {
                            "repeat": 2,
                            "path": [
                                {
                                    "arc": {"centre": "c", "to": 0, "turn": "right"},
                                    "speed": "250 kt",
                                },
                            ],
                        },
                        {
                            "name": "east",
                            "arc": {"centre": "c", "to": 90, "turn": "right"},
                            "speed": "250 kt",
                            "alt": "FL120",
                        },
                        {"from": "east", "bearing": 90, "distance": "3 NM", "speed": "250 kt"},
                        {"point": "c", "speed": "250 kt"},
                    ],
                }
            ]
        },
        points={
            "c": {"lat": 35.0, "lon": 36.0},
            "d": {"from": "c", "bearing": 45, "distance": 1000},
        },
    )
    tr = parse_traffic(sc)
    assert tr.points["d"] == pytest.approx(
        tuple(float(x) for x in destination(35.0, 36.0, 45, 1000))
    )
    a = tr.aircraft[0]
    assert (a.callsign, a.icao24) == ("RED1", 0x15A0B1)
    assert a.t_start == 30.0
    w = a.waypoints
    assert len(w) == 1 + 2 * 36 + 9 + 2
    for x in w[1:-2]:  # every step of the arcs is on the circle
        assert great_circle_m(35.0, 36.0, x.lat_deg, x.lon_deg) == pytest.approx(5000.0, rel=1e-9)
    assert (w[36].lat_deg, w[36].lon_deg) == pytest.approx((w[0].lat_deg, w[0].lon_deg))
    assert _bearing(35.0, 36.0, w[-3].lat_deg, w[-3].lon_deg) == pytest.approx(90.0, abs=1e-6)
    assert w[-3].alt_m == pytest.approx(120 * 30.48) and w[-2].alt_m == pytest.approx(120 * 30.48)
    assert great_circle_m(w[-3].lat_deg, w[-3].lon_deg, w[-2].lat_deg, w[-2].lon_deg) == (
        pytest.approx(3 * 1852.0)
    )
    u = a.updates(0.0)
    assert np.allclose(u.gs_mps, 250 * KNOT_MS)  # each chord of an arc at the arc's speed
    assert set(u.callsign) == {"RED1"} and set(u.icao24.tolist()) == {0x15A0B1}


def test_arc_turns_the_way_asked() -> None:
    path = [
        {"at": "+0s", "lat": 0.0, "lon": 0.0, "alt": "0 m"},
        {"arc": {"centre": "c", "to": 0, "turn": "left"}, "speed": 100},
    ]
    sc = mini(
        {"aircraft": [{"track_id": "red/1", "party": "red", "path": path}]},
        points={"c": {"lat": -0.01, "lon": 0.0}},
    )
    a = parse_traffic(sc).aircraft[0]
    first = a.waypoints[1]
    assert first.lon_deg < 0.0  # anticlockwise round a centre to the south: westward first
    assert len(a.waypoints) == 1 + 36


def test_gaps_dropout_and_noise_are_off_by_default_and_deterministic() -> None:
    path = [
        {"at": "+0s", "lat": 35.0, "lon": 36.0, "alt": "FL100"},
        {"from": "previous", "bearing": 90, "distance": "60 km", "at": "+5min"},
    ]
    plain = one(path).updates(0.0)
    assert len(plain) == 301
    assert np.allclose(np.diff(plain.time_s), 1.0)
    noisy = mini(
        {
            "period": "2s",
            "noise": {"position": "30 m", "altitude": "10 m"},
            "dropout": 0.1,
            "seed": 7,
            "aircraft": [
                {
                    "track_id": "red/1",
                    "party": "red",
                    "path": path,
                    "gaps": [{"from": "+1min", "to": "+2min"}],
                }
            ],
        }
    )
    u1, u2 = scenario_traffic(noisy, 0.0), scenario_traffic(noisy, 0.0)
    assert np.array_equal(u1.lat_deg, u2.lat_deg) and np.array_equal(u1.time_s, u2.time_s)
    assert not np.any((u1.time_s >= 60.0) & (u1.time_s < 120.0))
    assert 100 < len(u1) < 151 - 30
    truth = one(path).states(u1.time_s)
    err = great_circle_m(u1.lat_deg, u1.lon_deg, truth.lat_deg, truth.lon_deg)
    assert 10.0 < float(np.sqrt(np.mean(err**2))) < 80.0
    assert np.array_equal(u1.gs_mps, truth.gs_mps)  # velocities stay the true ones


def test_absolute_times_count_from_the_epoch() -> None:
    sc = mini(
        {
            "aircraft": [
                {
                    "track_id": "red/1",
                    "party": "red",
                    "path": [
                        {"at": "2015-11-24T07:24:05Z", "lat": 35.0, "lon": 36.0, "alt": "FL190"},
                        {"from": "previous", "bearing": 255, "distance": "5 km", "at": "+24min25s"},
                    ],
                }
            ]
        },
        epoch="2015-11-24T07:00:00Z",
    )
    a = parse_traffic(sc).aircraft[0]
    assert (a.t_start, a.t_end) == (1445.0, 1465.0)
    assert traffic_span(sc) == (
        parse_time("2015-11-24T07:24:05Z"),
        parse_time("2015-11-24T07:24:25Z"),
    )
    assert traffic_span(sc, base=0.0) == (1445.0, 1465.0)  # replayed at another base


@pytest.mark.parametrize(
    ("aircraft", "field"),
    [
        ({"track_id": "red/1", "party": "green", "path": []}, "traffic.aircraft[0].party"),
        ({"track_id": "", "party": "red", "path": []}, "traffic.aircraft[0].track_id"),
        (
            {"track_id": "red/1", "party": "red", "colour": "x", "path": []},
            "traffic.aircraft[0].colour",
        ),
        (
            {"track_id": "red/1", "party": "red", "icao24": "XYZ", "path": []},
            "traffic.aircraft[0].icao24",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [{"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"}],
            },
            "traffic.aircraft[0].path",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [{"lat": 0, "lon": 0, "alt": "0 m"}, {"lat": 1, "lon": 0, "speed": 100}],
            },
            "traffic.aircraft[0].path[0].at",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [{"at": "+0s", "lat": 0, "lon": 0}, {"lat": 1, "lon": 0, "speed": 100}],
            },
            "traffic.aircraft[0].path[0].alt",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [{"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"}, {"lat": 1, "lon": 0}],
            },
            "traffic.aircraft[0].path[1].at",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+10s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"lat": 1, "lon": 0, "at": "+5s"},
                ],
            },
            "traffic.aircraft[0].path[1].at",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"lat": 1, "lon": 0, "at": "+5s", "speed": 100},
                ],
            },
            "traffic.aircraft[0].path[1].speed",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"from": "nowhere", "bearing": 0, "distance": "1 km", "speed": 100},
                ],
            },
            "traffic.aircraft[0].path[1].from",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"lat": 0, "lon": 170, "speed": 100},
                ],
            },
            "traffic.aircraft[0].path[1]",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"repeat": 2, "path": [{"lat": 1, "lon": 0, "at": "+1h"}]},
                ],
            },
            "traffic.aircraft[0].path[1].path[0].at",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"arc": {"centre": "previous", "to": 0, "turn": "left"}, "speed": 100},
                ],
            },
            "traffic.aircraft[0].path[1].arc.centre",
        ),
        (
            {
                "track_id": "red/1",
                "party": "red",
                "path": [
                    {"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"},
                    {"lat": 1, "lon": 0, "speed": "fast"},
                ],
            },
            "traffic.aircraft[0].path[1].speed",
        ),
    ],
)
def test_traffic_errors_name_the_field(aircraft: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_traffic(mini({"aircraft": [aircraft]}))
    assert e.value.field == field


def test_duplicate_track_ids_are_rejected() -> None:
    path = [{"at": "+0s", "lat": 0, "lon": 0, "alt": "0 m"}, {"lat": 0.1, "lon": 0, "speed": 100}]
    ac = {"track_id": "red/1", "party": "red", "path": path}
    with pytest.raises(ValidationError, match="duplicate"):
        parse_traffic(mini({"aircraft": [ac, ac]}))


def test_units_and_relative_times() -> None:
    assert offset("+24min5s") == 1445.0 and offset("-1h30min") == -5400.0
    assert length_m("3 NM") == 5556.0 and length_m(12.5) == 12.5
    assert speed_mps("900 km/h") == pytest.approx(250.0)
    assert duration_s("2min") == 120.0 and duration_s(0.5) == 0.5
    with pytest.raises(ValidationError):
        length_m("5 parsecs")


def test_sharing_and_hotline_settings() -> None:
    sc = Scenario(
        "s",
        None,
        {
            "parties": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            "sharing": {
                "default": "none",
                "pairs": [
                    {"between": ["a", "b"], "policy": "near", "near": "10 km"},
                    {"from": "c", "to": "a", "policy": "all"},
                ],
            },
            "hotline": {
                "deadlines": {"urgent": "30s"},
                "escalation": [["duty_officer"], ["admin"]],
                "links": [["a", "b"]],
            },
        },
    )
    s = sharing_policy(sc)
    assert (s.policy("a", "b"), s.near_m("b", "a")) == ("near", 10000.0)
    assert (s.policy("c", "a"), s.policy("a", "c"), s.policy("a", "a")) == ("all", "none", "all")
    h = hotline_settings(sc)
    assert h.deadline_s == {"urgent": 30.0} and h.escalation == (("duty_officer",), ("admin",))
    assert h.links == frozenset({frozenset({"a", "b"})})
    assert hotline_settings(mini({})).links is None  # every pair
    assert sharing_policy(mini({})).policy("red", "blue") == "all"
    for bad, field in [
        ({"sharing": {"default": "some"}}, "sharing.default"),
        (
            {"sharing": {"pairs": [{"from": "a", "to": "z", "policy": "all"}]}},
            "sharing.pairs[0].to",
        ),
        ({"hotline": {"deadlines": {"severe": "1min"}}}, "hotline.deadlines.severe"),
        ({"hotline": {"escalation": [["chief"]]}}, "hotline.escalation[0]"),
        ({"hotline": {"links": [["a", "a"]]}}, "hotline.links[0]"),
    ]:
        with pytest.raises(ValidationError) as e:
            data = {"parties": [{"id": "a"}, {"id": "b"}], **bad}
            sharing_policy(Scenario("x", None, data))
            hotline_settings(Scenario("x", None, data))
        assert e.value.field == field


# --- path checks ---------------------------------------------------------------------------------


def test_path_in_polygons_refines_entry_and_exit() -> None:
    a = one(
        [
            {"at": "+0s", "lat": 0.0, "lon": -0.1, "alt": "0 m"},
            {"at": "+100s", "lat": 0.0, "lon": 0.1},
        ]
    )
    square = [[(np.array([-0.05, -0.05, 0.05, 0.05]), np.array([-0.05, 0.05, 0.05, -0.05]))]]
    r = path_in_polygons(a, square, step_s=1.0)
    assert r.intervals == (pytest.approx((25.0, 75.0), abs=1e-3),)
    assert r.inside_s == pytest.approx(50.0, abs=2e-3)
    assert r.max_depth_m == pytest.approx(math.radians(0.05) * EARTH_RADIUS_M, rel=1e-4)
    assert r.deepest_s == pytest.approx(50.0, abs=1.0)
    outside = [[(np.array([1.0, 1.0, 1.1]), np.array([0.0, 0.1, 0.0]))]]
    assert not path_in_polygons(a, outside).entered


# --- Yayladağı -------------------------------------------------------------------------------------


@needs_dcw
def test_yayladagi_su24_inside_turkey_17_s_about_2_km_deep_on_dcw() -> None:
    sc = load("yayladagi-2015")
    tr = parse_traffic(sc)
    lead = path_in_country(tr.by_track("russia/SU24-1"), "TR", "dcw")
    wing = path_in_country(tr.by_track("russia/SU24-2"), "TR", "dcw")
    assert len(lead.intervals) == 1 and len(wing.intervals) == 1
    assert lead.inside_s == pytest.approx(17.0, abs=3.0)
    assert lead.max_depth_m == pytest.approx(2000.0, abs=500.0)
    assert wing.max_depth_m == pytest.approx(1850.0, abs=500.0)
    assert sc.epoch is not None
    entry = sc.epoch + lead.intervals[0][0]
    assert entry == pytest.approx(parse_time("2015-11-24T07:24:05Z"), abs=1.0)
    # Both stays lie within Turkey's 17 s from 07:24:05 (to a second).
    for r in (lead, wing):
        t_in, t_out = (sc.epoch + t for t in r.intervals[0])
        assert t_in >= entry - 1e-6 and t_out <= entry + 18.0
    # The Turkish patrol stays in Turkey, kilometres from the border.
    for tid in ("turkey/F16-1", "turkey/F16-2"):
        a = tr.by_track(tid)
        r = path_in_country(a, "TR", "dcw", step_s=2.0)
        assert r.intervals == ((a.t_start, a.t_end),) and r.min_depth_m > 3000.0


@needs_dcw
def test_yayladagi_approach_is_straight_and_steady_minutes_before_entry() -> None:
    """What lets a state-based predictor warn minutes ahead: for 150 s before the entry the
    lead flies a constant track at a constant speed and level."""
    sc = load("yayladagi-2015")
    a = parse_traffic(sc).by_track("russia/SU24-1")
    t_in = path_in_country(a, "TR", "dcw").intervals[0][0]
    s = a.states(np.arange(t_in - 150.0, t_in, 1.0))
    assert np.ptp(s.gs_mps) < 1e-6 and s.gs_mps[0] == pytest.approx(537 * KNOT_MS)
    assert np.ptp(s.track_deg) < 0.5 and s.track_deg[0] == pytest.approx(255.0, abs=0.5)
    assert np.allclose(s.alt_m, 190 * 30.48) and np.allclose(s.vrate_mps, 0.0)


@needs_dcw
def test_checks_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["yayladagi-2015", "--country", "TR", "--source", "dcw", "--track", "russia/SU24-1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "[dcw] russia/SU24-1: inside 17.0 s, max depth 2.19 km" in out
    assert "2015-11-24T07:24:05" in out
    assert main(["yayladagi-2015", "--country", "TR", "--track", "nobody"]) == 2


# --- Latakia ---------------------------------------------------------------------------------------


def _seed_at(name: str, store: Store, now: float) -> tuple[Scenario, Services, Seeded]:
    sc = load(name)
    assert sc.epoch is not None
    clock = ManualClock(sc.epoch)
    services = Services.build(store, clock)
    seeded = seed(
        sc, services.auth, services.airspace, services.intents, sc.epoch, now, clock=clock
    )
    return sc, services, seeded


@needs_borders
def test_latakia_filing_one_minute_ahead_records_60_s_of_notice_at_filing(
    sqlite_store: Store,
) -> None:
    filed_at = parse_time("2018-09-17T18:39:00Z")  # 21:39 local
    start = parse_time("2018-09-17T18:40:00Z")  # 21:40 local
    _, services, seeded = _seed_at("latakia-2018", sqlite_store, filed_at)
    strike = next(r for r in seeded.filed if r.intent.id == "il-strike-latakia")
    assert strike.intent.created_at == filed_at and strike.intent.t_start == start
    [v] = strike.notice_violations
    assert (v.from_party, v.to_party) == ("israel", "russia")
    assert v.notice_s == 60.0 and v.required_s == 900.0 and v.filed_at == filed_at
    rows = services.intents.notices("russia")
    assert [(r.intent_id, r.notice_s, r.filed_at) for r in rows] == [
        ("il-strike-latakia", 60.0, filed_at)
    ]
    # The Il-20's mission was filed with enough notice, and nobody's filing conflicts.
    survey = next(r for r in seeded.filed if r.intent.id == "ru-il20-survey")
    assert not survey.notice_violations and not survey.conflicts and not strike.conflicts


@needs_borders
def test_latakia_strike_is_not_filed_before_21_39_local(sqlite_store: Store) -> None:
    _, _, seeded = _seed_at("latakia-2018", sqlite_store, parse_time("2018-09-17T18:38:59Z"))
    assert [s.filing["id"] for s in seeded.pending] == ["il-strike-latakia"]


def test_latakia_f16s_patrol_70_to_90_km_west_of_latakia_il20_returns_to_hmeimim() -> None:
    sc = load("latakia-2018")
    base = sc.epoch
    assert base is not None
    u = scenario_traffic(sc)
    strike = parse_time("2018-09-17T18:40:00Z")
    for tid in ("israel/F16-1", "israel/F16-2", "israel/F16-3", "israel/F16-4"):
        m = (u.track_id == tid) & (np.abs(u.time_s - strike) <= 120.0)
        assert m.sum() > 200
        d = great_circle_m(35.52, 35.78, u.lat_deg[m], u.lon_deg[m])
        assert np.all((d >= 70_000.0) & (d <= 90_000.0)) and np.all(u.lon_deg[m] < 35.78)
    il20 = u.take(u.track_id == "russia/IL20")
    assert il20.time_s[0] == parse_time("2018-09-17T17:31:00Z")  # 20:31 local
    assert il20.time_s[-1] == parse_time("2018-09-17T19:02:45Z")  # 22:02:45 local
    lat, lon = il20.lat_deg[-1], il20.lon_deg[-1]
    assert 30_000.0 < great_circle_m(lat, lon, 35.401, 35.948) < 45_000.0
    assert _bearing(lat, lon, 35.401, 35.948) == pytest.approx(il20.track_deg[-1], abs=10.0)
    assert il20.vrate_mps[-1] < 0.0  # descending towards Hmeimim


# --- Golan -----------------------------------------------------------------------------------------


def test_golan_aircraft_strays_about_a_mile_into_the_israeli_volume_and_turns_back() -> None:
    sc = load("golan-2015")
    a = parse_traffic(sc).by_track("russia/RU-G1")
    controlled = path_in_polygons(a, scenario_area_polygons(sc, "golan-controlled"))
    assert len(controlled.intervals) == 1
    t_in, t_out = controlled.intervals[0]
    assert controlled.max_depth_m == pytest.approx(1609.0, abs=300.0)  # about a mile
    assert 10.0 < t_out - t_in < 120.0
    assert a.t_end - t_out > 300.0  # tracked long after, so an alert can clear
    buffer = path_in_polygons(a, scenario_area_polygons(sc, "golan-buffer"))
    assert buffer.intervals[0][1] == pytest.approx(t_in, abs=1e-3)  # through the buffer first
    assert buffer.intervals[-1][0] == pytest.approx(t_out, abs=1e-3)  # and out through it
    after = a.states(np.arange(buffer.intervals[-1][1] + 1.0, a.t_end, 5.0))
    assert np.all((after.track_deg > 30.0) & (after.track_deg < 150.0))  # heading away, east
    israeli = path_in_polygons(
        parse_traffic(sc).by_track("israel/IL-F16-1"),
        scenario_area_polygons(sc, "golan-controlled"),
    )
    assert not israeli.entered
