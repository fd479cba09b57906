"""Track states as the detectors read them: one batch of plain numpy arrays, index-aligned.

A :class:`TrackStates` is a snapshot of every track *already extrapolated to the cycle time*; the
detectors never see a clock.  Row ``k`` of every array describes the same track.  Units are SI
except angles, which are degrees as on the wire:

========== ============ ==========================================================================
field      unit         meaning
========== ============ ==========================================================================
lat_deg    degrees      WGS84 geodetic latitude
lon_deg    degrees      WGS84 longitude (any wrapping)
alt_m      metres       altitude (the vertical minimum is applied to differences of it)
gs_mps     m/s          ground speed (≥ 0)
track_deg  degrees      true track over ground, clockwise from north
vrate_mps  m/s          vertical rate, positive up
party      int code     owning party (the engine maps party ids to codes)
valid      bool         rows with ``False`` are ignored by every detector (stale, coasting, bad)
ids        int64        stable track ids, used only to label alerts (defaults to the row index)
========== ============ ==========================================================================

Derived kinematics (Earth-centred positions and velocities) are computed once per batch and
cached, so the separation, proximity and conformance detectors of one cycle share them.

Examples
--------
>>> s = TrackStates.from_arrays(lat_deg=[0.0, 0.1], lon_deg=[179.95, -179.95], alt_m=[10000.0] * 2,
...                             gs_mps=[200.0] * 2, track_deg=[90.0, 270.0], vrate_mps=[0.0] * 2,
...                             party=[1, 2])
>>> len(s), s.foot_ecef.shape
(2, (2, 3))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyaccord.errors import ValidationError
from skyaccord.geo.frames import enu_basis, geodetic_to_ecef

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

__all__ = ["TrackStates"]


@dataclass(frozen=True, eq=False)
class TrackStates:
    """A batch of track states at one instant (see the module docstring for fields and units)."""

    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    gs_mps: F64
    track_deg: F64
    vrate_mps: F64
    party: I64
    valid: B
    ids: I64

    @classmethod
    def from_arrays(
        cls,
        *,
        lat_deg: ArrayLike,
        lon_deg: ArrayLike,
        alt_m: ArrayLike,
        gs_mps: ArrayLike,
        track_deg: ArrayLike,
        vrate_mps: ArrayLike,
        party: ArrayLike,
        valid: ArrayLike | None = None,
        ids: ArrayLike | None = None,
    ) -> TrackStates:
        """Validate and copy the arrays once.

        Raises :class:`~skyaccord.errors.ValidationError` naming the field when lengths differ or
        a valid row holds a non-finite value, a latitude outside ±90° or a negative speed.  Rows
        marked invalid may hold anything (they are never read).
        """
        f = {
            "lat_deg": lat_deg,
            "lon_deg": lon_deg,
            "alt_m": alt_m,
            "gs_mps": gs_mps,
            "track_deg": track_deg,
            "vrate_mps": vrate_mps,
        }
        arrays = {k: np.array(v, dtype=np.float64, ndmin=1) for k, v in f.items()}
        n = arrays["lat_deg"].shape[0]
        party_a = np.array(party, dtype=np.int64, ndmin=1)
        valid_a = np.ones(n, dtype=bool) if valid is None else np.array(valid, dtype=bool, ndmin=1)
        ids_a = np.arange(n, dtype=np.int64) if ids is None else np.array(ids, np.int64, ndmin=1)
        for name, a in (*arrays.items(), ("party", party_a), ("valid", valid_a), ("ids", ids_a)):
            if a.ndim != 1 or a.shape[0] != n:
                raise ValidationError(name, f"expected a 1-D array of length {n}, got {a.shape}")
        for name, a in arrays.items():
            bad = valid_a & ~np.isfinite(a)
            if bad.any():
                raise ValidationError(name, f"non-finite value at row {int(np.argmax(bad))}")
        bad = valid_a & (np.abs(arrays["lat_deg"]) > 90.0)
        if bad.any():
            raise ValidationError("lat_deg", f"outside [-90, 90] at row {int(np.argmax(bad))}")
        bad = valid_a & (arrays["gs_mps"] < 0.0)
        if bad.any():
            raise ValidationError("gs_mps", f"negative at row {int(np.argmax(bad))}")
        # Rows that are invalid are neutralised so that derived arrays stay finite.
        for name in arrays:
            arrays[name] = np.where(valid_a, arrays[name], 0.0)
        return cls(**arrays, party=party_a, valid=valid_a, ids=ids_a)

    def __len__(self) -> int:
        return int(self.lat_deg.shape[0])

    @cached_property
    def _basis(self) -> tuple[F64, F64, F64]:
        return enu_basis(self.lat_deg, self.lon_deg)

    @cached_property
    def up(self) -> F64:
        """Geodetic up unit vectors (ECEF components), shape (N, 3)."""
        return self._basis[2]

    @cached_property
    def foot_ecef(self) -> F64:
        """ECEF position (m) of the point on the WGS84 ellipsoid below each track, shape (N, 3).

        Horizontal separation is measured between these points (as a map shows it), so that it
        does not depend on the altitudes of the two aircraft.
        """
        return geodetic_to_ecef(self.lat_deg, self.lon_deg, 0.0)

    @cached_property
    def direction_ecef(self) -> F64:
        """Unit vector of the true track (ECEF, tangent at the track), shape (N, 3).

        The initial direction of the great-circle path that the proximity detector predicts.
        """
        east, north, _ = self._basis
        trk = np.radians(self.track_deg)
        return np.asarray(
            np.sin(trk)[:, None] * east + np.cos(trk)[:, None] * north, dtype=np.float64
        )

    @cached_property
    def velocity_ecef(self) -> F64:
        """Horizontal ground velocity (m/s) as an ECEF vector tangent at the track, shape (N, 3).

        Built from ground speed and true track in the local east/north basis, so it is defined
        at the poles (where ``enu_basis`` fixes east along +y) and across the antimeridian.
        """
        east, north, _ = self._basis
        trk = np.radians(self.track_deg)
        ve = self.gs_mps * np.sin(trk)
        vn = self.gs_mps * np.cos(trk)
        return np.asarray(ve[:, None] * east + vn[:, None] * north, dtype=np.float64)
