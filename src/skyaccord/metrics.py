"""Prometheus metrics of one server: engine cycle, tracks, alerts, deliveries, acknowledgements."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """All metrics in a registry of their own (one per app, so tests don't collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.cycle_seconds = Histogram(
            "skyaccord_cycle_seconds",
            "Wall time of one detection cycle",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )
        self.cycle_failures = Counter(
            "skyaccord_cycle_failures_total", "Detection cycles that raised an error", registry=r
        )
        self.tracks = Gauge("skyaccord_tracks", "Live tracks in the table", registry=r)
        self.alerts_open = Gauge(
            "skyaccord_alerts_open", "Engine alerts currently open", registry=r
        )
        self.alert_events = Counter(
            "skyaccord_alert_events_total", "Engine alert events", ["event", "kind"], registry=r
        )
        self.ingested = Counter(
            "skyaccord_track_updates_total", "Track updates received", ["result"], registry=r
        )
        self.deliveries = Counter(
            "skyaccord_deliveries_total", "Hotline feed entries delivered", ["channel"], registry=r
        )
        self.ack_latency = Histogram(
            "skyaccord_ack_latency_seconds",
            "Time from a hotline item's creation to each party's acknowledgement",
            buckets=(1, 5, 10, 30, 60, 120, 300, 900),
            registry=r,
        )
        self.http_requests = Counter(
            "skyaccord_http_requests_total", "HTTP requests", ["status"], registry=r
        )
