"""H3 coverings: soundness of look-up (overlapping outlines always share a nesting pair of
cells, at mixed resolutions, huge against tiny), every point of an outline lies in its
covering, ``cell_ranges`` nest exactly like the H3 parent relation, and the hierarchy
assumption the coarse coverings rely on (a fine cell's ancestor lies within the 1-ring of the
coarse cell holding any point of the fine cell), checked for every resolution pair ≤ 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.geo import reference as ref
from tests.geo.strategies import (
    REGIONS,
    Region,
    Vol,
    adversarial_pairs,
    circle_shape,
    examples,
    points_inside,
    vols,
    volume_sets,
)

from skyaccord.geo.cells import FINE_RES, MAX_CELLS, ancestors, cell_ranges, cover, match


def to_int(c: str) -> int:
    return int(h3.str_to_int(c))


def nested(a: int, b: int) -> bool:
    """Brute force: is one of two cells the other or its ancestor (H3 parent relation)?"""
    sa, sb = h3.int_to_str(a), h3.int_to_str(b)
    ra, rb = h3.get_resolution(sa), h3.get_resolution(sb)
    if ra <= rb:
        return bool(h3.cell_to_parent(sb, ra) == sa)
    return bool(h3.cell_to_parent(sa, rb) == sb)


# --- coverings -------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
@settings(max_examples=examples(15), deadline=None)
@given(data=st.data())
def test_every_point_inside_is_covered(region: Region, data: st.DataObject) -> None:
    v: Vol = data.draw(vols(region=region))
    outline = v.volume().outline
    cov = cover(outline)
    assert 0 <= cov.res <= FINE_RES
    assert 0 < cov.cells.size <= MAX_CELLS
    assert np.all(np.diff(cov.cells) > 0)  # sorted, distinct
    assert all(h3.get_resolution(h3.int_to_str(int(c))) == cov.res for c in cov.cells)
    if v.shape.cap[1] * ref.EARTH_RADIUS_M < 300.0:
        assert cov.res == FINE_RES
    have = set(cov.cells.tolist())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pts = points_inside(v.shape, rng, 40) + v.shape.vertices + [v.shape.interior_point]
    for p in pts:
        lat, lon = ref.latlon(p)
        assert to_int(h3.latlng_to_cell(lat, lon, cov.res)) in have, (lat, lon)


@dataclass
class Count:
    overlapping: int = 0
    mixed: int = 0
    far_apart_res: int = 0


def check_match(a: Vol, b: Vol, count: Count) -> None:
    if not ref.outlines_overlap(a.shape, b.shape):
        return
    ca, cb = cover(a.volume().outline), cover(b.volume().outline)
    count.overlapping += 1
    count.mixed += ca.res != cb.res
    count.far_apart_res += abs(ca.res - cb.res) >= 4
    assert match(ca.cells, cb.cells), f"res {ca.res} vs {cb.res}"
    assert match(cb.cells, ca.cells)


@pytest.mark.parametrize("region", REGIONS)
def test_overlapping_outlines_always_match(region: Region) -> None:
    """Soundness of the candidate look-up: exact overlap ⇒ some stored and query cells nest."""
    count = Count()

    @settings(max_examples=examples(15), deadline=None)
    @given(volume_sets(region, max_size=5))
    def check(vs: list[Vol]) -> None:
        for i, a in enumerate(vs):
            for b in vs[i + 1 :]:
                check_match(a, b, count)

    check()
    assert count.overlapping > 0


@pytest.mark.parametrize("kind", ["straddle_edge", "nested", "sliver_overlap"])
def test_huge_and_tiny_pairs_match(kind: str) -> None:
    """Adversarial pairs: a tiny outline on a huge one's edge, nested outlines, slivers."""
    count = Count()

    @settings(max_examples=examples(20), deadline=None)
    @given(st.sampled_from(REGIONS).flatmap(lambda r: adversarial_pairs(kind, r)))  # type: ignore[arg-type]
    def check(pair: tuple[Vol, Vol]) -> None:
        check_match(*pair, count)

    check()
    assert count.overlapping > 0
    if kind != "sliver_overlap":
        assert count.mixed > 0


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 0.0), (-89.9, 180.0), (35.9, 36.0), (0.0, -180.0)])
def test_huge_circle_against_tiny_squares_on_its_edge(lat: float, lon: float) -> None:
    """A 2,000 km circle (coarse covering) against 10 m squares straddling its edge all round
    (finest covering): every one matches."""
    big = cover(
        Vol(circle_shape(lat, lon, 2_000_000.0), 0, 1, 0, 1, (lat, lon, 2e6)).volume().outline
    )
    d = 10.0 / ref.EARTH_RADIUS_M * 180 / math.pi
    for brg in np.arange(0.0, 360.0, 7.5):
        e_lat, e_lon = ref.destination_latlon(lat, lon, float(brg), 2_000_000.0 - 3.0)
        small = ref.Shape(
            (e_lat, e_lat, e_lat + d, e_lat + d),
            (e_lon, e_lon + d, e_lon + d, e_lon),
            (e_lat + d / 2, e_lon + d / 2),
        )
        sc = cover(Vol(small, 0, 1, 0, 1).volume().outline)
        assert sc.res == FINE_RES and big.res < FINE_RES - 3
        assert match(big.cells, sc.cells), brg


