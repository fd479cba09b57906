"""TrackTable semantics, and agreement with the per-record ReferenceTable on random streams."""

from __future__ import annotations

import gc
import math
import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyaccord.errors import ValidationError
from skyaccord.geo.frames import destination, great_circle_m
from skyaccord.tracks.reference import ReferenceTable, scalar_velocity
from skyaccord.tracks.table import TrackTable, velocity_between
from skyaccord.tracks.updates import TrackUpdates

NAN = math.nan


def upd(**kw: Any) -> TrackUpdates:
    kw.setdefault("alt_m", 1000.0)
    return TrackUpdates.from_columns(**kw)


def one(tid: str, t: float, lat: float, lon: float, **kw: Any) -> TrackUpdates:
    return upd(track_id=[tid], time_s=[t], lat_deg=[lat], lon_deg=[lon], **kw)


# ---------------------------------------------------------------------------- semantics


def test_newest_record_per_track_wins_within_a_batch() -> None:
    table = TrackTable()
    r = table.apply(
        upd(track_id=["a", "a", "b", "a"], time_s=[5, 9, 1, 7], lat_deg=[1, 2, 3, 4], lon_deg=0)
    )
    assert (r.applied, r.created, r.superseded, r.duplicate, r.stale) == (2, 2, 2, 0, 0)
    state = table.state("a")
    assert state is not None
    assert state["time_s"] == 9 and state["lat_deg"] == 2
    assert sorted(r.updated_ids.tolist()) == ["a", "b"]


def test_out_of_order_and_duplicate_records_are_ignored() -> None:
    table = TrackTable()
    table.apply(one("a", 10, 1.0, 1.0))
    r = table.apply(upd(track_id=["a", "a"], time_s=[5, 10], lat_deg=[9, 9], lon_deg=[9, 9]))
    assert (r.applied, r.stale, r.duplicate) == (0, 1, 1)
    state = table.state("a")
    assert state is not None and state["lat_deg"] == 1.0


def test_equal_times_in_one_batch_keep_the_first_record() -> None:
    table = TrackTable()
    r = table.apply(upd(track_id=["a", "a"], time_s=[3, 3], lat_deg=[1, 2], lon_deg=0))
    assert (r.applied, r.duplicate) == (1, 1)
    state = table.state("a")
    assert state is not None and state["lat_deg"] == 1


def test_invalid_records_are_counted_and_ignored() -> None:
    table = TrackTable()
    r = table.apply(
        upd(
            track_id=["a", "b", "c", "", "e"],
            time_s=[1, NAN, 1, 1, math.inf],
            lat_deg=[1, 1, 95, 1, 1],
            lon_deg=[1, 1, 1, 1, 1],
        )
    )
    assert (r.applied, r.invalid, r.created) == (1, 4, 1)
    assert len(table) == 1 and "b" not in table


def test_empty_batch() -> None:
    r = TrackTable().apply(TrackUpdates.empty())
    assert r.received == 0


def test_missing_callsign_party_icao_keep_stored_values() -> None:
    table = TrackTable()
    table.apply(one("a", 1, 0, 0, callsign=["ELY1"], party=["israel"], icao24=[0x738043]))
    table.apply(one("a", 2, 0, 0, callsign=[""], party=["unknown"], icao24=[-1]))
    state = table.state("a")
    assert state is not None
    assert (state["callsign"], state["party"], state["icao24"]) == ("ELY1", "israel", 0x738043)
    table.apply(one("a", 3, 0, 0, party=["russia"]))
    state = table.state("a")
    assert state is not None and state["party"] == "russia"


def test_differencing_across_the_antimeridian() -> None:
    table = TrackTable()
    table.apply(one("a", 0.0, 0.0, 179.995, alt_m=[1000.0]))
    table.apply(one("a", 10.0, 0.0, -179.995, alt_m=[1100.0]))
    state = table.state("a")
    assert state is not None
    # 0.01 degree of longitude on the WGS84 equator is 1113.19 m, flown east in 10 s.
    assert state["gs_mps"] == pytest.approx(111.319, abs=1e-3)
    assert state["track_deg"] == pytest.approx(90.0, abs=1e-9)
    assert state["vrate_mps"] == pytest.approx(10.0)
    assert state["velocity_derived"] and state["vrate_derived"]


def test_differencing_westbound_across_the_antimeridian_and_near_the_pole() -> None:
    gs, trk, _ = velocity_between(
        np.array([10.0, 89.9]),
        np.array([-179.999, 0.0]),
        np.array([0.0, 0.0]),
        np.array([0.0, 0.0]),
        np.array([10.0, 89.9]),
        np.array([179.999, 180.0]),
        np.array([0.0, 0.0]),
        np.array([1.0, 100.0]),
    )
    assert trk[0] == pytest.approx(270.0, abs=1e-3)
    assert gs[0] == pytest.approx(float(great_circle_m(10, -179.999, 10, 179.999)), rel=5e-3)
    # Over the pole from longitude 0 to 180: heading north on departure, south on arrival.
    assert trk[1] == pytest.approx(180.0, abs=1e-6)
    assert gs[1] * 100 == pytest.approx(float(great_circle_m(89.9, 0, 89.9, 180)), rel=5e-3)


