"""Setting up a scenario to run: services on a given clock, its parties, airspace, sharing and
hotline settings, and a playback of its traffic and filings.  Used by ``skyaccord demo``
(real time, or faster) and ``skyaccord replay --scenario`` (simulated time)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from skyaccord.clock import Clock
from skyaccord.engine import EngineConfig
from skyaccord.hotline.model import Severity
from skyaccord.live import LiveRuntime
from skyaccord.replay.simulate import Playback
from skyaccord.scenarios.loader import Scenario
from skyaccord.scenarios.seed import file_scheduled, scheduled_filings, seed_static
from skyaccord.scenarios.settings import hotline_settings, sharing_policy
from skyaccord.scenarios.traffic import scenario_traffic
from skyaccord.services.auth import Role
from skyaccord.store import Store


@dataclass
class Prepared:
    services: Any
    playback: Playback
    tokens: dict[str, str]  # party -> duty officer token
    base: float


def prepare(
    scenario: Scenario,
    store: Store,
    clock: Clock,
    *,
    base: float | None = None,
    config: EngineConfig | None = None,
    cycle_s: float = 1.0,
) -> Prepared:
    """A scenario ready to play: static data seeded, the engine attached (not started)."""
    from skyaccord.services.container import Services

    t0 = scenario.epoch if base is None else base
    if t0 is None:
        t0 = clock.now()
    services = Services.build(store, clock)
    hs = hotline_settings(scenario)
    policy = services.hotline.policy
    deadlines = dict(policy.deadline_s)
    for name, seconds in hs.deadline_s.items():
        deadlines[Severity.parse(name)] = seconds
    services.hotline.policy = replace(
        policy, deadline_s=deadlines, roles=hs.escalation or policy.roles, links=hs.links
    )
    services.runtime = LiveRuntime(services, config, cycle_s=cycle_s, min_cycle_s=cycle_s / 2)
    static = seed_static(scenario, services.auth, services.airspace, t0)
    sharing = sharing_policy(scenario)
    parties = [p["id"] for p in scenario.data.get("parties", [])]
    for owner in parties:
        for viewer in parties:
            if owner != viewer:
                services.sharing.set(
                    owner, viewer, sharing.policy(owner, viewer), sharing.near_m(owner, viewer)
                )
    tokens = {p: services.auth.issue_token(p, Role.DUTY_OFFICER, "scenario")[1] for p in parties}
    del static  # admin tokens of the seed are not shown: duty officers sign in
    playback = Playback(scenario_traffic(scenario, t0), scheduled_filings(scenario, t0))
    return Prepared(services, playback, tokens, t0)


__all__ = ["Prepared", "file_scheduled", "prepare"]
