"""The child process of ``test_concurrency``: one party filing, round after round, at the same
moment as the other party (a barrier), each process with its own :class:`Store`.

Kept in its own small module so that a ``spawn`` child imports only this, not the test.
"""

from __future__ import annotations

from typing import Any

from skyaccord.clock import ManualClock
from skyaccord.errors import MissingKeys
from skyaccord.intents.wire import filing_from_json
from skyaccord.services.intents import IntentService
from skyaccord.store import Store
from skyaccord.timefmt import format_time

T0 = 1_700_000_000.0


def area(round_no: int, party_no: int) -> dict[str, Any]:
    """A fresh area per round; the two parties' boxes overlap by a quarter."""
    lat = 10.0 + 0.5 * round_no + 0.05 * party_no
    lon = 20.0 + 0.05 * party_no
    corners = [(lat, lon), (lat, lon + 0.1), (lat + 0.1, lon + 0.1), (lat + 0.1, lon)]
    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in corners]},
            "altitude_lower": {"value": 1000, "units": "M"},
            "altitude_upper": {"value": 2000, "units": "M"},
        },
        "time_start": format_time(T0 + 3600),
        "time_end": format_time(T0 + 7200),
    }


def run(url: str, party: str, party_no: int, rounds: int, barrier: Any, out: Any) -> None:
    """Files one intent per round; on a 409 presents what it lists and files again, as a
    planner would.  Reports ``(round, party, intent id, OVN, key presented, refused first)``."""
    store = Store(url)
    svc = IntentService(store, ManualClock(T0))
    try:
        for k in range(rounds):
            iid = f"r{k}-{party}"
            filing = filing_from_json({"volumes": [area(k, party_no)]}).filing
            barrier.wait(timeout=120)
            refused = False
            try:
                result = svc.file(party, filing, iid)
            except MissingKeys as e:
                refused = True
                keyed = type(filing)(filing.volumes, frozenset(m["ovn"] for m in e.missing))
                filing = keyed
                result = svc.file(party, filing, iid)
            out.put((k, party, iid, result.intent.ovn, sorted(filing.key), refused))
    except BaseException as e:  # report instead of hanging the parent
        out.put(("error", party, repr(e)))
        barrier.abort()
        raise
    finally:
        store.dispose()
