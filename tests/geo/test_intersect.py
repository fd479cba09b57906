"""Exact 4D intersection: the vectorized ``intersect`` / ``overlapping`` against the brute-force
reference on random sets (anywhere, across the antimeridian, around both poles, tiny to huge),
on adversarial pairs (identical, shared edges, T-junctions, nested, slivers, straddling, touching
windows and bands), and on hand-built cases with known answers.

The reference decides outline overlap topologically (crossing edges, witness points inside);
the 1 m² threshold is then judged with the reference intersection area.  When that area is
within ``ref.AREA_TOL_M2`` (0.05 m²) of 1 m² either answer is accepted; such borderline pairs
are counted and the tests fail if they are more than a few per cent of the pairs judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.geo import reference as ref
from tests.geo.strategies import (
    KNOWN,
    PAIR_KINDS,
    REGIONS,
    T0,
    PairKind,
    Region,
    Vol,
    adversarial_pairs,
    circle_shape,
    examples,
    random_centre,
    random_vols,
    volume_sets,
)

from skyaccord.geo.intersect import MIN_OVERLAP_M2, Overlap, intersect, overlapping
from skyaccord.geo.volumes import (
    Volume4D,
    VolumeArray,
    outline_area_m2,
    polygon_outline,
)

RING_TOL_RAD = 1e-12
"""Overlap ring vertices may sit this far (≈ 6 µm) outside either outline: rounding in the
gnomonic plane and back."""
AREA_REL = 1e-6
AREA_ABS_M2 = 0.05
"""Overlap area against the reference intersection area: relative and absolute slack (the
absolute part is the rounding of sliver vertices, ~1e-15 rad along up to thousands of km)."""


@dataclass
class Tally:
    pairs: int = 0
    conflicts: int = 0
    cross_conflicts: int = 0  # conflicts between two different volumes
    borderline: int = 0
    areas_checked: int = 0

    def check(self, max_share: float = 0.05) -> None:
        assert self.pairs > 0
        assert self.borderline <= max(2, max_share * self.pairs), (
            f"{self.borderline} of {self.pairs} pairs were within the area tolerance of 1 m²"
        )


def describe(a: Vol, b: Vol) -> str:
    def one(v: Vol) -> str:
        s = v.shape
        kind = f"circle{v.circle}" if v.circle else f"{s.label}[{len(s.lat)}] apex={s.apex}"
        return (
            f"{kind} area={ref.area_m2(s):.6g} m² band=[{v.alt_lower_m}, {v.alt_upper_m}] "
            f"window=[{v.t_start}, {v.t_end})\n      lat={list(s.lat)}\n      lon={list(s.lon)}"
        )

    return f"\n  A: {one(a)}\n  B: {one(b)}"


def check_fields(o: Overlap, q: Volume4D, c: Volume4D) -> None:
    """The band and window of an overlap are exactly the interval intersections."""
    assert o.alt_lower_m == max(q.alt_lower_m, c.alt_lower_m)
    assert o.alt_upper_m == min(q.alt_upper_m, c.alt_upper_m)
    assert o.t_start == max(q.t_start, c.t_start)
    assert o.t_end == min(q.t_end, c.t_end)
    assert o.alt_lower_m < o.alt_upper_m and o.t_start < o.t_end
    assert o.area_m2 >= MIN_OVERLAP_M2


def check_rings(o: Overlap, a: ref.Shape, b: ref.Shape) -> None:
    """Overlap rings: counter-clockwise, inside both outlines, summing to the overlap area."""
    assert o.rings
    total = 0.0
    for lat, lon in o.rings:
        assert lat.size >= 3
        signed = ref.ring_area_m2(lat, lon)
        assert signed > 0, "overlap ring is not counter-clockwise"
        total += signed
        pts = np.array([ref.unit(float(x), float(y)) for x, y in zip(lat, lon, strict=True)])
        assert ref.inside_or_on(a, pts, RING_TOL_RAD).all()
        assert ref.inside_or_on(b, pts, RING_TOL_RAD).all()
    assert total == pytest.approx(o.area_m2, rel=AREA_REL, abs=AREA_ABS_M2)


def check_pair(
    qv: Vol, cv: Vol, o: Overlap | None, tally: Tally, known: bool | None = None
) -> ref.Verdict:
    """One (query, candidate) result against the reference (and the known answer, if any)."""
    verdict = ref.judge(qv.ref(), cv.ref(), o is not None, o.area_m2 if o else None)
    tally.pairs += 1
    if known is not None and not verdict.borderline:
        assert verdict.expected == known, "the reference disagrees with the known answer"
    if verdict.borderline:
        tally.borderline += 1
        return verdict
    if (o is not None) != verdict.expected:
        area = verdict.area_m2
        if area is None:
            area = ref.intersection_area_m2(qv.shape, cv.shape)
        pytest.fail(
            f"intersect says {'conflict' if o else 'no conflict'} (area {o and o.area_m2}), "
            f"reference says {'conflict' if verdict.expected else 'no conflict'} "
            f"(overlap area {area:.6g} m²):{describe(qv, cv)}"
        )
    if o is not None:
        tally.conflicts += 1
        if verdict.area_m2 is not None:
            tally.areas_checked += 1
            assert o.area_m2 == pytest.approx(verdict.area_m2, rel=AREA_REL, abs=AREA_ABS_M2)
    return verdict


def run_set(vs: list[Vol], tally: Tally, rings: bool = False) -> None:
    """Each volume as the query against all of them (itself included), vectorized."""
    volumes = [v.volume() for v in vs]
    arr = VolumeArray.from_volumes(volumes)
    for qi, q in enumerate(volumes):
        got = intersect(q, arr)
        by_index = {o.index: o for o in got}
        assert len(by_index) == len(got)
        assert overlapping(q, arr).tolist() == sorted(by_index)
        assert [o.index for o in intersect(q, arr, geometry=False)] == sorted(by_index)
        for j in range(len(vs)):
            o = by_index.get(j)
            check_pair(vs[qi], vs[j], o, tally)
            if o is not None:
                tally.cross_conflicts += qi != j
                check_fields(o, q, volumes[j])
                if rings:
                    check_rings(o, vs[qi].shape, vs[j].shape)


# --- random sets -----------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_random_sets_equal_reference(region: Region) -> None:
    tally = Tally()

    @settings(max_examples=examples(40), deadline=None)
    @given(volume_sets(region))
    def check(vs: list[Vol]) -> None:
        run_set(vs, tally)

    check()
    tally.check()
    assert tally.cross_conflicts > 0


def test_random_sets_overlap_geometry() -> None:
    """Rings of every overlap: counter-clockwise, within both outlines, area = overlap area."""
    tally = Tally()

    @settings(max_examples=examples(15), deadline=None)
    @given(st.sampled_from(REGIONS).flatmap(lambda r: volume_sets(r, max_size=4)))
    def check(vs: list[Vol]) -> None:
        run_set(vs, tally, rings=True)

    check()
    tally.check()


@pytest.mark.parametrize("region", REGIONS)
def test_many_candidates_equal_reference(region: Region) -> None:
    """A few queries against ~150 candidates at once (the vectorized path); the candidates come
    from a seeded generator (too many for hypothesis to draw)."""
    tally = Tally()

    @settings(max_examples=examples(3), deadline=None)
    @given(st.integers(0, 2**32 - 1))
    def check(seed: int) -> None:
        rng = np.random.default_rng(seed)
        centre = random_centre(rng, region)  # 30 clusters of 5, of all sizes, about one place
        cands = [v for _ in range(30) for v in random_vols(rng, region, 5, centre)]
        arr = VolumeArray.from_volumes([v.volume() for v in cands])
        for qi in rng.choice(len(cands), size=3, replace=False).tolist():
            q = cands[qi].volume()
            by_index = {o.index: o for o in intersect(q, arr)}
            assert overlapping(q, arr).tolist() == sorted(by_index)
            for j, cv in enumerate(cands):
                check_pair(cands[qi], cv, by_index.get(j), tally)
                tally.cross_conflicts += j != qi and j in by_index

    check()
    tally.check()
    assert tally.cross_conflicts > 0


# --- overlap area -------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_overlap_area_equals_reference_area(region: Region) -> None:
    """Overlap.area_m2 of every overlapping pair against the reference intersection area."""
    checked = 0

    @settings(max_examples=examples(15), deadline=None)
    @given(volume_sets(region, max_size=4))
    def check(vs: list[Vol]) -> None:
        nonlocal checked
        arr = VolumeArray.from_volumes([v.volume() for v in vs])
        for qi, qv in enumerate(vs):
            for o in intersect(qv.volume(), arr):
                want = ref.intersection_area_m2(qv.shape, vs[o.index].shape)
                assert o.area_m2 == pytest.approx(want, rel=AREA_REL, abs=AREA_ABS_M2), (
                    f"query {qi} ∩ candidate {o.index}:{describe(qv, vs[o.index])}"
                )
                checked += 1

    check()
    assert checked > 0


@pytest.mark.parametrize("region", REGIONS)
def test_self_overlap_area_is_the_outline_area(region: Region) -> None:
    """A ∩ A: one overlap, whose area is the reference area of A (and outline_area_m2)."""

    @settings(max_examples=examples(20), deadline=None)
    @given(volume_sets(region, max_size=2))
    def check(vs: list[Vol]) -> None:
        for v in vs:
            vol = v.volume()
            got = intersect(vol, VolumeArray.from_volumes([vol]))
            assert [o.index for o in got] == [0]
            want = ref.area_m2(v.shape)
            assert got[0].area_m2 == pytest.approx(want, rel=AREA_REL, abs=AREA_ABS_M2)
            assert got[0].area_m2 == pytest.approx(
                outline_area_m2(vol.outline), rel=AREA_REL, abs=AREA_ABS_M2
            )

    check()


# --- adversarial pairs ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PAIR_KINDS)
def test_adversarial_pairs(kind: PairKind) -> None:
    """Each kind of pair, both ways round, anywhere on Earth; the known answer where there is
    one, else the reference's; the two directions agree."""
    tally = Tally()
    known = KNOWN[kind]

    @settings(max_examples=examples(40), deadline=None)
    @given(st.sampled_from(REGIONS).flatmap(lambda r: adversarial_pairs(kind, r)))
    def check(pair: tuple[Vol, Vol]) -> None:
        a, b = pair
        va, vb = a.volume(), b.volume()
        ab = intersect(va, VolumeArray.from_volumes([vb]))
        ba = intersect(vb, VolumeArray.from_volumes([va]))
        v1 = check_pair(a, b, ab[0] if ab else None, tally, known)
        v2 = check_pair(b, a, ba[0] if ba else None, tally, known)
        if not (v1.borderline or v2.borderline):
            assert bool(ab) == bool(ba)
        if ab and ba:
            assert ab[0].area_m2 == pytest.approx(ba[0].area_m2, rel=AREA_REL, abs=AREA_ABS_M2)
            check_rings(ab[0], a.shape, b.shape)
        if kind == "straddle_edge":
            assert ref.outlines_overlap(a.shape, b.shape)

    check()
    tally.check(max_share=0.1)


