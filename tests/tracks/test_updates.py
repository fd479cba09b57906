"""TrackUpdates (struct of arrays) and IngestStats."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skyaccord.errors import ValidationError
from skyaccord.tracks.updates import (
    IngestStats,
    TrackUpdates,
    format_icao24,
    icao_track_id,
    parse_icao24,
    party_track_id,
)


def test_from_columns_broadcasts_scalars_and_fills_defaults() -> None:
    u = TrackUpdates.from_columns(
        track_id=["a", "b"], lat_deg=[1, 2], lon_deg=[3, 4], time_s=10.0, source="x"
    )
    assert len(u) == 2
    assert u.party.tolist() == ["unknown", "unknown"]
    assert u.icao24.dtype == np.int32 and u.icao24.tolist() == [-1, -1]
    assert u.callsign.tolist() == ["", ""]
    assert np.isnan(u.gs_mps).all() and u.time_s.tolist() == [10.0, 10.0]
    assert u.source.dtype == object


def test_lengths_must_agree() -> None:
    with pytest.raises(ValidationError):
        TrackUpdates.from_columns(track_id=["a", "b"], lat_deg=[1, 2, 3], lon_deg=0, time_s=0)


def test_take_concat_and_sort() -> None:
    u = TrackUpdates.from_columns(
        track_id=["a", "b", "c"], lat_deg=[1, 2, 3], lon_deg=0, time_s=[3.0, 1.0, 2.0]
    )
    assert u.take([2, 0]).track_id.tolist() == ["c", "a"]
    assert u.take(slice(1, 3)).track_id.tolist() == ["b", "c"]
    both = TrackUpdates.concat([u, u.take([0])])
    assert len(both) == 4 and both.track_id.tolist()[-1] == "a"
    assert TrackUpdates.concat([]).track_id.size == 0
    assert u.sorted_by_time().track_id.tolist() == ["b", "c", "a"]


def test_time_batches_cover_everything_in_order() -> None:
    t = np.array([0.0, 0.4, 1.0, 1.9, 5.5, 5.6])
    u = TrackUpdates.from_columns(
        track_id=[str(i) for i in range(6)], lat_deg=0, lon_deg=0, time_s=t[::-1]
    )
    batches = list(u.time_batches(1.0))
    assert [b.time_s.tolist() for b in batches] == [[0.0, 0.4], [1.0, 1.9], [5.5, 5.6]]
    assert list(TrackUpdates.empty().time_batches(1.0)) == []
    with pytest.raises(ValidationError):
        list(u.time_batches(0))


def test_ids_and_addresses() -> None:
    assert icao_track_id(0xABC) == "icao:000abc"
    assert party_track_id("il", "T1") == "il/T1"
    assert parse_icao24(" 4CA2D6 ") == 0x4CA2D6
    assert format_icao24(-1) == "" and format_icao24(0x4CA2D6) == "4ca2d6"
    with pytest.raises(ValueError):
        parse_icao24("4CA2D")


def test_ingest_stats_counts_examples_and_merges() -> None:
    a = IngestStats()
    for i in range(5):
        a.reject("lat_deg: out of range", f"line {i}")
    a.skip("on ground", 3)
    a.accepted = 7
    b = IngestStats(accepted=1)
    b.reject("lat_deg: out of range", "line 99")
    b.reject("bad hex", "line 100")
    a.merge(b)
    assert a.accepted == 8 and a.n_rejected == 7 and a.n_skipped == 3
    assert a.examples["lat_deg: out of range"] == ["line 0", "line 1", "line 2"]
    d = a.to_dict()
    assert d["rejected"] == {"lat_deg: out of range": 6, "bad hex": 1}
    assert d["examples"]["bad hex"] == ["line 100"]
    assert not math.isnan(float(d["accepted"]))


def test_time_batches_over_a_huge_gap_stay_cheap() -> None:
    u = TrackUpdates.from_columns(
        track_id=["a", "b", "c"], lat_deg=0, lon_deg=0, time_s=[0.0, 1.7e9, 1.7e9 + 0.5]
    )
    assert [len(b) for b in u.time_batches(0.001)] == [1, 1, 1]
