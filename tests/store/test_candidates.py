"""Candidate look-up by cells and time never misses an exact overlap.

Random small sets of volumes (star polygons and circles from tens of metres to tens of
kilometres, so their coverings mix H3 resolutions; copies of one another, and tiny ones dropped on
another's vertex or edge) are stored as intents or protected airspace, in every region of
:data:`REGIONS` (parametrized, so each is always tested): mid-latitudes, across the antimeridian,
near a pole, around the pole itself, at 0°/0°.  The expected answer comes from the independent
brute-force reference (:mod:`tests.geo.reference`, which imports nothing from ``skyaccord.geo``):
two volumes conflict when their windows and bands overlap and their outlines overlap with an area
of at least 1 m².  For every stored volume used as a query:

* every volume the reference says conflicts with it (area clear of the 1 m² threshold) belongs to a
  candidate of the store's cell look-up, and is reported by the exact check over the candidates;
* every volume the exact check reports conflicts per the reference (or is at the threshold).

Each region must have produced some conflict between different owners, so no region can pass
vacuously.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.geo import reference as ref
from tests.geo.strategies import Vol, circle_shape, examples, star, star_shapes

from skyaccord.airspace.model import AirspaceKind, Party, ProtectedAirspace
from skyaccord.geo.volumes import Volume4D
from skyaccord.intents.model import Intent, State
from skyaccord.intents.rules import CandidateSet, find_conflicts
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
REGIONS = {
    "ordinary": (33.0, 35.9),
    "antimeridian": (-16.7, 179.98),  # 2 km west of ±180°: most volumes straddle it
    "near_pole": (84.5, 10.0),
    "pole": (89.8, -120.0),  # 22 km from the north pole: many volumes hold it
    "null_island": (0.0, 0.0),
}
SPREAD_M = 40_000.0
"""Volume centres lie within this of the region's point, so that many volumes meet."""


# --- volumes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One stored volume: the reference's view of it and the implementation's."""

    vol: Vol
    volume: Volume4D

    @staticmethod
    def of(vol: Vol) -> Item:
        return Item(vol, vol.volume())


@st.composite
def outlines(
    draw: st.DrawFn, centre: tuple[float, float], radius_m: float
) -> tuple[ref.Shape, tuple[float, float, float] | None]:
    """A star polygon or (one in three) a circle about ``centre``."""
    if draw(st.integers(0, 2)) == 0:
        return circle_shape(*centre, radius_m), (centre[0], centre[1], radius_m)
    return draw(star_shapes(centre=centre, radius_m=radius_m)), None


@st.composite
def items(draw: st.DrawFn, region: tuple[float, float], made: list[Item]) -> Item:
    """A fresh volume near ``region``; or the outline of an earlier one (another window and band);
    or a tiny volume centred on a vertex or an edge midpoint of an earlier one."""
    t0 = T + 600.0 * draw(st.integers(0, 5))
    t1 = t0 + 600.0 * draw(st.integers(1, 4))
    lo = 300.0 * draw(st.integers(0, 5))
    hi = lo + 300.0 * draw(st.integers(1, 4))
    how = draw(st.integers(0, 5)) if made else 5
    if how == 0:
        v = draw(st.sampled_from(made)).vol
        return Item.of(Vol(v.shape, lo, hi, t0, t1, v.circle))
    if how == 1:
        s = draw(st.sampled_from(made)).vol.shape
        i = draw(st.integers(0, len(s.vertices) - 1))
        p = s.vertices[i]
        if draw(st.booleans()):
            p = ref.normalize(ref.add(p, s.vertices[(i + 1) % len(s.vertices)]))
        shape, circle = draw(outlines(ref.latlon(p), draw(st.floats(40.0, 300.0))))
        return Item.of(Vol(shape, lo, hi, t0, t1, circle))
    centre = ref.destination_latlon(
        *region, draw(st.floats(0.0, 360.0)), draw(st.floats(0.0, SPREAD_M))
    )
    radius = math.exp(draw(st.floats(math.log(40.0), math.log(60_000.0))))
    shape, circle = draw(outlines(centre, radius))
    return Item.of(Vol(shape, lo, hi, t0, t1, circle))


@st.composite
def item_sets(draw: st.DrawFn, region: tuple[float, float]) -> list[list[Item]]:
    """2–9 owners with 1–3 volumes each."""
    made: list[Item] = []
    sets: list[list[Item]] = []
    for _ in range(draw(st.integers(2, 9))):
        mine: list[Item] = []
        for _ in range(draw(st.integers(1, 3))):
            mine.append(draw(items(region, made)))
            made.append(mine[-1])
        sets.append(mine)
    return sets


