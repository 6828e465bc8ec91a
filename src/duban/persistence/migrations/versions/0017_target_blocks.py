"""target blocks: a columnar copy of the unit targets per indicator

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duban.persistence.target_blocks import rebuild

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target_block",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("cells", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_target_block_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", name=op.f("pk_target_block")),
    )
    rebuild(op.get_bind())  # an existing store's unit targets, read once


def downgrade() -> None:
    op.drop_table("target_block")
