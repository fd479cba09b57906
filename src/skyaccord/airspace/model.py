"""Parties and the protected airspace they own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from skyaccord.errors import ValidationError
from skyaccord.geo.volumes import Volume4D

ALWAYS_START: Final = 0.0
"""Validity start of permanent airspace (1970-01-01)."""
ALWAYS_END: Final = 253402300799.0
"""Validity end of permanent airspace (9999-12-31T23:59:59Z)."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_id(value: object, field: str) -> str:
    """An identifier: 1–64 letters, digits, ``_ . -``, starting with a letter or digit."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ValidationError(
            field, "must be 1-64 characters of letters, digits, '_', '.', '-' (e.g. 'israel')"
        )
    return value


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    contact: str = ""
    created_at: float = 0.0


class AirspaceKind(StrEnum):
    SOVEREIGN = "sovereign"
    BUFFER = "buffer"
    RESTRICTED = "restricted"
    RESERVATION = "reservation"


@dataclass(frozen=True)
class ProtectedAirspace:
    """Airspace a party protects: each volume has its own altitude band and validity window."""

    id: str
    owner: str
    kind: AirspaceKind
    name: str
    volumes: tuple[Volume4D, ...]
    source: str = ""
    created_at: float = 0.0
    properties: dict[str, Any] = field(default_factory=dict)
