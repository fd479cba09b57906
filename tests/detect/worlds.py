"""Random areas and tracks shared by the detector tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from skyaccord.detect import Area, TrackStates
from skyaccord.geo.frames import destination, enu_basis, unit_vectors


def tracks(rows: Sequence[tuple[float, ...]], party: Sequence[int]) -> TrackStates:
    """Tracks from rows of (lat, lon, alt, gs, track, vrate)."""
    a = np.array(rows, dtype=float)
    return TrackStates.from_arrays(
        lat_deg=a[:, 0],
        lon_deg=a[:, 1],
        alt_m=a[:, 2],
        gs_mps=a[:, 3],
        track_deg=a[:, 4],
        vrate_mps=a[:, 5],
        party=party,
    )


def blob(lat: float, lon: float, radius_m: float, k: int, rng: np.random.Generator) -> np.ndarray:
    """A star-shaped ring of ``k`` points around (lat, lon)."""
    brg = np.sort(rng.uniform(0.0, 360.0, k))
    la, lo = destination(lat, lon, brg, radius_m * rng.uniform(0.4, 1.0, k))
    return np.asarray(np.c_[la, lo])


def random_world(rng: np.random.Generator) -> list[Area]:
    """Areas of all sizes: many-sided blobs, a polygon with a hole, a two-part area, one across
    the antimeridian and one around the north pole."""
    areas = []
    for k in range(25):
        lat, lon = float(rng.uniform(-60, 70)), float(rng.uniform(-180, 180))
        radius = float(rng.choice([5e3, 3e4, 2e5, 8e5]))
        areas.append(Area(f"B{k}", [[blob(lat, lon, radius, 40, rng)]], 0.0, 12000.0, party=k % 4))
    outer = blob(10.0, 20.0, 3e5, 60, rng)
    hole = destination(10.0, 20.0, np.arange(0, 360, 30.0), 5e4)
    areas.append(Area("HOLE", [[outer, np.c_[hole][::-1]]], 1000.0, 9000.0, party=1))
    areas.append(
        Area(
            "TWO",
            [[blob(-20.0, 179.5, 2e5, 30, rng)], [blob(-23.0, -178.0, 1e5, 30, rng)]],
            0.0,
            5000.0,
            party=2,
        )
    )
    pole = np.array([[84.0, lon] for lon in range(0, 360, 20)], dtype=float)
    areas.append(Area("POLE", [[pole]], 0.0, 20000.0, party=3))
    return areas


def ring_about(lat: float, lon: float, radius_m: float, k: int) -> np.ndarray:
    """A regular ``k``-gon of great-circle radius ``radius_m`` about (lat, lon)."""
    la, lo = destination(lat, lon, np.arange(k) * 360.0 / k, radius_m)
    return np.asarray(np.c_[la, lo])


def extra_areas(rng: np.random.Generator) -> list[Area]:
    """Harder areas (holes always inside their exterior): a polar annulus whose hole holds the
    south pole, a polygon around the north pole with an off-centre hole, a three-part area
    across the antimeridian (one part inside another's hole), and a tiny square (whose
    antipodes the adversarial tracks visit)."""
    south = ring_about(-90.0, 0.0, 1.0e6, 36)
    south_hole = ring_about(-90.0, 0.0, 4.0e5, 24)[::-1]
    north = ring_about(90.0, 0.0, 3.0e5, 50)
    north_hole = ring_about(88.6, float(rng.uniform(-180, 180)), 4.0e4, 16)  # 156 km off the pole
    lat, lon = float(rng.uniform(-40, 40)), 179.0 + float(rng.uniform(0, 2))
    big = ring_about(lat, lon, 2.0e5, 40)
    big_hole = ring_about(lat, lon, 1.0e5, 30)[::-1]
    island = ring_about(lat, lon, 4.0e4, 20)  # in the hole of ``big``
    far = blob(lat + 4.0, lon + 3.0, 6e4, 25, rng)
    tiny = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]) + np.array(
        [float(rng.uniform(-30, 30)), float(rng.uniform(-180, 179))]
    )
    return [
        Area("SPOLE", [[south, south_hole]], 0.0, 15000.0, party=4),
        Area("NPOLE", [[north, north_hole]], 2000.0, 11000.0, party=5),
        Area("MULTI", [[big, big_hole], [island], [far]], 500.0, 10000.0, party=4),
        Area("TINY", [[tiny]], 0.0, 20000.0, party=5),
    ]


def random_tracks(areas: Sequence[Area], n: int, rng: np.random.Generator) -> TrackStates:
    """Tracks near the areas' vertices and anywhere, at all speeds, climbing and level."""
    verts = np.concatenate([np.asarray(r) for a in areas for p in a.polygons for r in p])
    pick = verts[rng.integers(0, verts.shape[0], n)]
    la, lo = destination(
        pick[:, 0], pick[:, 1], rng.uniform(0, 360, n), np.abs(rng.normal(0, 60e3, n))
    )
    anywhere = rng.random(n) < 0.2
    la = np.where(anywhere, np.degrees(np.arcsin(rng.uniform(-1, 1, n))), la)
    lo = np.where(anywhere, rng.uniform(-180, 180, n), lo)
    return TrackStates.from_arrays(
        lat_deg=la,
        lon_deg=lo,
        alt_m=rng.uniform(0, 13000, n),
        gs_mps=rng.choice([0.0, 40.0, 150.0, 250.0, 320.0], n),
        track_deg=rng.uniform(0, 360, n),
        vrate_mps=rng.choice([0.0, 0.0, 8.0, -12.0], n),
        party=rng.integers(0, 6, n),
        valid=rng.random(n) > 0.02,
    )


