"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 03:59:29.129964
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "airspace_cells",
        sa.Column("airspace_id", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("airspace_cells", schema=None) as batch_op:
        batch_op.create_index("ix_airspace_cells_airspace_id", ["airspace_id"], unique=False)
        batch_op.create_index("ix_airspace_cells_cell", ["cell"], unique=False)
        batch_op.create_index("ix_airspace_cells_lo", ["lo"], unique=False)

    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intent_id", sa.String(length=64), nullable=False),
        sa.Column("intent_version", sa.Integer(), nullable=False),
        sa.Column("intent_owner", sa.String(length=64), nullable=False),
        sa.Column("other_kind", sa.String(length=16), nullable=False),
        sa.Column("other_id", sa.String(length=64), nullable=False),
        sa.Column("other_owner", sa.String(length=64), nullable=False),
        sa.Column("overlap", sa.JSON(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("alt_lower_m", sa.Float(), nullable=False),
        sa.Column("alt_upper_m", sa.Float(), nullable=False),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
        sa.Column("detected_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflicts_intent_id"), ["intent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflicts_other_id"), ["other_id"], unique=False)

    op.create_table(
        "intent_cells",
        sa.Column("intent_id", sa.String(length=64), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
    )
    with op.batch_alter_table("intent_cells", schema=None) as batch_op:
        batch_op.create_index("ix_intent_cells_cell_t_end", ["cell", "t_end"], unique=False)
        batch_op.create_index("ix_intent_cells_intent_id", ["intent_id"], unique=False)
        batch_op.create_index("ix_intent_cells_lo_t_end", ["lo", "t_end"], unique=False)

    op.create_table(
        "notice_violations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intent_id", sa.String(length=64), nullable=False),
        sa.Column("intent_version", sa.Integer(), nullable=False),
        sa.Column("from_party", sa.String(length=64), nullable=False),
        sa.Column("to_party", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.Float(), nullable=False),
        sa.Column("start_at", sa.Float(), nullable=False),
        sa.Column("notice_s", sa.Float(), nullable=False),
        sa.Column("required_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_violations")),
        sa.UniqueConstraint(
            "intent_id",
            "intent_version",
            "to_party",
            name=op.f("uq_notice_violations_intent_id_intent_version_to_party"),
        ),
    )
    with op.batch_alter_table("notice_violations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_violations_intent_id"), ["intent_id"], unique=False
        )

    op.create_table(
        "parties",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    op.create_table(
        "airspace",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["owner"], ["parties.id"], name=op.f("fk_airspace_owner_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_airspace")),
    )
    with op.batch_alter_table("airspace", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_airspace_owner"), ["owner"], unique=False)

    op.create_table(
        "intents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ovn", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("ended_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["owner"], ["parties.id"], name=op.f("fk_intents_owner_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intents")),
    )
    with op.batch_alter_table("intents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intents_owner"), ["owner"], unique=False)
        batch_op.create_index("ix_intents_owner_t_end", ["owner", "t_end"], unique=False)

    op.create_table(
        "notice_rules",
        sa.Column("from_party", sa.String(length=64), nullable=False),
        sa.Column("to_party", sa.String(length=64), nullable=False),
        sa.Column("min_notice_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_party"], ["parties.id"], name=op.f("fk_notice_rules_from_party_parties")
        ),
        sa.ForeignKeyConstraint(
            ["to_party"], ["parties.id"], name=op.f("fk_notice_rules_to_party_parties")
        ),
        sa.PrimaryKeyConstraint("from_party", "to_party", name=op.f("pk_notice_rules")),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_tokens_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_party_id"), ["party_id"], unique=False)

    op.create_table(
        "airspace_volumes",
        sa.Column("airspace_id", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("lat", sa.LargeBinary(), nullable=False),
        sa.Column("lon", sa.LargeBinary(), nullable=False),
        sa.Column("circle", sa.JSON(), nullable=True),
        sa.Column("cx", sa.Float(), nullable=False),
        sa.Column("cy", sa.Float(), nullable=False),
        sa.Column("cz", sa.Float(), nullable=False),
        sa.Column("radius_rad", sa.Float(), nullable=False),
        sa.Column("alt_lower_m", sa.Float(), nullable=False),
        sa.Column("alt_upper_m", sa.Float(), nullable=False),
        sa.Column("alt_reference", sa.String(length=8), nullable=False),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["airspace_id"],
            ["airspace.id"],
            name=op.f("fk_airspace_volumes_airspace_id_airspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("airspace_id", "idx", name=op.f("pk_airspace_volumes")),
    )
    op.create_table(
        "intent_volumes",
        sa.Column("intent_id", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("lat", sa.LargeBinary(), nullable=False),
        sa.Column("lon", sa.LargeBinary(), nullable=False),
        sa.Column("circle", sa.JSON(), nullable=True),
        sa.Column("cx", sa.Float(), nullable=False),
        sa.Column("cy", sa.Float(), nullable=False),
        sa.Column("cz", sa.Float(), nullable=False),
        sa.Column("radius_rad", sa.Float(), nullable=False),
        sa.Column("alt_lower_m", sa.Float(), nullable=False),
        sa.Column("alt_upper_m", sa.Float(), nullable=False),
        sa.Column("alt_reference", sa.String(length=8), nullable=False),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["intents.id"],
            name=op.f("fk_intent_volumes_intent_id_intents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intent_id", "idx", name=op.f("pk_intent_volumes")),
    )


def downgrade() -> None:

    op.drop_table("intent_volumes")
    op.drop_table("airspace_volumes")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_party_id"))

    op.drop_table("tokens")
    op.drop_table("notice_rules")
    with op.batch_alter_table("intents", schema=None) as batch_op:
        batch_op.drop_index("ix_intents_owner_t_end")
        batch_op.drop_index(batch_op.f("ix_intents_owner"))

    op.drop_table("intents")
    with op.batch_alter_table("airspace", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_airspace_owner"))

    op.drop_table("airspace")
    op.drop_table("parties")
    with op.batch_alter_table("notice_violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_violations_intent_id"))

    op.drop_table("notice_violations")
    with op.batch_alter_table("intent_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_intent_cells_lo_t_end")
        batch_op.drop_index("ix_intent_cells_intent_id")
        batch_op.drop_index("ix_intent_cells_cell_t_end")

    op.drop_table("intent_cells")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_other_id"))
        batch_op.drop_index(batch_op.f("ix_conflicts_intent_id"))

    op.drop_table("conflicts")
    with op.batch_alter_table("airspace_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_airspace_cells_lo")
        batch_op.drop_index("ix_airspace_cells_cell")
        batch_op.drop_index("ix_airspace_cells_airspace_id")

    op.drop_table("airspace_cells")
