"""Areas (protected airspace, declared operation volumes) indexed for fast per-cycle track tests.

An :class:`Area` is one or more polygons (rings of latitude/longitude, great-circle edges on the
sphere of :data:`~skyaccord.geo.frames.EARTH_RADIUS_M`), an altitude band, an owning party and an
optional time window.  :class:`AreaIndex` prepares a set of areas once (the engine rebuilds it only
when the areas change) so that each cycle costs little per track:

* every polygon part gets a **gnomonic plane** about its centre, where its great-circle edges are
  straight, so shapely's planar predicates are exact for it (anywhere: poles, antimeridian);
* a coarse **Earth-centred grid** (cubes of ``cell_m``) records, for each part, the cells from
  which a track could reach the part within ``reach_m`` (``near``: the exact tests must run) and
  the cells lying deep inside it (``interior``: the track is inside for the whole reach).  A
  track's cell is found with one vectorized lookup; cells registered to no part cost nothing.

Soundness of the grid (why no entry is missed): a cell is registered *near* when its centre,
projected on the sphere, is within ``reach + √3·cell`` of the part's boundary.  Any point of the
cell is within ``√3·cell`` of that projected centre, so a track within ``reach`` of the boundary
always lands in a *near* cell, and a track farther than ``reach`` from the boundary is on the same
side of it as the centre (*interior* when inside, unregistered when outside).  Plane distances
are at least sphere distances, and at most ``1/cos²θ`` times them, so the thresholds are scaled
by that bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from skyaccord.errors import ValidationError
from skyaccord.geo.frames import (
    EARTH_RADIUS_M,
    enu_basis,
    gnomonic_forward,
    gnomonic_inverse,
    tangent_basis,
    unit_vectors,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = ["Area", "AreaIndex", "path_points", "sphere_distance_to_edges_m", "tangent_directions"]

MAX_PART_RADIUS_DEG: Final = 70.0
"""Largest angle from a part's centre to its vertices: keeps the gnomonic plane well conditioned."""

_OFF: Final = 1 << 20


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


def _unique_rows(cells: I64) -> I64:
    """Distinct rows of an (n, 3) array of cell coordinates (|c| < 2**20), via packed keys."""
    c = cells + _OFF
    key = np.sort((c[:, 0] << 42) | (c[:, 1] << 21) | c[:, 2])
    if key.shape[0] > 1:
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    mask = (1 << 21) - 1
    out = np.stack([key >> 42, (key >> 21) & mask, key & mask], axis=1) - _OFF
    return np.asarray(out, dtype=np.int64)


def _cell_key(xyz: F64, cell_m: float) -> I64:
    c = np.floor(xyz / cell_m).astype(np.int64) + _OFF
    return np.asarray((c[:, 0] << 42) | (c[:, 1] << 21) | c[:, 2], dtype=np.int64)


