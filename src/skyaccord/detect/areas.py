"""Areas (protected airspace, declared operation volumes) indexed for fast per-cycle track tests.

An :class:`Area` is one or more polygons (rings of latitude/longitude, great-circle edges on the
sphere of :data:`~skyaccord.geo.frames.EARTH_RADIUS_M`), an altitude band, an owning party and an
optional time window.  :class:`AreaIndex` prepares a set of areas once (the engine rebuilds it only
when the areas change) so that each cycle costs little per track:

* every polygon part gets a **gnomonic plane** about its centre, where its great-circle edges are
  straight, so shapely's planar predicates are exact for it (anywhere: poles, antimeridian).  The
  planes of all parts are laid side by side in one *atlas* plane (each part shifted by its own
  offset), so that one STRtree over every edge serves the exact tests of all parts at once;
* a coarse **Earth-centred grid** (cubes of ``cell_m``) records, for each cube, the parts a track
  in it could reach within ``reach_m`` (in fact within :attr:`AreaIndex.search_radius_m`), each
  with a bound on the **signed distance** (positive inside) from the cube's centre, projected on
  the sphere, to the part's boundary.  A track's cube is found in O(1) (a table over the cube
  columns that cross the sphere); with its exact distance to that centre, the bound tells, per
  track and per part, whether the track stays inside (or outside) for the whole length of its
  path, and only tracks that may cross the boundary get the exact test.

Soundness of the grid (why no entry is missed and no decision is wrong): the distance to a
boundary is 1-Lipschitz on the sphere, so for a track ``u`` and a cube centre ``ĉ`` the signed
distance differs by at most the great-circle distance ``|u ĉ|``.  Every cube that crosses the
sphere is enumerated; a part is registered in a cube when a lower bound of the distance from ``ĉ``
to the part is at most ``reach + 2·√3·cell`` (``√3·cell`` bounds ``|u ĉ|`` for any ``u`` of the
cube on the sphere, so every part within ``reach + √3·cell`` of a track is found), or when ``ĉ``
is inside.  Distance bounds come from the gnomonic plane: plane lengths are at least sphere
lengths and at most ``1/cos²θ`` times them, ``θ`` the largest angle from the part's centre along
the way; so ``plane distance · cos²θ`` bounds the sphere distance from below.  Cubes are visited
through *superblocks* (groups of cubes) whose own bound settles most of them at once: superblocks
far outside a part are skipped, and superblocks deep inside register their cubes as inside
without a distance computation.  The cubes crossing the sphere depend only on ``cell_m`` and are
computed once per process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from skyaccord.errors import ValidationError
from skyaccord.geo.frames import (
    EARTH_RADIUS_M,
    enu_basis,
    gnomonic_forward,
    tangent_basis,
    unit_vectors,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = ["Area", "AreaIndex", "path_points", "sphere_distance_to_edges_m", "tangent_directions"]

MAX_PART_RADIUS_DEG: Final = 70.0
"""Largest angle from a part's centre to its vertices: keeps the gnomonic plane well conditioned."""

MIN_CELL_M: Final = 15_000.0
"""Smallest grid cell (m): the grid spans the whole sphere (about 2.5 million cells at this size)."""

_MAX_REACH_DEG: Final = 85.0  # a part plus everything tested against it stays within this angle
_ATLAS_SPACING: Final = 64.0  # distance between the origins of two parts' planes in the atlas
_ATLAS_COLUMNS: Final = 32
_SHELL_TOL_M: Final = 1.0  # cubes within this of the sphere count as crossing it
_SUPERBLOCK_M: Final = 110_000.0  # target edge of a superblock of cubes (registration only)
_SLACK_MARGIN: Final = 1e-9  # relative margin on the bounds (rounding)
_EDGE_SLACK: Final = 1e-9  # edges are cut by paths a little beyond their ends (vertices)
_CUT_MERGE: Final = 1e-9  # cuts of a path closer than this (of its length; 1 mm in 1,000 km)


@dataclass(frozen=True)
class Area:
    """An area: polygons of (lat, lon) degree rings, altitude band (m), owner party, time window.

    ``polygons`` is a list of polygons, each a list of rings (arrays of shape (k, 2), latitude then
    longitude, degrees); the first ring is the exterior, the others are holes.  Edges are great
    circles.  ``start_s``/``end_s`` bound the time window (seconds, same clock as the caller's
    ``now``); ``active`` is the state set by the intent workflow (conformance only checks active
    areas).
    """

    id: str
    polygons: Sequence[Sequence[ArrayLike]]
    lower_m: float
    upper_m: float
    party: int
    start_s: float = -math.inf
    end_s: float = math.inf
    active: bool = True


