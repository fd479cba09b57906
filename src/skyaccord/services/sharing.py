"""Track sharing between parties (need-to-know): who sees whose tracks, and how much.

Per ordered pair (owner → viewer) the mode is ``all``, ``near`` (only tracks within ``near_m``
of the viewer's own tracks or protected airspace) or ``none``.  Without a policy the default is
``near`` at 100 NM.  Tracks in an alert that concerns the viewer are always shown with the alert.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyaccord.errors import ValidationError
from skyaccord.geo import frames
from skyaccord.store import Store
from skyaccord.store import hotline as repo
from skyaccord.units import NAUTICAL_MILE_M

DEFAULT_MODE = "near"
DEFAULT_NEAR_M = 100 * NAUTICAL_MILE_M
MODES = ("all", "near", "none")


@dataclass(frozen=True)
class Policy:
    mode: str
    near_m: float


class SharingService:
    """Policies from the store, cached in memory (they change rarely)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Policy] | None = None

    def set(self, owner: str, viewer: str, mode: str, near_m: float = DEFAULT_NEAR_M) -> None:
        if mode not in MODES:
            raise ValidationError("mode", f"must be one of {', '.join(MODES)}")
        if owner == viewer:
            raise ValidationError("viewer", "a party always sees its own tracks")
        self.store.transact(lambda c: repo.set_sharing(c, owner, viewer, mode, near_m))
        with self._lock:
            self._cache = None

    def policies(self) -> dict[tuple[str, str], Policy]:
        with self._lock:
            if self._cache is None:
                rows = self.store.transact(repo.sharing_rows, write=False)
                self._cache = {(r.owner, r.viewer): Policy(r.mode, r.near_m) for r in rows}
            return dict(self._cache)

    def policy(self, owner: str, viewer: str) -> Policy:
        return self.policies().get((owner, viewer), Policy(DEFAULT_MODE, DEFAULT_NEAR_M))


def visible_mask(
    viewer: str,
    party: NDArray[np.object_],
    ecef_m: NDArray[np.float64],
    policy_of: dict[str, Policy],
    anchor_ecef_m: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which tracks ``viewer`` may see.

    ``party`` and ``ecef_m`` describe every track; ``policy_of`` maps each other party to the
    policy it applies to ``viewer``; ``anchor_ecef_m`` are points (m, ECEF) the viewer owns —
    its tracks and samples of its protected airspace — that "near" is measured from.
    """
    n = len(party)
    mask: NDArray[np.bool_] = np.asarray(party == viewer, dtype=bool)
    if n == 0:
        return mask
    near_radius = np.zeros(n)
    for owner, pol in policy_of.items():
        sel = party == owner
        if pol.mode == "all":
            mask |= sel
        elif pol.mode == "near":
            near_radius[sel] = pol.near_m
    cand = np.flatnonzero(~mask & (near_radius > 0))
    if cand.size and len(anchor_ecef_m):
        # Chord distance ≤ arc distance, so comparing chords with the radius is generous by
        # < 0.1 % at 100 NM: acceptable for a display filter.
        from scipy.spatial import cKDTree

        tree = cKDTree(anchor_ecef_m)
        dist, _ = tree.query(ecef_m[cand], k=1)
        mask[cand[dist <= near_radius[cand]]] = True
    return mask


def airspace_anchors(
    lat: NDArray[np.float64], lon: NDArray[np.float64], step: int = 1
) -> NDArray[np.float64]:
    """Vertices of outlines as ECEF anchor points for "near" (m)."""
    return frames.geodetic_to_ecef(lat[::step], lon[::step], 0.0)
