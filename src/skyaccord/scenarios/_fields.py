"""Small validators shared by the scenario sections: quantities with units, durations, names.

>>> length_m("5 km"), length_m("2 NM"), speed_mps("450 kt") > 231, duration_s("1.5s")
(5000.0, 3704.0, True, 1.5)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from skyaccord.errors import ValidationError
from skyaccord.geo.validate import check_finite
from skyaccord.scenarios.loader import offset
from skyaccord.units import to_metres, to_mps

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z/]+)\s*$")


def quantity(value: object, field: str, example: str) -> tuple[float, str | None]:
    """``"5 km"`` → (5.0, "km"); a bare number → (number, None)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return check_finite(value, field), None
    if isinstance(value, str):
        m = _QUANTITY.match(value)
        if m:
            return float(m.group(1)), m.group(2)
    raise ValidationError(field, f"expected a quantity such as {example!r}, got {value!r}")


def length_m(value: object, field: str = "length") -> float:
    """``"5 km"``, ``"3 NM"``, ``"800 m"``, ``"19000 ft"`` or a number of metres → metres."""
    number, unit = quantity(value, field, "5 km")
    return number if unit is None else to_metres(number, unit, field)


def speed_mps(value: object, field: str = "speed") -> float:
    """``"450 kt"``, ``"250 m/s"``, ``"900 km/h"`` or a number of m/s → m/s."""
    number, unit = quantity(value, field, "450 kt")
    return number if unit is None else to_mps(number, unit, field)


def duration_s(value: object, field: str = "duration") -> float:
    """``"1s"``, ``"2min"``, ``"1h30min"`` or a number of seconds → seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return check_finite(value, field)
    if isinstance(value, str):
        return offset("+" + value.strip().lstrip("+"), field)
    raise ValidationError(field, f"expected a duration such as '1s', got {value!r}")


def text(value: object, field: str) -> str:
    """A required non-empty string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "is required (a non-empty string)")
    return value.strip()


def no_unknown(obj: Mapping[str, Any], valid: Iterable[str], field: str) -> None:
    """ValidationError naming the first key of ``obj`` not in ``valid``, listing the valid ones."""
    allowed = set(valid)
    unknown = sorted(str(k) for k in set(obj) - allowed)
    if unknown:
        raise ValidationError(
            f"{field}.{unknown[0]}", f"unknown field; valid: {', '.join(sorted(allowed))}"
        )