@dataclass
class _Part:
    area: int
    centre: F64
    polygon: Any  # shapely Polygon in plane coordinates, prepared
    edges_a: F64  # (m, 3) unit vectors of edge starts
    edges_b: F64  # (m, 3) unit vectors of edge ends
    edge_xy: F64  # (m, 4) plane x0, y0, x1, y1
    edge_tree: Any  # shapely STRtree over edge line strings
    cos_max: float  # cos of the largest angle from the centre to a vertex
    rings: Any = None  # shapely MultiLineString of the rings (exactly the edges), plane coordinates
    east: F64 = field(default_factory=lambda: np.zeros(3))
    north: F64 = field(default_factory=lambda: np.zeros(3))

    def forward(self, v: F64) -> F64:
        """Unit vectors (n, 3) → plane coordinates (n, 2) (same as ``gnomonic_forward``)."""
        d = v @ self.centre
        return np.stack((v @ self.east / d, v @ self.north / d), axis=-1)

    def inverse(self, xy: F64) -> F64:
        """Plane coordinates (n, 2) → unit vectors (n, 3) (same as ``gnomonic_inverse``)."""
        v = self.centre + xy[:, 0:1] * self.east + xy[:, 1:2] * self.north
        return np.asarray(v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None], dtype=np.float64)


def cross(a: F64, b: F64) -> F64:
    """Row-wise cross product of (n, 3) arrays (cheaper than ``np.cross`` for many small calls)."""
    return np.stack(
        (
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ),
        axis=1,
    )


def _ring_vectors(ring: ArrayLike, where: str) -> F64:
    r = np.asarray(ring, dtype=np.float64)
    if r.ndim != 2 or r.shape[1] != 2 or r.shape[0] < 3 or not np.all(np.isfinite(r)):
        raise ValidationError(where, "a ring needs at least 3 finite (lat, lon) points")
    if np.any(np.abs(r[:, 0]) > 90.0):
        raise ValidationError(where, "latitude outside [-90, 90]")
    v = unit_vectors(r[:, 0], r[:, 1])
    if np.allclose(v[0], v[-1], atol=1e-12):
        v = v[:-1]
    if v.shape[0] < 3:
        raise ValidationError(where, "a ring needs at least 3 distinct points")
    return v


def sphere_distance_to_edges_m(p: F64, a: F64, b: F64) -> F64:
    """Great-circle distance (m) from unit vectors ``p`` to great-circle arcs ``a``→``b`` (row-wise).

    The foot of the perpendicular is used when it lies on the arc, else the nearer end point.
    """
    n = cross(a, b)
    nn = np.sqrt(np.einsum("ij,ij->i", n, n))
    ok = nn > 1e-15
    n = n / np.where(ok, nn, 1.0)[:, None]
    s = np.einsum("ij,ij->i", p, n)
    foot = p - s[:, None] * n
    on_arc = (
        ok
        & (np.einsum("ij,ij->i", cross(a, foot), n) >= 0.0)
        & (np.einsum("ij,ij->i", cross(foot, b), n) >= 0.0)
    )
    perp = np.abs(np.arcsin(np.clip(s, -1.0, 1.0)))

    def ang(u: F64, w: F64) -> F64:
        c = cross(u, w)
        return np.asarray(
            np.arctan2(np.sqrt(np.einsum("ij,ij->i", c, c)), np.einsum("ij,ij->i", u, w))
        )

    ends = np.minimum(ang(p, a), ang(p, b))
    return np.asarray(np.where(on_arc, perp, ends) * EARTH_RADIUS_M, dtype=np.float64)


def _angle(u: F64, w: F64) -> F64:
    """Angle (rad) between rows of unit vectors, accurate for small angles (half-chord arcsine)."""
    d = u - w
    chord = np.sqrt(np.einsum("ij,ij->i", d, d))
    return np.asarray(2.0 * np.arcsin(np.minimum(0.5 * chord, 1.0)), dtype=np.float64)