# --- hand-built cases with known answers ------------------------------------------------------


def square(lat0: float, lon0: float, side_deg: float, side_lon: float | None = None) -> ref.Shape:
    """A lat/lon box (great-circle edges) with its centre as apex."""
    dl = side_lon if side_lon is not None else side_deg
    lats = (lat0, lat0, lat0 + side_deg, lat0 + side_deg)
    raw = (lon0, lon0 + dl, lon0 + dl, lon0)
    lons = tuple(((x + 180.0) % 360.0) - 180.0 for x in raw)
    return ref.Shape(lats, lons, (lat0 + side_deg / 2, lons[0] + dl / 2))


def vol(shape: ref.Shape, band: tuple[float, float] = (0.0, 100.0), t: float = 0.0) -> Vol:
    return Vol(shape, band[0], band[1], T0 + t, T0 + t + 3600.0)


def one(a: Vol, b: Vol) -> Overlap | None:
    got = intersect(a.volume(), VolumeArray.from_volumes([b.volume()]))
    assert len(got) <= 1
    return got[0] if got else None


def test_half_offset_squares_at_the_equator() -> None:
    """Two 1°×1° squares offset by half a degree: overlap ≈ half the area (great-circle edges
    bulge: 0.4999952 of it exactly)."""
    a, b = square(0.0, 0.0, 1.0), square(0.0, 0.5, 1.0)
    o = one(vol(a), vol(b))
    assert o is not None
    assert o.area_m2 == pytest.approx(0.5 * ref.area_m2(a), rel=1e-5)
    assert o.area_m2 == pytest.approx(ref.intersection_area_m2(a, b), rel=1e-9)
    assert o.area_m2 == pytest.approx(6.182e9, rel=1e-3)


