"""Hotline items, addressees, threads, the per-party feed, webhooks and sharing policies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skyaccord.store.hotline_schema import (
    hotline_feed,
    hotline_items,
    hotline_messages,
    hotline_parties,
    sharing_policies,
    webhooks,
)


def insert_item(conn: Connection, item: dict[str, Any], parties: dict[str, Sequence[str]]) -> None:
    conn.execute(hotline_items.insert().values(**item))
    conn.execute(
        hotline_parties.insert(),
        [{"item_id": item["id"], "party": p, "roles": list(r)} for p, r in parties.items()],
    )


def update_item(conn: Connection, item_id: str, **values: Any) -> None:
    conn.execute(hotline_items.update().where(hotline_items.c.id == item_id).values(**values))


def set_roles(conn: Connection, item_id: str, party: str, roles: Sequence[str]) -> None:
    conn.execute(
        hotline_parties.update()
        .where(hotline_parties.c.item_id == item_id, hotline_parties.c.party == party)
        .values(roles=list(roles))
    )


def item_row(conn: Connection, item_id: str) -> Any:
    return conn.execute(sa.select(hotline_items).where(hotline_items.c.id == item_id)).first()


def open_item_by_ref(conn: Connection, source_ref: str) -> Any:
    return conn.execute(
        sa.select(hotline_items)
        .where(hotline_items.c.source_ref == source_ref, hotline_items.c.state != "cleared")
        .order_by(hotline_items.c.created_at.desc())
        .limit(1)
    ).first()


def open_alert_refs(conn: Connection) -> list[str]:
    rows = conn.execute(
        sa.select(hotline_items.c.source_ref).where(
            hotline_items.c.kind == "alert",
            hotline_items.c.state != "cleared",
            hotline_items.c.source_ref.is_not(None),
        )
    )
    return [r.source_ref for r in rows]


def party_rows(conn: Connection, item_ids: Sequence[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {i: [] for i in item_ids}
    if item_ids:
        rows = conn.execute(
            sa.select(hotline_parties)
            .where(hotline_parties.c.item_id.in_(list(item_ids)))
            .order_by(hotline_parties.c.party)
        )
        for r in rows:
            out[r.item_id].append(r)
    return out


def message_rows(conn: Connection, item_ids: Sequence[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {i: [] for i in item_ids}
    if item_ids:
        rows = conn.execute(
            sa.select(hotline_messages)
            .where(hotline_messages.c.item_id.in_(list(item_ids)))
            .order_by(hotline_messages.c.id)
        )
        for r in rows:
            out[r.item_id].append(r)
    return out


def mark_acked(conn: Connection, item_id: str, party: str, **values: Any) -> bool:
    res = conn.execute(
        hotline_parties.update()
        .where(
            hotline_parties.c.item_id == item_id,
            hotline_parties.c.party == party,
            hotline_parties.c.acked_at.is_(None),
        )
        .values(**values)
    )
    return bool(res.rowcount)


def mark_delivered(conn: Connection, item_id: str, party: str, at: float) -> bool:
    res = conn.execute(
        hotline_parties.update()
        .where(
            hotline_parties.c.item_id == item_id,
            hotline_parties.c.party == party,
            hotline_parties.c.delivered_at.is_(None),
        )
        .values(delivered_at=at)
    )
    return bool(res.rowcount)


def insert_message(conn: Connection, **values: Any) -> int:
    res = conn.execute(hotline_messages.insert().values(**values))
    pk = res.inserted_primary_key
    return int(pk[0]) if pk else 0


def append_feed(
    conn: Connection, parties: Sequence[str], item_id: str, event: str, at: float
) -> None:
    conn.execute(
        hotline_feed.insert(),
        [{"party": p, "item_id": item_id, "event": event, "time": at} for p in parties],
    )


def feed_after(conn: Connection, party: str, after_seq: int, limit: int = 500) -> list[Any]:
    return list(
        conn.execute(
            sa.select(hotline_feed)
            .where(hotline_feed.c.party == party, hotline_feed.c.seq > after_seq)
            .order_by(hotline_feed.c.seq)
            .limit(limit)
        )
    )


def head_seq(conn: Connection) -> int:
    return int(
        conn.execute(sa.select(sa.func.coalesce(sa.func.max(hotline_feed.c.seq), 0))).scalar_one()
    )


def list_items(
    conn: Connection, party: str, state: str | None, limit: int, *, unacked: bool = False
) -> list[Any]:
    """Items addressed to ``party``, newest first; only in ``state``, or only those ``party``
    has not acknowledged (``unacked``), when asked."""
    q = (
        sa.select(hotline_items)
        .join(hotline_parties, hotline_parties.c.item_id == hotline_items.c.id)
        .where(hotline_parties.c.party == party)
        .order_by(hotline_items.c.created_at.desc())
        .limit(limit)
    )
    if state is not None:
        q = q.where(hotline_items.c.state == state)
    if unacked:
        q = q.where(hotline_parties.c.acked_at.is_(None))
    return list(conn.execute(q))


def overdue_items(conn: Connection, now: float) -> list[Any]:
    """Open items past their deadline with at least one addressee that has not acknowledged."""
    unacked = (
        sa.select(hotline_parties.c.item_id)
        .where(hotline_parties.c.acked_at.is_(None))
        .distinct()
        .subquery()
    )
    return list(
        conn.execute(
            sa.select(hotline_items)
            .join(unacked, unacked.c.item_id == hotline_items.c.id)
            .where(hotline_items.c.state != "cleared", hotline_items.c.deadline_at <= now)
        )
    )


# -- webhooks -------------------------------------------------------------------------------


def set_webhook(
    conn: Connection, party: str, url: str, secret: str, at: float, from_seq: int
) -> None:
    conn.execute(webhooks.delete().where(webhooks.c.party == party))
    conn.execute(
        webhooks.insert().values(
            party=party,
            url=url,
            secret=secret,
            created_at=at,
            delivered_seq=from_seq,
            attempts=0,
            next_attempt_at=0.0,
        )
    )


def delete_webhook(conn: Connection, party: str) -> None:
    conn.execute(webhooks.delete().where(webhooks.c.party == party))


def webhook_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(webhooks)))


def update_webhook(conn: Connection, party: str, **values: Any) -> None:
    conn.execute(webhooks.update().where(webhooks.c.party == party).values(**values))


# -- sharing --------------------------------------------------------------------------------


def set_sharing(conn: Connection, owner: str, viewer: str, mode: str, near_m: float) -> None:
    conn.execute(
        sharing_policies.delete().where(
            sharing_policies.c.owner == owner, sharing_policies.c.viewer == viewer
        )
    )
    conn.execute(
        sharing_policies.insert().values(owner=owner, viewer=viewer, mode=mode, near_m=near_m)
    )


def sharing_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(sharing_policies)))
