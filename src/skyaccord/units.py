"""Unit conversions: the one place where non-SI units enter or leave skyaccord.

Inside, everything is SI: metres, seconds, metres per second, radians only where named.
At the edges a quantity travels as ``{"value": 5, "units": "NM"}`` or in a field whose name
carries its unit (``altitude_ft``); these helpers convert it once.

Examples
--------
>>> round(to_metres(5, "NM"))
9260
>>> round(to_metres(350, "FL"))
10668
>>> round(from_metres(1852.0, "NM"), 6)
1.0
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyaccord.errors import ValidationError

FOOT_M: Final = 0.3048
NAUTICAL_MILE_M: Final = 1852.0
KNOT_MS: Final = NAUTICAL_MILE_M / 3600.0
FEET_PER_MINUTE_MS: Final = FOOT_M / 60.0
FLIGHT_LEVEL_M: Final = 100.0 * FOOT_M
STATUTE_MILE_M: Final = 1609.344

LENGTH_UNITS: Final[dict[str, float]] = {
    "M": 1.0,
    "KM": 1000.0,
    "FT": FOOT_M,
    "NM": NAUTICAL_MILE_M,
    "MI": STATUTE_MILE_M,
    "FL": FLIGHT_LEVEL_M,
}
SPEED_UNITS: Final[dict[str, float]] = {
    "M/S": 1.0,
    "KT": KNOT_MS,
    "KM/H": 1000.0 / 3600.0,
    "FT/MIN": FEET_PER_MINUTE_MS,
}
TIME_UNITS: Final[dict[str, float]] = {"S": 1.0, "MIN": 60.0, "H": 3600.0, "D": 86400.0}

_ALIASES: Final[dict[str, str]] = {
    "METERS": "M",
    "METRES": "M",
    "FEET": "FT",
    "NMI": "NM",
    "KTS": "KT",
    "KNOTS": "KT",
    "MPS": "M/S",
    "FPM": "FT/MIN",
    "SEC": "S",
    "SECONDS": "S",
    "MINUTES": "MIN",
    "HR": "H",
    "HOURS": "H",
    "DAYS": "D",
}


def _factor(units: str, table: dict[str, float], kind: str, field: str) -> float:
    key = units.strip().upper()
    key = _ALIASES.get(key, key)
    try:
        return table[key]
    except KeyError:
        valid = ", ".join(sorted(table))
        raise ValidationError(field, f"unknown {kind} unit {units!r}; valid: {valid}") from None


def to_metres(value: float, units: str, field: str = "units") -> float:
    """Length or altitude in ``units`` (M, KM, FT, NM, MI, FL) → metres."""
    return float(value) * _factor(units, LENGTH_UNITS, "length", field)


def from_metres(value: float, units: str, field: str = "units") -> float:
    """Metres → length in ``units``."""
    return float(value) / _factor(units, LENGTH_UNITS, "length", field)


def to_mps(value: float, units: str, field: str = "units") -> float:
    """Speed in ``units`` (M/S, KT, KM/H, FT/MIN) → metres per second."""
    return float(value) * _factor(units, SPEED_UNITS, "speed", field)


def to_seconds(value: float, units: str, field: str = "units") -> float:
    """Duration in ``units`` (S, MIN, H, D) → seconds."""
    return float(value) * _factor(units, TIME_UNITS, "time", field)


def ft_to_m(feet: ArrayLike) -> NDArray[np.float64]:
    """Feet → metres, element-wise."""
    return np.asarray(feet, dtype=np.float64) * FOOT_M


def m_to_ft(metres: ArrayLike) -> NDArray[np.float64]:
    """Metres → feet, element-wise."""
    return np.asarray(metres, dtype=np.float64) / FOOT_M


def kt_to_mps(knots: ArrayLike) -> NDArray[np.float64]:
    """Knots → metres per second, element-wise."""
    return np.asarray(knots, dtype=np.float64) * KNOT_MS


def fpm_to_mps(feet_per_minute: ArrayLike) -> NDArray[np.float64]:
    """Feet per minute → metres per second, element-wise."""
    return np.asarray(feet_per_minute, dtype=np.float64) * FEET_PER_MINUTE_MS


def wrap_360(degrees: ArrayLike) -> NDArray[np.float64]:
    """Angles (degrees) into [0, 360), element-wise; NaN stays NaN.

    ``x % 360`` alone returns 360.0 for a negative ``x`` smaller in magnitude than half an ulp
    of 360 (e.g. -1e-20), which breaks the half-open convention.

    >>> wrap_360([-90.0, 360.0, -1e-20, 725.0]).tolist()
    [270.0, 0.0, 0.0, 5.0]
    """
    wrapped = np.mod(np.asarray(degrees, dtype=np.float64), 360.0)
    return np.where(wrapped >= 360.0, 0.0, wrapped)
