"""The F3548 key rule: filing over another party's intent needs its current OVN (409 otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from skyaccord.errors import MissingKeys
from skyaccord.intents.model import State
from skyaccord.services.container import Services
from skyaccord.store.schema import conflicts, intents

if TYPE_CHECKING:
    from tests.services.conftest import Planner


def _count(services: Services, table: sa.Table) -> int:
    return int(
        services.store.transact(
            lambda c: c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one(),
            write=False,
        )
    )


def _missing(info: pytest.ExceptionInfo[MissingKeys]) -> dict[str, str]:
    return {m["id"]: m["ovn"] for m in info.value.missing}


def test_blind_filing_over_another_party_is_refused_with_what_is_missing(
    services: Services, planner: Planner
) -> None:
    x1 = planner.file("israel", intent_id="x1").intent
    x2 = planner.file("israel", intent_id="x2", lat=33.08, lon=35.58, lower=1500.0).intent
    planner.file("israel", intent_id="far", lat=40.0)  # no overlap: space
    planner.file("israel", intent_id="later", start=8000.0, end=9000.0)  # no overlap: time
    planner.file("israel", intent_id="above", lower=2000.0, upper=3000.0)  # touching band only
    z = planner.file("usa", intent_id="z", lat=33.02, lon=35.52, key=[x1.ovn, x2.ovn]).intent
    before = _count(services, intents)

    with pytest.raises(MissingKeys) as info:
        planner.file("russia", intent_id="y", lat=33.05, lon=35.55)
    assert _missing(info) == {"x1": x1.ovn, "x2": x2.ovn, "z": z.ovn}
    assert info.value.http_status == 409 and info.value.exit_code == 5
    by_id = {m["id"]: m for m in info.value.missing}
    assert by_id["x1"]["owner"] == "israel" and by_id["z"]["owner"] == "usa"
    assert by_id["x2"]["version"] == 1 and by_id["x2"]["state"] == "Accepted"
    assert by_id["x1"]["conflict"]["overlaps"][0]["area_m2"] > 0
    assert _count(services, intents) == before  # nothing stored

    # Presenting some keys: the rest is still missing.
    with pytest.raises(MissingKeys) as info:
        planner.file("russia", intent_id="y", lat=33.05, lon=35.55, key=[x1.ovn, "bogus"])
    assert _missing(info) == {"x2": x2.ovn, "z": z.ovn}

    r = planner.file("russia", intent_id="y", lat=33.05, lon=35.55, key=[x1.ovn, x2.ovn, z.ovn])
    assert {c.other_id for c in r.conflicts} == {"x1", "x2", "z"}
    assert _count(services, intents) == before + 1


def test_own_intents_need_no_key(services: Services, planner: Planner) -> None:
    planner.file("israel", intent_id="a")
    r = planner.file("israel", intent_id="b", lat=33.05, lon=35.55)
    assert r.conflicts == ()
    assert _count(services, conflicts) == 0


def test_ended_intents_need_no_key(services: Services, planner: Planner) -> None:
    planner.file("israel", intent_id="x")
    services.intents.set_state("israel", "x", 1, State.ENDED)
    r = planner.file("russia", intent_id="y", lat=33.05, lon=35.55)
    assert r.conflicts == ()


def test_activated_intents_need_a_key_too(services: Services, planner: Planner) -> None:
    x = planner.file("israel", intent_id="x")
    act = services.intents.set_state("israel", "x", 1, State.ACTIVATED)
    with pytest.raises(MissingKeys) as info:
        planner.file("russia", lat=33.05, lon=35.55, key=[x.intent.ovn])  # the old version's OVN
    assert _missing(info) == {"x": act.ovn}


def test_a_modification_makes_the_old_ovn_stale(services: Services, planner: Planner) -> None:
    svc = services.intents
    x = planner.file("israel", intent_id="x").intent
    y = planner.file("russia", intent_id="y", lat=33.05, lon=35.55, key=[x.ovn]).intent
    # Israel moves x; it now overlaps y, so Israel must present y's OVN.
    with pytest.raises(MissingKeys) as info:
        svc.modify("israel", "x", 1, planner.filing(lat=33.04, lon=35.54))
    assert _missing(info) == {"y": y.ovn}
    x2 = svc.modify("israel", "x", 1, planner.filing(lat=33.04, lon=35.54, key=[y.ovn])).intent
    assert x2.ovn != x.ovn

    with pytest.raises(MissingKeys) as info:
        planner.file("russia", intent_id="y2", lat=33.06, lon=35.56, key=[x.ovn, y.ovn])
    assert _missing(info) == {"x": x2.ovn}
    planner.file("russia", intent_id="y2", lat=33.06, lon=35.56, key=[x2.ovn])

    # Russia's own modification of y over x needs x's current OVN as well.
    with pytest.raises(MissingKeys):
        svc.modify("russia", "y", 1, planner.filing(lat=33.03, lon=35.53, key=[x.ovn]))
    svc.modify("russia", "y", 1, planner.filing(lat=33.03, lon=35.53, key=[x2.ovn]))


def test_off_nominal_filings_are_not_held_to_the_key_rule(
    services: Services, planner: Planner
) -> None:
    """A party in trouble must always be able to tell the others where it is."""
    svc = services.intents
    planner.file("israel", intent_id="x", state="Activated")
    planner.file("russia", intent_id="y", lat=34.0, state="Activated")
    r = svc.modify("russia", "y", 1, planner.filing(lat=33.05, lon=35.55, state="Nonconforming"))
    assert r.intent.state is State.NONCONFORMING
    assert [c.other_id for c in r.conflicts] == ["x"]


def test_disjoint_in_time_or_altitude_needs_no_key(services: Services, planner: Planner) -> None:
    planner.file("israel", intent_id="x")
    assert planner.file("russia", start=7200.0, end=9000.0).conflicts == ()
    assert planner.file("russia", lower=2000.0, upper=2500.0).conflicts == ()
    assert planner.file("russia", lat=33.1, lon=35.5).conflicts == ()  # shares an edge only