def test_half_offset_squares_across_the_antimeridian() -> None:
    a, b = square(10.0, 179.5, 1.0), square(10.0, -180.0, 1.0)
    o = one(vol(a), vol(b))
    assert o is not None
    assert o.area_m2 == pytest.approx(0.5 * ref.area_m2(a), rel=5e-4)  # 0.49990 at 10°N
    assert o.area_m2 == pytest.approx(ref.intersection_area_m2(a, b), rel=1e-9)
    flipped = ref.Shape(b.lat, tuple(180.0 if x == -180.0 else x for x in b.lon), b.apex)
    o2 = one(vol(a), vol(flipped))
    assert o2 is not None and o2.area_m2 == pytest.approx(o.area_m2, rel=1e-12)


def test_polar_caps() -> None:
    """A 36-gon around the north pole (10° radius) and one around (85°N, 0°): overlap as the
    reference says, and a cap around the south pole does not meet the northern one."""
    lons = tuple(float(x) for x in np.arange(36) * 10.0 - 180.0)
    north = ref.Shape((80.0,) * 36, lons, (90.0, 0.0))
    pts = [ref.destination_latlon(85.0, 0.0, float(b), 1_000_000.0) for b in np.arange(36) * 10.0]
    off = ref.Shape(tuple(p[0] for p in pts), tuple(p[1] for p in pts), (85.0, 0.0))
    south = ref.Shape((-80.0,) * 36, lons, (-90.0, 0.0))
    o = one(vol(north), vol(off))
    assert o is not None
    assert o.area_m2 == pytest.approx(ref.intersection_area_m2(north, off), rel=1e-9)
    assert one(vol(north), vol(south)) is None
    whole = one(vol(north), vol(north))
    assert whole is not None
    assert whole.area_m2 == pytest.approx(ref.area_m2(north), rel=1e-9)
    cap = 2 * math.pi * ref.EARTH_RADIUS_M**2 * (1 - math.cos(math.radians(10)))
    inscribed = 36 / (2 * math.pi) * math.sin(2 * math.pi / 36)  # planar 36-gon / circle
    assert whole.area_m2 / cap == pytest.approx(inscribed, rel=1e-3)


