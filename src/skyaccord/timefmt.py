"""RFC 3339 timestamps on the wire ↔ POSIX seconds inside.

>>> parse_time("2015-11-24T07:24:05Z")
1448349845.0
>>> format_time(1448349845.0)
'2015-11-24T07:24:05Z'
>>> format_time(1448349845.25)
'2015-11-24T07:24:05.250Z'
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from skyaccord.errors import ValidationError


def parse_time(value: object, field: str = "time") -> float:
    """An RFC 3339 string with an explicit offset (or a ``datetime`` with tzinfo) → POSIX seconds."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) < 20 or text[10] not in "Tt ":
            raise ValidationError(field, f"not an RFC 3339 date-time: {value!r}")
        if text[-1] in "zZ":
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(field, f"not an RFC 3339 date-time: {value!r}") from None
    else:
        raise ValidationError(field, f"expected an RFC 3339 string, got {type(value).__name__}")
    if dt.tzinfo is None:
        raise ValidationError(field, f"time has no UTC offset: {value!r} (add 'Z')")
    t = dt.timestamp()
    if not math.isfinite(t):
        raise ValidationError(field, "time is not finite")
    return t


def format_time(t: float) -> str:
    """POSIX seconds → RFC 3339 UTC with a ``Z``; milliseconds only when not whole seconds."""
    dt = datetime.fromtimestamp(t, tz=UTC)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