def test_cover_at_a_fixed_resolution() -> None:
    sq = Vol(ref.Shape((0.0, 0.0, 0.01, 0.01), (0.0, 0.01, 0.01, 0.0), (0.005, 0.005)), 0, 1, 0, 1)
    cov = cover(sq.volume().outline, res=7)
    assert cov.res == 7
    # res 7 < FINE_RES: the ring of neighbours is included
    centre = h3.latlng_to_cell(0.005, 0.005, 7)
    assert set(h3.grid_disk(centre, 1)) <= {h3.int_to_str(int(c)) for c in cov.cells}
    fine = cover(sq.volume().outline)
    assert fine.res == FINE_RES  # a 1.1 km square gets the finest covering, without a ring
    assert h3.latlng_to_cell(0.005, 0.005, FINE_RES) in {h3.int_to_str(int(c)) for c in fine.cells}


# --- ranges, ancestors, match ---------------------------------------------------------------


@st.composite
def cells_at(draw: st.DrawFn, res: int | None = None) -> int:
    lat = math.degrees(math.asin(draw(st.floats(-1.0, 1.0))))
    lon = draw(st.floats(-180.0, 180.0))
    r = res if res is not None else draw(st.integers(0, 15))
    return to_int(h3.latlng_to_cell(lat, lon, r))


@st.composite
def related_cells(draw: st.DrawFn) -> tuple[int, int]:
    """Pairs of cells: ancestor/descendant, the same, neighbours' descendants, or unrelated."""
    a = draw(cells_at(st_res := draw(st.integers(0, 14))))
    sa = h3.int_to_str(a)
    how = draw(st.sampled_from(["child", "parent", "same", "neighbour", "random", "pentagon"]))
    if how == "pentagon":
        pent = draw(st.sampled_from(sorted(h3.get_pentagons(st_res))))
        sa, a = pent, to_int(pent)
        how = "child"
    if how == "same":
        return a, a
    if how == "random":
        return a, draw(cells_at())
    if how == "parent":
        return a, to_int(h3.cell_to_parent(sa, draw(st.integers(0, st_res))))
    base = sa
    if how == "neighbour":
        ring = sorted(h3.grid_ring(sa, 1))
        base = draw(st.sampled_from(ring))
    s = base
    for _ in range(draw(st.integers(1, 15 - st_res))):
        s = draw(st.sampled_from(sorted(h3.cell_to_children(s))))
    return a, to_int(s)


@settings(max_examples=examples(300), deadline=None)
@given(related_cells())
def test_cell_ranges_nest_like_the_hierarchy(pair: tuple[int, int]) -> None:
    a, b = pair
    (alo, blo), (ahi, bhi) = cell_ranges(np.array([a, b], dtype=np.int64))
    assert alo <= ahi and blo <= bhi
    a_holds_b = alo <= blo and bhi <= ahi
    b_holds_a = blo <= alo and ahi <= bhi
    ra = h3.get_resolution(h3.int_to_str(a))
    rb = h3.get_resolution(h3.int_to_str(b))
    assert a_holds_b == (rb >= ra and h3.cell_to_parent(h3.int_to_str(b), ra) == h3.int_to_str(a))
    assert b_holds_a == (ra >= rb and h3.cell_to_parent(h3.int_to_str(a), rb) == h3.int_to_str(b))
    # ranges of unrelated cells are disjoint; match() is exactly "some pair nests"
    overlap = alo <= bhi and blo <= ahi
    assert overlap == nested(a, b)
    assert match(np.array([a], dtype=np.int64), np.array([b], dtype=np.int64)) == nested(a, b)