def test_the_one_square_metre_threshold() -> None:
    """10 m squares at 35.9°N overlapping by a strip: 0.05, 0.5 and 0.95 m² are not conflicts,
    1.05 and 2 m² are (the strip's area is its width × 10 m, to 1e-4)."""
    lat0, lon0 = 35.9, 36.0
    dlat = 10.0 / (math.pi * ref.EARTH_RADIUS_M / 180)
    dlon = dlat / math.cos(math.radians(lat0 + dlat / 2))
    a = square(lat0, lon0, dlat, dlon)
    for target, conflict in ((0.05, False), (0.5, False), (0.95, False), (1.05, True), (2.0, True)):
        w = target / 100.0 * dlon  # width target/10 m of a 10 m side
        b = square(lat0, lon0 + dlon - w, dlat, dlon)
        area = ref.intersection_area_m2(a, b)
        assert area == pytest.approx(target, rel=1e-4)
        o = one(vol(a), vol(b))
        assert (o is not None) == conflict, (target, area)
        if o is not None:
            assert o.area_m2 == pytest.approx(area, rel=1e-6)


def test_touching_is_not_a_conflict() -> None:
    a = square(0.0, 0.0, 1.0)
    right = square(0.0, 1.0, 1.0)  # shares an edge
    corner = square(1.0, 1.0, 1.0)  # shares a vertex
    assert one(vol(a), vol(right)) is None
    assert one(vol(a), vol(corner)) is None
    # same outline, windows or bands that only touch
    assert one(vol(a, t=0.0), vol(a, t=3600.0)) is None
    assert one(vol(a, band=(0, 100)), vol(a, band=(100, 200))) is None
    # and just overlapping: 1 ms, 1 cm
    assert one(vol(a, t=0.0), vol(a, t=3599.999)) is not None
    assert one(vol(a, band=(0, 100)), vol(a, band=(99.99, 200))) is not None


