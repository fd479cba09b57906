"""The hotline service: raise, update and clear items; acknowledge; talk; escalate; deliver.

Every change is written in one transaction together with a feed entry for each addressed party
(the durable, ordered stream that WebSocket clients resume from and webhooks drain) and a ledger
entry.  :class:`FeedNotifier` wakes the live connections after the commit.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from skyaccord.clock import Clock, SystemClock
from skyaccord.errors import NotFound, PermissionDenied, ValidationError
from skyaccord.hotline.model import (
    ACK_ROLES,
    ItemKind,
    ItemState,
    Policy,
    Severity,
)
from skyaccord.services.auth import Principal, Role
from skyaccord.services.recording import LedgerHook
from skyaccord.store import Store
from skyaccord.store import hotline as repo
from skyaccord.store import parties as parties_repo
from skyaccord.timefmt import format_time

MAX_TEXT = 4000


class FeedNotifier:
    """Wakes every waiting live connection when the feed grows (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def register(self) -> asyncio.Event:
        ev = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), ev))
        return ev

    def unregister(self, ev: asyncio.Event) -> None:
        with self._lock:
            self._waiters = {w for w in self._waiters if w[1] is not ev}

    generation = 0
    """Incremented at every notification: a feed read started before it may be stale."""

    def notify(self) -> None:
        with self._lock:
            self.generation += 1
            waiters = list(self._waiters)
        for loop, ev in waiters:
            try:
                loop.call_soon_threadsafe(ev.set)
            except RuntimeError:  # loop closed
                self.unregister(ev)


def item_json(
    row: Any, parties: Sequence[Any], messages: Sequence[Any] | None = None
) -> dict[str, Any]:
    """An item as every addressed party sees it."""
    out: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "severity": Severity(row.severity).label,
        "title": row.title,
        "state": row.state,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
        "deadline_at": format_time(row.deadline_at),
        "escalation_level": row.escalation_level,
        "created_by": row.created_by,
        "parties": [
            {
                "party": p.party,
                "roles": list(p.roles),
                "delivered_at": None if p.delivered_at is None else format_time(p.delivered_at),
                "acked_at": None if p.acked_at is None else format_time(p.acked_at),
                "acked_by": p.acked_by,
                "signed": p.signature is not None,
            }
            for p in parties
        ],
        "alert": row.alert,
        "body": row.body,
    }
    if messages is not None:
        out["messages"] = [
            {
                "id": m.id,
                "item_id": m.item_id,
                "party": m.party,
                "role": m.role,
                "text": m.text,
                "time": format_time(m.time),
            }
            for m in messages
        ]
    return out


