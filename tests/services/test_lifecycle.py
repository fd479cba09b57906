"""Filing lifecycle (F3548 states) with versions and optimistic concurrency, on both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from skyaccord.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
    VersionMismatch,
)
from skyaccord.intents.model import Intent, State
from skyaccord.services.container import Services
from skyaccord.store.schema import intent_cells, intent_volumes, intents

if TYPE_CHECKING:
    from tests.services.conftest import Planner


def _rows(services: Services) -> tuple[int, int, int]:
    def run(c: sa.Connection) -> tuple[int, int, int]:
        return tuple(  # type: ignore[return-value]
            c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (intents, intent_volumes, intent_cells)
        )

    return services.store.transact(run, write=False)


def _stored(services: Services, party: str, iid: str) -> Intent:
    it = services.intents.get(party, iid)
    assert isinstance(it, Intent)
    return it


def test_file_modify_activate_end(services: Services, planner: Planner) -> None:
    svc = services.intents
    r = planner.file("israel", intent_id="op-1")
    it = r.intent
    assert (it.id, it.owner, it.state, it.version) == ("op-1", "israel", State.ACCEPTED, 1)
    assert it.ovn and not r.dry_run
    assert _stored(services, "israel", "op-1") == it

    moved = planner.filing(lat=34.0)
    r2 = svc.modify("israel", "op-1", 1, moved)
    assert r2.intent.version == 2 and r2.intent.ovn != it.ovn
    stored = _stored(services, "israel", "op-1")
    assert stored.volumes == moved.volumes and stored.version == 2

    act = svc.set_state("israel", "op-1", 2, State.ACTIVATED)
    assert (act.state, act.version) == (State.ACTIVATED, 3)
    assert act.ovn not in (it.ovn, r2.intent.ovn)
    assert act.volumes == moved.volumes

    ended = svc.set_state("israel", "op-1", 3, State.ENDED)
    assert (ended.state, ended.version, ended.ended_reason) == (State.ENDED, 4, "ended")
    assert _stored(services, "israel", "op-1") == ended
    assert [i.id for i in svc.list_own("israel", [State.ENDED])] == ["op-1"]
    assert svc.list_own("israel", [State.ACCEPTED, State.ACTIVATED]) == []


def test_cancel_records_the_reason(services: Services, planner: Planner) -> None:
    planner.file("israel", intent_id="op-1")
    it = services.intents.set_state("israel", "op-1", 1, State.ENDED, "cancelled")
    assert (it.state, it.ended_reason) == (State.ENDED, "cancelled")


def test_stale_version_is_refused_and_changes_nothing(services: Services, planner: Planner) -> None:
    svc = services.intents
    planner.file("israel", intent_id="op-1")
    svc.modify("israel", "op-1", 1, planner.filing(lat=34.0))
    before = _stored(services, "israel", "op-1")
    rows = _rows(services)

    with pytest.raises(VersionMismatch) as info:
        svc.modify("israel", "op-1", 1, planner.filing(lat=35.0))
    assert info.value.details["current_version"] == 2
    assert info.value.http_status == 409 and "version" in info.value.message
    with pytest.raises(VersionMismatch):
        svc.set_state("israel", "op-1", 1, State.ACTIVATED)
    with pytest.raises(VersionMismatch):
        svc.set_state("israel", "op-1", 3, State.ENDED)

    assert _stored(services, "israel", "op-1") == before
    assert _rows(services) == rows


def test_a_new_intent_may_not_reuse_an_id(services: Services, planner: Planner) -> None:
    planner.file("israel", intent_id="op-1")
    with pytest.raises(VersionMismatch):
        planner.file("russia", intent_id="op-1", lat=40.0)
    assert _stored(services, "israel", "op-1").owner == "israel"


INVALID: list[tuple[list[State], State]] = [
    ([], State.NONCONFORMING),  # Accepted → Nonconforming
    ([], State.CONTINGENT),  # Accepted → Contingent
    ([State.ACTIVATED], State.ACCEPTED),  # Activated → Accepted
    ([State.ACTIVATED, State.CONTINGENT], State.ACTIVATED),
    ([State.ACTIVATED, State.CONTINGENT], State.NONCONFORMING),
    ([State.ENDED], State.ACTIVATED),
    ([State.ENDED], State.ENDED),
    ([State.ENDED], State.ACCEPTED),
]


def test_invalid_transitions_are_refused(services: Services, planner: Planner) -> None:
    # One store for all cases (each on its own intent): fresh databases are not free.
    svc = services.intents
    for n, (path, bad) in enumerate(INVALID):
        iid = f"op-{n}"
        planner.file("israel", intent_id=iid, lat=10.0 + n)
        version = 1
        for s in path:
            version = svc.set_state("israel", iid, version, s).version
        before = _stored(services, "israel", iid)
        with pytest.raises(InvalidTransition) as info:
            svc.set_state("israel", iid, version, bad)
        assert info.value.details["requested"] == bad.value
        assert info.value.details["current"] == before.state.value
        assert _stored(services, "israel", iid) == before


def test_an_ended_intent_cannot_be_modified(services: Services, planner: Planner) -> None:
    planner.file("israel", intent_id="op-1")
    services.intents.set_state("israel", "op-1", 1, State.ENDED)
    with pytest.raises(InvalidTransition):
        services.intents.modify("israel", "op-1", 2, planner.filing(lat=34.0))


def test_a_new_intent_cannot_start_off_nominal(services: Services, planner: Planner) -> None:
    for state in ("Nonconforming", "Contingent"):
        with pytest.raises(InvalidTransition):
            planner.file("israel", intent_id="op-1", state=state)
    assert _rows(services) == (0, 0, 0)


def test_a_new_intent_may_start_activated(services: Services, planner: Planner) -> None:
    r = planner.file("israel", state="Activated")
    assert r.intent.state is State.ACTIVATED


def test_nonconforming_and_back(services: Services, planner: Planner) -> None:
    svc = services.intents
    planner.file("israel", intent_id="op-1", state="Activated")
    it = svc.set_state("israel", "op-1", 1, State.NONCONFORMING)
    it = svc.set_state("israel", "op-1", it.version, State.ACTIVATED)
    it = svc.set_state("israel", "op-1", it.version, State.CONTINGENT)
    it = svc.set_state("israel", "op-1", it.version, State.ENDED)
    assert (it.state, it.version) == (State.ENDED, 5)


def test_only_the_owner_may_change_an_intent(services: Services, planner: Planner) -> None:
    svc = services.intents
    planner.file("israel", intent_id="op-1")
    before = _stored(services, "israel", "op-1")
    with pytest.raises(PermissionDenied):
        svc.modify("russia", "op-1", 1, planner.filing(lat=34.0))
    with pytest.raises(PermissionDenied):
        svc.set_state("russia", "op-1", 1, State.ENDED)
    assert _stored(services, "israel", "op-1") == before


def test_unknown_intent_is_not_found(services: Services, planner: Planner) -> None:
    with pytest.raises(NotFound):
        services.intents.set_state("israel", "nope", 1, State.ENDED)
    with pytest.raises(NotFound):
        services.intents.modify("israel", "nope", 1, planner.filing())
    with pytest.raises(NotFound):
        services.intents.get("israel", "nope")


def test_a_filing_that_has_already_ended_is_refused(services: Services, planner: Planner) -> None:
    with pytest.raises(ValidationError) as info:
        planner.file("israel", start=-7200.0, end=-60.0)
    assert info.value.field == "volumes[0].time_end"
    assert _rows(services) == (0, 0, 0)


def test_bad_intent_id_is_refused(services: Services, planner: Planner) -> None:
    with pytest.raises(ValidationError) as info:
        planner.file("israel", intent_id="no spaces allowed")
    assert info.value.field == "id"
    assert _rows(services) == (0, 0, 0)
