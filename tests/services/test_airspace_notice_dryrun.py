"""Conflicts with protected airspace, minimum-notice violations with exact times, dry runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from skyaccord.errors import MissingKeys, NotFound, PermissionDenied, ValidationError
from skyaccord.intents.rules import NoticeViolation
from skyaccord.services.container import Services
from skyaccord.store.schema import (
    conflicts,
    intent_cells,
    intent_volumes,
    intents,
    notice_violations,
)

if TYPE_CHECKING:
    from tests.services.conftest import Planner

INTENT_TABLES = (intents, intent_volumes, intent_cells, conflicts, notice_violations)


def _counts(services: Services) -> tuple[int, ...]:
    def run(c: sa.Connection) -> tuple[int, ...]:
        return tuple(
            int(c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in INTENT_TABLES
        )

    return services.store.transact(run, write=False)


def _zone(zone_id: str = "hmeimim-zone", **props: Any) -> dict[str, Any]:
    """Russia's restricted zone: 33.0–33.2 N, 35.5–35.7 E, surface to FL200, permanent."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "id": zone_id,
                    "name": "Hmeimim air base zone",
                    "kind": "restricted",
                    "altitude_lower": "0 m",
                    "altitude_upper": "FL200",
                    **props,
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[35.5, 33.0], [35.7, 33.0], [35.7, 33.2], [35.5, 33.2], [35.5, 33.0]]
                    ],
                },
            }
        ],
    }


# --- protected airspace --------------------------------------------------------------------


def test_filing_through_another_partys_airspace_reports_it(
    services: Services, planner: Planner, clock: Any
) -> None:
    (zone,) = services.airspace.import_geojson("russia", _zone())
    assert zone.owner == "russia" and len(zone.volumes) == 1
    # No key is needed for airspace: the filing is stored, and the conflict reported.
    r = planner.file("israel", intent_id="x", lat=33.15, lon=35.65, details={"m": "private"})
    assert [(c.kind, c.other_id, c.other_owner) for c in r.conflicts] == [
        ("airspace", "hmeimim-zone", "russia")
    ]
    (o,) = r.conflicts[0].overlaps
    assert (o.alt_lower_m, o.alt_upper_m) == (1000.0, 2000.0)
    assert (o.t_start, o.t_end) == (clock.now() + 3600.0, clock.now() + 7200.0)
    assert o.area_m2 > 0
    for party in ("russia", "israel"):
        (row,) = services.intents.conflicts(party)
        assert (row.other_kind, row.other_id, row.other_owner, row.intent_owner) == (
            "airspace",
            "hmeimim-zone",
            "russia",
            "israel",
        )
        assert "private" not in repr(tuple(row))
    assert services.intents.conflicts("usa") == []


def test_own_airspace_and_disjoint_filings_are_no_conflict(
    services: Services, planner: Planner
) -> None:
    services.airspace.import_geojson("russia", _zone())
    assert planner.file("russia", lat=33.05, lon=35.55).conflicts == ()
    above = planner.file("israel", lat=33.05, lon=35.55, lower=6200.0, upper=7000.0)
    assert above.conflicts == ()  # FL200 is 6096 m
    assert planner.file("israel", lat=34.0).conflicts == ()


def test_airspace_window_is_respected(services: Services, planner: Planner, clock: Any) -> None:
    from skyaccord.timefmt import format_time

    services.airspace.import_geojson(
        "russia",
        _zone(time_start=format_time(clock.now()), time_end=format_time(clock.now() + 1800.0)),
    )
    assert planner.file("israel", lat=33.05, lon=35.55).conflicts == ()  # starts at +1 h
    assert planner.file("israel", lat=33.05, lon=35.55, start=600.0).conflicts != ()


def test_airspace_import_is_all_or_nothing(services: Services) -> None:
    bad = _zone()
    bad["features"].append({**bad["features"][0], "properties": {"id": "b2", "name": ""}})
    with pytest.raises(ValidationError) as info:
        services.airspace.import_geojson("russia", bad)
    assert info.value.field == "geojson.features[1].properties.name"
    assert services.airspace.list() == []
    with pytest.raises(NotFound):
        services.airspace.import_geojson("nobody", _zone())


def test_only_the_owner_deletes_airspace(services: Services, planner: Planner) -> None:
    services.airspace.import_geojson("russia", _zone())
    with pytest.raises(PermissionDenied):
        services.airspace.delete("israel", "hmeimim-zone")
    services.airspace.delete("russia", "hmeimim-zone")
    assert planner.file("israel", lat=33.05, lon=35.55).conflicts == ()


# --- minimum notice ------------------------------------------------------------------------