class AreaIndex:
    """A set of :class:`Area` prepared for the proximity and conformance detectors.

    Parameters
    ----------
    areas
        The areas, in the order results refer to them (``area`` indices).
    reach_m
        The farthest a track may travel along its predicted path (``ground speed × look-ahead``
        plus any tolerance).  Tracks whose path is longer are still handled exactly, on a slower
        path.  Default 100 km (333 m/s for 300 s).
    cell_m
        Edge of the Earth-centred grid cells (m).

    Raises :class:`~skyaccord.errors.ValidationError` for malformed rings, inverted altitude bands
    or a polygon wider than :data:`MAX_PART_RADIUS_DEG` from its centre.
    """

    def __init__(
        self, areas: Sequence[Area], *, reach_m: float = 100_000.0, cell_m: float = 25_000.0
    ) -> None:
        self.areas = list(areas)
        self.reach_m = float(reach_m)
        self.cell_m = float(cell_m)
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
        )

    def _register(self) -> None:
        """Record, per grid cell, the parts it is *near* to or deep *inside* of."""
        r_e = EARTH_RADIUS_M
        g = self.cell_m
        keys: list[I64] = []
        parts: list[I64] = []
        near: list[B] = []
        band = self.reach_m + math.sqrt(3.0) * g * 1.01
        offs = np.array(
            [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)]
        )
        for k, p in enumerate(self.parts):
            theta = math.acos(min(1.0, p.cos_max)) + (band + 2 * g) / r_e
            if theta >= math.radians(85.0):
                raise ValidationError(
                    f"areas[{p.area}]", "polygon plus reach extends too far from its centre"
                )
            scale = 1.0 / math.cos(theta) ** 2
            d_plane = band / r_e * scale
            x0, y0, x1, y1 = shapely.bounds(p.polygon)
            x0, y0, x1, y1 = x0 - d_plane, y0 - d_plane, x1 + d_plane, y1 + d_plane
            step = 0.5 * g / r_e
            gx = np.arange(x0, x1 + step, step)
            gy = np.arange(y0, y1 + step, step)
            mx, my = np.meshgrid(gx, gy)
            samples = gnomonic_inverse(np.stack([mx.ravel(), my.ravel()], axis=1), p.centre)
            cells = _unique_rows(np.floor(samples * r_e / g).astype(np.int64))
            cells = _unique_rows((cells[:, None, :] + offs[None, :, :]).reshape(-1, 3))
            centre = (cells + 0.5) * g
            rad = np.linalg.norm(centre, axis=1)
            on_shell = np.abs(rad - r_e) <= math.sqrt(3.0) * g
            cells, centre, rad = cells[on_shell], centre[on_shell], rad[on_shell]
            u = centre / rad[:, None]
            front = u @ p.centre > math.cos(theta)
            cells, u = cells[front], u[front]
            if cells.shape[0] == 0:
                continue
            xy = gnomonic_forward(u, p.centre)
            boundary = p.polygon.boundary
            shapely.prepare(boundary)
            is_near = shapely.dwithin(boundary, shapely.points(xy), d_plane)
            inside = ~is_near & shapely.contains_xy(p.polygon, xy[:, 0], xy[:, 1])
            keep = is_near | inside
            c = cells[keep] + _OFF
            keys.append((c[:, 0] << 42) | (c[:, 1] << 21) | c[:, 2])
            parts.append(np.full(c.shape[0], k, dtype=np.int64))
            near.append(is_near[keep])
        if keys:
            key = np.concatenate(keys)
            order = np.argsort(key, kind="stable")
            self._keys = key[order]
            self._key_part = np.concatenate(parts)[order]
            self._key_near = np.concatenate(near)[order]
        else:
            self._keys = np.zeros(0, dtype=np.int64)
            self._key_part = np.zeros(0, dtype=np.int64)
            self._key_near = np.zeros(0, dtype=bool)

    # -- queries ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.areas)

    def candidates(self, u: F64, rows: I64, path_m: F64 | None = None) -> tuple[I64, I64, B]:
        """Track rows, parts and *near* flags of every (track, part) that needs a look.

        ``u`` are the tracks' unit vectors, ``rows`` their row numbers, ``path_m`` the length of
        each track's predicted path (m).  Pairs flagged not-near are tracks deep inside the part
        for their whole path.  Tracks with a path longer than ``reach_m`` are paired with every
        part whose cap they can reach, flagged near.
        """
        if u.shape[0] == 0 or not self.parts:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0, dtype=bool)
        key = _cell_key(u * EARTH_RADIUS_M, self.cell_m)
        order = np.argsort(key)
        sk = key[order]
        lo = np.searchsorted(self._keys, sk, "left")
        hi = np.searchsorted(self._keys, sk, "right")
        cnt = hi - lo
        tot = int(cnt.sum())
        who = np.repeat(order, cnt)
        pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
        out_rows = [rows[who]]
        out_parts = [self._key_part[pos]]
        out_near = [self._key_near[pos]]
        if path_m is not None:
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

    def distance_to_boundary_m(self, k: int, u: F64) -> F64:
        """Exact great-circle distance (m) from unit vectors ``u`` to the boundary of part ``k``."""
        p = self.parts[k]
        if u.shape[0] == 0:
            return np.zeros(0)
        xy = p.forward(u)
        pts = shapely.points(xy)
        idx, dist = p.edge_tree.query_nearest(pts, return_distance=True, all_matches=False)
        d_plane = np.full(u.shape[0], np.inf)
        np.minimum.at(d_plane, idx[0], dist)
        # The nearest edge on the sphere is within plane distance d_plane · scale.
        cos_far = float(np.clip((u @ p.centre).min(), 1e-6, 1.0))
        scale = 1.0 / min(cos_far, p.cos_max) ** 2
        qi, qe = p.edge_tree.query(pts, predicate="dwithin", distance=d_plane * scale + 1e-12)
        d = sphere_distance_to_edges_m(u[qi], p.edges_a[qe], p.edges_b[qe])
        out = np.full(u.shape[0], np.inf)
        np.minimum.at(out, qi, d)
        return out


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
