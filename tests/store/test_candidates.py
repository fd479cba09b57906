"""Candidate look-up by cells and time never misses an exact overlap.

For random small sets of volumes (polygons and circles from tens of metres to tens of
kilometres, so their coverings mix H3 resolutions; near the antimeridian and a pole too),
the store's candidate set for each volume must contain every intent (or airspace) that a
brute-force, all-pairs :func:`skyaccord.geo.intersect.intersect` finds overlapping it, and
the exact check over the candidates must give exactly the brute-force answer.
"""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyaccord.airspace.model import AirspaceKind, Party, ProtectedAirspace
from skyaccord.geo.frames import destination
from skyaccord.geo.intersect import intersect
from skyaccord.geo.volumes import Volume4D, VolumeArray, circle_outline, polygon_outline
from skyaccord.intents.model import Intent, State
from skyaccord.intents.rules import find_conflicts
from skyaccord.store import Store
from skyaccord.store import airspace as airspace_repo
from skyaccord.store import intents as intent_repo
from skyaccord.store import parties as party_repo
from skyaccord.store.codec import covering_cells
from skyaccord.store.schema import (
    airspace,
    airspace_cells,
    airspace_volumes,
    intent_cells,
    intent_volumes,
    intents,
)

T = 1_700_000_000.0
REGIONS = [(33.0, 35.9), (-16.7, 179.98), (84.5, 10.0), (0.0, 0.0)]


@st.composite
def volumes(draw: st.DrawFn, region: tuple[float, float]) -> Volume4D:
    # Centre within ~40 km of the region's point, so many volumes meet.
    dist = draw(st.floats(0.0, 40_000.0))
    brg = draw(st.floats(0.0, 360.0))
    clat, clon = destination(region[0], region[1], brg, dist)
    radius = float(np.exp(draw(st.floats(np.log(40.0), np.log(60_000.0)))))
    if draw(st.booleans()):
        outline = circle_outline(float(clat), float(clon), radius)
    else:
        n = draw(st.integers(3, 8))
        # A convex polygon: vertices at increasing bearings, random distances.
        gaps = np.array(draw(st.lists(st.floats(0.2, 1.0), min_size=n, max_size=n)))
        bearings = np.cumsum(gaps) / gaps.sum() * 360.0
        la, lo = destination(float(clat), float(clon), bearings, radius)
        outline = polygon_outline(la, lo)
    t0 = T + 600.0 * draw(st.integers(0, 5))
    t1 = t0 + 600.0 * draw(st.integers(1, 4))
    lo_m = 300.0 * draw(st.integers(0, 5))
    hi_m = lo_m + 300.0 * draw(st.integers(1, 4))
    return Volume4D(outline, lo_m, hi_m, t0, t1)


@st.composite
def volume_sets(draw: st.DrawFn) -> list[list[Volume4D]]:
    region = draw(st.sampled_from(REGIONS))
    n = draw(st.integers(2, 9))
    return [draw(st.lists(volumes(region), min_size=1, max_size=3)) for _ in range(n)]


def _clear(store: Store) -> None:
    def run(conn: sa.Connection) -> None:
        for t in (
            intent_cells,
            intent_volumes,
            intents,
            airspace_cells,
            airspace_volumes,
            airspace,
        ):
            conn.execute(t.delete())

    store.transact(run)


@pytest.fixture
def seeded(store: Store) -> Store:
    for pid in ("p0", "p1", "p2"):
        store.transact(lambda c, pid=pid: party_repo.insert_party(c, Party(pid, pid, "", T)))
    return store


def _brute_force(query: Volume4D, owners: list[str], flat: list[Volume4D]) -> set[str]:
    hits = intersect(query, VolumeArray.from_volumes(flat), geometry=False)
    return {owners[o.index] for o in hits}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sets=volume_sets())
def test_intent_candidates_contain_every_exact_overlap(
    seeded: Store, sets: list[list[Volume4D]]
) -> None:
    store = seeded
    _clear(store)
    ids = [f"i{k}" for k in range(len(sets))]
    for k, vols in enumerate(sets):
        it = Intent(ids[k], f"p{k % 3}", State.ACCEPTED, 1, f"o{k}", tuple(vols), T, T)
        store.transact(lambda c, it=it: intent_repo.save_intent(c, it, new=True))
    owners = [ids[k] for k, vols in enumerate(sets) for _ in vols]
    flat = [v for vols in sets for v in vols]
    for k, vols in enumerate(sets):
        for q in vols:
            exact = _brute_force(q, owners, flat) - {ids[k]}
            cells = covering_cells([q.outline])
            found = set(
                store.transact(
                    lambda c, cells=cells, q=q: intent_repo.candidate_ids(
                        c, cells, q.t_start, q.t_end
                    ),
                    write=False,
                )
            )
            assert exact <= found, f"look-up missed {sorted(exact - found)} for {ids[k]}"
            cands = store.transact(
                lambda c, cells=cells, q=q, k=k: intent_repo.intent_candidates(
                    c, cells, q.t_start, q.t_end, exclude=ids[k]
                ),
                write=False,
            )
            assert {c.other_id for c in find_conflicts([q], cands)} == exact


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sets=volume_sets())
def test_airspace_candidates_contain_every_exact_overlap(
    seeded: Store, sets: list[list[Volume4D]]
) -> None:
    store = seeded
    _clear(store)
    ids = [f"a{k}" for k in range(len(sets))]
    for k, vols in enumerate(sets):
        a = ProtectedAirspace(ids[k], "p1", AirspaceKind.RESTRICTED, ids[k], tuple(vols), "", T)
        store.transact(lambda c, a=a: airspace_repo.insert_airspace(c, a))
    owners = [ids[k] for k, vols in enumerate(sets) for _ in vols]
    flat = [v for vols in sets for v in vols]
    for q in flat:
        exact = _brute_force(q, owners, flat)
        cells = covering_cells([q.outline])
        cands = store.transact(
            lambda c, cells=cells, q=q: airspace_repo.airspace_candidates(
                c, cells, q.t_start, q.t_end, exclude_owner=None
            ),
            write=False,
        )
        assert exact <= {c.id for c in cands.items}
        assert {c.other_id for c in find_conflicts([q], cands)} == exact
        # The owner's own airspace is never a candidate for it.
        mine = store.transact(
            lambda c, cells=cells, q=q: airspace_repo.airspace_candidates(
                c, cells, q.t_start, q.t_end, exclude_owner="p1"
            ),
            write=False,
        )
        assert mine.items == ()