def test_circles() -> None:
    """Circles are their circumscribed 64-gons: tangent circles overlap a little (the 64-gons'
    vertices facing each other reach 0.12 % beyond r), circles 2.004 r apart do not."""
    r = 1000.0
    lat0, lon0 = 35.9, 36.0
    for gap, conflict in ((2.0, True), (2.004, False)):
        c2 = ref.destination_latlon(lat0, lon0, 90.0, gap * r)
        a = Vol(circle_shape(lat0, lon0, r), 0, 100, T0, T0 + 60, (lat0, lon0, r))
        b = Vol(circle_shape(*c2, r), 0, 100, T0, T0 + 60, (*c2, r))
        o = one(a, b)
        assert (o is not None) == conflict
        assert ref.outlines_overlap(a.shape, b.shape) == conflict
        if o is not None:
            assert o.area_m2 == pytest.approx(ref.intersection_area_m2(a.shape, b.shape), rel=1e-6)


def test_tiny_inside_huge() -> None:
    """A 10 m square inside a 2,000 km circle across the antimeridian: the overlap is the
    square; a copy 5 km outside the circle's edge: none."""
    big = Vol(circle_shape(60.0, 180.0, 2_000_000.0), 0, 100, T0, T0 + 60, (60.0, 180.0, 2e6))
    dlat = 10.0 / (math.pi * ref.EARTH_RADIUS_M / 180)
    small = vol(square(61.0, -179.0, dlat, dlat * 2))
    o = one(big, small)
    assert o is not None
    assert o.area_m2 == pytest.approx(ref.area_m2(small.shape), rel=1e-6)
    o2 = one(small, big)
    assert o2 is not None and o2.area_m2 == pytest.approx(o.area_m2, rel=1e-6)
    edge = ref.destination_latlon(60.0, 180.0, 0.0, 2_005_000.0)
    outside = vol(square(edge[0], edge[1], dlat, dlat * 2))
    assert one(big, outside) is None


def test_empty_and_filtered_candidates() -> None:
    a = vol(square(0.0, 0.0, 1.0))
    assert intersect(a.volume(), VolumeArray.from_volumes([])) == []
    assert overlapping(a.volume(), VolumeArray.from_volumes([])).tolist() == []
    far = vol(square(0.0, 90.0, 1.0))
    later = vol(square(0.0, 0.0, 1.0), t=7200.0)
    higher = vol(square(0.0, 0.0, 1.0), band=(500.0, 600.0))
    arr = VolumeArray.from_volumes([far.volume(), later.volume(), higher.volume()])
    assert intersect(a.volume(), arr) == []
    same = VolumeArray.from_volumes([far.volume(), a.volume(), later.volume(), a.volume()])
    assert overlapping(a.volume(), same).tolist() == [1, 3]


def test_polygon_with_a_vertex_on_the_pole() -> None:
    """A triangle with a vertex exactly on the north pole, against one across it."""
    a = ref.Shape((90.0, 80.0, 80.0), (0.0, 0.0, 90.0), (85.0, 45.0))
    b = ref.Shape((85.0, 85.0, 85.0), (-45.0, 135.0, 45.0), (88.0, 45.0))
    o = one(vol(a), vol(b))
    want = ref.intersection_area_m2(a, b)
    assert want > 1e9
    assert o is not None and o.area_m2 == pytest.approx(want, rel=1e-9)
    same_a = ref.Shape((90.0, 80.0, 80.0), (123.0, 0.0, 90.0), (85.0, 45.0))  # pole's lon is moot
    o2 = one(vol(a), vol(same_a))
    assert o2 is not None
    assert o2.area_m2 == pytest.approx(outline_area_m2(polygon_outline(a.lat, a.lon)), rel=1e-9)
