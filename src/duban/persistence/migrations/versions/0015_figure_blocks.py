"""figure blocks: a columnar copy of the official and submitted figures per (period, indicator)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duban.persistence.blocks import rebuild

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_block",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("official", sa.LargeBinary(), nullable=False),
        sa.Column("submitted", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_figure_block_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["period.id"], name=op.f("fk_figure_block_period_id_period"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("period_id", "indicator_id", name=op.f("pk_figure_block")),
    )
    rebuild(op.get_bind())  # an existing store's figures, read once from its entries


def downgrade() -> None:
    op.drop_table("figure_block")
