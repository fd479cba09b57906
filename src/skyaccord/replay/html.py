"""A replay report as one self-contained HTML page: maps and a timeline as inline SVG, tables.

No scripts, no external files, no CDN: the page opens anywhere, offline, and prints.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from skyaccord.airspace.model import ProtectedAirspace
from skyaccord.timefmt import parse_time
from skyaccord.tracks.updates import TrackUpdates

PALETTE = ["#4e9af1", "#f1884e", "#5ec46a", "#d45ed0", "#e8d44d", "#4ed4d4", "#c0c0c0"]
KIND_COLOUR = {"separation": "#f1884e", "infringement": "#e0524a", "nonconformance": "#e8d44d"}
CSS = """
body{background:#111418;color:#dde3ea;font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1100px}
h1,h2,h3{font-weight:600} table{border-collapse:collapse;margin:8px 0 20px;width:100%}
th,td{border-bottom:1px solid #2b323b;padding:4px 8px;text-align:left;font-variant-numeric:tabular-nums}
th{color:#9fb0c2} .muted{color:#8895a3} svg{background:#0b0e11;border:1px solid #2b323b}
.card{display:inline-block;margin:0 16px 8px 0;padding:8px 12px;background:#1a1f25;border-radius:6px}
"""


def _esc(x: object) -> str:
    return html.escape("" if x is None else str(x))


def _fmt(x: object, nd: int = 1) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return _esc(x)


def render(
    report: dict[str, Any],
    tracks: TrackUpdates | None = None,
    airspace: Sequence[ProtectedAirspace] = (),
    title: str = "skyaccord replay report",
) -> str:
    """The report as an HTML page (maps need ``tracks``; borders come from ``airspace``)."""
    s = report["summary"]
    parts = [
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{_esc(title)}</title>",
        f"<style>{CSS}</style><h1>{_esc(title)}</h1>",
    ]
    meta = report.get("meta", {})
    if meta:
        parts.append(
            "<p class=muted>"
            + " · ".join(f"{_esc(k)}: {_esc(v)}" for k, v in meta.items() if v != "-")
            + "</p>"
        )
    cards = [
        ("alerts", s["alerts"]),
        ("events that happened", s["events_happened"]),
        (
            "shortest warning",
            "—" if s["min_warning_time_s"] is None else f"{s['min_warning_time_s']:.0f} s",
        ),
        ("hotline items", s["hotline_items"]),
        ("notice violations", s["notice_violations"]),
    ]
    parts.append(
        "".join(
            f"<div class=card><div class=muted>{k}</div><b>{_esc(v)}</b></div>" for k, v in cards
        )
    )
    parts.append("<h2>Timeline</h2>" + timeline_svg(report))
    parts.append("<h2>Warning times</h2>" + _encounter_table(report["encounters"]))
    parts.append("<h2>Acknowledgements</h2>" + _ack_table(report["acknowledgements"]))
    if report["notice_violations"]:
        parts.append("<h2>Notice violations</h2>" + _notice_table(report["notice_violations"]))
    if tracks is not None and len(tracks):
        parts.append("<h2>Encounters</h2>")
        for enc in report["encounters"][:20]:
            parts.append(
                f"<h3>{_esc(enc['alert_id'])} — {_esc(enc['kind'])}, {_esc(', '.join(enc['parties']))}</h3>"
            )
            parts.append(encounter_svg(enc, tracks, airspace))
    parts.append("</html>")
    return "\n".join(parts)


def _el(tag: str, text: str | None = None, **attrs: object) -> str:
    """An SVG/HTML element; attribute names use ``_`` for ``-`` (``stroke_width``)."""
    a = " ".join(f'{k.rstrip("_").replace("_", "-")}="{_esc(v)}"' for k, v in attrs.items())
    return f"<{tag} {a}/>" if text is None else f"<{tag} {a}>{text}</{tag}>"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return "<p class=muted>none</p>"
    h = "".join(f"<th>{x}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _encounter_table(enc: Sequence[dict[str, Any]]) -> str:
    rows = []
    for e in enc:
        figure = ""
        if e["kind"] == "separation":
            figure = f"min dcpa {_fmt(e.get('min_dcpa_m'), 0)} m"
        elif e["kind"] == "infringement":
            depth, inside = _fmt(e.get("max_depth_m"), 0), _fmt(e.get("max_time_inside_s"), 0)
            figure = f"{_esc(e.get('airspace_id'))}: depth {depth} m, inside {inside} s"
        rows.append(
            [
                _esc(e["alert_id"]),
                _esc(e["kind"]),
                _esc(", ".join(e["parties"])),
                _esc(", ".join(e["tracks"])),
                _esc(e["raised_at"]),
                _esc(e["event_at"] or "did not happen"),
                _fmt(e["warning_time_s"], 0) + (" s" if e["warning_time_s"] is not None else ""),
                figure,
            ]
        )
    return _table(
        ["alert", "kind", "parties", "tracks", "first alert", "event", "warning", "figures"], rows
    )


def _ack_table(acks: Sequence[dict[str, Any]]) -> str:
    rows = [
        [
            _esc(a["title"]),
            _esc(a["severity"]),
            _esc(a["party"]),
            _esc(a["created_at"]),
            _esc(a["acked_at"] or "not acknowledged"),
            _fmt(a["ack_delay_s"], 0),
            _esc(a["escalation_level"]),
        ]
        for a in acks
    ]
    return _table(
        ["item", "severity", "party", "created", "acknowledged", "delay (s)", "escalations"], rows
    )


def _notice_table(notices: Sequence[dict[str, Any]]) -> str:
    rows = [
        [
            _esc(n.get("intent_id")),
            _esc(n["from_party"]),
            _esc(n["to_party"]),
            _esc(n["filed_at"]),
            _esc(n["start_at"]),
            _fmt(float(n["notice_s"]), 0),
            _fmt(float(n["required_s"]), 0),
        ]
        for n in notices
    ]
    return _table(["intent", "from", "to", "filed", "starts", "notice (s)", "required (s)"], rows)


def timeline_svg(report: dict[str, Any], width: int = 1000) -> str:
    """Alerts against time: one row each, raised → cleared, with the event and acknowledgements."""
    enc = report["encounters"]
    if not enc:
        return "<p class=muted>no alerts</p>"
    times = [parse_time(e["raised_at"]) for e in enc] + [
        parse_time(e["cleared_at"]) for e in enc if e["cleared_at"]
    ]
    times += [parse_time(a["acked_at"]) for a in report["acknowledgements"] if a["acked_at"]]
    t0, t1 = min(times), max(times)
    t1 = max(t1, t0 + 60)
    left, row_h = 230, 22
    h = 30 + row_h * len(enc)

    def x(t: float) -> float:
        return left + (width - left - 20) * (t - t0) / (t1 - t0)

    out = [
        f'<svg width="{width}" height="{h}" viewBox="0 0 {width} {h}" role="img" aria-label="timeline">'
    ]
    step = _nice_step((t1 - t0) / 8)
    tick = math.ceil(t0 / step) * step
    while tick <= t1:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="0" x2="{x(tick):.1f}" y2="{h - 20}" stroke="#222a33"/>'
        )
        label = parse_label(tick)
        out.append(
            f'<text x="{x(tick):.1f}" y="{h - 6}" fill="#8895a3" font-size="11" text-anchor="middle">{label}</text>'
        )
        tick += step
    acks_by_alert: dict[str, list[float]] = {}
    for a in report["acknowledgements"]:
        if a["acked_at"]:
            acks_by_alert.setdefault(a["title"], []).append(parse_time(a["acked_at"]))
    for k, e in enumerate(enc):
        y = 10 + k * row_h
        a, b = parse_time(e["raised_at"]), parse_time(e["cleared_at"]) if e["cleared_at"] else t1
        colour = KIND_COLOUR.get(e["kind"], "#999")
        out.append(
            f'<text x="4" y="{y + 13}" fill="#dde3ea" font-size="12">{_esc(e["alert_id"])[:32]}</text>'
        )
        out.append(
            _el(
                "rect",
                x=f"{x(a):.1f}",
                y=y + 3,
                width=f"{max(x(b) - x(a), 2):.1f}",
                height=12,
                fill=colour,
                opacity=0.6,
            )
        )
        if e["event_at"]:
            xe = x(parse_time(e["event_at"]))
            out.append(
                f'<path d="M{xe:.1f},{y + 1} l6,8 l-6,8 l-6,-8 z" fill="#ff3030"><title>event</title></path>'
            )
    out.append("</svg>")
    return "".join(out)


def parse_label(t: float) -> str:
    from skyaccord.timefmt import format_time

    return format_time(t)[11:19]


def _nice_step(raw: float) -> float:
    for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400):
        if s >= raw:
            return float(s)
    return 86400.0


def encounter_svg(
    enc: dict[str, Any],
    tracks: TrackUpdates,
    airspace: Sequence[ProtectedAirspace],
    size: int = 520,
) -> str:
    """A map of one encounter: the tracks involved from 2 min before the alert to its end, the
    protected airspace around them, and the event point."""
    t_a = parse_time(enc["raised_at"]) - 120.0
    t_b = (
        parse_time(enc["cleared_at"]) if enc["cleared_at"] else parse_time(enc["raised_at"]) + 600.0
    ) + 60.0
    sel = (
        np.isin(tracks.track_id, list(enc["tracks"]))
        & (tracks.time_s >= t_a)
        & (tracks.time_s <= t_b)
    )
    if not sel.any():
        return "<p class=muted>no track data for this encounter</p>"
    lat, lon, tid = tracks.lat_deg[sel], tracks.lon_deg[sel], tracks.track_id[sel]
    lat0 = float(np.mean(lat))
    lon0 = float(np.degrees(np.angle(np.mean(np.exp(1j * np.radians(lon))))))
    k = math.cos(math.radians(lat0))

    def proj(la: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = (lo - lon0 + 180.0) % 360.0 - 180.0
        return d * k, la - lat0

    px, py = proj(lat, lon)
    span = max(float(np.ptp(px)), float(np.ptp(py)), 0.05) * 1.3
    cx, cy = float(px.min() + px.max()) / 2, float(py.min() + py.max()) / 2

    def sx(v: np.ndarray | float) -> Any:
        return (np.asarray(v) - cx) / span * size + size / 2

    def sy(v: np.ndarray | float) -> Any:
        return size / 2 - (np.asarray(v) - cy) / span * size

    out = [
        f'<svg width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img" aria-label="encounter map">'
    ]
    view = shapely.box(cx - span, cy - span, cx + span, cy + span)
    for a in airspace:
        for v in a.volumes:
            vx, vy = proj(v.outline.lat, v.outline.lon)
            if not len(vx):
                continue
            poly = shapely.Polygon(np.column_stack([vx, vy]))
            if not poly.is_valid:
                poly = shapely.make_valid(poly)
            clipped = shapely.intersection(poly, view)
            for part in shapely.get_parts(clipped):
                if isinstance(part, shapely.Polygon) and not part.is_empty:
                    xy = np.asarray(part.exterior.coords)
                    pts = " ".join(
                        f"{a_:.1f},{b_:.1f}"
                        for a_, b_ in zip(sx(xy[:, 0]), sy(xy[:, 1]), strict=True)
                    )
                    out.append(
                        _el(
                            "polygon",
                            f"<title>{_esc(a.id)}</title>",
                            points=pts,
                            fill="#3a2326",
                            fill_opacity=0.5,
                            stroke="#c05050",
                        )
                    )
    for j, t in enumerate(list(enc["tracks"])):
        m = tid == t
        if not m.any():
            continue
        xs, ys = sx(px[m]), sy(py[m])
        pts = " ".join(f"{a_:.1f},{b_:.1f}" for a_, b_ in zip(xs, ys, strict=True))
        colour = PALETTE[j % len(PALETTE)]
        out.append(
            _el(
                "polyline",
                f"<title>{_esc(t)}</title>",
                points=pts,
                fill="none",
                stroke=colour,
                stroke_width=2,
            )
        )
        out.append(f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="4" fill="{colour}"/>')
        out.append(
            f'<text x="{xs[0] + 6:.1f}" y="{ys[0] - 6:.1f}" fill="{colour}" font-size="12">{_esc(t)}</text>'
        )
    ep = enc.get("entry_point")
    if ep:
        ex, ey = proj(np.array([ep[0]]), np.array([ep[1]]))
        out.append(
            _el(
                "circle",
                "<title>predicted entry</title>",
                cx=f"{float(sx(ex[0])):.1f}",
                cy=f"{float(sy(ey[0])):.1f}",
                r=6,
                fill="none",
                stroke="#ff3030",
                stroke_width=2,
            )
        )
    km = span * 111.2 / 4
    out.append(
        f'<line x1="12" y1="{size - 14}" x2="{12 + size / 4:.1f}" y2="{size - 14}" stroke="#dde3ea"/>'
    )
    out.append(f'<text x="12" y="{size - 20}" fill="#dde3ea" font-size="11">{km:,.1f} km</text>')
    out.append("</svg>")
    return "".join(out)