# -- the cubes of the grid that cross the sphere ------------------------------------------------
@dataclass(frozen=True)
class _Shell:
    """Every cube of edge ``cell_m`` that crosses the sphere, numbered, with an O(1) lookup.

    Cube ``(i, j, k)`` spans ``[i·g, (i+1)·g] × …``.  Each column ``(i, j)`` holds at most two runs
    of consecutive ``k`` (the two hemispheres; one when they meet); ``run_lo``/``run_hi``/
    ``run_base`` (one array per run, indexed by column) give them and their first cube's number.
    """

    cell_m: float
    half: int  # column indices run over [-half, half)
    run_lo: tuple[I64, I64]
    run_hi: tuple[I64, I64]
    run_base: tuple[I64, I64]
    coords: NDArray[np.int16]  # (M, 3) integer coordinates of the cubes
    sb_centre: F64  # (S, 3) the same for superblocks
    sb_slack_m: F64  # (S,) bound on the distance from a superblock's centre to its tracks
    sb_ptr: I64  # CSR: cubes of superblock s are sb_cubes[sb_ptr[s]:sb_ptr[s + 1]]
    sb_cubes: I64

    @property
    def slack_m(self) -> float:
        """Bound on the great-circle distance from a cube's projected centre to any track in it."""
        g = self.cell_m
        chord = math.sqrt(3.0) * g + 2.0 * _SHELL_TOL_M
        return (
            2.0
            * EARTH_RADIUS_M
            * math.asin(min(1.0, 0.5 * chord / EARTH_RADIUS_M))
            * (1.0 + _SLACK_MARGIN)
            + 1e-3
        )

    def centre_of(self, cubes: I64) -> F64:
        """Unit vectors of the centres of cubes (by number), projected on the sphere."""
        return _centres(self.coords[cubes].astype(np.int64), self.cell_m)

    def lookup(self, u: F64) -> tuple[I64, F64]:
        """Cube number of each unit vector ``u`` (on the sphere of ``EARTH_RADIUS_M``; −1: none),
        and the projected centre of its cube."""
        c = np.floor(u * (EARTH_RADIUS_M / self.cell_m)).astype(np.int64)
        h = self.half
        ci, cj, ck = c[:, 0] + h, c[:, 1] + h, c[:, 2]
        ok = (ci >= 0) & (ci < 2 * h) & (cj >= 0) & (cj < 2 * h)
        col = np.where(ok, ci * (2 * h) + cj, 0)
        run_lo, run_hi, run_base = self.run_lo, self.run_hi, self.run_base
        out = np.full(u.shape[0], -1, dtype=np.int64)
        for r in (0, 1):
            lo = run_lo[r][col]
            at = np.flatnonzero(ok & (ck >= lo) & (ck <= run_hi[r][col]))
            out[at] = run_base[r][col[at]] + ck[at] - lo[at]
        return out, _centres(c, self.cell_m)


def _centres(cubes: I64, g: float) -> F64:
    centre = (cubes + 0.5) * g
    return np.asarray(
        centre / np.sqrt(np.einsum("ij,ij->i", centre, centre))[:, None], dtype=np.float64
    )