def test_vectorized_and_scalar_velocity_agree() -> None:
    rng = np.random.default_rng(3)
    lat0, lon0 = rng.uniform(-89, 89, 200), rng.uniform(-180, 180, 200)
    lat1, lon1 = destination(lat0, lon0, rng.uniform(0, 360, 200), rng.uniform(0, 20000, 200))
    alt0, alt1 = rng.uniform(0, 1e4, 200), rng.uniform(0, 1e4, 200)
    t1 = rng.uniform(1, 30, 200)
    gs, trk, vr = velocity_between(lat0, lon0, alt0, np.zeros(200), lat1, lon1, alt1, t1)
    for i in range(200):
        g, k, v = scalar_velocity(lat0[i], lon0[i], alt0[i], 0.0, lat1[i], lon1[i], alt1[i], t1[i])
        assert gs[i] == pytest.approx(g, rel=1e-9, abs=1e-9)
        assert vr[i] == pytest.approx(v, rel=1e-9, abs=1e-9)
        if gs[i] > 1e-6:
            assert (trk[i] - k + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-7)


def test_fast_fixes_keep_the_velocity_until_min_diff_s_has_passed() -> None:
    table = TrackTable(min_diff_s=1.0, max_diff_s=30.0)
    lat, lon = 45.0, 5.0
    for k, t in enumerate([0.0, 0.5, 1.0, 1.5]):
        la, lo = destination(lat, lon, 30.0, 200.0 * t)
        table.apply(one("a", t, float(la), float(lo)))
        state = table.state("a")
        assert state is not None
        if k == 0 or k == 1:
            assert math.isnan(state["gs_mps"])  # no fix 1 s older yet
        else:
            assert state["gs_mps"] == pytest.approx(200.0, rel=1e-2)
            assert state["track_deg"] == pytest.approx(30.0, abs=0.1)


def test_no_differencing_over_a_gap_longer_than_max_diff_s() -> None:
    table = TrackTable(max_diff_s=30.0)
    table.apply(one("a", 0.0, 0.0, 0.0))
    table.apply(one("a", 31.0, 0.0, 0.05))
    state = table.state("a")
    assert state is not None and math.isnan(state["gs_mps"]) and not state["velocity_derived"]
    table.apply(one("a", 32.0, 0.0, 0.052))
    state = table.state("a")
    assert state is not None and state["gs_mps"] > 0


def test_given_velocity_is_kept_as_given() -> None:
    table = TrackTable()
    table.apply(one("a", 0.0, 0.0, 0.0, gs_mps=[100.0], track_deg=[370.0], vrate_mps=[1.0]))
    table.apply(one("a", 5.0, 0.0, 0.1, gs_mps=[100.0], track_deg=[10.0], vrate_mps=[1.0]))
    state = table.state("a")
    assert state is not None
    assert (state["gs_mps"], state["track_deg"], state["vrate_mps"]) == (100.0, 10.0, 1.0)
    assert not state["velocity_derived"]


def test_coasting_dropping_and_row_reuse() -> None:
    table = TrackTable(coast_s=10.0, drop_s=60.0, capacity=16)
    ids = [f"t{i}" for i in range(40)]
    table.apply(
        upd(
            track_id=ids,
            time_s=[0.0 if i % 2 else 100.0 for i in range(40)],
            lat_deg=np.linspace(-10, 10, 40),
            lon_deg=0.0,
            gs_mps=100.0,
            track_deg=90.0,
        )
    )
    r = table.expire(105.0)
    assert sorted(r.dropped_ids.tolist()) == sorted(ids[1::2])
    assert (r.coasting, r.live, len(table)) == (0, 20, 20)
    for i, tid in enumerate(ids):
        state = table.state(tid)
        if i % 2:
            assert state is None
        else:
            assert state is not None and state["lat_deg"] == pytest.approx(-10 + 20 * i / 39)
    r = table.expire(115.0)
    assert r.coasting == 20 and r.dropped_ids.size == 0
    snap = table.snapshot(115.0)
    assert snap.coasting.all()
    assert snap.age_s == pytest.approx(np.full(20, 15.0))
    lat, lon = destination(-10.0, 0.0, 90.0, 100.0 * 15.0)  # 15 s at 100 m/s, eastbound
    t0 = snap.track_id == "t0"
    assert snap.lat_deg[t0][0] == pytest.approx(float(lat))
    assert snap.lon_deg[t0][0] == pytest.approx(float(lon))
    assert table.expire(1000.0).live == 0 and len(table) == 0
    table.apply(one("again", 1000.0, 0.0, 0.0))
    assert table.state("again") is not None