class HotlineService:
    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        policy: Policy | None = None,
        notifier: FeedNotifier | None = None,
        ledger: LedgerHook | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.policy = policy or Policy()
        self.notifier = notifier or FeedNotifier()
        self._ledger = ledger
        self.observe_ack: Callable[[float], None] | None = None
        self._feed_cache: dict[tuple[str, int, int], tuple[int, list[dict[str, Any]]]] = {}
        self._delivered: set[tuple[str, str]] = set()  # recorded this process (the store knows all)

    def _log(
        self,
        conn: Connection,
        kind: str,
        actor: str | None,
        payload: dict[str, Any],
        at: float,
        signature: str | None = None,
        key_id: str | None = None,
    ) -> None:
        if self._ledger is not None:
            self._ledger(conn, kind, actor or "server", payload, at, signature, key_id)
        elif signature is not None:
            raise ValidationError("signature", "this server keeps no ledger to check signatures")

    def _commit(self, fn: Callable[[Connection], Any]) -> Any:
        result = self.store.transact(fn)
        self.notifier.notify()
        return result

    # -- raising ----------------------------------------------------------------------------

    def raise_item(
        self,
        kind: ItemKind,
        severity: Severity,
        title: str,
        parties: Sequence[str],
        *,
        alert: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        source_ref: str | None = None,
        created_by: str | None = None,
        at: float | None = None,
        conn: Connection | None = None,
    ) -> str:
        """A new item addressed to ``parties`` (duty officers first); returns its id.

        With ``conn`` the item is written in the caller's open transaction (so it lands with
        whatever caused it, or not at all) and the caller wakes the listeners after commit.
        """
        if not parties:
            raise ValidationError("to", "an item needs at least one addressed party")
        now = self.clock.now() if at is None else at
        item_id = uuid.uuid4().hex
        roles = self.policy.roles_at(0)

        def run(conn: Connection) -> str:
            repo.insert_item(
                conn,
                {
                    "id": item_id,
                    "kind": kind.value,
                    "severity": int(severity),
                    "title": title,
                    "state": ItemState.OPEN.value,
                    "source_ref": source_ref,
                    "alert": alert,
                    "body": body or {},
                    "created_at": now,
                    "updated_at": now,
                    "deadline_at": self.policy.deadline(severity, now),
                    "escalation_level": 0,
                    "created_by": created_by,
                },
                {p: roles for p in sorted(set(parties))},
            )
            repo.append_feed(conn, sorted(set(parties)), item_id, "item.created", now)
            self._log(
                conn,
                f"hotline.{kind.value}",
                created_by,
                {
                    "item_id": item_id,
                    "severity": severity.label,
                    "title": title,
                    "parties": sorted(set(parties)),
                    "alert": alert,
                    "body": body or {},
                },
                now,
            )
            return item_id

        if conn is not None:
            return run(conn)
        out: str = self._commit(run)
        return out

    def open_alert_refs(self) -> list[str]:
        """Source refs (engine alert ids) of alert items not yet cleared."""
        rows = self.store.transact(repo.open_alert_refs, write=False)
        return [str(r) for r in rows]

    def update_alert(
        self,
        source_ref: str,
        alert: dict[str, Any],
        severity: Severity,
        at: float,
        title: str | None = None,
    ) -> str | None:
        """The open item for an engine alert gets the alert's new figures; severity only rises."""

        def run(conn: Connection) -> str | None:
            row = repo.open_item_by_ref(conn, source_ref)
            if row is None:
                return None
            sev = max(Severity(row.severity), severity)
            deadline = row.deadline_at
            if sev > row.severity:  # more urgent now: the deadline cannot be later than the new one
                deadline = min(deadline, self.policy.deadline(sev, at))
            repo.update_item(
                conn,
                row.id,
                alert=alert,
                severity=int(sev),
                updated_at=at,
                deadline_at=deadline,
                title=title or row.title,
            )
            parties = [p.party for p in repo.party_rows(conn, [row.id])[row.id]]
            repo.append_feed(conn, parties, row.id, "item.updated", at)
            self._log(conn, "hotline.alert.updated", None, {"item_id": row.id, "alert": alert}, at)
            return str(row.id)

        out: str | None = self._commit(run)
        return out

    def clear_alert(
        self, source_ref: str, at: float, alert: dict[str, Any] | None = None
    ) -> str | None:
        def run(conn: Connection) -> str | None:
            row = repo.open_item_by_ref(conn, source_ref)
            if row is None:
                return None
            values: dict[str, Any] = {"state": ItemState.CLEARED.value, "updated_at": at}
            if alert is not None:
                values["alert"] = alert
            repo.update_item(conn, row.id, **values)
            parties = [p.party for p in repo.party_rows(conn, [row.id])[row.id]]
            repo.append_feed(conn, parties, row.id, "item.cleared", at)
            self._log(conn, "hotline.alert.cleared", None, {"item_id": row.id}, at)
            return str(row.id)

        out: str | None = self._commit(run)
        return out

    # -- duty officers ------------------------------------------------------------------------

    def _addressed(self, conn: Connection, party: str, item_id: str) -> tuple[Any, list[Any]]:
        row = repo.item_row(conn, item_id)
        if row is None:
            raise NotFound(f"hotline item {item_id!r} does not exist")
        parties = repo.party_rows(conn, [item_id])[item_id]
        if party not in {p.party for p in parties}:
            raise PermissionDenied(f"hotline item {item_id!r} is not addressed to {party}")
        return row, parties

    def ack(
        self, who: Principal, item_id: str, signature: str | None = None, key_id: str | None = None
    ) -> dict[str, Any]:
        """Acknowledges an item for the caller's party (duty officer or admin), optionally signed:
        Ed25519 over the canonical JSON of ``{"item_id": id, "party": party}``."""
        party = who.require_party()
        if who.role.value not in ACK_ROLES:
            raise PermissionDenied(
                f"role {who.role.value} may not acknowledge (needs: duty_officer, admin)"
            )
        if (signature is None) != (key_id is None):
            raise ValidationError("signature", "give both signature and key_id, or neither")
        now = self.clock.now()

        def run(conn: Connection) -> dict[str, Any]:
            row, parties = self._addressed(conn, party, item_id)
            payload = {"item_id": item_id, "party": party}
            if not repo.mark_acked(
                conn,
                item_id,
                party,
                acked_at=now,
                acked_by=who.role.value,
                ack_token=who.token_id,
                signature=signature,
                key_id=key_id,
            ):
                return self._view(conn, item_id)  # already acknowledged: idempotent
            parties = repo.party_rows(conn, [item_id])[item_id]
            values: dict[str, Any] = {"updated_at": now}
            if all(p.acked_at is not None for p in parties) and row.state == ItemState.OPEN.value:
                values["state"] = ItemState.ACKNOWLEDGED.value
            repo.update_item(conn, item_id, **values)
            repo.append_feed(conn, [p.party for p in parties], item_id, "item.acked", now)
            # The entry's payload is exactly what the party signed, so anyone can check it.
            self._log(conn, "hotline.ack", party, payload, now, signature, key_id)
            if self.observe_ack is not None:
                self.observe_ack(now - row.created_at)
            return self._view(conn, item_id)

        out: dict[str, Any] = self._commit(run)
        return out

    def post_message(self, who: Principal, item_id: str, text: str) -> dict[str, Any]:
        """Adds a line to an item's conversation thread."""
        party = who.require_party()
        if who.role is Role.OBSERVER:
            raise PermissionDenied("observers may read the hotline but not write to it")
        text = _check_text(text)
        now = self.clock.now()

        def run(conn: Connection) -> dict[str, Any]:
            _, parties = self._addressed(conn, party, item_id)
            mid = repo.insert_message(
                conn, item_id=item_id, party=party, role=who.role.value, text=text, time=now
            )
            repo.update_item(conn, item_id, updated_at=now)
            repo.append_feed(conn, [p.party for p in parties], item_id, "message", now)
            self._log(
                conn,
                "hotline.message",
                party,
                {"item_id": item_id, "message_id": mid, "text": text},
                now,
            )
            return {
                "id": mid,
                "item_id": item_id,
                "party": party,
                "role": who.role.value,
                "text": text,
                "time": format_time(now),
            }

        out: dict[str, Any] = self._commit(run)
        return out

    def send(
        self, who: Principal, to: Sequence[str], text: str, emergency: bool = False
    ) -> dict[str, Any]:
        """A free message (or an emergency message: top priority) to other parties."""
        party = who.require_party()
        if who.role is Role.OBSERVER:
            raise PermissionDenied("observers may read the hotline but not write to it")
        text = _check_text(text)
        if not to:
            raise ValidationError("to", "name at least one party")
        unlinked = sorted({p for p in to if p != party and not self.policy.linked(party, p)})
        if unlinked and not emergency:
            raise PermissionDenied(
                f"the hotline does not connect {party} with {', '.join(unlinked)}"
                " (emergency messages reach every party)"
            )
        kind = ItemKind.EMERGENCY if emergency else ItemKind.MESSAGE
        sev = Severity.EMERGENCY if emergency else Severity.INFO
        title = ("EMERGENCY from " if emergency else "Message from ") + party

        def run(conn: Connection) -> dict[str, Any]:
            for i, p in enumerate(to):
                if p == party or parties_repo.get_party(conn, p) is None:
                    why = "is the sender" if p == party else f"no party {p!r}"
                    raise ValidationError(f"to[{i}]", why)
            item_id = self.raise_item(
                kind,
                sev,
                title,
                [party, *to],
                body={"text": text, "from": party},
                created_by=party,
                conn=conn,
            )
            # the sender has seen its own message (in the same transaction: no half-sent item)
            repo.mark_acked(
                conn,
                item_id,
                party,
                acked_at=self.clock.now(),
                acked_by=who.role.value,
                ack_token=who.token_id,
            )
            return self._view(conn, item_id)

        out: dict[str, Any] = self._commit(run)
        return out

    # -- escalation ---------------------------------------------------------------------------

    def escalate_due(self, now: float | None = None) -> list[str]:
        """Every open item past its deadline with an unacknowledged party escalates once."""
        t = self.clock.now() if now is None else now

        def run(conn: Connection) -> list[str]:
            done = []
            for row in repo.overdue_items(conn, t):
                sev, level, deadline = self.policy.escalate(
                    Severity(row.severity), row.escalation_level, t
                )
                repo.update_item(
                    conn,
                    row.id,
                    severity=int(sev),
                    escalation_level=level,
                    deadline_at=deadline,
                    updated_at=t,
                )
                parties = repo.party_rows(conn, [row.id])[row.id]
                roles = self.policy.roles_at(level)
                unacked = [p.party for p in parties if p.acked_at is None]
                for p in unacked:
                    repo.set_roles(conn, row.id, p, roles)
                repo.append_feed(conn, [p.party for p in parties], row.id, "item.escalated", t)
                self._log(
                    conn,
                    "hotline.escalated",
                    None,
                    {
                        "item_id": row.id,
                        "level": level,
                        "severity": sev.label,
                        "unacknowledged": unacked,
                    },
                    t,
                )
                done.append(str(row.id))
            return done

        out: list[str] = self._commit(run)
        return out

    # -- reading and delivery -----------------------------------------------------------------

    def _view(self, conn: Connection, item_id: str, messages: bool = True) -> dict[str, Any]:
        row = repo.item_row(conn, item_id)
        parties = repo.party_rows(conn, [item_id])[item_id]
        msgs = repo.message_rows(conn, [item_id])[item_id] if messages else None
        return item_json(row, parties, msgs)

    def item(self, party: str, item_id: str) -> dict[str, Any]:
        def run(conn: Connection) -> dict[str, Any]:
            self._addressed(conn, party, item_id)
            return self._view(conn, item_id)

        out: dict[str, Any] = self.store.transact(run, write=False)
        return out

    def items(
        self, party: str, state: str | None = None, limit: int = 100, *, unacked: bool = False
    ) -> list[dict[str, Any]]:
        def run(conn: Connection) -> list[dict[str, Any]]:
            rows = repo.list_items(conn, party, state, limit, unacked=unacked)
            ids = [r.id for r in rows]
            parties = repo.party_rows(conn, ids)
            msgs = repo.message_rows(conn, ids)
            return [item_json(r, parties[r.id], msgs[r.id]) for r in rows]

        out: list[dict[str, Any]] = self.store.transact(run, write=False)
        return out

    def feed(self, party: str, after_seq: int, limit: int = 200) -> list[dict[str, Any]]:
        """Feed entries of ``party`` after ``after_seq``, each with the item as it is now.

        Every connection of a party asks the same question after a notification, so answers
        are shared until the next one: an answer read before a notification is never reused
        after it (generations), so no connection can miss an entry.
        """
        key = (party, after_seq, limit)
        gen = self.notifier.generation
        hit = self._feed_cache.get(key)
        if hit is not None and hit[0] == gen:
            return hit[1]

        def run(conn: Connection) -> list[dict[str, Any]]:
            rows = repo.feed_after(conn, party, after_seq, limit)
            ids = sorted({r.item_id for r in rows})
            views = {}
            parties = repo.party_rows(conn, ids)
            msgs = repo.message_rows(conn, ids)
            for i in ids:
                views[i] = item_json(repo.item_row(conn, i), parties[i], msgs[i])
            return [
                {
                    "seq": r.seq,
                    "event": r.event,
                    "time": format_time(r.time),
                    "item": views[r.item_id],
                }
                for r in rows
            ]

        out: list[dict[str, Any]] = self.store.transact(run, write=False)
        if len(self._feed_cache) > 10_000:
            self._feed_cache.clear()
        self._feed_cache[key] = (gen, out)
        return out

    def delivered(self, party: str, item_ids: Sequence[str]) -> None:
        """Records the first delivery of each item to ``party`` (ledger: who was told when)."""
        new = [i for i in item_ids if (party, i) not in self._delivered]
        if not new:
            return
        if len(self._delivered) > 200_000:
            self._delivered.clear()
        self._delivered.update((party, i) for i in new)
        item_ids = new
        now = self.clock.now()

        def run(conn: Connection) -> None:
            for i in item_ids:
                if repo.mark_delivered(conn, i, party, now):
                    self._log(conn, "hotline.delivery", party, {"item_id": i, "party": party}, now)

        try:
            self.store.transact(run)
        except BaseException:
            self._delivered.difference_update((party, i) for i in item_ids)  # try again next time
            raise