def bearing_deg(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Initial great-circle bearing (degrees) from points 1 to points 2 (vectors, any latitude)."""
    east, north, _ = enu_basis(lat1, lon1)
    v = unit_vectors(lat2, lon2)
    return np.asarray(
        np.degrees(np.arctan2(np.einsum("ij,ij->i", v, east), np.einsum("ij,ij->i", v, north)))
    )


def adversarial_tracks(areas: Sequence[Area], n: int, rng: np.random.Generator) -> TrackStates:
    """Tracks where a point-in-polygon test is easily wrong: within a few hundred metres of a
    vertex (of holes too), at the antipodes of the areas, exactly at the poles, on paths through
    a pole, and on paths exactly through a vertex or passing it by 10 cm or 1 m."""
    verts = np.concatenate([np.asarray(r) for a in areas for p in a.polygons for r in p])
    pick = verts[rng.integers(0, verts.shape[0], n)]
    la, lo = destination(
        pick[:, 0], pick[:, 1], rng.uniform(0, 360, n), rng.choice([0.5, 30.0, 400.0], n)
    )
    kind = rng.integers(0, 5, n)
    # antipodes of vertices (the earlier reference counted those as inside)
    la = np.where(kind == 1, -la, la)
    lo = np.where(kind == 1, lo + 180.0, lo)
    # the poles themselves
    la = np.where(kind == 2, rng.choice([-90.0, 90.0], n), la)
    trk = rng.uniform(0, 360, n)
    # towards a pole, from up to 200 km away
    near = kind == 3
    la = np.where(near, rng.choice([-1.0, 1.0], n) * (90.0 - rng.uniform(0.0, 1.8, n)), la)
    trk = np.where(near, np.where(la > 0, 0.0, 180.0), trk)
    # towards a vertex from 1 to 40 km away, through it or passing it by 10 cm or 1 m
    at = kind == 4
    back = rng.uniform(0, 360, n)
    far_la, far_lo = destination(pick[:, 0], pick[:, 1], back, rng.uniform(1e3, 4e4, n))
    side = back + rng.choice([-90.0, 90.0], n)  # square to the path at the vertex
    aim_la, aim_lo = destination(pick[:, 0], pick[:, 1], side, rng.choice([0.0, 0.1, 1.0], n))
    la, lo = np.where(at, far_la, la), np.where(at, far_lo, lo)
    trk = np.where(at, bearing_deg(la, lo, aim_la, aim_lo), trk)
    return TrackStates.from_arrays(
        lat_deg=la,
        lon_deg=lo,
        alt_m=rng.uniform(0, 13000, n),
        gs_mps=rng.choice([0.0, 40.0, 250.0, 320.0], n),
        track_deg=trk,
        vrate_mps=rng.choice([0.0, 8.0, -12.0], n),
        party=rng.integers(0, 6, n),
    )


def concat(a: TrackStates, b: TrackStates) -> TrackStates:
    """The tracks of ``a`` followed by those of ``b``."""
    f = ("lat_deg", "lon_deg", "alt_m", "gs_mps", "track_deg", "vrate_mps", "party", "valid")
    return TrackStates.from_arrays(**{k: np.concatenate([getattr(a, k), getattr(b, k)]) for k in f})


# --- traffic for the separation detector ------------------------------------------------------
def dense_antimeridian_traffic(rng: np.random.Generator, n: int = 800) -> TrackStates:
    """Dense traffic in a 2° square across the antimeridian, all speeds to 300 m/s."""
    return TrackStates.from_arrays(
        lat_deg=rng.uniform(-1, 1, n),
        lon_deg=rng.uniform(179, 181, n),
        alt_m=rng.uniform(0, 3000, n),
        gs_mps=rng.uniform(0, 300, n),
        track_deg=rng.uniform(0, 360, n),
        vrate_mps=rng.uniform(-15, 15, n),
        party=rng.integers(0, 3, n),
    )


def global_hub_traffic(rng: np.random.Generator, n: int = 3000) -> tuple[TrackStates, np.ndarray]:
    """Slow low traffic within 3 km of 40 hubs all over the Earth (for minima of tens of metres):
    (tracks, the hub of each)."""
    hub = rng.integers(0, 40, n)
    hlat, hlon = rng.uniform(-80, 80, 40)[hub], rng.uniform(-180, 180, 40)[hub]
    lat, lon = destination(hlat, hlon, rng.uniform(0, 360, n), rng.uniform(0, 3000, n))
    s = TrackStates.from_arrays(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=rng.uniform(0, 120, n),
        gs_mps=rng.uniform(0, 25, n),
        track_deg=rng.uniform(0, 360, n),
        vrate_mps=rng.uniform(-2, 2, n),
        party=rng.integers(0, 5, n),
    )
    return s, hub


def fast_traffic(rng: np.random.Generator, n: int = 1500) -> TrackStates:
    """Slow traffic in a 4° square with 3 % of tracks at 1500–3000 m/s, a few climbing at up
    to 200 m/s."""
    gs = np.where(rng.random(n) < 0.03, rng.uniform(1500, 3000, n), rng.uniform(0, 60, n))
    return TrackStates.from_arrays(
        lat_deg=rng.uniform(-2, 2, n),
        lon_deg=rng.uniform(-2, 2, n),
        alt_m=rng.uniform(0, 3000, n),
        gs_mps=gs,
        track_deg=rng.uniform(0, 360, n),
        vrate_mps=np.where(rng.random(n) < 0.05, rng.uniform(-200, 200, n), 0.0),
        party=rng.integers(0, 3, n),
    )


def subset(s: TrackStates, rows: np.ndarray) -> TrackStates:
    """The tracks ``rows`` of ``s``, in that order."""
    f = ("lat_deg", "lon_deg", "alt_m", "gs_mps", "track_deg", "vrate_mps", "party", "valid")
    return TrackStates.from_arrays(**{k: getattr(s, k)[rows] for k in f})
