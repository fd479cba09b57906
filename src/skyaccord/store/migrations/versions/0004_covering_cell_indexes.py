"""covering indexes for the intent cell look-up

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 06:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intent_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_intent_cells_cell_t_end")
        batch_op.drop_index("ix_intent_cells_lo_t_end")
        batch_op.create_index(
            "ix_intent_cells_cover_cell", ["cell", "t_end", "t_start", "intent_id"], unique=False
        )
        batch_op.create_index(
            "ix_intent_cells_cover_lo", ["lo", "t_end", "t_start", "intent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("intent_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_intent_cells_cover_lo")
        batch_op.drop_index("ix_intent_cells_cover_cell")
        batch_op.create_index("ix_intent_cells_lo_t_end", ["lo", "t_end"], unique=False)
        batch_op.create_index("ix_intent_cells_cell_t_end", ["cell", "t_end"], unique=False)