def hand_built(region: tuple[float, float]) -> list[list[Item]]:
    """Run in every region: a 30 km circle about the region's point; a 40 m square on its first
    vertex (half inside, in a far finer covering); the circle again, in the window right after
    and in the band right above (touching, no conflict); a 5 km star on the circle's edge."""
    window, band = (T, T + 1200.0), (0.0, 300.0)
    circle = (region[0], region[1], 30_000.0)
    big = circle_shape(*circle)
    corner = ref.latlon(big.vertices[0])
    edge = ref.latlon(ref.normalize(ref.add(big.vertices[20], big.vertices[21])))
    return [
        [Item.of(Vol(big, *band, *window, circle))],
        [Item.of(Vol(star(*corner, [0.0, 90.0, 180.0, 270.0], [40.0] * 4), *band, *window))],
        [
            Item.of(Vol(big, *band, window[1], window[1] + 600.0, circle)),
            Item.of(Vol(big, band[1], band[1] + 300.0, *window, circle)),
        ],
        [Item.of(Vol(star(*edge, [0.0, 72.0, 144.0, 216.0, 288.0], [5000.0] * 5), *band, *window))],
    ]


# --- the reference ---------------------------------------------------------------------------

Answer = Literal["yes", "no", "border"]


def overlap_area_m2(a: ref.Shape, b: ref.Shape, enough: float) -> float:
    """The reference overlap area of two outlines (:func:`ref.intersection_area_m2`: their fan
    triangles clipped pairwise), summed largest-looking pieces first and stopped as soon as the
    sum exceeds ``enough``: exact below ``enough``, a lower bound above it (the pieces are
    disjoint and each adds a non-negative area)."""
    if ref.caps_apart(a, b):
        return 0.0
    ta, tb = a.triangles, b.triangles

    def caps(tris: list[tuple[ref.Vec, ref.Vec, ref.Vec]]) -> tuple[ref.F64, ref.F64]:
        c = [ref.normalize(ref.add(ref.add(t[0], t[1]), t[2])) for t in tris]
        r = [max(ref.angle(ci, p) for p in t) for ci, t in zip(c, tris, strict=True)]
        return np.array(c), np.array(r)

    ca, ra = caps(ta)
    cb, rb = caps(tb)
    dist = np.arctan2(np.linalg.norm(np.cross(ca[:, None, :], cb[None, :, :]), axis=2), ca @ cb.T)
    slack = dist - ra[:, None] - rb[None, :]
    ii, jj = np.nonzero(slack <= 1e-12)
    order = np.argsort(slack[ii, jj])
    enough_sr = enough / ref.EARTH_RADIUS_M**2
    total = 0.0
    for i, j in zip(ii[order].tolist(), jj[order].tolist(), strict=True):
        t1, t2 = ta[i], tb[j]
        poly = list(t1)
        for k in range(3):
            poly = ref.clip(poly, t2[k], t2[(k + 1) % 3])
            if len(poly) < 3:
                break
        else:
            total += ref.fan_area_sr(poly, poly[0])
            if total > enough_sr:
                break
    return total * ref.EARTH_RADIUS_M**2


def answer(a: Vol, b: Vol) -> Answer:
    """Do two volumes conflict, per the reference?  ``border``: the overlap area is within
    :data:`ref.AREA_TOL_M2` of the 1 m² threshold, where either answer is right."""
    ra, rb = a.ref(), b.ref()
    if not (ref.times_overlap(ra, rb) and ref.bands_overlap(ra, rb)):
        return "no"
    if not ref.outlines_overlap(a.shape, b.shape):
        return "no"
    area = overlap_area_m2(a.shape, b.shape, ref.MIN_OVERLAP_M2 + ref.AREA_TOL_M2)
    if abs(area - ref.MIN_OVERLAP_M2) <= ref.AREA_TOL_M2:
        return "border"
    return "yes" if area >= ref.MIN_OVERLAP_M2 else "no"


@dataclass
class Case:
    """One example: the stored volumes (flat), their owners, and the reference's answers."""

    sets: list[list[Item]]
    ids: list[str]
    flat: list[Item] = field(init=False)
    owner: list[int] = field(init=False)
    _answers: dict[tuple[int, int], Answer] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.flat = [it for its in self.sets for it in its]
        self.owner = [k for k, its in enumerate(self.sets) for _ in its]

    def answer(self, i: int, j: int) -> Answer:
        key = (min(i, j), max(i, j))
        if key not in self._answers:
            self._answers[key] = answer(self.flat[key[0]].vol, self.flat[key[1]].vol)
        return self._answers[key]

    def which(self, owner_id: str, v: Volume4D) -> set[int]:
        """The stored volumes (flat indices) of ``owner_id`` equal to ``v`` as read back."""
        k = self.ids.index(owner_id)
        return {j for j, it in enumerate(self.flat) if self.owner[j] == k and _same(it.volume, v)}


def _same(a: Volume4D, b: Volume4D) -> bool:
    return (
        np.array_equal(a.outline.lat, b.outline.lat)
        and np.array_equal(a.outline.lon, b.outline.lon)
        and (a.alt_lower_m, a.alt_upper_m, a.t_start, a.t_end)
        == (b.alt_lower_m, b.alt_upper_m, b.t_start, b.t_end)
    )