def test_snapshot_extrapolates_and_leaves_out_tracks_past_drop_s() -> None:
    table = TrackTable(coast_s=10.0, drop_s=60.0)
    table.apply(
        upd(
            track_id=["a", "b", "c"],
            time_s=[0.0, 0.0, -100.0],
            lat_deg=[0.0, 0.0, 0.0],
            lon_deg=[179.99, 0.0, 0.0],
            alt_m=[1000.0, 1000.0, 1000.0],
            gs_mps=[250.0, NAN, 0.0],
            track_deg=[90.0, NAN, NAN],
            vrate_mps=[5.0, NAN, 0.0],
        )
    )
    snap = table.snapshot(20.0)
    assert snap.track_id.tolist() == ["a", "b"]
    d = float(great_circle_m(0.0, 179.99, snap.lat_deg[0], snap.lon_deg[0]))
    assert d == pytest.approx(5000.0, rel=1e-9)
    assert snap.lon_deg[0] < 0  # crossed the antimeridian
    assert snap.alt_m[0] == pytest.approx(1100.0)
    assert (snap.lat_deg[1], snap.lon_deg[1], snap.alt_m[1]) == (0.0, 0.0, 1000.0)
    raw = table.snapshot()
    assert len(raw) == 3 and math.isnan(raw.time_s) and raw.lon_deg[0] == 179.99
    ve, vn, vu = snap.velocity_enu()
    assert ve[0] == pytest.approx(250.0) and abs(vn[0]) < 1e-9 and vu[0] == 5.0
    assert snap.ecef_m().shape == (2, 3)
    assert snap.kinematics_known().tolist() == [True, False]
    snap_c = table.snapshot(20.0, extrapolate=False)
    assert snap_c.lon_deg[0] == 179.99 and snap_c.age_s[0] == 20.0
    raw_all = table.snapshot()
    assert raw_all.track_deg[2] == 0.0  # stationary, no track reported
    table.apply(one("d", 20.0, 0.0, 0.0, party=["israel"]))
    codes, names = table.snapshot(20.0).party_codes()
    assert names == ["israel", "unknown"] and codes.tolist() == [1, 1, 0]
    assert len(snap.select(snap.track_id == "a")) == 1


def test_snapshot_is_a_copy() -> None:
    table = TrackTable()
    table.apply(one("a", 0.0, 1.0, 1.0))
    snap = table.snapshot(0.0)
    table.apply(one("a", 1.0, 2.0, 2.0))
    assert snap.lat_deg[0] == 1.0


def test_reports_from_the_future_cannot_freeze_a_track() -> None:
    table = TrackTable(max_future_s=30.0)
    r = table.apply(upd(track_id=["a", "b"], time_s=[1e9, 100.0], lat_deg=0, lon_deg=0), now=100.0)
    assert (r.applied, r.invalid) == (1, 1)
    table.apply(one("c", 1e9, 0.0, 0.0))  # no clock given: accepted...
    assert table.expire(100.0).dropped_ids.tolist() == ["c"]  # ...and dropped by the clock


def test_parameters_are_validated() -> None:
    with pytest.raises(ValidationError):
        TrackTable(coast_s=70, drop_s=60)
    with pytest.raises(ValidationError):
        TrackTable(min_diff_s=5, max_diff_s=1)


def test_growth_keeps_all_tracks() -> None:
    table = TrackTable(capacity=16)
    for k in range(5):
        ids = [f"{k}-{i}" for i in range(100)]
        table.apply(upd(track_id=ids, time_s=1.0, lat_deg=k, lon_deg=np.arange(100) / 10))
    assert len(table) == 500 and table.capacity >= 500
    state = table.state("3-42")
    assert state is not None and state["lat_deg"] == 3 and state["lon_deg"] == pytest.approx(4.2)


def test_memory_per_track_is_under_1_kib() -> None:
    n = 20_000
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        table = TrackTable()
        u = upd(
            track_id=[f"icao:{i:06x}" for i in range(n)],
            callsign=[f"AFR{i:05d}" for i in range(n)],
            party="france",
            source="sbs",
            time_s=1.0,
            lat_deg=np.linspace(-60, 60, n),
            lon_deg=0.0,
        )
        table.apply(u)
        del u
        gc.collect()
        per_track = (tracemalloc.get_traced_memory()[0] - base) / len(table)
    finally:
        tracemalloc.stop()
    assert per_track <= 1024


# ---------------------------------------------------------------------------- vs reference