@lru_cache(maxsize=2)
def _shell(cell_m: float) -> _Shell:
    """The shell of cubes for a cell size (cached: an index rebuild reuses it)."""
    g = float(cell_m)
    r = EARTH_RADIUS_M
    half = math.ceil((r + _SHELL_TOL_M) / g) + 1
    idx = np.arange(-half, half, dtype=np.int64)
    lo_e, hi_e = idx * g, (idx + 1) * g
    near = np.where((lo_e <= 0.0) & (hi_e >= 0.0), 0.0, np.minimum(np.abs(lo_e), np.abs(hi_e)))
    far = np.maximum(np.abs(lo_e), np.abs(hi_e))
    rmin2 = (near[:, None] ** 2 + near[None, :] ** 2).ravel()
    rmax2 = (far[:, None] ** 2 + far[None, :] ** 2).ravel()
    r_hi, r_lo = r + _SHELL_TOL_M, r - _SHELL_TOL_M
    crosses = rmin2 <= r_hi * r_hi
    a = np.sqrt(np.maximum(r_hi * r_hi - rmin2, 0.0))
    bz = np.sqrt(np.maximum(r_lo * r_lo - rmax2, 0.0))
    pos_lo = np.floor(bz / g).astype(np.int64)
    pos_hi = np.floor(a / g).astype(np.int64)
    neg_lo = np.floor(-a / g).astype(np.int64)
    neg_hi = np.floor(-bz / g).astype(np.int64)
    merged = neg_hi >= pos_lo - 1
    run_lo = np.stack([neg_lo, np.where(merged, 1, pos_lo)], axis=1)
    run_hi = np.stack([np.where(merged, pos_hi, neg_hi), np.where(merged, 0, pos_hi)], axis=1)
    run_lo[~crosses] = (1, 1)
    run_hi[~crosses] = (0, 0)
    count = np.maximum(run_hi - run_lo + 1, 0)
    flat = count.ravel()
    run_base = (np.cumsum(flat) - flat).reshape(-1, 2)
    total = int(flat.sum())
    # Coordinates of every cube, in cube-number order.
    run = np.repeat(np.arange(flat.shape[0], dtype=np.int64), flat)
    k = np.arange(total, dtype=np.int64) - np.repeat(run_base.ravel(), flat) + run_lo.ravel()[run]
    col = run // 2
    cubes = np.stack([col // (2 * half) - half, col % (2 * half) - half, k], axis=1)
    centre = _centres(cubes, g)
    # Superblocks: blocks of s×s×s cubes, used to settle many cubes at once.
    s = max(1, int(_SUPERBLOCK_M // g))
    sb = cubes // s + half
    key = (sb[:, 0] * (2 * half) + sb[:, 1]) * (2 * half) + sb[:, 2]
    order = np.argsort(key, kind="stable")
    key = key[order]
    new = np.concatenate(([True], key[1:] != key[:-1]))
    starts = np.flatnonzero(new)
    sb_ptr = np.concatenate((starts, [total])).astype(np.int64)
    sums = np.add.reduceat(centre[order], starts, axis=0)
    sb_centre = sums / np.sqrt(np.einsum("ij,ij->i", sums, sums))[:, None]
    sb_of = np.repeat(np.arange(starts.shape[0]), np.diff(sb_ptr))
    spread = _angle(centre[order], sb_centre[sb_of]) * r
    shell = _Shell(
        cell_m=g,
        half=half,
        run_lo=(np.ascontiguousarray(run_lo[:, 0]), np.ascontiguousarray(run_lo[:, 1])),
        run_hi=(np.ascontiguousarray(run_hi[:, 0]), np.ascontiguousarray(run_hi[:, 1])),
        run_base=(np.ascontiguousarray(run_base[:, 0]), np.ascontiguousarray(run_base[:, 1])),
        coords=cubes.astype(np.int16),
        sb_centre=sb_centre,
        sb_slack_m=np.zeros(0),
        sb_ptr=sb_ptr,
        sb_cubes=order.astype(np.int64),
    )
    slack = np.maximum.reduceat(spread, starts) * (1.0 + _SLACK_MARGIN) + shell.slack_m
    return _Shell(**{**shell.__dict__, "sb_slack_m": slack})


class AreaIndex:
    """A set of :class:`Area` prepared for the proximity and conformance detectors.

    Parameters
    ----------
    areas
        The areas, in the order results refer to them (``area`` indices).
    reach_m
        The farthest a track may travel along its predicted path (``ground speed × look-ahead``
        plus any tolerance).  Tracks whose path is longer are still handled exactly: their path
        is cut into pieces no longer than the reach.  Default 100 km (333 m/s for 300 s).
    cell_m
        Edge of the Earth-centred grid cells (m); a tuning knob only (results do not depend on
        it); values below :data:`MIN_CELL_M` are raised to it.

    Raises :class:`~skyaccord.errors.ValidationError` for malformed rings, inverted altitude bands
    or a polygon wider than :data:`MAX_PART_RADIUS_DEG` from its centre.
    """

    def __init__(
        self, areas: Sequence[Area], *, reach_m: float = 100_000.0, cell_m: float = 25_000.0
    ) -> None:
        self.areas = list(areas)
        self.reach_m = float(reach_m)
        self.cell_m = float(cell_m)
        if not (self.reach_m >= 0.0 and self.cell_m > 0.0 and math.isfinite(self.reach_m)):
            raise ValidationError("reach_m", "reach must be finite and ≥ 0, cell_m positive")
        n = len(self.areas)
        self.lower_m = np.array([a.lower_m for a in self.areas], dtype=np.float64)
        self.upper_m = np.array([a.upper_m for a in self.areas], dtype=np.float64)
        self.party = np.array([a.party for a in self.areas], dtype=np.int64)
        self.start_s = np.array([a.start_s for a in self.areas], dtype=np.float64)
        self.end_s = np.array([a.end_s for a in self.areas], dtype=np.float64)
        self.active = np.array([a.active for a in self.areas], dtype=bool)
        self.ids = [a.id for a in self.areas]
        if n and np.any(~(self.lower_m <= self.upper_m)):
            k = int(np.argmax(~(self.lower_m <= self.upper_m)))
            raise ValidationError(f"areas[{k}].lower_m", "lower limit above upper limit")
        self.parts: list[_Part] = []
        for k, a in enumerate(self.areas):
            for q, poly in enumerate(a.polygons):
                self.parts.append(self._prepare_part(k, poly, f"areas[{k}].polygons[{q}]"))
        self.part_area = np.array([p.area for p in self.parts], dtype=np.int64)
        self.part_centre = (
            np.stack([p.centre for p in self.parts]) if self.parts else np.zeros((0, 3))
        )
        self.part_cos_max = np.array([p.cos_max for p in self.parts], dtype=np.float64)
        self._shell = _shell(max(self.cell_m, MIN_CELL_M))
        self._check_extent()
        self._atlas()
        self._register()

    # -- build ------------------------------------------------------------------------------
    @staticmethod
    def _prepare_part(area: int, rings: Sequence[ArrayLike], where: str) -> _Part:
        if len(rings) == 0:
            raise ValidationError(where, "a polygon needs an exterior ring")
        vecs = [_ring_vectors(r, f"{where}[{i}]") for i, r in enumerate(rings)]
        ext = vecs[0]
        c = ext.sum(axis=0)
        norm = float(np.linalg.norm(c))
        if norm < 1e-9:
            raise ValidationError(where, "the exterior ring has no well-defined centre")
        c = c / norm
        allv = np.concatenate(vecs)
        cos_max = float((allv @ c).min())
        if cos_max < math.cos(math.radians(MAX_PART_RADIUS_DEG)):
            raise ValidationError(
                where, f"polygon extends more than {MAX_PART_RADIUS_DEG:g}° from its centre"
            )
        xy = [gnomonic_forward(v, c) for v in vecs]
        polygon = shapely.Polygon(xy[0], holes=xy[1:] or None)
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        shapely.prepare(polygon)
        ea = np.concatenate(vecs)
        eb = np.concatenate([np.roll(v, -1, axis=0) for v in vecs])
        pa = np.concatenate(xy)
        pb = np.concatenate([np.roll(p, -1, axis=0) for p in xy])
        edge_xy = np.concatenate([pa, pb], axis=1)
        lines = shapely.linestrings(np.stack([pa, pb], axis=1))
        east, north = tangent_basis(c)
        return _Part(
            area=area,
            centre=c,
            east=np.asarray(east, dtype=np.float64),
            north=np.asarray(north, dtype=np.float64),
            polygon=polygon,
            edges_a=ea,
            edges_b=eb,
            edge_xy=edge_xy,
            edge_tree=shapely.STRtree(lines),
            cos_max=cos_max,
            rings=shapely.MultiLineString([np.concatenate([p, p[:1]]) for p in xy]),
        )

    def _check_extent(self) -> None:
        """Every point a part is tested against must stay well inside its plane's hemisphere."""
        sh = self._shell
        sb_max = float(sh.sb_slack_m.max())
        spread = sb_max - sh.slack_m  # farthest cube centre from its superblock's centre
        visited = self.search_radius_m + sh.slack_m + sb_max + spread  # registration
        tracked = 2.0 * self.reach_m + sh.slack_m  # a track within reach, and its path's end
        extra = max(visited, tracked) / EARTH_RADIUS_M
        for p in self.parts:
            if math.acos(min(1.0, p.cos_max)) + extra >= math.radians(_MAX_REACH_DEG):
                raise ValidationError(
                    f"areas[{p.area}]", "polygon plus reach extends too far from its centre"
                )

    def _atlas(self) -> None:
        """All parts' planes side by side: one edge tree and per-part arrays for vector work."""
        n = len(self.parts)
        k = np.arange(n)
        self._offset = np.stack(
            [(k % _ATLAS_COLUMNS) * _ATLAS_SPACING, (k // _ATLAS_COLUMNS) * _ATLAS_SPACING], axis=1
        ).astype(np.float64)
        basis = np.zeros((n, 9))
        for q, p in enumerate(self.parts):
            basis[q] = np.concatenate([p.centre, p.east, p.north])
        self._basis = [np.ascontiguousarray(basis[:, c]) for c in range(9)]
        self._polygons = np.empty(n, dtype=object)
        self._rings = np.empty(n, dtype=object)
        for q, p in enumerate(self.parts):
            self._polygons[q] = p.polygon
            self._rings[q] = p.rings
        sizes = [p.edge_xy.shape[0] for p in self.parts]
        if n:
            self._edge_xy = np.concatenate([p.edge_xy for p in self.parts])
            self._edge_a = np.concatenate([p.edges_a for p in self.parts])
            self._edge_b = np.concatenate([p.edges_b for p in self.parts])
        else:
            self._edge_xy = np.zeros((0, 4))
            self._edge_a = self._edge_b = np.zeros((0, 3))
        self._edge_part = np.repeat(np.arange(n, dtype=np.int64), sizes)
        off = self._offset[self._edge_part]
        ex = self._edge_xy
        lines = (
            shapely.linestrings(np.stack([ex[:, 0:2] + off, ex[:, 2:4] + off], axis=1))
            if n
            else np.zeros(0, dtype=object)
        )
        self._edge_tree = shapely.STRtree(lines)

    def _register(self) -> None:
        """Record, per cube of the shell, the parts within reach and the signed distance bounds."""
        sh = self._shell
        r = EARTH_RADIUS_M
        slack = sh.slack_m
        cubes: list[I64] = []
        parts: list[I64] = []
        bound: list[F64] = []
        band = self.search_radius_m + slack
        for k, p in enumerate(self.parts):
            theta_p = math.acos(min(1.0, p.cos_max))
            lim = theta_p + (band + float(sh.sb_slack_m.max())) / r
            cand = np.flatnonzero(sh.sb_centre @ p.centre >= math.cos(lim))
            if cand.shape[0] == 0:
                continue
            d_sb = self._signed_bound(k, sh.sb_centre[cand])
            sl = sh.sb_slack_m[cand]
            deep = d_sb - sl > band
            mixed = (d_sb + sl >= -band) & ~deep
            take: list[I64] = []
            for sel in (cand[deep], cand[mixed]):
                cnt = sh.sb_ptr[sel + 1] - sh.sb_ptr[sel]
                pos = np.repeat(sh.sb_ptr[sel] - np.cumsum(cnt) + cnt, cnt) + np.arange(
                    int(cnt.sum())
                )
                take.append(sh.sb_cubes[pos])
                take.append(cnt)
            deep_cubes, mixed_cubes = take[0], take[2]
            d = self._signed_bound(k, sh.centre_of(mixed_cubes))
            keep = d >= -band
            # A deep superblock's cubes: their centres are inside by at least this much.
            deep_bound = np.repeat(d_sb[deep] - sl[deep] + slack, take[1])
            cubes += [deep_cubes, mixed_cubes[keep]]
            bound += [deep_bound, d[keep]]
            parts.append(np.full(deep_cubes.shape[0] + int(keep.sum()), k, dtype=np.int64))
        n_cubes = sh.coords.shape[0]
        if cubes:
            cube = np.concatenate(cubes)
            order = np.argsort(cube, kind="stable")
            self._entry_part = np.concatenate(parts)[order]
            self._entry_bound = np.concatenate(bound)[order]
            counts = np.bincount(cube, minlength=n_cubes)
        else:
            self._entry_part = np.zeros(0, dtype=np.int64)
            self._entry_bound = np.zeros(0)
            counts = np.zeros(n_cubes, dtype=np.int64)
        self._cube_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    def _signed_bound(self, k: int, u: F64) -> F64:
        """Lower bounds of the distance (m) from unit vectors ``u`` to part ``k``'s boundary,
        positive inside, negative outside (a point on the boundary counts as outside, 0)."""
        p = self.parts[k]
        c = u @ p.centre
        xy = p.forward(u)
        dist = shapely.distance(p.rings, shapely.points(xy))
        inside = shapely.contains_xy(p.polygon, xy[:, 0], xy[:, 1])
        cos_t = np.minimum(np.clip(c, 0.0, 1.0), p.cos_max)
        lb = dist * cos_t * cos_t * EARTH_RADIUS_M * (1.0 - _SLACK_MARGIN)
        return np.asarray(np.where(inside, lb, -lb), dtype=np.float64)

    # -- queries ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.areas)

    @property
    def search_radius_m(self) -> float:
        """Every part within this distance of a track is returned by :meth:`lookup` (m).

        The reach plus ``√3·cell_m`` (the farthest a track can be from its cube's centre).
        """
        return self.reach_m + self._shell.slack_m

    def lookup(self, u: F64) -> tuple[I64, I64, F64, F64]:
        """Every (track, part) registered in the tracks' cubes, with distance bounds.

        Returns ``(who, part, bound_m, slack_m)``: ``who`` indexes ``u``; ``bound_m`` is the
        signed distance bound of the part at the cube's centre (positive: inside by at least
        that much, ``inf`` deep inside; negative: outside by at least that much) and ``slack_m``
        the track's distance to that centre.  So the track is inside by more than ``b − s`` when
        ``b > 0``, and outside by more than ``−b − s`` when ``b < 0``.  Parts not returned are
        farther than :attr:`search_radius_m`.
        """
        n = u.shape[0]
        if n == 0 or not self.parts:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0), np.zeros(0)
        sh = self._shell
        cube, cc = sh.lookup(u)
        found = cube >= 0
        c = np.where(found, cube, 0)
        start = self._cube_ptr[c]
        cnt = np.where(found, self._cube_ptr[c + 1] - start, 0)
        tot = int(cnt.sum())
        who = np.repeat(np.arange(n, dtype=np.int64), cnt)
        pos = np.repeat(start - np.cumsum(cnt) + cnt, cnt) + np.arange(tot, dtype=np.int64)
        slack = _angle(u, cc) * EARTH_RADIUS_M * (1.0 + _SLACK_MARGIN) + 1e-6
        return who, self._entry_part[pos], self._entry_bound[pos], slack[who]

    def candidates(self, u: F64, rows: I64, path_m: F64 | None = None) -> tuple[I64, I64, B]:
        """Track rows, parts and *near* flags of every (track, part) that needs a look.

        ``u`` are the tracks' unit vectors, ``rows`` their row numbers, ``path_m`` the length of
        each track's predicted path (m; the reach when not given).  Pairs flagged not-near are
        tracks inside the part for their whole path; near ones need the exact test.  Parts that
        the track cannot reach are not returned.  Tracks with a path longer than ``reach_m`` are
        paired with every part whose cap they can reach, flagged near.
        """
        who, part, b, s = self.lookup(u)
        length = np.full(u.shape[0], self.reach_m) if path_m is None else np.minimum(path_m, np.inf)
        lw = length[who]
        inside_all = b - s > lw
        keep = inside_all | (-b - s <= lw)
        who, part, near = who[keep], part[keep], ~inside_all[keep]
        out_rows = [rows[who]]
        out_parts = [part]
        out_near = [near]
        if path_m is not None and self.parts:
            far = np.flatnonzero(path_m > self.reach_m)
            if far.shape[0]:
                ang = np.arccos(np.clip(self.part_cos_max, -1.0, 1.0))
                reach = path_m[far][:, None] / EARTH_RADIUS_M + ang[None, :] + 1e-6
                cosang = u[far] @ self.part_centre.T
                ti, pi = np.nonzero(cosang >= np.cos(np.minimum(reach, np.pi)))
                drop = np.isin(out_rows[0], rows[far])
                out_rows = [out_rows[0][~drop], rows[far][ti]]
                out_parts = [out_parts[0][~drop], pi.astype(np.int64)]
                out_near = [out_near[0][~drop], np.ones(ti.shape[0], dtype=bool)]
        return np.concatenate(out_rows), np.concatenate(out_parts), np.concatenate(out_near)

    def part(self, k: int) -> _Part:
        """The prepared polygon part ``k``."""
        return self.parts[k]

    # -- exact geometry, vectorized over (point, part) pairs --------------------------------
    def forward(self, parts: I64, u: F64) -> tuple[F64, F64]:
        """Plane coordinates of unit vectors ``u`` (n, 3), each in the plane of its part."""
        cx, cy, cz, ex, ey, ez, nx, ny, nz = (b[parts] for b in self._basis)
        ux, uy, uz = u[:, 0], u[:, 1], u[:, 2]
        d = ux * cx + uy * cy + uz * cz
        return (ux * ex + uy * ey + uz * ez) / d, (ux * nx + uy * ny + uz * nz) / d

    def inverse(self, parts: I64, x: F64, y: F64) -> F64:
        """Unit vectors (n, 3) of plane coordinates, each in the plane of its part."""
        comps = []
        for c in range(3):
            comps.append(
                self._basis[c][parts]
                + x * self._basis[3 + c][parts]
                + y * self._basis[6 + c][parts]
            )
        v = np.stack(comps, axis=1)
        return np.asarray(v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None], dtype=np.float64)

    def contains(self, parts: I64, u: F64) -> B:
        """Whether each unit vector is inside its part (the boundary is outside)."""
        x, y = self.forward(parts, u)
        return np.asarray(shapely.contains_xy(self._polygons[parts], x, y), dtype=bool)

    def boundary_distance_m(self, parts: I64, u: F64) -> F64:
        """Exact great-circle distance (m) from each unit vector to the boundary of its part."""
        n = u.shape[0]
        if n == 0:
            return np.zeros(0)
        x, y = self.forward(parts, u)
        d_plane = shapely.distance(self._rings[parts], shapely.points(x, y))
        off = self._offset[parts]
        pts = shapely.points(x + off[:, 0], y + off[:, 1])
        # The nearest edge on the sphere is within plane distance d_plane · scale (see module).
        cos_far = np.minimum(np.clip(self.part_dot(parts, u), 1e-6, 1.0), self.part_cos_max[parts])
        qi, qe = self._edge_tree.query(
            pts, predicate="dwithin", distance=d_plane / (cos_far * cos_far) + 1e-9
        )
        same = self._edge_part[qe] == parts[qi]
        qi, qe = qi[same], qe[same]
        d = sphere_distance_to_edges_m(u[qi], self._edge_a[qe], self._edge_b[qe])
        out = np.full(n, np.inf)
        np.minimum.at(out, qi, d)
        return out

    def part_dot(self, parts: I64, u: F64) -> F64:
        """Cosine of the angle between each unit vector and the centre of its part."""
        return np.asarray(
            u[:, 0] * self._basis[0][parts]
            + u[:, 1] * self._basis[1][parts]
            + u[:, 2] * self._basis[2][parts]
        )

    def path_intervals(
        self, parts: I64, u0: F64, e0: F64, omega: F64, horizon_s: F64
    ) -> tuple[I64, F64, F64]:
        """Horizontal inside intervals of great-circle paths, each against its own part.

        Returns ``(path, t_from, t_to)``: for each interval (s) during which path ``path`` is
        inside its part, within ``[0, horizon_s]``, sorted by path then time.  Paths are given
        by start unit vector ``u0``, initial direction ``e0`` and angular rate ``omega`` (rad/s).
        Method: the path is a straight segment in the part's gnomonic plane, cut by the polygon
        edges (exact segment intersection), and each piece is classified at its midpoint;
        inside pieces that meet (where the path only touches the boundary) are joined.
        """
        m = u0.shape[0]
        end = path_points(u0, e0, omega, horizon_s)
        x0, y0 = self.forward(parts, u0)
        x1, y1 = self.forward(parts, end)
        dx, dy = x1 - x0, y1 - y0
        off = self._offset[parts]
        ox, oy = off[:, 0], off[:, 1]
        segs = shapely.linestrings(
            np.stack(
                [np.stack([x0 + ox, y0 + oy], axis=1), np.stack([x1 + ox, y1 + oy], axis=1)], axis=1
            )
        )
        si, ei = self._edge_tree.query(segs)
        same = self._edge_part[ei] == parts[si]
        si, ei = si[same], ei[same]
        ex = self._edge_xy[ei]
        qx, qy = ex[:, 0] - x0[si], ex[:, 1] - y0[si]
        fx, fy = ex[:, 2] - ex[:, 0], ex[:, 3] - ex[:, 1]
        dxs, dys = dx[si], dy[si]
        den = dxs * fy - dys * fx
        ok = np.abs(den) > 1e-300
        sden = np.where(ok, den, 1.0)
        s = (qx * fy - qy * fx) / sden
        r = (qx * dys - qy * dxs) / sden
        # A path through a vertex crosses both edges there at r = 1 and r = 0, which rounding
        # may push just outside [0, 1]: edges are taken a little longer (a spurious cut only
        # splits an interval, and split intervals are joined again below).
        hit = ok & (s > 0.0) & (s < 1.0) & (r >= -_EDGE_SLACK) & (r <= 1.0 + _EDGE_SLACK)
        cut_path = np.concatenate([si[hit], np.arange(m), np.arange(m)])
        cut_s = np.concatenate([s[hit], np.zeros(m), np.ones(m)])
        order = np.lexsort((cut_s, cut_path))
        cut_path, cut_s = cut_path[order], cut_s[order]
        # Cuts a rounding error apart (a path through a vertex cuts both of its edges there)
        # are one cut: the sliver between them would be classified on the boundary, outside.
        near = (cut_path[1:] == cut_path[:-1]) & (cut_s[1:] - cut_s[:-1] <= _CUT_MERGE)
        if near.any():
            drop = np.zeros(cut_s.shape[0], dtype=bool)
            i = np.flatnonzero(near)
            # keep the path's own ends (exactly 0 and 1); of two inner cuts keep the first
            drop[i + 1] = cut_s[i + 1] != 1.0
            drop[i] |= cut_s[i + 1] == 1.0
            cut_path, cut_s = cut_path[~drop], cut_s[~drop]
        same = cut_path[1:] == cut_path[:-1]
        pa = cut_path[:-1][same]
        sa = cut_s[:-1][same]
        sb = cut_s[1:][same]
        mid = 0.5 * (sa + sb)
        mx = x0[pa] + mid * dx[pa]
        my = y0[pa] + mid * dy[pa]
        inside = shapely.contains_xy(self._polygons[parts[pa]], mx, my)
        pa, sa, sb = pa[inside], sa[inside], sb[inside]
        # Join inside pieces that meet (the path only touched the boundary there).
        cont = np.zeros(pa.shape[0], dtype=bool)
        cont[1:] = (pa[1:] == pa[:-1]) & (sa[1:] == sb[:-1])
        if cont.any():
            first = np.flatnonzero(~cont)
            last = np.concatenate((first[1:], [pa.shape[0]])) - 1
            pa, sa, sb = pa[first], sa[first], sb[last]

        def to_time(path: I64, sv: F64) -> F64:
            q = self.inverse(parts[path], x0[path] + sv * dx[path], y0[path] + sv * dy[path])
            c = cross(u0[path], q)
            ang = np.arctan2(
                np.sqrt(np.einsum("ij,ij->i", c, c)), np.einsum("ij,ij->i", u0[path], q)
            )
            w = omega[path]
            moving = w > 0.0
            t = np.where(moving, ang / np.where(moving, w, 1.0), sv * horizon_s[path])
            return np.asarray(np.clip(t, 0.0, horizon_s[path]))

        ta = np.where(sa <= 0.0, 0.0, to_time(pa, sa))
        tb = np.where(sb >= 1.0, horizon_s[pa], to_time(pa, sb))
        return pa, ta, tb

    def distance_to_boundary_m(self, k: int, u: F64) -> F64:
        """Exact great-circle distance (m) from unit vectors ``u`` to the boundary of part ``k``."""
        return self.boundary_distance_m(np.full(u.shape[0], k, dtype=np.int64), u)


def path_points(u0: F64, e0: F64, omega: F64, t: F64) -> F64:
    """Unit vectors along great-circle paths: start ``u0``, initial direction ``e0``, rate ``omega``."""
    a = omega * t
    return np.asarray(np.cos(a)[:, None] * u0 + np.sin(a)[:, None] * e0, dtype=np.float64)


def tangent_directions(lat_deg: F64, lon_deg: F64, track_deg: F64) -> tuple[F64, F64]:
    """Unit vectors of positions and of the initial direction of travel (true track).

    Uses the same east/north basis as the separation detector (defined at the poles too).
    """
    east, north, up = enu_basis(lat_deg, lon_deg)
    trk = np.radians(track_deg)
    e0 = np.sin(trk)[:, None] * east + np.cos(trk)[:, None] * north
    return np.asarray(up, dtype=np.float64), np.asarray(e0, dtype=np.float64)
