"""Tables of the hotline: items, their addressees, threads, the per-party delivery feed,
webhooks, and track-sharing policies between parties."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from skyaccord.store.schema import ID, metadata

hotline_items = Table(
    "hotline_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("source_ref", String(128), nullable=True, index=True),
    Column("alert", JSON, nullable=True),
    Column("body", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("deadline_at", Float, nullable=False),
    Column("escalation_level", Integer, nullable=False, default=0),
    Column("created_by", ID, nullable=True),
)

hotline_parties = Table(
    "hotline_parties",
    metadata,
    Column("item_id", ID, ForeignKey("hotline_items.id", ondelete="CASCADE"), primary_key=True),
    Column("party", ID, primary_key=True),
    Column("roles", JSON, nullable=False),
    Column("delivered_at", Float, nullable=True),
    Column("acked_at", Float, nullable=True),
    Column("acked_by", String(32), nullable=True),
    Column("ack_token", ID, nullable=True),
    Column("signature", Text, nullable=True),
    Column("key_id", ID, nullable=True),
    Index("ix_hotline_parties_party_acked_at", "party", "acked_at"),
)

hotline_messages = Table(
    "hotline_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "item_id",
        ID,
        ForeignKey("hotline_items.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("party", ID, nullable=False),
    Column("role", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("time", Float, nullable=False),
)

hotline_feed = Table(
    "hotline_feed",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("party", ID, nullable=False),
    Column("item_id", ID, nullable=False),
    Column("event", String(24), nullable=False),
    Column("time", Float, nullable=False),
    Index("ix_hotline_feed_party_seq", "party", "seq"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("party", ID, ForeignKey("parties.id"), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("delivered_seq", BigInteger, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, default=0.0),
    Column("last_error", Text, nullable=True),
)

sharing_policies = Table(
    "sharing_policies",
    metadata,
    Column("owner", ID, ForeignKey("parties.id"), primary_key=True),
    Column("viewer", ID, ForeignKey("parties.id"), primary_key=True),
    Column("mode", String(8), nullable=False),
    Column("near_m", Float, nullable=False),
)
