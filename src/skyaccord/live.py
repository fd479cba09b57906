"""The live loop of ``skyaccord serve``: the engine at 1 Hz, fed by the ingest sources, its
alerts turned into hotline items, escalation and webhook delivery on the same beat.

This is the imperative shell around :class:`~skyaccord.engine.Engine`: it owns the threads,
the lock and the clock; the engine itself stays pure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from skyaccord.engine import Engine, EngineConfig, StepResult
from skyaccord.errors import SkyaccordError
from skyaccord.geo import frames
from skyaccord.hotline.model import ItemKind, Severity, alert_severity, alert_title
from skyaccord.intents.model import ACTIVE_STATES, State
from skyaccord.services.sharing import visible_mask
from skyaccord.store import intents as intent_repo
from skyaccord.timefmt import format_time
from skyaccord.tracks.table import ApplyResult, TrackSnapshot
from skyaccord.tracks.updates import IngestStats, TrackUpdates

if TYPE_CHECKING:
    from skyaccord.services.container import Services

log = logging.getLogger("skyaccord.live")

TRAIL_EVERY_S = 5.0
TRAIL_POINTS = 12


@dataclass
class _Pushed:
    severity: Severity
    at: float


class LiveRuntime:
    """Runs :class:`Engine` cycles on ``services.clock`` in a thread: every ``cycle_s`` (1 Hz),
    and sooner — but never more often than every ``min_cycle_s`` — when new tracks arrive, so an
    update waits at most ``min_cycle_s`` for the cycle that sees it."""

    def __init__(
        self,
        services: Services,
        config: EngineConfig | None = None,
        *,
        cycle_s: float = 1.0,
        min_cycle_s: float = 0.15,
        update_every_s: float = 10.0,
    ) -> None:
        self.services = services
        self.engine = Engine(config)
        self.cycle_s = cycle_s
        self.min_cycle_s = min(min_cycle_s, cycle_s)
        self._wake = threading.Event()
        self.update_every_s = update_every_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_good = time.monotonic()
        self._airspace_dirty = True
        self._intents_dirty = True
        self._pushed: dict[str, _Pushed] = {}
        self._owner_intents: dict[str, list[str]] = {}  # nonconformance alert -> intents
        # Alert items left open by an earlier run of the server (a crash, a restart): adopted
        # when the engine raises the same alert again (ids are deterministic), cleared when it
        # has not done so within ``orphan_grace_s`` of the first cycle.
        self.orphan_grace_s = 30.0
        self._orphans: set[str] | None = None
        self._orphan_deadline = 0.0
        self._trails: deque[tuple[float, TrackSnapshot]] = deque(maxlen=TRAIL_POINTS)
        self.last: StepResult | None = None
        self.stats = IngestStats()
        self.cycle_listeners: list[Any] = []
        self.background: list[Callable[[], Awaitable[None]]] = []  # started by the app
        services.intents.events.append(lambda kind, data: self.mark_intents_dirty())
        services.airspace.listeners.append(self.mark_airspace_dirty)

    # -- inputs -------------------------------------------------------------------------------

    def ingest(self, updates: TrackUpdates, stats: IngestStats | None = None) -> ApplyResult:
        """Applies a batch of updates now (thread-safe); the next cycle sees them."""
        with self._lock:
            result = self.engine.ingest(updates)
            if stats is not None:
                self.stats = self.stats.merge(stats)
        self._wake.set()
        m = self.services.metrics.ingested
        m.labels(result="accepted").inc(len(updates))
        if stats is not None and stats.n_rejected:
            m.labels(result="rejected").inc(stats.n_rejected)
        return result

    def mark_airspace_dirty(self) -> None:
        self._airspace_dirty = True

    def mark_intents_dirty(self) -> None:
        self._intents_dirty = True

    def _reload(self) -> None:
        if self._airspace_dirty:
            self._airspace_dirty = False
            items = self.services.airspace.list()
            with self._lock:
                self.engine.set_airspace(items)
        if self._intents_dirty:
            self._intents_dirty = False
            active = self.services.store.transact(
                lambda c: intent_repo.list_intents(c, None, sorted(ACTIVE_STATES), limit=100_000),
                write=False,
            )
            with self._lock:
                self.engine.set_intents(active)

    # -- the cycle ----------------------------------------------------------------------------

    def cycle(self, now: float | None = None) -> StepResult:
        """One cycle at ``now`` (default: the clock), then hotline and delivery work."""
        t = self.services.clock.now() if now is None else now
        self._reload()
        if self._orphans is None:
            self._orphans = set(self.services.hotline.open_alert_refs())
            self._orphan_deadline = t + self.orphan_grace_s
        started = time.perf_counter()
        with self._lock:
            result = self.engine.step(t)
        m = self.services.metrics
        m.cycle_seconds.observe(time.perf_counter() - started)
        m.tracks.set(len(result.snapshot))
        m.alerts_open.set(len(result.alerts))
        if not self._trails or t - self._trails[-1][0] >= TRAIL_EVERY_S:
            self._trails.append((t, result.snapshot))
        self.last = result
        for e in result.events:
            m.alert_events.labels(event=e["event"], kind=e["kind"]).inc()
            marked: list[str] = []
            if e["kind"] == "nonconformance":
                if e["event"] == "raised":
                    self._owner_intents[e["alert_id"]] = marked = self._intents_of(e, t)
                ids = self._owner_intents.get(e["alert_id"], [])
                if ids and not e.get("intent_id"):
                    e["intent_id"] = ids[0]
                if e["event"] == "cleared":
                    self._owner_intents.pop(e["alert_id"], None)
            try:
                self._to_hotline(e, t)
            except SkyaccordError:  # retried with the alert's next update (see _to_hotline)
                log.exception("could not put alert %s on the hotline", e.get("alert_id"))
            for intent_id in marked:
                try:
                    self._nonconforming(intent_id)
                except SkyaccordError:
                    log.exception("could not mark intent %s nonconforming", intent_id)
        if self._orphans and t >= self._orphan_deadline:
            for ref in sorted(self._orphans):
                self.services.hotline.clear_alert(ref, t)
            self._orphans = set()
        self.services.hotline.escalate_due(t)
        for listener in list(self.cycle_listeners):
            listener(result)
        return result

    def _to_hotline(self, e: dict[str, Any], t: float) -> None:
        hot = self.services.hotline
        alert = {k: v for k, v in e.items() if k != "event"}
        aid = str(e["alert_id"])
        sev = alert_severity(alert)
        if e["event"] == "raised" and self._orphans and aid in self._orphans:
            self._orphans.discard(aid)  # the same alert, seen again after a restart: carry on
            hot.update_alert(aid, alert, sev, t, alert_title(alert))
            self._pushed[aid] = _Pushed(sev, t)
        elif e["event"] == "raised" or (e["event"] == "updated" and aid not in self._pushed):
            # an update of an alert whose raise did not reach the store raises it now
            hot.raise_item(
                ItemKind.ALERT,
                sev,
                alert_title(alert),
                alert["parties"],
                alert=alert,
                source_ref=aid,
                at=t,
            )
            self._pushed[aid] = _Pushed(sev, t)
        elif e["event"] == "updated":
            last = self._pushed.get(aid)
            if last is None or sev != last.severity or t - last.at >= self.update_every_s:
                hot.update_alert(aid, alert, sev, t, alert_title(alert))
                self._pushed[aid] = _Pushed(max(sev, last.severity) if last else sev, t)
        else:
            hot.clear_alert(aid, t, alert)
            self._pushed.pop(aid, None)

    def _intents_of(self, alert: dict[str, Any], now: float) -> list[str]:
        """The intents a nonconforming track belongs to: the nearest one the engine found; else
        those of its party that name the track (``details.callsign``/``details.tracks``); else
        the party's only intent active now.  Ambiguity marks nothing (the alert still goes out)."""
        if alert.get("intent_id"):
            return [str(alert["intent_id"]).split("#")[0]]
        party, track = alert["parties"][0], alert["tracks"][0]
        last = self.last
        callsign = ""
        if last is not None:
            hit = np.flatnonzero(last.snapshot.track_id == track)
            callsign = str(last.snapshot.callsign[hit[0]]) if hit.size else ""
        active = [
            it
            for it in self.services.intents.list_own(party, [State.ACTIVATED, State.NONCONFORMING])
            if it.t_start <= now < it.t_end
        ]
        named = [
            it.id
            for it in active
            if track in it.details.get("tracks", [])
            or (callsign and it.details.get("callsign") == callsign)
        ]
        if named:
            return named
        return [active[0].id] if len(active) == 1 else []

    def _nonconforming(self, intent_id: str) -> None:
        it = self.services.store.transact(
            lambda c: intent_repo.get_intent(c, intent_id), write=False
        )
        if it is not None and it.state is State.ACTIVATED:
            self.services.intents.set_state(it.owner, it.id, it.version, State.NONCONFORMING)

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._last_good = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="skyaccord-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self._wake.clear()
            try:
                self.cycle()
                self._last_good = time.monotonic()
            except Exception:  # the loop must survive anything one cycle does
                self.services.metrics.cycle_failures.inc()
                log.exception("engine cycle failed")
            try:
                self.services.delivery.run_once()
            except Exception:
                log.exception("webhook delivery failed")
            # Wait for new tracks (at most one full period), then keep the minimum spacing.
            self._wake.wait(max(0.0, started + self.cycle_s - time.monotonic()))
            self._stop.wait(max(0.0, started + self.min_cycle_s - time.monotonic()))

    def stalled_s(self) -> float | None:
        """Seconds since the engine thread last completed a cycle, when that is more than five
        periods (at least 1 s): the service is up but no longer detecting.  None otherwise, or
        when the thread is not running (cycles driven by hand: replay, tests)."""
        if self._thread is None:
            return None
        age = time.monotonic() - self._last_good
        return age if age > max(1.0, 5 * self.cycle_s) else None

    # -- the picture --------------------------------------------------------------------------

    def picture(self, viewer: str) -> dict[str, Any]:
        """What ``viewer`` may see now: its tracks and others' as shared, with short trails,
        and the open alerts it is addressed in."""
        last = self.last
        if last is None:
            return {"time": None, "cycle": 0, "tracks": [], "alerts": []}
        snap = last.snapshot
        mask = self._visible(viewer, snap)
        idx = np.flatnonzero(mask)
        ids = snap.track_id[idx]
        trails = self._trail_points(ids)
        tracks = []
        for k, i in enumerate(idx):
            tracks.append(
                {
                    "id": str(snap.track_id[i]),
                    "party": str(snap.party[i]),
                    "callsign": str(snap.callsign[i]),
                    "icao24": None if snap.icao24[i] < 0 else f"{int(snap.icao24[i]):06x}",
                    "lat_deg": round(float(snap.lat_deg[i]), 6),
                    "lon_deg": round(float(snap.lon_deg[i]), 6),
                    "alt_m": _r(snap.alt_m[i], 1),
                    "gs_mps": _r(snap.gs_mps[i], 1),
                    "track_deg": _r(snap.track_deg[i], 1),
                    "vrate_mps": _r(snap.vrate_mps[i], 2),
                    "coasting": bool(snap.coasting[i]),
                    "trail": trails[k],
                }
            )
        alerts = [a for a in last.alerts if viewer in a.get("parties", [])]
        return {
            "time": format_time(last.time),
            "cycle": self.engine.cycle,
            "tracks": tracks,
            "alerts": alerts,
        }

    def _visible(self, viewer: str, snap: TrackSnapshot) -> np.ndarray:
        sharing = self.services.sharing
        owners = {str(p) for p in np.unique(snap.party)} - {viewer}
        policies = {o: sharing.policy(o, viewer) for o in owners}
        own = snap.party == viewer
        anchors = [snap.ecef_m()[own]]
        for a in self._own_airspace(viewer):
            for v in a.volumes:
                step = max(1, len(v.outline.lat) // 200)
                anchors.append(
                    frames.geodetic_to_ecef(v.outline.lat[::step], v.outline.lon[::step], 0.0)
                )
        anchor = np.concatenate(anchors) if anchors else np.zeros((0, 3))
        mask = visible_mask(viewer, snap.party, snap.ecef_m(), policies, anchor)
        # Tracks in an alert that concerns the viewer are always shown with it.
        if self.last is not None:
            shown = {
                t
                for a in self.last.alerts
                if viewer in a.get("parties", [])
                for t in a.get("tracks", [])
            }
            if shown:
                mask |= np.isin(snap.track_id, list(shown))
        return mask

    def _own_airspace(self, viewer: str) -> list[Any]:
        cache = getattr(self, "_air_cache", None)
        if cache is None or self._airspace_dirty:
            cache = {}
            for a in self.services.airspace.list():
                cache.setdefault(a.owner, []).append(a)
            self._air_cache = cache
        out: list[Any] = cache.get(viewer, [])
        return out

    def _trail_points(self, ids: np.ndarray) -> list[list[list[float]]]:
        out: list[list[list[float]]] = [[] for _ in range(len(ids))]
        for _, snap in self._trails:
            order = np.argsort(snap.track_id)
            sorted_ids = snap.track_id[order]
            pos = np.searchsorted(sorted_ids, ids)
            pos = np.clip(pos, 0, max(len(sorted_ids) - 1, 0))
            if len(sorted_ids) == 0:
                continue
            hit = sorted_ids[pos] == ids
            rows = order[pos]
            for k in np.flatnonzero(hit):
                r = rows[k]
                out[k].append([round(float(snap.lat_deg[r]), 5), round(float(snap.lon_deg[r]), 5)])
        return out


def _r(x: float, nd: int) -> float | None:
    v = float(x)
    return None if not np.isfinite(v) else round(v, nd)
