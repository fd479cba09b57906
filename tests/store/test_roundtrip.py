"""Round trips through the store: what is written is read back exactly, on both back ends."""

from __future__ import annotations

import numpy as np
import pytest

from skyaccord.airspace.model import AirspaceKind, Party, ProtectedAirspace
from skyaccord.geo.volumes import Volume4D, circle_outline, polygon_outline
from skyaccord.intents.model import Intent, State
from skyaccord.store import Store
from skyaccord.store import airspace as airspace_repo
from skyaccord.store import intents as intent_repo
from skyaccord.store import parties as party_repo

T = 1_700_000_000.0


def _volumes() -> tuple[Volume4D, ...]:
    poly = polygon_outline([33.1, 33.1, 33.4, 33.35], [35.7, 36.05, 36.1, 35.72])
    circle = circle_outline(35.401, 35.948, 12_345.6)
    # Antimeridian: longitudes on both sides of ±180°.
    wrap = polygon_outline([-16.9, -16.9, -16.5, -16.5], [179.8, -179.9, -179.9, 179.8])
    return (
        Volume4D(poly, 4572.0, 7620.0, T + 0.125, T + 3600.5, "STD"),
        Volume4D(circle, -12.75, 1e-3 + 300.0, T + 10.0, T + 7200.0, "W84"),
        Volume4D(wrap, 0.0, 18288.0, T, T + 86400.0, "AMSL"),
    )


def _same_volume(a: Volume4D, b: Volume4D) -> None:
    assert a == b  # outline vertices, circle, band, window, reference
    assert np.array_equal(a.outline.centre, b.outline.centre)
    assert a.outline.radius_rad == b.outline.radius_rad


@pytest.fixture
def parties(store: Store) -> Store:
    for pid in ("israel", "russia"):
        store.transact(
            lambda c, pid=pid: party_repo.insert_party(c, Party(pid, pid.title(), "", T))
        )
    return store


def test_intent_round_trip(parties: Store) -> None:
    store = parties
    it = Intent(
        id="il-training-1",
        owner="israel",
        state=State.ACTIVATED,
        version=3,
        ovn="ovn-Ä-3",
        volumes=_volumes(),
        created_at=T - 1.5,
        updated_at=T + 0.25,
        priority=42,
        details={"mission": "training", "callsign": "ΑΒΓ-1", "n": [1, 2.5, None, True]},
    )
    store.transact(lambda c: intent_repo.save_intent(c, it, new=True))
    back = store.transact(lambda c: intent_repo.get_intent(c, it.id), write=False)
    assert back is not None
    assert (back.id, back.owner, back.state, back.version, back.ovn) == (
        it.id,
        it.owner,
        it.state,
        it.version,
        it.ovn,
    )
    assert (back.created_at, back.updated_at, back.priority) == (it.created_at, it.updated_at, 42)
    assert back.details == it.details
    assert back.ended_reason is None
    assert len(back.volumes) == len(it.volumes)
    for a, b in zip(back.volumes, it.volumes, strict=True):
        _same_volume(a, b)
    assert back.volumes[1].outline.circle == it.volumes[1].outline.circle


def test_intent_update_replaces_volumes_and_index(parties: Store) -> None:
    store = parties
    vols = _volumes()
    it = Intent("x", "israel", State.ACCEPTED, 1, "o1", vols, T, T)
    store.transact(lambda c: intent_repo.save_intent(c, it, new=True))
    moved = Intent("x", "israel", State.ACCEPTED, 2, "o2", vols[1:2], T, T + 5)
    store.transact(lambda c: intent_repo.save_intent(c, moved, new=False))
    back = store.transact(lambda c: intent_repo.get_intent(c, "x"), write=False)
    assert back is not None and back.version == 2 and back.ovn == "o2"
    assert len(back.volumes) == 1
    _same_volume(back.volumes[0], vols[1])
    # The old first volume no longer finds the intent; the new one does.
    from skyaccord.store.codec import covering_cells

    def ids_near(v: Volume4D) -> list[str]:
        cells = covering_cells([v.outline])
        return store.transact(
            lambda c: intent_repo.candidate_ids(c, cells, v.t_start, v.t_end), write=False
        )

    assert ids_near(vols[0]) == []
    assert ids_near(vols[1]) == ["x"]


