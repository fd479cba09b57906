"""The facts of a replay, for a joint review: warning times, acknowledgement delays, notices.

:func:`build_report` is pure: engine alert events, hotline items and notice violations in, one
JSON-ready dict out.  The *warning time* of an alert is how long before the event it warns of —
loss of separation, or entry into protected airspace — its first alert fired; an alert whose
event never happened (the aircraft turned away) has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skyaccord.timefmt import format_time, parse_time


def _t(x: str | None) -> float | None:
    return None if x is None else parse_time(x)


def encounters(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per alert id: when it was raised, when its event happened, figures."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_id.setdefault(e["alert_id"], []).append(e)
    out = []
    for aid, evs in by_id.items():
        evs = sorted(evs, key=lambda e: parse_time(e["time"]))
        first = evs[0]
        raised = parse_time(first["raised_at"])
        happened = None
        for e in evs:
            if e["event"] == "cleared":
                continue
            if first["kind"] == "separation" and (
                e.get("phase") == "los" or e.get("time_to_loss_s") == 0
            ):
                happened = parse_time(e["time"])
                break
            if first["kind"] == "infringement" and e.get("phase") == "inside":
                happened = parse_time(e["time"])
                break
            if first["kind"] == "nonconformance":
                happened = parse_time(e["time"])
                break
        cleared = next((parse_time(e["time"]) for e in evs if e["event"] == "cleared"), None)
        rec: dict[str, Any] = {
            "alert_id": aid,
            "kind": first["kind"],
            "parties": first.get("parties", []),
            "tracks": first.get("tracks", []),
            "raised_at": format_time(raised),
            "event_at": None if happened is None else format_time(happened),
            "warning_time_s": None if happened is None else round(happened - raised, 3),
            "cleared_at": None if cleared is None else format_time(cleared),
            "duration_s": None if cleared is None else round(cleared - raised, 3),
        }
        if first["kind"] == "separation":
            rec["min_dcpa_m"] = min(e.get("dcpa_m", float("inf")) for e in evs)
            rec["min_distance_m"] = min(e.get("distance_m", float("inf")) for e in evs)
            rec["first_time_to_loss_s"] = first.get("time_to_loss_s")
        elif first["kind"] == "infringement":
            rec["airspace_id"] = first.get("airspace_id")
            rec["max_depth_m"] = max(e.get("depth_m", 0.0) for e in evs)
            rec["max_time_inside_s"] = max(e.get("time_inside_s", 0.0) for e in evs)
            rec["first_time_to_entry_s"] = first.get("time_to_entry_s")
            rec["entry_point"] = first.get("entry_point")
        else:
            rec["intent_id"] = first.get("intent_id")
        out.append(rec)
    return sorted(out, key=lambda r: (r["raised_at"], r["alert_id"]))


def acknowledgements(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per hotline item and addressed party: when it was delivered and acknowledged, and the delay."""
    out = []
    for it in items:
        created = parse_time(it["created_at"])
        for p in it["parties"]:
            acked = _t(p.get("acked_at"))
            out.append(
                {
                    "item_id": it["id"],
                    "kind": it["kind"],
                    "title": it["title"],
                    "severity": it["severity"],
                    "party": p["party"],
                    "created_at": it["created_at"],
                    "delivered_at": p.get("delivered_at"),
                    "acked_at": p.get("acked_at"),
                    "ack_delay_s": None if acked is None else round(acked - created, 3),
                    "escalation_level": it.get("escalation_level", 0),
                }
            )
    return sorted(out, key=lambda r: (r["created_at"], r["item_id"], r["party"]))


def build_report(
    events: Sequence[dict[str, Any]],
    items: Sequence[dict[str, Any]] = (),
    notices: Sequence[dict[str, Any]] = (),
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a reviewer reads, as JSON."""
    enc = encounters(events)
    warned = [e["warning_time_s"] for e in enc if e["warning_time_s"] is not None]
    return {
        "meta": meta or {},
        "summary": {
            "alerts": len(enc),
            "by_kind": {
                k: sum(1 for e in enc if e["kind"] == k) for k in sorted({e["kind"] for e in enc})
            },
            "events_happened": len(warned),
            "min_warning_time_s": min(warned) if warned else None,
            "hotline_items": len(items),
            "notice_violations": len(notices),
        },
        "encounters": enc,
        "acknowledgements": acknowledgements(items),
        "notice_violations": list(notices),
        "timeline": phase_changes(events),
    }


def phase_changes(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raised and cleared events, and updates that change an alert's phase (e.g. to ``inside``)."""
    last: dict[str, str | None] = {}
    out = []
    for e in sorted(events, key=lambda e: (parse_time(e["time"]), e["alert_id"])):
        aid, phase = e["alert_id"], e.get("phase")
        if e["event"] != "updated" or last.get(aid) != phase:
            out.append(
                {
                    "alert_id": aid,
                    "event": e["event"],
                    "time": e["time"],
                    "kind": e["kind"],
                    "phase": phase,
                }
            )
        last[aid] = phase
    return out