IDS = ["a", "b", "c", "d", "e", ""]
maybe_nan = st.one_of(st.just(NAN), st.floats(0.0, 300.0))


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    lat = draw(st.one_of(st.floats(-89.0, 89.0), st.sampled_from([NAN, 95.0, -90.0, 90.0])))
    return {
        "track_id": draw(st.sampled_from(IDS)),
        "time_s": draw(st.one_of(st.integers(0, 80).map(lambda i: i / 2), st.just(math.inf))),
        "lat_deg": lat,
        "lon_deg": draw(st.one_of(st.floats(-180.0, 180.0), st.sampled_from([179.999, -180.0]))),
        "alt_m": draw(st.one_of(st.just(NAN), st.floats(0.0, 12000.0))),
        "gs_mps": draw(maybe_nan),
        "track_deg": draw(st.one_of(st.just(NAN), st.floats(0.0, 359.9))),
        "vrate_mps": draw(st.one_of(st.just(NAN), st.floats(-50.0, 50.0))),
        "callsign": draw(st.sampled_from(["", "AFR1", "ELY2"])),
        "party": draw(st.sampled_from(["unknown", "israel", "russia"])),
        "icao24": draw(st.sampled_from([-1, 0x738043, 0x151234])),
        "source": "test",
    }


def to_batch(recs: list[dict[str, Any]]) -> TrackUpdates:
    if not recs:
        return TrackUpdates.empty()
    return TrackUpdates.from_columns(**{k: [r[k] for r in recs] for k in recs[0]})


FIELDS = ("lat_deg", "lon_deg", "alt_m", "gs_mps", "track_deg", "vrate_mps", "time_s")


def assert_same(table: TrackTable, ref: ReferenceTable) -> None:
    assert len(table) == len(ref)
    for tid, want in ref.tracks.items():
        got = table.state(tid)
        assert got is not None, tid
        for key in FIELDS:
            a, b = got[key], want[key]
            if math.isnan(b):
                assert math.isnan(a), (tid, key, a, b)
            elif key == "track_deg":
                assert (a - b + 180) % 360 - 180 == pytest.approx(0, abs=1e-6), (tid, key)
            else:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-6), (tid, key, a, b)
        for key in ("party", "callsign", "icao24", "source", "velocity_derived", "vrate_derived"):
            assert got[key] == want[key], (tid, key)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(records(), max_size=12), min_size=1, max_size=8),
    expire_at=st.lists(st.one_of(st.none(), st.floats(0.0, 150.0)), min_size=8, max_size=8),
    apply_at=st.lists(st.one_of(st.none(), st.floats(0.0, 50.0)), min_size=8, max_size=8),
    now=st.floats(0.0, 150.0),
)
def test_table_matches_per_record_reference(
    batches: list[list[dict[str, Any]]],
    expire_at: list[float | None],
    apply_at: list[float | None],
    now: float,
) -> None:
    params = {"coast_s": 10.0, "drop_s": 30.0, "min_diff_s": 1.0, "max_diff_s": 20.0}
    table = TrackTable(**params, max_future_s=5.0, capacity=2)
    ref = ReferenceTable(**params, max_future_s=5.0)
    for recs, when, at in zip(batches, expire_at, apply_at, strict=False):
        u = to_batch(recs)
        got = table.apply(u, now=at)
        want = ref.apply(u, now=at)
        assert (
            got.applied,
            got.created,
            got.superseded,
            got.duplicate,
            got.stale,
            got.invalid,
        ) == (want.applied, want.created, want.superseded, want.duplicate, want.stale, want.invalid)
        assert sorted(got.updated_ids.tolist()) == sorted(want.updated_ids)
        assert got.received == len(u)
        if when is not None:
            dropped = table.expire(when)
            assert sorted(dropped.dropped_ids.tolist()) == sorted(ref.expire(when))
        assert_same(table, ref)
    snap = table.snapshot(now)
    want_snap = ref.snapshot(now)
    assert sorted(snap.track_id.tolist()) == sorted(want_snap)
    for i, tid in enumerate(snap.track_id.tolist()):
        w = want_snap[tid]
        assert snap.coasting[i] == w["coasting"]
        state = table.state(tid)
        assert state is not None
        if abs(state["lat_deg"]) == 90.0:
            continue  # exactly at a pole a track angle has no direction: nothing to compare
        # Compare positions by distance: near a pole longitude is ill-conditioned.
        d = float(great_circle_m(snap.lat_deg[i], snap.lon_deg[i], w["lat_deg"], w["lon_deg"]))
        assert d < 1e-3, (tid, d)
        if math.isnan(w["alt_m"]):
            assert math.isnan(snap.alt_m[i])
        else:
            assert snap.alt_m[i] == pytest.approx(w["alt_m"], abs=1e-6)