def test_ended_intent_leaves_the_index_but_keeps_its_volumes(parties: Store) -> None:
    store = parties
    vols = _volumes()
    it = Intent("x", "israel", State.ACCEPTED, 1, "o1", vols, T, T)
    store.transact(lambda c: intent_repo.save_intent(c, it, new=True))
    ended = Intent("x", "israel", State.ENDED, 2, "o2", vols, T, T, ended_reason="cancelled")
    store.transact(lambda c: intent_repo.save_intent(c, ended, new=False, reindex=False))
    from skyaccord.store.codec import covering_cells

    cells = covering_cells([v.outline for v in vols])
    assert (
        store.transact(lambda c: intent_repo.candidate_ids(c, cells, 0.0, 1e12), write=False) == []
    )
    back = store.transact(lambda c: intent_repo.get_intent(c, "x"), write=False)
    assert back is not None and back.state is State.ENDED and back.ended_reason == "cancelled"
    assert len(back.volumes) == 3


def test_list_intents_filters_by_owner_and_state(parties: Store) -> None:
    store = parties
    v = _volumes()[:1]
    for iid, owner, state in (
        ("a1", "israel", State.ACCEPTED),
        ("a2", "israel", State.ENDED),
        ("b1", "russia", State.ACCEPTED),
    ):
        it = Intent(iid, owner, state, 1, iid, v, T, T)
        store.transact(lambda c, it=it: intent_repo.save_intent(c, it, new=True))

    def ids(owner: str, states: list[State] | None = None) -> list[str]:
        return [
            i.id
            for i in store.transact(
                lambda c: intent_repo.list_intents(c, owner, states), write=False
            )
        ]

    assert sorted(ids("israel")) == ["a1", "a2"]
    assert ids("israel", [State.ENDED]) == ["a2"]
    assert ids("russia") == ["b1"]


def test_airspace_round_trip(parties: Store) -> None:
    store = parties
    a = ProtectedAirspace(
        id="golan-buffer",
        owner="israel",
        kind=AirspaceKind.BUFFER,
        name="Golan buffer zone",
        volumes=_volumes(),
        source="geojson",
        created_at=T,
        properties={"note": "ünïcode", "altitude_upper": "FL450"},
    )
    store.transact(lambda c: airspace_repo.insert_airspace(c, a))
    back = store.transact(lambda c: airspace_repo.get_airspace(c, a.id), write=False)
    assert back is not None
    assert (back.id, back.owner, back.kind, back.name, back.source, back.created_at) == (
        a.id,
        a.owner,
        a.kind,
        a.name,
        a.source,
        a.created_at,
    )
    assert back.properties == a.properties
    for x, y in zip(back.volumes, a.volumes, strict=True):
        _same_volume(x, y)
    listed = store.transact(lambda c: airspace_repo.list_airspace(c, "israel"), write=False)
    assert [x.id for x in listed] == ["golan-buffer"]
    assert store.transact(lambda c: airspace_repo.list_airspace(c, "russia"), write=False) == []


def test_party_tokens_and_notice_rules_round_trip(parties: Store) -> None:
    store = parties
    store.transact(lambda c: party_repo.set_notice_rule(c, "israel", "russia", 900.5))
    store.transact(lambda c: party_repo.set_notice_rule(c, "israel", "russia", 60.25))
    rules = store.transact(party_repo.all_notice_rules, write=False)
    assert rules == [("israel", "russia", 60.25)]
    assert store.transact(lambda c: party_repo.notice_rules_from(c, "russia"), write=False) == {}
    p = store.transact(lambda c: party_repo.get_party(c, "israel"), write=False)
    assert p == Party("israel", "Israel", "", T)