def test_cell_ranges_known() -> None:
    c = h3.latlng_to_cell(35.9, 36.0, 11)
    lo, hi = cell_ranges(np.array([to_int(c)], dtype=np.int64))
    ints = [to_int(x) for x in h3.cell_to_children(c, 15)]  # 7⁴ descendants
    assert int(lo[0]) == min(ints) == to_int(h3.cell_to_center_child(c, 15))
    assert max(ints) <= int(hi[0])
    outside = [to_int(x) for x in h3.cell_to_children(h3.grid_ring(c, 1)[0], 15)]
    assert not any(int(lo[0]) <= x <= int(hi[0]) for x in outside)
    res15 = to_int(h3.latlng_to_cell(35.9, 36.0, 15))
    assert cell_ranges(np.array([res15], dtype=np.int64))[0][0] == res15


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(cells_at(), min_size=1, max_size=6), st.lists(cells_at(), min_size=1, max_size=6))
def test_match_and_ancestors_brute_force(stored: list[int], query: list[int]) -> None:
    s = np.array(stored, dtype=np.int64)
    q = np.array(query, dtype=np.int64)
    assert match(s, q) == any(nested(x, y) for x in stored for y in query)
    want: set[int] = set()
    for c in query:
        sc = h3.int_to_str(c)
        want |= {c} | {to_int(h3.cell_to_parent(sc, r)) for r in range(h3.get_resolution(sc))}
    got = ancestors(q)
    assert got.tolist() == sorted(want)


# --- the hierarchy assumption -------------------------------------------------------------------


def _points_of(cell: str, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Points of a cell: its centre, its vertices pulled 1e-9 of the way in, random inside."""
    centre = np.array(ref.unit(*h3.cell_to_latlng(cell)))
    verts = [np.array(ref.unit(*p)) for p in h3.cell_to_boundary(cell)]
    pts = [centre]
    pts += [v + 1e-9 * (centre - v) for v in verts]
    for _ in range(4):
        i = int(rng.integers(len(verts)))
        w = rng.dirichlet([1.0, 1.0, 1.0])
        pts.append(w[0] * centre + w[1] * verts[i] + w[2] * verts[(i + 1) % len(verts)])
    out = []
    for p in pts:
        x, y, z = (float(c) for c in p / np.linalg.norm(p))
        out.append(ref.latlon((x, y, z)))
    return out


def test_fine_cells_ancestors_lie_in_the_coarse_one_ring() -> None:
    """For every pair coarse < fine ≤ 8: the ancestor of a fine cell lies within the 1-ring of
    the coarse cell holding any point of the fine cell (what makes coarse coverings with their
    neighbour ring sound).  Random points on the sphere, near every pentagon, on the poles and
    the antimeridian."""
    rng = np.random.default_rng(20151124)
    u = rng.uniform(-1.0, 1.0, 150)
    pts = list(zip(np.degrees(np.arcsin(u)), rng.uniform(-180.0, 180.0, 150), strict=True))
    pts += [(90.0, 0.0), (-90.0, 0.0), (0.0, 180.0), (45.0, -180.0), (-30.0, 179.99999)]
    pts += [h3.cell_to_latlng(p) for p in h3.get_pentagons(0)]
    for p in h3.get_pentagons(0):
        plat, plon = h3.cell_to_latlng(p)
        pts.append(ref.destination_latlon(plat, plon, float(rng.uniform(0, 360)), 5000.0))
    checked = 0
    for lat, lon in pts:
        for fine in range(1, FINE_RES + 1):
            f = h3.latlng_to_cell(float(lat), float(lon), fine)
            qs = _points_of(f, rng)
            for coarse in range(fine):
                anc = h3.cell_to_parent(f, coarse)
                for qlat, qlon in qs:
                    holder = h3.latlng_to_cell(qlat, qlon, coarse)
                    assert anc in h3.grid_disk(holder, 1), (lat, lon, fine, coarse, qlat, qlon)
                    checked += 1
    assert checked > 50_000


def test_finest_cells_are_about_a_kilometre() -> None:
    """As documented: resolution 8 cells have an edge of about 0.53 km (≈ 1 km across)."""
    assert h3.average_hexagon_edge_length(FINE_RES, "km") == pytest.approx(0.53, abs=0.01)
