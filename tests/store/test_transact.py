"""``Store.transact``: all or nothing, domain errors pass through, driver errors are translated."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from skyaccord.airspace.model import AirspaceKind, Party, ProtectedAirspace
from skyaccord.errors import ConflictError, StoreError, ValidationError
from skyaccord.geo.volumes import Volume4D, polygon_outline
from skyaccord.services.airspace import AirspaceService
from skyaccord.store import Store
from skyaccord.store import parties as party_repo
from skyaccord.store.schema import airspace, airspace_cells, airspace_volumes, parties

T = 1_700_000_000.0


def _count(store: Store, table: sa.Table) -> int:
    return int(
        store.transact(
            lambda c: c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one(),
            write=False,
        )
    )


def test_domain_error_rolls_back_everything_written_before_it(store: Store) -> None:
    def run(conn: sa.Connection) -> None:
        party_repo.insert_party(conn, Party("a", "A", "", T))
        party_repo.insert_party(conn, Party("b", "B", "", T))
        raise ValidationError("name", "rejected after two writes")

    with pytest.raises(ValidationError) as info:
        store.transact(run)
    assert info.value.field == "name"  # the domain error itself, not a wrapper
    assert _count(store, parties) == 0


def test_duplicate_in_a_batch_leaves_no_part_of_it(store: Store) -> None:
    store.transact(lambda c: party_repo.insert_party(c, Party("b", "B", "", T)))
    outline = polygon_outline([33.0, 33.0, 33.2], [35.0, 35.2, 35.2])
    vol = Volume4D(outline, 0.0, 1000.0, 0.0, T)

    def zone(aid: str) -> ProtectedAirspace:
        return ProtectedAirspace(aid, "b", AirspaceKind.BUFFER, aid, (vol,), "", T)

    svc = AirspaceService(store)
    with pytest.raises(ConflictError):
        svc.add([zone("z1"), zone("z2"), zone("z1")])
    for table in (airspace, airspace_volumes, airspace_cells):
        assert _count(store, table) == 0
    svc.add([zone("z1"), zone("z2")])
    assert _count(store, airspace) == 2


def test_driver_error_becomes_store_error(store: Store) -> None:
    with pytest.raises(StoreError) as info:
        store.transact(lambda c: c.exec_driver_sql("SELECT * FROM no_such_table"))
    assert isinstance(info.value.__cause__, sa.exc.DBAPIError)
    assert "sqlalchemy" not in type(info.value).__module__


def test_integrity_error_rolls_back_and_is_a_store_error(store: Store) -> None:
    def run(conn: sa.Connection) -> None:
        party_repo.insert_party(conn, Party("a", "A", "", T))
        conn.execute(parties.insert().values(id="a", name="again", contact="", created_at=T))

    with pytest.raises(StoreError):
        store.transact(run)
    assert _count(store, parties) == 0


def test_result_is_returned_and_committed(store: Store) -> None:
    got = store.transact(lambda c: party_repo.insert_party(c, Party("a", "A", "", T)) or "done")
    assert got == "done"
    assert store.transact(lambda c: party_repo.get_party(c, "a"), write=False) == Party(
        "a", "A", "", T
    )
