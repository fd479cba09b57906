"""Domain objects → JSON for the wire (RFC 3339 times, F3548 volumes, GeoJSON overlaps)."""

from __future__ import annotations

from typing import Any

from skyaccord.airspace.model import Party, ProtectedAirspace
from skyaccord.geo.wire import volume_to_f3548, volume_to_geojson
from skyaccord.intents.model import Intent, IntentRef
from skyaccord.services.intents import FilingResult, conflict_json, overlap_json, ref_json
from skyaccord.timefmt import format_time


def party_json(p: Party) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "contact": p.contact,
        "created_at": format_time(p.created_at),
    }


def intent_json(it: Intent) -> dict[str, Any]:
    """An own intent, in full."""
    return {
        **ref_json(IntentRef(it.id, it.owner, it.state, it.version, it.ovn, it.t_start, it.t_end)),
        "priority": it.priority,
        "details": it.details,
        "ended_reason": it.ended_reason,
        "created_at": format_time(it.created_at),
        "updated_at": format_time(it.updated_at),
        "volumes": [volume_to_f3548(v) for v in it.volumes],
    }


def notice_json(n: Any, intent_id: str | None = None, version: int | None = None) -> dict[str, Any]:
    """A notice violation (a domain object with the intent given, or a stored row)."""
    return {
        "intent_id": getattr(n, "intent_id", intent_id),
        "intent_version": getattr(n, "intent_version", version),
        "from_party": n.from_party,
        "to_party": n.to_party,
        "filed_at": format_time(n.filed_at),
        "start_at": format_time(n.start_at),
        "notice_s": round(n.notice_s, 3),
        "required_s": n.required_s,
    }


def filing_json(r: FilingResult) -> dict[str, Any]:
    return {
        "intent": intent_json(r.intent),
        "conflicts": [conflict_json(c) for c in r.conflicts],
        "notice_violations": [
            notice_json(n, r.intent.id, r.intent.version) for n in r.notice_violations
        ],
        "dry_run": r.dry_run,
    }


def conflict_row_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "intent_id": r.intent_id,
        "intent_version": r.intent_version,
        "intent_owner": r.intent_owner,
        "kind": r.other_kind,
        "other_id": r.other_id,
        "other_owner": r.other_owner,
        "overlaps": r.overlap,
        "area_m2": round(r.area_m2, 1),
        "time_start": format_time(r.t_start),
        "time_end": format_time(r.t_end),
        "detected_at": format_time(r.detected_at),
    }


def airspace_json(a: ProtectedAirspace) -> dict[str, Any]:
    """Protected airspace as a GeoJSON FeatureCollection (one feature per volume)."""
    return {
        "type": "FeatureCollection",
        "id": a.id,
        "owner": a.owner,
        "kind": a.kind.value,
        "name": a.name,
        "source": a.source,
        "properties": a.properties,
        "features": [
            volume_to_geojson(v, {"airspace_id": a.id, "owner": a.owner, "kind": a.kind.value})
            for v in a.volumes
        ],
    }


def airspace_summary(a: ProtectedAirspace) -> dict[str, Any]:
    return {
        "id": a.id,
        "owner": a.owner,
        "kind": a.kind.value,
        "name": a.name,
        "source": a.source,
        "volumes": len(a.volumes),
    }


__all__ = [
    "airspace_json",
    "airspace_summary",
    "conflict_row_json",
    "filing_json",
    "intent_json",
    "notice_json",
    "overlap_json",
    "party_json",
    "ref_json",
]
