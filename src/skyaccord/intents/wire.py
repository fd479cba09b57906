"""Filings on the wire and in files: JSON/YAML objects → :class:`FilingRequest`.

A filing object has ``volumes`` (F3548 Volume4D list) or ``geojson`` (Feature or
FeatureCollection whose properties carry altitudes and times), and optionally ``id``,
``version`` (to modify), ``key`` (OVNs), ``state``, ``priority`` and ``details`` (private), and
``signature``/``key_id``: the party's Ed25519 signature over the canonical JSON of the filing
object without those two fields (see :mod:`skyaccord.ledger.signing`).
A bare GeoJSON Feature or FeatureCollection is a filing too.

>>> req = filing_from_json({"geojson": {"type": "Feature", "properties": {
...     "altitude_lower": "FL150", "altitude_upper": "FL250",
...     "time_start": "2030-01-01T00:00:00Z", "time_end": "2030-01-01T01:00:00Z"},
...     "geometry": {"type": "Polygon", "coordinates": [[[35, 33], [36, 33], [36, 34], [35, 33]]]}}})
>>> len(req.filing.volumes), req.filing.state.value
(1, 'Accepted')
"""

from __future__ import annotations

from typing import Any

from skyaccord.errors import ValidationError
from skyaccord.geo.validate import Limits
from skyaccord.geo.wire import volume_from_f3548, volumes_from_geojson
from skyaccord.intents.model import Filing, FilingRequest, State

_FILING_KEYS = {
    "id",
    "version",
    "volumes",
    "geojson",
    "key",
    "state",
    "priority",
    "details",
    "signature",
    "key_id",
}
_FILE_STATES = ("Accepted", "Activated", "Nonconforming", "Contingent")


def filing_from_json(obj: object, limits: Limits | None = None) -> FilingRequest:
    """Parses and checks a filing object; every error names its field."""
    limits = limits or Limits()
    if isinstance(obj, dict) and obj.get("type") in ("Feature", "FeatureCollection"):
        obj = {"geojson": obj}
    if not isinstance(obj, dict):
        raise ValidationError("filing", "expected an object with 'volumes' or 'geojson'")
    unknown = sorted(str(k) for k in obj if k not in _FILING_KEYS)  # YAML keys need not be str
    if unknown:
        raise ValidationError(
            unknown[0], f"unknown field; valid: {', '.join(sorted(_FILING_KEYS))}"
        )
    has_vols, has_geo = obj.get("volumes") is not None, obj.get("geojson") is not None
    if has_vols == has_geo:
        raise ValidationError("volumes", "give exactly one of 'volumes' (F3548) and 'geojson'")
    if has_vols:
        vols = obj["volumes"]
        if not isinstance(vols, list) or not vols:
            raise ValidationError("volumes", "expected a non-empty list of Volume4D")
        if len(vols) > limits.max_volumes:
            raise ValidationError(
                "volumes", f"{len(vols)} volumes exceed the limit {limits.max_volumes}"
            )
        volumes = tuple(volume_from_f3548(v, f"volumes[{i}]", limits) for i, v in enumerate(vols))
    else:
        volumes = tuple(volumes_from_geojson(obj["geojson"], "geojson", limits))
    key = obj.get("key", [])
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        raise ValidationError("key", "expected a list of OVN strings")
    state = obj.get("state", "Accepted")
    if state not in _FILE_STATES:
        raise ValidationError("state", f"must be one of {', '.join(_FILE_STATES)}")
    priority = obj.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 100:
        raise ValidationError("priority", "must be an integer from 0 to 100")
    details = obj.get("details", {})
    if not isinstance(details, dict):
        raise ValidationError("details", "expected an object")
    iid = obj.get("id")
    if iid is not None and not isinstance(iid, str):
        raise ValidationError("id", "expected a string")
    version = obj.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationError("version", "expected an integer")
    signature, key_id = obj.get("signature"), obj.get("key_id")
    if (signature is None) != (key_id is None):
        raise ValidationError("signature", "a signature and its key_id come together")
    if signature is not None and not (isinstance(signature, str) and isinstance(key_id, str)):
        raise ValidationError("signature", "signature and key_id must be strings")
    signed = (
        {k: v for k, v in obj.items() if k not in ("signature", "key_id")} if signature else None
    )
    filing = Filing(
        volumes,
        frozenset(key),
        State(state),
        priority,
        dict[str, Any](details),
        signature,
        key_id,
        signed,
    )
    return FilingRequest(filing, iid, version)