def check_query(
    case: Case,
    i: int,
    others: list[int],
    look_up: set[str],
    cands: CandidateSet,
    stats: Counter[str],
) -> None:
    """The store's answer for query volume ``i`` against the reference's, over ``others``:
    no conflict missed by the look-up or the exact check, none reported that is not one."""
    want = {j for j in others if case.answer(i, j) == "yes"}
    border = {j for j in others if case.answer(i, j) == "border"}
    missed = {case.ids[case.owner[j]] for j in want} - look_up
    assert not missed, f"look-up for volume {i} missed {sorted(missed)}"
    got: set[int] = set()
    for c in find_conflicts([case.flat[i].volume], cands):
        for o in c.overlaps:
            same = case.which(c.other_id, cands.volumes.volume(o.index))
            assert same, f"{c.other_id} returned a volume that was not stored"
            got |= same
    assert want <= got, f"volume {i}: exact check missed {sorted(want - got)}"
    assert got <= want | border, f"volume {i}: reported {sorted(got - want - border)} in error"
    mine = case.owner[i]
    stats["conflicts"] += sum(case.owner[j] != mine for j in want)
    stats["border"] += len(border)
    stats["near misses"] += sum(
        case.ids[case.owner[j]] in look_up and j not in want | border for j in others
    )


def run_examples(
    n: int, region: tuple[float, float], body: Callable[[list[list[Item]]], None]
) -> None:
    @settings(
        max_examples=examples(n),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(sets=item_sets(region))
    @example(sets=hand_built(region))
    def run(sets: list[list[Item]]) -> None:
        body(sets)

    run()


# --- the store -------------------------------------------------------------------------------


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
        store.transact(partial(party_repo.insert_party, party=Party(pid, pid, "", T)))
    return store


@pytest.mark.parametrize("region", list(REGIONS))
def test_intent_candidates_contain_every_exact_overlap(seeded: Store, region: str) -> None:
    store = seeded
    stats: Counter[str] = Counter()

    def body(sets: list[list[Item]]) -> None:
        _clear(store)
        ids = [f"i{k}" for k in range(len(sets))]
        for k, its in enumerate(sets):
            vols = tuple(it.volume for it in its)
            intent = Intent(ids[k], f"p{k % 3}", State.ACCEPTED, 1, f"o{k}", vols, T, T)
            store.transact(partial(intent_repo.save_intent, it=intent, new=True))
        case = Case(sets, ids)
        for i, item in enumerate(case.flat):
            q, k = item.volume, case.owner[i]
            cells = covering_cells([q.outline])
            look_up = store.transact(
                partial(intent_repo.candidate_ids, cells=cells, t0=q.t_start, t1=q.t_end),
                write=False,
            )
            cands = store.transact(
                partial(
                    intent_repo.intent_candidates,
                    cells=cells,
                    t0=q.t_start,
                    t1=q.t_end,
                    exclude=ids[k],
                ),
                write=False,
            )
            assert ids[k] not in {c.id for c in cands.items}
            others = [j for j in range(len(case.flat)) if case.owner[j] != k]
            check_query(case, i, others, set(look_up), cands, stats)

    run_examples(10, REGIONS[region], body)
    assert stats["conflicts"] > 0, f"no two intents conflicted in {region}: {dict(stats)}"


@pytest.mark.parametrize("region", list(REGIONS))
def test_airspace_candidates_contain_every_exact_overlap(seeded: Store, region: str) -> None:
    store = seeded
    stats: Counter[str] = Counter()

    def body(sets: list[list[Item]]) -> None:
        _clear(store)
        ids = [f"a{k}" for k in range(len(sets))]
        for k, its in enumerate(sets):
            vols = tuple(it.volume for it in its)
            a = ProtectedAirspace(ids[k], "p1", AirspaceKind.RESTRICTED, ids[k], vols, "", T)
            store.transact(partial(airspace_repo.insert_airspace, a=a))
        case = Case(sets, ids)
        every = list(range(len(case.flat)))  # a volume conflicts with itself, too
        for i, item in enumerate(case.flat):
            q = item.volume
            cells = covering_cells([q.outline])
            look = partial(airspace_repo.airspace_candidates, cells=cells, t0=q.t_start, t1=q.t_end)
            cands = store.transact(partial(look, exclude_owner=None), write=False)
            check_query(case, i, every, {c.id for c in cands.items}, cands, stats)
            # The owner's own airspace is never a candidate for it.
            mine = store.transact(partial(look, exclude_owner="p1"), write=False)
            assert mine.items == ()

    run_examples(6, REGIONS[region], body)
    assert stats["conflicts"] > 0, f"no two airspaces conflicted in {region}: {dict(stats)}"
