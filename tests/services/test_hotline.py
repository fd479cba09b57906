"""The hotline service: same item for every addressee, acknowledgement, escalation, threads,
signed acknowledgements checked by the ledger, webhook delivery with retries to a real server."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar

import pytest

from skyaccord.clock import ManualClock
from skyaccord.errors import NotFound, PermissionDenied, ValidationError
from skyaccord.hotline.model import DEADLINE_S, ItemKind, Severity
from skyaccord.ledger import signing
from skyaccord.ledger import store as ledger_store
from skyaccord.services.auth import AuthService, Principal, Role
from skyaccord.services.delivery import DeliveryService, backoff_s, signature
from skyaccord.services.hotline import HotlineService
from skyaccord.services.recording import ledger_hook
from skyaccord.store import Store


@pytest.fixture
def hot(store: Store, clock: ManualClock) -> HotlineService:
    auth = AuthService(store, clock)
    for p in ("israel", "russia", "turkey"):
        auth.add_party(p, p.title())
    return HotlineService(store, clock, ledger=ledger_hook())


def who(party: str, role: Role = Role.DUTY_OFFICER) -> Principal:
    return Principal(party, role, f"tok-{party}-{role.value}")


def raise_alert(hot: HotlineService, parties: list[str] = ["israel", "russia"]) -> str:  # noqa: B006
    return hot.raise_item(
        ItemKind.ALERT,
        Severity.WARNING,
        "Predicted infringement",
        parties,
        alert={"alert_id": "a1", "kind": "infringement"},
        source_ref="a1",
    )


def test_every_addressed_party_gets_the_same_item_in_its_feed(hot: HotlineService) -> None:
    item = raise_alert(hot)
    fi, fr, ft = (hot.feed(p, 0) for p in ("israel", "russia", "turkey"))
    assert [e["item"]["id"] for e in fi] == [item] == [e["item"]["id"] for e in fr]
    assert ft == []
    assert fi[0]["item"] == fr[0]["item"]
    assert fi[0]["event"] == "item.created"
    with pytest.raises(PermissionDenied):
        hot.item("turkey", item)


def test_ack_by_each_party_then_acknowledged(hot: HotlineService, clock: ManualClock) -> None:
    item = raise_alert(hot)
    clock.advance(5)
    v = hot.ack(who("israel"), item)
    assert v["state"] == "open"
    assert {p["party"]: p["acked_at"] is not None for p in v["parties"]} == {
        "israel": True,
        "russia": False,
    }
    assert hot.ack(who("israel"), item)["parties"] == v["parties"]  # idempotent
    v = hot.ack(who("russia", Role.ADMIN), item)
    assert v["state"] == "acknowledged"
    events = [e["event"] for e in hot.feed("russia", 0)]
    assert events == ["item.created", "item.acked", "item.acked"]


def test_roles_that_may_not_ack_or_write(hot: HotlineService) -> None:
    item = raise_alert(hot)
    for role in (Role.OBSERVER, Role.PLANNER):
        with pytest.raises(PermissionDenied):
            hot.ack(who("israel", role), item)
    with pytest.raises(PermissionDenied):
        hot.post_message(who("israel", Role.OBSERVER), item, "hello")
    with pytest.raises(PermissionDenied):
        hot.ack(who("turkey"), item)
    with pytest.raises(NotFound):
        hot.ack(who("israel"), "no-such-item")


def test_escalation_after_the_deadline(hot: HotlineService, clock: ManualClock) -> None:
    item = raise_alert(hot)
    hot.ack(who("israel"), item)
    clock.advance(DEADLINE_S[Severity.WARNING] - 1)
    assert hot.escalate_due() == []
    clock.advance(2)
    assert hot.escalate_due() == [item]
    v = hot.item("russia", item)
    assert v["severity"] == "urgent" and v["escalation_level"] == 1
    roles = {p["party"]: p["roles"] for p in v["parties"]}
    assert roles["russia"] == ["duty_officer", "admin"]  # more roles addressed
    assert roles["israel"] == ["duty_officer"]  # already acknowledged
    assert hot.escalate_due() == []  # new deadline
    clock.advance(DEADLINE_S[Severity.URGENT] + 1)
    assert hot.escalate_due() == [item]
    assert hot.item("russia", item)["escalation_level"] == 2
    hot.ack(who("russia"), item)
    clock.advance(10_000)
    assert hot.escalate_due() == []
    assert "item.escalated" in [e["event"] for e in hot.feed("israel", 0)]


def test_thread_and_messages(hot: HotlineService) -> None:
    item = raise_alert(hot)
    hot.post_message(who("israel"), item, "We see it, turning north.")
    hot.post_message(who("russia"), item, "Copy.")
    thread = hot.item("israel", item)["messages"]
    assert [(m["party"], m["text"]) for m in thread] == [
        ("israel", "We see it, turning north."),
        ("russia", "Copy."),
    ]
    with pytest.raises(ValidationError):
        hot.post_message(who("israel"), item, "   ")


def test_emergency_message_is_top_priority_and_addressed_to_both(hot: HotlineService) -> None:
    v = hot.send(who("russia"), ["israel"], "Aircraft in distress near Hmeimim", emergency=True)
    assert v["kind"] == "emergency" and v["severity"] == "emergency"
    assert {p["party"] for p in v["parties"]} == {"israel", "russia"}
    sender = next(p for p in v["parties"] if p["party"] == "russia")
    assert sender["acked_at"] is not None  # the sender has seen its own message
    assert hot.feed("israel", 0)[0]["item"]["id"] == v["id"]


def test_messages_to_unknown_parties_or_oneself_are_refused_whole(hot: HotlineService) -> None:
    for to, field in [(["russia", "nobody"], "to[1]"), (["israel"], "to[0]")]:
        with pytest.raises(ValidationError) as e:
            hot.send(who("israel"), to, "hello")
        assert e.value.field == field
    assert hot.feed("israel", 0) == hot.feed("russia", 0) == []


def test_links_limit_free_messages_not_alerts_or_emergencies(hot: HotlineService) -> None:
    """A deployment whose line connects only israel and russia (as over Syria in 2015)."""
    hot.policy = replace(hot.policy, links=frozenset({frozenset({"israel", "russia"})}))
    assert hot.send(who("russia"), ["israel"], "Sortie at 0500Z")["kind"] == "message"
    before = len(hot.feed("turkey", 0))
    with pytest.raises(PermissionDenied, match="does not connect russia with turkey"):
        hot.send(who("russia"), ["israel", "turkey"], "Sortie at 0500Z")
    assert len(hot.feed("turkey", 0)) == before == 0  # refused whole: israel got nothing more
    assert len(hot.feed("israel", 0)) == 1
    v = hot.send(who("russia"), ["turkey"], "Crew ejected near Yamadi", emergency=True)
    assert {p["party"] for p in v["parties"]} == {"russia", "turkey"}
    item = raise_alert(hot, ["russia", "turkey"])
    assert {p["party"] for p in hot.item("turkey", item)["parties"]} == {"russia", "turkey"}


def test_alert_update_raises_severity_only_and_clear_closes(
    hot: HotlineService, clock: ManualClock
) -> None:
    item = raise_alert(hot)
    assert (
        hot.update_alert("a1", {"alert_id": "a1", "depth_m": 100.0}, Severity.URGENT, clock.now())
        == item
    )
    assert hot.item("israel", item)["severity"] == "urgent"
    hot.update_alert("a1", {"alert_id": "a1"}, Severity.CAUTION, clock.now())
    assert hot.item("israel", item)["severity"] == "urgent"
    assert hot.clear_alert("a1", clock.now()) == item
    assert hot.item("israel", item)["state"] == "cleared"
    assert hot.update_alert("a1", {}, Severity.URGENT, clock.now()) is None


def test_signed_ack_is_checked_and_verifiable_in_the_ledger(
    hot: HotlineService, store: Store, clock: ManualClock
) -> None:
    key = signing.generate_private_key()
    kid = store.transact(
        lambda c: ledger_store.register_key(
            c, "russia", signing.public_key_pem(key), time=clock.now()
        )
    )
    item = raise_alert(hot)
    with pytest.raises(ValidationError):  # signed by the wrong payload
        hot.ack(
            who("russia"),
            item,
            signing.sign_payload(key, {"item_id": "other", "party": "russia"}),
            kid,
        )
    sig = signing.sign_payload(key, {"item_id": item, "party": "russia"})
    with pytest.raises(ValidationError):  # russia's key cannot sign for israel
        hot.ack(who("israel"), item, sig, kid)
    v = hot.ack(who("russia"), item, sig, kid)
    assert next(p for p in v["parties"] if p["party"] == "russia")["signed"] is True
    report = store.transact(ledger_store.verify_chain, write=False)
    assert report.ok, report
    acks = [
        e
        for e in store.transact(lambda c: ledger_store.read(c), write=False)
        if e.kind == "hotline.ack"
    ]
    assert acks[-1].signature == sig and acks[-1].payload == {"item_id": item, "party": "russia"}


class _Receiver(http.server.BaseHTTPRequestHandler):
    fail_first = 0
    received: ClassVar[list[tuple[dict[str, Any], str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        if cls.fail_first > 0:
            cls.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        cls.received.append((json.loads(body), self.headers["X-Skyaccord-Signature"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"fail_first": 2, "received": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()


def test_webhook_delivery_retries_with_backoff_and_loses_nothing(
    hot: HotlineService, store: Store, clock: ManualClock, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    delivery = DeliveryService(store, hot, clock)
    hook = delivery.set_webhook("russia", url, "s" * 20)
    first = raise_alert(hot)
    assert delivery.run_once() == 0  # 503: retry in 1 s
    assert delivery.run_once() == 0  # not due yet
    clock.advance(backoff_s(1))
    assert delivery.run_once() == 0  # 503 again: retry in 2 s
    second = hot.raise_item(ItemKind.MESSAGE, Severity.INFO, "hello", ["russia", "israel"])
    clock.advance(backoff_s(2))
    assert delivery.run_once() == 2
    ((payload, sig),) = handler.received
    assert [e["item"]["id"] for e in payload["entries"]] == [first, second]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    assert sig == signature(hook["secret"], raw)
    assert delivery.run_once() == 0  # nothing new: nothing re-sent
    v = hot.item("russia", first)
    assert next(p for p in v["parties"] if p["party"] == "russia")["delivered_at"] is not None
