"""Tables (SQLAlchemy Core).  The same schema runs on SQLite and PostgreSQL; Alembic migrates it.

Times are POSIX seconds (double precision); lengths metres; outlines are little-endian float64
vertex arrays (``lat``, ``lon``) so that thousands of them decode with one ``numpy.frombuffer``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(64)

parties = Table(
    "parties",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("contact", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("party_id", ID, ForeignKey("parties.id"), nullable=True, index=True),
    Column("role", String(32), nullable=False),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
)

notice_rules = Table(
    "notice_rules",
    metadata,
    Column("from_party", ID, ForeignKey("parties.id"), primary_key=True),
    Column("to_party", ID, ForeignKey("parties.id"), primary_key=True),
    Column("min_notice_s", Float, nullable=False),
)


def _volume_columns() -> list[Column[object]]:
    return [
        Column("idx", Integer, primary_key=True),
        Column("lat", LargeBinary, nullable=False),
        Column("lon", LargeBinary, nullable=False),
        Column("circle", JSON, nullable=True),
        Column("cx", Float, nullable=False),
        Column("cy", Float, nullable=False),
        Column("cz", Float, nullable=False),
        Column("radius_rad", Float, nullable=False),
        Column("alt_lower_m", Float, nullable=False),
        Column("alt_upper_m", Float, nullable=False),
        Column("alt_reference", String(8), nullable=False),
        Column("t_start", Float, nullable=False),
        Column("t_end", Float, nullable=False),
    ]


airspace = Table(
    "airspace",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner", ID, ForeignKey("parties.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("properties", JSON, nullable=False, default=dict),
)

airspace_volumes = Table(
    "airspace_volumes",
    metadata,
    Column("airspace_id", ID, ForeignKey("airspace.id", ondelete="CASCADE"), primary_key=True),
    *_volume_columns(),
)

airspace_cells = Table(
    "airspace_cells",
    metadata,
    Column("airspace_id", ID, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("cell", BigInteger, nullable=False),
    Column("lo", BigInteger, nullable=False),
    Index("ix_airspace_cells_cell", "cell"),
    Index("ix_airspace_cells_lo", "lo"),
    Index("ix_airspace_cells_airspace_id", "airspace_id"),
)

intents = Table(
    "intents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner", ID, ForeignKey("parties.id"), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("ovn", String(64), nullable=False),
    Column("priority", Integer, nullable=False, default=0),
    Column("t_start", Float, nullable=False),
    Column("t_end", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("details", JSON, nullable=False, default=dict),
    Column("ended_reason", String(16), nullable=True),
    Index("ix_intents_owner_t_end", "owner", "t_end"),
)

intent_volumes = Table(
    "intent_volumes",
    metadata,
    Column("intent_id", ID, ForeignKey("intents.id", ondelete="CASCADE"), primary_key=True),
    *_volume_columns(),
)

intent_cells = Table(
    "intent_cells",
    metadata,
    Column("intent_id", ID, nullable=False),
    Column("cell", BigInteger, nullable=False),
    Column("lo", BigInteger, nullable=False),
    Column("t_start", Float, nullable=False),
    Column("t_end", Float, nullable=False),
    # Covering indexes: a look-up by cell (or range of lo) and time reads no table rows.
    Index("ix_intent_cells_cover_cell", "cell", "t_end", "t_start", "intent_id"),
    Index("ix_intent_cells_cover_lo", "lo", "t_end", "t_start", "intent_id"),
    Index("ix_intent_cells_intent_id", "intent_id"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("intent_id", ID, nullable=False, index=True),
    Column("intent_version", Integer, nullable=False),
    Column("intent_owner", ID, nullable=False),
    Column("other_kind", String(16), nullable=False),
    Column("other_id", ID, nullable=False, index=True),
    Column("other_owner", ID, nullable=False),
    Column("overlap", JSON, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("alt_lower_m", Float, nullable=False),
    Column("alt_upper_m", Float, nullable=False),
    Column("t_start", Float, nullable=False),
    Column("t_end", Float, nullable=False),
    Column("detected_at", Float, nullable=False),
)

notice_violations = Table(
    "notice_violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("intent_id", ID, nullable=False, index=True),
    Column("intent_version", Integer, nullable=False),
    Column("from_party", ID, nullable=False),
    Column("to_party", ID, nullable=False),
    Column("filed_at", Float, nullable=False),
    Column("start_at", Float, nullable=False),
    Column("notice_s", Float, nullable=False),
    Column("required_s", Float, nullable=False),
    UniqueConstraint("intent_id", "intent_version", "to_party"),
)

# --- ledger (skyaccord.ledger): the hash-chained record and the parties' signing keys ---------

ledger = Table(
    "ledger",
    metadata,
    # seq is assigned by skyaccord.ledger.store.append (previous + 1), never by the database;
    # the primary key is what makes two concurrent appends of the same seq impossible.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", Float, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("actor", ID, nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON text, exactly as hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signature", String(128), nullable=True),
    Column("key_id", String(64), nullable=True),
)

party_keys = Table(
    "party_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("party_id", ID, ForeignKey("parties.id"), nullable=False, index=True),
    Column("public_key_pem", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)
