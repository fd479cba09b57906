"""Proximity, conformance and alerts: hand-built cases, and random scenes against the independent
sampled reference of :mod:`tests.detect.proximity_reference`."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.detect import proximity_reference as pref
from tests.detect.worlds import tracks

from skyaccord.detect import (
    AlertTracker,
    Area,
    AreaIndex,
    Condition,
    TrackStates,
    area_conditions,
    detect_area_proximity,
    detect_nonconformance,
)
from skyaccord.errors import ValidationError
from skyaccord.geo.frames import EARTH_RADIUS_M, destination

SQUARE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]])  # lat, lon


def test_entry_time_point_and_infringement_depth() -> None:
    idx = AreaIndex([Area("A", [[SQUARE]], 0.0, 10000.0, party=9)])
    s = tracks(
        [
            (0.5, -0.2, 5000, 200, 90, 0),
            (0.5, 0.5, 5000, 0, 0, 0),
            (0.5, 0.5, 12000, 100, 0, -20),
            (0.5, 0.5, 5000, 0, 0, 0),
        ],
        party=[1, 1, 1, 9],
    )
    w = detect_area_proximity(s, idx)
    assert w.row.tolist() == [0, 1, 2]  # the owner's own track is not reported
    assert w.inside.tolist() == [False, True, False]
    d = 0.2 * math.cos(math.radians(0.5)) * math.pi / 180 * EARTH_RADIUS_M
    assert w.t_entry_s[0] == pytest.approx(d / 200.0, rel=1e-5)
    assert w.entry_lon_deg[0] == pytest.approx(0.0, abs=1e-9)
    assert w.depth_m[1] == pytest.approx(0.5 * math.pi / 180 * EARTH_RADIUS_M, rel=1e-3)
    assert w.vdepth_m[1] == 5000.0
    assert w.t_entry_s[2] == pytest.approx(100.0)  # descends through 10,000 m after 100 s
    assert w.entry_alt_m[2] == pytest.approx(10000.0)


def test_antimeridian_and_pole_polygons() -> None:
    across = np.array([[-10.0, 179.0], [-10.0, -179.0], [-12.0, -179.0], [-12.0, 179.0]])
    pole = np.array([[85.0, lon] for lon in range(0, 360, 30)], dtype=float)
    idx = AreaIndex(
        [Area("X", [[across]], 0, 20000, party=5), Area("P", [[pole]], 0, 20000, party=5)]
    )
    s = tracks(
        [
            (-11.0, 178.5, 1000, 250, 90, 0),
            (-11.0, -179.5, 1000, 0, 0, 0),
            (89.9, 40.0, 9000, 250, 0, 0),
            (84.6, 0.0, 9000, 250, 0, 0),
        ],
        party=[1, 1, 1, 1],
    )
    w = detect_area_proximity(s, idx)
    got = {(int(r), int(a)): bool(i) for r, a, i in zip(w.row, w.area, w.inside, strict=True)}
    assert got[(1, 0)] is True and got[(2, 1)] is True and got[(3, 1)] is False
    assert (0, 0) in got and w.t_entry_s[0] == pytest.approx(
        0.5 * math.cos(math.radians(11)) * math.pi / 180 * EARTH_RADIUS_M / 250, rel=2e-3
    )


def test_bad_areas_rejected() -> None:
    with pytest.raises(ValidationError):
        AreaIndex([Area("A", [[SQUARE[:2]]], 0, 1, party=1)])
    with pytest.raises(ValidationError):
        AreaIndex([Area("A", [[SQUARE]], 10, 1, party=1)])
    with pytest.raises(ValidationError):
        AreaIndex([Area("A", [[np.array([[0, 0], [0, 120], [60, 240]])]], 0, 1, party=1)])


@st.composite
def scene(draw: st.DrawFn) -> tuple[TrackStates, np.ndarray, float, float]:
    lat0, lon0 = draw(st.sampled_from([(0.0, 0.0), (10.0, 180.0), (88.0, 0.0), (-60.0, -179.5)]))
    k = draw(st.integers(3, 9))
    radii = [draw(st.floats(5e3, 60e3)) for _ in range(k)]
    brg = np.arange(k) * 360.0 / k + np.array([draw(st.floats(0, 200.0 / k)) for _ in range(k)])
    la, lo = destination(lat0, lon0, brg, np.array(radii))
    ring = np.c_[la, lo]
    n = draw(st.integers(1, 12))
    rows = []
    for _ in range(n):
        a, b = destination(lat0, lon0, draw(st.floats(0, 360)), draw(st.floats(0, 120e3)))
        rows.append(
            (
                float(a),
                float(b),
                draw(st.floats(0, 3000)),
                draw(st.floats(0, 300)),
                draw(st.floats(0, 360)),
                draw(st.sampled_from([0.0, 5.0, -8.0])),
            )
        )
    return tracks(rows, [1] * n), ring, 500.0, 2500.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scene())
def test_proximity_agrees_with_sampled_reference(
    sc: tuple[TrackStates, np.ndarray, float, float],
) -> None:
    s, ring, lower, upper = sc
    areas = [Area("Z", [[ring]], lower, upper, party=2)]
    w = detect_area_proximity(s, AreaIndex(areas), lookahead_s=300.0)
    pref.check_warnings(s, areas, w, lookahead_s=300.0)


def test_nonconformance_with_tolerances_and_time_window() -> None:
    idx = AreaIndex(
        [
            Area("OP", [[SQUARE]], 0, 1000, party=3, start_s=0.0, end_s=100.0),
            Area("OLD", [[SQUARE + 5]], 0, 1000, party=3, active=False),
        ]
    )
    km = 1000.0 / (math.pi / 180 * EARTH_RADIUS_M)
    s = tracks(
        [
            (0.5, 0.5, 500, 50, 0, 0),
            (0.5, -0.5 * km, 500, 50, 0, 0),
            (0.5, -2 * km, 500, 50, 0, 0),
            (0.5, 0.5, 1050, 50, 0, 0),
            (5.5, 5.5, 500, 50, 0, 0),
            (20.0, 20.0, 500, 50, 0, 0),
        ],
        party=[3, 3, 3, 3, 3, 4],
    )
    nc = detect_nonconformance(s, idx, 50.0, h_tol_m=1000.0, v_tol_m=100.0)
    assert nc.row.tolist() == [2, 4]
    assert nc.h_out_m[0] == pytest.approx(2000.0, rel=1e-3)
    assert detect_nonconformance(s, idx, 500.0).row.tolist() == []  # no active intent then


def test_alert_tracker_keeps_ids_and_clears_with_hysteresis() -> None:
    idx = AreaIndex([Area("A", [[SQUARE]], 0.0, 10000.0, party=9)])
    tr = AlertTracker(clear_after_cycles=2)
    s = tracks([(0.5, -0.2, 5000, 200, 90, 0)], party=[1])
    ev = tr.update(area_conditions(detect_area_proximity(s, idx), s, idx), 0.0)
    assert [(e.type, e.alert_id, e.condition.phase) for e in ev] == [
        ("raised", "airspace:0-A:0", "predicted")
    ]
    s2 = tracks([(0.5, 0.1, 5000, 200, 90, 0)], party=[1])
    ev = tr.update(area_conditions(detect_area_proximity(s2, idx), s2, idx), 60.0)
    assert [(e.type, e.alert_id, e.condition.phase, e.phase_since) for e in ev] == [
        ("updated", "airspace:0-A:0", "inside", 60.0)
    ]
    assert tr.update([], 61.0) == []
    assert [e.type for e in tr.update([], 62.0)] == ["cleared"]
    again = tr.update([Condition("airspace", (0, "A"), "inside")], 63.0)
    assert again[0].alert_id == "airspace:0-A:1"
    with pytest.raises(ValidationError):
        tr.update([Condition("x", (1,)), Condition("x", (1,))], 64.0)
