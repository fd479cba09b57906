"""Synthetic traffic for the browser tests and screenshots: two converging aircraft of
different parties (a separation alert), background traffic, and recorded runs as NDJSON."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from skyaccord.timefmt import format_time

R = 6371008.8


def move(lat: float, lon: float, track_deg: float, dist_m: float) -> tuple[float, float]:
    th = math.radians(track_deg)
    dlat = dist_m * math.cos(th) / R
    dlon = dist_m * math.sin(th) / (R * math.cos(math.radians(lat)))
    return lat + math.degrees(dlat), lon + math.degrees(dlon)


CONVERGING = [
    # party, track id, callsign, start lat, lon, track°, speed m/s, altitude m
    ("israel", "f16-1", "IAF101", 33.10, 35.55, 90.0, 240.0, 6100.0),
    ("russia", "su24-1", "RFF1234", 33.10, 36.45, 270.0, 220.0, 6150.0),
]


def converging(elapsed_s: float, time_s: float) -> dict[str, list[dict[str, Any]]]:
    """TrackIn records per party at ``elapsed_s`` into the scenario."""
    out: dict[str, list[dict[str, Any]]] = {}
    for party, tid, cs, lat, lon, trk, gs, alt in CONVERGING:
        la, lo = move(lat, lon, trk, gs * elapsed_s)
        out.setdefault(party, []).append(
            {
                "track_id": tid,
                "time": format_time(time_s),
                "lat_deg": la,
                "lon_deg": lo,
                "alt_m": alt,
                "gs_mps": gs,
                "track_deg": trk,
                "callsign": cs,
            }
        )
    return out


def background(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """``n`` aircraft spread over the eastern Mediterranean and the Levant: state dicts."""
    rng = random.Random(seed)
    parties = ["israel", "russia"]
    return [
        {
            "party": parties[i % 2],
            "id": f"{parties[i % 2]}:bg{i}",
            "callsign": f"{'ISR' if i % 2 == 0 else 'RSD'}{100 + i}",
            "icao24": f"{rng.randrange(16**6):06x}",
            "lat": rng.uniform(29.5, 37.0),
            "lon": rng.uniform(32.0, 40.0),
            "trk": rng.uniform(0, 360),
            "gs": rng.uniform(120, 260),
            "alt": rng.uniform(1500, 12000),
        }
        for i in range(n)
    ]


def picture_at(ac: list[dict[str, Any]], t: float, t0: float, trail: int = 6) -> dict[str, Any]:
    """A contract Picture of ``ac`` flying straight for ``t - t0`` seconds, with trails."""
    tracks = []
    for a in ac:
        la, lo = move(a["lat"], a["lon"], a["trk"], a["gs"] * (t - t0))
        tr = [
            list(move(a["lat"], a["lon"], a["trk"], a["gs"] * (t - t0 - 10 * k)))
            for k in range(trail, 0, -1)
        ]
        tracks.append(
            {
                "id": a["id"],
                "party": a["party"],
                "callsign": a["callsign"],
                "icao24": a["icao24"],
                "lat_deg": round(la, 6),
                "lon_deg": round(lo, 6),
                "alt_m": round(a["alt"], 1),
                "gs_mps": a["gs"],
                "track_deg": a["trk"],
                "vrate_mps": 0.0,
                "coasting": False,
                "trail": [[round(p[0], 5), round(p[1], 5)] for p in tr],
            }
        )
    return {"time": format_time(t), "cycle": int(t - t0), "tracks": tracks, "alerts": []}


def recorded_run(t0: float, frames: int = 60, n_background: int = 40) -> str:
    """NDJSON of a recorded run: pictures with the converging pair and an alert that is
    raised, acknowledged by Israel, then by Russia (hotline events)."""
    ac = background(n_background)
    for party, tid, cs, lat, lon, trk, gs, alt in CONVERGING:
        ac.append(
            {
                "party": party,
                "id": f"{party}:{tid}",
                "callsign": cs,
                "icao24": "",
                "lat": lat,
                "lon": lon,
                "trk": trk,
                "gs": gs,
                "alt": alt,
            }
        )
    lines = []
    alert_id = "sep-recorded-1"
    item = {
        "id": "rec-item-1",
        "kind": "alert",
        "severity": "warning",
        "title": "Loss of separation: IAF101, RFF1234",
        "escalation_level": 0,
        "state": "open",
        "body": {},
        "messages": [],
        "parties": [
            {
                "party": p,
                "roles": ["duty_officer"],
                "acked_at": None,
                "acked_by": None,
                "signed": False,
            }
            for p in ("israel", "russia")
        ],
    }
    for k in range(frames):
        t = t0 + k
        pic = picture_at(ac, t, t0)
        if k >= 10:
            a, b = (
                next(x for x in pic["tracks"] if x["id"] == f"{p}:{tid}")
                for p, tid, *_ in CONVERGING
            )
            gap = abs(a["lon_deg"] - b["lon_deg"]) * 111320 * math.cos(math.radians(33.1))
            tcpa = gap / 460.0
            mid = (a["lon_deg"] + b["lon_deg"]) / 2
            pic["alerts"].append(
                {
                    "alert_id": alert_id,
                    "kind": "separation",
                    "parties": ["israel", "russia"],
                    "tracks": [a["id"], b["id"]],
                    "raised_at": format_time(t0 + 10),
                    "updated_at": format_time(t),
                    "active": True,
                    "time_to_loss_s": round(max(0.0, tcpa - 9260 / 460), 1),
                    "tcpa_s": round(tcpa, 1),
                    "dcpa_m": 0.0,
                    "vertical_m": 50.0,
                    "cpa": [[33.10, mid - 0.001], [33.10, mid + 0.001]],
                }
            )
        lines.append(json.dumps(pic))
        if k in (10, 20, 30):
            snapshot = json.loads(json.dumps(item))
            snapshot["alert"] = pic["alerts"][0]
            snapshot["created_at"] = format_time(t0 + 10)
            snapshot["updated_at"] = format_time(t)
            snapshot["deadline_at"] = format_time(t0 + 130)
            if k >= 20:
                snapshot["parties"][0].update(
                    acked_at=format_time(t0 + 20), acked_by="duty_officer"
                )
            if k >= 30:
                snapshot["parties"][1].update(
                    acked_at=format_time(t0 + 30), acked_by="duty_officer"
                )
                snapshot["state"] = "acknowledged"
            event = {10: "item.created", 20: "item.acked", 30: "item.acked"}[k]
            lines.append(
                json.dumps({"seq": k, "event": event, "time": format_time(t), "item": snapshot})
            )
    return "\n".join(lines) + "\n"