def _check_text(text: str) -> str:
    t = text.strip()
    if not t:
        raise ValidationError("text", "is empty")
    if len(t) > MAX_TEXT:
        raise ValidationError("text", f"is longer than {MAX_TEXT} characters")
    return t


def filing_notices(hotline: HotlineService) -> Callable[[Connection, Any], None]:
    """A hook run inside each filing's transaction: every conflict found at filing, and every
    notice violation, goes on the hotline of the parties concerned (the overlap only, never
    the other party's details) — committed with the filing, or not at all."""
    from skyaccord.services.intents import FilingResult, conflict_json

    def hook(conn: Connection, result: FilingResult) -> None:
        it = result.intent
        by_party: dict[str, list[Any]] = {}
        for c in result.conflicts:
            by_party.setdefault(c.other_owner, []).append(c)
        for other, found in sorted(by_party.items()):  # one item per party concerned
            names = ", ".join(
                f"{'protected airspace' if c.kind == 'airspace' else 'operation'} {c.other_id}"
                for c in found
            )
            hotline.raise_item(
                ItemKind.FILING,
                Severity.CAUTION if any(c.kind == "airspace" for c in found) else Severity.INFO,
                f"{it.owner} filed {it.id} overlapping {other}'s {names}",
                [it.owner, other],
                body={
                    "intent_id": it.id,
                    "intent_owner": it.owner,
                    "version": it.version,
                    "conflicts": [conflict_json(c) for c in found],
                },
                source_ref=f"filing:{it.id}:{it.version}:{other}",
                created_by=it.owner,
                at=it.updated_at,
                conn=conn,
            )
        for n in result.notice_violations:
            hotline.raise_item(
                ItemKind.NOTICE_VIOLATION,
                Severity.WARNING,
                f"{n.from_party} gave {n.to_party} {n.notice_s:.0f} s notice of {it.id} "
                f"({n.required_s:.0f} s required)",
                [n.from_party, n.to_party],
                body={
                    "intent_id": it.id,
                    "version": it.version,
                    "from_party": n.from_party,
                    "to_party": n.to_party,
                    "filed_at": format_time(n.filed_at),
                    "start_at": format_time(n.start_at),
                    "notice_s": n.notice_s,
                    "required_s": n.required_s,
                },
                source_ref=f"notice:{it.id}:{it.version}:{n.to_party}",
                created_by=it.owner,
                at=n.filed_at,
                conn=conn,
            )

    return hook