def test_short_notice_is_recorded_with_exact_times(
    services: Services, planner: Planner, clock: Any
) -> None:
    services.auth.set_notice("israel", "russia", 15 * 60)
    now = clock.now()
    r = planner.file("israel", intent_id="x", start=600.0, end=4000.0)
    assert r.notice_violations == (
        NoticeViolation("israel", "russia", now, now + 600.0, 600.0, 900.0),
    )
    for party in ("israel", "russia"):
        (row,) = services.intents.notices(party)
        assert (row.intent_id, row.intent_version, row.from_party, row.to_party) == (
            "x",
            1,
            "israel",
            "russia",
        )
        assert (row.filed_at, row.start_at, row.notice_s, row.required_s) == (
            now,
            now + 600.0,
            600.0,
            900.0,
        )
    assert services.intents.notices("usa") == []


def test_enough_notice_records_nothing(services: Services, planner: Planner) -> None:
    services.auth.set_notice("israel", "russia", 15 * 60)
    r = planner.file("israel", start=1200.0, end=4000.0)
    assert r.notice_violations == ()
    assert services.intents.notices("russia") == []
    # The rule is owed by Israel to Russia, not the other way round.
    assert planner.file("russia", lat=40.0, start=600.0).notice_violations == ()


def test_notice_is_owed_to_every_party_with_a_rule(
    services: Services, planner: Planner, clock: Any
) -> None:
    services.auth.set_notice("israel", "russia", 900.0)
    services.auth.set_notice("israel", "usa", 300.0)
    r = planner.file("israel", start=600.0)
    assert [(n.to_party, n.required_s) for n in r.notice_violations] == [("russia", 900.0)]
    clock.advance(1.5)
    r = planner.file("israel", lat=40.0, start=200.25)
    assert [(n.to_party, n.notice_s) for n in r.notice_violations] == [
        ("russia", 200.25),
        ("usa", 200.25),
    ]


def test_a_modification_that_starts_sooner_is_checked_again(
    services: Services, planner: Planner, clock: Any
) -> None:
    services.auth.set_notice("israel", "russia", 900.0)
    planner.file("israel", intent_id="x", start=3600.0)
    clock.advance(60.0)
    later = services.intents.modify("israel", "x", 1, planner.filing(start=3700.0))
    assert later.notice_violations == ()
    sooner = services.intents.modify("israel", "x", 2, planner.filing(start=300.0))
    (n,) = sooner.notice_violations
    assert (n.filed_at, n.start_at, n.notice_s) == (clock.now(), clock.now() + 300.0, 300.0)
    (row,) = services.intents.notices("russia")
    assert row.intent_version == 3


def test_notice_rules_are_validated(services: Services) -> None:
    with pytest.raises(ValidationError):
        services.auth.set_notice("israel", "israel", 60.0)
    with pytest.raises(ValidationError):
        services.auth.set_notice("israel", "russia", -1.0)
    with pytest.raises(NotFound):
        services.auth.set_notice("israel", "nobody", 60.0)
    assert services.auth.notice_rules() == []


# --- dry run -------------------------------------------------------------------------------


def test_dry_run_checks_everything_and_stores_nothing(services: Services, planner: Planner) -> None:
    services.airspace.import_geojson("russia", _zone())
    services.auth.set_notice("israel", "usa", 900.0)
    x = planner.file("usa", intent_id="x", lat=33.05, lon=35.55).intent
    before = _counts(services)

    with pytest.raises(MissingKeys):
        planner.file("israel", lat=33.05, lon=35.55, start=600.0, dry_run=True)
    r = planner.file(
        "israel", intent_id="d", lat=33.05, lon=35.55, start=600.0, key=[x.ovn], dry_run=True
    )
    assert r.dry_run
    assert {c.kind for c in r.conflicts} == {"intent", "airspace"}
    assert [n.to_party for n in r.notice_violations] == ["usa"]
    assert _counts(services) == before
    with pytest.raises(NotFound):
        services.intents.get("israel", "d")

    # A dry-run modification leaves the stored version as it was.
    m = services.intents.modify("usa", "x", 1, planner.filing(lat=34.0), dry_run=True)
    assert m.dry_run and m.intent.version == 2
    stored = services.intents.get("usa", "x")
    assert stored.version == 1 and stored.ovn == x.ovn
    assert _counts(services) == before


def test_airspace_properties_must_be_an_object(services: Services) -> None:
    for props in (True, 5, "text", ["x"]):
        zone = _zone()
        zone["features"][0]["properties"] = props
        with pytest.raises(ValidationError) as info:
            services.airspace.import_geojson("russia", zone)
        assert info.value.field == "geojson.features[0].properties"
    assert services.airspace.list() == []
