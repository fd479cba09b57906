"""Request bodies as pydantic models: they document the API in OpenAPI.

Geometry is parsed once more by :mod:`skyaccord.geo.wire` after pydantic, so every error names
its field and reason the same way whether it comes from the API, the CLI or a file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LatLng(_Strict):
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees (WGS84)")
    lng: float = Field(ge=-180, le=180, description="Longitude, degrees (WGS84)")


class Radius(_Strict):
    value: float = Field(gt=0)
    units: str = Field("M", description="M, KM, FT or NM")


class Circle(_Strict):
    center: LatLng
    radius: Radius


class Polygon(_Strict):
    vertices: list[LatLng] = Field(min_length=3, max_length=10_001)


class Altitude(_Strict):
    value: float
    units: str = Field(description="M, FT or FL")
    reference: Literal["W84", "AMSL", "STD"] | None = Field(
        None, description="W84 (default), AMSL or STD (flight levels)"
    )


class Time(_Strict):
    value: str = Field(description="RFC 3339 date-time, e.g. 2015-11-24T07:24:05Z")
    format: Literal["RFC3339"] = "RFC3339"


class Volume3D(_Strict):
    outline_polygon: Polygon | None = None
    outline_circle: Circle | None = None
    altitude_lower: Altitude | str = Field(description="Altitude object or e.g. 'FL190'")
    altitude_upper: Altitude | str


class Volume4D(_Strict):
    """ASTM F3548-21 Volume4D."""

    volume: Volume3D
    time_start: Time | str
    time_end: Time | str


class IntentFiling(_Strict):
    """File or modify an operational intent: volumes as F3548 Volume4D or as GeoJSON."""

    id: str | None = Field(None, description="Optional id chosen by the filer (new intents)")
    version: int | None = Field(None, description="Current version (required to modify)")
    volumes: list[Volume4D] | None = Field(None, max_length=100)
    geojson: dict[str, Any] | None = Field(
        None, description="GeoJSON Feature or FeatureCollection with altitude/time properties"
    )
    key: list[str] = Field(
        default_factory=list,
        max_length=10_000,
        description="OVNs of every overlapping intent of other parties (F3548 key)",
    )
    state: Literal["Accepted", "Activated", "Nonconforming", "Contingent"] = "Accepted"
    priority: int = Field(0, ge=0, le=100)
    details: dict[str, Any] = Field(
        default_factory=dict, description="Private to the owner: never shown to other parties"
    )
    signature: str | None = Field(
        None,
        max_length=200,
        description="Ed25519 signature (base64) over the canonical JSON of this object without "
        "'signature' and 'key_id'",
    )
    key_id: str | None = Field(None, max_length=64)


class StateChange(_Strict):
    state: Literal["Accepted", "Activated", "Nonconforming", "Contingent", "Ended"]
    version: int
    reason: Literal["ended", "cancelled"] | None = None


class AreaQuery(_Strict):
    area: Volume4D


class PartyIn(_Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=200)
    contact: str = Field("", max_length=2000)


class CountryImport(_Strict):
    country: str = Field(description="ISO 3166-1 alpha-2, alpha-3 or numeric code")
    source: Literal["auto", "dcw", "ne10m", "ne50m", "ne110m"] = "auto"
    id: str | None = None
    altitude_lower: Altitude | str = "0 m"
    altitude_upper: Altitude | str = "FL660"
    replace: bool = False


class NoticeRule(_Strict):
    from_party: str
    to_party: str
    min_notice_s: float = Field(ge=0, le=30 * 86400)
