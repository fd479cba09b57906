"""F3548 volumes as a client writes them, for the service and API tests."""

from __future__ import annotations

from typing import Any

from skyaccord.timefmt import format_time


def box(
    lat: float,
    lon: float,
    size: float = 0.1,
    *,
    lower: float = 1000.0,
    upper: float = 2000.0,
    start: float,
    end: float,
    time_objects: bool = False,
) -> dict[str, Any]:
    """An F3548 Volume4D: a ``size``-degree square with its south-west corner at (lat, lon),
    ``start``/``end`` POSIX s; times as plain RFC 3339 strings, or as F3548 ``Time`` objects."""
    corners = [(lat, lon), (lat, lon + size), (lat + size, lon + size), (lat + size, lon)]

    def when(t: float) -> Any:
        s = format_time(t)
        return {"value": s, "format": "RFC3339"} if time_objects else s

    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in corners]},
            "altitude_lower": {"value": lower, "units": "M", "reference": "W84"},
            "altitude_upper": {"value": upper, "units": "M", "reference": "W84"},
        },
        "time_start": when(start),
        "time_end": when(end),
    }
