"""The services of one server process, built together: what request handlers, the live engine,
replay and the CLI share (one store, one clock, one hotline, one set of metrics)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from skyaccord.clock import Clock, SystemClock
from skyaccord.geo.validate import Limits
from skyaccord.metrics import Metrics
from skyaccord.services.airspace import AirspaceService
from skyaccord.services.auth import AuthService
from skyaccord.services.delivery import DeliveryService
from skyaccord.services.hotline import HotlineService, filing_notices
from skyaccord.services.intents import IntentService
from skyaccord.services.recording import ledger_hook
from skyaccord.services.sharing import SharingService
from skyaccord.store import Store


@dataclass
class Services:
    """Everything a request handler may use; one per application."""

    store: Store
    clock: Clock
    auth: AuthService
    intents: IntentService
    airspace: AirspaceService
    hotline: HotlineService
    sharing: SharingService
    delivery: DeliveryService
    metrics: Metrics
    limiter: RateLimiter
    runtime: Any = None  # skyaccord.live.LiveRuntime when the engine runs in this process

    @staticmethod
    def build(
        store: Store,
        clock: Clock | None = None,
        limits: Limits | None = None,
        *,
        rate_per_s: float = 50.0,
        burst: float = 200.0,
    ) -> Services:
        clk = clock or SystemClock()
        ledger = ledger_hook()
        hotline = HotlineService(store, clk, ledger=ledger)
        metrics = Metrics()
        hotline.observe_ack = metrics.ack_latency.observe
        intents = IntentService(
            store, clk, limits, events=[lambda kind, data: hotline.notifier.notify()], ledger=ledger
        )
        intents.within.append(filing_notices(hotline))
        return Services(
            store=store,
            clock=clk,
            auth=AuthService(store, clk),
            intents=intents,
            airspace=AirspaceService(store, clk),
            hotline=hotline,
            sharing=SharingService(store),
            delivery=DeliveryService(store, hotline, clk),
            metrics=metrics,
            limiter=RateLimiter(rate_per_s, burst),
        )


class RateLimiter:
    """Token bucket per bearer token (or client address): ``rate_per_s`` sustained, ``burst``."""

    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            level, last = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - last) * self.rate)
            if level < 1.0:
                self._buckets[key] = (level, now)
                return False
            self._buckets[key] = (level - 1.0, now)
            if len(self._buckets) > 100_000:  # forget idle keys
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return True
