"""What a filing learns of a conflict: the overlap (geometry, band, window) and the other
intent's reference, never the other party's private ``details``; the same is stored."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import shapely

from skyaccord.api.views import conflict_row_json, filing_json
from skyaccord.errors import MissingKeys, PermissionDenied
from skyaccord.geo.volumes import outline_area_m2, polygon_outline
from skyaccord.geo.wire import volume_from_f3548
from skyaccord.intents.model import Intent, IntentRef
from skyaccord.services.container import Services

if TYPE_CHECKING:
    from tests.services.conftest import Planner

SECRET = "strike-package-ALPHA-7f3c"  # must never reach another party


def _square_area(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    return outline_area_m2(polygon_outline([lat0, lat0, lat1, lat1], [lon0, lon1, lon1, lon0]))


@pytest.fixture
def crossing(services: Services, planner: Planner, clock: Any) -> dict[str, Any]:
    """Israel's x (33.0–33.1 N, 35.5–35.6 E, 1000–2000 m, +1 h to +2 h) and Russia's y
    (33.05–33.15 N, 35.55–35.65 E, 1500–2500 m, +1.5 h to +3 h), filed with x's key."""
    x = planner.file("israel", intent_id="x", details={"mission": SECRET, "tail": SECRET})
    with pytest.raises(MissingKeys) as info:
        planner.file(
            "russia", intent_id="y", lat=33.05, lon=35.55, lower=1500.0, upper=2500.0,
            start=5400.0, end=10800.0,
        )  # fmt: skip
    y = planner.file(
        "russia", intent_id="y", lat=33.05, lon=35.55, lower=1500.0, upper=2500.0,
        start=5400.0, end=10800.0, key=[x.intent.ovn], details={"mission": "ru-private"},
    )  # fmt: skip
    return {"x": x, "y": y, "refused": info.value, "now": clock.now()}


def test_conflict_carries_the_overlap(crossing: dict[str, Any]) -> None:
    y, now = crossing["y"], crossing["now"]
    assert len(y.conflicts) == 1
    c = y.conflicts[0]
    assert (c.kind, c.other_id, c.other_owner) == ("intent", "x", "israel")
    assert len(c.overlaps) == 1
    o = c.overlaps[0]
    assert (o.alt_lower_m, o.alt_upper_m) == (1500.0, 2000.0)
    assert (o.t_start, o.t_end) == (now + 5400.0, now + 7200.0)
    expected = _square_area(33.05, 35.55, 33.1, 35.6)
    assert o.area_m2 == pytest.approx(expected, rel=1e-3)
    (lat, lon), *_ = o.rings
    got = shapely.Polygon(np.column_stack([lon, lat]))
    want = shapely.box(35.55, 33.05, 35.6, 33.1)
    assert got.symmetric_difference(want).area < 1e-3 * want.area


def test_wire_and_stored_conflicts_agree(services: Services, crossing: dict[str, Any]) -> None:
    wire = filing_json(crossing["y"])["conflicts"]
    assert len(wire) == 1 and wire[0]["id"] == "x" and wire[0]["owner"] == "israel"
    ov = wire[0]["overlaps"][0]
    assert ov["altitude_lower"]["value"] == 1500.0 and ov["altitude_upper"]["value"] == 2000.0
    assert ov["geometry"]["type"] == "Polygon"
    ring = ov["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) >= 4

    for party in ("israel", "russia"):
        rows = services.intents.conflicts(party)
        assert len(rows) == 1
        r = rows[0]
        assert (r.intent_id, r.intent_owner, r.other_id, r.other_owner, r.other_kind) == (
            "y",
            "russia",
            "x",
            "israel",
            "intent",
        )
        assert (r.alt_lower_m, r.alt_upper_m) == (1500.0, 2000.0)
        assert (r.t_start, r.t_end) == (crossing["now"] + 5400.0, crossing["now"] + 7200.0)
        assert r.area_m2 == pytest.approx(crossing["y"].conflicts[0].overlaps[0].area_m2)
        assert conflict_row_json(r)["overlaps"] == wire[0]["overlaps"]
    assert services.intents.conflicts("usa") == []


def test_no_details_of_the_other_party_anywhere(
    services: Services, planner: Planner, crossing: dict[str, Any]
) -> None:
    seen_by_russia = [
        json.dumps(filing_json(crossing["y"])),
        json.dumps(crossing["refused"].to_dict()),
        json.dumps([conflict_row_json(r) for r in services.intents.conflicts("russia")]),
        repr(services.intents.get("russia", "x")),
        repr(services.intents.query("russia", volume_from_f3548(planner.volume(lat=33.0)))),
    ]
    for text in seen_by_russia:
        assert SECRET not in text
    # ... while the owner does see its own details.
    assert SECRET in json.dumps(filing_json(crossing["x"]))


def test_the_other_party_sees_a_reference_only(
    services: Services, planner: Planner, crossing: dict[str, Any]
) -> None:
    ref = services.intents.get("russia", "x")
    assert isinstance(ref, IntentRef) and not isinstance(ref, Intent)
    assert (ref.id, ref.owner, ref.version, ref.ovn) == ("x", "israel", 1, crossing["x"].intent.ovn)
    assert not hasattr(ref, "details") and not hasattr(ref, "volumes")
    # A party with no part in the conflict learns nothing.
    with pytest.raises(PermissionDenied):
        services.intents.get("usa", "x")
    # Nor does Russia about Israel's intents that do not conflict with its own.
    planner.file("israel", intent_id="elsewhere", lat=40.0)
    with pytest.raises(PermissionDenied):
        services.intents.get("russia", "elsewhere")


def test_query_returns_own_in_full_and_others_as_references(
    services: Services, planner: Planner, crossing: dict[str, Any]
) -> None:
    area = volume_from_f3548(
        planner.volume(lat=33.0, lon=35.5, size=0.2, upper=3000.0, end=10800.0)
    )
    own, others = services.intents.query("russia", area)
    assert [i.id for i in own] == ["y"] and own[0].details == {"mission": "ru-private"}
    assert [(r.id, r.ovn) for r, _ in others] == [("x", crossing["x"].intent.ovn)]
    assert all(isinstance(r, IntentRef) for r, _ in others)
    assert others[0][1] and others[0][1][0].area_m2 > 0
